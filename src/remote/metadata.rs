//! A workspace's tables and columns: the Log Analytics metadata API
//! (`GET {endpoint}/v1/workspaces/{id}/metadata`), and the ARM tables API
//! (`GET {arm}/subscriptions/{s}/resourceGroups/{rg}/providers/
//! Microsoft.OperationalInsights/workspaces/{name}/tables`) as fallback when
//! the metadata API is refused or the workspace id is unknown.
//!
//! Both return the service's JSON as is; `cache::WorkspaceSchema` reads it.

use serde_json::Value as Json;

use crate::remote::Error;
use crate::remote::client::Client;
use crate::remote::config::join;

/// The ARM API version of the tables API (the newest stable one).
pub const TABLES_API_VERSION: &str = "2026-03-01";

/// Most `nextLink` pages followed (a guard against a link loop).
const MAX_PAGES: usize = 200;

/// The metadata API's answer: `tables`, `functions`, `solutions`, ...
pub fn fetch_metadata(client: &Client) -> Result<Json, Error> {
    let id = client.workspace.require_id()?;
    let url = join(&client.workspace.endpoints.log_analytics, &format!("/v1/workspaces/{id}/metadata"));
    let scope = client.workspace.endpoints.log_analytics_scope.clone();
    let response = client.get(&url, &scope)?;
    if response.body.get("tables").and_then(Json::as_array).is_none() {
        return Err(Error::Response { context: format!("GET {}", url.path()), message: "no `tables` array".into() });
    }
    Ok(response.body)
}

/// The ARM tables list, every page merged: `{"value": [...]}`.
pub fn fetch_arm_tables(client: &Client) -> Result<Json, Error> {
    let (subscription, group, name) = client.workspace.require_arm()?;
    let mut url = join(
        &client.workspace.endpoints.arm,
        &format!(
            "/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.OperationalInsights/workspaces/{name}/tables"
        ),
    );
    url.set_query(Some(&format!("api-version={TABLES_API_VERSION}")));
    let scope = client.workspace.endpoints.arm_scope.clone();
    let mut tables = Vec::new();
    for _ in 0..MAX_PAGES {
        let context = format!("GET {}", url.path());
        let response = client.get(&url, &scope)?;
        let page = response
            .body
            .get("value")
            .and_then(Json::as_array)
            .ok_or_else(|| Error::Response { context: context.clone(), message: "no `value` array".into() })?;
        tables.extend(page.iter().cloned());
        match response.body.get("nextLink").and_then(Json::as_str).filter(|link| !link.is_empty()) {
            Some(link) => url = next_link(&client.workspace.endpoints.arm, link, &context)?,
            None => return Ok(serde_json::json!({ "value": tables })),
        }
    }
    Err(Error::Response { context: "GET tables".into(), message: format!("more than {MAX_PAGES} pages") })
}

/// The workspace's saved searches (ARM, one page): the functions among
/// them (`functionAlias`) are the workspace's stored functions when the
/// metadata API is not available.
pub fn fetch_arm_saved_searches(client: &Client) -> Result<Json, Error> {
    let (subscription, group, name) = client.workspace.require_arm()?;
    let mut url = join(
        &client.workspace.endpoints.arm,
        &format!(
            "/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.OperationalInsights/workspaces/{name}/savedSearches"
        ),
    );
    url.set_query(Some(&format!("api-version={TABLES_API_VERSION}")));
    let scope = client.workspace.endpoints.arm_scope.clone();
    Ok(client.get(&url, &scope)?.body)
}

/// Where the schema came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaSource {
    Metadata,
    ArmTables,
}

/// The metadata API, else (when it fails and the workspace has ARM
/// coordinates) the ARM tables API. The metadata API's error is returned
/// beside an ARM result so it can be reported.
pub fn fetch_schema(client: &Client) -> Result<(Json, SchemaSource, Option<Error>), Error> {
    let metadata = match client.workspace.workspace_id {
        Some(_) => fetch_metadata(client),
        None => Err(Error::Config("no workspace id for the metadata API".into())),
    };
    match metadata {
        Ok(json) => Ok((json, SchemaSource::Metadata, None)),
        // Sign-in failures would fail the same way on ARM.
        Err(error @ Error::Auth(_)) => Err(error),
        Err(error) if client.workspace.require_arm().is_ok() => {
            let tables = fetch_arm_tables(client)?;
            Ok((tables, SchemaSource::ArmTables, Some(error)))
        }
        Err(error) => Err(error),
    }
}

/// A workspace's schema as fetched by [`fetch_workspace_schema`].
#[derive(Debug)]
pub struct FetchedSchema {
    /// The service's JSON as it came.
    pub json: Json,
    /// The schema, named after the workspace's label.
    pub schema: crate::cache::WorkspaceSchema,
    pub source: SchemaSource,
    /// Things the caller should say: the metadata API's failure before the
    /// ARM fallback, functions that could not be read.
    pub warnings: Vec<String>,
}

impl SchemaSource {
    /// `metadata API` or `ARM tables API`, for messages.
    pub fn api_name(self) -> &'static str {
        match self {
            SchemaSource::Metadata => "metadata API",
            SchemaSource::ArmTables => "ARM tables API",
        }
    }
}

/// The workspace's tables, columns and functions ([`fetch_schema`]; with
/// the ARM fallback, the functions are the saved searches with an alias),
/// read into a cache snapshot. Shared by `kqlab schema pull` and the MCP
/// tools.
pub fn fetch_workspace_schema(client: &Client) -> Result<FetchedSchema, Error> {
    let (json, source, metadata_error) = fetch_schema(client)?;
    let mut warnings = Vec::new();
    if let Some(error) = metadata_error {
        warnings.push(format!("the metadata API failed ({error}); used the ARM tables API instead"));
    }
    let unreadable = |error: crate::cache::Error| Error::Response {
        context: source.api_name().to_string(),
        message: format!("the schema cannot be read: {error}"),
    };
    let mut schema = match source {
        SchemaSource::Metadata => crate::cache::WorkspaceSchema::from_metadata_json(&json).map_err(unreadable)?,
        SchemaSource::ArmTables => crate::cache::WorkspaceSchema::from_arm_tables_json(&json).map_err(unreadable)?,
    };
    if source == SchemaSource::ArmTables {
        // The tables API has no functions: they are the saved searches with an alias.
        let functions = fetch_arm_saved_searches(client)
            .map_err(|error| error.to_string())
            .and_then(|json| schema.add_saved_searches_json(&json).map_err(|error| error.to_string()));
        if let Err(error) = functions {
            warnings.push(format!("the workspace's functions (ARM saved searches) were not read: {error}"));
        }
    }
    schema.workspace = client.workspace.label.clone();
    Ok(FetchedSchema { json, schema, source, warnings })
}

/// One table of the workspace from the ARM tables API (`Tables_Get`): its
/// plan, retention and schema. `name` must be a table name (letters,
/// digits, `_`), so it cannot change the path.
pub fn fetch_arm_table(client: &Client, name: &str) -> Result<Json, Error> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(Error::Config(format!("`{name}` is not a table name (letters, digits and `_`)")));
    }
    let (subscription, group, workspace) = client.workspace.require_arm()?;
    let mut url = join(
        &client.workspace.endpoints.arm,
        &format!(
            "/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.OperationalInsights/workspaces/{workspace}/tables/{name}"
        ),
    );
    url.set_query(Some(&format!("api-version={TABLES_API_VERSION}")));
    let scope = client.workspace.endpoints.arm_scope.clone();
    Ok(client.get(&url, &scope)?.body)
}

/// A `nextLink`, which must stay on the ARM endpoint (the token is only for it).
pub(crate) fn next_link(arm: &reqwest::Url, link: &str, context: &str) -> Result<reqwest::Url, Error> {
    let url = reqwest::Url::parse(link)
        .map_err(|error| Error::Response { context: context.into(), message: format!("bad nextLink: {error}") })?;
    if crate::remote::config::same_origin(arm, &url) {
        Ok(url)
    } else {
        Err(Error::Response {
            context: context.into(),
            message: format!("the nextLink leaves the ARM endpoint ({}); not followed", url.host_str().unwrap_or("?")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_links_stay_on_the_arm_host() {
        let arm = reqwest::Url::parse("http://127.0.0.1:4000").unwrap();
        assert!(
            next_link(&arm, "http://127.0.0.1:4000/subscriptions/x/tables?api-version=1&$skipToken=2", "c").is_ok()
        );
        let error = next_link(&arm, "https://evil.example/x", "c").unwrap_err();
        assert!(error.to_string().contains("not followed"));
    }
}
