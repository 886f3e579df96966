//! Date and time functions: `now`, `ago`, calendar parts, `startof*`/`endof*`,
//! `datetime_add`, `datetime_diff`, `datetime_part`, Unix time conversions.

use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::functions::{EvalCtx, ScalarKernel, constant_string, expect_args, map_rows};
use crate::engine::time::{
    self, TICKS_PER_DAY, TICKS_PER_HOUR, TICKS_PER_MILLISECOND, TICKS_PER_MINUTE, TICKS_PER_SECOND, UNIX_EPOCH_TICKS,
};
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;
use crate::syntax::literal::days_from_civil;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "now" => now,
        "ago" => ago,
        "startofday" => |a, c| start_of(a, c, Unit::Day, false),
        "startofweek" => |a, c| start_of(a, c, Unit::Week, false),
        "startofmonth" => |a, c| start_of(a, c, Unit::Month, false),
        "startofyear" => |a, c| start_of(a, c, Unit::Year, false),
        "endofday" => |a, c| start_of(a, c, Unit::Day, true),
        "endofweek" => |a, c| start_of(a, c, Unit::Week, true),
        "endofmonth" => |a, c| start_of(a, c, Unit::Month, true),
        "endofyear" => |a, c| start_of(a, c, Unit::Year, true),
        "dayofweek" => dayofweek,
        "week_of_year" => week_of_year,
        "dayofmonth" => |a, c| part_kernel(a, c, "day", ScalarType::Int),
        "dayofyear" => |a, c| part_kernel(a, c, "dayofyear", ScalarType::Int),
        "getyear" => |a, c| part_kernel(a, c, "year", ScalarType::Int),
        "getmonth" | "monthofyear" => |a, c| part_kernel(a, c, "month", ScalarType::Int),
        "hourofday" => |a, c| part_kernel(a, c, "hour", ScalarType::Int),
        "datetime_part" | "datepart" => datetime_part,
        "datetime_add" => datetime_add,
        "datetime_diff" => datetime_diff,
        "unixtime_seconds_todatetime" => |a, c| unix(a, c, TICKS_PER_SECOND as f64),
        "unixtime_milliseconds_todatetime" => |a, c| unix(a, c, TICKS_PER_MILLISECOND as f64),
        "unixtime_microseconds_todatetime" => |a, c| unix(a, c, 10.0),
        "unixtime_nanoseconds_todatetime" => |a, c| unix(a, c, 0.01),
        "make_datetime" => make_datetime,
        "make_timespan" => make_timespan,
        "ingestion_time" => ingestion_time,
        _ => return None,
    })
}

/// `ingestion_time()`: local tables carry no ingestion metadata (Kusto's
/// hidden `$IngestionTime` column is set by the service when data is
/// ingested), so it is a null datetime on every row, as in a table whose
/// ingestion-time policy is off.
fn ingestion_time(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("ingestion_time", args, 0, 0)?;
    map_rows(args, ctx, ScalarType::DateTime, |_| Ok(Value::Null))
}

fn now(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("now", args, 0, 1)?;
    let offset = args.first().and_then(Datum::as_scalar).and_then(|v| match v {
        Value::TimeSpan(t) => Some(*t),
        _ => None,
    });
    Ok(Datum::Scalar(Value::DateTime(ctx.now + offset.unwrap_or(0)), ScalarType::DateTime))
}

fn ago(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("ago", args, 1, 1)?;
    let now = ctx.now;
    map_rows(args, ctx, ScalarType::DateTime, |v| {
        Ok(match &v[0] {
            Value::TimeSpan(t) => Value::DateTime(now - t),
            _ => Value::Null,
        })
    })
}

/// A calendar unit of the `startof*`/`endof*` functions, also the calendar
/// windows of the activity plugins (`engine::operators::timeline`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Day,
    Week,
    Month,
    Year,
}

/// `startofday`/`startofweek`/`startofmonth`/`startofyear(ticks, offset)`:
/// the start of the `unit` holding `ticks`, moved by `offset` units (weeks
/// start on Sunday); `None` past the calendar's range.
pub fn start_ticks(ticks: i64, unit: Unit, offset: i64) -> Option<i64> {
    let c = time::civil(ticks);
    let day_start = ticks.div_euclid(TICKS_PER_DAY) * TICKS_PER_DAY;
    Some(match unit {
        Unit::Day => day_start + offset * TICKS_PER_DAY,
        // Weeks start on Sunday; 0001-01-01 was a Monday.
        Unit::Week => {
            let days = ticks.div_euclid(TICKS_PER_DAY);
            let weekday = (days + 1).rem_euclid(7);
            (days - weekday + offset * 7) * TICKS_PER_DAY
        }
        Unit::Month => {
            let months = c.year * 12 + (c.month - 1) + offset;
            days_from_civil(months.div_euclid(12), months.rem_euclid(12) + 1, 1)? * TICKS_PER_DAY
        }
        Unit::Year => days_from_civil(c.year + offset, 1, 1)? * TICKS_PER_DAY,
    })
}

fn start_of(args: &[Datum], ctx: &EvalCtx, unit: Unit, end: bool) -> ExecResult<Datum> {
    expect_args("startof", args, 1, 2)?;
    map_rows(args, ctx, ScalarType::DateTime, |v| {
        let Value::DateTime(ticks) = v[0] else { return Ok(Value::Null) };
        let offset = v.get(1).and_then(Value::as_i64).unwrap_or(0);
        Ok(if end {
            start_ticks(ticks, unit, offset + 1).map_or(Value::Null, |t| Value::DateTime(t - 1))
        } else {
            start_ticks(ticks, unit, offset).map_or(Value::Null, Value::DateTime)
        })
    })
}

/// `week_of_year(date)`: the ISO 8601 week number (weeks start on Monday;
/// week 1 holds the year's first Thursday), 1 to 53.
fn week_of_year(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("week_of_year", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Int, |v| {
        let Value::DateTime(ticks) = v[0] else { return Ok(Value::Null) };
        Ok(iso_week(ticks.div_euclid(TICKS_PER_DAY)).map_or(Value::Null, |week| Value::Int(week as i32)))
    })
}

/// The ISO week of the day `days` after 0001-01-01 (a Monday).
fn iso_week(days: i64) -> Option<i64> {
    let (year, _, _) = time::civil_from_days(days);
    let weekday = days.rem_euclid(7) + 1;
    let ordinal = days - days_from_civil(year, 1, 1)? + 1;
    let week = (ordinal - weekday + 10) / 7;
    if week < 1 {
        return Some(iso_weeks_in_year(year - 1));
    }
    if week > iso_weeks_in_year(year) {
        return Some(1);
    }
    Some(week)
}

/// 53 when the year starts on a Thursday, or is a leap year starting on a
/// Wednesday; 52 otherwise. Computed with the proleptic Gregorian weekday.
fn iso_weeks_in_year(year: i64) -> i64 {
    // Weekday (0 = Monday) of 1 January, from the days since 0001-01-01.
    let previous = year - 1;
    let jan1 = (previous * 365 + previous / 4 - previous / 100 + previous / 400).rem_euclid(7);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if jan1 == 3 || (leap && jan1 == 2) { 53 } else { 52 }
}

fn dayofweek(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("dayofweek", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::TimeSpan, |v| {
        let Value::DateTime(ticks) = v[0] else { return Ok(Value::Null) };
        let days = ticks.div_euclid(TICKS_PER_DAY);
        Ok(Value::TimeSpan((days + 1).rem_euclid(7) * TICKS_PER_DAY))
    })
}

/// One calendar part of a datetime.
fn part(ticks: i64, name: &str) -> Option<i64> {
    let c = time::civil(ticks);
    Some(match name {
        "year" => c.year,
        "quarter" => (c.month - 1) / 3 + 1,
        "month" => c.month,
        "week_of_year" | "weekofyear" => {
            // ISO 8601 week number.
            let days = ticks.div_euclid(TICKS_PER_DAY);
            let weekday = days.rem_euclid(7); // 0 = Monday
            let thursday = days - weekday + 3;
            let year = time::civil_from_days(thursday).0;
            (thursday - days_from_civil(year, 1, 1)?) / 7 + 1
        }
        "day" => c.day,
        "dayofyear" => ticks.div_euclid(TICKS_PER_DAY) - days_from_civil(c.year, 1, 1)? + 1,
        "hour" => c.hour,
        "minute" => c.minute,
        "second" => c.second,
        "millisecond" => c.fraction / TICKS_PER_MILLISECOND,
        "microsecond" => c.fraction / 10,
        "nanosecond" => c.fraction * 100,
        _ => return None,
    })
}

fn part_kernel(args: &[Datum], ctx: &EvalCtx, name: &'static str, ty: ScalarType) -> ExecResult<Datum> {
    expect_args(name, args, 1, 1)?;
    map_rows(args, ctx, ty, |v| {
        Ok(match v[0] {
            Value::DateTime(ticks) => part(ticks, name).map_or(Value::Null, Value::Long),
            _ => Value::Null,
        })
    })
}

fn datetime_part(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("datetime_part", args, 2, 2)?;
    let name = constant_string("datetime_part", &args[0])?.to_ascii_lowercase();
    if part(0, &name).is_none() {
        return Err(ExecError::runtime(format!("unknown datetime part `{name}`")));
    }
    map_rows(&args[1..], ctx, ScalarType::Int, |v| {
        Ok(match v[0] {
            Value::DateTime(ticks) => part(ticks, &name).map_or(Value::Null, Value::Long),
            _ => Value::Null,
        })
    })
}

fn unit_ticks(name: &str) -> Option<i64> {
    Some(match name {
        "week" => 7 * TICKS_PER_DAY,
        "day" => TICKS_PER_DAY,
        "hour" => TICKS_PER_HOUR,
        "minute" => TICKS_PER_MINUTE,
        "second" => TICKS_PER_SECOND,
        "millisecond" => TICKS_PER_MILLISECOND,
        "microsecond" => 10,
        "nanosecond" => 1,
        _ => return None,
    })
}

fn datetime_add(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("datetime_add", args, 3, 3)?;
    let unit = constant_string("datetime_add", &args[0])?.to_ascii_lowercase();
    map_rows(&args[1..], ctx, ScalarType::DateTime, |v| {
        let (Some(amount), Value::DateTime(ticks)) = (v[0].as_i64(), &v[1]) else { return Ok(Value::Null) };
        if let Some(size) = unit_ticks(&unit) {
            return Ok(Value::DateTime(ticks + amount * size));
        }
        let months = match unit.as_str() {
            "year" => amount * 12,
            "quarter" => amount * 3,
            "month" => amount,
            _ => return Err(ExecError::runtime(format!("unknown datetime part `{unit}`"))),
        };
        let c = time::civil(*ticks);
        let total = c.year * 12 + c.month - 1 + months;
        let (year, month) = (total.div_euclid(12), total.rem_euclid(12) + 1);
        let day = c.day.min(crate::syntax::literal::days_in_month(year, month));
        let in_day = ticks.rem_euclid(TICKS_PER_DAY);
        Ok(days_from_civil(year, month, day).map_or(Value::Null, |d| Value::DateTime(d * TICKS_PER_DAY + in_day)))
    })
}

fn datetime_diff(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("datetime_diff", args, 3, 3)?;
    let unit = constant_string("datetime_diff", &args[0])?.to_ascii_lowercase();
    map_rows(&args[1..], ctx, ScalarType::Long, |v| {
        let (Value::DateTime(a), Value::DateTime(b)) = (&v[0], &v[1]) else { return Ok(Value::Null) };
        let (ca, cb) = (time::civil(*a), time::civil(*b));
        Ok(Value::Long(match unit.as_str() {
            "year" => ca.year - cb.year,
            "quarter" => (ca.year * 4 + (ca.month - 1) / 3) - (cb.year * 4 + (cb.month - 1) / 3),
            "month" => (ca.year * 12 + ca.month) - (cb.year * 12 + cb.month),
            "week" => {
                let week = |t: i64| (t.div_euclid(TICKS_PER_DAY) + 1).div_euclid(7);
                week(*a) - week(*b)
            }
            // A tick is 100 nanoseconds.
            "nanosecond" => a.saturating_sub(*b).saturating_mul(100),
            other => match unit_ticks(other) {
                Some(size) => a.div_euclid(size) - b.div_euclid(size),
                None => return Err(ExecError::runtime(format!("unknown datetime part `{other}`"))),
            },
        }))
    })
}

/// The last tick of 9999-12-31, the largest datetime.
const MAX_DATETIME_TICKS: i64 = 3_155_378_975_999_999_999;

fn unix(args: &[Datum], ctx: &EvalCtx, ticks_per_unit: f64) -> ExecResult<Datum> {
    expect_args("unixtime_todatetime", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::DateTime, |v| {
        // Null outside the datetime range (0001-01-01 to 9999-12-31).
        let ticks = v[0].as_f64().map(|x| UNIX_EPOCH_TICKS as f64 + x * ticks_per_unit);
        Ok(match ticks {
            Some(ticks) if (0.0..=MAX_DATETIME_TICKS as f64).contains(&ticks) => Value::DateTime(ticks as i64),
            _ => Value::Null,
        })
    })
}

fn make_datetime(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("make_datetime", args, 3, 7)?;
    map_rows(args, ctx, ScalarType::DateTime, |v| {
        let n = |i: usize| v.get(i).and_then(Value::as_i64).unwrap_or(0);
        let second = v.get(5).and_then(Value::as_f64).unwrap_or(0.0);
        let whole = second.trunc() as i64;
        let fraction = ((second - second.trunc()) * TICKS_PER_SECOND as f64).round() as i64;
        Ok(crate::syntax::literal::datetime_ticks(n(0), n(1), n(2), n(3), n(4), whole, fraction)
            .map_or(Value::Null, Value::DateTime))
    })
}

fn make_timespan(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("make_timespan", args, 2, 4)?;
    map_rows(args, ctx, ScalarType::TimeSpan, |v| {
        // A null part leaves the timespan unknown (null in, null out), not zero.
        if v.iter().any(Value::is_null) {
            return Ok(Value::Null);
        }
        let n = |i: usize| v.get(i).and_then(Value::as_f64).unwrap_or(0.0);
        let (days, hours, minutes, seconds) = match v.len() {
            2 => (0.0, n(0), n(1), 0.0),
            3 => (0.0, n(0), n(1), n(2)),
            _ => (n(0), n(1), n(2), n(3)),
        };
        let ticks = days * TICKS_PER_DAY as f64
            + hours * TICKS_PER_HOUR as f64
            + minutes * TICKS_PER_MINUTE as f64
            + seconds * TICKS_PER_SECOND as f64;
        Ok(Value::TimeSpan(ticks.round() as i64))
    })
}

#[cfg(test)]
mod week_tests {
    use super::*;

    fn week(text: &str) -> Value {
        let ticks = crate::syntax::literal::parse_datetime(text).expect("a datetime");
        let ctx = EvalCtx { rows: 1, now: 0 };
        week_of_year(&[Datum::Scalar(Value::DateTime(ticks), ScalarType::DateTime)], &ctx).expect("a week").get(0)
    }

    #[test]
    fn iso_weeks_match_the_docs() {
        assert_eq!(week("2020-12-31"), Value::Int(53));
        assert_eq!(week("2020-06-15"), Value::Int(25));
        assert_eq!(week("1970-01-01"), Value::Int(1));
        assert_eq!(week("2000-01-01"), Value::Int(52));
    }

    #[test]
    fn iso_week_boundaries() {
        // 2018-12-31 is a Monday in week 1 of 2019; 2021-01-03 a Sunday in week 53 of 2020.
        assert_eq!(week("2018-12-31"), Value::Int(1));
        assert_eq!(week("2021-01-03"), Value::Int(53));
        assert_eq!(week("2021-01-04"), Value::Int(1));
        assert_eq!(week("0001-01-01"), Value::Int(1));
        assert_eq!(week("9999-12-31"), Value::Int(52));
        let ctx = EvalCtx { rows: 1, now: 0 };
        let null = week_of_year(&[Datum::Scalar(Value::Null, ScalarType::DateTime)], &ctx).expect("a result");
        assert!(null.get(0).is_null());
    }
}
