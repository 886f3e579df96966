//! `kqlab mcp` over stdio: the binary is driven with raw JSON-RPC lines, as
//! any MCP client would, with no client crate in between.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::{Value, json};

/// A running `kqlab mcp` with its stdin and a channel of its stdout lines.
struct Session {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
}

impl Session {
    fn start() -> Session {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kqlab"))
            .arg("mcp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting kqlab mcp");
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Session { child, stdin, lines }
    }

    fn send(&mut self, message: Value) {
        writeln!(self.stdin, "{message}").expect("writing to kqlab mcp");
        self.stdin.flush().expect("flushing");
    }

    /// Sends a request and returns the response with the same id.
    fn request(&mut self, id: u64, method: &str, params: Value) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let line = self.lines.recv_timeout(Duration::from_secs(30)).expect("a response within 30 s");
            let message: Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {line}"));
            if message["id"] == json!(id) {
                return message;
            }
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn initialized_session() -> Session {
    let mut session = Session::start();
    let response = session.request(
        1,
        "initialize",
        json!({
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "kqlab-test", "version": "0"}
        }),
    );
    assert_eq!(response["result"]["serverInfo"]["name"], "kqlab", "{response}");
    assert!(response["result"]["capabilities"]["tools"].is_object(), "{response}");
    session.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    session
}

#[test]
fn tools_are_listed_with_typed_input_and_output_schemas() {
    let mut session = initialized_session();
    let response = session.request(2, "tools/list", json!({}));
    let tools = response["result"]["tools"].as_array().expect("a tools array");
    let mut names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().expect("a name")).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "attack_coverage",
            "diagnostic_explain",
            "functions_search",
            "kql_fixture",
            "kql_run",
            "kql_validate",
            "rule_check",
            "rules_test",
            "schema_table_get",
            "schema_tables_list",
            "sentinel_logs_search_with_dummy_data",
            "sentinel_query_validate"
        ]
    );
    for tool in tools {
        assert_eq!(tool["inputSchema"]["type"], "object", "{tool}");
        assert!(tool["inputSchema"]["properties"].as_object().is_some_and(|p| !p.is_empty()), "{tool}");
        assert_eq!(tool["outputSchema"]["type"], "object", "{tool}");
        assert_eq!(tool["annotations"]["readOnlyHint"], true, "{tool}");
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

/// Calls a tool and returns its result (structured content and `isError`).
fn call(session: &mut Session, id: u64, tool: &str, arguments: Value) -> Value {
    let response = session.request(id, "tools/call", json!({"name": tool, "arguments": arguments}));
    response["result"].clone()
}

/// The text of a tool error.
fn error_text(result: &Value) -> &str {
    assert_eq!(result["isError"], true, "{result}");
    result["content"][0]["text"].as_str().expect("an error text")
}

#[test]
fn kql_run_runs_on_inline_samples_and_stops_runaway_queries() {
    let mut session = initialized_session();
    let csv = "TimeGenerated,UserPrincipalName,ResultType\n2025-01-01T00:00:00Z,alice@contoso.com,50126\n2025-01-01T00:01:00Z,alice@contoso.com,50126\n";
    let result = call(
        &mut session,
        2,
        "kql_run",
        json!({
            "query": "SigninLogs | summarize n = count(), ip = take_any(IPAddress) by UserPrincipalName",
            "tables": [{"name": "SigninLogs", "text": csv}],
            "now": "2025-01-02T00:00:00Z"
        }),
    );
    assert_eq!(result["isError"], false, "{result}");
    let output = &result["structuredContent"];
    assert_eq!(output["rows"], json!([{"UserPrincipalName": "alice@contoso.com", "n": 2, "ip": ""}]), "{output}");
    assert_eq!(output["columns"][1], json!({"name": "n", "type": "long"}));
    assert_eq!((output["row_count"].as_u64(), output["truncated"].as_bool()), (Some(1), Some(false)));
    assert_eq!(output["now"], "2025-01-02T00:00:00Z");
    let started = std::time::Instant::now();
    let runaway = call(
        &mut session,
        3,
        "kql_run",
        json!({"query": "range x from 1 to 100000000 step 1 | join kind=inner (range y from 1 to 100000000 step 1) on $left.x == $right.y"}),
    );
    assert!(error_text(&runaway).contains("KQL4003"), "{runaway}");
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    let huge = call(&mut session, 4, "kql_run", json!({"query": "x".repeat(10 << 20)}));
    assert!(error_text(&huge).contains("accepts up to"), "{huge}");
    let no_data = call(&mut session, 5, "kql_run", json!({"query": "T", "tables": [{"name": "T"}]}));
    assert!(error_text(&no_data).contains("has no data"), "{no_data}");
    let outside =
        call(&mut session, 6, "kql_run", json!({"query": "T", "tables": [{"name": "T", "path": "/etc/passwd"}]}));
    assert!(error_text(&outside).contains("outside"), "{outside}");
    // The server keeps serving after the errors.
    let again = call(&mut session, 7, "kql_run", json!({"query": "print x = 1"}));
    assert_eq!(again["structuredContent"]["rows"], json!([{"x": 1}]), "{again}");
}

#[test]
fn kql_fixture_turns_a_sample_file_into_a_datatable() {
    let mut session = initialized_session();
    let result = call(
        &mut session,
        2,
        "kql_fixture",
        json!({"table": "CommonSecurityLog", "path": "samples/CommonSecurityLog_illusive.csv", "max_rows": 2}),
    );
    assert_eq!(result["isError"], false, "{result}");
    let output = &result["structuredContent"];
    let fixture = output["fixture"].as_str().expect("a fixture");
    assert!(fixture.starts_with("let CommonSecurityLog = datatable("), "{fixture}");
    assert_eq!(output["row_count"], 2);
    assert_eq!(output["schema_source"], "builtin");
    let broken = call(&mut session, 3, "kql_fixture", json!({"table": "T", "text": "\"a,b\n1,2\n", "format": "csv"}));
    assert!(error_text(&broken).contains("cannot be read"), "{broken}");
}

#[test]
fn rule_check_checks_a_bundled_rule_and_an_inline_one() {
    let mut session = initialized_session();
    let file = call(&mut session, 2, "rule_check", json!({"path": "rules/brute_force_attack_against_a_cloud_pc.yaml"}));
    assert_eq!(file["isError"], false, "{file}");
    assert_eq!(file["structuredContent"]["ok"], true, "{file}");
    let yaml = "id: 0b9ae89d-8cad-461c-808f-0494f70ad5c4\nname: x\nkind: Scheduled\nseverity: Urgent\nquery: |\n  SigninLogs\n  | where Acount == 1\n";
    let inline = call(&mut session, 3, "rule_check", json!({"yaml": yaml}));
    let output = &inline["structuredContent"];
    assert_eq!(output["ok"], false, "{output}");
    let unknown = output["diagnostics"].as_array().expect("diagnostics").iter().find(|d| d["code"] == "KQL1002");
    let unknown = unknown.unwrap_or_else(|| panic!("no KQL1002 in {output}"));
    assert_eq!((unknown["file"].as_str(), unknown["line"].as_u64()), (Some("inline.yaml"), Some(7)));
    let outside = call(&mut session, 4, "rule_check", json!({"path": "/etc/hostname"}));
    assert!(error_text(&outside).contains("outside"), "{outside}");
}

#[test]
fn attack_coverage_finds_rules_by_technique() {
    let mut session = initialized_session();
    let result = call(&mut session, 2, "attack_coverage", json!({"technique": "T1110", "limit": 1}));
    assert_eq!(result["isError"], false, "{result}");
    let output = &result["structuredContent"];
    assert!(output["matching_rules"].as_u64().is_some_and(|n| n >= 1), "{output}");
    assert!(output["rules"][0]["techniques"].as_array().is_some_and(|t| !t.is_empty()), "{output}");
    let unknown = call(&mut session, 3, "attack_coverage", json!({"tactic": "Teleportation"}));
    assert!(error_text(&unknown).contains("unknown tactic"), "{unknown}");
}

#[test]
fn the_compatible_names_call_the_same_tools() {
    let mut session = initialized_session();
    let validate = call(&mut session, 2, "sentinel_query_validate", json!({"query": "SigninLogs | where Acount == 1"}));
    assert_eq!(validate["structuredContent"]["diagnostics"][0]["code"], "KQL1002", "{validate}");
    let search = call(
        &mut session,
        3,
        "sentinel_logs_search_with_dummy_data",
        json!({"query": "Heartbeat | count", "tables": [{"name": "Heartbeat", "text": "[{\"Computer\": \"a\"}]"}]}),
    );
    assert_eq!(search["structuredContent"]["rows"], json!([{"Count": 1}]), "{search}");
    let missing = call(&mut session, 4, "sentinel_logs_search_with_dummy_data", json!({"query": "Heartbeat | count"}));
    assert!(error_text(&missing).contains("KQL4002"), "{missing}");
}
