//! CSV with a header row (RFC 4180) to a table. Two passes over the text:
//! the first checks each record and infers the types of columns the schema
//! does not know (and widens `int` columns holding bigger numbers), the
//! second builds the typed columns directly, so no per-cell strings are
//! kept. A bad record is a [`Problem`], not the end of the import; headers
//! of a Log Analytics export (`TimeGenerated [UTC]`) are mapped back to
//! their columns (see [`crate::import::portal_export`]).

use ::csv::ByteRecord;

use crate::analysis::types::TableType;
use crate::engine::table::Table;
use crate::engine::value::Value;
use crate::import::portal_export::{DisplayZone, ExportDatetimes, map_headers};
use crate::import::text_column::TextColumnBuilder;
use crate::import::{ImportError, Imported, Inference, Problem};
use crate::syntax::ast::ScalarType;

/// Parses CSV text; known columns take their schema type, others are inferred.
pub fn import_csv(path: &str, text: &str, schema: Option<&TableType>) -> Result<Imported, ImportError> {
    import_csv_with(path, schema, || Ok(text.as_bytes()))
}

/// Parses CSV from a source opened once per pass by `open`.
pub fn import_csv_with<R: std::io::Read>(
    path: &str,
    schema: Option<&TableType>,
    open: impl Fn() -> Result<R, ImportError>,
) -> Result<Imported, ImportError> {
    // Records of the wrong length are reported, not fatal.
    let reader = || -> Result<::csv::Reader<R>, ImportError> {
        Ok(::csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(open()?))
    };
    let error = |e: ::csv::Error| ImportError::Format {
        path: path.to_string(),
        line: e.position().map_or(0, |p| p.line()),
        message: e.to_string(),
    };
    // The csv crate starts a CRLF record's position at the `\n` ending the
    // line before it, one line early.
    let line_shift = u64::from(ends_lines_with_crlf(open()?));
    let record_line = |record: &ByteRecord| record.position().map_or(0, |p| p.line() + line_shift);
    let mut first = reader()?;
    let header_record = first.byte_headers().map_err(error)?.clone();
    let mut headers = Vec::with_capacity(header_record.len());
    for header in &header_record {
        let header = std::str::from_utf8(header).map_err(|_| ImportError::Format {
            path: path.to_string(),
            line: 1,
            message: "the header row is not valid UTF-8".into(),
        })?;
        // A UTF-8 byte order mark is not part of the first name.
        headers.push(header.trim_start_matches('\u{feff}').trim().to_string());
    }
    if headers.iter().all(String::is_empty) {
        return Err(ImportError::Format {
            path: path.to_string(),
            line: 1,
            message: "the file has no header row".into(),
        });
    }
    let mapped = map_headers(&headers);
    let known: Vec<Option<ScalarType>> = mapped
        .iter()
        .map(|(name, zone)| match zone {
            Some(_) => Some(ScalarType::DateTime),
            None => schema.and_then(|s| s.column(name)).and_then(|c| c.ty.scalar()),
        })
        .collect();
    // `datetime` columns of the schema may hold the portal's form too.
    let mut export_datetimes: Vec<Option<ExportDatetimes>> = mapped
        .iter()
        .zip(&known)
        .map(|((_, zone), known)| match zone {
            Some(zone) => Some(ExportDatetimes::new(zone.clone())),
            None => (*known == Some(ScalarType::DateTime)).then(|| ExportDatetimes::new(DisplayZone::Utc)),
        })
        .collect();
    // Pass 1: record checks, inference where the type is unknown, `int`
    // overflow checks, the date order of export datetimes.
    let mut problems = Vec::new();
    let mut inference: Vec<Option<Inference>> =
        known.iter().map(|k| if k.is_none() { Some(Inference::default()) } else { None }).collect();
    let mut int_overflow = vec![false; headers.len()];
    let mut rows = 0usize;
    let mut record = ByteRecord::new();
    while first.read_byte_record(&mut record).map_err(error)? {
        let line = record_line(&record);
        if let Err(message) = check_record(&record, &headers, line, first.position().line() + line_shift) {
            problems.push(Problem::skipped(line, message));
            continue;
        }
        rows += 1;
        for (index, value) in fields(&record).enumerate() {
            if let Some(Some(inferring)) = inference.get_mut(index) {
                inferring.observe(value);
            }
            if let Some(Some(datetimes)) = export_datetimes.get_mut(index) {
                datetimes.observe(value);
            }
            if known.get(index) == Some(&Some(ScalarType::Int))
                && !value.trim().is_empty()
                && value.trim().parse::<i32>().is_err()
                && value.trim().parse::<i64>().is_ok()
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
    report_columns(&headers, &mapped, &export_datetimes, &types, schema, &mut problems);
    // Pass 2: typed columns from the records that passed the checks.
    let mut builders: Vec<TextColumnBuilder> = types.iter().map(|ty| TextColumnBuilder::new(*ty, rows)).collect();
    let mut second = reader()?;
    while second.read_byte_record(&mut record).map_err(error)? {
        if check_record(&record, &headers, 0, 0).is_err() {
            continue;
        }
        for (index, (builder, value)) in builders.iter_mut().zip(fields(&record)).enumerate() {
            let valid = match &export_datetimes[index] {
                Some(datetimes) => match datetimes.convert(value) {
                    Some(converted) => {
                        builder.push_value(&converted);
                        true
                    }
                    None => {
                        builder.push_value(&Value::Null);
                        false
                    }
                },
                None => builder.push(value),
            };
            if !valid {
                let message =
                    format!("`{value}` is not a valid `{}`: `{}` left empty", types[index].name(), mapped[index].0);
                problems.push(Problem::kept(record_line(&record), message));
            }
        }
    }
    problems.sort_by_key(|problem| problem.line);
    let names = mapped.into_iter().map(|(name, _)| name);
    let table = Table::new(names.zip(builders.into_iter().map(TextColumnBuilder::finish)).collect());
    Ok(Imported { table, problems })
}

/// Problems of whole columns, reported on the header line: columns the
/// schema does not know, and export datetimes in an unknown zone.
fn report_columns(
    headers: &[String],
    mapped: &[(String, Option<DisplayZone>)],
    export_datetimes: &[Option<ExportDatetimes>],
    types: &[ScalarType],
    schema: Option<&TableType>,
    problems: &mut Vec<Problem>,
) {
    for (index, header) in headers.iter().enumerate() {
        if let Some(caveat) = export_datetimes[index].as_ref().and_then(|d| d.caveat(header)) {
            problems.push(Problem::kept(1, caveat));
        }
        let name = &mapped[index].0;
        if let Some(schema) = schema
            && schema.column(name).is_none()
        {
            problems.push(Problem::kept(1, unknown_column(name, types[index])));
        }
    }
}

/// The problem of a column the table's schema does not have.
pub fn unknown_column(name: &str, ty: ScalarType) -> String {
    format!("column `{name}` is not in the table's schema: kept, typed `{}` from its values", ty.name())
}

/// Whether the first line of the text ends with `\r\n`.
fn ends_lines_with_crlf<R: std::io::Read>(mut reader: R) -> bool {
    let mut buffer = [0u8; 8192];
    let mut previous = 0u8;
    let mut seen = 0usize;
    while seen < (1 << 20) {
        let Ok(n) = reader.read(&mut buffer) else { return false };
        if n == 0 {
            return false;
        }
        if let Some(at) = memchr::memchr(b'\n', &buffer[..n]) {
            let before = if at == 0 { previous } else { buffer[at - 1] };
            return before == b'\r';
        }
        previous = buffer[n - 1];
        seen += n;
    }
    false
}

/// Why a record cannot be imported: a field count other than the header's
/// (with the lines it spans, as an unclosed quote swallows the lines after
/// it), or text that is not UTF-8. `start` is the record's line and
/// `end_line` the reader's line after it, 0 when unknown.
fn check_record(record: &ByteRecord, headers: &[String], start: u64, end_line: u64) -> Result<(), String> {
    if record.len() != headers.len() {
        let span = if end_line > start + 1 {
            format!(" (the record runs from line {start} to line {}: an unclosed quote?)", end_line - 1)
        } else {
            String::new()
        };
        return Err(format!("{} fields where the header has {}{span}", record.len(), headers.len()));
    }
    for (index, field) in record.iter().enumerate() {
        if std::str::from_utf8(field).is_err() {
            return Err(format!("the value of `{}` is not valid UTF-8", headers[index]));
        }
    }
    Ok(())
}

/// The fields of a record [`check_record`] accepted, as text.
fn fields(record: &ByteRecord) -> impl Iterator<Item = &str> {
    record.iter().map(|field| std::str::from_utf8(field).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::schema::Schemas;

    fn lines(imported: &Imported) -> Vec<(u64, bool, String)> {
        imported.problems.iter().map(|p| (p.line, p.skipped, p.message.clone())).collect()
    }

    #[test]
    fn bad_records_are_problems_and_the_rest_imports() {
        let text = b"a,b\n1,x\n2\n3,y,z\n4,caf\xE9\n5,ok\n";
        let imported = import_csv_with("t.csv", None, || Ok(&text[..])).expect("imports despite the bad records");
        assert_eq!(imported.table.rows, 2);
        assert_eq!(imported.table.schema(), vec![("a".into(), ScalarType::Long), ("b".into(), ScalarType::String)]);
        assert_eq!(
            lines(&imported),
            vec![
                (3, true, "1 fields where the header has 2".into()),
                (4, true, "3 fields where the header has 2".into()),
                (5, true, "the value of `b` is not valid UTF-8".into()),
            ]
        );
    }

    #[test]
    fn problems_name_the_right_line_with_crlf_line_ends() {
        let schema = Schemas::builtin().table("Syslog").cloned().expect("Syslog is built in");
        let text = "Computer,ProcessID\r\nx,1\r\ny,zz\r\nz,null\r\n";
        let imported = import_csv("t.csv", text, Some(&schema)).expect("imports");
        assert_eq!(lines(&imported), vec![(3, false, "`zz` is not a valid `int`: `ProcessID` left empty".into())]);
        assert!(imported.table.row(2)[1].is_null());
    }

    #[test]
    fn an_unclosed_quote_names_the_lines_it_swallows() {
        let imported = import_csv("t.csv", "a,b\n\"1,x\n2,y\n3,z\n", None).expect("imports");
        assert_eq!(imported.table.rows, 0);
        assert_eq!(
            lines(&imported),
            vec![(
                2,
                true,
                "1 fields where the header has 2 (the record runs from line 2 to line 4: an unclosed quote?)".into()
            )]
        );
        // TODO(#6): an unclosed quote in the last column keeps the field count
        // right, so the rest of the file becomes that one value unreported.
    }

    #[test]
    fn values_that_do_not_fit_the_schema_are_left_empty_and_reported() {
        let schema = Schemas::builtin().table("Syslog").cloned().expect("Syslog is built in");
        let text = "Computer,ProcessID,Extra\nweb1,12,x\nweb2,abc,y\nweb3,,z\n";
        let imported = import_csv("t.csv", text, Some(&schema)).expect("imports");
        assert_eq!(imported.table.rows, 3);
        assert!(imported.table.row(1)[1].is_null());
        assert_eq!(
            lines(&imported),
            vec![
                (1, false, "column `Extra` is not in the table's schema: kept, typed `string` from its values".into()),
                (3, false, "`abc` is not a valid `int`: `ProcessID` left empty".into()),
            ]
        );
    }

    #[test]
    fn log_analytics_export_headers_map_back_to_typed_columns() {
        let schema = Schemas::builtin().table("Syslog").cloned().expect("Syslog is built in");
        let text = "\u{feff}TenantId,\"TimeGenerated [UTC]\",Computer,\"EventTime [UTC]\"\n\
                    00000000-0000-0000-0000-000000000000,\"7/7/2022, 8:55:10.130 PM\",fw,\"7/7/2022, 10:55:10.000 PM\"\n";
        let imported = import_csv("t.csv", text, Some(&schema)).expect("imports");
        assert!(imported.problems.is_empty(), "{:?}", imported.problems);
        assert_eq!(
            imported.table.schema(),
            vec![
                ("TenantId".into(), ScalarType::Guid),
                ("TimeGenerated".into(), ScalarType::DateTime),
                ("Computer".into(), ScalarType::String),
                ("EventTime".into(), ScalarType::DateTime),
            ]
        );
        assert_eq!(imported.table.row(0)[1].to_kql_string(), "2022-07-07T20:55:10.1300000Z");
        let bad = import_csv("t.csv", "\"TimeGenerated [UTC]\"\n\"13/13/2022, 1:00:00 PM\"\n", None).expect("imports");
        assert_eq!(
            lines(&bad),
            vec![(2, false, "`13/13/2022, 1:00:00 PM` is not a valid `datetime`: `TimeGenerated` left empty".into())]
        );
    }

    #[test]
    fn an_empty_file_is_an_error() {
        let error = import_csv("t.csv", "", None).expect_err("no header");
        assert_eq!(error.to_string(), "`t.csv` line 1: the file has no header row");
    }
}
