//! `kqlab mcp`: serve kqlab's local tools to an LLM client over the Model
//! Context Protocol (stdio).

use anyhow::Context;
use clap::Args;

use crate::cli::EXIT_OK;

/// Arguments of `kqlab mcp`.
#[derive(Debug, Args)]
pub struct McpArgs {}

/// Runs `kqlab mcp`: serves MCP on stdin/stdout until the client disconnects.
/// stdout carries only JSON-RPC; messages go to stderr.
pub fn run(_args: McpArgs) -> anyhow::Result<i32> {
    // TODO(#9): `--http 127.0.0.1:PORT` (streamable HTTP with a bearer token).
    crate::mcp::serve_stdio().context("running the MCP server")?;
    Ok(EXIT_OK)
}
