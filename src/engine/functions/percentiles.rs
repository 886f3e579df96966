//! Nearest-rank percentiles for `percentile`, `percentiles`, `percentilew`,
//! `percentilesw`, `percentiles_array` and `percentilesw_array`.
//!
//! Kusto estimates percentiles with T-Digest, which is exact for the small
//! groups of the documentation; here they are exact: the value at rank
//! `ceil(p / 100 * N)` of the sorted group, where a weighted row counts as
//! `weight` rows (rows with a null, zero or negative weight count as none).

use crate::engine::column::{Column, ColumnBuilder};
use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::functions::aggregates::Grouping;
use crate::engine::functions::operators::compare;
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

/// The result type of a percentile of `value` (`int` widens to `long`).
pub fn result_type(value: &Datum) -> ScalarType {
    match value.ty() {
        ScalarType::Int => ScalarType::Long,
        other => other,
    }
}

/// Per group, the `percents` of `value` (`None` for a group without values).
pub fn group_percentiles(
    value: &Datum,
    weight: Option<&Datum>,
    grouping: &Grouping,
    included: &dyn Fn(usize) -> bool,
    percents: &[f64],
) -> Vec<Option<Vec<Value>>> {
    let mut groups: Vec<Vec<(Value, u64)>> = vec![Vec::new(); grouping.groups];
    for row in 0..grouping.rows {
        if !included(row) || value.is_null(row) {
            continue;
        }
        let count = match weight {
            None => 1,
            Some(weight) => match weight.get(row).as_i64() {
                Some(w) if w > 0 => w as u64,
                _ => continue,
            },
        };
        groups[grouping.group_of_row[row] as usize].push((value.get(row), count));
    }
    groups
        .into_iter()
        .map(|mut group| {
            if group.is_empty() {
                return None;
            }
            group.sort_by(|a, b| compare(&a.0, &b.0).unwrap_or(std::cmp::Ordering::Equal));
            let total = group.iter().fold(0u64, |total, (_, count)| total.saturating_add(*count));
            Some(percents.iter().map(|percent| nearest_rank(&group, total, *percent)).collect())
        })
        .collect()
}

fn nearest_rank(sorted: &[(Value, u64)], total: u64, percent: f64) -> Value {
    let rank = ((percent.clamp(0.0, 100.0) / 100.0) * total as f64).ceil().max(1.0) as u64;
    let mut seen = 0u64;
    for (value, count) in sorted {
        seen = seen.saturating_add(*count);
        if seen >= rank {
            return value.clone();
        }
    }
    sorted.last().map_or(Value::Null, |(value, _)| value.clone())
}

/// One column per percentile (`percentile`, `percentiles`, `percentilew`, ...).
pub fn percentile_columns(
    value: &Datum,
    weight: Option<&Datum>,
    grouping: &Grouping,
    included: &dyn Fn(usize) -> bool,
    percents: &[f64],
) -> Vec<Column> {
    let per_group = group_percentiles(value, weight, grouping, included, percents);
    let ty = result_type(value);
    (0..percents.len())
        .map(|index| {
            let mut builder = ColumnBuilder::new(ty, grouping.groups);
            for group in &per_group {
                builder.push(group.as_ref().map_or(&Value::Null, |values| &values[index]));
            }
            builder.finish()
        })
        .collect()
}

/// `percentiles_array` / `percentilesw_array`: the percentiles as one
/// dynamic array per group.
pub fn percentile_arrays(
    value: &Datum,
    weight: Option<&Datum>,
    grouping: &Grouping,
    included: &dyn Fn(usize) -> bool,
    percents: &[f64],
) -> Column {
    let arrays: Vec<Dyn> = group_percentiles(value, weight, grouping, included, percents)
        .into_iter()
        .map(|group| match group {
            None => Dyn::Null,
            Some(values) => Dyn::array(values.iter().map(Value::to_dyn).collect()),
        })
        .collect();
    Column::Dynamic(arrays.into())
}

/// The percentages of a call: numbers, or one dynamic array of numbers
/// (`percentiles_array(x, dynamic([5, 50]))`), each within 0..=100.
pub fn percents(name: &str, args: &[Datum]) -> ExecResult<Vec<f64>> {
    let mut out = Vec::new();
    let invalid = || ExecError::runtime(format!("`{name}` expects percentages between 0 and 100"));
    for arg in args {
        match arg.as_scalar() {
            Some(Value::Dynamic(Dyn::Array(items))) => {
                for item in items.iter() {
                    out.push(item.as_f64().ok_or_else(invalid)?);
                }
            }
            Some(value) => out.push(value.as_f64().ok_or_else(invalid)?),
            None => return Err(ExecError::runtime(format!("`{name}` expects constant percentages"))),
        }
    }
    if out.is_empty() {
        return Err(ExecError::runtime(format!("`{name}` needs at least one percentage")));
    }
    if out.iter().any(|p| !(0.0..=100.0).contains(p)) {
        return Err(invalid());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::column::Prim;

    fn longs(values: &[i64]) -> Datum {
        Datum::Column(Column::Long(Prim::new(values.to_vec())))
    }

    #[test]
    fn weights_count_a_value_that_many_times() {
        let grouping = Grouping { group_of_row: &[0, 0, 0], groups: 1, rows: 3 };
        let value = longs(&[1, 2, 3]);
        let weight = longs(&[1, 1, 8]);
        let plain = group_percentiles(&value, None, &grouping, &|_| true, &[50.0]);
        assert_eq!(plain, vec![Some(vec![Value::Long(2)])]);
        let weighted = group_percentiles(&value, Some(&weight), &grouping, &|_| true, &[10.0, 20.0, 50.0, 100.0]);
        assert_eq!(weighted, vec![Some(vec![Value::Long(1), Value::Long(2), Value::Long(3), Value::Long(3)])]);
    }

    #[test]
    fn an_empty_group_has_no_percentile() {
        let grouping = Grouping { group_of_row: &[1], groups: 2, rows: 1 };
        let arrays = percentile_arrays(&longs(&[5]), None, &grouping, &|_| true, &[0.0, 100.0]);
        assert!(arrays.is_null(0));
        assert_eq!(arrays.get(1).to_kql_string(), "[5,5]");
    }

    #[test]
    fn percentages_must_be_between_0_and_100() {
        let scalar = |value: Value| Datum::Scalar(value, ScalarType::Dynamic);
        assert_eq!(percents("p", &[scalar(Value::Long(5)), scalar(Value::Real(99.5))]).unwrap(), vec![5.0, 99.5]);
        let array = scalar(Value::Dynamic(Dyn::parse_json("[1, 2]")));
        assert_eq!(percents("p", &[array]).unwrap(), vec![1.0, 2.0]);
        assert!(percents("p", &[scalar(Value::Long(101))]).is_err());
        assert!(percents("p", &[]).is_err());
    }
}
