//! The cache file's SQL schema, as numbered migrations. `PRAGMA
//! user_version` holds the number applied; opening a file runs the missing
//! ones in one transaction. A file whose version is higher than
//! [`CURRENT_VERSION`] was written by a newer kqlab and is treated as corrupt
//! (moved aside and rebuilt): a cache can always be pulled again.
//!
//! Each snapshot's tables keep their columns as one JSON array of
//! `[name, type]` pairs per table, so loading a 1,000-table workspace for a
//! check reads 1,000 small rows, not 30,000; the column descriptions, which
//! only `schema show` and `diff` read, are a separate deflated JSON array
//! (`column_descriptions`, NULL when there are none). This keeps the file
//! small, and with it the integrity check on open. (Rowid tables: rows of
//! a few kilobytes are too large for `WITHOUT ROWID`.)

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
        column_descriptions BLOB,
        UNIQUE (snapshot_id, name)
    );
    CREATE TABLE snapshot_function (
        snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        parameters TEXT NOT NULL,
        body TEXT NOT NULL,
        columns TEXT NOT NULL,
        category TEXT,
        description TEXT,
        UNIQUE (snapshot_id, name)
    );
    CREATE TABLE snapshot_watchlist (
        snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
        alias TEXT NOT NULL,
        columns TEXT NOT NULL,
        search_key TEXT,
        UNIQUE (snapshot_id, alias)
    );",
];

/// The tables a kqlab cache has; a version-0 file with other tables is not ours.
pub const OWN_TABLES: &[&str] = &["workspace", "snapshot", "snapshot_table", "snapshot_function", "snapshot_watchlist"];
