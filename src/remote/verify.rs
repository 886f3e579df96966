//! Verification against a workspace, shared by `kqlab verify` and the MCP
//! tool `kql_verify`: what to send (a query, or a rule with each test
//! case's tables inlined), running it remotely, and comparing the remote
//! result with kqlab's own run of the same text.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::analysis::Globals;
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::engine::table::{Database, Table};
use crate::remote::client::Client;
use crate::remote::fixtures::{Sent, inline, missing_fixtures};
use crate::remote::query::{QueryRequest, error_diagnostic, run_query};
use crate::ruleset::config::FILE_NAME;
use crate::ruleset::document::Document;
use crate::ruleset::folder::Folder;
use crate::ruleset::runner::{Limits, case_data, execute_query};
use crate::ruleset::test_file::TestFile;
use crate::stack::with_large_stack;
use crate::text::{SourceFile, Span};

/// How to prepare the texts to send.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Inline each test case's tables (`--with-fixtures`).
    pub with_fixtures: bool,
    /// Only the case of this name.
    pub case: Option<String>,
    /// Do not pin `now()` to the case's `now`.
    pub no_pin_now: bool,
}

/// One text to send: the query, or one test case's version of it.
#[derive(Debug, Clone)]
pub struct Unit {
    /// `None` for a plain query; the case name with fixtures.
    pub case: Option<String>,
    pub sent: Sent,
    /// The case's `now` (ticks), for the local run.
    pub now: Option<i64>,
}

/// What the query came from, for diagnostics.
#[derive(Debug, Clone)]
pub struct Origin {
    pub source: SourceFile,
    /// The whole query in `source`.
    pub whole: Span,
    /// Maps a span of the query text to a span of `source`.
    document: Option<Document>,
}

/// The texts to send, and the problems found before sending (errors in the
/// query, missing fixtures, a control command).
#[derive(Debug, Clone)]
pub struct Prepared {
    pub origin: Origin,
    pub units: Vec<Unit>,
    pub early: Vec<Diagnostic>,
}

/// The outcome of `--compare`.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Rows of the local result.
    pub rows: usize,
    /// The diff (`-` local, `+` remote), `None` when they agree.
    pub diff: Option<String>,
}

/// One unit run remotely (and locally with `compare`).
#[derive(Debug)]
pub struct Outcome {
    pub diagnostics: Vec<Diagnostic>,
    /// The first result table of the remote run.
    pub remote: Option<Table>,
    pub comparison: Option<Comparison>,
}

impl Origin {
    /// A span of a sent text as a span of the source.
    pub fn map(&self, sent: &Sent, span: Span) -> Span {
        match sent.query_span(span) {
            Some(span) => match &self.document {
                Some(document) => document.query.as_ref().map_or(self.whole, |query| query.map_span(span)),
                None => span,
            },
            None => self.whole,
        }
    }
}

/// A query given as text (no fixtures possible).
pub fn prepare_text(text: &str) -> Prepared {
    let source = SourceFile::new("<query>", text.to_string());
    let whole = Span::new(0, text.len() as u32);
    let sent = inline(text, 0, text.len() as u32, &[], &[], None);
    let mut prepared = Prepared {
        origin: Origin { source, whole, document: None },
        units: vec![Unit { case: None, sent, now: None }],
        early: Vec::new(),
    };
    prepared.early.extend(refuse_control_commands(&prepared));
    prepared
}

/// A rule or query file, found in its rules folder (for its functions and
/// test file) when there is one. An `Err` is a message for the user.
pub fn prepare_file(path: &Path, options: &Options, globals: &Globals) -> Result<Prepared, String> {
    let mut prepared = with_large_stack(|| prepare_document(path, options, globals))?;
    let refused = refuse_control_commands(&prepared);
    prepared.early.extend(refused);
    Ok(prepared)
}

fn prepare_document(path: &Path, options: &Options, globals: &Globals) -> Result<Prepared, String> {
    let root = folder_root(path);
    let folder = Folder::load(&root).map_err(|error| format!("reading `{}`: {error}", root.display()))?;
    let wanted = std::fs::canonicalize(path).map_err(|error| format!("reading `{}`: {error}", path.display()))?;
    let index = folder.documents.iter().position(|d| std::fs::canonicalize(&d.path).ok().as_deref() == Some(&wanted));
    let Some(index) = index else {
        if options.with_fixtures {
            return Err(format!("`{}` is not a rule or query of a rules folder", path.display()));
        }
        let text = std::fs::read_to_string(path).map_err(|error| format!("reading `{}`: {error}", path.display()))?;
        let mut prepared = prepare_text(&text);
        prepared.early.clear();
        prepared.origin.source = SourceFile::new(path.display().to_string(), text);
        return Ok(prepared);
    };
    let document = folder.documents[index].clone();
    let Some(analyzed) = crate::ruleset::query::analyze_document(&document, &folder.functions, globals) else {
        return Err(format!("`{}` has no query", path.display()));
    };
    let query = document.query.as_ref().expect("analyze_document found a query");
    let query_len = query.text.len() as u32;
    let whole = query.map_span(Span::new(0, query_len));
    let origin = Origin { source: document.source.clone(), whole, document: Some(document.clone()) };
    let mut early: Vec<Diagnostic> =
        analyzed.diagnostics.iter().filter(|d| d.severity == Severity::Error).cloned().collect();
    if !options.with_fixtures {
        let sent = inline(&analyzed.text, analyzed.offset, query_len, &[], &[], None);
        return Ok(Prepared { origin, units: vec![Unit { case: None, sent, now: None }], early });
    }
    let Some(test_path) = folder.test_for(&document) else {
        return Err(format!(
            "`{}` has no test file; `--with-fixtures` takes the tables of its `NAME.test.yaml`",
            path.display()
        ));
    };
    let text =
        std::fs::read_to_string(test_path).map_err(|error| format!("reading `{}`: {error}", test_path.display()))?;
    let file = TestFile::parse(test_path, text);
    if let Some(problem) = file.diagnostics.iter().find(|d| d.severity == Severity::Error) {
        return Err(format!("{}: {}", test_path.display(), problem.message));
    }
    let (globals, _) = crate::ruleset::config::folder_globals(folder.config.as_ref(), &folder.root, globals);
    let mut units = Vec::new();
    for case in &file.cases {
        if options.case.as_deref().is_some_and(|wanted| wanted != case.name) {
            continue;
        }
        let data = case_data(&folder, index, &file, case, &globals).map_err(|failures| {
            let messages: Vec<String> = failures.into_iter().map(|f| f.message).collect();
            format!("case `{}`: {}", case.name, messages.join("; "))
        })?;
        let now = (!options.no_pin_now).then_some(data.now);
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
        return Err(format!("no case `{}`; cases: {}", options.case.as_deref().unwrap_or("?"), known.join(", ")));
    }
    Ok(Prepared { origin, units, early })
}

/// A control command in the whole text or the caller's own part (after
/// fixtures and functions), as a diagnostic: nothing is sent then.
fn refuse_control_commands(prepared: &Prepared) -> Option<Diagnostic> {
    let unit = prepared.units.first()?;
    let own = unit.sent.text.get(unit.sent.query_start as usize..).unwrap_or_default();
    let refused = crate::remote::query::check_read_only(&unit.sent.text)
        .and_then(|()| crate::remote::query::check_read_only(own));
    refused.err().and_then(|error| error_diagnostic(&error, prepared.origin.whole, &|_, _| None))
}

/// The folder's watchlists the text reads, as tables; none unless the
/// folder has every one it reads (a missing one is then reported as a read
/// of the workspace's data).
fn watchlist_fixtures(folder: &Folder, text: &str, now: i64) -> Result<Vec<(String, Table)>, String> {
    let aliases = crate::remote::fixtures::watchlist_aliases(text);
    let mut tables = Vec::new();
    for alias in aliases {
        let Some(watchlist) = folder.watchlists.iter().find(|w| w.alias == alias) else { return Ok(Vec::new()) };
        let search_key = crate::ruleset::checks::search_key(folder, &alias);
        let path = watchlist.path.display().to_string();
        let table = crate::import::watchlist::import_watchlist(&path, &watchlist.text, search_key, now)
            .map_err(|error| format!("reading the watchlist `{path}`: {error}"))?;
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

/// Runs one unit in the workspace and, with `compare`, locally too. A
/// remote failure that concerns the query (the service's error, throttling
/// past the retries) is a diagnostic; others (network, sign-in) are errors.
pub fn run_unit(
    client: &Client,
    origin: &Origin,
    unit: &Unit,
    request: QueryRequest,
    compare: bool,
    globals: &Globals,
) -> Result<Outcome, crate::remote::Error> {
    let mut outcome = Outcome { diagnostics: Vec::new(), remote: None, comparison: None };
    match run_query(client, &request) {
        Ok(result) => {
            outcome.diagnostics.extend(result.diagnostics(origin.whole));
            match result.tables.first().map(|table| table.to_table()) {
                Some(Ok(table)) => outcome.remote = Some(table),
                Some(Err(message)) => {
                    return Err(crate::remote::Error::Response {
                        context: "the remote result".into(),
                        message: format!("cannot be read: {message}"),
                    });
                }
                None => {}
            }
        }
        Err(error) => {
            let span_of = |line, pos| unit.sent.span_at(line, pos).map(|span| origin.map(&unit.sent, span));
            match error_diagnostic(&error, origin.whole, &span_of) {
                Some(diagnostic) => outcome.diagnostics.push(diagnostic),
                None => return Err(error),
            }
        }
    }
    if compare && let Some(remote) = &outcome.remote {
        match run_locally(&unit.sent, unit.now, globals, client.policy.timeout) {
            Ok(local) => {
                let diff = crate::remote::compare::compare_tables(&local, remote);
                if diff.is_some() {
                    outcome.diagnostics.push(
                        Diagnostic::new(Code::ResultsDiffer, origin.whole, "the remote and the local results differ")
                            .with_help("`-` rows are local only, `+` rows remote only"),
                    );
                }
                outcome.comparison = Some(Comparison { rows: local.rows, diff });
            }
            Err(diagnostic) => {
                let diagnostic = Diagnostic { span: origin.whole, ..diagnostic };
                outcome.diagnostics.push(diagnostic.with_help("the local run failed, so there is nothing to compare"));
            }
        }
    }
    Ok(outcome)
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
