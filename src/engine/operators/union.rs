//! `union [kind=inner|outer] [withsource=Name] [isfuzzy=true] T1, T2, ...`:
//! rows of all tables; outer keeps every column (a name with two types
//! becomes `Name_type` columns), inner only the columns all tables share.

use std::sync::Arc;

use crate::analysis::names::unique_name;
use crate::analysis::operators::wildcard_match;
use crate::engine::column::{Column, ColumnBuilder};
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::operators::param_text;
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::syntax::ast::operators::NamedParameter;
use crate::syntax::ast::{Expr, ExprKind, ScalarType};

pub fn run<'q>(
    exec: &Executor<'q>,
    params: &[NamedParameter],
    piped: Option<&Expr>,
    tables: &'q [Expr],
    env: &Env<'q>,
    piped_table: Option<Arc<Table>>,
) -> ExecResult<Table> {
    let fuzzy = param_text(params, "isfuzzy").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let inner = param_text(params, "kind").is_some_and(|k| k.eq_ignore_ascii_case("inner"));
    let source = param_text(params, "withsource");
    let mut inputs: Vec<(String, Arc<Table>)> = Vec::new();
    if let (Some(_), Some(table)) = (piped, piped_table) {
        inputs.push(("union_arg0".to_string(), table));
    }
    resolve_tables(exec, tables, env, fuzzy, &mut inputs)?;
    union_tables(exec, &inputs, inner, source.as_deref())
}

/// Evaluates the tables of a `union`, `search in (...)` or `find in (...)`
/// list, each with the name `withsource` shows: its own name, each loaded
/// (or, with `--empty-tables`, known) table a wildcard matches, or
/// `union_argN` for an expression. With `fuzzy`, missing tables are skipped.
pub fn resolve_tables<'q>(
    exec: &Executor<'q>,
    tables: &'q [Expr],
    env: &Env<'q>,
    fuzzy: bool,
    inputs: &mut Vec<(String, Arc<Table>)>,
) -> ExecResult<()> {
    for expr in tables {
        match &expr.kind {
            ExprKind::NamePattern(pattern) => {
                // Loaded tables, and with `--empty-tables` every known table that matches.
                let mut names: Vec<&str> = exec.database.names().filter(|n| wildcard_match(&pattern.name, n)).collect();
                if let Some(schemas) = exec.schemas {
                    names.extend(schemas.table_names().filter(|n| wildcard_match(&pattern.name, n)));
                }
                names.sort();
                names.dedup();
                for name in names {
                    inputs.push((name.to_string(), exec.table_by_name(name, env).map_err(|e| e.at(expr.span))?));
                }
            }
            _ => {
                let name = match &expr.kind {
                    ExprKind::Name(ident) => ident.name.clone(),
                    _ => format!("union_arg{}", inputs.len()),
                };
                match exec.eval_table(expr, env) {
                    Ok(table) => inputs.push((name, table)),
                    Err(error) if fuzzy && error.code == crate::diagnostics::Code::MissingTableData => {}
                    Err(error) => return Err(error),
                }
            }
        }
    }
    Ok(())
}

/// Unions evaluated tables.
pub fn union_tables(
    exec: &Executor<'_>,
    inputs: &[(String, Arc<Table>)],
    inner: bool,
    source: Option<&str>,
) -> ExecResult<Table> {
    // Output columns in order of first appearance; a name seen with two types
    // is split into one column per type.
    let mut columns: Vec<(String, ScalarType)> = Vec::new();
    for (_, table) in inputs {
        for field in &table.fields {
            let pair = (field.name.clone(), field.column.ty());
            if !columns.contains(&pair) {
                columns.push(pair);
            }
        }
    }
    if inner {
        columns.retain(|(name, ty)| inputs.iter().all(|(_, t)| t.column(name).is_some_and(|c| c.ty() == *ty)));
    }
    let split = |name: &str| columns.iter().filter(|(n, _)| n == name).count() > 1;
    let total: usize = inputs.iter().map(|(_, t)| t.rows).sum();
    exec.check_rows(total)?;
    let mut fields = Vec::new();
    if let Some(source) = source {
        let mut builder = ColumnBuilder::new(ScalarType::String, total);
        for (name, table) in inputs {
            for _ in 0..table.rows {
                builder.push_str(name);
            }
        }
        fields.push(Field { name: source.to_string(), column: Arc::new(builder.finish()) });
    }
    // A split column is named `name_type`; when that is another column's
    // name, the split one gets a number (`x_long1`), as Kusto does.
    let mut taken: Vec<String> = columns.iter().filter(|(n, _)| !split(n)).map(|(n, _)| n.clone()).collect();
    taken.extend(source.map(str::to_string));
    for (name, ty) in &columns {
        let output_name = if split(name) {
            let candidate = format!("{name}_{}", ty.name());
            let unique = unique_name(&candidate, |n| taken.iter().any(|t| t == n));
            taken.push(unique.clone());
            unique
        } else {
            name.clone()
        };
        let mut parts: Vec<Column> = Vec::new();
        for (_, table) in inputs {
            match table.column(name) {
                Some(column) if column.ty() == *ty => parts.push((**column).clone()),
                _ => parts.push(Column::nulls(*ty, table.rows)),
            }
        }
        let refs: Vec<&Column> = parts.iter().collect();
        fields.push(Field { name: output_name, column: Arc::new(crate::engine::column::concat(*ty, &refs)) });
    }
    if fields.is_empty() && total > 0 {
        return Err(ExecError::runtime("`union` of tables without columns"));
    }
    Ok(Table::from_fields(fields, total))
}
