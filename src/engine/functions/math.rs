//! Mathematical and rounding functions, including `bin()`/`floor()`.

use std::sync::Arc;

use crate::engine::column::{Column, ColumnBuilder, Prim};
use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::functions::conversion::common_type;
use crate::engine::functions::operators::compare;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "bin" | "floor" => bin,
        "bin_at" => bin_at,
        "abs" => abs,
        "around" => around,
        "round" => round,
        "ceiling" => ceiling,
        "sqrt" => |a, c| real1_in("sqrt", a, c, f64::sqrt, |x| x >= 0.0),
        "exp" => |a, c| real1("exp", a, c, f64::exp),
        "exp2" => |a, c| real1("exp2", a, c, f64::exp2),
        "exp10" => |a, c| real1("exp10", a, c, |x| 10f64.powf(x)),
        "log" => |a, c| real1_in("log", a, c, f64::ln, |x| x >= 0.0),
        "log2" => |a, c| real1_in("log2", a, c, f64::log2, |x| x >= 0.0),
        "log10" => |a, c| real1_in("log10", a, c, f64::log10, |x| x >= 0.0),
        "sin" => |a, c| real1("sin", a, c, f64::sin),
        "cos" => |a, c| real1("cos", a, c, f64::cos),
        "tan" => |a, c| real1("tan", a, c, f64::tan),
        "asin" => |a, c| real1_in("asin", a, c, f64::asin, |x| (-1.0..=1.0).contains(&x)),
        "acos" => |a, c| real1_in("acos", a, c, f64::acos, |x| (-1.0..=1.0).contains(&x)),
        "atan" => |a, c| real1("atan", a, c, f64::atan),
        "atan2" => atan2,
        "cot" => |a, c| real1("cot", a, c, |x| 1.0 / x.tan()),
        "degrees" => |a, c| real1("degrees", a, c, f64::to_degrees),
        "radians" => |a, c| real1("radians", a, c, f64::to_radians),
        "erf" => |a, c| real1("erf", a, c, libm::erf),
        "erfc" => |a, c| real1("erfc", a, c, libm::erfc),
        "gamma" => |a, c| real1("gamma", a, c, libm::tgamma),
        "loggamma" => |a, c| real1("loggamma", a, c, libm::lgamma),
        "pow" => pow,
        "tohex" => tohex,
        "sign" => sign,
        "isnan" => |a, c| bool1("isnan", a, c, f64::is_nan),
        "isinf" => |a, c| bool1("isinf", a, c, f64::is_infinite),
        "isfinite" => |a, c| bool1("isfinite", a, c, f64::is_finite),
        "min_of" => |a, c| extreme_of(a, c, false),
        "max_of" => |a, c| extreme_of(a, c, true),
        "pi" => |_, _| Ok(Datum::Scalar(Value::Real(std::f64::consts::PI), ScalarType::Real)),
        "rand" => rand,
        _ => return None,
    })
}

/// `rand()`: a real drawn uniformly from [0, 1); `rand(N)`: a real drawn
/// uniformly from {0.0, 1.0, ..., N - 1} (the documented type is `real` in
/// both forms). A new value for every row, so it is never a constant. A null
/// bound gives null, and so does a bound below 1, where the documented set
/// is empty (Kusto does not document this case). The values come from the
/// query's random stream (`engine::random`: seedable with `--seed`).
fn rand(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("rand", args, 0, 1)?;
    if let Some(bound) = args.first()
        && !matches!(bound.ty(), ScalarType::Int | ScalarType::Long | ScalarType::Dynamic)
        && !bound.as_scalar().is_some_and(Value::is_null)
    {
        return Err(ExecError::runtime(format!("`rand` takes an integer bound, not a `{}`", bound.ty().name())));
    }
    let mut builder = ColumnBuilder::new(ScalarType::Real, ctx.rows);
    for row in 0..ctx.rows {
        let unit = unit_interval(crate::engine::random::next_u64());
        let value = match args.first().map(|bound| bound.get(row)) {
            None => Value::Real(unit),
            Some(bound) => match bound.as_i64() {
                Some(bound) if bound >= 1 => Value::Real(random_below(unit, bound)),
                _ => Value::Null,
            },
        };
        builder.push(&value);
    }
    Ok(Datum::Column(builder.finish()))
}

/// 53 random bits as a real in [0, 1).
fn unit_interval(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// An integer in 0..bound (as a real) from a uniform value in [0, 1).
fn random_below(unit: f64, bound: i64) -> f64 {
    // The product can round up to `bound` for huge bounds; clamp it.
    (unit * bound as f64).floor().min((bound - 1) as f64)
}

fn real1(name: &str, args: &[Datum], ctx: &EvalCtx, f: fn(f64) -> f64) -> ExecResult<Datum> {
    expect_args(name, args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Real, |v| Ok(v[0].as_f64().map_or(Value::Null, |x| Value::Real(f(x)))))
}

/// A one-argument real function that is null outside its domain: the sqrt,
/// log, log2 and log10 pages give null for a negative argument, the asin and
/// acos pages for one outside [-1, 1]. NaN stays NaN.
fn real1_in(
    name: &str,
    args: &[Datum],
    ctx: &EvalCtx,
    f: fn(f64) -> f64,
    domain: fn(f64) -> bool,
) -> ExecResult<Datum> {
    expect_args(name, args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Real, |v| {
        Ok(match v[0].as_f64() {
            Some(x) if x.is_nan() || domain(x) => Value::Real(f(x)),
            _ => Value::Null,
        })
    })
}

fn bool1(name: &str, args: &[Datum], ctx: &EvalCtx, f: fn(f64) -> bool) -> ExecResult<Datum> {
    expect_args(name, args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Bool, |v| Ok(v[0].as_f64().map_or(Value::Null, |x| Value::Bool(f(x)))))
}

/// `atan2(y, x)`: the angle in radians between the positive x axis and the
/// ray to (x, y).
fn atan2(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("atan2", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Real, |v| {
        Ok(match (v[0].as_f64(), v[1].as_f64()) {
            (Some(y), Some(x)) => Value::Real(y.atan2(x)),
            _ => Value::Null,
        })
    })
}

/// `bin(value, size)`: rounds down to a multiple of `size` (floor, also for negatives).
fn bin(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("bin", args, 2, 2)?;
    let ty = args[0].ty();
    // Fast path: datetime/timespan/long column by a constant.
    if let (Datum::Column(Column::DateTime(p) | Column::TimeSpan(p) | Column::Long(p)), Some(size)) = (
        &args[0],
        args[1].as_scalar().and_then(|s| match s {
            Value::TimeSpan(t) | Value::Long(t) => Some(*t),
            Value::Int(i) => Some(*i as i64),
            _ => None,
        }),
    ) && size > 0
        && (ty != ScalarType::Long || matches!(args[1].ty(), ScalarType::Long | ScalarType::Int))
    {
        let values = Arc::new(p.values.iter().map(|x| x.div_euclid(size) * size).collect());
        let prim = Prim { values, valid: p.valid.clone() };
        return Ok(Datum::Column(match ty {
            ScalarType::DateTime => Column::DateTime(prim),
            ScalarType::TimeSpan => Column::TimeSpan(prim),
            _ => Column::Long(prim),
        }));
    }
    map_rows(args, ctx, bin_type(ty, args[1].ty()), |v| Ok(bin_value(&v[0], &v[1], None)))
}

fn bin_type(value: ScalarType, size: ScalarType) -> ScalarType {
    match value {
        ScalarType::Int | ScalarType::Long if size == ScalarType::Real => ScalarType::Real,
        ScalarType::Int => ScalarType::Long,
        other => other,
    }
}

/// Bins one value, optionally relative to `origin`.
pub fn bin_value(value: &Value, size: &Value, origin: Option<&Value>) -> Value {
    let ticks = |v: &Value| match v {
        Value::DateTime(t) | Value::TimeSpan(t) => Some(*t),
        other => other.as_i64(),
    };
    match value {
        Value::DateTime(t) | Value::TimeSpan(t) => {
            let (Some(size), offset) = (ticks(size), origin.and_then(ticks).unwrap_or(0)) else { return Value::Null };
            if size <= 0 {
                return Value::Null;
            }
            let binned = (t - offset).div_euclid(size) * size + offset;
            if matches!(value, Value::DateTime(_)) { Value::DateTime(binned) } else { Value::TimeSpan(binned) }
        }
        Value::Int(_) | Value::Long(_) if !matches!(size, Value::Real(_)) => {
            let (Some(x), Some(size)) = (value.as_i64(), size.as_i64()) else { return Value::Null };
            if size <= 0 {
                return Value::Null;
            }
            let offset = origin.and_then(Value::as_i64).unwrap_or(0);
            Value::Long((x - offset).div_euclid(size) * size + offset)
        }
        _ => {
            let (Some(x), Some(size)) = (value.as_f64(), size.as_f64()) else { return Value::Null };
            if size <= 0.0 {
                return Value::Null;
            }
            let offset = origin.and_then(Value::as_f64).unwrap_or(0.0);
            Value::Real(((x - offset) / size).floor() * size + offset)
        }
    }
}

fn bin_at(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("bin_at", args, 3, 3)?;
    map_rows(args, ctx, bin_type(args[0].ty(), args[1].ty()), |v| Ok(bin_value(&v[0], &v[1], Some(&v[2]))))
}

fn abs(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("abs", args, 1, 1)?;
    map_rows(args, ctx, args[0].ty(), |v| {
        Ok(match &v[0] {
            Value::Int(i) => Value::Int(i.wrapping_abs()),
            Value::Long(i) => Value::Long(i.wrapping_abs()),
            Value::Real(r) => Value::Real(r.abs()),
            Value::Decimal(d) => Value::Decimal(d.abs()),
            Value::TimeSpan(t) => Value::TimeSpan(t.wrapping_abs()),
            other => other.as_f64().map_or(Value::Null, |r| Value::Real(r.abs())),
        })
    })
}

/// `round(x [, digits])`: half away from zero.
fn round(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("round", args, 1, 2)?;
    let ty = match args[0].ty() {
        ScalarType::Int => ScalarType::Long,
        ScalarType::Dynamic => ScalarType::Real,
        other => other,
    };
    map_rows(args, ctx, ty, |v| {
        let digits = v.get(1).and_then(Value::as_i64).unwrap_or(0);
        Ok(match &v[0] {
            Value::Int(_) | Value::Long(_) if digits >= 0 => Value::Long(v[0].as_i64().unwrap_or(0)),
            Value::Decimal(d) => Value::Decimal(d.round_dp_with_strategy(
                digits.clamp(0, 28) as u32,
                rust_decimal::RoundingStrategy::MidpointAwayFromZero,
            )),
            other => match other.as_f64() {
                Some(x) => {
                    let factor = 10f64.powi(digits.clamp(-300, 300) as i32);
                    let rounded = (x * factor).round() / factor;
                    if ty == ScalarType::Long { Value::Long(rounded as i64) } else { Value::Real(rounded) }
                }
                None => Value::Null,
            },
        })
    })
}

fn ceiling(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("ceiling", args, 1, 1)?;
    let ty = match args[0].ty() {
        ScalarType::Int => ScalarType::Long,
        other => other,
    };
    map_rows(args, ctx, ty, |v| {
        Ok(match &v[0] {
            Value::Int(_) | Value::Long(_) => Value::Long(v[0].as_i64().unwrap_or(0)),
            Value::Decimal(d) => Value::Decimal(d.ceil()),
            other => other.as_f64().map_or(Value::Null, |x| Value::Real(x.ceil())),
        })
    })
}

fn pow(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("pow", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Real, |v| {
        Ok(match (v[0].as_f64(), v[1].as_f64()) {
            (Some(x), Some(y)) => Value::Real(x.powf(y)),
            _ => Value::Null,
        })
    })
}

fn sign(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("sign", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Real, |v| {
        Ok(v[0].as_f64().map_or(Value::Null, |x| {
            Value::Real(if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                0.0
            })
        }))
    })
}

fn extreme_of(args: &[Datum], ctx: &EvalCtx, max: bool) -> ExecResult<Datum> {
    expect_args(if max { "max_of" } else { "min_of" }, args, 1, 64)?;
    let types: Vec<ScalarType> = args.iter().map(Datum::ty).collect();
    let ty = common_type(&types);
    map_rows(args, ctx, ty, |v| {
        let mut best: Option<&Value> = None;
        for value in v.iter().filter(|value| !value.is_null()) {
            best = match best {
                None => Some(value),
                Some(current) => {
                    let ordering = compare(value, current);
                    let better = if max {
                        ordering == Some(std::cmp::Ordering::Greater)
                    } else {
                        ordering == Some(std::cmp::Ordering::Less)
                    };
                    Some(if better { value } else { current })
                }
            };
        }
        Ok(best.cloned().unwrap_or(Value::Null))
    })
}

/// `tohex(value [, minLength])`: lower-case hex; negative numbers in two's complement.
fn tohex(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("tohex", args, 1, 2)?;
    let narrow = args[0].ty() == ScalarType::Int;
    map_rows(args, ctx, ScalarType::String, |v| {
        let Some(x) = v[0].as_i64() else { return Ok(Value::Null) };
        let text = if narrow { format!("{:x}", x as i32) } else { format!("{x:x}") };
        let width = v.get(1).and_then(Value::as_i64).unwrap_or(0).clamp(0, 64) as usize;
        Ok(Value::str(&format!("{text:0>width$}")))
    })
}

/// `around(value, center, delta)`: whether `value` lies in
/// `[center - delta, center + delta]`; null if any argument is null or not
/// a number, datetime or timespan. Whole numbers and times are compared
/// exactly (in 128 bits), reals as reals.
fn around(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("around", args, 3, 3)?;
    map_rows(args, ctx, ScalarType::Bool, |v| {
        let whole = |value: &Value| match value {
            Value::Int(n) => Some(i128::from(*n)),
            Value::Long(n) | Value::DateTime(n) | Value::TimeSpan(n) => Some(i128::from(*n)),
            _ => None,
        };
        if let (Some(x), Some(center), Some(delta)) = (whole(&v[0]), whole(&v[1]), whole(&v[2])) {
            return Ok(Value::Bool(center - delta <= x && x <= center + delta));
        }
        let real = |value: &Value| match value {
            Value::Real(x) => Some(*x),
            Value::Decimal(_) => value.as_f64(),
            other => whole(other).map(|n| n as f64),
        };
        Ok(match (real(&v[0]), real(&v[1]), real(&v[2])) {
            (Some(x), Some(center), Some(delta)) => Value::Bool(center - delta <= x && x <= center + delta),
            _ => Value::Null,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rand_column(args: &[Datum], rows: usize) -> Vec<Value> {
        let ctx = EvalCtx { rows, now: 0 };
        let Datum::Column(column) = rand(args, &ctx).expect("rand runs") else { panic!("rand gives a column") };
        (0..rows).map(|row| column.get(row)).collect()
    }

    #[test]
    fn rand_gives_reals_in_the_unit_interval_that_vary_by_row() {
        let values = rand_column(&[], 1000);
        let reals: Vec<f64> = values.iter().map(|v| v.as_f64().expect("a real")).collect();
        assert!(reals.iter().all(|x| (0.0..1.0).contains(x)));
        let mut distinct = reals.clone();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        assert!(distinct.len() > 990);
    }

    #[test]
    fn rand_with_a_bound_gives_whole_numbers_below_it() {
        let bound = Datum::Scalar(Value::Long(3), ScalarType::Long);
        let values = rand_column(&[bound], 300);
        for value in &values {
            let Value::Real(x) = value else { panic!("a real, got {value:?}") };
            assert!([0.0, 1.0, 2.0].contains(x));
        }
        // With 300 draws each of the three values appears.
        for wanted in [0.0, 1.0, 2.0] {
            assert!(values.contains(&Value::Real(wanted)));
        }
    }

    #[test]
    fn rand_with_an_empty_or_null_range_gives_null() {
        for bound in [Value::Long(0), Value::Long(-5), Value::Null] {
            let values = rand_column(&[Datum::Scalar(bound, ScalarType::Long)], 2);
            assert_eq!(values, vec![Value::Null, Value::Null]);
        }
    }

    #[test]
    fn rand_rejects_a_string_bound() {
        let ctx = EvalCtx { rows: 1, now: 0 };
        let error = rand(&[Datum::Scalar(Value::str("x"), ScalarType::String)], &ctx).unwrap_err();
        assert_eq!(error.message, "`rand` takes an integer bound, not a `string`");
    }

    #[test]
    fn random_below_never_reaches_the_bound() {
        let highest = unit_interval(u64::MAX);
        assert!(highest < 1.0);
        assert_eq!(random_below(highest, 10), 9.0);
        assert_eq!(random_below(unit_interval(0), 10), 0.0);
        assert!(random_below(highest, i64::MAX) < i64::MAX as f64);
    }

    #[test]
    fn around_is_inclusive_and_null_safe() {
        let ctx = EvalCtx { rows: 1, now: 0 };
        let call = |a: Value, b: Value, c: Value| {
            let datums: Vec<Datum> = [a, b, c]
                .into_iter()
                .map(|v| {
                    let ty = v.scalar_type().unwrap_or(ScalarType::Real);
                    Datum::Scalar(v, ty)
                })
                .collect();
            around(&datums, &ctx).expect("a result").get(0)
        };
        let minute = crate::engine::time::TICKS_PER_MINUTE;
        let center = 100 * minute;
        assert_eq!(
            call(Value::DateTime(center + minute), Value::DateTime(center), Value::TimeSpan(minute)),
            Value::Bool(true)
        );
        assert_eq!(
            call(Value::DateTime(center - minute - 1), Value::DateTime(center), Value::TimeSpan(minute)),
            Value::Bool(false)
        );
        assert_eq!(call(Value::Real(1.5), Value::Long(1), Value::Real(0.5)), Value::Bool(true));
        assert_eq!(call(Value::Real(1.6), Value::Long(1), Value::Real(0.5)), Value::Bool(false));
        assert!(call(Value::Null, Value::Long(1), Value::Long(1)).is_null());
        assert!(call(Value::str("x"), Value::Long(1), Value::Long(1)).is_null());
    }
}
