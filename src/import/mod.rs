//! Sample data to tables: CSV and JSON / JSON Lines files, Windows event
//! XML and other XML, CEF and syslog text logs, and any other text log as
//! `RawData` lines, become typed in-memory tables. Column types come from
//! the table's known schema when there is one, and are inferred from the
//! values otherwise. Text logs and XML are read record by record: a bad
//! record is a [`Problem`] beside the table, not the end of the import.

pub mod cef;
pub mod csv;
pub mod csv_records;
pub mod datatable;
pub mod fixture;
pub mod json;
pub mod log_lines;
pub mod log_table;
pub mod portal_export;
pub mod syslog;
pub mod text_column;
pub mod watchlist;
pub mod windows_event;
pub mod xml;
pub mod xml_rows;

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
    #[error(
        "`{path}`: a binary file (kqlab reads CSV, JSON, JSON Lines, XML and text logs; export `.evtx` files \
         to XML with `wevtutil qe FILE /lf:true /f:xml` first)"
    )]
    UnknownFormat { path: String },
}

/// A table read from a file, with the problems met on the way.
#[derive(Debug, Clone)]
pub struct Imported {
    pub table: Table,
    /// Lines or records left out, values left empty and columns the schema
    /// does not know, in file order.
    pub problems: Vec<Problem>,
}

/// One line of a text log that did not import cleanly. The rest of the
/// file still imports; callers must show these (the CLI prints warnings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The 1-based line number in the file.
    pub line: u64,
    /// What is wrong, lowercase, identifiers in backticks.
    pub message: String,
    /// True when the line is missing from the table; false when the row is
    /// there with the values named in `message` left empty.
    pub skipped: bool,
}

impl Problem {
    /// A problem that leaves the whole line out.
    pub fn skipped(line: u64, message: impl Into<String>) -> Problem {
        Problem { line, message: message.into(), skipped: true }
    }

    /// A problem that keeps the row with a value left empty.
    pub fn kept(line: u64, message: impl Into<String>) -> Problem {
        Problem { line, message: message.into(), skipped: false }
    }

    /// `` `FILE` line N: reason (line skipped) ``, as the CLI prints it after `warning: `.
    pub fn render(&self, path: &str) -> String {
        let outcome = if self.skipped { "line skipped" } else { "row kept" };
        format!("`{path}` line {}: {} ({outcome})", self.line, self.message)
    }
}

/// Loads a table from `path` (see [`import_file_checked`]); any problem
/// is an error, so nothing is left out silently.
pub fn import_file(path: &Path, schema: Option<&TableType>) -> Result<Table, ImportError> {
    import_file_checked(path, schema, true).map(|imported| imported.table)
}

/// Loads a table from `path`; `schema` types known columns. `.csv`,
/// `.json`/`.jsonl`/`.ndjson`, `.xml`, `.cef` and `.syslog` go by their
/// extension; any other file is recognised by its content: XML when it
/// starts with a tag, CEF when a line holds a CEF header, syslog when most
/// lines start like syslog, and otherwise one `RawData` row per line. A
/// binary file is an error. Bad records of every format are problems beside
/// the table; with `strict`, the first one is an [`ImportError::Format`].
pub fn import_file_checked(path: &Path, schema: Option<&TableType>, strict: bool) -> Result<Imported, ImportError> {
    let display = path.display().to_string();
    let io = |source| ImportError::Io { path: display.clone(), source };
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let format = extension.as_deref().and_then(SampleFormat::from_extension);
    if format == Some(SampleFormat::Csv) {
        // CSV is read from the file (twice) rather than held in memory whole.
        let imported = csv::import_csv_with(&display, schema, || {
            std::fs::File::open(path).map(std::io::BufReader::new).map_err(io)
        })?;
        return checked(imported, display, strict);
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let format = match format {
        Some(format) => format,
        None => detect_format(&display, &bytes, false)?,
    };
    import_bytes_as(&display, &bytes, format, schema, strict)
}

/// Loads a table from sample text given inline (not from a file), named
/// `display` in problems. With no `format`, the content decides as for a
/// file without a known extension, except that JSON (`[` or `{` first) and
/// CSV (a first line with commas, when the text is no CEF or syslog log)
/// are recognised too.
pub fn import_text_checked(
    display: &str,
    text: &str,
    format: Option<SampleFormat>,
    schema: Option<&TableType>,
    strict: bool,
) -> Result<Imported, ImportError> {
    let format = match format {
        Some(format) => format,
        None => detect_format(display, text.as_bytes(), true)?,
    };
    import_bytes_as(display, text.as_bytes(), format, schema, strict)
}

/// The formats of sample data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleFormat {
    Csv,
    /// JSON: an array of objects, JSON Lines, or a Log Analytics query API response.
    Json,
    /// Windows event XML or other XML.
    Xml,
    Cef,
    Syslog,
    /// One `RawData` row per line.
    Lines,
}

impl SampleFormat {
    /// The format a file extension stands for (`.csv`, `.json`, `.jsonl`,
    /// `.ndjson`, `.xml`, `.cef`, `.syslog`); any other file is recognised
    /// by its content.
    pub fn from_extension(extension: &str) -> Option<SampleFormat> {
        SampleFormat::from_name(extension).filter(|format| *format != SampleFormat::Lines)
    }

    /// The format a format name stands for: an extension
    /// [`SampleFormat::from_extension`] knows, or `lines` (one `RawData` row
    /// per line).
    pub fn from_name(name: &str) -> Option<SampleFormat> {
        Some(match name.to_ascii_lowercase().as_str() {
            "csv" => SampleFormat::Csv,
            "json" | "jsonl" | "ndjson" => SampleFormat::Json,
            "xml" => SampleFormat::Xml,
            "cef" => SampleFormat::Cef,
            "syslog" => SampleFormat::Syslog,
            "lines" => SampleFormat::Lines,
            _ => return None,
        })
    }
}

/// The format of `bytes` from their content; `tabular` also recognises
/// JSON and CSV (which files announce by their extension instead).
fn detect_format(display: &str, bytes: &[u8], tabular: bool) -> Result<SampleFormat, ImportError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        let message = if tabular { "the text is empty" } else { "the file is empty" };
        return Err(ImportError::Format { path: display.to_string(), line: 0, message: message.into() });
    }
    if xml::looks_like_xml(bytes) {
        return Ok(SampleFormat::Xml);
    }
    if is_binary(bytes) {
        return Err(ImportError::UnknownFormat { path: display.to_string() });
    }
    let first = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes).iter().find(|b| !b.is_ascii_whitespace());
    if tabular && matches!(first, Some(b'[' | b'{')) {
        return Ok(SampleFormat::Json);
    }
    Ok(match detect_log_format(bytes) {
        Some(LogFormat::Cef) => SampleFormat::Cef,
        Some(LogFormat::Syslog) => SampleFormat::Syslog,
        Some(LogFormat::Xml) => SampleFormat::Xml,
        Some(LogFormat::Lines) | None => {
            let first_line = bytes.split(|b| *b == b'\n').find(|line| !line.trim_ascii().is_empty());
            if tabular && first_line.is_some_and(|line| line.contains(&b',')) {
                SampleFormat::Csv
            } else {
                SampleFormat::Lines
            }
        }
    })
}

/// Imports `bytes` in a known format (see [`import_file_checked`]).
fn import_bytes_as(
    display: &str,
    bytes: &[u8],
    format: SampleFormat,
    schema: Option<&TableType>,
    strict: bool,
) -> Result<Imported, ImportError> {
    let now = now_ticks();
    let imported = match format {
        SampleFormat::Csv => csv::import_csv_with(display, schema, || Ok(bytes))?,
        SampleFormat::Json => {
            let text = std::str::from_utf8(bytes).map_err(|error| ImportError::Format {
                path: display.to_string(),
                line: 0,
                message: format!("not valid UTF-8 text: {error}"),
            })?;
            json::import_json(display, text, schema)?
        }
        SampleFormat::Cef => cef::import_cef(bytes, schema, now),
        SampleFormat::Syslog => syslog::import_syslog(bytes, schema, now),
        SampleFormat::Xml => xml::import_xml(bytes, schema),
        SampleFormat::Lines => import_raw_lines(bytes, schema),
    };
    checked(imported, display.to_string(), strict)
}

/// `table` with every column of `schema` it lacks appended as typed nulls,
/// as the table has them in a workspace: a query on a sample can then name
/// any column of the table, as it can in Sentinel.
pub fn with_schema_columns(mut table: Table, schema: &TableType) -> Table {
    for column in &schema.columns {
        if table.index_of(&column.name).is_some() {
            continue;
        }
        let ty = match column.ty {
            crate::analysis::types::Type::Scalar(ty) => ty,
            crate::analysis::types::Type::Unknown => crate::syntax::ast::ScalarType::Dynamic,
        };
        let nulls = crate::engine::column::Column::nulls(ty, table.rows);
        table
            .fields
            .push(crate::engine::table::Field { name: column.name.clone(), column: std::sync::Arc::new(nulls) });
    }
    table
}

/// A sample table of a table that may have a known schema, as a local run
/// binds it: the table with the schema's missing columns as typed nulls
/// (see [`with_schema_columns`]), and the table type the analyzer sees: its
/// columns with their types (a sample's column keeps its loaded type).
pub fn bind_sample(table: Table, known: Option<&TableType>) -> (Table, TableType) {
    use crate::analysis::types::{Column, Type};
    let table = match known {
        Some(known) => with_schema_columns(table, known),
        None => table,
    };
    let columns = table.fields.iter().map(|f| Column::new(f.name.clone(), Type::Scalar(f.column.ty()))).collect();
    (table, TableType::new(columns))
}

/// The import, or with `strict` its first problem as an error.
fn checked(imported: Imported, display: String, strict: bool) -> Result<Imported, ImportError> {
    if strict && let Some(problem) = imported.problems.first() {
        return Err(ImportError::Format { path: display, line: problem.line, message: problem.message.clone() });
    }
    Ok(imported)
}

/// The record-by-record formats: text logs recognised by content, and XML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Cef,
    Syslog,
    Xml,
    /// Any other text: one `RawData` row per line, as Log Analytics'
    /// custom text logs store lines before a parser splits them.
    Lines,
}

/// Whether the first 8 KiB hold a NUL byte (and no UTF-16 byte order mark):
/// such a file is binary, not a text log.
fn is_binary(bytes: &[u8]) -> bool {
    !(bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF"))
        && memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some()
}

/// One row per non-blank line, in a `RawData` string column: the shape of a
/// custom text log (`*_CL`) table before parsing. Other columns of the
/// schema are left to the caller to fill with typed nulls.
pub fn import_raw_lines(bytes: &[u8], schema: Option<&TableType>) -> Imported {
    let mut problems = Vec::new();
    let lines = log_lines::split_lines(bytes, &mut problems);
    let mut table = log_table::LogTable::new("", &["RawData"], &["RawData"], schema);
    for (_, line) in lines {
        let mut row = table.new_row();
        row[0] = Value::str(line);
        table.push(row);
    }
    Imported { table: table.finish(), problems }
}

/// Lines of byte offsets into one text, each counted from the offset asked
/// about before: asking in file order reads the text once (counting from
/// the start for every element made XML imports quadratic).
pub(crate) struct LineCursor<'a> {
    text: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCursor<'a> {
    pub(crate) fn new(text: &'a str) -> LineCursor<'a> {
        LineCursor { text: text.as_bytes(), offset: 0, line: 1 }
    }

    /// The 1-based line of byte `offset`.
    pub(crate) fn line_of(&mut self, offset: usize) -> u64 {
        let offset = offset.min(self.text.len());
        if offset >= self.offset {
            self.line += memchr::memchr_iter(b'\n', &self.text[self.offset..offset]).count() as u64;
        } else {
            self.line -= memchr::memchr_iter(b'\n', &self.text[offset..self.offset]).count() as u64;
        }
        self.offset = offset;
        self.line
    }
}

/// How many non-blank lines [`detect_log_format`] looks at.
const SNIFFED_LINES: usize = 20;

/// The format of a text log from its first lines: CEF when any holds a CEF
/// header, syslog when most start like syslog, else none.
pub fn detect_log_format(bytes: &[u8]) -> Option<LogFormat> {
    let lines: Vec<String> = bytes
        .split(|b| *b == b'\n')
        .map(|line| String::from_utf8_lossy(&line[..line.len().min(64 * 1024)]).into_owned())
        .filter(|line| !line.trim().is_empty())
        .take(SNIFFED_LINES)
        .collect();
    if lines.is_empty() {
        return None;
    }
    if lines.iter().any(|line| cef::find_cef(line).is_some()) {
        return Some(LogFormat::Cef);
    }
    let syslog = lines.iter().filter(|line| syslog::looks_like_syslog(line)).count();
    (syslog * 2 > lines.len()).then_some(LogFormat::Syslog)
}

/// The current time as datetime ticks: syslog's RFC 3164 timestamps have no
/// year, and [`syslog::resolve_year`] places them in the last twelve months.
fn now_ticks() -> i64 {
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    crate::engine::time::UNIX_EPOCH_TICKS + (since_epoch.as_nanos() / 100) as i64
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

/// Whether text stands for a null value of a non-string column: empty,
/// or `null` as some exports write it.
pub fn is_null_text(value: &str) -> bool {
    let value = value.trim();
    value.is_empty() || value == "null"
}

/// Adds one text value to a column (empty text is null, except for
/// strings); false when the text is not a value of the column's type, which
/// leaves the cell null.
pub fn push_text(builder: &mut ColumnBuilder, value: &str) -> bool {
    let ty = builder.ty();
    if ty == ScalarType::String {
        builder.push_str(value);
    } else if is_null_text(value) {
        builder.push(&Value::Null);
    } else {
        let converted = convert_string(value, ty);
        let valid = !converted.is_null();
        builder.push(&converted);
        return valid;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(text: &str) -> Vec<String> {
        let imported = import_text_checked("inline", text, None, None, false).unwrap();
        imported.table.fields.iter().map(|f| f.name.clone()).collect()
    }

    #[test]
    fn inline_text_is_recognised_by_its_content() {
        assert_eq!(columns("a,b\n1,2\n"), ["a", "b"]);
        assert_eq!(columns("[{\"a\": 1}]"), ["a"]);
        assert_eq!(columns("{\"a\": 1}\n{\"a\": 2}\n"), ["a"]);
        assert_eq!(columns("just words\nmore words\n"), ["RawData"]);
        let cef = "CEF:0|Vendor|Product|1.0|100|name|5|src=10.0.0.1 dst=10.0.0.2\n";
        assert!(columns(cef).iter().any(|c| c == "DeviceVendor"));
        let empty = import_text_checked("inline", " \n", None, None, false).unwrap_err();
        assert!(empty.to_string().contains("the text is empty"), "{empty}");
    }

    #[test]
    fn a_format_name_overrides_the_content() {
        let imported = import_text_checked("inline", "a\n1\n2\n", Some(SampleFormat::Csv), None, false).unwrap();
        assert_eq!((imported.table.rows, imported.table.fields[0].name.as_str()), (2, "a"));
        assert_eq!(SampleFormat::from_extension("log"), None);
        assert_eq!(SampleFormat::from_name("lines"), Some(SampleFormat::Lines));
    }
}
