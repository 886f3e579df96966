//! `schema_tables_list`: the known tables (built-in and a cached
//! workspace's), filtered and paginated.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::mcp::Context;
use crate::mcp::workspace_schema::ServerSchemas;

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

/// Parameters of `schema_tables_list`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Params {
    /// Only tables whose name contains this text (case-insensitive).
    #[serde(default)]
    pub filter: Option<String>,
    /// How many tables to return (default 100, at most 1000).
    #[serde(default)]
    pub limit: Option<u32>,
    /// How many matching tables to skip, for the next page.
    #[serde(default)]
    pub offset: Option<u32>,
    /// A workspace in the schema cache (`kqlab schema pull/import`) whose
    /// tables to list with the built-in ones; default: the server's
    /// `--workspace`, when it has one.
    #[serde(default)]
    pub workspace: Option<String>,
}

/// One page of tables.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// How many tables match the filter in all.
    pub total: u32,
    pub offset: u32,
    pub tables: Vec<TableSummary>,
    /// The `offset` of the next page, when there is one.
    pub next_offset: Option<u32>,
    /// The cached workspace whose tables are included, when one could be read.
    pub workspace: Option<String>,
    /// Problems reading the schema cache (the built-in tables are still listed).
    pub warnings: Vec<String>,
}

/// A table's name, size and origin.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TableSummary {
    pub name: String,
    pub column_count: u32,
    /// `builtin`, or `workspace:NAME` for a table of the cached workspace
    /// (whose columns replace the built-in ones of the same name).
    pub source: String,
}

/// Lists the tables matching `params.filter`, sorted by name.
pub fn run(context: &Context, params: Params) -> Result<Output, String> {
    let loaded = ServerSchemas::load(context, params.workspace.as_deref());
    let schemas = loaded.schemas();
    let filter = params.filter.unwrap_or_default().to_lowercase();
    let mut names: Vec<&str> =
        schemas.table_names().filter(|name| filter.is_empty() || name.to_lowercase().contains(&filter)).collect();
    names.sort_unstable();
    let total = names.len() as u32;
    let offset = params.offset.unwrap_or(0);
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let tables: Vec<TableSummary> = names
        .iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|name| TableSummary {
            name: name.to_string(),
            column_count: schemas.table(name).map_or(0, |table| table.columns.len() as u32),
            source: loaded.source_of(name),
        })
        .collect();
    let end = offset.saturating_add(tables.len() as u32);
    Ok(Output {
        total,
        offset,
        tables,
        next_offset: (end < total).then_some(end),
        workspace: loaded.workspace.as_ref().map(|w| w.workspace.clone()),
        warnings: loaded.warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(filter: &str, limit: u32) -> Params {
        Params { filter: Some(filter.into()), limit: Some(limit), offset: None, workspace: None }
    }

    #[test]
    fn filter_and_pages_partition_the_matches() {
        let context = Context::local("rules", vec![]);
        let all = run(&context, params("signin", 1000)).unwrap();
        assert!(all.tables.iter().any(|t| t.name == "SigninLogs" && t.source == "builtin"));
        let first = run(&context, params("signin", 1)).unwrap();
        assert_eq!(first.next_offset, (all.total > 1).then_some(1));
        assert_eq!(first.tables[0].name, all.tables[0].name);
    }
}
