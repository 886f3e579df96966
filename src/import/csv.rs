//! CSV with a header row (RFC 4180) to a table.

use crate::analysis::types::TableType;
use crate::engine::table::Table;
use crate::import::{ImportError, column_from_text, infer_type};
use crate::syntax::ast::ScalarType;

/// Parses CSV text; known columns take their schema type, others are inferred.
pub fn import_csv(path: &str, text: &str, schema: Option<&TableType>) -> Result<Table, ImportError> {
    let mut reader = ::csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(text.as_bytes());
    let error = |e: ::csv::Error| ImportError::Format {
        path: path.to_string(),
        line: e.position().map_or(0, |p| p.line()),
        message: e.to_string(),
    };
    let headers: Vec<String> = reader.headers().map_err(error)?.iter().map(|h| h.trim().to_string()).collect();
    let mut cells: Vec<Vec<String>> = vec![Vec::new(); headers.len()];
    for record in reader.records() {
        let record = record.map_err(error)?;
        for (column, value) in cells.iter_mut().zip(record.iter()) {
            column.push(value.to_string());
        }
    }
    let mut columns = Vec::with_capacity(headers.len());
    for (name, values) in headers.into_iter().zip(cells) {
        let ty = schema
            .and_then(|s| s.column(&name))
            .and_then(|c| c.ty.scalar())
            .unwrap_or_else(|| infer_type(values.iter().map(String::as_str)));
        let ty = if ty == ScalarType::Int && values.iter().any(|v| v.parse::<i32>().is_err() && !v.is_empty()) {
            ScalarType::Long
        } else {
            ty
        };
        columns.push((name, column_from_text(ty, values.iter().map(String::as_str))));
    }
    Ok(Table::new(columns))
}
