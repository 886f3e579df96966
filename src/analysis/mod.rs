//! Semantic analysis: binds a parsed query against table schemas and the
//! built-in catalog, infers the type of every expression and the output
//! schema of every tabular operator, and reports unknown names, wrong
//! arguments and type errors as diagnostics.
//!
//! Like the parser, [`analyze`] never fails: it returns the query's output
//! schema (as far as it could be determined) and the diagnostics.

pub mod catalog;
pub(crate) mod expr;
mod find;
mod functions;
mod graph;
pub(crate) mod names;
pub(crate) mod operators;
mod plugins;
pub mod schema;
mod scope;
mod sources;
pub mod types;
mod unify;

use std::sync::Arc;

use crate::analysis::catalog::Catalog;
use crate::analysis::schema::Schemas;
use crate::analysis::scope::Binder;
use crate::analysis::types::{TableType, Type};
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast;

/// What the analyzer checks a query against: table and function schemas
/// and the built-in catalog.
#[derive(Debug, Clone)]
pub struct Globals {
    pub schemas: Arc<Schemas>,
    pub catalog: &'static Catalog,
}

impl Globals {
    /// The built-in Log Analytics / Sentinel schemas and catalog.
    pub fn builtin() -> Globals {
        Globals::with_schemas(Schemas::builtin().clone())
    }

    /// Custom schemas and the built-in catalog.
    pub fn with_schemas(schemas: Schemas) -> Globals {
        Globals { schemas: Arc::new(schemas), catalog: Catalog::builtin() }
    }
}

/// The result of analysing a query.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The type of the query's result (its last query statement), when it has one.
    pub output: Option<Output>,
    /// Semantic diagnostics, in the order found.
    pub diagnostics: Vec<Diagnostic>,
}

/// The result type of a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Table(Arc<TableType>),
    Scalar(Type),
}

/// Analyses a parsed query.
///
/// ```
/// use kqlab::analysis::{Globals, Output, analyze};
/// let parse = kqlab::syntax::parse("SigninLogs | summarize n = count() by UserPrincipalName");
/// let analysis = analyze(&parse.query, &Globals::builtin());
/// assert!(analysis.diagnostics.is_empty());
/// let Some(Output::Table(table)) = analysis.output else { panic!("tabular") };
/// let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
/// assert_eq!(names, ["UserPrincipalName", "n"]);
/// ```
pub fn analyze(query: &ast::Query, globals: &Globals) -> Analysis {
    let mut binder = Binder::new(globals);
    let output = binder.bind_statements(&query.statements);
    let mut diagnostics = binder.finish();
    let has_query = query.statements.iter().any(|s| matches!(s.kind, ast::StatementKind::Query(_)));
    if !has_query && let Some(last) = query.statements.last() {
        diagnostics.push(
            Diagnostic::new(Code::NoQueryStatement, last.span, "the text declares names but runs no query")
                .with_help("end with a query statement that uses them, e.g. `SigninLogs | where ...`"),
        );
    }
    Analysis { output, diagnostics }
}

/// Parses and analyses a query text: parser and analyzer diagnostics in
/// source order, and the output type. (Run it on a large stack for
/// untrusted input: see `crate::stack`.)
pub fn check_text(text: &str, globals: &Globals) -> (Vec<Diagnostic>, Option<Output>) {
    let parse = crate::syntax::parse(text);
    let mut diagnostics = parse.diagnostics;
    let analysis = analyze(&parse.query, globals);
    diagnostics.extend(analysis.diagnostics);
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    (diagnostics, analysis.output)
}

/// A parameter of an ASIM parser (`ParserParams` in its YAML).
#[derive(Debug, Clone)]
pub struct ParserParam {
    pub name: String,
    /// KQL type name as written (`string`, `datetime`, `dynamic`, ...).
    pub ty: String,
    /// The default value as written in the YAML.
    pub default: Option<String>,
}

/// `let name = default;` statements for an ASIM parser's parameters, to
/// prepend to its query so the parameters are in scope — what
/// Azure-Sentinel's own CI (`KqlValidationTests`) does. String defaults are
/// quoted; YAML booleans become `true`/`false`.
pub fn parser_prelude(params: &[ParserParam]) -> String {
    let mut out = String::new();
    for param in params {
        let mut value = param.default.clone().unwrap_or_default();
        if value == "True" || value == "False" {
            value = value.to_lowercase();
        }
        if param.ty.eq_ignore_ascii_case("string") {
            value = format!("'{value}'");
        }
        out.push_str(&format!("let {}= {value};\n", param.name));
    }
    out
}

/// [`parser_prelude`] for `ParserParams` as JSON (`[{"Name", "Type", "Default"}]`,
/// as in the YAML and the corpus); anything else gives no prelude.
pub fn parser_prelude_from_json(params: &serde_json::Value) -> String {
    let Some(params) = params.as_array() else { return String::new() };
    let params: Vec<ParserParam> = params
        .iter()
        .map(|p| ParserParam {
            name: p["Name"].as_str().unwrap_or_default().to_string(),
            ty: p["Type"].as_str().unwrap_or_default().to_string(),
            default: match &p["Default"] {
                serde_json::Value::Null => None,
                serde_json::Value::String(text) => Some(text.clone()),
                serde_json::Value::Bool(b) => Some(if *b { "True".into() } else { "False".into() }),
                other => Some(other.to_string()),
            },
        })
        .collect();
    parser_prelude(&params)
}
