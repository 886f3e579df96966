//! `kqlab mcp` over stdio: the binary is driven with raw JSON-RPC lines, as
//! any MCP client would, with no client crate in between.

#[path = "support/mcp_session.rs"]
mod mcp_session;

use mcp_session::Session;
use serde_json::{Value, json};

fn initialized_session() -> Session {
    let mut session = Session::start();
    let result = session.initialize();
    assert_eq!(result["serverInfo"]["name"], "kqlab", "{result}");
    assert!(result["capabilities"]["tools"].is_object(), "{result}");
    session
}

#[test]
fn tools_are_listed_with_typed_input_and_output_schemas() {
    let mut session = initialized_session();
    let response = session.request(2, "tools/list", json!({}));
    let tools = response["result"]["tools"].as_array().expect("a tools array");
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().expect("a name")).collect();
    // Every family is there; each family's own test file checks its tools in detail
    // (tests/mcp_sentinel.rs, tests/mcp_workspace.rs).
    for expected in [
        "diagnostic_explain",
        "functions_search",
        "kql_validate",
        "rules_test",
        "schema_table_get",
        "schema_tables_list",
        "sentinel_incident_list",
        "sentinel_logs_search",
        "entra_id_list_users",
        "rdap_lookup",
    ] {
        assert!(names.contains(&expected), "{expected} is not listed: {names:?}");
    }
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "a tool name is listed twice");
    for tool in tools {
        assert_eq!(tool["inputSchema"]["type"], "object", "{tool}");
        assert!(tool["inputSchema"]["properties"].as_object().is_some_and(|p| !p.is_empty()), "{tool}");
        assert_eq!(tool["outputSchema"]["type"], "object", "{tool}");
        // schema_pull writes the local schema cache (never Azure); every other tool only reads.
        let read_only = tool["name"] != "schema_pull";
        assert_eq!(tool["annotations"]["readOnlyHint"], read_only, "{tool}");
        assert_ne!(tool["annotations"]["destructiveHint"], true, "{tool}");
        assert!(tool["description"].as_str().is_some_and(|d| d.len() > 80), "{tool}");
    }
    let validate = tools.iter().find(|t| t["name"] == "kql_validate").expect("kql_validate");
    assert_eq!(validate["inputSchema"]["properties"]["query"]["type"], "string");
    assert_eq!(validate["inputSchema"]["required"], json!(["query"]));
}

#[test]
fn kql_validate_returns_a_located_diagnostic() {
    let mut session = initialized_session();
    let response = session.request(
        2,
        "tools/call",
        json!({"name": "kql_validate", "arguments": {"query": "SigninLogs\n| where Acount == \"admin\""}}),
    );
    let result = &response["result"];
    assert_eq!(result["isError"], false, "{response}");
    let output = &result["structuredContent"];
    assert_eq!(output["valid"], false);
    let diagnostic = &output["diagnostics"][0];
    assert_eq!(diagnostic["code"], "KQL1002", "{output}");
    assert_eq!(diagnostic["name"], "unknown-column");
    assert_eq!((diagnostic["line"].as_u64(), diagnostic["column"].as_u64()), (Some(2), Some(9)));
    // The same JSON goes in a text block for clients that ignore structured content.
    let text = result["content"][0]["text"].as_str().expect("a text block");
    assert_eq!(serde_json::from_str::<Value>(text).expect("JSON text"), *output);
}

#[test]
fn bad_arguments_are_tool_errors_and_the_server_keeps_serving() {
    let mut session = initialized_session();
    let unknown =
        session.request(2, "tools/call", json!({"name": "diagnostic_explain", "arguments": {"code": "KQL9999"}}));
    assert_eq!(unknown["result"]["isError"], true, "{unknown}");
    let outside = session.request(3, "tools/call", json!({"name": "rules_test", "arguments": {"folder": "/etc"}}));
    assert_eq!(outside["result"]["isError"], true, "{outside}");
    let wrong_type = session.request(4, "tools/call", json!({"name": "kql_validate", "arguments": {"query": 42}}));
    assert_eq!(wrong_type["result"]["isError"], true, "{wrong_type}");
    let table =
        session.request(5, "tools/call", json!({"name": "schema_table_get", "arguments": {"table": "SigninLogs"}}));
    assert_eq!(table["result"]["structuredContent"]["table"], "SigninLogs", "{table}");
}

#[test]
fn rules_test_runs_the_bundled_rules_cases() {
    let mut session = initialized_session();
    let response = session.request(2, "tools/call", json!({"name": "rules_test", "arguments": {"filter": "brute"}}));
    let output = &response["result"]["structuredContent"];
    assert_eq!(response["result"]["isError"], false, "{response}");
    assert!(output["passed"].as_u64().is_some_and(|n| n > 0), "{output}");
    assert_eq!(output["failed"], 0, "{output}");
    assert_eq!(output["rule_errors"], json!([]), "{output}");
}
