//! Reading a rules folder: every rule, hunting query, function and plain
//! query file, the watchlists, and the rule tests beside them.

use std::path::{Path, PathBuf};

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

    /// Builds the function table from the documents that define functions.
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
