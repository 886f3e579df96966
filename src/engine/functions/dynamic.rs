//! Dynamic (array and property bag) functions.

use std::sync::Arc;

use crate::engine::column::Column;
use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::functions::operators::compare;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "array_length" | "arraylength" => array_length,
        "range" => range,
        "bag_pack" | "pack" | "pack_dictionary" => bag_pack,
        "pack_array" => pack_array,
        "bag_keys" => bag_keys,
        "bag_has_key" => bag_has_key,
        "bag_merge" => bag_merge,
        "array_concat" => array_concat,
        "array_slice" => array_slice,
        "array_index_of" => array_index_of,
        "set_has_element" => set_has_element,
        "set_equals" => set_equals,
        "set_union" => |a, c| set_op(a, c, SetOp::Union),
        "set_intersect" => |a, c| set_op(a, c, SetOp::Intersect),
        "set_difference" => |a, c| set_op(a, c, SetOp::Difference),
        "array_sort_asc" => |a, c| array_sort(a, c, false),
        "array_sort_desc" => |a, c| array_sort(a, c, true),
        "array_sum" => array_sum,
        "strcat_array" | "array_strcat" => strcat_array,
        "extract_json" | "extractjson" => extract_json,
        _ => return None,
    })
}

/// The value as a dynamic (strings holding JSON are not parsed).
fn as_dyn(value: &Value) -> Dyn {
    value.to_dyn()
}

fn array_items(value: &Value) -> Option<Arc<Vec<Dyn>>> {
    match value {
        Value::Dynamic(Dyn::Array(items)) => Some(items.clone()),
        _ => None,
    }
}

fn array_length(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("array_length", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Long, |v| {
        Ok(array_items(&v[0]).map_or(Value::Null, |a| Value::Long(a.len() as i64)))
    })
}

/// The most elements `range()` returns (documented: 2^20).
const MAX_RANGE: usize = 1 << 20;

/// `range(start, stop [, step])`: `start, start + step, ...` up to and
/// including `stop`, as a dynamic array of `start`'s kind (longs, reals,
/// datetimes or timespans). The step defaults to 1, or 1h for datetimes and
/// timespans. A null argument or a zero step gives null; a step away from
/// `stop` gives an empty array; more than 2^20 values are truncated.
fn range(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("range", args, 2, 3)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        if v.iter().any(Value::is_null) || v.get(2).is_some_and(is_zero_step) {
            return Ok(Value::Null);
        }
        let hour = crate::engine::time::TICKS_PER_HOUR;
        let items: Option<Vec<Dyn>> = match (&v[0], &v[1]) {
            (Value::DateTime(start), Value::DateTime(stop)) => {
                let step = v.get(2).map_or(Some(hour), ticks_of);
                step.map(|step| range_i64(*start, *stop, step).into_iter().map(Dyn::DateTime).collect())
            }
            (Value::TimeSpan(start), Value::TimeSpan(stop)) => {
                let step = v.get(2).map_or(Some(hour), ticks_of);
                step.map(|step| range_i64(*start, *stop, step).into_iter().map(Dyn::TimeSpan).collect())
            }
            (start, stop)
                if [start, stop]
                    .iter()
                    .chain(v.get(2).as_ref())
                    .any(|x| matches!(x, Value::Real(_) | Value::Decimal(_))) =>
            {
                match (start.as_f64(), stop.as_f64(), v.get(2).map_or(Some(1.0), Value::as_f64)) {
                    (Some(start), Some(stop), Some(step)) if step != 0.0 && step.is_finite() => {
                        let count = ((stop - start) / step).floor();
                        let count = if count >= 0.0 { (count as usize).saturating_add(1).min(MAX_RANGE) } else { 0 };
                        Some((0..count).map(|i| Dyn::Real(start + step * i as f64)).collect())
                    }
                    _ => None,
                }
            }
            (start, stop) => match (start.as_i64(), stop.as_i64(), v.get(2).map_or(Some(1), Value::as_i64)) {
                (Some(start), Some(stop), Some(step)) => {
                    Some(range_i64(start, stop, step).into_iter().map(Dyn::Long).collect())
                }
                _ => None,
            },
        };
        Ok(items.map_or(Value::Null, |items| Value::Dynamic(Dyn::Array(Arc::new(items)))))
    })
}

fn is_zero_step(step: &Value) -> bool {
    match step {
        Value::TimeSpan(ticks) => *ticks == 0,
        other => other.as_f64() == Some(0.0),
    }
}

/// A step in ticks (a timespan) or as a plain number.
fn ticks_of(value: &Value) -> Option<i64> {
    match value {
        Value::TimeSpan(ticks) => Some(*ticks),
        other => other.as_i64(),
    }
}

/// Whole-number ranges; empty for a zero step or one pointing away from `stop`.
fn range_i64(start: i64, stop: i64, step: i64) -> Vec<i64> {
    let span = stop as i128 - start as i128;
    if step == 0 || span.signum() * (step.signum() as i128) < 0 {
        return Vec::new();
    }
    let count = (span / step as i128) as usize;
    let count = count.saturating_add(1).min(MAX_RANGE);
    (0..count as i64).map(|i| start + step * i).collect()
}

/// `bag_pack(key, value, ...)`.
pub fn bag_pack(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    if !args.len().is_multiple_of(2) {
        return Err(ExecError::runtime("`bag_pack` needs key/value pairs"));
    }
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(Value::Dynamic(Dyn::bag(
            v.chunks(2).map(|pair| (Arc::from(pair[0].to_kql_string().as_str()), as_dyn(&pair[1]))).collect(),
        )))
    })
}

/// `pack_all(true)`: like `bag_pack`, without null (or empty) values.
pub fn bag_pack_skip_nulls(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(Value::Dynamic(Dyn::bag(
            v.chunks(2)
                .filter(|pair| !pair[1].is_null() && !matches!(&pair[1], Value::String(s) if s.is_empty()))
                .map(|pair| (Arc::from(pair[0].to_kql_string().as_str()), as_dyn(&pair[1])))
                .collect(),
        )))
    })
}

fn pack_array(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    map_rows(args, ctx, ScalarType::Dynamic, |v| Ok(Value::Dynamic(Dyn::array(v.iter().map(as_dyn).collect()))))
}

fn bag_keys(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("bag_keys", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(match &v[0] {
            Value::Dynamic(Dyn::Bag(entries)) => {
                Value::Dynamic(Dyn::array(entries.iter().map(|(k, _)| Dyn::String(k.clone())).collect()))
            }
            _ => Value::Null,
        })
    })
}

fn bag_has_key(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("bag_has_key", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Bool, |v| {
        let key = v[1].to_kql_string();
        Ok(match &v[0] {
            Value::Dynamic(bag @ Dyn::Bag(_)) => Value::Bool(match key.strip_prefix("$.") {
                Some(path) => path.split('.').try_fold(bag, |node, k| node.get(k)).is_some(),
                None => bag.get(&key).is_some(),
            }),
            _ => Value::Null,
        })
    })
}

fn bag_merge(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let mut entries: Vec<(Arc<str>, Dyn)> = Vec::new();
        for value in v {
            if let Value::Dynamic(Dyn::Bag(bag)) = value {
                for (key, item) in bag.iter() {
                    if !entries.iter().any(|(k, _)| k == key) {
                        entries.push((key.clone(), item.clone()));
                    }
                }
            }
        }
        Ok(Value::Dynamic(Dyn::Bag(Arc::new(entries))))
    })
}

fn array_concat(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let mut out = Vec::new();
        for value in v {
            match array_items(value) {
                Some(items) => out.extend(items.iter().cloned()),
                None => return Ok(Value::Null),
            }
        }
        Ok(Value::Dynamic(Dyn::array(out)))
    })
}

fn array_slice(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("array_slice", args, 3, 3)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let Some(items) = array_items(&v[0]) else { return Ok(Value::Null) };
        let len = items.len() as i64;
        let fix = |i: i64| if i < 0 { (len + i).max(0) } else { i.min(len) };
        let (Some(start), Some(end)) = (v[1].as_i64(), v[2].as_i64()) else { return Ok(Value::Null) };
        let (start, end) = (fix(start), (fix(end) + 1).min(len));
        Ok(Value::Dynamic(Dyn::array(if start < end {
            items[start as usize..end as usize].to_vec()
        } else {
            Vec::new()
        })))
    })
}

fn dyn_equal(a: &Dyn, b: &Value) -> bool {
    crate::engine::functions::operators::equals(&a.to_value(), b) == Some(true)
}

/// `array_index_of(array, value [, start [, length [, occurrence]]])`: the
/// index of the `occurrence`-th (default 1st) element equal to `value`
/// among `length` elements (-1: all) from `start` (negative: from the end),
/// or -1. An occurrence below 0 or a length below -1 gives null.
fn array_index_of(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("array_index_of", args, 2, 5)?;
    map_rows(args, ctx, ScalarType::Long, |v| {
        let Some(items) = array_items(&v[0]) else { return Ok(Value::Null) };
        let optional = |index: usize, default: i64| match v.get(index) {
            None => Some(default),
            Some(value) if value.is_null() => Some(default),
            Some(value) => value.as_i64(),
        };
        let (Some(start), Some(length), Some(occurrence)) = (optional(2, 0), optional(3, -1), optional(4, 1)) else {
            return Ok(Value::Null);
        };
        if occurrence < 0 || length < -1 {
            return Ok(Value::Null);
        }
        let len = items.len() as i64;
        let start = if start < 0 { (len + start).max(0) } else { start.min(len) };
        let end = if length == -1 { len } else { start.saturating_add(length).min(len) };
        let found =
            (start..end).filter(|&index| dyn_equal(&items[index as usize], &v[1])).nth(occurrence.max(1) as usize - 1);
        Ok(Value::Long(found.unwrap_or(-1)))
    })
}

fn set_has_element(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("set_has_element", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Bool, |v| {
        let Some(items) = array_items(&v[0]) else { return Ok(Value::Null) };
        Ok(Value::Bool(items.iter().any(|item| dyn_equal(item, &v[1]))))
    })
}

/// `set_equals(set1, set2)`: whether the two arrays hold the same distinct
/// values (order and repetitions aside); null when either is not an array.
fn set_equals(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("set_equals", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Bool, |v| {
        let (Some(first), Some(second)) = (array_items(&v[0]), array_items(&v[1])) else { return Ok(Value::Null) };
        let distinct = |items: &[Dyn]| items.iter().map(Dyn::to_json).collect::<std::collections::HashSet<String>>();
        Ok(Value::Bool(distinct(&first) == distinct(&second)))
    })
}

#[derive(Clone, Copy)]
enum SetOp {
    Union,
    Intersect,
    Difference,
}

fn set_op(args: &[Datum], ctx: &EvalCtx, op: SetOp) -> ExecResult<Datum> {
    expect_args("set_*", args, 2, 64)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let mut sets: Vec<Vec<Dyn>> = Vec::new();
        for value in v {
            match array_items(value) {
                Some(items) => sets.push(items.to_vec()),
                None => return Ok(Value::Null),
            }
        }
        let key = |d: &Dyn| d.to_json();
        let mut out: Vec<Dyn> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        match op {
            SetOp::Union => {
                for item in sets.iter().flatten() {
                    if seen.insert(key(item)) {
                        out.push(item.clone());
                    }
                }
            }
            SetOp::Intersect => {
                for item in &sets[0] {
                    if sets[1..].iter().all(|s| s.iter().any(|x| key(x) == key(item))) && seen.insert(key(item)) {
                        out.push(item.clone());
                    }
                }
            }
            SetOp::Difference => {
                for item in &sets[0] {
                    if !sets[1..].iter().any(|s| s.iter().any(|x| key(x) == key(item))) && seen.insert(key(item)) {
                        out.push(item.clone());
                    }
                }
            }
        }
        Ok(Value::Dynamic(Dyn::array(out)))
    })
}

/// `array_sort_asc/desc(array1, ..., [nulls_last])`: sorts the first array
/// (nulls last unless `nulls_last` is false) and reorders the others to
/// match; an array of another length than the first becomes null. With one
/// array the result is the sorted array; with several, an array of the
/// sorted arrays (`extend (a, b) = array_sort_asc(x, y)` names them).
fn array_sort(args: &[Datum], ctx: &EvalCtx, descending: bool) -> ExecResult<Datum> {
    expect_args("array_sort", args, 1, 65)?;
    let has_flag = args.len() > 1 && matches!(args[args.len() - 1].ty(), ScalarType::Bool);
    let n_arrays = if has_flag { args.len() - 1 } else { args.len() };
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let nulls_last = if has_flag { !matches!(v[n_arrays], Value::Bool(false)) } else { true };
        let sorted = sort_arrays(&v[..n_arrays], descending, nulls_last);
        Ok(match sorted {
            None => Value::Null,
            Some(mut arrays) if arrays.len() == 1 => Value::Dynamic(arrays.remove(0)),
            Some(arrays) => Value::Dynamic(Dyn::array(arrays)),
        })
    })
}

/// `array_sort_asc/desc` with several arrays, as columns: one per array.
pub fn array_sort_columns(args: &[Datum], ctx: &EvalCtx, descending: bool) -> ExecResult<Vec<(&'static str, Column)>> {
    let has_flag = args.len() > 1 && matches!(args[args.len() - 1].ty(), ScalarType::Bool);
    let n_arrays = if has_flag { args.len() - 1 } else { args.len() };
    let sorted = array_sort(args, ctx, descending)?.into_column(ctx.rows);
    Ok((0..n_arrays)
        .map(|index| {
            let values: Vec<Value> = (0..ctx.rows)
                .map(|row| match sorted.get(row) {
                    Value::Dynamic(Dyn::Array(arrays)) if n_arrays > 1 => {
                        arrays.get(index).map_or(Value::Null, |array| Value::Dynamic(array.clone()))
                    }
                    whole if n_arrays == 1 => whole,
                    _ => Value::Null,
                })
                .collect();
            ("sorted", Column::from_values(ScalarType::Dynamic, &values))
        })
        .collect())
}

/// Sorts the first array and reorders the others the same way; `None`
/// when the first is not an array.
pub fn sort_arrays(values: &[Value], descending: bool, nulls_last: bool) -> Option<Vec<Dyn>> {
    let first = array_items(values.first()?)?;
    let mut order: Vec<usize> = (0..first.len()).collect();
    order.sort_by(|&i, &j| {
        let (a, b) = (&first[i], &first[j]);
        match (a.is_null(), b.is_null()) {
            (true, true) => std::cmp::Ordering::Equal,
            (true, false) if nulls_last => std::cmp::Ordering::Greater,
            (true, false) => std::cmp::Ordering::Less,
            (false, true) if nulls_last => std::cmp::Ordering::Less,
            (false, true) => std::cmp::Ordering::Greater,
            _ => {
                let ordering = sort_rank(a)
                    .cmp(&sort_rank(b))
                    .then_with(|| compare(&a.to_value(), &b.to_value()).unwrap_or_else(|| a.compare(b)));
                if descending { ordering.reverse() } else { ordering }
            }
        }
    });
    Some(
        values
            .iter()
            .map(|value| match array_items(value) {
                Some(items) if items.len() == first.len() => {
                    Dyn::array(order.iter().map(|&index| items[index].clone()).collect())
                }
                _ => Dyn::Null,
            })
            .collect(),
    )
}

/// The documented order of mixed element types: numbers, datetimes and
/// timespans, then strings, then guids, then everything else.
fn sort_rank(value: &Dyn) -> u8 {
    match value {
        Dyn::Long(_) | Dyn::Real(_) | Dyn::Decimal(_) | Dyn::DateTime(_) | Dyn::TimeSpan(_) => 0,
        Dyn::String(_) => 1,
        Dyn::Guid(_) => 2,
        _ => 3,
    }
}

fn array_sum(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("array_sum", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Real, |v| {
        let Some(items) = array_items(&v[0]) else { return Ok(Value::Null) };
        let mut sum = 0.0;
        for item in items.iter() {
            match item.as_f64() {
                Some(x) => sum += x,
                None => return Ok(Value::Null),
            }
        }
        Ok(Value::Real(sum))
    })
}

fn strcat_array(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("strcat_array", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        let Some(items) = array_items(&v[0]) else { return Ok(Value::str("")) };
        Ok(Value::str(&items.iter().map(Dyn::to_kql_string).collect::<Vec<_>>().join(&v[1].to_kql_string())))
    })
}

/// `extract_json(path, json [, typeof(T)])` with a `$.a.b[0]` path.
fn extract_json(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("extract_json", args, 2, 3)?;
    let ty = match args.get(2) {
        Some(Datum::Scalar(Value::String(name), _)) => ScalarType::from_name(name).unwrap_or(ScalarType::String),
        _ => ScalarType::String,
    };
    map_rows(&args[..2], ctx, ty, |v| {
        let path = v[0].to_kql_string();
        let root = match &v[1] {
            Value::Dynamic(d) => d.clone(),
            other => Dyn::parse_json(&other.to_kql_string()),
        };
        let Some(found) = json_path(&root, &path) else { return Ok(Value::Null) };
        Ok(match ty {
            ScalarType::String => Value::str(&found.to_kql_string()),
            ScalarType::Dynamic => Value::Dynamic(found.clone()),
            other => crate::engine::functions::conversion::convert(&found.to_value(), other),
        })
    })
}

/// Follows a JSONPath of `.name`, `['name']` and `[index]` steps from `$`.
pub fn json_path<'a>(root: &'a Dyn, path: &str) -> Option<&'a Dyn> {
    let mut rest = path.trim().strip_prefix('$')?;
    let mut node = root;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            node = node.get(&after[..end])?;
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            let key = after[..end].trim();
            node = if let Some(quoted) = key
                .strip_prefix('\'')
                .and_then(|k| k.strip_suffix('\''))
                .or_else(|| key.strip_prefix('"').and_then(|k| k.strip_suffix('"')))
            {
                node.get(quoted)?
            } else {
                node.at(key.parse().ok()?)?
            };
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    Some(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval_range(args: Vec<Value>) -> String {
        let datums: Vec<Datum> = args
            .into_iter()
            .map(|v| {
                let ty = v.scalar_type().unwrap_or(ScalarType::Long);
                Datum::Scalar(v, ty)
            })
            .collect();
        let ctx = EvalCtx { rows: 1, now: 0 };
        match range(&datums, &ctx).expect("a result").get(0) {
            Value::Dynamic(d) => d.to_json(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn range_of_numbers_and_times() {
        assert_eq!(eval_range(vec![Value::Long(1), Value::Long(8), Value::Long(3)]), "[1,4,7]");
        assert_eq!(eval_range(vec![Value::Long(1), Value::Long(3)]), "[1,2,3]");
        assert_eq!(eval_range(vec![Value::Long(3), Value::Long(1), Value::Long(-1)]), "[3,2,1]");
        assert_eq!(eval_range(vec![Value::Long(3), Value::Long(1)]), "[]");
        assert_eq!(eval_range(vec![Value::Long(1), Value::Long(3), Value::Long(0)]), "null");
        assert_eq!(eval_range(vec![Value::Null, Value::Long(3)]), "null");
        assert_eq!(eval_range(vec![Value::Real(1.0), Value::Long(2), Value::Real(0.5)]), "[1,1.5,2]");
        let hour = crate::engine::time::TICKS_PER_HOUR;
        assert_eq!(
            eval_range(vec![Value::TimeSpan(hour), Value::TimeSpan(3 * hour)]),
            r#"["01:00:00","02:00:00","03:00:00"]"#
        );
    }

    #[test]
    fn range_is_truncated_at_two_to_the_twenty() {
        let datums =
            [Datum::Scalar(Value::Long(1), ScalarType::Long), Datum::Scalar(Value::Long(i64::MAX), ScalarType::Long)];
        let ctx = EvalCtx { rows: 1, now: 0 };
        let Value::Dynamic(Dyn::Array(items)) = range(&datums, &ctx).expect("a result").get(0) else {
            panic!("an array")
        };
        assert_eq!(items.len(), MAX_RANGE);
    }
}
