//! Sketch aggregates and the scalar functions that read them: `hll`,
//! `hll_if`, `hll_merge`, `dcount_hll`; `tdigest`, `tdigest_merge`
//! (`merge_tdigest`), `percentile_tdigest`, `percentiles_array_tdigest`,
//! `rank_tdigest` and `percentrank_tdigest`.
//!
//! Kusto's sketches are approximate (HyperLogLog, t-digest). These are
//! exact, and say so: an `hll` is a `dynamic` array of the distinct values,
//! sorted, so `dcount_hll` is an exact distinct count; a `tdigest` is a
//! `dynamic` array of `[value, weight]` pairs sorted by value, so its
//! percentiles and ranks are exact (nearest-rank, like `percentile()`). Both
//! are bounded: a sketch of more than [`MAX_SKETCH_ENTRIES`] distinct values
//! is refused with an error rather than grown without limit.

use std::cmp::Ordering;

use crate::engine::column::Column;
use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::functions::aggregates::{Grouping, predicate_mask};
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

/// The most distinct values one exact sketch may hold (the default
/// `make_set` limit).
pub const MAX_SKETCH_ENTRIES: usize = 1_048_576;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "hll_merge" => hll_merge,
        "dcount_hll" => dcount_hll,
        "tdigest_merge" | "merge_tdigest" => tdigest_merge,
        "percentile_tdigest" => percentile_tdigest,
        "percentiles_array_tdigest" => percentiles_array_tdigest,
        "rank_tdigest" => rank_tdigest,
        "percentrank_tdigest" => percentrank_tdigest,
        _ => return None,
    })
}

/// The sketch aggregates, or `None` when `name` is not one.
pub fn aggregate(name: &str, args: &[Datum], grouping: &Grouping) -> Option<ExecResult<Column>> {
    Some(match name {
        "hll" => hll(name, args.first(), None, grouping),
        // `hll_if(expr, predicate [, accuracy])`: the predicate is second.
        "hll_if" => hll(name, args.first(), args.get(1), grouping),
        "hll_merge" => hll_merge_aggregate(args.first(), grouping),
        "tdigest" => tdigest(args.first(), args.get(1), grouping),
        "tdigest_merge" | "merge_tdigest" => tdigest_merge_aggregate(args.first(), grouping),
        _ => return None,
    })
}

fn missing(name: &str) -> ExecError {
    ExecError::runtime(format!("`{name}` is missing an argument"))
}

fn too_large(name: &str) -> ExecError {
    ExecError::runtime(format!(
        "`{name}()` is exact here and holds at most {MAX_SKETCH_ENTRIES} distinct values per group; this group has more"
    ))
}

/// Sorts and removes duplicates (by `Dyn::compare`).
fn sorted_distinct(mut values: Vec<Dyn>) -> Vec<Dyn> {
    values.sort_by(Dyn::compare);
    values.dedup_by(|a, b| a.compare(b) == Ordering::Equal);
    values
}

fn hll(name: &str, value: Option<&Datum>, predicate: Option<&Datum>, grouping: &Grouping) -> ExecResult<Column> {
    let value = value.ok_or_else(|| missing(name))?;
    if name == "hll_if" && predicate.is_none() {
        return Err(ExecError::runtime("`hll_if` needs a predicate".to_string()));
    }
    let mask = predicate.map(|p| predicate_mask(p, grouping.rows));
    let mut groups: Vec<Vec<Dyn>> = vec![Vec::new(); grouping.groups];
    for row in 0..grouping.rows {
        if mask.as_ref().is_some_and(|m| !m[row]) || value.is_null(row) {
            continue;
        }
        let group = &mut groups[grouping.group_of_row[row] as usize];
        group.push(value.get(row).to_dyn());
        // Deduplicate as we go so that the bound is on distinct values.
        if group.len() > 2 * MAX_SKETCH_ENTRIES {
            *group = sorted_distinct(std::mem::take(group));
            if group.len() > MAX_SKETCH_ENTRIES {
                return Err(too_large(name));
            }
        }
    }
    finish_hlls(name, groups)
}

/// One `hll` per group; a group without values gets null, the default the
/// summarize page gives every aggregation but the counts and `make_*` ones.
fn finish_hlls(name: &str, groups: Vec<Vec<Dyn>>) -> ExecResult<Column> {
    let mut out = Vec::with_capacity(groups.len());
    for group in groups {
        let distinct = sorted_distinct(group);
        if distinct.len() > MAX_SKETCH_ENTRIES {
            return Err(too_large(name));
        }
        out.push(if distinct.is_empty() { Dyn::Null } else { Dyn::array(distinct) });
    }
    Ok(Column::Dynamic(out.into_iter().collect()))
}

/// The values of an `hll` result; `None` for anything that is not one.
pub(crate) fn hll_values(value: &Value) -> Option<&[Dyn]> {
    match value {
        Value::Dynamic(Dyn::Array(items)) => Some(items.as_slice()),
        _ => None,
    }
}

fn hll_merge_aggregate(value: Option<&Datum>, grouping: &Grouping) -> ExecResult<Column> {
    let value = value.ok_or_else(|| missing("hll_merge"))?;
    let mut groups: Vec<Vec<Dyn>> = vec![Vec::new(); grouping.groups];
    for row in 0..grouping.rows {
        let item = value.get(row);
        if let Some(values) = hll_values(&item) {
            groups[grouping.group_of_row[row] as usize].extend(values.iter().cloned());
        }
    }
    finish_hlls("hll_merge", groups)
}

/// `hll_merge(hll1, hll2, ...)`: the union of 2 to 64 sketches (as
/// documented). Arguments that are not `hll` results (null, a string) are
/// skipped; if none is, the result is null.
fn hll_merge(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("hll_merge", args, 2, 64)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let sketches: Vec<&[Dyn]> = v.iter().filter_map(hll_values).collect();
        if sketches.is_empty() {
            return Ok(Value::Null);
        }
        let merged = sorted_distinct(sketches.iter().flat_map(|s| s.iter().cloned()).collect());
        if merged.len() > MAX_SKETCH_ENTRIES {
            return Err(too_large("hll_merge"));
        }
        Ok(Value::Dynamic(Dyn::array(merged)))
    })
}

/// `dcount_hll(hll)`: the number of distinct values; null for anything
/// that is not an `hll` result.
fn dcount_hll(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("dcount_hll", args, 1, 1)?;
    map_rows(
        args,
        ctx,
        ScalarType::Long,
        |v| Ok(hll_values(&v[0]).map_or(Value::Null, |s| Value::Long(s.len() as i64))),
    )
}

/// A t-digest: `(value, weight)` pairs sorted by value, values distinct.
type Digest = Vec<(Dyn, i64)>;

/// Sorts the pairs and adds up the weights of equal values.
fn normalize(mut pairs: Digest) -> Digest {
    pairs.sort_by(|a, b| a.0.compare(&b.0));
    let mut out: Digest = Vec::with_capacity(pairs.len());
    for (value, weight) in pairs {
        match out.last_mut() {
            Some((last, total)) if last.compare(&value) == Ordering::Equal => *total = total.saturating_add(weight),
            _ => out.push((value, weight)),
        }
    }
    out
}

fn digest_to_dyn(digest: Digest) -> Dyn {
    Dyn::array(digest.into_iter().map(|(value, weight)| Dyn::array(vec![value, Dyn::Long(weight)])).collect())
}

/// The pairs of a `tdigest` result; `None` for anything that is not one.
fn digest_pairs(value: &Value) -> Option<Digest> {
    let Value::Dynamic(Dyn::Array(items)) = value else { return None };
    items
        .iter()
        .map(|item| match item {
            Dyn::Array(pair) if pair.len() == 2 => Some((pair[0].clone(), pair[1].as_i64()?)),
            _ => None,
        })
        .collect()
}

/// One `tdigest` per group; a group without values gets null, as in
/// [`finish_hlls`].
fn finish_digests(name: &str, groups: Vec<Digest>) -> ExecResult<Column> {
    let mut out = Vec::with_capacity(groups.len());
    for group in groups {
        let digest = normalize(group);
        if digest.len() > MAX_SKETCH_ENTRIES {
            return Err(too_large(name));
        }
        out.push(if digest.is_empty() { Dyn::Null } else { digest_to_dyn(digest) });
    }
    Ok(Column::Dynamic(out.into_iter().collect()))
}

/// `tdigest(expr [, weight])`: nulls are skipped, and so are rows whose
/// weight is null or not positive.
fn tdigest(value: Option<&Datum>, weight: Option<&Datum>, grouping: &Grouping) -> ExecResult<Column> {
    let value = value.ok_or_else(|| missing("tdigest"))?;
    let mut groups: Vec<Digest> = vec![Vec::new(); grouping.groups];
    for row in 0..grouping.rows {
        if value.is_null(row) {
            continue;
        }
        let weight = match weight {
            None => 1,
            Some(w) => match w.get(row).as_i64() {
                Some(w) if w > 0 => w,
                _ => continue,
            },
        };
        let group = &mut groups[grouping.group_of_row[row] as usize];
        group.push((value.get(row).to_dyn(), weight));
        if group.len() > 2 * MAX_SKETCH_ENTRIES {
            *group = normalize(std::mem::take(group));
            if group.len() > MAX_SKETCH_ENTRIES {
                return Err(too_large("tdigest"));
            }
        }
    }
    finish_digests("tdigest", groups)
}

fn tdigest_merge_aggregate(value: Option<&Datum>, grouping: &Grouping) -> ExecResult<Column> {
    let value = value.ok_or_else(|| missing("tdigest_merge"))?;
    let mut groups: Vec<Digest> = vec![Vec::new(); grouping.groups];
    for row in 0..grouping.rows {
        if let Some(pairs) = digest_pairs(&value.get(row)) {
            groups[grouping.group_of_row[row] as usize].extend(pairs);
        }
    }
    finish_digests("tdigest_merge", groups)
}

/// `tdigest_merge(td1, td2, ...)`: one or more digests (the merge_tdigest
/// page: "one or more comma-separated column references"); arguments that are
/// not `tdigest` results are skipped; if none is, the result is null.
fn tdigest_merge(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("tdigest_merge", args, 1, 16)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let digests: Vec<Digest> = v.iter().filter_map(digest_pairs).collect();
        if digests.is_empty() {
            return Ok(Value::Null);
        }
        let merged = normalize(digests.into_iter().flatten().collect());
        if merged.len() > MAX_SKETCH_ENTRIES {
            return Err(too_large("tdigest_merge"));
        }
        Ok(Value::Dynamic(digest_to_dyn(merged)))
    })
}

/// The nearest-rank percentile of a digest: the smallest value whose
/// cumulative weight reaches `percent`% of the total.
fn digest_percentile(digest: &Digest, percent: f64) -> Option<Dyn> {
    // Weights are summed as i128: a digest's weights may add up past i64.
    let total: i128 = digest.iter().map(|(_, w)| i128::from(*w)).sum();
    if total <= 0 || !percent.is_finite() {
        return None;
    }
    let rank = ((percent.clamp(0.0, 100.0) / 100.0) * total as f64).ceil().max(1.0);
    let mut cumulative = 0i128;
    for (value, weight) in digest {
        cumulative += i128::from(*weight);
        if cumulative as f64 >= rank {
            return Some(value.clone());
        }
    }
    digest.last().map(|(value, _)| value.clone())
}

/// `percentile_tdigest(td, percent [, typeof(T)])`: the value, as `dynamic`
/// or, as documented, of type `T` when a type literal is given (the analyzer
/// passes it as the type's name); null for a digest that is not one or is
/// empty.
fn percentile_tdigest(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("percentile_tdigest", args, 2, 3)?;
    let ty = match args.get(2) {
        Some(Datum::Scalar(Value::String(name), _)) => ScalarType::from_name(name).unwrap_or(ScalarType::Dynamic),
        _ => ScalarType::Dynamic,
    };
    map_rows(&args[..2], ctx, ty, |v| {
        let (Some(digest), Some(percent)) = (digest_pairs(&v[0]), v[1].as_f64()) else { return Ok(Value::Null) };
        let value = digest_percentile(&digest, percent).map_or(Value::Null, Value::Dynamic);
        Ok(if ty == ScalarType::Dynamic { value } else { crate::engine::functions::conversion::convert(&value, ty) })
    })
}

/// `percentiles_array_tdigest(td, p1, p2, ...)` or
/// `percentiles_array_tdigest(td, dynamic([p1, p2, ...]))`: an array.
fn percentiles_array_tdigest(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    if args.len() < 2 {
        return Err(missing("percentiles_array_tdigest"));
    }
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let Some(digest) = digest_pairs(&v[0]) else { return Ok(Value::Null) };
        let percents: Vec<Option<f64>> = match &v[1..] {
            [Value::Dynamic(Dyn::Array(items))] => items.iter().map(Dyn::as_f64).collect(),
            rest => rest.iter().map(Value::as_f64).collect(),
        };
        let values =
            percents.into_iter().map(|p| p.and_then(|p| digest_percentile(&digest, p)).unwrap_or(Dyn::Null)).collect();
        Ok(Value::Dynamic(Dyn::array(values)))
    })
}

/// The total weight of the values less than or equal to `value`; `None` when
/// the digest holds no value comparable with it.
fn digest_rank(digest: &Digest, value: &Dyn) -> Option<(i128, i128)> {
    let total: i128 = digest.iter().map(|(_, w)| i128::from(*w)).sum();
    let comparable = |item: &Dyn| {
        matches!(
            (item, value),
            (Dyn::Long(_) | Dyn::Real(_) | Dyn::Decimal(_), Dyn::Long(_) | Dyn::Real(_) | Dyn::Decimal(_))
                | (Dyn::DateTime(_), Dyn::DateTime(_))
                | (Dyn::TimeSpan(_), Dyn::TimeSpan(_))
        )
    };
    if digest.is_empty() || !digest.iter().all(|(item, _)| comparable(item)) {
        return None;
    }
    let rank =
        digest.iter().filter(|(item, _)| item.compare(value) != Ordering::Greater).map(|(_, w)| i128::from(*w)).sum();
    Some((rank, total))
}

/// `rank_tdigest(td, value)`: how many values (by weight) are less than or
/// equal to `value`.
fn rank_tdigest(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("rank_tdigest", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Real, |v| {
        let Some(digest) = digest_pairs(&v[0]) else { return Ok(Value::Null) };
        Ok(digest_rank(&digest, &v[1].to_dyn()).map_or(Value::Null, |(rank, _)| Value::Real(rank as f64)))
    })
}

/// `percentrank_tdigest(td, value)`: the rank as a percentage of the total
/// weight.
fn percentrank_tdigest(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("percentrank_tdigest", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Real, |v| {
        let Some(digest) = digest_pairs(&v[0]) else { return Ok(Value::Null) };
        Ok(match digest_rank(&digest, &v[1].to_dyn()) {
            Some((rank, total)) if total > 0 => Value::Real(rank as f64 * 100.0 / total as f64),
            _ => Value::Null,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grouping(rows: usize) -> (Vec<u32>, usize) {
        (vec![0; rows], rows)
    }

    fn longs(values: &[Option<i64>]) -> Datum {
        Datum::Column(Column::Long(values.iter().copied().collect()))
    }

    fn scalar(kernel: ScalarKernel, args: &[Value]) -> Value {
        let datums: Vec<Datum> =
            args.iter().map(|v| Datum::Scalar(v.clone(), v.scalar_type().unwrap_or(ScalarType::Dynamic))).collect();
        kernel(&datums, &EvalCtx { rows: 1, now: 0 }).expect("a result").get(0)
    }

    fn one_group(name: &str, args: &[Datum], rows: usize) -> Value {
        let (group_of_row, rows) = grouping(rows);
        let grouping = Grouping { group_of_row: &group_of_row, groups: 1, rows };
        let column = aggregate(name, args, &grouping).expect("a sketch aggregate").expect("a column");
        Value::Dynamic(column.get(0).to_dyn())
    }

    #[test]
    fn hll_merge_counts_the_union_exactly() {
        // hll-merge-function.md#1: x in 1..10, y = x + 10.
        let x = longs(&(1..=10).map(Some).collect::<Vec<_>>());
        let y = longs(&(11..=20).map(Some).collect::<Vec<_>>());
        let (hll_x, hll_y) = (one_group("hll", &[x], 10), one_group("hll", &[y], 10));
        let merged = scalar(hll_merge, &[hll_x.clone(), hll_y]);
        assert_eq!(scalar(dcount_hll, &[merged]), Value::Long(20));
        assert_eq!(scalar(dcount_hll, &[hll_x]), Value::Long(10));
    }

    #[test]
    fn hll_skips_nulls_and_duplicates_and_hll_if_filters() {
        let x = longs(&[Some(1), None, Some(1), Some(2)]);
        assert_eq!(scalar(dcount_hll, &[one_group("hll", std::slice::from_ref(&x), 4)]), Value::Long(2));
        let predicate =
            Datum::Column(Column::Bool([Some(true), Some(true), Some(true), Some(false)].into_iter().collect()));
        assert_eq!(scalar(dcount_hll, &[one_group("hll_if", &[x, predicate], 4)]), Value::Long(1));
    }

    #[test]
    fn sketches_of_no_values_are_null() {
        // The summarize page: aggregations other than the counts and make_*
        // default to null over no values (and nulls are ignored).
        for name in ["hll", "tdigest", "hll_merge", "tdigest_merge"] {
            assert!(one_group(name, &[longs(&[None, None])], 2).is_null(), "{name}");
            assert!(one_group(name, &[longs(&[])], 0).is_null(), "{name}");
        }
        let empty = one_group("tdigest", &[longs(&[])], 0);
        assert!(scalar(percentiles_array_tdigest, &[empty, Value::Real(50.0)]).is_null());
    }

    #[test]
    fn weights_past_a_long_do_not_overflow() {
        let digest = one_group("tdigest", &[longs(&[Some(1), Some(2)]), longs(&[Some(i64::MAX), Some(i64::MAX)])], 2);
        assert_eq!(scalar(percentile_tdigest, &[digest.clone(), Value::Real(50.0)]), Value::Dynamic(Dyn::Long(1)));
        assert_eq!(scalar(percentrank_tdigest, &[digest, Value::Long(2)]), Value::Real(100.0));
    }

    #[test]
    fn wrong_typed_sketches_give_null() {
        assert!(scalar(dcount_hll, &[Value::str("abc")]).is_null());
        assert!(scalar(dcount_hll, &[Value::Null]).is_null());
        assert!(scalar(hll_merge, &[Value::Null, Value::str("")]).is_null());
        assert!(scalar(percentile_tdigest, &[Value::str("x"), Value::Real(50.0)]).is_null());
        assert!(scalar(rank_tdigest, &[Value::Null, Value::Long(1)]).is_null());
        let bag = Value::Dynamic(Dyn::array(vec![Dyn::str("not a pair")]));
        assert!(scalar(percentile_tdigest, &[bag, Value::Real(50.0)]).is_null());
    }

    #[test]
    fn tdigest_percentiles_and_ranks_are_exact() {
        // rank-tdigest-function.md#1: x in 1..1000, the rank of 685 is 685.
        let x = longs(&(1..=1000).map(Some).collect::<Vec<_>>());
        let digest = one_group("tdigest", &[x], 1000);
        assert_eq!(scalar(rank_tdigest, &[digest.clone(), Value::Long(685)]), Value::Real(685.0));
        assert_eq!(scalar(percentrank_tdigest, &[digest.clone(), Value::Long(250)]), Value::Real(25.0));
        assert_eq!(scalar(rank_tdigest, &[digest.clone(), Value::Long(0)]), Value::Real(0.0));
        assert!(scalar(rank_tdigest, &[digest.clone(), Value::str("a")]).is_null());
        assert_eq!(scalar(percentile_tdigest, &[digest.clone(), Value::Real(100.0)]), Value::Dynamic(Dyn::Long(1000)));
        assert_eq!(scalar(percentile_tdigest, &[digest.clone(), Value::Real(0.0)]), Value::Dynamic(Dyn::Long(1)));
        let array = scalar(percentiles_array_tdigest, &[digest, Value::Real(50.0), Value::Real(90.0)]);
        assert_eq!(array.to_kql_string(), "[500,900]");
    }

    #[test]
    fn tdigest_weights_and_merges() {
        // tdigest-aggregation-function.md#2: V = 1 (weight 1), 2 (weight 2); P50 is 2.
        let values = Datum::Column(Column::Real([Some(1.0), Some(2.0)].into_iter().collect()));
        let weights = longs(&[Some(1), Some(2)]);
        let digest = one_group("tdigest", &[values, weights], 2);
        assert_eq!(scalar(percentile_tdigest, &[digest.clone(), Value::Real(50.0)]), Value::Dynamic(Dyn::Real(2.0)));
        let merged = scalar(tdigest_merge, &[digest.clone(), digest.clone()]);
        assert_eq!(merged.to_kql_string(), "[[1,2],[2,4]]");
        // percentile-tdigest-function.md: a type literal gives a result of that type.
        let typed = [
            Datum::Scalar(digest, ScalarType::Dynamic),
            Datum::Scalar(Value::Real(50.0), ScalarType::Real),
            Datum::Scalar(Value::str("long"), ScalarType::String),
        ];
        let result = percentile_tdigest(&typed, &EvalCtx { rows: 1, now: 0 }).expect("a percentile");
        assert_eq!(result.get(0), Value::Long(2));
    }
}
