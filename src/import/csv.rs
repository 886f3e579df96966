//! CSV with a header row (RFC 4180) to a table. Two passes over the text:
//! the first infers the types of columns the schema does not know (and
//! widens `int` columns holding bigger numbers), the second builds the
//! typed columns directly, so no per-cell strings are kept.

use crate::analysis::types::TableType;
use crate::engine::table::Table;
use crate::import::text_column::TextColumnBuilder;
use crate::import::{ImportError, Inference};
use crate::syntax::ast::ScalarType;

/// Parses CSV text; known columns take their schema type, others are inferred.
pub fn import_csv(path: &str, text: &str, schema: Option<&TableType>) -> Result<Table, ImportError> {
    import_csv_with(path, schema, || Ok(text.as_bytes()))
}

/// Parses CSV from a source opened once per pass by `open`.
pub fn import_csv_with<R: std::io::Read>(
    path: &str,
    schema: Option<&TableType>,
    open: impl Fn() -> Result<R, ImportError>,
) -> Result<Table, ImportError> {
    let reader = || -> Result<::csv::Reader<R>, ImportError> {
        Ok(::csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(open()?))
    };
    let error = |e: ::csv::Error| ImportError::Format {
        path: path.to_string(),
        line: e.position().map_or(0, |p| p.line()),
        message: e.to_string(),
    };
    let mut first = reader()?;
    let headers: Vec<String> = first.headers().map_err(error)?.iter().map(|h| h.trim().to_string()).collect();
    let known: Vec<Option<ScalarType>> =
        headers.iter().map(|name| schema.and_then(|s| s.column(name)).and_then(|c| c.ty.scalar())).collect();
    // Pass 1: inference where the type is unknown, `int` overflow checks.
    let mut inference: Vec<Option<Inference>> =
        known.iter().map(|k| if k.is_none() { Some(Inference::default()) } else { None }).collect();
    let mut int_overflow = vec![false; headers.len()];
    let mut rows = 0usize;
    let mut record = ::csv::StringRecord::new();
    while first.read_record(&mut record).map_err(error)? {
        rows += 1;
        for (index, value) in record.iter().enumerate() {
            if let Some(Some(inferring)) = inference.get_mut(index) {
                inferring.observe(value);
            }
            if known.get(index) == Some(&Some(ScalarType::Int))
                && !value.trim().is_empty()
                && value.trim().parse::<i32>().is_err()
            {
                int_overflow[index] = true;
            }
        }
    }
    let types: Vec<ScalarType> = known
        .iter()
        .zip(&inference)
        .zip(&int_overflow)
        .map(|((known, inference), overflow)| match (known, inference) {
            (Some(ScalarType::Int), _) if *overflow => ScalarType::Long,
            (Some(ty), _) => *ty,
            (None, Some(inference)) => inference.result(),
            (None, None) => ScalarType::String,
        })
        .collect();
    // Pass 2: typed columns.
    let mut builders: Vec<TextColumnBuilder> = types.iter().map(|ty| TextColumnBuilder::new(*ty, rows)).collect();
    let mut second = reader()?;
    while second.read_record(&mut record).map_err(error)? {
        for (builder, value) in builders.iter_mut().zip(record.iter()) {
            builder.push(value);
        }
    }
    Ok(Table::new(headers.into_iter().zip(builders.into_iter().map(TextColumnBuilder::finish)).collect()))
}
