//! `kqlab verify`: run a query, a rule or a query file through the Log
//! Analytics query API; with `--with-fixtures`, on the rule test's data
//! inlined as `datatable`s; with `--compare`, locally too, and show how the
//! two results differ.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::{Args, ValueEnum};

use crate::analysis::Globals;
use crate::analysis::schema::Schemas;
use crate::cli::commands::check::with_large_stack;
use crate::cli::{EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::diagnostics::render::{JsonDiagnostic, render_text};
use crate::diagnostics::{Code, Diagnostic, Severity, has_errors};
use crate::engine::output;
use crate::engine::table::{Database, Table};
use crate::remote::client::{Client, Policy};
use crate::remote::config::{Selection, Workspace, process_env};
use crate::remote::fixtures::{Sent, inline, missing_fixtures};
use crate::remote::query::{QueryRequest, error_diagnostic, run_query};
use crate::ruleset::config::{ConfigFile, FILE_NAME};
use crate::ruleset::document::Document;
use crate::ruleset::folder::Folder;
use crate::ruleset::runner::{Limits, case_data, execute_query};
use crate::ruleset::test_file::TestFile;
use crate::text::{SourceFile, Span};

/// Which workspace: shared by `verify` and `schema pull`.
#[derive(Debug, Clone, Args)]
pub struct WorkspaceArgs {
    /// A `[workspaces.NAME]` table of kqlab.toml (looked for in the current
    /// folder, then in `rules/`).
    #[arg(long, value_name = "NAME")]
    pub workspace: Option<String>,
    /// The workspace id (a GUID), instead of a configured workspace.
    #[arg(long, value_name = "GUID", conflicts_with = "workspace")]
    pub workspace_id: Option<String>,
}

/// Output formats of `kqlab verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyFormat {
    /// Diagnostics on stderr, the result as an aligned table.
    Table,
    /// One JSON object per query run (per case with `--with-fixtures`).
    Json,
}

/// Arguments of `kqlab verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The query text, or a rule or query file (`.yaml`, `.yml`, `.kql`).
    pub query: Option<String>,
    /// Read the query from a file (a rule YAML or a `.kql` file).
    #[arg(short = 'f', long = "file", value_name = "FILE", conflicts_with = "query")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
    /// Time range the service applies on top of the query (ISO 8601: `P1D`, `PT12H`).
    #[arg(long, value_name = "DURATION")]
    pub timespan: Option<String>,
    /// Run on the rule test's data: each case's tables inlined as
    /// `datatable`s and `now()` pinned to the case's `now`.
    #[arg(long)]
    pub with_fixtures: bool,
    /// Only the test case of this name (default: every case).
    #[arg(long, value_name = "NAME", requires = "with_fixtures")]
    pub case: Option<String>,
    /// Run the same text locally too and show a diff of the two results.
    #[arg(long, requires = "with_fixtures")]
    pub compare: bool,
    /// Do not pin `now()` with `set query_now` (with `--with-fixtures`).
    #[arg(long)]
    pub no_pin_now: bool,
    /// Print the text that would be sent, and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Most rows kept per result table (more are cut, with a warning).
    #[arg(long, default_value_t = 10_000)]
    pub max_rows: usize,
    /// Longest time one request may take (a KQL timespan: `90s`, `4m`).
    #[arg(long, default_value = "4m")]
    pub timeout: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = VerifyFormat::Table)]
    pub format: VerifyFormat,
    /// Add or override table schemas from a JSON file; repeatable.
    #[arg(long, value_name = "FILE")]
    pub schemas: Vec<PathBuf>,
    /// Disable colours in diagnostics.
    #[arg(long)]
    pub no_color: bool,
}

/// One text to send: the query, or one test case's version of it.
struct Unit {
    /// `None` for a plain query; the case name with fixtures.
    case: Option<String>,
    sent: Sent,
    /// The case's `now` (ticks), for the local run.
    now: Option<i64>,
}

/// What the query came from, for diagnostics.
struct Origin {
    source: SourceFile,
    /// The whole query in `source`.
    whole: Span,
    /// Maps a span of the query text to a span of `source`.
    document: Option<Document>,
}

impl Origin {
    fn map(&self, sent: &Sent, span: Span) -> Span {
        match sent.query_span(span) {
            Some(span) => match &self.document {
                Some(document) => document.query.as_ref().map_or(self.whole, |query| query.map_span(span)),
                None => span,
            },
            None => self.whole,
        }
    }
}

/// Runs `kqlab verify`.
pub fn run(args: VerifyArgs) -> anyhow::Result<i32> {
    let mut schemas = Schemas::builtin().clone();
    for file in &args.schemas {
        let text = std::fs::read_to_string(file).with_context(|| format!("reading `{}`", file.display()))?;
        schemas.add_json(&text, true).with_context(|| format!("loading schemas from `{}`", file.display()))?;
    }
    let globals = Globals::with_schemas(schemas);
    let timeout = crate::syntax::literal::parse_timespan(&args.timeout)
        .with_context(|| format!("`--timeout {}` is not a timespan (e.g. 90s, 4m)", args.timeout))?;
    let timeout = Duration::from_nanos((timeout.max(0) as u64).saturating_mul(100)).max(Duration::from_secs(1));
    let color = !args.no_color && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let path = match (&args.query, &args.file) {
        (_, Some(file)) => Some(file.clone()),
        (Some(text), None) if looks_like_file(text) => Some(PathBuf::from(text)),
        _ => None,
    };
    let prepared = match (&path, &args.query) {
        (Some(path), _) => with_large_stack(|| prepare_file(path, &args, &globals))?,
        (None, Some(text)) => {
            if args.with_fixtures {
                eprintln!("error: `--with-fixtures` needs a rule or query file with a test file beside it");
                return Ok(EXIT_FAILURE);
            }
            prepare_text(text)?
        }
        (None, None) => {
            eprintln!("error: give a query, a rule file, or `-f FILE`");
            return Ok(EXIT_FAILURE);
        }
    };
    let (origin, units, mut early) = match prepared {
        Ok(prepared) => prepared,
        Err(message) => {
            eprintln!("error: {message}");
            return Ok(EXIT_FAILURE);
        }
    };
    // The whole text and the caller's own part (after fixtures and functions).
    for unit in units.iter().take(1) {
        let own = unit.sent.text.get(unit.sent.query_start as usize..).unwrap_or_default();
        let refused = crate::remote::query::check_read_only(&unit.sent.text)
            .and_then(|()| crate::remote::query::check_read_only(own));
        if let Err(error) = refused
            && let Some(diagnostic) = error_diagnostic(&error, origin.whole, &|_, _| None)
        {
            early.push(diagnostic);
        }
    }
    if args.dry_run {
        for diagnostic in &early {
            eprintln!("{}\n", render_text(diagnostic, &origin.source, color));
        }
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        for unit in &units {
            if let Some(case) = &unit.case {
                writeln!(out, "// case `{case}`")?;
            }
            writeln!(out, "{}", unit.sent.text)?;
        }
        return Ok(if has_errors(&early) { EXIT_FINDINGS } else { EXIT_OK });
    }
    if has_errors(&early) {
        report(&args, &origin, &early, color)?;
        return Ok(EXIT_FINDINGS);
    }
    let workspace = resolve_workspace(&args.workspace)?;
    let policy = Policy { timeout, ..Policy::default() };
    let client = Client::new(workspace, policy, &process_env)?;
    let mut failed = has_errors(&early);
    report(&args, &origin, &early, color)?;
    let mut announced = false;
    for unit in &units {
        let mut request = QueryRequest::new(unit.sent.text.clone());
        request.timespan = args.timespan.clone();
        request.max_rows = args.max_rows;
        let outcome = run_query(&client, &request);
        if !announced && let Some(kind) = client.credentials().used() {
            announced = true;
            let id = client.workspace.workspace_id.as_deref().unwrap_or("?");
            let workspace = match client.workspace.label.as_str() {
                label if label == id => format!("`{id}`"),
                label => format!("`{label}` ({id})"),
            };
            eprintln!("note: signed in with `{}`; workspace {workspace}", kind.name());
        }
        let mut diagnostics = Vec::new();
        let mut remote = None;
        match outcome {
            Ok(result) => {
                diagnostics.extend(result.diagnostics(origin.whole));
                match result.tables.first().map(|table| table.to_table()) {
                    Some(Ok(table)) => remote = Some(table),
                    Some(Err(message)) => anyhow::bail!("the remote result cannot be read: {message}"),
                    None => {}
                }
            }
            Err(error) => {
                let span_of = |line, pos| unit.sent.span_at(line, pos).map(|span| origin.map(&unit.sent, span));
                match error_diagnostic(&error, origin.whole, &span_of) {
                    Some(diagnostic) => diagnostics.push(diagnostic),
                    None => return Err(error.into()),
                }
            }
        }
        let mut comparison = None;
        if args.compare
            && let Some(remote) = &remote
        {
            match run_locally(&unit.sent, unit.now, &globals, timeout) {
                Ok(local) => {
                    let diff = crate::remote::compare::compare_tables(&local, remote);
                    if diff.is_some() {
                        diagnostics.push(
                            Diagnostic::new(
                                Code::ResultsDiffer,
                                origin.whole,
                                "the remote and the local results differ",
                            )
                            .with_help("`-` rows are local only, `+` rows remote only"),
                        );
                    }
                    comparison = Some(Comparison { rows: local.rows, diff });
                }
                Err(diagnostic) => {
                    let diagnostic = Diagnostic { span: origin.whole, ..diagnostic };
                    diagnostics.push(diagnostic.with_help("the local run failed, so there is nothing to compare"));
                }
            }
        }
        failed |= has_errors(&diagnostics);
        report_unit(&args, &origin, unit, &diagnostics, remote.as_ref(), comparison.as_ref(), color)?;
    }
    Ok(if failed { EXIT_FINDINGS } else { EXIT_OK })
}

/// The outcome of `--compare`.
struct Comparison {
    rows: usize,
    diff: Option<String>,
}

/// True when the argument names an existing query or rule file.
fn looks_like_file(text: &str) -> bool {
    let path = Path::new(text);
    !text.contains('\n')
        && path.is_file()
        && matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "kql" | "kusto" | "csl"))
}

type Prepared = Result<(Origin, Vec<Unit>, Vec<Diagnostic>), String>;

fn prepare_text(text: &str) -> anyhow::Result<Prepared> {
    let source = SourceFile::new("<query>", text.to_string());
    let whole = Span::new(0, text.len() as u32);
    let sent = inline(text, 0, text.len() as u32, &[], &[], None);
    Ok(Ok((Origin { source, whole, document: None }, vec![Unit { case: None, sent, now: None }], Vec::new())))
}

/// A rule or query file: found in its rules folder (for its functions and
/// test file) when there is one.
fn prepare_file(path: &Path, args: &VerifyArgs, globals: &Globals) -> anyhow::Result<Prepared> {
    let root = folder_root(path);
    let folder = Folder::load(&root).with_context(|| format!("reading `{}`", root.display()))?;
    let wanted = std::fs::canonicalize(path).with_context(|| format!("reading `{}`", path.display()))?;
    let index = folder.documents.iter().position(|d| std::fs::canonicalize(&d.path).ok().as_deref() == Some(&wanted));
    let Some(index) = index else {
        if args.with_fixtures {
            return Ok(Err(format!("`{}` is not a rule or query of a rules folder", path.display())));
        }
        let text = std::fs::read_to_string(path).with_context(|| format!("reading `{}`", path.display()))?;
        let mut prepared = prepare_text(&text)?;
        if let Ok((origin, _, _)) = &mut prepared {
            origin.source = SourceFile::new(path.display().to_string(), text);
        }
        return Ok(prepared);
    };
    let document = folder.documents[index].clone();
    let Some(analyzed) = crate::ruleset::query::analyze_document(&document, &folder.functions, globals) else {
        return Ok(Err(format!("`{}` has no query", path.display())));
    };
    let query = document.query.as_ref().expect("analyze_document found a query");
    let query_len = query.text.len() as u32;
    let whole = query.map_span(Span::new(0, query_len));
    let origin = Origin { source: document.source.clone(), whole, document: Some(document.clone()) };
    let mut early: Vec<Diagnostic> =
        analyzed.diagnostics.iter().filter(|d| d.severity == Severity::Error).cloned().collect();
    if !args.with_fixtures {
        let sent = inline(&analyzed.text, analyzed.offset, query_len, &[], &[], None);
        return Ok(Ok((origin, vec![Unit { case: None, sent, now: None }], early)));
    }
    let Some(test_path) = folder.test_for(&document) else {
        return Ok(Err(format!(
            "`{}` has no test file; `--with-fixtures` takes the tables of its `NAME.test.yaml`",
            path.display()
        )));
    };
    let text = std::fs::read_to_string(test_path).with_context(|| format!("reading `{}`", test_path.display()))?;
    let file = TestFile::parse(test_path, text);
    if let Some(problem) = file.diagnostics.iter().find(|d| d.severity == Severity::Error) {
        return Ok(Err(format!("{}: {}", test_path.display(), problem.message)));
    }
    let (globals, _) = crate::ruleset::config::folder_globals(folder.config.as_ref(), &folder.root, globals);
    let mut units = Vec::new();
    for case in &file.cases {
        if args.case.as_deref().is_some_and(|wanted| wanted != case.name) {
            continue;
        }
        let data = match case_data(&folder, index, &file, case, &globals) {
            Ok(data) => data,
            Err(failures) => {
                let messages: Vec<String> = failures.into_iter().map(|f| f.message).collect();
                return Ok(Err(format!("case `{}`: {}", case.name, messages.join("; "))));
            }
        };
        let now = (!args.no_pin_now).then_some(data.now);
        let watchlists = watchlist_fixtures(&folder, &analyzed.text, data.now)?;
        let sent = inline(&analyzed.text, analyzed.offset, query_len, &data.tables, &watchlists, now);
        for missing in missing_fixtures(&sent, &globals) {
            let span = origin.map(&sent, missing.span);
            early.push(
                Diagnostic::new(Code::MissingFixture, span, format!("case `{}`: {}", case.name, missing.message))
                    .with_help(if missing.message.contains("has no fixture") {
                        format!("give it in `{}` (an empty `rows: []` is fine)", test_path.display())
                    } else {
                        "verify without `--with-fixtures`, or give the folder the data (a watchlist CSV)".to_string()
                    }),
            );
        }
        units.push(Unit { case: Some(case.name.clone()), sent, now: Some(data.now) });
    }
    if units.is_empty() {
        let known: Vec<&str> = file.cases.iter().map(|case| case.name.as_str()).collect();
        return Ok(Err(format!("no case `{}`; cases: {}", args.case.as_deref().unwrap_or("?"), known.join(", "))));
    }
    Ok(Ok((origin, units, early)))
}

/// The folder's watchlists the text reads, as tables; none unless the
/// folder has every one it reads (a missing one is then reported as a read
/// of the workspace's data).
fn watchlist_fixtures(folder: &Folder, text: &str, now: i64) -> anyhow::Result<Vec<(String, Table)>> {
    let aliases = crate::remote::fixtures::watchlist_aliases(text);
    let mut tables = Vec::new();
    for alias in aliases {
        let Some(watchlist) = folder.watchlists.iter().find(|w| w.alias == alias) else { return Ok(Vec::new()) };
        let search_key = crate::ruleset::checks::search_key(folder, &alias);
        let path = watchlist.path.display().to_string();
        let table = crate::import::watchlist::import_watchlist(&path, &watchlist.text, search_key, now)
            .with_context(|| format!("reading the watchlist `{path}`"))?;
        tables.push((alias, table));
    }
    Ok(tables)
}

/// The folder a file belongs to: the nearest ancestor with a kqlab.toml,
/// else the file's own folder.
fn folder_root(path: &Path) -> PathBuf {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut dir = Some(parent);
    for _ in 0..16 {
        let Some(current) = dir else { break };
        if current.join(FILE_NAME).is_file() {
            return current.to_path_buf();
        }
        dir = current.parent().filter(|p| !p.as_os_str().is_empty());
    }
    parent.to_path_buf()
}

/// The workspace the arguments name, with kqlab.toml from `.` or `rules/`.
pub fn resolve_workspace(args: &WorkspaceArgs) -> anyhow::Result<Workspace> {
    let config = [Path::new("."), Path::new("rules")].into_iter().find_map(ConfigFile::load);
    let configured = match &config {
        Some(file) => {
            if let Some(problem) = file.diagnostics.iter().find(|d| d.severity == Severity::Error) {
                eprintln!("{}\n", render_text(problem, &file.source, false));
                anyhow::bail!("`{}` has errors", file.source.name);
            }
            file.config.workspaces.clone()
        }
        None => Default::default(),
    };
    let selection = Selection { name: args.workspace.as_deref(), workspace_id: args.workspace_id.as_deref() };
    Ok(Workspace::resolve(&selection, &configured, &process_env)?)
}

/// Runs the sent text with kqlab's engine (the fixtures are in the text).
fn run_locally(sent: &Sent, now: Option<i64>, globals: &Globals, timeout: Duration) -> Result<Table, Diagnostic> {
    let limits = Limits { timeout, ..Limits::default() };
    let now = now.unwrap_or(0);
    with_large_stack(|| {
        let parse = crate::syntax::parse(&sent.text);
        if let Some(error) = parse.diagnostics.iter().find(|d| d.severity == Severity::Error) {
            return Err(error.clone());
        }
        match execute_query(&parse.query, &Database::new(), globals, now, &limits) {
            Ok(tables) => match tables.into_iter().last() {
                Some(last) => Ok(std::sync::Arc::unwrap_or_clone(last.table)),
                None => Err(Diagnostic::new(Code::RuntimeError, Span::empty(0), "the query returned no table")),
            },
            Err(error) => Err(error.to_diagnostic(Span::empty(0))),
        }
    })
}

/// Prints diagnostics found before anything ran.
fn report(args: &VerifyArgs, origin: &Origin, diagnostics: &[Diagnostic], color: bool) -> anyhow::Result<()> {
    if diagnostics.is_empty() {
        return Ok(());
    }
    match args.format {
        VerifyFormat::Table => {
            for diagnostic in diagnostics {
                eprintln!("{}\n", render_text(diagnostic, &origin.source, color));
            }
        }
        VerifyFormat::Json => {
            let rendered: Vec<JsonDiagnostic> =
                diagnostics.iter().map(|d| JsonDiagnostic::new(d, &origin.source)).collect();
            println!("{}", serde_json::json!({ "file": origin.source.name, "diagnostics": rendered }));
        }
    }
    Ok(())
}

/// Prints one unit's result, diagnostics and comparison.
fn report_unit(
    args: &VerifyArgs,
    origin: &Origin,
    unit: &Unit,
    diagnostics: &[Diagnostic],
    remote: Option<&Table>,
    comparison: Option<&Comparison>,
    color: bool,
) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        VerifyFormat::Table => {
            if let Some(case) = &unit.case {
                writeln!(
                    out,
                    "case `{case}` ({} fixture table{}):",
                    unit.sent.tables.len(),
                    plural(unit.sent.tables.len())
                )?;
            }
            for diagnostic in diagnostics {
                eprintln!("{}\n", render_text(diagnostic, &origin.source, color));
            }
            if let Some(table) = remote {
                writeln!(out, "{}", output::text(table, 50))?;
            }
            if let Some(comparison) = comparison {
                match &comparison.diff {
                    None => writeln!(
                        out,
                        "local and remote results agree ({} row{})",
                        comparison.rows,
                        plural(comparison.rows)
                    )?,
                    Some(diff) => writeln!(out, "{diff}")?,
                }
            }
        }
        VerifyFormat::Json => {
            let rendered: Vec<JsonDiagnostic> =
                diagnostics.iter().map(|d| JsonDiagnostic::new(d, &origin.source)).collect();
            let mut object = serde_json::json!({
                "file": origin.source.name,
                "case": unit.case,
                "diagnostics": rendered,
            });
            if let Some(table) = remote {
                object["result"] = output::api_json(&[table]);
            }
            if let Some(comparison) = comparison {
                object["compare"] = serde_json::json!({ "agree": comparison.diff.is_none(), "diff": comparison.diff });
            }
            writeln!(out, "{object}")?;
        }
    }
    Ok(())
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}
