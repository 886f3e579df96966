//! `sentinel_logs_tables_list`, `sentinel_logs_table_schema_get` and
//! `sentinel_logs_table_details_get`: the workspace's own tables (custom
//! `_CL` tables included), their columns, and one table's plan and
//! retention. Lists and columns come from the schema cache when it holds
//! the workspace (see `schema_pull`), else from the metadata API (the ARM
//! tables API as fallback); details always from ARM (`Tables_Get`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::cache::WorkspaceSchema;
use crate::mcp::Context;
use crate::remote::metadata::{fetch_arm_table, fetch_workspace_schema};

/// Parameters of `sentinel_logs_tables_list`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListParams {
    /// Case-insensitive substring of the table name, e.g. `Signin` or `_CL`.
    #[serde(default)]
    pub filter: Option<String>,
    /// Ask the workspace even when the schema cache holds it.
    #[serde(default)]
    pub refresh: Option<bool>,
    /// Most tables returned (default 200).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// The workspace's tables.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListOutput {
    pub workspace: String,
    /// `cache (...)`, `metadata API` or `ARM tables API`.
    pub source: String,
    /// Tables that match the filter (before `limit`).
    pub total: u32,
    pub tables: Vec<TableSummary>,
}

/// A table and its column count.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TableSummary {
    pub name: String,
    pub columns: u32,
    pub description: Option<String>,
}

/// Parameters of `sentinel_logs_table_schema_get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct TableParams {
    /// The table name, e.g. `SigninLogs` or `MyApp_CL` (case-insensitive match).
    pub table: String,
    /// Ask the workspace even when the schema cache holds it.
    #[serde(default)]
    pub refresh: Option<bool>,
}

/// A workspace table's columns.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SchemaOutput {
    pub workspace: String,
    pub source: String,
    pub table: String,
    pub description: Option<String>,
    pub columns: Vec<Column>,
}

/// A column: name, KQL type and description.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub description: Option<String>,
}

/// Parameters of `sentinel_logs_table_details_get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DetailsParams {
    /// The table name, e.g. `SecurityEvent` (letters, digits and `_`).
    pub table: String,
}

/// A table's ARM properties.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DetailsOutput {
    pub workspace: String,
    pub table: String,
    /// `Analytics`, `Basic` or `Auxiliary`.
    pub plan: Option<String>,
    /// Interactive retention, in days.
    pub retention_in_days: Option<i64>,
    /// Total retention (interactive plus long-term), in days.
    pub total_retention_in_days: Option<i64>,
    /// Long-term (archive) retention, in days.
    pub archive_retention_in_days: Option<i64>,
    /// True when the retention is the workspace's default.
    pub retention_in_days_as_default: Option<bool>,
    pub total_retention_in_days_as_default: Option<bool>,
    pub provisioning_state: Option<String>,
    /// `Microsoft`, `CustomLog`, `RestoredLogs`, `SearchResults`, ...
    pub table_type: Option<String>,
    pub column_count: Option<u32>,
    pub last_plan_modified_date: Option<String>,
    /// Every property ARM returned (`properties` of the table resource).
    pub properties: Json,
}

/// Lists the tables.
pub fn list(context: &Context, params: ListParams) -> Result<ListOutput, String> {
    let (workspace, schema, source) = workspace_schema(context, params.refresh.unwrap_or(false))?;
    let filter = params.filter.unwrap_or_default().to_lowercase();
    let mut tables: Vec<TableSummary> = schema
        .tables
        .iter()
        .filter(|table| table.name.to_lowercase().contains(&filter))
        .map(|table| TableSummary {
            name: table.name.clone(),
            columns: table.columns.len() as u32,
            description: table.description.clone(),
        })
        .collect();
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    let total = tables.len() as u32;
    tables.truncate(params.limit.unwrap_or(200).max(1) as usize);
    Ok(ListOutput { workspace, source, total, tables })
}

/// One table's columns; an unknown table names the closest ones.
pub fn schema(context: &Context, params: TableParams) -> Result<SchemaOutput, String> {
    let (workspace, schema, source) = workspace_schema(context, params.refresh.unwrap_or(false))?;
    let Some(table) = schema.tables.iter().find(|t| t.name.eq_ignore_ascii_case(params.table.trim())) else {
        let names = schema.tables.iter().map(|t| t.name.as_str());
        let help = match crate::analysis::names::suggest(&params.table, names) {
            Some(best) => format!("; did you mean `{best}`?"),
            None => "; sentinel_logs_tables_list lists them".to_string(),
        };
        return Err(format!("workspace `{workspace}` has no table `{}` ({source}){help}", params.table));
    };
    Ok(SchemaOutput {
        workspace,
        source,
        table: table.name.clone(),
        description: table.description.clone(),
        columns: table
            .columns
            .iter()
            .map(|c| Column { name: c.name.clone(), ty: c.ty.clone(), description: c.description.clone() })
            .collect(),
    })
}

/// One table's plan and retention (ARM `Tables_Get`).
pub fn details(context: &Context, params: DetailsParams) -> Result<DetailsOutput, String> {
    let client = context.client()?;
    let body = fetch_arm_table(&client, params.table.trim()).map_err(|error| match &error {
        crate::remote::Error::Api { status: 404, .. } => {
            format!("workspace `{}` has no table `{}` ({error})", client.workspace.label, params.table.trim())
        }
        _ => context.redact_text(&error.to_string()),
    })?;
    let properties = body.get("properties").cloned().unwrap_or(Json::Null);
    let text = |key: &str| properties.get(key).and_then(Json::as_str).map(str::to_string);
    let number = |key: &str| properties.get(key).and_then(Json::as_i64);
    let flag = |key: &str| properties.get(key).and_then(Json::as_bool);
    let schema = properties.get("schema");
    let columns = schema.map(|schema| {
        ["columns", "standardColumns"]
            .iter()
            .filter_map(|key| schema.get(key).and_then(Json::as_array))
            .map(|columns| columns.len() as u32)
            .sum::<u32>()
    });
    Ok(DetailsOutput {
        workspace: client.workspace.label.clone(),
        table: body.get("name").and_then(Json::as_str).unwrap_or(params.table.trim()).to_string(),
        plan: text("plan"),
        retention_in_days: number("retentionInDays"),
        total_retention_in_days: number("totalRetentionInDays"),
        archive_retention_in_days: number("archiveRetentionInDays"),
        retention_in_days_as_default: flag("retentionInDaysAsDefault"),
        total_retention_in_days_as_default: flag("totalRetentionInDaysAsDefault"),
        provisioning_state: text("provisioningState"),
        table_type: schema.and_then(|s| s.get("tableType")).and_then(Json::as_str).map(str::to_string),
        column_count: columns,
        last_plan_modified_date: text("lastPlanModifiedDate"),
        properties,
    })
}

/// The workspace's schema: the cached snapshot unless `refresh`, else
/// fetched (not stored: that is `schema_pull`'s job). With its label and source.
fn workspace_schema(context: &Context, refresh: bool) -> Result<(String, WorkspaceSchema, String), String> {
    let workspace = context.workspace()?;
    if !refresh && let Some(snapshot) = super::cached_schema(context, &workspace.label) {
        let source = format!("cache ({}, fetched {})", snapshot.source, snapshot.fetched_at);
        return Ok((workspace.label.clone(), snapshot, source));
    }
    let client = context.client()?;
    let fetched = fetch_workspace_schema(&client).map_err(|error| context.redact_text(&error.to_string()))?;
    let source = format!("{} (not cached; schema_pull stores it)", fetched.source.api_name());
    Ok((client.workspace.label.clone(), fetched.schema, source))
}
