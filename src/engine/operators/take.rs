//! `take` / `limit`: the first N rows.

use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::scope::Env;
use crate::engine::table::Table;
use crate::syntax::ast::Expr;

pub fn run<'q>(exec: &Executor<'q>, count: &'q Expr, input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    let n = row_count(exec, count, env)?;
    if n >= input.rows {
        return Ok(input.clone());
    }
    let indexes: Vec<usize> = (0..n).collect();
    Ok(input.take(&indexes))
}

/// Evaluates a row-count argument (a non-negative integer).
pub fn row_count<'q>(exec: &Executor<'q>, count: &'q Expr, env: &Env<'q>) -> ExecResult<usize> {
    let (value, _) = exec.eval_scalar(count, env)?;
    match value.as_i64() {
        Some(n) if n >= 0 => Ok(n as usize),
        Some(_) => Ok(0),
        None => Err(ExecError::runtime("a row count must be a number").at(count.span)),
    }
}
