//! Series statistics: `series_stats_dynamic` (one property bag) and
//! `series_stats` (one column per statistic).

use std::sync::Arc;

use crate::engine::column::{Column, ColumnBuilder};
use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "series_stats_dynamic" => series_stats_dynamic,
        _ => return None,
    })
}

/// The statistics of a series as a property bag: min, min_idx, max, max_idx,
/// avg, stdev and variance (sample), sum and len. With `ignore_nonfinite`
/// (default false) null, NaN, infinite and non-numeric elements are skipped;
/// without it, any of them makes every statistic null, as documented.
pub fn series_stats(items: &[Dyn], ignore_nonfinite: bool) -> Dyn {
    let mut values: Vec<(usize, f64)> = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        match item.as_f64().filter(|x| x.is_finite()) {
            Some(x) if !matches!(item, Dyn::String(_)) => values.push((index, x)),
            _ if ignore_nonfinite => {}
            _ => return stats_bag(None),
        }
    }
    if values.is_empty() {
        // No value to describe (an empty series, or only skipped ones): the
        // length is 0 and the other statistics are null. The page is silent;
        // a length is never unknown.
        let mut empty: [Dyn; 9] = Default::default();
        empty[8] = Dyn::Long(0);
        return stats_bag(Some(empty));
    }
    let n = values.len() as f64;
    let sum: f64 = values.iter().map(|(_, x)| x).sum();
    let avg = sum / n;
    let variance =
        if values.len() > 1 { values.iter().map(|(_, x)| (x - avg).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
    let (min_idx, min) = values.iter().copied().fold(values[0], |best, v| if v.1 < best.1 { v } else { best });
    let (max_idx, max) = values.iter().copied().fold(values[0], |best, v| if v.1 > best.1 { v } else { best });
    stats_bag(Some([
        Dyn::Real(min),
        Dyn::Long(min_idx as i64),
        Dyn::Real(max),
        Dyn::Long(max_idx as i64),
        Dyn::Real(avg),
        Dyn::Real(variance.sqrt()),
        Dyn::Real(variance),
        Dyn::Real(sum),
        Dyn::Long(values.len() as i64),
    ]))
}

const STAT_NAMES: [&str; 9] = ["min", "min_idx", "max", "max_idx", "avg", "stdev", "variance", "sum", "len"];

fn stats_bag(values: Option<[Dyn; 9]>) -> Dyn {
    let values = values.unwrap_or_default();
    Dyn::bag(STAT_NAMES.iter().zip(values).map(|(name, value)| (Arc::from(*name), value)).collect())
}

fn series_stats_dynamic(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("series_stats_dynamic", args, 1, 2)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let Value::Dynamic(Dyn::Array(items)) = &v[0] else { return Ok(Value::Null) };
        let ignore_nonfinite = matches!(v.get(1), Some(Value::Bool(true)));
        Ok(Value::Dynamic(series_stats(items, ignore_nonfinite)))
    })
}

/// `series_stats(series [, ignore_nonfinite])`: the statistics of
/// [`series_stats`] but `sum` and `len`, as columns
/// (`series_stats_x_min`, ...).
pub fn series_stats_columns(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Vec<(&'static str, Column)>> {
    expect_args("series_stats", args, 1, 2)?;
    const OUTPUTS: [(&str, ScalarType); 7] = [
        ("min", ScalarType::Real),
        ("min_idx", ScalarType::Long),
        ("max", ScalarType::Real),
        ("max_idx", ScalarType::Long),
        ("avg", ScalarType::Real),
        ("stdev", ScalarType::Real),
        ("variance", ScalarType::Real),
    ];
    let mut builders: Vec<ColumnBuilder> = OUTPUTS.iter().map(|(_, ty)| ColumnBuilder::new(*ty, ctx.rows)).collect();
    let rows = if args.iter().all(Datum::is_scalar) { 1 } else { ctx.rows };
    for row in 0..rows {
        let stats = match args[0].get(row) {
            Value::Dynamic(Dyn::Array(items)) => {
                let ignore_nonfinite = matches!(args.get(1).map(|a| a.get(row)), Some(Value::Bool(true)));
                series_stats(&items, ignore_nonfinite)
            }
            _ => stats_bag(None),
        };
        for ((name, _), builder) in OUTPUTS.iter().zip(builders.iter_mut()) {
            builder.push(&stats.get(name).map_or(Value::Null, Dyn::to_value));
        }
    }
    let columns: Vec<(&'static str, Column)> =
        OUTPUTS.iter().zip(builders).map(|((name, _), builder)| (*name, builder.finish())).collect();
    if rows == ctx.rows {
        return Ok(columns);
    }
    // Constant arguments: one value, repeated for every row.
    Ok(columns
        .into_iter()
        .map(|(name, column)| {
            let value = column.get(0);
            let ty = column.ty();
            (name, Datum::Scalar(value, ty).into_column(ctx.rows))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn longs(values: &[i64]) -> Vec<Dyn> {
        values.iter().map(|v| Dyn::Long(*v)).collect()
    }

    #[test]
    fn stats_match_the_docs() {
        let series = longs(&[23, 46, 23, 87, 4, 8, 3, 75, 2, 56, 13, 75, 32, 16, 29]);
        let stats = series_stats(&series, false);
        assert_eq!(stats.get("min"), Some(&Dyn::Real(2.0)));
        assert_eq!(stats.get("min_idx"), Some(&Dyn::Long(8)));
        assert_eq!(stats.get("max_idx"), Some(&Dyn::Long(3)));
        assert_eq!(stats.get("len"), Some(&Dyn::Long(15)));
        let Some(Dyn::Real(stdev)) = stats.get("stdev") else { panic!("a stdev") };
        assert!((stdev - 28.503_633_853_548_27).abs() < 1e-9);
    }

    #[test]
    fn nonfinite_values_null_the_stats_unless_ignored() {
        let series = vec![Dyn::Long(1), Dyn::Null, Dyn::Real(f64::NAN), Dyn::Long(3)];
        assert_eq!(series_stats(&series, false).get("avg"), Some(&Dyn::Null));
        assert_eq!(series_stats(&series, true).get("avg"), Some(&Dyn::Real(2.0)));
        assert_eq!(series_stats(&series, true).get("max_idx"), Some(&Dyn::Long(3)));
        assert_eq!(series_stats(&[], false).get("len"), Some(&Dyn::Long(0)));
        assert_eq!(series_stats(&[], false).get("avg"), Some(&Dyn::Null));
        assert_eq!(series_stats(&[Dyn::Null], true).get("len"), Some(&Dyn::Long(0)));
        assert_eq!(series_stats(&[Dyn::Null], false).get("len"), Some(&Dyn::Null));
    }
}
