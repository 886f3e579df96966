//! Table and stored-function schemas: the built-in Log Analytics / Sentinel
//! schemas (embedded from `data/schemas/`), plus any a user adds.
//!
//! The file format is the shared corpus's: tables as
//! `{"Table": [{"name": "Col", "type": "string"}, ...]}` and functions as
//! `{"Fn": {"parameters": [{"name", "type", "required", "default"}], "columns": [...]}}`.
//! One file may hold both: an array value is a table, an object with
//! `columns` is a function.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde::Deserialize;

use crate::analysis::types::{Column, TableType, Type};

/// Columns Azure Monitor Logs adds to every table ("standard columns").
pub const STANDARD_COLUMNS: &[(&str, Type)] = &[
    ("TenantId", Type::STRING),
    ("TimeGenerated", Type::DATETIME),
    ("_TimeReceived", Type::DATETIME),
    ("Type", Type::STRING),
    ("_ItemId", Type::STRING),
    ("_ResourceId", Type::STRING),
    ("_SubscriptionId", Type::STRING),
    ("_BilledSize", Type::REAL),
    ("_IsBillable", Type::STRING),
];

/// The function every Sentinel workspace has for reading watchlists.
pub const WATCHLIST_FUNCTION: &str = "_GetWatchlist";

/// A stored function (ASIM parser, workspace function) known by its schema.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFunction {
    pub name: String,
    pub params: Vec<StoredParameter>,
    /// The table it returns; open for `_GetWatchlist`.
    pub output: Arc<TableType>,
}

/// A parameter of a stored function.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredParameter {
    pub name: String,
    pub ty: Type,
    pub required: bool,
}

/// Tables and stored functions by name (case-sensitive).
#[derive(Debug, Clone, Default)]
pub struct Schemas {
    tables: HashMap<String, Arc<TableType>>,
    functions: HashMap<String, Arc<StoredFunction>>,
    /// What `_GetWatchlist('alias')` returns, for the watchlists known by alias.
    watchlists: HashMap<String, Arc<TableType>>,
}

/// The columns `_GetWatchlist` puts before a watchlist's own (all of a
/// watchlist's own columns are strings).
pub const WATCHLIST_COLUMNS: &[(&str, Type)] = &[
    ("_DTItemId", Type::STRING),
    ("LastUpdatedTimeUTC", Type::DATETIME),
    ("SearchKey", Type::STRING),
    ("WatchlistItem", Type::DYNAMIC),
];

/// A schema file that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("invalid schema JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("schema entry `{name}` is neither a table (array of columns) nor a function (object with `columns`)")]
    Entry { name: String },
}

#[derive(Deserialize)]
struct JsonColumn {
    name: String,
    #[serde(rename = "type", default)]
    ty: Option<String>,
}

#[derive(Deserialize)]
struct JsonFunction {
    #[serde(default)]
    parameters: Vec<JsonParameter>,
    columns: Vec<JsonColumn>,
}

#[derive(Deserialize)]
struct JsonParameter {
    name: String,
    #[serde(rename = "type", default)]
    ty: Option<String>,
    #[serde(default)]
    required: bool,
}

impl Schemas {
    /// The built-in schemas (parsed once, on first use).
    pub fn builtin() -> &'static Schemas {
        static SCHEMAS: OnceLock<Schemas> = OnceLock::new();
        SCHEMAS.get_or_init(|| {
            let mut schemas = Schemas::default();
            schemas
                .add_json(include_str!("../../data/schemas/table-schemas.json"), true)
                .expect("table-schemas.json is valid (tested)");
            schemas
                .add_json(include_str!("../../data/schemas/function-schemas.json"), true)
                .expect("function-schemas.json is valid (tested)");
            schemas
        })
    }

    /// Adds (or replaces) the tables and functions in a schema file's text.
    /// With `standard_columns`, tables get the Log Analytics standard columns
    /// they lack.
    pub fn add_json(&mut self, text: &str, standard_columns: bool) -> Result<(), SchemaError> {
        let entries: HashMap<String, serde_json::Value> = serde_json::from_str(text)?;
        for (name, value) in entries {
            if value.is_array() {
                let columns: Vec<JsonColumn> = serde_json::from_value(value)?;
                let mut table = TableType::new(unique_columns(columns));
                if standard_columns {
                    for (column, ty) in STANDARD_COLUMNS {
                        if table.column(column).is_none() {
                            table.columns.push(Column::new(*column, *ty));
                        }
                    }
                }
                self.tables.insert(name, table.shared());
            } else if value.get("columns").is_some() {
                let function: JsonFunction = serde_json::from_value(value)?;
                let mut output = TableType::new(unique_columns(function.columns));
                output.open = name == WATCHLIST_FUNCTION;
                let params = function
                    .parameters
                    .into_iter()
                    .map(|p| StoredParameter { name: p.name, ty: schema_type(p.ty.as_deref()), required: p.required })
                    .collect();
                self.functions.insert(name.clone(), Arc::new(StoredFunction { name, params, output: output.shared() }));
            } else {
                return Err(SchemaError::Entry { name });
            }
        }
        Ok(())
    }

    /// Adds a table.
    pub fn add_table(&mut self, name: impl Into<String>, table: Arc<TableType>) {
        self.tables.insert(name.into(), table);
    }

    /// Adds (or replaces) a stored function.
    pub fn add_function(&mut self, function: StoredFunction) {
        self.functions.insert(function.name.clone(), Arc::new(function));
    }

    /// Adds (or replaces) a watchlist: `_GetWatchlist('alias')` then has
    /// the watchlist columns and these (string) columns, and no others.
    pub fn add_watchlist(&mut self, alias: &str, columns: &[String]) {
        let mut table: Vec<Column> = WATCHLIST_COLUMNS.iter().map(|(name, ty)| Column::new(*name, *ty)).collect();
        for column in columns {
            if table.iter().all(|c| &c.name != column) {
                table.push(Column::new(column.clone(), Type::STRING));
            }
        }
        self.watchlists.insert(alias.to_string(), TableType::new(table).shared());
    }

    /// What `_GetWatchlist('alias')` returns, when the watchlist is known.
    pub fn watchlist(&self, alias: &str) -> Option<&Arc<TableType>> {
        self.watchlists.get(alias)
    }

    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&Arc<TableType>> {
        self.tables.get(name)
    }

    /// The stored function named `name`.
    pub fn function(&self, name: &str) -> Option<&Arc<StoredFunction>> {
        self.functions.get(name)
    }

    /// Every table name.
    pub fn table_names(&self) -> impl Iterator<Item = &str> {
        self.tables.keys().map(String::as_str)
    }

    /// Every stored function name.
    pub fn function_names(&self) -> impl Iterator<Item = &str> {
        self.functions.keys().map(String::as_str)
    }

    /// Number of tables and functions.
    pub fn len(&self) -> (usize, usize) {
        (self.tables.len(), self.functions.len())
    }
}

/// Columns in order, the first of any repeated name kept (as Kusto.Language does).
fn unique_columns(columns: Vec<JsonColumn>) -> Vec<Column> {
    let mut out: Vec<Column> = Vec::with_capacity(columns.len());
    for column in columns {
        if out.iter().all(|c| c.name != column.name) {
            out.push(Column::new(column.name, schema_type(column.ty.as_deref())));
        }
    }
    out
}

/// A schema file's type name as a KQL type; the synonyms schema exports use
/// (`double`, `boolean`, `int64`, `object`, ...) are mapped, anything else is `string`.
pub fn schema_type(name: Option<&str>) -> Type {
    let name = name.unwrap_or("string");
    // Most names are KQL's own already (all of a cached schema's are).
    if let Some(ty) = Type::from_name(name)
        && !ty.is_unknown()
    {
        return ty;
    }
    let name = name.to_ascii_lowercase();
    if let Some(ty) = Type::from_name(&name)
        && !ty.is_unknown()
    {
        return ty;
    }
    match name.as_str() {
        "float" => Type::REAL,
        "bigint" => Type::LONG,
        "integer" => Type::INT,
        "object" | "array" => Type::DYNAMIC,
        _ => Type::STRING,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_schemas_have_tables_functions_and_standard_columns() {
        let schemas = Schemas::builtin();
        let (tables, functions) = schemas.len();
        assert!(tables >= 1251 && functions >= 219, "{tables} tables, {functions} functions");
        let signin = schemas.table("SigninLogs").expect("SigninLogs");
        assert_eq!(signin.column("ResultType").map(|c| c.ty), Some(Type::STRING));
        assert!(signin.column("_ResourceId").is_some());
        assert!(schemas.function(WATCHLIST_FUNCTION).expect("watchlist").output.open);
    }

    #[test]
    fn a_known_watchlist_has_exactly_its_columns() {
        let mut schemas = Schemas::builtin().clone();
        schemas.add_watchlist("VIPs", &["Upn".to_string(), "SearchKey".to_string()]);
        let globals = crate::analysis::Globals::with_schemas(schemas);
        let check = |query: &str| {
            let parse = crate::syntax::parse(query);
            crate::analysis::analyze(&parse.query, &globals)
                .diagnostics
                .iter()
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
        };
        assert!(check("_GetWatchlist('VIPs') | project Upn, SearchKey, WatchlistItem, LastUpdatedTimeUTC").is_empty());
        assert_eq!(check("_GetWatchlist('VIPs') | project Title"), ["unknown column `Title`"]);
        assert!(check("_GetWatchlist('Other') | project Title").is_empty(), "an unknown watchlist stays open");
        assert!(check("let alias = 'VIPs'; _GetWatchlist(alias) | project Upn").is_empty());
    }

    #[test]
    fn user_schema_overrides_and_maps_type_synonyms() {
        let mut schemas = Schemas::default();
        schemas
            .add_json(r#"{"MyTable_CL": [{"name": "N", "type": "Double"}, {"name": "B", "type": "boolean"}]}"#, false)
            .expect("valid");
        let table = schemas.table("MyTable_CL").expect("table");
        assert_eq!(table.columns, vec![Column::new("N", Type::REAL), Column::new("B", Type::BOOL)]);
        assert!(schemas.add_json(r#"{"X": 5}"#, false).is_err());
    }
}
