//! Window functions over serialized rows: `row_number`, `prev`, `next`,
//! `row_cumsum`, `row_rank_min`, `row_rank_dense`, `row_window_session`.
//! They see the whole column in its current order.

use crate::engine::column::{ColumnBuilder, Prim};
use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args};
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "row_number" => row_number,
        "prev" => |a, c| shifted(a, c, -1),
        "next" => |a, c| shifted(a, c, 1),
        "row_cumsum" => row_cumsum,
        "row_rank_min" => |a, c| row_rank(a, c, false),
        "row_rank_dense" => |a, c| row_rank(a, c, true),
        "row_window_session" => row_window_session,
        _ => return None,
    })
}

fn truthy(datum: Option<&Datum>, row: usize) -> bool {
    datum.is_some_and(|d| matches!(d.get(row), Value::Bool(true)))
}

/// `row_number([start [, restart]])`.
fn row_number(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("row_number", args, 0, 2)?;
    let start = args.first().and_then(|d| d.get(0).as_i64()).unwrap_or(1);
    let mut values = Vec::with_capacity(ctx.rows);
    let mut current = start;
    for row in 0..ctx.rows {
        if row > 0 && truthy(args.get(1), row) {
            current = start;
        }
        values.push(current);
        current += 1;
    }
    Ok(Datum::Column(crate::engine::column::Column::Long(Prim::new(values))))
}

/// `prev(column [, offset [, default]])` / `next(...)`.
fn shifted(args: &[Datum], ctx: &EvalCtx, direction: i64) -> ExecResult<Datum> {
    expect_args("prev", args, 1, 3)?;
    let offset = args.get(1).and_then(|d| d.get(0).as_i64()).unwrap_or(1) * direction;
    let default = args.get(2).map(|d| d.get(0)).unwrap_or(Value::Null);
    let ty = args[0].ty();
    let mut builder = ColumnBuilder::new(ty, ctx.rows);
    for row in 0..ctx.rows as i64 {
        let source = row + offset;
        if (0..ctx.rows as i64).contains(&source) {
            builder.push(&args[0].get(source as usize));
        } else {
            builder.push(&default);
        }
    }
    Ok(Datum::Column(builder.finish()))
}

/// `row_cumsum(value [, restart])`.
fn row_cumsum(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("row_cumsum", args, 1, 2)?;
    let ty = match args[0].ty() {
        ScalarType::Int => ScalarType::Long,
        other => other,
    };
    let mut builder = ColumnBuilder::new(ty, ctx.rows);
    let (mut long_sum, mut real_sum) = (0i64, 0f64);
    for row in 0..ctx.rows {
        if truthy(args.get(1), row) {
            long_sum = 0;
            real_sum = 0.0;
        }
        let value = args[0].get(row);
        match ty {
            ScalarType::Real => {
                real_sum += value.as_f64().unwrap_or(0.0);
                builder.push(&Value::Real(real_sum));
            }
            ScalarType::TimeSpan => {
                if let Value::TimeSpan(t) = value {
                    long_sum += t;
                }
                builder.push(&Value::TimeSpan(long_sum));
            }
            _ => {
                long_sum += value.as_i64().unwrap_or(0);
                builder.push(&Value::Long(long_sum));
            }
        }
    }
    Ok(Datum::Column(builder.finish()))
}

/// `row_rank_min(term [, restart])`: the first row number (from 1) of the
/// run of equal values the row is in; `row_rank_dense`: the run's number.
fn row_rank(args: &[Datum], ctx: &EvalCtx, dense: bool) -> ExecResult<Datum> {
    expect_args(if dense { "row_rank_dense" } else { "row_rank_min" }, args, 1, 2)?;
    let mut values = Vec::with_capacity(ctx.rows);
    let (mut position, mut rank) = (0i64, 0i64);
    let mut previous = Value::Null;
    for row in 0..ctx.rows {
        let value = args[0].get(row);
        if row == 0 || truthy(args.get(1), row) {
            position = 1;
            rank = 1;
        } else {
            position += 1;
            if value != previous {
                rank = if dense { rank + 1 } else { position };
            }
        }
        values.push(rank);
        previous = value;
    }
    Ok(Datum::Column(crate::engine::column::Column::Long(Prim::new(values))))
}

/// A datetime, timespan or number as a position on its axis (ticks for times).
fn axis(value: &Value) -> Option<f64> {
    match value {
        Value::DateTime(t) | Value::TimeSpan(t) => Some(*t as f64),
        other => other.as_f64(),
    }
}

/// `row_window_session(value, max_from_first, max_between_neighbors [, restart])`:
/// the value that started the row's session. A session ends when a value is
/// more than `max_from_first` after its start or `max_between_neighbors`
/// after the previous value, or when `restart` is true.
fn row_window_session(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("row_window_session", args, 3, 4)?;
    let limit = |datum: &Datum| axis(&datum.get(0));
    let (Some(from_first), Some(between)) = (limit(&args[1]), limit(&args[2])) else {
        return Err(crate::engine::error::ExecError::runtime(
            "row_window_session needs constant distances (timespans for datetime values)",
        ));
    };
    let mut builder = ColumnBuilder::new(args[0].ty(), ctx.rows);
    let mut session: Option<(Value, f64, f64)> = None; // (start value, start, previous)
    for row in 0..ctx.rows {
        let value = args[0].get(row);
        let Some(position) = axis(&value) else {
            builder.push(&Value::Null);
            continue;
        };
        let continues = !truthy(args.get(3), row)
            && session
                .as_ref()
                .is_some_and(|(_, start, previous)| position - start <= from_first && position - previous <= between);
        match &mut session {
            Some((_, _, previous)) if continues => *previous = position,
            _ => session = Some((value, position, position)),
        }
        builder.push(&session.as_ref().expect("set above").0);
    }
    Ok(Datum::Column(builder.finish()))
}
