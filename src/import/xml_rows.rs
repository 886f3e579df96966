//! Generic XML to a table: the children of the root element are the rows
//! (`<Rows><Row>…</Row><Row>…</Row></Rows>`). A row's attributes and its
//! text-only child elements are its columns; a child element with
//! children of its own, or a name that repeats within the row, becomes a
//! `dynamic` value (elements to keys, attributes to keys, repeated names to
//! arrays). Column types come from the schema when it knows the column,
//! else they are inferred from all the column's values.
//!
//! XML is read as a stream: a malformed row is a [`Problem`] on the line
//! of the fault, and reading goes on at the next row.

use std::collections::HashSet;
use std::sync::Arc;

use quick_xml::errors::IllFormedError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::analysis::types::TableType;
use crate::engine::column::ColumnBuilder;
use crate::engine::functions::conversion::convert_string;
use crate::engine::table::Table;
use crate::engine::value::{Dyn, Value};
use crate::import::windows_event::resolve_reference;
use crate::import::{Imported, LineCursor, Problem, infer_type};
use crate::syntax::ast::ScalarType;

/// Elements nested deeper than this end the import with a problem: the
/// open elements are kept on a stack, and hostile input must not grow it
/// without bound.
pub const MAX_DEPTH: usize = 64;

/// One value of a row: element text, or a nested structure.
#[derive(Debug, Clone)]
enum Field {
    Text(String),
    Dynamic(Dyn),
}

/// A row: its line and its (column, value) pairs in document order.
type RowFields = (u64, Vec<(String, Field)>);

/// An element being read: its name, attributes, children and text.
#[derive(Debug, Default)]
struct Node {
    /// The local name (without a namespace prefix).
    name: String,
    /// The name as written, which its end tag repeats.
    tag: String,
    /// The byte offset of the start tag, and its line.
    offset: usize,
    line: u64,
    attributes: Vec<(String, String)>,
    children: Vec<Node>,
    text: String,
}

impl Node {
    /// True when the element holds only text (no attributes, no children).
    fn is_text(&self) -> bool {
        self.attributes.is_empty() && self.children.is_empty()
    }

    /// The element as a dynamic value: text alone is a string; otherwise a
    /// bag of attributes and children (repeated names become arrays), with
    /// any text under `#text`.
    fn to_dyn(&self) -> Dyn {
        if self.is_text() {
            return Dyn::str(&self.text);
        }
        let mut entries: Vec<(Arc<str>, Dyn)> = Vec::new();
        for (name, value) in &self.attributes {
            entries.push((Arc::from(name.as_str()), Dyn::str(value)));
        }
        for child in &self.children {
            add_entry(&mut entries, &child.name, child.to_dyn());
        }
        if !self.text.trim().is_empty() {
            entries.push((Arc::from("#text"), Dyn::str(self.text.trim())));
        }
        Dyn::bag(entries)
    }

    /// The row this element stands for: attributes, then child elements.
    fn to_row(&self) -> Vec<(String, Field)> {
        let mut row: Vec<(String, Field)> =
            self.attributes.iter().map(|(name, value)| (name.clone(), Field::Text(value.clone()))).collect();
        for child in &self.children {
            let repeats = self.children.iter().filter(|c| c.name == child.name).count() > 1;
            if repeats {
                if row.iter().any(|(name, _)| *name == child.name) {
                    continue;
                }
                let items = self.children.iter().filter(|c| c.name == child.name).map(Node::to_dyn).collect();
                row.push((child.name.clone(), Field::Dynamic(Dyn::array(items))));
            } else if child.is_text() {
                row.push((child.name.clone(), Field::Text(child.text.trim().to_string())));
            } else {
                row.push((child.name.clone(), Field::Dynamic(child.to_dyn())));
            }
        }
        if row.is_empty() && !self.text.trim().is_empty() {
            row.push((self.name.clone(), Field::Text(self.text.trim().to_string())));
        }
        row
    }
}

/// Adds `value` under `name`, turning a repeated name into an array.
pub(crate) fn add_entry(entries: &mut Vec<(Arc<str>, Dyn)>, name: &str, value: Dyn) {
    match entries.iter_mut().find(|(key, _)| &**key == name) {
        Some((_, Dyn::Array(items))) => Arc::make_mut(items).push(value),
        Some((_, existing)) => {
            let first = std::mem::take(existing);
            *existing = Dyn::array(vec![first, value]);
        }
        None => entries.push((Arc::from(name), value)),
    }
}

/// Reads the rows of an XML document (see the module documentation).
pub fn import_xml_rows(text: &str, schema: Option<&TableType>) -> Imported {
    let mut problems = Vec::new();
    let (rows, root_seen) = read_rows(text, &mut problems);
    if !root_seen && problems.is_empty() {
        problems.push(Problem::skipped(1, "no XML element in the file"));
    }
    let table = build_table(&rows, schema, &mut problems);
    problems.sort_by_key(|problem| problem.line);
    Imported { table, problems }
}

/// The row elements of `text` with their lines; the flag is false when the
/// document has no root element at all. A malformed row is a problem and
/// reading goes on at the next row: the next start tag after the row's own
/// with the name of a row seen so far, as [`crate::import::xml`] goes on at
/// the next `<Event>`.
fn read_rows(text: &str, problems: &mut Vec<Problem>) -> (Vec<RowFields>, bool) {
    // The reader starts again at the next row after a fault; `base` is
    // where the text it reads starts.
    let mut base = 0;
    let mut reader = row_reader(text);
    let mut lines = LineCursor::new(text);
    let mut stack: Vec<Node> = Vec::new();
    let mut rows = Vec::new();
    // The tags of the rows met so far, as written (with any prefix).
    let mut row_tags: HashSet<String> = HashSet::new();
    let mut root_seen = false;
    // A root with no element children is a row of its own.
    let mut root_row: Option<Node> = None;
    loop {
        let position = base + reader.buffer_position() as usize;
        let (at, message) = match reader.read_event() {
            Err(error) => (base + reader.error_position() as usize, format!("malformed XML: {error}")),
            Ok(Event::Start(_) | Event::Empty(_)) if stack.len() >= MAX_DEPTH => {
                (position, format!("elements nested more than {MAX_DEPTH} deep"))
            }
            Ok(Event::Start(start)) => {
                root_seen = true;
                let node = open(&start, position, lines.line_of(position), problems);
                if stack.len() == 1 && !row_tags.contains(&node.tag) {
                    row_tags.insert(node.tag.clone());
                }
                stack.push(node);
                continue;
            }
            Ok(Event::Empty(start)) => {
                root_seen = true;
                let node = open(&start, position, lines.line_of(position), problems);
                if stack.len() == 1 && !row_tags.contains(&node.tag) {
                    row_tags.insert(node.tag.clone());
                }
                close(node, &mut stack, &mut rows, &mut root_row);
                continue;
            }
            // End tags are matched here rather than by quick-xml, whose
            // reader starting again at a row does not know the root is open.
            Ok(Event::End(end)) => {
                let found = end.name().as_ref().to_string();
                match stack.last() {
                    Some(open) if open.tag == found => {
                        let node = stack.pop().expect("the stack has the element just matched");
                        close(node, &mut stack, &mut rows, &mut root_row);
                        continue;
                    }
                    Some(open) => {
                        let expected = open.tag.clone();
                        let error = IllFormedError::MismatchedEndTag { expected, found };
                        (position, format!("malformed XML: {}", quick_xml::Error::IllFormed(error)))
                    }
                    None => {
                        let error = IllFormedError::UnmatchedEndTag(found);
                        (position, format!("malformed XML: {}", quick_xml::Error::IllFormed(error)))
                    }
                }
            }
            Ok(Event::Text(content)) => {
                if let Some(node) = stack.last_mut() {
                    node.text.push_str(&content.xml10_content());
                }
                continue;
            }
            Ok(Event::CData(content)) => {
                if let Some(node) = stack.last_mut() {
                    node.text.push_str(&content.xml10_content());
                }
                continue;
            }
            Ok(Event::GeneralRef(reference)) => {
                match (resolve_reference(&reference), stack.last_mut()) {
                    (Some(resolved), Some(node)) => node.text.push_str(&resolved),
                    (None, _) => problems.push(Problem::kept(
                        lines.line_of(position),
                        format!("unknown entity `&{};` left out", &*reference),
                    )),
                    _ => {}
                }
                continue;
            }
            Ok(Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_)) => continue,
            // An element of a row left open: a fault, as the rows in it may
            // be rows the missing end tag swallowed.
            Ok(Event::Eof) if stack.len() >= 2 => {
                let open = stack.last().expect("the stack holds a row");
                (text.trim_end().len(), format!("malformed XML: `<{}>` is not closed at the end of the file", open.tag))
            }
            Ok(Event::Eof) => {
                if let Some(root) = stack.first() {
                    problems.push(Problem::skipped(
                        root.line,
                        format!(
                            "the `<{}>` element is not closed; the rows in it after the last complete one are left out",
                            root.name
                        ),
                    ));
                }
                break;
            }
        };
        // A fault: leave out the row it is in (or, between rows, the text up
        // to the next row) and read on from the next row.
        let line = lines.line_of(at);
        let row = stack.get(1);
        let next =
            if stack.is_empty() { None } else { next_row_start(text, row.map_or(at, |row| row.offset) + 1, &row_tags) };
        let outcome = match (row, next) {
            (Some(row), next) => format!(
                " (in the `<{}>` row starting on line {}); {}",
                row.name,
                row.line,
                if next.is_some() { "the row is left out" } else { "the rest of the file is left out" }
            ),
            (None, Some(next)) => {
                format!("; the text up to the next row, on line {}, is left out", lines.line_of(next))
            }
            (None, None) => "; the rest of the file is left out".to_string(),
        };
        problems.push(Problem::skipped(line, format!("{message}{outcome}")));
        let Some(next) = next else { break };
        base = next;
        reader = row_reader(&text[next..]);
        stack.truncate(1);
    }
    if rows.is_empty()
        && let Some(root) = root_row
    {
        rows.push((root.line, root.to_row()));
    }
    (rows, root_seen)
}

/// A reader of XML text that leaves matching end tags to the caller.
fn row_reader(text: &str) -> Reader<&[u8]> {
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    reader
}

/// The offset of the first start tag at or after `from` whose name is one
/// of `tags`: `<` and the name, then blank space, `>` or `/`.
fn next_row_start(text: &str, from: usize, tags: &HashSet<String>) -> Option<usize> {
    let bytes = text.as_bytes();
    let longest = tags.iter().map(String::len).max()?;
    memchr::memchr_iter(b'<', bytes.get(from..)?).map(|at| from + at).find(|&at| {
        let name_start = at + 1;
        let window = &bytes[name_start..bytes.len().min(name_start + longest + 1)];
        let name_end = window.iter().position(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/'));
        // The name ends at an ASCII byte, so it is whole characters.
        name_end.is_some_and(|length| text.get(name_start..name_start + length).is_some_and(|n| tags.contains(n)))
    })
}

/// A node for a start tag, with its attributes (namespace declarations
/// left out; a malformed attribute is a problem).
fn open(start: &BytesStart, offset: usize, line: u64, problems: &mut Vec<Problem>) -> Node {
    let mut node = Node {
        name: start.local_name().as_ref().to_string(),
        tag: start.name().as_ref().to_string(),
        offset,
        line,
        ..Node::default()
    };
    for attribute in start.attributes() {
        match attribute {
            Ok(attribute) => {
                let key = attribute.key.as_ref();
                if key == "xmlns" || key.starts_with("xmlns:") {
                    continue;
                }
                let name = attribute.key.local_name().as_ref().to_string();
                let value = attribute
                    .normalized_value(XmlVersion::Implicit1_0)
                    .map(|v| v.into_owned())
                    .unwrap_or_else(|_| attribute.value.to_string());
                node.attributes.push((name, value));
            }
            Err(error) => {
                problems.push(Problem::kept(line, format!("malformed attribute on `<{}>`: {error}", node.name)))
            }
        }
    }
    node
}

/// Places a closed element: a child of the root is a row, deeper ones
/// belong to their parent, and the root itself is kept in case it has no
/// children.
fn close(node: Node, stack: &mut [Node], rows: &mut Vec<RowFields>, root_row: &mut Option<Node>) {
    match stack.len() {
        0 => *root_row = Some(node),
        1 => rows.push((node.line, node.to_row())),
        _ => stack.last_mut().expect("a parent").children.push(node),
    }
}

/// The table of `rows`: columns in first-seen order, typed by the schema
/// or inferred.
fn build_table(rows: &[RowFields], schema: Option<&TableType>, problems: &mut Vec<Problem>) -> Table {
    let mut names: Vec<&str> = Vec::new();
    for (_, row) in rows {
        for (name, _) in row {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
    }
    let mut fields = Vec::new();
    for name in names {
        let cells: Vec<(u64, Option<&Field>)> =
            rows.iter().map(|(line, row)| (*line, row.iter().find(|(n, _)| n == name).map(|(_, f)| f))).collect();
        let nested = cells.iter().any(|(_, f)| matches!(f, Some(Field::Dynamic(_))));
        let declared = schema.and_then(|s| s.column(name)).and_then(|c| c.ty.scalar());
        let ty = declared.unwrap_or_else(|| {
            if nested {
                ScalarType::Dynamic
            } else {
                infer_type(cells.iter().filter_map(|(_, f)| match f {
                    Some(Field::Text(text)) => Some(text.as_str()),
                    _ => None,
                }))
            }
        });
        let mut builder = ColumnBuilder::new(ty, cells.len());
        for (line, cell) in cells {
            let value = match cell {
                None => Value::Null,
                Some(Field::Dynamic(value)) if ty == ScalarType::Dynamic => Value::Dynamic(value.clone()),
                Some(Field::Dynamic(value)) if ty == ScalarType::String => Value::str(&value.to_kql_str()),
                Some(Field::Dynamic(_)) => {
                    problems.push(Problem::kept(
                        line,
                        format!("`{name}` holds nested elements, not a `{}`: left empty", ty.name()),
                    ));
                    Value::Null
                }
                Some(Field::Text(text)) if ty == ScalarType::String => Value::str(text),
                Some(Field::Text(text)) if text.trim().is_empty() => Value::Null,
                Some(Field::Text(text)) => {
                    let value = convert_string(text, ty);
                    if value.is_null() {
                        problems.push(Problem::kept(
                            line,
                            format!("`{text}` is not a valid `{}`: `{name}` left empty", ty.name()),
                        ));
                    }
                    value
                }
            };
            builder.push(&value);
        }
        fields.push((name.to_string(), builder.finish().with_dictionary()));
    }
    Table::new(fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::types::{Column as SchemaColumn, Type};

    #[test]
    fn children_of_the_root_are_rows_with_typed_columns() {
        let xml = r#"<?xml version="1.0"?>
<Alerts>
  <Alert id="1" severity="High"><Time>2024-05-02T08:00:00Z</Time><Host>srv01</Host><Score>7.5</Score></Alert>
  <Alert id="2" severity="Low"><Time>2024-05-02T09:00:00Z</Time><Host>srv&amp;02</Host><Score>3</Score></Alert>
</Alerts>"#;
        let imported = import_xml_rows(xml, None);
        assert!(imported.problems.is_empty(), "{:?}", imported.problems);
        let table = imported.table;
        assert_eq!(
            table.schema(),
            vec![
                ("id".into(), ScalarType::Long),
                ("severity".into(), ScalarType::String),
                ("Time".into(), ScalarType::DateTime),
                ("Host".into(), ScalarType::String),
                ("Score".into(), ScalarType::Real),
            ]
        );
        assert_eq!(table.row(1)[3], Value::str("srv&02"));
    }

    #[test]
    fn nested_and_repeated_elements_become_dynamic() {
        let xml = "<r><row><ip>1.2.3.4</ip><ip>5.6.7.8</ip><user domain=\"C\"><name>al</name></user></row></r>";
        let table = import_xml_rows(xml, None).table;
        assert_eq!(table.row(0)[0].to_kql_string(), r#"["1.2.3.4","5.6.7.8"]"#);
        assert_eq!(table.row(0)[1].to_kql_string(), r#"{"domain":"C","name":"al"}"#);
    }

    #[test]
    fn the_schema_types_known_columns_and_bad_values_are_problems() {
        let schema = TableType::new(vec![SchemaColumn::new("Count".to_string(), Type::Scalar(ScalarType::Int))]);
        let imported = import_xml_rows("<r>\n<x><Count>4</Count></x>\n<x><Count>many</Count></x>\n</r>", Some(&schema));
        assert_eq!(imported.table.schema(), vec![("Count".into(), ScalarType::Int)]);
        assert_eq!(imported.problems, vec![Problem::kept(3, "`many` is not a valid `int`: `Count` left empty")]);
    }

    fn problems(imported: &Imported) -> Vec<(u64, String)> {
        imported.problems.iter().map(|p| (p.line, p.message.clone())).collect()
    }

    fn column(imported: &Imported, name: &str) -> Vec<String> {
        let index = imported.table.index_of(name).expect("the column");
        (0..imported.table.rows).map(|row| imported.table.row(row)[index].to_kql_string()).collect()
    }

    #[test]
    fn a_malformed_row_is_a_problem_and_the_rows_after_it_import() {
        let imported = import_xml_rows("<r>\n<x><a>1</a></x>\n<x><a>2</b></x>\n<x><a>3</a></x>\n</r>", None);
        assert_eq!(column(&imported, "a"), ["1", "3"]);
        assert_eq!(
            problems(&imported),
            vec![(
                3,
                "malformed XML: ill-formed document: expected `</a>`, but `</b>` was found (in the `<x>` row \
                 starting on line 3); the row is left out"
                    .into()
            )]
        );
        assert!(imported.problems.iter().all(|p| p.skipped));
        // A syntax error inside a row, and a broken start tag.
        let xml = "<r>\n<x><a>1</a></x>\n<x><a>2</a><!x></x>\n<x><a b=\"3></a></x>\n<x><a>4</a></x>\n</r>";
        let imported = import_xml_rows(xml, None);
        assert_eq!(column(&imported, "a"), ["1", "4"]);
        let lines: Vec<u64> = imported.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 4], "{:?}", imported.problems);
    }

    #[test]
    fn an_unclosed_row_does_not_swallow_the_next() {
        let imported = import_xml_rows("<r>\n<x><a>1</a>\n<x><a>2</a></x>\n</r>", None);
        assert_eq!(column(&imported, "a"), ["2"]);
        assert_eq!(
            problems(&imported),
            vec![(
                4,
                "malformed XML: ill-formed document: expected `</x>`, but `</r>` was found (in the `<x>` row \
                 starting on line 2); the row is left out"
                    .into()
            )]
        );
        // At the end of the file, the rows inside an unclosed one still import.
        let imported = import_xml_rows("<r>\n<x><a>1</a></x>\n<x><a>2</a>\n<x><a>3</a></x>\n", None);
        assert_eq!(column(&imported, "a"), ["1", "3"]);
        assert_eq!(
            problems(&imported),
            vec![
                (1, "the `<r>` element is not closed; the rows in it after the last complete one are left out".into()),
                (
                    4,
                    "malformed XML: `<x>` is not closed at the end of the file (in the `<x>` row starting on line 3); \
                     the row is left out"
                        .into()
                ),
            ]
        );
    }

    #[test]
    fn a_fault_between_rows_skips_to_the_next_row() {
        let imported = import_xml_rows("<r xmlns:n=\"u\">\n<n:x a=\"1\"/>\n</y>\n<n:x a=\"2\"></n:x>\n</r>", None);
        assert_eq!(column(&imported, "a"), ["1", "2"]);
        assert_eq!(
            problems(&imported),
            vec![(
                3,
                "malformed XML: ill-formed document: expected `</r>`, but `</y>` was found; the text up to the next \
                 row, on line 4, is left out"
                    .into()
            )]
        );
        // With no row after the fault, the problem says the rest is left out.
        let imported = import_xml_rows("<r>\n<x a=\"1\"/>\n<x a=\"2\"></y>\n</r>", None);
        assert_eq!(column(&imported, "a"), ["1"]);
        assert!(imported.problems[0].message.ends_with("the rest of the file is left out"), "{:?}", imported.problems);
    }

    #[test]
    fn deep_nesting_is_a_problem_not_a_stack_overflow() {
        let xml = format!("<r><x>{}</x></r>", "<a>".repeat(100_000));
        let imported = import_xml_rows(&xml, None);
        assert!(imported.problems[0].message.contains("nested more than 64"), "{:?}", imported.problems);
        // The rows after a deep one still import.
        let xml = format!("<r>\n<x>{}</x>\n<x><b>2</b></x></r>", "<a>".repeat(100));
        let imported = import_xml_rows(&xml, None);
        assert_eq!(column(&imported, "b"), ["2"]);
        assert_eq!(imported.problems.len(), 1, "{:?}", imported.problems);
    }

    #[test]
    fn faults_in_rows_nested_in_rows_of_the_same_name_end() {
        let xml = format!("<r>{}</r>", "<x><y>1</z>".repeat(10_000));
        let imported = import_xml_rows(&xml, None);
        assert_eq!(imported.table.rows, 0);
        assert_eq!(imported.problems.len(), 10_000);
    }

    #[test]
    fn a_root_without_children_is_one_row() {
        let table = import_xml_rows(r#"<event id="7" name="x"/>"#, None).table;
        assert_eq!(table.rows, 1);
        assert_eq!(table.row(0), vec![Value::Long(7), Value::str("x")]);
    }
}
