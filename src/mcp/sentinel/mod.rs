//! The workspace tools of `kqlab mcp`: read-only views of the configured
//! Microsoft Sentinel workspace through Azure Resource Manager (incidents,
//! analytics rules and templates, hunting queries and saved searches,
//! connectors, watchlists, threat intelligence, content metadata, source
//! controls, ML analytics settings, the workspace and the caller's roles).
//!
//! Every tool calls Azure with the server's read-only client
//! ([`crate::remote::client`]: GETs, and the four list actions that are
//! POSTs but read). Tool names are those of kqlab's earlier Python server,
//! so prompts written for it keep working. Each family's parameters,
//! outputs and work live in their own file; this one holds the router.

mod analytics;
mod content;
#[cfg(test)]
mod examples;
mod fields;
mod hunting;
mod incidents;
mod read;
mod threat_intelligence;
mod watchlists;
mod workspace;

use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::{tool, tool_router};

use self::analytics::{Collection, CountBy};
use self::read::with_arm;
use super::Server;

#[tool_router(router = sentinel_router, vis = "pub(crate)")]
impl Server {
    #[tool(
        description = "List Microsoft Sentinel incidents of the configured workspace, newest first by default: number, title, severity, status, owner, times, alert/comment counts, MITRE tactics. Filter with `severity` and `status` (comma-separated), `created_after`/`created_before` (ISO 8601 UTC); sort with `order_by`; page with `limit` and the returned `skip_token`. Calls Azure (read-only ARM API) and needs a workspace configured for the server (kqlab mcp --workspace NAME, with subscription, resource group and workspace name).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_incident_list(
        &self,
        Parameters(params): Parameters<incidents::ListParams>,
    ) -> Result<Json<incidents::ListOutput>, String> {
        with_arm(&self.context, move |arm| incidents::list(arm, params)).await.map(Json)
    }

    #[tool(
        description = "Get one Microsoft Sentinel incident by `incident_id` (its name, a GUID) or `incident_number`, with its alerts (product, severity, tactics, times) and entities (accounts, hosts, IPs, ... with their properties); set include_comments / include_bookmarks / include_relations / include_tasks for more. Use it to investigate an incident found with sentinel_incident_list. Calls Azure (read-only) for the configured workspace.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_incident_details_get(
        &self,
        Parameters(params): Parameters<incidents::DetailsParams>,
    ) -> Result<Json<incidents::DetailsOutput>, String> {
        with_arm(&self.context, move |arm| incidents::details(arm, params)).await.map(Json)
    }

    #[tool(
        description = "List the analytics (detection) rules deployed in the configured Sentinel workspace: name, kind, display name, severity, enabled, MITRE tactics/techniques, query frequency and period. Filter by kind, severity, tactic, technique, enabled or name; set include_query for the KQL; page with limit/offset. Calls Azure (read-only) for the configured workspace.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_analytics_rule_list(
        &self,
        Parameters(params): Parameters<analytics::ListParams>,
    ) -> Result<Json<analytics::ListOutput>, String> {
        with_arm(&self.context, move |arm| analytics::list(arm, Collection::Rules, params)).await.map(Json)
    }

    #[tool(
        description = "Get one analytics rule of the configured Sentinel workspace by `rule_id` (its name): its KQL query, schedule, trigger, tactics/techniques, and every property as sent (entity mappings, incident grouping, custom details) in `raw`. Use it to read or test a deployed detection (then kql_validate its query). Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_analytics_rule_get(
        &self,
        Parameters(params): Parameters<analytics::RuleGetParams>,
    ) -> Result<Json<analytics::GetOutput>, String> {
        with_arm(&self.context, move |arm| analytics::get(arm, Collection::Rules, &params.rule_id)).await.map(Json)
    }

    #[tool(
        description = "Count the configured Sentinel workspace's analytics rules by MITRE ATT&CK tactic (most rules first), with the rules naming none; `enabled_only` counts only running rules, `include_rule_names` lists them. Use it to see detection coverage gaps. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_analytics_rules_count_by_tactic(
        &self,
        Parameters(params): Parameters<analytics::CountParams>,
    ) -> Result<Json<analytics::CountOutput>, String> {
        with_arm(&self.context, move |arm| analytics::count(arm, Collection::Rules, CountBy::Tactic, params))
            .await
            .map(Json)
    }

    #[tool(
        description = "Count the configured Sentinel workspace's analytics rules by MITRE ATT&CK technique (T1110; sub-techniques such as T1110.001 count for their parent and are also listed on their own). Use it to see technique coverage. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_analytics_rules_count_by_technique(
        &self,
        Parameters(params): Parameters<analytics::CountParams>,
    ) -> Result<Json<analytics::CountOutput>, String> {
        with_arm(&self.context, move |arm| analytics::count(arm, Collection::Rules, CountBy::Technique, params))
            .await
            .map(Json)
    }

    #[tool(
        description = "List the analytics rule templates available to the configured Sentinel workspace (from installed solutions): display name, kind, severity, status, tactics/techniques, version, required data connectors. Filter by kind, severity, tactic, technique or name; set include_query for the KQL; page with limit/offset. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_analytics_rule_templates_list(
        &self,
        Parameters(params): Parameters<analytics::ListParams>,
    ) -> Result<Json<analytics::ListOutput>, String> {
        with_arm(&self.context, move |arm| analytics::list(arm, Collection::Templates, params)).await.map(Json)
    }

    #[tool(
        description = "Get one analytics rule template by `template_id` (its name, a GUID): its KQL query, schedule, tactics/techniques, required connectors and every property in `raw`. Calls Azure (read-only) for the configured Sentinel workspace.",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_analytics_rule_template_get(
        &self,
        Parameters(params): Parameters<analytics::TemplateGetParams>,
    ) -> Result<Json<analytics::GetOutput>, String> {
        with_arm(&self.context, move |arm| analytics::get(arm, Collection::Templates, &params.template_id))
            .await
            .map(Json)
    }

    #[tool(
        description = "Count the analytics rule templates available to the configured Sentinel workspace by MITRE ATT&CK tactic. Compare with sentinel_analytics_rules_count_by_tactic to find templates worth enabling. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_analytics_rule_templates_count_by_tactic(
        &self,
        Parameters(params): Parameters<analytics::CountParams>,
    ) -> Result<Json<analytics::CountOutput>, String> {
        with_arm(&self.context, move |arm| analytics::count(arm, Collection::Templates, CountBy::Tactic, params))
            .await
            .map(Json)
    }

    #[tool(
        description = "Count the analytics rule templates available to the configured Sentinel workspace by MITRE ATT&CK technique (sub-techniques count for their parent and are listed on their own). Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_analytics_rule_templates_count_by_technique(
        &self,
        Parameters(params): Parameters<analytics::CountParams>,
    ) -> Result<Json<analytics::CountOutput>, String> {
        with_arm(&self.context, move |arm| analytics::count(arm, Collection::Templates, CountBy::Technique, params))
            .await
            .map(Json)
    }

    #[tool(
        description = "List the Sentinel hunting queries of the configured workspace (saved searches of category \"Hunting Queries\"): display name, description, MITRE tactics and techniques from their tags. Filter by tactic, technique or name; set include_query for the KQL; page with limit/offset. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_hunting_queries_list(
        &self,
        Parameters(params): Parameters<hunting::HuntingListParams>,
    ) -> Result<Json<hunting::HuntingListOutput>, String> {
        with_arm(&self.context, move |arm| hunting::hunting_list(arm, params)).await.map(Json)
    }

    #[tool(
        description = "Get one Sentinel hunting query of the configured workspace by its id or display name, with its KQL, description, tactics and techniques. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_hunting_query_get(
        &self,
        Parameters(params): Parameters<hunting::HuntingGetParams>,
    ) -> Result<Json<hunting::HuntingGetOutput>, String> {
        with_arm(&self.context, move |arm| hunting::hunting_get(arm, params)).await.map(Json)
    }

    #[tool(
        description = "Count the configured Sentinel workspace's hunting queries by MITRE ATT&CK tactic (from their `tactics` tag). Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_hunting_queries_count_by_tactic(
        &self,
        Parameters(params): Parameters<analytics::CountParams>,
    ) -> Result<Json<analytics::CountOutput>, String> {
        with_arm(&self.context, move |arm| hunting::hunting_count_by_tactic(arm, params)).await.map(Json)
    }

    #[tool(
        description = "List the Log Analytics saved searches of the configured workspace (queries, functions with their alias and parameters, hunting queries): category, display name, query, tags. Filter by category, name or functions_only; page with limit/offset. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn log_analytics_saved_searches_list(
        &self,
        Parameters(params): Parameters<hunting::SavedListParams>,
    ) -> Result<Json<hunting::SavedListOutput>, String> {
        with_arm(&self.context, move |arm| hunting::saved_list(arm, params)).await.map(Json)
    }

    #[tool(
        description = "Get one Log Analytics saved search of the configured workspace by `saved_search_id`: its query, category, function alias and parameters, tags. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn log_analytics_saved_search_get(
        &self,
        Parameters(params): Parameters<hunting::SavedGetParams>,
    ) -> Result<Json<hunting::SavedGetOutput>, String> {
        with_arm(&self.context, move |arm| hunting::saved_get(arm, params)).await.map(Json)
    }

    #[tool(
        description = "List the data connectors of the configured Sentinel workspace: kind (AzureActiveDirectory, Office365, ThreatIntelligence, ...) and each data type's state. Use it to know which data sources feed the workspace. Filter by kind; page with limit/offset. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_connectors_list(
        &self,
        Parameters(params): Parameters<content::ListParams>,
    ) -> Result<Json<content::ConnectorListOutput>, String> {
        with_arm(&self.context, move |arm| content::connectors_list(arm, params)).await.map(Json)
    }

    #[tool(
        description = "Get one data connector of the configured Sentinel workspace by `connector_id`, with its properties as sent. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_connectors_get(
        &self,
        Parameters(params): Parameters<content::ConnectorGetParams>,
    ) -> Result<Json<content::ConnectorGetOutput>, String> {
        with_arm(&self.context, move |arm| content::connectors_get(arm, params)).await.map(Json)
    }

    #[tool(
        description = "List the watchlists of the configured Sentinel workspace: alias (what `_GetWatchlist('alias')` takes in KQL), display name, search key, source, labels, times. Page with limit/offset. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_watchlists_list(
        &self,
        Parameters(params): Parameters<watchlists::ListParams>,
    ) -> Result<Json<watchlists::ListOutput>, String> {
        with_arm(&self.context, move |arm| watchlists::list(arm, params)).await.map(Json)
    }

    #[tool(
        description = "Get one watchlist of the configured Sentinel workspace by `watchlist_alias`. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_watchlist_get(
        &self,
        Parameters(params): Parameters<watchlists::GetParams>,
    ) -> Result<Json<watchlists::GetOutput>, String> {
        with_arm(&self.context, move |arm| watchlists::get(arm, params)).await.map(Json)
    }

    #[tool(
        description = "List the rows of a watchlist of the configured Sentinel workspace (`watchlist_alias`): each row's column values, page by page with limit/offset. Use it to see what `_GetWatchlist('alias')` returns, e.g. to write test fixtures. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_watchlist_items_list(
        &self,
        Parameters(params): Parameters<watchlists::ItemsParams>,
    ) -> Result<Json<watchlists::ItemsOutput>, String> {
        with_arm(&self.context, move |arm| watchlists::items(arm, params)).await.map(Json)
    }

    #[tool(
        description = "Get one row of a watchlist of the configured Sentinel workspace by `watchlist_alias` and `watchlist_item_id`. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_watchlist_item_get(
        &self,
        Parameters(params): Parameters<watchlists::ItemGetParams>,
    ) -> Result<Json<watchlists::ItemGetOutput>, String> {
        with_arm(&self.context, move |arm| watchlists::item_get(arm, params)).await.map(Json)
    }

    #[tool(
        description = "List or query the threat intelligence indicators of the configured Sentinel workspace: pattern (e.g. a URL, IP or hash), type, source, confidence, threat types, tags, validity. With keywords, sources, pattern_types, threat_types, confidence bounds or min_valid_until set, the service filters them (queryIndicators, a read-only POST). Page with limit and the returned skip_token. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_threat_intelligence_indicators_list(
        &self,
        Parameters(params): Parameters<threat_intelligence::ListParams>,
    ) -> Result<Json<threat_intelligence::ListOutput>, String> {
        with_arm(&self.context, move |arm| threat_intelligence::list(arm, params)).await.map(Json)
    }

    #[tool(
        description = "Get one threat intelligence indicator of the configured Sentinel workspace by `indicator_name`, with every property in `raw` (parsed pattern, external references, ...). Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_threat_intelligence_indicator_get(
        &self,
        Parameters(params): Parameters<threat_intelligence::GetParams>,
    ) -> Result<Json<threat_intelligence::GetOutput>, String> {
        with_arm(&self.context, move |arm| threat_intelligence::get(arm, params)).await.map(Json)
    }

    #[tool(
        description = "Get the threat intelligence metrics of the configured Sentinel workspace: indicator counts by threat type, pattern type and source. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_threat_intelligence_metrics_get(
        &self,
        Parameters(params): Parameters<threat_intelligence::MetricsParams>,
    ) -> Result<Json<threat_intelligence::MetricsOutput>, String> {
        with_arm(&self.context, move |arm| threat_intelligence::metrics(arm, params)).await.map(Json)
    }

    #[tool(
        description = "List the content metadata of the configured Sentinel workspace: which solution or source installed each analytics rule, workbook, hunting query, parser or connector, with version, author, support tier and MITRE tactics. Filter by `kind` (AnalyticsRule, Workbook, ...); page with limit/offset. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_metadata_list(
        &self,
        Parameters(params): Parameters<content::ListParams>,
    ) -> Result<Json<content::MetadataListOutput>, String> {
        with_arm(&self.context, move |arm| content::metadata_list(arm, params)).await.map(Json)
    }

    #[tool(
        description = "Get one content metadata item of the configured Sentinel workspace by `metadata_name`, with its dependencies and every property in `raw`. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_metadata_get(
        &self,
        Parameters(params): Parameters<content::MetadataGetParams>,
    ) -> Result<Json<content::MetadataGetOutput>, String> {
        with_arm(&self.context, move |arm| content::metadata_get(arm, params)).await.map(Json)
    }

    #[tool(
        description = "List the source control connections (GitHub / Azure DevOps repositories that deploy content) of the configured Sentinel workspace: repository, branch, content types, last deployment. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_source_controls_list(
        &self,
        Parameters(params): Parameters<content::ListParams>,
    ) -> Result<Json<content::SourceControlListOutput>, String> {
        with_arm(&self.context, move |arm| content::source_controls_list(arm, params)).await.map(Json)
    }

    #[tool(
        description = "Get one source control connection of the configured Sentinel workspace by `source_control_id`, with every property in `raw`. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_source_control_get(
        &self,
        Parameters(params): Parameters<content::SourceControlGetParams>,
    ) -> Result<Json<content::SourceControlGetOutput>, String> {
        with_arm(&self.context, move |arm| content::source_control_get(arm, params)).await.map(Json)
    }

    #[tool(
        description = "List the ML analytics (anomaly detection) settings of the configured Sentinel workspace: display name, enabled, tactics/techniques, frequency, status (Production/Flighting), required connectors. Page with limit/offset. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_ml_analytics_settings_list(
        &self,
        Parameters(params): Parameters<content::ListParams>,
    ) -> Result<Json<content::MlSettingListOutput>, String> {
        with_arm(&self.context, move |arm| content::ml_settings_list(arm, params)).await.map(Json)
    }

    #[tool(
        description = "Get one ML analytics (anomaly) setting of the configured Sentinel workspace by `setting_name`, with its customizable observations in `raw`. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_ml_analytics_setting_get(
        &self,
        Parameters(params): Parameters<content::MlSettingGetParams>,
    ) -> Result<Json<content::MlSettingGetOutput>, String> {
        with_arm(&self.context, move |arm| content::ml_setting_get(arm, params)).await.map(Json)
    }

    #[tool(
        description = "Get the configured Log Analytics workspace: name, location, workspace id (customerId GUID), SKU, retention, network access, and whether Microsoft Sentinel is onboarded on it. A good first call to check that the workspace tools are set up. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_workspace_get(
        &self,
        Parameters(params): Parameters<workspace::GetParams>,
    ) -> Result<Json<workspace::GetOutput>, String> {
        with_arm(&self.context, move |arm| workspace::get(arm, params)).await.map(Json)
    }

    #[tool(
        description = "Summarize the Azure role assignments of the signed-in identity (or `principal_id`) that apply to the configured workspace (assigned at the workspace, its resource group, subscription or above, including through groups), with role names and counts of the Sentinel roles (Microsoft Sentinel Reader/Responder/Contributor, Log Analytics Reader). Use it when a workspace tool answers 403. Calls Azure (read-only).",
        annotations(read_only_hint = true, open_world_hint = true)
    )]
    async fn sentinel_authorization_summary(
        &self,
        Parameters(params): Parameters<workspace::AuthorizationParams>,
    ) -> Result<Json<workspace::AuthorizationOutput>, String> {
        with_arm(&self.context, move |arm| workspace::authorization(arm, params)).await.map(Json)
    }
}
