//! `kqlab check`: parse KQL files, folders or a JSONL batch and report diagnostics.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use serde::Serialize;

use crate::analysis::schema::Schemas;
use crate::analysis::types::TableType;
use crate::analysis::{Globals, Output};
use crate::cache::WorkspaceSchema;
use crate::cli::{EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK, Format};
use crate::diagnostics::render::{JsonDiagnostic, render_text};
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::ruleset::folder::Folder;
use crate::ruleset::functions::Functions;
use crate::ruleset::sarif::SarifLog;
pub(crate) use crate::stack::with_large_stack;
use crate::text::{SourceFile, Span};

/// Arguments of `kqlab check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Rule folders (searched recursively) or files: Sentinel rule and hunting
    /// query YAML, `.kql` queries, functions; default `rules/`.
    pub paths: Vec<PathBuf>,
    /// Check a JSON Lines batch: each line `{"id": ..., "query": "..."}`.
    #[arg(long, value_name = "FILE.jsonl", conflicts_with = "paths")]
    pub queries: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Only check syntax (skip schema-aware semantic analysis).
    #[arg(long)]
    pub syntax_only: bool,
    /// Print each query's output schema (columns and types).
    #[arg(long)]
    pub schema_out: bool,
    /// Add or override table and function schemas from a JSON file
    /// (`{"Table": [{"name": "Col", "type": "string"}], ...}`); repeatable.
    #[arg(long, value_name = "FILE")]
    pub schemas: Vec<PathBuf>,
    /// Check against this workspace's schema from the schema cache (its
    /// tables, functions and watchlists on top of the built-in schemas);
    /// see `kqlab schema`.
    #[arg(long, value_name = "NAME")]
    pub workspace: Option<String>,
    /// The schema cache file (default: `KQLAB_CACHE`, else the user's cache
    /// directory).
    #[arg(long, value_name = "PATH", requires = "workspace")]
    pub cache: Option<PathBuf>,
    /// Disable colours in text output.
    #[arg(long)]
    pub no_color: bool,
}

/// Runs `kqlab check`.
pub fn run(args: CheckArgs) -> anyhow::Result<i32> {
    let workspace = match &args.workspace {
        Some(name) if !args.syntax_only => load_workspace(name, args.cache.as_deref()),
        _ => None,
    };
    let globals = load_globals(workspace.as_ref(), &args.schemas)?;
    let options = CheckOptions { syntax_only: args.syntax_only, globals };
    if let Some(batch) = &args.queries {
        return run_batch(batch, &options);
    }
    let workspace_functions = workspace.as_ref().map(workspace_functions);
    let paths = if args.paths.is_empty() { vec![PathBuf::from("rules")] } else { args.paths.clone() };
    let mut folders = Vec::new();
    for path in &paths {
        if !path.exists() {
            eprintln!("error: `{}` does not exist", path.display());
            return Ok(EXIT_FAILURE);
        }
        let mut folder = Folder::load(path).with_context(|| format!("reading `{}`", path.display()))?;
        if let Some(functions) = &workspace_functions {
            folder.set_workspace_functions(functions.clone());
        }
        folders.push(folder);
    }
    let color = args.format == Format::Text && !args.no_color && std::io::IsTerminal::is_terminal(&std::io::stdout());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut n_files, mut n_errors, mut n_warnings) = (0usize, 0usize, 0usize);
    let mut sarif = SarifLog::new(std::env::current_dir().ok().as_deref());
    for folder in &folders {
        let reports = with_large_stack(|| {
            if options.syntax_only {
                crate::ruleset::checks::check_folder_syntax(folder)
            } else {
                crate::ruleset::checks::check_folder(folder, &options.globals)
            }
        });
        for report in reports {
            let document = &folder.documents[report.document];
            let source = &document.source;
            let diagnostics = report.diagnostics;
            n_files += 1;
            n_errors += diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
            n_warnings += diagnostics.iter().filter(|d| d.severity == Severity::Warning).count();
            match args.format {
                Format::Text => {
                    for diagnostic in &diagnostics {
                        writeln!(out, "{}\n", render_text(diagnostic, source, color))?;
                    }
                    if args.schema_out {
                        writeln!(out, "{}: {}\n", source.name, describe_output(report.output.as_ref()))?;
                    }
                }
                Format::Json => {
                    let record = FileRecord {
                        path: &source.name,
                        kind: document.kind.as_str(),
                        ok: !crate::diagnostics::has_errors(&diagnostics),
                        diagnostics: diagnostics.iter().map(|d| JsonDiagnostic::new(d, source)).collect(),
                        output_schema: output_schema(report.output.as_ref()),
                    };
                    writeln!(out, "{}", serde_json::to_string(&record)?)?;
                }
                Format::Sarif => sarif.add_diagnostics(source, &diagnostics),
            }
        }
    }
    for folder in &folders {
        let config = crate::ruleset::checks::check_config(folder, &options.globals);
        for (source, diagnostics) in config.into_iter().chain(crate::ruleset::checks::check_watchlists(folder)) {
            n_files += 1;
            n_errors += diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
            match args.format {
                Format::Text => {
                    for diagnostic in &diagnostics {
                        writeln!(out, "{}\n", render_text(diagnostic, &source, color))?;
                    }
                }
                Format::Json => {
                    let record = FileRecord {
                        path: &source.name,
                        kind: if source.name.ends_with(crate::ruleset::config::FILE_NAME) {
                            "config"
                        } else {
                            "watchlist"
                        },
                        ok: !crate::diagnostics::has_errors(&diagnostics),
                        diagnostics: diagnostics.iter().map(|d| JsonDiagnostic::new(d, &source)).collect(),
                        output_schema: None,
                    };
                    writeln!(out, "{}", serde_json::to_string(&record)?)?;
                }
                Format::Sarif => sarif.add_diagnostics(&source, &diagnostics),
            }
        }
    }
    if args.format == Format::Sarif {
        writeln!(out, "{}", serde_json::to_string_pretty(&sarif.to_json())?)?;
    }
    if args.format == Format::Text {
        writeln!(
            out,
            "checked {} file{}: {} error{}, {} warning{}",
            n_files,
            plural(n_files),
            n_errors,
            plural(n_errors),
            n_warnings,
            plural(n_warnings)
        )?;
    }
    Ok(if n_errors > 0 { EXIT_FINDINGS } else { EXIT_OK })
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

#[derive(Serialize)]
struct FileRecord<'a> {
    path: &'a str,
    /// `scheduled rule`, `NRT rule`, `hunting query`, `function` or `query`.
    kind: &'static str,
    ok: bool,
    diagnostics: Vec<JsonDiagnostic>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output_schema: Option<Vec<SchemaColumn>>,
}

/// One output column, as `--format json` and batch mode print it.
#[derive(Serialize)]
struct SchemaColumn {
    name: String,
    #[serde(rename = "type")]
    ty: String,
}

/// What `check` does to each query text.
pub struct CheckOptions {
    /// Parse only.
    pub syntax_only: bool,
    /// Schemas and catalog for semantic analysis.
    pub globals: Globals,
}

impl Default for CheckOptions {
    fn default() -> CheckOptions {
        CheckOptions { syntax_only: false, globals: Globals::builtin() }
    }
}

/// The outcome of checking one query text.
pub struct Checked {
    pub diagnostics: Vec<Diagnostic>,
    /// The query's output type (semantic mode only).
    pub output: Option<Output>,
}

/// The latest cached snapshot of workspace `name`; problems with the cache
/// are warnings (the check goes on with the built-in schemas).
fn load_workspace(name: &str, cache: Option<&Path>) -> Option<WorkspaceSchema> {
    let path = match crate::cache::location::cache_path(cache) {
        Ok(path) => path,
        Err(error) => {
            eprintln!("warning: {error}; checking against the built-in schemas");
            return None;
        }
    };
    let loaded = crate::cache::load::load_workspace(&path, name, crate::cache::location::busy_timeout());
    for warning in &loaded.warnings {
        eprintln!("warning: {warning}");
    }
    loaded.schema
}

/// The workspace's functions with bodies for the rules folders, with a
/// warning naming those kqlab cannot parse.
fn workspace_functions(workspace: &WorkspaceSchema) -> Functions {
    let (functions, warning) = workspace.folder_functions();
    if let Some(warning) = warning {
        eprintln!("warning: {warning}");
    }
    functions
}

/// The built-in schemas, then the workspace's, then those in `files`.
fn load_globals(workspace: Option<&WorkspaceSchema>, files: &[PathBuf]) -> anyhow::Result<Globals> {
    if files.is_empty() && workspace.is_none() {
        return Ok(Globals::builtin());
    }
    let mut schemas = match workspace {
        Some(workspace) => workspace.to_schemas(Schemas::builtin()),
        None => Schemas::builtin().clone(),
    };
    for file in files {
        let text = std::fs::read_to_string(file).with_context(|| format!("reading `{}`", file.display()))?;
        schemas.add_json(&text, true).with_context(|| format!("loading schemas from `{}`", file.display()))?;
    }
    Ok(Globals::with_schemas(schemas))
}

/// The output schema as JSON columns (`None` for scalar or unknown results).
fn output_schema(output: Option<&Output>) -> Option<Vec<SchemaColumn>> {
    match output? {
        Output::Table(table) => Some(schema_columns(table)),
        Output::Scalar(ty) => Some(vec![SchemaColumn { name: "print_0".into(), ty: ty.to_string() }]),
    }
}

fn schema_columns(table: &TableType) -> Vec<SchemaColumn> {
    table.columns.iter().map(|c| SchemaColumn { name: c.name.clone(), ty: c.ty.to_string() }).collect()
}

/// `(Name:string, Count:long)` for text output.
fn describe_output(output: Option<&Output>) -> String {
    match output {
        Some(Output::Table(table)) => {
            let columns: Vec<String> = table.columns.iter().map(|c| format!("{}:{}", c.name, c.ty)).collect();
            format!("({}){}", columns.join(", "), if table.open { " (open: more columns possible)" } else { "" })
        }
        Some(Output::Scalar(ty)) => format!("scalar {ty}"),
        None => "no result".to_string(),
    }
}

/// Decodes `bytes` (reporting invalid UTF-8) and checks the text.
pub fn check_bytes(name: &str, bytes: &[u8], options: &CheckOptions) -> (SourceFile, Checked) {
    let (text, utf8_error) = match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), None),
        Err(error) => (String::from_utf8_lossy(bytes).into_owned(), Some(error.valid_up_to())),
    };
    let source = SourceFile::new(name, text);
    let mut checked = check_text(&source.text, options);
    if let Some(offset) = utf8_error {
        let offset = offset as u32;
        checked.diagnostics.insert(
            0,
            Diagnostic::new(Code::InvalidUtf8, Span::new(offset, offset + 3), "the file is not valid UTF-8")
                .with_help("invalid bytes were replaced with U+FFFD; save the file as UTF-8"),
        );
    }
    (source, checked)
}

/// Checks one query text on a thread with a generous stack, so that even
/// adversarial input cannot overflow it.
pub fn check_text(text: &str, options: &CheckOptions) -> Checked {
    with_large_stack(|| check_on_this_thread(text, options))
}

/// Parses and (unless syntax-only) analyses `text`; diagnostics in source order.
fn check_on_this_thread(text: &str, options: &CheckOptions) -> Checked {
    if options.syntax_only {
        return Checked { diagnostics: crate::syntax::parse(text).diagnostics, output: None };
    }
    let (diagnostics, output) = crate::analysis::check_text(text, &options.globals);
    Checked { diagnostics, output }
}

/// One input line of a `--queries` batch (`check` and `run`).
#[derive(serde::Deserialize)]
pub(crate) struct BatchRecord {
    pub(crate) id: serde_json::Value,
    pub(crate) query: String,
    /// Text analysed before `query` (e.g. `let` statements a parser's
    /// parameters imply); diagnostic offsets stay relative to `query`.
    #[serde(default)]
    pub(crate) prelude: Option<String>,
}

#[derive(Serialize)]
struct BatchDiagnostic {
    code: String,
    severity: Severity,
    message: String,
    start: u32,
    end: u32,
}

#[derive(Serialize)]
struct BatchResult {
    id: serde_json::Value,
    ok: bool,
    diagnostics: Vec<BatchDiagnostic>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output_schema: Option<Vec<SchemaColumn>>,
}

/// `--queries FILE.jsonl`: one JSON result line per input line.
fn run_batch(path: &Path, options: &CheckOptions) -> anyhow::Result<i32> {
    let file = std::fs::File::open(path).with_context(|| format!("opening `{}`", path.display()))?;
    let reader = std::io::BufReader::new(file);
    let mut any_errors = false;
    // One big-stack thread for the whole batch.
    let outcome: anyhow::Result<()> = with_large_stack(|| -> anyhow::Result<()> {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        for (line_idx, line) in reader.lines().enumerate() {
            let line = line.with_context(|| format!("reading line {}", line_idx + 1))?;
            if line.trim().is_empty() {
                continue;
            }
            let record: BatchRecord = serde_json::from_str(&line)
                .with_context(|| format!("line {}: expected {{\"id\": ..., \"query\": \"...\"}}", line_idx + 1))?;
            let prelude = record.prelude.unwrap_or_default();
            let text = format!("{prelude}{}", record.query);
            let offset = prelude.len() as u32;
            let checked = check_on_this_thread(&text, options);
            let diagnostics: Vec<Diagnostic> = checked
                .diagnostics
                .into_iter()
                .map(|mut d| {
                    // Problems inside the prelude get offset -1 (reported as 0..0).
                    d.span = if d.span.start >= offset {
                        Span::new(d.span.start - offset, d.span.end - offset)
                    } else {
                        Span::new(0, 0)
                    };
                    d
                })
                .collect();
            let ok = !crate::diagnostics::has_errors(&diagnostics);
            any_errors |= !ok;
            let result = BatchResult {
                id: record.id,
                ok,
                diagnostics: diagnostics
                    .iter()
                    .map(|d| BatchDiagnostic {
                        code: d.code.as_string(),
                        severity: d.severity,
                        message: d.message.clone(),
                        start: d.span.start,
                        end: d.span.end,
                    })
                    .collect(),
                output_schema: output_schema(checked.output.as_ref()),
            };
            serde_json::to_writer(&mut out, &result)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        Ok(())
    });
    outcome?;
    Ok(if any_errors { EXIT_FINDINGS } else { EXIT_OK })
}
