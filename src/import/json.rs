//! JSON (an array of objects, or one object per line) to a table.

use serde_json::Value as Json;

use crate::analysis::types::TableType;
use crate::engine::column::ColumnBuilder;
use crate::engine::functions::conversion::convert;
use crate::engine::table::Table;
use crate::engine::value::{Dyn, Value};
use crate::import::{ImportError, infer_type};
use crate::syntax::ast::ScalarType;

/// Parses JSON or JSON Lines records; columns in order of first appearance.
/// A Log Analytics query API response (`{"tables": [{"columns", "rows"}]}`,
/// what `kqlab run --format json` prints) gives its first table, typed by
/// its declared columns.
pub fn import_json(path: &str, text: &str, schema: Option<&TableType>) -> Result<Table, ImportError> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{')
        && let Ok(Json::Object(response)) = serde_json::from_str::<Json>(text)
        && let Some(Json::Array(tables)) = response.get("tables")
    {
        return import_api_table(path, tables.first());
    }
    let records: Vec<serde_json::Map<String, Json>> = if trimmed.starts_with('[') {
        let value: Json = serde_json::from_str(text).map_err(|e| ImportError::Format {
            path: path.to_string(),
            line: e.line() as u64,
            message: e.to_string(),
        })?;
        match value {
            Json::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Json::Object(map) => Ok(map),
                    _ => Err(ImportError::Format {
                        path: path.to_string(),
                        line: 0,
                        message: format!("record {i} is not an object"),
                    }),
                })
                .collect::<Result<_, _>>()?,
            _ => unreachable!("starts with ["),
        }
    } else {
        let mut records = Vec::new();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let value: Json = serde_json::from_str(line).map_err(|e| ImportError::Format {
                path: path.to_string(),
                line: index as u64 + 1,
                message: e.to_string(),
            })?;
            match value {
                Json::Object(map) => records.push(map),
                _ => {
                    return Err(ImportError::Format {
                        path: path.to_string(),
                        line: index as u64 + 1,
                        message: "not a JSON object".into(),
                    });
                }
            }
        }
        records
    };
    let mut names: Vec<String> = Vec::new();
    for record in &records {
        for key in record.keys() {
            if !names.contains(key) {
                names.push(key.clone());
            }
        }
    }
    let mut columns = Vec::new();
    for name in names {
        let values: Vec<Option<&Json>> = records.iter().map(|r| r.get(&name)).collect();
        let ty = schema.and_then(|s| s.column(&name)).and_then(|c| c.ty.scalar()).unwrap_or_else(|| json_type(&values));
        let mut builder = ColumnBuilder::new(ty, values.len());
        for value in values {
            let value = match value {
                None | Some(Json::Null) => Value::Null,
                Some(Json::String(s)) if ty != ScalarType::Dynamic => Value::str(s),
                Some(json) => Value::Dynamic(Dyn::from_json(json)),
            };
            builder.push(&if ty == ScalarType::Dynamic { value } else { convert(&value, ty) });
        }
        columns.push((name, builder.finish().with_dictionary()));
    }
    Ok(Table::new(columns))
}

/// One table of a query API response: `columns` (`name`, `type`) and `rows`.
fn import_api_table(path: &str, table: Option<&Json>) -> Result<Table, ImportError> {
    let error = |message: String| ImportError::Format { path: path.to_string(), line: 0, message };
    let table = table.ok_or_else(|| error("the response has no tables".into()))?;
    let columns =
        table.get("columns").and_then(Json::as_array).ok_or_else(|| error("a table without `columns`".into()))?;
    let rows = table.get("rows").and_then(Json::as_array).ok_or_else(|| error("a table without `rows`".into()))?;
    let mut builders = Vec::with_capacity(columns.len());
    for column in columns {
        let name =
            column.get("name").and_then(Json::as_str).ok_or_else(|| error("a column without a `name`".into()))?;
        let type_name =
            column.get("type").or_else(|| column.get("ColumnType")).and_then(Json::as_str).unwrap_or("string");
        let ty = ScalarType::from_name(&type_name.to_ascii_lowercase())
            .ok_or_else(|| error(format!("column `{name}` has an unknown type `{type_name}`")))?;
        builders.push((name.to_string(), ColumnBuilder::new(ty, rows.len())));
    }
    for (index, row) in rows.iter().enumerate() {
        let cells = row
            .as_array()
            .filter(|cells| cells.len() == builders.len())
            .ok_or_else(|| error(format!("row {index} does not have {} values", builders.len())))?;
        for ((_, builder), cell) in builders.iter_mut().zip(cells) {
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

fn json_type(values: &[Option<&Json>]) -> ScalarType {
    let present: Vec<&Json> = values.iter().flatten().filter(|v| !v.is_null()).copied().collect();
    if present.iter().any(|v| v.is_object() || v.is_array()) {
        return ScalarType::Dynamic;
    }
    if !present.is_empty() && present.iter().all(|v| v.is_boolean()) {
        return ScalarType::Bool;
    }
    if !present.is_empty() && present.iter().all(|v| v.is_i64()) {
        return ScalarType::Long;
    }
    if !present.is_empty() && present.iter().all(|v| v.is_number()) {
        return ScalarType::Real;
    }
    let texts: Vec<String> = present.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).collect();
    infer_type(texts.iter().map(String::as_str))
}
