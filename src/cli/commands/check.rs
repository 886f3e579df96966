//! `kqlab check`: parse KQL files, folders or a JSONL batch and report diagnostics.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use serde::Serialize;

use crate::cli::{EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK, Format};
use crate::diagnostics::render::{JsonDiagnostic, render_text};
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::text::{SourceFile, Span};

/// Arguments of `kqlab check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// `.kql` files or folders (searched recursively); default `rules/`.
    pub paths: Vec<PathBuf>,
    /// Check a JSON Lines batch: each line `{"id": ..., "query": "..."}`.
    #[arg(long, value_name = "FILE.jsonl", conflicts_with = "paths")]
    pub queries: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Only check syntax (semantic analysis is not available yet, so this is the current behaviour).
    #[arg(long)]
    pub syntax_only: bool,
    /// Disable colours in text output.
    #[arg(long)]
    pub no_color: bool,
}

/// Runs `kqlab check`.
pub fn run(args: CheckArgs) -> anyhow::Result<i32> {
    if let Some(batch) = &args.queries {
        return run_batch(batch);
    }
    let paths = if args.paths.is_empty() { vec![PathBuf::from("rules")] } else { args.paths.clone() };
    let mut files = Vec::new();
    for path in &paths {
        if !path.exists() {
            eprintln!("error: `{}` does not exist", path.display());
            return Ok(EXIT_FAILURE);
        }
        collect_kql_files(path, &mut files).with_context(|| format!("reading `{}`", path.display()))?;
    }
    files.sort();
    let color = args.format == Format::Text && !args.no_color && std::io::IsTerminal::is_terminal(&std::io::stdout());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut n_errors, mut n_warnings) = (0usize, 0usize);
    for file in &files {
        let bytes = std::fs::read(file).with_context(|| format!("reading `{}`", file.display()))?;
        let (source, diagnostics) = check_bytes(&file.display().to_string(), &bytes);
        n_errors += diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
        n_warnings += diagnostics.iter().filter(|d| d.severity == Severity::Warning).count();
        match args.format {
            Format::Text => {
                for diagnostic in &diagnostics {
                    writeln!(out, "{}\n", render_text(diagnostic, &source, color))?;
                }
            }
            Format::Json => {
                let record = FileRecord {
                    path: &source.name,
                    ok: !crate::diagnostics::has_errors(&diagnostics),
                    diagnostics: diagnostics.iter().map(|d| JsonDiagnostic::new(d, &source)).collect(),
                };
                writeln!(out, "{}", serde_json::to_string(&record)?)?;
            }
        }
    }
    if args.format == Format::Text {
        writeln!(
            out,
            "checked {} file{}: {} error{}, {} warning{}",
            files.len(),
            plural(files.len()),
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
    ok: bool,
    diagnostics: Vec<JsonDiagnostic>,
}

/// Appends `path` (a `.kql` file) or every `.kql` file under it (a folder).
fn collect_kql_files(path: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_file() {
        files.push(path.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        let child = entry.path();
        if entry.file_type()?.is_dir() {
            collect_kql_files(&child, files)?;
        } else if child.extension().is_some_and(|ext| ext == "kql") {
            files.push(child);
        }
    }
    Ok(())
}

/// Decodes `bytes` (reporting invalid UTF-8) and checks the text.
pub fn check_bytes(name: &str, bytes: &[u8]) -> (SourceFile, Vec<Diagnostic>) {
    let (text, utf8_error) = match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), None),
        Err(error) => (String::from_utf8_lossy(bytes).into_owned(), Some(error.valid_up_to())),
    };
    let source = SourceFile::new(name, text);
    let mut diagnostics = check_text(&source.text);
    if let Some(offset) = utf8_error {
        let offset = offset as u32;
        diagnostics.insert(
            0,
            Diagnostic::new(Code::InvalidUtf8, Span::new(offset, offset + 3), "the file is not valid UTF-8")
                .with_help("invalid bytes were replaced with U+FFFD; save the file as UTF-8"),
        );
    }
    (source, diagnostics)
}

/// Checks one query text on a thread with a generous stack, so that even
/// adversarial input cannot overflow it.
pub fn check_text(text: &str) -> Vec<Diagnostic> {
    with_large_stack(|| crate::syntax::parse(text).diagnostics)
}

/// Runs `work` on a scoped thread with a 64 MB stack: a second line of
/// defence behind the parser's own nesting bounds.
fn with_large_stack<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(64 * 1024 * 1024)
            .spawn_scoped(scope, work)
            .expect("spawning the checker thread")
            .join()
            .expect("the parser does not panic")
    })
}

#[derive(serde::Deserialize)]
struct BatchRecord {
    id: serde_json::Value,
    query: String,
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
}

/// `--queries FILE.jsonl`: one JSON result line per input line.
fn run_batch(path: &Path) -> anyhow::Result<i32> {
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
            let diagnostics = crate::syntax::parse(&record.query).diagnostics;
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
