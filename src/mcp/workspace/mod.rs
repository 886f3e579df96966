//! The workspace tools: Log Analytics (search, verify, schema), Entra ID
//! through Microsoft Graph, Sentinel enrichment and RDAP. They reach Azure
//! (or the public RDAP servers) read-only; with `--redact`, user names,
//! UPNs, e-mail and IP addresses in their results are masked
//! ([`Context::redact_json`]). Each tool's parameters, output and work live
//! in a file of this folder; the router here describes them to the model.

pub mod enrichment;
pub mod entra_id;
pub mod kql_verify;
pub mod logs_search;
pub mod logs_tables;
pub mod rdap_lookup;
pub mod schema_pull;

use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::{tool, tool_router};

use crate::cache::WorkspaceSchema;
use crate::mcp::{Context, Server};
use crate::remote::Error;

#[tool_router(router = workspace_router, vis = "pub(crate)")]
impl Server {
    #[tool(
        description = "Run a KQL query in the configured Microsoft Sentinel / Log Analytics workspace and return the first result table: columns, rows as objects (dynamic values decoded), `truncated` when cut by `max_rows` (default 100, at most 10000), partial errors and query statistics. `timespan` is an ISO 8601 duration applied on top of the query (default P1D). Read-only: control commands (.show, .drop, ...) are refused. Costs workspace query capacity; validate with kql_validate first and keep queries narrow (where, project, take, summarize).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_logs_search(
        &self,
        Parameters(params): Parameters<logs_search::Params>,
    ) -> Result<Json<logs_search::Output>, String> {
        self.run_tool(move |context| logs_search::run(context, params)).await
    }

    #[tool(
        description = "Verify a query or a rule remotely: with `rule` (a .yaml or .kql file of the rules folder), each test case's tables are inlined as datatables and now() is pinned, so the workspace runs the rule on exactly the local test data, then kqlab runs the same text locally and diffs the two results (what `kqlab verify --with-fixtures --compare` does). With `query`, the query runs as is. Returns diagnostics (service errors located in the file), each run's result and whether local and remote agree. Use it to confirm that a rule behaves the same in Sentinel as in kqlab's tests.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn kql_verify(
        &self,
        Parameters(params): Parameters<kql_verify::Params>,
    ) -> Result<Json<kql_verify::Output>, String> {
        self.run_tool(move |context| kql_verify::run(context, params)).await
    }

    #[tool(
        description = "Pull the workspace's schema (its tables with columns, custom _CL tables and saved functions; from the Log Analytics metadata API, else the ARM tables API) and store it as a new snapshot in kqlab's LOCAL schema cache file, so later checks and sentinel_logs_tables_list use it without asking Azure. It writes only that local cache file; nothing changes in Azure. Use it once per session or when tables changed.",
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn schema_pull(
        &self,
        Parameters(params): Parameters<schema_pull::Params>,
    ) -> Result<Json<schema_pull::Output>, String> {
        self.run_tool(move |context| schema_pull::run(context, params)).await
    }

    #[tool(
        description = "List the tables of the configured workspace (including custom _CL tables) with their column counts: from the local schema cache when it holds the workspace (see schema_pull), else from the Log Analytics metadata API (ARM tables API as fallback). Filter by a name substring. Use it to find what data the workspace really has before writing a query.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_logs_tables_list(
        &self,
        Parameters(params): Parameters<logs_tables::ListParams>,
    ) -> Result<Json<logs_tables::ListOutput>, String> {
        self.run_tool(move |context| logs_tables::list(context, params)).await
    }

    #[tool(
        description = "Show the columns (name, KQL type, description) of one table of the configured workspace, e.g. a custom MyApp_CL table: from the local schema cache when it holds the workspace, else from the Log Analytics metadata API. Built-in tables are also known offline by schema_table_get.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_logs_table_schema_get(
        &self,
        Parameters(params): Parameters<logs_tables::TableParams>,
    ) -> Result<Json<logs_tables::SchemaOutput>, String> {
        self.run_tool(move |context| logs_tables::schema(context, params)).await
    }

    #[tool(
        description = "Get one workspace table's settings from Azure Resource Manager (Tables_Get): plan (Analytics, Basic, Auxiliary), interactive retention, total and archive retention in days, whether they are the workspace defaults, table type, column count and provisioning state. Use it to know how far back a table's data goes and whether it can be queried with full KQL.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_logs_table_details_get(
        &self,
        Parameters(params): Parameters<logs_tables::DetailsParams>,
    ) -> Result<Json<logs_tables::DetailsOutput>, String> {
        self.run_tool(move |context| logs_tables::details(context, params)).await
    }

    #[tool(
        description = "List users of the Entra ID directory (Microsoft Graph v1.0): id, displayName, userPrincipalName, mail, jobTitle, department, accountEnabled, userType. Narrow with an OData `filter` (e.g. startswith(displayName,'Ad'), accountEnabled eq false) or `search` words; `top` items per page, `max_pages` pages per call; pass the returned `continuation` back for more. Needs User.Read.All.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn entra_id_list_users(
        &self,
        Parameters(params): Parameters<entra_id::ListParams>,
    ) -> Result<Json<entra_id::ListOutput>, String> {
        self.run_tool(move |context| entra_id::list_users(context, params)).await
    }

    #[tool(
        description = "Get one Entra ID user by UPN or object id (Microsoft Graph v1.0): names, mail and other addresses, job, department, office, phones, accountEnabled, userType, creation and last password change, on-premises sync and account name. Use it to look up an account seen in sign-in or audit logs.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn entra_id_get_user(
        &self,
        Parameters(params): Parameters<entra_id::UserParams>,
    ) -> Result<Json<entra_id::ObjectOutput>, String> {
        self.run_tool(move |context| entra_id::get_user(context, params)).await
    }

    #[tool(
        description = "List groups of the Entra ID directory (Microsoft Graph v1.0): id, displayName, description, mail, security/mail enabled, group types (Unified, DynamicMembership), membership rule, role-assignable. Narrow with an OData `filter` or `search` words; page with `top`, `max_pages` and the returned `continuation`. Needs Group.Read.All.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn entra_id_list_groups(
        &self,
        Parameters(params): Parameters<entra_id::ListParams>,
    ) -> Result<Json<entra_id::ListOutput>, String> {
        self.run_tool(move |context| entra_id::list_groups(context, params)).await
    }

    #[tool(
        description = "Get one Entra ID group by object id with its direct members (users, groups, devices, service principals, each with its type, id, displayName, UPN or mail), paged: `members_top`, `members_max_pages`, and the returned `members_continuation` for more. Needs GroupMember.Read.All.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn entra_id_get_group(
        &self,
        Parameters(params): Parameters<entra_id::GroupParams>,
    ) -> Result<Json<entra_id::GroupOutput>, String> {
        self.run_tool(move |context| entra_id::get_group(context, params)).await
    }

    #[tool(
        description = "Geolocate an IP address with Microsoft Sentinel's enrichment API: country, state, city with confidence factors, latitude/longitude, ASN, carrier, organization and its type, routing type. The address is checked first; a private, loopback, link-local, documentation or other reserved address gets a local answer and no request. Needs the workspace's subscription and resource group.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_ip_geodata_get(
        &self,
        Parameters(params): Parameters<enrichment::IpParams>,
    ) -> Result<Json<enrichment::Output>, String> {
        self.run_tool(move |context| enrichment::ip_geodata(context, params)).await
    }

    #[tool(
        description = "Get a domain's whois record with Microsoft Sentinel's enrichment API: creation, update and expiry dates, registrar and its abuse contacts, admin/billing/tech contacts, name servers and statuses. The name is checked first (a hostname such as example.com). Needs the workspace's subscription and resource group.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_domain_whois_get(
        &self,
        Parameters(params): Parameters<enrichment::DomainParams>,
    ) -> Result<Json<enrichment::Output>, String> {
        self.run_tool(move |context| enrichment::domain_whois(context, params)).await
    }

    #[tool(
        description = "Look up public registration data (RDAP) of an IP address (network range, owner, country, abuse contacts), a domain (registrar, registration and expiry dates, status, name servers) or an AS number. The RDAP server is found through IANA's bootstrap registries; no Azure access and no token. Private and reserved addresses get a local answer without a request. Set `raw` for the full response.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn rdap_lookup(
        &self,
        Parameters(params): Parameters<rdap_lookup::Params>,
    ) -> Result<Json<rdap_lookup::Output>, String> {
        self.run_tool(move |context| rdap_lookup::run(context, params)).await
    }
}

/// The cached snapshot of `workspace`, when the cache file exists and holds
/// it (the file is not created here).
fn cached_schema(context: &Context, workspace: &str) -> Option<WorkspaceSchema> {
    let path = crate::cache::location::cache_path(context.settings.cache.as_deref()).ok()?;
    if !path.is_file() {
        return None;
    }
    let cache = crate::cache::Cache::open_with(&path, crate::cache::location::busy_timeout()).ok()?;
    cache.latest(workspace).ok()
}

/// The cache file, for messages.
fn cache_display(context: &Context) -> String {
    crate::cache::location::cache_path(context.settings.cache.as_deref())
        .map(|path| path.display().to_string())
        .unwrap_or_else(|error| error.to_string())
}

/// A failed query as a tool error: the service's message, with the line
/// and column (and that line of the query) when the service gives them.
fn query_error(context: &Context, query: &str, error: &Error) -> String {
    let text = match error {
        Error::Api { status, error: api, .. } if (400..500).contains(status) && ![401, 403, 404].contains(status) => {
            let at = match (api.line, api.pos) {
                (Some(line), Some(pos)) => {
                    let text = query.lines().nth(line.saturating_sub(1) as usize).unwrap_or_default();
                    format!(" (at line {line}, column {}: `{}`)", pos + 1, text.trim())
                }
                _ => String::new(),
            };
            format!("Log Analytics rejected the query (HTTP {status}): {}{at}", api.summary())
        }
        other => other.to_string(),
    };
    context.redact_text(&text)
}
