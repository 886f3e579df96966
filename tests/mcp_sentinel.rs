//! The workspace tools of `kqlab mcp` end to end: the binary runs as a
//! child process, driven with raw JSON-RPC over stdio, against the loopback
//! fake Azure (`support/fake_azure.rs` and its Sentinel routes in
//! `support/fake_sentinel.rs`) answering with the documented API examples.
//! Nothing here touches Azure.

#[path = "support/fake_azure.rs"]
mod fake_azure;
#[path = "support/mcp_session.rs"]
mod mcp_session;

use fake_azure::{FakeAzure, fake_sentinel};
use mcp_session::Session;
use serde_json::{Value, json};

const WORKSPACE_TOOLS: [&str; 32] = [
    "log_analytics_saved_search_get",
    "log_analytics_saved_searches_list",
    "sentinel_analytics_rule_get",
    "sentinel_analytics_rule_list",
    "sentinel_analytics_rule_template_get",
    "sentinel_analytics_rule_templates_count_by_tactic",
    "sentinel_analytics_rule_templates_count_by_technique",
    "sentinel_analytics_rule_templates_list",
    "sentinel_analytics_rules_count_by_tactic",
    "sentinel_analytics_rules_count_by_technique",
    "sentinel_authorization_summary",
    "sentinel_connectors_get",
    "sentinel_connectors_list",
    "sentinel_hunting_queries_count_by_tactic",
    "sentinel_hunting_queries_list",
    "sentinel_hunting_query_get",
    "sentinel_incident_details_get",
    "sentinel_incident_list",
    "sentinel_metadata_get",
    "sentinel_metadata_list",
    "sentinel_ml_analytics_setting_get",
    "sentinel_ml_analytics_settings_list",
    "sentinel_source_control_get",
    "sentinel_source_controls_list",
    "sentinel_threat_intelligence_indicator_get",
    "sentinel_threat_intelligence_indicators_list",
    "sentinel_threat_intelligence_metrics_get",
    "sentinel_watchlist_get",
    "sentinel_watchlist_item_get",
    "sentinel_watchlist_items_list",
    "sentinel_watchlists_list",
    "sentinel_workspace_get",
];

/// The fake's environment, pointed at the Sentinel examples' workspace.
fn env(fake: &FakeAzure) -> Vec<(&'static str, String)> {
    let sentinel = fake_sentinel::env();
    let mut env: Vec<(&'static str, String)> =
        fake.env().into_iter().filter(|(name, _)| !sentinel.iter().any(|(other, _)| other == name)).collect();
    env.extend(sentinel);
    env
}

fn start(env: &[(&str, String)]) -> (Session, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    (Session::start_in(dir.path(), &[], env), dir)
}

fn names(items: &Value, key: &str) -> Vec<String> {
    items.as_array().expect("an array").iter().map(|item| item[key].as_str().unwrap_or_default().to_string()).collect()
}

#[test]
fn the_workspace_tools_are_listed_read_only_and_typed() {
    let fake = FakeAzure::start();
    let (mut session, _dir) = start(&env(&fake));
    let response = session.rpc("tools/list", json!({}));
    let tools = response["result"]["tools"].as_array().expect("tools");
    for name in WORKSPACE_TOOLS {
        let tool = tools.iter().find(|t| t["name"] == name).unwrap_or_else(|| panic!("{name} is not listed"));
        assert_eq!(tool["annotations"]["readOnlyHint"], true, "{tool}");
        assert_eq!(tool["annotations"]["openWorldHint"], true, "{tool}");
        assert_eq!(tool["outputSchema"]["type"], "object", "{tool}");
        assert!(tool["inputSchema"]["properties"].as_object().is_some_and(|p| !p.is_empty()), "{tool}");
        let description = tool["description"].as_str().unwrap_or_default();
        assert!(description.contains("Azure") && description.len() > 80, "{name}: {description}");
    }
    let listed = tools.iter().filter(|t| t["name"].as_str().is_some_and(|n| WORKSPACE_TOOLS.contains(&n))).count();
    assert_eq!(listed, WORKSPACE_TOOLS.len());
    // Nothing was sent to Azure to list the tools.
    assert!(fake.requests().is_empty());
}

#[test]
fn incidents_are_listed_filtered_paged_and_detailed() {
    let fake = FakeAzure::start();
    let (mut session, _dir) = start(&env(&fake));
    let first = session.call_ok(
        "sentinel_incident_list",
        json!({"severity": "high,medium", "status": "Closed", "created_after": "2019-01-01", "limit": 1}),
    );
    let incident = &first["incidents"][0];
    assert_eq!(incident["name"], fake_sentinel::INCIDENT);
    assert_eq!(incident["incident_number"], 3177);
    assert_eq!(incident["title"], "My incident");
    assert_eq!((incident["severity"].as_str(), incident["status"].as_str()), (Some("High"), Some("Closed")));
    assert_eq!(incident["tactics"], json!(["Persistence"]));
    assert_eq!(incident["owner"], "john doe");
    assert_eq!(first["skip_token"], "page2");
    assert_eq!(first["truncated"], true);
    let sent = fake.requests().into_iter().find(|r| r.path.contains("/incidents?")).expect("a list request");
    let query = sent.path.split_once('?').unwrap().1.to_string();
    assert!(query.contains("api-version=2025-12-01"), "{query}");
    assert!(query.contains("$orderby=properties/createdTimeUtc%20desc") && query.contains("$top=1"), "{query}");
    assert!(
        query
            .contains("$filter=(properties/severity%20eq%20%27High%27%20or%20properties/severity%20eq%20%27Medium%27)"),
        "{query}"
    );
    assert!(query.contains("properties/createdTimeUtc%20ge%202019-01-01T00:00:00Z"), "{query}");

    let second = session.call_ok("sentinel_incident_list", json!({"limit": 1, "skip_token": "page2"}));
    assert_eq!(second["incidents"][0]["status"], "New");
    assert_eq!(second["skip_token"], Value::Null);
    assert_eq!(second["truncated"], false);

    let details = session.call_ok(
        "sentinel_incident_details_get",
        json!({"incident_id": fake_sentinel::INCIDENT, "include_comments": true, "include_bookmarks": true,
               "include_relations": true, "include_tasks": true}),
    );
    assert_eq!(details["incident"]["tactics"], json!(["InitialAccess", "Persistence"]));
    assert_eq!(details["alerts"][0]["display_name"], "myAlert");
    assert_eq!(details["alerts"][0]["product_name"], "Azure Security Center");
    assert_eq!(details["entities"][0]["kind"], "Account");
    assert_eq!(details["entities"][0]["properties"]["accountName"], "administrator");
    assert_eq!(details["entity_counts"], json!([{"kind": "Account", "count": 1}]));
    assert_eq!(details["comments"][0]["message"], "Some message");
    assert_eq!(names(&details["bookmarks"], "name").len(), 2);
    assert_eq!(details["relations"][1]["related_resource_kind"], "SecurityAlert");
    assert_eq!(details["tasks"][0]["title"], "Task title");
    assert_eq!(details["truncated"], json!([]));

    let by_number = session.call_ok("sentinel_incident_details_get", json!({"incident_number": 3177}));
    assert_eq!(by_number["incident"]["name"], fake_sentinel::INCIDENT);
    assert_eq!(by_number["comments"], Value::Null);

    // The only POSTs are the list actions, without a body.
    for request in fake.requests().iter().filter(|r| r.method == "POST" && !r.path.contains("/oauth2/")) {
        let path = request.path.split('?').next().unwrap();
        assert!(["/alerts", "/entities", "/bookmarks"].iter().any(|end| path.ends_with(end)), "{path}");
        assert!(request.body.is_empty(), "{path}: {}", request.body);
    }
    let bad = session.call_err("sentinel_incident_list", json!({"severity": "High' or 1 eq 1"}));
    assert!(bad.contains("not a severity"), "{bad}");
}

#[test]
fn rules_templates_and_their_counts() {
    let fake = FakeAzure::start();
    let (mut session, _dir) = start(&env(&fake));
    let rules = session.call_ok("sentinel_analytics_rule_list", json!({}));
    assert_eq!(rules["total"], 4, "the two pages are joined: {rules}");
    assert_eq!(
        names(&rules["rules"], "display_name"),
        [
            "My scheduled rule",
            "testing displayname",
            "Advanced Multi-Stage Attack Detection",
            "Brute force against Entra ID then success"
        ]
    );
    assert_eq!(rules["rules"][0]["query"], Value::Null, "queries only when asked for");
    let page = session.call_ok("sentinel_analytics_rule_list", json!({"limit": 2, "offset": 2, "include_query": true}));
    assert_eq!((page["offset"].as_u64(), page["next_offset"].as_u64()), (Some(2), None));
    assert!(page["rules"][1]["query"].as_str().is_some_and(|q| q.starts_with("SigninLogs")));
    let enabled_fusion = session.call_ok("sentinel_analytics_rule_list", json!({"kind": "fusion", "enabled": true}));
    assert_eq!(enabled_fusion["total"], 0);
    let by_technique = session.call_ok("sentinel_analytics_rule_list", json!({"technique": "T1110"}));
    assert_eq!(names(&by_technique["rules"], "name"), ["9a8f4bc1-7f3e-4b6e-9d2a-1c5e6f7a8b90"]);

    let rule =
        session.call_ok("sentinel_analytics_rule_get", json!({"rule_id": "73e01a99-5cd7-4139-a149-9f2736ff2ab5"}));
    assert_eq!(rule["rule"]["query"], "Heartbeat");
    assert_eq!(rule["rule"]["query_frequency"], "PT1H");
    assert_eq!(rule["raw"]["entityMappings"][0]["entityType"], "Host");
    let fusion = session.call_ok("sentinel_analytics_rule_get", json!({"rule_id": "myFirstFusionRule"}));
    assert_eq!(fusion["rule"]["kind"], "Fusion");

    let tactics = session.call_ok("sentinel_analytics_rules_count_by_tactic", json!({"include_rule_names": true}));
    assert_eq!((tactics["total"].as_u64(), tactics["without_any"].as_u64()), (Some(4), Some(1)));
    assert_eq!(
        tactics["counts"][0],
        json!({"name": "LateralMovement", "count": 2,
        "rules": ["My scheduled rule", "Advanced Multi-Stage Attack Detection"]})
    );
    let techniques = session.call_ok("sentinel_analytics_rules_count_by_technique", json!({"enabled_only": true}));
    assert_eq!(names(&techniques["counts"], "name"), ["T1078", "T1110"]);
    assert_eq!(names(&techniques["sub_technique_counts"], "name"), ["T1110.001", "T1110.003"]);

    let templates = session.call_ok("sentinel_analytics_rule_templates_list", json!({"severity": "Low"}));
    assert_eq!(names(&templates["rules"], "display_name"), ["Changes to Amazon VPC settings"]);
    assert_eq!(templates["rules"][0]["required_data_connectors"][0]["connector_id"], "AWS");
    let template = session.call_ok(
        "sentinel_analytics_rule_template_get",
        json!({"template_id": "65360bb0-8986-4ade-a89d-af3cf44d28aa"}),
    );
    assert_eq!(template["rule"]["version"], "1.0.2");
    assert!(template["rule"]["query"].as_str().is_some_and(|q| q.contains("AWSCloudTrail")));
    let template_tactics = session.call_ok("sentinel_analytics_rule_templates_count_by_tactic", json!({}));
    assert_eq!(template_tactics["counts"][0], json!({"name": "LateralMovement", "count": 2, "rules": null}));
    let template_techniques = session.call_ok("sentinel_analytics_rule_templates_count_by_technique", json!({}));
    assert_eq!(
        (template_techniques["counted"].as_u64(), template_techniques["without_any"].as_u64()),
        (Some(3), Some(3))
    );
}

#[test]
fn hunting_queries_and_saved_searches() {
    let fake = FakeAzure::start();
    let (mut session, _dir) = start(&env(&fake));
    let saved = session.call_ok("log_analytics_saved_searches_list", json!({}));
    assert_eq!(saved["total"], 3);
    assert_eq!(saved["saved_searches"][0]["category"], "Saved Search Test Category");
    assert_eq!(saved["saved_searches"][0]["tags"], json!([{"name": "Group", "value": "Computer"}]));
    let functions = session.call_ok("log_analytics_saved_searches_list", json!({"functions_only": true}));
    assert_eq!(functions["saved_searches"][0]["function_alias"], "heartbeat_func");
    let one =
        session.call_ok("log_analytics_saved_search_get", json!({"saved_search_id": "test-new-saved-search-id-2015"}));
    assert_eq!(one["saved_search"]["function_parameters"], "a:int=1");

    let hunting = session.call_ok("sentinel_hunting_queries_list", json!({"tactic": "credentialaccess"}));
    assert_eq!(hunting["total"], 1);
    let query = &hunting["hunting_queries"][0];
    assert_eq!(query["display_name"], "Failed sign-ins from a single IP");
    assert_eq!(query["techniques"], json!(["T1110"]));
    assert_eq!(query["query"], Value::Null);
    let by_name = session.call_ok("sentinel_hunting_query_get", json!({"name": "failed sign-ins from a single ip"}));
    assert!(by_name["hunting_query"]["query"].as_str().is_some_and(|q| q.starts_with("SigninLogs")));
    let by_id = session.call_ok("sentinel_hunting_query_get", json!({"name": "4bb36b7b-26ff-4d1c-9cbe-0d8ab3da0014"}));
    assert_eq!(by_id["hunting_query"]["tactics"], json!(["CredentialAccess", "InitialAccess"]));
    let missing = session.call_err("sentinel_hunting_query_get", json!({"name": "nope"}));
    assert!(missing.contains("sentinel_hunting_queries_list"), "{missing}");
    let counts = session.call_ok("sentinel_hunting_queries_count_by_tactic", json!({}));
    assert_eq!(names(&counts["counts"], "name"), ["CredentialAccess", "InitialAccess"]);
}

#[test]
fn connectors_watchlists_indicators_and_content() {
    let fake = FakeAzure::start();
    let (mut session, _dir) = start(&env(&fake));
    let connectors = session.call_ok("sentinel_connectors_list", json!({}));
    assert_eq!(connectors["total"], 8);
    let office = session.call_ok("sentinel_connectors_list", json!({"kind": "Office365"}));
    assert_eq!(names(&office["connectors"][0]["data_types"], "name"), ["sharePoint", "exchange"]);
    let aad =
        session.call_ok("sentinel_connectors_get", json!({"connector_id": "f0cd27d2-5f03-4c06-ba31-d2dc82dcb51d"}));
    assert_eq!(aad["connector"]["kind"], "AzureActiveDirectory");
    assert_eq!(aad["raw"]["dataTypes"]["alerts"]["state"], "Enabled");

    let watchlists = session.call_ok("sentinel_watchlists_list", json!({}));
    assert_eq!(watchlists["watchlists"][0]["alias"], "highValueAsset");
    let watchlist = session.call_ok("sentinel_watchlist_get", json!({"watchlist_alias": "highValueAsset"}));
    assert_eq!(watchlist["watchlist"]["items_search_key"], "header1");
    let items = session.call_ok("sentinel_watchlist_items_list", json!({"watchlist_alias": "highValueAsset"}));
    assert_eq!(items["items"][0]["values"]["Header-2"], "v1_2");
    let item = session.call_ok(
        "sentinel_watchlist_item_get",
        json!({"watchlist_alias": "highValueAsset", "watchlist_item_id": "fd37d325-7090-47fe-851a-5b5a00c3f576"}),
    );
    assert_eq!(item["item"]["values"]["Header-5"], "v1_5");

    let listed = session.call_ok("sentinel_threat_intelligence_indicators_list", json!({}));
    assert_eq!(listed["mode"], "list");
    assert_eq!(names(&listed["indicators"], "display_name"), ["new schema 2", "updated indicator"]);
    let queried = session.call_ok(
        "sentinel_threat_intelligence_indicators_list",
        json!({"min_confidence": 25, "sources": ["Azure Sentinel"], "limit": 100}),
    );
    assert_eq!(queried["mode"], "query");
    assert_eq!(queried["indicators"][0]["description"], "debugging indicators 2");
    let post = fake.requests().into_iter().find(|r| r.path.contains("queryIndicators")).expect("the query POST");
    let criteria: Value = serde_json::from_str(&post.body).expect("a JSON body");
    assert_eq!(criteria, json!({"pageSize": 100, "sources": ["Azure Sentinel"], "minConfidence": 25}));
    let indicator = session.call_ok(
        "sentinel_threat_intelligence_indicator_get",
        json!({"indicator_name": "e16ef847-962e-d7b6-9c8b-a33e4bd30e47"}),
    );
    assert_eq!(indicator["indicator"]["pattern"], "[url:value = 'https://abc.com']");
    let metrics = session.call_ok("sentinel_threat_intelligence_metrics_get", json!({"top": 1}));
    assert_eq!(metrics["sources"], json!([{"name": "Azure Sentinel", "value": 10315}]));

    let metadata = session.call_ok("sentinel_metadata_list", json!({"kind": "Workbook"}));
    assert_eq!(names(&metadata["metadata"], "name"), ["metadataName3"]);
    let sent = fake.requests().into_iter().find(|r| r.path.contains("/metadata?")).expect("the metadata list");
    assert!(sent.path.contains("$filter=properties/kind%20eq%20%27Workbook%27"), "{}", sent.path);
    let one = session.call_ok("sentinel_metadata_get", json!({"metadata_name": "metadataName"}));
    assert_eq!(one["metadata"]["support_tier"], "Partner");
    assert_eq!(one["raw"]["dependencies"]["operator"], "AND");

    let controls = session.call_ok("sentinel_source_controls_list", json!({}));
    assert_eq!(controls["source_controls"][0]["repository_url"], "https://github.com/user/repo");
    let control = session
        .call_ok("sentinel_source_control_get", json!({"source_control_id": "789e0c1f-4a3d-43ad-809c-e713b677b04a"}));
    assert_eq!(control["source_control"]["last_deployment_state"], "Completed");

    let settings = session.call_ok("sentinel_ml_analytics_settings_list", json!({"kind": "Anomaly"}));
    assert_eq!(settings["settings"][0]["display_name"], "Login from unusual region");
    let setting = session
        .call_ok("sentinel_ml_analytics_setting_get", json!({"setting_name": "f209187f-1d17-4431-94af-c141bf5f23db"}));
    assert_eq!(setting["setting"]["techniques"], json!(["T1037", "T1021"]));
    assert_eq!(setting["raw"]["customizableObservations"]["thresholdObservations"][1]["value"], "3");
}

#[test]
fn the_workspace_and_the_callers_roles() {
    let fake = FakeAzure::start();
    let (mut session, _dir) = start(&env(&fake));
    let workspace = session.call_ok("sentinel_workspace_get", json!({}));
    assert_eq!(workspace["customer_id"], "5b02755b-5bf4-430c-9487-45502a2a7e62");
    assert_eq!(workspace["retention_in_days"], 30);
    assert_eq!(workspace["sentinel_onboarded"], true);
    assert_eq!(workspace["customer_managed_key"], false);

    // The fake's token has no `oid`: every assignment at the scope is read (atScope()).
    let roles = session.call_ok("sentinel_authorization_summary", json!({}));
    assert_eq!(roles["principal_source"], "unknown");
    assert_eq!(roles["filter"], "atScope()");
    assert_eq!(
        names(&roles["assignments"], "role_name"),
        ["Microsoft Sentinel Responder", "Log Analytics Reader", "Reader"]
    );
    assert_eq!(names(&roles["assignments"], "scope_level"), ["workspace", "resource group", "subscription"]);
    let counts: Vec<(String, u64)> = roles["sentinel_roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["role"].as_str().unwrap().to_string(), c["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        counts,
        [
            ("Microsoft Sentinel Reader".to_string(), 0),
            ("Microsoft Sentinel Responder".to_string(), 1),
            ("Microsoft Sentinel Contributor".to_string(), 0),
            ("Log Analytics Reader".to_string(), 1)
        ]
    );
    let given = session
        .call_ok("sentinel_authorization_summary", json!({"principal_id": "2046feea-040d-4a46-9e2b-91c2941bfa70"}));
    assert_eq!(given["filter"], "assignedTo('2046feea-040d-4a46-9e2b-91c2941bfa70')");
    assert!(given["summary"].as_str().is_some_and(|s| s.contains("manage incidents")), "{given}");
    assert!(session.call_err("sentinel_authorization_summary", json!({"principal_id": "x' or 1"})).contains("GUID"));
    // Nothing but reads went out.
    for request in fake.requests() {
        assert!(request.method == "GET" || request.path.contains("/oauth2/"), "{} {}", request.method, request.path);
    }
}

#[test]
fn without_a_workspace_the_local_tools_work_and_the_workspace_tools_say_how() {
    let fake = FakeAzure::start();
    let env: Vec<(&str, String)> = env(&fake)
        .into_iter()
        .filter(|(name, _)| {
            !matches!(
                *name,
                "KQLAB_WORKSPACE_ID" | "AZURE_SUBSCRIPTION_ID" | "KQLAB_RESOURCE_GROUP" | "KQLAB_WORKSPACE_NAME"
            )
        })
        .collect();
    let (mut session, _dir) = start(&env);
    let valid = session.call_ok("kql_validate", json!({"query": "SigninLogs | take 1"}));
    assert_eq!(valid["valid"], true);
    let error = session.call_err("sentinel_incident_list", json!({}));
    assert!(error.contains("kqlab mcp --workspace NAME"), "{error}");
    assert!(error.contains("KQLAB_RESOURCE_GROUP"), "{error}");
    assert!(fake.requests().is_empty());
}

#[test]
fn a_workspace_without_arm_coordinates_says_which_are_missing() {
    let fake = FakeAzure::start();
    let env: Vec<(&str, String)> = env(&fake).into_iter().filter(|(name, _)| *name != "KQLAB_RESOURCE_GROUP").collect();
    let (mut session, _dir) = start(&env);
    let error = session.call_err("sentinel_watchlists_list", json!({}));
    assert!(error.contains("resource_group") && error.contains("KQLAB_RESOURCE_GROUP"), "{error}");
}

#[test]
fn a_missing_incident_is_a_404_with_a_hint() {
    let fake = FakeAzure::start();
    let (mut session, _dir) = start(&env(&fake));
    let error = session
        .call_err("sentinel_incident_details_get", json!({"incident_id": "00000000-0000-0000-0000-000000000404"}));
    assert!(error.contains("HTTP 404") && error.contains("ResourceNotFound"), "{error}");
    assert!(error.contains("_list` tool"), "{error}");
    let escaped = session.call_err("sentinel_incident_details_get", json!({"incident_id": "../../alertRules"}));
    assert!(escaped.contains("not a valid incident id"), "{escaped}");
    let server_alive = session.call_ok("sentinel_watchlists_list", json!({}));
    assert_eq!(server_alive["total"], 1);
}

#[test]
fn throttling_is_waited_out_then_answered() {
    let fake = FakeAzure::start();
    let (mut session, _dir) = start(&env(&fake));
    fake_sentinel::throttle(fake.addr, 1);
    let started = std::time::Instant::now();
    let workspace = session.call_ok("sentinel_workspace_get", json!({"include_onboarding": false}));
    assert_eq!(workspace["name"], "oiautorest6685");
    assert!(started.elapsed() >= std::time::Duration::from_millis(900), "Retry-After: 1 was honoured");
    let attempts = fake.requests().iter().filter(|r| r.path.contains("/workspaces/myWorkspace?")).count();
    assert_eq!(attempts, 2);
}

#[test]
fn a_refused_sign_in_is_a_tool_error_that_never_shows_the_secret() {
    const WRONG: &str = "wrong-secret-Qx9~must-never-show";
    let fake = FakeAzure::start();
    let env: Vec<(&str, String)> = env(&fake)
        .into_iter()
        .map(|(name, value)| if name == "AZURE_CLIENT_SECRET" { (name, WRONG.to_string()) } else { (name, value) })
        .collect();
    let (mut session, _dir) = start(&env);
    let error = session.call_err("sentinel_incident_list", json!({}));
    assert!(error.contains("could not sign in"), "{error}");
    assert!(error.contains("az login"), "{error}");
    // The fake echoes the secret it got in its error; kqlab scrubs it.
    let token_request = fake.requests().into_iter().find(|r| r.path.contains("/oauth2/")).expect("a token request");
    assert!(token_request.body.contains("client_secret="));
    assert!(!error.contains(WRONG), "{error}");
    assert!(!session.transcript.contains(WRONG));
    assert!(!session.transcript.contains(fake_azure::SECRET));
}

#[test]
fn redact_masks_people_and_addresses_in_sentinel_results() {
    let fake = FakeAzure::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut plain = Session::start_in(dir.path(), &[], &env(&fake));
    let shown = plain.call_ok("sentinel_incident_details_get", json!({"incident_id": fake_sentinel::INCIDENT}));
    assert!(shown.to_string().contains("john doe"), "{shown}");
    let mut session = Session::start_in(dir.path(), &["--redact"], &env(&fake));
    let first = session.call_ok("sentinel_incident_details_get", json!({"incident_id": fake_sentinel::INCIDENT}));
    let text = first.to_string();
    for person in ["john doe", "john.doe@contoso.com", "john@contoso.com"] {
        assert!(!text.contains(person), "{person} is shown: {text}");
    }
    // The same person gets the same mask in a later call.
    let again = session.call_ok("sentinel_incident_details_get", json!({"incident_id": fake_sentinel::INCIDENT}));
    assert_eq!(first["incident"]["owner"], again["incident"]["owner"]);
    assert_ne!(first["incident"]["owner"], "john doe");
}
