//! Filling missing values of a series (`series_fill_forward`,
//! `series_fill_backward`, `series_fill_const`, `series_fill_linear`) and
//! filtering one (`series_iir`).
//!
//! An element is missing when it is null, or, when a
//! `missing_value_placeholder` is given, when it equals that value.

use std::sync::Arc;

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "series_fill_forward" => |a, c| fill_direction("series_fill_forward", a, c, true),
        "series_fill_backward" => |a, c| fill_direction("series_fill_backward", a, c, false),
        "series_fill_const" => series_fill_const,
        "series_fill_linear" => series_fill_linear,
        "series_iir" => series_iir,
        _ => return None,
    })
}

/// Which elements are missing, given the optional placeholder argument.
fn missing_mask(items: &[Dyn], placeholder: Option<&Value>) -> Vec<bool> {
    let placeholder = placeholder.filter(|p| !p.is_null()).and_then(Value::as_f64);
    items
        .iter()
        .map(|item| match placeholder {
            Some(p) => item.as_f64() == Some(p) && !matches!(item, Dyn::String(_)),
            None => item.is_null(),
        })
        .collect()
}

fn array_value(items: Vec<Dyn>) -> Value {
    Value::Dynamic(Dyn::Array(Arc::new(items)))
}

/// Carries the last present value forward (or the next one backward);
/// missing values before the first (after the last) present one stay.
fn fill_direction(name: &str, args: &[Datum], ctx: &EvalCtx, forward: bool) -> ExecResult<Datum> {
    expect_args(name, args, 1, 2)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let Value::Dynamic(Dyn::Array(items)) = &v[0] else { return Ok(Value::Null) };
        let missing = missing_mask(items, v.get(1));
        let mut out = items.to_vec();
        let order: Box<dyn Iterator<Item = usize>> =
            if forward { Box::new(0..out.len()) } else { Box::new((0..out.len()).rev()) };
        let mut last: Option<Dyn> = None;
        for index in order {
            if missing[index] {
                if let Some(value) = &last {
                    out[index] = value.clone();
                }
            } else {
                last = Some(out[index].clone());
            }
        }
        Ok(array_value(out))
    })
}

/// `series_fill_const(series [, constant_value [, missing_value_placeholder]])`:
/// missing values become `constant_value` (default 0).
fn series_fill_const(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("series_fill_const", args, 1, 3)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let Value::Dynamic(Dyn::Array(items)) = &v[0] else { return Ok(Value::Null) };
        let constant = v.get(1).filter(|c| !c.is_null()).map_or(Dyn::Long(0), Value::to_dyn);
        let missing = missing_mask(items, v.get(2));
        Ok(array_value(
            items.iter().zip(missing).map(|(item, gone)| if gone { constant.clone() } else { item.clone() }).collect(),
        ))
    })
}

/// `series_fill_linear(series [, missing_value_placeholder [, fill_edges [, constant_value]]])`:
/// missing values between two present ones are interpolated linearly; with
/// `fill_edges` (default true) leading and trailing ones take the nearest
/// present value; a series with no present value is all `constant_value`
/// (default 0; an explicit null keeps the nulls). When every present value
/// is a long, the interpolated values are truncated to longs.
fn series_fill_linear(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("series_fill_linear", args, 1, 4)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let Value::Dynamic(Dyn::Array(items)) = &v[0] else { return Ok(Value::Null) };
        let missing = missing_mask(items, v.get(1));
        let fill_edges = !matches!(v.get(2), Some(Value::Bool(false)));
        let present: Vec<(usize, f64)> = items
            .iter()
            .enumerate()
            .filter(|(index, _)| !missing[*index])
            .filter_map(|(index, item)| Some((index, item.as_f64()?)))
            .collect();
        if present.is_empty() {
            // Only a series made of missing values is filled with
            // `constant_value`, as documented; one whose other elements are
            // not numbers has nothing to interpolate from and stays as it is.
            if !missing.iter().all(|gone| *gone) {
                return Ok(array_value(items.to_vec()));
            }
            // An explicit null `constant_value` keeps the nulls, as documented
            // ("Setting this parameter to double(null) preserves the null values").
            let constant = v.get(3).map_or(Dyn::Real(0.0), Value::to_dyn);
            return Ok(array_value(vec![constant; items.len()]));
        }
        let longs = present.iter().all(|(index, _)| matches!(items[*index], Dyn::Long(_)));
        let make = |x: f64| if longs { Dyn::Long(x.trunc() as i64) } else { Dyn::Real(x) };
        let mut out = items.to_vec();
        let (first, last) = (present[0], present[present.len() - 1]);
        for pair in present.windows(2) {
            let ((i0, y0), (i1, y1)) = (pair[0], pair[1]);
            for (index, slot) in out.iter_mut().enumerate().take(i1).skip(i0 + 1) {
                if missing[index] {
                    *slot = make(y0 + (y1 - y0) * (index - i0) as f64 / (i1 - i0) as f64);
                }
            }
        }
        if fill_edges {
            for index in (0..first.0).chain(last.0 + 1..out.len()) {
                if missing[index] {
                    out[index] = items[if index < first.0 { first.0 } else { last.0 }].clone();
                }
            }
        }
        Ok(array_value(out))
    })
}

/// `series_iir(series, numerators, denominators)`: the infinite impulse
/// response filter y[n] = (Σ b[i]·x[n-i] − Σ_{j≥1} a[j]·y[n-j]) / a[0].
/// Non-numeric elements count as 0; a non-array argument, an empty
/// coefficient array or a zero `a[0]` gives null.
fn series_iir(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("series_iir", args, 3, 3)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let numbers = |value: &Value| match value {
            Value::Dynamic(Dyn::Array(items)) => {
                Some(items.iter().map(|i| i.as_f64().unwrap_or(0.0)).collect::<Vec<_>>())
            }
            _ => None,
        };
        let (Some(x), Some(b), Some(a)) = (numbers(&v[0]), numbers(&v[1]), numbers(&v[2])) else {
            return Ok(Value::Null);
        };
        if b.is_empty() || a.is_empty() || a[0] == 0.0 {
            return Ok(Value::Null);
        }
        let mut y: Vec<f64> = Vec::with_capacity(x.len());
        for n in 0..x.len() {
            let feed_forward: f64 = b.iter().enumerate().take(n + 1).map(|(i, bi)| bi * x[n - i]).sum();
            let feedback: f64 = a.iter().enumerate().skip(1).take(n).map(|(j, aj)| aj * y[n - j]).sum();
            y.push((feed_forward - feedback) / a[0]);
        }
        Ok(array_value(y.into_iter().map(Dyn::Real).collect()))
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
    fn forward_backward_and_constant_fills() {
        let series = json("[null,null,36,41,null,null,16,61,33,null,null]");
        assert_eq!(
            call("series_fill_forward", std::slice::from_ref(&series)),
            "[null,null,36,41,41,41,16,61,33,33,33]"
        );
        assert_eq!(
            call("series_fill_backward", std::slice::from_ref(&series)),
            "[36,36,36,41,16,16,16,61,33,null,null]"
        );
        assert_eq!(call("series_fill_const", &[series, Value::Long(-1)]), "[-1,-1,36,41,-1,-1,16,61,33,-1,-1]");
        assert_eq!(call("series_fill_forward", &[json("[1,-1,2]"), Value::Long(-1)]), "[1,1,2]");
    }

    #[test]
    fn linear_fill_interpolates_and_fills_edges() {
        let reals = json("[null,111.0,null,36.0,41.0,null,null,16.0,61.0,33.0,null,null]");
        assert_eq!(
            call("series_fill_linear", std::slice::from_ref(&reals)),
            "[111,111,73.5,36,41,32.666666666666664,24.333333333333332,16,61,33,33,33]"
        );
        assert_eq!(
            call("series_fill_linear", &[reals, Value::Null, Value::Bool(false)]),
            "[null,111,73.5,36,41,32.666666666666664,24.333333333333332,16,61,33,null,null]"
        );
        let longs = json("[null,111,null,36,41,null,null,16,61,33,null,null]");
        assert_eq!(call("series_fill_linear", &[longs]), "[111,111,73,36,41,32,24,16,61,33,33,33]");
        assert_eq!(call("series_fill_linear", &[json("[null,null]")]), "[0,0]");
        assert_eq!(
            call("series_fill_linear", &[json("[null,null]"), Value::Null, Value::Bool(true), Value::Real(3.5)]),
            "[3.5,3.5]"
        );
        assert_eq!(
            call("series_fill_linear", &[json("[null,null]"), Value::Null, Value::Bool(true), Value::Null]),
            "[null,null]"
        );
        assert_eq!(call("series_fill_linear", &[json(r#"["a",null,"b"]"#)]), r#"["a",null,"b"]"#);
    }

    #[test]
    fn iir_with_a_cumulative_sum_filter() {
        assert_eq!(call("series_iir", &[json("[1,2,3,4]"), json("[1]"), json("[1,-1]")]), "[1,3,6,10]");
        assert_eq!(call("series_iir", &[json("[1,2]"), json("[1]"), json("[0]")]), "null");
        assert_eq!(call("series_iir", &[json("[]"), json("[1]"), json("[1]")]), "[]");
    }
}
