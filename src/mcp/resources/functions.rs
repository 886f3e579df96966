//! `kqlab://functions/{name}`: one built-in function, aggregation or plugin
//! of the catalog, with its signatures and whether the local engine runs it.

use serde::Serialize;

use crate::analysis::catalog::{Function, ParamKind, ParamType, Parameter, ReturnRule, Returns, Signature};
use crate::engine::support::{kind_name, support_matrix};
use crate::mcp::resources::schema::to_json;

pub const TEMPLATE: &str = "kqlab://functions/{name}";

/// Everything under one name (a few names, such as `hll_merge`, are both a
/// scalar function and an aggregation).
#[derive(Debug, Serialize)]
struct FunctionDoc {
    name: String,
    definitions: Vec<Definition>,
}

#[derive(Debug, Serialize)]
struct Definition {
    /// `scalar`, `aggregation`, `window` or `plugin`.
    kind: &'static str,
    category: String,
    description: String,
    /// True when kqlab's local engine evaluates it; false means it is
    /// checked but a local run stops with KQL4001.
    runs_locally: bool,
    deprecated: bool,
    /// The name to use instead, for a deprecated one.
    use_instead: Option<String>,
    /// `name(param: type, [optional: type], repeated: type...) -> type`.
    signatures: Vec<String>,
}

/// The documentation of `name` (exact, as KQL function names are
/// case-sensitive); an unknown name is an error with close names.
pub fn function(name: &str) -> Result<String, String> {
    let matrix = support_matrix();
    let definitions: Vec<Definition> = matrix
        .iter()
        .filter(|entry| entry.function.name == name)
        .map(|entry| Definition {
            kind: kind_name(entry.function.kind),
            category: entry.function.category.clone(),
            description: entry.function.description.clone(),
            runs_locally: entry.runs_locally,
            deprecated: entry.function.deprecated,
            use_instead: entry.function.alternative.clone(),
            signatures: render_signatures(entry.function),
        })
        .collect();
    if definitions.is_empty() {
        let wanted = name.to_lowercase();
        let mut close: Vec<(usize, &str)> = matrix
            .iter()
            .map(|entry| entry.function.name.as_str())
            .map(|candidate| (crate::text::edit_distance(&wanted, &candidate.to_lowercase()), candidate))
            .filter(|(distance, _)| *distance <= 2)
            .collect();
        close.sort_unstable();
        close.dedup();
        let close: Vec<String> = close.iter().take(5).map(|(_, name)| format!("`{name}`")).collect();
        return Err(if close.is_empty() {
            format!("unknown function `{name}`; the functions_search tool finds functions by topic")
        } else {
            format!("unknown function `{name}`; did you mean {}?", close.join(", "))
        });
    }
    Ok(to_json(&FunctionDoc { name: name.to_string(), definitions }))
}

/// The function's documented (not hidden) overloads, one line each.
fn render_signatures(function: &Function) -> Vec<String> {
    function
        .signatures
        .iter()
        .filter(|signature| !signature.hidden)
        .map(|signature| render_signature(&function.name, signature))
        .collect()
}

fn render_signature(name: &str, signature: &Signature) -> String {
    let params: Vec<String> = signature.params.iter().map(render_parameter).collect();
    format!("{name}({}) -> {}", params.join(", "), render_returns(&signature.returns))
}

fn render_parameter(parameter: &Parameter) -> String {
    let mut text = format!("{}: {}", parameter.name, render_param_type(&parameter.ty));
    if !parameter.values.is_empty() {
        text.push_str(&format!(" (one of {})", parameter.values.join(", ")));
    }
    if parameter.max > 1 {
        text.push_str(" (repeatable)");
    }
    if parameter.min == 0 { format!("[{text}]") } else { text }
}

fn render_param_type(ty: &ParamType) -> String {
    match ty {
        ParamType::Declared(types) => types.iter().map(ToString::to_string).collect::<Vec<_>>().join("|"),
        ParamType::Kind(kind) => match kind {
            ParamKind::Any => "any",
            ParamKind::Scalar | ParamKind::CommonScalar => "scalar",
            ParamKind::Tabular => "table",
            ParamKind::Database => "database",
            ParamKind::Cluster => "cluster",
            ParamKind::Integer => "int|long",
            ParamKind::RealOrDecimal => "real|decimal",
            ParamKind::StringOrDynamic | ParamKind::StringOrArray => "string|dynamic",
            ParamKind::IntegerOrArray => "int|long|dynamic",
            ParamKind::DynamicArray => "dynamic (array)",
            ParamKind::DynamicBag => "dynamic (bag)",
            ParamKind::Number | ParamKind::CommonNumber => "number",
            ParamKind::NumberOrBool => "number|bool",
            ParamKind::Summable | ParamKind::CommonSummable => "number|timespan|datetime",
            ParamKind::Orderable | ParamKind::CommonOrderable => "orderable scalar",
            ParamKind::NotRealOrBool => "scalar (not real or bool)",
            ParamKind::NotDynamic => "scalar (not dynamic)",
            ParamKind::NotBool => "scalar (not bool)",
            ParamKind::Param0 => "same type as argument 1",
            ParamKind::Param1 => "same type as argument 2",
            ParamKind::Param2 => "same type as argument 3",
            ParamKind::CommonScalarOrDynamic => "scalar|dynamic",
        }
        .to_string(),
    }
}

fn render_returns(returns: &Returns) -> String {
    match returns {
        Returns::Declared(ty) => ty.to_string(),
        Returns::Table(columns) => columns.clone(),
        Returns::Rule(rule) => match rule {
            ReturnRule::Param0 | ReturnRule::Param0Literal | ReturnRule::Param0Promoted => "type of argument 1",
            ReturnRule::Param1 | ReturnRule::Param1Literal => "type of argument 2",
            ReturnRule::Param2 => "type of argument 3",
            ReturnRule::ParamN | ReturnRule::ParamNLiteral => "type of the last argument",
            ReturnRule::Param0Array => "dynamic (array of argument 1)",
            ReturnRule::Common | ReturnRule::CommonNonDynamic | ReturnRule::Widest => "common type of the arguments",
            ReturnRule::Param0Table
            | ReturnRule::Param0ExternalTable
            | ReturnRule::Param0MaterializedView
            | ReturnRule::Param0StoredQueryResult => "table",
            _ => "depends on the arguments",
        }
        .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_has_its_signatures_and_support_status() {
        let doc: serde_json::Value = serde_json::from_str(&function("strlen").unwrap()).unwrap();
        let definition = &doc["definitions"][0];
        assert_eq!(definition["kind"], "scalar");
        assert_eq!(definition["runs_locally"], true);
        assert_eq!(definition["signatures"][0], "strlen(string: string|dynamic) -> long", "{doc}");
    }

    #[test]
    fn optional_parameters_are_bracketed() {
        let doc: serde_json::Value = serde_json::from_str(&function("dcount").unwrap()).unwrap();
        let signatures = doc["definitions"][0]["signatures"].to_string();
        assert!(signatures.contains('['), "{signatures}");
    }

    #[test]
    fn an_unknown_function_suggests_close_names() {
        let error = function("dcont").unwrap_err();
        assert!(error.contains("`dcount`"), "{error}");
    }
}
