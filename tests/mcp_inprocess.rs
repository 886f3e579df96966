//! The MCP server driven by rmcp's own client, in-process over a duplex
//! pipe: no child process, no socket. Checks what every tool publishes
//! (input and output schemas, annotations) and calls the local tools.

use std::sync::Arc;

use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::{RoleClient, RunningService};
use serde_json::{Value, json};

use kqlab::mcp::{Context, Server};

/// A client connected to a fresh server over the bundled rules and samples.
async fn connect() -> RunningService<RoleClient, ()> {
    let root = env!("CARGO_MANIFEST_DIR");
    let context = Context::local(format!("{root}/rules"), vec![format!("{root}/samples").into()]);
    let (server_end, client_end) = tokio::io::duplex(1 << 16);
    tokio::spawn(async move {
        let service = Server::new(Arc::new(context)).serve(server_end).await.expect("server starts");
        let _ = service.waiting().await;
    });
    ().serve(client_end).await.expect("client connects")
}

async fn call(client: &RunningService<RoleClient, ()>, tool: &'static str, arguments: Value) -> CallToolResult {
    let Value::Object(arguments) = arguments else { panic!("arguments must be an object") };
    client.call_tool(CallToolRequestParams::new(tool).with_arguments(arguments)).await.expect("tools/call answers")
}

#[tokio::test]
async fn every_tool_publishes_typed_input_output_and_read_only_hint() {
    let client = connect().await;
    let tools = client.list_all_tools().await.expect("tools/list");
    assert!(tools.len() >= 6, "only {} tools", tools.len());
    for tool in &tools {
        let name = &tool.name;
        let description = tool.description.as_deref().unwrap_or_default();
        assert!(description.len() >= 40, "{name}: the description is too thin for a model: {description:?}");
        assert_eq!(tool.input_schema.get("type"), Some(&json!("object")), "{name}: input schema");
        let output = tool.output_schema.as_ref().unwrap_or_else(|| panic!("{name}: no outputSchema"));
        assert_eq!(output.get("type"), Some(&json!("object")), "{name}: output schema");
        let annotations = tool.annotations.as_ref().unwrap_or_else(|| panic!("{name}: no annotations"));
        // schema_pull writes the local schema cache (never Azure); every other tool only reads.
        assert_eq!(annotations.read_only_hint, Some(name != "schema_pull"), "{name}: readOnlyHint");
        assert_ne!(annotations.destructive_hint, Some(true), "{name}: destructiveHint");
    }
    client.cancel().await.expect("stop");
}

#[tokio::test]
async fn validate_returns_located_diagnostics_and_structured_content() {
    let client = connect().await;
    let result = call(&client, "kql_validate", json!({"query": "SigninLogs\n| where UserPrincipalNam == 'x'"})).await;
    assert_ne!(result.is_error, Some(true));
    let output = result.structured_content.expect("structuredContent");
    assert_eq!(output["valid"], json!(false));
    let diagnostic = &output["diagnostics"][0];
    assert_eq!(diagnostic["line"], json!(2), "{diagnostic}");
    assert!(diagnostic["help"].as_str().unwrap_or_default().contains("UserPrincipalName"), "{diagnostic}");
    client.cancel().await.expect("stop");
}

#[tokio::test]
async fn a_failing_call_is_a_tool_error_and_the_server_keeps_serving() {
    let client = connect().await;
    let result = call(&client, "schema_table_get", json!({"table": "SigninLog"})).await;
    assert_eq!(result.is_error, Some(true));
    let wrong_type = client
        .call_tool(
            CallToolRequestParams::new("kql_validate")
                .with_arguments(json!({"query": 42}).as_object().cloned().expect("object")),
        )
        .await;
    assert!(wrong_type.is_err() || wrong_type.as_ref().is_ok_and(|r| r.is_error == Some(true)), "{wrong_type:?}");
    let result = call(&client, "schema_table_get", json!({"table": "SigninLogs"})).await;
    assert_ne!(result.is_error, Some(true));
    client.cancel().await.expect("stop");
}

#[tokio::test]
async fn rules_test_outside_the_rules_folder_is_refused() {
    let client = connect().await;
    let result = call(&client, "rules_test", json!({"folder": "/etc"})).await;
    assert_eq!(result.is_error, Some(true));
    let text = serde_json::to_string(&result.content).unwrap();
    assert!(text.contains("outside the folders"), "{text}");
    client.cancel().await.expect("stop");
}
