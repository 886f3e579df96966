//! `kqlab run`: execute a query locally against sample tables.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::analysis::Globals;
use crate::analysis::schema::Schemas;
use crate::analysis::types::TableType;
use crate::cli::commands::check::{BatchRecord, with_large_stack};
use crate::cli::{EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::diagnostics::render::{JsonDiagnostic, render_text};
use crate::diagnostics::{Diagnostic, Severity, has_errors};
use crate::engine::table::{Database, NamedTable, Table};
use crate::engine::{Options, output};
use crate::text::SourceFile;

/// Output formats of `kqlab run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RunFormat {
    /// An aligned text table.
    Table,
    /// The Log Analytics query API's JSON shape.
    Json,
    /// CSV with a header row.
    Csv,
}

/// Arguments of `kqlab run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The query text (or use `-f FILE`).
    pub query: Option<String>,
    /// Read the query from a file.
    #[arg(short = 'f', long = "file", value_name = "FILE", conflicts_with = "query")]
    pub file: Option<PathBuf>,
    /// Run a JSON Lines batch (`{"id": ..., "query": "..."}` per line); prints one JSON line per record.
    #[arg(long, value_name = "FILE.jsonl", conflicts_with_all = ["query", "file"])]
    pub queries: Option<PathBuf>,
    /// Table data: `NAME=PATH` (CSV, JSON, JSON Lines, or a CEF or syslog
    /// text log); repeatable.
    #[arg(long = "table", value_name = "NAME=PATH")]
    pub tables: Vec<String>,
    /// Fail on the first bad line of a text log instead of warning and
    /// skipping it.
    #[arg(long)]
    pub strict: bool,
    /// A watchlist for `_GetWatchlist('ALIAS')`: `ALIAS=FILE.csv`, or
    /// `ALIAS:KEYCOLUMN=FILE.csv` to name the search key column (default: the
    /// first column); repeatable.
    #[arg(long = "watchlist", value_name = "ALIAS[:KEY]=PATH")]
    pub watchlists: Vec<String>,
    /// A stored function (a parser, a saved function) for the query to call:
    /// `NAME=FILE.kql` (the file holds the function's body), or
    /// `NAME(PARAMS)=FILE.kql` with a parameter list as in `let`, e.g.
    /// `MyParser(starttime:datetime=datetime(null))=parser.kql`; repeatable.
    #[arg(long = "function", value_name = "NAME[(PARAMS)]=PATH")]
    pub functions: Vec<String>,
    /// Seed for `rand()` and `new_guid()`: the same seed gives the same values (default: different each run).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Bind every table the query names but no data was given for to an empty table of its schema.
    #[arg(long)]
    pub empty_tables: bool,
    /// The query's `now()` (a datetime, e.g. `2025-06-15T00:00:00Z`); default 2025-01-01.
    #[arg(long, value_name = "DATETIME")]
    pub now: Option<String>,
    /// Most rows any intermediate or final result may have.
    #[arg(long, default_value_t = 5_000_000)]
    pub max_rows: usize,
    /// Memory budget for one intermediate result, in MB.
    #[arg(long, default_value_t = 2048, value_name = "MB")]
    pub max_memory: usize,
    /// Time limit (a KQL timespan such as `30s`, `2m`).
    #[arg(long, default_value = "30s")]
    pub timeout: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RunFormat::Table)]
    pub format: RunFormat,
    /// Add or override table schemas from a JSON file; repeatable.
    #[arg(long, value_name = "FILE")]
    pub schemas: Vec<PathBuf>,
    /// Disable colours in diagnostics.
    #[arg(long)]
    pub no_color: bool,
}

/// Everything one run needs besides the query.
struct Setup {
    database: Database,
    globals: Globals,
    options: Options,
    timeout: Duration,
    empty_tables: bool,
    /// `let` statements defining the `--function` files, run before each query.
    functions: String,
}

/// Runs `kqlab run`.
pub fn run(args: RunArgs) -> anyhow::Result<i32> {
    let setup = match prepare(&args) {
        Ok(setup) => setup,
        Err(error) => {
            eprintln!("error: {error:#}");
            return Ok(EXIT_FAILURE);
        }
    };
    if let Some(batch) = &args.queries {
        return run_batch(batch, &setup);
    }
    let (name, text) = match (&args.query, &args.file) {
        (Some(query), _) => ("<query>".to_string(), query.clone()),
        (None, Some(file)) => (
            file.display().to_string(),
            std::fs::read_to_string(file).with_context(|| format!("reading `{}`", file.display()))?,
        ),
        (None, None) => {
            eprintln!("error: give a query, `-f FILE` or `--queries FILE.jsonl`");
            return Ok(EXIT_FAILURE);
        }
    };
    let source = SourceFile::new(name, text);
    let outcome = run_query(&source.text, "", &setup);
    let color = !args.no_color && std::io::IsTerminal::is_terminal(&std::io::stderr());
    for diagnostic in &outcome.diagnostics {
        eprintln!("{}\n", render_text(diagnostic, &source, color));
    }
    let Some(tables) = outcome.tables else { return Ok(EXIT_FINDINGS) };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let named: Vec<(Option<&str>, &Table)> = tables.iter().map(|t| (t.name.as_deref(), t.table.as_ref())).collect();
    match args.format {
        RunFormat::Json => writeln!(out, "{}", output::api_json_named(&named))?,
        RunFormat::Csv => {
            for (_, table) in &named {
                write!(out, "{}", output::csv(table))?;
            }
        }
        RunFormat::Table => {
            for (index, (name, table)) in named.iter().enumerate() {
                if index > 0 {
                    writeln!(out)?;
                }
                // Tables a `fork` leg names are introduced by their name.
                if let Some(name) = name {
                    writeln!(out, "[{name}]")?;
                }
                write!(out, "{}", output::text(table, 1000))?;
            }
        }
    }
    Ok(EXIT_OK)
}

/// Imports one table file, printing its problems to stderr as warnings.
pub fn import_table(path: &Path, schema: Option<&TableType>, strict: bool) -> anyhow::Result<Table> {
    let imported = crate::import::import_file_checked(path, schema, strict)?;
    let display = path.display().to_string();
    // The first problems in full, then a count: a sample with one recurring
    // issue should not bury the query's result.
    const SHOWN: usize = 10;
    for problem in imported.problems.iter().take(SHOWN) {
        eprintln!("warning: {}", problem.render(&display));
    }
    if imported.problems.len() > SHOWN {
        let skipped = imported.problems.iter().filter(|p| p.skipped).count();
        eprintln!(
            "warning: `{display}`: {} more problems ({} problems in all, {skipped} lines skipped; `--strict` stops at the first)",
            imported.problems.len() - SHOWN,
            imported.problems.len()
        );
    }
    Ok(imported.table)
}

/// Loads tables and schemas and reads the options.
fn prepare(args: &RunArgs) -> anyhow::Result<Setup> {
    let mut schemas = Schemas::builtin().clone();
    for file in &args.schemas {
        let text = std::fs::read_to_string(file).with_context(|| format!("reading `{}`", file.display()))?;
        schemas.add_json(&text, true).with_context(|| format!("loading schemas from `{}`", file.display()))?;
    }
    let mut database = Database::new();
    for spec in &args.tables {
        let Some((name, path)) = spec.split_once('=') else {
            anyhow::bail!("`--table {spec}`: expected NAME=PATH");
        };
        let known = schemas.table(name).cloned();
        let table = import_table(Path::new(path), known.as_deref(), args.strict)?;
        // The columns the sample lacks are there, empty, as in a workspace,
        // and the analyzer sees the loaded columns (plus the known schema's others).
        let (table, table_type) = crate::import::bind_sample(table, known.as_deref());
        schemas.add_table(name, Arc::new(table_type));
        database.insert(name, table);
    }
    let now = match &args.now {
        Some(text) => crate::syntax::literal::parse_datetime(text)
            .with_context(|| format!("`--now {text}` is not a datetime (e.g. 2025-06-15T00:00:00Z)"))?,
        None => Options::default().now,
    };
    for spec in &args.watchlists {
        let Some((alias, path)) = spec.split_once('=') else {
            anyhow::bail!("`--watchlist {spec}`: expected ALIAS=PATH or ALIAS:KEYCOLUMN=PATH");
        };
        let (alias, search_key) = match alias.split_once(':') {
            Some((alias, key)) => (alias, Some(key)),
            None => (alias, None),
        };
        let text = std::fs::read_to_string(path).with_context(|| format!("reading `{path}`"))?;
        let table = crate::import::watchlist::import_watchlist(path, &text, search_key, now)?;
        database.insert_watchlist(alias, table);
    }
    let timeout_ticks = crate::syntax::literal::parse_timespan(&args.timeout)
        .with_context(|| format!("`--timeout {}` is not a timespan (e.g. 30s, 2m)", args.timeout))?;
    let options = Options {
        now,
        max_rows: args.max_rows,
        max_memory: args.max_memory.saturating_mul(1 << 20),
        cancel: None,
        seed: args.seed,
    };
    let globals = Globals::with_schemas(schemas);
    let functions = function_prelude(&args.functions, &globals)?;
    Ok(Setup {
        database,
        globals,
        options,
        timeout: Duration::from_nanos((timeout_ticks.max(0) as u64).saturating_mul(100)),
        empty_tables: args.empty_tables,
        functions,
    })
}

/// `let` statements for the `--function NAME[(PARAMS)]=FILE` options. Each
/// definition is checked on its own first, so its errors point into its file.
fn function_prelude(specs: &[String], globals: &Globals) -> anyhow::Result<String> {
    let mut prelude = String::new();
    for spec in specs {
        let split = match spec.find('(') {
            Some(open) if spec[..open].find('=').is_none() => {
                spec.find(")=").map(|close| (&spec[..=close], &spec[close + 2..]))
            }
            _ => spec.split_once('='),
        };
        let Some((signature, path)) = split.filter(|(signature, path)| !signature.is_empty() && !path.is_empty())
        else {
            anyhow::bail!("`--function {spec}`: expected NAME=FILE.kql or NAME(PARAMS)=FILE.kql");
        };
        let (name, params) = match signature.split_once('(') {
            Some((name, rest)) => (name.trim(), rest.strip_suffix(')').unwrap_or(rest)),
            None => (signature.trim(), ""),
        };
        if !crate::syntax::lexer::is_identifier(name) {
            anyhow::bail!("`--function {spec}`: `{name}` is not a function name");
        }
        let body = std::fs::read_to_string(path).with_context(|| format!("reading `{path}`"))?;
        let body = body.trim_end().trim_end_matches(';');
        let head = format!("let {name} = ({params}) {{\n");
        let definition = format!("{head}{body}\n}};\n");
        // Checked with a trivial query after it; errors in the body are shown in the file.
        let check = format!("{prelude}{definition}print 0");
        let parse = crate::syntax::parse(&check);
        let mut diagnostics = parse.diagnostics;
        if !has_errors(&diagnostics) {
            diagnostics.extend(crate::analysis::analyze(&parse.query, globals).diagnostics);
        }
        if let Some(error) = diagnostics.iter().find(|d| d.severity == crate::diagnostics::Severity::Error) {
            let body_start = (prelude.len() + head.len()) as u32;
            // An error at the closing `}` is at the end of the body.
            let body_end = body_start + body.len() as u32;
            let location = if error.span.start >= body_start && error.span.start <= body_end + 2 {
                let offset = error.span.start.min(body_end) - body_start;
                let at = crate::text::SourceFile::new(path, body).line_col(offset);
                format!("line {}:{}", at.line, at.column)
            } else {
                format!("its signature `{name}({params})`")
            };
            anyhow::bail!("`{path}` ({name}'s body), {location}: error[{}]: {}", error.code, error.message);
        }
        prelude.push_str(&definition);
    }
    Ok(prelude)
}

/// The result of one query.
struct Outcome {
    diagnostics: Vec<Diagnostic>,
    tables: Option<Vec<NamedTable>>,
}

/// Parses, checks and executes one query (with `prelude` statements first).
fn run_query(text: &str, prelude: &str, setup: &Setup) -> Outcome {
    let full = format!("{}{prelude}{text}", setup.functions);
    let offset = (setup.functions.len() + prelude.len()) as u32;
    let parse = crate::syntax::parse(&full);
    let mut diagnostics = parse.diagnostics;
    if !has_errors(&diagnostics) {
        diagnostics.extend(crate::analysis::analyze(&parse.query, &setup.globals).diagnostics);
    }
    let shift = |mut d: Diagnostic| {
        d.span = crate::text::Span::new(d.span.start.saturating_sub(offset), d.span.end.saturating_sub(offset));
        d
    };
    if has_errors(&diagnostics) {
        return Outcome { diagnostics: diagnostics.into_iter().map(shift).collect(), tables: None };
    }
    let schemas = if setup.empty_tables { Some(setup.globals.schemas.as_ref()) } else { None };
    let result = with_large_stack(|| {
        crate::ruleset::runner::execute_within(&parse.query, &setup.database, &setup.options, schemas, setup.timeout)
    });
    match result {
        Ok(tables) => Outcome { diagnostics: diagnostics.into_iter().map(shift).collect(), tables: Some(tables) },
        Err(error) => {
            diagnostics.push(error.to_diagnostic(parse.query.span));
            Outcome { diagnostics: diagnostics.into_iter().map(shift).collect(), tables: None }
        }
    }
}

#[derive(Serialize)]
struct BatchResult {
    id: serde_json::Value,
    ok: bool,
    diagnostics: Vec<JsonDiagnostic>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<serde_json::Value>,
}

/// `--queries FILE.jsonl`: one JSON result line per record.
fn run_batch(path: &Path, setup: &Setup) -> anyhow::Result<i32> {
    let file = std::fs::File::open(path).with_context(|| format!("opening `{}`", path.display()))?;
    let reader = std::io::BufReader::new(file);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut any_errors = false;
    for (line_index, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("reading `{}`", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let record: BatchRecord = serde_json::from_str(&line).with_context(|| {
            format!("`{}` line {}: not a {{\"id\", \"query\"}} record", path.display(), line_index + 1)
        })?;
        let outcome = run_query(&record.query, record.prelude.as_deref().unwrap_or(""), setup);
        let source = SourceFile::new(String::new(), record.query.clone());
        let ok = !outcome.diagnostics.iter().any(|d| d.severity == Severity::Error);
        any_errors |= !ok;
        let result = outcome.tables.map(|tables| {
            let named: Vec<(Option<&str>, &Table)> =
                tables.iter().map(|t| (t.name.as_deref(), t.table.as_ref())).collect();
            output::api_json_named(&named)
        });
        let diagnostics = outcome.diagnostics.iter().map(|d| JsonDiagnostic::new(d, &source)).collect();
        serde_json::to_writer(&mut out, &BatchResult { id: record.id, ok, diagnostics, result })?;
        writeln!(out)?;
    }
    out.flush()?;
    Ok(if any_errors { EXIT_FINDINGS } else { EXIT_OK })
}
