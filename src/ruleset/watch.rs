//! Watch mode: file events batched into updates, and a session that
//! re-checks and re-tests only what an update touched and what depends on
//! it (a changed function re-checks the rules that call it; a changed
//! watchlist or sample re-tests the rules that read it).
//!
//! Batching is a pure function of `(events, now)` so it can be tested
//! without sleeping; the file system watcher lives in the CLI.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::analysis::Globals;
use crate::diagnostics::{Diagnostic, Severity};
use crate::ruleset::checks::{check_document, duplicate_diagnostics};
use crate::ruleset::document::Kind;
use crate::ruleset::folder::Folder;
use crate::ruleset::runner::{BrokenTest, CaseResult, Limits, run_document_tests};

/// Collects changed paths; a batch is ready a fixed window after its first
/// event, so a burst of saves (an editor's write-rename-chmod, a `git
/// checkout`) becomes one update.
#[derive(Debug, Clone)]
pub struct Batcher {
    window: Duration,
    first: Option<Instant>,
    paths: BTreeSet<PathBuf>,
}

impl Batcher {
    /// A batcher that waits `window` after the first event of a batch.
    pub fn new(window: Duration) -> Batcher {
        Batcher { window, first: None, paths: BTreeSet::new() }
    }

    /// Records a changed path seen at `at`.
    pub fn push(&mut self, path: PathBuf, at: Instant) {
        self.first.get_or_insert(at);
        self.paths.insert(path);
    }

    /// When the current batch is due (`None`: nothing pending).
    pub fn deadline(&self) -> Option<Instant> {
        self.first.map(|first| first + self.window)
    }

    /// The batch, if it is due at `now`.
    pub fn take_ready(&mut self, now: Instant) -> Option<Vec<PathBuf>> {
        let due = self.deadline()?;
        if now < due {
            return None;
        }
        self.first = None;
        Some(std::mem::take(&mut self.paths).into_iter().collect())
    }
}

/// The latest findings for one document.
#[derive(Debug, Clone, Default)]
pub struct DocumentState {
    pub diagnostics: Vec<Diagnostic>,
    pub cases: Vec<CaseResult>,
    pub broken: Option<BrokenTest>,
}

/// What one update did.
#[derive(Debug, Clone, Default)]
pub struct Update {
    /// The changed paths of the batch.
    pub changed: Vec<PathBuf>,
    /// Documents re-checked (paths).
    pub checked: Vec<PathBuf>,
    /// Documents whose tests ran again.
    pub tested: Vec<PathBuf>,
    /// Documents that no longer exist.
    pub removed: Vec<PathBuf>,
    pub elapsed: Duration,
}

/// Counts over the whole folder, for the live summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub passed: usize,
    pub failed: usize,
    pub broken_tests: usize,
}

/// A watched folder with the latest findings of every document.
pub struct Session {
    pub folder: Folder,
    /// The globals before the folder's `kqlab.toml` schemas.
    base: Globals,
    pub globals: Globals,
    pub limits: Limits,
    /// Whether to run tests.
    pub tests: bool,
    states: HashMap<PathBuf, DocumentState>,
    duplicates: HashMap<PathBuf, Vec<Diagnostic>>,
}

impl Session {
    /// Loads `root`, checks and tests everything. Run it (and `apply`) on a
    /// thread with a large stack.
    pub fn start(root: &Path, globals: Globals, limits: Limits, tests: bool) -> std::io::Result<(Session, Update)> {
        let started = Instant::now();
        let folder = Folder::load(root)?;
        let limits = limits.with_config(&folder);
        let base = globals.clone();
        let globals = crate::ruleset::config::folder_globals(folder.config.as_ref(), &folder.root, &globals).0;
        let mut session =
            Session { folder, base, globals, limits, tests, states: HashMap::new(), duplicates: HashMap::new() };
        let all: Vec<usize> = (0..session.folder.documents.len()).collect();
        let mut update = Update::default();
        session.recheck(&all, &all, &mut update);
        update.elapsed = started.elapsed();
        Ok((session, update))
    }

    /// Applies a batch of changed paths.
    pub fn apply(&mut self, changed: &[PathBuf]) -> Update {
        let started = Instant::now();
        let changes = self.folder.update(changed);
        let mut update = Update { changed: changed.to_vec(), removed: changes.removed.clone(), ..Update::default() };
        for removed in &changes.removed {
            self.states.retain(|path, _| !path.starts_with(removed));
        }
        if changes.config {
            // New schemas, `now` or limits: everything again.
            self.globals =
                crate::ruleset::config::folder_globals(self.folder.config.as_ref(), &self.folder.root, &self.base).0;
            self.limits = Limits::default().with_config(&self.folder);
            let all: Vec<usize> = (0..self.folder.documents.len()).collect();
            self.recheck(&all, &all, &mut update);
            update.elapsed = started.elapsed();
            return update;
        }
        let documents = &self.folder.documents;
        let touched: HashSet<&PathBuf> = changes.documents.iter().collect();
        let functions: HashSet<&str> = changes.functions.iter().map(String::as_str).collect();
        // Documents to re-check: changed ones and those calling a changed function.
        let mut check = Vec::new();
        for (index, document) in documents.iter().enumerate() {
            let uses_changed_function = !functions.is_empty()
                && document.query.as_ref().is_some_and(|query| {
                    let used = self.folder.functions.used_by(&query.text);
                    let prelude = self.folder.functions.prelude(&used);
                    prelude.functions.iter().any(|f| functions.contains(f.as_str()))
                        || used.iter().any(|f| functions.contains(f.as_str()))
                        || query_mentions(&query.text, &functions)
                });
            if touched.contains(&document.path) || uses_changed_function {
                check.push(index);
            }
        }
        // Documents to re-test: re-checked ones, those whose test file
        // changed, and those reading a changed watchlist or sample.
        let mut test: Vec<usize> = check.clone();
        let changed_tests: HashSet<&PathBuf> = changes.tests.iter().collect();
        let sample_names: Vec<String> =
            changes.other.iter().filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned())).collect();
        for (index, document) in documents.iter().enumerate() {
            if test.contains(&index) {
                continue;
            }
            let test_file = self.folder.test_for(document);
            let own_test_changed = test_file.is_some_and(|t| changed_tests.contains(t))
                || changes.tests.iter().any(|t| same_stem(t, &document.path));
            let reads_watchlist = !changes.watchlists.is_empty()
                && document.query.as_ref().is_some_and(|q| q.text.contains("_GetWatchlist"));
            let reads_sample = !sample_names.is_empty()
                && test_file.is_some_and(|t| {
                    std::fs::read_to_string(t)
                        .is_ok_and(|text| sample_names.iter().any(|name| text.contains(name.as_str())))
                });
            if own_test_changed || reads_watchlist || reads_sample {
                test.push(index);
            }
        }
        self.recheck(&check, &test, &mut update);
        update.elapsed = started.elapsed();
        update
    }

    fn recheck(&mut self, check: &[usize], test: &[usize], update: &mut Update) {
        for &index in check {
            let report = check_document(&self.folder, index, &self.globals);
            let path = self.folder.documents[index].path.clone();
            let state = self.states.entry(path.clone()).or_default();
            state.diagnostics = report.diagnostics;
            update.checked.push(path);
        }
        if self.tests {
            for &index in test {
                let document = &self.folder.documents[index];
                if document.kind == Kind::Function {
                    continue;
                }
                let path = document.path.clone();
                let (cases, broken) = run_document_tests(&self.folder, index, &self.globals, &self.limits);
                let state = self.states.entry(path.clone()).or_default();
                if !cases.is_empty() || broken.is_some() || state.broken.is_some() || !state.cases.is_empty() {
                    update.tested.push(path);
                }
                state.cases = cases;
                state.broken = broken;
            }
        }
        self.duplicates.clear();
        for (index, diagnostic) in duplicate_diagnostics(&self.folder) {
            let path = self.folder.documents[index].path.clone();
            self.duplicates.entry(path).or_default().push(diagnostic);
        }
    }

    /// The findings for a document: its own and the folder-wide duplicates.
    pub fn diagnostics(&self, path: &Path) -> Vec<&Diagnostic> {
        let own = self.states.get(path).map(|s| s.diagnostics.iter()).into_iter().flatten();
        let duplicates = self.duplicates.get(path).map(|d| d.iter()).into_iter().flatten();
        let mut all: Vec<&Diagnostic> = own.chain(duplicates).collect();
        all.sort_by_key(|d| (d.span.start, d.span.end));
        all
    }

    /// The state of a document (check findings and test outcomes).
    pub fn state(&self, path: &Path) -> Option<&DocumentState> {
        self.states.get(path)
    }

    /// Counts over every document of the folder.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary { files: self.folder.documents.len(), ..Summary::default() };
        for document in &self.folder.documents {
            for diagnostic in self.diagnostics(&document.path) {
                match diagnostic.severity {
                    Severity::Error => summary.errors += 1,
                    Severity::Warning => summary.warnings += 1,
                    Severity::Info => {}
                }
            }
            if let Some(state) = self.states.get(&document.path) {
                summary.passed += state.cases.iter().filter(|c| c.passed()).count();
                summary.failed += state.cases.iter().filter(|c| !c.passed()).count();
                summary.broken_tests += usize::from(state.broken.is_some());
            }
        }
        summary
    }
}

/// True when a query names one of `functions` as a word (a call to a
/// function that no longer exists is no longer in the function table).
fn query_mentions(text: &str, functions: &HashSet<&str>) -> bool {
    let names: HashSet<String> = functions.iter().map(|f| f.to_string()).collect();
    !crate::ruleset::functions::referenced_names(text, &names).is_empty()
}

/// `rule.test.yaml` belongs to `rule.yaml` (same folder and stem).
fn same_stem(test: &Path, document: &Path) -> bool {
    let name = test.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    let stem = name.trim_end_matches(".yaml").trim_end_matches(".yml").trim_end_matches(".test");
    let document_stem = document.file_stem().map(|s| s.to_string_lossy().to_lowercase()).unwrap_or_default();
    stem == document_stem && test.parent() == document.parent()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    use super::Batcher;

    #[test]
    fn a_burst_of_events_is_one_batch_after_the_window() {
        let start = Instant::now();
        let mut batcher = Batcher::new(Duration::from_millis(50));
        assert!(batcher.take_ready(start).is_none());
        batcher.push(PathBuf::from("a.yaml"), start);
        batcher.push(PathBuf::from("b.yaml"), start + Duration::from_millis(10));
        batcher.push(PathBuf::from("a.yaml"), start + Duration::from_millis(20));
        assert!(batcher.take_ready(start + Duration::from_millis(49)).is_none());
        let batch = batcher.take_ready(start + Duration::from_millis(50)).expect("due");
        assert_eq!(batch, vec![PathBuf::from("a.yaml"), PathBuf::from("b.yaml")]);
        assert!(batcher.deadline().is_none());
    }
}
