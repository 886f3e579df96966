//! `sentinel_logs_search`: run a KQL query in the workspace through the Log
//! Analytics query API and return the first table's rows as objects.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::mcp::Context;
use crate::remote::query::{QueryRequest, ResultTable, run_query};

/// Default and largest `max_rows`.
const DEFAULT_ROWS: u32 = 100;
const MAX_ROWS: u32 = 10_000;

/// Parameters of `sentinel_logs_search`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Params {
    /// The KQL query, e.g. `SigninLogs | where ResultType != "0" | summarize count() by UserPrincipalName`.
    /// Control commands (`.show`, `.drop`, ...) are refused.
    pub query: String,
    /// The time range the service applies on top of the query, as an ISO 8601
    /// duration (`PT1H`, `P1D`, `P7D`) or `start/end` interval. Default `P1D`.
    #[serde(default)]
    pub timespan: Option<String>,
    /// Most rows returned (default 100, at most 10000); more are cut and `truncated` is set.
    #[serde(default)]
    pub max_rows: Option<u32>,
}

/// The query's result.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// The workspace (its name in kqlab.toml, or its id).
    pub workspace: String,
    pub timespan: String,
    /// The first result table's columns.
    pub columns: Vec<Column>,
    /// One object per row, keyed by column name (`dynamic` values decoded).
    pub rows: Vec<Json>,
    pub row_count: u64,
    /// True when rows were cut by `max_rows` (or the byte cap).
    pub truncated: bool,
    /// Rows the service returned before the cut, when cut.
    pub total_rows: Option<u64>,
    /// A non-fatal error the service reported beside the rows: the result may be incomplete.
    pub partial_error: Option<String>,
    /// The service's query statistics (CPU time, data scanned), when given.
    pub statistics: Option<Json>,
    /// Waits imposed by throttling before the answer, in seconds.
    pub throttled_seconds: Option<f64>,
}

/// A result column: its name and KQL type.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
}

/// Runs the query; a refused command, the service's error (with its line
/// and column when given) and a network failure are tool errors.
pub fn run(context: &Context, params: Params) -> Result<Output, String> {
    if params.query.trim().is_empty() {
        return Err("the query is empty".into());
    }
    crate::remote::query::check_read_only(&params.query).map_err(|error| error.to_string())?;
    let timespan = params.timespan.filter(|t| !t.trim().is_empty()).unwrap_or_else(|| "P1D".to_string());
    check_timespan(&timespan)?;
    let client = context.client()?;
    let mut request = QueryRequest::new(params.query.clone());
    request.timespan = Some(timespan.clone());
    request.max_rows = params.max_rows.unwrap_or(DEFAULT_ROWS).clamp(1, MAX_ROWS) as usize;
    request.statistics = true;
    let result = run_query(&client, &request).map_err(|error| super::query_error(context, &params.query, &error))?;
    let empty = ResultTable { name: String::new(), columns: Vec::new(), rows: Vec::new() };
    let table = result.tables.first().unwrap_or(&empty);
    let mut rows: Vec<Json> = table.rows.iter().map(|row| row_object(&table.columns, row)).collect();
    let cut = result.truncated.iter().find(|cut| cut.table == table.name);
    let mut statistics = result.statistics.clone();
    let mut partial_error = result.partial_error.as_ref().map(|error| error.summary());
    for row in &mut rows {
        context.redact_json(row);
    }
    if let Some(error) = &mut partial_error {
        *error = context.redact_text(error);
    }
    if let Some(statistics) = &mut statistics {
        context.redact_json(statistics);
    }
    let waited: f64 = result.retries.iter().map(|retry| retry.waited.as_secs_f64()).sum();
    Ok(Output {
        workspace: client.workspace.label.clone(),
        timespan,
        columns: table.columns.iter().map(|(name, ty)| Column { name: name.clone(), ty: ty.clone() }).collect(),
        row_count: rows.len() as u64,
        rows,
        truncated: cut.is_some(),
        total_rows: cut.map(|cut| cut.total as u64),
        partial_error,
        statistics,
        throttled_seconds: (!result.retries.is_empty()).then_some(waited),
    })
}

/// A row as `{column: value}`; `dynamic` cells (JSON text in the API) decoded.
fn row_object(columns: &[(String, String)], row: &[Json]) -> Json {
    let mut object = serde_json::Map::new();
    for ((name, ty), cell) in columns.iter().zip(row) {
        let value = match (ty.as_str(), cell) {
            ("dynamic", Json::String(text)) => serde_json::from_str(text).unwrap_or_else(|_| cell.clone()),
            _ => cell.clone(),
        };
        object.insert(name.clone(), value);
    }
    Json::Object(object)
}

/// An ISO 8601 duration (`P1D`, `PT12H`, `P1DT2H30M`) or an interval with a `/`.
fn check_timespan(timespan: &str) -> Result<(), String> {
    let text = timespan.trim();
    let duration = |text: &str| {
        let Some(rest) = text.strip_prefix('P') else { return false };
        let (date, time) = rest.split_once('T').unwrap_or((rest, ""));
        let parts_ok = |part: &str, units: &str| {
            let mut digits = false;
            for c in part.chars() {
                if c.is_ascii_digit() || c == '.' {
                    digits = true;
                } else if units.contains(c) && digits {
                    digits = false;
                } else {
                    return false;
                }
            }
            !digits
        };
        !(date.is_empty() && time.is_empty()) && parts_ok(date, "YMWD") && parts_ok(time, "HMS")
    };
    if text.contains('/') || duration(text) {
        Ok(())
    } else {
        Err(format!("`{timespan}` is not an ISO 8601 duration (e.g. `PT1H`, `P1D`, `P7D`) or a `start/end` interval"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespans_are_iso_8601_durations_or_intervals() {
        for good in ["P1D", "PT12H", "P1DT2H30M", "PT0.5S", "2024-01-01T00:00:00Z/2024-01-02T00:00:00Z"] {
            assert!(check_timespan(good).is_ok(), "{good}");
        }
        for bad in ["1d", "P", "PT", "P1H", "PD1", "ago(1d)"] {
            assert!(check_timespan(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dynamic_cells_are_decoded_in_row_objects() {
        let columns = vec![("n".to_string(), "long".to_string()), ("d".to_string(), "dynamic".to_string())];
        let row = row_object(&columns, &[serde_json::json!(1), serde_json::json!("{\"a\":[1]}")]);
        assert_eq!(row, serde_json::json!({"n": 1, "d": {"a": [1]}}));
    }
}
