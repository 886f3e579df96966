//! Series models: regression, decomposition and anomaly scoring over
//! dynamic numeric arrays (`series_fit_line`, `series_fit_2lines`,
//! `series_decompose`, `series_decompose_anomalies`, `series_outliers`,
//! `series_seasonal`), following the algorithms Microsoft documents:
//!
//! - decomposition: the seasonal component is the median of the points in
//!   the same phase of the period; the trend is fitted on the
//!   de-seasonalized series (`avg`: its average, `linefit`: least squares);
//!   baseline = seasonal + trend; residual = series - baseline. The last
//!   `test_points` are left out of the fitting and extrapolated.
//! - anomaly scores use Tukey's fences on the residuals: with the
//!   (low, high) percentiles (10/90 for `ctukey`, 25/75 for `tukey`) and
//!   their range `r`, a value above `high` scores `(x - high) / r`, below
//!   `low` `(x - low) / r`, else 0; a score beyond ±threshold flags ±1.
//! - seasonality `-1` detects the period. Microsoft's detector
//!   (`series_periods_detect`) is not published; kqlab takes the period
//!   with the highest autocorrelation among those that fit at least four
//!   times in the series (of 16 points or more), when it reaches the
//!   threshold (0.6 by default).
//!   Its choice can differ from Log Analytics' on borderline series.
//!
//! Functions with several results (`(a, b) = series_fit_line(y)`) are
//! [`MultiKernel`]s: they return one column per documented output.

use std::sync::Arc;

use crate::engine::column::{Column, ColumnBuilder};
use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

/// A function with several result columns: their name suffixes and values.
pub type MultiKernel = fn(&[Datum], &EvalCtx) -> ExecResult<Vec<(&'static str, Column)>>;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "series_outliers" => series_outliers,
        "series_seasonal" => series_seasonal,
        "series_fit_line_dynamic" => |a, c| as_bag(series_fit_line, a, c),
        "series_decompose_forecast" => series_decompose_forecast,
        "series_fit_2lines_dynamic" => |a, c| as_bag(series_fit_2lines, a, c),
        _ => return None,
    })
}

/// The multi-column functions.
pub fn multi(name: &str) -> Option<MultiKernel> {
    Some(match name {
        "series_fit_line" => series_fit_line,
        "series_fit_2lines" => series_fit_2lines,
        "series_decompose" => series_decompose,
        "series_decompose_anomalies" => series_decompose_anomalies,
        "series_stats" => crate::engine::functions::series::series_stats_columns,
        "series_fft" => |a, c| crate::engine::functions::series_signal::series_fft(a, c, false),
        "series_ifft" => |a, c| crate::engine::functions::series_signal::series_fft(a, c, true),
        "series_fit_poly" => crate::engine::functions::series_poly::series_fit_poly,
        "series_periods_detect" => crate::engine::functions::series_periods::series_periods_detect,
        "series_periods_validate" => crate::engine::functions::series_periods::series_periods_validate,
        "array_sort_asc" => |args, ctx| crate::engine::functions::dynamic::array_sort_columns(args, ctx, false),
        "array_sort_desc" => |args, ctx| crate::engine::functions::dynamic::array_sort_columns(args, ctx, true),
        _ => return None,
    })
}

/// The numbers of a dynamic array (non-numbers as NaN); `None` for a non-array.
pub(super) fn numbers(value: &Value) -> Option<Vec<f64>> {
    let items = match value {
        Value::Dynamic(Dyn::Array(items)) => items.clone(),
        Value::String(text) => match crate::engine::value::parse_json_text(text) {
            Some(Dyn::Array(items)) => items,
            _ => return None,
        },
        _ => return None,
    };
    Some(items.iter().map(|item| item.as_f64().unwrap_or(f64::NAN)).collect())
}

pub(super) fn array(values: &[f64]) -> Value {
    Value::Dynamic(Dyn::Array(Arc::new(
        values.iter().map(|v| if v.is_finite() { Dyn::Real(*v) } else { Dyn::Null }).collect(),
    )))
}

pub(super) fn finite(values: &[f64]) -> Vec<f64> {
    values.iter().copied().filter(|v| v.is_finite()).collect()
}

fn median(values: &[f64]) -> f64 {
    percentile(values, 50.0)
}

/// Linear-interpolated percentile of the finite values (NaN when none).
fn percentile(values: &[f64], percent: f64) -> f64 {
    let mut sorted = finite(values);
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted.sort_by(|a, b| a.total_cmp(b));
    let rank = percent / 100.0 * (sorted.len() - 1) as f64;
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (rank - low as f64)
}

pub(super) fn mean(values: &[f64]) -> f64 {
    let finite = finite(values);
    if finite.is_empty() { f64::NAN } else { finite.iter().sum::<f64>() / finite.len() as f64 }
}

/// Sample variance of the finite values.
pub(super) fn variance(values: &[f64]) -> f64 {
    let finite = finite(values);
    if finite.len() < 2 {
        return 0.0;
    }
    let m = mean(&finite);
    finite.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (finite.len() - 1) as f64
}

/// A least-squares line over x = 1..=n: (slope, interception at x = 0).
fn fit(values: &[f64], x_from: usize) -> (f64, f64) {
    let points: Vec<(f64, f64)> =
        values.iter().enumerate().filter(|(_, y)| y.is_finite()).map(|(i, y)| ((x_from + i + 1) as f64, *y)).collect();
    if points.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let n = points.len() as f64;
    let (mx, my) = (points.iter().map(|p| p.0).sum::<f64>() / n, points.iter().map(|p| p.1).sum::<f64>() / n);
    let sxx: f64 = points.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = if sxx == 0.0 { 0.0 } else { sxy / sxx };
    (slope, my - slope * mx)
}

/// (rsquare, slope, variance, residual variance, fitted values) of a line on `values`.
fn line_stats(values: &[f64], x_from: usize) -> (f64, f64, f64, f64, Vec<f64>) {
    let (slope, interception) = fit(values, x_from);
    let line: Vec<f64> = (0..values.len()).map(|i| slope * (x_from + i + 1) as f64 + interception).collect();
    let residuals: Vec<f64> = values.iter().zip(&line).map(|(y, f)| y - f).collect();
    let m = mean(values);
    let total: f64 = finite(values).iter().map(|v| (v - m) * (v - m)).sum();
    let residual: f64 = finite(&residuals).iter().map(|r| r * r).sum();
    let rsquare = if total == 0.0 { 1.0 } else { 1.0 - residual / total };
    (rsquare, slope, variance(values), variance(&residuals), line)
}

/// The `*_dynamic` form of a multi-column function: one property bag per
/// row, with the columns' suffixes as keys (`{"rsquare": ..., "slope": ...}`).
fn as_bag(kernel: MultiKernel, args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    let columns = kernel(args, ctx)?;
    let bags: Vec<Value> = (0..ctx.rows)
        .map(|row| {
            if columns.iter().all(|(_, column)| column.is_null(row)) {
                return Value::Null;
            }
            let entries = columns.iter().map(|(name, column)| (Arc::from(*name), column.get(row).to_dyn())).collect();
            Value::Dynamic(Dyn::bag(entries))
        })
        .collect();
    Ok(Datum::Column(Column::from_values(ScalarType::Dynamic, &bags)))
}

/// Applies `f` per row to the first argument's series, building one column per output.
pub(super) fn per_row(
    args: &[Datum],
    ctx: &EvalCtx,
    outputs: &[(&'static str, ScalarType)],
    mut f: impl FnMut(&[f64], &[Value]) -> ExecResult<Vec<Value>>,
) -> ExecResult<Vec<(&'static str, Column)>> {
    let mut builders: Vec<ColumnBuilder> = outputs.iter().map(|(_, ty)| ColumnBuilder::new(*ty, ctx.rows)).collect();
    let mut row_args = Vec::with_capacity(args.len());
    for row in 0..ctx.rows {
        row_args.clear();
        row_args.extend(args.iter().map(|a| a.get(row)));
        match numbers(&row_args[0]) {
            Some(series) => {
                for (builder, value) in builders.iter_mut().zip(f(&series, &row_args)?) {
                    builder.push(&value);
                }
            }
            None => builders.iter_mut().for_each(|b| b.push(&Value::Null)),
        }
    }
    Ok(outputs.iter().zip(builders).map(|((name, _), b)| (*name, b.finish())).collect())
}

fn series_fit_line(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Vec<(&'static str, Column)>> {
    expect_args("series_fit_line", args, 1, 1)?;
    use ScalarType::{Dynamic, Real};
    let outputs = [
        ("rsquare", Real),
        ("slope", Real),
        ("variance", Real),
        ("rvariance", Real),
        ("interception", Real),
        ("line_fit", Dynamic),
    ];
    per_row(args, ctx, &outputs, |series, _| {
        // No point to fit (an empty series, or only nulls): no line, and a
        // `line_fit` of nulls as long as the input. The page is silent; an
        // r-square of 1 or a NaN slope would read as a perfect fit or a value.
        if finite(series).is_empty() {
            let mut nulls = vec![Value::Null; outputs.len() - 1];
            nulls.push(array(&vec![f64::NAN; series.len()]));
            return Ok(nulls);
        }
        let (_, interception) = fit(series, 0);
        let (rsquare, slope, variance, rvariance, line) = line_stats(series, 0);
        Ok(vec![
            Value::Real(rsquare),
            Value::Real(slope),
            Value::Real(variance),
            Value::Real(rvariance),
            Value::Real(interception),
            array(&line),
        ])
    })
}

/// Two lines split at the index that minimizes the residual error.
fn series_fit_2lines(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Vec<(&'static str, Column)>> {
    expect_args("series_fit_2lines", args, 1, 1)?;
    use ScalarType::{Dynamic, Long, Real};
    let outputs = [
        ("rsquare", Real),
        ("split_idx", Long),
        ("variance", Real),
        ("rvariance", Real),
        ("line_fit", Dynamic),
        ("right_rsquare", Real),
        ("right_slope", Real),
        ("right_interception", Real),
        ("right_variance", Real),
        ("right_rvariance", Real),
        ("left_rsquare", Real),
        ("left_slope", Real),
        ("left_interception", Real),
        ("left_variance", Real),
        ("left_rvariance", Real),
    ];
    per_row(args, ctx, &outputs, |series, _| {
        let n = series.len();
        if n < 4 || finite(series).is_empty() {
            return Ok(vec![Value::Null; outputs.len()]);
        }
        let sse = |part: &[f64], from: usize| {
            let (_, _, _, _, line) = line_stats(part, from);
            part.iter().zip(&line).map(|(y, f)| (y - f) * (y - f)).filter(|e| e.is_finite()).sum::<f64>()
        };
        let split = (2..=n - 2).min_by(|&a, &b| {
            (sse(&series[..a], 0) + sse(&series[a..], a)).total_cmp(&(sse(&series[..b], 0) + sse(&series[b..], b)))
        });
        let split = split.unwrap_or(n / 2);
        let (left, right) = (&series[..split], &series[split..]);
        let (lr, ls, lv, lrv, lline) = line_stats(left, 0);
        let (rr, rs, rv, rrv, rline) = line_stats(right, split);
        let (_, li) = fit(left, 0);
        let (_, ri) = fit(right, split);
        let line: Vec<f64> = lline.into_iter().chain(rline).collect();
        let residual: f64 = series.iter().zip(&line).map(|(y, f)| (y - f) * (y - f)).filter(|e| e.is_finite()).sum();
        let m = mean(series);
        let total: f64 = finite(series).iter().map(|v| (v - m) * (v - m)).sum();
        let residuals: Vec<f64> = series.iter().zip(&line).map(|(y, f)| y - f).collect();
        Ok(vec![
            Value::Real(if total == 0.0 { 1.0 } else { 1.0 - residual / total }),
            Value::Long(split as i64 - 1),
            Value::Real(variance(series)),
            Value::Real(variance(&residuals)),
            array(&line),
            Value::Real(rr),
            Value::Real(rs),
            Value::Real(ri),
            Value::Real(rv),
            Value::Real(rrv),
            Value::Real(lr),
            Value::Real(ls),
            Value::Real(li),
            Value::Real(lv),
            Value::Real(lrv),
        ])
    })
}

/// Series shorter than this get no detected period (too few cycles to tell).
const MIN_DETECTION_LENGTH: usize = 16;

/// The period with the highest autocorrelation (fitting 4+ times), if it reaches `threshold`.
fn detect_period(series: &[f64], threshold: f64) -> usize {
    let m = mean(series);
    let centered: Vec<f64> = series.iter().map(|v| if v.is_finite() { v - m } else { 0.0 }).collect();
    let energy: f64 = centered.iter().map(|v| v * v).sum();
    if energy == 0.0 {
        return 0;
    }
    let n = series.len();
    if n < MIN_DETECTION_LENGTH {
        return 0;
    }
    let mut best = (0usize, threshold);
    for period in 2..=n / 4 {
        // Autocorrelation at the lag, normalized by the number of pairs.
        let pairs: f64 = centered.iter().zip(&centered[period..]).map(|(a, b)| a * b).sum();
        let score = (pairs / (n - period) as f64) / (energy / n as f64);
        if score >= best.1 && (best.0 == 0 || score > best.1) {
            best = (period, score);
        }
    }
    best.0
}

/// The seasonal component: per phase, the median of the learning points.
fn seasonal(series: &[f64], period: usize, learn: usize) -> Vec<f64> {
    if period == 0 {
        return vec![0.0; series.len()];
    }
    // Only the phases of the series' own points: a period longer than the
    // series must not allocate one median per phase.
    let phase_medians: Vec<f64> = (0..period.min(series.len()))
        .map(|phase| {
            let points: Vec<f64> = (phase..learn).step_by(period).map(|i| series[i]).collect();
            let m = median(&points);
            if m.is_finite() { m } else { 0.0 }
        })
        .collect();
    (0..series.len()).map(|i| phase_medians[i % period]).collect()
}

/// (baseline, seasonal, trend, residual).
type Decomposition = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);

fn decompose(series: &[f64], period: i64, trend: &str, test_points: i64, threshold: f64) -> ExecResult<Decomposition> {
    let n = series.len();
    let learn = n.saturating_sub(test_points.max(0) as usize);
    let period = match period {
        -1 => detect_period(&series[..learn], threshold),
        p if p >= 0 => p as usize,
        other => return Err(ExecError::runtime(format!("seasonality must be -1, 0 or a period, found {other}"))),
    };
    let seasonal = seasonal(series, period, learn);
    let adjusted: Vec<f64> = series.iter().zip(&seasonal).map(|(x, s)| x - s).collect();
    let trend: Vec<f64> = match trend {
        "avg" => vec![mean(&adjusted[..learn]); n],
        "linefit" => {
            let (slope, interception) = fit(&adjusted[..learn], 0);
            (0..n).map(|i| slope * (i + 1) as f64 + interception).collect()
        }
        "none" => vec![0.0; n],
        other => {
            return Err(
                ExecError::runtime(format!("unknown trend `{other}`")).with_help("use 'avg', 'linefit' or 'none'")
            );
        }
    };
    let baseline: Vec<f64> = seasonal.iter().zip(&trend).map(|(s, t)| s + t).collect();
    let residual: Vec<f64> = series.iter().zip(&baseline).map(|(x, b)| x - b).collect();
    Ok((baseline, seasonal, trend, residual))
}

fn arg(values: &[Value], index: usize) -> Option<&Value> {
    values.get(index).filter(|v| !v.is_null())
}

fn series_decompose(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Vec<(&'static str, Column)>> {
    expect_args("series_decompose", args, 1, 5)?;
    use ScalarType::Dynamic;
    let outputs = [("baseline", Dynamic), ("seasonal", Dynamic), ("trend", Dynamic), ("residual", Dynamic)];
    per_row(args, ctx, &outputs, |series, values| {
        let period = arg(values, 1).and_then(Value::as_i64).unwrap_or(-1);
        let trend = arg(values, 2).map_or("avg".to_string(), Value::to_kql_string);
        let test_points = arg(values, 3).and_then(Value::as_i64).unwrap_or(0);
        let threshold = arg(values, 4).and_then(Value::as_f64).unwrap_or(0.6);
        let (baseline, seasonal, trend, residual) = decompose(series, period, &trend, test_points, threshold)?;
        Ok(vec![array(&baseline), array(&seasonal), array(&trend), array(&residual)])
    })
}

/// `series_decompose_forecast(series, points, [seasonality, trend,
/// seasonality_threshold])`: the baseline of a decomposition that learns
/// from all but the last `points` values and extrapolates over them (trend
/// `linefit` by default, as documented).
fn series_decompose_forecast(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("series_decompose_forecast", args, 2, 5)?;
    map_rows(args, ctx, ScalarType::Dynamic, |values| {
        let Some(series) = numbers(&values[0]) else { return Ok(Value::Null) };
        let Some(points) = values[1].as_i64().filter(|p| *p >= 0) else {
            return Err(ExecError::runtime("`series_decompose_forecast` needs a number of points of 0 or more"));
        };
        let period = arg(values, 2).and_then(Value::as_i64).unwrap_or(-1);
        let trend = arg(values, 3).map_or("linefit".to_string(), Value::to_kql_string);
        let threshold = arg(values, 4).and_then(Value::as_f64).unwrap_or(0.6);
        let (baseline, ..) = decompose(&series, period, &trend, points, threshold)?;
        Ok(array(&baseline))
    })
}

/// Tukey scores of `values` with the (low, high) percentiles.
fn tukey_scores(values: &[f64], low: f64, high: f64) -> Vec<f64> {
    let (p_low, p_high) = (percentile(values, low), percentile(values, high));
    let range = p_high - p_low;
    values
        .iter()
        .map(|&x| {
            if !x.is_finite() || !range.is_finite() || range <= 0.0 {
                0.0
            } else if x > p_high {
                (x - p_high) / range
            } else if x < p_low {
                (x - p_low) / range
            } else {
                0.0
            }
        })
        .collect()
}

fn tukey_range(kind: &str) -> ExecResult<(f64, f64)> {
    match kind {
        "ctukey" => Ok((10.0, 90.0)),
        "tukey" => Ok((25.0, 75.0)),
        other => Err(ExecError::runtime(format!("unknown anomaly detection method `{other}`"))
            .with_help("use 'ctukey' or 'tukey'")),
    }
}

fn series_decompose_anomalies(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Vec<(&'static str, Column)>> {
    expect_args("series_decompose_anomalies", args, 1, 7)?;
    use ScalarType::Dynamic;
    let outputs = [("ad_flag", Dynamic), ("ad_score", Dynamic), ("baseline", Dynamic)];
    per_row(args, ctx, &outputs, |series, values| {
        let k = arg(values, 1).and_then(Value::as_f64).unwrap_or(1.5);
        let period = arg(values, 2).and_then(Value::as_i64).unwrap_or(-1);
        let trend = arg(values, 3).map_or("avg".to_string(), Value::to_kql_string);
        let test_points = arg(values, 4).and_then(Value::as_i64).unwrap_or(0);
        let method = arg(values, 5).map_or("ctukey".to_string(), Value::to_kql_string);
        let threshold = arg(values, 6).and_then(Value::as_f64).unwrap_or(0.6);
        let (baseline, _, _, residual) = decompose(series, period, &trend, test_points, threshold)?;
        let (low, high) = tukey_range(&method)?;
        let scores = tukey_scores(&residual, low, high);
        let flags: Vec<Dyn> = scores
            .iter()
            .map(|s| {
                Dyn::Long(if *s > k {
                    1
                } else if *s < -k {
                    -1
                } else {
                    0
                })
            })
            .collect();
        Ok(vec![Value::Dynamic(Dyn::Array(Arc::new(flags))), array(&scores), array(&baseline)])
    })
}

/// `series_outliers(series [, kind [, ignore_val [, min_percentile [, max_percentile]]]])`.
fn series_outliers(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("series_outliers", args, 1, 5)?;
    map_rows(args, ctx, ScalarType::Dynamic, |values| {
        let Some(mut series) = numbers(&values[0]) else { return Ok(Value::Null) };
        let kind = arg(values, 1).map_or("ctukey".to_string(), Value::to_kql_string);
        if let Some(ignore) = arg(values, 2).and_then(Value::as_f64) {
            series.iter_mut().filter(|v| **v == ignore).for_each(|v| *v = f64::NAN);
        }
        let (mut low, mut high) = tukey_range(&kind)?;
        if kind == "ctukey" {
            low = arg(values, 3).and_then(Value::as_f64).unwrap_or(low);
            high = arg(values, 4).and_then(Value::as_f64).unwrap_or(high);
            if !(2.0..=98.0).contains(&low) || !(2.0..=98.0).contains(&high) || low >= high {
                return Err(ExecError::runtime("series_outliers percentiles must be in [2, 98], min below max"));
            }
        }
        Ok(array(&tukey_scores(&series, low, high)))
    })
}

/// `series_seasonal(series [, period])`: the per-phase medians (period -1 or
/// absent: detected; 0: none).
fn series_seasonal(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("series_seasonal", args, 1, 2)?;
    map_rows(args, ctx, ScalarType::Dynamic, |values| {
        let Some(series) = numbers(&values[0]) else { return Ok(Value::Null) };
        let period = match arg(values, 1).and_then(Value::as_i64).unwrap_or(-1) {
            -1 => detect_period(&series, 0.6),
            p => p.max(0) as usize,
        };
        Ok(array(&seasonal(&series, period, series.len())))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seasonal_is_the_per_phase_median() {
        let s = [1.0, 3.0, 5.0, 2.0, 4.0, 6.0, 1.0, 3.0, 5.0, 2.0, 4.0, 6.0];
        assert_eq!(seasonal(&s, 3, s.len())[..3], [1.5, 3.5, 5.5]);
    }

    #[test]
    fn a_period_longer_than_the_series_is_each_point_alone() {
        assert_eq!(seasonal(&[4.0, 7.0], 1_000_000_000_000, 2), [4.0, 7.0]);
        assert_eq!(seasonal(&[], usize::MAX, 0), Vec::<f64>::new());
    }

    #[test]
    fn detects_documented_periods() {
        let a = [2., 5., 3., 4., 3., 2., 1., 2., 3., 4., 3., 2., 1., 2., 3., 4., 3., 2., 1., 2., 3., 4., 3., 2., 1.];
        assert_eq!(detect_period(&a, 0.6), 6);
        let b = [8., 12., 14., 12., 10., 10., 12., 14., 12., 10., 10., 12., 14., 12., 10., 10., 12., 14., 12., 10.];
        assert_eq!(detect_period(&b, 0.6), 5);
        let c = [1., 3., 5., 2., 4., 6., 1., 3., 5., 2., 4., 6.];
        assert_eq!(detect_period(&c, 0.6), 0);
    }

    #[test]
    fn a_line_fits_exactly() {
        let (rsquare, slope, _, rvariance, line) = line_stats(&[3.0, 5.0, 7.0, 9.0], 0);
        assert!((rsquare - 1.0).abs() < 1e-12 && (slope - 2.0).abs() < 1e-12 && rvariance.abs() < 1e-12);
        assert_eq!(fit(&[3.0, 5.0, 7.0, 9.0], 0), (2.0, 1.0));
        assert_eq!(line.len(), 4);
    }

    #[test]
    fn a_series_without_points_has_no_line() {
        let series = Datum::Scalar(Value::Dynamic(Dyn::array(vec![Dyn::Null, Dyn::Null])), ScalarType::Dynamic);
        let columns = series_fit_line(&[series], &EvalCtx { rows: 1, now: 0 }).expect("a fit");
        let cells: Vec<String> = columns.iter().map(|(_, column)| column.get(0).to_kql_string()).collect();
        assert_eq!(cells, ["", "", "", "", "", "[null,null]"]);
        let empty = Datum::Scalar(Value::Dynamic(Dyn::array(Vec::new())), ScalarType::Dynamic);
        let columns = series_fit_2lines(&[empty], &EvalCtx { rows: 1, now: 0 }).expect("a fit");
        assert!(columns.iter().all(|(_, column)| column.is_null(0)));
    }

    #[test]
    fn tukey_scores_flag_the_outlier() {
        let mut s: Vec<f64> = (0..20).map(|i| (i % 3) as f64).collect();
        s[7] = 40.0;
        let scores = tukey_scores(&s, 10.0, 90.0);
        assert!(scores[7] > 1.5);
        assert!(scores.iter().enumerate().all(|(i, v)| i == 7 || v.abs() <= 1.5));
    }
}
