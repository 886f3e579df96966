//! What every tool call shares: the folders tools may read, the schema cache
//! and the workspace, fixed when the server starts (`kqlab mcp` flags).
//!
//! Tools never open a path the model gives without [`Context::readable`]: a
//! path is resolved (symlinks included) and must lie under the rules folder
//! or one of the samples folders.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::remote::client::{Client, Policy};
use crate::remote::config::{Selection, Workspace, process_env};
use crate::ruleset::config::ConfigFile;
use crate::ruleset::folder::Folder;

/// The server's settings, from the command line.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The rules folder (`--rules`, default `rules`).
    pub rules: PathBuf,
    /// The samples folders (`--samples`, default `samples`).
    pub samples: Vec<PathBuf>,
    /// The schema cache file (`--cache`), else `KQLAB_CACHE` or the default location.
    pub cache: Option<PathBuf>,
    /// `--workspace NAME`: a `[workspaces.NAME]` table of `kqlab.toml`.
    pub workspace: Option<String>,
    /// `--workspace-id GUID`.
    pub workspace_id: Option<String>,
    /// `--redact`: mask user names, UPNs, e-mail and IP addresses in remote results.
    pub redact: bool,
}

/// The shared, read-only state of a server.
#[derive(Debug)]
pub struct Context {
    pub settings: Settings,
    /// The folders a path may resolve into, canonical (existing ones only).
    roots: Vec<PathBuf>,
    /// The configured workspace, or why there is none.
    workspace: Result<Workspace, String>,
    /// The read-only Azure client, made on first use.
    client: OnceLock<Result<Arc<Client>, String>>,
    /// The session's masks (`--redact`).
    redactor: Mutex<crate::mcp::redact::Redactor>,
    /// Rules folders already read, by path, with the files' sizes and
    /// modification times they were read at.
    folders: Mutex<Vec<(PathBuf, Fingerprint, Arc<Folder>)>>,
}

impl Context {
    /// The context for `settings`; a missing workspace is not an error here
    /// (the workspace tools report it when called).
    pub fn new(settings: Settings) -> Context {
        let roots = std::iter::once(&settings.rules)
            .chain(&settings.samples)
            .filter_map(|path| path.canonicalize().ok())
            .collect();
        let workspace = resolve_workspace(&settings);
        Context {
            settings,
            roots,
            workspace,
            client: OnceLock::new(),
            redactor: Default::default(),
            folders: Default::default(),
        }
    }

    /// A context for tests and benches: the given folders, no workspace.
    pub fn local(rules: impl Into<PathBuf>, samples: Vec<PathBuf>) -> Context {
        Context::new(Settings { rules: rules.into(), samples, ..Settings::default() })
    }

    /// `path` (relative to the server's working directory, or absolute) if
    /// it exists and lies under the rules folder or a samples folder once
    /// symlinks and `..` are resolved; otherwise a tool error that says which
    /// folders are readable.
    pub fn readable(&self, path: &str) -> Result<PathBuf, String> {
        let given = Path::new(path);
        let resolved = given.canonicalize().map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => format!("`{path}` does not exist; {}", self.readable_folders()),
            _ => format!("cannot read `{path}`: {error}"),
        })?;
        if self.roots.iter().any(|root| resolved.starts_with(root)) {
            Ok(resolved)
        } else {
            Err(format!("`{path}` is outside the folders this server may read; {}", self.readable_folders()))
        }
    }

    /// "readable folders: rules, samples" for error messages.
    pub fn readable_folders(&self) -> String {
        let mut names = vec![self.settings.rules.display().to_string()];
        names.extend(self.settings.samples.iter().map(|p| p.display().to_string()));
        format!("readable folders: {}", names.join(", "))
    }

    /// The rules folder as given (relative to the working directory).
    pub fn rules_folder(&self) -> &Path {
        &self.settings.rules
    }

    /// The configured workspace, or a tool error saying how to configure one.
    pub fn workspace(&self) -> Result<&Workspace, String> {
        self.workspace.as_ref().map_err(Clone::clone)
    }

    /// The read-only client of the workspace (credentials from the
    /// environment), made on first use and shared by every call. Its calls
    /// block: use them from `run_blocking`, never on the async thread.
    pub fn client(&self) -> Result<Arc<Client>, String> {
        self.client
            .get_or_init(|| {
                let workspace = self.workspace()?.clone();
                Client::new(workspace, Policy::default(), &process_env).map(Arc::new).map_err(|e| e.to_string())
            })
            .clone()
    }
}

impl Context {
    /// With `--redact`, masks user names, UPNs, e-mail and IP addresses in
    /// a remote result (the same value gets the same mask for the whole
    /// session); without it, does nothing. Every tool that returns remote
    /// data calls it on its output before returning.
    pub fn redact_json(&self, value: &mut serde_json::Value) {
        if self.settings.redact {
            self.redactor.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).redact_json(value);
        }
    }

    /// [`Context::redact_json`] for a text (a tool error that quotes the service).
    pub fn redact_text(&self, text: &str) -> String {
        if self.settings.redact {
            self.redactor.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).redact_text(text)
        } else {
            text.to_string()
        }
    }
}

/// Each file under a folder with its size and modification time, sorted.
type Fingerprint = Vec<(PathBuf, u64, Option<std::time::SystemTime>)>;

/// Folders read this session, at most (the rules folder and a few of its parts).
const CACHED_FOLDERS: usize = 8;

impl Context {
    /// The rules folder (or a folder or file inside it) at `path`, read
    /// once and kept while no file under it changes: tools called again
    /// and again (`kql_run`, `rules_test`, ...) do not re-read and re-parse
    /// every rule each time. A change (a file added, removed, resized or
    /// saved) is seen on the next call.
    pub fn load_folder(&self, path: &Path) -> std::io::Result<Arc<Folder>> {
        let fingerprint = fingerprint(path)?;
        let mut folders = self.folders.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, _, folder)) = folders.iter().find(|(p, f, _)| p == path && *f == fingerprint) {
            return Ok(folder.clone());
        }
        let folder = Arc::new(Folder::load(path)?);
        folders.retain(|(p, _, _)| p != path);
        if folders.len() >= CACHED_FOLDERS {
            folders.remove(0);
        }
        folders.push((path.to_path_buf(), fingerprint, folder.clone()));
        Ok(folder)
    }
}

/// The files under `path` (or `path` itself) with their sizes and times.
fn fingerprint(path: &Path) -> std::io::Result<Fingerprint> {
    fn walk(path: &Path, out: &mut Fingerprint, depth: usize) -> std::io::Result<()> {
        let metadata = std::fs::metadata(path)?;
        if metadata.is_dir() {
            if depth > 32 {
                return Ok(());
            }
            for entry in std::fs::read_dir(path)? {
                walk(&entry?.path(), out, depth + 1)?;
            }
        } else {
            out.push((path.to_path_buf(), metadata.len(), metadata.modified().ok()));
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(path, &mut out, 0)?;
    out.sort();
    Ok(out)
}

/// The workspace from `--workspace`/`--workspace-id`, `kqlab.toml` (in `.`
/// or the rules folder) and the environment.
fn resolve_workspace(settings: &Settings) -> Result<Workspace, String> {
    let config = [Path::new("."), settings.rules.as_path()].into_iter().find_map(ConfigFile::load);
    let configured = config.map(|file| file.config.workspaces).unwrap_or_default();
    let selection = Selection { name: settings.workspace.as_deref(), workspace_id: settings.workspace_id.as_deref() };
    Workspace::resolve(&selection, &configured, &process_env).map_err(|error| {
        format!(
            "no workspace is configured for this server ({error}); start it with `kqlab mcp --workspace NAME` \
             or set KQLAB_WORKSPACE_ID (see README, Workspace)"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_only_inside_the_readable_folders() {
        let dir = tempfile::tempdir().unwrap();
        let rules = dir.path().join("rules");
        std::fs::create_dir(&rules).unwrap();
        std::fs::write(rules.join("a.kql"), "T").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "x").unwrap();
        let context = Context::local(&rules, vec![]);
        assert!(context.readable(rules.join("a.kql").to_str().unwrap()).is_ok());
        let outside = context.readable(dir.path().join("secret.txt").to_str().unwrap()).unwrap_err();
        assert!(outside.contains("outside"), "{outside}");
        let dotdot = context.readable(rules.join("../secret.txt").to_str().unwrap()).unwrap_err();
        assert!(dotdot.contains("outside"), "{dotdot}");
        let missing = context.readable(rules.join("nope.kql").to_str().unwrap()).unwrap_err();
        assert!(missing.contains("does not exist"), "{missing}");
    }

    #[test]
    fn a_folder_is_read_again_only_when_a_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.kql"), "// params: ()\nprint 1").unwrap();
        let context = Context::local(dir.path(), vec![]);
        let first = context.load_folder(dir.path()).unwrap();
        let again = context.load_folder(dir.path()).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        std::fs::write(dir.path().join("b.kql"), "print 2").unwrap();
        let changed = context.load_folder(dir.path()).unwrap();
        assert!(!Arc::ptr_eq(&first, &changed));
        assert_eq!(changed.documents.len(), first.documents.len() + 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_out_of_the_rules_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let rules = dir.path().join("rules");
        std::fs::create_dir(&rules).unwrap();
        std::fs::write(dir.path().join("secret.txt"), "x").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), rules.join("link.txt")).unwrap();
        let context = Context::local(&rules, vec![]);
        assert!(context.readable(rules.join("link.txt").to_str().unwrap()).is_err());
    }
}
