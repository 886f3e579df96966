//! Running rule tests: each case's tables are imported (typed by the
//! table's schema), cut to the rule's `queryPeriod` before `now` as Sentinel
//! does, and the rule's query runs behind the folder's functions and
//! watchlists; then the case's expectations are compared with the result.
//!
//! `now`, unless the case or file pins it: one minute after the latest
//! `TimeGenerated` of the case's input tables (so the newest sample event is
//! inside every lookback window), or the current time when no input has one.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::analysis::Globals;
use crate::diagnostics::{Severity, has_errors};
use crate::engine::column::Column;
use crate::engine::table::{Database, Table};
use crate::engine::{Options, output};
use crate::ruleset::checks::schedule::{describe, parse_duration};
use crate::ruleset::document::{Document, Kind};
use crate::ruleset::expect::{Failure, check_expectations};
use crate::ruleset::folder::Folder;
use crate::ruleset::query::analyze_document;
use crate::ruleset::test_file::{Case, InputSource, TableInput, TestFile};
use crate::ruleset::yaml_map::Step;

const TICKS_PER_MINUTE: i64 = 600_000_000;

/// Limits for each case's query.
#[derive(Debug, Clone)]
pub struct Limits {
    pub timeout: Duration,
    pub max_rows: usize,
    pub max_memory: usize,
}

impl Limits {
    /// These limits with the folder's `[limits]` applied where it sets one.
    pub fn with_config(&self, folder: &Folder) -> Limits {
        let mut limits = self.clone();
        let Some(config) = &folder.config else { return limits };
        let configured = &config.config.limits;
        if let Some(ticks) = configured.timeout.as_deref().and_then(crate::syntax::literal::parse_timespan) {
            limits.timeout = Duration::from_nanos((ticks.max(0) as u64).saturating_mul(100));
        }
        if let Some(rows) = configured.max_rows {
            limits.max_rows = rows;
        }
        if let Some(megabytes) = configured.max_memory_mb {
            limits.max_memory = megabytes.saturating_mul(1 << 20);
        }
        limits
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { timeout: Duration::from_secs(30), max_rows: 1_000_000, max_memory: 2 << 30 }
    }
}

/// The outcome of one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The rule (index into the folder's documents).
    pub document: usize,
    /// The test file's display path.
    pub test: String,
    pub case: String,
    /// Where the case is declared (for SARIF and JUnit).
    pub line: u32,
    pub failures: Vec<Failure>,
    /// Things worth knowing that are not failures (rows left out by the
    /// period, import problems, empty tables).
    pub notes: Vec<String>,
    /// The query's result, when it ran.
    pub result: Option<Table>,
    pub now: i64,
    pub elapsed: Duration,
}

impl CaseResult {
    /// True when every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// A test file that could not be used at all (with the rule it belongs to).
#[derive(Debug, Clone)]
pub struct BrokenTest {
    pub document: Option<usize>,
    pub file: TestFile,
}

/// Everything `kqlab test` found.
#[derive(Debug, Clone, Default)]
pub struct TestRun {
    pub results: Vec<CaseResult>,
    /// Test files with problems (their readable cases still ran).
    pub broken: Vec<BrokenTest>,
    /// Rules and queries without a test file.
    pub untested: Vec<usize>,
}

/// Runs the tests of every document whose path or name contains `filter`.
/// Run it on a thread with a large stack.
pub fn run_tests(folder: &Folder, globals: &Globals, filter: Option<&str>, limits: &Limits) -> TestRun {
    run_tests_with_progress(folder, globals, filter, limits, &mut |_, _, _| {})
}

/// [`run_tests`], calling `progress(done, total, rule)` before each rule's tests.
pub fn run_tests_with_progress(
    folder: &Folder,
    globals: &Globals,
    filter: Option<&str>,
    limits: &Limits,
    progress: &mut dyn FnMut(usize, usize, &str),
) -> TestRun {
    let (globals, _) = crate::ruleset::config::folder_globals(folder.config.as_ref(), &folder.root, globals);
    let globals = &globals;
    let mut run = TestRun::default();
    let mut claimed = vec![false; folder.tests.len()];
    let total = folder.documents.iter().filter(|d| folder.test_for(d).is_some()).count();
    let mut done = 0;
    for (index, document) in folder.documents.iter().enumerate() {
        if document.kind == Kind::Function {
            continue;
        }
        if let Some(filter) = filter
            && !document.path.to_string_lossy().contains(filter)
            && !document.display_name().contains(filter)
        {
            continue;
        }
        let Some(test_path) = folder.test_for(document) else {
            run.untested.push(index);
            continue;
        };
        if let Some(position) = folder.tests.iter().position(|t| t == test_path) {
            claimed[position] = true;
        }
        progress(done, total, &document.source.name);
        done += 1;
        let (results, broken) = run_document_tests(folder, index, globals, limits);
        run.results.extend(results);
        run.broken.extend(broken);
    }
    if filter.is_none() {
        for (position, test_path) in folder.tests.iter().enumerate() {
            if claimed[position] {
                continue;
            }
            let mut file = TestFile::parse(test_path, String::new());
            file.diagnostics.clear();
            file.diagnostics.push(
                crate::diagnostics::Diagnostic::new(
                    crate::diagnostics::Code::InvalidTestFile,
                    crate::text::Span::empty(0),
                    "no rule or query of the same name beside this test file",
                )
                .with_help("name it after its rule: `my_rule.yaml` is tested by `my_rule.test.yaml`"),
            );
            run.broken.push(BrokenTest { document: None, file });
        }
    }
    run
}

/// Runs the cases of one document's test file (none when it has no test file).
pub fn run_document_tests(
    folder: &Folder,
    index: usize,
    globals: &Globals,
    limits: &Limits,
) -> (Vec<CaseResult>, Option<BrokenTest>) {
    let document = &folder.documents[index];
    let Some(test_path) = folder.test_for(document) else { return (Vec::new(), None) };
    let file = match std::fs::read_to_string(test_path) {
        Ok(text) => TestFile::parse(test_path, text),
        Err(error) => {
            let mut file = TestFile::parse(test_path, String::new());
            file.diagnostics.clear();
            file.diagnostics.push(crate::diagnostics::Diagnostic::new(
                crate::diagnostics::Code::InvalidTestFile,
                crate::text::Span::empty(0),
                format!("cannot read the test file: {error}"),
            ));
            return (Vec::new(), Some(BrokenTest { document: Some(index), file }));
        }
    };
    let results = file.cases.iter().map(|case| run_case(folder, index, &file, case, globals, limits)).collect();
    let broken = (!file.diagnostics.is_empty()).then(|| BrokenTest { document: Some(index), file });
    (results, broken)
}

/// Runs one case of a rule's test file.
pub fn run_case(
    folder: &Folder,
    index: usize,
    file: &TestFile,
    case: &Case,
    globals: &Globals,
    limits: &Limits,
) -> CaseResult {
    let started = Instant::now();
    let document = &folder.documents[index];
    let mut result = CaseResult {
        document: index,
        test: file.path.display().to_string(),
        case: case.name.clone(),
        line: file.source.line_col(case.span.start).line,
        failures: Vec::new(),
        notes: Vec::new(),
        result: None,
        now: 0,
        elapsed: Duration::ZERO,
    };
    let data = match case_data(folder, index, file, case, globals) {
        Ok(data) => data,
        Err(failures) => {
            result.failures = failures;
            result.elapsed = started.elapsed();
            return result;
        }
    };
    result.notes = data.notes;
    let now = data.now;
    result.now = now;
    let mut database = Database::new();
    for (name, table) in data.tables {
        database.insert(name, table);
    }
    for error in insert_watchlists(folder, now, &mut database) {
        result.failures.push(Failure::setup(format!("error[KQL3024]: watchlist: {error}")));
    }
    match execute(document, folder, &database, globals, now, limits) {
        Ok(table) => {
            result.failures.extend(check_expectations(document, &case.expect, &table));
            result.result = Some(table);
        }
        Err(message) => result.failures.push(Failure::setup(message)),
    }
    result.elapsed = started.elapsed();
    result
}

/// Adds the folder's watchlists to `database` for `_GetWatchlist`, updated
/// at `now`; returns why each one that cannot be read was left out.
pub fn insert_watchlists(folder: &Folder, now: i64, database: &mut Database) -> Vec<String> {
    let mut errors = Vec::new();
    for watchlist in &folder.watchlists {
        let path = watchlist.path.display().to_string();
        let search_key = crate::ruleset::checks::search_key(folder, &watchlist.alias);
        match crate::import::watchlist::import_watchlist(&path, &watchlist.text, search_key, now) {
            Ok(table) => database.insert_watchlist(watchlist.alias.clone(), table),
            Err(error) => errors.push(error.to_string()),
        }
    }
    errors
}

/// A case's input tables as its query sees them: imported (typed by the
/// table's schema, case tables replacing file tables of the same name) and
/// cut to the rule's `queryPeriod` before `now`; with that `now` and notes
/// on what was left out. Watchlists are not included.
#[derive(Debug, Clone)]
pub struct CaseData {
    pub tables: Vec<(String, Table)>,
    pub now: i64,
    pub notes: Vec<String>,
}

/// Imports a case's tables (see [`CaseData`]); the failures say which input could not be read.
pub fn case_data(
    folder: &Folder,
    index: usize,
    file: &TestFile,
    case: &Case,
    globals: &Globals,
) -> Result<CaseData, Vec<Failure>> {
    let document = &folder.documents[index];
    let mut notes = Vec::new();
    let mut failures = Vec::new();
    // Case tables replace file tables of the same name.
    let mut inputs: Vec<&TableInput> = case.tables.iter().collect();
    for input in &file.tables {
        if !inputs.iter().any(|i| i.name == input.name) {
            inputs.push(input);
        }
    }
    let mut tables = Vec::new();
    for input in inputs {
        match import_input(input, globals) {
            Ok((table, problems)) => {
                notes.extend(problems);
                tables.push((input.name.clone(), table));
            }
            Err(message) => failures.push(Failure::setup(message)),
        }
    }
    if !failures.is_empty() {
        return Err(failures);
    }
    let configured_now = folder.config.as_ref().and_then(|c| c.now);
    let now = case
        .now
        .or(file.now)
        .or(configured_now)
        .or_else(|| latest_time_generated(&tables).map(|t| t + TICKS_PER_MINUTE));
    let now = now.unwrap_or_else(current_ticks);
    let period = (document.kind == Kind::Scheduled)
        .then(|| document.string(&[Step::Key("queryPeriod")]).and_then(|p| parse_duration(&p)))
        .flatten();
    let mut cut = Vec::with_capacity(tables.len());
    for (name, table) in tables {
        let table = match period {
            Some(period) => {
                let (kept, dropped) = within_period(&table, now - period, now);
                if dropped > 0 {
                    notes.push(format!(
                        "{dropped} row{} of `{name}` {} outside the rule's {} period before now ({}) and {} left out, as Sentinel would",
                        if dropped == 1 { "" } else { "s" },
                        if dropped == 1 { "falls" } else { "fall" },
                        describe(period),
                        crate::engine::value::Value::DateTime(now).to_kql_string(),
                        if dropped == 1 { "was" } else { "were" }
                    ));
                }
                kept
            }
            None => table,
        };
        cut.push((name, table));
    }
    Ok(CaseData { tables: cut, now, notes })
}

/// Imports one input table; returns the table and its import problems as notes.
fn import_input(input: &TableInput, globals: &Globals) -> Result<(Table, Vec<String>), String> {
    let schema = globals.schemas.table(&input.name).cloned();
    let imported = match &input.source {
        InputSource::File(path) => {
            if !path.exists() {
                return Err(format!("the input of `{}`, `{}`, does not exist", input.name, path.display()));
            }
            crate::import::import_file_checked(path, schema.as_deref(), false).map_err(|e| e.to_string())?
        }
        InputSource::Rows(rows) => {
            let text = serde_json::Value::Array(rows.clone()).to_string();
            crate::import::json::import_json(&format!("<rows of {}>", input.name), &text, schema.as_deref())
                .map_err(|e| e.to_string())?
        }
    };
    let display = match &input.source {
        InputSource::File(path) => path.display().to_string(),
        InputSource::Rows(_) => format!("rows of `{}`", input.name),
    };
    let notes = imported.problems.iter().map(|p| p.render(&display)).collect();
    let table = match &schema {
        Some(schema) => crate::import::with_schema_columns(imported.table, schema),
        None => imported.table,
    };
    Ok((table, notes))
}

/// The latest `TimeGenerated` among the tables.
fn latest_time_generated(tables: &[(String, Table)]) -> Option<i64> {
    tables
        .iter()
        .filter_map(|(_, table)| {
            let column = table.column("TimeGenerated")?;
            (0..table.rows)
                .filter_map(|row| match column.get(row) {
                    crate::engine::value::Value::DateTime(ticks) => Some(ticks),
                    _ => None,
                })
                .max()
        })
        .max()
}

/// The rows whose `TimeGenerated` is in `from..=to` (all rows when the table
/// has no such column), and how many were dropped.
fn within_period(table: &Table, from: i64, to: i64) -> (Table, usize) {
    let Some(column) = table.column("TimeGenerated") else { return (table.clone(), 0) };
    if !matches!(column.as_ref(), Column::DateTime(_)) {
        return (table.clone(), 0);
    }
    let mask: Vec<bool> = (0..table.rows)
        .map(|row| match column.get(row) {
            crate::engine::value::Value::DateTime(ticks) => (from..=to).contains(&ticks),
            _ => false,
        })
        .collect();
    let dropped = mask.iter().filter(|keep| !**keep).count();
    if dropped == 0 {
        return (table.clone(), 0);
    }
    (table.filter(&mask), dropped)
}

/// Runs the document's query behind the folder's functions on `database`.
fn execute(
    document: &Document,
    folder: &Folder,
    database: &Database,
    globals: &Globals,
    now: i64,
    limits: &Limits,
) -> Result<Table, String> {
    let analyzed =
        analyze_document(document, &folder.functions, globals).ok_or_else(|| "the rule has no query".to_string())?;
    if has_errors(&analyzed.diagnostics) {
        let first = analyzed.diagnostics.iter().find(|d| d.severity == Severity::Error).expect("has errors");
        let at = document.source.line_col(first.span.start);
        return Err(format!(
            "the query has errors (first: {} at line {}: {}); run `kqlab check`",
            first.code, at.line, first.message
        ));
    }
    let tables = execute_query(&analyzed.query, database, globals, now, limits).map_err(|error| {
        let diagnostic = error.to_diagnostic(crate::text::Span::empty(analyzed.offset));
        format!("the query failed: error[{}]: {}", diagnostic.code, diagnostic.message)
    })?;
    let last = tables.into_iter().last().ok_or_else(|| "the query returned no table".to_string())?;
    Ok(Arc::unwrap_or_clone(last.table))
}

/// Runs a parsed query on `database` within `limits` (the timeout cancels
/// it), with `now` and seed 0; tables the query names but `database` lacks
/// are empty tables of their schema. See [`execute_within`].
pub fn execute_query(
    query: &crate::syntax::ast::Query,
    database: &Database,
    globals: &Globals,
    now: i64,
    limits: &Limits,
) -> Result<Vec<crate::engine::table::NamedTable>, crate::engine::error::ExecError> {
    let options =
        Options { now, max_rows: limits.max_rows, max_memory: limits.max_memory, cancel: None, seed: Some(0) };
    execute_within(query, database, &options, Some(globals.schemas.as_ref()), limits.timeout)
}

/// Runs a parsed query with `options` (their `cancel` flag is replaced by
/// one a timer sets after `timeout`), catching panics: a bug in the engine
/// becomes this query's error rather than the end of the caller (a batch, a
/// watch session, an MCP server). With `schemas`, tables the query names
/// but `database` lacks are empty tables of their schema.
pub fn execute_within(
    query: &crate::syntax::ast::Query,
    database: &Database,
    options: &Options,
    schemas: Option<&crate::analysis::schema::Schemas>,
    timeout: Duration,
) -> Result<Vec<crate::engine::table::NamedTable>, crate::engine::error::ExecError> {
    let cancel = Arc::new(AtomicBool::new(false));
    let options = Options { cancel: Some(cancel.clone()), ..options.clone() };
    let (done, watchdog) = std::sync::mpsc::channel::<()>();
    let timer = std::thread::spawn(move || {
        if watchdog.recv_timeout(timeout) == Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
            cancel.store(true, Ordering::Relaxed);
        }
    });
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::engine::execute_named(query, database, &options, schemas)
    }));
    let _ = done.send(());
    let _ = timer.join();
    outcome.unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("unknown cause");
        Err(crate::engine::error::ExecError::runtime(format!("internal error in kqlab's engine: {message}"))
            .with_help("this is a bug in kqlab; please report the query"))
    })
}

fn current_ticks() -> i64 {
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    crate::engine::time::UNIX_EPOCH_TICKS + (since_epoch.as_nanos() / 100) as i64
}

/// A short rendering of a result table for failure messages.
pub fn render_rows(table: &Table, max_rows: usize) -> String {
    output::text(table, max_rows)
}

/// The display path of a test file relative to the folder.
pub fn display(path: &Path) -> String {
    path.display().to_string()
}
