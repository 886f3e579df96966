//! `top-hitters N of Value [by Weight]`: the N most frequent values (or the
//! N values with the largest sum of `Weight`).
//!
//! Kusto approximates with a Count-Min sketch; the documentation defines the
//! result as `summarize C = count() by Value | top N by C desc` (or
//! `sum(Weight)`), which kqlab computes exactly. The columns are `Value` and
//! `approximate_count_Value`, or `approximate_sum_Weight`. Ties keep the
//! order in which the values first appear; a null sum sorts last.

use std::cmp::Ordering;
use std::sync::Arc;

use crate::analysis::names::expression_name;
use crate::engine::column::{Column, Prim};
use crate::engine::error::ExecResult;
use crate::engine::exec::Executor;
use crate::engine::functions::aggregates::{Grouping, aggregate};
use crate::engine::functions::operators::compare;
use crate::engine::keys::group_rows;
use crate::engine::operators::take::row_count;
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::syntax::ast::Expr;

pub fn run<'q>(
    exec: &Executor<'q>,
    count: &'q Expr,
    of: &'q Expr,
    by: Option<&'q Expr>,
    input: &Table,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let wanted = row_count(exec, count, env)?;
    let value_name = expression_name(of, false).unwrap_or_else(|| "Column1".to_string());
    let values = exec.eval_column(of, input, env)?.into_column(input.rows);
    let groups = group_rows(&[&values], input.rows);
    let grouping = Grouping { group_of_row: &groups.group_of_row, groups: groups.len(), rows: input.rows };
    let (weight_name, weights) = match by {
        None => {
            let mut counts = vec![0i64; groups.len()];
            for group in &groups.group_of_row {
                counts[*group as usize] += 1;
            }
            (format!("approximate_count_{value_name}"), Column::Long(Prim::new(counts)))
        }
        Some(by) => {
            let weight = exec.eval_column(by, input, env)?;
            let name = expression_name(by, false).unwrap_or_default();
            (format!("approximate_sum_{name}"), aggregate("sum", &[weight], &grouping).map_err(|e| e.at(by.span))?)
        }
    };
    let mut order: Vec<usize> = (0..groups.len()).collect();
    // Largest first; nulls (a sum of nothing but nulls) last; stable on ties.
    order.sort_by(|a, b| match (weights.get(*a), weights.get(*b)) {
        (x, y) if x.is_null() && y.is_null() => Ordering::Equal,
        (x, _) if x.is_null() => Ordering::Greater,
        (_, y) if y.is_null() => Ordering::Less,
        (x, y) => compare(&y, &x).unwrap_or(Ordering::Equal),
    });
    order.truncate(wanted);
    let value_rows: Vec<usize> = order.iter().map(|group| groups.first_rows[*group]).collect();
    let fields = vec![
        Field { name: value_name, column: Arc::new(values.take(&value_rows)) },
        Field { name: weight_name, column: Arc::new(weights.take(&order)) },
    ];
    Ok(Table::from_fields(fields, order.len()))
}
