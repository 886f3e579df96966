//! `kqlab schema pull`: fetch a workspace's tables and columns from the
//! Log Analytics metadata API (the ARM tables API as fallback) and save the
//! JSON. (`schema import/list/show/diff` and the SQLite cache live with
//! the cache; this file holds `pull` only until the two are merged.)

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use crate::cli::EXIT_OK;
use crate::cli::commands::verify::{WorkspaceArgs, resolve_workspace};
use crate::remote::client::{Client, Policy};
use crate::remote::config::process_env;
use crate::remote::metadata::{SchemaSource, fetch_schema};

/// Arguments of `kqlab schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    #[command(subcommand)]
    pub command: SchemaCommand,
}

/// The `schema` subcommands.
#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Fetch a workspace's tables and columns (metadata API, ARM tables API as fallback).
    Pull(PullArgs),
}

/// Arguments of `kqlab schema pull`.
#[derive(Debug, Args)]
pub struct PullArgs {
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
    /// Write the service's JSON to this file (default: standard output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Longest time one request may take, in seconds.
    #[arg(long, default_value_t = 120, value_name = "SECONDS")]
    pub timeout: u64,
}

/// Runs `kqlab schema`.
pub fn run(args: SchemaArgs) -> anyhow::Result<i32> {
    match args.command {
        SchemaCommand::Pull(args) => pull(args),
    }
}

fn pull(args: PullArgs) -> anyhow::Result<i32> {
    let workspace = resolve_workspace(&args.workspace)?;
    let policy = Policy { timeout: Duration::from_secs(args.timeout.max(1)), ..Policy::default() };
    let client = Client::new(workspace, policy, &process_env)?;
    let (json, source, metadata_error) = fetch_schema(&client)?;
    if let Some(kind) = client.credentials().used() {
        eprintln!("note: signed in with `{}`", kind.name());
    }
    if let Some(error) = metadata_error {
        eprintln!("warning: the metadata API failed ({error}); used the ARM tables API instead");
    }
    let (tables, api) = match source {
        SchemaSource::Metadata => (json["tables"].as_array().map_or(0, Vec::len), "metadata API"),
        SchemaSource::ArmTables => (json["value"].as_array().map_or(0, Vec::len), "ARM tables API"),
    };
    // TODO(#8): wire the schema cache here, the one call site: once
    // `cache::` is merged, `cache::WorkspaceSchema::from_metadata_json(&json)`
    // (or its ARM counterpart, per `source`) and `cache::Cache::store(...)`.
    let text = serde_json::to_string_pretty(&json)?;
    match &args.out {
        Some(path) => {
            std::fs::write(path, format!("{text}\n"))
                .map_err(|error| anyhow::anyhow!("writing `{}`: {error}", path.display()))?;
            eprintln!(
                "pulled {tables} table{} of workspace `{}` from the {api} into `{}`",
                if tables == 1 { "" } else { "s" },
                client.workspace.label,
                path.display()
            );
        }
        None => writeln!(std::io::stdout().lock(), "{text}")?,
    }
    Ok(EXIT_OK)
}
