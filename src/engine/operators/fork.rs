//! `fork [name=](subquery) ...`: runs each subquery on the same input and
//! returns one table per subquery.
//!
//! A leg is named by `name=` or by a final `as Name` (as the documentation
//! says); unnamed legs stay unnamed and are named by position when rendered.

use std::sync::Arc;

use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::scope::{Binding, Env, INPUT, bind};
use crate::engine::table::{NamedTable, Table};
use crate::syntax::ast::operators::ForkBranch;
use crate::syntax::ast::{Expr, ExprKind, OperatorKind};

pub fn run<'q>(
    exec: &Executor<'q>,
    branches: &'q [ForkBranch],
    input: Arc<Table>,
    env: &Env<'q>,
) -> ExecResult<Vec<NamedTable>> {
    if branches.is_empty() {
        return Err(ExecError::runtime("`fork` needs at least one subquery"));
    }
    let input_env = bind(env, INPUT, Binding::Evaluated(input));
    let mut results = Vec::with_capacity(branches.len());
    for branch in branches {
        let table = exec.eval_table(&branch.query, &input_env)?;
        let name = branch.name.as_ref().map(|n| n.name.clone()).or_else(|| final_as_name(&branch.query));
        results.push(NamedTable { name, table });
    }
    Ok(results)
}

/// The name a subquery's last operator `as Name` gives.
fn final_as_name(query: &Expr) -> Option<String> {
    match &query.kind {
        ExprKind::Paren(inner) => final_as_name(inner),
        ExprKind::Pipe { operator, .. } => match &operator.kind {
            OperatorKind::As { name, .. } => Some(name.name.clone()),
            _ => None,
        },
        _ => None,
    }
}
