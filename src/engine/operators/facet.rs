//! `facet by Col1, Col2 [with (subquery)]`: one table per column with each
//! value and its count (`Col`, `count_Col`), and one more for the `with`
//! subquery run on the input.
//!
//! The documentation lists the `with` table first and then the column
//! tables, in the order written; kqlab returns them in that order. Values
//! appear in the order they first occur in the input (the documentation's
//! example is not sorted either). Facet tables are not named.

use std::sync::Arc;

use crate::analysis::names::expression_name;
use crate::engine::column::{Column, Prim};
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::keys::group_rows;
use crate::engine::scope::{Binding, Env, INPUT, bind};
use crate::engine::table::{Field, NamedTable, Table};
use crate::syntax::ast::Expr;

pub fn run<'q>(
    exec: &Executor<'q>,
    columns: &'q [Expr],
    with: Option<&'q Expr>,
    input: Arc<Table>,
    env: &Env<'q>,
) -> ExecResult<Vec<NamedTable>> {
    let mut results = Vec::with_capacity(columns.len() + 1);
    if let Some(with) = with {
        let input_env = bind(env, INPUT, Binding::Evaluated(input.clone()));
        results.push(NamedTable::unnamed(exec.eval_table(with, &input_env)?));
    }
    for column in columns {
        let Some(name) = expression_name(column, false) else {
            return Err(ExecError::runtime("`facet by` takes column names").at(column.span));
        };
        results.push(NamedTable::unnamed(Arc::new(facet_table(exec, &name, column, &input, env)?)));
    }
    Ok(results)
}

/// `Name`, `count_Name`: each value of `column` and how many rows have it.
pub fn facet_table<'q>(
    exec: &Executor<'q>,
    name: &str,
    column: &'q Expr,
    input: &Table,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let values = exec.eval_column(column, input, env)?.into_column(input.rows);
    let groups = group_rows(&[&values], input.rows);
    let mut counts = vec![0i64; groups.len()];
    for group in &groups.group_of_row {
        counts[*group as usize] += 1;
    }
    let fields = vec![
        Field { name: name.to_string(), column: Arc::new(values.take(&groups.first_rows)) },
        Field { name: format!("count_{name}"), column: Arc::new(Column::Long(Prim::new(counts))) },
    ];
    Ok(Table::from_fields(fields, groups.len()))
}
