//! Analyzer golden tests: every `tests/data/analyze/*.kql` file is parsed and
//! analysed against the built-in schemas; its diagnostics and output schema
//! are compared with the `.snap` file next to it. A file named
//! `KQLnnnn_name.kql` must report code `KQLnnnn`; files named `ok_*.kql` must
//! report no errors. Every code in the table has a fixture: analyzer codes
//! here, parser codes in `tests/data/parse/err`, engine codes in `tests/data/run`.
//!
//! To accept changes, run `KQLAB_BLESS=1 cargo test --test analyze` and review
//! the diff of the `.snap` files like code.

mod support;

use std::fmt::Write;
use std::path::{Path, PathBuf};

use kqlab::analysis::{Globals, Output, analyze};
use kqlab::diagnostics::codes::TABLE;

fn data_dir(folder: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(folder)
}

fn files_with_extension(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("reading {}: {error}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == extension))
        .collect();
    files.sort();
    files
}

/// Diagnostics (parser and analyzer, with line:column) and the output schema.
fn snapshot(text: &str, globals: &Globals) -> (String, Vec<String>) {
    let parse = kqlab::parse(text);
    let analysis = analyze(&parse.query, globals);
    let source = kqlab::text::SourceFile::new("input", text);
    let mut out = String::from("--- diagnostics\n");
    let mut codes = Vec::new();
    for diagnostic in parse.diagnostics.iter().chain(&analysis.diagnostics) {
        writeln!(out, "{}", support::diagnostic_line(&source, diagnostic)).expect("writing to a String");
        if let Some(help) = &diagnostic.help {
            writeln!(out, "  help: {help}").expect("writing to a String");
        }
        codes.push(diagnostic.code.to_string());
    }
    out.push_str("--- output\n");
    match &analysis.output {
        Some(Output::Table(table)) => {
            for column in &table.columns {
                writeln!(out, "{}: {}", column.name, column.ty).expect("writing to a String");
            }
            if table.open {
                out.push_str("(open)\n");
            }
        }
        Some(Output::Scalar(ty)) => writeln!(out, "scalar {ty}").expect("writing to a String"),
        None => out.push_str("none\n"),
    }
    (out, codes)
}

#[test]
fn analyzer_fixtures_report_their_code_and_match_their_snapshots() {
    let bless = std::env::var_os("KQLAB_BLESS").is_some();
    let globals = Globals::builtin();
    let files = files_with_extension(&data_dir("analyze"), "kql");
    assert!(files.len() >= 20, "expected the analyzer fixtures");
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_stem().and_then(|s| s.to_str()).expect("UTF-8 file name");
        let text = std::fs::read_to_string(path).expect("fixtures are UTF-8");
        let (actual, codes) = snapshot(&text, &globals);
        if let Some(code) = name.split('_').next().filter(|prefix| prefix.starts_with("KQL")) {
            if !codes.iter().any(|c| c == code) {
                failures.push(format!("{name}: expected {code}, got {codes:?}"));
            }
        } else if actual.contains("\nerror ") {
            failures.push(format!("{name}: expected no errors:\n{actual}"));
        }
        let snap_path = path.with_extension("snap");
        match std::fs::read_to_string(&snap_path) {
            Ok(expected) if expected == actual => {}
            _ if bless => std::fs::write(&snap_path, &actual).expect("writing the snapshot"),
            Ok(_) => failures.push(format!("{name}: snapshot differs (KQLAB_BLESS=1 to accept)")),
            Err(_) => failures.push(format!("{name}: no snapshot (KQLAB_BLESS=1 to create)")),
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_diagnostic_code_has_a_fixture() {
    let mut fixtures = files_with_extension(&data_dir("analyze"), "kql");
    fixtures.extend(files_with_extension(&data_dir("run"), "kql"));
    let mut analyze_names: Vec<String> =
        fixtures.iter().filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_string)).collect();
    // Rule-folder codes: one folder per code in `tests/data/ruleset` (`tests/ruleset.rs`).
    analyze_names.extend(
        std::fs::read_dir(data_dir("ruleset"))
            .expect("tests/data/ruleset")
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok()),
    );
    // Remote codes: one folder per code in `tests/data/remote`, run against
    // the fake Azure server by `tests/remote.rs`.
    analyze_names.extend(
        std::fs::read_dir(data_dir("remote"))
            .expect("tests/data/remote")
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok()),
    );
    let parse_snaps: String = files_with_extension(&data_dir("parse/err"), "snap")
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("snapshot"))
        .collect();
    let mut missing = Vec::new();
    for info in TABLE {
        let code = info.code.to_string();
        // Invalid UTF-8 cannot live in a text fixture; `tests/properties.rs`
        // (`invalid_utf8_files_are_diagnosed`) covers it.
        let covered = info.code == kqlab::diagnostics::Code::InvalidUtf8
            || parse_snaps.contains(&format!(" {code} "))
            || analyze_names.iter().any(|name| name.starts_with(&format!("{code}_")));
        if !covered {
            missing.push(format!("{code} ({})", info.name));
        }
    }
    assert!(missing.is_empty(), "codes without a fixture: {}", missing.join(", "));
}
