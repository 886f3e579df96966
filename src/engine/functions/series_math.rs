//! Element-wise series functions over numeric dynamic arrays: arithmetic
//! (`series_add`, `series_subtract`, `series_multiply`, `series_divide`,
//! `series_pow`), comparisons (`series_greater`, ..., `series_not_equals`),
//! one-argument maths (`series_abs`, `series_exp`, `series_sin`, ...) and
//! reductions (`series_sum`, `series_product`, `series_magnitude`,
//! `series_dot_product`, `series_cosine_similarity`,
//! `series_pearson_correlation`).
//!
//! As documented for the element-wise functions, a non-numeric element, or
//! a missing one when the arrays differ in length, gives a null element; a
//! number in place of an array applies to every element. A first argument
//! that is neither an array nor a number gives null.

use std::sync::Arc;

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "series_add" => |a, c| arithmetic("series_add", a, c, i64::checked_add, |x, y| x + y),
        "series_subtract" => |a, c| arithmetic("series_subtract", a, c, i64::checked_sub, |x, y| x - y),
        "series_multiply" => |a, c| arithmetic("series_multiply", a, c, i64::checked_mul, |x, y| x * y),
        "series_divide" => |a, c| arithmetic("series_divide", a, c, |_, _| None, |x, y| x / y),
        "series_pow" => |a, c| arithmetic("series_pow", a, c, |_, _| None, f64::powf),
        "series_greater" => |a, c| comparison("series_greater", a, c, |x, y| x > y),
        "series_greater_equals" => |a, c| comparison("series_greater_equals", a, c, |x, y| x >= y),
        "series_less" => |a, c| comparison("series_less", a, c, |x, y| x < y),
        "series_less_equals" => |a, c| comparison("series_less_equals", a, c, |x, y| x <= y),
        "series_equals" => |a, c| comparison("series_equals", a, c, |x, y| x == y),
        "series_not_equals" => |a, c| comparison("series_not_equals", a, c, |x, y| x != y),
        "series_abs" => |a, c| unary_keeping_longs("series_abs", a, c, i64::checked_abs, f64::abs),
        "series_sign" => |a, c| unary_keeping_longs("series_sign", a, c, |x| Some(x.signum()), real_sign),
        "series_ceiling" => |a, c| unary("series_ceiling", a, c, f64::ceil),
        "series_floor" => |a, c| unary("series_floor", a, c, f64::floor),
        "series_exp" => |a, c| unary("series_exp", a, c, f64::exp),
        "series_log" => |a, c| unary("series_log", a, c, f64::ln),
        "series_sin" => |a, c| unary("series_sin", a, c, f64::sin),
        "series_cos" => |a, c| unary("series_cos", a, c, f64::cos),
        "series_tan" => |a, c| unary("series_tan", a, c, f64::tan),
        "series_asin" => |a, c| unary("series_asin", a, c, f64::asin),
        "series_acos" => |a, c| unary("series_acos", a, c, f64::acos),
        "series_atan" => |a, c| unary("series_atan", a, c, f64::atan),
        "series_sum" => |a, c| reduce("series_sum", a, c, |xs| Some(xs.iter().sum())),
        "series_product" => |a, c| reduce("series_product", a, c, |xs| Some(xs.iter().product())),
        "series_magnitude" => |a, c| reduce("series_magnitude", a, c, |xs| Some(dot(xs, xs).sqrt())),
        "series_dot_product" => series_dot_product,
        "series_cosine_similarity" => series_cosine_similarity,
        "series_pearson_correlation" => series_pearson_correlation,
        _ => return None,
    })
}

/// One argument of an element-wise function: an array or a number.
enum Operand<'a> {
    Array(&'a [Dyn]),
    Number(Dyn),
}

impl Operand<'_> {
    fn len(&self) -> usize {
        match self {
            Operand::Array(items) => items.len(),
            Operand::Number(_) => 0,
        }
    }

    fn at(&self, index: usize) -> Option<&Dyn> {
        match self {
            Operand::Array(items) => items.get(index),
            Operand::Number(number) => Some(number),
        }
    }
}

fn operand(value: &Value) -> Option<Operand<'_>> {
    match value {
        Value::Dynamic(Dyn::Array(items)) => Some(Operand::Array(items)),
        Value::Int(_) | Value::Long(_) | Value::Real(_) | Value::Decimal(_) => Some(Operand::Number(value.to_dyn())),
        Value::Dynamic(number @ (Dyn::Long(_) | Dyn::Real(_) | Dyn::Decimal(_))) => {
            Some(Operand::Number(number.clone()))
        }
        _ => None,
    }
}

fn number(item: &Dyn) -> Option<f64> {
    match item {
        Dyn::Long(_) | Dyn::Real(_) | Dyn::Decimal(_) => item.as_f64(),
        _ => None,
    }
}

fn real(value: f64) -> Dyn {
    Dyn::Real(value)
}

fn real_sign(value: f64) -> f64 {
    if value > 0.0 {
        1.0
    } else if value < 0.0 {
        -1.0
    } else {
        value
    }
}

fn array_value(items: Vec<Dyn>) -> Value {
    Value::Dynamic(Dyn::Array(Arc::new(items)))
}

/// Applies `f` to the elements at each index of two operands (as long as
/// the longer array); `None` when neither is an array.
fn zip_with(left: &Value, right: &Value, mut f: impl FnMut(&Dyn, &Dyn) -> Dyn) -> Value {
    let (Some(left), Some(right)) = (operand(left), operand(right)) else { return Value::Null };
    if matches!((&left, &right), (Operand::Number(_), Operand::Number(_))) {
        return Value::Null;
    }
    let len = left.len().max(right.len());
    array_value(
        (0..len)
            .map(|index| match (left.at(index), right.at(index)) {
                (Some(x), Some(y)) => f(x, y),
                _ => Dyn::Null,
            })
            .collect(),
    )
}

/// Arithmetic: two longs stay a long when `on_longs` gives a result (no
/// overflow), else the result is a real.
fn arithmetic(
    name: &str,
    args: &[Datum],
    ctx: &EvalCtx,
    on_longs: fn(i64, i64) -> Option<i64>,
    on_reals: fn(f64, f64) -> f64,
) -> ExecResult<Datum> {
    expect_args(name, args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(zip_with(&v[0], &v[1], |x, y| {
            if let (Dyn::Long(a), Dyn::Long(b)) = (x, y)
                && let Some(result) = on_longs(*a, *b)
            {
                return Dyn::Long(result);
            }
            match (number(x), number(y)) {
                (Some(a), Some(b)) => real(on_reals(a, b)),
                _ => Dyn::Null,
            }
        }))
    })
}

fn comparison(name: &str, args: &[Datum], ctx: &EvalCtx, f: fn(f64, f64) -> bool) -> ExecResult<Datum> {
    expect_args(name, args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(zip_with(&v[0], &v[1], |x, y| match (number(x), number(y)) {
            (Some(a), Some(b)) => Dyn::Bool(f(a, b)),
            _ => Dyn::Null,
        }))
    })
}

/// A one-argument function whose result is a real.
fn unary(name: &str, args: &[Datum], ctx: &EvalCtx, f: fn(f64) -> f64) -> ExecResult<Datum> {
    expect_args(name, args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let Value::Dynamic(Dyn::Array(items)) = &v[0] else { return Ok(Value::Null) };
        Ok(array_value(items.iter().map(|item| number(item).map_or(Dyn::Null, |x| real(f(x)))).collect()))
    })
}

/// A one-argument function that keeps long elements long (`series_abs`,
/// `series_sign`).
fn unary_keeping_longs(
    name: &str,
    args: &[Datum],
    ctx: &EvalCtx,
    on_long: fn(i64) -> Option<i64>,
    on_real: fn(f64) -> f64,
) -> ExecResult<Datum> {
    expect_args(name, args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let Value::Dynamic(Dyn::Array(items)) = &v[0] else { return Ok(Value::Null) };
        Ok(array_value(
            items
                .iter()
                .map(|item| match item {
                    Dyn::Long(x) => on_long(*x).map_or_else(|| real(on_real(*x as f64)), Dyn::Long),
                    other => number(other).map_or(Dyn::Null, |x| real(on_real(x))),
                })
                .collect(),
        ))
    })
}

/// A reduction of the numeric elements of one series to a real; an empty
/// series, or one without numbers, gives null.
fn reduce(name: &str, args: &[Datum], ctx: &EvalCtx, f: fn(&[f64]) -> Option<f64>) -> ExecResult<Datum> {
    expect_args(name, args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Real, |v| {
        let Value::Dynamic(Dyn::Array(items)) = &v[0] else { return Ok(Value::Null) };
        let values: Vec<f64> = items.iter().filter_map(number).collect();
        if values.is_empty() {
            return Ok(Value::Null);
        }
        Ok(f(&values).map_or(Value::Null, Value::Real))
    })
}

fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

/// The numeric pairs of two series: as long as the shorter one, pairs with
/// a non-numeric element left out (as documented for the cosine similarity).
fn pairs(left: &Value, right: &Value) -> Option<(Vec<f64>, Vec<f64>)> {
    let (Value::Dynamic(Dyn::Array(x)), Value::Dynamic(Dyn::Array(y))) = (left, right) else { return None };
    if x.is_empty() || y.is_empty() {
        return None;
    }
    Some(x.iter().zip(y.iter()).filter_map(|(a, b)| Some((number(a)?, number(b)?))).unzip())
}

/// `series_dot_product(series1, series2)`; a number in place of a series
/// multiplies every element of the other.
fn series_dot_product(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("series_dot_product", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Real, |v| {
        // As documented, one empty series (or two) gives null, even beside
        // a longer one that `zip_with` would pad with nulls.
        if [&v[0], &v[1]].iter().any(|value| matches!(value, Value::Dynamic(Dyn::Array(items)) if items.is_empty())) {
            return Ok(Value::Null);
        }
        let products = zip_with(&v[0], &v[1], |x, y| match (number(x), number(y)) {
            (Some(a), Some(b)) => real(a * b),
            _ => Dyn::Null,
        });
        let Value::Dynamic(Dyn::Array(items)) = products else { return Ok(Value::Null) };
        Ok(Value::Real(items.iter().filter_map(number).sum()))
    })
}

/// `series_cosine_similarity(series1, series2 [, magnitude1 [, magnitude2]])`.
fn series_cosine_similarity(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("series_cosine_similarity", args, 2, 4)?;
    map_rows(args, ctx, ScalarType::Real, |v| {
        let Some((x, y)) = pairs(&v[0], &v[1]) else { return Ok(Value::Null) };
        let magnitude1 = v.get(2).and_then(Value::as_f64).unwrap_or_else(|| dot(&x, &x).sqrt());
        let magnitude2 = v.get(3).and_then(Value::as_f64).unwrap_or_else(|| dot(&y, &y).sqrt());
        Ok(Value::Real(dot(&x, &y) / (magnitude1 * magnitude2)))
    })
}

/// `series_pearson_correlation(series1, series2)`: the Pearson correlation
/// coefficient. As documented, "any non-numeric element or nonexisting
/// element (arrays of different sizes) yields a null result", so unlike the
/// cosine similarity no pair is left out.
fn series_pearson_correlation(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("series_pearson_correlation", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Real, |v| {
        let (Value::Dynamic(Dyn::Array(left)), Value::Dynamic(Dyn::Array(right))) = (&v[0], &v[1]) else {
            return Ok(Value::Null);
        };
        if left.is_empty() || left.len() != right.len() {
            return Ok(Value::Null);
        }
        let (Some(x), Some(y)) = (
            left.iter().map(number).collect::<Option<Vec<f64>>>(),
            right.iter().map(number).collect::<Option<Vec<f64>>>(),
        ) else {
            return Ok(Value::Null);
        };
        let n = x.len() as f64;
        let (mean_x, mean_y) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
        let (mut covariance, mut variance_x, mut variance_y) = (0.0, 0.0, 0.0);
        for (a, b) in x.iter().zip(&y) {
            covariance += (a - mean_x) * (b - mean_y);
            variance_x += (a - mean_x).powi(2);
            variance_y += (b - mean_y).powi(2);
        }
        Ok(Value::Real(covariance / (variance_x * variance_y).sqrt()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::engine::functions::test_support::{call_text, json};

    fn call(name: &str, args: &[Value]) -> String {
        call_text(lookup(name).expect("a series function"), args)
    }

    #[test]
    fn element_wise_arithmetic_and_comparisons() {
        assert_eq!(call("series_add", &[json("[1,2,4]"), json("[4,2,1]")]), "[5,4,5]");
        assert_eq!(call("series_subtract", &[json("[1,2,4]"), json("[4,2,1]")]), "[-3,0,3]");
        assert_eq!(call("series_divide", &[json("[1,2,4]"), json("[4,2,1]")]), "[0.25,1,4]");
        assert_eq!(call("series_pow", &[json("[1,2,3,4]"), json("[1,2,3,0.5]")]), "[1,4,27,2]");
        assert_eq!(call("series_greater", &[json("[1,2,4]"), json("[4,2,1]")]), "[false,false,true]");
        assert_eq!(call("series_multiply", &[json("[1,2]"), Value::Long(3)]), "[3,6]");
    }

    #[test]
    fn missing_and_non_numeric_elements_give_null() {
        assert_eq!(call("series_add", &[json(r#"[1,"a",3]"#), json("[1,1]")]), "[2,null,null]");
        assert_eq!(call("series_add", &[Value::str("x"), json("[1]")]), "null");
        assert_eq!(call("series_add", &[json(&format!("[{}]", i64::MAX)), json("[1]")]), "[9.223372036854776E+18]");
        assert_eq!(call("series_abs", &[json(r#"[-6.5,0,8.2,null]"#)]), "[6.5,0,8.2,null]");
        assert_eq!(call("series_sign", &[json("[-6,0,8]")]), "[-1,0,1]");
        assert_eq!(call("series_ceiling", &[json("[-1.5,1,2.5]")]), "[-1,1,3]");
    }

    #[test]
    fn reductions_match_the_docs() {
        assert_eq!(call("series_product", &[json("[1,2,3,4]")]), "24");
        assert_eq!(call("series_sum", &[json("[]")]), "");
        assert_eq!(call("series_pearson_correlation", &[json("[1,2,3,4,5]"), json("[2,4,6,8,10]")]), "1");
        let similarity = call("series_cosine_similarity", &[json("[0.1,0.2,0.1,0.2]"), json("[1,2,3,4]")]);
        assert!((similarity.parse::<f64>().expect("a number") - 0.923760430703401).abs() < 1e-12);
        assert_eq!(call("series_cosine_similarity", &[json("[]"), json("[1]")]), "");
        assert_eq!(call("series_dot_product", &[json("[1,2]"), json("[3,4,5]")]), "11");
    }

    #[test]
    fn an_empty_series_gives_a_null_dot_product() {
        assert_eq!(call("series_dot_product", &[json("[]"), json("[1,2]")]), "");
        assert_eq!(call("series_dot_product", &[json("[1,2]"), json("[]")]), "");
        assert_eq!(call("series_dot_product", &[json("[]"), Value::Long(3)]), "");
    }

    #[test]
    fn pearson_correlation_is_null_for_a_non_numeric_or_missing_element() {
        assert_eq!(call("series_pearson_correlation", &[json("[1,2,3]"), json("[3,2,1]")]), "-1");
        assert_eq!(call("series_pearson_correlation", &[json("[1,null,3]"), json("[1,2,3]")]), "");
        assert_eq!(call("series_pearson_correlation", &[json(r#"[1,"2",3]"#), json("[1,2,3]")]), "");
        assert_eq!(call("series_pearson_correlation", &[json("[1,2,3]"), json("[1,2]")]), "");
        assert_eq!(call("series_pearson_correlation", &[json("[]"), json("[]")]), "");
    }
}
