//! Runs Microsoft's official parser/binder (`oracle.js` from
//! `shared/tools/kusto-oracle`, installed by `bench/run.sh`) over the corpus.

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `node oracle.js ARGS` with `corpus` (JSON Lines) on stdin and returns
/// its mean milliseconds per query (its own timing, excluding start-up).
pub fn mean_ms_per_query(dir: &std::path::Path, args: &[&str], corpus: &str) -> Option<f64> {
    let mut child = Command::new("node")
        .arg(dir.join("oracle.js"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(corpus.as_bytes()).ok()?;
    let output = child.wait_with_output().ok()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    // "oracle: 2409 queries, ... avg 2.50 ms/query, total 6.0 s"
    let after = stderr.split("avg ").nth(1)?;
    after.split_whitespace().next()?.parse().ok()
}
