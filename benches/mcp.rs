//! MCP round-trip latency: `kqlab mcp` (the bench-profile binary, stdio) is
//! spawned once and sent `tools/call` requests one at a time, as an LLM
//! client would; each call is timed from writing the request line to
//! reading its response. The baseline, measured in the same run, is the same
//! work done in-process, so the ratio shows what the protocol costs (JSON-RPC
//! framing, JSON (de)serialisation, the pipe, rmcp's dispatch and the
//! blocking-thread hop).
//!
//! Run: `cargo bench --bench mcp`. To add a tool, add a `Case` to `cases()`.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use kqlab::analysis::Globals;
use kqlab::mcp::Context;
use kqlab::mcp::tools;
use serde_json::{Value, json};

const WARM_UP: usize = 50;

/// The detection whose query `kql_validate` checks (built-in tables only).
const RULE: &str = "rules/brute_force_attack_against_a_cloud_pc.yaml";

/// One tool to measure: its arguments, how many calls, and the same work
/// in-process (the first baseline is the one the ratio uses).
struct Case {
    tool: &'static str,
    arguments: Value,
    calls: usize,
    baselines: Vec<(&'static str, Work)>,
}

/// In-process work, run once per call.
type Work = Box<dyn FnMut()>;

fn cases() -> Vec<Case> {
    let rule: Value = yaml_serde::from_str(&std::fs::read_to_string(RULE).expect("the rule")).expect("rule YAML");
    let query = rule["query"].as_str().expect("a query").to_string();
    let filter = Path::new(RULE).file_stem().and_then(|stem| stem.to_str()).expect("a file name").to_string();
    let globals = Globals::builtin();
    let validate_query = query.clone();
    let tool_query = query.clone();
    let context = std::sync::Arc::new(Context::local("rules", vec!["samples".into()]));
    let (validate_context, run_context) = (context.clone(), context.clone());
    let rules_filter = filter.clone();
    let run_arguments = kql_run_arguments();
    let run_params = run_arguments.clone();
    vec![
        Case {
            tool: "kql_validate",
            arguments: json!({"query": query}),
            calls: 500,
            baselines: vec![
                (
                    "analysis::check_text",
                    Box::new(move || {
                        std::hint::black_box(kqlab::analysis::check_text(&validate_query, &globals));
                    }),
                ),
                (
                    "tools::kql_validate::run",
                    Box::new(move || {
                        let params = serde_json::from_value(json!({"query": tool_query})).expect("params");
                        std::hint::black_box(tools::kql_validate::run(&validate_context, params).expect("validated"));
                    }),
                ),
            ],
        },
        Case {
            tool: "rules_test",
            arguments: json!({"filter": filter}),
            calls: 200,
            baselines: vec![(
                "tools::rules_test::run",
                Box::new(move || {
                    let params = serde_json::from_value(json!({"filter": rules_filter})).expect("params");
                    std::hint::black_box(tools::rules_test::run(&context, params).expect("tested"));
                }),
            )],
        },
        Case {
            tool: "kql_run",
            arguments: run_arguments,
            calls: 500,
            baselines: vec![(
                "tools::kql_run::run",
                Box::new(move || {
                    let params = serde_json::from_value(run_params.clone()).expect("params");
                    std::hint::black_box(tools::kql_run::run(&run_context, params).expect("ran"));
                }),
            )],
        },
    ]
}

/// A typical local run: a failed-sign-in detection on 40 inline CSV rows.
fn kql_run_arguments() -> Value {
    let mut csv = String::from("TimeGenerated,UserPrincipalName,IPAddress,ResultType,AppDisplayName\n");
    for row in 0..40 {
        let result = if row % 3 == 0 { "0" } else { "50126" };
        csv.push_str(&format!(
            "2025-01-01T00:{:02}:00Z,user{}@contoso.com,203.0.113.{},{result},Azure Portal\n",
            row,
            row % 4,
            row % 7
        ));
    }
    let query = "SigninLogs\n| where ResultType != \"0\"\n| summarize Failures = count(), IPs = dcount(IPAddress) by UserPrincipalName\n| where Failures >= 5";
    json!({"query": query, "tables": [{"name": "SigninLogs", "text": csv}]})
}

fn main() {
    // The analyzer recurses; give the in-process baselines the stack the
    // server's worker threads get.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(run)
        .expect("a thread")
        .join()
        .expect("the bench does not panic");
}

fn run() {
    // As on the server's blocking threads: the tools run their work here
    // instead of on a new thread per call.
    kqlab::stack::mark_large_stack();
    let mut server = Server::start();
    let mut cases = cases();
    println!("mcp: `kqlab mcp` over stdio, one request at a time; {WARM_UP} warm-up calls per tool");
    for case in &mut cases {
        for _ in 0..WARM_UP {
            server.call(case.tool, &case.arguments);
            for (_, work) in &mut case.baselines {
                work();
            }
        }
        // Calls over MCP and in-process alternate, so that both see the
        // same machine load.
        let mut latencies = Vec::with_capacity(case.calls);
        let mut baselines: Vec<Vec<Duration>> = vec![Vec::with_capacity(case.calls); case.baselines.len()];
        for _ in 0..case.calls {
            latencies.push(server.call(case.tool, &case.arguments));
            for ((_, work), times) in case.baselines.iter_mut().zip(&mut baselines) {
                let start = Instant::now();
                work();
                times.push(start.elapsed());
            }
        }
        latencies.sort();
        baselines.iter_mut().for_each(|times| times.sort());

        let over = percentile(&latencies, 50);
        println!("  {} ({} calls):", case.tool, case.calls);
        println!(
            "    over MCP: p50 {:.3} ms, p95 {:.3} ms, max {:.3} ms",
            ms(over),
            ms(percentile(&latencies, 95)),
            ms(*latencies.last().expect("measured"))
        );
        for ((name, _), times) in case.baselines.iter().zip(&baselines) {
            let base = percentile(times, 50);
            println!(
                "    in-process {name}: p50 {:.3} ms, p95 {:.3} ms; p50 ratio MCP / this {:.2}, difference {:.3} ms",
                ms(base),
                ms(percentile(times, 95)),
                over.as_secs_f64() / base.as_secs_f64(),
                ms(over.saturating_sub(base))
            );
        }
    }
    server.stop();
}

/// `kqlab mcp` on pipes, initialized.
struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kqlab"))
            .arg("mcp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting kqlab mcp");
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut server = Server { child, stdin, stdout, next_id: 1 };
        let initialize = json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}});
        server.request("initialize", initialize);
        server.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        server
    }

    /// Calls a tool and returns the round-trip time; panics on a tool error.
    fn call(&mut self, tool: &str, arguments: &Value) -> Duration {
        let start = Instant::now();
        let response = self.request("tools/call", json!({"name": tool, "arguments": arguments}));
        let elapsed = start.elapsed();
        assert_eq!(response["result"]["isError"], false, "{tool}: {response}");
        elapsed
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let mut line = String::new();
        loop {
            line.clear();
            let read = self.stdout.read_line(&mut line).expect("reading kqlab mcp");
            assert!(read > 0, "kqlab mcp closed its stdout");
            let message: Value = serde_json::from_str(&line).expect("a JSON-RPC line");
            if message["id"] == json!(id) {
                return message;
            }
        }
    }

    fn send(&mut self, message: &Value) {
        writeln!(self.stdin, "{message}").expect("writing to kqlab mcp");
        self.stdin.flush().expect("flushing");
    }

    fn stop(mut self) {
        drop(self.stdin);
        let status = self.child.wait().expect("kqlab mcp ends when stdin closes");
        assert!(status.success(), "{status:?}");
    }
}

fn percentile(sorted: &[Duration], percent: usize) -> Duration {
    sorted[(sorted.len() * percent / 100).min(sorted.len() - 1)]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
