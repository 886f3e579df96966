//! Statistical functions: `beta_cdf`, `beta_pdf`, `beta_inv`, and
//! `welch_test` (the two-sided p-value of Welch's t-test).
//!
//! As documented: a non-numeric argument gives null; `x` outside [0, 1],
//! or `alpha`/`beta` outside (0, 10000], gives NaN; `beta_inv` of a
//! probability outside [0, 1] gives null.

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "beta_cdf" => |a, c| beta3("beta_cdf", a, c, beta_cdf),
        "beta_pdf" => |a, c| beta3("beta_pdf", a, c, beta_pdf),
        "beta_inv" => |a, c| beta3("beta_inv", a, c, beta_inv),
        "welch_test" => welch_test,
        _ => return None,
    })
}

fn beta3(name: &str, args: &[Datum], ctx: &EvalCtx, f: fn(f64, f64, f64) -> Option<f64>) -> ExecResult<Datum> {
    expect_args(name, args, 3, 3)?;
    map_rows(args, ctx, ScalarType::Real, |v| {
        Ok(match (v[0].as_f64(), v[1].as_f64(), v[2].as_f64()) {
            (Some(x), Some(a), Some(b)) => f(x, a, b).map_or(Value::Null, Value::Real),
            _ => Value::Null,
        })
    })
}

fn valid_shape(value: f64) -> bool {
    value > 0.0 && value <= 10_000.0
}

/// The regularized incomplete beta function I_x(a, b).
pub fn beta_cdf(x: f64, a: f64, b: f64) -> Option<f64> {
    if !(0.0..=1.0).contains(&x) || !valid_shape(a) || !valid_shape(b) {
        return Some(f64::NAN);
    }
    Some(incomplete_beta(x, a, b))
}

/// I_x(a, b) for x in [0, 1] and positive a, b.
fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return x;
    }
    let front = (a * x.ln() + b * (1.0 - x).ln() - ln_beta(a, b)).exp();
    // The continued fraction converges fast for x < (a + 1) / (a + b + 2);
    // above it, use the symmetry I_x(a, b) = 1 - I_(1-x)(b, a).
    if x < (a + 1.0) / (a + b + 2.0) {
        front * continued_fraction(x, a, b) / a
    } else {
        1.0 - front * continued_fraction(1.0 - x, b, a) / b
    }
}

/// `welch_test(mean1, variance1, count1, mean2, variance2, count2)`: the
/// two-sided p-value of Welch's t-test that the two means are equal, with
/// the Welch–Satterthwaite degrees of freedom. Null for a non-numeric
/// argument, NaN when a sample has fewer than two values or no variance.
fn welch_test(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("welch_test", args, 6, 6)?;
    map_rows(args, ctx, ScalarType::Real, |v| {
        let numbers: Option<Vec<f64>> = v.iter().map(Value::as_f64).collect();
        Ok(match numbers.as_deref() {
            Some(&[mean1, variance1, count1, mean2, variance2, count2]) => {
                Value::Real(welch_p_value(mean1, variance1, count1, mean2, variance2, count2))
            }
            _ => Value::Null,
        })
    })
}

fn welch_p_value(mean1: f64, variance1: f64, count1: f64, mean2: f64, variance2: f64, count2: f64) -> f64 {
    if count1 < 2.0 || count2 < 2.0 || variance1 < 0.0 || variance2 < 0.0 {
        return f64::NAN;
    }
    let (spread1, spread2) = (variance1 / count1, variance2 / count2);
    let spread = spread1 + spread2;
    if spread <= 0.0 {
        return f64::NAN;
    }
    let t = (mean1 - mean2) / spread.sqrt();
    let freedom = spread * spread / (spread1 * spread1 / (count1 - 1.0) + spread2 * spread2 / (count2 - 1.0));
    // P(|T| > |t|) for Student's t with `freedom` degrees of freedom.
    incomplete_beta(freedom / (freedom + t * t), freedom / 2.0, 0.5)
}

/// The beta density x^(a-1) (1-x)^(b-1) / B(a, b).
pub fn beta_pdf(x: f64, a: f64, b: f64) -> Option<f64> {
    if !(0.0..=1.0).contains(&x) || !valid_shape(a) || !valid_shape(b) {
        return Some(f64::NAN);
    }
    Some(((a - 1.0) * x.ln() + (b - 1.0) * (1.0 - x).ln() - ln_beta(a, b)).exp())
}

/// The inverse of `beta_cdf` in x, by bisection (the CDF is monotonic).
pub fn beta_inv(p: f64, a: f64, b: f64) -> Option<f64> {
    if !(0.0..=1.0).contains(&p) {
        return None;
    }
    if !valid_shape(a) || !valid_shape(b) {
        return Some(f64::NAN);
    }
    let (mut low, mut high) = (0.0_f64, 1.0_f64);
    for _ in 0..200 {
        let middle = 0.5 * (low + high);
        if middle <= low || middle >= high {
            break;
        }
        if beta_cdf(middle, a, b)? < p {
            low = middle;
        } else {
            high = middle;
        }
    }
    Some(0.5 * (low + high))
}

fn ln_beta(a: f64, b: f64) -> f64 {
    libm::lgamma(a) + libm::lgamma(b) - libm::lgamma(a + b)
}

/// The continued fraction of the incomplete beta function (modified Lentz).
fn continued_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..1000 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { 1.0 / TINY } else { 1.0 / d };
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { 1.0 / TINY } else { 1.0 / d };
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: Option<f64>, expected: f64) -> bool {
        actual.is_some_and(|a| (a - expected).abs() < 1e-12)
    }

    #[test]
    fn beta_functions_match_the_docs() {
        assert!(close(beta_cdf(0.9, 10.0, 20.0), 0.999999999999959));
        assert!(close(beta_pdf(0.5, 10.0, 20.0), 0.746176019310951));
        assert!(close(beta_inv(0.1, 10.0, 20.0), 0.226415022388749));
        assert!(close(beta_cdf(0.5, 1.0, 1.0), 0.5));
    }

    #[test]
    fn welch_test_matches_the_worked_example() {
        // Wikipedia's first example of Welch's t-test (A1 and A2): p = 0.021.
        let a1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
        let a2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
        let moments = |xs: &[f64]| {
            let n = xs.len() as f64;
            let mean = xs.iter().sum::<f64>() / n;
            (mean, xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0), n)
        };
        let ((m1, v1, n1), (m2, v2, n2)) = (moments(&a1), moments(&a2));
        let p = welch_p_value(m1, v1, n1, m2, v2, n2);
        assert!((p - 0.021).abs() < 0.0005, "{p}");
        assert!((welch_p_value(1.0, 1.0, 10.0, 1.0, 1.0, 10.0) - 1.0).abs() < 1e-12);
        assert!(welch_p_value(1.0, 0.0, 10.0, 2.0, 0.0, 10.0).is_nan());
        assert!(welch_p_value(1.0, 1.0, 1.0, 2.0, 1.0, 10.0).is_nan());
    }

    #[test]
    fn out_of_range_arguments_give_nan_or_null() {
        assert!(beta_cdf(1.5, 10.0, 20.0).is_some_and(f64::is_nan));
        assert!(beta_cdf(0.1, -1.0, 20.0).is_some_and(f64::is_nan));
        assert!(beta_pdf(-10.0, 10.0, 20.0).is_some_and(f64::is_nan));
        assert!(beta_cdf(0.5, 10.0, 10_001.0).is_some_and(f64::is_nan));
        assert_eq!(beta_inv(1.5, 10.0, 20.0), None);
        assert!(beta_inv(0.1, -1.0, 20.0).is_some_and(f64::is_nan));
    }
}
