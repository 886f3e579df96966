//! What the Azure portal writes when Log Analytics results are exported
//! ("Export → CSV (all columns)" or "CSV (displayed columns)") and what the
//! Azure-Sentinel "Sample Data" JSON files copied from it hold: a datetime
//! column is headed `Name [zone]` and its values are written as the portal
//! displays them, `M/D/YYYY, h:mm:ss.fff AM`. The CSV and JSON importers
//! map such a column back to `Name`, typed `datetime`, in UTC.
//!
//! Sources (no Microsoft page describing the export itself was found with
//! the docs and pages searches; these are what the format is based on):
//! - Microsoft's Azure Monitor pages list the exported field as
//!   `TimeGenerated [UTC]`, "time stamp when the log was recorded in UTC"
//!   (the Azure Database for PostgreSQL and MariaDB log pages, found in the
//!   docs corpus), and show result tables headed `TimeGenerated [UTC]`.
//! - An ASIM DNS design note (found in the code corpus) gives an exported
//!   row: header `"TimeGenerated [UTC]",EventCount,…,AdditionalFields,…`,
//!   values `"2/25/2025, 9:19:25.391 AM"` and `"{}"`: a datetime in the
//!   portal's display form, and a `dynamic` value written as its JSON text.
//! - The 139 Azure-Sentinel samples in `shared/corpus/samples` (commit
//!   `b819f673`): 90 of them have `[UTC]` headers; others have the zone the
//!   exporting user displayed, `[Eastern Time (US and Canada)]`,
//!   `[Pacific Time (US and Canada) Tijuana]` or `[Local Time]`; and the
//!   date follows the user's locale, `16/11/2021, 9:07:56.643 pm` (day
//!   first, lowercase `pm`) beside the usual `11/21/2016, 2:42:46.000 AM`.
//!
//! So: the date order is decided per column (day first when a first number
//! is above 12), US zones are converted to UTC with their daylight-saving
//! rules, an IANA zone name is used as it is, and an unknown zone (`Local
//! Time`) is read as UTC and reported.

use chrono::{LocalResult, Offset, TimeZone};
use chrono_tz::Tz;

use crate::engine::time::{TICKS_PER_SECOND, UNIX_EPOCH_TICKS};
use crate::engine::value::Value;
use crate::syntax::literal;

/// `("TimeGenerated", "UTC")` for the header `TimeGenerated [UTC]`.
pub fn split_header(header: &str) -> Option<(&str, &str)> {
    let inner = header.trim().strip_suffix(']')?;
    let (name, zone) = inner.rsplit_once(" [")?;
    let name = name.trim();
    let zone = zone.trim();
    (!name.is_empty() && !zone.is_empty() && !zone.contains('[')).then_some((name, zone))
}

/// The real names of the columns headed `headers`, with the zone of the
/// export datetime columns. `Name [zone]` becomes `Name` unless another
/// header is already `Name`.
pub fn map_headers<S: AsRef<str>>(headers: &[S]) -> Vec<(String, Option<DisplayZone>)> {
    headers
        .iter()
        .map(|header| {
            let header = header.as_ref();
            match split_header(header) {
                Some((name, zone)) if !headers.iter().any(|other| other.as_ref().trim() == name) => {
                    (name.to_string(), Some(DisplayZone::from_label(zone)))
                }
                _ => (header.to_string(), None),
            }
        })
        .collect()
}

/// The time zone named in an export header.
#[derive(Debug, Clone, PartialEq)]
pub enum DisplayZone {
    Utc,
    Zone(Tz),
    /// A zone that cannot be known from its label, such as `Local Time`.
    Unknown(String),
}

impl DisplayZone {
    /// The zone of a header label: `UTC`, a portal display name of a US zone,
    /// or an IANA name.
    pub fn from_label(label: &str) -> DisplayZone {
        let label = label.trim();
        if label.eq_ignore_ascii_case("UTC") || label.eq_ignore_ascii_case("Coordinated Universal Time") {
            return DisplayZone::Utc;
        }
        // The portal's display names, as Windows names the zones; the
        // Pacific one is written `Pacific Time (US and Canada) Tijuana`.
        const US_ZONES: [(&str, Tz); 5] = [
            ("Eastern Time (US and Canada)", Tz::America__New_York),
            ("Central Time (US and Canada)", Tz::America__Chicago),
            ("Mountain Time (US and Canada)", Tz::America__Denver),
            ("Pacific Time (US and Canada)", Tz::America__Los_Angeles),
            ("Alaska", Tz::America__Anchorage),
        ];
        let normalized = label.replace('&', "and");
        if let Some((_, zone)) = US_ZONES.iter().find(|(name, _)| normalized.starts_with(name)) {
            return DisplayZone::Zone(*zone);
        }
        match label.parse::<Tz>() {
            Ok(zone) => DisplayZone::Zone(zone),
            Err(_) => DisplayZone::Unknown(label.to_string()),
        }
    }
}

/// Reads the values of one export datetime column.
#[derive(Debug, Clone)]
pub struct ExportDatetimes {
    zone: DisplayZone,
    day_first: bool,
}

impl ExportDatetimes {
    pub fn new(zone: DisplayZone) -> ExportDatetimes {
        ExportDatetimes { zone, day_first: false }
    }

    /// Takes one value of the column before any is converted: a first
    /// number above 12 means the whole column is written day first.
    pub fn observe(&mut self, text: &str) {
        if !self.day_first && is_day_first(text) {
            self.day_first = true;
        }
    }

    /// The UTC datetime of `text`: null when empty, `None` when it is not a
    /// datetime. ISO 8601 text is read as well.
    pub fn convert(&self, text: &str) -> Option<Value> {
        if crate::import::is_null_text(text) {
            return Some(Value::Null);
        }
        let text = text.trim();
        let local = parse_export_datetime(text, self.day_first).or_else(|| literal::parse_datetime(text))?;
        Some(Value::DateTime(self.to_utc(local)))
    }

    /// Why the column's values may be off, when the zone is unknown.
    pub fn caveat(&self, header: &str) -> Option<String> {
        match &self.zone {
            DisplayZone::Unknown(label) => {
                Some(format!("column `{header}`: the zone `{label}` is unknown, so its times are read as UTC"))
            }
            _ => None,
        }
    }

    fn to_utc(&self, local_ticks: i64) -> i64 {
        let DisplayZone::Zone(zone) = self.zone else { return local_ticks };
        let since_epoch = local_ticks - UNIX_EPOCH_TICKS;
        let seconds = since_epoch.div_euclid(TICKS_PER_SECOND);
        let Some(local) = chrono::DateTime::from_timestamp(seconds, 0).map(|t| t.naive_utc()) else {
            return local_ticks;
        };
        // A time that occurs twice is its first occurrence; one in a gap
        // (clocks going forward) takes the offset before the change.
        let offset = match zone.from_local_datetime(&local) {
            LocalResult::Single(time) | LocalResult::Ambiguous(time, _) => time.offset().fix().local_minus_utc(),
            LocalResult::None => zone.offset_from_utc_datetime(&local).fix().local_minus_utc(),
        };
        local_ticks - i64::from(offset) * TICKS_PER_SECOND
    }
}

/// Wall-clock ticks of `M/D/YYYY, h:mm:ss.fff AM` (`D/M/YYYY` when
/// `day_first`); the meridiem may be lowercase or absent (24-hour locales).
pub fn parse_export_datetime(text: &str, day_first: bool) -> Option<i64> {
    let (date, time) = text.trim().split_once(',')?;
    let mut parts = date.trim().split('/');
    let (first, second, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 {
        return None;
    }
    let (month, day) = if day_first { (second, first) } else { (first, second) };
    literal::parse_datetime(&format!("{month}/{day}/{year} {}", time.trim()))
}

/// Whether an export datetime can only be read day first.
fn is_day_first(text: &str) -> bool {
    let Some((date, _)) = text.trim().split_once(',') else { return false };
    date.split('/').next().and_then(|first| first.trim().parse::<u32>().ok()).is_some_and(|first| first > 12)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::format_datetime;

    fn read(zone: &str, values: &[&str]) -> Vec<String> {
        let mut datetimes = ExportDatetimes::new(DisplayZone::from_label(zone));
        for value in values {
            datetimes.observe(value);
        }
        values
            .iter()
            .map(|value| match datetimes.convert(value) {
                Some(Value::DateTime(ticks)) => format_datetime(ticks),
                Some(other) => other.to_kql_string(),
                None => "invalid".into(),
            })
            .collect()
    }

    #[test]
    fn headers_lose_their_zone_unless_the_name_is_taken() {
        let mapped = map_headers(&["TimeGenerated [UTC]", "Computer", "EventTime [Local Time]", "EventTime", "A [b"]);
        let names: Vec<&str> = mapped.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["TimeGenerated", "Computer", "EventTime [Local Time]", "EventTime", "A [b"]);
        assert_eq!(mapped[0].1, Some(DisplayZone::Utc));
        assert_eq!(split_header("[UTC]"), None);
    }

    #[test]
    fn portal_datetimes_are_read_in_either_order_and_zone() {
        assert_eq!(
            read("UTC", &["7/7/2022, 8:55:10.130 PM", "", "2021-01-02T03:04:05Z", "7/7/2022 8:55 PM", "soon"]),
            [
                "2022-07-07T20:55:10.1300000Z",
                "",
                "2021-01-02T03:04:05.0000000Z",
                "2022-07-07T20:55:00.0000000Z",
                "invalid"
            ]
        );
        // One value with a day above 12 makes the column day first.
        assert_eq!(
            read("UTC", &["1/2/2021, 9:07:56.643 pm", "16/11/2021, 12:00:00.000 am"]),
            ["2021-02-01T21:07:56.6430000Z", "2021-11-16T00:00:00.0000000Z"]
        );
        // Eastern time: UTC-5 in winter, UTC-4 in summer.
        assert_eq!(
            read("Eastern Time (US and Canada)", &["11/20/2020, 10:52:04.808 AM", "7/1/2020, 10:00:00.000 AM"]),
            ["2020-11-20T15:52:04.8080000Z", "2020-07-01T14:00:00.0000000Z"]
        );
        assert_eq!(read("Europe/Paris", &["1/1/2024, 1:00:00.000 AM"]), ["2024-01-01T00:00:00.0000000Z"]);
        let unknown = ExportDatetimes::new(DisplayZone::from_label("Local Time"));
        assert_eq!(
            unknown.caveat("TimeGenerated [Local Time]").as_deref(),
            Some("column `TimeGenerated [Local Time]`: the zone `Local Time` is unknown, so its times are read as UTC")
        );
    }
}
