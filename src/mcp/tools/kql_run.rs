//! `kql_run`: run a query with kqlab's local engine on sample tables given
//! inline or read from the server's folders, as `kqlab run` does, within
//! limits small enough that a runaway query ends quickly with a tool error.
//!
//! The query runs behind the rules folder's functions and with its
//! watchlists; tables are typed by their known schema (built-in, the cached
//! workspace's, or the folder's `kqlab.toml` schemas), and a known table's
//! columns that the sample lacks are typed nulls.

use std::path::Path;
use std::time::{Duration, Instant};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::kql_validate::{ColumnOut, DiagnosticOut, check_query_size, count, render_diagnostics};
use crate::analysis::Globals;
use crate::diagnostics::{Code, has_errors};
use crate::engine::Options;
use crate::engine::error::ExecError;
use crate::engine::table::{Database, Table};
use crate::engine::value::Value;
use crate::import::{Imported, SampleFormat};
use crate::mcp::Context;
use crate::mcp::workspace_schema::ServerSchemas;
use crate::ruleset::document::Document;
use crate::ruleset::folder::Folder;
use crate::ruleset::runner::Limits;
use crate::text::{SourceFile, Span};

/// Rows returned per result table unless `max_rows` says otherwise.
pub const DEFAULT_MAX_ROWS: u32 = 100;
/// The most rows returned per result table.
pub const MAX_MAX_ROWS: u32 = 10_000;
/// The largest inline `text` of one table.
pub const MAX_TEXT_BYTES: usize = 8 << 20;
/// The largest inline texts of one call together.
pub const MAX_TOTAL_TEXT_BYTES: usize = 32 << 20;
/// The largest sample file a `path` may name.
pub const MAX_FILE_BYTES: u64 = 64 << 20;
/// Import problems listed per table (the rest are counted).
const SHOWN_PROBLEMS: usize = 20;

/// The server's limits for one query: smaller than `kqlab run`'s, so that a
/// cross join or a huge `range` fails in seconds and the server goes on.
pub fn server_limits() -> Limits {
    Limits { timeout: Duration::from_secs(10), max_rows: 1_000_000, max_memory: 512 << 20 }
}

/// One input table of the query.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct TableParam {
    /// The table name the query uses, e.g. `SigninLogs`. A known table's
    /// schema types the sample's columns and adds its other columns as nulls.
    pub name: String,
    /// Where its rows come from: `text` or `path`, and `format`.
    #[serde(flatten)]
    pub source: SampleSource,
}

/// A sample given inline or as a file, and its format: shared by `kql_run`'s
/// tables and `kql_fixture`, and flattened into their parameters.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct SampleSource {
    /// The sample data inline: CSV with a header row, a JSON array of
    /// objects, JSON Lines, XML (Windows event XML too), CEF or syslog lines,
    /// or any text (one `RawData` row per line). Give `text` or `path`.
    #[serde(default)]
    pub text: Option<String>,
    /// A sample file under the server's rules or samples folder (relative to
    /// the server's working directory), e.g. `samples/signin.csv`.
    #[serde(default)]
    pub path: Option<String>,
    /// The format when it should not be guessed: `csv`, `json` (JSON Lines
    /// too), `xml`, `cef`, `syslog` or `lines`. Default: the file's
    /// extension, else the content.
    #[serde(default)]
    pub format: Option<String>,
}

impl SampleSource {
    /// A sample given inline.
    pub fn inline(text: impl Into<String>) -> Self {
        Self { text: Some(text.into()), ..Self::default() }
    }
}

/// Parameters of `kql_run`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Params {
    /// The KQL query (`let` statements before it are fine).
    pub query: String,
    /// The tables the query reads, with their sample data.
    #[serde(default)]
    pub tables: Vec<TableParam>,
    /// The query's `now()`, an ISO datetime such as `2025-06-15T00:00:00Z`;
    /// default 2025-01-01T00:00:00Z, as `kqlab run`. Pin it near the
    /// samples' times when the query filters with `ago()`.
    #[serde(default)]
    pub now: Option<String>,
    /// Rows returned per result table (default 100, at most 10000); the
    /// full count is in `row_count`.
    #[serde(default)]
    pub max_rows: Option<u32>,
    /// Run on an empty table of its schema any known table the query reads
    /// but `tables` does not give (default false: that is an error).
    #[serde(default)]
    pub empty_tables: bool,
    /// A workspace in the schema cache whose table schemas to use; default:
    /// the server's `--workspace`, when it has one.
    #[serde(default)]
    pub workspace: Option<String>,
}

/// The result of a run.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// True when the query ran (no error diagnostics).
    pub ok: bool,
    /// The first result table's columns.
    pub columns: Vec<ColumnOut>,
    /// Its rows (at most `max_rows`), one object per row keyed by column
    /// name; datetimes are ISO strings, dynamic values JSON.
    pub rows: Vec<serde_json::Map<String, serde_json::Value>>,
    /// How many rows the table has in all.
    pub row_count: u64,
    /// True when `rows` holds fewer rows than `row_count`.
    pub truncated: bool,
    /// Further result tables (more query statements, `fork` legs).
    pub more_tables: Vec<ResultTable>,
    pub error_count: u32,
    pub warning_count: u32,
    /// Problems in the query, located as kql_validate locates them; with
    /// an error the query did not run.
    pub diagnostics: Vec<DiagnosticOut>,
    /// Sample lines or records that did not import cleanly, per table.
    pub import_problems: Vec<ImportProblem>,
    /// The `now()` the query ran with.
    pub now: String,
    /// Other things worth knowing: schema cache or watchlist problems.
    pub warnings: Vec<String>,
    pub elapsed_ms: u64,
}

/// A further result table.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ResultTable {
    /// The `fork` leg's name, or `Table_N`.
    pub name: String,
    pub columns: Vec<ColumnOut>,
    pub rows: Vec<serde_json::Map<String, serde_json::Value>>,
    pub row_count: u64,
    pub truncated: bool,
}

/// A sample line or record that did not import cleanly.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ImportProblem {
    pub table: String,
    /// The 1-based line in the sample (0: the whole sample).
    pub line: u64,
    pub message: String,
    /// True when the line is missing from the table; false when the row is
    /// there with a value left empty.
    pub skipped: bool,
}

/// Imports the tables, checks the query and runs it. Bad inputs, an
/// oversized query or text, and a failed run (a limit, a timeout, missing
/// table data) are tool errors; problems in the query are diagnostics.
pub fn run(context: &Context, params: Params) -> Result<Output, String> {
    let started = Instant::now();
    check_query_size("kql_run", &params.query)?;
    check_tables(&params.tables)?;
    let max_rows = params.max_rows.unwrap_or(DEFAULT_MAX_ROWS).min(MAX_MAX_ROWS) as usize;
    let now = match params.now.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
        Some(text) => crate::syntax::literal::parse_datetime(text)
            .ok_or_else(|| format!("`now` is not a datetime: `{text}` (write e.g. 2025-06-15T00:00:00Z)"))?,
        None => Options::default().now,
    };
    let mut schemas = ServerSchemas::load(context, params.workspace.as_deref());
    let folder = rules_folder(context, &mut schemas);
    let (globals, config_problems) =
        crate::ruleset::config::folder_globals(folder.config.as_ref(), &folder.root, &schemas.globals);
    let mut warnings = std::mem::take(&mut schemas.warnings);
    warnings.extend(config_problems.into_iter().map(|d| format!("the rules folder's kqlab.toml: {}", d.message)));
    let (database, globals, import_problems) = load_tables(context, &params.tables, globals)?;
    let mut database = database;
    for error in crate::ruleset::runner::insert_watchlists(&folder, now, &mut database) {
        warnings.push(format!("watchlist left out: {error}"));
    }
    let document = Document::load(Path::new("query.kql"), params.query.clone());
    let limits = server_limits();
    let options =
        Options { now, max_rows: limits.max_rows, max_memory: limits.max_memory, cancel: None, seed: Some(0) };
    let empty_tables = params.empty_tables;
    let (diagnostics, result) = super::with_large_stack(|| {
        let Some(analyzed) = crate::ruleset::query::analyze_document(&document, &folder.functions, &globals) else {
            return (Vec::new(), None);
        };
        if has_errors(&analyzed.diagnostics) {
            return (analyzed.diagnostics, None);
        }
        let schemas = empty_tables.then_some(globals.schemas.as_ref());
        let result =
            crate::ruleset::runner::execute_within(&analyzed.query, &database, &options, schemas, limits.timeout)
                .map_err(|error| (error, analyzed.offset));
        (analyzed.diagnostics, Some(result))
    });
    let source = SourceFile::new("query", params.query);
    let diagnostics = render_diagnostics(&diagnostics, &source);
    let (error_count, warning_count) = count(&diagnostics);
    let mut output = Output {
        ok: error_count == 0,
        columns: Vec::new(),
        rows: Vec::new(),
        row_count: 0,
        truncated: false,
        more_tables: Vec::new(),
        error_count,
        warning_count,
        diagnostics,
        import_problems,
        now: crate::engine::time::format_datetime_api(now),
        warnings,
        elapsed_ms: 0,
    };
    match result {
        None => {}
        Some(Err((error, offset))) => return Err(failure(&error, offset, &source, &limits)),
        Some(Ok(tables)) => {
            let mut results = tables.iter().enumerate().map(|(index, named)| {
                let name = crate::engine::output::table_name(named.name.as_deref(), index);
                render_table(name, &named.table, max_rows)
            });
            if let Some(first) = results.next() {
                output.columns = first.columns;
                output.rows = first.rows;
                output.row_count = first.row_count;
                output.truncated = first.truncated;
            }
            output.more_tables = results.collect();
        }
    }
    output.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(output)
}

/// Refuses tables without exactly one source, repeated names and texts over the caps.
pub fn check_tables(tables: &[TableParam]) -> Result<(), String> {
    let mut total = 0usize;
    for (index, table) in tables.iter().enumerate() {
        if table.name.trim().is_empty() {
            return Err(format!("`tables[{index}]` has no `name`"));
        }
        if tables[..index].iter().any(|other| other.name == table.name) {
            return Err(format!("the table `{}` is given twice in `tables`", table.name));
        }
        match (&table.source.text, &table.source.path) {
            (Some(_), Some(_)) => {
                return Err(format!("the table `{}` has both `text` and `path`; give one of them", table.name));
            }
            (None, None) => {
                return Err(format!(
                    "the table `{}` has no data: give its sample inline as `text` (CSV, JSON, XML, CEF, syslog) or a file as `path`",
                    table.name
                ));
            }
            (Some(text), None) if text.len() > MAX_TEXT_BYTES => {
                return Err(format!(
                    "the `text` of table `{}` is {} bytes; inline samples may have up to {MAX_TEXT_BYTES} bytes (put a larger sample in the samples folder and give its `path`)",
                    table.name,
                    text.len()
                ));
            }
            (Some(text), None) => total += text.len(),
            (None, Some(_)) => {}
        }
        if let Some(format) = &table.source.format
            && SampleFormat::from_name(format).is_none()
        {
            return Err(format!(
                "the `format` of table `{}`, `{format}`, is not one of csv, json, jsonl, xml, cef, syslog, lines",
                table.name
            ));
        }
    }
    if total > MAX_TOTAL_TEXT_BYTES {
        return Err(format!(
            "the inline samples are {total} bytes together; one call may send up to {MAX_TOTAL_TEXT_BYTES} bytes"
        ));
    }
    Ok(())
}

/// The server's rules folder with the workspace's functions (an empty
/// folder when there is none).
pub fn rules_folder(context: &Context, schemas: &mut ServerSchemas) -> Folder {
    let mut folder = match context.readable(&context.rules_folder().to_string_lossy()) {
        Ok(path) if path.is_dir() => match context.load_folder(&path) {
            Ok(folder) => Folder::clone(&folder),
            Err(error) => {
                schemas
                    .warnings
                    .push(format!("the rules folder could not be read ({error}); its functions are left out"));
                Folder::default()
            }
        },
        _ => Folder::default(),
    };
    schemas.add_functions_to(&mut folder);
    folder
}

/// Imports every table, typed by `globals`' schemas, and returns the
/// database, the globals with each table's columns, and the import problems.
fn load_tables(
    context: &Context,
    tables: &[TableParam],
    globals: Globals,
) -> Result<(Database, Globals, Vec<ImportProblem>), String> {
    let mut schemas = globals.schemas.as_ref().clone();
    let mut database = Database::new();
    let mut problems = Vec::new();
    for table in tables {
        let known = schemas.table(&table.name).cloned();
        let imported = import_sample(context, table, known.as_deref())?;
        problems.extend(import_problems(&table.name, &imported.problems));
        let (sample, table_type) = crate::import::bind_sample(imported.table, known.as_deref());
        schemas.add_table(&table.name, table_type.shared());
        database.insert(&table.name, sample);
    }
    Ok((database, Globals::with_schemas(schemas), problems))
}

/// The first import problems of a table, then a count of the others.
pub fn import_problems(table: &str, problems: &[crate::import::Problem]) -> Vec<ImportProblem> {
    let mut out: Vec<ImportProblem> = problems
        .iter()
        .take(SHOWN_PROBLEMS)
        .map(|problem| ImportProblem {
            table: table.to_string(),
            line: problem.line,
            message: problem.message.clone(),
            skipped: problem.skipped,
        })
        .collect();
    if problems.len() > SHOWN_PROBLEMS {
        out.push(ImportProblem {
            table: table.to_string(),
            line: 0,
            message: format!("{} more problems not listed", problems.len() - SHOWN_PROBLEMS),
            skipped: false,
        });
    }
    out
}

/// Imports one table's sample, inline or from a readable file; a sample
/// that cannot be read at all is a tool error naming the table.
pub fn import_sample(
    context: &Context,
    table: &TableParam,
    known: Option<&crate::analysis::types::TableType>,
) -> Result<Imported, String> {
    let format = table.source.format.as_deref().and_then(SampleFormat::from_name);
    let named =
        |error: crate::import::ImportError| format!("the sample of table `{}` cannot be read: {error}", table.name);
    if let Some(text) = &table.source.text {
        let display = format!("{} (inline text)", table.name);
        return crate::import::import_text_checked(&display, text, format, known, false).map_err(named);
    }
    let path = table.source.path.as_deref().unwrap_or_default();
    let resolved = context.readable(path)?;
    let size = std::fs::metadata(&resolved).map_err(|error| format!("cannot read `{path}`: {error}"))?.len();
    if !resolved.is_file() {
        return Err(format!("`{path}` is not a file"));
    }
    if size > MAX_FILE_BYTES {
        return Err(format!(
            "`{path}` is {size} bytes; samples read by the server may have up to {MAX_FILE_BYTES} bytes"
        ));
    }
    match format {
        None => crate::import::import_file_checked(&resolved, known, false).map_err(named),
        Some(format) => {
            let text = std::fs::read_to_string(&resolved).map_err(|error| format!("cannot read `{path}`: {error}"))?;
            crate::import::import_text_checked(path, &text, Some(format), known, false).map_err(named)
        }
    }
}

/// A failed run as a tool error: the diagnostic's code, message, place in
/// the query and help, with the server's limits named when one was hit.
fn failure(error: &ExecError, offset: u32, source: &SourceFile, limits: &Limits) -> String {
    let mut diagnostic = error.to_diagnostic(Span::empty(offset));
    let start = diagnostic.span.start.saturating_sub(offset);
    diagnostic.span = Span::new(start, diagnostic.span.end.saturating_sub(offset).max(start));
    let at = source.line_col(diagnostic.span.start);
    let mut message = format!(
        "the query failed at line {}, column {}: error[{}]: {}",
        at.line, at.column, diagnostic.code, diagnostic.message
    );
    let help = match diagnostic.code {
        Code::MissingTableData => Some(
            "add the table to `tables` (inline `text` or a `path`), or set `empty_tables` to run on an empty table"
                .to_string(),
        ),
        Code::RowLimitExceeded | Code::MemoryLimitExceeded | Code::QueryCancelled => Some(format!(
            "this server runs a query for at most {} s, with at most {} rows and {} MB per intermediate result; \
             filter or summarize earlier, join on a key rather than a cross product, or use smaller samples",
            limits.timeout.as_secs(),
            limits.max_rows,
            limits.max_memory >> 20
        )),
        _ => diagnostic.help.clone(),
    };
    if let Some(help) = help {
        message.push_str(&format!("; help: {help}"));
    }
    message
}

/// A result table as columns and JSON rows, cut to `max_rows`.
fn render_table(name: String, table: &Table, max_rows: usize) -> ResultTable {
    let columns =
        table.fields.iter().map(|f| ColumnOut { name: f.name.clone(), ty: f.column.ty().name().to_string() }).collect();
    let rows = (0..table.rows.min(max_rows))
        .map(|row| {
            table
                .fields
                .iter()
                .map(|field| (field.name.clone(), json_value(&field.column.get(row), field.column.ty())))
                .collect()
        })
        .collect();
    ResultTable { name, columns, rows, row_count: table.rows as u64, truncated: table.rows > max_rows }
}

/// One cell as JSON: as the Log Analytics API writes it, except that a
/// dynamic value is JSON rather than a string holding JSON.
fn json_value(value: &Value, ty: crate::syntax::ast::ScalarType) -> serde_json::Value {
    match value {
        Value::Dynamic(dynamic) => {
            let text = dynamic.to_json();
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
        }
        _ => crate::engine::output::api_value(value, ty),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inline(name: &str, text: &str) -> TableParam {
        TableParam { name: name.into(), source: SampleSource::inline(text) }
    }

    fn params(query: &str, tables: Vec<TableParam>) -> Params {
        Params { query: query.into(), tables, now: None, max_rows: None, empty_tables: false, workspace: None }
    }

    fn context() -> Context {
        Context::local("rules", vec!["samples".into()])
    }

    #[test]
    fn inline_csv_runs_with_the_known_schema_and_typed_nulls() {
        let csv = "TimeGenerated,UserPrincipalName,ResultType\n2025-01-01T00:00:00Z,alice@contoso.com,50126\n2025-01-01T00:01:00Z,alice@contoso.com,50126\n2025-01-01T00:02:00Z,bob@contoso.com,0\n";
        let query = "SigninLogs | where ResultType != \"0\" | summarize n = count(), ip = take_any(IPAddress) by UserPrincipalName";
        let output = run(&context(), params(query, vec![inline("SigninLogs", csv)])).unwrap();
        assert!(output.ok, "{:?}", output.diagnostics);
        assert_eq!(output.row_count, 1);
        assert_eq!(output.rows[0]["UserPrincipalName"], "alice@contoso.com");
        assert_eq!(output.rows[0]["n"], 2);
        // `IPAddress` is not in the sample: a typed null of the schema.
        assert_eq!(output.columns[2].ty, "string");
        assert_eq!(output.rows[0]["ip"], "");
    }

    #[test]
    fn rows_are_cut_to_max_rows_and_counted() {
        let mut request = params("range x from 1 to 50 step 1", vec![]);
        request.max_rows = Some(10);
        let output = run(&context(), request).unwrap();
        assert_eq!((output.rows.len(), output.row_count, output.truncated), (10, 50, true));
        assert_eq!(output.columns[0].ty, "long");
    }

    #[test]
    fn query_errors_are_diagnostics_not_tool_errors() {
        let output = run(&context(), params("print x = 1\n| where y > 1", vec![])).unwrap();
        assert!(!output.ok);
        assert_eq!((output.diagnostics[0].code.as_str(), output.diagnostics[0].line), ("KQL1002", 2));
        assert!(output.rows.is_empty());
    }

    #[test]
    fn now_is_pinned() {
        let mut request = params("print t = now()", vec![]);
        request.now = Some("2024-03-01T12:00:00Z".into());
        let output = run(&context(), request).unwrap();
        assert_eq!(output.rows[0]["t"], "2024-03-01T12:00:00Z");
        let mut bad = params("print 1", vec![]);
        bad.now = Some("yesterday".into());
        assert!(run(&context(), bad).unwrap_err().contains("`now` is not a datetime"));
    }

    #[test]
    fn a_table_without_text_or_path_is_a_clear_error() {
        let table = TableParam { name: "SigninLogs".into(), source: SampleSource::default() };
        let error = run(&context(), params("SigninLogs", vec![table])).unwrap_err();
        assert!(error.contains("has no data"), "{error}");
    }

    #[test]
    fn a_table_the_query_reads_but_not_given_is_a_clear_error() {
        let error = run(&context(), params("SigninLogs | take 1", vec![])).unwrap_err();
        assert!(error.contains("KQL4002") && error.contains("`tables`"), "{error}");
        let mut empty = params("SigninLogs | take 1", vec![]);
        empty.empty_tables = true;
        assert_eq!(run(&context(), empty).unwrap().row_count, 0);
    }

    #[test]
    fn broken_csv_names_the_table() {
        let mut table = inline("MyLogs_CL", "\"Name,Count\nx,1\n");
        table.source.format = Some("csv".into());
        let error = run(&context(), params("MyLogs_CL", vec![table])).unwrap_err();
        assert!(error.contains("`MyLogs_CL`"), "{error}");
        let mut unknown = inline("MyLogs_CL", "a,b\n1,2\n");
        unknown.source.format = Some("parquet".into());
        assert!(run(&context(), params("MyLogs_CL", vec![unknown])).unwrap_err().contains("`parquet`"));
    }

    #[test]
    fn bad_records_are_import_problems() {
        let jsonl = "{\"Computer\": \"a\", \"n\": 1}\nnot json\n{\"Computer\": \"b\", \"n\": 2}\n";
        let output = run(&context(), params("MyLogs_CL | count", vec![inline("MyLogs_CL", jsonl)])).unwrap();
        assert_eq!(output.rows[0]["Count"], 2);
        assert_eq!(output.import_problems.len(), 1, "{:?}", output.import_problems);
        assert_eq!((output.import_problems[0].line, output.import_problems[0].skipped), (2, true));
    }

    #[test]
    fn paths_outside_the_folders_are_refused_even_through_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let samples = dir.path().join("samples");
        std::fs::create_dir(&samples).unwrap();
        std::fs::write(dir.path().join("secret.csv"), "a\n1\n").unwrap();
        std::fs::write(samples.join("ok.csv"), "a\n1\n2\n").unwrap();
        let context = Context::local(dir.path().join("rules"), vec![samples.clone()]);
        let path = |p: &Path| TableParam {
            name: "T".into(),
            source: SampleSource { path: Some(p.display().to_string()), ..SampleSource::default() },
        };
        let ok = run(&context, params("T | count", vec![path(&samples.join("ok.csv"))])).unwrap();
        assert_eq!(ok.rows[0]["Count"], 2);
        let outside = run(&context, params("T", vec![path(&dir.path().join("secret.csv"))])).unwrap_err();
        assert!(outside.contains("outside"), "{outside}");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret.csv"), samples.join("link.csv")).unwrap();
            let linked = run(&context, params("T", vec![path(&samples.join("link.csv"))])).unwrap_err();
            assert!(linked.contains("outside"), "{linked}");
        }
    }

    #[test]
    fn oversized_query_and_text_are_refused() {
        let error = run(&context(), params(&"x".repeat(10 << 20), vec![])).unwrap_err();
        assert!(error.contains("accepts up to"), "{error}");
        let big = "a\n".repeat(MAX_TEXT_BYTES / 2 + 1);
        let error = run(&context(), params("T", vec![inline("T", &big)])).unwrap_err();
        assert!(error.contains("inline samples may have up to"), "{error}");
    }

    #[test]
    fn runaway_queries_end_with_a_limit_error() {
        let started = Instant::now();
        let join = "range x from 1 to 100000000 step 1 | join kind=inner (range y from 1 to 100000000 step 1) on $left.x == $right.y";
        let error = run(&context(), params(join, vec![])).unwrap_err();
        assert!(error.contains("KQL400"), "{error}");
        let cross = "range x from 1 to 20000 step 1 | extend k = 1 | join kind=inner (range y from 1 to 20000 step 1 | extend k = 1) on k";
        let error = run(&context(), params(cross, vec![])).unwrap_err();
        assert!(error.contains("KQL400") && error.contains("help:"), "{error}");
        assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
    }
}
