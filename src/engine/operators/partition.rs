//! `partition by Column (subquery)`: runs the subquery once per distinct
//! value of the column, with that partition's rows as its input, and
//! unions the results (partitions in order of first appearance).

use std::sync::Arc;

use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::keys::group_rows;
use crate::engine::operators::union::union_tables;
use crate::engine::scope::{Binding, Env, INPUT, bind};
use crate::engine::table::Table;
use crate::syntax::ast::Expr;
use crate::syntax::ast::operators::NamedParameter;

pub fn run<'q>(
    exec: &Executor<'q>,
    _params: &'q [NamedParameter],
    by: &'q Expr,
    subquery: &'q Expr,
    input: &Table,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let key = exec.eval_column(by, input, env)?.into_column(input.rows);
    let groups = group_rows(&[&key], input.rows);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    for (row, group) in groups.group_of_row.iter().enumerate() {
        members[*group as usize].push(row);
    }
    let mut results = Vec::with_capacity(members.len());
    for rows in members {
        exec.check_cancelled()?;
        let part = Arc::new(input.take(&rows));
        let part_env = bind(env, INPUT, Binding::Evaluated(part));
        results.push((String::new(), exec.eval_table(subquery, &part_env)?));
    }
    if results.is_empty() {
        // No partitions: the subquery's schema on no rows.
        let part_env = bind(env, INPUT, Binding::Evaluated(Arc::new(input.take(&[]))));
        return exec.eval_table(subquery, &part_env).map(|t| (*t).clone());
    }
    union_tables(exec, &results, false, None).map_err(|e: ExecError| e.at(subquery.span))
}
