//! What the cache knows of a workspace: its tables (with columns and
//! descriptions), its functions (stored functions and parsers, with bodies
//! and parameters), its watchlists' columns, and when and how it was fetched.

use serde::{Deserialize, Serialize};

/// One snapshot of a workspace's schema.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WorkspaceSchema {
    /// The name it is cached under (`--workspace NAME`).
    pub workspace: String,
    pub tables: Vec<TableSchema>,
    pub functions: Vec<FunctionSchema>,
    pub watchlists: Vec<WatchlistSchema>,
    /// When it was fetched or imported, RFC 3339 UTC (`2024-03-01T12:00:00Z`).
    pub fetched_at: String,
    /// Where it came from: a [`Source`] name, e.g. `metadata-api`.
    pub source: String,
}

/// A table and its columns, in order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TableSchema {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub columns: Vec<ColumnSchema>,
}

/// A column: its name, KQL type name (`string`, `datetime`, ...) and description.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ColumnSchema {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A workspace function (a saved function or a parser).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FunctionSchema {
    pub name: String,
    /// The KQL parameter list without parentheses: `start:datetime, n:int = 10`.
    #[serde(default)]
    pub parameters: String,
    /// The function's KQL body; empty when only its output is known.
    #[serde(default)]
    pub body: String,
    /// Its output columns, when known without the body (kqlab schema files).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<ColumnSchema>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A Sentinel watchlist: what `_GetWatchlist('alias')` returns beyond its
/// standard columns.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WatchlistSchema {
    pub alias: String,
    /// The CSV header's column names, in order.
    pub columns: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_key: Option<String>,
}

/// Where a snapshot came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The Log Analytics metadata API (`GET /v1/workspaces/{id}/metadata`).
    MetadataApi,
    /// The ARM tables list (`GET .../workspaces/{name}/tables`), the fallback.
    ArmTables,
    /// kqlab's schema JSON (`{"Table": [{"name", "type"}], ...}`).
    KqlabJson,
}

impl Source {
    /// The name stored in the cache and shown by `schema list`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::MetadataApi => "metadata-api",
            Source::ArmTables => "arm-tables",
            Source::KqlabJson => "kqlab-json",
        }
    }
}

impl WorkspaceSchema {
    /// The table called `name`.
    pub fn table(&self, name: &str) -> Option<&TableSchema> {
        self.tables.iter().find(|table| table.name == name)
    }

    /// The function called `name`.
    pub fn function(&self, name: &str) -> Option<&FunctionSchema> {
        self.functions.iter().find(|function| function.name == name)
    }

    /// Sorts tables, functions and watchlists by name and drops repeated
    /// names (the first kept), so that snapshots compare and list stably.
    pub fn normalize(&mut self) {
        dedup_by_name(&mut self.tables, |table| &table.name);
        dedup_by_name(&mut self.functions, |function| &function.name);
        dedup_by_name(&mut self.watchlists, |watchlist| &watchlist.alias);
        for table in &mut self.tables {
            dedup_columns(&mut table.columns);
        }
        for function in &mut self.functions {
            dedup_columns(&mut function.columns);
        }
    }
}

/// Sorted by key, the first item of each key kept.
fn dedup_by_name<T>(items: &mut Vec<T>, key: impl Fn(&T) -> &String) {
    let mut seen = std::collections::HashSet::new();
    items.retain(|item| seen.insert(key(item).clone()));
    items.sort_by(|a, b| key(a).cmp(key(b)));
}

/// Columns keep their order; a repeated name keeps its first definition.
fn dedup_columns(columns: &mut Vec<ColumnSchema>) {
    let mut seen = std::collections::HashSet::new();
    columns.retain(|column| seen.insert(column.name.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_sorts_and_keeps_the_first_of_a_repeated_name() {
        let column = |name: &str, ty: &str| ColumnSchema { name: name.into(), ty: ty.into(), description: None };
        let mut schema = WorkspaceSchema {
            tables: vec![
                TableSchema {
                    name: "B".into(),
                    columns: vec![column("x", "int"), column("x", "string")],
                    ..Default::default()
                },
                TableSchema { name: "A".into(), columns: vec![], ..Default::default() },
                TableSchema { name: "B".into(), columns: vec![], ..Default::default() },
            ],
            ..Default::default()
        };
        schema.normalize();
        let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["A", "B"]);
        assert_eq!(schema.table("B").map(|t| t.columns.clone()), Some(vec![column("x", "int")]));
    }
}
