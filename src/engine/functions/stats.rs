//! Statistical distribution functions: `beta_cdf`, `beta_pdf`, `beta_inv`.
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
    if x == 0.0 || x == 1.0 {
        return Some(x);
    }
    let front = (a * x.ln() + b * (1.0 - x).ln() - ln_beta(a, b)).exp();
    // The continued fraction converges fast for x < (a + 1) / (a + b + 2);
    // above it, use the symmetry I_x(a, b) = 1 - I_(1-x)(b, a).
    Some(if x < (a + 1.0) / (a + b + 2.0) {
        front * continued_fraction(x, a, b) / a
    } else {
        1.0 - front * continued_fraction(1.0 - x, b, a) / b
    })
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
    fn out_of_range_arguments_give_nan_or_null() {
        assert!(beta_cdf(1.5, 10.0, 20.0).is_some_and(f64::is_nan));
        assert!(beta_cdf(0.1, -1.0, 20.0).is_some_and(f64::is_nan));
        assert!(beta_pdf(-10.0, 10.0, 20.0).is_some_and(f64::is_nan));
        assert!(beta_cdf(0.5, 10.0, 10_001.0).is_some_and(f64::is_nan));
        assert_eq!(beta_inv(1.5, 10.0, 20.0), None);
        assert!(beta_inv(0.1, -1.0, 20.0).is_some_and(f64::is_nan));
    }
}
