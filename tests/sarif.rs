//! SARIF output of `kqlab check` and `kqlab test`: the logs are valid against
//! the official SARIF 2.1.0 JSON schema (`tests/data/sarif/`, see its NOTICE)
//! and put each finding on the right line of the right file.
//!
//! The schema check runs Python's `jsonschema` package
//! (`tests/data/sarif/validate.py`), which the machine image ships and
//! `.ci/run` installs when missing: the Rust validators would add about 40
//! crates to the dev-dependency tree for these three tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn kqlab(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kqlab")).args(args).current_dir(dir).output().expect("running kqlab")
}

/// Runs kqlab, checks the exit code and parses stdout as one JSON document.
fn sarif_of(dir: &Path, args: &[&str], exit_code: i32) -> Value {
    let output = kqlab(dir, args);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(exit_code), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_str(&stdout).expect("one JSON document")
}

/// Validates the logs against the SARIF 2.1.0 schema; returns the validator's report.
fn validate(logs: &[&Value]) -> Result<String, String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut args = vec![
        repo().join("tests/data/sarif/validate.py").display().to_string(),
        repo().join("tests/data/sarif/sarif-schema-2.1.0.json").display().to_string(),
    ];
    for (index, log) in logs.iter().enumerate() {
        let path = dir.path().join(format!("log{index}.sarif"));
        std::fs::write(&path, serde_json::to_string_pretty(log).expect("serialisable")).expect("write");
        args.push(path.display().to_string());
    }
    let output = Command::new("python3").args(&args).output().unwrap_or_else(|error| {
        panic!("running python3 failed ({error}): the SARIF schema test needs python3 with `jsonschema`")
    });
    let report = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(
        !report.contains("No module named 'jsonschema'"),
        "the SARIF schema test needs Python's `jsonschema` (`python3 -m pip install jsonschema`; .ci/run installs it)"
    );
    if output.status.success() { Ok(report) } else { Err(report) }
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().expect("results")
}

fn rule_ids(log: &Value) -> Vec<&str> {
    log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|rule| rule["id"].as_str().expect("id"))
        .collect()
}

/// The result of `code` whose location's URI ends with `uri_suffix`.
fn find<'a>(log: &'a Value, code: &str, uri_suffix: &str) -> &'a Value {
    results(log)
        .iter()
        .find(|result| {
            result["ruleId"] == code
                && result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .is_some_and(|uri| uri.ends_with(uri_suffix))
        })
        .unwrap_or_else(|| panic!("no {code} result in {uri_suffix}"))
}

/// Every result names a rule of the driver by id and index, and points at a
/// relative URI under `%SRCROOT%` with 1-based lines.
fn assert_consistent(log: &Value) {
    let ids = rule_ids(log);
    for result in results(log) {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(result["ruleId"], ids[index], "{result}");
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%", "{result}");
        let uri = location["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(!uri.starts_with('/') && !uri.contains('\\'), "{uri}");
        assert!(location["region"]["startLine"].as_u64().is_some_and(|line| line >= 1), "{result}");
    }
}

#[test]
fn check_of_the_rule_folders_is_valid_sarif_on_the_right_lines() {
    let log = sarif_of(&repo(), &["check", "--format", "sarif", "tests/data/ruleset"], 1);
    assert_consistent(&log);
    let ids = rule_ids(&log);
    for code in ["KQL3001", "KQL3002", "KQL3004", "KQL3008", "KQL3014", "KQL3019", "KQL3020", "KQL3024"] {
        assert!(ids.contains(&code), "{code} missing from {ids:?}");
    }
    let missing_column = find(&log, "KQL3014", "KQL3014_entity_column_missing/rule.yaml");
    assert_eq!(missing_column["level"], "error");
    assert_eq!(
        missing_column["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({ "startLine": 22, "startColumn": 21, "endLine": 22, "endColumn": 34 })
    );
    assert_eq!(find(&log, "KQL3004", "rule.yaml")["level"], "warning");
    assert_eq!(find(&log, "KQL3019", "hunt.yaml")["level"], "note");
    find(&log, "KQL3024", ".csv");
    let root = log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"].as_str().expect("%SRCROOT%");
    assert!(root.starts_with("file:///") && root.ends_with('/'), "{root}");

    // A query file with a label, a secondary location, a character outside
    // the BMP and a space in its name.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("my rules")).expect("mkdir");
    std::fs::write(
        dir.path().join("my rules/spray 🔑.kql"),
        "// 🔑 spray\nSigninLogs | where ResultType == 50126 | project Acount\n",
    )
    .expect("write");
    let small = sarif_of(dir.path(), &["check", "--format", "sarif", "my rules"], 1);
    assert_consistent(&small);
    let unknown = find(&small, "KQL1002", "my%20rules/spray%20%F0%9F%94%91.kql");
    assert_eq!(unknown["locations"][0]["physicalLocation"]["region"]["startLine"], 2);
    assert_eq!(
        unknown["locations"][0]["message"]["text"],
        "not a column of the input, nor a variable, table or function"
    );
    let compared = results(&small)
        .iter()
        .find(|result| result["relatedLocations"].is_array())
        .expect("a result with a secondary location");
    assert_eq!(compared["relatedLocations"][0]["message"]["text"], "a number");

    if let Err(report) = validate(&[&log, &small]) {
        panic!("the logs are not valid SARIF 2.1.0:\n{report}");
    }
}

#[test]
fn test_run_with_failures_is_valid_sarif_at_the_cases() {
    let log = sarif_of(
        &repo(),
        &[
            "test",
            "--format",
            "sarif",
            "tests/data/ruleset/KQL3025_test_failed",
            "tests/data/ruleset/KQL3023_invalid_test_file",
        ],
        1,
    );
    assert_consistent(&log);
    let failed: Vec<&Value> = results(&log).iter().filter(|result| result["ruleId"] == "KQL3025").collect();
    assert_eq!(failed.len(), 2, "two cases fail");
    let spray = failed[0];
    assert_eq!(
        spray["message"]["text"],
        "test case `fires on a spray` failed: expected 3 rows, got 2; 1 expected row not in the result"
    );
    let location = &spray["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "tests/data/ruleset/KQL3025_test_failed/rule.test.yaml");
    assert_eq!(location["region"]["startLine"], 2);
    assert_eq!(failed[1]["locations"][0]["physicalLocation"]["region"]["startLine"], 21);
    let rule = &spray["relatedLocations"][0]["physicalLocation"];
    assert_eq!(rule["artifactLocation"]["uri"], "tests/data/ruleset/KQL3025_test_failed/rule.yaml");
    assert_eq!(rule["region"]["startLine"], 15, "the first line of the query");
    assert!(results(&log).iter().any(|result| result["ruleId"] == "KQL3023"), "broken test files are reported");

    // A passing run is a valid log with no results.
    let passing = sarif_of(&repo(), &["test", "--format", "sarif", "tests/data/ruleset/KQL3019_no_time_filter"], 0);
    assert_eq!(results(&passing).len(), 0);

    if let Err(report) = validate(&[&log, &passing]) {
        panic!("the logs are not valid SARIF 2.1.0:\n{report}");
    }
}

#[test]
fn the_schema_check_rejects_an_invalid_log() {
    let mut log =
        sarif_of(&repo(), &["check", "--format", "sarif", "tests/data/ruleset/KQL3014_entity_column_missing"], 1);
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"] = 0.into();
    log["runs"][0]["results"][0]["level"] = "fatal".into();
    let report = validate(&[&log]).expect_err("an invalid log fails");
    assert!(report.contains("startColumn"), "{report}");
    assert!(report.contains("'fatal'"), "{report}");
}
