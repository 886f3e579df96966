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
        // Past the largest long the numbering wraps, as long arithmetic does,
        // rather than failing the query.
        current = current.wrapping_add(1);
    }
    Ok(Datum::Column(crate::engine::column::Column::Long(Prim::new(values))))
}

/// `prev(column [, offset [, default]])` / `next(...)`.
fn shifted(args: &[Datum], ctx: &EvalCtx, direction: i64) -> ExecResult<Datum> {
    expect_args("prev", args, 1, 3)?;
    let offset = args.get(1).and_then(|d| d.get(0).as_i64()).unwrap_or(1).saturating_mul(direction);
    let default = args.get(2).map(|d| d.get(0)).unwrap_or(Value::Null);
    let ty = args[0].ty();
    let mut builder = ColumnBuilder::new(ty, ctx.rows);
    for row in 0..ctx.rows as i64 {
        // An offset beyond the rows (even one that overflows) gives the default.
        match row.checked_add(offset) {
            Some(source) if (0..ctx.rows as i64).contains(&source) => builder.push(&args[0].get(source as usize)),
            _ => builder.push(&default),
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
                    long_sum = long_sum.wrapping_add(t);
                }
                builder.push(&Value::TimeSpan(long_sum));
            }
            _ => {
                // Wrapping, as sum() does, so the last value is sum() over the rows.
                long_sum = long_sum.wrapping_add(value.as_i64().unwrap_or(0));
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
/// the value that started the row's session. As documented, a value starts
/// a new session when it "equals or exceeds" the session's start plus
/// `max_from_first` or the previous value plus `max_between_neighbors`,
/// when `restart` is true, and after a null value (which gets null).
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
            session = None;
            continue;
        };
        let continues = !truthy(args.get(3), row)
            && session
                .as_ref()
                .is_some_and(|(_, start, previous)| position - start < from_first && position - previous < between);
        match &mut session {
            Some((_, _, previous)) if continues => *previous = position,
            _ => session = Some((value, position, position)),
        }
        builder.push(&session.as_ref().expect("set above").0);
    }
    Ok(Datum::Column(builder.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::column::Column;

    fn column(ty: ScalarType, values: &[Value]) -> Datum {
        Datum::Column(Column::from_values(ty, values))
    }

    fn cells(result: ExecResult<Datum>, rows: usize) -> Vec<Value> {
        let datum = result.expect("a window column");
        (0..rows).map(|row| datum.get(row)).collect()
    }

    const MINUTE: i64 = 600_000_000;

    #[test]
    fn a_session_restarts_after_a_null_and_at_the_limits() {
        let times = |minutes: &[Option<i64>]| {
            let values: Vec<Value> =
                minutes.iter().map(|m| m.map_or(Value::Null, |m| Value::DateTime(m * MINUTE))).collect();
            column(ScalarType::DateTime, &values)
        };
        let limits = |from_first: i64, between: i64| {
            [
                Datum::Scalar(Value::TimeSpan(from_first * MINUTE), ScalarType::TimeSpan),
                Datum::Scalar(Value::TimeSpan(between * MINUTE), ScalarType::TimeSpan),
            ]
        };
        let session = |minutes: &[Option<i64>], from_first: i64, between: i64| {
            let [first, neighbours] = limits(from_first, between);
            let args = [times(minutes), first, neighbours];
            cells(row_window_session(&args, &EvalCtx { rows: minutes.len(), now: 0 }), minutes.len())
        };
        let at = |m: i64| Value::DateTime(m * MINUTE);
        // After a null, the next value starts a new session.
        assert_eq!(session(&[Some(0), None, Some(1)], 60, 5), [at(0), Value::Null, at(1)]);
        // "Equals or exceeds" the previous value plus the neighbour distance.
        assert_eq!(session(&[Some(0), Some(5)], 60, 5), [at(0), at(5)]);
        assert_eq!(session(&[Some(0), Some(4)], 60, 5), [at(0), at(0)]);
        // "Equals or exceeds" the session start plus the distance from the first.
        assert_eq!(session(&[Some(0), Some(4), Some(8), Some(10)], 10, 5), [at(0), at(0), at(0), at(10)]);
    }

    #[test]
    fn overflowing_sums_offsets_and_numbers_do_not_fail() {
        let longs = column(ScalarType::Long, &[Value::Long(i64::MAX), Value::Long(1)]);
        let sums = cells(row_cumsum(std::slice::from_ref(&longs), &EvalCtx { rows: 2, now: 0 }), 2);
        assert_eq!(sums, [Value::Long(i64::MAX), Value::Long(i64::MIN)]);
        let offset = Datum::Scalar(Value::Long(i64::MAX), ScalarType::Long);
        let next = cells(shifted(&[longs.clone(), offset.clone()], &EvalCtx { rows: 2, now: 0 }, 1), 2);
        assert_eq!(next, [Value::Null, Value::Null]);
        let minimum = Datum::Scalar(Value::Long(i64::MIN), ScalarType::Long);
        let prev = cells(shifted(&[longs, minimum], &EvalCtx { rows: 2, now: 0 }, -1), 2);
        assert_eq!(prev, [Value::Null, Value::Null]);
        let numbers = cells(row_number(&[offset], &EvalCtx { rows: 2, now: 0 }), 2);
        assert_eq!(numbers, [Value::Long(i64::MAX), Value::Long(i64::MIN)]);
    }
}
