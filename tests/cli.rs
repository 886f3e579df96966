//! CLI tests: run the `kqlab` binary in a temporary folder and check its
//! output and exit codes (0 no errors, 1 errors found, 2 usage or I/O failure).

use std::path::Path;
use std::process::{Command, Output};

fn kqlab(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kqlab")).args(args).current_dir(dir).output().expect("running kqlab")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn check_reports_a_located_diagnostic_and_exits_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("bad.kql"), "SigninLogs\n| where (ResultType == \"0\"))\n").expect("write");
    let output = kqlab(dir.path(), &["check", "bad.kql", "--no-color"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("error[KQL0012]: unexpected `)`: it closes nothing"), "{text}");
    assert!(text.contains("bad.kql:2:28"), "{text}");
    assert!(text.contains("checked 1 file: 1 error, 0 warnings"), "{text}");
}

#[test]
fn check_of_a_clean_folder_exits_0() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("rules")).expect("mkdir");
    std::fs::write(dir.path().join("rules/a.kql"), "SecurityEvent | where EventID == 4625 | count").expect("write");
    std::fs::write(dir.path().join("rules/notes.txt"), "not KQL (").expect("write");
    let output = kqlab(dir.path(), &["check"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("checked 1 file: 0 errors"));
}

#[test]
fn check_json_format_gives_one_object_per_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("q.kql"), "Heartbeat | project Computer,").expect("write");
    let output = kqlab(dir.path(), &["check", "--format", "json", "q.kql"]);
    assert_eq!(output.status.code(), Some(1));
    let record: serde_json::Value = serde_json::from_str(stdout(&output).trim()).expect("one JSON line");
    assert_eq!(record["ok"], false);
    let diagnostic = &record["diagnostics"][0];
    assert_eq!(diagnostic["code"], "KQL0011");
    assert_eq!(diagnostic["line"], 1);
    assert_eq!(diagnostic["start"], 29);
}

#[test]
fn batch_mode_prints_one_line_per_record() {
    let dir = tempfile::tempdir().expect("temp dir");
    let batch = concat!(
        "{\"id\": \"good\", \"query\": \"Heartbeat | take 1\"}\n",
        "{\"id\": 7, \"query\": \"| where x\"}\n",
        "\n",
        "{\"id\": \"str\", \"query\": \"print \\\"é\\\" ) \"}\n"
    );
    std::fs::write(dir.path().join("q.jsonl"), batch).expect("write");
    let output = kqlab(dir.path(), &["check", "--queries", "q.jsonl"]);
    assert_eq!(output.status.code(), Some(1));
    let lines: Vec<serde_json::Value> =
        stdout(&output).lines().map(|line| serde_json::from_str(line).expect("JSON line")).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["id"], "good");
    assert_eq!(lines[0]["ok"], true);
    assert_eq!(lines[0]["diagnostics"].as_array().map(Vec::len), Some(0));
    assert_eq!(lines[1]["id"], 7);
    assert_eq!(lines[1]["diagnostics"][0]["code"], "KQL0016");
    // Offsets are bytes: `)` comes after the two-byte `é`.
    assert_eq!(lines[2]["diagnostics"][0]["start"], 11);
}

#[test]
fn batch_mode_rejects_malformed_lines_with_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("q.jsonl"), "{\"id\": 1}\n").expect("write");
    let output = kqlab(dir.path(), &["check", "--queries", "q.jsonl"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("line 1"));
}

#[test]
fn missing_path_and_bad_usage_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert_eq!(kqlab(dir.path(), &["check", "nope.kql"]).status.code(), Some(2));
    assert_eq!(kqlab(dir.path(), &["check", "--format", "yaml"]).status.code(), Some(2));
    assert_eq!(kqlab(dir.path(), &["frobnicate"]).status.code(), Some(2));
}

#[test]
fn explain_prints_the_documentation_of_a_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = kqlab(dir.path(), &["explain", "KQL0015"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.starts_with("KQL0015 expected-statement-end (error)"), "{text}");
    assert!(text.contains("DvcAction \"user_create\""), "{text}");
    let output = kqlab(dir.path(), &["explain", "KQL9999"]);
    assert_eq!(output.status.code(), Some(2));
    let output = kqlab(dir.path(), &["explain", "--list"]);
    assert!(stdout(&output).lines().count() >= 20);
}

#[test]
fn invalid_utf8_file_is_diagnosed_not_fatal() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("bin.kql"), b"T | where x == \"\xff\"").expect("write");
    let output = kqlab(dir.path(), &["check", "bin.kql", "--no-color"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("KQL0021"));
}

#[test]
fn check_reports_semantic_errors_with_did_you_mean() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("q.kql"), "SigninLogs\n| where UserPrincipalNam == \"a\"\n").expect("write");
    let output = kqlab(dir.path(), &["check", "q.kql", "--no-color"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("error[KQL1002]: unknown column `UserPrincipalNam`"), "{text}");
    assert!(text.contains("did you mean `UserPrincipalName`?"), "{text}");
    // The parser alone finds nothing wrong.
    let output = kqlab(dir.path(), &["check", "q.kql", "--syntax-only"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn schema_out_prints_the_output_columns() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("q.kql"), "SigninLogs | summarize n = count() by UserPrincipalName").expect("write");
    let output = kqlab(dir.path(), &["check", "q.kql", "--schema-out", "--no-color"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("q.kql: (UserPrincipalName:string, n:long)"), "{}", stdout(&output));
    let output = kqlab(dir.path(), &["check", "q.kql", "--format", "json"]);
    let record: serde_json::Value = serde_json::from_str(stdout(&output).trim()).expect("one JSON line");
    assert_eq!(record["output_schema"][1]["name"], "n");
    assert_eq!(record["output_schema"][1]["type"], "long");
}

#[test]
fn batch_mode_adds_the_output_schema_and_honours_the_prelude() {
    let dir = tempfile::tempdir().expect("temp dir");
    let batch =
        "{\"id\": 1, \"prelude\": \"let n = 5;\\n\", \"query\": \"SecurityEvent | take n | project Account\"}\n";
    std::fs::write(dir.path().join("q.jsonl"), batch).expect("write");
    let output = kqlab(dir.path(), &["check", "--queries", "q.jsonl"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let line: serde_json::Value = serde_json::from_str(stdout(&output).trim()).expect("JSON line");
    assert_eq!(line["output_schema"], serde_json::json!([{"name": "Account", "type": "string"}]));
}

#[test]
fn schemas_file_adds_custom_tables() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("q.kql"), "MyApp_CL | where Level_s == \"error\" | project Level_s").expect("write");
    let output = kqlab(dir.path(), &["check", "q.kql", "--no-color"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("KQL1001"), "{}", stdout(&output));
    std::fs::write(dir.path().join("schemas.json"), r#"{"MyApp_CL": [{"name": "Level_s", "type": "string"}]}"#)
        .expect("write");
    let output = kqlab(dir.path(), &["check", "q.kql", "--schemas", "schemas.json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    std::fs::write(dir.path().join("bad.json"), "{not json").expect("write");
    let output = kqlab(dir.path(), &["check", "q.kql", "--schemas", "bad.json"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn run_json_lists_every_table_of_a_fork() {
    let dir = tempfile::tempdir().expect("temp dir");
    let query = "range x from 1 to 4 step 1 | fork Small = (where x < 3) (count)";
    let output = kqlab(dir.path(), &["run", "--format", "json", query]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_str(stdout(&output).trim()).expect("JSON");
    let tables = json["tables"].as_array().expect("tables");
    assert_eq!(tables.len(), 2);
    assert_eq!(tables[0]["name"], "Small");
    assert_eq!(tables[0]["rows"], serde_json::json!([[1], [2]]));
    // The unnamed leg is named by its position, as in the Log Analytics API.
    assert_eq!(tables[1]["name"], "Table_1");
    assert_eq!(tables[1]["rows"], serde_json::json!([[4]]));
}

#[test]
fn watchlists_bind_get_watchlist_by_alias() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("vip.csv"), "Title,Email\nCEO,alice@contoso.com\nCFO,bob@contoso.com\n")
        .expect("write");
    let query = "_GetWatchlist('VIPUsers') | where SearchKey == 'bob@contoso.com' | project SearchKey, Title";
    let output = kqlab(dir.path(), &["run", "--watchlist", "VIPUsers:Email=vip.csv", "--format", "csv", query]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(stdout(&output), "SearchKey,Title\nbob@contoso.com,CFO\n");

    let missing = kqlab(dir.path(), &["run", "--watchlist", "VIPUsers=vip.csv", "_GetWatchlist('vipusers') | count"]);
    assert_eq!(missing.status.code(), Some(1));
    let text = String::from_utf8_lossy(&missing.stderr).into_owned() + &stdout(&missing);
    assert!(text.contains("no watchlist `vipusers` was loaded"), "{text}");
    assert!(text.contains("loaded watchlists: VIPUsers"), "{text}");

    let bad_key = kqlab(dir.path(), &["run", "--watchlist", "VIPUsers:Mail=vip.csv", "print 1"]);
    assert_eq!(bad_key.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_key.stderr).contains("`Mail` is not in the header"));
}

#[test]
fn functions_from_files_are_callable_and_checked_in_their_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("failures.kql"), "Events\n| where Result != 0 and Time > since\n| project User;\n")
        .expect("write");
    std::fs::write(
        dir.path().join("events.csv"),
        "Time,User,Result\n2025-01-01,alice,0\n2025-01-02,bob,50126\n2025-01-03,carol,50126\n",
    )
    .expect("write");
    let output = kqlab(
        dir.path(),
        &[
            "run",
            "--table",
            "Events=events.csv",
            "--function",
            "Failures(since:datetime=datetime(2025-01-02))=failures.kql",
            "--format",
            "csv",
            "Failures() | union (Failures(datetime(2024-12-31)))",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(stdout(&output), "User\ncarol\nbob\ncarol\n");

    std::fs::write(dir.path().join("typo.kql"), "Events\n| where Reslt != \"0\"").expect("write");
    let typo = kqlab(dir.path(), &["run", "--table", "Events=events.csv", "--function", "Typo=typo.kql", "Typo"]);
    assert_eq!(typo.status.code(), Some(2));
    let text = String::from_utf8_lossy(&typo.stderr);
    assert!(text.contains("`typo.kql` (Typo's body), line 2:9: error[KQL1002]: unknown column `Reslt`"), "{text}");
}

#[test]
fn support_matrix_page_is_current() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = kqlab(dir.path(), &["functions", "--format", "markdown"]);
    assert_eq!(output.status.code(), Some(0));
    let page = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/support.md");
    if std::env::var_os("KQLAB_BLESS").is_some() {
        std::fs::write(&page, &output.stdout).expect("write docs/support.md");
        return;
    }
    let committed = std::fs::read_to_string(&page).expect("docs/support.md");
    assert!(
        committed == stdout(&output),
        "docs/support.md is out of date: run `kqlab functions --format markdown > docs/support.md` (or KQLAB_BLESS=1)"
    );
    let missing = kqlab(dir.path(), &["functions", "--missing"]);
    let missing = stdout(&missing);
    assert!(missing.lines().all(|line| line.ends_with("not yet") || line.ends_with("never offline")), "{missing}");
    // What needs a cluster or the network says so.
    assert!(
        missing.lines().any(|line| line.starts_with("http_request ") && line.ends_with("never offline")),
        "{missing}"
    );
}

#[test]
fn a_seed_makes_rand_and_new_guid_repeatable() {
    let dir = tempfile::tempdir().expect("temp dir");
    let query = "range x from 1 to 3 step 1 | extend r = rand(), n = rand(100), g = new_guid()";
    let run = |seed: &str| stdout(&kqlab(dir.path(), &["run", "--seed", seed, "--format", "csv", query]));
    let first = run("7");
    assert_eq!(first.lines().count(), 4, "{first}");
    assert_eq!(run("7"), first);
    assert_ne!(run("8"), first);
}

#[test]
fn a_fixture_wrapped_query_gives_the_same_result_as_the_sample_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sample = root.join("samples/signin-2000.csv");
    let query = root.join("samples/signin-brute-force.kql");
    let dir = tempfile::tempdir().expect("temp dir");
    let fixture = kqlab(
        dir.path(),
        &["fixture", "--table", "SigninLogs", sample.to_str().unwrap(), "--query", query.to_str().unwrap()],
    );
    assert_eq!(fixture.status.code(), Some(0), "{}", String::from_utf8_lossy(&fixture.stderr));
    std::fs::write(dir.path().join("wrapped.kql"), &fixture.stdout).expect("write");
    let wrapped = kqlab(dir.path(), &["run", "--format", "json", "-f", "wrapped.kql"]);
    let direct = kqlab(
        dir.path(),
        &[
            "run",
            "--format",
            "json",
            "--table",
            &format!("SigninLogs={}", sample.display()),
            "-f",
            query.to_str().unwrap(),
        ],
    );
    assert_eq!(direct.status.code(), Some(0), "{}", String::from_utf8_lossy(&direct.stderr));
    assert_eq!(wrapped.status.code(), Some(0), "{}", String::from_utf8_lossy(&wrapped.stderr));
    assert!(stdout(&direct).contains("\"rows\":[["), "{}", stdout(&direct));
    assert_eq!(stdout(&wrapped), stdout(&direct));

    let head = kqlab(dir.path(), &["fixture", "--rows", "3", "--format", "csv", sample.to_str().unwrap()]);
    assert_eq!(stdout(&head).lines().count(), 4);

    // `--sample random` keeps file order; `--seed` makes the draw repeatable.
    let random = |seed: &str| {
        let args = ["fixture", "--rows", "50", "--sample", "random", "--seed", seed, "--format", "csv"];
        let output = kqlab(dir.path(), &[&args[..], &[sample.to_str().unwrap()]].concat());
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
        stdout(&output)
    };
    let (first, again, other) = (random("7"), random("7"), random("8"));
    assert_eq!(first.lines().count(), 51);
    assert_eq!(first, again);
    assert_ne!(first, other);
    let times: Vec<&str> = first.lines().skip(1).map(|line| line.split(',').next().unwrap()).collect();
    assert!(times.windows(2).all(|pair| pair[0] <= pair[1]), "rows keep the file's (time) order");
}

#[test]
fn a_query_api_response_imports_back_to_the_same_table() {
    let dir = tempfile::tempdir().expect("temp dir");
    let query = r#"print a = 1, b = datetime(2025-01-01 10:00), c = dynamic({"x": [1, "y"]}), d = "s", e = 1.5, f = 2s, g = long(null), h = guid(00000000-0000-0000-0000-000000000001), i = true"#;
    let first = kqlab(dir.path(), &["run", "--format", "json", query]);
    assert_eq!(first.status.code(), Some(0), "{}", String::from_utf8_lossy(&first.stderr));
    std::fs::write(dir.path().join("result.json"), &first.stdout).expect("write");
    let again = kqlab(dir.path(), &["run", "--format", "json", "--table", "R=result.json", "R"]);
    assert_eq!(again.status.code(), Some(0), "{}", String::from_utf8_lossy(&again.stderr));
    assert_eq!(stdout(&again), stdout(&first));
}

#[test]
fn a_bad_log_line_is_a_warning_and_the_rest_imports() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = "<38>Jun 21 11:17:33 host sshd[1]: one\nnot syslog\n<38>Jun 21 11:17:34 host sshd[2]: two\n";
    std::fs::write(dir.path().join("auth.log"), log).expect("write");
    let output = kqlab(dir.path(), &["run", "--table", "Syslog=auth.log", "--format", "csv", "Syslog | count"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "Count\n2\n");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim_end(),
        "warning: `auth.log` line 2: not a syslog line: expected `<PRI>` or a timestamp such as \
         `Jan  2 15:04:05` at the start (line skipped)"
    );
    let output = kqlab(dir.path(), &["fixture", "Syslog=auth.log"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).starts_with("let Syslog = datatable("), "{}", stdout(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("warning: `auth.log` line 2:"));
}

#[test]
fn strict_turns_a_bad_log_line_into_a_failure() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("fw.cef"), "CEF:0|V|P|1|2|N|3|src=1.1.1.1\nCEF:0|V|P|broken\n").expect("write");
    let output =
        kqlab(dir.path(), &["run", "--strict", "--table", "CommonSecurityLog=fw.cef", "CommonSecurityLog | count"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("`fw.cef` line 2: the CEF header has 4 of its 7"), "{stderr}");
    let output = kqlab(dir.path(), &["fixture", "--strict", "CommonSecurityLog=fw.cef"]);
    assert_ne!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stderr).contains("line 2"), "{}", String::from_utf8_lossy(&output.stderr));
}

/// A rules folder with two rules on Initial Access, a hunting query, a rule
/// without a mapping, a misspelt tactic and a plain query (not a rule).
fn coverage_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).expect("mkdir");
    let rule = |name: &str, mapping: &str| {
        format!("name: {name}\nkind: Scheduled\nqueryFrequency: 1h\nqueryPeriod: 1h\n{mapping}query: SigninLogs\n")
    };
    let files = [
        ("cloud.yaml", rule("Cloud <admin> sign-in", "tactics: [InitialAccess]\nrelevantTechniques: [T1078.004]\n")),
        ("spray.yaml", rule("Password spray", "tactics: [InitialAccess, CredentialAccess]\nrelevantTechniques: [T1078, T1110.003]\n")),
        ("hunt.yaml", "name: Rare process\ntactics: [Execution]\nrelevantTechniques: [T1059]\nquery: SecurityEvent | where TimeGenerated > ago(1d)\n".to_string()),
        ("bare.yaml", rule("No mapping", "")),
        ("typo.yaml", rule("Typo", "tactics: [Persistance]\nrelevantTechniques: [T1098]\n")),
        ("plain.kql", "SecurityEvent | take 1".to_string()),
    ];
    for (name, text) in files {
        std::fs::write(rules.join(name), text).expect("write");
    }
    dir
}

#[test]
fn coverage_text_has_a_row_per_tactic_with_its_techniques() {
    let dir = coverage_folder();
    let output = kqlab(dir.path(), &["coverage"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(
        text.starts_with("ATT&CK 18.1 coverage of `rules`: 4 analytics rules, 1 hunting query, 4 mapped; 4 of "),
        "{text}"
    );
    let row = |tactic: &str| text.lines().find(|line| line.starts_with(tactic)).unwrap_or_default().to_string();
    assert!(row("Initial Access").ends_with("2     1/11  T1078 (2), T1078.004 (1)"), "{text}");
    assert!(row("Credential Access").ends_with("1     1/17  T1110 (1), T1110.003 (1)"), "{text}");
    assert!(row("Execution").ends_with("T1059 (1)"), "{text}");
    // T1098 with no known tactic counts under each of its own tactics.
    assert!(row("Persistence").ends_with("T1098 (1)") && row("Privilege Escalation").ends_with("T1098 (1)"), "{text}");
    assert!(row("Reconnaissance").ends_with("0/11"), "{text}");
    assert!(text.contains("without tactics or techniques (1):\n  rules/bare.yaml  No mapping\n"), "{text}");
    assert!(text.contains("rules/typo.yaml: `Persistance`: not an ATT&CK tactic"), "{text}");
}

#[test]
fn coverage_json_nests_tactics_techniques_and_rules() {
    let dir = coverage_folder();
    let output = kqlab(dir.path(), &["coverage", "rules", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("one JSON document");
    assert_eq!(json["rule_count"], 5);
    assert_eq!(json["tactics"].as_array().map(Vec::len), Some(14));
    let initial = &json["tactics"][2];
    assert_eq!(initial["id"], "TA0001");
    assert_eq!(initial["rule_count"], 2);
    let valid_accounts = &initial["techniques"][0];
    assert_eq!(valid_accounts["id"], "T1078");
    assert_eq!(valid_accounts["url"], "https://attack.mitre.org/techniques/T1078");
    assert_eq!(
        valid_accounts["rules"][0],
        serde_json::json!({"path": "rules/cloud.yaml", "name": "Cloud <admin> sign-in", "kind": "scheduled"})
    );
    assert_eq!(valid_accounts["subtechniques"][0]["id"], "T1078.004");
    assert_eq!(valid_accounts["subtechniques"][0]["rule_count"], 1);
    assert_eq!(json["unmapped"][0]["path"], "rules/bare.yaml");
    assert_eq!(json["unmatched"][0]["value"], "Persistance");
    let hunting = &json["tactics"][3]["techniques"][0]["rules"][0];
    assert_eq!(hunting["kind"], "hunting");
}

#[test]
fn coverage_html_is_a_self_contained_escaped_page() {
    let dir = coverage_folder();
    let output = kqlab(dir.path(), &["coverage", "rules", "--format", "html"]);
    assert_eq!(output.status.code(), Some(0));
    let html = stdout(&output);
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(html.contains("<style>") && !html.contains("<script") && !html.contains("<link") && !html.contains("src="));
    assert!(html.contains("Cloud &lt;admin&gt; sign-in") && !html.contains("<admin>"), "rule names are escaped");
    // Every tactic is a column with all its techniques; covered ones carry a heat class and a count.
    assert_eq!(html.matches("<section class=\"tactic\">").count(), 14);
    assert!(html.contains("<li class=\"tech c2\" title=\"T1078 Valid Accounts\n• Cloud &lt;admin&gt; sign-in (rules/cloud.yaml)\n• Password spray (rules/spray.yaml)\"><span class=\"n\">2</span><a href=\"https://attack.mitre.org/techniques/T1078\">Valid Accounts</a>"), "{html}");
    assert!(html.contains(
        "href=\"https://attack.mitre.org/techniques/T1078/004\">Cloud Accounts</a> <span class=\"id\">004</span>"
    ));
    assert!(html.contains("<li class=\"tech c0\" title=\"T1595 Active Scanning\">"), "uncovered techniques are shown");
    assert!(html.contains("href=\"https://attack.mitre.org/tactics/TA0001\">Initial Access</a>"));
}

#[test]
fn a_known_tables_fixture_has_every_schema_column_unless_asked_not_to() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("s.csv"), "Computer,SyslogMessage\nweb1,hello\n").expect("write");
    let full = stdout(&kqlab(dir.path(), &["fixture", "Syslog=s.csv"]));
    assert!(full.contains("ProcessID:int") && full.contains("int(null)"), "{full}");
    let only = stdout(&kqlab(dir.path(), &["fixture", "--sample-columns-only", "Syslog=s.csv"]));
    assert!(!only.contains("ProcessID"), "{only}");
    // The filled columns are there for a query that names them.
    let output = kqlab(
        dir.path(),
        &["run", "--table", "Syslog=s.csv", "--format", "csv", "Syslog | project Computer, ProcessID"],
    );
    assert_eq!(stdout(&output), "Computer,ProcessID\nweb1,\n");
}
