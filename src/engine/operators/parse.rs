//! `parse` and `parse-where`: extract columns from a string by a pattern of
//! constants, `*` wildcards and (typed) column captures. `kind=simple` (the
//! default) matches constants literally, `kind=regex` treats them as regex
//! fragments, `kind=relaxed` nulls only the captures that fail to convert.

use std::sync::Arc;

use crate::engine::column::ColumnBuilder;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::functions::conversion::convert_string;
use crate::engine::operators::{param_text, push_unique};
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::Value;
use crate::syntax::ast::operators::{NamedParameter, ParsePart};
use crate::syntax::ast::{Expr, ScalarType};

#[allow(clippy::too_many_arguments)]
pub fn run<'q>(
    exec: &Executor<'q>,
    is_where: bool,
    params: &[NamedParameter],
    source: &'q Expr,
    pattern: &'q [ParsePart],
    input: &Table,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let kind = param_text(params, "kind").unwrap_or_else(|| "simple".to_string()).to_ascii_lowercase();
    let flags = param_text(params, "flags").unwrap_or_default();
    let regex_mode = kind == "regex";
    let relaxed = kind == "relaxed";
    let mut regex_text = String::from("^");
    if regex_mode && !flags.is_empty() {
        let flags: String = flags.chars().filter(|c| matches!(c, 'i' | 'm' | 's' | 'U')).collect();
        if !flags.is_empty() {
            regex_text = format!("(?{flags})^");
        }
    }
    let mut columns: Vec<(String, ScalarType)> = Vec::new();
    let parts_count = pattern.len();
    for (index, part) in pattern.iter().enumerate() {
        let last = index + 1 == parts_count;
        match part {
            // Regex mode is greedy unless `flags=U` swaps it (as in Kusto).
            ParsePart::Wildcard(_) => regex_text.push_str(if last || regex_mode { ".*" } else { ".*?" }),
            ParsePart::Text(expr) => {
                let (value, _) = exec.eval_scalar(expr, env)?;
                let text = value.to_kql_string();
                if regex_mode {
                    regex_text.push_str(&crate::engine::functions::string::from_re2(&text));
                } else {
                    regex_text.push_str(&regex::escape(&text));
                }
            }
            ParsePart::Column(decl) => {
                let ty = decl.ty.ty.unwrap_or(ScalarType::String);
                regex_text.push_str(&capture(columns.len(), ty, last || regex_mode, relaxed));
                columns.push((decl.name.name.clone(), ty));
            }
            ParsePart::ColumnUntyped(ident) => {
                regex_text.push_str(&capture(columns.len(), ScalarType::String, last || regex_mode, true));
                columns.push((ident.name.clone(), ScalarType::String));
            }
        }
    }
    let regex = regex::RegexBuilder::new(&regex_text)
        .dot_matches_new_line(true)
        .build()
        .map_err(|e| ExecError::runtime(format!("invalid parse pattern: {e}")))?;
    let text = exec.eval_column(source, input, env)?;
    let mut builders: Vec<ColumnBuilder> = columns.iter().map(|(_, ty)| ColumnBuilder::new(*ty, input.rows)).collect();
    let mut keep = vec![true; input.rows];
    for (row, keep_row) in keep.iter_mut().enumerate() {
        let value = text.get(row).to_kql_string();
        let captures = regex.captures(&value);
        let converted: Option<Vec<Value>> = captures.and_then(|caps| {
            let mut values = Vec::with_capacity(columns.len());
            for (index, (_, ty)) in columns.iter().enumerate() {
                let captured = caps.name(&format!("c{index}")).map_or("", |m| m.as_str());
                let value = convert_string(captured, *ty);
                if value.is_null() && *ty != ScalarType::String && !relaxed {
                    return None;
                }
                values.push(value);
            }
            Some(values)
        });
        match converted {
            Some(values) => {
                for (builder, value) in builders.iter_mut().zip(&values) {
                    builder.push(value);
                }
            }
            None => {
                *keep_row = false;
                for builder in builders.iter_mut() {
                    builder.push(&Value::Null);
                }
            }
        }
    }
    let mut fields = input.fields.clone();
    for ((name, _), builder) in columns.into_iter().zip(builders) {
        push_unique(&mut fields, Field { name, column: Arc::new(builder.finish()) });
    }
    let table = Table::from_fields(fields, input.rows);
    Ok(if is_where { table.filter(&keep) } else { table })
}

/// The capture group for column number `index`, of type `ty` (named, as
/// regex-mode patterns may have groups of their own). Numbers match their
/// own syntax; in relaxed mode anything else is tried too (and converts to
/// null), so one bad value does not fail the row.
fn capture(index: usize, ty: ScalarType, greedy: bool, relaxed: bool) -> String {
    let any = if greedy { ".*" } else { ".*?" };
    let typed = match ty {
        ScalarType::Int | ScalarType::Long => r"[-+]?\d+",
        ScalarType::Real => r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?",
        _ => return format!("(?P<c{index}>{any})"),
    };
    if relaxed { format!("(?P<c{index}>{typed}|{any})") } else { format!("(?P<c{index}>{typed})") }
}
