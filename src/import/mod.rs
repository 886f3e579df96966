//! Sample data to tables: CSV and JSON / JSON Lines files become typed
//! in-memory tables. Column types come from the table's known schema when
//! there is one, and are inferred from the values otherwise.

pub mod csv;
pub mod datatable;
pub mod json;
pub mod text_column;
pub mod watchlist;

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
    let io = |source| ImportError::Io { path: display.clone(), source };
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        // CSV is read from the file (twice) rather than held in memory whole.
        Some("csv") => csv::import_csv_with(&display, schema, || {
            std::fs::File::open(path).map(std::io::BufReader::new).map_err(io)
        }),
        Some("json" | "jsonl" | "ndjson") => {
            let text = std::fs::read_to_string(path).map_err(io)?;
            json::import_json(&display, &text, schema)
        }
        _ => Err(ImportError::UnknownFormat { path: display }),
    }
}

/// The narrowest type that every non-empty text value parses as.
pub fn infer_type<'a>(values: impl Iterator<Item = &'a str>) -> ScalarType {
    let mut inference = Inference::default();
    for value in values {
        if !inference.observe(value) {
            break;
        }
    }
    inference.result()
}

/// Type inference over a stream of text values (see [`infer_type`]).
#[derive(Debug, Clone)]
pub struct Inference {
    alive: [bool; 5],
    any: bool,
}

impl Default for Inference {
    fn default() -> Inference {
        Inference { alive: [true; 5], any: false }
    }
}

impl Inference {
    const CANDIDATES: [ScalarType; 5] =
        [ScalarType::Bool, ScalarType::Long, ScalarType::Real, ScalarType::DateTime, ScalarType::Guid];

    /// Takes one value; false once only `string` is left.
    pub fn observe(&mut self, value: &str) -> bool {
        let value = value.trim();
        if value.is_empty() {
            return true;
        }
        self.any = true;
        for (index, ty) in Self::CANDIDATES.iter().enumerate() {
            if self.alive[index] && !parses_as(value, *ty) {
                self.alive[index] = false;
            }
        }
        self.alive.iter().any(|a| *a)
    }

    pub fn result(&self) -> ScalarType {
        if !self.any {
            return ScalarType::String;
        }
        Self::CANDIDATES.iter().zip(self.alive).find(|(_, a)| *a).map_or(ScalarType::String, |(ty, _)| *ty)
    }
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
        push_text(&mut builder, value);
    }
    builder.finish()
}

/// Adds one text value to a column (empty text is null, except for strings).
pub fn push_text(builder: &mut ColumnBuilder, value: &str) {
    let ty = builder.ty();
    if ty == ScalarType::String {
        builder.push_str(value);
    } else if value.trim().is_empty() {
        builder.push(&Value::Null);
    } else {
        builder.push(&convert_string(value, ty));
    }
}
