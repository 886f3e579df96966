//! `lookup [kind=leftouter|inner] (right) on keys`: extends each left row
//! with the matching right row's columns; the key columns appear once.

use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::operators::join::{JoinKind, join_keys, join_tables};
use crate::engine::operators::param_text;
use crate::engine::scope::Env;
use crate::engine::table::Table;
use crate::syntax::ast::Expr;
use crate::syntax::ast::operators::NamedParameter;

pub fn run<'q>(
    exec: &Executor<'q>,
    params: &[NamedParameter],
    right: &'q Expr,
    on: &[Expr],
    left: &Table,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let kind = match param_text(params, "kind").map(|k| k.to_ascii_lowercase()).as_deref() {
        None | Some("leftouter") => JoinKind::LeftOuter,
        Some("inner") => JoinKind::Inner,
        Some(other) => {
            return Err(ExecError::runtime(format!("`lookup` supports kind=leftouter or inner, not `{other}`")));
        }
    };
    let right = exec.eval_table(right, env)?;
    let keys = join_keys(on)?;
    join_tables(exec, kind, left, &right, &keys, true)
}
