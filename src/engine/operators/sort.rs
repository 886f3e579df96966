//! `sort` / `order by`: stable sort by keys; `desc` by default, nulls first
//! when ascending and last when descending unless `nulls first|last` says otherwise.

use std::cmp::Ordering;

use crate::engine::column::Column;
use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::exec::Executor;
use crate::engine::functions::operators::compare;
use crate::engine::scope::Env;
use crate::engine::table::Table;
use crate::syntax::ast::operators::{NullsOrder, SortKey, SortOrder};

pub fn run<'q>(exec: &Executor<'q>, keys: &'q [SortKey], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    let order = sorted_rows(exec, keys, input, env)?;
    Ok(input.take(&order))
}

/// One evaluated sort key.
pub struct KeyColumn {
    column: Column,
    descending: bool,
    nulls_first: bool,
}

/// Evaluates the sort keys.
pub fn key_columns<'q>(
    exec: &Executor<'q>,
    keys: &'q [SortKey],
    input: &Table,
    env: &Env<'q>,
) -> ExecResult<Vec<KeyColumn>> {
    let mut out = Vec::new();
    for key in keys {
        let datum = exec.eval_column(&key.expr, input, env)?;
        let descending = !matches!(key.order, Some(SortOrder::Asc | SortOrder::GrannyAsc));
        let nulls_first = match key.nulls {
            Some(NullsOrder::First) => true,
            Some(NullsOrder::Last) => false,
            None => !descending,
        };
        let column = match datum {
            Datum::Column(column) => column,
            scalar => scalar.into_column(input.rows),
        };
        out.push(KeyColumn { column, descending, nulls_first });
    }
    Ok(out)
}

/// Compares rows `a` and `b` by the keys.
pub fn compare_rows(keys: &[KeyColumn], a: usize, b: usize) -> Ordering {
    for key in keys {
        let ordering = compare_in(key, a, b);
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    Ordering::Equal
}

fn compare_in(key: &KeyColumn, a: usize, b: usize) -> Ordering {
    let (a_null, b_null) = (key.column.is_null(a), key.column.is_null(b));
    match (a_null, b_null) {
        (true, true) => return Ordering::Equal,
        (true, false) => return if key.nulls_first { Ordering::Less } else { Ordering::Greater },
        (false, true) => return if key.nulls_first { Ordering::Greater } else { Ordering::Less },
        _ => {}
    }
    let ordering = match &key.column {
        Column::Long(p) | Column::DateTime(p) | Column::TimeSpan(p) => p.values[a].cmp(&p.values[b]),
        Column::Int(p) => p.values[a].cmp(&p.values[b]),
        Column::Real(p) => p.values[a].total_cmp(&p.values[b]),
        Column::String(s) => s.get(a).cmp(s.get(b)),
        Column::Bool(p) => p.values[a].cmp(&p.values[b]),
        other => compare(&other.get(a), &other.get(b)).unwrap_or(Ordering::Equal),
    };
    if key.descending { ordering.reverse() } else { ordering }
}

/// Row indexes in sorted order.
pub fn sorted_rows<'q>(
    exec: &Executor<'q>,
    keys: &'q [SortKey],
    input: &Table,
    env: &Env<'q>,
) -> ExecResult<Vec<usize>> {
    let keys = key_columns(exec, keys, input, env)?;
    let mut order: Vec<usize> = (0..input.rows).collect();
    order.sort_by(|a, b| compare_rows(&keys, *a, *b));
    Ok(order)
}
