//! The cache file's SQL schema, as numbered migrations. `PRAGMA
//! user_version` holds the number applied; opening a file runs the missing
//! ones in one transaction. A file whose version is higher than
//! [`CURRENT_VERSION`] was written by a newer kqlab and is treated as corrupt
//! (moved aside and rebuilt): a cache can always be pulled again.
//!
//! Each snapshot's tables keep their columns as one JSON array per table:
//! loading a 1,000-table workspace reads 1,000 rows, not 30,000.

/// The schema version this kqlab writes.
pub const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

/// Migration `n` (1-based) is `MIGRATIONS[n - 1]`. Never edit one that has
/// shipped: add a new one.
pub const MIGRATIONS: &[&str] = &[
    // 1: workspaces, snapshots, and each snapshot's tables, functions and watchlists.
    "CREATE TABLE workspace (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
    );
    CREATE TABLE snapshot (
        id INTEGER PRIMARY KEY,
        workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        fetched_at TEXT NOT NULL,
        stored_at TEXT NOT NULL,
        source TEXT NOT NULL
    );
    CREATE INDEX snapshot_by_workspace ON snapshot(workspace_id, id);
    CREATE TABLE snapshot_table (
        snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        description TEXT,
        n_columns INTEGER NOT NULL,
        columns TEXT NOT NULL,
        PRIMARY KEY (snapshot_id, name)
    ) WITHOUT ROWID;
    CREATE TABLE snapshot_function (
        snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        parameters TEXT NOT NULL,
        body TEXT NOT NULL,
        columns TEXT NOT NULL,
        category TEXT,
        description TEXT,
        PRIMARY KEY (snapshot_id, name)
    ) WITHOUT ROWID;
    CREATE TABLE snapshot_watchlist (
        snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
        alias TEXT NOT NULL,
        columns TEXT NOT NULL,
        search_key TEXT,
        PRIMARY KEY (snapshot_id, alias)
    ) WITHOUT ROWID;",
];

/// The tables a kqlab cache has; a version-0 file with other tables is not ours.
pub const OWN_TABLES: &[&str] = &["workspace", "snapshot", "snapshot_table", "snapshot_function", "snapshot_watchlist"];
