//! `kqlab mcp`'s transports, driven as a client would: over HTTP (raw
//! HTTP/1.1 on a socket) the token, Host and Origin checks and a session
//! that lists the tools; and a clean exit 0 on SIGTERM in both HTTP and
//! stdio mode.

#[path = "support/mcp_http.rs"]
mod mcp_http;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use mcp_http::{HttpServer, TOKEN, post_json, request};
use serde_json::{Value, json};

fn initialize_request() -> Value {
    json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "kqlab-test", "version": "0"}}
    })
}

#[test]
fn requests_without_the_right_token_get_401_with_a_bearer_challenge() {
    let server = HttpServer::start(Some(TOKEN), &[]);
    let body = initialize_request().to_string();
    let json_headers = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")];

    let missing = request(server.address, "POST", &json_headers, &body);
    assert_eq!(missing.status, 401, "{missing:?}");
    assert!(missing.header("www-authenticate").is_some_and(|value| value.starts_with("Bearer")), "{missing:?}");

    let wrong_token = format!("Bearer {TOKEN}x");
    let mut headers = json_headers.to_vec();
    headers.push(("Authorization", &wrong_token));
    let wrong = request(server.address, "POST", &headers, &body);
    assert_eq!(wrong.status, 401, "{wrong:?}");
    assert!(wrong.header("www-authenticate").is_some_and(|value| value.contains("invalid_token")), "{wrong:?}");

    let basic = request(server.address, "POST", &[("Authorization", "Basic dXNlcjpwYXNz")], &body);
    assert_eq!(basic.status, 401, "{basic:?}");
    // Every method needs the token, not only POST.
    assert_eq!(request(server.address, "GET", &[], "").status, 401);
    assert_eq!(request(server.address, "DELETE", &[], "").status, 401);
}

#[test]
fn a_foreign_host_or_origin_gets_403_even_with_the_token() {
    let server = HttpServer::start(Some(TOKEN), &["--allow-origin", "https://app.example.com"]);
    let authorization = format!("Bearer {TOKEN}");
    let body = initialize_request().to_string();
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut headers = vec![
            ("Authorization", authorization.as_str()),
            ("Content-Type", "application/json"),
            ("Accept", "application/json, text/event-stream"),
        ];
        headers.extend_from_slice(extra);
        request(server.address, "POST", &headers, &body)
    };

    let rebinding = with(&[("Host", "attacker.example:8765")]);
    assert_eq!(rebinding.status, 403, "{rebinding:?}");
    let foreign_origin = with(&[("Origin", "https://attacker.example")]);
    assert_eq!(foreign_origin.status, 403, "{foreign_origin:?}");
    assert_eq!(with(&[("Origin", "null")]).status, 403);

    for (name, value) in
        [("Host", "localhost"), ("Origin", "http://localhost:6274"), ("Origin", "https://app.example.com")]
    {
        let allowed = with(&[(name, value)]);
        assert_eq!(allowed.status, 200, "{name}: {value} -> {allowed:?}");
    }
}

#[test]
fn with_the_token_a_session_initializes_and_lists_the_tools() {
    let server = HttpServer::start(Some(TOKEN), &[]);
    let initialized = post_json(server.address, TOKEN, None, &initialize_request());
    assert_eq!(initialized.status, 200, "{initialized:?}");
    let session = initialized.header("mcp-session-id").expect("a session id").to_string();
    let result = &initialized.messages()[0]["result"];
    assert_eq!(result["serverInfo"]["name"], "kqlab", "{initialized:?}");

    let notified = post_json(
        server.address,
        TOKEN,
        Some(&session),
        &json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    );
    assert_eq!(notified.status, 202, "{notified:?}");

    let listed =
        post_json(server.address, TOKEN, Some(&session), &json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}));
    assert_eq!(listed.status, 200, "{listed:?}");
    let messages = listed.messages();
    let tools = messages[0]["result"]["tools"].as_array().expect("a tools array");
    let names: Vec<&str> = tools.iter().filter_map(|tool| tool["name"].as_str()).collect();
    for expected in ["kql_validate", "rules_test", "diagnostic_explain", "schema_table_get"] {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }

    let call = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "kql_validate", "arguments": {"query": "SigninLogs | where Acount == 1"}}});
    let validated = post_json(server.address, TOKEN, Some(&session), &call);
    let output = &validated.messages()[0]["result"]["structuredContent"];
    assert_eq!(output["diagnostics"][0]["code"], "KQL1002", "{validated:?}");

    let closed = request(
        server.address,
        "DELETE",
        &[("Authorization", &format!("Bearer {TOKEN}")), ("Mcp-Session-Id", &session)],
        "",
    );
    assert!(matches!(closed.status, 200 | 202 | 204), "{closed:?}");
}

#[test]
fn without_a_given_token_one_is_generated_and_printed_on_stderr() {
    let server = HttpServer::start(None, &[]);
    let token = server.printed_token().expect("a `bearer token:` line on stderr");
    assert_eq!(token.len(), 64, "{token}");
    assert_eq!(post_json(server.address, &token, None, &initialize_request()).status, 200);
    assert_eq!(post_json(server.address, TOKEN, None, &initialize_request()).status, 401);
}

#[test]
fn the_token_file_is_read_and_short_tokens_are_refused() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("token");
    std::fs::write(&path, format!("{TOKEN}-from-file\n")).expect("write");
    let path_text = path.to_str().expect("a UTF-8 path");
    let server = HttpServer::start(Some(TOKEN), &["--token-file", path_text]);
    assert_eq!(server.printed_token(), None);
    let from_file = format!("{TOKEN}-from-file");
    assert_eq!(post_json(server.address, &from_file, None, &initialize_request()).status, 200);
    assert_eq!(post_json(server.address, TOKEN, None, &initialize_request()).status, 401);

    let short = Command::new(env!("CARGO_BIN_EXE_kqlab"))
        .args(["mcp", "--http", "127.0.0.1:0"])
        .env("KQLAB_MCP_TOKEN", "short")
        .output()
        .expect("running kqlab mcp");
    assert_eq!(short.status.code(), Some(2), "{short:?}");
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 16"), "{short:?}");
}

#[test]
fn a_non_loopback_address_needs_allow_remote() {
    let refused = Command::new(env!("CARGO_BIN_EXE_kqlab"))
        .args(["mcp", "--http", "0.0.0.0:0"])
        .env("KQLAB_MCP_TOKEN", TOKEN)
        .output()
        .expect("running kqlab mcp");
    assert!(!refused.status.success(), "{refused:?}");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("--allow-remote") && stderr.contains("not a loopback address"), "{stderr}");
    assert!(refused.stdout.is_empty());
}

#[test]
fn sigterm_stops_the_http_server_with_exit_code_0() {
    let mut server = HttpServer::start(Some(TOKEN), &[]);
    // An open session must not hold the shutdown up.
    let initialized = post_json(server.address, TOKEN, None, &initialize_request());
    assert_eq!(initialized.status, 200);
    let (status, elapsed) = server.terminate(Duration::from_secs(10)).expect("the server stops within 10 s");
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert!(elapsed < Duration::from_secs(3), "stopping took {elapsed:?}");
    // The reader thread may still be forwarding the last lines after the
    // exit: read until it ends at the closed stderr, not only what came so far.
    let rest: Vec<String> = std::iter::from_fn(|| server.stderr.recv_timeout(Duration::from_secs(5)).ok()).collect();
    assert!(rest.iter().any(|line| line.contains("SIGTERM received")), "{rest:?}");
}

#[test]
fn sigterm_stops_the_stdio_server_with_exit_code_0() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kqlab"))
        .arg("mcp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting kqlab mcp");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    // A session in progress, with stdin left open: only the signal ends it.
    writeln!(stdin, "{}", initialize_request()).expect("writing");
    let mut line = String::new();
    stdout.read_line(&mut line).expect("reading the initialize response");
    assert!(line.contains("\"serverInfo\""), "{line}");
    let (status, elapsed) = mcp_http::terminate(&mut child, Duration::from_secs(10)).expect("stops within 10 s");
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert!(elapsed < Duration::from_secs(3), "stopping took {elapsed:?}");
    drop(stdin);
}
