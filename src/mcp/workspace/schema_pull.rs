//! `schema_pull`: fetch the workspace's tables, columns and functions and
//! store them as a new snapshot in the local schema cache (`kqlab schema
//! pull`). Only the local cache file is written; nothing changes in Azure.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::cache::Cache;
use crate::mcp::Context;
use crate::remote::metadata::fetch_workspace_schema;

/// Parameters of `schema_pull`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Params {
    /// Pull even when the cache already holds a snapshot of the workspace
    /// (default true: a pull always makes a new snapshot).
    #[serde(default)]
    pub refresh: Option<bool>,
}

/// What was pulled and stored.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// The name the snapshot is stored under.
    pub workspace: String,
    /// `metadata API` or `ARM tables API`.
    pub source: String,
    pub tables: u32,
    pub functions: u32,
    pub watchlists: u32,
    /// The local cache file written.
    pub cache: String,
    /// False when `refresh` was false and a snapshot was already cached.
    pub pulled: bool,
    pub warnings: Vec<String>,
}

/// Pulls and stores; a cache that cannot be written is a tool error.
pub fn run(context: &Context, params: Params) -> Result<Output, String> {
    let client = context.client()?;
    let label = client.workspace.label.clone();
    if params.refresh == Some(false)
        && let Some(snapshot) = super::cached_schema(context, &label)
    {
        return Ok(Output {
            workspace: label,
            source: format!("cache ({}, fetched {})", snapshot.source, snapshot.fetched_at),
            tables: snapshot.tables.len() as u32,
            functions: snapshot.functions.len() as u32,
            watchlists: snapshot.watchlists.len() as u32,
            cache: super::cache_display(context),
            pulled: false,
            warnings: Vec::new(),
        });
    }
    let fetched = fetch_workspace_schema(&client).map_err(|error| context.redact_text(&error.to_string()))?;
    let mut cache = Cache::open_at(context.settings.cache.as_deref()).map_err(|error| error.to_string())?;
    let mut warnings: Vec<String> = cache.warnings().iter().map(ToString::to_string).collect();
    cache.store(&fetched.schema).map_err(|error| error.to_string())?;
    warnings.extend(fetched.warnings.iter().map(|warning| context.redact_text(warning)));
    let schema = &fetched.schema;
    Ok(Output {
        workspace: schema.workspace.clone(),
        source: fetched.source.api_name().to_string(),
        tables: schema.tables.len() as u32,
        functions: schema.functions.len() as u32,
        watchlists: schema.watchlists.len() as u32,
        cache: cache.path().display().to_string(),
        pulled: true,
        warnings,
    })
}
