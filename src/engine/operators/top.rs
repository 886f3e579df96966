//! `top N by key [asc|desc] [nulls first|last]`: the first N rows after sorting.

use crate::engine::error::ExecResult;
use crate::engine::exec::Executor;
use crate::engine::operators::sort::{compare_rows, key_columns};
use crate::engine::operators::take::row_count;
use crate::engine::scope::Env;
use crate::engine::table::Table;
use crate::syntax::ast::Expr;
use crate::syntax::ast::operators::SortKey;

pub fn run<'q>(
    exec: &Executor<'q>,
    count: &'q Expr,
    key: &'q SortKey,
    input: &Table,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let n = row_count(exec, count, env)?;
    let keys = key_columns(exec, std::slice::from_ref(key), input, env)?;
    let mut order: Vec<usize> = (0..input.rows).collect();
    let compare = |a: &usize, b: &usize| compare_rows(&keys, *a, *b).then(a.cmp(b));
    if n < order.len() {
        if n == 0 {
            order.clear();
        } else {
            order.select_nth_unstable_by(n - 1, compare);
            order.truncate(n);
        }
    }
    order.sort_by(compare);
    Ok(input.take(&order))
}
