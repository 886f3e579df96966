//! `mv-apply items on (subquery)`: expands each record's arrays as
//! `mv-expand` does into a sub-table, runs the subquery on it, and returns
//! the union of the results, each with the record's columns that were not
//! expanded (the subquery's own columns of the same name give way).

use std::sync::Arc;

use crate::engine::column::Column;
use crate::engine::error::ExecResult;
use crate::engine::exec::Executor;
use crate::engine::operators::mv_expand;
use crate::engine::operators::union::union_tables;
use crate::engine::scope::{Binding, Env, INPUT, bind};
use crate::engine::table::{Field, Table};
use crate::engine::value::Value;
use crate::syntax::ast::operators::{ExpandItem, NamedParameter};
use crate::syntax::ast::{Expr, ScalarType};

/// The hidden column carrying each expanded row's source record.
const SOURCE_ROW: &str = "\u{1}mv-apply-row";

pub fn run<'q>(
    exec: &Executor<'q>,
    params: &'q [NamedParameter],
    items: &'q [ExpandItem],
    limit: Option<&'q Expr>,
    subquery: &'q Expr,
    input: &Table,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let mut numbered = input.clone();
    let ids: Vec<Value> = (0..input.rows as i64).map(Value::Long).collect();
    numbered
        .fields
        .push(Field { name: SOURCE_ROW.into(), column: Arc::new(Column::from_values(ScalarType::Long, &ids)) });
    let expanded = mv_expand::run(exec, params, items, limit, &numbered, env)?;
    let source_index = expanded.index_of(SOURCE_ROW).expect("carried through mv-expand");
    let source = expanded.fields[source_index].column.clone();
    let mut sub = expanded.clone();
    sub.fields.remove(source_index);
    // The input's columns that the expansion replaced are not repeated.
    let kept: Vec<usize> = (0..input.fields.len()).filter(|&i| !expanded_name(items, &input.fields[i].name)).collect();
    let mut results: Vec<(String, Arc<Table>)> = Vec::new();
    let mut start = 0;
    while start <= sub.rows {
        exec.check_cancelled()?;
        // The run of expanded rows from one record (an empty table once, for the schema).
        let record = (start < sub.rows).then(|| source.get(start).as_i64().unwrap_or(0) as usize);
        let mut end = start;
        while end < sub.rows && source.get(end).as_i64() == record.map(|r| r as i64) {
            end += 1;
        }
        let rows: Vec<usize> = (start..end).collect();
        let part = Arc::new(sub.take(&rows));
        let mut result = exec.eval_table(subquery, &bind(env, INPUT, Binding::Evaluated(part)))?;
        if record.is_none() {
            // No records: only the schema (a subquery like `summarize` has rows of its own).
            result = Arc::new(result.take(&[]));
        }
        let repeat = vec![record.unwrap_or(0); result.rows];
        let mut fields: Vec<Field> = kept
            .iter()
            .map(|&i| Field {
                name: input.fields[i].name.clone(),
                column: Arc::new(input.fields[i].column.take(&repeat)),
            })
            .collect();
        for field in &result.fields {
            if fields.iter().all(|f| f.name != field.name) {
                fields.push(field.clone());
            }
        }
        if record.is_some() || results.is_empty() {
            results.push((String::new(), Arc::new(Table::from_fields(fields, result.rows))));
        }
        exec.check_rows(results.iter().map(|(_, t)| t.rows).sum())?;
        if end == sub.rows {
            break;
        }
        start = end;
    }
    union_tables(exec, &results, false, None)
}

/// Whether `name` is the column an expanded item replaces.
fn expanded_name(items: &[ExpandItem], name: &str) -> bool {
    items.iter().any(|item| match &item.name {
        Some(ident) => ident.name == name,
        None => crate::analysis::names::expression_name(&item.expr, false).as_deref() == Some(name),
    })
}
