//! `kqlab://schema` and `kqlab://schema/{table}`: the built-in table
//! schemas as JSON, the same as the schema tools return.

use serde::Serialize;

use crate::mcp::Context;

use crate::analysis::schema::Schemas;
use crate::mcp::tools::schema_table_get;

pub const INDEX_URI: &str = "kqlab://schema";
pub const TEMPLATE: &str = "kqlab://schema/{table}";

#[derive(Serialize)]
struct Index {
    /// How to read one table.
    template: &'static str,
    tables: Vec<TableSummary>,
}

#[derive(Serialize)]
struct TableSummary {
    name: String,
    column_count: usize,
}

/// Every known table with its column count, sorted by name.
pub fn index() -> String {
    let schemas = Schemas::builtin();
    let mut names: Vec<&str> = schemas.table_names().collect();
    names.sort_unstable();
    let tables = names
        .into_iter()
        .map(|name| TableSummary {
            name: name.to_string(),
            column_count: schemas.table(name).map_or(0, |table| table.columns.len()),
        })
        .collect();
    to_json(&Index { template: TEMPLATE, tables })
}

/// One table's columns, as schema_table_get returns them (built-in, or the
/// server's cached workspace); an unknown table is an error naming the
/// closest tables.
pub fn table(context: &Context, name: &str) -> Result<String, String> {
    let output = schema_table_get::run(context, schema_table_get::Params { table: name.to_string(), workspace: None })?;
    Ok(to_json(&output))
}

/// Pretty JSON, which an LLM reads as easily as a person does.
pub fn to_json(value: &impl Serialize) -> String {
    serde_json::to_string_pretty(value).expect("resource values serialize (plain structs of strings and numbers)")
}
