//! Micro-benchmarks of the hot scalar functions (`has`, `contains`,
//! `extract`, `parse_json`, `ipv4_is_in_range`, `bin`) and the costly
//! `parse_user_agent` (about 1,200 uap-core regexes) in rows per second,
//! each as `T | extend x = <call> | count` over 1,000,000 generated rows,
//! next to a baseline measured in the same run: `strlen(Text)`, the
//! cheapest kernel that reads every string. Two tables: every value distinct (stored plainly: the kernel runs
//! per row) and 1,000 distinct values (dictionary-encoded: the kernel runs
//! per distinct value).
//!
//! Run: `cargo bench --bench functions` (`KQLAB_BENCH_ROWS` changes the size).

use std::time::{Duration, Instant};

use kqlab::engine::column::Column;
use kqlab::engine::table::{Database, Table};
use kqlab::engine::value::Value;
use kqlab::engine::{Options, execute};
use kqlab::syntax::ast::ScalarType;

const RUNS: usize = 5;

const CALLS: &[(&str, &str)] = &[
    ("baseline: strlen", "strlen(Text)"),
    ("has", "Text has \"python\""),
    ("contains", "Text contains \"curl/\""),
    ("extract", "extract(\"id=([0-9]+)\", 1, Text)"),
    ("parse_json(...).member", "parse_json(Json).city"),
    ("ipv4_is_in_range", "ipv4_is_in_range(Ip, \"10.0.0.0/8\")"),
    ("bin(datetime, 1h)", "bin(Time, 1h)"),
    ("parse_user_agent(..., \"browser\")", "parse_user_agent(Text, \"browser\")"),
];

fn main() {
    let rows: usize = std::env::var("KQLAB_BENCH_ROWS").ok().and_then(|r| r.parse().ok()).unwrap_or(1_000_000);
    let distinct = table(rows, rows);
    let repetitive = table(rows, 1_000);
    println!("{rows} rows; median of {RUNS} runs after a warm-up; rows/s = rows / median time");
    println!();
    println!("| function | all distinct: ms | rows/s | x baseline | 1,000 distinct: ms | rows/s | x baseline |");
    println!("|---|--:|--:|--:|--:|--:|--:|");
    let mut baselines = (0.0, 0.0);
    for (index, (name, call)) in CALLS.iter().enumerate() {
        let query = format!("T | extend x = {call} | count");
        let plain = time(&distinct, &query);
        let encoded = time(&repetitive, &query);
        if index == 0 {
            baselines = (plain, encoded);
        }
        println!(
            "| {name} | {:.1} | {} | {:.2} | {:.1} | {} | {:.2} |",
            plain * 1e3,
            per_second(rows, plain),
            plain / baselines.0,
            encoded * 1e3,
            per_second(rows, encoded),
            encoded / baselines.1
        );
    }
}

/// A table of `rows` rows with `distinct` different values per text column.
fn table(rows: usize, distinct: usize) -> Database {
    let agents = ["Mozilla/5.0 (Windows NT 10.0)", "python-requests/2.31", "curl/8.4.0", "okhttp/4.9.2"];
    let cities = ["Paris", "Oslo", "Denver", "Lagos"];
    let mut text = Vec::with_capacity(rows);
    let mut json = Vec::with_capacity(rows);
    let mut ip = Vec::with_capacity(rows);
    let mut time = Vec::with_capacity(rows);
    for row in 0..rows {
        let key = row % distinct;
        text.push(Value::str(&format!("{} id={key} session", agents[key % agents.len()])));
        json.push(Value::str(&format!("{{\"city\":\"{}\",\"n\":{key}}}", cities[key % cities.len()])));
        ip.push(Value::str(&format!(
            "{}.{}.{}.{}",
            [10, 52, 192, 172][key % 4],
            key % 251,
            (key / 251) % 251,
            key % 7
        )));
        time.push(Value::DateTime(638_000_000_000_000_000 + row as i64 * 10_000_000));
    }
    let columns = vec![
        ("Text".to_string(), Column::from_values(ScalarType::String, &text).with_dictionary()),
        ("Json".to_string(), Column::from_values(ScalarType::String, &json).with_dictionary()),
        ("Ip".to_string(), Column::from_values(ScalarType::String, &ip).with_dictionary()),
        ("Time".to_string(), Column::from_values(ScalarType::DateTime, &time)),
    ];
    let mut database = Database::new();
    database.insert("T", Table::new(columns));
    database
}

/// Median seconds of `query` over the table.
fn time(database: &Database, query: &str) -> f64 {
    let parse = kqlab::parse(query);
    assert!(parse.diagnostics.is_empty(), "{query}: {:?}", parse.diagnostics);
    let options = Options::default();
    execute(&parse.query, database, &options, None).expect("the benchmark query runs");
    let mut runs: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(execute(&parse.query, database, &options, None).expect("runs"));
            start.elapsed()
        })
        .collect();
    runs.sort();
    runs[RUNS / 2].as_secs_f64()
}

fn per_second(rows: usize, seconds: f64) -> String {
    let rate = rows as f64 / seconds;
    if rate >= 1e9 {
        format!("{:.1} G", rate / 1e9)
    } else if rate >= 1e6 {
        format!("{:.1} M", rate / 1e6)
    } else {
        format!("{:.0} k", rate / 1e3)
    }
}
