//! Signal processing on series: `series_fir` (finite impulse response
//! filter) and `series_fft` / `series_ifft` (discrete Fourier transform).
//!
//! - `series_fir(x, filter, normalize, center)`: `y[i] = Σ filter[j] ·
//!   x[i - j]`, with zeros before the series' start; `normalize` (default:
//!   true unless the filter has a negative coefficient) divides the filter
//!   by its sum, and a normalized filter with a negative coefficient gives
//!   null, as documented; `center` shifts the window by `(len - 1) / 2` so
//!   it is symmetric around each point.
//! - `series_fft(real [, imag])`: the unnormalized forward transform
//!   `X[k] = Σ x[n] e^(-2πikn/N)`; `series_ifft` the inverse, divided by N,
//!   so `series_ifft(series_fft(x))` is `x`. Any length works (Bluestein's
//!   algorithm over a power-of-two FFT for lengths that are not one).

use std::f64::consts::PI;

use crate::engine::column::{Column, ColumnBuilder};
use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::series_model::{array, numbers};
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "series_fir" => series_fir,
        _ => return None,
    })
}

fn series_fir(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("series_fir", args, 2, 4)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let (Some(series), Some(filter)) = (numbers(&v[0]), numbers(&v[1])) else { return Ok(Value::Null) };
        let has_negative = filter.iter().any(|c| *c < 0.0);
        let normalize = match v.get(2) {
            Some(Value::Bool(flag)) => *flag,
            _ => !has_negative,
        };
        let center = matches!(v.get(3), Some(Value::Bool(true)));
        Ok(fir(&series, &filter, normalize, center).map_or(Value::Null, |y| array(&y)))
    })
}

/// The filtered series; `None` when the filter cannot be normalized.
fn fir(series: &[f64], filter: &[f64], normalize: bool, center: bool) -> Option<Vec<f64>> {
    if filter.is_empty() || filter.iter().any(|c| !c.is_finite()) {
        return None;
    }
    let filter: Vec<f64> = if normalize {
        let sum: f64 = filter.iter().sum();
        if filter.iter().any(|c| *c < 0.0) || sum == 0.0 {
            return None;
        }
        filter.iter().map(|c| c / sum).collect()
    } else {
        filter.to_vec()
    };
    let shift = if center { (filter.len() - 1) / 2 } else { 0 };
    Some(
        (0..series.len())
            .map(|i| {
                let at = i + shift;
                filter
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j <= at && at - j < series.len())
                    .map(|(j, c)| c * series[at - j])
                    .sum()
            })
            .collect(),
    )
}

/// `series_fft` / `series_ifft`: the real and imaginary parts of the
/// transform, as two columns.
pub fn series_fft(args: &[Datum], ctx: &EvalCtx, inverse: bool) -> ExecResult<Vec<(&'static str, Column)>> {
    expect_args(if inverse { "series_ifft" } else { "series_fft" }, args, 1, 2)?;
    let mut real_out = ColumnBuilder::new(ScalarType::Dynamic, ctx.rows);
    let mut imag_out = ColumnBuilder::new(ScalarType::Dynamic, ctx.rows);
    for row in 0..ctx.rows {
        let real = numbers(&args[0].get(row));
        let imag = match args.get(1) {
            Some(arg) => numbers(&arg.get(row)),
            None => real.as_ref().map(|r| vec![0.0; r.len()]),
        };
        match (real, imag) {
            (Some(real), Some(imag)) if real.len() == imag.len() => {
                let mut re: Vec<f64> = real.iter().map(|x| if x.is_finite() { *x } else { 0.0 }).collect();
                let mut im: Vec<f64> = imag.iter().map(|x| if x.is_finite() { *x } else { 0.0 }).collect();
                transform(&mut re, &mut im, inverse);
                real_out.push(&array(&re));
                imag_out.push(&array(&im));
            }
            _ => {
                real_out.push(&Value::Null);
                imag_out.push(&Value::Null);
            }
        }
    }
    Ok(vec![("real", real_out.finish()), ("imag", imag_out.finish())])
}

/// The discrete Fourier transform in place (inverse: conjugate sign, / N).
pub(super) fn transform(re: &mut [f64], im: &mut [f64], inverse: bool) {
    let n = re.len();
    if n <= 1 {
        return;
    }
    let sign = if inverse { 1.0 } else { -1.0 };
    if n.is_power_of_two() {
        radix2(re, im, sign);
    } else {
        bluestein(re, im, sign);
    }
    if inverse {
        for value in re.iter_mut().chain(im.iter_mut()) {
            *value /= n as f64;
        }
    }
}

/// Iterative Cooley–Tukey FFT of a power-of-two length; `sign` -1 forward.
fn radix2(re: &mut [f64], im: &mut [f64], sign: f64) {
    let n = re.len();
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut length = 2;
    while length <= n {
        let angle = sign * 2.0 * PI / length as f64;
        for start in (0..n).step_by(length) {
            for k in 0..length / 2 {
                let (w_re, w_im) = ((angle * k as f64).cos(), (angle * k as f64).sin());
                let (a, b) = (start + k, start + k + length / 2);
                let t_re = re[b] * w_re - im[b] * w_im;
                let t_im = re[b] * w_im + im[b] * w_re;
                re[b] = re[a] - t_re;
                im[b] = im[a] - t_im;
                re[a] += t_re;
                im[a] += t_im;
            }
        }
        length <<= 1;
    }
}

/// Bluestein's algorithm: a DFT of any length as a convolution computed
/// with power-of-two FFTs.
fn bluestein(re: &mut [f64], im: &mut [f64], sign: f64) {
    let n = re.len();
    let m = (2 * n - 1).next_power_of_two();
    // chirp[k] = e^(sign·πi k²/n); k² is taken mod 2n to keep the angle exact.
    let chirp: Vec<(f64, f64)> = (0..n)
        .map(|k| {
            let angle = sign * PI * ((k * k) % (2 * n)) as f64 / n as f64;
            (angle.cos(), angle.sin())
        })
        .collect();
    let (mut a_re, mut a_im) = (vec![0.0; m], vec![0.0; m]);
    for k in 0..n {
        a_re[k] = re[k] * chirp[k].0 - im[k] * chirp[k].1;
        a_im[k] = re[k] * chirp[k].1 + im[k] * chirp[k].0;
    }
    let (mut b_re, mut b_im) = (vec![0.0; m], vec![0.0; m]);
    b_re[0] = chirp[0].0;
    b_im[0] = -chirp[0].1;
    for k in 1..n {
        b_re[k] = chirp[k].0;
        b_im[k] = -chirp[k].1;
        b_re[m - k] = chirp[k].0;
        b_im[m - k] = -chirp[k].1;
    }
    radix2(&mut a_re, &mut a_im, -1.0);
    radix2(&mut b_re, &mut b_im, -1.0);
    for k in 0..m {
        let (x, y) = (a_re[k] * b_re[k] - a_im[k] * b_im[k], a_re[k] * b_im[k] + a_im[k] * b_re[k]);
        a_re[k] = x;
        a_im[k] = y;
    }
    radix2(&mut a_re, &mut a_im, 1.0);
    for k in 0..n {
        let (x, y) = (a_re[k] / m as f64, a_im[k] / m as f64);
        re[k] = x * chirp[k].0 - y * chirp[k].1;
        im[k] = x * chirp[k].1 + y * chirp[k].0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-9)
    }

    #[test]
    fn fir_moving_average_and_difference() {
        let x = [0.0, 0.0, 10.0, 20.0, 0.0];
        assert!(close(&fir(&x, &[1.0, 1.0], true, false).unwrap(), &[0.0, 0.0, 5.0, 15.0, 10.0]));
        assert!(close(&fir(&x, &[1.0, 1.0, 1.0], true, true).unwrap(), &[0.0, 10.0 / 3.0, 10.0, 10.0, 20.0 / 3.0]));
        assert!(close(&fir(&[1.0, 3.0, 6.0], &[1.0, -1.0], false, false).unwrap(), &[1.0, 2.0, 3.0]));
        // A normalized filter with a negative coefficient gives null.
        assert!(fir(&x, &[1.0, -1.0], true, false).is_none());
    }

    #[test]
    fn fft_of_any_length_matches_the_definition() {
        for n in [1, 2, 3, 5, 8, 12] {
            let x: Vec<f64> = (0..n).map(|i| ((i * 7) % 5) as f64 - 1.5).collect();
            let (mut re, mut im) = (x.clone(), vec![0.0; n]);
            transform(&mut re, &mut im, false);
            for k in 0..n {
                let (mut sum_re, mut sum_im) = (0.0, 0.0);
                for (t, value) in x.iter().enumerate() {
                    let angle = -2.0 * PI * (k * t) as f64 / n as f64;
                    sum_re += value * angle.cos();
                    sum_im += value * angle.sin();
                }
                assert!((re[k] - sum_re).abs() < 1e-9 && (im[k] - sum_im).abs() < 1e-9, "n={n} k={k}");
            }
            transform(&mut re, &mut im, true);
            assert!(close(&re, &x) && im.iter().all(|v| v.abs() < 1e-9), "round trip n={n}");
        }
    }
}
