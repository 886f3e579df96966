//! What changed between two snapshots of a workspace (`kqlab schema diff`):
//! tables, columns and their types, functions (parameters and bodies, the
//! bodies as a unified diff) and watchlists, added, removed or changed.

use std::collections::BTreeMap;
use std::fmt::Write;

use similar::TextDiff;

use crate::cache::model::{ColumnSchema, WorkspaceSchema};

/// One difference between two snapshots.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    TableAdded {
        name: String,
        n_columns: usize,
    },
    TableRemoved {
        name: String,
    },
    TableChanged {
        name: String,
        columns: Vec<ColumnChange>,
        description_changed: bool,
    },
    FunctionAdded {
        name: String,
        parameters: String,
    },
    FunctionRemoved {
        name: String,
    },
    /// `body_diff` is a unified diff of the bodies, when they differ.
    FunctionChanged {
        name: String,
        old_parameters: String,
        new_parameters: String,
        body_diff: Option<String>,
    },
    WatchlistAdded {
        alias: String,
        columns: Vec<String>,
    },
    WatchlistRemoved {
        alias: String,
    },
    WatchlistChanged {
        alias: String,
        added: Vec<String>,
        removed: Vec<String>,
    },
}

/// One column difference of a table present in both snapshots.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnChange {
    Added { name: String, ty: String },
    Removed { name: String, ty: String },
    TypeChanged { name: String, old: String, new: String },
}

/// The differences from `old` to `new`: tables, then functions, then
/// watchlists, each sorted by name.
pub fn diff(old: &WorkspaceSchema, new: &WorkspaceSchema) -> Vec<Change> {
    let mut changes = Vec::new();
    let old_tables: BTreeMap<&str, _> = old.tables.iter().map(|t| (t.name.as_str(), t)).collect();
    let new_tables: BTreeMap<&str, _> = new.tables.iter().map(|t| (t.name.as_str(), t)).collect();
    for name in union(&old_tables, &new_tables) {
        match (old_tables.get(name), new_tables.get(name)) {
            (None, Some(table)) => {
                changes.push(Change::TableAdded { name: name.to_string(), n_columns: table.columns.len() })
            }
            (Some(_), None) => changes.push(Change::TableRemoved { name: name.to_string() }),
            (Some(before), Some(table)) => {
                let columns = diff_columns(&before.columns, &table.columns);
                let description_changed = before.description != table.description;
                if !columns.is_empty() || description_changed {
                    changes.push(Change::TableChanged { name: name.to_string(), columns, description_changed });
                }
            }
            (None, None) => {}
        }
    }
    let old_functions: BTreeMap<&str, _> = old.functions.iter().map(|f| (f.name.as_str(), f)).collect();
    let new_functions: BTreeMap<&str, _> = new.functions.iter().map(|f| (f.name.as_str(), f)).collect();
    for name in union(&old_functions, &new_functions) {
        match (old_functions.get(name), new_functions.get(name)) {
            (None, Some(function)) => {
                changes.push(Change::FunctionAdded { name: name.to_string(), parameters: function.parameters.clone() })
            }
            (Some(_), None) => changes.push(Change::FunctionRemoved { name: name.to_string() }),
            (Some(before), Some(function)) => {
                // Line endings are not a change (the API may send `\r\n`).
                let (old_body, new_body) = (before.body.replace("\r\n", "\n"), function.body.replace("\r\n", "\n"));
                let body_diff = (old_body != new_body).then(|| {
                    TextDiff::from_lines(&old_body, &new_body)
                        .unified_diff()
                        .context_radius(2)
                        .missing_newline_hint(false)
                        .to_string()
                });
                let columns_changed = !diff_columns(&before.columns, &function.columns).is_empty();
                if before.parameters != function.parameters || body_diff.is_some() || columns_changed {
                    changes.push(Change::FunctionChanged {
                        name: name.to_string(),
                        old_parameters: before.parameters.clone(),
                        new_parameters: function.parameters.clone(),
                        body_diff,
                    });
                }
            }
            (None, None) => {}
        }
    }
    let old_watchlists: BTreeMap<&str, _> = old.watchlists.iter().map(|w| (w.alias.as_str(), w)).collect();
    let new_watchlists: BTreeMap<&str, _> = new.watchlists.iter().map(|w| (w.alias.as_str(), w)).collect();
    for alias in union(&old_watchlists, &new_watchlists) {
        match (old_watchlists.get(alias), new_watchlists.get(alias)) {
            (None, Some(watchlist)) => {
                changes.push(Change::WatchlistAdded { alias: alias.to_string(), columns: watchlist.columns.clone() })
            }
            (Some(_), None) => changes.push(Change::WatchlistRemoved { alias: alias.to_string() }),
            (Some(before), Some(watchlist)) => {
                let added: Vec<String> =
                    watchlist.columns.iter().filter(|c| !before.columns.contains(c)).cloned().collect();
                let removed: Vec<String> =
                    before.columns.iter().filter(|c| !watchlist.columns.contains(c)).cloned().collect();
                if !added.is_empty() || !removed.is_empty() {
                    changes.push(Change::WatchlistChanged { alias: alias.to_string(), added, removed });
                }
            }
            (None, None) => {}
        }
    }
    changes
}

/// The names of both maps, sorted.
fn union<'a, T>(old: &BTreeMap<&'a str, T>, new: &BTreeMap<&'a str, T>) -> std::collections::BTreeSet<&'a str> {
    old.keys().chain(new.keys()).copied().collect()
}

/// Added, removed and retyped columns, in the new table's order (removed last).
fn diff_columns(old: &[ColumnSchema], new: &[ColumnSchema]) -> Vec<ColumnChange> {
    let mut changes = Vec::new();
    for column in new {
        match old.iter().find(|c| c.name == column.name) {
            None => changes.push(ColumnChange::Added { name: column.name.clone(), ty: column.ty.clone() }),
            Some(before) if before.ty != column.ty => changes.push(ColumnChange::TypeChanged {
                name: column.name.clone(),
                old: before.ty.clone(),
                new: column.ty.clone(),
            }),
            Some(_) => {}
        }
    }
    for column in old.iter().filter(|c| new.iter().all(|n| n.name != c.name)) {
        changes.push(ColumnChange::Removed { name: column.name.clone(), ty: column.ty.clone() });
    }
    changes
}

/// The changes as text for people: a header naming both snapshots, a
/// summary line, then one block per change (`+` added, `-` removed, `~` changed).
pub fn render_diff(old: &WorkspaceSchema, new: &WorkspaceSchema, changes: &[Change]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "schema diff for `{}`: {} ({}) → {} ({})",
        new.workspace, old.fetched_at, old.source, new.fetched_at, new.source
    );
    if changes.is_empty() {
        out.push_str("no changes\n");
        return out;
    }
    let count = |pick: fn(&Change) -> Option<usize>| {
        let mut totals = [0usize; 3];
        for change in changes {
            if let Some(kind) = pick(change) {
                totals[kind] += 1;
            }
        }
        totals
    };
    let tables = count(|c| match c {
        Change::TableAdded { .. } => Some(0),
        Change::TableRemoved { .. } => Some(1),
        Change::TableChanged { .. } => Some(2),
        _ => None,
    });
    let functions = count(|c| match c {
        Change::FunctionAdded { .. } => Some(0),
        Change::FunctionRemoved { .. } => Some(1),
        Change::FunctionChanged { .. } => Some(2),
        _ => None,
    });
    let watchlists = count(|c| match c {
        Change::WatchlistAdded { .. } => Some(0),
        Change::WatchlistRemoved { .. } => Some(1),
        Change::WatchlistChanged { .. } => Some(2),
        _ => None,
    });
    let summary = |what: &str, [added, removed, changed]: [usize; 3]| {
        format!("{what}: {added} added, {removed} removed, {changed} changed")
    };
    let _ = writeln!(
        out,
        "{}; {}; {}\n",
        summary("tables", tables),
        summary("functions", functions),
        summary("watchlists", watchlists)
    );
    for change in changes {
        match change {
            Change::TableAdded { name, n_columns } => {
                let _ = writeln!(out, "+ table {name} ({n_columns} column{})", plural(*n_columns));
            }
            Change::TableRemoved { name } => {
                let _ = writeln!(out, "- table {name}");
            }
            Change::TableChanged { name, columns, description_changed } => {
                let _ = writeln!(out, "~ table {name}");
                for column in columns {
                    let _ = match column {
                        ColumnChange::Added { name, ty } => writeln!(out, "    + {name}: {ty}"),
                        ColumnChange::Removed { name, ty } => writeln!(out, "    - {name}: {ty}"),
                        ColumnChange::TypeChanged { name, old, new } => writeln!(out, "    ~ {name}: {old} → {new}"),
                    };
                }
                if *description_changed {
                    out.push_str("    description changed\n");
                }
            }
            Change::FunctionAdded { name, parameters } => {
                let _ = writeln!(out, "+ function {name}({parameters})");
            }
            Change::FunctionRemoved { name } => {
                let _ = writeln!(out, "- function {name}");
            }
            Change::FunctionChanged { name, old_parameters, new_parameters, body_diff } => {
                if old_parameters == new_parameters {
                    let _ = writeln!(out, "~ function {name}({new_parameters})");
                } else {
                    let _ = writeln!(out, "~ function {name}({old_parameters}) → {name}({new_parameters})");
                }
                if let Some(body_diff) = body_diff {
                    for line in body_diff.lines() {
                        let _ = writeln!(out, "    {line}");
                    }
                }
            }
            Change::WatchlistAdded { alias, columns } => {
                let _ = writeln!(out, "+ watchlist {alias} ({})", columns.join(", "));
            }
            Change::WatchlistRemoved { alias } => {
                let _ = writeln!(out, "- watchlist {alias}");
            }
            Change::WatchlistChanged { alias, added, removed } => {
                let _ = writeln!(out, "~ watchlist {alias}");
                for column in added {
                    let _ = writeln!(out, "    + {column}");
                }
                for column in removed {
                    let _ = writeln!(out, "    - {column}");
                }
            }
        }
    }
    out
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::model::{FunctionSchema, TableSchema, WatchlistSchema};

    fn column(name: &str, ty: &str) -> ColumnSchema {
        ColumnSchema { name: name.into(), ty: ty.into(), description: None }
    }

    #[test]
    fn diff_reports_tables_columns_functions_and_watchlists() {
        let old = WorkspaceSchema {
            workspace: "prod".into(),
            tables: vec![
                TableSchema { name: "Gone_CL".into(), description: None, columns: vec![] },
                TableSchema {
                    name: "T_CL".into(),
                    description: None,
                    columns: vec![column("A", "string"), column("N", "int"), column("Old", "bool")],
                },
            ],
            functions: vec![FunctionSchema {
                name: "F".into(),
                parameters: "n:int".into(),
                body: "T_CL\n| take n\n".into(),
                ..Default::default()
            }],
            watchlists: vec![WatchlistSchema { alias: "W".into(), columns: vec!["Host".into()], search_key: None }],
            fetched_at: "2024-03-01T00:00:00Z".into(),
            source: "metadata-api".into(),
        };
        let mut new = old.clone();
        new.fetched_at = "2024-03-02T00:00:00Z".into();
        new.tables.remove(0);
        new.tables[0].columns = vec![column("A", "string"), column("N", "long"), column("New", "dynamic")];
        new.tables.push(TableSchema { name: "New_CL".into(), description: None, columns: vec![column("X", "int")] });
        new.functions[0].body = "T_CL\n| take n * 2\n".into();
        new.watchlists[0].columns.push("Ip".into());
        let changes = diff(&old, &new);
        insta_like(
            &render_diff(&old, &new, &changes),
            "schema diff for `prod`: 2024-03-01T00:00:00Z (metadata-api) → 2024-03-02T00:00:00Z (metadata-api)
tables: 1 added, 1 removed, 1 changed; functions: 0 added, 0 removed, 1 changed; watchlists: 0 added, 0 removed, 1 changed

- table Gone_CL
+ table New_CL (1 column)
~ table T_CL
    ~ N: int → long
    + New: dynamic
    - Old: bool
~ function F(n:int)
    @@ -1,2 +1,2 @@
     T_CL
    -| take n
    +| take n * 2
~ watchlist W
    + Ip
",
        );
        assert!(diff(&new, &new).is_empty());
        let mut crlf = new.clone();
        crlf.functions[0].body = new.functions[0].body.replace('\n', "\r\n");
        assert!(diff(&new, &crlf).is_empty(), "line endings are not a change");
        assert!(render_diff(&new, &new, &[]).ends_with("no changes\n"));
    }

    fn insta_like(actual: &str, expected: &str) {
        assert_eq!(actual, expected, "\n--- actual ---\n{actual}");
    }
}
