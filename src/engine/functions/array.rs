//! Array reshaping functions: `array_iff`, `array_reverse`,
//! `array_rotate_left/right`, `array_shift_left/right`, `array_split`, `zip`
//! and `jaccard_index`. A first argument that is not an array gives null.

use std::sync::Arc;

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "array_iff" | "array_iif" => array_iff,
        "array_reverse" => array_reverse,
        "repeat" => repeat,
        "array_rotate_left" => |a, c| array_rotate(a, c, "array_rotate_left", -1),
        "array_rotate_right" => |a, c| array_rotate(a, c, "array_rotate_right", 1),
        "array_shift_left" => |a, c| array_shift(a, c, "array_shift_left", -1),
        "array_shift_right" => |a, c| array_shift(a, c, "array_shift_right", 1),
        "array_split" => array_split,
        "zip" => zip,
        "jaccard_index" => jaccard_index,
        _ => return None,
    })
}

fn items_of(value: &Value) -> Option<&Arc<Vec<Dyn>>> {
    match value {
        Value::Dynamic(Dyn::Array(items)) => Some(items),
        _ => None,
    }
}

fn array_value(items: Vec<Dyn>) -> Value {
    Value::Dynamic(Dyn::array(items))
}

/// `array_iff(conditions, when_true, when_false)`: element-wise `iff`. A
/// numeric condition is true when not 0; any other non-boolean condition
/// gives a null element. `when_true`/`when_false` are arrays (missing
/// elements are null) or scalars used for every element.
fn array_iff(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("array_iff", args, 3, 3)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let Some(conditions) = items_of(&v[0]) else { return Ok(Value::Null) };
        let pick = |source: &Value, index: usize| match source {
            Value::Dynamic(Dyn::Array(items)) => items.get(index).cloned().unwrap_or(Dyn::Null),
            other => other.to_dyn(),
        };
        let out = conditions
            .iter()
            .enumerate()
            .map(|(index, condition)| {
                let truth = match condition {
                    Dyn::Bool(b) => Some(*b),
                    Dyn::Long(_) | Dyn::Real(_) | Dyn::Decimal(_) => condition.as_f64().map(|x| x != 0.0),
                    _ => None,
                };
                match truth {
                    Some(true) => pick(&v[1], index),
                    Some(false) => pick(&v[2], index),
                    None => Dyn::Null,
                }
            })
            .collect();
        Ok(array_value(out))
    })
}

fn array_reverse(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("array_reverse", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(items_of(&v[0]).map_or(Value::Null, |items| array_value(items.iter().rev().cloned().collect())))
    })
}

/// Rotates by `count` places to the right (`direction` 1) or left (-1); a
/// negative count rotates the other way.
fn array_rotate(args: &[Datum], ctx: &EvalCtx, name: &str, direction: i64) -> ExecResult<Datum> {
    expect_args(name, args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let (Some(items), Some(count)) = (items_of(&v[0]), v[1].as_i64()) else { return Ok(Value::Null) };
        let mut out = items.to_vec();
        if !out.is_empty() {
            let right = (count.saturating_mul(direction)).rem_euclid(out.len() as i64) as usize;
            out.rotate_right(right);
        }
        Ok(array_value(out))
    })
}

/// Shifts by `count` places to the right (`direction` 1) or left (-1),
/// filling the vacated places with the optional third argument (default
/// null); a negative count shifts the other way. The length is kept.
fn array_shift(args: &[Datum], ctx: &EvalCtx, name: &str, direction: i64) -> ExecResult<Datum> {
    expect_args(name, args, 2, 3)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let (Some(items), Some(count)) = (items_of(&v[0]), v[1].as_i64()) else { return Ok(Value::Null) };
        let fill = v.get(2).map_or(Dyn::Null, Value::to_dyn);
        let len = items.len() as i64;
        let right = count.saturating_mul(direction).clamp(-len, len);
        let out = (0..len)
            .map(|index| {
                let source = index - right;
                if (0..len).contains(&source) { items[source as usize].clone() } else { fill.clone() }
            })
            .collect();
        Ok(array_value(out))
    })
}

/// `array_split(array, indices)`: the pieces `[0..i1)`, `[i1..i2)`, ...,
/// `[iN..len)`. An index is an integer or an array of them; negative ones
/// count from the end. Indices are clamped to the array, and one smaller
/// than the previous gives an empty piece.
fn array_split(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("array_split", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let Some(items) = items_of(&v[0]) else { return Ok(Value::Null) };
        let indices: Vec<i64> = match &v[1] {
            Value::Dynamic(Dyn::Array(list)) => match list.iter().map(Dyn::as_i64).collect::<Option<Vec<_>>>() {
                Some(indices) => indices,
                None => return Ok(Value::Null),
            },
            other => match other.as_i64() {
                Some(index) => vec![index],
                None => return Ok(Value::Null),
            },
        };
        let len = items.len() as i64;
        let mut pieces = Vec::with_capacity(indices.len() + 1);
        let mut start = 0;
        for index in indices {
            let index = if index < 0 { len + index } else { index };
            let end = index.clamp(start, len);
            pieces.push(Dyn::array(items[start as usize..end as usize].to_vec()));
            start = end;
        }
        pieces.push(Dyn::array(items[start as usize..].to_vec()));
        Ok(array_value(pieces))
    })
}

/// `zip(array1, array2, ...)`: an array of tuples, as long as the longest
/// input; shorter arrays give null in their place. A non-array gives null.
fn zip(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("zip", args, 2, 16)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let mut arrays = Vec::with_capacity(v.len());
        for value in v {
            match items_of(value) {
                Some(items) => arrays.push(items),
                None => return Ok(Value::Null),
            }
        }
        let len = arrays.iter().map(|a| a.len()).max().unwrap_or(0);
        let out = (0..len)
            .map(|index| Dyn::array(arrays.iter().map(|a| a.get(index).cloned().unwrap_or(Dyn::Null)).collect()))
            .collect();
        Ok(array_value(out))
    })
}

/// `jaccard_index(set1, set2)`: |set1 ∩ set2| / |set1 ∪ set2| over the
/// distinct elements. Two empty sets give NaN (0/0).
fn jaccard_index(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("jaccard_index", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Real, |v| {
        let (Some(first), Some(second)) = (items_of(&v[0]), items_of(&v[1])) else { return Ok(Value::Null) };
        let distinct = |items: &Vec<Dyn>| items.iter().map(Dyn::to_json).collect::<std::collections::HashSet<_>>();
        let (first, second) = (distinct(first), distinct(second));
        let common = first.intersection(&second).count();
        let union = first.len() + second.len() - common;
        Ok(Value::Real(common as f64 / union as f64))
    })
}

/// The longest array `repeat` builds; a larger count is refused rather than
/// filling memory (Kusto documents no limit).
const MAX_REPEAT: i64 = 1_048_576;

/// `repeat(value, count)`: an array of `count` copies of `value`; an empty
/// array for 0, null for a negative or null count.
fn repeat(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("repeat", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let Some(count) = v[1].as_i64() else { return Ok(Value::Null) };
        if count < 0 {
            return Ok(Value::Null);
        }
        if count > MAX_REPEAT {
            return Err(crate::engine::error::ExecError::runtime(format!(
                "`repeat` count {count} is above the local limit of {MAX_REPEAT}"
            )));
        }
        Ok(Value::Dynamic(Dyn::array(vec![v[0].to_dyn(); count as usize])))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::engine::functions::test_support::{call_constant, call_text, json};

    fn call(name: &str, args: &[Value]) -> String {
        call_text(lookup(name).expect("an array function"), args)
    }

    #[test]
    fn iff_picks_elements_and_nulls_non_boolean_conditions() {
        assert_eq!(call("array_iff", &[json("[true,false,true]"), json("[1,2,3]"), json("[4,5,6]")]), "[1,5,3]");
        assert_eq!(
            call("array_iff", &[json("[1,0,50]"), Value::str("yes"), Value::str("no")]),
            r#"["yes","no","yes"]"#
        );
        assert_eq!(call("array_iff", &[json(r#"["x",null]"#), Value::Long(1), Value::Long(0)]), "[null,null]");
        assert_eq!(call("array_iff", &[json("[true,true,true]"), json("[1,2]"), json("[3,4]")]), "[1,2,null]");
        assert_eq!(call("array_iff", &[Value::Null, json("[1]"), json("[2]")]), "null");
    }

    #[test]
    fn rotate_and_shift_in_both_directions() {
        assert_eq!(call("array_rotate_right", &[json("[1,2,3,4,5]"), Value::Long(2)]), "[4,5,1,2,3]");
        assert_eq!(call("array_rotate_left", &[json("[1,2,3,4,5]"), Value::Long(2)]), "[3,4,5,1,2]");
        assert_eq!(call("array_rotate_right", &[json("[1,2,3,4,5]"), Value::Long(-7)]), "[3,4,5,1,2]");
        assert_eq!(call("array_rotate_left", &[json("[]"), Value::Long(3)]), "[]");
        assert_eq!(call("array_shift_right", &[json("[1,2,3,4,5]"), Value::Long(2)]), "[null,null,1,2,3]");
        assert_eq!(
            call("array_shift_right", &[json("[1,2,3,4,5]"), Value::Long(-2), Value::Long(-1)]),
            "[3,4,5,-1,-1]"
        );
        assert_eq!(call("array_shift_left", &[json("[1,2,3]"), Value::Long(9)]), "[null,null,null]");
        assert_eq!(call("array_shift_left", &[json("[1,2,3]"), Value::Long(i64::MIN)]), "[null,null,null]");
    }

    #[test]
    fn split_at_one_or_several_indices() {
        assert_eq!(call("array_split", &[json("[1,2,3,4,5]"), Value::Long(2)]), "[[1,2],[3,4,5]]");
        assert_eq!(call("array_split", &[json("[1,2,3,4,5]"), json("[1,3]")]), "[[1],[2,3],[4,5]]");
        assert_eq!(call("array_split", &[json("[1,2,3,4,5]"), Value::Long(-1)]), "[[1,2,3,4],[5]]");
        assert_eq!(call("array_split", &[json("[1,2,3]"), json("[2,1,9]")]), "[[1,2],[],[3],[]]");
    }

    #[test]
    fn zip_pads_with_nulls_and_jaccard_ignores_duplicates() {
        assert_eq!(call("zip", &[json("[1,3,5]"), json("[2,4,6]")]), "[[1,2],[3,4],[5,6]]");
        assert_eq!(call("zip", &[json(r#"["A",1,1.5]"#), json(r#"[{},"B"]"#)]), r#"[["A",{}],[1,"B"],[1.5,null]]"#);
        let jaccard = lookup("jaccard_index").expect("an array function");
        assert_eq!(call_constant(jaccard, &[json("[1,2,3]"), json("[1,2,3,4]")]), Value::Real(0.75));
        assert_eq!(call_constant(jaccard, &[json("[1,1,2]"), json("[2,2]")]), Value::Real(0.5));
        assert_eq!(call("array_reverse", &[json(r#"["a",1]"#)]), r#"[1,"a"]"#);
    }

    #[test]
    fn repeat_counts() {
        let ctx = EvalCtx { rows: 1, now: 0 };
        let call = |value: Value, count: Value| {
            let ty = value.scalar_type().unwrap_or(ScalarType::Long);
            repeat(&[Datum::Scalar(value, ty), Datum::Scalar(count, ScalarType::Long)], &ctx).map(|d| d.get(0))
        };
        assert_eq!(call(Value::Long(1), Value::Long(3)).expect("ok").to_kql_string(), "[1,1,1]");
        assert_eq!(call(Value::str("a"), Value::Long(2)).expect("ok").to_kql_string(), r#"["a","a"]"#);
        assert_eq!(call(Value::Long(1), Value::Long(0)).expect("ok").to_kql_string(), "[]");
        assert!(call(Value::Long(1), Value::Long(-1)).expect("ok").is_null());
        assert!(call(Value::Long(1), Value::Null).expect("ok").is_null());
        assert!(call(Value::Long(1), Value::Long(MAX_REPEAT + 1)).is_err());
    }
}
