//! Datetime and timespan values: 100-nanosecond ticks (datetimes count from
//! 0001-01-01T00:00:00Z), calendar conversion and Kusto's text forms.

pub use crate::syntax::literal::{TICKS_PER_DAY, TICKS_PER_SECOND, UNIX_EPOCH_TICKS};

/// Ticks in one hour.
pub const TICKS_PER_HOUR: i64 = 3_600 * TICKS_PER_SECOND;
/// Ticks in one minute.
pub const TICKS_PER_MINUTE: i64 = 60 * TICKS_PER_SECOND;
/// Ticks in one millisecond.
pub const TICKS_PER_MILLISECOND: i64 = 10_000;

/// The calendar parts of a datetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
    /// Ticks within the second (0..10,000,000).
    pub fraction: i64,
}

/// Converts days since 0001-01-01 to (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    // Howard Hinnant's algorithm, shifted from 1970-01-01 to 0001-01-01.
    let z = days - 719_162 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Splits datetime ticks into calendar parts.
pub fn civil(ticks: i64) -> Civil {
    let days = ticks.div_euclid(TICKS_PER_DAY);
    let in_day = ticks.rem_euclid(TICKS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let seconds = in_day / TICKS_PER_SECOND;
    Civil {
        year,
        month,
        day,
        hour: seconds / 3_600,
        minute: seconds / 60 % 60,
        second: seconds % 60,
        fraction: in_day % TICKS_PER_SECOND,
    }
}

/// `yyyy-MM-ddTHH:mm:ss.fffffffZ`, Kusto's rendering of a datetime.
pub fn format_datetime(ticks: i64) -> String {
    let c = civil(ticks);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second, c.fraction
    )
}

/// ISO 8601 with the fraction trimmed, as the Log Analytics query API
/// encodes datetimes (`2024-01-01T00:00:00Z`, `2025-06-01T00:00:08.004144Z`).
pub fn format_datetime_api(ticks: i64) -> String {
    let c = civil(ticks);
    let mut text = format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", c.year, c.month, c.day, c.hour, c.minute, c.second);
    if c.fraction != 0 {
        let fraction = format!("{:07}", c.fraction);
        text.push('.');
        text.push_str(fraction.trim_end_matches('0'));
    }
    text.push('Z');
    text
}

/// `[-][d.]hh:mm:ss[.fffffff]`, Kusto's rendering of a timespan.
pub fn format_timespan(ticks: i64) -> String {
    let negative = ticks < 0;
    let magnitude = ticks.unsigned_abs();
    let per_day = TICKS_PER_DAY as u64;
    let per_second = TICKS_PER_SECOND as u64;
    let days = magnitude / per_day;
    let rest = magnitude % per_day;
    let seconds = rest / per_second;
    let fraction = rest % per_second;
    let mut text = String::new();
    if negative {
        text.push('-');
    }
    if days > 0 {
        text.push_str(&format!("{days}."));
    }
    text.push_str(&format!("{:02}:{:02}:{:02}", seconds / 3_600, seconds / 60 % 60, seconds % 60));
    if fraction != 0 {
        text.push_str(&format!(".{fraction:07}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::literal::parse_datetime;

    #[test]
    fn datetimes_round_trip_through_text() {
        for text in ["0001-01-01T00:00:00.0000000Z", "1970-01-01T00:00:00.0000000Z", "2024-02-29T23:59:59.9999999Z"] {
            let ticks = parse_datetime(text).unwrap();
            assert_eq!(format_datetime(ticks), text);
        }
        assert_eq!(parse_datetime("1970-01-01").unwrap(), UNIX_EPOCH_TICKS);
    }

    #[test]
    fn api_datetimes_trim_the_fraction() {
        let ticks = parse_datetime("2025-06-01T00:00:08.0041440Z").unwrap();
        assert_eq!(format_datetime_api(ticks), "2025-06-01T00:00:08.004144Z");
        assert_eq!(format_datetime_api(parse_datetime("2024-01-01").unwrap()), "2024-01-01T00:00:00Z");
    }

    #[test]
    fn timespans_print_days_and_fractions() {
        assert_eq!(format_timespan(4 * TICKS_PER_DAY), "4.00:00:00");
        assert_eq!(format_timespan(-17 * TICKS_PER_HOUR), "-17:00:00");
        assert_eq!(format_timespan(15 * TICKS_PER_SECOND / 10), "00:00:01.5000000");
    }
}
