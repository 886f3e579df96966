//! Rule-folder golden tests: every folder `tests/data/ruleset/KQLnnnn_name/`
//! is checked (`kqlab check`) and its rule tests run (`kqlab test`); the
//! diagnostics and test outcomes are compared with `KQLnnnn_name.snap`.
//! A folder named after a code must report that code.
//!
//! To accept changes, run `KQLAB_BLESS=1 cargo test --test ruleset` and
//! review the diff of the `.snap` files like code.

mod support;

use std::fmt::Write;
use std::path::{Path, PathBuf};

use kqlab::analysis::Globals;
use kqlab::ruleset::folder::Folder;
use kqlab::ruleset::runner::{Limits, run_tests};

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ruleset");
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/data/ruleset")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.is_dir())
        .collect();
    folders.sort();
    folders
}

/// Checks and tests one folder; paths are shown relative to it.
fn snapshot(folder_path: &Path, globals: &Globals) -> String {
    let folder = Folder::load(folder_path).expect("readable folder");
    let prefix = format!("{}/", folder_path.display());
    let mut out = String::from("--- check\n");
    for report in kqlab::ruleset::checks::check_folder(&folder, globals) {
        let document = &folder.documents[report.document];
        for diagnostic in &report.diagnostics {
            let line = support::diagnostic_line(&document.source, diagnostic);
            let _ = writeln!(out, "{}: {line}", document.source.name.trim_start_matches(&prefix));
            if let Some(help) = &diagnostic.help {
                let _ = writeln!(out, "    help: {help}");
            }
        }
    }
    for (source, diagnostics) in kqlab::ruleset::checks::check_watchlists(&folder) {
        for diagnostic in &diagnostics {
            let line = support::diagnostic_line(&source, diagnostic);
            let _ = writeln!(out, "{}: {line}", source.name.trim_start_matches(&prefix));
        }
    }
    if !folder.tests.is_empty() {
        out.push_str("--- test\n");
        let run = run_tests(&folder, globals, None, &Limits::default());
        for result in &run.results {
            let verdict = if result.passed() { "PASS" } else { "FAIL KQL3025" };
            let _ = writeln!(out, "{verdict} {} › {}", result.test.trim_start_matches(&prefix), result.case);
            for failure in &result.failures {
                let _ = writeln!(out, "    {}", failure.message.replace(&prefix, ""));
                for line in failure.detail.iter().flat_map(|d| d.lines()) {
                    let _ = writeln!(out, "      {line}");
                }
            }
            for note in &result.notes {
                let _ = writeln!(out, "    note: {}", note.replace(&prefix, ""));
            }
        }
        for broken in &run.broken {
            for diagnostic in &broken.file.diagnostics {
                let line = support::diagnostic_line(&broken.file.source, diagnostic);
                let _ = writeln!(out, "{}: {line}", broken.file.source.name.trim_start_matches(&prefix));
            }
        }
    }
    out
}

#[test]
fn rule_folders_match_their_snapshots() {
    let globals = Globals::builtin();
    let bless = std::env::var_os("KQLAB_BLESS").is_some();
    let mut failures = Vec::new();
    for folder in cases() {
        let name = folder.file_name().expect("named").to_string_lossy().into_owned();
        let actual = snapshot(&folder, &globals);
        let code = name.split('_').next().unwrap_or_default();
        if code.starts_with("KQL") && !actual.contains(&format!(" {code} ")) && !actual.contains(&format!("[{code}]")) {
            failures.push(format!("{name}: does not report {code}"));
        }
        let snap = folder.with_extension("snap");
        if bless {
            std::fs::write(&snap, &actual).expect("writing snapshot");
            continue;
        }
        match std::fs::read_to_string(&snap) {
            Ok(expected) if expected == actual => {}
            Ok(_) => failures.push(format!("{name}: snapshot differs (KQLAB_BLESS=1 to accept)\n{actual}")),
            Err(_) => failures.push(format!("{name}: no snapshot (KQLAB_BLESS=1 to create)")),
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
