//! Parser golden tests: every `tests/data/parse/{ok,err}/*.kql` file is parsed
//! and its diagnostics and syntax tree are compared with the `.snap` file next
//! to it. Files in `ok` must have no errors, files in `err` at least one.
//!
//! To accept changes, run `KQLAB_BLESS=1 cargo test --test golden` and review
//! the diff of the `.snap` files like code.

mod support;

use std::fmt::Write;
use std::path::{Path, PathBuf};

fn kql_files(folder: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/parse").join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("reading {}: {error}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "kql"))
        .collect();
    files.sort();
    files
}

/// The snapshot text: diagnostics (with line:column) then the tree.
fn snapshot(text: &str) -> String {
    let parse = kqlab::parse(text);
    let source = kqlab::text::SourceFile::new("input", text);
    let mut out = String::from("--- diagnostics\n");
    for diagnostic in &parse.diagnostics {
        writeln!(out, "{}", support::diagnostic_line(&source, diagnostic)).expect("writing to a String");
    }
    writeln!(out, "--- tree\n{:#?}", parse.query.statements).expect("writing to a String");
    out
}

fn check_folder(folder: &str, expect_errors: bool) {
    let bless = std::env::var_os("KQLAB_BLESS").is_some();
    let files = kql_files(folder);
    assert!(!files.is_empty(), "no golden files in {folder}");
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("golden inputs are UTF-8");
        let parse = kqlab::parse(&text);
        let has_errors = kqlab::diagnostics::has_errors(&parse.diagnostics);
        if has_errors != expect_errors {
            failures.push(format!(
                "{}: expected {}, got {:?}",
                path.display(),
                if expect_errors { "errors" } else { "no errors" },
                parse.diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>()
            ));
            continue;
        }
        let actual = snapshot(&text);
        let snap_path = path.with_extension("snap");
        match std::fs::read_to_string(&snap_path) {
            Ok(expected) if expected == actual => {}
            _ if bless => std::fs::write(&snap_path, &actual).expect("writing the snapshot"),
            Ok(_) => failures.push(format!("{}: snapshot differs (KQLAB_BLESS=1 to accept)", path.display())),
            Err(_) => failures.push(format!("{}: no snapshot (KQLAB_BLESS=1 to create)", path.display())),
        }
    }
    assert!(failures.is_empty(), "{} golden failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn ok_files_parse_without_errors_and_match_their_snapshots() {
    check_folder("ok", false);
}

#[test]
fn err_files_report_errors_and_match_their_snapshots() {
    check_folder("err", true);
}

#[test]
fn ok_files_cover_every_tabular_operator() {
    let mut text = String::new();
    for path in kql_files("ok") {
        text.push_str(&std::fs::read_to_string(path).expect("golden inputs are UTF-8"));
        text.push('\n');
    }
    let tokens = kqlab::syntax::lexer::lex(&text).tokens;
    let words: std::collections::HashSet<&str> = tokens
        .iter()
        .filter(|t| t.kind == kqlab::syntax::token::TokenKind::Ident)
        .map(|t| &text[t.span.range()])
        .collect();
    let missing: Vec<&&str> =
        kqlab::syntax::parser::OPERATOR_WORDS.iter().filter(|word| !words.contains(**word)).collect();
    assert!(missing.is_empty(), "operators without an ok golden file: {missing:?}");
}
