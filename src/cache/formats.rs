//! Reading workspace schemas from the formats they come in: the Log
//! Analytics metadata API response, the ARM tables list (its fallback),
//! kqlab's own schema JSON, ARM saved searches (functions) and Sentinel
//! watchlist items. `kqlab schema import FILE` detects which one a file is.
//!
//! The readers are lenient: an entry without a name is skipped, a missing
//! or unknown type becomes `string` (as the built-in schemas do), and the
//! `responses.200.body` wrapper of an Azure REST API spec example is looked
//! through.

use serde_json::Value;

use crate::analysis::schema::schema_type;
use crate::cache::Error;
use crate::cache::model::{ColumnSchema, FunctionSchema, Source, TableSchema, WatchlistSchema, WorkspaceSchema};

impl WorkspaceSchema {
    /// Reads a schema file's text in whichever known format it is.
    pub fn from_json_text(text: &str) -> Result<WorkspaceSchema, Error> {
        let value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))?;
        WorkspaceSchema::from_json(&value)
    }

    /// Reads a schema in whichever known format `value` is (see [`detect`]).
    pub fn from_json(value: &Value) -> Result<WorkspaceSchema, Error> {
        match detect(value) {
            Some(Source::MetadataApi) => WorkspaceSchema::from_metadata_json(value),
            Some(Source::ArmTables) => WorkspaceSchema::from_arm_tables_json(value),
            Some(Source::KqlabJson) => WorkspaceSchema::from_kqlab_json(value),
            None => {
                let expected = "not a workspace schema: expected a Log Analytics metadata response (`tables`, `functions`), \
                     an ARM tables list (`value[].properties.schema`) or kqlab schema JSON (`{\"Table\": [{\"name\", \"type\"}]}`)";
                // An object is most likely kqlab JSON with a mistake: say which.
                let detail = match WorkspaceSchema::from_kqlab_json(value) {
                    Err(Error::Format(detail)) if value.as_object().is_some_and(|o| !o.is_empty()) => {
                        format!("; as kqlab schema JSON: {detail}")
                    }
                    _ => String::new(),
                };
                Err(Error::Format(format!("{expected}{detail}")))
            }
        }
    }

    /// Reads the Log Analytics metadata API's response body
    /// (`GET https://api.loganalytics.io/v1/workspaces/{id}/metadata`):
    /// `tables[]` with `columns[]`, `functions[]` with `body` and
    /// `parameters`. The workspace name is the response's first
    /// `workspaces[].name`, when it has one. kqlab also reads a top-level
    /// `watchlists: [{"alias", "columns": [...], "searchKey"}]`, which the
    /// API does not send, so that a hand-written file can describe them.
    pub fn from_metadata_json(value: &Value) -> Result<WorkspaceSchema, Error> {
        let body = unwrap_example(value);
        let Some(tables) = body.get("tables").and_then(Value::as_array) else {
            return Err(Error::Format("the metadata response has no `tables` array".into()));
        };
        let mut schema = new_schema(Source::MetadataApi);
        schema.workspace = body
            .get("workspaces")
            .and_then(Value::as_array)
            .and_then(|workspaces| workspaces.iter().find_map(|w| text(w, "name")))
            .unwrap_or_default();
        for table in tables {
            let Some(name) = text(table, "name") else { continue };
            let columns = table.get("columns").and_then(Value::as_array).map(|c| read_columns(c)).unwrap_or_default();
            schema.tables.push(TableSchema { name, description: text(table, "description"), columns });
        }
        for function in body.get("functions").and_then(Value::as_array).into_iter().flatten() {
            let Some(name) = text(function, "name") else { continue };
            let category = text(function, "category").or_else(|| {
                function.pointer("/related/categories").and_then(Value::as_array)?.first()?.as_str().map(String::from)
            });
            schema.functions.push(FunctionSchema {
                name,
                parameters: parameters_text(function.get("parameters")),
                body: text(function, "body").unwrap_or_default(),
                columns: Vec::new(),
                category,
                description: text(function, "description").or_else(|| text(function, "displayName")),
            });
        }
        for watchlist in body.get("watchlists").and_then(Value::as_array).into_iter().flatten() {
            let Some(alias) = text(watchlist, "alias").or_else(|| text(watchlist, "watchlistAlias")) else { continue };
            let columns = watchlist
                .get("columns")
                .and_then(Value::as_array)
                .map(|columns| columns.iter().filter_map(|c| c.as_str().map(String::from)).collect())
                .unwrap_or_default();
            let search_key = text(watchlist, "searchKey").or_else(|| text(watchlist, "itemsSearchKey"));
            schema.watchlists.push(WatchlistSchema { alias, columns, search_key });
        }
        schema.normalize();
        Ok(schema)
    }

    /// Reads the ARM tables list (`GET .../workspaces/{name}/tables`,
    /// `{"value": [{"properties": {"schema": {...}}}]}`): each table's
    /// `standardColumns` then `columns`.
    pub fn from_arm_tables_json(value: &Value) -> Result<WorkspaceSchema, Error> {
        let body = unwrap_example(value);
        let items = body.get("value").and_then(Value::as_array).or_else(|| body.as_array());
        let Some(items) = items else {
            return Err(Error::Format("the ARM tables list has no `value` array".into()));
        };
        let mut schema = new_schema(Source::ArmTables);
        for item in items {
            let Some(table) = item.pointer("/properties/schema") else { continue };
            let Some(name) = text(table, "name").or_else(|| text(item, "name")) else { continue };
            let mut columns = Vec::new();
            for key in ["standardColumns", "columns"] {
                if let Some(list) = table.get(key).and_then(Value::as_array) {
                    columns.extend(read_columns(list));
                }
            }
            let description = text(table, "description").or_else(|| text(table, "displayName"));
            schema.tables.push(TableSchema { name, description, columns });
        }
        schema.normalize();
        Ok(schema)
    }

    /// Reads kqlab's schema JSON, the format `--schemas` and `kqlab.toml`
    /// take: `{"Table": [{"name": "Col", "type": "string"}], "Fn":
    /// {"parameters": [{"name", "type", "required", "default"}], "columns": [...]}}`.
    pub fn from_kqlab_json(value: &Value) -> Result<WorkspaceSchema, Error> {
        let Some(entries) = value.as_object() else {
            return Err(Error::Format("kqlab schema JSON must be an object of tables and functions".into()));
        };
        let mut schema = new_schema(Source::KqlabJson);
        for (name, entry) in entries {
            if let Some(columns) = entry.as_array() {
                schema.tables.push(TableSchema {
                    name: name.clone(),
                    description: None,
                    columns: read_columns_strict(name, columns)?,
                });
            } else if let Some(columns) = entry.get("columns").and_then(Value::as_array) {
                let parameters: Vec<String> = entry
                    .get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(kqlab_parameter)
                    .collect();
                schema.functions.push(FunctionSchema {
                    name: name.clone(),
                    parameters: parameters.join(", "),
                    body: String::new(),
                    columns: read_columns_strict(name, columns)?,
                    category: None,
                    description: None,
                });
            } else {
                return Err(Error::Format(format!(
                    "schema entry `{name}` is neither a table (array of columns) nor a function (object with `columns`)"
                )));
            }
        }
        schema.normalize();
        Ok(schema)
    }

    /// Adds the workspace functions among ARM saved searches
    /// (`GET .../workspaces/{name}/savedSearches`): those with a
    /// `functionAlias`. Returns how many were added; a name already present
    /// is kept as it was.
    pub fn add_saved_searches_json(&mut self, value: &Value) -> Result<usize, Error> {
        let body = unwrap_example(value);
        let Some(items) = body.get("value").and_then(Value::as_array).or_else(|| body.as_array()) else {
            return Err(Error::Format("the saved searches list has no `value` array".into()));
        };
        let before = self.functions.len();
        for item in items {
            let Some(properties) = item.get("properties") else { continue };
            // The service writes camelCase; one spec example has PascalCase.
            let field = |name: &str| text(properties, name).or_else(|| text(properties, &pascal(name)));
            let (Some(name), Some(body)) = (field("functionAlias"), field("query")) else { continue };
            if self.function(&name).is_some() {
                continue;
            }
            self.functions.push(FunctionSchema {
                name,
                parameters: field("functionParameters").unwrap_or_default(),
                body,
                columns: Vec::new(),
                category: field("category"),
                description: field("displayName"),
            });
        }
        let added = self.functions.len() - before;
        self.normalize();
        Ok(added)
    }
}

impl WatchlistSchema {
    /// A watchlist's columns from its items
    /// (`GET .../watchlists/{alias}/watchlistItems`): the keys of every
    /// item's `itemsKeyValue`, in first-seen order.
    pub fn from_items_json(alias: &str, search_key: Option<&str>, items: &Value) -> WatchlistSchema {
        let body = unwrap_example(items);
        let mut columns: Vec<String> = Vec::new();
        let list = body.get("value").and_then(Value::as_array).or_else(|| body.as_array());
        for item in list.into_iter().flatten() {
            let Some(values) = item.pointer("/properties/itemsKeyValue").and_then(Value::as_object) else { continue };
            for key in values.keys() {
                if !columns.contains(key) {
                    columns.push(key.clone());
                }
            }
        }
        WatchlistSchema { alias: alias.to_string(), columns, search_key: search_key.map(String::from) }
    }
}

/// Which format `value` is in: `None` for none of them.
pub fn detect(value: &Value) -> Option<Source> {
    let body = unwrap_example(value);
    let is_arm_item = |item: &Value| item.pointer("/properties/schema").is_some();
    if let Some(items) = body.get("value").and_then(Value::as_array).or_else(|| body.as_array())
        && !items.is_empty()
        && items.iter().all(is_arm_item)
    {
        return Some(Source::ArmTables);
    }
    if let Some(tables) = body.get("tables").and_then(Value::as_array) {
        let metadata_tables = !tables.is_empty() && tables.iter().all(|t| t.get("columns").is_some());
        let metadata_keys = tables.is_empty()
            && ["functions", "workspaces", "solutions"].iter().any(|key| body.get(key).is_some_and(Value::is_array));
        if metadata_tables || metadata_keys {
            return Some(Source::MetadataApi);
        }
    }
    let entries = body.as_object()?;
    let kqlab_entry = |entry: &Value| entry.is_array() || entry.get("columns").is_some_and(Value::is_array);
    (!entries.is_empty() && entries.values().all(kqlab_entry)).then_some(Source::KqlabJson)
}

/// The response body of an Azure REST API spec example
/// (`{"parameters", "responses": {"200": {"body"}}}`), or `value` itself.
fn unwrap_example(value: &Value) -> &Value {
    value.pointer("/responses/200/body").unwrap_or(value)
}

fn new_schema(source: Source) -> WorkspaceSchema {
    WorkspaceSchema {
        fetched_at: crate::cache::time::now_rfc3339(),
        source: source.as_str().to_string(),
        ..WorkspaceSchema::default()
    }
}

/// A non-empty string field.
fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key)?.as_str().filter(|text| !text.trim().is_empty()).map(String::from)
}

/// `functionAlias` → `FunctionAlias`.
fn pascal(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

/// Columns with a name; the type is normalized to its KQL name.
fn read_columns(list: &[Value]) -> Vec<ColumnSchema> {
    list.iter()
        .filter_map(|column| {
            Some(ColumnSchema {
                name: text(column, "name")?,
                ty: kql_type_name(column.get("type").and_then(Value::as_str)),
                description: text(column, "description"),
            })
        })
        .collect()
}

/// Columns of a kqlab schema file, where a column without a name is an error.
fn read_columns_strict(owner: &str, list: &[Value]) -> Result<Vec<ColumnSchema>, Error> {
    let columns = read_columns(list);
    if columns.len() != list.len() {
        return Err(Error::Format(format!("`{owner}` has a column without a `name`")));
    }
    Ok(columns)
}

/// A schema's type name as KQL writes it: `dateTime` → `datetime`,
/// `boolean` → `bool`, `double` → `real`; unknown names are `string`.
pub fn kql_type_name(name: Option<&str>) -> String {
    schema_type(name).to_string()
}

/// The metadata API's `parameters`: usually the KQL parameter list as text
/// (with or without parentheses); an array of `{name, type, default}` is
/// accepted too.
fn parameters_text(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(text)) => {
            let text = text.trim();
            let inner = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')).unwrap_or(text);
            inner.trim().to_string()
        }
        Some(Value::Array(items)) => items.iter().filter_map(kqlab_parameter).collect::<Vec<_>>().join(", "),
        _ => String::new(),
    }
}

/// `{"name": "n", "type": "int", "required": false, "default": "10"}` → `n:int = 10`.
fn kqlab_parameter(parameter: &Value) -> Option<String> {
    let name = text(parameter, "name")?;
    let ty = kql_type_name(parameter.get("type").and_then(Value::as_str));
    let default = match parameter.get("default") {
        Some(Value::String(text)) if !text.trim().is_empty() => Some(text.trim().to_string()),
        Some(Value::Number(number)) => Some(number.to_string()),
        Some(Value::Bool(flag)) => Some(flag.to_string()),
        _ => None,
    };
    let required = parameter.get("required").and_then(Value::as_bool).unwrap_or(default.is_none());
    Some(match default {
        Some(default) if !required => format!("{name}:{ty} = {default}"),
        _ => format!("{name}:{ty}"),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn metadata_response_gives_tables_columns_and_functions() {
        let body = json!({
            "tables": [{"id": "T_CL", "name": "T_CL", "description": "custom",
                        "columns": [{"name": "A", "type": "string", "description": "a"}, {"name": "N", "type": "real"}]}],
            "functions": [{"id": "f", "name": "f", "parameters": "(n:int = 3)", "body": "T_CL | take n",
                           "related": {"categories": ["security"]}}],
            "workspaces": [{"id": "x", "name": "contoso"}]
        });
        let schema = WorkspaceSchema::from_json(&json!({"responses": {"200": {"body": body}}})).expect("metadata");
        assert_eq!(schema.source, "metadata-api");
        assert_eq!(schema.workspace, "contoso");
        let table = schema.table("T_CL").expect("table");
        assert_eq!(table.description.as_deref(), Some("custom"));
        assert_eq!(table.columns[1].ty, "real");
        let function = schema.function("f").expect("function");
        assert_eq!(function.parameters, "n:int = 3");
        assert_eq!(function.category.as_deref(), Some("security"));
    }

    #[test]
    fn arm_tables_join_standard_and_custom_columns_with_kql_type_names() {
        let value = json!({"value": [{"name": "T_CL", "properties": {"schema": {
            "name": "T_CL",
            "standardColumns": [{"name": "TimeGenerated", "type": "dateTime"}, {"name": "TenantId", "type": "guid"}],
            "columns": [{"name": "Ok", "type": "boolean", "description": "flag"}]
        }}}]});
        assert_eq!(detect(&value), Some(Source::ArmTables));
        let schema = WorkspaceSchema::from_json(&value).expect("arm");
        let types: Vec<(&str, &str)> =
            schema.tables[0].columns.iter().map(|c| (c.name.as_str(), c.ty.as_str())).collect();
        assert_eq!(types, [("TimeGenerated", "datetime"), ("TenantId", "guid"), ("Ok", "bool")]);
    }

    #[test]
    fn kqlab_json_gives_tables_and_bodyless_functions() {
        let value = json!({
            "My_CL": [{"name": "A", "type": "long"}],
            "MyParser": {"parameters": [{"name": "disabled", "type": "bool", "required": false, "default": "False"}],
                         "columns": [{"name": "X"}]}
        });
        let schema = WorkspaceSchema::from_json(&value).expect("kqlab");
        assert_eq!(schema.source, "kqlab-json");
        assert_eq!(schema.function("MyParser").map(|f| f.parameters.as_str()), Some("disabled:bool = False"));
        assert_eq!(schema.function("MyParser").map(|f| f.columns[0].ty.as_str()), Some("string"));
        assert!(WorkspaceSchema::from_json(&json!({"X": 5})).is_err());
        assert!(WorkspaceSchema::from_json(&json!([1, 2])).is_err());
        assert!(WorkspaceSchema::from_json_text("{").is_err());
    }

    #[test]
    fn a_table_called_tables_is_kqlab_json_not_metadata() {
        let value = json!({"tables": [{"name": "A", "type": "string"}]});
        assert_eq!(detect(&value), Some(Source::KqlabJson));
    }

    #[test]
    fn saved_searches_with_an_alias_become_functions() {
        let mut schema = WorkspaceSchema::default();
        let value = json!({"value": [
            {"properties": {"category": "Parsers", "displayName": "My parser", "query": "T | take 1",
                            "functionAlias": "MyParser", "functionParameters": "n:int = 1"}},
            {"properties": {"Category": "Hunting Queries", "DisplayName": "q", "Query": "T"}}
        ]});
        assert_eq!(schema.add_saved_searches_json(&value).expect("list"), 1);
        assert_eq!(schema.functions[0].parameters, "n:int = 1");
    }

    #[test]
    fn watchlist_columns_come_from_item_keys() {
        let items = json!({"value": [{"properties": {"itemsKeyValue": {"Host": "a", "Ip": "b"}}},
                                     {"properties": {"itemsKeyValue": {"Host": "c", "Owner": "d"}}}]});
        let watchlist = WatchlistSchema::from_items_json("assets", Some("Host"), &items);
        assert_eq!(watchlist.columns, ["Host", "Ip", "Owner"]);
    }
}
