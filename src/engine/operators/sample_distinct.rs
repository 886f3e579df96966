//! `sample-distinct N of Column`: one column with up to N distinct values.
//!
//! Kusto returns whichever distinct values it finds first ("as quickly as
//! possible rather than a fair sample"); kqlab returns the first N distinct
//! values in input order, so the result is deterministic. Null counts as one
//! value, as in `distinct`.

use std::sync::Arc;

use crate::engine::error::ExecResult;
use crate::engine::exec::Executor;
use crate::engine::keys::group_rows;
use crate::engine::operators::take::row_count;
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::syntax::ast::Expr;

pub fn run<'q>(
    exec: &Executor<'q>,
    count: &'q Expr,
    column: &'q Expr,
    input: &Table,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let wanted = row_count(exec, count, env)?;
    // The analyzer names the column after the expression (`Column1` when it has no name).
    let name = crate::analysis::names::expression_name(column, false).unwrap_or_else(|| "Column1".to_string());
    let values = exec.eval_column(column, input, env)?.into_column(input.rows);
    let groups = group_rows(&[&values], input.rows);
    let mut first_rows = groups.first_rows;
    first_rows.truncate(wanted);
    let field = Field { name, column: Arc::new(values.take(&first_rows)) };
    Ok(Table::from_fields(vec![field], first_rows.len()))
}
