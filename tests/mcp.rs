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
    for capability in ["tools", "resources", "prompts", "completions"] {
        assert!(result["capabilities"][capability].is_object(), "{capability}: {result}");
    }
    assert!(result["instructions"].as_str().is_some_and(|text| text.contains("kql_validate")), "{result}");
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
        "tool_docs_list",
        "tool_docs_get",
        "tool_docs_search",
        "llm_instructions_get",
        "markdown_templates_list",
        "markdown_template_get",
        "attack_coverage",
        "kql_fixture",
        "kql_run",
        "rule_check",
        "sentinel_logs_search_with_dummy_data",
        "sentinel_query_validate",
    ] {
        assert!(names.contains(&expected), "{expected} is not listed: {names:?}");
    }
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "a tool name is listed twice");
    for tool in tools {
        assert_eq!(tool["inputSchema"]["type"], "object", "{tool}");
        assert!(tool["inputSchema"]["properties"].is_object(), "{tool}");
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

#[test]
fn resources_are_listed_templated_and_read() {
    let mut session = initialized_session();
    let list = session.request(2, "resources/list", json!({}));
    let resources = list["result"]["resources"].as_array().expect("a resources array");
    let uris: Vec<&str> = resources.iter().filter_map(|r| r["uri"].as_str()).collect();
    assert_eq!(&uris[..3], ["kqlab://support", "kqlab://diagnostics", "kqlab://schema"], "{list}");
    assert!(uris.contains(&"kqlab://rules/ssh_potential_brute_force.yaml"), "{list}");
    assert!(resources.iter().all(|r| r["mimeType"].is_string() && r["description"].is_string()), "{list}");

    let templates = session.request(3, "resources/templates/list", json!({}));
    let templates: Vec<&str> = templates["result"]["resourceTemplates"]
        .as_array()
        .expect("a templates array")
        .iter()
        .filter_map(|t| t["uriTemplate"].as_str())
        .collect();
    assert!(templates.contains(&"kqlab://schema/{table}"), "{templates:?}");
    assert!(templates.contains(&"kqlab://functions/{name}"), "{templates:?}");

    let table = session.request(4, "resources/read", json!({"uri": "kqlab://schema/SigninLogs"}));
    let contents = &table["result"]["contents"][0];
    assert_eq!(contents["uri"], "kqlab://schema/SigninLogs", "{table}");
    assert_eq!(contents["mimeType"], "application/json");
    let schema: Value = serde_json::from_str(contents["text"].as_str().expect("text")).expect("JSON");
    assert_eq!(schema["table"], "SigninLogs");

    let rule = session.request(5, "resources/read", json!({"uri": "kqlab://rules/ssh_potential_brute_force.yaml"}));
    let text = rule["result"]["contents"][0]["text"].as_str().expect("the rule's text");
    assert!(text.contains("relevantTechniques"), "{rule}");

    let support = session.request(6, "resources/read", json!({"uri": "kqlab://support"}));
    assert_eq!(support["result"]["contents"][0]["mimeType"], "text/markdown", "{support}");
}

#[test]
fn unknown_or_outside_resources_are_not_found_errors() {
    let mut session = initialized_session();
    let unknown = session.request(2, "resources/read", json!({"uri": "kqlab://schema/NoSuchTable"}));
    assert_eq!(unknown["error"]["code"], -32002, "{unknown}");
    assert!(unknown["error"]["message"].as_str().is_some_and(|m| m.contains("kqlab://schema/NoSuchTable")));
    let outside = session.request(3, "resources/read", json!({"uri": "kqlab://rules/../Cargo.toml"}));
    assert_eq!(outside["error"]["code"], -32002, "{outside}");
    let bad_cursor = session.request(4, "resources/list", json!({"cursor": "not-a-cursor"}));
    assert_eq!(bad_cursor["error"]["code"], -32602, "{bad_cursor}");
    // The server keeps serving.
    let support = session.request(5, "resources/read", json!({"uri": "kqlab://diagnostics/KQL1002"}));
    assert!(support["result"]["contents"][0]["text"].as_str().is_some_and(|t| t.contains("unknown-column")));
}

#[test]
fn prompts_are_listed_with_their_arguments() {
    let mut session = initialized_session();
    let response = session.request(2, "prompts/list", json!({}));
    let prompts = response["result"]["prompts"].as_array().expect("a prompts array");
    let names: Vec<&str> = prompts.iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(names, ["fix_query", "write_detection", "write_tests"], "{response}");
    let detection = prompts.iter().find(|p| p["name"] == "write_detection").expect("write_detection");
    let arguments: Vec<(&str, bool)> = detection["arguments"]
        .as_array()
        .expect("arguments")
        .iter()
        .map(|a| (a["name"].as_str().expect("a name"), a["required"] == true))
        .collect();
    assert_eq!(arguments, [("table", true), ("technique", true), ("description", false)]);
    assert!(prompts.iter().all(|p| p["description"].as_str().is_some_and(|d| d.len() > 40)), "{response}");
}

/// The text of the first message of a prompts/get response.
fn prompt_text(response: &Value) -> &str {
    response["result"]["messages"][0]["content"]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("a text message: {response}"))
}

#[test]
fn each_prompt_is_filled_in() {
    let mut session = initialized_session();
    let detection = session.request(
        2,
        "prompts/get",
        json!({"name": "write_detection", "arguments": {"table": "SigninLogs", "technique": "T1110"}}),
    );
    assert_eq!(detection["result"]["messages"][0]["role"], "user", "{detection}");
    let text = prompt_text(&detection);
    assert!(text.contains("T1110 (Brute Force)") && text.contains("schema_table_get"), "{text}");
    assert!(text.contains("NAME.test.yaml"), "{text}");

    let fix = session.request(
        3,
        "prompts/get",
        json!({"name": "fix_query", "arguments": {"query": "SigninLogs\n| where Acount == 1"}}),
    );
    assert!(prompt_text(&fix).contains("line 2, column 9: error KQL1002"), "{fix}");

    let tests = session.request(
        4,
        "prompts/get",
        json!({"name": "write_tests", "arguments": {"path": "ssh_potential_brute_force.yaml"}}),
    );
    assert!(prompt_text(&tests).contains("name: SSH - Potential Brute Force"), "{tests}");
}

#[test]
fn prompt_errors_are_invalid_params() {
    let mut session = initialized_session();
    let missing = session.request(2, "prompts/get", json!({"name": "fix_query", "arguments": {}}));
    assert_eq!(missing["error"]["code"], -32602, "{missing}");
    let missing_technique =
        session.request(3, "prompts/get", json!({"name": "write_detection", "arguments": {"table": "Syslog"}}));
    assert_eq!(missing_technique["error"]["code"], -32602, "{missing_technique}");
    let unknown_rule =
        session.request(4, "prompts/get", json!({"name": "write_tests", "arguments": {"path": "no_such_rule.yaml"}}));
    assert_eq!(unknown_rule["error"]["code"], -32602, "{unknown_rule}");
    assert!(unknown_rule["error"]["message"].as_str().is_some_and(|m| m.contains("no_such_rule.yaml")));
    let outside =
        session.request(5, "prompts/get", json!({"name": "write_tests", "arguments": {"path": "../Cargo.toml"}}));
    assert_eq!(outside["error"]["code"], -32602, "{outside}");
    let unknown_prompt = session.request(6, "prompts/get", json!({"name": "no_such_prompt", "arguments": {}}));
    assert!(unknown_prompt["error"].is_object(), "{unknown_prompt}");
}

#[test]
fn docs_tools_describe_the_live_tools() {
    let mut session = initialized_session();
    let list = session.request(2, "tools/call", json!({"name": "tool_docs_list", "arguments": {}}));
    let tools = list["result"]["structuredContent"]["tools"].as_array().expect("tools");
    assert!(tools.iter().any(|t| t["name"] == "rules_test" && t["path"] == "tool_docs/rules_test.md"), "{list}");
    let get = session.request(
        3,
        "tools/call",
        json!({"name": "tool_docs_get", "arguments": {"path": "tool_docs/kql_validate.md"}}),
    );
    let doc = &get["result"]["structuredContent"];
    assert!(doc["markdown"].as_str().is_some_and(|m| m.contains("`schemas_json`")), "{get}");
    assert_eq!(doc["input_schema"]["required"], json!(["query"]));
    let search = session.request(
        4,
        "tools/call",
        json!({"name": "tool_docs_search", "arguments": {"query": "diagnostic code"}}),
    );
    assert_eq!(search["result"]["structuredContent"]["results"][0]["name"], "diagnostic_explain", "{search}");
    let instructions = session.request(5, "tools/call", json!({"name": "llm_instructions_get", "arguments": {}}));
    let output = &instructions["result"]["structuredContent"];
    assert_eq!(output["prompts"], json!(["fix_query", "write_detection", "write_tests"]), "{instructions}");
    let templates = session.request(6, "tools/call", json!({"name": "markdown_templates_list"}));
    assert_eq!(templates["result"]["structuredContent"]["templates"][0]["name"], "incident_summary", "{templates}");
    let template = session.request(
        7,
        "tools/call",
        json!({"name": "markdown_template_get", "arguments": {"name": "rule_review"}}),
    );
    assert!(
        template["result"]["structuredContent"]["markdown"].as_str().is_some_and(|m| m.starts_with("# Rule review"))
    );
    let unknown = session.request(8, "tools/call", json!({"name": "tool_docs_get", "arguments": {"name": "nope"}}));
    assert_eq!(unknown["result"]["isError"], true, "{unknown}");
}

#[test]
fn template_variables_and_prompt_arguments_complete() {
    let mut session = initialized_session();
    let tables = session.request(
        2,
        "completion/complete",
        json!({"ref": {"type": "ref/resource", "uri": "kqlab://schema/{table}"}, "argument": {"name": "table", "value": "Signin"}}),
    );
    assert_eq!(tables["result"]["completion"]["values"][0], "SigninLogs", "{tables}");
    let rules = session.request(
        3,
        "completion/complete",
        json!({"ref": {"type": "ref/prompt", "name": "write_tests"}, "argument": {"name": "path", "value": "ssh"}}),
    );
    assert_eq!(rules["result"]["completion"]["values"], json!(["ssh_potential_brute_force.yaml"]), "{rules}");
}
