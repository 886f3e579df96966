//! The SQLite file: opening it (WAL, busy timeout, migrations, integrity
//! check, rebuilding a corrupt file), storing a snapshot in one transaction
//! and reading snapshots back.
//!
//! Safety comes from SQLite itself: a snapshot is written in one
//! transaction, so a writer killed half-way leaves the previous snapshot as
//! it was (the next open rolls the unfinished write back), and in WAL mode
//! readers see the last committed snapshot while a writer works.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior, params};

use crate::cache::Error;
use crate::cache::migrations::{CURRENT_VERSION, MIGRATIONS, OWN_TABLES};
use crate::cache::model::{ColumnSchema, FunctionSchema, TableSchema, WatchlistSchema, WorkspaceSchema};

/// An open cache file.
pub struct Cache {
    connection: Connection,
    path: PathBuf,
    busy_timeout: Duration,
    warnings: Vec<String>,
}

/// One workspace of the cache, for `kqlab schema list`.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkspaceSummary {
    pub name: String,
    /// Snapshots kept (at most [`Cache::KEEP_SNAPSHOTS`]).
    pub snapshots: usize,
    /// The latest snapshot's.
    pub fetched_at: String,
    pub source: String,
    pub n_tables: usize,
    pub n_functions: usize,
    pub n_watchlists: usize,
}

/// Why opening failed: a corrupt file can be moved aside and rebuilt.
enum Failure {
    Corrupt(String),
    Error(Error),
}

impl Cache {
    /// How long to wait for another process's write before giving up.
    pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

    /// Snapshots kept per workspace (`diff` compares the latest two); older
    /// ones are dropped by `store`.
    pub const KEEP_SNAPSHOTS: usize = 3;

    /// Opens (or creates) the user's cache: `explicit` (a `--cache PATH`)
    /// when given, else `KQLAB_CACHE`, else the cache directory's
    /// `kqlab/schemas.sqlite`, with the busy timeout `KQLAB_CACHE_TIMEOUT_MS`
    /// sets (default 5 s). What `kqlab schema` commands use.
    pub fn open_at(explicit: Option<&Path>) -> Result<Cache, Error> {
        let path = crate::cache::location::cache_path(explicit)?;
        Cache::open_with(&path, crate::cache::location::busy_timeout())
    }

    /// Opens (or creates) the cache at `path` with the default busy timeout.
    pub fn open(path: &Path) -> Result<Cache, Error> {
        Cache::open_with(path, Cache::DEFAULT_BUSY_TIMEOUT)
    }

    /// Opens (or creates) the cache at `path`, creating its folder, bringing
    /// its schema up to date and checking its integrity. A corrupt file (not
    /// SQLite, truncated, damaged, or from a newer kqlab) is moved aside to
    /// `PATH.corrupt-TIMESTAMP` and a new one started; see [`Cache::warnings`].
    pub fn open_with(path: &Path, busy_timeout: Duration) -> Result<Cache, Error> {
        if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io { path: parent.to_path_buf(), source })?;
        }
        let mut warnings = Vec::new();
        let mut last_reason = String::new();
        for _attempt in 0..3 {
            let identity = file_identity(path);
            match try_open(path, busy_timeout) {
                Ok(connection) => {
                    return Ok(Cache { connection, path: path.to_path_buf(), busy_timeout, warnings });
                }
                Err(Failure::Error(error)) => return Err(error),
                Err(Failure::Corrupt(reason)) => {
                    // Another process may have rebuilt it meanwhile: only move
                    // the file that was found corrupt.
                    if file_identity(path) == identity {
                        let aside = move_aside(path)?;
                        warnings.push(format!(
                            "the schema cache `{}` was corrupt ({reason}); it was moved to `{}` and a new cache started",
                            path.display(),
                            aside.display()
                        ));
                    }
                    last_reason = reason;
                }
            }
        }
        Err(Error::Corrupt { path: path.to_path_buf(), reason: last_reason })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What opening had to repair (a corrupt file moved aside), for the user.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Stores `schema` as the newest snapshot of `schema.workspace`, in one
    /// transaction, and drops that workspace's snapshots beyond
    /// [`Cache::KEEP_SNAPSHOTS`]. Returns the snapshot's id.
    ///
    /// This is what `kqlab schema pull` calls after fetching.
    pub fn store(&mut self, schema: &WorkspaceSchema) -> Result<i64, Error> {
        let workspace = schema.workspace.trim();
        if workspace.is_empty() {
            return Err(Error::Format("a snapshot needs a workspace name (`--workspace NAME`)".into()));
        }
        let (path, timeout) = (self.path.clone(), self.busy_timeout);
        let sqlite = |source: rusqlite::Error| classify(&path, timeout, source);
        let transaction = self.connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sqlite)?;
        transaction
            .execute("INSERT INTO workspace (name) VALUES (?1) ON CONFLICT (name) DO NOTHING", [workspace])
            .map_err(sqlite)?;
        let workspace_id: i64 = transaction
            .query_row("SELECT id FROM workspace WHERE name = ?1", [workspace], |row| row.get(0))
            .map_err(sqlite)?;
        transaction
            .execute(
                "INSERT INTO snapshot (workspace_id, fetched_at, stored_at, source) VALUES (?1, ?2, ?3, ?4)",
                params![workspace_id, schema.fetched_at, crate::cache::time::now_rfc3339(), schema.source],
            )
            .map_err(sqlite)?;
        let snapshot_id = transaction.last_insert_rowid();
        {
            // A repeated name keeps its first definition, as `normalize` does.
            let mut insert = transaction
                .prepare(
                    "INSERT OR IGNORE INTO snapshot_table (snapshot_id, name, description, n_columns, columns, column_descriptions)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(sqlite)?;
            for table in &schema.tables {
                let columns = unique_columns(&table.columns);
                let pairs: Vec<(&str, &str)> = columns.iter().map(|c| (c.name.as_str(), c.ty.as_str())).collect();
                let descriptions = encode_descriptions(&columns)?;
                insert
                    .execute(params![
                        snapshot_id,
                        table.name,
                        table.description,
                        pairs.len() as i64,
                        serde_json::to_string(&pairs)?,
                        descriptions
                    ])
                    .map_err(sqlite)?;
            }
            let mut insert = transaction
                .prepare("INSERT OR IGNORE INTO snapshot_function (snapshot_id, name, parameters, body, columns, category, description)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
                .map_err(sqlite)?;
            for function in &schema.functions {
                let columns = serde_json::to_string(&function.columns)?;
                insert
                    .execute(params![
                        snapshot_id,
                        function.name,
                        function.parameters,
                        function.body,
                        columns,
                        function.category,
                        function.description
                    ])
                    .map_err(sqlite)?;
            }
            let mut insert = transaction
                .prepare("INSERT OR IGNORE INTO snapshot_watchlist (snapshot_id, alias, columns, search_key) VALUES (?1, ?2, ?3, ?4)")
                .map_err(sqlite)?;
            for watchlist in &schema.watchlists {
                let columns = serde_json::to_string(&watchlist.columns)?;
                insert.execute(params![snapshot_id, watchlist.alias, columns, watchlist.search_key]).map_err(sqlite)?;
            }
        }
        transaction
            .execute(
                "DELETE FROM snapshot WHERE workspace_id = ?1 AND id NOT IN
                   (SELECT id FROM snapshot WHERE workspace_id = ?1 ORDER BY id DESC LIMIT ?2)",
                params![workspace_id, Cache::KEEP_SNAPSHOTS as i64],
            )
            .map_err(sqlite)?;
        transaction.commit().map_err(sqlite)?;
        Ok(snapshot_id)
    }

    /// Every workspace with its latest snapshot's counts, by name.
    pub fn workspaces(&self) -> Result<Vec<WorkspaceSummary>, Error> {
        let sqlite = |source: rusqlite::Error| classify(&self.path, self.busy_timeout, source);
        let transaction = self.connection.unchecked_transaction().map_err(sqlite)?;
        let mut statement = transaction
            .prepare(
                "SELECT w.name, s.fetched_at, s.source,
                        (SELECT count(*) FROM snapshot WHERE workspace_id = w.id),
                        (SELECT count(*) FROM snapshot_table WHERE snapshot_id = s.id),
                        (SELECT count(*) FROM snapshot_function WHERE snapshot_id = s.id),
                        (SELECT count(*) FROM snapshot_watchlist WHERE snapshot_id = s.id)
                 FROM workspace w
                 JOIN snapshot s ON s.id = (SELECT max(id) FROM snapshot WHERE workspace_id = w.id)
                 ORDER BY w.name",
            )
            .map_err(sqlite)?;
        let rows = statement
            .query_map([], |row| {
                Ok(WorkspaceSummary {
                    name: row.get(0)?,
                    fetched_at: row.get(1)?,
                    source: row.get(2)?,
                    snapshots: row.get::<_, i64>(3)? as usize,
                    n_tables: row.get::<_, i64>(4)? as usize,
                    n_functions: row.get::<_, i64>(5)? as usize,
                    n_watchlists: row.get::<_, i64>(6)? as usize,
                })
            })
            .map_err(sqlite)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sqlite)
    }

    /// The latest snapshot of `workspace`.
    pub fn latest(&self, workspace: &str) -> Result<WorkspaceSchema, Error> {
        let mut snapshots = self.read_snapshots(workspace, 1, true)?;
        snapshots.pop().ok_or_else(|| self.unknown_workspace(workspace))
    }

    /// The latest snapshot of `workspace` without its column descriptions,
    /// which the analyzer does not use: the fast way to load it for a check.
    pub fn latest_for_analysis(&self, workspace: &str) -> Result<WorkspaceSchema, Error> {
        let mut snapshots = self.read_snapshots(workspace, 1, false)?;
        snapshots.pop().ok_or_else(|| self.unknown_workspace(workspace))
    }

    /// Up to `limit` snapshots of `workspace`, newest first (read in one
    /// transaction, so a concurrent `store` is seen whole or not at all).
    pub fn snapshots(&self, workspace: &str, limit: usize) -> Result<Vec<WorkspaceSchema>, Error> {
        self.read_snapshots(workspace, limit, true)
    }

    fn read_snapshots(&self, workspace: &str, limit: usize, descriptions: bool) -> Result<Vec<WorkspaceSchema>, Error> {
        let sqlite = |source: rusqlite::Error| classify(&self.path, self.busy_timeout, source);
        let transaction = self.connection.unchecked_transaction().map_err(sqlite)?;
        let heads: Vec<(i64, String, String)> = {
            let mut statement = transaction
                .prepare(
                    "SELECT s.id, s.fetched_at, s.source FROM snapshot s JOIN workspace w ON w.id = s.workspace_id
                     WHERE w.name = ?1 ORDER BY s.id DESC LIMIT ?2",
                )
                .map_err(sqlite)?;
            let rows = statement
                .query_map(params![workspace, limit.min(i64::MAX as usize) as i64], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })
                .map_err(sqlite)?;
            rows.collect::<Result<_, _>>().map_err(sqlite)?
        };
        let mut snapshots = Vec::with_capacity(heads.len());
        for (id, fetched_at, source) in heads {
            let mut schema =
                WorkspaceSchema { workspace: workspace.to_string(), fetched_at, source, ..Default::default() };
            self.read_snapshot(&transaction, id, descriptions, &mut schema)?;
            snapshots.push(schema);
        }
        Ok(snapshots)
    }

    /// Names of the workspaces in the cache.
    pub fn workspace_names(&self) -> Result<Vec<String>, Error> {
        let sqlite = |source: rusqlite::Error| classify(&self.path, self.busy_timeout, source);
        let mut statement = self.connection.prepare("SELECT name FROM workspace ORDER BY name").map_err(sqlite)?;
        let rows = statement.query_map([], |row| row.get(0)).map_err(sqlite)?;
        rows.collect::<Result<_, _>>().map_err(sqlite)
    }

    /// The error for a workspace the cache does not hold.
    fn unknown_workspace(&self, workspace: &str) -> Error {
        Error::UnknownWorkspace { name: workspace.to_string(), known: self.workspace_names().unwrap_or_default() }
    }

    fn read_snapshot(
        &self,
        connection: &Connection,
        id: i64,
        descriptions: bool,
        schema: &mut WorkspaceSchema,
    ) -> Result<(), Error> {
        let sqlite = |source: rusqlite::Error| classify(&self.path, self.busy_timeout, source);
        let corrupt = |what: String, error: &dyn std::fmt::Display| Error::Corrupt {
            path: self.path.clone(),
            reason: format!("snapshot {id}: {what} has unreadable columns ({error})"),
        };
        let mut statement = connection
            .prepare_cached(if descriptions {
                "SELECT name, description, columns, column_descriptions FROM snapshot_table
                 WHERE snapshot_id = ?1 ORDER BY name"
            } else {
                "SELECT name, description, columns, NULL FROM snapshot_table WHERE snapshot_id = ?1 ORDER BY name"
            })
            .map_err(sqlite)?;
        let mut rows = statement.query([id]).map_err(sqlite)?;
        while let Some(row) = rows.next().map_err(sqlite)? {
            let name: String = row.get(0).map_err(sqlite)?;
            let text = row.get_ref(2).map_err(sqlite)?;
            let pairs: Vec<(String, String)> = serde_json::from_slice(text.as_bytes().unwrap_or_default())
                .map_err(|error| corrupt(format!("table `{name}`"), &error))?;
            let mut columns: Vec<ColumnSchema> =
                pairs.into_iter().map(|(name, ty)| ColumnSchema { name, ty, description: None }).collect();
            if let Ok(Some(blob)) = row.get_ref(3).map_err(sqlite)?.as_blob_or_null() {
                let texts = decode_descriptions(blob).map_err(|error| corrupt(format!("table `{name}`"), &error))?;
                for (column, description) in columns.iter_mut().zip(texts) {
                    column.description = description;
                }
            }
            schema.tables.push(TableSchema { name, description: row.get(1).map_err(sqlite)?, columns });
        }
        let mut statement = connection
            .prepare_cached(
                "SELECT name, parameters, body, columns, category, description FROM snapshot_function
                 WHERE snapshot_id = ?1 ORDER BY name",
            )
            .map_err(sqlite)?;
        let mut rows = statement.query([id]).map_err(sqlite)?;
        while let Some(row) = rows.next().map_err(sqlite)? {
            let name: String = row.get(0).map_err(sqlite)?;
            let text: String = row.get(3).map_err(sqlite)?;
            let columns = serde_json::from_str(&text).map_err(|error| corrupt(format!("function `{name}`"), &error))?;
            schema.functions.push(FunctionSchema {
                name,
                parameters: row.get(1).map_err(sqlite)?,
                body: row.get(2).map_err(sqlite)?,
                columns,
                category: row.get(4).map_err(sqlite)?,
                description: row.get(5).map_err(sqlite)?,
            });
        }
        let mut statement = connection
            .prepare_cached(
                "SELECT alias, columns, search_key FROM snapshot_watchlist WHERE snapshot_id = ?1 ORDER BY alias",
            )
            .map_err(sqlite)?;
        let mut rows = statement.query([id]).map_err(sqlite)?;
        while let Some(row) = rows.next().map_err(sqlite)? {
            let alias: String = row.get(0).map_err(sqlite)?;
            let text: String = row.get(1).map_err(sqlite)?;
            let columns =
                serde_json::from_str(&text).map_err(|error| corrupt(format!("watchlist `{alias}`"), &error))?;
            schema.watchlists.push(WatchlistSchema { alias, columns, search_key: row.get(2).map_err(sqlite)? });
        }
        Ok(())
    }
}

/// The columns with each name once (its first definition).
fn unique_columns(columns: &[ColumnSchema]) -> Vec<&ColumnSchema> {
    let mut seen = std::collections::HashSet::with_capacity(columns.len());
    columns.iter().filter(|column| seen.insert(column.name.as_str())).collect()
}

/// The columns' descriptions as a deflated JSON array (`None` when no column has one).
fn encode_descriptions(columns: &[&ColumnSchema]) -> Result<Option<Vec<u8>>, Error> {
    if columns.iter().all(|column| column.description.is_none()) {
        return Ok(None);
    }
    let texts: Vec<Option<&str>> = columns.iter().map(|column| column.description.as_deref()).collect();
    let json = serde_json::to_vec(&texts)?;
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut encoder, &json)
        .and_then(|()| encoder.finish())
        .map(Some)
        .map_err(|source| Error::Io { path: PathBuf::from("(column descriptions)"), source })
}

/// The inverse of `encode_descriptions`, refusing more than 64 MB of text.
fn decode_descriptions(blob: &[u8]) -> Result<Vec<Option<String>>, String> {
    const LIMIT: u64 = 64 << 20;
    let mut json = Vec::new();
    let decoder = flate2::read::DeflateDecoder::new(blob);
    std::io::Read::read_to_end(&mut std::io::Read::take(decoder, LIMIT + 1), &mut json).map_err(|e| e.to_string())?;
    if json.len() as u64 > LIMIT {
        return Err("column descriptions over 64 MB".into());
    }
    serde_json::from_slice(&json).map_err(|e| e.to_string())
}

/// Opens the file and brings it up to date, or says why it is unusable.
fn try_open(path: &Path, busy_timeout: Duration) -> Result<Connection, Failure> {
    let fail = |source: rusqlite::Error| match classify(path, busy_timeout, source) {
        Error::Corrupt { reason, .. } => Failure::Corrupt(reason),
        other => Failure::Error(other),
    };
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut connection = Connection::open_with_flags(path, flags).map_err(fail)?;
    connection.busy_timeout(busy_timeout).map_err(fail)?;
    // The first statement is where a file that is not SQLite shows.
    let _mode: String = connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0)).map_err(fail)?;
    connection
        .execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA journal_size_limit = 67108864;")
        .map_err(fail)?;
    let version: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(fail)?;
    if version > CURRENT_VERSION {
        return Err(Failure::Corrupt(format!(
            "its schema version {version} is newer than this kqlab's {CURRENT_VERSION}"
        )));
    }
    let problems: Vec<String> = {
        let mut statement = connection.prepare("PRAGMA quick_check(5)").map_err(fail)?;
        let rows = statement.query_map([], |row| row.get::<_, String>(0)).map_err(fail)?;
        rows.collect::<Result<_, _>>().map_err(fail)?
    };
    if problems.first().map(String::as_str) != Some("ok") {
        return Err(Failure::Corrupt(format!("integrity check: {}", problems.join("; "))));
    }
    if version < CURRENT_VERSION {
        migrate(&mut connection).map_err(|failure| match failure {
            Failure::Error(Error::Sqlite { source, .. }) => fail(source),
            other => other,
        })?;
    }
    Ok(connection)
}

/// Applies the missing migrations in one transaction (another process may
/// have applied them meanwhile: the version is read again inside it).
fn migrate(connection: &mut Connection) -> Result<(), Failure> {
    let sqlite = |source: rusqlite::Error| Failure::Error(Error::Sqlite { path: PathBuf::new(), source });
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sqlite)?;
    let version: i64 = transaction.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(sqlite)?;
    if version == 0 {
        let foreign: Option<String> = transaction
            .query_row(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' LIMIT 1",
                [],
                |row| row.get(0),
            )
            .optional()
            .map_err(sqlite)?;
        if let Some(table) = foreign.filter(|table| !OWN_TABLES.contains(&table.as_str())) {
            return Err(Failure::Corrupt(format!("it is not a kqlab schema cache (it has a table `{table}`)")));
        }
    }
    for sql in MIGRATIONS.iter().skip(version.max(0) as usize) {
        transaction.execute_batch(sql).map_err(sqlite)?;
    }
    transaction.pragma_update(None, "user_version", CURRENT_VERSION).map_err(sqlite)?;
    transaction.commit().map_err(sqlite)
}

/// Maps SQLite's codes onto the cache's errors: busy → `Locked`, corrupt or
/// not a database → `Corrupt`.
fn classify(path: &Path, busy_timeout: Duration, source: rusqlite::Error) -> Error {
    match source.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            Error::Locked { path: path.to_path_buf(), timeout_ms: busy_timeout.as_millis() as u64 }
        }
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
            Error::Corrupt { path: path.to_path_buf(), reason: source.to_string() }
        }
        _ => Error::Sqlite { path: path.to_path_buf(), source },
    }
}

/// Renames the file (and its `-wal`, `-shm` and `-journal` companions, which
/// must never be applied to a new file) to `PATH.corrupt-TIMESTAMP`.
fn move_aside(path: &Path) -> Result<PathBuf, Error> {
    let stamp = crate::cache::time::now_compact();
    let mut aside = PathBuf::from(format!("{}.corrupt-{stamp}", path.display()));
    let mut n = 1;
    while aside.exists() {
        aside = PathBuf::from(format!("{}.corrupt-{stamp}-{n}", path.display()));
        n += 1;
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    match std::fs::rename(path, &aside) {
        Ok(()) => {}
        // Moved by another process already.
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(io(path)(error)),
    }
    for suffix in ["-wal", "-shm", "-journal"] {
        let companion = PathBuf::from(format!("{}{suffix}", path.display()));
        if companion.exists() {
            let target = PathBuf::from(format!("{}{suffix}", aside.display()));
            std::fs::rename(&companion, &target).map_err(io(&companion))?;
        }
    }
    Ok(aside)
}

/// The file's identity (device and inode on Unix), to tell a rebuilt file
/// from the corrupt one.
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    let metadata = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((metadata.dev(), metadata.ino()))
    }
    #[cfg(not(unix))]
    {
        let modified = metadata.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
        Some((metadata.len(), modified.as_nanos() as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::model::{ColumnSchema, TableSchema};

    fn schema(workspace: &str, tables: &[(&str, &[(&str, &str)])]) -> WorkspaceSchema {
        WorkspaceSchema {
            workspace: workspace.into(),
            tables: tables
                .iter()
                .map(|(name, columns)| TableSchema {
                    name: name.to_string(),
                    description: None,
                    columns: columns
                        .iter()
                        .map(|(name, ty)| ColumnSchema {
                            name: name.to_string(),
                            ty: ty.to_string(),
                            description: None,
                        })
                        .collect(),
                })
                .collect(),
            fetched_at: "2024-03-01T12:00:00Z".into(),
            source: "kqlab-json".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_stored_snapshot_reads_back_and_old_ones_are_pruned() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nested").join("cache.sqlite");
        let mut cache = Cache::open(&path).expect("open");
        for n in 0..Cache::KEEP_SNAPSHOTS + 2 {
            let name = format!("T{n}");
            cache.store(&schema("prod", &[(name.as_str(), &[("A", "string")])])).expect("store");
        }
        let latest = cache.latest("prod").expect("latest");
        assert_eq!(latest.tables[0].name, format!("T{}", Cache::KEEP_SNAPSHOTS + 1));
        assert_eq!(cache.snapshots("prod", 100).expect("all").len(), Cache::KEEP_SNAPSHOTS);
        let summary = &cache.workspaces().expect("list")[0];
        assert_eq!((summary.name.as_str(), summary.n_tables, summary.snapshots), ("prod", 1, Cache::KEEP_SNAPSHOTS));
        assert!(matches!(cache.latest("dev"), Err(Error::UnknownWorkspace { known, .. }) if known == ["prod"]));
        assert!(cache.store(&schema(" ", &[])).is_err());
    }

    #[test]
    fn column_descriptions_are_kept_but_not_read_for_analysis() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut cache = Cache::open(&dir.path().join("cache.sqlite")).expect("open");
        let mut described = schema("prod", &[("T", &[("A", "string"), ("B", "long"), ("A", "int")])]);
        described.tables[0].columns[1].description = Some("bytes sent".into());
        cache.store(&described).expect("store");
        let full = cache.latest("prod").expect("latest");
        let columns = &full.tables[0].columns;
        assert_eq!(columns.len(), 2, "a repeated column keeps its first definition");
        assert_eq!((columns[1].description.as_deref(), columns[0].description.as_deref()), (Some("bytes sent"), None));
        let lean = cache.latest_for_analysis("prod").expect("latest");
        assert!(lean.tables[0].columns.iter().all(|c| c.description.is_none()));
        assert_eq!(lean.tables[0].columns[1].ty, "long");
    }

    #[test]
    fn garbage_and_future_files_are_moved_aside_and_rebuilt() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cache.sqlite");
        std::fs::write(&path, b"this is not a database, just text that is long enough to be read".repeat(100))
            .expect("write");
        let cache = Cache::open(&path).expect("rebuilt");
        assert_eq!(cache.warnings().len(), 1, "{:?}", cache.warnings());
        drop(cache);
        let future = Connection::open(&path).expect("open");
        future.pragma_update(None, "user_version", CURRENT_VERSION + 1).expect("version");
        drop(future);
        let cache = Cache::open(&path).expect("rebuilt");
        assert!(cache.warnings()[0].contains("newer"), "{:?}", cache.warnings());
        let aside = std::fs::read_dir(dir.path()).expect("dir").filter_map(Result::ok).count();
        assert!(aside >= 3, "the two corrupt files are kept beside the new one");
    }

    #[test]
    fn another_programs_database_is_not_taken_over_silently() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("other.sqlite");
        Connection::open(&path).expect("open").execute_batch("CREATE TABLE notes (x TEXT)").expect("create");
        let cache = Cache::open(&path).expect("rebuilt");
        assert!(cache.warnings()[0].contains("not a kqlab schema cache"), "{:?}", cache.warnings());
    }
}
