//! Semantic-check throughput over the real corpus (2,409 Sentinel queries:
//! parse + analyze against the built-in schemas), compared in the same run
//! with Microsoft's binder (Kusto.Language's JavaScript build,
//! `KustoCode.ParseAndAnalyze`) when it is installed.
//!
//! Run: `bench/run.sh analyze` (installs the official parser, then runs this),
//! or `cargo bench --bench analyze` for kqlab alone.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kqlab::analysis::{Globals, analyze};

fn main() {
    let corpus_path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/corpus/sentinel-queries.jsonl");
    let corpus = std::fs::read_to_string(corpus_path).expect("the corpus is in the repository");
    let queries: Vec<String> = corpus
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|record| format!("{}{}", prelude(&record), record["query"].as_str().unwrap_or_default()))
        .collect();

    // Loading the built-in schemas and catalog happens once per process.
    let start = Instant::now();
    let globals = Globals::builtin();
    let setup = start.elapsed();

    let mut n_errors = 0;
    for query in &queries {
        let parse = kqlab::parse(query);
        n_errors += usize::from(kqlab::diagnostics::has_errors(&analyze(&parse.query, &globals).diagnostics));
    }
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        for query in &queries {
            let parse = kqlab::parse(std::hint::black_box(query));
            std::hint::black_box(analyze(&parse.query, &globals));
        }
        best = best.min(start.elapsed());
    }
    let per_query_us = best.as_secs_f64() * 1e6 / queries.len() as f64;
    println!("corpus: {} queries, {} with semantic errors", queries.len(), n_errors);
    println!("kqlab schemas + catalog load: {:.1} ms (once per process)", setup.as_secs_f64() * 1e3);
    println!(
        "kqlab parse + analyze: whole corpus {:.1} ms, {:.1} µs/query (best of 5 passes)",
        best.as_secs_f64() * 1e3,
        per_query_us
    );

    let Some(oracle_dir) = std::env::var_os("KQLAB_ORACLE_DIR") else {
        println!("official binder: skipped (set KQLAB_ORACLE_DIR, or run bench/run.sh analyze)");
        return;
    };
    match run_oracle(std::path::Path::new(&oracle_dir), &corpus) {
        Some(ms) => {
            println!(
                "official binder (Kusto.Language JS, ParseAndAnalyze): {:.1} µs/query, whole corpus {:.1} s",
                ms * 1e3,
                ms * queries.len() as f64 / 1e3
            );
            println!("ratio: kqlab is {:.0}x faster than the official binder", ms * 1e3 / per_query_us);
        }
        None => println!("official binder: failed to run (is node installed and `npm ci` done?)"),
    }
}

/// The parser-parameter `let`s the corpus record implies (as the oracle adds them).
fn prelude(record: &serde_json::Value) -> String {
    if record["kind"] != "parser" {
        return String::new();
    }
    kqlab::analysis::parser_prelude_from_json(&record["parser_ParserParams"])
}

/// Runs `node oracle.js` in semantic mode with kqlab's schema files and
/// returns its mean milliseconds per query (its own timing, excluding start-up).
fn run_oracle(dir: &std::path::Path, corpus: &str) -> Option<f64> {
    let schemas = concat!(env!("CARGO_MANIFEST_DIR"), "/data/schemas");
    let mut child = Command::new("node")
        .arg(dir.join("oracle.js"))
        .arg("--tables")
        .arg(format!("{schemas}/table-schemas.json"))
        .arg("--functions")
        .arg(format!("{schemas}/function-schemas.json"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(corpus.as_bytes()).ok()?;
    let output = child.wait_with_output().ok()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let after = stderr.split("avg ").nth(1)?;
    after.split_whitespace().next()?.parse().ok()
}
