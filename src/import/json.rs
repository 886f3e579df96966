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
pub fn import_json(path: &str, text: &str, schema: Option<&TableType>) -> Result<Table, ImportError> {
    let trimmed = text.trim_start();
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
