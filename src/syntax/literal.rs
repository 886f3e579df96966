//! Values of literal tokens: string unescaping, timespan units, and the
//! bodies of `datetime(…)`, `timespan(…)` and `guid(…)`.
//!
//! Datetimes and timespans are 100 ns ticks, datetimes counted from
//! 0001-01-01T00:00:00Z as in Kusto (and .NET).

/// Ticks in one second.
pub const TICKS_PER_SECOND: i64 = 10_000_000;
/// Ticks in one day.
pub const TICKS_PER_DAY: i64 = 86_400 * TICKS_PER_SECOND;
/// Ticks from 0001-01-01 to the Unix epoch 1970-01-01.
pub const UNIX_EPOCH_TICKS: i64 = 621_355_968_000_000_000;
/// The largest datetime: 9999-12-31T23:59:59.9999999Z.
pub const MAX_DATETIME_TICKS: i64 = 3_155_378_975_999_999_999;

/// Ticks per unit for the timespan suffixes KQL accepts (`5m`, `1.5d`, `100ms`);
/// the value may be fractional (`nanosecond` is a hundredth of a tick).
pub fn timespan_unit_ticks(unit: &str) -> Option<f64> {
    let ticks = match unit {
        "d" | "day" | "days" => TICKS_PER_DAY as f64,
        "h" | "hr" | "hrs" | "hour" | "hours" => 36_000_000_000.0,
        "m" | "min" | "minute" | "minutes" => 600_000_000.0,
        "s" | "sec" | "second" | "seconds" => 10_000_000.0,
        "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => 10_000.0,
        "micro" | "micros" | "microsecond" | "microseconds" => 10.0,
        "tick" | "ticks" => 1.0,
        "nanosecond" | "nanoseconds" => 0.01,
        _ => return None,
    };
    Some(ticks)
}

/// The decoded value of a string literal token (any form), or `None` when the
/// token text is not a complete string literal.
pub fn unescape_string(token: &str) -> Option<String> {
    let mut text = token;
    if text.starts_with('h') || text.starts_with('H') {
        text = &text[1..];
    }
    if let Some(body) = text.strip_prefix("```").and_then(|t| t.strip_suffix("```")) {
        return Some(body.to_string());
    }
    if let Some(body) = text.strip_prefix("~~~").and_then(|t| t.strip_suffix("~~~")) {
        return Some(body.to_string());
    }
    let verbatim = text.starts_with('@');
    if verbatim {
        text = &text[1..];
    }
    let quote = text.chars().next()?;
    if !(quote == '"' || quote == '\'') || text.len() < 2 || !text.ends_with(quote) {
        return None;
    }
    let body = &text[1..text.len() - 1];
    if verbatim {
        let doubled = if quote == '"' { "\"\"" } else { "''" };
        return Some(body.replace(doubled, &quote.to_string()));
    }
    if !body.contains('\\') {
        return Some(body.to_string());
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let escaped = chars.next()?;
        match escaped {
            '\\' | '"' | '\'' => out.push(escaped),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '0'..='7' => {
                let mut value = escaped.to_digit(8)?;
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(digit) => {
                            value = value * 8 + digit;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(value)?);
            }
            'x' | 'u' | 'U' => {
                let max_digits = match escaped {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut value = 0u32;
                let mut digits = 0;
                while digits < max_digits {
                    match chars.peek().and_then(|c| c.to_digit(16)) {
                        Some(digit) => {
                            value = value.checked_mul(16)? + digit;
                            digits += 1;
                            chars.next();
                        }
                        None => break,
                    }
                }
                if digits == 0 {
                    return None;
                }
                out.push(char::from_u32(value).unwrap_or('\u{fffd}'));
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Parses a timespan literal body (`timespan(…)`): `null` → `Some(None)`;
/// `1.5d`, `-30m`, `2` (days), `[-][d.]hh:mm[:ss[.fffffff]]`.
pub fn parse_timespan_body(body: &str) -> Option<Option<i64>> {
    let body = body.trim();
    if body == "null" {
        return Some(None);
    }
    parse_timespan(body).map(Some)
}

/// Parses a timespan in unit form (`1.5d`, `10ms`, plain numbers are days) or
/// clock form (`[-][d.]hh:mm[:ss[.fffffff]]`) into ticks.
pub fn parse_timespan(text: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let ticks = if rest.contains(':') { parse_clock_timespan(rest)? } else { parse_unit_timespan(rest)? };
    Some(if negative { -ticks } else { ticks })
}

fn parse_unit_timespan(text: &str) -> Option<i64> {
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    if number.is_empty() {
        return None;
    }
    let per_unit = if unit.is_empty() { TICKS_PER_DAY as f64 } else { timespan_unit_ticks(unit.trim())? };
    if let Ok(whole) = number.parse::<i64>()
        && per_unit >= 1.0
    {
        return whole.checked_mul(per_unit as i64);
    }
    let value: f64 = number.parse().ok()?;
    let ticks = (value * per_unit).round();
    if !ticks.is_finite() || ticks.abs() > i64::MAX as f64 {
        return None;
    }
    Some(ticks as i64)
}

fn parse_clock_timespan(text: &str) -> Option<i64> {
    // [d.]hh:mm[:ss[.fffffff]]
    let mut parts = text.split(':');
    let first = parts.next()?;
    let (days, hours) = match first.split_once('.') {
        Some((days, hours)) => (days.parse::<i64>().ok()?, hours.parse::<i64>().ok()?),
        None => (0, first.parse::<i64>().ok()?),
    };
    let minutes: i64 = parts.next()?.parse().ok()?;
    let (seconds, fraction_ticks) = match parts.next() {
        Some(seconds) => parse_seconds(seconds)?,
        None => (0, 0),
    };
    if parts.next().is_some() || minutes > 59 || seconds > 59 || hours > 23 && days > 0 {
        return None;
    }
    let total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds;
    total.checked_mul(TICKS_PER_SECOND)?.checked_add(fraction_ticks)
}

/// `ss[.fffffff]` → (seconds, ticks of the fraction); digits past the 7th are dropped.
fn parse_seconds(text: &str) -> Option<(i64, i64)> {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (text, ""),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seconds: i64 = whole.parse().ok()?;
    let mut ticks = 0i64;
    for (idx, digit) in fraction.bytes().enumerate() {
        if idx >= 7 {
            break;
        }
        ticks += (digit - b'0') as i64 * 10i64.pow(6 - idx as u32);
    }
    Some((seconds, ticks))
}

/// Days from 0001-01-01 to `year-month-day` (proleptic Gregorian), or `None`
/// when the date does not exist.
pub fn days_from_civil(year: i64, month: i64, day: i64) -> Option<i64> {
    if !(1..=9999).contains(&year) || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let year_before = year - 1;
    let mut days = year_before * 365 + year_before / 4 - year_before / 100 + year_before / 400;
    const CUMULATIVE: [i64; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    days += CUMULATIVE[(month - 1) as usize];
    if month > 2 && is_leap_year(year) {
        days += 1;
    }
    Some(days + day - 1)
}

/// True for Gregorian leap years.
pub fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Number of days in `month` of `year`.
pub fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Ticks of a date and time of day (UTC), or `None` when out of range.
pub fn datetime_ticks(
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    fraction_ticks: i64,
) -> Option<i64> {
    if !(0..=23).contains(&hour) || !(0..=59).contains(&minute) || !(0..=59).contains(&second) {
        return None;
    }
    let days = days_from_civil(year, month, day)?;
    Some(days * TICKS_PER_DAY + ((hour * 60 + minute) * 60 + second) * TICKS_PER_SECOND + fraction_ticks)
}

/// What a `datetime(…)` body means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatetimeBody {
    Null,
    /// `datetime()` or `datetime(now)`: the query's `now()`.
    Now,
    Ticks(i64),
    /// A time of day without a date (`datetime("8:00:00 AM")`): today at that time.
    TimeOfDay(i64),
}

/// Parses a `datetime(…)` body (the text between the parentheses).
pub fn parse_datetime_body(body: &str) -> Option<DatetimeBody> {
    let mut body = body.trim();
    if body.is_empty() || body == "now" {
        return Some(DatetimeBody::Now);
    }
    if body == "null" {
        return Some(DatetimeBody::Null);
    }
    if body.len() >= 2
        && (body.starts_with('"') && body.ends_with('"') || body.starts_with('\'') && body.ends_with('\''))
    {
        body = &body[1..body.len() - 1];
    }
    if let Some(ticks) = parse_datetime(body) {
        return Some(DatetimeBody::Ticks(ticks));
    }
    parse_time_of_day(body).map(DatetimeBody::TimeOfDay)
}

/// `h:mm[:ss[.f]] [AM|PM]` → ticks since midnight.
pub fn parse_time_of_day(text: &str) -> Option<i64> {
    let text = text.trim();
    let (clock, meridiem) = match text.rsplit_once(' ') {
        Some((clock, meridiem)) if meridiem.eq_ignore_ascii_case("AM") || meridiem.eq_ignore_ascii_case("PM") => {
            (clock.trim(), Some(meridiem.eq_ignore_ascii_case("PM")))
        }
        _ => (text, None),
    };
    let mut parts = clock.split(':');
    let mut hour: i64 = parts.next()?.parse().ok()?;
    let minute: i64 = parts.next()?.parse().ok()?;
    let (second, fraction) = match parts.next() {
        Some(seconds) => parse_seconds(seconds)?,
        None => (0, 0),
    };
    if parts.next().is_some() {
        return None;
    }
    if let Some(pm) = meridiem {
        if !(1..=12).contains(&hour) {
            return None;
        }
        hour = hour % 12 + if pm { 12 } else { 0 };
    }
    if !(0..=23).contains(&hour) || !(0..=59).contains(&minute) || !(0..=59).contains(&second) {
        return None;
    }
    Some(((hour * 60 + minute) * 60 + second) * TICKS_PER_SECOND + fraction)
}

/// Parses the datetime formats Kusto documents for literals and `todatetime()`:
/// ISO 8601 (`2014-05-25T08:20:03.123456Z`, `2014-11-08 15:55`, `2014-11-08`,
/// with `Z` or a `±hh:mm` offset), RFC 822 (`Sat, 8 Nov 14 15:05:02 GMT`),
/// RFC 850 (`Saturday, 08-Nov-14 15:05:02 GMT`), and `M/d/yyyy [h:mm[:ss] [AM|PM]]`.
pub fn parse_datetime(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let first = text.as_bytes()[0];
    if first.is_ascii_digit() {
        if let Some(ticks) = parse_iso_datetime(text) {
            return Some(ticks);
        }
        if let Some(ticks) = parse_us_datetime(text) {
            return Some(ticks);
        }
        if let Some(ticks) = parse_spaced_date(text) {
            return Some(ticks);
        }
        if let Some(ticks) = parse_rfc_datetime(text) {
            return Some(ticks);
        }
        // Kusto (.NET's lenient date parsing) also reads spaces around the
        // date's dashes: the documentation's formatter writes
        // `datetime(2017 - 08 - 01)` and the service returns 2017-08-01.
        if text.contains(" -") || text.contains("- ") {
            return parse_iso_datetime(&squeeze_date_dashes(text));
        }
        return None;
    }
    parse_rfc_datetime(text)
}

/// `2017 - 08 - 01 10:00` → `2017-08-01 10:00`: drops the spaces beside
/// the date's two dashes only.
fn squeeze_date_dashes(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let dash_positions: Vec<usize> =
        chars.iter().enumerate().filter(|(_, c)| **c == '-').map(|(i, _)| i).take(2).collect();
    let beside_dash = |index: usize| {
        dash_positions.iter().any(|&dash| {
            let between = if index < dash { &chars[index..dash] } else { &chars[dash + 1..=index] };
            between.iter().all(|c| *c == ' ')
        })
    };
    chars.iter().enumerate().filter(|(i, c)| **c != ' ' || !beside_dash(*i)).map(|(_, c)| *c).collect()
}

fn parse_fixed_digits(text: &str, count: usize) -> Option<i64> {
    if text.len() < count || !text.as_bytes()[..count].iter().all(u8::is_ascii_digit) {
        return None;
    }
    text[..count].parse().ok()
}

fn parse_iso_datetime(text: &str) -> Option<i64> {
    let year = parse_fixed_digits(text, 4)?;
    let rest = &text[4..];
    let (month, day, rest) = if let Some(rest) = rest.strip_prefix('-') {
        let (month, rest) = parse_one_or_two_digits(rest)?;
        let rest = rest.strip_prefix('-')?;
        let (day, rest) = parse_one_or_two_digits(rest)?;
        (month, day, rest)
    } else {
        // Basic format: yyyyMMdd
        let month = parse_fixed_digits(rest, 2)?;
        let day = parse_fixed_digits(&rest[2..], 2)?;
        (month, day, &rest[4..])
    };
    if rest.is_empty() {
        return datetime_ticks(year, month, day, 0, 0, 0, 0);
    }
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' ')).or_else(|| rest.strip_prefix('t'))?;
    let rest = rest.trim_start();
    let (hour, rest) = parse_one_or_two_digits(rest)?;
    let rest = rest.strip_prefix(':')?;
    let (minute, mut rest) = parse_one_or_two_digits(rest)?;
    let mut second = 0;
    let mut fraction = 0;
    if let Some(after) = rest.strip_prefix(':') {
        let end = after.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(after.len());
        let (seconds, fraction_ticks) = parse_seconds(&after[..end])?;
        second = seconds;
        fraction = fraction_ticks;
        rest = &after[end..];
    }
    let ticks = datetime_ticks(year, month, day, hour, minute, second, fraction)?;
    let offset = parse_zone(rest.trim())?;
    let adjusted = ticks - offset;
    (0..=MAX_DATETIME_TICKS).contains(&adjusted).then_some(adjusted)
}

/// A year-first date whose parts are separated loosely, as .NET's parser
/// accepts them: `2025, 6, 14`, `2017 - 08 - 01`, `2017/8/1`.
fn parse_spaced_date(text: &str) -> Option<i64> {
    let mut parts = text.split([',', '-', '/', '.']).map(str::trim);
    let year = parts.next().filter(|year| year.len() == 4)?.parse().ok()?;
    let month = parts.next().filter(|part| (1..=2).contains(&part.len()))?.parse().ok()?;
    let day = parts.next().filter(|part| (1..=2).contains(&part.len()))?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    datetime_ticks(year, month, day, 0, 0, 0, 0)
}

fn parse_one_or_two_digits(text: &str) -> Option<(i64, &str)> {
    let count = text.bytes().take(2).take_while(u8::is_ascii_digit).count();
    if count == 0 {
        return None;
    }
    Some((text[..count].parse().ok()?, &text[count..]))
}

/// A zone suffix → its offset from UTC in ticks (`Z`, `UTC`, `GMT`, `+01:00`, `-0800`, US zones).
fn parse_zone(text: &str) -> Option<i64> {
    match text {
        "" | "Z" | "z" | "UTC" | "GMT" | "UT" => return Some(0),
        "EST" => return Some(-5 * 3600 * TICKS_PER_SECOND),
        "EDT" => return Some(-4 * 3600 * TICKS_PER_SECOND),
        "CST" => return Some(-6 * 3600 * TICKS_PER_SECOND),
        "CDT" => return Some(-5 * 3600 * TICKS_PER_SECOND),
        "MST" => return Some(-7 * 3600 * TICKS_PER_SECOND),
        "MDT" => return Some(-6 * 3600 * TICKS_PER_SECOND),
        "PST" => return Some(-8 * 3600 * TICKS_PER_SECOND),
        "PDT" => return Some(-7 * 3600 * TICKS_PER_SECOND),
        _ => {}
    }
    let sign = match text.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = text[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 && digits.len() != 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i64 = digits[..2].parse().ok()?;
    let minutes: i64 = if digits.len() == 4 { digits[2..].parse().ok()? } else { 0 };
    if hours > 14 || minutes > 59 {
        return None;
    }
    Some(sign * (hours * 60 + minutes) * 60 * TICKS_PER_SECOND)
}

/// `M/d/yyyy [h:mm[:ss[.f]] [AM|PM]]` (or `M-d-yyyy`), as .NET's invariant culture parses it.
fn parse_us_datetime(text: &str) -> Option<i64> {
    let (date, time) = match text.split_once(' ') {
        Some((date, time)) => (date, time.trim()),
        None => (text, ""),
    };
    // `MM/dd/yyyy`, or with dashes (`01-01-2022`), as .NET's invariant
    // culture reads them.
    let separator = if date.contains('/') { '/' } else { '-' };
    let mut parts = date.split(separator);
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    let year: i64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    if time.is_empty() {
        return datetime_ticks(year, month, day, 0, 0, 0, 0);
    }
    let (clock, meridiem) = match time.rsplit_once(' ') {
        Some((clock, meridiem)) if meridiem.eq_ignore_ascii_case("AM") || meridiem.eq_ignore_ascii_case("PM") => {
            (clock.trim(), Some(meridiem.eq_ignore_ascii_case("PM")))
        }
        _ => (time, None),
    };
    let mut clock_parts = clock.split(':');
    let mut hour: i64 = clock_parts.next()?.parse().ok()?;
    let minute: i64 = clock_parts.next()?.parse().ok()?;
    let (second, fraction) = match clock_parts.next() {
        Some(seconds) => parse_seconds(seconds)?,
        None => (0, 0),
    };
    if let Some(pm) = meridiem {
        if !(1..=12).contains(&hour) {
            return None;
        }
        hour = hour % 12 + if pm { 12 } else { 0 };
    }
    datetime_ticks(year, month, day, hour, minute, second, fraction)
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// RFC 822 (`Sat, 8 Nov 14 15:05:02 GMT`) and RFC 850 (`Saturday, 08-Nov-14 15:05:02 GMT`).
fn parse_rfc_datetime(text: &str) -> Option<i64> {
    let text = match text.split_once(',') {
        Some((weekday, rest)) if weekday.chars().all(|c| c.is_ascii_alphabetic()) => rest.trim(),
        _ => text,
    };
    let mut fields: Vec<&str> = text.split_whitespace().collect();
    if fields.len() == 1 || fields.first().is_some_and(|f| f.contains('-')) {
        // RFC 850: dd-Mon-yy hh:mm:ss zone
        let date: Vec<&str> = fields.first()?.split('-').collect();
        if date.len() != 3 {
            return None;
        }
        let mut expanded = date.clone();
        expanded.extend(fields.drain(1..));
        fields = expanded;
    }
    if fields.len() < 3 {
        return None;
    }
    let day: i64 = fields[0].parse().ok()?;
    let month_name = fields[1].to_ascii_lowercase();
    let month = MONTHS.iter().position(|m| month_name.starts_with(m))? as i64 + 1;
    let mut year: i64 = fields[2].parse().ok()?;
    if fields[2].len() <= 2 {
        year += if year < 50 { 2000 } else { 1900 };
    }
    let (hour, minute, second, fraction) = match fields.get(3) {
        Some(clock) => {
            let mut parts = clock.split(':');
            let hour: i64 = parts.next()?.parse().ok()?;
            let minute: i64 = parts.next()?.parse().ok()?;
            let (second, fraction) = match parts.next() {
                Some(seconds) => parse_seconds(seconds)?,
                None => (0, 0),
            };
            (hour, minute, second, fraction)
        }
        None => (0, 0, 0, 0),
    };
    let offset = match fields.get(4) {
        Some(zone) => parse_zone(zone)?,
        None => 0,
    };
    if fields.len() > 5 {
        return None;
    }
    Some(datetime_ticks(year, month, day, hour, minute, second, fraction)? - offset)
}

/// Parses a GUID in the `8-4-4-4-12` form (optionally in braces) or as 32 hex digits.
pub fn parse_guid(text: &str) -> Option<u128> {
    let text = text.trim();
    let text = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')).unwrap_or(text);
    let hex: String = if text.len() == 36 {
        let bytes = text.as_bytes();
        if bytes[8] != b'-' || bytes[13] != b'-' || bytes[18] != b'-' || bytes[23] != b'-' {
            return None;
        }
        text.chars().filter(|c| *c != '-').collect()
    } else {
        text.to_string()
    };
    if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u128::from_str_radix(&hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_beside_the_date_dashes_are_read() {
        assert_eq!(parse_datetime("2017 - 08 - 01"), parse_datetime("2017-08-01"));
        assert_eq!(parse_datetime("2017 -08- 01 10:30"), parse_datetime("2017-08-01 10:30"));
        assert_eq!(parse_datetime("2017 - 13 - 01"), None);
    }

    fn ticks(year: i64, month: i64, day: i64, hour: i64, minute: i64, second: i64) -> i64 {
        datetime_ticks(year, month, day, hour, minute, second, 0).unwrap()
    }

    #[test]
    fn documented_tick_example() {
        // The docs: 31241376000000000 ticks is 0100-01-01 midnight.
        assert_eq!(ticks(100, 1, 1, 0, 0, 0), 31_241_376_000_000_000);
        assert_eq!(ticks(1970, 1, 1, 0, 0, 0), UNIX_EPOCH_TICKS);
        assert_eq!(datetime_ticks(9999, 12, 31, 23, 59, 59, 9_999_999), Some(MAX_DATETIME_TICKS));
    }

    #[test]
    fn iso_forms() {
        let expected = ticks(2014, 5, 25, 8, 20, 3) + 1_234_560;
        assert_eq!(parse_datetime("2014-05-25T08:20:03.123456Z"), Some(expected));
        assert_eq!(parse_datetime("2014-05-25T08:20:03.123456"), Some(expected));
        assert_eq!(parse_datetime("2014-05-25 08:20"), Some(ticks(2014, 5, 25, 8, 20, 0)));
        assert_eq!(parse_datetime("2014-11-08"), Some(ticks(2014, 11, 8, 0, 0, 0)));
        assert_eq!(parse_datetime("2014-11-08T10:00:00+01:00"), Some(ticks(2014, 11, 8, 9, 0, 0)));
        assert_eq!(parse_datetime("20141108"), Some(ticks(2014, 11, 8, 0, 0, 0)));
        assert_eq!(parse_datetime("2014-02-30"), None);
        assert_eq!(parse_datetime("garbage"), None);
    }

    #[test]
    fn rfc_and_us_forms() {
        assert_eq!(parse_datetime("Sat, 8 Nov 14 15:05:02 GMT"), Some(ticks(2014, 11, 8, 15, 5, 2)));
        assert_eq!(parse_datetime("Saturday, 08-Nov-14 15:05:02 GMT"), Some(ticks(2014, 11, 8, 15, 5, 2)));
        assert_eq!(parse_datetime("8 Nov 14 15:05 EST"), Some(ticks(2014, 11, 8, 20, 5, 0)));
        assert_eq!(parse_datetime("10/27/2020 3:04:05 PM"), Some(ticks(2020, 10, 27, 15, 4, 5)));
        assert_eq!(parse_datetime("01-02-2022"), Some(ticks(2022, 1, 2, 0, 0, 0)));
        assert_eq!(parse_datetime("13-01-2022"), None);
        assert_eq!(parse_datetime("01-02/2022"), None);
    }

    #[test]
    fn year_first_dates_with_loose_separators() {
        assert_eq!(parse_datetime("2025, 6, 14"), Some(ticks(2025, 6, 14, 0, 0, 0)));
        assert_eq!(parse_datetime("2017 - 08 - 01"), Some(ticks(2017, 8, 1, 0, 0, 0)));
        assert_eq!(parse_datetime("2017/8/1"), Some(ticks(2017, 8, 1, 0, 0, 0)));
        assert_eq!(parse_datetime("2017, 13, 1"), None);
        assert_eq!(parse_datetime("2017, 1"), None);
        assert_eq!(parse_datetime("2017, 1, 2, 3"), None);
    }

    #[test]
    fn timespans() {
        assert_eq!(parse_timespan("1.5d"), Some(TICKS_PER_DAY * 3 / 2));
        assert_eq!(parse_timespan("-30m"), Some(-30 * 60 * TICKS_PER_SECOND));
        assert_eq!(parse_timespan("2"), Some(2 * TICKS_PER_DAY));
        assert_eq!(parse_timespan("1.02:03:04.5"), Some(((26 * 60 + 3) * 60 + 4) * TICKS_PER_SECOND + 5_000_000));
        assert_eq!(parse_timespan("00:10:00"), Some(600 * TICKS_PER_SECOND));
        assert_eq!(parse_timespan("100ms"), Some(1_000_000));
        assert_eq!(parse_timespan("1tick"), Some(1));
        assert_eq!(parse_timespan("xyz"), None);
        assert_eq!(parse_timespan_body("null"), Some(None));
    }

    #[test]
    fn strings_decode_every_form() {
        assert_eq!(unescape_string(r#""a\"b\n""#).as_deref(), Some("a\"b\n"));
        assert_eq!(unescape_string(r#"'it\'s'"#).as_deref(), Some("it's"));
        assert_eq!(unescape_string(r#"@"C:\dir\""x""""#).as_deref(), Some(r#"C:\dir\"x""#));
        assert_eq!(unescape_string(r#"h'secret'"#).as_deref(), Some("secret"));
        assert_eq!(unescape_string("```a\nb```").as_deref(), Some("a\nb"));
        assert_eq!(unescape_string(r#""\x41\u00e9\101""#).as_deref(), Some("AéA"));
        assert_eq!(unescape_string(r#""\q""#), None);
    }

    #[test]
    fn guids() {
        assert_eq!(parse_guid("74be27de-1e4e-49d9-b579-fe0b331d3642"), Some(0x74be27de1e4e49d9b579fe0b331d3642));
        assert_eq!(parse_guid("{74be27de-1e4e-49d9-b579-fe0b331d3642}"), Some(0x74be27de1e4e49d9b579fe0b331d3642));
        assert_eq!(parse_guid("1234"), None);
    }
}
