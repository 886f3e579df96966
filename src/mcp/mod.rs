//! The MCP server (`kqlab mcp`): exact, local KQL feedback for LLMs over the
//! Model Context Protocol. The server and its tool router live here; each
//! tool's parameters, output and work live in `tools/`, one file per tool.

pub mod access;
pub mod context;
pub mod redact;
mod sentinel;
pub mod tools;
pub mod transport;
pub mod workspace;

use std::sync::Arc;

pub use context::{Context, Settings};
pub use transport::{Error, HttpOptions};

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::{Implementation, ServerCapabilities, ServerConfig};
use rmcp::{ServerHandler, tool, tool_handler, tool_router};

/// The kqlab MCP server: every tool is read-only. The tools are grouped
/// in routers (`#[tool_router(router = NAME)]` impl blocks, one per family)
/// that [`Server::new`] adds together.
#[derive(Clone)]
pub struct Server {
    tool_router: ToolRouter<Server>,
    context: Arc<Context>,
}

impl Server {
    /// A server with every tool, reading what `context` allows.
    pub fn new(context: Arc<Context>) -> Server {
        Server { tool_router: Self::local_router() + Self::sentinel_router() + Self::workspace_router(), context }
    }

    /// The shared state of the server's tools.
    pub fn context(&self) -> &Arc<Context> {
        &self.context
    }
}

#[tool_router(router = local_router)]
impl Server {
    #[tool(
        description = "Check a KQL query offline, exactly as Microsoft Sentinel / Log Analytics would parse and type it: returns every diagnostic (stable code like KQL1002, severity, message, 1-based line/column, and a help text that often names the fix, e.g. a did-you-mean column) plus the query's output schema. Use it after writing or editing any KQL, before running it; it is instant and needs no Azure access. Known tables are the built-in Sentinel/Log Analytics schemas; pass `schemas_json` to add custom tables.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn kql_validate(
        &self,
        Parameters(params): Parameters<tools::kql_validate::Params>,
    ) -> Result<Json<tools::kql_validate::Output>, String> {
        run_blocking(move || tools::kql_validate::run(params)).await.map(Json)
    }

    #[tool(
        description = "Explain a kqlab diagnostic code (as returned by kql_validate or rules_test): what it flags, why, and an example with the fix. Accepts `KQL1002`, `1002` or a name like `unknown-column`. Cheap; call it when a diagnostic's message is not enough to fix the query.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    fn diagnostic_explain(
        &self,
        Parameters(params): Parameters<tools::diagnostic_explain::Params>,
    ) -> Result<Json<tools::diagnostic_explain::Output>, String> {
        tools::diagnostic_explain::run(params).map(Json)
    }

    #[tool(
        description = "List the Log Analytics / Sentinel tables kqlab knows (built-in schemas), with their column counts, sorted by name and paginated. Use `filter` (case-insensitive substring, e.g. `Signin` or `Security`) to find the table for a data source, then schema_table_get for its columns.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    fn schema_tables_list(
        &self,
        Parameters(params): Parameters<tools::schema_tables_list::Params>,
    ) -> Result<Json<tools::schema_tables_list::Output>, String> {
        tools::schema_tables_list::run(params).map(Json)
    }

    #[tool(
        description = "Show one table's schema: every column with its KQL type (string, datetime, long, dynamic, ...). Use it before writing a query against a table, so column names and types are right the first time. The table name is case-sensitive, as in KQL; a near miss gets suggestions.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    fn schema_table_get(
        &self,
        Parameters(params): Parameters<tools::schema_table_get::Params>,
    ) -> Result<Json<tools::schema_table_get::Output>, String> {
        tools::schema_table_get::run(params).map(Json)
    }

    #[tool(
        description = "Search KQL's built-in scalar functions, aggregations and plugins by name, category or description (e.g. `ipv4`, `parse`, `dcount`), with whether each one runs in kqlab's local engine. Use it to find the right function and to avoid ones that cannot be tested locally.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    fn functions_search(
        &self,
        Parameters(params): Parameters<tools::functions_search::Params>,
    ) -> Result<Json<tools::functions_search::Output>, String> {
        tools::functions_search::run(params).map(Json)
    }

    #[tool(
        description = "Run the test cases (`NAME.test.yaml`) of the detection rules in a rules folder on their sample data, locally, and report each case: passed or not, the failed expectations with a diff, and notes. Use it after changing a rule or its tests. Costs up to a few seconds for a large folder; narrow it with `filter` (a rule name or path fragment).",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn rules_test(
        &self,
        Parameters(params): Parameters<tools::rules_test::Params>,
    ) -> Result<Json<tools::rules_test::Output>, String> {
        let context = self.context.clone();
        run_blocking(move || tools::rules_test::run(&context, params)).await.map(Json)
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "kqlab checks, explains and tests Microsoft Sentinel KQL offline. Validate every query with \
                 kql_validate before using it; look up tables with schema_tables_list / schema_table_get and \
                 functions with functions_search; run a rules folder's tests with rules_test.",
            )
    }
}

/// Runs a tool's CPU-bound work off the async thread, so the server keeps
/// reading (pings, cancellations) while a query is checked or tests run.
async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(work).await.map_err(|error| format!("the tool failed: {error}"))?
}

/// Serves MCP over stdin/stdout until the client closes the stream or the
/// process gets SIGINT / SIGTERM. Only JSON-RPC goes to stdout; anything
/// else goes to stderr.
pub fn serve_stdio(context: Arc<Context>) -> Result<(), Error> {
    transport::serve_stdio(Server::new(context))
}

/// Serves MCP over streamable HTTP (see [`transport::serve_http`]); the
/// sessions share `context`.
pub fn serve_http(context: Arc<Context>, options: HttpOptions) -> Result<(), Error> {
    transport::serve_http(options, move || Server::new(context.clone()))
}
