//! The workspace schema cache: one SQLite file per user holding, for each
//! workspace, snapshots of its tables, functions and watchlists, so that
//! `kqlab check --workspace NAME` can analyze rules offline against them.
//!
//! ```text
//! formats.rs   metadata API / ARM tables / kqlab JSON  → WorkspaceSchema
//! model.rs     WorkspaceSchema and its parts
//! store.rs     Cache: open (WAL, migrations, integrity check, rebuild), store, read
//! migrations.rs the versioned SQL schema of the file
//! load.rs      WorkspaceSchema → analysis Schemas (tables, stored functions, watchlists)
//! diff.rs      what changed between two snapshots, as readable text
//! location.rs  where the file lives (`--cache`, `KQLAB_CACHE`, XDG cache dir)
//! ```
//!
//! A corrupt file is moved aside and rebuilt; a locked one is an error for
//! writers ([`Error::Locked`]) that readers turn into a warning.

pub mod diff;
pub mod formats;
pub mod load;
pub mod location;
pub mod migrations;
pub mod model;
pub mod store;
mod time;

use std::path::PathBuf;

pub use crate::cache::model::WorkspaceSchema;
pub use crate::cache::store::Cache;

/// A failure of the schema cache (the file, SQLite, or an input file's format).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Another process holds the database past the busy timeout.
    #[error(
        "the schema cache `{}` is locked by another process (still busy after {} ms); try again when the other `kqlab schema` command ends",
        path.display(),
        timeout_ms
    )]
    Locked { path: PathBuf, timeout_ms: u64 },
    /// The file could not be repaired even after it was moved aside.
    #[error("the schema cache `{}` is corrupt and could not be rebuilt: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
    #[error("schema cache `{}`: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("schema cache `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// No `--cache`, `KQLAB_CACHE`, `XDG_CACHE_HOME` or home directory.
    #[error("cannot find a cache directory: set KQLAB_CACHE or pass --cache PATH")]
    NoCacheDir,
    /// The workspace has no snapshot in the cache.
    #[error("workspace `{name}` is not in the schema cache{}", known_list(known))]
    UnknownWorkspace { name: String, known: Vec<String> },
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A schema file in none of the known formats, or a malformed one.
    #[error("{0}")]
    Format(String),
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        " (the cache holds no workspace yet: run `kqlab schema pull` or `kqlab schema import`)".to_string()
    } else {
        format!(" (it holds: {})", known.join(", "))
    }
}
