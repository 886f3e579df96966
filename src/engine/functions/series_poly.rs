//! `series_fit_poly(y_series [, x_series, degree])`: least-squares
//! polynomial regression, as documented: `x_series` defaults to
//! `[1, 2, ..., length(y_series)]` and `degree` to 1; the results are
//! `rsquare`, `coefficients` (highest power first), `variance` (of
//! `y_series`), `rvariance` (of the residuals) and `poly_fit` (the fitted
//! values). Points where x or y is not a number are left out of the fit.
//!
//! The fit solves the least-squares problem by Householder QR on the
//! Vandermonde matrix with x scaled to [-1, 1], which stays accurate for
//! high degrees where the normal equations lose precision.

use crate::engine::column::Column;
use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::functions::series_model::{array, numbers, per_row, variance};
use crate::engine::functions::{EvalCtx, expect_args};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

/// The highest degree accepted (more is numerically meaningless).
const MAX_DEGREE: i64 = 50;

pub fn series_fit_poly(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Vec<(&'static str, Column)>> {
    expect_args("series_fit_poly", args, 1, 3)?;
    use ScalarType::{Dynamic, Real};
    let outputs =
        [("rsquare", Real), ("coefficients", Dynamic), ("variance", Real), ("rvariance", Real), ("poly_fit", Dynamic)];
    per_row(args, ctx, &outputs, |y, row| {
        let degree = match row.get(2) {
            None | Some(Value::Null) => 1,
            Some(value) => value
                .as_i64()
                .filter(|d| (1..=MAX_DEGREE).contains(d))
                .ok_or_else(|| ExecError::runtime(format!("`series_fit_poly` degree must be 1 to {MAX_DEGREE}")))?,
        } as usize;
        let x = match row.get(1).and_then(numbers) {
            Some(x) if x.len() == y.len() => x,
            Some(_) => return Ok(vec![Value::Null; 5]),
            None => (1..=y.len()).map(|i| i as f64).collect(),
        };
        let Some(coefficients) = fit(&x, y, degree) else { return Ok(vec![Value::Null; 5]) };
        let fitted: Vec<f64> = x.iter().map(|x| evaluate(&coefficients, *x)).collect();
        let residuals: Vec<f64> = y.iter().zip(&fitted).map(|(y, f)| y - f).collect();
        let (total, residual) = sums_of_squares(y, &residuals);
        let rsquare = if total == 0.0 { 1.0 } else { 1.0 - residual / total };
        let highest_first: Vec<Dyn> = coefficients.iter().rev().map(|c| Dyn::Real(*c)).collect();
        Ok(vec![
            Value::Real(rsquare),
            Value::Dynamic(Dyn::array(highest_first)),
            Value::Real(variance(y)),
            Value::Real(variance(&residuals)),
            array(&fitted),
        ])
    })
}

fn sums_of_squares(y: &[f64], residuals: &[f64]) -> (f64, f64) {
    let points: Vec<(f64, f64)> =
        y.iter().zip(residuals).filter(|(y, r)| y.is_finite() && r.is_finite()).map(|(y, r)| (*y, *r)).collect();
    let mean = points.iter().map(|p| p.0).sum::<f64>() / points.len().max(1) as f64;
    (points.iter().map(|p| (p.0 - mean).powi(2)).sum(), points.iter().map(|p| p.1 * p.1).sum())
}

/// Coefficients, lowest power first, of the least-squares polynomial of
/// `degree` (lowered to the number of points minus one); `None` without points.
fn fit(x: &[f64], y: &[f64], degree: usize) -> Option<Vec<f64>> {
    let points: Vec<(f64, f64)> =
        x.iter().zip(y).filter(|(x, y)| x.is_finite() && y.is_finite()).map(|(x, y)| (*x, *y)).collect();
    if points.is_empty() {
        return None;
    }
    let degree = degree.min(points.len() - 1);
    // Scale x to [-1, 1]: t = (x - center) / half.
    let (low, high) = points.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), p| (l.min(p.0), h.max(p.0)));
    let center = (low + high) / 2.0;
    let half = if high > low { (high - low) / 2.0 } else { 1.0 };
    let columns = degree + 1;
    let mut matrix: Vec<Vec<f64>> = points
        .iter()
        .map(|(x, _)| {
            let t = (x - center) / half;
            (0..columns).map(|power| t.powi(power as i32)).collect()
        })
        .collect();
    let mut rhs: Vec<f64> = points.iter().map(|p| p.1).collect();
    let scaled = least_squares(&mut matrix, &mut rhs, columns)?;
    Some(unscale(&scaled, center, half))
}

/// Solves min |A c - b| by Householder QR (A is rows × columns, rows >= columns).
// Matrix code reads best with explicit row and column indices.
#[allow(clippy::needless_range_loop)]
fn least_squares(a: &mut [Vec<f64>], b: &mut [f64], columns: usize) -> Option<Vec<f64>> {
    let rows = a.len();
    for k in 0..columns {
        let norm = (k..rows).map(|i| a[i][k] * a[i][k]).sum::<f64>().sqrt();
        if norm == 0.0 {
            continue;
        }
        let alpha = if a[k][k] > 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = (k..rows).map(|i| a[i][k]).collect();
        v[0] -= alpha;
        let v_norm2: f64 = v.iter().map(|x| x * x).sum();
        if v_norm2 == 0.0 {
            continue;
        }
        for j in k..columns {
            let dot: f64 = (k..rows).map(|i| v[i - k] * a[i][j]).sum();
            let factor = 2.0 * dot / v_norm2;
            for i in k..rows {
                a[i][j] -= factor * v[i - k];
            }
        }
        let dot: f64 = (k..rows).map(|i| v[i - k] * b[i]).sum();
        let factor = 2.0 * dot / v_norm2;
        for i in k..rows {
            b[i] -= factor * v[i - k];
        }
    }
    let mut solution = vec![0.0; columns];
    for k in (0..columns).rev() {
        if a[k][k].abs() < 1e-12 {
            // A rank-deficient column (repeated x values): its coefficient is 0.
            solution[k] = 0.0;
            continue;
        }
        let known: f64 = (k + 1..columns).map(|j| a[k][j] * solution[j]).sum();
        solution[k] = (b[k] - known) / a[k][k];
    }
    solution.iter().all(|c| c.is_finite()).then_some(solution)
}

/// Coefficients in x from coefficients in t = (x - center) / half, by
/// expanding each (x - center)^p / half^p with the binomial theorem.
#[allow(clippy::needless_range_loop)]
fn unscale(scaled: &[f64], center: f64, half: f64) -> Vec<f64> {
    let mut out = vec![0.0; scaled.len()];
    for (power, coefficient) in scaled.iter().enumerate() {
        let factor = coefficient / half.powi(power as i32);
        let mut binomial = 1.0;
        for k in 0..=power {
            // The x^k term of (x - center)^power.
            out[k] += factor * binomial * (-center).powi((power - k) as i32);
            binomial = binomial * (power - k) as f64 / (k + 1) as f64;
        }
    }
    out
}

/// The polynomial (lowest power first) at `x`, by Horner's rule.
fn evaluate(coefficients: &[f64], x: f64) -> f64 {
    coefficients.iter().rev().fold(0.0, |acc, c| acc * x + c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exact_polynomial_is_recovered() {
        let x: Vec<f64> = (0..20).map(|i| i as f64 * 0.3 - 2.0).collect();
        let y: Vec<f64> = x.iter().map(|x| x.powi(5) - 8.0 * x.powi(3) + 10.0 * x + 6.0).collect();
        let coefficients = fit(&x, &y, 5).expect("a fit");
        for (actual, expected) in coefficients.iter().zip([6.0, 10.0, 0.0, -8.0, 0.0, 1.0]) {
            assert!((actual - expected).abs() < 1e-7, "{coefficients:?}");
        }
    }

    #[test]
    fn degree_one_is_the_least_squares_line() {
        let x = [1.0, 2.0, 3.0, 4.0];
        let y = [2.0, 4.0, 5.0, 8.0];
        let coefficients = fit(&x, &y, 1).expect("a fit");
        assert!((coefficients[1] - 1.9).abs() < 1e-12 && (coefficients[0] - 0.0).abs() < 1e-12, "{coefficients:?}");
        // A degree above the number of points is lowered.
        assert_eq!(fit(&[1.0, 2.0], &[1.0, 3.0], 4).map(|c| c.len()), Some(2));
        assert_eq!(fit(&[f64::NAN], &[1.0], 1), None);
    }
}
