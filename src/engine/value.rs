//! Scalar values: one row of one column, and `dynamic` values as a JSON-like
//! tree (property bags, arrays, and the typed scalars Kusto keeps inside them).

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::engine::time;
use crate::syntax::ast::ScalarType;

/// A `dynamic` value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Dyn {
    #[default]
    Null,
    Bool(bool),
    Long(i64),
    Real(f64),
    Decimal(Decimal),
    String(Arc<str>),
    DateTime(i64),
    TimeSpan(i64),
    Guid(u128),
    Array(Arc<Vec<Dyn>>),
    /// A property bag: keys in insertion order, unique.
    Bag(Arc<Vec<(Arc<str>, Dyn)>>),
}

/// An owned scalar value. `Null` is the null of whatever type the column has
/// (a `string` column stores it as the empty string: strings have no null).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i32),
    Long(i64),
    Real(f64),
    Decimal(Decimal),
    String(Arc<str>),
    DateTime(i64),
    TimeSpan(i64),
    Guid(u128),
    Dynamic(Dyn),
}

impl Value {
    /// A string value.
    pub fn str(text: &str) -> Value {
        Value::String(Arc::from(text))
    }

    /// True for the null value (not for the empty string).
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null | Value::Dynamic(Dyn::Null))
    }

    /// The type this value has on its own (`None` for an untyped null).
    pub fn scalar_type(&self) -> Option<ScalarType> {
        Some(match self {
            Value::Null => return None,
            Value::Bool(_) => ScalarType::Bool,
            Value::Int(_) => ScalarType::Int,
            Value::Long(_) => ScalarType::Long,
            Value::Real(_) => ScalarType::Real,
            Value::Decimal(_) => ScalarType::Decimal,
            Value::String(_) => ScalarType::String,
            Value::DateTime(_) => ScalarType::DateTime,
            Value::TimeSpan(_) => ScalarType::TimeSpan,
            Value::Guid(_) => ScalarType::Guid,
            Value::Dynamic(_) => ScalarType::Dynamic,
        })
    }

    /// The value as a `dynamic` (what `pack`, `make_list` and friends store).
    pub fn to_dyn(&self) -> Dyn {
        match self {
            Value::Null => Dyn::Null,
            Value::Bool(b) => Dyn::Bool(*b),
            Value::Int(i) => Dyn::Long(*i as i64),
            Value::Long(i) => Dyn::Long(*i),
            Value::Real(r) => Dyn::Real(*r),
            Value::Decimal(d) => Dyn::Decimal(*d),
            Value::String(s) => Dyn::String(s.clone()),
            Value::DateTime(t) => Dyn::DateTime(*t),
            Value::TimeSpan(t) => Dyn::TimeSpan(*t),
            Value::Guid(g) => Dyn::Guid(*g),
            Value::Dynamic(d) => d.clone(),
        }
    }

    /// A number as `f64`, when the value is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Long(i) => Some(*i as f64),
            Value::Real(r) => Some(*r),
            Value::Decimal(d) => rust_decimal::prelude::ToPrimitive::to_f64(d),
            Value::Dynamic(d) => d.as_f64(),
            _ => None,
        }
    }

    /// An integer as `i64` (reals are truncated), when the value is a number.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i as i64),
            Value::Long(i) => Some(*i),
            Value::Real(r) if r.is_finite() => Some(*r as i64),
            Value::Decimal(d) => rust_decimal::prelude::ToPrimitive::to_i64(&d.trunc()),
            Value::Dynamic(d) => d.as_i64(),
            _ => None,
        }
    }

    /// The value as Kusto's `tostring()` renders it (null gives "").
    pub fn to_kql_string(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Long(i) => i.to_string(),
            Value::Real(r) => format_real(*r),
            Value::Decimal(d) => d.normalize().to_string(),
            Value::String(s) => s.to_string(),
            Value::DateTime(t) => time::format_datetime(*t),
            Value::TimeSpan(t) => time::format_timespan(*t),
            Value::Guid(g) => format_guid(*g),
            Value::Dynamic(d) => d.to_kql_string(),
        }
    }
}

impl Dyn {
    /// A dynamic string.
    pub fn str(text: &str) -> Dyn {
        Dyn::String(Arc::from(text))
    }

    /// A dynamic array.
    pub fn array(items: Vec<Dyn>) -> Dyn {
        Dyn::Array(Arc::new(items))
    }

    /// A property bag; later duplicates of a key replace earlier ones.
    pub fn bag(entries: Vec<(Arc<str>, Dyn)>) -> Dyn {
        let mut unique: Vec<(Arc<str>, Dyn)> = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            match unique.iter_mut().find(|(existing, _)| *existing == key) {
                Some(slot) => slot.1 = value,
                None => unique.push((key, value)),
            }
        }
        Dyn::Bag(Arc::new(unique))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Dyn::Null)
    }

    /// The value of property `key` of a bag.
    pub fn get(&self, key: &str) -> Option<&Dyn> {
        match self {
            Dyn::Bag(entries) => entries.iter().find(|(name, _)| &**name == key).map(|(_, value)| value),
            _ => None,
        }
    }

    /// Element `index` of an array; negative indexes count from the end.
    pub fn at(&self, index: i64) -> Option<&Dyn> {
        match self {
            Dyn::Array(items) => {
                let len = items.len() as i64;
                let index = if index < 0 { len + index } else { index };
                if (0..len).contains(&index) { items.get(index as usize) } else { None }
            }
            _ => None,
        }
    }

    /// What `gettype()` says about this value.
    pub fn type_name(&self) -> &'static str {
        match self {
            Dyn::Null => "null",
            Dyn::Bool(_) => "bool",
            Dyn::Long(_) => "long",
            Dyn::Real(_) => "real",
            Dyn::Decimal(_) => "decimal",
            Dyn::String(_) => "string",
            Dyn::DateTime(_) => "datetime",
            Dyn::TimeSpan(_) => "timespan",
            Dyn::Guid(_) => "guid",
            Dyn::Array(_) => "array",
            Dyn::Bag(_) => "dictionary",
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Dyn::Long(i) => Some(*i as f64),
            Dyn::Real(r) => Some(*r),
            Dyn::Decimal(d) => rust_decimal::prelude::ToPrimitive::to_f64(d),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Dyn::Long(i) => Some(*i),
            Dyn::Real(r) if r.is_finite() => Some(*r as i64),
            _ => None,
        }
    }

    /// The scalar inside a dynamic value, typed (arrays and bags stay dynamic).
    pub fn to_value(&self) -> Value {
        match self {
            Dyn::Null => Value::Null,
            Dyn::Bool(b) => Value::Bool(*b),
            Dyn::Long(i) => Value::Long(*i),
            Dyn::Real(r) => Value::Real(*r),
            Dyn::Decimal(d) => Value::Decimal(*d),
            Dyn::String(s) => Value::String(s.clone()),
            Dyn::DateTime(t) => Value::DateTime(*t),
            Dyn::TimeSpan(t) => Value::TimeSpan(*t),
            Dyn::Guid(g) => Value::Guid(*g),
            Dyn::Array(_) | Dyn::Bag(_) => Value::Dynamic(self.clone()),
        }
    }

    /// `tostring()` of a dynamic: strings bare, everything else as JSON.
    pub fn to_kql_string(&self) -> String {
        self.to_kql_str().into_owned()
    }

    /// [`Dyn::to_kql_string`] without copying a string value.
    pub fn to_kql_str(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Dyn::Null => std::borrow::Cow::Borrowed(""),
            Dyn::String(s) => std::borrow::Cow::Borrowed(s),
            other => std::borrow::Cow::Owned(other.to_json()),
        }
    }

    /// Compact JSON, the way Kusto serialises dynamic values.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Dyn::Null => out.push_str("null"),
            Dyn::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Dyn::Long(i) => {
                let _ = write!(out, "{i}");
            }
            Dyn::Real(r) => {
                if r.is_finite() {
                    out.push_str(&format_real(*r));
                } else {
                    write_json_string(out, &format_real(*r));
                }
            }
            Dyn::Decimal(d) => out.push_str(&d.normalize().to_string()),
            Dyn::String(s) => write_json_string(out, s),
            Dyn::DateTime(t) => write_json_string(out, &time::format_datetime(*t)),
            Dyn::TimeSpan(t) => write_json_string(out, &time::format_timespan(*t)),
            Dyn::Guid(g) => write_json_string(out, &format_guid(*g)),
            Dyn::Array(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            Dyn::Bag(entries) => {
                out.push('{');
                for (index, (key, value)) in entries.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    write_json_string(out, key);
                    out.push(':');
                    value.write_json(out);
                }
                out.push('}');
            }
        }
    }

    /// Converts parsed JSON to a dynamic value (numbers without a fraction
    /// or exponent become `long`, as in Kusto).
    pub fn from_json(json: &serde_json::Value) -> Dyn {
        match json {
            serde_json::Value::Null => Dyn::Null,
            serde_json::Value::Bool(b) => Dyn::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Dyn::Long(i),
                None => Dyn::Real(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Dyn::str(s),
            serde_json::Value::Array(items) => Dyn::array(items.iter().map(Dyn::from_json).collect()),
            serde_json::Value::Object(map) => {
                Dyn::Bag(Arc::new(map.iter().map(|(k, v)| (intern_key(k), Dyn::from_json(v))).collect()))
            }
        }
    }

    /// Parses JSON text the way `parse_json()` does: invalid JSON gives the
    /// text itself as a dynamic string.
    pub fn parse_json(text: &str) -> Dyn {
        match parse_json_text(text) {
            Some(value) => value,
            None => Dyn::str(text),
        }
    }

    /// Structural order used by `sort` and `min`/`max` over dynamic values.
    pub fn compare(&self, other: &Dyn) -> Ordering {
        match (self.as_f64(), other.as_f64()) {
            (Some(a), Some(b)) => a.total_cmp(&b),
            _ => self.to_json().cmp(&other.to_json()),
        }
    }
}

/// A shared copy of a property-bag key: the same keys repeat on every row
/// of a column, so they are stored once per thread (up to a bound).
fn intern_key(key: &str) -> Arc<str> {
    const MAX_KEYS: usize = 16_384;
    const MAX_KEY_LEN: usize = 128;
    thread_local! {
        static KEYS: std::cell::RefCell<std::collections::HashMap<Box<str>, Arc<str>>> =
            std::cell::RefCell::new(std::collections::HashMap::new());
    }
    if key.len() > MAX_KEY_LEN {
        return Arc::from(key);
    }
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if let Some(shared) = keys.get(key) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(key);
        if keys.len() < MAX_KEYS {
            keys.insert(Box::from(key), shared.clone());
        }
        shared
    })
}

/// Parses JSON text (with serde_json, preserving key order) into a dynamic value.
pub fn parse_json_text(text: &str) -> Option<Dyn> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    let mut deserializer = serde_json::Deserializer::from_str(trimmed);
    let value = serde::Deserialize::deserialize(&mut deserializer).ok()?;
    deserializer.end().ok()?;
    Some(value)
}

/// JSON straight into `Dyn` (no intermediate `serde_json::Value`): numbers
/// that fit are `long`, others `real`; a repeated key keeps its first
/// position and its last value.
impl<'de> serde::Deserialize<'de> for Dyn {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Dyn, D::Error> {
        deserializer.deserialize_any(DynVisitor)
    }
}

struct DynVisitor;

impl<'de> serde::de::Visitor<'de> for DynVisitor {
    type Value = Dyn;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Dyn, E> {
        Ok(Dyn::Null)
    }

    fn visit_none<E>(self) -> Result<Dyn, E> {
        Ok(Dyn::Null)
    }

    fn visit_bool<E>(self, value: bool) -> Result<Dyn, E> {
        Ok(Dyn::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Dyn, E> {
        Ok(Dyn::Long(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Dyn, E> {
        Ok(i64::try_from(value).map_or(Dyn::Real(value as f64), Dyn::Long))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Dyn, E> {
        Ok(Dyn::Real(value))
    }

    fn visit_str<E>(self, value: &str) -> Result<Dyn, E> {
        Ok(Dyn::str(value))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Dyn, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element::<Dyn>()? {
            items.push(item);
        }
        Ok(Dyn::array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Dyn, A::Error> {
        let mut entries: Vec<(Arc<str>, Dyn)> = Vec::new();
        let mut index: Option<std::collections::HashMap<Arc<str>, usize>> = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let value = map.next_value::<Dyn>()?;
            let key = intern_key(&key);
            // Small bags are searched; large ones get an index.
            if entries.len() == 32 && index.is_none() {
                index = Some(entries.iter().enumerate().map(|(i, (k, _))| (k.clone(), i)).collect());
            }
            let existing = match &index {
                Some(index) => index.get(&key).copied(),
                None => entries.iter().position(|(k, _)| *k == key),
            };
            match existing {
                Some(position) => entries[position].1 = value,
                None => {
                    if let Some(index) = &mut index {
                        index.insert(key.clone(), entries.len());
                    }
                    entries.push((key, value));
                }
            }
        }
        Ok(Dyn::Bag(Arc::new(entries)))
    }
}

/// Writes `text` as a JSON string literal.
pub fn write_json_string(out: &mut String, text: &str) {
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A real the way Kusto prints it: shortest round-trip digits, `NaN`,
/// `Infinity`, `-Infinity`.
pub fn format_real(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity".to_string() } else { "-Infinity".to_string() };
    }
    if value == value.trunc() && value.abs() < 1e15 {
        return format!("{}", value as i64);
    }
    // .NET's shortest round-trip form, as Kusto prints reals: positional
    // between 1e-5 and 1e15, otherwise `d.dddE-05` / `d.dddE+15` (a sign
    // and at least two exponent digits).
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific.split_once('e').expect("`{:e}` has an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` has a numeric exponent");
    if (-4..15).contains(&exponent) {
        format!("{value}")
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}E{sign}{:02}", exponent.unsigned_abs())
    }
}

/// A guid in its canonical lower-case form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
pub fn format_guid(value: u128) -> String {
    let hex = format!("{value:032x}");
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[cfg(test)]
mod json_tests {
    use super::*;

    #[test]
    fn reals_print_as_dotnet_prints_them() {
        assert_eq!(format_real(0.0011373805443759806), "0.0011373805443759806");
        assert_eq!(format_real(0.0001), "0.0001");
        assert_eq!(format_real(2.20904969985854e-5), "2.20904969985854E-05");
        assert_eq!(format_real(-1e-7), "-1E-07");
        assert_eq!(format_real(1.5e15), "1.5E+15");
        assert_eq!(format_real(1e15), "1E+15");
        assert_eq!(format_real(123456.789), "123456.789");
        assert_eq!(format_real(5.0), "5");
        assert_eq!(format_real(1e300), "1E+300");
        assert_eq!(format_real(f64::NAN), "NaN");
    }

    #[test]
    fn json_text_becomes_the_same_tree_as_through_serde_json_values() {
        for text in [
            r#"{"a":1,"b":[true,null,2.5,"x"],"c":{"d":18446744073709551615},"a":3}"#,
            r#"[1, -2, 3.0e2, "\u00e9", {}]"#,
            r#""just a string""#,
            "null",
        ] {
            let json: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(parse_json_text(text), Some(Dyn::from_json(&json)), "{text}");
        }
        assert_eq!(parse_json_text("{\"a\":1} trailing"), None);
        assert_eq!(Dyn::parse_json("not json"), Dyn::str("not json"));
    }
}
