//! `parse_xml`: an XML document as a `dynamic` value, by the documented
//! conversion: `{"root": ...}`; an element without attributes or children is
//! its text (or null when empty); attributes become `"@name"`, text beside
//! attributes or child elements `"#text"`, and repeated names arrays. Only
//! elements, attributes and text (CDATA counts as text) are kept; comments,
//! processing instructions, the declaration and the doctype are skipped.
//! Invalid XML, input over 1 MB and nesting deeper than [`MAX_DEPTH`] give null.

use std::sync::Arc;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

/// The documented input limit (1,048,576 bytes); longer input gives null.
const MAX_INPUT_BYTES: usize = 1_048_576;
/// Elements nested deeper than this give null, so hostile input cannot
/// exhaust memory with an ever-growing stack of open elements.
pub const MAX_DEPTH: usize = 256;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "parse_xml" => parse_xml_kernel,
        _ => return None,
    })
}

fn parse_xml_kernel(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("parse_xml", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        if v[0].is_null() {
            return Ok(Value::Null);
        }
        Ok(parse_xml(&v[0].to_kql_string()).map_or(Value::Null, Value::Dynamic))
    })
}

/// An element being read: its attributes and children (in order, by name)
/// and its text.
struct Element {
    name: String,
    members: Vec<(String, Dyn)>,
    text: String,
    has_children: bool,
}

impl Element {
    fn open(start: &BytesStart) -> Option<Element> {
        let name = start.name().as_ref().to_string();
        let mut members = Vec::new();
        for attribute in start.attributes() {
            let attribute = attribute.ok()?;
            let key: &str = attribute.key.as_ref();
            let value = attribute.normalized_value(XmlVersion::Implicit1_0).ok()?;
            add_member(&mut members, format!("@{key}"), Dyn::str(&value));
        }
        Some(Element { name, members, text: String::new(), has_children: false })
    }

    /// The element's value: null, its text, or a bag of attributes, `#text` and children.
    fn close(mut self) -> (String, Dyn) {
        let text = self.text.trim();
        if self.members.is_empty() {
            let value = if text.is_empty() { Dyn::Null } else { Dyn::str(text) };
            return (self.name, value);
        }
        if !text.is_empty() {
            let at = if self.has_children { 0 } else { self.members.len() };
            let at = self.members.iter().take(at).take_while(|(k, _)| k.starts_with('@')).count();
            self.members.insert(at, ("#text".to_string(), Dyn::str(text)));
        }
        let entries = self.members.into_iter().map(|(k, v)| (Arc::from(k.as_str()), v)).collect();
        (self.name, Dyn::bag(entries))
    }
}

/// Adds `name: value`, turning a repeated name into an array of its values.
fn add_member(members: &mut Vec<(String, Dyn)>, name: String, value: Dyn) {
    match members.iter_mut().find(|(k, _)| *k == name) {
        Some((_, Dyn::Array(items))) => Arc::make_mut(items).push(value),
        Some((_, existing)) => {
            let first = std::mem::take(existing);
            *existing = Dyn::Array(Arc::new(vec![first, value]));
        }
        None => members.push((name, value)),
    }
}

/// Converts an XML document; `None` when it is not well-formed (one root
/// element, matching tags, no text outside the root) or too large or deep.
pub fn parse_xml(xml: &str) -> Option<Dyn> {
    if xml.len() > MAX_INPUT_BYTES {
        return None;
    }
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<(String, Dyn)> = None;
    loop {
        let event = reader.read_event().ok()?;
        match event {
            Event::Start(start) => {
                if root.is_some() || stack.len() >= MAX_DEPTH {
                    return None;
                }
                stack.push(Element::open(&start)?);
            }
            Event::Empty(start) => {
                if root.is_some() {
                    return None;
                }
                let element = Element::open(&start)?.close();
                finish(&mut stack, &mut root, element);
            }
            Event::End(_) => {
                // quick-xml checks that the end tag matches the open one.
                let element = stack.pop()?.close();
                finish(&mut stack, &mut root, element);
            }
            Event::Text(text) => {
                let content = text.xml10_content();
                push_text(&mut stack, &content)?;
            }
            Event::CData(data) => {
                let content = data.to_string();
                push_text(&mut stack, &content)?;
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().ok()? {
                    Some(c) => c.to_string(),
                    None => resolve_predefined_entity(&reference)?.to_string(),
                };
                push_text(&mut stack, &resolved)?;
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return None;
    }
    let (name, value) = root?;
    Some(Dyn::bag(vec![(Arc::from(name.as_str()), value)]))
}

/// Text inside the current element; outside the root only whitespace is allowed.
fn push_text(stack: &mut [Element], text: &str) -> Option<()> {
    match stack.last_mut() {
        Some(element) => element.text.push_str(text),
        None if text.trim().is_empty() => {}
        None => return None,
    }
    Some(())
}

fn finish(stack: &mut [Element], root: &mut Option<(String, Dyn)>, (name, value): (String, Dyn)) {
    match stack.last_mut() {
        Some(parent) => {
            parent.has_children = true;
            add_member(&mut parent.members, name, value);
        }
        None => *root = Some((name, value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(xml: &str) -> String {
        parse_xml(xml).map_or("null".to_string(), |d| d.to_json())
    }

    #[test]
    fn documented_conversions() {
        assert_eq!(json("<e/>"), r#"{"e":null}"#);
        assert_eq!(json("<e>text</e>"), r#"{"e":"text"}"#);
        assert_eq!(json(r#"<e name="value" />"#), r#"{"e":{"@name":"value"}}"#);
        assert_eq!(json(r#"<e name="value">text</e>"#), r##"{"e":{"@name":"value","#text":"text"}}"##);
        assert_eq!(json("<e> <a>text</a> <b>text</b> </e>"), r#"{"e":{"a":"text","b":"text"}}"#);
        assert_eq!(json("<e> <a>text</a> <a>text</a> </e>"), r#"{"e":{"a":["text","text"]}}"#);
        assert_eq!(json("<e> text <a>text</a> </e>"), r##"{"e":{"#text":"text","a":"text"}}"##);
    }

    #[test]
    fn declaration_comments_and_entities() {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- c --><d><v>118.0</v><n>a &amp; &#233;</n></d>";
        assert_eq!(json(xml), r#"{"d":{"v":"118.0","n":"a & é"}}"#);
        assert_eq!(json("<a><![CDATA[<x>]]></a>"), r#"{"a":"<x>"}"#);
        assert_eq!(json("<ü attr='ß'>ñ</ü>"), r##"{"ü":{"@attr":"ß","#text":"ñ"}}"##);
    }

    #[test]
    fn invalid_xml_is_null() {
        for bad in
            ["", "text", "<a>", "<a></b>", "<a/><b/>", "<a>x</a>tail", "</a>", "<a x='1' x='2'/>", "<a>&bogus;</a>"]
        {
            assert_eq!(json(bad), "null", "{bad}");
        }
    }

    #[test]
    fn deep_nesting_is_null_not_a_crash() {
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert_eq!(json(&deep), "null");
        let ok = "<a>".repeat(MAX_DEPTH) + &"</a>".repeat(MAX_DEPTH);
        assert_ne!(json(&ok), "null");
    }
}
