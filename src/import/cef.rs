//! CEF text logs to the `CommonSecurityLog` table:
//! `CEF:Version|Device Vendor|Device Product|Device Version|Device Event Class ID|Name|Severity|Extension`,
//! optionally after a syslog header (which gives `Computer` and
//! `TimeGenerated`), also as `CEF: 0|...` with the space some vendors write.
//!
//! Extension keys map to columns as Microsoft documents them
//! (`articles/sentinel/cef-name-mapping.md`), `csN`/`cnN`/... with their
//! `Label` keys to the `DeviceCustom*` columns; other keys go to
//! `AdditionalExtensions` as `key=value;key=value`. Without a syslog header,
//! `TimeGenerated` comes from `rt` when it is a date or epoch milliseconds.

use crate::analysis::schema::Schemas;
use crate::analysis::types::TableType;
use crate::engine::time::{TICKS_PER_MILLISECOND, UNIX_EPOCH_TICKS};
use crate::engine::value::Value;
use crate::import::log_lines::split_lines;
use crate::import::log_table::LogTable;
use crate::import::syslog::parse_header;
use crate::import::{Imported, Problem};
use crate::syntax::literal::parse_datetime;

/// The columns of the seven header fields (the version has none).
const HEADER_COLUMNS: [&str; 6] =
    ["DeviceVendor", "DeviceProduct", "DeviceVersion", "DeviceEventClassID", "Activity", "LogSeverity"];

/// Columns every CEF table has, even when empty.
const ALWAYS: [&str; 9] = [
    "TimeGenerated",
    "Computer",
    "DeviceVendor",
    "DeviceProduct",
    "DeviceVersion",
    "DeviceEventClassID",
    "Activity",
    "LogSeverity",
    "AdditionalExtensions",
];

/// CEF extension keys and their `CommonSecurityLog` columns, spelt as the
/// table spells them (the mapping page writes a few differently, such as
/// `DestinationMacAddress` for `DestinationMACAddress`).
const KEY_COLUMNS: &[(&str, &str)] = &[
    ("act", "DeviceAction"),
    ("app", "ApplicationProtocol"),
    ("cat", "DeviceEventCategory"),
    ("cnt", "EventCount"),
    ("destinationDnsDomain", "DestinationDnsDomain"),
    ("destinationServiceName", "DestinationServiceName"),
    ("destinationTranslatedAddress", "DestinationTranslatedAddress"),
    ("destinationTranslatedPort", "DestinationTranslatedPort"),
    ("deviceDirection", "CommunicationDirection"),
    ("deviceDnsDomain", "DeviceDnsDomain"),
    ("deviceExternalId", "DeviceExternalID"),
    ("deviceFacility", "DeviceFacility"),
    ("deviceInboundInterface", "DeviceInboundInterface"),
    ("deviceNtDomain", "DeviceNtDomain"),
    ("deviceOutboundInterface", "DeviceOutboundInterface"),
    ("devicePayloadId", "DevicePayloadId"),
    ("deviceProcessName", "ProcessName"),
    ("deviceTranslatedAddress", "DeviceTranslatedAddress"),
    ("dhost", "DestinationHostName"),
    ("dmac", "DestinationMACAddress"),
    ("dntdom", "DestinationNTDomain"),
    ("dpid", "DestinationProcessId"),
    ("dpriv", "DestinationUserPrivileges"),
    ("dproc", "DestinationProcessName"),
    ("dpt", "DestinationPort"),
    ("dst", "DestinationIP"),
    ("dtz", "DeviceTimeZone"),
    ("duid", "DestinationUserID"),
    ("duser", "DestinationUserName"),
    ("dvc", "DeviceAddress"),
    ("dvchost", "DeviceName"),
    ("dvcmac", "DeviceMacAddress"),
    ("dvcpid", "ProcessID"),
    ("externalId", "ExternalID"),
    ("fileCreateTime", "FileCreateTime"),
    ("fileHash", "FileHash"),
    ("fileId", "FileID"),
    ("fileModificationTime", "FileModificationTime"),
    ("filePath", "FilePath"),
    ("filePermission", "FilePermission"),
    ("fileType", "FileType"),
    ("fname", "FileName"),
    ("fsize", "FileSize"),
    ("in", "ReceivedBytes"),
    ("msg", "Message"),
    ("oldFileCreateTime", "OldFileCreateTime"),
    ("oldFileHash", "OldFileHash"),
    ("oldFileId", "OldFileID"),
    ("oldFileModificationTime", "OldFileModificationTime"),
    ("oldFileName", "OldFileName"),
    ("oldFilePath", "OldFilePath"),
    ("oldFilePermission", "OldFilePermission"),
    ("oldFileSize", "OldFileSize"),
    ("oldFileType", "OldFileType"),
    ("out", "SentBytes"),
    ("outcome", "Outcome"),
    ("proto", "Protocol"),
    ("request", "RequestURL"),
    ("requestClientApplication", "RequestClientApplication"),
    ("requestContext", "RequestContext"),
    ("requestCookies", "RequestCookies"),
    ("requestMethod", "RequestMethod"),
    ("rt", "ReceiptTime"),
    ("shost", "SourceHostName"),
    ("smac", "SourceMACAddress"),
    ("sntdom", "SourceNTDomain"),
    ("sourceDnsDomain", "SourceDnsDomain"),
    ("sourceServiceName", "SourceServiceName"),
    ("sourceTranslatedAddress", "SourceTranslatedAddress"),
    ("sourceTranslatedPort", "SourceTranslatedPort"),
    ("spid", "SourceProcessId"),
    ("spriv", "SourceUserPrivileges"),
    ("sproc", "SourceProcessName"),
    ("spt", "SourcePort"),
    ("src", "SourceIP"),
    ("suid", "SourceUserID"),
    ("suser", "SourceUserName"),
    ("type", "EventType"),
    ("c6a1", "DeviceCustomIPv6Address1"),
    ("c6a1Label", "DeviceCustomIPv6Address1Label"),
    ("c6a2", "DeviceCustomIPv6Address2"),
    ("c6a2Label", "DeviceCustomIPv6Address2Label"),
    ("c6a3", "DeviceCustomIPv6Address3"),
    ("c6a3Label", "DeviceCustomIPv6Address3Label"),
    ("c6a4", "DeviceCustomIPv6Address4"),
    ("c6a4Label", "DeviceCustomIPv6Address4Label"),
    ("cfp1", "DeviceCustomFloatingPoint1"),
    ("cfp1Label", "DeviceCustomFloatingPoint1Label"),
    ("cfp2", "DeviceCustomFloatingPoint2"),
    ("cfp2Label", "DeviceCustomFloatingPoint2Label"),
    ("cfp3", "DeviceCustomFloatingPoint3"),
    ("cfp3Label", "DeviceCustomFloatingPoint3Label"),
    ("cfp4", "DeviceCustomFloatingPoint4"),
    ("cfp4Label", "DeviceCustomFloatingPoint4Label"),
    ("cn1", "DeviceCustomNumber1"),
    ("cn1Label", "DeviceCustomNumber1Label"),
    ("cn2", "DeviceCustomNumber2"),
    ("cn2Label", "DeviceCustomNumber2Label"),
    ("cn3", "DeviceCustomNumber3"),
    ("cn3Label", "DeviceCustomNumber3Label"),
    ("cs1", "DeviceCustomString1"),
    ("cs1Label", "DeviceCustomString1Label"),
    ("cs2", "DeviceCustomString2"),
    ("cs2Label", "DeviceCustomString2Label"),
    ("cs3", "DeviceCustomString3"),
    ("cs3Label", "DeviceCustomString3Label"),
    ("cs4", "DeviceCustomString4"),
    ("cs4Label", "DeviceCustomString4Label"),
    ("cs5", "DeviceCustomString5"),
    ("cs5Label", "DeviceCustomString5Label"),
    ("cs6", "DeviceCustomString6"),
    ("cs6Label", "DeviceCustomString6Label"),
    ("deviceCustomDate1", "DeviceCustomDate1"),
    ("deviceCustomDate1Label", "DeviceCustomDate1Label"),
    ("deviceCustomDate2", "DeviceCustomDate2"),
    ("deviceCustomDate2Label", "DeviceCustomDate2Label"),
    ("flexDate1", "FlexDate1"),
    ("flexDate1Label", "FlexDate1Label"),
    ("flexNumber1", "FlexNumber1"),
    ("flexNumber1Label", "FlexNumber1Label"),
    ("flexNumber2", "FlexNumber2"),
    ("flexNumber2Label", "FlexNumber2Label"),
    ("flexString1", "FlexString1"),
    ("flexString1Label", "FlexString1Label"),
    ("flexString2", "FlexString2"),
    ("flexString2Label", "FlexString2Label"),
];

/// Parses a CEF file; lines without a CEF header are problems.
pub fn import_cef(bytes: &[u8], schema: Option<&TableType>, now: i64) -> Imported {
    let mut problems = Vec::new();
    let lines = split_lines(bytes, &mut problems);
    let mut table = LogTable::new("CommonSecurityLog", &column_names(), &ALWAYS, schema);
    let index = |name: &str| table.index_of(name).expect("every CEF column is in column_names()");
    let [time, computer, extensions] = ["TimeGenerated", "Computer", "AdditionalExtensions"].map(index);
    let header_columns = HEADER_COLUMNS.map(index);
    let key_columns: Vec<(&str, usize)> = KEY_COLUMNS.iter().map(|(key, column)| (*key, index(column))).collect();
    for (number, line) in lines {
        let event = match parse_event(line) {
            Ok(event) => event,
            Err(message) => {
                problems.push(Problem::skipped(number, message));
                continue;
            }
        };
        let mut row = table.new_row();
        // A bare `<PRI>` before `CEF:` carries no host or time.
        let bare_priority = event.prefix.trim().strip_prefix('<').and_then(|p| p.strip_suffix('>'));
        if !event.prefix.trim().is_empty() && !bare_priority.is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit())) {
            match parse_header(event.prefix, now) {
                Ok(header) => {
                    row[time] = header.time.map_or(Value::Null, Value::DateTime);
                    row[computer] = header.host.map_or(Value::Null, Value::str);
                }
                Err(reason) => problems.push(Problem::kept(
                    number,
                    format!("the text before `CEF:` is not a syslog header ({reason}): `Computer` and `TimeGenerated` left empty"),
                )),
            }
        }
        for (column, field) in header_columns.iter().zip(&event.header) {
            row[*column] = Value::str(field);
        }
        if let Some(text) = event.unkeyed {
            problems.push(Problem::kept(number, format!("text before the first `key=value` is not kept: `{text}`")));
        }
        let mut additional = String::new();
        let mut seen: Vec<&str> = Vec::new();
        for (key, value) in &event.extension {
            if seen.contains(key) {
                problems
                    .push(Problem::kept(number, format!("key `{key}` appears more than once: the last value is kept")));
            }
            seen.push(key);
            match key_columns.iter().find(|(known, _)| known == key) {
                Some((_, column)) => {
                    if let Err(reason) = table.set_text(&mut row, *column, value) {
                        problems.push(Problem::kept(number, format!("`{key}` {reason}")));
                    }
                }
                None => {
                    if !additional.is_empty() {
                        additional.push(';');
                    }
                    additional.push_str(key);
                    additional.push('=');
                    additional.push_str(value);
                }
            }
        }
        row[extensions] = Value::str(&additional);
        if row[time].is_null()
            && let Some((_, receipt)) = event.extension.iter().rev().find(|(key, _)| *key == "rt")
        {
            row[time] = parse_receipt_time(receipt).map_or(Value::Null, Value::DateTime);
        }
        table.push(row);
    }
    problems.sort_by_key(|problem| problem.line);
    Imported { table: table.finish(), problems }
}

/// One CEF line taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event<'a> {
    /// The text before `CEF:` (a syslog header, or nothing).
    pub prefix: &'a str,
    /// Device Vendor, Device Product, Device Version, Device Event Class
    /// ID, Name and Severity, unescaped.
    pub header: [String; 6],
    /// The extension's `key=value` pairs in order, values unescaped.
    pub extension: Vec<(&'a str, String)>,
    /// Text before the first key, which has nowhere to go.
    pub unkeyed: Option<&'a str>,
}

/// The byte offset of `CEF:` in `line` when a version and `|` follow it.
pub fn find_cef(line: &str) -> Option<usize> {
    line.match_indices("CEF:").map(|(offset, _)| offset).find(|offset| {
        let rest = line[offset + 4..].trim_start_matches(' ');
        let version = rest.bytes().take_while(|b| b.is_ascii_digit() || *b == b'.').count();
        version > 0 && rest[version..].starts_with('|')
    })
}

/// Splits a CEF line into its syslog prefix, header fields and extension.
pub fn parse_event(line: &str) -> Result<Event<'_>, String> {
    let start = find_cef(line).ok_or("no CEF header (`CEF:Version|Device Vendor|...|Severity|Extension`)")?;
    let body = line[start + 4..].trim_start_matches(' ');
    let mut fields: Vec<String> = Vec::with_capacity(7);
    let mut field = String::new();
    let mut chars = body.char_indices();
    let mut extension_start = None;
    while let Some((offset, c)) = chars.next() {
        match c {
            '\\' => match chars.clone().next() {
                Some((_, escaped @ ('|' | '\\'))) => {
                    field.push(escaped);
                    chars.next();
                }
                _ => field.push('\\'),
            },
            '|' => {
                fields.push(std::mem::take(&mut field));
                if fields.len() == 7 {
                    extension_start = Some(offset + 1);
                    break;
                }
            }
            c => field.push(c),
        }
    }
    let Some(extension_start) = extension_start else {
        return Err(format!(
            "the CEF header has {} of its 7 `|`-separated fields (Version to Severity)",
            fields.len() + usize::from(!field.is_empty())
        ));
    };
    let (unkeyed, extension) = parse_extension(&body[extension_start..]);
    let mut header = fields.into_iter().skip(1);
    Ok(Event {
        prefix: &line[..start],
        header: std::array::from_fn(|_| header.next().unwrap_or_default()),
        extension,
        unkeyed,
    })
}

/// `key=value` pairs separated by spaces, where a value runs until the
/// next ` key=` and may hold spaces; also the text before the first key.
fn parse_extension(text: &str) -> (Option<&str>, Vec<(&str, String)>) {
    let bytes = text.as_bytes();
    let is_key_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-';
    // (key start, `=` offset) of every key. A key starts the text or follows
    // a space, so each byte is scanned at most twice.
    let mut keys: Vec<(usize, usize)> = Vec::new();
    for start in 0..bytes.len() {
        if (start == 0 || bytes[start - 1] == b' ') && is_key_byte(bytes[start]) {
            let end = start + bytes[start..].iter().take_while(|b| is_key_byte(**b)).count();
            if bytes.get(end) == Some(&b'=') {
                keys.push((start, end));
            }
        }
    }
    let first = keys.first().map_or(text.len(), |(start, _)| *start);
    let unkeyed = Some(text[..first].trim()).filter(|t| !t.is_empty());
    let pairs = keys
        .iter()
        .enumerate()
        .map(|(index, (start, equals))| {
            let end = keys.get(index + 1).map_or(text.len(), |(next, _)| *next);
            (&text[*start..*equals], unescape_value(text[equals + 1..end].trim()))
        })
        .collect();
    (unkeyed, pairs)
}

/// Undoes the extension escapes `\=`, `\\`, `\n` and `\r`; other
/// backslashes stay as written.
fn unescape_value(text: &str) -> String {
    if !text.contains('\\') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('=') => out.push('='),
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            _ => {
                out.push('\\');
                continue;
            }
        }
        chars.next();
    }
    out
}

/// `rt` as a datetime: epoch milliseconds or a date text.
fn parse_receipt_time(text: &str) -> Option<i64> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let millis: i64 = text.parse().ok()?;
        return millis.checked_mul(TICKS_PER_MILLISECOND)?.checked_add(UNIX_EPOCH_TICKS);
    }
    parse_datetime(text)
}

/// Every column a CEF line can fill, in `CommonSecurityLog`'s order.
fn column_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = ALWAYS.to_vec();
    for (_, column) in KEY_COLUMNS {
        if !names.contains(column) {
            names.push(column);
        }
    }
    if let Some(table) = Schemas::builtin().table("CommonSecurityLog") {
        names.sort_by_key(|name| table.position(name).unwrap_or(usize::MAX));
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::ScalarType;

    fn now() -> i64 {
        parse_datetime("2025-06-15T12:00:00Z").expect("a date")
    }

    fn cell(imported: &Imported, row: usize, name: &str) -> String {
        let index = imported.table.index_of(name).unwrap_or_else(|| panic!("no column {name}"));
        imported.table.row(row)[index].to_kql_string()
    }

    #[test]
    fn header_without_syslog_prefix() {
        let event =
            parse_event("CEF:0|Citrix|NetScaler|NS13.1|APPFW|APPFW_STARTURL|6|src=10.10.10.10 spt=53743").expect("CEF");
        assert_eq!(event.prefix, "");
        assert_eq!(event.header, ["Citrix", "NetScaler", "NS13.1", "APPFW", "APPFW_STARTURL", "6"].map(String::from));
        assert_eq!(event.extension, vec![("src", "10.10.10.10".into()), ("spt", "53743".into())]);
    }

    #[test]
    fn header_after_a_syslog_prefix_with_a_space_after_cef() {
        let line =
            "Aug  3 10:49:35 Barracuda CEF: 0|BarracudaNetworks|WAAS|BNWAS-1.0|WAF|WAF|4| cat=TR dvc=10.239.1.26";
        let event = parse_event(line).expect("CEF");
        assert_eq!(event.prefix, "Aug  3 10:49:35 Barracuda ");
        assert_eq!(event.header[0], "BarracudaNetworks");
        assert_eq!(event.unkeyed, None);
        let imported = import_cef(line.as_bytes(), None, now());
        assert!(imported.problems.is_empty(), "{:?}", imported.problems);
        assert_eq!(cell(&imported, 0, "Computer"), "Barracuda");
        assert_eq!(cell(&imported, 0, "TimeGenerated"), "2024-08-03T10:49:35.0000000Z");
        assert_eq!(cell(&imported, 0, "DeviceEventCategory"), "TR");
        assert_eq!(cell(&imported, 0, "DeviceAddress"), "10.239.1.26");
    }

    #[test]
    fn header_after_a_bare_priority_or_an_rfc5424_header() {
        let imported = import_cef(b"<134>CEF:0|V|P|1|2|N|3|src=1.1.1.1", None, now());
        assert!(imported.problems.is_empty(), "{:?}", imported.problems);
        assert_eq!(cell(&imported, 0, "SourceIP"), "1.1.1.1");
        let line = "<134>1 2022-08-03T10:49:35Z fw01 app - - - CEF:0|V|P|1|2|N|3|src=1.1.1.1";
        let imported = import_cef(line.as_bytes(), None, now());
        assert!(imported.problems.is_empty(), "{:?}", imported.problems);
        assert_eq!(cell(&imported, 0, "Computer"), "fw01");
        assert_eq!(cell(&imported, 0, "TimeGenerated"), "2022-08-03T10:49:35.0000000Z");
    }

    #[test]
    fn header_escapes() {
        let event = parse_event(r"CEF:0|Ven\|dor|Pro\\duct|1.0|100|a \d b|High|").expect("CEF");
        assert_eq!(event.header, ["Ven|dor", r"Pro\duct", "1.0", "100", r"a \d b", "High"].map(String::from));
        assert!(event.extension.is_empty());
    }

    #[test]
    fn extension_escapes_and_values_with_spaces() {
        let event = parse_event(
            r"CEF:0|V|P|1|2|N|3|request=http://x/login?usr\=admin msg=two words\nnext\rline a\\b cs1=C:\\dir\x",
        )
        .expect("CEF");
        assert_eq!(
            event.extension,
            vec![
                ("request", "http://x/login?usr=admin".into()),
                ("msg", "two words\nnext\rline a\\b".into()),
                ("cs1", r"C:\dir\x".into()),
            ]
        );
    }

    #[test]
    fn labels_go_to_their_columns_and_unknown_keys_to_additional_extensions() {
        let line = "CEF:0|V|P|1|2|N|3|cs1Label=appName cs1=My App cn1Label=weight cn1=50 \
                    flexString1Label=Proto flexString1=HTTP/1.1 custom=a b other= cat=attack outcome=302";
        let imported = import_cef(line.as_bytes(), None, now());
        assert!(imported.problems.is_empty(), "{:?}", imported.problems);
        assert_eq!(cell(&imported, 0, "DeviceCustomString1Label"), "appName");
        assert_eq!(cell(&imported, 0, "DeviceCustomString1"), "My App");
        assert_eq!(cell(&imported, 0, "DeviceCustomNumber1Label"), "weight");
        assert_eq!(cell(&imported, 0, "DeviceCustomNumber1"), "50");
        assert_eq!(cell(&imported, 0, "FlexString1"), "HTTP/1.1");
        assert_eq!(cell(&imported, 0, "DeviceEventCategory"), "attack");
        assert_eq!(cell(&imported, 0, "Outcome"), "302");
        assert_eq!(cell(&imported, 0, "AdditionalExtensions"), "custom=a b;other=");
        let types: Vec<(String, ScalarType)> = imported.table.schema();
        assert!(types.contains(&("DeviceCustomNumber1".into(), ScalarType::Int)));
        // Columns no line filled are not in the table.
        assert!(imported.table.index_of("DeviceCustomString2").is_none());
    }

    #[test]
    fn a_non_number_in_an_int_column_is_reported_and_the_row_kept() {
        let imported = import_cef(b"CEF:0|V|P|1|2|N|3|cn3=N/A spt=99 dpt=http", None, now());
        assert_eq!(imported.table.rows, 1);
        assert_eq!(cell(&imported, 0, "SourcePort"), "99");
        assert_eq!(
            imported.problems,
            vec![
                Problem::kept(1, "`cn3` `N/A` is not a valid `int`: `DeviceCustomNumber3` left empty"),
                Problem::kept(1, "`dpt` `http` is not a valid `int`: `DestinationPort` left empty"),
            ]
        );
    }

    #[test]
    fn bad_lines_are_skipped_and_the_rest_imports() {
        let text = "CEF:0|V|P|1|2|N|3|src=1.2.3.4\nnot cef\nCEF:0|V|P|only three\nCEF:0|V|P|1|2|N|3|src=5.6.7.8\n";
        let imported = import_cef(text.as_bytes(), None, now());
        assert_eq!(imported.table.rows, 2);
        assert_eq!(cell(&imported, 1, "SourceIP"), "5.6.7.8");
        assert_eq!(
            imported.problems,
            vec![
                Problem::skipped(2, "no CEF header (`CEF:Version|Device Vendor|...|Severity|Extension`)"),
                Problem::skipped(3, "the CEF header has 4 of its 7 `|`-separated fields (Version to Severity)"),
            ]
        );
    }

    #[test]
    fn unparsable_prefix_unkeyed_text_and_repeated_keys_are_reported() {
        let text = "garbage CEF:0|V|P|1|2|N|3|stray words src=1.1.1.1 src=2.2.2.2";
        let imported = import_cef(text.as_bytes(), None, now());
        assert_eq!(imported.table.rows, 1);
        assert_eq!(cell(&imported, 0, "SourceIP"), "2.2.2.2");
        let messages: Vec<&str> = imported.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].starts_with("the text before `CEF:` is not a syslog header"), "{}", messages[0]);
        assert_eq!(messages[1], "text before the first `key=value` is not kept: `stray words`");
        assert_eq!(messages[2], "key `src` appears more than once: the last value is kept");
    }

    #[test]
    fn time_comes_from_rt_without_a_syslog_header() {
        let imported = import_cef(b"CEF:0|V|P|1|2|N|3|rt=1659523775038", None, now());
        assert_eq!(cell(&imported, 0, "TimeGenerated"), "2022-08-03T10:49:35.0380000Z");
        assert_eq!(cell(&imported, 0, "ReceiptTime"), "1659523775038");
    }

    #[test]
    fn every_mapped_column_is_in_the_schema() {
        let schema = Schemas::builtin().table("CommonSecurityLog").expect("CommonSecurityLog");
        for name in column_names() {
            assert!(schema.column(name).is_some(), "`{name}` is not a CommonSecurityLog column");
        }
    }
}
