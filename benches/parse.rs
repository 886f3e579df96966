//! Parse throughput over the real corpus (2,409 Sentinel queries), compared in
//! the same run with Microsoft's official parser (Kusto.Language's JavaScript
//! build) when it is installed.
//!
//! Run: `bench/run.sh parse` (installs the official parser, then runs this), or
//! `cargo bench --bench parse` for kqlab alone. Set `KQLAB_ORACLE_DIR` to a
//! folder holding an installed `oracle.js` to include the comparison.

#[path = "support/oracle.rs"]
mod oracle;

use std::time::{Duration, Instant};

fn main() {
    let corpus_path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/corpus/sentinel-queries.jsonl");
    let corpus = std::fs::read_to_string(corpus_path).expect("the corpus is in the repository");
    let queries: Vec<String> = corpus
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|value| value["query"].as_str().map(str::to_string))
        .collect();
    let total_bytes: usize = queries.iter().map(String::len).sum();

    // Warm up, then take the best of several timed passes.
    let mut n_errors = 0;
    for query in &queries {
        n_errors += usize::from(kqlab::diagnostics::has_errors(&kqlab::parse(query).diagnostics));
    }
    let mut best = Duration::MAX;
    for _ in 0..10 {
        let start = Instant::now();
        for query in &queries {
            std::hint::black_box(kqlab::parse(std::hint::black_box(query)));
        }
        best = best.min(start.elapsed());
    }
    let per_query_us = best.as_secs_f64() * 1e6 / queries.len() as f64;
    println!("corpus: {} queries, {:.2} MB, {} with syntax errors", queries.len(), total_bytes as f64 / 1e6, n_errors);
    println!(
        "kqlab parse:   {:>10.1} queries/s  {:>8.1} MB/s  {:>8.1} µs/query  (best of 10 passes: {:.1} ms)",
        queries.len() as f64 / best.as_secs_f64(),
        total_bytes as f64 / 1e6 / best.as_secs_f64(),
        per_query_us,
        best.as_secs_f64() * 1e3
    );

    let Some(oracle_dir) = std::env::var_os("KQLAB_ORACLE_DIR") else {
        println!("official parser: skipped (set KQLAB_ORACLE_DIR, or run bench/run.sh parse)");
        return;
    };
    let oracle_ms = oracle::mean_ms_per_query(std::path::Path::new(&oracle_dir), &["--syntax-only"], &corpus);
    match oracle_ms {
        Some(ms) => {
            println!(
                "official parser (Kusto.Language JS, syntax only): {:>8.1} µs/query ({:.0} queries/s)",
                ms * 1e3,
                1e3 / ms
            );
            println!("ratio: kqlab is {:.0}x faster than the official parser", ms * 1e3 / per_query_us);
        }
        None => println!("official parser: failed to run (is node installed and `npm ci` done?)"),
    }
}
