//! Watch-mode latency: a folder of 1,000 real analytics rules (the first
//! 1,000 detections of the corpus as Azure-Sentinel YAML) is watched with the
//! real file watcher; one rule is saved at a time, and the time from the
//! write to the report of that rule's new findings is measured. The
//! baseline, measured in the same run, is a full check of the folder.
//!
//! Run: `cargo bench --bench watch`.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use kqlab::analysis::Globals;
use notify::{RecursiveMode, Watcher};

#[path = "../tests/support/corpus_rules.rs"]
mod corpus_rules;
use corpus_rules::rule_yaml;

const RULES: usize = 1000;
const SAVES: usize = 40;

fn main() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = dir.path().join("rules");
    std::fs::create_dir_all(&root).expect("folder");
    let records: Vec<serde_json::Value> = corpus_rules::detections().into_iter().take(RULES).collect();
    let mut paths = Vec::new();
    for (index, record) in records.iter().enumerate() {
        let path = root.join(format!("rule{index:04}.yaml"));
        std::fs::write(&path, rule_yaml(record)).expect("write");
        paths.push(path);
    }

    // Baseline: checking the whole folder once.
    let folder = kqlab::ruleset::folder::Folder::load(&root).expect("the folder");
    let globals = Globals::builtin();
    let full = best_of(3, || {
        on_big_stack(|| {
            std::hint::black_box(kqlab::ruleset::checks::check_folder(&folder, &globals));
        })
    });

    let (sender, events) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event| {
        let _ = sender.send(event);
    })
    .expect("watcher");
    watcher.watch(&root, RecursiveMode::Recursive).expect("watch");
    let (reports, reported) = mpsc::channel::<(Instant, Vec<PathBuf>, usize)>();
    let loop_root = root.clone();
    let worker = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            kqlab::cli::commands::watch::watch_loop(
                &loop_root,
                Globals::builtin(),
                true,
                Duration::from_millis(50),
                &events,
                &mut |session, update| {
                    // What the terminal shows: the changed rules' findings.
                    let mut shown = 0;
                    for path in &update.checked {
                        shown += session.diagnostics(path).iter().map(|d| d.message.len()).sum::<usize>();
                    }
                    let _ = reports.send((Instant::now(), update.changed.clone(), shown));
                },
            )
        })
        .expect("thread");
    reported.recv_timeout(Duration::from_secs(120)).expect("the first report");

    let mut latencies = Vec::new();
    for save in 0..SAVES {
        let path = &paths[(save * 37) % paths.len()];
        let mut text = std::fs::read_to_string(path).expect("read");
        text.push_str(&format!("# save {save}\n"));
        let written = Instant::now();
        std::fs::write(path, text).expect("write");
        loop {
            let (at, changed, _) = reported.recv_timeout(Duration::from_secs(30)).expect("a report");
            if changed.contains(path) {
                latencies.push(at - written);
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(watcher);
    worker.join().expect("no panic").expect("the loop ends");

    latencies.sort();
    let median = latencies[latencies.len() / 2];
    let max = *latencies.last().expect("measured");
    println!("watch: {RULES} rules, {SAVES} saves of one rule each (50 ms batching window included)");
    println!("  save → report: median {:.1} ms, max {:.1} ms", ms(median), ms(max));
    println!("  baseline, full check of the folder: {:.1} ms", ms(full));
    println!("  median latency / full check: {:.3}", median.as_secs_f64() / full.as_secs_f64());
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn best_of(runs: usize, mut work: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .min()
        .expect("at least one run")
}

fn on_big_stack(work: impl FnOnce() + Send) {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn_scoped(scope, work)
            .expect("thread")
            .join()
            .expect("no panic")
    });
}
