//! `format_datetime` and `format_timespan`: .NET-style custom format
//! specifiers, as Kusto documents them. Runs of a specifier letter form one
//! element (`yyyy`, `MM`, `fff`); any other character is copied as is.

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::time::{TICKS_PER_DAY, TICKS_PER_SECOND, civil};
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "format_datetime" => format_datetime_kernel,
        "format_timespan" => format_timespan_kernel,
        _ => return None,
    })
}

/// The parts a format element can print.
struct Parts {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    /// Ticks within the second.
    fraction: i64,
    /// A timespan's sign ("-" or "").
    negative: bool,
}

/// Splits `format` into runs of one character.
fn runs(format: &str) -> Vec<(char, usize)> {
    let mut runs: Vec<(char, usize)> = Vec::new();
    for c in format.chars() {
        match runs.last_mut() {
            Some((last, n)) if *last == c => *n += 1,
            _ => runs.push((c, 1)),
        }
    }
    runs
}

fn padded(value: i64, width: usize) -> String {
    format!("{value:0width$}")
}

/// `f`..`fffffff`: the first `n` digits of the fraction; `F`..: the same
/// without trailing zeros (nothing when zero).
fn fraction(fraction: i64, n: usize, trim: bool) -> String {
    let digits = format!("{fraction:07}");
    let digits = &digits[..n.min(7)];
    if trim { digits.trim_end_matches('0').to_string() } else { digits.to_string() }
}

/// Formats by the datetime rules (`timespan` false) or the timespan rules,
/// where `d` is the whole days and `h`/`H` the hours past them.
fn render(format: &str, parts: &Parts, timespan: bool) -> String {
    let mut out = String::new();
    if timespan && parts.negative {
        out.push('-');
    }
    for (c, n) in runs(format) {
        match c {
            'd' => out.push_str(&padded(parts.day, if timespan { n } else { n.min(2) })),
            'f' => out.push_str(&fraction(parts.fraction, n, false)),
            'F' => {
                let digits = fraction(parts.fraction, n, true);
                // As in .NET, an empty `F` element drops the `.` before it.
                if digits.is_empty() && out.ends_with('.') {
                    out.pop();
                }
                out.push_str(&digits);
            }
            'h' if !timespan => out.push_str(&padded((parts.hour + 11) % 12 + 1, n.min(2))),
            'h' | 'H' => out.push_str(&padded(parts.hour, n.min(2))),
            'm' => out.push_str(&padded(parts.minute, n.min(2))),
            'M' if !timespan => out.push_str(&padded(parts.month, n.min(2))),
            's' => out.push_str(&padded(parts.second, n.min(2))),
            'y' if !timespan => match n {
                1 => out.push_str(&(parts.year % 100).to_string()),
                2 => out.push_str(&padded(parts.year % 100, 2)),
                _ => out.push_str(&padded(parts.year, n)),
            },
            't' if !timespan => {
                let designator = if parts.hour < 12 { "AM" } else { "PM" };
                out.push_str(&designator[..n.min(2)]);
            }
            other => out.extend(std::iter::repeat_n(other, n)),
        }
    }
    out
}

/// Formats datetime ticks.
pub fn format_datetime(ticks: i64, format: &str) -> String {
    let c = civil(ticks);
    let parts = Parts {
        year: c.year,
        month: c.month,
        day: c.day,
        hour: c.hour,
        minute: c.minute,
        second: c.second,
        fraction: c.fraction,
        negative: false,
    };
    render(format, &parts, false)
}

/// Formats timespan ticks (a negative span gets a leading `-`).
pub fn format_timespan(ticks: i64, format: &str) -> String {
    let magnitude = ticks.unsigned_abs() as i64;
    let in_day = magnitude % TICKS_PER_DAY;
    let seconds = in_day / TICKS_PER_SECOND;
    let parts = Parts {
        year: 0,
        month: 0,
        day: magnitude / TICKS_PER_DAY,
        hour: seconds / 3_600,
        minute: seconds / 60 % 60,
        second: seconds % 60,
        fraction: in_day % TICKS_PER_SECOND,
        negative: ticks < 0,
    };
    render(format, &parts, true)
}

fn format_datetime_kernel(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("format_datetime", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        Ok(match &v[0] {
            Value::DateTime(ticks) => Value::str(&format_datetime(*ticks, &v[1].to_kql_string())),
            _ => Value::Null,
        })
    })
}

fn format_timespan_kernel(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("format_timespan", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        Ok(match &v[0] {
            Value::TimeSpan(ticks) => Value::str(&format_timespan(*ticks, &v[1].to_kql_string())),
            _ => Value::Null,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::literal::parse_datetime;

    #[test]
    fn datetime_specifiers() {
        let t = parse_datetime("2017-01-29 09:00:05.1234567").expect("a datetime");
        assert_eq!(format_datetime(t, "yy-MM-dd [HH:mm:ss]"), "17-01-29 [09:00:05]");
        assert_eq!(format_datetime(t, "yyyy-M-dd [H:mm:ss]"), "2017-1-29 [9:00:05]");
        assert_eq!(format_datetime(t, "yy-MM-dd [hh:mm:ss tt]"), "17-01-29 [09:00:05 AM]");
        assert_eq!(format_datetime(t, "fff FF"), "123 12");
        let whole = parse_datetime("2009-06-15 13:45:30").expect("a datetime");
        assert_eq!(format_datetime(whole, "HH:mm:ss.FFF"), "13:45:30");
        assert_eq!(format_datetime(whole, "h tt"), "1 PM");
        assert_eq!(format_datetime(whole, ""), "");
    }

    #[test]
    fn timespan_specifiers() {
        let t = (29 * 86_400 + 9 * 3_600 + 5) * TICKS_PER_SECOND + 1_234_500;
        assert_eq!(format_timespan(t, "dd.hh:mm:ss:FF"), "29.09:00:05:12");
        assert_eq!(format_timespan(t, "ddd.h:mm:ss [fffffff]"), "029.9:00:05 [1234500]");
        assert_eq!(format_timespan(-t, "d.hh"), "-29.09");
        assert_eq!(format_timespan(0, "hh:mm:ss.FFF"), "00:00:00");
    }
}
