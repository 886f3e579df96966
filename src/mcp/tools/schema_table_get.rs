//! `schema_table_get`: one table's columns and types.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::analysis::schema::Schemas;

/// Parameters of `schema_table_get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Params {
    /// The table name, e.g. `SigninLogs` (case-sensitive, as in KQL).
    pub table: String,
}

/// A table's schema.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    pub table: String,
    pub columns: Vec<Column>,
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
pub fn run(params: Params) -> Result<Output, String> {
    let schemas = Schemas::builtin();
    let Some(table) = schemas.table(&params.table) else {
        return Err(unknown_table(schemas, &params.table));
    };
    Ok(Output {
        table: params.table,
        columns: table.columns.iter().map(|c| Column { name: c.name.clone(), ty: c.ty.to_string() }).collect(),
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

    #[test]
    fn known_table_has_typed_columns() {
        let output = run(Params { table: "SigninLogs".into() }).unwrap();
        assert!(output.columns.iter().any(|c| c.name == "TimeGenerated" && c.ty == "datetime"));
    }

    #[test]
    fn unknown_table_suggests_closest_name() {
        let error = run(Params { table: "SigninLog".into() }).unwrap_err();
        assert!(error.contains("`SigninLogs`"), "{error}");
    }
}
