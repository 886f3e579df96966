//! `where`: keeps the rows for which the predicate is true.

use crate::engine::error::ExecResult;
use crate::engine::exec::Executor;
use crate::engine::scope::Env;
use crate::engine::table::Table;
use crate::syntax::ast::Expr;

pub fn run<'q>(exec: &Executor<'q>, predicate: &'q Expr, input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    let mask = exec.eval_mask(predicate, input, env)?;
    Ok(input.filter(&mask))
}
