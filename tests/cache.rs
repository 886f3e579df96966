//! The schema cache through the `kqlab` binary: importing each format,
//! `schema list|show|diff`, `check --workspace`, a corrupt or locked cache,
//! a writer killed mid-write, and concurrent checks while a writer imports.
//! Every test has its own cache file (`KQLAB_CACHE`); nothing touches the
//! network.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use kqlab::cache::Cache;

const AZURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/azure");

fn kqlab(dir: &Path, cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kqlab"))
        .args(args)
        .current_dir(dir)
        .env("KQLAB_CACHE", cache)
        .env_remove("KQLAB_CACHE_TIMEOUT_MS")
        .output()
        .expect("running kqlab")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs kqlab and requires exit code `code`.
fn expect(dir: &Path, cache: &Path, args: &[&str], code: i32) -> Output {
    let output = kqlab(dir, cache, args);
    assert_eq!(output.status.code(), Some(code), "kqlab {args:?}\n{}\n{}", stdout(&output), stderr(&output));
    output
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let cache = dir.path().join("cache").join("schemas.sqlite");
    (dir, cache)
}

/// A metadata-API-shaped schema of workspace `prod`.
fn metadata(tables: &str, functions: &str, watchlists: &str) -> String {
    format!(
        r#"{{"tables": [{tables}], "functions": [{functions}], "watchlists": [{watchlists}], "workspaces": [{{"name": "prod"}}]}}"#
    )
}

const APP_TABLE: &str = r#"{"name": "MyApp_CL", "description": "App events", "columns": [
    {"name": "TimeGenerated", "type": "datetime"}, {"name": "User_s", "type": "string", "description": "who"},
    {"name": "Count_d", "type": "real"}]}"#;

const APP_FUNCTION: &str = r#"{"name": "MyAppEvents", "parameters": "min:real = 1", "category": "Parsers",
    "body": "MyApp_CL\n| where Count_d >= min\n| project TimeGenerated, User = User_s"}"#;

const VIP_WATCHLIST: &str =
    r#"{"alias": "VIPs", "columns": ["UserPrincipalName", "Title"], "searchKey": "UserPrincipalName"}"#;

#[test]
fn importing_the_metadata_api_example_lists_and_shows_it() {
    let (dir, cache) = setup();
    let file = format!("{AZURE}/loganalytics-query/v1/examples/metadata-get.json");
    let output = expect(dir.path(), &cache, &["schema", "import", &file], 0);
    assert!(stdout(&output).contains("imported 2 tables, 1 function, 0 watchlists as workspace `contosoretail-IT`"));
    let list = stdout(&expect(dir.path(), &cache, &["schema", "list"], 0));
    let row = list.lines().nth(1).expect("one workspace row");
    assert!(row.starts_with("contosoretail-IT") && row.ends_with("metadata-api"), "{list}");
    let tables = stdout(&expect(dir.path(), &cache, &["schema", "list", "--workspace", "contosoretail-IT"], 0));
    assert!(
        tables.contains("  ADAssessmentRecommendation  26 columns\n  custom_CL                   7 columns\n"),
        "{tables}"
    );
    assert!(
        tables.contains("functions:\n  dwad()  [workloads]\n") || tables.contains("functions:\n  dwad()\n"),
        "{tables}"
    );
    let show = stdout(&expect(dir.path(), &cache, &["schema", "show", "ADAssessmentRecommendation"], 0));
    assert!(
        show.starts_with(
            "table ADAssessmentRecommendation (26 columns) in `contosoretail-IT`\nRecommendations generated"
        )
    );
    assert!(show.contains("\n  RecommendationWeight  real\n"), "{show}");
    let function = stdout(&expect(dir.path(), &cache, &["schema", "show", "dwad"], 0));
    assert!(function.starts_with("function dwad() in `contosoretail-IT`\n"), "{function}");
    assert!(function.contains("Heartbeat\r\n| where ResourceGroup"), "{function}");
    let missing = expect(dir.path(), &cache, &["schema", "show", "custom_cl"], 2);
    assert!(stderr(&missing).contains("did you mean `custom_CL`?"), "{}", stderr(&missing));
}

#[test]
fn importing_the_arm_tables_list_keeps_standard_columns_with_kql_types() {
    let (dir, cache) = setup();
    let file = format!("{AZURE}/operationalinsights/2026-03-01/examples/TablesList.json");
    expect(dir.path(), &cache, &["schema", "import", &file, "--workspace", "arm"], 0);
    let show = stdout(&expect(dir.path(), &cache, &["schema", "show", "AzureNetworkFlow", "--workspace", "arm"], 0));
    assert!(show.starts_with("table AzureNetworkFlow (15 columns) in `arm`\n"), "{show}");
    assert!(show.contains("\n  TenantId         guid\n"), "{show}");
    assert!(show.contains("\n  TimeGenerated    datetime\n"), "{show}");
    let list = stdout(&expect(dir.path(), &cache, &["schema", "list"], 0));
    assert!(list.lines().nth(1).is_some_and(|row| row.starts_with("arm") && row.ends_with("arm-tables")), "{list}");
}

#[test]
fn importing_kqlab_json_names_the_workspace_after_the_file() {
    let (dir, cache) = setup();
    let file = dir.path().join("lab.json");
    std::fs::write(
        &file,
        r#"{"Lab_CL": [{"name": "Host", "type": "string"}, {"name": "Bytes", "type": "long"}],
           "LabParser": {"parameters": [{"name": "disabled", "type": "bool", "required": false, "default": "false"}],
                         "columns": [{"name": "Host", "type": "string"}]}}"#,
    )
    .expect("write");
    let output = expect(dir.path(), &cache, &["schema", "import", "lab.json"], 0);
    assert!(stdout(&output).contains("imported 1 table, 1 function, 0 watchlists as workspace `lab`"));
    let show = stdout(&expect(dir.path(), &cache, &["schema", "show", "LabParser"], 0));
    assert_eq!(show, "function LabParser(disabled:bool = false) in `lab`\n\noutput: (Host:string)\n");
    std::fs::write(dir.path().join("bad.json"), r#"{"X": 5}"#).expect("write");
    let bad = expect(dir.path(), &cache, &["schema", "import", "bad.json"], 2);
    assert!(stderr(&bad).contains("neither a table"), "{}", stderr(&bad));
}

#[test]
fn diff_shows_what_changed_since_the_previous_import() {
    let (dir, cache) = setup();
    let first = dir.path().join("v1.json");
    std::fs::write(&first, metadata(APP_TABLE, APP_FUNCTION, VIP_WATCHLIST)).expect("write");
    expect(dir.path(), &cache, &["schema", "import", "v1.json"], 0);
    let only = stdout(&expect(dir.path(), &cache, &["schema", "diff"], 0));
    assert!(only.contains("has one snapshot"), "{only}");
    let table = APP_TABLE.replace(
        r#"{"name": "Count_d", "type": "real"}"#,
        r#"{"name": "Count_d", "type": "long"}, {"name": "Extra_s", "type": "string"}"#,
    );
    let function = APP_FUNCTION.replace("Count_d >= min", "Count_d > min");
    let added = r#"{"name": "New_CL", "columns": [{"name": "A", "type": "string"}]}"#;
    std::fs::write(dir.path().join("v2.json"), metadata(&format!("{table}, {added}"), &function, "")).expect("write");
    expect(dir.path(), &cache, &["schema", "import", "v2.json"], 0);
    let diff = stdout(&expect(dir.path(), &cache, &["schema", "diff", "--workspace", "prod"], 0));
    let body = diff.split_once('\n').map(|(_, rest)| rest).unwrap_or_default();
    assert_eq!(
        body,
        "tables: 1 added, 0 removed, 1 changed; functions: 0 added, 0 removed, 1 changed; watchlists: 0 added, 1 removed, 0 changed

~ table MyApp_CL
    ~ Count_d: real → long
    + Extra_s: string
+ table New_CL (1 column)
~ function MyAppEvents(min:real = 1)
    @@ -1,3 +1,3 @@
     MyApp_CL
    -| where Count_d >= min
    +| where Count_d > min
     | project TimeGenerated, User = User_s
- watchlist VIPs
",
        "{diff}"
    );
    assert!(diff.starts_with("schema diff for `prod`: "), "{diff}");
}

/// A rules folder whose queries use the workspace's table, function and watchlist.
fn rules(dir: &Path) -> PathBuf {
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).expect("mkdir");
    std::fs::write(
        rules.join("vip.kql"),
        "MyAppEvents(2)\n| join kind=inner (_GetWatchlist('VIPs') | project UserPrincipalName, Title) on $left.User == $right.UserPrincipalName\n| project TimeGenerated, User, Title\n",
    )
    .expect("write");
    std::fs::write(rules.join("raw.kql"), "MyApp_CL | where Count_d > 10 | project User_s\n").expect("write");
    rules
}

#[test]
fn check_against_a_workspace_uses_its_tables_functions_and_watchlists() {
    let (dir, cache) = setup();
    let rules = rules(dir.path());
    std::fs::write(dir.path().join("ws.json"), metadata(APP_TABLE, APP_FUNCTION, VIP_WATCHLIST)).expect("write");
    expect(dir.path(), &cache, &["schema", "import", "ws.json"], 0);
    // Without the workspace the table and function are unknown.
    let builtin = stdout(&expect(dir.path(), &cache, &["check", "rules", "--format", "json"], 1));
    assert!(builtin.contains("KQL1001") && builtin.contains("KQL1003"), "{builtin}");
    let output = expect(dir.path(), &cache, &["check", "--workspace", "prod", "rules"], 0);
    assert!(stdout(&output).contains("checked 2 files: 0 errors"), "{}", stdout(&output));
    assert_eq!(stderr(&output), "");
    // The watchlist's cached columns are the only ones it has.
    std::fs::write(rules.join("vip.kql"), "_GetWatchlist('VIPs') | project Title, Department\n").expect("write");
    let output = expect(dir.path(), &cache, &["check", "--workspace", "prod", "rules", "--no-color"], 1);
    assert!(stdout(&output).contains("unknown column `Department`"), "{}", stdout(&output));
    // A folder function of the same name wins over the workspace's.
    std::fs::write(rules.join("vip.kql"), "MyAppEvents | project Renamed\n").expect("write");
    std::fs::create_dir_all(rules.join("functions")).expect("mkdir");
    std::fs::write(rules.join("functions/MyAppEvents.kql"), "MyApp_CL\n| project Renamed = User_s\n").expect("write");
    let output = expect(dir.path(), &cache, &["check", "--workspace", "prod", "rules"], 0);
    assert!(stdout(&output).contains("checked 3 files: 0 errors"), "{}", stdout(&output));
}

#[test]
fn a_missing_workspace_or_cache_warns_and_checks_with_builtin_schemas() {
    let (dir, cache) = setup();
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&rules).expect("mkdir");
    std::fs::write(rules.join("a.kql"), "SigninLogs | take 1\n").expect("write");
    let output = expect(dir.path(), &cache, &["check", "--workspace", "prod", "rules"], 0);
    assert!(stderr(&output).contains("warning: there is no schema cache at"), "{}", stderr(&output));
    assert!(!cache.exists(), "a reader does not create the cache");
    std::fs::write(dir.path().join("ws.json"), metadata(APP_TABLE, "", "")).expect("write");
    expect(dir.path(), &cache, &["schema", "import", "ws.json"], 0);
    let output = expect(dir.path(), &cache, &["check", "--workspace", "dev", "rules"], 0);
    assert!(
        stderr(&output).contains("workspace `dev` is not in the schema cache (it holds: prod)"),
        "{}",
        stderr(&output)
    );
}

/// Files beside the cache whose names start with `schemas.sqlite.corrupt-`.
fn corrupt_copies(cache: &Path) -> usize {
    let parent = cache.parent().expect("a folder");
    std::fs::read_dir(parent)
        .expect("folder")
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().starts_with("schemas.sqlite.corrupt-"))
        .count()
}

#[test]
fn a_corrupt_cache_is_moved_aside_and_rebuilt_without_failing_a_check() {
    let (dir, cache) = setup();
    rules(dir.path());
    // Not SQLite at all.
    std::fs::create_dir_all(cache.parent().expect("parent")).expect("mkdir");
    std::fs::write(&cache, "not a database ".repeat(500)).expect("write");
    let output = expect(dir.path(), &cache, &["check", "--workspace", "prod", "rules"], 1);
    assert!(stderr(&output).contains("was corrupt"), "{}", stderr(&output));
    assert!(stderr(&output).contains("workspace `prod` is not in the schema cache"), "{}", stderr(&output));
    assert_eq!(corrupt_copies(&cache), 1);

    // A real cache, truncated.
    let tables: Vec<String> = (0..300)
        .map(|n| {
            let columns: Vec<String> = (0..20)
                .map(|c| format!(r#"{{"name": "C{c}", "type": "string", "description": "column {c}"}}"#))
                .collect();
            format!(r#"{{"name": "T{n}_CL", "columns": [{}]}}"#, columns.join(", "))
        })
        .collect();
    std::fs::write(
        dir.path().join("ws.json"),
        metadata(&format!("{APP_TABLE}, {}", tables.join(", ")), APP_FUNCTION, VIP_WATCHLIST),
    )
    .expect("write");
    expect(dir.path(), &cache, &["schema", "import", "ws.json"], 0);
    expect(dir.path(), &cache, &["check", "--workspace", "prod", "rules"], 0);
    let length = std::fs::metadata(&cache).expect("cache file").len();
    assert!(length > 100_000, "{length}");
    std::fs::OpenOptions::new().write(true).open(&cache).expect("open").set_len(length / 2).expect("truncate");
    let output = expect(dir.path(), &cache, &["schema", "list"], 0);
    assert!(stderr(&output).contains("was corrupt"), "{}", stderr(&output));
    assert!(stdout(&output).contains("holds no workspace yet"), "{}", stdout(&output));
    assert_eq!(corrupt_copies(&cache), 2);

    // A cache from a newer kqlab.
    expect(dir.path(), &cache, &["schema", "import", "ws.json"], 0);
    let connection = rusqlite::Connection::open(&cache).expect("open");
    connection.pragma_update(None, "user_version", 999).expect("version");
    drop(connection);
    let output = expect(dir.path(), &cache, &["check", "--workspace", "prod", "rules"], 1);
    assert!(stderr(&output).contains("schema version 999 is newer"), "{}", stderr(&output));
    assert_eq!(corrupt_copies(&cache), 3);
}

#[test]
fn a_locked_cache_fails_writers_and_only_warns_readers() {
    let (dir, cache) = setup();
    rules(dir.path());
    std::fs::write(dir.path().join("ws.json"), metadata(APP_TABLE, APP_FUNCTION, VIP_WATCHLIST)).expect("write");
    expect(dir.path(), &cache, &["schema", "import", "ws.json"], 0);
    // Another process holding an exclusive lock (`locking_mode = EXCLUSIVE`
    // keeps even WAL readers out).
    let holder = rusqlite::Connection::open(&cache).expect("open");
    holder
        .execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; DELETE FROM snapshot WHERE 0;")
        .expect("lock");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_kqlab"))
            .args(args)
            .current_dir(dir.path())
            .env("KQLAB_CACHE", &cache)
            .env("KQLAB_CACHE_TIMEOUT_MS", "200")
            .output()
            .expect("running kqlab")
    };
    let writer = run(&["schema", "import", "ws.json"]);
    assert_eq!(writer.status.code(), Some(2));
    assert!(stderr(&writer).contains("is locked by another process"), "{}", stderr(&writer));
    let reader = run(&["check", "--workspace", "prod", "rules"]);
    assert_eq!(reader.status.code(), Some(1), "the built-in schemas lack MyApp_CL: {}", stdout(&reader));
    assert!(stderr(&reader).contains("is locked by another process"), "{}", stderr(&reader));
    assert!(stderr(&reader).contains("checking against the built-in schemas"), "{}", stderr(&reader));
    drop(holder);
    assert_eq!(corrupt_copies(&cache), 0, "a locked cache is not corrupt");
    expect(dir.path(), &cache, &["check", "--workspace", "prod", "rules"], 0);
}

/// A metadata schema of workspace `prod` with `n` generated tables of 40
/// described columns each, plus the app table.
fn large_schema(n: usize, tag: &str) -> String {
    let columns: Vec<String> = (0..40)
        .map(|c| {
            let ty = ["string", "long", "datetime", "dynamic"][c % 4];
            format!(r#"{{"name": "Column{c}", "type": "{ty}", "description": "generated column {c} of a large workspace ({tag})"}}"#)
        })
        .collect();
    let columns = columns.join(", ");
    let tables: Vec<String> =
        (0..n).map(|t| format!(r#"{{"name": "Generated{t:05}_CL", "columns": [{columns}]}}"#)).collect();
    metadata(&format!("{APP_TABLE}, {}", tables.join(", ")), APP_FUNCTION, VIP_WATCHLIST)
}

#[test]
fn a_writer_killed_mid_import_leaves_the_previous_snapshot() {
    let (dir, cache) = setup();
    std::fs::write(dir.path().join("small.json"), metadata(APP_TABLE, APP_FUNCTION, VIP_WATCHLIST)).expect("write");
    std::fs::write(dir.path().join("large.json"), large_schema(5000, "killed")).expect("write");
    expect(dir.path(), &cache, &["schema", "import", "small.json"], 0);
    let previous = Cache::open(&cache).expect("open").latest("prod").expect("snapshot");
    let mut interrupted = 0;
    for attempt in 0..4u64 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kqlab"))
            .args(["schema", "import", "large.json"])
            .current_dir(dir.path())
            .env("KQLAB_CACHE", &cache)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        // `storing ...` is printed just before the write starts.
        let mut line = String::new();
        std::io::BufReader::new(child.stderr.take().expect("stderr")).read_line(&mut line).expect("read");
        assert!(line.starts_with("storing 5001 tables"), "{line}");
        std::thread::sleep(std::time::Duration::from_millis(50 + 40 * attempt));
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("wait");

        let reopened = Cache::open(&cache).expect("the cache opens after a killed writer");
        assert!(reopened.warnings().is_empty(), "{:?}", reopened.warnings());
        let latest = reopened.latest("prod").expect("a snapshot");
        if latest == previous {
            interrupted += 1;
        } else {
            // The kill came after the commit: the new snapshot is whole.
            assert!(status.success() || latest.tables.len() == 5001, "{status:?}");
            assert_eq!(latest.tables.len(), 5001);
            assert!(latest.tables.iter().all(|t| t.columns.len() == 40 || t.name == "MyApp_CL"));
        }
        drop(reopened);
        let list = expect(dir.path(), &cache, &["schema", "list"], 0);
        assert!(stdout(&list).contains("prod"), "{}", stdout(&list));
    }
    assert!(interrupted > 0, "no kill landed during the write");
    assert_eq!(corrupt_copies(&cache), 0, "a killed writer does not corrupt the cache");
}

#[test]
fn eight_checks_read_while_a_writer_imports() {
    let (dir, cache) = setup();
    rules(dir.path());
    std::fs::write(dir.path().join("a.json"), large_schema(1000, "a")).expect("write");
    std::fs::write(dir.path().join("b.json"), large_schema(1000, "b")).expect("write");
    expect(dir.path(), &cache, &["schema", "import", "a.json"], 0);
    let done = std::sync::atomic::AtomicBool::new(false);
    let (n_imports, failures) = std::thread::scope(|scope| {
        let readers: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    let mut failures = Vec::new();
                    for _ in 0..3 {
                        let output = kqlab(dir.path(), &cache, &["check", "--workspace", "prod", "rules"]);
                        if output.status.code() != Some(0) || !stderr(&output).is_empty() {
                            failures.push(format!("{:?}\n{}\n{}", output.status, stdout(&output), stderr(&output)));
                        }
                    }
                    failures
                })
            })
            .collect();
        let writer = scope.spawn(|| {
            let mut imports = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let file = if imports % 2 == 0 { "b.json" } else { "a.json" };
                expect(dir.path(), &cache, &["schema", "import", file], 0);
                imports += 1;
            }
            imports
        });
        let failures: Vec<String> = readers.into_iter().flat_map(|reader| reader.join().expect("reader")).collect();
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        (writer.join().expect("writer"), failures)
    });
    assert!(failures.is_empty(), "{}", failures.join("\n---\n"));
    assert!(n_imports >= 1);
    let cache = Cache::open(&cache).expect("open");
    assert!(cache.warnings().is_empty());
    assert_eq!(cache.latest("prod").expect("latest").tables.len(), 1001);
}

#[test]
fn watchlist_columns_come_from_the_sentinel_items_example() {
    let path = format!("{AZURE}/securityinsights/2025-12-01/examples/watchlists/GetWatchlistItems.json");
    let items: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("example")).expect("JSON");
    let watchlist = kqlab::cache::model::WatchlistSchema::from_items_json("highValueAsset", Some("Header-1"), &items);
    assert_eq!(watchlist.columns, ["Header-1", "Header-2", "Header-3", "Header-4", "Header-5"]);
    let schema = kqlab::cache::WorkspaceSchema { watchlists: vec![watchlist], ..Default::default() };
    let globals = schema.to_globals();
    let parse = kqlab::parse("_GetWatchlist('highValueAsset') | project SearchKey, ['Header-2'], Header6");
    let diagnostics = kqlab::analysis::analyze(&parse.query, &globals).diagnostics;
    let messages: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(messages, ["unknown column `Header6`"]);
}
