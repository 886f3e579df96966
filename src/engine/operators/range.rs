//! `range x from a to b step s`: one column of values from `a` to `b` inclusive.

use crate::engine::column::{Column, ColumnBuilder};
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::functions::operators::{arithmetic_value, compare};
use crate::engine::scope::Env;
use crate::engine::table::Table;
use crate::engine::value::Value;
use crate::syntax::ast::{BinaryOp, Expr, ScalarType};

pub fn run<'q>(
    exec: &Executor<'q>,
    column: &str,
    from: &'q Expr,
    to: &'q Expr,
    step: &'q Expr,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let (start, start_ty) = exec.eval_scalar(from, env)?;
    let (stop, _) = exec.eval_scalar(to, env)?;
    let (step_value, step_ty) = exec.eval_scalar(step, env)?;
    let ty = match (start_ty, step_ty) {
        (ScalarType::Int, ScalarType::Int) | (ScalarType::Int, ScalarType::Long) | (ScalarType::Long, _)
            if step_ty != ScalarType::Real =>
        {
            ScalarType::Long
        }
        (ScalarType::DateTime, _) => ScalarType::DateTime,
        (ScalarType::TimeSpan, _) => ScalarType::TimeSpan,
        (ScalarType::Int | ScalarType::Long | ScalarType::Real, _) => ScalarType::Real,
        (other, _) => other,
    };
    if start.is_null() || stop.is_null() || step_value.is_null() {
        return Ok(Table::new(vec![(column.to_string(), Column::empty(ty))]));
    }
    let zero = match &step_value {
        Value::TimeSpan(t) => *t == 0,
        other => other.as_f64() == Some(0.0),
    };
    if zero {
        return Err(ExecError::runtime("`range` needs a non-zero step").at(step.span));
    }
    let descending = match &step_value {
        Value::TimeSpan(t) => *t < 0,
        other => other.as_f64().is_some_and(|s| s < 0.0),
    };
    let mut builder = ColumnBuilder::new(ty, 0);
    let mut current = start;
    let mut rows = 0usize;
    loop {
        let past_end = match compare(&current, &stop) {
            Some(std::cmp::Ordering::Greater) => !descending,
            Some(std::cmp::Ordering::Less) => descending,
            Some(std::cmp::Ordering::Equal) => false,
            None => true,
        };
        if past_end {
            break;
        }
        rows += 1;
        if rows > exec.options.max_rows {
            exec.check_rows(rows)?;
        }
        if rows.is_multiple_of(65_536) {
            exec.check_cancelled()?;
        }
        builder.push(&current);
        current = arithmetic_value(BinaryOp::Add, &current, &step_value, ty);
        if current.is_null() {
            break;
        }
    }
    exec.check_rows(rows)?;
    Ok(Table::new(vec![(column.to_string(), builder.finish())]))
}
