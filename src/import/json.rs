//! JSON (an array of objects, or one object per line) to a table.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value as Json;
use serde_json::value::RawValue;

use crate::analysis::types::TableType;
use crate::engine::column::ColumnBuilder;
use crate::engine::functions::conversion::{convert, convert_string};
use crate::engine::table::Table;
use crate::engine::value::{Dyn, Value};
use crate::import::csv::unknown_column;
use crate::import::portal_export::{DisplayZone, ExportDatetimes, map_headers};
use crate::import::{ImportError, Imported, Problem, infer_type, is_null_text};
use crate::syntax::ast::ScalarType;

/// Parses JSON or JSON Lines records; columns in order of first appearance.
/// The layouts read:
/// - an array of objects (the Azure-Sentinel "Sample Data" files), or such
///   an array as the only member of an object (`{"value": [...]}`,
///   `{"records": [...]}`), or a single object;
/// - JSON Lines, one object per line;
/// - a Log Analytics query API response (`{"tables": [{"columns", "rows"}]}`,
///   what `kqlab run --format json` prints): its first table, typed by its
///   declared columns.
///
/// A record that is not a JSON object, a JSON Lines line that is not JSON,
/// a query API row that is not one value per column, and a value that is
/// not of its column's schema type are [`Problem`]s;
/// an array that is not valid JSON is an error with its line and column.
/// Keys of a Log Analytics export (`TimeGenerated [UTC]`) are mapped back
/// to their columns (see [`crate::import::portal_export`]).
pub fn import_json<'t>(path: &str, text: &'t str, schema: Option<&TableType>) -> Result<Imported, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let trimmed = text.trim_start();
    let format_error = |e: serde_json::Error| ImportError::Format {
        path: path.to_string(),
        line: e.line() as u64,
        message: format!("not valid JSON: {e}"),
    };
    let mut problems = Vec::new();
    let mut lines = LineCounter::new(text);
    let mut records = Records::default();
    let mut take_items = |items: Vec<&'t RawValue>, problems: &mut Vec<Problem>| {
        for (index, item) in items.into_iter().enumerate() {
            let line = lines.line_of(item.get());
            match serde_json::from_str::<Pairs>(item.get()) {
                Ok(pairs) => records.push(line, pairs),
                _ => problems.push(Problem::skipped(line, format!("record {} is not a JSON object", index + 1))),
            }
        }
    };
    if trimmed.starts_with('[') {
        let items: Vec<&RawValue> = serde_json::from_str(text).map_err(format_error)?;
        take_items(items, &mut problems);
    } else if trimmed.starts_with('{')
        && let Ok(object) = serde_json::from_str::<std::collections::BTreeMap<String, &RawValue>>(text)
    {
        if let Some(tables) = object.get("tables")
            && let Ok(tables) = serde_json::from_str::<Vec<&RawValue>>(tables.get())
        {
            let table = import_api_table(path, text, tables.first().copied(), &mut problems)?;
            return Ok(Imported { table, problems });
        }
        let wrapped = match object.values().collect::<Vec<_>>()[..] {
            [only] => serde_json::from_str::<Vec<&RawValue>>(only.get()).ok(),
            _ => None,
        };
        match wrapped {
            Some(items) => take_items(items, &mut problems),
            None => take_items(vec![serde_json::from_str::<&RawValue>(text).map_err(format_error)?], &mut problems),
        }
    } else {
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let line_number = index as u64 + 1;
            match serde_json::from_str::<Pairs>(line) {
                Ok(pairs) => records.push(line_number, pairs),
                Err(e) if e.classify() == serde_json::error::Category::Data => {
                    problems.push(Problem::skipped(line_number, "not a JSON object"))
                }
                Err(e) => {
                    // serde_json says `at line 1`: the line of the record, not the file.
                    let message = e.to_string();
                    let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(m, _)| m);
                    problems.push(Problem::skipped(
                        line_number,
                        format!("not valid JSON: {message} at column {}", e.column()),
                    ));
                }
            }
        }
    }
    let table = records_to_table(records.finish(), schema, &mut problems);
    problems.sort_by_key(|problem| problem.line);
    Ok(Imported { table, problems })
}

/// One member's value: strings borrowed from the text when they hold no
/// escapes (most do), everything else as a JSON value. Reading millions of
/// string values without a heap allocation each is what makes the import
/// fast: allocating and freeing them dominated its time.
/// Other values are kept small (nested values boxed), since a column holds
/// one per record.
#[derive(Debug, Clone)]
enum Field<'a> {
    Str(Cow<'a, str>),
    Null,
    Bool(bool),
    Int(i64),
    /// Other numbers, objects and arrays.
    Json(Box<Json>),
}

impl Field<'_> {
    fn is_null(&self) -> bool {
        matches!(self, Field::Null)
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Field::Str(text) => Some(text),
            _ => None,
        }
    }

    /// The value as JSON (a string as a JSON string).
    fn json(&self) -> Cow<'_, Json> {
        match self {
            Field::Str(text) => Cow::Owned(Json::String(text.to_string())),
            Field::Null => Cow::Owned(Json::Null),
            Field::Bool(value) => Cow::Owned(Json::Bool(*value)),
            Field::Int(value) => Cow::Owned(Json::from(*value)),
            Field::Json(json) => Cow::Borrowed(json),
        }
    }
}

impl<'de> Deserialize<'de> for Field<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldVisitor;
        impl<'de> Visitor<'de> for FieldVisitor {
            type Value = Field<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Field<'de>, E> {
                Ok(Field::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Field<'de>, E> {
                Ok(Field::Str(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Field<'de>, E> {
                Ok(Field::Str(Cow::Owned(v)))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Field<'de>, E> {
                Ok(Field::Bool(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Field<'de>, E> {
                Ok(Field::Int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Field<'de>, E> {
                Ok(i64::try_from(v).map_or_else(|_| Field::Json(Box::new(Json::from(v))), Field::Int))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Field<'de>, E> {
                Ok(Field::Json(Box::new(Json::from(v))))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Field<'de>, E> {
                Ok(Field::Null)
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Field<'de>, E> {
                Ok(Field::Null)
            }
            fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Field<'de>, M::Error> {
                Json::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|json| Field::Json(Box::new(json)))
            }
            fn visit_seq<S: serde::de::SeqAccess<'de>>(self, seq: S) -> Result<Field<'de>, S::Error> {
                Json::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(|json| Field::Json(Box::new(json)))
            }
        }
        deserializer.deserialize_any(FieldVisitor)
    }
}

/// The members of one JSON object in order, keys borrowed from the text
/// when they hold no escapes. Anything but an object is a data error.
struct Pairs<'a>(Vec<(Cow<'a, str>, Field<'a>)>);

impl<'de> Deserialize<'de> for Pairs<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PairsVisitor;
        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = Pairs<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Pairs<'de>, M::Error> {
                let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some(Key(key)) = map.next_key()? {
                    pairs.push((key, map.next_value::<Field>()?));
                }
                Ok(Pairs(pairs))
            }
        }
        deserializer.deserialize_map(PairsVisitor)
    }
}

/// An object key, borrowed from the text when possible.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Records gathered column by column: each record's values move into their
/// columns as it is read, so a key is stored once, not once per record.
#[derive(Default)]
struct Records<'a> {
    /// The line of each record.
    lines: Vec<u64>,
    /// Keys in order of first appearance, with the line where each first appears.
    keys: Vec<(String, u64)>,
    index: HashMap<String, usize>,
    /// The values of each key, one per record up to the last that has it.
    columns: Vec<Vec<Option<Field<'a>>>>,
}

/// [`Records`] with every column as long as the record count.
struct RecordColumns<'a> {
    lines: Vec<u64>,
    keys: Vec<(String, u64)>,
    columns: Vec<Vec<Option<Field<'a>>>>,
}

impl<'a> Records<'a> {
    fn push(&mut self, line: u64, pairs: Pairs<'a>) {
        let row = self.lines.len();
        self.lines.push(line);
        for (key, value) in pairs.0 {
            let column = match self.index.get(key.as_ref()) {
                Some(&column) => column,
                None => {
                    self.index.insert(key.to_string(), self.columns.len());
                    self.keys.push((key.into_owned(), line));
                    self.columns.push(Vec::new());
                    self.columns.len() - 1
                }
            };
            let values = &mut self.columns[column];
            if values.len() < row {
                values.resize(row, None);
            }
            // A key repeated within one object: the last value wins.
            if values.len() == row {
                values.push(Some(value));
            } else {
                values[row] = Some(value);
            }
        }
    }

    fn finish(mut self) -> RecordColumns<'a> {
        let rows = self.lines.len();
        for values in &mut self.columns {
            values.resize(rows, None);
        }
        RecordColumns { lines: self.lines, keys: self.keys, columns: self.columns }
    }
}

/// Typed columns from JSON records, in order of first appearance.
fn records_to_table(records: RecordColumns<'_>, schema: Option<&TableType>, problems: &mut Vec<Problem>) -> Table {
    let keys: Vec<&str> = records.keys.iter().map(|(key, _)| key.as_str()).collect();
    let first_lines = records.keys.iter().map(|(_, line)| *line);
    let mapped = map_headers(&keys);
    let mut columns = Vec::new();
    for (((key, (name, zone)), first_line), column) in keys.iter().zip(mapped).zip(first_lines).zip(&records.columns) {
        let values: Vec<(u64, Option<&Field>)> =
            records.lines.iter().zip(column).map(|(line, value)| (*line, value.as_ref())).collect();
        let known = schema.and_then(|s| s.column(&name)).and_then(|c| c.ty.scalar());
        // `datetime` columns of the schema may hold the portal's form too.
        let zone = zone.or_else(|| (known == Some(ScalarType::DateTime)).then_some(DisplayZone::Utc));
        if let Some(zone) = zone {
            let mut datetimes = ExportDatetimes::new(zone);
            if let Some(caveat) = datetimes.caveat(key) {
                problems.push(Problem::kept(first_line, caveat));
            }
            if schema.is_some() && known.is_none() {
                problems.push(Problem::kept(first_line, unknown_column(&name, ScalarType::DateTime)));
            }
            for (_, value) in &values {
                if let Some(Field::Str(text)) = value {
                    datetimes.observe(text);
                }
            }
            let mut builder = ColumnBuilder::new(ScalarType::DateTime, values.len());
            for (line, value) in &values {
                let converted = match value {
                    None | Some(Field::Null) => Some(Value::Null),
                    Some(Field::Str(text)) => datetimes.convert(text),
                    Some(_) => None,
                };
                if converted.is_none() {
                    problems.push(invalid_value(*line, value, ScalarType::DateTime, &name));
                }
                builder.push(&converted.unwrap_or(Value::Null));
            }
            columns.push((name, builder.finish()));
            continue;
        }
        let ty = known.unwrap_or_else(|| json_type(&values));
        if schema.is_some() && known.is_none() {
            problems.push(Problem::kept(first_line, unknown_column(&name, ty)));
        }
        let mut builder = ColumnBuilder::new(ty, values.len());
        for (line, value) in &values {
            let converted = match value {
                None | Some(Field::Null) => Value::Null,
                // A Log Analytics export writes `dynamic` values as their JSON text.
                Some(Field::Str(s)) if ty == ScalarType::Dynamic && s.trim_start().starts_with(['{', '[']) => {
                    Value::Dynamic(Dyn::parse_json(s))
                }
                Some(Field::Str(s)) if ty == ScalarType::String => {
                    builder.push_str(s);
                    continue;
                }
                Some(Field::Str(s)) if is_null_text(s) => Value::Null,
                Some(Field::Str(s)) => convert_string(s, ty),
                Some(field) if ty == ScalarType::Dynamic => Value::Dynamic(Dyn::from_json(&field.json())),
                Some(field) => convert(&Value::Dynamic(Dyn::from_json(&field.json())), ty),
            };
            if converted.is_null() && value.is_some_and(|v| !v.is_null() && v.as_str().is_none_or(|s| !is_null_text(s)))
            {
                problems.push(invalid_value(*line, value, ty, &name));
            }
            builder.push(&converted);
        }
        columns.push((name, builder.finish().with_dictionary()));
    }
    Table::new(columns)
}

/// The problem of a value that is not of its column's type.
fn invalid_value(line: u64, value: &Option<&Field>, ty: ScalarType, name: &str) -> Problem {
    let text = match value {
        Some(Field::Str(text)) => text.to_string(),
        Some(field) => field.json().to_string(),
        None => String::new(),
    };
    Problem::kept(line, format!("`{text}` is not a valid `{}`: `{name}` left empty", ty.name()))
}

/// Line numbers of slices of one text, for slices met in order.
struct LineCounter<'a> {
    text: &'a str,
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> LineCounter<'a> {
        LineCounter { text, offset: 0, line: 1 }
    }

    /// The 1-based line where `slice` (a part of the text) starts.
    fn line_of(&mut self, slice: &str) -> u64 {
        let start = (slice.as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize).min(self.text.len());
        if start < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        self.line += memchr::memchr_iter(b'\n', &self.text.as_bytes()[self.offset..start]).count() as u64;
        self.offset = start;
        self.line
    }
}

/// One table of a query API response: `columns` (`name`, `type`) and
/// `rows`. A row that is not an array of one value per column is a
/// [`Problem`] on its line; the other rows still import.
fn import_api_table(
    path: &str,
    text: &str,
    table: Option<&RawValue>,
    problems: &mut Vec<Problem>,
) -> Result<Table, ImportError> {
    let error = |message: String| ImportError::Format { path: path.to_string(), line: 0, message };
    let table = table.ok_or_else(|| error("the response has no tables".into()))?;
    let members = serde_json::from_str::<std::collections::BTreeMap<String, &RawValue>>(table.get()).ok();
    let member = |name: &str| members.as_ref().and_then(|members| members.get(name).copied());
    let columns = member("columns")
        .and_then(|columns| serde_json::from_str::<Vec<Json>>(columns.get()).ok())
        .ok_or_else(|| error("a table without `columns`".into()))?;
    let rows = member("rows")
        .and_then(|rows| serde_json::from_str::<Vec<&RawValue>>(rows.get()).ok())
        .ok_or_else(|| error("a table without `rows`".into()))?;
    let mut builders = Vec::with_capacity(columns.len());
    for column in &columns {
        let name =
            column.get("name").and_then(Json::as_str).ok_or_else(|| error("a column without a `name`".into()))?;
        let type_name =
            column.get("type").or_else(|| column.get("ColumnType")).and_then(Json::as_str).unwrap_or("string");
        let ty = ScalarType::from_name(&type_name.to_ascii_lowercase())
            .ok_or_else(|| error(format!("column `{name}` has an unknown type `{type_name}`")))?;
        builders.push((name.to_string(), ColumnBuilder::new(ty, rows.len())));
    }
    let mut lines = LineCounter::new(text);
    for (index, row) in rows.iter().enumerate() {
        let line = lines.line_of(row.get());
        let cells = match serde_json::from_str::<Vec<Json>>(row.get()) {
            Ok(cells) if cells.len() == builders.len() => cells,
            Ok(cells) => {
                let message = format!(
                    "row {} has {} values where the table has {} columns",
                    index + 1,
                    cells.len(),
                    builders.len()
                );
                problems.push(Problem::skipped(line, message));
                continue;
            }
            Err(_) => {
                problems.push(Problem::skipped(line, format!("row {} is not a JSON array", index + 1)));
                continue;
            }
        };
        for ((_, builder), cell) in builders.iter_mut().zip(&cells) {
            let ty = builder.ty();
            let value = match cell {
                Json::Null => Value::Null,
                // The API writes `dynamic` values as JSON text.
                Json::String(text) if ty == ScalarType::Dynamic => Value::Dynamic(Dyn::parse_json(text)),
                Json::String(text) => crate::engine::functions::conversion::convert_string(text, ty),
                other if ty == ScalarType::Dynamic => Value::Dynamic(Dyn::from_json(other)),
                other => convert(&Value::Dynamic(Dyn::from_json(other)), ty),
            };
            builder.push(&value);
        }
    }
    Ok(Table::new(builders.into_iter().map(|(name, builder)| (name, builder.finish().with_dictionary())).collect()))
}

fn json_type(values: &[(u64, Option<&Field>)]) -> ScalarType {
    let present: Vec<&Field> = values.iter().filter_map(|(_, v)| *v).filter(|v| !v.is_null()).collect();
    let json = |test: fn(&Json) -> bool| move |v: &&Field| !matches!(v, Field::Str(_)) && test(&v.json());
    if present.iter().any(json(|v| v.is_object() || v.is_array())) {
        return ScalarType::Dynamic;
    }
    if !present.is_empty() && present.iter().all(json(Json::is_boolean)) {
        return ScalarType::Bool;
    }
    if !present.is_empty() && present.iter().all(json(Json::is_i64)) {
        return ScalarType::Long;
    }
    if !present.is_empty() && present.iter().all(json(Json::is_number)) {
        return ScalarType::Real;
    }
    let texts: Vec<Cow<str>> = present
        .iter()
        .map(|v| match v {
            Field::Str(text) => Cow::Borrowed(text.as_ref()),
            field => Cow::Owned(field.json().to_string()),
        })
        .collect();
    infer_type(texts.iter().map(|text| text.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::schema::Schemas;

    fn problems(imported: &Imported) -> Vec<(u64, bool, String)> {
        imported.problems.iter().map(|p| (p.line, p.skipped, p.message.clone())).collect()
    }

    #[test]
    fn bad_json_lines_are_problems_and_the_rest_imports() {
        let text = "{\"a\": 1}\n{\"a\": 2,\n[1, 2]\n\n{\"a\": 3}\n";
        let imported = import_json("t.jsonl", text, None).expect("imports");
        assert_eq!(imported.table.rows, 2);
        assert_eq!(
            problems(&imported),
            vec![
                (2, true, "not valid JSON: EOF while parsing a value at column 8".into()),
                (3, true, "not a JSON object".into()),
            ]
        );
    }

    #[test]
    fn array_records_that_are_not_objects_are_problems_on_their_line() {
        let text = "[\n  {\"a\": 1},\n  42,\n  {\"a\": 2}\n]";
        let imported = import_json("t.json", text, None).expect("imports");
        assert_eq!(imported.table.rows, 2);
        assert_eq!(problems(&imported), vec![(3, true, "record 2 is not a JSON object".into())]);
        let error = import_json("t.json", "[\n {\"a\": 1},\n {\"a\": }\n]", None).expect_err("not JSON");
        assert_eq!(error.to_string(), "`t.json` line 3: not valid JSON: expected value at line 3 column 8");
    }

    #[test]
    fn values_that_do_not_fit_the_schema_and_unknown_keys_are_reported() {
        let schema = Schemas::builtin().table("Syslog").cloned().expect("Syslog is built in");
        let text = "[{\"Computer\": \"a\", \"ProcessID\": 5},\n {\"Computer\": \"b\", \"ProcessID\": \"x\", \"Extra\": true},\n {\"ProcessID\": \"\"}]";
        let imported = import_json("t.json", text, Some(&schema)).expect("imports");
        assert_eq!(imported.table.rows, 3);
        assert_eq!(
            problems(&imported),
            vec![
                (2, false, "`x` is not a valid `int`: `ProcessID` left empty".into()),
                (2, false, "column `Extra` is not in the table's schema: kept, typed `bool` from its values".into()),
            ]
        );
    }

    #[test]
    fn sentinel_sample_layouts_import() {
        // Export keys, day-first dates, dynamic values as JSON text.
        let schema = Schemas::builtin().table("CommonSecurityLog").cloned().expect("built in");
        let text = "\u{feff}[{\"TimeGenerated [UTC]\": \"16/11/2021, 9:07:56.643 pm\", \"DeviceVendor\": \"V\"},\
                    {\"TimeGenerated [UTC]\": \"1/11/2021, 9:07:56.000 AM\", \"DeviceVendor\": \"W\"}]";
        let imported = import_json("t.json", text, Some(&schema)).expect("imports");
        assert!(imported.problems.is_empty(), "{:?}", imported.problems);
        assert_eq!(imported.table.schema()[0], ("TimeGenerated".into(), ScalarType::DateTime));
        assert_eq!(imported.table.row(0)[0].to_kql_string(), "2021-11-16T21:07:56.6430000Z");
        assert_eq!(imported.table.row(1)[0].to_kql_string(), "2021-11-01T09:07:56.0000000Z");
        // Wrapped in an object, and a single object.
        let wrapped = import_json("t.json", "{\"records\": [{\"a\": 1}, {\"a\": 2}]}", None).expect("imports");
        assert_eq!(wrapped.table.rows, 2);
        let single = import_json("t.json", "{\n  \"a\": 1,\n  \"b\": [1]\n}", None).expect("imports");
        assert_eq!(single.table.rows, 1);
        assert_eq!(single.table.schema()[1], ("b".into(), ScalarType::Dynamic));
    }

    #[test]
    fn query_api_responses_keep_their_declared_types() {
        let text = r#"{"tables": [{"name": "PrimaryResult", "columns": [{"name": "T", "type": "datetime"},
            {"name": "D", "type": "dynamic"}], "rows": [["2024-01-01T00:00:00Z", "{\"k\":1}"]]}]}"#;
        let imported = import_json("t.json", text, None).expect("imports");
        assert_eq!(
            imported.table.schema(),
            vec![("T".into(), ScalarType::DateTime), ("D".into(), ScalarType::Dynamic)]
        );
        assert_eq!(imported.table.row(0)[1].to_kql_string(), "{\"k\":1}");
    }

    #[test]
    fn query_api_rows_of_the_wrong_length_are_problems_on_their_line() {
        let text = r#"{"tables": [{"name": "PrimaryResult",
  "columns": [{"name": "A", "type": "long"}, {"name": "B", "type": "string"}],
  "rows": [
    [1, "x"],
    [2],
    [3, "z", true], "four",
    [5, "w"]
  ]}]}"#;
        let imported = import_json("t.json", text, None).expect("imports");
        assert_eq!(imported.table.rows, 2);
        assert_eq!(imported.table.row(1), vec![Value::Long(5), Value::str("w")]);
        assert_eq!(
            problems(&imported),
            vec![
                (5, true, "row 2 has 1 values where the table has 2 columns".into()),
                (6, true, "row 3 has 3 values where the table has 2 columns".into()),
                (6, true, "row 4 is not a JSON array".into()),
            ]
        );
    }
}
