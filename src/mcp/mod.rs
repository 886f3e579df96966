//! The MCP server (`kqlab mcp`): exact, local KQL feedback for LLMs over the
//! Model Context Protocol. The server and its tool router live here; each
//! tool's parameters, output and work live in `tools/`, one file per tool.

pub mod access;
mod completions;
pub mod context;
mod docs;
mod prompts;
pub mod redact;
pub mod resources;
mod sentinel;
pub mod tools;
pub mod transport;
pub mod workspace;
pub mod workspace_schema;

use std::sync::Arc;

pub use context::{Context, Settings};
pub use transport::{Error, HttpOptions};

use rmcp::handler::server::router::prompt::PromptRouter;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::{
    CompleteRequestParams, CompleteResult, Implementation, ListResourceTemplatesResult, ListResourcesResult,
    PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, prompt_handler, tool, tool_handler, tool_router};

/// The kqlab MCP server: every tool is read-only. The tools are grouped
/// in routers (`#[tool_router(router = NAME)]` impl blocks, one per family)
/// that [`Server::new`] adds together.
#[derive(Clone)]
pub struct Server {
    tool_router: ToolRouter<Server>,
    prompt_router: PromptRouter<Server>,
    context: Arc<Context>,
    /// The Sentinel tools, whose results `--redact` masks as a whole (the
    /// Log Analytics, Graph and RDAP tools mask their own results).
    redacted_tools: Arc<std::collections::HashSet<String>>,
}

impl Server {
    /// A server with every tool, reading what `context` allows.
    pub fn new(context: Arc<Context>) -> Server {
        Server {
            tool_router: Self::local_router()
                + Self::sentinel_router()
                + Self::workspace_router()
                + Self::docs_router(),
            prompt_router: Self::prompt_router(),
            context,
            redacted_tools: Arc::new(Self::sentinel_router().list_all().into_iter().map(|t| t.name.into()).collect()),
        }
    }

    /// The shared state of the server's tools.
    pub fn context(&self) -> &Arc<Context> {
        &self.context
    }

    /// Runs a tool's `work` on the server's context, off the async thread
    /// (tools read files and call Azure synchronously), with its output as
    /// the tool's structured result.
    pub(crate) async fn run_tool<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Context) -> Result<T, String> + Send + 'static,
    ) -> Result<Json<T>, String> {
        let context = self.context.clone();
        run_blocking(move || work(&context)).await.map(Json)
    }
}

#[tool_router(router = local_router)]
impl Server {
    #[tool(
        description = "Check a KQL query offline, exactly as Microsoft Sentinel / Log Analytics would parse and type it: returns every diagnostic (stable code like KQL1002, severity, message, 1-based line/column, and a help text that often names the fix, e.g. a did-you-mean column) plus the query's output schema. Use it after writing or editing any KQL, before running it; it is instant and needs no Azure access. Known tables are the built-in Sentinel/Log Analytics schemas plus the cached workspace's (the server's `--workspace`, or `workspace`), if any; pass `schemas_json` to add custom tables.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn kql_validate(
        &self,
        Parameters(params): Parameters<tools::kql_validate::Params>,
    ) -> Result<Json<tools::kql_validate::Output>, String> {
        self.run_tool(move |context| tools::kql_validate::run(context, params)).await
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
        description = "List the Log Analytics / Sentinel tables kqlab knows (built-in schemas plus a cached workspace's, each with its `source`), with their column counts, sorted by name and paginated. Use `filter` (case-insensitive substring, e.g. `Signin` or `Security`) to find the table for a data source, then schema_table_get for its columns.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn schema_tables_list(
        &self,
        Parameters(params): Parameters<tools::schema_tables_list::Params>,
    ) -> Result<Json<tools::schema_tables_list::Output>, String> {
        self.run_tool(move |context| tools::schema_tables_list::run(context, params)).await
    }

    #[tool(
        description = "Show one table's schema: every column with its KQL type (string, datetime, long, dynamic, ...). Use it before writing a query against a table, so column names and types are right the first time. A cached workspace's table (`workspace`, default the server's) wins over the built-in one; `source` says which was used. The table name is case-sensitive, as in KQL; a near miss gets suggestions.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn schema_table_get(
        &self,
        Parameters(params): Parameters<tools::schema_table_get::Params>,
    ) -> Result<Json<tools::schema_table_get::Output>, String> {
        self.run_tool(move |context| tools::schema_table_get::run(context, params)).await
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
        self.run_tool(move |context| tools::rules_test::run(context, params)).await
    }

    #[tool(
        description = "Run a KQL query locally with kqlab's engine on sample data you give, and get its result rows: use it to see what a detection or hunting query actually returns on example events before deploying it, or to check a parser. Give each table the query reads in `tables` (`name` plus inline `text` — CSV, JSON/JSON Lines, XML incl. Windows event XML, CEF, syslog — or a `path` in the server's rules/samples folders); known tables are typed by their schema, and their other columns are nulls. Rules-folder functions and watchlists are available. Pin `now` when the query uses ago(). Returns up to `max_rows` rows as JSON objects, column types, total row count, diagnostics (as kql_validate) and import problems. Offline; usually milliseconds; runaway queries stop at the server's limits (10 s, 1M rows) with an error.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn kql_run(
        &self,
        Parameters(params): Parameters<tools::kql_run::Params>,
    ) -> Result<Json<tools::kql_run::Output>, String> {
        self.run_tool(move |context| tools::kql_run::run(context, params)).await
    }

    #[tool(
        description = "Turn sample data (inline `text` — CSV, JSON/JSON Lines, XML incl. Windows event XML, CEF, syslog — or a `path` in the server's rules/samples folders) into a KQL `let TABLE = datatable(...) [...];` fixture typed by the table's schema, plus its columns and types. Use it to inline test data into a query, e.g. to run a rule on known rows in a workspace or to write a test case; `max_rows` and `sample` (head, spread, random with `seed`) keep fixtures small. Offline and cheap.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn kql_fixture(
        &self,
        Parameters(params): Parameters<tools::kql_fixture::Params>,
    ) -> Result<Json<tools::kql_fixture::Output>, String> {
        self.run_tool(move |context| tools::kql_fixture::run(context, params)).await
    }

    #[tool(
        description = "Check Sentinel detection rules as `kqlab check` does: the query (parse, names, types, behind the rules folder's functions) and the rule's metadata (KQL3xxx: required fields, severity, tactics and techniques, schedule and lookback, entity mappings, custom details, alert details). Give `yaml` (a rule being written), a `path` (a rule file or folder in the server's folders), or nothing for the whole rules folder. Returns each problem with file, line, column, code, severity, message and help. Offline; a folder of hundreds of rules takes about a second.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn rule_check(
        &self,
        Parameters(params): Parameters<tools::rule_check::Params>,
    ) -> Result<Json<tools::rule_check::Output>, String> {
        self.run_tool(move |context| tools::rule_check::run(context, params)).await
    }

    #[tool(
        description = "MITRE ATT&CK coverage of the rules folder's analytics rules and hunting queries (as `kqlab coverage`): per tactic, the rule count and the covered techniques and sub-techniques, and with `include_uncovered` the techniques no rule covers — use it to find detection gaps. Also finds the rules for a `tactic` (e.g. `CredentialAccess`) and/or `technique` (e.g. `T1110`, sub-techniques included), with name, path, kind, severity, tactics and techniques, paginated (`offset`, `limit`, `next_offset`). Offline and cheap.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn attack_coverage(
        &self,
        Parameters(params): Parameters<tools::attack_coverage::Params>,
    ) -> Result<Json<tools::attack_coverage::Output>, String> {
        self.run_tool(move |context| tools::attack_coverage::run(context, params)).await
    }

    #[tool(
        description = "The compatible name of kql_validate, for clients written for the earlier Sentinel MCP server: checks a KQL query offline and returns every diagnostic (code, severity, message, line/column, help) and the output schema. Same parameters and result as kql_validate; instant, no Azure access.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn sentinel_query_validate(
        &self,
        Parameters(params): Parameters<tools::kql_validate::Params>,
    ) -> Result<Json<tools::kql_validate::Output>, String> {
        self.run_tool(move |context| tools::kql_validate::run(context, params)).await
    }

    #[tool(
        description = "The compatible name of kql_run, for clients written for the earlier Sentinel MCP server (where it ran a query on mock data in the live workspace): here it runs the query offline with kqlab's local engine on the sample tables you give (`tables`: `name` plus inline `text` — CSV, JSON, XML, CEF, syslog — or a `path` in the server's folders) and returns the rows, column types and diagnostics. Never touches a workspace; stops at the server's limits (10 s, 1M rows). kql_run has more options (`now`, `max_rows`).",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn sentinel_logs_search_with_dummy_data(
        &self,
        Parameters(params): Parameters<tools::sentinel_logs_search_with_dummy_data::Params>,
    ) -> Result<Json<tools::kql_run::Output>, String> {
        self.run_tool(move |context| tools::sentinel_logs_search_with_dummy_data::run(context, params)).await
    }
}

/// What the model is told when it connects (`instructions`), and what
/// `llm_instructions_get` returns: one text, so they never disagree.
pub const INSTRUCTIONS: &str = include_str!("../../data/mcp/instructions.md");

#[tool_handler(router = self.tool_router)]
#[prompt_handler(router = self.prompt_router)]
impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_completions()
                .enable_prompts()
                .enable_resources()
                .enable_tools()
                .build(),
        )
        .with_server_info(Implementation::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION")))
        .with_instructions(INSTRUCTIONS)
    }

    /// Runs the tool; with `--redact`, a Sentinel tool's result (structured
    /// output, its text copy, or the error text) is masked before it leaves.
    async fn call_tool(
        &self,
        request: rmcp::model::CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::CallToolResponse, ErrorData> {
        let redact = self.context.settings.redact && self.redacted_tools.contains(request.name.as_ref());
        let call = rmcp::handler::server::tool::ToolCallContext::new(self, request, context);
        let mut response = self.tool_router.call(call).await?;
        if redact && let rmcp::model::CallToolResponse::Complete(result) = &mut response {
            redact_result(&self.context, result);
        }
        Ok(response)
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let context = self.context.clone();
        let cursor = request.and_then(|request| request.cursor);
        tokio::task::spawn_blocking(move || resources::list(&context, cursor.as_deref()))
            .await
            .map_err(|error| ErrorData::internal_error(format!("listing resources failed: {error}"), None))?
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(resources::templates())
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let context = self.context.clone();
        tokio::task::spawn_blocking(move || resources::read(&context, &request.uri))
            .await
            .map_err(|error| ErrorData::internal_error(format!("reading the resource failed: {error}"), None))?
            .map(Into::into)
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        let context = self.context.clone();
        tokio::task::spawn_blocking(move || completions::complete(&context, &request))
            .await
            .map_err(|error| ErrorData::internal_error(format!("completing failed: {error}"), None))?
    }
}

/// Masks a tool result in place: the structured output, and each text
/// block (the JSON copy of the output is rewritten from the masked output,
/// so both say the same).
fn redact_result(context: &Context, result: &mut rmcp::model::CallToolResult) {
    if let Some(structured) = &mut result.structured_content {
        context.redact_json(structured);
    }
    for block in &mut result.content {
        if let rmcp::model::ContentBlock::Text(text) = block {
            text.text = match (&result.structured_content, serde_json::from_str::<serde_json::Value>(&text.text)) {
                (Some(structured), Ok(_)) => structured.to_string(),
                _ => context.redact_text(&text.text),
            };
        }
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
