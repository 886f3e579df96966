//! `where`: keeps the rows for which the predicate is true. `* has "x"`
//! (any column) is evaluated as in `search`.

use crate::engine::error::ExecResult;
use crate::engine::exec::Executor;
use crate::engine::operators::search::{has_search_syntax, search_mask};
use crate::engine::scope::Env;
use crate::engine::table::Table;
use crate::syntax::ast::Expr;

pub fn run<'q>(exec: &Executor<'q>, predicate: &'q Expr, input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    let mask = if has_search_syntax(predicate) {
        search_mask(exec, predicate, input, env, false)?
    } else {
        exec.eval_mask(predicate, input, env)?
    };
    Ok(input.filter(&mask))
}
