//! `kqlab verify` and `kqlab schema pull` end to end, against a loopback
//! fake of Entra ID, Log Analytics and ARM (`support/fake_azure.rs`). The
//! binary runs with a cleared environment plus only the variables a user
//! would set: the authority host, the endpoint overrides, a client secret
//! and the workspace. Nothing here touches Azure.

#[path = "support/fake_azure.rs"]
mod fake_azure;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fake_azure::{FakeAzure, SECRET, WORKSPACE};

fn kqlab(fake: &FakeAzure, dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kqlab"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(fake.env())
        .output()
        .expect("running kqlab")
}

fn text(output: &Output) -> (String, String) {
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const RULE: &str = "SigninLogs
| where ResultType != \"0\"
| summarize Failures = count(), Places = make_set(Location) by UserPrincipalName
| join kind=inner (
    AuditLogs
    | where OperationName == \"Add member to role\"
    | extend UserPrincipalName = tostring(InitiatedBy.user.userPrincipalName)
  ) on UserPrincipalName
| project UserPrincipalName, Failures, Places, OperationName, Note = 'it''s \\\\ \"odd\"'
";

const RULE_TEST: &str = r#"cases:
  - name: failures then a role change
    tables:
      SigninLogs:
        rows:
          - {TimeGenerated: "2024-03-01T10:00:00Z", UserPrincipalName: "o'brien@contoso.com", ResultType: "50126", Location: "a \"quoted\" \\ place"}
          - {TimeGenerated: "2024-03-01T10:01:00Z", UserPrincipalName: "o'brien@contoso.com", ResultType: "50126", Location: "line\nbreak"}
          - {TimeGenerated: "2024-03-01T10:02:00Z", UserPrincipalName: "bob@contoso.com", ResultType: "0", Location: "x"}
      AuditLogs:
        rows:
          - {TimeGenerated: "2024-03-01T10:05:00Z", OperationName: "Add member to role", InitiatedBy: {user: {userPrincipalName: "o'brien@contoso.com"}}}
    expect:
      rows: 1
"#;

#[test]
fn verify_with_fixtures_and_compare_agrees_end_to_end() {
    let fake = FakeAzure::start();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("rules")).expect("mkdir");
    std::fs::write(dir.path().join("rules/role_after_failures.kql"), RULE).expect("write");
    std::fs::write(dir.path().join("rules/role_after_failures.test.yaml"), RULE_TEST).expect("write");
    let output = kqlab(
        &fake,
        dir.path(),
        &["verify", "rules/role_after_failures.kql", "--with-fixtures", "--compare", "--no-color"],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("case `failures then a role change` (2 fixture tables):"), "{stdout}");
    assert!(stdout.contains("local and remote results agree (1 row)"), "{stdout}");
    assert!(stderr.contains("note: signed in with `client-secret`"), "{stderr}");
    let requests = fake.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [format!("/{}/oauth2/v2.0/token", fake_azure::TENANT), format!("/v1/workspaces/{WORKSPACE}/query")]
    );
    let query: serde_json::Value = serde_json::from_str(&requests[1].body).expect("JSON body");
    let sent = query["query"].as_str().expect("query text");
    assert!(sent.starts_with("set query_now = datetime(2024-03-01T10:06:00.0000000Z);\n"), "{sent}");
    assert!(sent.contains("let SigninLogs = datatable(") && sent.contains("let AuditLogs = datatable("), "{sent}");
    assert!(sent.contains(r#""a \"quoted\" \\ place""#), "{sent}");
    // The secret goes to the token endpoint only; the token only to the services.
    assert!(requests[0].body.contains("client_secret="));
    assert!(!requests[1].body.contains(SECRET) && !requests[1].headers.iter().any(|(_, v)| v.contains(SECRET)));
    assert!(requests[1].headers.iter().any(|(n, v)| n == "authorization" && v.starts_with("Bearer ey")));
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
}

#[test]
fn verify_a_real_rule_on_its_real_test_data() {
    let fake = FakeAzure::start();
    let output = kqlab(
        &fake,
        &repo(),
        &["verify", "rules/ssh_potential_brute_force.yaml", "--with-fixtures", "--compare", "--format", "json"],
    );
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    let lines: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    assert!(!lines.is_empty());
    for line in &lines {
        assert_eq!(line["compare"]["agree"], true, "{line}");
        assert_eq!(line["diagnostics"], serde_json::json!([]), "{line}");
    }
}

#[test]
fn every_remote_code_fixture_reports_its_code() {
    let root = repo().join("tests/data/remote");
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(&root).expect("tests/data/remote").map(|e| e.unwrap().path()).collect();
    dirs.sort();
    assert!(dirs.len() >= 7);
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let code = &name[..7];
        let fake = FakeAzure::start();
        if let Ok(count) = std::fs::read_to_string(dir.join("throttle")) {
            fake.behaviour.lock().unwrap().throttle = count.trim().parse().expect("a count");
        }
        let args_text = std::fs::read_to_string(dir.join("args")).expect("args");
        let mut args: Vec<&str> = args_text.split_whitespace().collect();
        args.push("--no-color");
        let output = kqlab(&fake, &dir, &args);
        let (stdout, stderr) = text(&output);
        let info = kqlab::diagnostics::codes::TABLE.iter().find(|i| i.code.to_string() == code).expect("a known code");
        let expected_exit = if info.severity == kqlab::diagnostics::Severity::Error { 1 } else { 0 };
        assert_eq!(output.status.code(), Some(expected_exit), "{name}\n{stdout}\n{stderr}");
        let marker = format!("[{code}]");
        assert!(stderr.contains(&marker), "{name}: no {marker}\n{stdout}\n{stderr}");
        let sent = fake.requests().iter().any(|r| r.path.ends_with("/query"));
        let refused_before_sending = matches!(code, "KQL5001" | "KQL5006");
        assert_eq!(sent, !refused_before_sending, "{name}");
    }
}

#[test]
fn diagnostics_point_into_the_query_and_say_what_happened() {
    let fake = FakeAzure::start();
    let dir = repo().join("tests/data/remote/KQL5002_remote_query_error");
    let (_, stderr) = text(&kqlab(&fake, &dir, &["verify", "-f", "query.kql", "--no-color"]));
    assert!(
        stderr.contains("error[KQL5002]: Log Analytics rejected the query: BadArgumentError: The request had some invalid properties; SyntaxError: A recognition error occurred in the query.; SYN0002: Query could not be parsed at 'wher' on line [1,10]"),
        "{stderr}"
    );
    assert!(stderr.contains("query.kql:1:11"), "{stderr}");
    let dir = repo().join("tests/data/remote/KQL5005_throttled");
    fake.behaviour.lock().unwrap().throttle = 1;
    let output = kqlab(&fake, &dir, &["verify", "-f", "query.kql", "--no-color"]);
    let (stdout, stderr) = text(&output);
    assert!(
        stderr.contains("warning[KQL5005]: the service was busy (429); kqlab retried 1 time and waited 1.0 s"),
        "{stderr}"
    );
    assert!(stdout.contains("(1 row)"), "{stdout}");
    let dir = repo().join("tests/data/remote/KQL5003_partial_result");
    let (stdout, stderr) = text(&kqlab(&fake, &dir, &["verify", "-f", "query.kql", "--no-color"]));
    assert!(stderr.contains("warning[KQL5003]: the result is partial: PartialError: There were some errors when processing your query.; EngineError: Something went wrong processing your query on the server.; -2133196797: Query result set has exceeded the internal record count limit 500000"), "{stderr}");
    assert!(stdout.contains("host-01"), "{stdout}");
}

#[test]
fn throttling_that_outlasts_the_retries_is_an_error_diagnostic() {
    let fake = FakeAzure::start();
    fake.behaviour.lock().unwrap().throttle = 10;
    let dir = repo().join("tests/data/remote/KQL5005_throttled");
    let output = kqlab(&fake, &dir, &["verify", "-f", "query.kql", "--no-color", "--timeout", "20s"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("error[KQL5005]: the service answered 429 to all 4 attempts; it asks to wait 1 s"),
        "{stderr}"
    );
}

#[test]
fn a_wrong_client_secret_fails_without_ever_showing_it() {
    let fake = FakeAzure::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let wrong = "wrong-secret-4Xv~must-not-leak";
    let output = Command::new(env!("CARGO_BIN_EXE_kqlab"))
        .args(["verify", "print 1"])
        .current_dir(dir.path())
        .env_clear()
        .envs(fake.env())
        .env("AZURE_CLIENT_SECRET", wrong)
        .env("KQLAB_CREDENTIAL", "client-secret")
        .output()
        .expect("running kqlab");
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stderr.contains("could not sign in to Azure; tried:\n  - client-secret:"), "{stderr}");
    assert!(stderr.contains("AADSTS7000215: Invalid client secret provided: `***`"), "{stderr}");
    // The fake echoed the secret back; kqlab scrubbed it.
    assert!(fake.requests()[0].body.contains("wrong-secret"));
    assert!(!stderr.contains(wrong) && !stdout.contains(wrong), "{stderr}");
    assert!(!fake.requests().iter().any(|r| r.path.ends_with("/query")));
}

#[test]
fn schema_pull_saves_the_metadata_api_json() {
    let fake = FakeAzure::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let output = kqlab(&fake, dir.path(), &["schema", "pull", "--out", "schema.json"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stderr
            .contains(&format!("pulled 2 tables of workspace `{WORKSPACE}` from the metadata API into `schema.json`")),
        "{stderr}"
    );
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("schema.json")).expect("saved")).expect("JSON");
    assert_eq!(saved["tables"][0]["name"], "ADAssessmentRecommendation");
    assert!(fake.requests().iter().all(|r| r.method == "GET" || r.path.ends_with("/token")));
}

#[test]
fn schema_pull_stores_a_snapshot_that_check_workspace_uses() {
    let fake = FakeAzure::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let cache = dir.path().join("cache").join("schemas.sqlite");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_kqlab"))
            .args(args)
            .current_dir(dir.path())
            .env_clear()
            .envs(fake.env())
            .env("KQLAB_CACHE", &cache)
            .output()
            .expect("running kqlab")
    };
    let output = run(&["schema", "pull"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!(
            "stored 2 tables, 1 function, 0 watchlists of workspace `{WORKSPACE}` from the metadata API in the schema cache `{}`",
            cache.display()
        )),
        "{stderr}"
    );
    std::fs::create_dir(dir.path().join("rules")).expect("mkdir");
    std::fs::write(dir.path().join("rules/raw.kql"), "custom_CL | where RawData has 'error' | project Computer\n")
        .expect("write");
    let output = run(&["check", "--workspace", WORKSPACE, "rules"]);
    assert_eq!(output.status.code(), Some(0), "{:?}", text(&output));
    // The ARM fallback is a second snapshot: `schema diff` shows the change.
    fake.behaviour.lock().unwrap().metadata_status = Some(403);
    assert_eq!(run(&["schema", "pull"]).status.code(), Some(0));
    let output = run(&["schema", "diff"]);
    let (stdout, stderr) = text(&output);
    assert!(stdout.contains("+ table AzureNetworkFlow (15 columns)\n"), "{stdout}\n{stderr}");
    assert!(stdout.contains("- table custom_CL\n"), "{stdout}");
    // The ARM fallback reads the workspace's functions from its saved searches.
    assert!(stdout.contains("FailedSignins"), "{stdout}");
    // With no cache directory at all, `--out` still saves the JSON.
    let output = Command::new(env!("CARGO_BIN_EXE_kqlab"))
        .args(["schema", "pull", "--out", "schema.json"])
        .current_dir(dir.path())
        .env_clear()
        .envs(fake.env())
        .output()
        .expect("running kqlab");
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stderr.contains("warning: not stored in the schema cache: cannot find a cache directory"), "{stderr}");
    let output = Command::new(env!("CARGO_BIN_EXE_kqlab"))
        .args(["schema", "pull"])
        .current_dir(dir.path())
        .env_clear()
        .envs(fake.env())
        .output()
        .expect("running kqlab");
    assert_eq!(output.status.code(), Some(2), "without `--out` the cache is the point: {:?}", text(&output));
}

#[test]
fn schema_pull_falls_back_to_the_arm_tables_api_and_follows_next_links() {
    let fake = FakeAzure::start();
    fake.behaviour.lock().unwrap().metadata_status = Some(403);
    let dir = tempfile::tempdir().expect("temp dir");
    let output = kqlab(&fake, dir.path(), &["schema", "pull", "--out", "tables.json"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stderr.contains("warning: the metadata API failed (GET /v1/workspaces/"), "{stderr}");
    assert!(
        stderr.contains(
            "HTTP 403: InvalidAuthenticationToken: The access token is invalid.); used the ARM tables API instead"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("pulled 2 tables"), "{stderr}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("tables.json")).expect("saved")).expect("JSON");
    assert_eq!(saved["value"].as_array().map(Vec::len), Some(2));
    let arm: Vec<_> = fake.requests().into_iter().filter(|r| r.path.starts_with("/subscriptions/")).collect();
    assert_eq!(arm.len(), 3, "two pages of tables, then the saved searches");
    assert!(arm[0].path.ends_with("/tables?api-version=2026-03-01"), "{}", arm[0].path);
    assert!(arm[2].path.ends_with("/savedSearches?api-version=2026-03-01"), "{}", arm[2].path);
    assert!(arm.iter().all(|r| r.method == "GET"), "read-only");
}

#[test]
fn workspaces_come_from_kqlab_toml_and_plain_http_is_loopback_only() {
    let fake = FakeAzure::start();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("kqlab.toml"),
        format!("[workspaces.prod]\nworkspace_id = \"{WORKSPACE}\"\n[workspaces.dev]\nworkspace_id = \"00000000-0000-0000-0000-000000000001\"\n"),
    )
    .expect("write");
    let output = kqlab(&fake, dir.path(), &["verify", "print answer = 42", "--workspace", "prod", "--no-color"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("42"), "{stdout}");
    assert!(stderr.contains("workspace `prod`"), "{stderr}");
    let output = kqlab(&fake, dir.path(), &["verify", "print 1", "--workspace", "staging"]);
    assert!(
        text(&output).1.contains("no workspace `staging` in kqlab.toml; configured: dev, prod"),
        "{}",
        text(&output).1
    );
    let output = Command::new(env!("CARGO_BIN_EXE_kqlab"))
        .args(["verify", "print 1"])
        .current_dir(dir.path())
        .env_clear()
        .envs(fake.env())
        .env("KQLAB_LOGANALYTICS_ENDPOINT", "http://api.example.com")
        .output()
        .expect("running kqlab");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).1.contains("uses plain http; only https is accepted, except on loopback addresses"),
        "{}",
        text(&output).1
    );
}

/// Runs `kqlab verify "print answer = 42"` signed in with `credential`
/// (only it is tried), the fake's variables kept where `keep` says, plus
/// `extra`; checks that it signed in that way and got the answer.
fn verify_signed_in(
    fake: &FakeAzure,
    dir: &Path,
    credential: &str,
    keep: impl Fn(&str) -> bool,
    extra: &[(&str, String)],
) {
    let output = Command::new(env!("CARGO_BIN_EXE_kqlab"))
        .args(["verify", "print answer = 42"])
        .current_dir(dir)
        .env_clear()
        .envs(fake.env().into_iter().filter(|(name, _)| keep(name)))
        .envs(extra.iter().map(|(name, value)| (*name, value.as_str())))
        .env("KQLAB_CREDENTIAL", credential)
        .output()
        .expect("running kqlab");
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stderr.contains(&format!("signed in with `{credential}`")), "{stderr}");
    assert!(stdout.contains("42"), "{stdout}");
}

/// The access token the fake accepts.
fn fake_token() -> serde_json::Value {
    let response: serde_json::Value =
        serde_json::from_str(&fake_azure::example("synthesized/auth/token-v2-client-credentials-200.json")).unwrap();
    response["access_token"].clone()
}

/// A stub program `name` in `dir/bin` that records its arguments in
/// `dir/NAME-calls.txt` and prints `printed`; returns `PATH` with it first
/// and the calls file.
#[cfg(unix)]
fn stub_program(dir: &Path, name: &str, printed: &serde_json::Value) -> (String, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let calls = dir.join(format!("{name}-calls.txt"));
    let script = format!("#!/bin/sh\necho \"$@\" >> '{}'\ncat <<'JSON'\n{}\nJSON\n", calls.display(), printed);
    let program = bin.join(name);
    std::fs::write(&program, script).expect("write the stub");
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    (format!("{}:/usr/bin:/bin", bin.display()), calls)
}

/// Keeps every variable of the fake but the client secret's.
fn without_client(name: &str) -> bool {
    !name.starts_with("AZURE_CLIENT")
}

/// The Azure CLI credential: a stub `az` on `PATH` prints the token JSON
/// `az account get-access-token` prints (the shape of the synthesized
/// example, with the fake's token), and kqlab signs in with it.
#[cfg(unix)]
#[test]
fn the_azure_cli_credential_signs_in_with_az_account_get_access_token() {
    let fake = FakeAzure::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut printed: serde_json::Value =
        serde_json::from_str(&fake_azure::example("synthesized/auth/az-account-get-access-token.json")).unwrap();
    printed["accessToken"] = fake_token();
    let (path, calls) = stub_program(dir.path(), "az", &printed);
    verify_signed_in(&fake, dir.path(), "azure-cli", without_client, &[("PATH", path)]);
    let calls = std::fs::read_to_string(&calls).expect("az was called");
    assert!(calls.contains("account get-access-token"), "{calls}");
}

/// The Azure Developer CLI credential: a stub `azd` prints the JSON of
/// `azd auth token --output json` (`token`, `expiresOn`).
#[cfg(unix)]
#[test]
fn the_azure_developer_cli_credential_signs_in_with_azd_auth_token() {
    let fake = FakeAzure::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let printed = serde_json::json!({"token": fake_token(), "expiresOn": "2099-12-31T23:00:00Z"});
    let (path, calls) = stub_program(dir.path(), "azd", &printed);
    verify_signed_in(&fake, dir.path(), "azd", without_client, &[("PATH", path)]);
    let calls = std::fs::read_to_string(&calls).expect("azd was called");
    assert!(calls.contains("auth token"), "{calls}");
}

/// The workload identity credential: a federated token file (as Kubernetes
/// mounts it) is exchanged at the token endpoint as a client assertion.
#[test]
fn the_workload_identity_credential_signs_in_with_a_federated_token_file() {
    let fake = FakeAzure::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let token_file = dir.path().join("azure-identity-token");
    std::fs::write(&token_file, fake_azure::FEDERATED_TOKEN).expect("write token");
    let extra = [("AZURE_FEDERATED_TOKEN_FILE", token_file.display().to_string())];
    verify_signed_in(&fake, dir.path(), "workload-identity", |name| name != "AZURE_CLIENT_SECRET", &extra);
}

/// The managed identity credential (opt-in): App Service's local token
/// endpoint (`IDENTITY_ENDPOINT`, `IDENTITY_HEADER`), served by the fake.
#[test]
fn the_managed_identity_credential_signs_in_when_asked() {
    let fake = FakeAzure::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let extra = [
        ("IDENTITY_ENDPOINT", format!("{}/msi/token", fake.url())),
        ("IDENTITY_HEADER", fake_azure::IDENTITY_HEADER.to_string()),
    ];
    verify_signed_in(&fake, dir.path(), "managed-identity", without_client, &extra);
    let asked = fake.requests().iter().find(|r| r.path.starts_with("/msi/token")).map(|r| r.path.clone());
    assert!(
        asked.is_some_and(|path| path.contains("resource=https%3A%2F%2Fapi.loganalytics.io")),
        "{:?}",
        fake.requests()
    );
}
