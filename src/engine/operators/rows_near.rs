//! `evaluate rows_near(Condition, NumRows [, RowsAfter])`: the input rows
//! within `NumRows` rows of a row where `Condition` is true (before it, and
//! after it unless `RowsAfter` gives another count after), in input order.
//! Each row appears once, however many true rows it is near; a null
//! condition is false.

use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::operators::evaluate::check_arity;
use crate::engine::scope::Env;
use crate::engine::table::Table;
use crate::syntax::ast::Expr;
use crate::text::Span;

/// Runs the plugin on `input`.
pub fn run<'q>(exec: &Executor<'q>, span: Span, args: &'q [Expr], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    check_arity(args, 2, "rows_near", "rows_near(Condition, NumRows [, RowsAfter])", span)?;
    if args.len() > 3 {
        return Err(ExecError::runtime("`rows_near` takes at most three arguments").at(args[3].span));
    }
    let mask = exec.eval_mask(&args[0], input, env).map_err(|e| e.at(args[0].span))?;
    let before = row_count(exec, &args[1], env)?;
    let after = match args.get(2) {
        Some(arg) => row_count(exec, arg, env)?,
        None => before,
    };
    Ok(input.filter(&near(&mask, before, after)))
}

/// A non-negative row count.
fn row_count<'q>(exec: &Executor<'q>, arg: &'q Expr, env: &Env<'q>) -> ExecResult<usize> {
    let (value, _) = exec.eval_scalar(arg, env)?;
    match value.as_i64() {
        Some(count) if count >= 0 && !matches!(value, crate::engine::value::Value::Real(_)) => {
            Ok(usize::try_from(count).unwrap_or(usize::MAX))
        }
        _ => Err(ExecError::runtime(format!(
            "a `rows_near` row count is a non-negative integer, not `{}`",
            value.to_kql_string()
        ))
        .at(arg.span)),
    }
}

/// The rows at most `before` rows before or `after` rows after a true row.
fn near(mask: &[bool], before: usize, after: usize) -> Vec<bool> {
    let mut keep = vec![false; mask.len()];
    for (row, _) in mask.iter().enumerate().filter(|(_, hit)| **hit) {
        let first = row.saturating_sub(before);
        let last = row.saturating_add(after).min(mask.len().saturating_sub(1));
        keep[first..=last].iter_mut().for_each(|k| *k = true);
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::operators::test_support::{run_error, run_query};

    #[test]
    fn rows_around_each_hit_are_kept_once() {
        let mask = [false, false, true, false, false, false, true];
        assert_eq!(near(&mask, 1, 1), vec![false, true, true, true, false, true, true]);
        assert_eq!(near(&mask, 0, 2), vec![false, false, true, true, true, false, true]);
    }

    #[test]
    fn rows_near_keeps_input_order_and_columns() {
        let out = run_query("range x from 1 to 6 step 1 | evaluate rows_near(x == 3, 1, 2)");
        assert_eq!(out, "x:long\n2\n3\n4\n5\n");
    }

    #[test]
    fn no_hit_and_empty_input_give_no_rows() {
        assert_eq!(run_query("range x from 1 to 3 step 1 | evaluate rows_near(x > 5, 1)"), "x:long\n");
        assert_eq!(run_query("datatable(x: long) [] | evaluate rows_near(x > 5, 1)"), "x:long\n");
    }

    #[test]
    fn a_negative_count_is_an_error() {
        let error = run_error("range x from 1 to 3 step 1 | evaluate rows_near(x == 1, -1)");
        assert!(error.contains("non-negative"), "{error}");
    }
}
