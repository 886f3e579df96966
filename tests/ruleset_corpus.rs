//! The rules-folder checker on Microsoft's own content: every detection of
//! the corpus (`tests/data/corpus/sentinel-queries.jsonl`, 1,034 rules of
//! Azure-Sentinel) is written back as a rule YAML in the Azure-Sentinel
//! format, the folder is checked, and
//!
//! - nothing panics and every diagnostic points inside its file;
//! - the query verdict (an error in the query, codes below KQL3000) agrees
//!   with Microsoft's binder (`oracle_semantic_ok`) for at least
//!   `MIN_AGREEING` rules (a ratchet);
//! - the metadata findings, counted by code, match
//!   `tests/data/ruleset-corpus-findings.txt` (`KQLAB_BLESS=1` to update): what
//!   the checks find in real Microsoft content.

use std::collections::BTreeMap;
use std::fmt::Write;

use kqlab::analysis::Globals;
use kqlab::diagnostics::Severity;
use kqlab::ruleset::folder::Folder;
use serde_json::Value;

#[path = "support/corpus_rules.rs"]
mod corpus_rules;
use corpus_rules::rule_yaml;

/// Rules whose query verdict agrees with the official binder (of 1,034).
const MIN_AGREEING: usize = 1030;

#[test]
fn corpus_detections_check_like_the_official_binder() {
    let records: Vec<Value> = corpus_rules::detections();
    assert_eq!(records.len(), 1034);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut verdicts = Vec::new();
    for (index, record) in records.iter().enumerate() {
        std::fs::write(dir.path().join(format!("rule{index:04}.yaml")), rule_yaml(record)).expect("writing");
        verdicts.push(record["oracle_semantic_ok"].as_bool().expect("a verdict"));
    }
    let folder = Folder::load(dir.path()).expect("the folder");
    let globals = Globals::builtin();
    let reports = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn_scoped(scope, || kqlab::ruleset::checks::check_folder(&folder, &globals))
            .expect("thread")
            .join()
            .expect("no panic")
    });
    let mut agreeing = 0;
    let mut disagreeing = Vec::new();
    let mut findings: BTreeMap<String, usize> = BTreeMap::new();
    for report in &reports {
        let document = &folder.documents[report.document];
        let index: usize = document.path.file_stem().expect("named").to_string_lossy()[4..].parse().expect("index");
        for diagnostic in &report.diagnostics {
            assert!(
                diagnostic.span.end as usize <= document.source.text.len()
                    && diagnostic.span.start <= diagnostic.span.end,
                "{}: span {:?} outside the file",
                document.path.display(),
                diagnostic.span
            );
            if diagnostic.code.info().number >= 3000 {
                *findings
                    .entry(format!(
                        "{} {} {}",
                        diagnostic.code,
                        diagnostic.severity.as_str(),
                        diagnostic.code.info().name
                    ))
                    .or_default() += 1;
            }
        }
        let query_error =
            report.diagnostics.iter().any(|d| d.severity == Severity::Error && d.code.info().number < 3000);
        if query_error == verdicts[index] {
            disagreeing.push(records[index]["source_path"].as_str().unwrap_or_default().to_string());
        } else {
            agreeing += 1;
        }
    }
    let mut summary = String::new();
    let _ = writeln!(
        summary,
        "# Findings of `kqlab check` on the 1,034 corpus detections, by code (count of diagnostics)."
    );
    let _ = writeln!(summary, "# Query verdicts agreeing with Microsoft's binder: {agreeing} of 1034.");
    for (code, count) in &findings {
        let _ = writeln!(summary, "{code}\t{count}");
    }
    println!("{summary}");
    for path in &disagreeing {
        println!("disagrees: {path}");
    }
    let snapshot = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/ruleset-corpus-findings.txt");
    if std::env::var_os("KQLAB_BLESS").is_some() {
        std::fs::write(snapshot, &summary).expect("writing the findings");
    } else {
        let expected = std::fs::read_to_string(snapshot).unwrap_or_default();
        assert_eq!(expected, summary, "findings changed (KQLAB_BLESS=1 to accept)");
    }
    assert!(agreeing >= MIN_AGREEING, "only {agreeing} verdicts agree (ratchet {MIN_AGREEING})");
}
