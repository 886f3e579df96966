//! Syslog text logs to the `Syslog` table: RFC 3164 lines
//! (`[<PRI>]Mmm dd hh:mm:ss HOST TAG[PID]: MSG`, the priority optional as in
//! files rsyslog writes) and RFC 5424 lines
//! (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`). The header parser is
//! shared with CEF, whose lines often carry a syslog header.
//!
//! RFC 3164 timestamps have no year. A line is placed in the current year,
//! or in the previous one when that would put it more than a day in the
//! future (the day allows for senders in time zones ahead of UTC); times
//! without a zone are taken as UTC.

use std::net::IpAddr;

use crate::analysis::types::TableType;
use crate::engine::time::{TICKS_PER_DAY, civil};
use crate::engine::value::Value;
use crate::import::log_lines::split_lines;
use crate::import::log_table::LogTable;
use crate::import::{Imported, Problem};
use crate::syntax::literal::{datetime_ticks, parse_datetime};

/// The `Syslog` columns a line fills, in the schema's order.
const COLUMNS: [&str; 10] = [
    "TimeGenerated",
    "Computer",
    "EventTime",
    "Facility",
    "HostName",
    "SeverityLevel",
    "SyslogMessage",
    "ProcessID",
    "HostIP",
    "ProcessName",
];

/// Parses a syslog file; lines that are not syslog are problems.
pub fn import_syslog(bytes: &[u8], schema: Option<&TableType>, now: i64) -> Imported {
    let mut problems = Vec::new();
    let lines = split_lines(bytes, &mut problems);
    let mut table = LogTable::new("Syslog", &COLUMNS, &COLUMNS, schema);
    let index = |name: &str| table.index_of(name).expect("every Syslog column is in COLUMNS");
    let [time, computer, event_time, facility, host_name, severity, message, process_id, host_ip, process_name] =
        COLUMNS.map(index);
    for (number, line) in lines {
        let header = match parse_header(line, now) {
            Ok(header) => header,
            Err(message) => {
                problems.push(Problem::skipped(number, message));
                continue;
            }
        };
        let mut row = table.new_row();
        if let Some(ticks) = header.time {
            row[time] = Value::DateTime(ticks);
            row[event_time] = Value::DateTime(ticks);
        }
        if let Some(host) = header.host {
            row[computer] = Value::str(host);
            row[host_name] = Value::str(host);
            if host.parse::<IpAddr>().is_ok() {
                row[host_ip] = Value::str(host);
            }
        }
        if let Some(priority) = header.priority {
            row[facility] = Value::str(facility_name(priority >> 3));
            row[severity] = Value::str(severity_name(priority & 7));
        }
        if let Some(app) = header.app {
            row[process_name] = Value::str(app);
        }
        if let Some(pid) = header.process_id
            && let Err(message) = table.set_text(&mut row, process_id, pid)
        {
            problems.push(Problem::kept(number, format!("process id {message}")));
        }
        // RFC 5424 structured data has no column of its own: it stays in
        // front of the message, as written.
        row[message] = Value::str(&match header.structured_data {
            Some(data) if header.message.is_empty() => data.to_string(),
            Some(data) => format!("{data} {}", header.message),
            None => header.message.to_string(),
        });
        table.push(row);
    }
    problems.sort_by_key(|problem| problem.line);
    Imported { table: table.finish(), problems }
}

/// The parts of a syslog line. RFC 5424's MSGID has no `Syslog` column and
/// is not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header<'a> {
    /// `<PRI>`: facility × 8 + severity.
    pub priority: Option<u8>,
    /// The timestamp as datetime ticks (none for RFC 5424's `-`).
    pub time: Option<i64>,
    pub host: Option<&'a str>,
    /// The tag (RFC 3164) or APP-NAME (RFC 5424).
    pub app: Option<&'a str>,
    pub process_id: Option<&'a str>,
    /// RFC 5424 structured data, `[id k="v" ...]...`, as written.
    pub structured_data: Option<&'a str>,
    /// What follows the header.
    pub message: &'a str,
}

/// True when `line` starts with a syslog header.
pub fn looks_like_syslog(line: &str) -> bool {
    // Only the shape matters here: the last day of a leap year as `now`
    // accepts every month and day.
    let now = datetime_ticks(2000, 12, 31, 0, 0, 0, 0).expect("a valid date");
    parse_header(line, now).is_ok()
}

/// Splits a syslog line into its header and message; `now` resolves the
/// year of RFC 3164 timestamps (see the module documentation).
pub fn parse_header(line: &str, now: i64) -> Result<Header<'_>, String> {
    let (priority, rest) = parse_priority(line)?;
    if priority.is_some()
        && let Some((version, after)) = rest.split_once(' ')
        && !version.is_empty()
        && version.len() <= 2
        && version.bytes().all(|b| b.is_ascii_digit())
    {
        return parse_rfc5424(priority, after);
    }
    let (time, rest) = parse_timestamp(rest, now).ok_or_else(|| {
        "not a syslog line: expected `<PRI>` or a timestamp such as `Jan  2 15:04:05` at the start".to_string()
    })?;
    let (host, rest) = next_token(rest);
    if host.is_empty() {
        return Err("the syslog header has no host name after its timestamp".into());
    }
    let (tag, after_tag) = next_token(rest);
    let (app, process_id, message) = match parse_tag(tag) {
        Some((app, process_id)) => (Some(app), process_id, after_tag),
        None => (None, None, rest),
    };
    Ok(Header {
        priority,
        time: Some(time),
        host: Some(host),
        app,
        process_id,
        structured_data: None,
        message: message.trim(),
    })
}

/// Sentinel's name of a syslog facility code.
pub fn facility_name(code: u8) -> &'static str {
    const NAMES: [&str; 24] = [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp", "ntp",
        "audit", "alert", "clock", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ];
    NAMES.get(code as usize).copied().unwrap_or("")
}

/// Sentinel's name of a syslog severity code.
pub fn severity_name(code: u8) -> &'static str {
    const NAMES: [&str; 8] = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];
    NAMES.get(code as usize).copied().unwrap_or("")
}

/// The datetime of a year-less timestamp: in the year of `now`, or the
/// year before when that is more than a day after `now`.
pub fn resolve_year(month: i64, day: i64, hour: i64, minute: i64, second: i64, fraction: i64, now: i64) -> Option<i64> {
    let year = civil(now).year;
    [year, year - 1]
        .into_iter()
        .filter_map(|year| datetime_ticks(year, month, day, hour, minute, second, fraction))
        .find(|ticks| *ticks <= now.saturating_add(TICKS_PER_DAY))
}

/// `<PRI>` at the start of `line`, if any.
fn parse_priority(line: &str) -> Result<(Option<u8>, &str), String> {
    let Some(after) = line.strip_prefix('<') else { return Ok((None, line)) };
    let digits = after.bytes().take_while(u8::is_ascii_digit).count();
    let (number, rest) = after.split_at(digits);
    let Some(rest) = rest.strip_prefix('>') else {
        return Err("a syslog priority must be `<` and 1 to 3 digits and `>`".into());
    };
    match number.parse::<u8>() {
        Ok(priority) if digits <= 3 && priority <= 191 => Ok((Some(priority), rest)),
        _ => Err(format!("the syslog priority `<{number}>` is not between 0 and 191")),
    }
}

/// An RFC 5424 header after `<PRI>VERSION `.
fn parse_rfc5424<'a>(priority: Option<u8>, text: &'a str) -> Result<Header<'a>, String> {
    let mut rest = text;
    let mut fields = [""; 5];
    for (field, name) in fields.iter_mut().zip(["TIMESTAMP", "HOSTNAME", "APP-NAME", "PROCID", "MSGID"]) {
        let (token, after) = next_token(rest);
        if token.is_empty() {
            return Err(format!("the RFC 5424 header has no {name}"));
        }
        *field = token;
        rest = after;
    }
    let [timestamp, host, app, process_id, _message_id] = fields;
    let nil = |token: &'a str| (token != "-").then_some(token);
    let time = match timestamp {
        "-" => None,
        text => Some(parse_datetime(text).ok_or_else(|| format!("the RFC 5424 timestamp `{text}` is not a date"))?),
    };
    let (structured_data, message) = split_structured_data(rest)?;
    let message = message.strip_prefix(' ').unwrap_or(message);
    Ok(Header {
        priority,
        time,
        host: nil(host),
        app: nil(app),
        process_id: nil(process_id),
        structured_data,
        message: message.strip_prefix('\u{FEFF}').unwrap_or(message).trim_end(),
    })
}

/// RFC 5424 STRUCTURED-DATA (`-` or `[...]` elements) and what follows.
fn split_structured_data(text: &str) -> Result<(Option<&str>, &str), String> {
    if let Some(rest) = text.strip_prefix('-') {
        return Ok((None, rest));
    }
    if !text.starts_with('[') {
        return Err("the RFC 5424 header has no structured data (`[...]` or `-`)".into());
    }
    let bytes = text.as_bytes();
    let mut position = 0;
    while bytes.get(position) == Some(&b'[') {
        let mut in_quotes = false;
        let mut escaped = false;
        let mut end = None;
        for (offset, byte) in bytes[position + 1..].iter().enumerate() {
            match byte {
                _ if escaped => escaped = false,
                b'\\' if in_quotes => escaped = true,
                b'"' => in_quotes = !in_quotes,
                b']' if !in_quotes => {
                    end = Some(position + 1 + offset);
                    break;
                }
                _ => {}
            }
        }
        position = end.ok_or("the RFC 5424 structured data has no closing `]`")? + 1;
    }
    Ok((Some(&text[..position]), &text[position..]))
}

/// A timestamp at the start of `text`: `Mmm dd hh:mm:ss` (optionally with a
/// year after the day, and fractional seconds) or an ISO 8601 datetime.
fn parse_timestamp(text: &str, now: i64) -> Option<(i64, &str)> {
    let (first, rest) = next_token(text);
    if first.len() >= 10 && first.as_bytes()[4] == b'-' && first.as_bytes()[..4].iter().all(u8::is_ascii_digit) {
        return parse_datetime(first).map(|ticks| (ticks, rest));
    }
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let month = MONTHS.iter().position(|m| first.eq_ignore_ascii_case(m))? as i64 + 1;
    let (day, rest) = next_token(rest);
    if day.is_empty() || day.len() > 2 {
        return None;
    }
    let day: i64 = day.parse().ok()?;
    let (mut clock, mut rest) = next_token(rest);
    let mut year = None;
    if clock.len() == 4 && clock.bytes().all(|b| b.is_ascii_digit()) {
        year = clock.parse::<i64>().ok();
        (clock, rest) = next_token(rest);
    }
    let (hour, minute, second, fraction) = parse_clock(clock)?;
    let ticks = match year {
        Some(year) => datetime_ticks(year, month, day, hour, minute, second, fraction)?,
        None => resolve_year(month, day, hour, minute, second, fraction, now)?,
    };
    Some((ticks, rest))
}

/// `hh:mm:ss[.fff]`.
fn parse_clock(text: &str) -> Option<(i64, i64, i64, i64)> {
    let (clock, fraction) = text.split_once('.').unwrap_or((text, ""));
    let mut parts = clock.split(':');
    let mut next = || parts.next().filter(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()));
    let (hour, minute, second) = (next()?.parse().ok()?, next()?.parse().ok()?, next()?.parse().ok()?);
    if parts.next().is_some() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Seven digits of fraction are ticks.
    let digits: String = fraction.chars().chain(std::iter::repeat('0')).take(7).collect();
    Some((hour, minute, second, digits.parse().ok()?))
}

/// An RFC 3164 tag: `name:`, `name[pid]:` or `name[pid]` (without the colon,
/// as some relays write it).
fn parse_tag(token: &str) -> Option<(&str, Option<&str>)> {
    let (token, colon) = match token.strip_suffix(':') {
        Some(token) => (token, true),
        None => (token, false),
    };
    let (name, process_id) = match token.strip_suffix(']').and_then(|t| t.split_once('[')) {
        Some((name, process_id)) => (name, Some(process_id)),
        None if colon => (token, None),
        None => return None,
    };
    (!name.is_empty() && !name.contains(['=', '[', ']'])).then_some((name, process_id))
}

/// The text up to the next space, and the rest after the spaces.
fn next_token(text: &str) -> (&str, &str) {
    let text = text.trim_start_matches(' ');
    match text.find(' ') {
        Some(end) => (&text[..end], text[end..].trim_start_matches(' ')),
        None => (text, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::format_datetime;

    /// 2025-06-15T12:00:00Z: tests never read the clock.
    fn now() -> i64 {
        parse_datetime("2025-06-15T12:00:00Z").expect("a date")
    }

    fn when(ticks: Option<i64>) -> String {
        ticks.map(format_datetime).unwrap_or_default()
    }

    #[test]
    fn rfc3164_line_with_tag_and_pid() {
        let header = parse_header("<38>Jun 21 11:17:33 demo-host openvpn[30264]: peer info: IV_TCPNL=1", now())
            .expect("a syslog line");
        assert_eq!(header.priority, Some(38));
        assert_eq!(when(header.time), "2024-06-21T11:17:33.0000000Z");
        assert_eq!(header.host, Some("demo-host"));
        assert_eq!(header.app, Some("openvpn"));
        assert_eq!(header.process_id, Some("30264"));
        assert_eq!(header.message, "peer info: IV_TCPNL=1");
    }

    #[test]
    fn rfc3164_without_priority_or_tag_keeps_the_whole_message() {
        let header = parse_header("Jul 29 06:52:56 Barracuda cat=TR dvc=10.239.0.52", now()).expect("a syslog line");
        assert_eq!(header.priority, None);
        assert_eq!(header.app, None);
        assert_eq!(header.message, "cat=TR dvc=10.239.0.52");
        let header = parse_header("Aug  3 10:49:35 host sshd: x", now()).expect("padded day");
        assert_eq!(when(header.time), "2024-08-03T10:49:35.0000000Z");
    }

    #[test]
    fn year_is_the_current_one_unless_that_is_in_the_future() {
        assert_eq!(when(resolve_year(6, 15, 11, 0, 0, 0, now())), "2025-06-15T11:00:00.0000000Z");
        // Within a day ahead: a sender east of UTC, still this year.
        assert_eq!(when(resolve_year(6, 16, 11, 0, 0, 0, now())), "2025-06-16T11:00:00.0000000Z");
        assert_eq!(when(resolve_year(12, 31, 23, 59, 59, 0, now())), "2024-12-31T23:59:59.0000000Z");
        // 29 February only exists in leap years: 2024 is one.
        assert_eq!(when(resolve_year(2, 29, 0, 0, 0, 0, now())), "2024-02-29T00:00:00.0000000Z");
        let in_2027 = parse_datetime("2027-06-01").expect("a date");
        assert_eq!(resolve_year(2, 29, 0, 0, 0, 0, in_2027), None);
    }

    #[test]
    fn iso_timestamps_and_explicit_years_are_taken_as_written() {
        let header = parse_header("2022-07-25T04:56:13.5-05:00 fw kernel: drop", now()).expect("ISO");
        assert_eq!(when(header.time), "2022-07-25T09:56:13.5000000Z");
        let header = parse_header("<13>Mar  1 2021 10:00:00 fw kernel: drop", now()).expect("with a year");
        assert_eq!(when(header.time), "2021-03-01T10:00:00.0000000Z");
    }

    #[test]
    fn rfc5424_line_with_structured_data() {
        let line = r#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 42 ID47 [exampleSDID@32473 iut="3" eventSource="App\]lication"][x@1 a="b"] An application event"#;
        let header = parse_header(line, now()).expect("RFC 5424");
        assert_eq!(header.priority, Some(165));
        assert_eq!(when(header.time), "2003-10-11T22:14:15.0030000Z");
        assert_eq!(header.host, Some("mymachine.example.com"));
        assert_eq!(header.app, Some("evntslog"));
        assert_eq!(header.process_id, Some("42"));
        assert_eq!(
            header.structured_data,
            Some(r#"[exampleSDID@32473 iut="3" eventSource="App\]lication"][x@1 a="b"]"#)
        );
        assert_eq!(header.message, "An application event");
    }

    #[test]
    fn rfc5424_nil_values_and_bom() {
        let header = parse_header("<34>1 - - su - ID47 - \u{FEFF}'su root' failed", now()).expect("RFC 5424");
        assert_eq!((header.time, header.host, header.process_id), (None, None, None));
        assert_eq!(header.app, Some("su"));
        assert_eq!(header.structured_data, None);
        assert_eq!(header.message, "'su root' failed");
    }

    #[test]
    fn malformed_headers_say_what_is_wrong() {
        let error = |line: &str| parse_header(line, now()).expect_err(line);
        assert!(error("hello world").starts_with("not a syslog line"));
        assert_eq!(error("<999>Jun 21 11:17:33 h t: m"), "the syslog priority `<999>` is not between 0 and 191");
        assert_eq!(error("<13"), "a syslog priority must be `<` and 1 to 3 digits and `>`");
        assert_eq!(error("<13>1 2003-10-11T22:14:15Z host app"), "the RFC 5424 header has no PROCID");
        assert_eq!(error("<13>1 - h a p m [x a=\"b"), "the RFC 5424 structured data has no closing `]`");
        assert_eq!(error("Jun 21 11:17:33"), "the syslog header has no host name after its timestamp");
    }

    #[test]
    fn priority_decodes_to_sentinel_facility_and_severity_names() {
        assert_eq!((facility_name(38 >> 3), severity_name(38 & 7)), ("auth", "info"));
        assert_eq!((facility_name(86 >> 3), severity_name(86 & 7)), ("authpriv", "info"));
        assert_eq!((facility_name(131 >> 3), severity_name(131 & 7)), ("local0", "err"));
        assert_eq!((facility_name(24 >> 3), severity_name(24 & 7)), ("daemon", "emerg"));
        assert_eq!((facility_name(191 >> 3), severity_name(191 & 7)), ("local7", "debug"));
        assert_eq!(severity_name(4), "warning");
    }

    #[test]
    fn import_fills_syslog_columns_and_reports_bad_lines() {
        let text = "<86>Jun 21 11:17:33 10.0.0.5 sshd[77]: Accepted password\nnot syslog at all\n\
                    <13>Jun 21 11:17:34 host app[x]: odd pid\n";
        let imported = import_syslog(text.as_bytes(), None, now());
        assert_eq!(imported.table.rows, 2);
        let row = imported.table.row(0);
        let names: Vec<String> = imported.table.schema().into_iter().map(|(n, _)| n).collect();
        let cell = |name: &str| row[names.iter().position(|n| n == name).expect(name)].to_kql_string();
        assert_eq!(cell("Facility"), "authpriv");
        assert_eq!(cell("SeverityLevel"), "info");
        assert_eq!(cell("HostIP"), "10.0.0.5");
        assert_eq!(cell("ProcessName"), "sshd");
        assert_eq!(cell("ProcessID"), "77");
        assert_eq!(cell("SyslogMessage"), "Accepted password");
        assert_eq!(cell("TimeGenerated"), "2024-06-21T11:17:33.0000000Z");
        assert_eq!(
            imported.problems,
            vec![
                Problem::skipped(
                    2,
                    "not a syslog line: expected `<PRI>` or a timestamp such as `Jan  2 15:04:05` at the start"
                ),
                Problem::kept(3, "process id `x` is not a valid `int`: `ProcessID` left empty"),
            ]
        );
    }
}
