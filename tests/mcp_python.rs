//! End to end with the official MCP Python SDK: `tests/mcp_client/e2e.py`
//! drives `kqlab mcp` over stdio and over streamable HTTP and prints a JSON
//! summary of its checks.
//!
//! The Python is `KQLAB_MCP_PYTHON`, else `.venv-mcp/bin/python` (made by
//! `.ci/run`, or by hand: `python3 -m venv .venv-mcp && .venv-mcp/bin/pip
//! install -r tests/mcp_client/requirements.txt`). Without it the tests fail
//! under `CI=true` and are skipped with a message otherwise.

#[path = "support/mcp_http.rs"]
mod mcp_http;

use std::path::{Path, PathBuf};
use std::process::Command;

use mcp_http::{HttpServer, TOKEN};
use serde_json::Value;

const SETUP: &str = "python3 -m venv .venv-mcp && .venv-mcp/bin/pip install -r tests/mcp_client/requirements.txt";

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Python with the `mcp` package, or `None` (skip) outside CI.
fn python() -> Option<PathBuf> {
    let python = match std::env::var_os("KQLAB_MCP_PYTHON") {
        Some(path) => PathBuf::from(path),
        None => repository().join(".venv-mcp/bin/python"),
    };
    let usable = Command::new(&python)
        .args(["-c", "import mcp"])
        .output()
        .map(|output| output.status.success())
        .unwrap_or(false);
    if usable {
        return Some(python);
    }
    let problem =
        format!("{} cannot import `mcp` (set it up with `{SETUP}`, or set KQLAB_MCP_PYTHON)", python.display());
    if std::env::var("CI").is_ok_and(|value| value == "true" || value == "1") {
        panic!("{problem}");
    }
    eprintln!("skipping the MCP Python SDK test: {problem}");
    None
}

/// Runs `e2e.py` with `args` and checks that every check passed.
fn run_e2e(python: &Path, args: &[&str], token: Option<&str>) -> Value {
    let mut command = Command::new(python);
    command.arg(repository().join("tests/mcp_client/e2e.py")).args(args).current_dir(repository());
    command.env_remove("KQLAB_MCP_TOKEN");
    if let Some(token) = token {
        command.env("KQLAB_MCP_TOKEN", token);
    }
    let output = command.output().expect("running e2e.py");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let summary: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|error| panic!("e2e.py printed no JSON summary ({error}):\n{stdout}\nstderr:\n{stderr}"));
    assert!(output.status.success() && summary["ok"] == true, "e2e.py failed:\n{stdout}\nstderr:\n{stderr}");
    summary
}

fn check_summary(summary: &Value, transport: &str) {
    assert_eq!(summary["transport"], transport);
    assert_eq!(summary["server"].as_str().map(|s| s.starts_with("kqlab ")), Some(true), "{summary}");
    let names: Vec<&str> =
        summary["checks"].as_array().expect("checks").iter().filter_map(|c| c["name"].as_str()).collect();
    for expected in ["tools_have_schemas", "validate_locates_an_unknown_column", "rules_test_runs_the_bundled_rules"] {
        assert!(names.contains(&expected), "{expected} did not run: {names:?}");
    }
    // e2e.py fails a tool without input properties unless it is listed in
    // its NO_PARAMETER_TOOLS; show those that are.
    eprintln!("{transport}: tools without parameters: {}", summary["tools_without_properties"]);
}

#[test]
fn python_sdk_client_over_stdio() {
    let Some(python) = python() else { return };
    let summary = run_e2e(&python, &["stdio", env!("CARGO_BIN_EXE_kqlab")], None);
    check_summary(&summary, "stdio");
}

#[test]
fn python_sdk_client_over_http() {
    let Some(python) = python() else { return };
    let mut server = HttpServer::start(Some(TOKEN), &[]);
    let summary = run_e2e(&python, &["http", &server.url], Some(TOKEN));
    check_summary(&summary, "http");
    let (status, _) = server.terminate(std::time::Duration::from_secs(10)).expect("the server stops");
    assert_eq!(status.code(), Some(0));
}
