//! The MCP workspace tools end to end: `kqlab mcp` runs as a child with a
//! cleared environment plus what a user would set (the fake's endpoints, a
//! client secret, the workspace), and every tool is called over stdio with
//! raw JSON-RPC against the loopback fake of Entra ID, Log Analytics, ARM,
//! Microsoft Graph and RDAP (`support/fake_azure.rs`,
//! `support/fake_directory.rs`). The values checked are those of the
//! documented examples in `tests/data/azure/`. Nothing here touches Azure.

#[path = "support/fake_azure.rs"]
mod fake_azure;
#[path = "support/mcp_session.rs"]
mod mcp_session;

use std::path::Path;
use std::process::Command;

use fake_azure::{FakeAzure, SECRET, WORKSPACE};
use mcp_session::Session;
use serde_json::{Value, json};

/// The group of `groups-list.json` the fake knows.
const GROUP_ID: &str = "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4";

const RULE: &str = "Syslog
| where SyslogMessage has \"Failed password\"
| summarize Failures = count() by Computer, HostIP
";

const RULE_TEST: &str = r#"cases:
  - name: two failures on web01
    now: "2024-03-01T12:00:00Z"
    tables:
      Syslog:
        rows:
          - {TimeGenerated: "2024-03-01T10:00:00Z", Computer: "web01", HostIP: "10.0.0.5", SyslogMessage: "Failed password for root"}
          - {TimeGenerated: "2024-03-01T10:01:00Z", Computer: "web01", HostIP: "10.0.0.5", SyslogMessage: "Failed password for admin"}
          - {TimeGenerated: "2024-03-01T10:02:00Z", Computer: "web02", HostIP: "10.0.0.6", SyslogMessage: "Accepted password"}
    expect:
      rows: 1
"#;

/// A server in a temporary folder with a rules folder, talking to `fake`,
/// with `extra` environment variables and arguments.
struct Setup {
    session: Session,
    dir: tempfile::TempDir,
}

fn start(fake: &FakeAzure, args: &[&str], extra: &[(&str, String)]) -> Setup {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("rules")).expect("mkdir");
    std::fs::write(dir.path().join("rules/failed_passwords.kql"), RULE).expect("write");
    std::fs::write(dir.path().join("rules/failed_passwords.test.yaml"), RULE_TEST).expect("write");
    let mut command = Command::new(env!("CARGO_BIN_EXE_kqlab"));
    command
        .arg("mcp")
        .args(args)
        .current_dir(dir.path())
        .env_clear()
        .envs(fake.env())
        .env("KQLAB_RDAP_BOOTSTRAP", format!("{}/rdap-bootstrap/", fake.url()))
        .env("KQLAB_CACHE", dir.path().join("cache/schemas.sqlite"))
        .envs(extra.iter().map(|(k, v)| (*k, v.clone())));
    let mut session = Session::spawn(command);
    session.initialize();
    Setup { session, dir }
}

/// The structured output of a successful call (and no secret anywhere in it).
fn ok(result: &Value) -> &Value {
    assert_eq!(result["isError"], false, "{result}");
    assert!(!result.to_string().contains(SECRET), "{result}");
    &result["structuredContent"]
}

/// The text of a failed call.
fn error(result: &Value) -> String {
    assert_eq!(result["isError"], true, "{result}");
    let text = result["content"][0]["text"].as_str().expect("an error text").to_string();
    assert!(!text.contains(SECRET), "{text}");
    text
}

fn paths(fake: &FakeAzure) -> Vec<String> {
    fake.requests().into_iter().map(|r| r.path).collect()
}

#[test]
fn logs_search_returns_rows_as_objects_with_caps_throttling_and_located_errors() {
    let fake = FakeAzure::start();
    let mut setup = start(&fake, &[], &[]);
    let query = "datatable(UserPrincipalName: string, IPAddress: string, Details: dynamic, n: long) [
        'AdeleV@contoso.com', '203.0.113.7', dynamic({\"app\": \"portal\"}), 1,
        'admin@contoso.com', '198.51.100.9', dynamic(null), 2]
    | where n > 0";
    let result = setup.session.call("sentinel_logs_search", json!({"query": query}));
    let output = ok(&result);
    assert_eq!(output["timespan"], "P1D");
    assert_eq!(output["columns"][3], json!({"name": "n", "type": "long"}), "{output}");
    assert_eq!(output["rows"][0]["UserPrincipalName"], "AdeleV@contoso.com");
    assert_eq!(output["rows"][0]["Details"], json!({"app": "portal"}), "dynamic values are decoded");
    assert_eq!((output["row_count"].as_u64(), output["truncated"].as_bool()), (Some(2), Some(false)));
    let body: Value = serde_json::from_str(&fake.requests().last().unwrap().body).unwrap();
    assert_eq!(body["timespan"], "P1D");

    // The cap, and a 429 (Retry-After: 1) before the answer.
    fake.behaviour.lock().unwrap().throttle = 1;
    let result = setup.session.call("sentinel_logs_search", json!({"query": query, "max_rows": 1, "timespan": "PT1H"}));
    let output = ok(&result);
    assert_eq!((output["row_count"].as_u64(), output["truncated"].as_bool()), (Some(1), Some(true)));
    assert_eq!(output["total_rows"], 2);
    assert!(output["throttled_seconds"].as_f64().is_some_and(|s| s >= 1.0), "{output}");

    // The service's syntax error, located; a control command never leaves.
    let syntax = error(&setup.session.call("sentinel_logs_search", json!({"query": "Syslog | wher x // fake:syntax"})));
    assert!(syntax.contains("Query could not be parsed at 'wher'"), "{syntax}");
    assert!(syntax.contains("line 1, column 11"), "{syntax}");
    let before = fake.requests().len();
    let command =
        error(&setup.session.call("sentinel_logs_search", json!({"query": "// drop it\n.drop table Syslog"})));
    assert!(command.contains("`.drop` is a control command"), "{command}");
    let timespan = error(&setup.session.call("sentinel_logs_search", json!({"query": "Syslog", "timespan": "1d"})));
    assert!(timespan.contains("ISO 8601"), "{timespan}");
    assert_eq!(fake.requests().len(), before, "refused queries are not sent");
}

#[test]
fn kql_verify_runs_a_rule_on_its_fixtures_and_compares() {
    let fake = FakeAzure::start();
    let mut setup = start(&fake, &[], &[]);
    let result = setup.session.call("kql_verify", json!({"rule": "rules/failed_passwords.kql"}));
    let output = ok(&result);
    assert_eq!(output["ok"], true, "{output}");
    let run = &output["runs"][0];
    assert_eq!(run["case"], "two failures on web01");
    assert_eq!(run["fixture_tables"], json!(["Syslog"]));
    assert_eq!(run["agree"], true, "{run}");
    assert_eq!(run["row_count"], 1);
    assert_eq!(run["result"]["tables"][0]["rows"][0], json!(["web01", "10.0.0.5", 2]), "{run}");
    let sent: Value = serde_json::from_str(&fake.requests().last().unwrap().body).unwrap();
    assert!(sent["query"].as_str().unwrap().starts_with("set query_now = datetime(2024-03-01"), "{sent}");

    // A plain query; and a result that differs from the local run.
    std::fs::write(setup.dir.path().join("rules/failed_passwords.kql"), format!("{RULE}// fake:differ\n")).unwrap();
    let result = setup.session.call("kql_verify", json!({"rule": "rules/failed_passwords.kql"}));
    let output = ok(&result);
    assert_eq!((output["ok"].as_bool(), output["runs"][0]["agree"].as_bool()), (Some(false), Some(false)));
    assert!(output["runs"][0]["diff"].as_str().unwrap().contains("- web01 | 10.0.0.5 | 2"), "{output}");
    let result = setup.session.call("kql_verify", json!({"query": "print x = 1"}));
    assert_eq!(ok(&result)["runs"][0]["result"]["tables"][0]["rows"], json!([[1]]));
    let outside = error(&setup.session.call("kql_verify", json!({"rule": "/etc/passwd"})));
    assert!(outside.contains("outside the folders"), "{outside}");
}

#[test]
fn schema_pull_fills_the_local_cache_the_table_tools_read() {
    let fake = FakeAzure::start();
    let mut setup = start(&fake, &[], &[]);
    let listed = setup.session.call("sentinel_logs_tables_list", json!({}));
    let output = ok(&listed);
    assert!(output["source"].as_str().unwrap().starts_with("metadata API"), "{output}");
    let names: Vec<&str> = output["tables"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["ADAssessmentRecommendation", "custom_CL"]);
    assert!(!setup.dir.path().join("cache/schemas.sqlite").exists(), "listing does not write the cache");

    let pulled = setup.session.call("schema_pull", json!({}));
    let output = ok(&pulled);
    assert_eq!((output["tables"].as_u64(), output["functions"].as_u64()), (Some(2), Some(1)), "{output}");
    assert_eq!(output["workspace"], WORKSPACE);
    assert!(setup.dir.path().join("cache/schemas.sqlite").is_file());

    let requests = fake.requests().len();
    let listed = setup.session.call("sentinel_logs_tables_list", json!({"filter": "_cl"}));
    let output = ok(&listed);
    assert!(output["source"].as_str().unwrap().starts_with("cache (metadata-api"), "{output}");
    assert_eq!(output["tables"], json!([{"name": "custom_CL", "columns": 7, "description": null}]));
    let schema = setup.session.call("sentinel_logs_table_schema_get", json!({"table": "custom_cl"}));
    let output = ok(&schema);
    assert_eq!(output["table"], "custom_CL");
    assert_eq!(output["columns"].as_array().unwrap().len(), 7);
    assert_eq!(fake.requests().len(), requests, "the cache answered");
    let unknown = error(&setup.session.call("sentinel_logs_table_schema_get", json!({"table": "custom_C"})));
    assert!(unknown.contains("did you mean `custom_CL`"), "{unknown}");

    let details = setup.session.call("sentinel_logs_table_details_get", json!({"table": "table1_SRCH"}));
    let output = ok(&details);
    assert_eq!(output["plan"], "Analytics");
    assert_eq!(
        (output["retention_in_days"].as_i64(), output["total_retention_in_days"].as_i64()),
        (Some(50), Some(50))
    );
    assert_eq!(output["table_type"], "SearchResults");
    let missing = error(&setup.session.call("sentinel_logs_table_details_get", json!({"table": "Nope"})));
    assert!(missing.contains("has no table `Nope`"), "{missing}");
    let bad = error(&setup.session.call("sentinel_logs_table_details_get", json!({"table": "../x"})));
    assert!(bad.contains("not a table name"), "{bad}");
}

#[test]
fn entra_id_users_and_groups_with_paging_throttling_and_not_found() {
    let fake = FakeAzure::start();
    let mut setup = start(&fake, &[], &[]);
    let users = setup.session.call("entra_id_list_users", json!({}));
    let output = ok(&users);
    let upns: Vec<&str> =
        output["items"].as_array().unwrap().iter().map(|u| u["userPrincipalName"].as_str().unwrap()).collect();
    assert_eq!(upns, ["Adams@contoso.com", "admin@contoso.com"]);
    assert_eq!(output["continuation"], Value::Null);
    let request = fake.requests().last().unwrap().path.clone();
    assert!(request.contains("%24select=id%2CdisplayName%2CuserPrincipalName"), "{request}");

    // Paging: one user per page, then the continuation.
    let first = setup.session.call("entra_id_list_users", json!({"top": 1}));
    let output = ok(&first).clone();
    assert_eq!(output["items"][0]["displayName"], "Conf Room Adams");
    let continuation = output["continuation"].as_str().expect("a continuation").to_string();
    assert!(continuation.starts_with(&fake.url()), "{continuation}");
    let next = setup.session.call("entra_id_list_users", json!({"continuation": continuation}));
    let output = ok(&next);
    assert_eq!(output["items"][0]["userPrincipalName"], "admin@contoso.com");
    assert_eq!(output["continuation"], Value::Null);
    let both = setup.session.call("entra_id_list_users", json!({"top": 1, "max_pages": 3}));
    assert_eq!(ok(&both)["returned"], 2);
    let foreign =
        error(&setup.session.call("entra_id_list_users", json!({"continuation": "https://evil.example/v1.0/users"})));
    assert!(foreign.contains("leaves the Graph endpoint"), "{foreign}");

    // $search needs ConsistencyLevel: eventual (the fake refuses it otherwise).
    let searched = setup.session.call("entra_id_list_users", json!({"search": "adams"}));
    assert_eq!(ok(&searched)["total"], 2);
    let sent = fake.requests().last().unwrap().clone();
    assert!(sent.headers.iter().any(|(n, v)| n == "consistencylevel" && v == "eventual"), "{sent:?}");

    let user = setup.session.call("entra_id_get_user", json!({"user": "AdeleV@contoso.com"}));
    assert_eq!(ok(&user)["object"]["jobTitle"], "Retail Manager");
    let missing = error(&setup.session.call("entra_id_get_user", json!({"user": "nobody@contoso.com"})));
    assert!(
        missing.contains("no user `nobody@contoso.com`") && missing.contains("Request_ResourceNotFound"),
        "{missing}"
    );
    let throttled = setup.session.call("entra_id_get_user", json!({"user": "throttled@contoso.com"}));
    assert_eq!(ok(&throttled)["object"]["displayName"], "Adele Vance");
    let bad = error(&setup.session.call("entra_id_get_user", json!({"user": "not a user"})));
    assert!(bad.contains("neither a UPN"), "{bad}");

    let groups = setup.session.call("entra_id_list_groups", json!({}));
    assert_eq!(ok(&groups)["items"][0]["displayName"], "Golf Assist");
    let group = setup.session.call("entra_id_get_group", json!({"group": GROUP_ID}));
    let output = ok(&group);
    assert_eq!(output["group"]["mailNickname"], "golfassist");
    assert_eq!(output["members"][0]["type"], "user");
    assert_eq!(output["members"][0]["userPrincipalName"], "AdeleV@contoso.com");
    assert_eq!(output["members"][1]["type"], "group");
}

#[test]
fn enrichment_and_rdap_check_inputs_and_answer_locally_for_private_addresses() {
    let fake = FakeAzure::start();
    let mut setup = start(&fake, &[], &[]);
    let geo = setup.session.call("sentinel_ip_geodata_get", json!({"ip": "1.2.3.4"}));
    let output = ok(&geo);
    assert_eq!((output["data"]["city"].as_str(), output["data"]["asn"].as_str()), (Some("Redmond"), Some("12345")));
    let whois = setup.session.call("sentinel_domain_whois_get", json!({"domain": "Microsoft.com."}));
    assert_eq!(ok(&whois)["data"]["parsedWhois"]["registrar"]["name"], "MarkMonitor, Inc");
    let missing = error(&setup.session.call("sentinel_ip_geodata_get", json!({"ip": "8.8.8.8"})));
    assert!(missing.contains("no enrichment data"), "{missing}");

    let before = fake.requests().len();
    let private = setup.session.call("sentinel_ip_geodata_get", json!({"ip": "10.1.2.3"}));
    let output = ok(&private);
    assert_eq!(output["source"], "local");
    assert!(output["note"].as_str().unwrap().contains("private address"), "{output}");
    let private = setup.session.call("rdap_lookup", json!({"ip": "fe80::1"}));
    assert_eq!(ok(&private)["source"], "local");
    for (tool, arguments, expected) in [
        ("sentinel_ip_geodata_get", json!({"ip": "1.2.3"}), "not an IPv4 or IPv6 address"),
        ("sentinel_domain_whois_get", json!({"domain": "exa mple.com"}), "not a domain name"),
        ("rdap_lookup", json!({"domain": "localhost"}), "not a domain name"),
        ("rdap_lookup", json!({"autnum": "ASX"}), "not an AS number"),
        ("rdap_lookup", json!({"ip": "1.1.1.1", "domain": "example.cz"}), "exactly one"),
    ] {
        let text = error(&setup.session.call(tool, arguments));
        assert!(text.contains(expected), "{tool}: {text}");
    }
    assert_eq!(fake.requests().len(), before, "nothing is sent for bad or private input");

    // RDAP: the longest bootstrap match (192.198.0.0/16, base without a trailing slash).
    let network = setup.session.call("rdap_lookup", json!({"ip": "192.198.0.1"}));
    let output = ok(&network);
    assert_eq!(output["summary"]["handle"], "NET-192-198-0-0-1", "{output}");
    assert_eq!(output["summary"]["cidrs"], json!(["192.198.0.0/22"]));
    assert_eq!(output["server"], format!("{}/rdap/arin/ip/192.198.0.1", fake.url()));
    assert!(output["bootstrap"].as_str().unwrap().contains("/rdap-bootstrap/ipv4.json"), "{output}");
    assert_eq!(output["response"], Value::Null);
    // A domain through a redirector (302), with the full response.
    let domain = setup.session.call("rdap_lookup", json!({"domain": "EXAMPLE.cz", "raw": true}));
    let output = ok(&domain);
    assert_eq!(output["summary"]["ldhName"], "example.cz");
    assert!(output["summary"]["events"]["registration"].is_string(), "{output}");
    assert_eq!(output["server"], format!("{}/rdap/nic-cz/domain/example.cz", fake.url()));
    assert_eq!(output["response"]["ldhName"], "example.cz");
    let autnum = setup.session.call("rdap_lookup", json!({"autnum": "AS16509"}));
    assert_eq!(ok(&autnum)["summary"]["name"], "AMAZON-02");
    let missing = error(&setup.session.call("rdap_lookup", json!({"domain": "missing.cz"})));
    assert!(missing.contains("no RDAP record for domain `missing.cz`"), "{missing}");
    let unknown = error(&setup.session.call("rdap_lookup", json!({"domain": "example.org"})));
    assert!(unknown.contains("no RDAP server is registered"), "{unknown}");
    for request in fake.requests().iter().filter(|r| r.path.starts_with("/rdap")) {
        assert!(!request.headers.iter().any(|(n, _)| n == "authorization"), "a token went to RDAP: {request:?}");
    }
    assert!(!paths(&fake).iter().any(|p| p.starts_with("/rdap/wrong/")), "the shorter prefix lost");
}

#[test]
fn a_refused_connection_is_a_clear_error_without_secrets() {
    let fake = FakeAzure::start();
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let mut setup = start(&fake, &[], &[("KQLAB_GRAPH_ENDPOINT", format!("http://{closed}"))]);
    let text = error(&setup.session.call("entra_id_list_users", json!({})));
    assert!(text.contains("GET /v1.0/users") && text.contains("cannot connect"), "{text}");
    // No workspace: the tools say how to configure one.
    let mut bare = Command::new(env!("CARGO_BIN_EXE_kqlab"));
    bare.arg("mcp").current_dir(setup.dir.path()).env_clear();
    let mut session = Session::spawn(bare);
    session.initialize();
    let text = error(&session.call("sentinel_logs_search", json!({"query": "Syslog | take 1"})));
    assert!(text.contains("no workspace is configured"), "{text}");
}

#[test]
fn redact_masks_users_and_addresses_consistently_across_calls() {
    let fake = FakeAzure::start();
    let mut setup = start(&fake, &["--redact"], &[]);
    let originals =
        ["Adams@contoso.com", "admin@contoso.com", "adams@contoso.com", "Conf Room Adams", "MOD Administrator"];
    let first = setup.session.call("entra_id_list_users", json!({}));
    let second = setup.session.call("entra_id_list_users", json!({}));
    for result in [&first, &second] {
        let text = result.to_string();
        for original in originals {
            assert!(!text.contains(original), "{original} in {text}");
        }
    }
    assert_eq!(ok(&first)["items"], ok(&second)["items"], "the same value gets the same mask");
    let upn = ok(&first)["items"][0]["userPrincipalName"].as_str().unwrap().to_string();
    assert!(upn.starts_with("user-") && upn.ends_with("@redacted.invalid"), "{upn}");
    assert_eq!(ok(&first)["items"][0]["mail"], upn, "mail and UPN are the same address");

    let query = "datatable(UserPrincipalName: string, IPAddress: string, Note: string) [
        'adams@contoso.com', '203.0.113.7', 'seen from 203.0.113.7 and 2001:db8::5',
        'someone@fabrikam.com', '198.51.100.9', '']";
    let result = setup.session.call("sentinel_logs_search", json!({"query": query}));
    let text = result.to_string();
    for original in ["adams@contoso.com", "203.0.113.7", "2001:db8::5", "198.51.100.9", "someone@fabrikam.com"] {
        assert!(!text.contains(original), "{original} in {text}");
    }
    let rows = &ok(&result)["rows"];
    assert_eq!(rows[0]["UserPrincipalName"], upn, "the same address as in the Graph answer");
    let ip = rows[0]["IPAddress"].as_str().unwrap();
    assert!(ip.starts_with("ip-"), "{ip}");
    assert!(rows[0]["Note"].as_str().unwrap().starts_with(&format!("seen from {ip} and ip-")), "{rows}");

    let geo = setup.session.call("sentinel_ip_geodata_get", json!({"ip": "1.2.3.4"}));
    assert!(!geo.to_string().contains("1.2.3.4"), "{geo}");
    assert_eq!(ok(&geo)["data"]["city"], "Redmond");
    let user = setup.session.call("entra_id_get_user", json!({"user": "AdeleV@contoso.com"}));
    let text = user.to_string();
    assert!(!text.contains("AdeleV@contoso.com") && !text.contains("Adele Vance"), "{text}");
    assert!(Path::new(&setup.dir.path().join("rules")).is_dir());
}
