//! `kqlab functions`: the support matrix — every documented function and
//! plugin of the catalog, and whether it runs locally.

use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::cli::EXIT_OK;
use crate::engine::support::{Entry, kind_name, render_markdown, support_matrix};

/// Output formats of `kqlab functions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FunctionsFormat {
    /// One line per function.
    Text,
    /// The Markdown page `docs/support.md`.
    Markdown,
    /// A JSON array of `{name, kind, category, runs_locally, description}`.
    Json,
}

/// Arguments of `kqlab functions`.
#[derive(Debug, Args)]
pub struct FunctionsArgs {
    #[arg(long, value_enum, default_value_t = FunctionsFormat::Text)]
    pub format: FunctionsFormat,
    /// Only the functions that do not run locally yet.
    #[arg(long)]
    pub missing: bool,
}

#[derive(Serialize)]
struct JsonEntry<'a> {
    name: &'a str,
    kind: &'static str,
    category: &'a str,
    runs_locally: bool,
    /// Why it can never run locally (needs a cluster, the network, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    offline_reason: Option<&'static str>,
    description: &'a str,
}

/// Runs `kqlab functions`.
pub fn run(args: FunctionsArgs) -> anyhow::Result<i32> {
    let entries: Vec<Entry> = support_matrix().into_iter().filter(|e| !args.missing || !e.runs_locally).collect();
    match args.format {
        FunctionsFormat::Text => {
            for entry in &entries {
                let status = match (entry.runs_locally, entry.offline_reason) {
                    (true, _) => "runs",
                    (false, Some(_)) => "never offline",
                    (false, None) => "not yet",
                };
                println!(
                    "{:<36} {:<12} {:<12} {status}",
                    entry.function.name,
                    kind_name(entry.function.kind),
                    entry.function.category
                );
            }
        }
        FunctionsFormat::Markdown => print!("{}", render_markdown(&entries)),
        FunctionsFormat::Json => {
            let json: Vec<JsonEntry> = entries
                .iter()
                .map(|e| JsonEntry {
                    name: &e.function.name,
                    kind: kind_name(e.function.kind),
                    category: &e.function.category,
                    runs_locally: e.runs_locally,
                    offline_reason: e.offline_reason,
                    description: &e.function.description,
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
    }
    Ok(EXIT_OK)
}
