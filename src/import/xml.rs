//! Windows event XML to tables: the `<Event>` elements that `wevtutil qe
//! /f:xml` and Event Viewer's "Save as XML" write (bare or inside
//! `<Events>`), in UTF-8 or UTF-16, become rows of `SecurityEvent`,
//! `WindowsEvent` or `Event`, chosen by the target schema's columns
//! ([`EventShape::of_schema`]).
//!
//! Each `<Event>` is parsed on its own, from its start tag to the next one,
//! so a malformed event is a [`Problem`] on its line and the events after
//! it still import.

use std::borrow::Cow;
use std::sync::Arc;

use crate::analysis::schema::Schemas;
use crate::analysis::types::TableType;
use crate::engine::value::{Dyn, Value};
use crate::import::log_table::{LogTable, Row};
use crate::import::windows_event::{WindowsEventRecord, parse_event};
use crate::import::xml_rows::{add_entry, import_xml_rows};
use crate::import::{Imported, LineCursor, Problem};

/// An event longer than this is skipped: the Windows event log caps an
/// event's data at 64 KB, so anything this large is not an event.
pub const MAX_EVENT_BYTES: usize = 4 << 20;

/// The Log Analytics table whose shape the events take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventShape {
    /// Security log events as the Windows Security Events connector stores them.
    SecurityEvent,
    /// Any event log, as the Azure Monitor Agent's Windows event DCR stores it.
    WindowsEvent,
    /// Any event log, as the legacy Log Analytics agent stored it.
    Event,
}

impl EventShape {
    /// The shape of the target table: the importer is given only its schema,
    /// so the table is known by columns only it has (`EventLog` for `Event`,
    /// `EventSourceName` for `SecurityEvent`). Anything else, and no schema,
    /// is `WindowsEvent`.
    pub fn of_schema(schema: Option<&TableType>) -> EventShape {
        let has = |name: &str| schema.is_some_and(|s| s.column(name).is_some());
        if has("EventLog") && has("Source") {
            EventShape::Event
        } else if has("EventSourceName") {
            EventShape::SecurityEvent
        } else {
            EventShape::WindowsEvent
        }
    }

    fn table_name(self) -> &'static str {
        match self {
            EventShape::SecurityEvent => "SecurityEvent",
            EventShape::WindowsEvent => "WindowsEvent",
            EventShape::Event => "Event",
        }
    }

    /// The columns filled from `<System>` (and the ones kept when empty).
    fn system_columns(self) -> &'static [&'static str] {
        match self {
            EventShape::SecurityEvent => &[
                "TimeGenerated",
                "Computer",
                "EventSourceName",
                "Channel",
                "Task",
                "Level",
                "EventID",
                "Activity",
                "EventData",
            ],
            EventShape::WindowsEvent => &[
                "TimeGenerated",
                "Provider",
                "Channel",
                "Computer",
                "EventID",
                "EventLevel",
                "EventLevelName",
                "Task",
                "Opcode",
                "Keywords",
                "Version",
                "EventRecordId",
                "SystemProcessId",
                "SystemThreadId",
                "Correlation",
                "SystemUserId",
                "TimeCreated",
                "EventData",
            ],
            EventShape::Event => &[
                "TimeGenerated",
                "Source",
                "EventLog",
                "Computer",
                "EventLevel",
                "EventLevelName",
                "EventID",
                "EventCategory",
                "RenderedDescription",
                "EventData",
            ],
        }
    }

    /// Columns kept in the table even when no event fills them.
    fn always(self) -> &'static [&'static str] {
        match self {
            EventShape::SecurityEvent => {
                &["TimeGenerated", "Computer", "EventSourceName", "Channel", "EventID", "Activity", "EventData"]
            }
            EventShape::WindowsEvent => &[
                "TimeGenerated",
                "Provider",
                "Channel",
                "Computer",
                "EventID",
                "EventLevel",
                "EventLevelName",
                "EventData",
            ],
            EventShape::Event => &[
                "TimeGenerated",
                "Source",
                "EventLog",
                "Computer",
                "EventLevel",
                "EventLevelName",
                "EventID",
                "RenderedDescription",
                "EventData",
            ],
        }
    }
}

/// Whether `bytes` look like XML: a UTF-16 byte order mark, or (after a
/// UTF-8 one and blank space) `<?xml`, `<!--` or a start tag, `<` and a
/// name's first letter. A syslog line's `<34>` priority is not a tag.
pub fn looks_like_xml(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return true;
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    match &bytes[start..] {
        [b'<', b'?' | b'!', ..] => true,
        [b'<', first, ..] => first.is_ascii_alphabetic() || *first == b'_' || *first >= 0x80,
        _ => false,
    }
}

/// Reads an XML file: Windows event XML (see [`is_event_xml`]) becomes a
/// table of events shaped by `schema`, any other XML a table of rows
/// ([`import_xml_rows`]).
pub fn import_xml(bytes: &[u8], schema: Option<&TableType>) -> Imported {
    let mut problems = Vec::new();
    let text = decode_text(bytes, &mut problems);
    let mut imported =
        if is_event_xml(&text) { import_windows_xml(&text, schema) } else { import_xml_rows(&text, schema) };
    problems.append(&mut imported.problems);
    imported.problems = problems;
    imported
}

/// Whether the document is Windows event XML: its root element is
/// `<Events>` or `<Event>`.
pub fn is_event_xml(text: &str) -> bool {
    let mut rest = text;
    // Skip the declaration, comments and processing instructions.
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("<?") {
            rest = after.split_once("?>").map_or("", |(_, r)| r);
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.split_once("-->").map_or("", |(_, r)| r);
        } else if rest.starts_with("<!") {
            rest = rest.split_once('>').map_or("", |(_, r)| r);
        } else {
            break;
        }
    }
    let name_end = rest.find(|c: char| c.is_whitespace() || c == '>' || c == '/').unwrap_or(rest.len());
    matches!(&rest[..name_end], "<Events" | "<Event")
}

/// Parses Windows event XML into a table shaped by `schema` (see
/// [`EventShape::of_schema`]); events that cannot be read are problems.
pub fn import_windows_xml(text: &str, schema: Option<&TableType>) -> Imported {
    let mut problems = Vec::new();
    let shape = EventShape::of_schema(schema);
    let table_name = shape.table_name();
    let system = shape.system_columns();
    // `SecurityEvent` has a column for many `Data` names (`TargetUserName`,
    // `LogonType`, ...): every other column of its schema is a candidate.
    let mut names: Vec<&str> = system.to_vec();
    let builtin = Schemas::builtin().table(table_name);
    if shape == EventShape::SecurityEvent {
        let columns = schema.or(builtin.map(|b| b.as_ref())).map(|s| s.columns.as_slice()).unwrap_or_default();
        names.extend(columns.iter().map(|c| c.name.as_str()).filter(|name| !system.contains(name)));
    }
    let mut table = LogTable::new(table_name, &names, shape.always(), schema);
    let starts = event_starts(text);
    let mut lines = LineCursor::new(text);
    if starts.is_empty() && !text.trim().is_empty() {
        problems.push(Problem::skipped(1, "no `<Event>` element in the file"));
    }
    for (index, &start) in starts.iter().enumerate() {
        let end = starts.get(index + 1).copied().unwrap_or(text.len());
        let line = lines.line_of(start);
        if end - start > MAX_EVENT_BYTES {
            problems.push(Problem::skipped(
                line,
                format!("the event is {} bytes long, more than the {MAX_EVENT_BYTES} an event may have", end - start),
            ));
            continue;
        }
        let record = match parse_event(&text[start..end]) {
            Ok(record) => record,
            Err((offset, message)) => {
                let message = format!("{message} (in the event starting on line {line})");
                problems.push(Problem::skipped(lines.line_of(start + offset), message));
                continue;
            }
        };
        let mut row = table.new_row();
        let mut set = |column: &str, value: &str, row: &mut Row| {
            let Some(index) = table.index_of(column) else { return };
            if let Err(message) = table.set_text(row, index, value) {
                problems.push(Problem::kept(line, message));
            }
        };
        fill_row(shape, &record, &mut row, &mut set);
        if shape == EventShape::SecurityEvent {
            for (name, value) in &record.data {
                if !system.contains(&name.as_str()) {
                    set(name, value, &mut row);
                }
            }
            for (column, value) in security_event_columns(&record) {
                set(column, &value, &mut row);
            }
        }
        if shape == EventShape::WindowsEvent
            && let Some(index) = table.index_of("EventData")
        {
            row[index] = Value::Dynamic(data_bag(&record.data));
        }
        table.push(row);
    }
    Imported { table: table.finish(), problems }
}

/// Sets the columns of `shape` that come from `<System>`.
fn fill_row(shape: EventShape, record: &WindowsEventRecord, row: &mut Row, set: &mut impl FnMut(&str, &str, &mut Row)) {
    set("TimeGenerated", &record.system_time, row);
    set("Computer", &record.computer, row);
    set("EventID", &record.event_id, row);
    match shape {
        EventShape::SecurityEvent => {
            set("EventSourceName", &record.provider, row);
            set("Channel", &record.channel, row);
            set("Task", &record.task, row);
            set("Level", &record.level, row);
            set("EventData", &record.data_xml, row);
        }
        EventShape::WindowsEvent => {
            set("Provider", &record.provider, row);
            set("Channel", &record.channel, row);
            set("EventLevel", &record.level, row);
            set("EventLevelName", &level_name(record), row);
            set("Task", &record.task, row);
            set("Opcode", &record.opcode, row);
            set("Keywords", &record.keywords, row);
            set("Version", &record.version, row);
            set("EventRecordId", &record.event_record_id, row);
            set("SystemProcessId", &record.process_id, row);
            set("SystemThreadId", &record.thread_id, row);
            set("Correlation", &record.activity_id, row);
            set("SystemUserId", &record.user_id, row);
            set("TimeCreated", &record.system_time, row);
        }
        EventShape::Event => {
            let source = if record.event_source_name.is_empty() { &record.provider } else { &record.event_source_name };
            set("Source", source, row);
            set("EventLog", &record.channel, row);
            set("EventLevel", &record.level, row);
            set("EventLevelName", &level_name(record), row);
            set("EventCategory", &record.task, row);
            set("RenderedDescription", &record.rendered_message, row);
            set("EventData", &record.data_xml, row);
        }
    }
}

/// The columns the Windows Security Events connector derives from the
/// event: `SubjectAccount` and `TargetAccount` (`DOMAIN\user`, `-\-`
/// when the event has the fields but no value), `Account` (the target
/// account when there is one, else the subject), `AccountType` (`Machine`
/// for names ending in `$`, else `User`) and `Activity` (`4624 - An account
/// was successfully logged on.`), as in Microsoft's SecurityEvent samples.
fn security_event_columns(record: &WindowsEventRecord) -> Vec<(&'static str, String)> {
    let data = |name: &str| record.data.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim());
    let account = |domain: &str, user: &str| match (data(domain), data(user)) {
        (None, None) => None,
        (domain, user) => {
            let part = |v: Option<&str>| v.filter(|v| !v.is_empty()).unwrap_or("-").to_string();
            Some((format!("{}\\{}", part(domain), part(user)), user.unwrap_or("")))
        }
    };
    let subject = account("SubjectDomainName", "SubjectUserName");
    let target = account("TargetDomainName", "TargetUserName");
    let mut columns = Vec::new();
    let chosen = [&target, &subject].into_iter().flatten().find(|(_, user)| !matches!(*user, "" | "-"));
    if let Some((account, user)) = chosen {
        columns.push(("Account", account.clone()));
        columns.push(("AccountType", if user.ends_with('$') { "Machine" } else { "User" }.to_string()));
    }
    if let Some((account, _)) = &subject {
        columns.push(("SubjectAccount", account.clone()));
    }
    if let Some((account, _)) = &target {
        columns.push(("TargetAccount", account.clone()));
    }
    let title = record
        .rendered_message
        .lines()
        .next()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .or_else(|| record.event_id.trim().parse().ok().and_then(security_event_title));
    if let Some(title) = title {
        columns.push(("Activity", format!("{} - {title}", record.event_id.trim())));
    }
    columns
}

/// The titles of common security audit events, as Microsoft's "Security
/// auditing" event reference and the `Activity` column give them.
fn security_event_title(id: u32) -> Option<&'static str> {
    Some(match id {
        1102 => "The audit log was cleared.",
        4608 => "Windows is starting up.",
        4616 => "The system time was changed.",
        4624 => "An account was successfully logged on.",
        4625 => "An account failed to log on.",
        4634 => "An account was logged off.",
        4647 => "User initiated logoff.",
        4648 => "A logon was attempted using explicit credentials.",
        4656 => "A handle to an object was requested.",
        4657 => "A registry value was modified.",
        4660 => "An object was deleted.",
        4661 => "A handle to an object was requested.",
        4662 => "An operation was performed on an object.",
        4663 => "An attempt was made to access an object.",
        4670 => "Permissions on an object were changed.",
        4672 => "Special privileges assigned to new logon.",
        4673 => "A privileged service was called.",
        4674 => "An operation was attempted on a privileged object.",
        4688 => "A new process has been created.",
        4689 => "A process has exited.",
        4697 => "A service was installed in the system.",
        4698 => "A scheduled task was created.",
        4699 => "A scheduled task was deleted.",
        4700 => "A scheduled task was enabled.",
        4701 => "A scheduled task was disabled.",
        4702 => "A scheduled task was updated.",
        4703 => "A token right was adjusted.",
        4719 => "System audit policy was changed.",
        4720 => "A user account was created.",
        4722 => "A user account was enabled.",
        4723 => "An attempt was made to change an account's password.",
        4724 => "An attempt was made to reset an account's password.",
        4725 => "A user account was disabled.",
        4726 => "A user account was deleted.",
        4727 => "A security-enabled global group was created.",
        4728 => "A member was added to a security-enabled global group.",
        4729 => "A member was removed from a security-enabled global group.",
        4730 => "A security-enabled global group was deleted.",
        4731 => "A security-enabled local group was created.",
        4732 => "A member was added to a security-enabled local group.",
        4733 => "A member was removed from a security-enabled local group.",
        4734 => "A security-enabled local group was deleted.",
        4735 => "A security-enabled local group was changed.",
        4737 => "A security-enabled global group was changed.",
        4738 => "A user account was changed.",
        4740 => "A user account was locked out.",
        4741 => "A computer account was created.",
        4742 => "A computer account was changed.",
        4743 => "A computer account was deleted.",
        4754 => "A security-enabled universal group was created.",
        4755 => "A security-enabled universal group was changed.",
        4756 => "A member was added to a security-enabled universal group.",
        4757 => "A member was removed from a security-enabled universal group.",
        4765 => "SID History was added to an account.",
        4767 => "A user account was unlocked.",
        4768 => "A Kerberos authentication ticket (TGT) was requested.",
        4769 => "A Kerberos service ticket was requested.",
        4770 => "A Kerberos service ticket was renewed.",
        4771 => "Kerberos pre-authentication failed.",
        4776 => "The computer attempted to validate the credentials for an account.",
        4778 => "A session was reconnected to a Window Station.",
        4779 => "A session was disconnected from a Window Station.",
        4781 => "The name of an account was changed.",
        4794 => "An attempt was made to set the Directory Services Restore Mode administrator password.",
        4798 => "A user's local group membership was enumerated.",
        4799 => "A security-enabled local group membership was enumerated.",
        4800 => "The workstation was locked.",
        4801 => "The workstation was unlocked.",
        5136 => "A directory service object was modified.",
        5137 => "A directory service object was created.",
        5140 => "A network share object was accessed.",
        5145 => "A network share object was checked to see whether client can be granted desired access.",
        5156 => "The Windows Filtering Platform has permitted a connection.",
        5157 => "The Windows Filtering Platform has blocked a connection.",
        _ => return None,
    })
}

/// The level's name: the rendered one when the file has it, else the
/// standard name of the level number (winmeta.xml: 1 Critical, 2 Error,
/// 3 Warning, 4 Informational, 5 Verbose). Level 0 ("log always", which
/// security audit events use) is shown as "Information" by Event Viewer.
fn level_name(record: &WindowsEventRecord) -> String {
    if !record.rendered_level.is_empty() {
        return record.rendered_level.clone();
    }
    match record.level.trim() {
        "0" | "4" => "Information",
        "1" => "Critical",
        "2" => "Error",
        "3" => "Warning",
        "5" => "Verbose",
        _ => "",
    }
    .to_string()
}

/// `EventData` as `WindowsEvent` stores it: a bag of `Data` name to value;
/// a name that repeats gets an array of its values.
fn data_bag(data: &[(String, String)]) -> Dyn {
    let mut entries: Vec<(Arc<str>, Dyn)> = Vec::new();
    for (name, value) in data {
        add_entry(&mut entries, name, Dyn::str(value));
    }
    Dyn::bag(entries)
}

/// The file as text: UTF-16 with a byte order mark (what PowerShell's `>`
/// writes), else UTF-8 with invalid bytes replaced and reported.
fn decode_text<'a>(bytes: &'a [u8], problems: &mut Vec<Problem>) -> Cow<'a, str> {
    let utf16 = |rest: &[u8], from: fn([u8; 2]) -> u16| {
        let units = rest.chunks_exact(2).map(|pair| from([pair[0], pair[1]]));
        Cow::Owned(char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect())
    };
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, u16::from_be_bytes);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(error) => {
            let line = bytes[..error.valid_up_to()].iter().filter(|b| **b == b'\n').count() as u64 + 1;
            problems.push(Problem::kept(line, "not UTF-8 text: invalid bytes replaced with U+FFFD"));
            String::from_utf8_lossy(bytes)
        }
    }
}

/// The byte offsets of the `<Event>` start tags (not `<Events>` or
/// `<EventData>`): `<Event` then blank space, `>` or `/`.
fn event_starts(text: &str) -> Vec<usize> {
    text.match_indices("<Event")
        .map(|(offset, _)| offset)
        .filter(|offset| {
            matches!(text.as_bytes().get(offset + "<Event".len()), Some(b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/'))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_xml_is_known_by_its_root_element() {
        assert!(is_event_xml("<?xml version=\"1.0\"?>\n<!-- saved -->\n<Events><Event/></Events>"));
        assert!(is_event_xml("  <Event xmlns=\"x\">"));
        assert!(!is_event_xml("<EventLog><Row/></EventLog>"));
        assert!(!is_event_xml("<rows><Event/></rows>"));
        assert!(looks_like_xml(b"\xEF\xBB\xBF  <r/>") && looks_like_xml(b"\xFF\xFE<\0"));
        assert!(!looks_like_xml(b"Jun 30 12:00:00 host sshd: x"));
        assert!(!looks_like_xml(b"<38>Jun 21 11:17:33 host sshd[1]: one"));
    }

    #[test]
    fn a_file_without_events_is_a_problem() {
        let imported = import_xml(b"<Events>\n</Events>", None);
        assert_eq!(imported.table.rows, 0);
        assert_eq!(imported.problems, vec![Problem::skipped(1, "no `<Event>` element in the file")]);
    }

    #[test]
    fn invalid_utf8_is_replaced_and_reported() {
        let xml = b"<Events>\n<Event><System><EventID>4\xFF</EventID></System></Event></Events>";
        let imported = import_xml(xml, None);
        assert_eq!(imported.table.rows, 1);
        assert_eq!(imported.problems[0].line, 2);
        assert!(imported.problems[0].message.contains("not UTF-8"), "{:?}", imported.problems);
    }
}
