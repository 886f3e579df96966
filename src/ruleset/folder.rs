//! Reading a rules folder: every rule, hunting query, function and plain
//! query file, the watchlists, and the rule tests beside them.

use std::path::{Path, PathBuf};

use crate::ruleset::config::ConfigFile;
use crate::ruleset::document::{Document, Kind, is_yaml};
use crate::ruleset::functions::Functions;

/// A watchlist of the folder: `watchlists/NAME.csv`.
#[derive(Debug, Clone)]
pub struct WatchlistFile {
    /// The alias `_GetWatchlist('NAME')` takes: the file stem.
    pub alias: String,
    pub path: PathBuf,
    pub text: String,
}

/// Everything found under one rules folder.
#[derive(Debug, Clone, Default)]
pub struct Folder {
    /// The folder as given.
    pub root: PathBuf,
    /// Rules, hunting queries, functions and plain queries, sorted by path.
    pub documents: Vec<Document>,
    pub watchlists: Vec<WatchlistFile>,
    /// Rule test files (`*.test.yaml`), sorted by path.
    pub tests: Vec<PathBuf>,
    /// The folder's functions by name (the first definition of a name wins).
    pub functions: Functions,
    /// `kqlab.toml` at the root, when there is one.
    pub config: Option<ConfigFile>,
    /// Functions from a cached workspace (`kqlab check --workspace`), behind
    /// the folder's own: a folder function of the same name wins.
    pub workspace_functions: Functions,
}

/// What an update of the folder touched.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// Rule, query and function files changed, added or removed.
    pub documents: Vec<PathBuf>,
    /// Of those (or folders), the ones removed.
    pub removed: Vec<PathBuf>,
    /// Names of functions added, removed or changed.
    pub functions: Vec<String>,
    pub tests: Vec<PathBuf>,
    pub watchlists: Vec<PathBuf>,
    /// Any other file (samples a test may read).
    pub other: Vec<PathBuf>,
    /// `kqlab.toml` changed: everything must be checked again.
    pub config: bool,
}

impl Changes {
    fn merge(&mut self, other: Changes) {
        self.documents.extend(other.documents);
        self.removed.extend(other.removed);
        self.functions.extend(other.functions);
        self.tests.extend(other.tests);
        self.watchlists.extend(other.watchlists);
        self.other.extend(other.other);
        self.config |= other.config;
    }
}

/// Folders that never hold rules.
const SKIPPED_FOLDERS: &[&str] = &["target", "node_modules"];

impl Folder {
    /// Reads every rule-related file under `root` (a folder, or one file).
    pub fn load(root: &Path) -> std::io::Result<Folder> {
        let mut files = Vec::new();
        if root.is_file() {
            files.push(root.to_path_buf());
        } else {
            collect_files(root, &mut files)?;
        }
        files.sort();
        let mut folder = Folder { root: root.to_path_buf(), ..Folder::default() };
        if root.is_dir() {
            folder.config = ConfigFile::load(root);
        }
        for path in files {
            let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
            if name.ends_with(".test.yaml") || name.ends_with(".test.yml") {
                folder.tests.push(path);
            } else if name.ends_with(".csv") && in_folder_named(&path, "watchlists") {
                let text = std::fs::read_to_string(&path)?;
                let alias = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                folder.watchlists.push(WatchlistFile { alias, path, text });
            } else if is_yaml(&path) || name.ends_with(".kql") {
                let bytes = std::fs::read(&path)?;
                folder.documents.push(Document::from_bytes(&path, &bytes));
            }
        }
        folder.link_functions();
        Ok(folder)
    }

    /// Applies file changes (paths under the folder, created, modified or
    /// deleted) and says what changed. A path that no longer exists is
    /// removed, with everything under it when it was a folder.
    pub fn update(&mut self, paths: &[PathBuf]) -> Changes {
        let mut changes = Changes::default();
        let old_functions = self.function_names();
        for path in paths {
            let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
            if name.starts_with('.') {
                continue;
            }
            if path.is_dir() {
                let mut files = Vec::new();
                if collect_files(path, &mut files).is_ok() {
                    let nested: Vec<PathBuf> = files.into_iter().filter(|f| !paths.contains(f)).collect();
                    let inner = self.update(&nested);
                    changes.merge(inner);
                }
                continue;
            }
            let exists = path.is_file();
            if name == crate::ruleset::config::FILE_NAME && path.parent() == Some(self.root.as_path()) {
                self.config = if exists { ConfigFile::load(&self.root) } else { None };
                changes.config = true;
                continue;
            }
            let is_test = name.ends_with(".test.yaml") || name.ends_with(".test.yml");
            let is_watchlist = name.ends_with(".csv") && in_folder_named(path, "watchlists");
            let is_document = !is_test && (is_yaml(path) || name.ends_with(".kql"));
            if is_test {
                self.tests.retain(|t| t != path);
                if exists {
                    self.tests.push(path.clone());
                    self.tests.sort();
                }
                changes.tests.push(path.clone());
            } else if is_watchlist {
                self.watchlists.retain(|w| &w.path != path);
                if exists && let Ok(text) = std::fs::read_to_string(path) {
                    let alias = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                    self.watchlists.push(WatchlistFile { alias, path: path.clone(), text });
                }
                changes.watchlists.push(path.clone());
            } else if is_document {
                let position = self.documents.iter().position(|d| &d.path == path);
                let bytes = if exists { std::fs::read(path).ok() } else { None };
                match (position, bytes) {
                    (Some(index), Some(bytes)) => self.documents[index] = Document::from_bytes(path, &bytes),
                    (None, Some(bytes)) => {
                        self.documents.push(Document::from_bytes(path, &bytes));
                        self.documents.sort_by(|a, b| a.path.cmp(&b.path));
                    }
                    (Some(index), None) => {
                        self.documents.remove(index);
                        changes.removed.push(path.clone());
                    }
                    (None, None) => {
                        // A deleted folder: drop what was under it.
                        let before = self.documents.len();
                        self.documents.retain(|d| !d.path.starts_with(path));
                        if self.documents.len() != before {
                            changes.removed.push(path.clone());
                        }
                    }
                }
                changes.documents.push(path.clone());
            } else if !exists && self.documents.iter().any(|d| d.path.starts_with(path)) {
                self.documents.retain(|d| !d.path.starts_with(path));
                self.tests.retain(|t| !t.starts_with(path));
                self.watchlists.retain(|w| !w.path.starts_with(path));
                changes.removed.push(path.clone());
            } else {
                changes.other.push(path.clone());
            }
        }
        self.link_functions();
        let new_functions = self.function_names();
        changes.functions = old_functions.symmetric_difference(&new_functions).cloned().collect();
        for path in &changes.documents {
            if let Some(document) = self.documents.iter().find(|d| &d.path == path)
                && let Some(function) = &document.function
                && !changes.functions.contains(&function.name)
            {
                changes.functions.push(function.name.clone());
            }
        }
        changes
    }

    /// Names of the functions the folder defines.
    fn function_names(&self) -> std::collections::BTreeSet<String> {
        self.documents.iter().filter_map(|d| d.function.as_ref().map(|f| f.name.clone())).collect()
    }

    /// Uses a workspace's functions behind the folder's own (see
    /// [`Functions::from_definitions`]).
    pub fn set_workspace_functions(&mut self, functions: Functions) {
        self.workspace_functions = functions;
        self.link_functions();
    }

    /// Builds the function table from the documents that define functions,
    /// then the workspace functions whose names the folder does not define.
    pub fn link_functions(&mut self) {
        let mut functions = Functions::default();
        for document in &self.documents {
            if document.kind != Kind::Function {
                continue;
            }
            if let (Some(function), Some(query)) = (&document.function, &document.query) {
                functions.insert(&function.name, &function.params, &query.text);
            }
        }
        for function in self.workspace_functions.iter() {
            functions.insert(&function.name, &function.params, &function.body);
        }
        functions.link();
        self.functions = functions;
    }

    /// The test file for a document: `NAME.test.yaml` beside `NAME.yaml` / `NAME.kql`.
    pub fn test_for(&self, document: &Document) -> Option<&PathBuf> {
        let stem = document.path.file_stem()?.to_string_lossy().to_lowercase();
        let parent = document.path.parent();
        self.tests.iter().find(|test| {
            let name = test.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
            let test_stem = name.trim_end_matches(".yaml").trim_end_matches(".yml").trim_end_matches(".test");
            test_stem == stem && test.parent() == parent
        })
    }
}

/// Appends every file under `folder`, skipping hidden and build folders.
fn collect_files(folder: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            if !SKIPPED_FOLDERS.contains(&name.as_str()) {
                collect_files(&path, files)?;
            }
        } else if file_type.is_file() || (file_type.is_symlink() && path.is_file()) {
            files.push(path);
        }
    }
    Ok(())
}

/// True when `path` is directly inside a folder called `name` (any case).
fn in_folder_named(path: &Path, name: &str) -> bool {
    path.parent().and_then(Path::file_name).is_some_and(|folder| folder.to_string_lossy().eq_ignore_ascii_case(name))
}
