//! Checking a rules folder: each document's query (behind the folder's
//! functions) and its metadata, plus what only the whole folder shows
//! (duplicate ids and function names).

pub mod alert;
pub mod fields;
pub mod mitre;
pub mod schedule;

use std::collections::HashMap;

use crate::analysis::{Globals, Output};
use crate::diagnostics::{Code, Diagnostic};
use crate::ruleset::config::folder_globals;
use crate::ruleset::document::{Document, Kind, relative};
use crate::ruleset::folder::Folder;
use crate::ruleset::query::analyze_document;
use crate::ruleset::yaml_map::Step;

/// The findings for one document.
#[derive(Debug, Clone)]
pub struct Report {
    /// Index into the folder's documents.
    pub document: usize,
    /// In file order.
    pub diagnostics: Vec<Diagnostic>,
    /// The query's output type, when it has one.
    pub output: Option<Output>,
}

/// Checks every document of `folder` (with the schemas its `kqlab.toml`
/// adds to `globals`). Run it on a thread with a large stack.
pub fn check_folder(folder: &Folder, globals: &Globals) -> Vec<Report> {
    let (globals, _) = folder_globals(folder.config.as_ref(), &folder.root, globals);
    let globals = &globals;
    let mut reports: Vec<Report> =
        (0..folder.documents.len()).map(|index| check_document(folder, index, globals)).collect();
    check_duplicates(folder, &mut reports);
    for report in &mut reports {
        report.diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    }
    reports
}

/// Problems with the folder's `kqlab.toml` (its text and its diagnostics).
pub fn check_config(folder: &Folder, globals: &Globals) -> Option<(crate::text::SourceFile, Vec<Diagnostic>)> {
    let config = folder.config.as_ref()?;
    let mut diagnostics = config.diagnostics.clone();
    diagnostics.extend(folder_globals(Some(config), &folder.root, globals).1);
    (!diagnostics.is_empty()).then(|| (config.source.clone(), diagnostics))
}

/// Problems with the folder's watchlists: each file with its diagnostics.
pub fn check_watchlists(folder: &Folder) -> Vec<(crate::text::SourceFile, Vec<Diagnostic>)> {
    let mut found = Vec::new();
    for watchlist in &folder.watchlists {
        let name = watchlist.path.display().to_string();
        let search_key = search_key(folder, &watchlist.alias);
        if let Err(error) = crate::import::watchlist::import_watchlist(&name, &watchlist.text, search_key, 0) {
            let (line, message) = match &error {
                crate::import::ImportError::Format { line, message, .. } => (*line, message.clone()),
                other => (0, other.to_string()),
            };
            let source = crate::text::SourceFile::new(name, watchlist.text.clone());
            let offset =
                source.text.split_inclusive('\n').take(line.saturating_sub(1) as usize).map(str::len).sum::<usize>();
            let diagnostic = Diagnostic::new(
                Code::InvalidWatchlist,
                crate::text::Span::empty(offset as u32),
                format!("the watchlist `{}` cannot be read: {message}", watchlist.alias),
            )
            .with_help(
                "a watchlist is a CSV file with a header row; `_GetWatchlist('NAME')` reads `watchlists/NAME.csv`",
            );
            found.push((source, vec![diagnostic]));
        }
    }
    found
}

/// The search key column `kqlab.toml` sets for a watchlist.
pub fn search_key<'a>(folder: &'a Folder, alias: &str) -> Option<&'a str> {
    folder.config.as_ref()?.config.watchlists.get(alias)?.search_key.as_deref()
}

/// Only parses each document's query (`kqlab check --syntax-only`).
pub fn check_folder_syntax(folder: &Folder) -> Vec<Report> {
    let mut reports = Vec::new();
    for (index, document) in folder.documents.iter().enumerate() {
        let mut diagnostics = document.diagnostics.clone();
        if let Some(query) = &document.query {
            for mut diagnostic in crate::syntax::parse(&query.text).diagnostics {
                diagnostic.span = query.map_span(diagnostic.span);
                diagnostics.push(diagnostic);
            }
        }
        diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
        reports.push(Report { document: index, diagnostics, output: None });
    }
    reports
}

/// Checks one document of `folder` (the query and its metadata).
pub fn check_document(folder: &Folder, index: usize, globals: &Globals) -> Report {
    let document = &folder.documents[index];
    let mut diagnostics = document.diagnostics.clone();
    let analyzed = analyze_document(document, &folder.functions, globals);
    let output = analyzed.as_ref().and_then(|a| a.output.clone());
    if let Some(analyzed) = analyzed {
        diagnostics.extend(analyzed.diagnostics);
    }
    if document.yaml.is_some() {
        check_metadata(document, output.as_ref(), &mut diagnostics);
    }
    Report { document: index, diagnostics, output }
}

/// The metadata checks of a YAML rule or hunting query.
pub fn check_metadata(document: &Document, output: Option<&Output>, out: &mut Vec<Diagnostic>) {
    match document.kind {
        Kind::Scheduled | Kind::Nrt | Kind::Hunting => {}
        Kind::Function | Kind::Query => return,
    }
    fields::check_fields(document, out);
    mitre::check_mitre(document, out);
    let columns = alert::OutputColumns::of(output);
    alert::check_entity_mappings(document, &columns, out);
    alert::check_custom_details(document, &columns, out);
    if document.kind.is_analytics() {
        alert::check_alert_details(document, &columns, out);
        alert::check_event_grouping(document, out);
        if let Some(period) = schedule::check_schedule(document, out) {
            schedule::check_lookback(document, period, out);
        } else if document.kind == Kind::Nrt {
            schedule::check_lookback(document, schedule::NRT_WINDOW, out);
        }
    } else {
        schedule::check_time_filter(document, out);
    }
}

/// Two rules with one `id`, or two functions with one name.
pub fn duplicate_diagnostics(folder: &Folder) -> Vec<(usize, Diagnostic)> {
    let mut found = Vec::new();
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut names: HashMap<String, usize> = HashMap::new();
    for (index, document) in folder.documents.iter().enumerate() {
        if matches!(document.kind, Kind::Scheduled | Kind::Nrt | Kind::Hunting)
            && let Some(id) = document.string(&[Step::Key("id")])
        {
            let id = id.to_lowercase();
            match ids.get(&id) {
                Some(&first) => {
                    let first_document = &folder.documents[first];
                    let diagnostic = Diagnostic::new(
                        Code::DuplicateRuleId,
                        document.span(&[Step::Key("id")]),
                        format!(
                            "`{id}` is also the id of `{}`",
                            relative(&folder.root, &first_document.path).display()
                        ),
                    )
                    .with_help("give each rule its own GUID; Sentinel keys rules by `id`");
                    found.push((index, diagnostic));
                }
                None => {
                    ids.insert(id, index);
                }
            }
        }
        if let Some(function) = &document.function {
            match names.get(&function.name) {
                Some(&first) => {
                    found.push((
                        index,
                        Diagnostic::new(
                            Code::DuplicateRuleId,
                            document.key_span(&[]),
                            format!(
                                "the function `{}` is also defined by `{}`; that definition is used",
                                function.name,
                                relative(&folder.root, &folder.documents[first].path).display()
                            ),
                        )
                        .with_help("rename one of them, or delete the copy"),
                    ));
                }
                None => {
                    names.insert(function.name.clone(), index);
                }
            }
        }
    }
    found
}

fn check_duplicates(folder: &Folder, reports: &mut [Report]) {
    for (index, diagnostic) in duplicate_diagnostics(folder) {
        reports[index].diagnostics.push(diagnostic);
    }
}
