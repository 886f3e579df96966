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
use crate::cli::{EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::diagnostics::render::{JsonDiagnostic, render_text};
use crate::diagnostics::{Diagnostic, Severity, has_errors};
use crate::engine::output;
use crate::remote::client::{Client, Policy};
use crate::remote::config::{Selection, Workspace, process_env};
use crate::remote::query::QueryRequest;
use crate::remote::verify::{Options, Origin, Outcome, Prepared, Unit, prepare_file, prepare_text, run_unit};
use crate::ruleset::config::ConfigFile;

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
    let options = Options { with_fixtures: args.with_fixtures, case: args.case.clone(), no_pin_now: args.no_pin_now };
    let prepared = match (&path, &args.query) {
        (Some(path), _) => prepare_file(path, &options, &globals),
        (None, Some(text)) => {
            if args.with_fixtures {
                eprintln!("error: `--with-fixtures` needs a rule or query file with a test file beside it");
                return Ok(EXIT_FAILURE);
            }
            Ok(prepare_text(text))
        }
        (None, None) => {
            eprintln!("error: give a query, a rule file, or `-f FILE`");
            return Ok(EXIT_FAILURE);
        }
    };
    let Prepared { origin, units, early } = match prepared {
        Ok(prepared) => prepared,
        Err(message) => {
            eprintln!("error: {message}");
            return Ok(EXIT_FAILURE);
        }
    };
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
        let outcome = run_unit(&client, &origin, unit, request, args.compare, &globals);
        if !announced && let Some(kind) = client.credentials().used() {
            announced = true;
            let id = client.workspace.workspace_id.as_deref().unwrap_or("?");
            let workspace = match client.workspace.label.as_str() {
                label if label == id => format!("`{id}`"),
                label => format!("`{label}` ({id})"),
            };
            eprintln!("note: signed in with `{}`; workspace {workspace}", kind.name());
        }
        let outcome = outcome?;
        failed |= has_errors(&outcome.diagnostics);
        report_unit(&args, &origin, unit, &outcome, color)?;
    }
    Ok(if failed { EXIT_FINDINGS } else { EXIT_OK })
}

/// True when the argument names an existing query or rule file.
fn looks_like_file(text: &str) -> bool {
    let path = Path::new(text);
    !text.contains('\n')
        && path.is_file()
        && matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "kql" | "kusto" | "csl"))
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
fn report_unit(args: &VerifyArgs, origin: &Origin, unit: &Unit, outcome: &Outcome, color: bool) -> anyhow::Result<()> {
    let diagnostics = &outcome.diagnostics;
    let remote = outcome.remote.as_ref();
    let comparison = outcome.comparison.as_ref();
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
