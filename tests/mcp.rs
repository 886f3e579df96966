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
    // The workspace tools (they call Azure) are checked in tests/mcp_sentinel.rs.
    names.retain(|name| !name.starts_with("sentinel_") && !name.starts_with("log_analytics_saved_search"));
    assert_eq!(
        names,
        [
            "diagnostic_explain",
            "functions_search",
            "kql_validate",
            "rules_test",
            "schema_table_get",
            "schema_tables_list"
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
