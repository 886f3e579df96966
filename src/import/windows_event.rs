//! One Windows event in its XML form (`<Event xmlns=".../win/2004/08/events/event">`
//! with `<System>`, `<EventData>` or `<UserData>`, and optionally
//! `<RenderingInfo>`) read into a [`WindowsEventRecord`] with quick-xml.
//! Nesting is capped at [`MAX_DEPTH`], so hostile input cannot grow the
//! stack of open elements without bound.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// Elements nested deeper than this make the event malformed. Real events
/// nest at most five or six levels (`Event/UserData/X/Y`).
pub const MAX_DEPTH: usize = 64;

/// The namespace of Windows event XML, which Sentinel keeps on the
/// `EventData` element it stores.
pub const EVENT_NAMESPACE: &str = "http://schemas.microsoft.com/win/2004/08/events/event";

/// The fields of one event, as text from the XML (empty when absent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WindowsEventRecord {
    /// `System/Provider@Name`.
    pub provider: String,
    /// `System/Provider@EventSourceName`, which classic event logs add.
    pub event_source_name: String,
    pub event_id: String,
    pub version: String,
    pub level: String,
    pub task: String,
    pub opcode: String,
    pub keywords: String,
    /// `System/TimeCreated@SystemTime`.
    pub system_time: String,
    pub event_record_id: String,
    /// `System/Correlation@ActivityID`.
    pub activity_id: String,
    pub process_id: String,
    pub thread_id: String,
    pub channel: String,
    pub computer: String,
    /// `System/Security@UserID`, a SID.
    pub user_id: String,
    /// `RenderingInfo/Level` and `RenderingInfo/Message`, which Event
    /// Viewer's "Save as XML" may add.
    pub rendered_level: String,
    pub rendered_message: String,
    /// `EventData/Data` as (Name, value), or the leaf elements of
    /// `UserData`'s one child as (element name, value), in file order.
    /// Unnamed `Data` elements are named `Data`.
    pub data: Vec<(String, String)>,
    /// The `EventData` (or `UserData`) element as XML text, with the event
    /// namespace declared on it when it only inherited it.
    pub data_xml: String,
}

/// Where in the event the reader is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    System,
    EventData,
    UserData,
    RenderingInfo,
    Other,
}

/// Reads the first `<Event>` element of `text`. The error is a byte offset
/// into `text` and a message.
pub fn parse_event(text: &str) -> Result<WindowsEventRecord, (usize, String)> {
    let mut reader = Reader::from_str(text);
    let mut record = WindowsEventRecord::default();
    // Local names of the open elements, outermost first.
    let mut path: Vec<String> = Vec::new();
    let mut section = Section::Other;
    let mut current_text = String::new();
    let mut data_name = String::new();
    let mut section_start = 0;
    let mut event_has_namespace = false;
    loop {
        let position = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(error) => return Err((reader.error_position() as usize, format!("malformed XML: {error}"))),
        };
        match event {
            Event::Empty(start) if path.is_empty() => {
                check_root(&start, position)?;
                return Ok(record);
            }
            Event::Start(start) if path.is_empty() => {
                check_root(&start, position)?;
                event_has_namespace = start.attributes().flatten().any(|a| a.key.as_ref() == "xmlns");
                path.push("Event".into());
            }
            Event::Start(start) => {
                if path.len() >= MAX_DEPTH {
                    return Err((position, format!("elements nested more than {MAX_DEPTH} deep")));
                }
                let name = start.local_name().as_ref().to_string();
                if path.len() == 1 {
                    section = section_of(&name);
                    section_start = position;
                }
                open_element(&mut record, section, path.len(), &name, &start, &mut data_name);
                path.push(name);
                current_text.clear();
            }
            Event::Empty(start) => {
                let name = start.local_name().as_ref().to_string();
                if path.len() == 1 {
                    // An empty `<EventData/>`: no data, but still its XML.
                    let section = section_of(&name);
                    if matches!(section, Section::EventData | Section::UserData) {
                        let end = reader.buffer_position() as usize;
                        record.data_xml = section_xml(&text[position..end], &name, event_has_namespace);
                    }
                    continue;
                }
                open_element(&mut record, section, path.len(), &name, &start, &mut data_name);
                close_element(&mut record, section, path.len() + 1, &name, "", &data_name);
                current_text.clear();
            }
            Event::End(_) => {
                // quick-xml checks that the end tag matches the open one.
                let name = path.pop().expect("an end tag has an open element");
                close_element(&mut record, section, path.len() + 1, &name, &current_text, &data_name);
                current_text.clear();
                if path.len() == 1 {
                    if matches!(section, Section::EventData | Section::UserData) {
                        let end = reader.buffer_position() as usize;
                        record.data_xml = section_xml(&text[section_start..end], &name, event_has_namespace);
                    }
                    section = Section::Other;
                }
                if path.is_empty() {
                    return Ok(record);
                }
            }
            Event::Text(content) => current_text.push_str(&content.xml10_content()),
            Event::CData(content) => current_text.push_str(&content.xml10_content()),
            Event::GeneralRef(reference) => match resolve_reference(&reference) {
                Some(resolved) => current_text.push_str(&resolved),
                None => return Err((position, format!("unknown entity `&{};`", &*reference))),
            },
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            Event::Eof => {
                let message =
                    if path.is_empty() { "no `<Event>` element" } else { "the `<Event>` element is not closed" };
                return Err((position, message.into()));
            }
        }
    }
}

/// The text of a character reference (`&#233;`) or one of XML's five
/// predefined entities (`&amp;`); `None` for any other entity.
pub(crate) fn resolve_reference(reference: &BytesRef) -> Option<String> {
    match reference.resolve_char_ref() {
        Ok(Some(c)) => Some(c.to_string()),
        _ => resolve_predefined_entity(reference).map(str::to_string),
    }
}

/// The outermost element must be `<Event>`.
fn check_root(start: &BytesStart, position: usize) -> Result<(), (usize, String)> {
    if start.local_name().as_ref() == "Event" {
        return Ok(());
    }
    Err((position, format!("expected `<Event>`, found `<{}>`", start.name().as_ref())))
}

fn section_of(name: &str) -> Section {
    match name {
        "System" => Section::System,
        "EventData" => Section::EventData,
        "UserData" => Section::UserData,
        "RenderingInfo" => Section::RenderingInfo,
        _ => Section::Other,
    }
}

/// The XML of an `EventData` or `UserData` element, declaring the event
/// namespace on it when it was only inherited from `<Event>`.
fn section_xml(xml: &str, name: &str, event_has_namespace: bool) -> String {
    let tag_end = xml.find('>').unwrap_or(xml.len());
    if !event_has_namespace || xml[..tag_end].contains("xmlns") {
        return xml.to_string();
    }
    let after_name = 1 + name.len();
    format!("{} xmlns=\"{EVENT_NAMESPACE}\"{}", &xml[..after_name], &xml[after_name..])
}

/// The value of attribute `key` (by local name), or empty.
fn attribute(start: &BytesStart, key: &str) -> String {
    start
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == key)
        .and_then(|a| a.normalized_value(XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()))
        .unwrap_or_default()
}

/// Takes the attributes of an element opened at `depth` (its parent's
/// path length).
fn open_element(
    record: &mut WindowsEventRecord,
    section: Section,
    depth: usize,
    name: &str,
    start: &BytesStart,
    data_name: &mut String,
) {
    match (section, depth, name) {
        (Section::System, 2, "Provider") => {
            record.provider = attribute(start, "Name");
            record.event_source_name = attribute(start, "EventSourceName");
        }
        (Section::System, 2, "TimeCreated") => record.system_time = attribute(start, "SystemTime"),
        (Section::System, 2, "Correlation") => record.activity_id = attribute(start, "ActivityID"),
        (Section::System, 2, "Execution") => {
            record.process_id = attribute(start, "ProcessID");
            record.thread_id = attribute(start, "ThreadID");
        }
        (Section::System, 2, "Security") => record.user_id = attribute(start, "UserID"),
        (Section::EventData, 2, "Data") => {
            *data_name = attribute(start, "Name");
            if data_name.is_empty() {
                *data_name = "Data".into();
            }
        }
        _ => {}
    }
}

/// Takes the text of an element closed at `depth` (its own path length).
fn close_element(
    record: &mut WindowsEventRecord,
    section: Section,
    depth: usize,
    name: &str,
    text: &str,
    data_name: &str,
) {
    let field = match (section, depth, name) {
        (Section::System, 3, "EventID") => &mut record.event_id,
        (Section::System, 3, "Version") => &mut record.version,
        (Section::System, 3, "Level") => &mut record.level,
        (Section::System, 3, "Task") => &mut record.task,
        (Section::System, 3, "Opcode") => &mut record.opcode,
        (Section::System, 3, "Keywords") => &mut record.keywords,
        (Section::System, 3, "EventRecordID") => &mut record.event_record_id,
        (Section::System, 3, "Channel") => &mut record.channel,
        (Section::System, 3, "Computer") => &mut record.computer,
        (Section::RenderingInfo, 3, "Level") => &mut record.rendered_level,
        (Section::RenderingInfo, 3, "Message") => &mut record.rendered_message,
        (Section::EventData, 3, "Data") => {
            record.data.push((data_name.to_string(), text.to_string()));
            return;
        }
        // `UserData` holds one element whose children are the fields.
        (Section::UserData, 4, _) => {
            record.data.push((name.to_string(), text.trim().to_string()));
            return;
        }
        _ => return,
    };
    *field = text.trim().to_string();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_fields_and_named_data_are_read() {
        let xml = r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>
  <Provider Name="Service Control Manager" Guid="{555908d1-a6d7-4695-8e1e-26931d2012f4}" EventSourceName="Service Control Manager"/>
  <EventID Qualifiers="16384">7036</EventID><Level>4</Level><Task>0</Task>
  <TimeCreated SystemTime="2024-05-02T08:00:01.1234567Z"/><Correlation/>
  <Execution ProcessID="712" ThreadID="9120"/><Channel>System</Channel><Computer>srv01</Computer><Security/>
</System><EventData><Data Name="param1">Windows Update &amp; more</Data><Data Name="param2"/></EventData></Event>"#;
        let record = parse_event(xml).expect("a valid event");
        assert_eq!(record.provider, "Service Control Manager");
        assert_eq!(record.event_source_name, "Service Control Manager");
        assert_eq!(record.event_id, "7036");
        assert_eq!(record.system_time, "2024-05-02T08:00:01.1234567Z");
        assert_eq!((record.process_id.as_str(), record.thread_id.as_str()), ("712", "9120"));
        assert_eq!(
            record.data,
            vec![("param1".into(), "Windows Update & more".into()), ("param2".into(), String::new())]
        );
        assert_eq!(
            record.data_xml,
            r#"<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><Data Name="param1">Windows Update &amp; more</Data><Data Name="param2"/></EventData>"#
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let mut xml = String::from("<Event><UserData>");
        xml.push_str(&"<a>".repeat(100_000));
        let error = parse_event(&xml).expect_err("too deep");
        assert!(error.1.contains("nested more than 64"), "{error:?}");
    }

    #[test]
    fn an_unclosed_event_is_an_error() {
        let error = parse_event("<Event><System><EventID>1</EventID></System>").expect_err("unclosed");
        assert_eq!(error.1, "the `<Event>` element is not closed");
    }
}
