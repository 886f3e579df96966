//! CSV with a header row (RFC 4180) to a table. Two passes over the text:
//! the first checks each record and infers the types of columns the schema
//! does not know (and widens `int` columns holding bigger numbers), the
//! second builds the typed columns directly, so no per-cell strings are
//! kept. A bad record is a [`Problem`], not the end of the import, and so
//! is a quote that is most likely not closed: the lines it took in are read
//! again (see [`crate::import::csv_records`]). Headers of a Log Analytics
//! export (`TimeGenerated [UTC]`) are mapped back to their columns (see
//! [`crate::import::portal_export`]).

use ::csv::ByteRecord;

use crate::analysis::types::TableType;
use crate::engine::table::Table;
use crate::engine::value::Value;
use crate::import::csv_records::{CsvRecords, QuoteTrouble, RecordLines};
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
    let error = |e: ::csv::Error| ImportError::Format {
        path: path.to_string(),
        line: e.position().map_or(0, |p| p.line()),
        message: e.to_string(),
    };
    let mut first = CsvRecords::new(open()?);
    let mut header_record = ByteRecord::new();
    if let Some(RecordLines { quote: Some(trouble), last_line, .. }) = first.read(&mut header_record).map_err(error)? {
        return Err(ImportError::Format {
            path: path.to_string(),
            line: 1,
            message: header_quote_problem(&trouble, last_line),
        });
    }
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
    first.set_header_fields(headers.len());
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
    while let Some(lines) = first.read(&mut record).map_err(error)? {
        if let Some(trouble) = &lines.quote
            && trouble.skips()
        {
            problems.push(Problem::skipped(lines.line, quote_problem(trouble, lines.last_line, &headers)));
            continue;
        }
        if let Err(message) = check_record(&record, &headers, lines.line, lines.last_line) {
            problems.push(Problem::skipped(lines.line, message));
            continue;
        }
        if let Some(trouble) = &lines.quote {
            problems.push(Problem::kept(lines.line, quote_problem(trouble, lines.last_line, &headers)));
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
    let mut second = CsvRecords::new(open()?);
    second.read(&mut record).map_err(error)?;
    second.set_header_fields(headers.len());
    while let Some(lines) = second.read(&mut record).map_err(error)? {
        if lines.quote.as_ref().is_some_and(QuoteTrouble::skips) || check_record(&record, &headers, 0, 0).is_err() {
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
                problems.push(Problem::kept(lines.line, message));
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

/// Why a record cannot be imported: a field count other than the header's
/// (with the lines it spans, as an unclosed quote swallows the lines after
/// it), or text that is not UTF-8. `start` and `last_line` are the record's
/// first and last lines, 0 when unknown.
fn check_record(record: &ByteRecord, headers: &[String], start: u64, last_line: u64) -> Result<(), String> {
    if record.len() != headers.len() {
        let span = if last_line > start {
            format!(" (the record runs from line {start} to line {last_line}: an unclosed quote?)")
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

/// The problem of a quoted value that most likely lacks its closing quote
/// (see [`QuoteTrouble`]), naming the lines it took in; `last_line` is the
/// record's last line.
fn quote_problem(trouble: &QuoteTrouble, last_line: u64, headers: &[String]) -> String {
    let column = |field: usize| match headers.get(field) {
        Some(name) => format!("`{name}`"),
        None => format!("field {}", field + 1),
    };
    let lines = |from: u64, to: u64| if from == to { format!("line {from}") } else { format!("lines {from} to {to}") };
    let hint = "close the quote, or write a quote inside a value as `\"\"`";
    match *trouble {
        QuoteTrouble::Unclosed { field, opened } if last_line > opened => format!(
            "the quoted value of {} from line {opened} is never closed: it runs to the end of the file, taking in {} \
             (read again as records; {hint})",
            column(field),
            lines(opened + 1, last_line)
        ),
        QuoteTrouble::Unclosed { field, opened } => {
            format!("the quoted value of {} on line {opened} is never closed ({hint})", column(field))
        }
        QuoteTrouble::ClosedInText { field, opened, closed } => format!(
            "the quoted value of {} from line {opened} is closed on line {closed} by a quote with text after it: \
             an unclosed quote? ({} read again as records; {hint})",
            column(field),
            lines(opened + 1, closed)
        ),
        QuoteTrouble::HoldsRecords { field, from, to } => format!(
            "the quoted value of {} holds {}, which read as records: an unclosed quote? (the value is kept as read; \
             {hint})",
            column(field),
            lines(from, to)
        ),
    }
}

/// The problem of a header row with a quote that is most likely not
/// closed: the header is the rest of the file, or most of it.
fn header_quote_problem(trouble: &QuoteTrouble, last_line: u64) -> String {
    let (QuoteTrouble::Unclosed { field, .. }
    | QuoteTrouble::ClosedInText { field, .. }
    | QuoteTrouble::HoldsRecords { field, .. }) = *trouble;
    format!(
        "the quoted name of field {} is not closed: the header row runs to line {last_line} (close the quote, or \
         write a quote inside a name as `\"\"`)",
        field + 1
    )
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
        // Closed by a stray quote later on: the field count is wrong.
        let imported = import_csv("t.csv", "a,b\n\"1,x\n2,y\n3,z\"\n4,w\n", None).expect("imports");
        assert_eq!(imported.table.rows, 1);
        assert_eq!(
            lines(&imported),
            vec![(
                2,
                true,
                "1 fields where the header has 2 (the record runs from line 2 to line 4: an unclosed quote?)".into()
            )]
        );
        // Never closed, in the first or the last column: the lines after
        // the quote are read again as records.
        for (text, column) in [("a,b\n\"1,x\n2,y\n3,z\n", "a"), ("a,b\n1,\"x\n2,y\n3,z\n", "b")] {
            let imported = import_csv("t.csv", text, None).expect("imports");
            assert_eq!(imported.table.rows, 2, "{text:?}");
            assert_eq!(imported.table.row(1), vec![Value::Long(3), Value::str("z")]);
            assert_eq!(
                lines(&imported),
                vec![(
                    2,
                    true,
                    format!(
                        "the quoted value of `{column}` from line 2 is never closed: it runs to the end of the file, \
                         taking in lines 3 to 4 (read again as records; close the quote, or write a quote inside a \
                         value as `\"\"`)"
                    )
                )]
            );
        }
    }

    #[test]
    fn an_unclosed_quote_on_the_last_line_is_a_problem() {
        let imported = import_csv("t.csv", "a,b\r\n1,x\r\n2,\"y", None).expect("imports");
        assert_eq!(imported.table.rows, 1);
        assert_eq!(
            lines(&imported),
            vec![(
                3,
                true,
                "the quoted value of `b` on line 3 is never closed (close the quote, or write a quote inside a value \
                 as `\"\"`)"
                    .into()
            )]
        );
    }

    #[test]
    fn an_unclosed_quote_ended_by_the_next_quoted_value_is_read_again() {
        let text = "a,b,c\n1,\"x,\n2,y,z\n3,\"q\",r\n4,s,t\n";
        let imported = import_csv("t.csv", text, None).expect("imports");
        assert_eq!(imported.table.rows, 3);
        assert_eq!(imported.table.row(1), vec![Value::Long(3), Value::str("q"), Value::str("r")]);
        assert_eq!(
            lines(&imported),
            vec![(
                2,
                true,
                "the quoted value of `b` from line 2 is closed on line 4 by a quote with text after it: an unclosed \
                 quote? (lines 3 to 4 read again as records; close the quote, or write a quote inside a value as \
                 `\"\"`)"
                    .into()
            )]
        );
    }

    #[test]
    fn a_value_holding_lines_that_read_as_records_is_kept_with_a_problem() {
        let text = "a,b,c\n1,2,\"x\n3,4,5\n6,7,8\"\n9,10,11\n";
        let imported = import_csv("t.csv", text, None).expect("imports");
        assert_eq!(imported.table.rows, 2);
        assert_eq!(imported.table.row(0)[2], Value::str("x\n3,4,5\n6,7,8"));
        assert_eq!(
            lines(&imported),
            vec![(
                2,
                false,
                "the quoted value of `c` holds lines 3 to 4, which read as records: an unclosed quote? (the value is \
                 kept as read; close the quote, or write a quote inside a value as `\"\"`)"
                    .into()
            )]
        );
        // Values spanning lines that do not look like records are fine.
        let text = "a,b,c\n1,2,\"Dear Al,\nthanks, see you\nBo\"\n9,10,11\n";
        let imported = import_csv("t.csv", text, None).expect("imports");
        assert!(imported.problems.is_empty(), "{:?}", imported.problems);
        assert_eq!(imported.table.rows, 2);
    }

    #[test]
    fn an_unclosed_quote_in_the_header_is_an_error() {
        let error = import_csv("t.csv", "a,\"b\n1,2\n", None).expect_err("no header row");
        assert_eq!(
            error.to_string(),
            "`t.csv` line 1: the quoted name of field 2 is not closed: the header row runs to line 2 (close the \
             quote, or write a quote inside a name as `\"\"`)"
        );
    }

    #[test]
    fn problems_name_the_line_after_blank_lines() {
        let imported = import_csv("t.csv", "a,b\n1,x\n\n\n2\n", None).expect("imports");
        assert_eq!(lines(&imported), vec![(5, true, "1 fields where the header has 2".into())]);
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
