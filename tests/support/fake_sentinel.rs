//! The Microsoft Sentinel, OperationalInsights (workspace, saved searches)
//! and Microsoft.Authorization routes of the fake Azure, for the workspace
//! tools of `kqlab mcp` (`tests/mcp_sentinel.rs`). They answer for the
//! workspace of the SecurityInsights examples (subscription
//! `d0cfe6b2-...`, resource group `myRg`, workspace `myWorkspace`; [`env`])
//! with the documented examples of `tests/data/azure/`; paths are matched
//! without regard to case, as ARM does.
//!
//! Lists come in two pages where a test needs paging (incidents: the
//! example, then the synthesized page; alert rules: the example's three,
//! then a synthesized rule with techniques). [`throttle`] makes the next
//! requests of one fake answer 429 with `Retry-After: 1`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;

use super::{Answer, example};

pub const SUBSCRIPTION: &str = "d0cfe6b2-9ac0-4464-9919-dccaee2e48c0";
pub const RESOURCE_GROUP: &str = "myRg";
pub const WORKSPACE_NAME: &str = "myWorkspace";
pub const INCIDENT: &str = "73e01a99-5cd7-4139-a149-9f2736ff2ab5";

/// 429s still to answer, per fake (by port).
static THROTTLE: Mutex<Option<HashMap<u16, u32>>> = Mutex::new(None);

/// Makes the next `count` Sentinel requests of the fake at `addr` answer 429.
pub fn throttle(addr: SocketAddr, count: u32) {
    THROTTLE.lock().unwrap().get_or_insert_with(HashMap::new).insert(addr.port(), count);
}

/// The variables that point the workspace at these routes (on top of `FakeAzure::env()`).
pub fn env() -> Vec<(&'static str, String)> {
    vec![
        ("AZURE_SUBSCRIPTION_ID", SUBSCRIPTION.to_string()),
        ("KQLAB_RESOURCE_GROUP", RESOURCE_GROUP.to_string()),
        ("KQLAB_WORKSPACE_NAME", WORKSPACE_NAME.to_string()),
    ]
}

fn workspace_prefix() -> String {
    format!(
        "/subscriptions/{SUBSCRIPTION}/resourcegroups/{RESOURCE_GROUP}/providers/microsoft.operationalinsights/workspaces/{WORKSPACE_NAME}"
    )
    .to_ascii_lowercase()
}

fn si(path: &str) -> String {
    format!("securityinsights/2025-12-01/examples/{path}")
}

fn ok(body: String) -> Option<Answer> {
    Some((200, vec![], body))
}

fn not_found() -> Option<Answer> {
    Some((404, vec![], example("synthesized/arm/error-404-resource-not-found.json")))
}

fn json(path: &str) -> serde_json::Value {
    serde_json::from_str(&example(path)).expect("example JSON")
}

/// The answer for a request under this module's workspace, or `None` for
/// the other routes of the fake.
pub fn route(method: &str, path: &str, query: &str, body: &str, addr: SocketAddr) -> Option<Answer> {
    let lower = path.to_ascii_lowercase();
    let query = super::percent_decode(query);
    let prefix = workspace_prefix();
    // Role definitions live outside the workspace.
    if method == "GET" && lower.contains("/providers/microsoft.authorization/roledefinitions/") {
        let guid = lower.rsplit('/').next().unwrap_or_default();
        let all = json("synthesized/authorization/role-definitions-builtin.json");
        let found = all["value"].as_array().unwrap().iter().find(|d| d["name"].as_str() == Some(guid)).cloned();
        return match found {
            Some(definition) => ok(definition.to_string()),
            None => not_found(),
        };
    }
    let rest = lower.strip_prefix(&prefix)?.to_string();
    {
        let mut throttle = THROTTLE.lock().unwrap();
        if let Some(left) = throttle.get_or_insert_with(HashMap::new).get_mut(&addr.port())
            && *left > 0
        {
            *left -= 1;
            return Some((429, vec![("Retry-After", "1".into())], example("synthesized/arm/error-429-throttled.json")));
        }
    }
    let version = |expected: &str| query.contains(&format!("api-version={expected}"));
    let bad_version = || {
        Some((
            400,
            vec![],
            r#"{"error":{"code":"InvalidApiVersionParameter","message":"bad api-version"}}"#.to_string(),
        ))
    };
    if rest.is_empty() || rest == "/savedsearches" || rest.starts_with("/savedsearches/") {
        if !version("2026-03-01") {
            return bad_version();
        }
        return workspace_routes(method, &rest);
    }
    if rest == "/providers/microsoft.authorization/roleassignments" {
        if !version("2022-04-01") || !(query.contains("$filter=atScope()") || query.contains("$filter=assignedTo('")) {
            return bad_version();
        }
        return ok(example("synthesized/authorization/role-assignments-workspace.json"));
    }
    let sentinel = rest.strip_prefix("/providers/microsoft.securityinsights")?;
    if !version("2025-12-01") {
        return bad_version();
    }
    let parts: Vec<&str> = sentinel.trim_start_matches('/').split('/').collect();
    match (method, parts.as_slice()) {
        ("GET", ["incidents"]) => {
            if query.contains("$filter=properties/incidentNumber eq 3177") {
                return ok(example(&si("incidents/GetIncidents.json")));
            }
            if query.contains("$skipToken=page2") {
                let mut page: serde_json::Value = json("synthesized/arm/list-page1-with-nextLink.json");
                page.as_object_mut().unwrap().remove("nextLink");
                return ok(page.to_string());
            }
            let mut page = json(&si("incidents/GetIncidents.json"));
            page["nextLink"] = format!("http://{addr}{path}?api-version=2025-12-01&%24top=1&%24skipToken=page2").into();
            ok(page.to_string())
        }
        ("GET", ["incidents", INCIDENT]) => ok(example(&si("incidents/GetIncidentById.json"))),
        ("POST", ["incidents", INCIDENT, action]) => {
            // The list actions are sent without a body.
            if !body.is_empty() {
                return Some((400, vec![], r#"{"error":{"code":"BadRequest","message":"no body expected"}}"#.into()));
            }
            match *action {
                "alerts" => ok(example(&si("incidents/GetAllIncidentAlerts.json"))),
                "entities" => ok(example(&si("incidents/GetAllIncidentEntities.json"))),
                "bookmarks" => ok(example(&si("incidents/GetAllIncidentBookmarks.json"))),
                _ => not_found(),
            }
        }
        ("GET", ["incidents", INCIDENT, "comments"]) => {
            ok(example(&si("incidents/comments/GetAllIncidentComments.json")))
        }
        ("GET", ["incidents", INCIDENT, "relations"]) => {
            ok(example(&si("incidents/relations/GetAllIncidentRelations.json")))
        }
        ("GET", ["incidents", INCIDENT, "tasks"]) => ok(example(&si("incidents/tasks/IncidentTasks_List.json"))),
        ("GET", ["alertrules"]) => {
            if query.contains("$skipToken=rules2") {
                let rule = json("synthesized/securityinsights/alert-rule-scheduled-with-techniques.json");
                return ok(serde_json::json!({ "value": [rule] }).to_string());
            }
            let mut page = json(&si("alertRules/GetAllAlertRules.json"));
            page["nextLink"] = format!("http://{addr}{path}?api-version=2025-12-01&%24skipToken=rules2").into();
            ok(page.to_string())
        }
        ("GET", ["alertrules", "73e01a99-5cd7-4139-a149-9f2736ff2ab5"]) => {
            ok(example(&si("alertRules/GetScheduledAlertRule.json")))
        }
        ("GET", ["alertrules", "myfirstfusionrule"]) => ok(example(&si("alertRules/GetFusionAlertRule.json"))),
        ("GET", ["alertruletemplates"]) => ok(example(&si("alertRuleTemplates/GetAlertRuleTemplates.json"))),
        ("GET", ["alertruletemplates", "65360bb0-8986-4ade-a89d-af3cf44d28aa"]) => {
            ok(example(&si("alertRuleTemplates/GetAlertRuleTemplateById.json")))
        }
        ("GET", ["dataconnectors"]) => ok(example(&si("dataConnectors/GetDataConnectors.json"))),
        ("GET", ["dataconnectors", "f0cd27d2-5f03-4c06-ba31-d2dc82dcb51d"]) => {
            ok(example(&si("dataConnectors/GetAzureActiveDirectoryById.json")))
        }
        ("GET", ["watchlists"]) => ok(example(&si("watchlists/GetWatchlists.json"))),
        ("GET", ["watchlists", "highvalueasset"]) => ok(example(&si("watchlists/GetWatchlistByAlias.json"))),
        ("GET", ["watchlists", "highvalueasset", "watchlistitems"]) => {
            ok(example(&si("watchlists/GetWatchlistItems.json")))
        }
        ("GET", ["watchlists", "highvalueasset", "watchlistitems", "fd37d325-7090-47fe-851a-5b5a00c3f576"]) => {
            ok(example(&si("watchlists/GetWatchlistItemById.json")))
        }
        ("GET", ["threatintelligence", "main", "indicators"]) => {
            ok(example(&si("threatintelligence/GetThreatIntelligence.json")))
        }
        ("GET", ["threatintelligence", "main", "indicators", "e16ef847-962e-d7b6-9c8b-a33e4bd30e47"]) => {
            ok(example(&si("threatintelligence/GetThreatIntelligenceById.json")))
        }
        ("POST", ["threatintelligence", "main", "queryindicators"]) => {
            let criteria: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
            if !criteria["pageSize"].is_u64() {
                return Some((400, vec![], r#"{"error":{"code":"BadRequest","message":"pageSize"}}"#.into()));
            }
            ok(example(&si("threatintelligence/QueryThreatIntelligence.json")))
        }
        ("GET", ["threatintelligence", "main", "metrics"]) => {
            ok(example(&si("threatintelligence/CollectThreatIntelligenceMetrics.json")))
        }
        ("GET", ["metadata"]) => ok(example(&si("metadata/GetAllMetadata.json"))),
        ("GET", ["metadata", "metadataname"]) => ok(example(&si("metadata/GetMetadata.json"))),
        ("GET", ["sourcecontrols"]) => ok(example(&si("sourcecontrols/GetSourceControls.json"))),
        ("GET", ["sourcecontrols", "789e0c1f-4a3d-43ad-809c-e713b677b04a"]) => {
            ok(example(&si("sourcecontrols/GetSourceControlById.json")))
        }
        ("GET", ["securitymlanalyticssettings"]) => {
            ok(example(&si("securityMLAnalyticsSettings/GetAllSecurityMLAnalyticsSettings.json")))
        }
        ("GET", ["securitymlanalyticssettings", "f209187f-1d17-4431-94af-c141bf5f23db"]) => {
            ok(example(&si("securityMLAnalyticsSettings/GetAnomalySecurityMLAnalyticsSetting.json")))
        }
        ("GET", ["onboardingstates", "default"]) => {
            ok(example(&si("onboardingStates/GetSentinelOnboardingState.json")))
        }
        _ => not_found(),
    }
}

/// The workspace itself and its saved searches.
fn workspace_routes(method: &str, rest: &str) -> Option<Answer> {
    if method != "GET" {
        return not_found();
    }
    let hunting = json("synthesized/operationalinsights/savedsearch-sentinel-hunting-query.json");
    let function = json("operationalinsights/2026-03-01/examples/WorkspacesSavedSearchesGet.json");
    match rest {
        "" => ok(example("operationalinsights/2026-03-01/examples/WorkspacesGet.json")),
        "/savedsearches" => {
            // The example's bare array (PascalCase) served as `{"value": [...]}`, as the
            // service does, with a function and a hunting query added.
            let mut items = json("operationalinsights/2026-03-01/examples/SavedSearchesListByWorkspace.json")
                .as_array()
                .unwrap()
                .clone();
            let mut function = function.clone();
            function["id"] = "/subscriptions/x/resourceGroups/myRg/providers/Microsoft.OperationalInsights/workspaces/myWorkspace/savedSearches/heartbeat-function".into();
            items.push(function);
            items.push(hunting);
            ok(serde_json::json!({ "value": items }).to_string())
        }
        "/savedsearches/4bb36b7b-26ff-4d1c-9cbe-0d8ab3da0014" => ok(hunting.to_string()),
        "/savedsearches/test-new-saved-search-id-2015" => ok(function.to_string()),
        _ => not_found(),
    }
}
