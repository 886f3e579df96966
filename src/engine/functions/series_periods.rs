//! `series_periods_detect(series, min_period, max_period, num_periods)` and
//! `series_periods_validate(series, period1 [, period2, ...])`: the periods
//! of a regular series and their scores, in units of the bin size.
//!
//! What the documentation fixes: periods shorter than 4 points or longer
//! than half the series are never found (validate scores them 0); scores are
//! between 0 and 1; `detect` returns `num_periods` periods ordered by score,
//! padded with zeros when fewer are found (the page's example returns
//! `[14.0, 0.0]` and `[0.84, 0.0]`); `validate` returns the periods as given
//! with one score each (0.84 for 14 and 0 for 10 on the same series). The
//! algorithm itself is not published. kqlab's:
//!
//! 1. The series is cleaned: null and non-numeric elements are filled by
//!    linear interpolation between their neighbours (the nearest value at
//!    the ends), and the mean is subtracted.
//! 2. The score of a period `p` is an autocorrelation of the series at lag
//!    `p`: `(Σ x[t]·x[t+p] / Σ x[t]²) · √(n / (n − p))`, the geometric mean
//!    of the textbook biased estimator (which shrinks a lag by its share
//!    `(n − p)/n` of pairs) and the unbiased one (which does not shrink it,
//!    and so trusts a pattern seen twice as much as one seen ten times):
//!    the evidence of a lag grows with the square root of its number of
//!    pairs. Among these standard estimators it is the one that gives the
//!    documented 0.84 for the example (the biased one gives 0.74, the
//!    unbiased one 0.96, both after the mean is removed; removing a
//!    least-squares line too gives 0.86). A fractional `p` interpolates
//!    linearly between the two whole lags around it.
//! 3. A score below the white-noise significance bound `2/√n` (Bartlett),
//!    or negative, is 0: the period is not in the data (the documented 0 for
//!    the 10-point period). A period must also sit on a peak of the
//!    autocorrelation: `validate` scores 0 when no whole lag within 10% of
//!    the period (at least one lag) is a local maximum, so a trend (whose
//!    autocorrelation only decays) or the slope of another period's peak is
//!    not taken for a period.
//! 4. `detect` considers the whole lags between `max(4, min_period)` and
//!    `min(n/2, max_period)` that are local maxima of the autocorrelation
//!    (their neighbours may lie outside the range, so a slope leading to a
//!    peak outside the range is not reported), takes them by descending score
//!    and drops any within a quarter of a better period `q` of a multiple of
//!    it (`|p − k·q| ≤ q/4`, k ≥ 1): those are the same pattern seen again
//!    (`2q`) or its side lobes (`q ± 2` when a shorter cycle rides on it).
//!
//! `num_periods` outside 0..=1024 and null bounds give null results; a
//! series with fewer than two numbers or without variation has no period.
//! kqlab's `series_decompose` family keeps its own detector (see
//! `series_model`).

use crate::engine::column::Column;
use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::series_model::{array, per_row};
use crate::engine::functions::series_signal::transform;
use crate::engine::functions::{EvalCtx, expect_args};
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;

/// The shortest period the documentation allows.
const MIN_PERIOD: f64 = 4.0;
/// The largest `num_periods` accepted (the output arrays have that length).
const MAX_NUM_PERIODS: i64 = 1024;
/// The most periods `series_periods_validate` takes, as documented.
const MAX_VALIDATED: usize = 16;

/// `series_periods_detect(series, min_period, max_period, num_periods)`:
/// columns `periods` and `scores`.
pub fn series_periods_detect(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Vec<(&'static str, Column)>> {
    expect_args("series_periods_detect", args, 4, 4)?;
    let outputs = [("periods", ScalarType::Dynamic), ("scores", ScalarType::Dynamic)];
    per_row(args, ctx, &outputs, |series, row| {
        let (Some(min_period), Some(max_period), Some(count)) =
            (row[1].as_f64(), row[2].as_f64(), row[3].as_i64().filter(|n| (0..=MAX_NUM_PERIODS).contains(n)))
        else {
            return Ok(vec![Value::Null, Value::Null]);
        };
        let count = count as usize;
        let mut found = match Autocorrelation::of(series) {
            Some(acf) => detect(&acf, min_period, max_period),
            None => Vec::new(),
        };
        found.truncate(count);
        found.resize(count, (0.0, 0.0));
        let periods: Vec<f64> = found.iter().map(|(period, _)| *period).collect();
        let scores: Vec<f64> = found.iter().map(|(_, score)| *score).collect();
        Ok(vec![array(&periods), array(&scores)])
    })
}

/// `series_periods_validate(series, period1 [, period2, ...])`: columns
/// `periods` (as given) and `scores`.
pub fn series_periods_validate(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Vec<(&'static str, Column)>> {
    expect_args("series_periods_validate", args, 2, 1 + MAX_VALIDATED)?;
    let outputs = [("periods", ScalarType::Dynamic), ("scores", ScalarType::Dynamic)];
    per_row(args, ctx, &outputs, |series, row| {
        let acf = Autocorrelation::of(series);
        let periods: Vec<f64> = row[1..].iter().map(|value| value.as_f64().unwrap_or(f64::NAN)).collect();
        let scores: Vec<f64> = periods
            .iter()
            .map(|period| match &acf {
                Some(acf) if acf.allows(*period) && acf.near_peak(*period) => acf.score(*period),
                _ => 0.0,
            })
            .collect();
        Ok(vec![array(&periods), array(&scores)])
    })
}

/// Steps 1 to 3: the autocorrelation of the cleaned series.
struct Autocorrelation {
    /// The autocorrelation at each whole lag from 0 to n - 1.
    by_lag: Vec<f64>,
}

impl Autocorrelation {
    /// `None` when the series has no two numbers or does not vary.
    fn of(series: &[f64]) -> Option<Autocorrelation> {
        let values = centered(&filled(series)?);
        let sums = lagged_products(&values);
        let energy = sums.first().copied().unwrap_or(0.0);
        // A constant series leaves rounding noise only.
        let scale: f64 = series.iter().filter(|v| v.is_finite()).map(|v| v * v).sum();
        if energy <= 1e-18 * scale.max(1e-300) {
            return None;
        }
        let n = values.len() as f64;
        let by_lag = sums.iter().enumerate().map(|(lag, sum)| sum / energy * (n / (n - lag as f64)).sqrt()).collect();
        Some(Autocorrelation { by_lag })
    }

    fn len(&self) -> usize {
        self.by_lag.len()
    }

    /// Whether `period` is between 4 and half the series.
    fn allows(&self, period: f64) -> bool {
        period.is_finite() && period >= MIN_PERIOD && period <= self.len() as f64 / 2.0
    }

    /// Whether a whole lag is a local maximum of the autocorrelation.
    fn is_peak(&self, lag: usize) -> bool {
        lag >= 1 && self.at(lag) >= self.at(lag - 1) && self.at(lag) >= self.at(lag + 1)
    }

    /// Step 3: whether a peak lies within 10% of `period` (at least one lag).
    fn near_peak(&self, period: f64) -> bool {
        let reach = (period * 0.1).max(1.0);
        let (from, to) = ((period - reach).ceil().max(1.0) as usize, (period + reach).floor() as usize);
        (from..=to).any(|lag| self.is_peak(lag))
    }

    /// The autocorrelation at a whole lag (0 past the series).
    fn at(&self, lag: usize) -> f64 {
        self.by_lag.get(lag).copied().unwrap_or(0.0)
    }

    /// Steps 2 and 3: the score of a period (fractional periods interpolate).
    fn score(&self, period: f64) -> f64 {
        let low = period.floor();
        let fraction = period - low;
        let low = low as usize;
        let correlation =
            if fraction == 0.0 { self.at(low) } else { self.at(low) * (1.0 - fraction) + self.at(low + 1) * fraction };
        let bound = 2.0 / (self.len() as f64).sqrt();
        if correlation >= bound { correlation.min(1.0) } else { 0.0 }
    }
}

/// Step 4: the detected (period, score) pairs, best first.
fn detect(acf: &Autocorrelation, min_period: f64, max_period: f64) -> Vec<(f64, f64)> {
    let from = min_period.max(MIN_PERIOD).ceil();
    let to = max_period.min(acf.len() as f64 / 2.0).floor();
    if from > to {
        return Vec::new();
    }
    let mut peaks: Vec<(usize, f64)> = Vec::new();
    for lag in from as usize..=to as usize {
        if acf.is_peak(lag) {
            let score = acf.score(lag as f64);
            if score > 0.0 {
                peaks.push((lag, score));
            }
        }
    }
    peaks.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut chosen: Vec<(usize, f64)> = Vec::new();
    for (lag, score) in peaks {
        let echoes = chosen.iter().any(|(better, _)| {
            let multiple = (lag as f64 / *better as f64).round().max(1.0);
            (lag as f64 - multiple * *better as f64).abs() <= *better as f64 / 4.0
        });
        if !echoes {
            chosen.push((lag, score));
        }
    }
    chosen.into_iter().map(|(lag, score)| (lag as f64, score)).collect()
}

/// `Σ x[t]·x[t+lag]` for every lag, through the Fourier transform (the
/// power spectrum of the zero-padded series is the transform of its
/// autocorrelation), so long series cost n·log n rather than n².
fn lagged_products(values: &[f64]) -> Vec<f64> {
    let n = values.len();
    let size = (2 * n).next_power_of_two();
    let mut re = vec![0.0; size];
    re[..n].copy_from_slice(values);
    let mut im = vec![0.0; size];
    transform(&mut re, &mut im, false);
    for (real, imaginary) in re.iter_mut().zip(im.iter_mut()) {
        *real = *real * *real + *imaginary * *imaginary;
        *imaginary = 0.0;
    }
    transform(&mut re, &mut im, true);
    re.truncate(n);
    re
}

/// Step 1: gaps filled by linear interpolation; `None` with fewer than two numbers.
fn filled(series: &[f64]) -> Option<Vec<f64>> {
    let known: Vec<usize> = (0..series.len()).filter(|i| series[*i].is_finite()).collect();
    if known.len() < 2 {
        return None;
    }
    let mut values = series.to_vec();
    let (first, last) = (known[0], known[known.len() - 1]);
    for (index, value) in values.iter_mut().enumerate() {
        if value.is_finite() {
            continue;
        }
        *value = if index < first {
            series[first]
        } else if index > last {
            series[last]
        } else {
            // The known points on each side of the gap.
            let next = known.partition_point(|k| *k < index);
            let (before, after) = (known[next - 1], known[next]);
            let share = (index - before) as f64 / (after - before) as f64;
            series[before] + (series[after] - series[before]) * share
        };
    }
    Some(values)
}

/// Step 1: the values less their mean.
fn centered(values: &[f64]) -> Vec<f64> {
    let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
    values.iter().map(|value| value - mean).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::functions::test_support::json;

    /// The page's series: a month of traffic in 12-hour bins.
    const TRAFFIC: [f64; 60] = [
        80., 139., 87., 110., 68., 54., 50., 51., 53., 133., 86., 141., 97., 156., 94., 149., 95., 140., 77., 61., 50.,
        54., 47., 133., 72., 152., 94., 148., 105., 162., 101., 160., 87., 63., 53., 55., 54., 151., 103., 189., 108.,
        183., 113., 175., 113., 178., 90., 71., 62., 62., 65., 165., 109., 181., 115., 182., 121., 178., 114., 170.,
    ];

    fn call(kernel: crate::engine::functions::series_model::MultiKernel, args: &[Value]) -> (String, String) {
        let datums: Vec<Datum> =
            args.iter().map(|v| Datum::Scalar(v.clone(), v.scalar_type().unwrap_or(ScalarType::Dynamic))).collect();
        let columns = kernel(&datums, &EvalCtx { rows: 1, now: 0 }).expect("a result");
        let text = |column: &Column| match column.get(0) {
            Value::Dynamic(d) => d.to_json(),
            other => other.to_kql_string(),
        };
        (text(&columns[0].1), text(&columns[1].1))
    }

    fn traffic() -> Value {
        json(&format!("{:?}", TRAFFIC.to_vec()))
    }

    #[test]
    fn the_weekly_period_of_the_documented_series_is_found_alone() {
        let (periods, scores) =
            call(series_periods_detect, &[traffic(), Value::Real(0.0), Value::Real(50.0), Value::Long(2)]);
        assert_eq!(periods, "[14,0]");
        let scores: Vec<f64> = serde_json::from_str(&scores).expect("numbers");
        assert!((scores[0] - 0.84).abs() < 0.005, "{scores:?}");
        assert_eq!(scores[1], 0.0);
    }

    #[test]
    fn validate_scores_the_weekly_period_and_zeroes_the_five_day_one() {
        let (periods, scores) = call(series_periods_validate, &[traffic(), Value::Real(14.0), Value::Real(10.0)]);
        assert_eq!(periods, "[14,10]");
        let scores: Vec<f64> = serde_json::from_str(&scores).expect("numbers");
        assert!((scores[0] - 0.84).abs() < 0.005, "{scores:?}");
        assert_eq!(scores[1], 0.0);
    }

    #[test]
    fn periods_outside_four_to_half_the_length_score_zero() {
        let (_, scores) = call(
            series_periods_validate,
            &[traffic(), Value::Real(3.0), Value::Real(31.0), Value::Null, Value::Real(f64::NAN)],
        );
        assert_eq!(scores, "[0,0,0,0]");
    }

    #[test]
    fn a_pure_cycle_scores_by_its_share_of_the_series() {
        // Period 6 repeated 6 times (36 points): 30 of the 36 pairs, so
        // (30/36) · √(36/30) = √(30/36).
        let cycle: Vec<f64> = (0..36).map(|i| [1.0, 3.0, 5.0, 7.0, 5.0, 3.0][i % 6]).collect();
        let acf = Autocorrelation::of(&cycle).expect("varies");
        assert!((acf.score(6.0) - (30.0f64 / 36.0).sqrt()).abs() < 1e-9, "{}", acf.score(6.0));
        // A period given in round figures near the peak still validates.
        assert!(acf.near_peak(6.4) && !acf.near_peak(9.0));
        assert_eq!(detect(&acf, 4.0, 18.0)[0].0, 6.0);
        // Twelve is the same pattern seen again, not a second period.
        assert!(detect(&acf, 4.0, 18.0).iter().all(|(period, _)| *period != 12.0));
    }

    #[test]
    fn the_transform_gives_the_direct_sums() {
        let values: Vec<f64> = (0..37).map(|i| ((i * 7919) % 23) as f64 - 11.0).collect();
        let sums = lagged_products(&values);
        for lag in 0..values.len() {
            let direct: f64 = values.iter().zip(&values[lag..]).map(|(a, b)| a * b).sum();
            assert!((sums[lag] - direct).abs() < 1e-6, "lag {lag}: {} against {direct}", sums[lag]);
        }
    }

    #[test]
    fn gaps_are_interpolated_and_a_trend_or_a_constant_has_no_period() {
        assert_eq!(filled(&[f64::NAN, 1.0, f64::NAN, 3.0, f64::NAN]), Some(vec![1.0, 1.0, 2.0, 3.0, 3.0]));
        assert_eq!(filled(&[f64::NAN, 1.0]), None);
        assert!(Autocorrelation::of(&[5.0; 20]).is_none());
        // A trend correlates at every lag, but its autocorrelation only decays.
        let line: Vec<f64> = (0..40).map(|i| 2.0 * i as f64 + 1.0).collect();
        let acf = Autocorrelation::of(&line).expect("varies");
        assert!(detect(&acf, 4.0, 20.0).is_empty());
        let line = json(&format!("{line:?}"));
        let (_, scores) =
            call(series_periods_validate, &[line, Value::Real(4.0), Value::Real(10.0), Value::Real(20.0)]);
        assert_eq!(scores, "[0,0,0]");
    }

    #[test]
    fn short_empty_and_null_series_give_zeros_or_nulls() {
        let args = |series: Value| vec![series, Value::Real(4.0), Value::Real(10.0), Value::Long(2)];
        assert_eq!(call(series_periods_detect, &args(json("[]"))), ("[0,0]".into(), "[0,0]".into()));
        assert_eq!(call(series_periods_detect, &args(json("[1,2,3]"))), ("[0,0]".into(), "[0,0]".into()));
        assert_eq!(call(series_periods_detect, &args(Value::Null)), ("null".into(), "null".into()));
        assert_eq!(call(series_periods_validate, &[json("[]"), Value::Real(4.0)]), ("[4]".into(), "[0]".into()));
    }

    #[test]
    fn invalid_detection_arguments_give_null_or_nothing() {
        let run = |min: Value, max: Value, count: Value| call(series_periods_detect, &[traffic(), min, max, count]);
        assert_eq!(run(Value::Null, Value::Real(50.0), Value::Long(1)), ("null".into(), "null".into()));
        assert_eq!(run(Value::Real(0.0), Value::Real(50.0), Value::Long(-1)), ("null".into(), "null".into()));
        assert_eq!(run(Value::Real(0.0), Value::Real(50.0), Value::Long(0)), ("[]".into(), "[]".into()));
        // An empty range finds nothing.
        assert_eq!(run(Value::Real(20.0), Value::Real(10.0), Value::Long(1)), ("[0]".into(), "[0]".into()));
    }
}
