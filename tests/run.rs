//! Engine golden tests: every `tests/data/run/*.kql` file is executed with
//! the built-in schemas (no table data); its result table (as text) or its
//! error is compared with the `.snap` file next to it. A file named
//! `KQLnnnn_name.kql` must fail with code `KQLnnnn`; `ok_*.kql` must run.
//! A first line `// options: max_rows=N max_memory_mb=N cancelled` sets limits.
//!
//! To accept changes, run `KQLAB_BLESS=1 cargo test --test run`.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use kqlab::engine::table::Database;
use kqlab::engine::{Options, execute, execute_named, output};

fn options_for(text: &str) -> Options {
    let mut options = Options::default();
    if let Some(line) = text.lines().next().and_then(|l| l.strip_prefix("// options:")) {
        for option in line.split_whitespace() {
            match option.split_once('=') {
                Some(("max_rows", n)) => options.max_rows = n.parse().expect("max_rows"),
                Some(("max_memory_mb", n)) => options.max_memory = n.parse::<usize>().expect("max_memory_mb") << 20,
                None if option == "cancelled" => options.cancel = Some(Arc::new(AtomicBool::new(true))),
                _ => panic!("unknown fixture option {option}"),
            }
        }
    }
    options
}

fn snapshot(text: &str) -> (String, Option<String>) {
    let parse = kqlab::parse(text);
    assert!(parse.diagnostics.is_empty(), "fixture has syntax errors: {:?}", parse.diagnostics);
    let source = kqlab::text::SourceFile::new("input", text);
    match execute_named(&parse.query, &Database::new(), &options_for(text), None) {
        Ok(tables) => {
            let mut out = String::new();
            for result in &tables {
                // Named results (`fork` legs) are introduced by their name.
                if let Some(name) = &result.name {
                    out.push_str(&format!("[{name}]\n"));
                }
                out.push_str(&output::text(&result.table, 100));
            }
            (out, None)
        }
        Err(error) => {
            let diagnostic = error.to_diagnostic(parse.query.span);
            let mut out = support::diagnostic_line(&source, &diagnostic);
            if let Some(help) = &diagnostic.help {
                out.push_str(&format!("\n  help: {help}"));
            }
            out.push('\n');
            (out, Some(diagnostic.code.to_string()))
        }
    }
}

#[test]
fn engine_fixtures_fail_with_their_code_and_match_their_snapshots() {
    let bless = std::env::var_os("KQLAB_BLESS").is_some();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/run");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/data/run")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "kql"))
        .collect();
    files.sort();
    assert!(files.len() >= 6);
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_stem().and_then(|s| s.to_str()).expect("UTF-8 name").to_string();
        let text = std::fs::read_to_string(path).expect("UTF-8 fixture");
        // Deep recursion in adversarial fixtures needs a big stack, as in the CLI.
        let (actual, code) = std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(move || snapshot(&text))
            .expect("thread")
            .join()
            .expect("no panic");
        match name.split('_').next().filter(|p| p.starts_with("KQL")) {
            Some(expected) if code.as_deref() != Some(expected) => {
                failures.push(format!("{name}: expected {expected}, got {code:?}: {actual}"))
            }
            None if code.is_some() => failures.push(format!("{name}: expected a result, got {actual}")),
            _ => {}
        }
        let snap = path.with_extension("snap");
        if bless {
            std::fs::write(&snap, &actual).expect("writing snapshot");
        } else {
            match std::fs::read_to_string(&snap) {
                Ok(expected) if expected == actual => {}
                Ok(_) => failures.push(format!("{name}: snapshot differs (KQLAB_BLESS=1 to accept):\n{actual}")),
                Err(_) => failures.push(format!("{name}: no snapshot (KQLAB_BLESS=1 to create)")),
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// The benchmark workload (`bench/signin/queries`, timed by `bench/run.sh
/// engine`) checks without errors and runs on an empty `SigninLogs`, so a
/// regression shows up here rather than only in the benchmark.
#[test]
fn benchmark_queries_check_and_run_on_empty_tables() {
    let globals = kqlab::analysis::Globals::builtin();
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/signin/queries");
    let mut n_queries = 0;
    for entry in std::fs::read_dir(&folder).expect("bench/signin/queries exists") {
        let path = entry.expect("a readable folder entry").path();
        if path.extension().is_none_or(|e| e != "kql") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("a readable query");
        let parse = kqlab::parse(&text);
        let mut diagnostics = parse.diagnostics.clone();
        diagnostics.extend(kqlab::analyze(&parse.query, &globals).diagnostics);
        assert!(!kqlab::diagnostics::has_errors(&diagnostics), "{}: {diagnostics:?}", path.display());
        let result = execute(&parse.query, &Database::new(), &Options::default(), Some(globals.schemas.as_ref()));
        assert!(result.is_ok(), "{}: {result:?}", path.display());
        n_queries += 1;
    }
    assert_eq!(n_queries, 8);
}
