//! Semantic-check throughput over the real corpus (2,409 Sentinel queries:
//! parse + analyze against the built-in schemas), compared in the same run
//! with Microsoft's binder (Kusto.Language's JavaScript build,
//! `KustoCode.ParseAndAnalyze`) when it is installed.
//!
//! Run: `bench/run.sh analyze` (installs the official parser, then runs this),
//! or `cargo bench --bench analyze` for kqlab alone.

#[path = "support/oracle.rs"]
mod oracle;

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
    let schemas = concat!(env!("CARGO_MANIFEST_DIR"), "/data/schemas");
    let tables = format!("{schemas}/table-schemas.json");
    let functions = format!("{schemas}/function-schemas.json");
    let args = ["--tables", tables.as_str(), "--functions", functions.as_str()];
    match oracle::mean_ms_per_query(std::path::Path::new(&oracle_dir), &args, &corpus) {
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
