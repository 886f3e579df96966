//! Sample data to tables: CSV and JSON / JSON Lines files become typed
//! in-memory tables. Column types come from the table's known schema when
//! there is one, and are inferred from the values otherwise.

pub mod csv;
pub mod json;

use std::path::Path;

use crate::analysis::types::TableType;
use crate::engine::column::ColumnBuilder;
use crate::engine::functions::conversion::convert_string;
use crate::engine::table::Table;
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;
use crate::syntax::literal;

/// A failure to read sample data.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("reading `{path}`: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("`{path}` line {line}: {message}")]
    Format { path: String, line: u64, message: String },
    #[error("`{path}`: unknown file type (use .csv, .json or .jsonl)")]
    UnknownFormat { path: String },
}

/// Loads a table from `path` by its extension; `schema` types known columns.
pub fn import_file(path: &Path, schema: Option<&TableType>) -> Result<Table, ImportError> {
    let display = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ImportError::Io { path: display.clone(), source })?;
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("csv") => csv::import_csv(&display, &text, schema),
        Some("json" | "jsonl" | "ndjson") => json::import_json(&display, &text, schema),
        _ => Err(ImportError::UnknownFormat { path: display }),
    }
}

/// The narrowest type that every non-empty text value parses as.
pub fn infer_type<'a>(values: impl Iterator<Item = &'a str>) -> ScalarType {
    let mut candidates = [ScalarType::Bool, ScalarType::Long, ScalarType::Real, ScalarType::DateTime, ScalarType::Guid];
    let mut alive = [true; 5];
    let mut any = false;
    for value in values {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        any = true;
        for (index, ty) in candidates.iter_mut().enumerate() {
            if alive[index] && !parses_as(value, *ty) {
                alive[index] = false;
            }
        }
        if !alive.iter().any(|a| *a) {
            return ScalarType::String;
        }
    }
    if !any {
        return ScalarType::String;
    }
    candidates.iter().zip(alive).find(|(_, a)| *a).map_or(ScalarType::String, |(ty, _)| *ty)
}

fn parses_as(value: &str, ty: ScalarType) -> bool {
    match ty {
        ScalarType::Bool => value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false"),
        ScalarType::Long => value.parse::<i64>().is_ok(),
        ScalarType::Real => value.parse::<f64>().is_ok(),
        // Only full dates: a bare number or time is not taken for a datetime.
        ScalarType::DateTime => {
            value.len() >= 10 && value.as_bytes()[4] == b'-' && literal::parse_datetime(value).is_some()
        }
        ScalarType::Guid => value.len() == 36 && literal::parse_guid(value).is_some(),
        _ => true,
    }
}

/// Builds a column of type `ty` from text values.
pub fn column_from_text<'a>(ty: ScalarType, values: impl Iterator<Item = &'a str>) -> crate::engine::column::Column {
    let mut builder = ColumnBuilder::new(ty, 0);
    for value in values {
        if ty == ScalarType::String {
            builder.push_str(value);
        } else if value.trim().is_empty() {
            builder.push(&Value::Null);
        } else {
            builder.push(&convert_string(value, ty));
        }
    }
    builder.finish()
}
