//! `kqlab watch`: re-check and re-test a rules folder on every save.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use notify::event::{EventKind, ModifyKind};
use notify::{RecursiveMode, Watcher};

use crate::analysis::Globals;
use crate::analysis::schema::Schemas;
use crate::cli::EXIT_FAILURE;
use crate::diagnostics::Severity;
use crate::ruleset::runner::Limits;
use crate::ruleset::watch::{Batcher, Session, Update};

/// Arguments of `kqlab watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The rules folder (default `rules/`).
    pub path: Option<PathBuf>,
    /// Only check; do not run the rules' tests.
    #[arg(long)]
    pub no_tests: bool,
    /// How long to gather events after the first one before re-checking.
    #[arg(long, default_value = "50ms")]
    pub debounce: String,
    /// Add or override table schemas from a JSON file; repeatable.
    #[arg(long, value_name = "FILE")]
    pub schemas: Vec<PathBuf>,
    /// Disable colours.
    #[arg(long)]
    pub no_color: bool,
}

/// Runs `kqlab watch` until interrupted.
pub fn run(args: WatchArgs) -> anyhow::Result<i32> {
    let root = args.path.clone().unwrap_or_else(|| PathBuf::from("rules"));
    if !root.is_dir() {
        eprintln!("error: `{}` is not a folder", root.display());
        return Ok(EXIT_FAILURE);
    }
    let mut schemas = Schemas::builtin().clone();
    for file in &args.schemas {
        let text = std::fs::read_to_string(file).with_context(|| format!("reading `{}`", file.display()))?;
        schemas.add_json(&text, true).with_context(|| format!("loading schemas from `{}`", file.display()))?;
    }
    let debounce = crate::syntax::literal::parse_timespan(&args.debounce)
        .with_context(|| format!("`--debounce {}` is not a timespan (e.g. 50ms)", args.debounce))?;
    let window = Duration::from_nanos((debounce.max(0) as u64).saturating_mul(100));
    let (sender, events) = std::sync::mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let _ = sender.send(event);
    })
    .context("starting the file watcher")?;
    watcher.watch(&root, RecursiveMode::Recursive).with_context(|| format!("watching `{}`", root.display()))?;
    let color = !args.no_color && std::io::IsTerminal::is_terminal(&std::io::stdout());
    let globals = Globals::with_schemas(schemas);
    let tests = !args.no_tests;
    let outcome = crate::cli::commands::check::with_large_stack(move || -> anyhow::Result<()> {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        watch_loop(&root, globals, tests, window, &events, &mut |session, update| {
            let _ = print_update(&mut out, session, update, color);
        })
    });
    outcome?;
    Ok(0)
}

/// Loads the folder, reports, then applies each batch of events and
/// reports again; returns when the watcher's channel closes.
pub fn watch_loop(
    root: &Path,
    globals: Globals,
    tests: bool,
    window: Duration,
    events: &Receiver<notify::Result<notify::Event>>,
    report: &mut dyn FnMut(&Session, &Update),
) -> anyhow::Result<()> {
    let (mut session, update) = Session::start(root, globals, Limits::default(), tests)
        .with_context(|| format!("reading `{}`", root.display()))?;
    report(&session, &update);
    let root_absolute = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut batcher = Batcher::new(window);
    loop {
        let wait = match batcher.deadline() {
            Some(deadline) => deadline.saturating_duration_since(Instant::now()),
            None => Duration::from_secs(3600),
        };
        match events.recv_timeout(wait) {
            Ok(Ok(event)) => {
                // Reading files makes access events: only changes count.
                let changes = matches!(
                    event.kind,
                    EventKind::Create(_) | EventKind::Remove(_) | EventKind::Modify(_) | EventKind::Any
                ) && !matches!(event.kind, EventKind::Modify(ModifyKind::Metadata(_)));
                if !changes {
                    continue;
                }
                let now = Instant::now();
                for path in event.paths {
                    if let Some(path) = under_root(&path, root, &root_absolute) {
                        batcher.push(path, now);
                    }
                }
            }
            // A watcher error (e.g. an overflowed event queue): re-read everything.
            Ok(Err(_)) => batcher.push(root.to_path_buf(), Instant::now()),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        }
        if let Some(batch) = batcher.take_ready(Instant::now()) {
            let update = session.apply(&batch);
            report(&session, &update);
        }
    }
}

/// An event path as a path under `root` as the user gave it.
fn under_root(path: &Path, root: &Path, root_absolute: &Path) -> Option<PathBuf> {
    if let Ok(rest) = path.strip_prefix(root_absolute) {
        return Some(root.join(rest));
    }
    path.strip_prefix(root).is_ok().then(|| path.to_path_buf())
}

/// One block per update: the changed files' findings and failing cases,
/// then the folder's summary line.
fn print_update(out: &mut impl Write, session: &Session, update: &Update, color: bool) -> std::io::Result<()> {
    let paint = |code: &str, text: &str| if color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() };
    let clock = clock_time();
    if update.changed.is_empty() {
        writeln!(out, "{clock} watching `{}`", session.folder.root.display())?;
    } else {
        // Editors' temporary files come and go within a batch: not shown.
        let changed: Vec<&PathBuf> =
            update.changed.iter().filter(|p| p.exists() || update.removed.contains(p)).collect();
        let names: Vec<String> = changed.iter().take(3).map(|p| p.display().to_string()).collect();
        let more = changed.len().saturating_sub(3);
        writeln!(
            out,
            "{clock} changed {}{}",
            names.join(", "),
            if more > 0 { format!(" and {more} more") } else { String::new() }
        )?;
    }
    let shown: Vec<&PathBuf> = if update.changed.is_empty() {
        update.checked.iter().collect()
    } else {
        update.checked.iter().chain(&update.tested).collect::<std::collections::BTreeSet<_>>().into_iter().collect()
    };
    for path in shown {
        let Some(document) = session.folder.documents.iter().find(|d| &d.path == path) else { continue };
        for diagnostic in session.diagnostics(path) {
            if diagnostic.severity == Severity::Info {
                continue;
            }
            let at = document.source.line_col(diagnostic.span.start);
            let level = match diagnostic.severity {
                Severity::Error => paint("31;1", "error"),
                _ => paint("33;1", "warning"),
            };
            writeln!(
                out,
                "  {}:{}:{}: {level}[{}]: {}",
                path.display(),
                at.line,
                at.column,
                diagnostic.code,
                diagnostic.message
            )?;
        }
        if let Some(state) = session.state(path) {
            for case in state.cases.iter().filter(|c| !c.passed()) {
                writeln!(out, "  {} {} › {}", paint("31;1", "FAIL"), path.display(), case.case)?;
                for failure in &case.failures {
                    writeln!(out, "      {}", failure.message)?;
                }
            }
            if let Some(broken) = &state.broken {
                for diagnostic in &broken.file.diagnostics {
                    let at = broken.file.source.line_col(diagnostic.span.start);
                    writeln!(
                        out,
                        "  {}:{}:{}: error[{}]: {}",
                        broken.file.source.name, at.line, at.column, diagnostic.code, diagnostic.message
                    )?;
                }
            }
        }
    }
    for removed in &update.removed {
        writeln!(out, "  removed {}", removed.display())?;
    }
    let summary = session.summary();
    let verdict = if summary.errors == 0 && summary.failed == 0 && summary.broken_tests == 0 {
        paint("32;1", "ok")
    } else {
        paint("31;1", "problems")
    };
    writeln!(
        out,
        "{verdict}: {} files, {} error{}, {} warning{} · tests {} passed, {} failed · {} checked, {} tested in {} ms",
        summary.files,
        summary.errors,
        if summary.errors == 1 { "" } else { "s" },
        summary.warnings,
        if summary.warnings == 1 { "" } else { "s" },
        summary.passed,
        summary.failed,
        update.checked.len(),
        update.tested.len(),
        update.elapsed.as_millis()
    )?;
    out.flush()
}

/// `HH:MM:SS` (UTC) for the update lines.
fn clock_time() -> String {
    let seconds = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    format!("{:02}:{:02}:{:02}", seconds / 3600 % 24, seconds / 60 % 60, seconds % 60)
}
