//! `schema_table_get`: one table's columns and types, from the built-in
//! schemas or a cached workspace.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::analysis::schema::Schemas;
use crate::mcp::Context;
use crate::mcp::workspace_schema::ServerSchemas;

/// Parameters of `schema_table_get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Params {
    /// The table name, e.g. `SigninLogs` (case-sensitive, as in KQL).
    pub table: String,
    /// A workspace in the schema cache whose tables to look in first;
    /// default: the server's `--workspace`, when it has one.
    #[serde(default)]
    pub workspace: Option<String>,
}

/// A table's schema.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    pub table: String,
    pub columns: Vec<Column>,
    /// `builtin`, or `workspace:NAME` when the columns come from the cached workspace.
    pub source: String,
    /// Problems reading the schema cache (the built-in tables are still served).
    pub warnings: Vec<String>,
}

/// One column: its name and KQL type.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
}

/// The columns of `params.table`; an unknown table is a tool error that
/// names the closest tables.
pub fn run(context: &Context, params: Params) -> Result<Output, String> {
    let loaded = ServerSchemas::load(context, params.workspace.as_deref());
    let schemas = loaded.schemas();
    let Some(table) = schemas.table(&params.table) else {
        let mut error = unknown_table(schemas, &params.table);
        for warning in &loaded.warnings {
            error.push_str(&format!(" (warning: {warning})"));
        }
        return Err(error);
    };
    Ok(Output {
        columns: table.columns.iter().map(|c| Column { name: c.name.clone(), ty: c.ty.to_string() }).collect(),
        source: loaded.source_of(&params.table),
        table: params.table,
        warnings: loaded.warnings,
    })
}

/// "unknown table" with up to five close names (by edit distance, ignoring case).
fn unknown_table(schemas: &Schemas, name: &str) -> String {
    let wanted = name.to_lowercase();
    let mut scored: Vec<(usize, &str)> = schemas
        .table_names()
        .map(|candidate| (crate::text::edit_distance(&wanted, &candidate.to_lowercase()), candidate))
        .filter(|(distance, candidate)| *distance <= 3 || candidate.to_lowercase().contains(&wanted))
        .collect();
    scored.sort_unstable();
    let close: Vec<String> = scored.iter().take(5).map(|(_, name)| format!("`{name}`")).collect();
    if close.is_empty() {
        format!("unknown table `{name}`; schema_tables_list lists the known tables")
    } else {
        format!("unknown table `{name}`; did you mean {}?", close.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(table: &str) -> Params {
        Params { table: table.into(), workspace: None }
    }

    #[test]
    fn known_table_has_typed_columns() {
        let output = run(&Context::local("rules", vec![]), params("SigninLogs")).unwrap();
        assert_eq!(output.source, "builtin");
        assert!(output.columns.iter().any(|c| c.name == "TimeGenerated" && c.ty == "datetime"));
    }

    #[test]
    fn unknown_table_suggests_closest_name() {
        let error = run(&Context::local("rules", vec![]), params("SigninLog")).unwrap_err();
        assert!(error.contains("`SigninLogs`"), "{error}");
    }
}
