//! Executor time per query on the SigninLogs workload (`bench/signin/`): the
//! CSV is loaded once with kqlab's importer (typed by the built-in Sentinel
//! `SigninLogs` schema), then each query is parsed, analysed and executed
//! through the library API: one untimed warm-up run, then 5 timed runs, and
//! the median is reported. Memory is measured with a counting allocator: the
//! heap the loaded table holds, and the extra heap each query needs at its peak.
//!
//! Run: `bench/run.sh engine` (generates the data, installs DuckDB and
//! duckdb-kql into a venv under `target/`, times them in the same run and
//! checks every result with `bench/signin/reference.py`). Alone:
//! `KQLAB_BENCH_CSV=signin.csv cargo bench --bench engine`.
//!
//! Environment: `KQLAB_BENCH_CSV` (the data; without it the bench is
//! skipped), `KQLAB_BENCH_QUERIES` (default `bench/signin/queries`),
//! `KQLAB_BENCH_OUT` (write timings, memory and results as JSON for the
//! comparison script), `KQLAB_BENCH_FILTER` (run only the queries whose file
//! name contains it, e.g. under a profiler), `KQLAB_BENCH_RUNS` (timed runs
//! per query, default 5), `KQLAB_BENCH_PLAIN` (store every column plainly:
//! no dictionary encoding, as for columns with many distinct values).

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::{Value as Json, json};

use kqlab::analysis::Globals;
use kqlab::analysis::schema::Schemas;
use kqlab::diagnostics::has_errors;
use kqlab::engine::output::api_value;
use kqlab::engine::table::{Database, Table};
use kqlab::engine::{Options, execute};
use kqlab::syntax::ast::ScalarType;

/// Timed runs per query (after one untimed warm-up run).
const TIMED_RUNS: usize = 5;

fn main() {
    let Some(csv_path) = std::env::var_os("KQLAB_BENCH_CSV").map(PathBuf::from) else {
        println!("engine: skipped (set KQLAB_BENCH_CSV to a gen_signin.py CSV, or run bench/run.sh engine)");
        return;
    };
    let queries_dir = std::env::var_os("KQLAB_BENCH_QUERIES")
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/signin/queries"), PathBuf::from);

    // Load once, outside the timing.
    let mut schemas = Schemas::builtin().clone();
    let known = schemas.table("SigninLogs").cloned().expect("SigninLogs is a built-in schema");
    let heap_before_load = LIVE.load(Ordering::Relaxed);
    reset_peak();
    let start = Instant::now();
    let mut table = kqlab::import::import_file(&csv_path, Some(&known)).expect("the benchmark CSV loads");
    if std::env::var_os("KQLAB_BENCH_PLAIN").is_some() {
        // Every column stored plainly, as columns with many distinct values are.
        table = table.without_dictionaries();
        println!("kqlab: KQLAB_BENCH_PLAIN set: no dictionary encoding");
    }
    let load_seconds = start.elapsed().as_secs_f64();
    let load_peak_heap = PEAK.load(Ordering::Relaxed) - heap_before_load;
    let table_heap = LIVE.load(Ordering::Relaxed) - heap_before_load;
    let csv_bytes = std::fs::metadata(&csv_path).map_or(0, |m| m.len() as usize);
    let table_estimate = table.byte_size();
    let n_rows = table.rows;
    // The analyzer sees the loaded columns with their loaded types (as `kqlab run` does).
    schemas.add_table("SigninLogs", Arc::new(loaded_schema(&table, &known)));
    let globals = Globals::with_schemas(schemas);
    let mut database = Database::new();
    database.insert("SigninLogs", table);
    let options = Options::default();

    println!(
        "kqlab: loaded {} rows from {} ({:.1} MB CSV) in {:.1} s",
        n_rows,
        csv_path.display(),
        mb(csv_bytes),
        load_seconds
    );
    println!(
        "kqlab memory: table holds {:.1} MB of heap ({:.2}x the CSV; Table::byte_size estimate {:.1} MB), \
         peak heap while loading {:.1} MB",
        mb(table_heap),
        table_heap as f64 / csv_bytes.max(1) as f64,
        mb(table_estimate),
        mb(load_peak_heap)
    );

    let filter = std::env::var("KQLAB_BENCH_FILTER").ok();
    let mut query_files: Vec<PathBuf> = std::fs::read_dir(&queries_dir)
        .expect("the queries folder exists")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "kql"))
        .filter(|path| filter.as_deref().is_none_or(|f| path.to_string_lossy().contains(f)))
        .collect();
    query_files.sort();

    let mut timings = serde_json::Map::new();
    let mut results = serde_json::Map::new();
    for path in &query_files {
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        let text = std::fs::read_to_string(path).expect("the query file is readable");
        let heap_before = LIVE.load(Ordering::Relaxed);
        reset_peak();
        let warm_up = run_query(&text, &globals, &database, &options);
        let query_peak_heap = PEAK.load(Ordering::Relaxed) - heap_before;
        let table = match warm_up {
            Ok(table) => table,
            Err(message) => {
                println!("{name:<34} FAILED: {message}");
                timings.insert(name, json!({ "error": message }));
                continue;
            }
        };
        let timed_runs = timed_runs();
        let mut runs_ms: Vec<f64> = (0..timed_runs)
            .map(|_| {
                let start = Instant::now();
                let result = run_query(std::hint::black_box(&text), &globals, &database, &options);
                let elapsed = start.elapsed().as_secs_f64() * 1e3;
                std::hint::black_box(result).expect("a query that ran once runs again");
                elapsed
            })
            .collect();
        runs_ms.sort_by(f64::total_cmp);
        let median_ms = runs_ms[timed_runs / 2];
        println!(
            "{name:<34} {median_ms:>9.1} ms median of {timed_runs} (min {:.1}, max {:.1}), {} rows, peak extra heap {:.1} MB",
            runs_ms[0],
            runs_ms[timed_runs - 1],
            table.rows,
            mb(query_peak_heap)
        );
        timings.insert(
            name.clone(),
            json!({ "ms": median_ms, "runs_ms": runs_ms, "rows": table.rows, "peak_extra_heap": query_peak_heap }),
        );
        results.insert(name, result_json(&table));
    }
    let peak_rss = peak_rss_bytes();
    if let Some(peak_rss) = peak_rss {
        println!(
            "kqlab process peak RSS (VmHWM, includes the streaming CSV import and query working sets): {:.1} MB",
            mb(peak_rss)
        );
    }

    let column_heaps = free_columns(database);
    let breakdown: Vec<String> = column_heaps.iter().map(|(name, bytes)| format!("{name} {:.1}", mb(*bytes))).collect();
    println!("kqlab memory by column (MB of heap freed by dropping it): {}", breakdown.join(", "));

    if let Some(out) = std::env::var_os("KQLAB_BENCH_OUT") {
        let report = json!({
            "rows": n_rows,
            "csv_bytes": csv_bytes,
            "load_seconds": load_seconds,
            "table_heap": table_heap,
            "table_byte_size": table_estimate,
            "load_peak_heap": load_peak_heap,
            "column_heaps": column_heaps,
            "peak_rss": peak_rss,
            "queries": timings,
            "results": results,
        });
        std::fs::write(&out, report.to_string()).expect("the output file is writable");
    }
}

/// Timed runs per query: `KQLAB_BENCH_RUNS` (e.g. more for `perf record`), default 5.
fn timed_runs() -> usize {
    std::env::var("KQLAB_BENCH_RUNS")
        .ok()
        .and_then(|runs| runs.parse().ok())
        .filter(|runs| *runs > 0)
        .unwrap_or(TIMED_RUNS)
}

/// Parses, analyses and executes `text`; the first error as text on failure.
fn run_query(text: &str, globals: &Globals, database: &Database, options: &Options) -> Result<Arc<Table>, String> {
    let parse = kqlab::parse(text);
    let mut diagnostics = parse.diagnostics;
    if !has_errors(&diagnostics) {
        diagnostics.extend(kqlab::analyze(&parse.query, globals).diagnostics);
    }
    if let Some(error) = diagnostics.iter().find(|d| d.is_error()) {
        return Err(format!("{}: {}", error.code, error.message));
    }
    let mut tables =
        execute(&parse.query, database, options, None).map_err(|error| format!("{}: {}", error.code, error.message))?;
    if tables.is_empty() {
        return Err("the query returned no table".to_string());
    }
    Ok(tables.swap_remove(0))
}

/// The schema the analyzer sees: the loaded columns, then the known schema's others.
fn loaded_schema(table: &Table, known: &kqlab::analysis::types::TableType) -> kqlab::analysis::types::TableType {
    use kqlab::analysis::types::{Column, TableType, Type};
    let mut columns: Vec<Column> =
        table.fields.iter().map(|f| Column::new(f.name.clone(), Type::Scalar(f.column.ty()))).collect();
    for column in &known.columns {
        if !columns.iter().any(|c| c.name == column.name) {
            columns.push(column.clone());
        }
    }
    TableType::new(columns)
}

/// Drops the loaded table column by column; the heap each column freed.
fn free_columns(database: Database) -> Vec<(String, usize)> {
    let table = database.get("SigninLogs").cloned().expect("the table was loaded");
    drop(database);
    let Ok(table) = Arc::try_unwrap(table) else { return Vec::new() };
    table
        .fields
        .into_iter()
        .map(|field| {
            let name = field.name;
            let before = LIVE.load(Ordering::Relaxed);
            drop(field.column);
            (name, before - LIVE.load(Ordering::Relaxed))
        })
        .collect()
}

/// A result as `reference.py` reads it: column names, and rows with dynamic
/// values as JSON (not JSON text) and datetimes as ISO 8601 text.
fn result_json(table: &Table) -> Json {
    let columns: Vec<&str> = table.fields.iter().map(|f| f.name.as_str()).collect();
    let rows: Vec<Json> = (0..table.rows)
        .map(|row| {
            Json::Array(
                table
                    .fields
                    .iter()
                    .map(|field| {
                        let ty = field.column.ty();
                        match api_value(&field.column.get(row), ty) {
                            Json::String(text) if ty == ScalarType::Dynamic => {
                                serde_json::from_str(&text).unwrap_or(Json::String(text))
                            }
                            value => value,
                        }
                    })
                    .collect(),
            )
        })
        .collect();
    json!({ "columns": columns, "rows": rows })
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

/// The process's peak resident set (`VmHWM` in `/proc/self/status`), on Linux.
fn peak_rss_bytes() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Bytes currently allocated, and the most allocated since the last [`reset_peak`].
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn reset_peak() {
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
}

/// The system allocator, counting live bytes (the bench is single-threaded,
/// so relaxed counters are exact).
struct CountingAllocator;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn record_alloc(size: usize) {
    let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` unchanged; the counters are
// side bookkeeping and never affect the returned memory.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout, as `GlobalAlloc::alloc` requires.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            record_alloc(layout.size());
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as in `alloc`.
        let pointer = unsafe { System.alloc_zeroed(layout) };
        if !pointer.is_null() {
            record_alloc(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: `pointer` was allocated by `System` with `layout` (every allocation goes through here).
        unsafe { System.dealloc(pointer, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as in `dealloc`; `new_size` is the caller's.
        let new_pointer = unsafe { System.realloc(pointer, layout, new_size) };
        if !new_pointer.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            record_alloc(new_size);
        }
        new_pointer
    }
}
