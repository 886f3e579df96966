//! `kqlab test`: run every rule's test cases on its sample data.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::analysis::Globals;
use crate::analysis::schema::Schemas;
use crate::cli::commands::check::with_large_stack;
use crate::cli::{EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::diagnostics::Severity;
use crate::diagnostics::render::{JsonDiagnostic, render_text};
use crate::ruleset::folder::Folder;
use crate::ruleset::runner::{Limits, TestRun, run_tests_with_progress};
use crate::ruleset::sarif::SarifLog;

/// Arguments of `kqlab test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Rule folders (default `rules/`).
    pub paths: Vec<PathBuf>,
    /// Only rules whose path or name contains this text.
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TestFormat::Text)]
    pub format: TestFormat,
    /// Add or override table schemas from a JSON file; repeatable.
    #[arg(long, value_name = "FILE")]
    pub schemas: Vec<PathBuf>,
    /// Longest time one case's query may run (e.g. `30s`; default: the
    /// folder's `kqlab.toml`, else 30s).
    #[arg(long)]
    pub timeout: Option<String>,
    /// Show notes for passing cases too (rows left out by the period, import problems).
    #[arg(long, short)]
    pub verbose: bool,
    /// Disable colours.
    #[arg(long)]
    pub no_color: bool,
}

/// Output formats of `kqlab test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// One line per case, failures with their diff.
    Text,
    /// One JSON object per case.
    Json,
    /// JUnit XML (one test suite per rule).
    Junit,
    /// One SARIF 2.1.0 log: a `KQL3025` result at each failed case.
    Sarif,
}

/// Runs `kqlab test`.
pub fn run(args: TestArgs) -> anyhow::Result<i32> {
    let mut schemas = Schemas::builtin().clone();
    for file in &args.schemas {
        let text = std::fs::read_to_string(file).with_context(|| format!("reading `{}`", file.display()))?;
        schemas.add_json(&text, true).with_context(|| format!("loading schemas from `{}`", file.display()))?;
    }
    let globals = Globals::with_schemas(schemas);
    let timeout = match &args.timeout {
        Some(text) => Some(
            crate::syntax::literal::parse_timespan(text)
                .with_context(|| format!("`--timeout {text}` is not a timespan (e.g. 30s, 2m)"))?,
        ),
        None => None,
    };
    let paths = if args.paths.is_empty() { vec![PathBuf::from("rules")] } else { args.paths.clone() };
    let color =
        args.format == TestFormat::Text && !args.no_color && std::io::IsTerminal::is_terminal(&std::io::stdout());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut summary = Summary::default();
    let mut junit = String::new();
    let mut sarif = SarifLog::new(std::env::current_dir().ok().as_deref());
    for path in &paths {
        if !path.exists() {
            eprintln!("error: `{}` does not exist", path.display());
            return Ok(EXIT_FAILURE);
        }
        let folder = Folder::load(path).with_context(|| format!("reading `{}`", path.display()))?;
        let mut limits = Limits::default().with_config(&folder);
        if let Some(ticks) = timeout {
            limits.timeout = Duration::from_nanos((ticks.max(0) as u64).saturating_mul(100));
        }
        if let Some((source, diagnostics)) = crate::ruleset::checks::check_config(&folder, &globals) {
            for diagnostic in &diagnostics {
                eprintln!("{}\n", render_text(diagnostic, &source, color));
            }
            if crate::diagnostics::has_errors(&diagnostics) {
                return Ok(EXIT_FAILURE);
            }
        }
        // Like a compiler before tests: the rules are checked first, and
        // errors in them (a query or metadata problem) fail the run.
        let reports = with_large_stack(|| crate::ruleset::checks::check_folder(&folder, &globals));
        for report in &reports {
            let document = &folder.documents[report.document];
            if let Some(filter) = args.filter.as_deref()
                && !document.path.to_string_lossy().contains(filter)
                && !document.display_name().contains(filter)
            {
                continue;
            }
            for diagnostic in &report.diagnostics {
                match diagnostic.severity {
                    Severity::Error => {
                        summary.check_errors += 1;
                        if args.format == TestFormat::Text {
                            writeln!(out, "{}\n", render_text(diagnostic, &document.source, color))?;
                        }
                    }
                    Severity::Warning => summary.check_warnings += 1,
                    Severity::Info => {}
                }
            }
        }
        // Progress on the terminal (stderr) for runs long enough to wonder about.
        let show_progress = args.format == TestFormat::Text && std::io::IsTerminal::is_terminal(&std::io::stderr());
        let started = std::time::Instant::now();
        let run = with_large_stack(|| {
            run_tests_with_progress(&folder, &globals, args.filter.as_deref(), &limits, &mut |done, total, rule| {
                if show_progress && started.elapsed() > Duration::from_millis(500) {
                    eprint!("\r\x1b[2Ktesting {done}/{total}: {rule}");
                }
            })
        });
        if show_progress && started.elapsed() > Duration::from_millis(500) {
            eprint!("\r\x1b[2K");
        }
        summary.add(&run);
        match args.format {
            TestFormat::Text => write_text(&mut out, &folder, &run, args.verbose, color)?,
            TestFormat::Json => write_json(&mut out, &folder, &run)?,
            TestFormat::Junit => junit.push_str(&crate::ruleset::report::junit_suites(&folder, &run)),
            TestFormat::Sarif => sarif.add_test_run(&folder, &run),
        }
    }
    match args.format {
        TestFormat::Text => writeln!(out, "{}", summary.line())?,
        TestFormat::Json => {}
        TestFormat::Junit => {
            writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
            writeln!(
                out,
                "<testsuites name=\"kqlab\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
                summary.passed + summary.failed,
                summary.failed,
                summary.broken
            )?;
            out.write_all(junit.as_bytes())?;
            writeln!(out, "</testsuites>")?;
        }
        TestFormat::Sarif => writeln!(out, "{}", serde_json::to_string_pretty(&sarif.to_json())?)?,
    }
    Ok(if summary.failed > 0 || summary.broken > 0 || summary.check_errors > 0 { EXIT_FINDINGS } else { EXIT_OK })
}

#[derive(Default)]
struct Summary {
    check_errors: usize,
    check_warnings: usize,
    passed: usize,
    failed: usize,
    broken: usize,
    untested: usize,
}

impl Summary {
    fn add(&mut self, run: &TestRun) {
        self.passed += run.results.iter().filter(|r| r.passed()).count();
        self.failed += run.results.iter().filter(|r| !r.passed()).count();
        self.broken += run.broken.len();
        self.untested += run.untested.len();
    }

    fn line(&self) -> String {
        let verdict = if self.failed == 0 && self.broken == 0 && self.check_errors == 0 { "ok" } else { "FAILED" };
        let mut line = format!("test result: {verdict}. {} passed, {} failed", self.passed, self.failed);
        line.push_str(&format!(
            "; check: {} error{}, {} warning{} (`kqlab check` shows them)",
            self.check_errors,
            if self.check_errors == 1 { "" } else { "s" },
            self.check_warnings,
            if self.check_warnings == 1 { "" } else { "s" }
        ));
        if self.broken > 0 {
            line.push_str(&format!(
                ", {} test file{} with problems",
                self.broken,
                if self.broken == 1 { "" } else { "s" }
            ));
        }
        if self.untested > 0 {
            line.push_str(&format!(
                "; {} rule{} without tests",
                self.untested,
                if self.untested == 1 { "" } else { "s" }
            ));
        }
        line
    }
}

fn write_text(out: &mut impl Write, folder: &Folder, run: &TestRun, verbose: bool, color: bool) -> anyhow::Result<()> {
    let paint = |code: &str, text: &str| if color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() };
    for result in &run.results {
        let document = &folder.documents[result.document];
        let rows = result
            .result
            .as_ref()
            .map_or(String::new(), |t| format!("{} row{}, ", t.rows, if t.rows == 1 { "" } else { "s" }));
        let status = if result.passed() { paint("32", "PASS") } else { paint("31;1", "FAIL") };
        writeln!(
            out,
            "{status}  {} › {}  ({rows}{} ms)",
            document.source.name,
            result.case,
            result.elapsed.as_millis()
        )?;
        for failure in &result.failures {
            writeln!(out, "      {}", failure.message)?;
            if let Some(detail) = &failure.detail {
                for line in detail.lines() {
                    let line = if color && line.starts_with('-') {
                        paint("31", line)
                    } else if color && line.starts_with('+') {
                        paint("32", line)
                    } else {
                        line.to_string()
                    };
                    writeln!(out, "        {line}")?;
                }
            }
        }
        if verbose || !result.passed() {
            if !result.passed() {
                writeln!(out, "      now: {}", crate::engine::value::Value::DateTime(result.now).to_kql_string())?;
            }
            for note in &result.notes {
                writeln!(out, "      note: {note}")?;
            }
        }
    }
    for broken in &run.broken {
        for diagnostic in &broken.file.diagnostics {
            writeln!(out, "{}\n", render_text(diagnostic, &broken.file.source, color))?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct CaseRecord<'a> {
    rule: &'a str,
    name: String,
    test: &'a str,
    case: &'a str,
    passed: bool,
    rows: Option<usize>,
    now: String,
    elapsed_ms: u128,
    failures: Vec<FailureRecord<'a>>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct FailureRecord<'a> {
    /// `KQL3025` (test-failed).
    code: &'static str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
}

#[derive(Serialize)]
struct BrokenRecord<'a> {
    test: &'a str,
    diagnostics: Vec<JsonDiagnostic>,
}

fn write_json(out: &mut impl Write, folder: &Folder, run: &TestRun) -> anyhow::Result<()> {
    for result in &run.results {
        let document = &folder.documents[result.document];
        let record = CaseRecord {
            rule: &document.source.name,
            name: document.display_name(),
            test: &result.test,
            case: &result.case,
            passed: result.passed(),
            rows: result.result.as_ref().map(|t| t.rows),
            now: crate::engine::value::Value::DateTime(result.now).to_kql_string(),
            elapsed_ms: result.elapsed.as_millis(),
            failures: result
                .failures
                .iter()
                .map(|f| FailureRecord { code: "KQL3025", message: &f.message, detail: f.detail.as_deref() })
                .collect(),
            notes: &result.notes,
        };
        writeln!(out, "{}", serde_json::to_string(&record)?)?;
    }
    for broken in &run.broken {
        let record = BrokenRecord {
            test: &broken.file.source.name,
            diagnostics: broken.file.diagnostics.iter().map(|d| JsonDiagnostic::new(d, &broken.file.source)).collect(),
        };
        writeln!(out, "{}", serde_json::to_string(&record)?)?;
    }
    Ok(())
}
