//! Time zones: `datetime_utc_to_local`, `datetime_local_to_utc` and
//! `datetime_list_timezones`, with the IANA database compiled in
//! (`chrono-tz`), so they run offline.

use chrono::{DateTime, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::time::{TICKS_PER_SECOND, UNIX_EPOCH_TICKS};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "datetime_utc_to_local" => utc_to_local,
        "datetime_local_to_utc" => local_to_utc,
        "datetime_list_timezones" => list_timezones,
        _ => return None,
    })
}

fn to_naive(ticks: i64) -> Option<NaiveDateTime> {
    let since_epoch = ticks - UNIX_EPOCH_TICKS;
    let seconds = since_epoch.div_euclid(TICKS_PER_SECOND);
    let nanos = (since_epoch.rem_euclid(TICKS_PER_SECOND) * 100) as u32;
    DateTime::<Utc>::from_timestamp(seconds, nanos).map(|utc| utc.naive_utc())
}

fn to_ticks(naive: NaiveDateTime) -> i64 {
    let utc = naive.and_utc();
    UNIX_EPOCH_TICKS + utc.timestamp() * TICKS_PER_SECOND + i64::from(utc.timestamp_subsec_nanos() / 100)
}

/// Offset from UTC, in seconds, of zone `zone` at the UTC instant `utc`.
fn offset_at(zone: Tz, utc: NaiveDateTime) -> i64 {
    i64::from(zone.offset_from_utc_datetime(&utc).fix().local_minus_utc())
}

/// The zone named `name` (IANA names such as `Europe/Paris`, `US/Pacific`).
fn zone(value: &Value) -> Option<Tz> {
    match value {
        Value::String(name) => name.parse::<Tz>().ok(),
        _ => None,
    }
}

/// The wall-clock time in the zone at a UTC instant; null for an unknown zone.
fn utc_to_local(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("datetime_utc_to_local", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::DateTime, |v| {
        let (Value::DateTime(ticks), Some(zone)) = (&v[0], zone(&v[1])) else { return Ok(Value::Null) };
        let Some(utc) = to_naive(*ticks) else { return Ok(Value::Null) };
        Ok(Value::DateTime(ticks + offset_at(zone, utc) * TICKS_PER_SECOND))
    })
}

/// The UTC instant of a wall-clock time in the zone. A time that occurs
/// twice (clocks going back) is its first occurrence; a time that does not
/// occur (clocks going forward) takes the offset after the change, as the
/// documented Europe/Brussels example shows (02:00 local gives 00:00 UTC).
fn local_to_utc(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("datetime_local_to_utc", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::DateTime, |v| {
        let (Value::DateTime(ticks), Some(zone)) = (&v[0], zone(&v[1])) else { return Ok(Value::Null) };
        let Some(local) = to_naive(*ticks) else { return Ok(Value::Null) };
        let offset = match zone.from_local_datetime(&local) {
            LocalResult::Single(time) | LocalResult::Ambiguous(time, _) => {
                i64::from(time.offset().fix().local_minus_utc())
            }
            LocalResult::None => {
                // In a gap: the offset in force just after it.
                let before = offset_at(zone, local - chrono::Duration::days(1));
                let guess = local - chrono::Duration::seconds(before);
                offset_at(zone, guess)
            }
        };
        Ok(Value::DateTime(to_ticks(local) - offset * TICKS_PER_SECOND))
    })
}

/// The names of the supported zones, as a dynamic array.
fn list_timezones(args: &[Datum], _ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("datetime_list_timezones", args, 0, 0)?;
    let names = chrono_tz::TZ_VARIANTS.iter().map(|zone| Dyn::str(zone.name())).collect();
    Ok(Datum::Scalar(Value::Dynamic(Dyn::array(names)), ScalarType::Dynamic))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::literal::parse_datetime;

    fn convert(kernel: ScalarKernel, time: &str, zone: &str) -> Value {
        let args = [
            Datum::Scalar(Value::DateTime(parse_datetime(time).unwrap()), ScalarType::DateTime),
            Datum::Scalar(Value::str(zone), ScalarType::String),
        ];
        kernel(&args, &EvalCtx { rows: 1, now: 0 }).unwrap().get(0)
    }

    fn at(time: &str) -> Value {
        Value::DateTime(parse_datetime(time).unwrap())
    }

    #[test]
    fn documented_conversions() {
        assert_eq!(convert(local_to_utc, "2020-02-02 20:02:20", "Europe/Paris"), at("2020-02-02 19:02:20"));
        assert_eq!(convert(local_to_utc, "2020-02-02 20:02:20", "US/Pacific"), at("2020-02-03 04:02:20"));
        // Europe/Brussels on the morning clocks went forward.
        assert_eq!(convert(local_to_utc, "2022-03-27 02:00", "Europe/Brussels"), at("2022-03-27 00:00"));
        assert_eq!(convert(local_to_utc, "2022-03-27 03:00", "Europe/Brussels"), at("2022-03-27 01:00"));
        assert_eq!(convert(utc_to_local, "2022-03-27 00:00", "Europe/Brussels"), at("2022-03-27 01:00"));
    }

    #[test]
    fn unknown_zones_and_nulls_give_null() {
        assert_eq!(convert(utc_to_local, "2022-03-27 00:00", "Mars/Olympus"), Value::Null);
        assert_eq!(convert(local_to_utc, "2022-03-27 00:00", ""), Value::Null);
        let args =
            [Datum::Scalar(Value::Null, ScalarType::DateTime), Datum::Scalar(Value::str("UTC"), ScalarType::String)];
        assert_eq!(utc_to_local(&args, &EvalCtx { rows: 1, now: 0 }).unwrap().get(0), Value::Null);
    }
}
