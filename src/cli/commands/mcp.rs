//! `kqlab mcp`: serve kqlab's tools to an LLM client over the Model Context
//! Protocol (stdio).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;

use crate::cli::EXIT_OK;
use crate::mcp::{Context, Settings};

/// Arguments of `kqlab mcp`.
#[derive(Debug, Args)]
pub struct McpArgs {
    /// The rules folder the tools read and test.
    #[arg(long, value_name = "DIR", default_value = "rules")]
    pub rules: PathBuf,
    /// A folder of sample logs the tools may read (repeatable).
    #[arg(long, value_name = "DIR", default_values = ["samples"])]
    pub samples: Vec<PathBuf>,
    /// The schema cache (default: `KQLAB_CACHE`, else the user cache folder).
    #[arg(long, value_name = "PATH")]
    pub cache: Option<PathBuf>,
    /// The workspace for the workspace tools: a `[workspaces.NAME]` table of kqlab.toml.
    #[arg(long, value_name = "NAME")]
    pub workspace: Option<String>,
    /// The workspace by its id (GUID), instead of `--workspace`.
    #[arg(long, value_name = "GUID", conflicts_with = "workspace")]
    pub workspace_id: Option<String>,
    /// Mask user names, UPNs, e-mail and IP addresses in remote results
    /// (the same value gets the same mask for the whole session).
    #[arg(long)]
    pub redact: bool,
}

impl McpArgs {
    /// The server's settings.
    pub fn settings(&self) -> Settings {
        Settings {
            rules: self.rules.clone(),
            samples: self.samples.clone(),
            cache: self.cache.clone(),
            workspace: self.workspace.clone(),
            workspace_id: self.workspace_id.clone(),
            redact: self.redact,
        }
    }
}

/// Runs `kqlab mcp`: serves MCP on stdin/stdout until the client disconnects.
/// stdout carries only JSON-RPC; messages go to stderr.
pub fn run(args: McpArgs) -> anyhow::Result<i32> {
    let context = Arc::new(Context::new(args.settings()));
    crate::mcp::serve_stdio(context).context("running the MCP server")?;
    Ok(EXIT_OK)
}
