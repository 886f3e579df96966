//! A `kqlab mcp` child process driven with raw JSON-RPC lines over stdio,
//! as any MCP client would, with no client crate in between.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::{Value, json};

/// A running `kqlab mcp` with its stdin and a channel of its stdout lines.
pub struct Session {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    next_id: u64,
}

impl Session {
    /// `kqlab mcp` in the current directory with the test's environment.
    pub fn start() -> Session {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kqlab"));
        command.arg("mcp");
        Session::spawn(command)
    }

    /// Starts `command` (a `kqlab mcp` with its arguments, environment and folder).
    pub fn spawn(mut command: Command) -> Session {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting kqlab mcp");
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Session { child, stdin, lines, next_id: 1000 }
    }

    pub fn send(&mut self, message: Value) {
        writeln!(self.stdin, "{message}").expect("writing to kqlab mcp");
        self.stdin.flush().expect("flushing");
    }

    /// Sends a request and returns the response with the same id.
    pub fn request(&mut self, id: u64, method: &str, params: Value) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let line = self.lines.recv_timeout(Duration::from_secs(60)).expect("a response within 60 s");
            let message: Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {line}"));
            if message["id"] == json!(id) {
                return message;
            }
        }
    }

    /// `initialize` and `notifications/initialized`; returns the initialize result.
    pub fn initialize(&mut self) -> Value {
        let response = self.request(
            1,
            "initialize",
            json!({
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "kqlab-test", "version": "0"}
            }),
        );
        self.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        response["result"].clone()
    }

    /// Calls a tool and returns its `result` (with `isError`, `content`, `structuredContent`).
    pub fn call(&mut self, name: &str, arguments: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let response = self.request(id, "tools/call", json!({"name": name, "arguments": arguments}));
        assert!(response["result"].is_object(), "{name}: {response}");
        response["result"].clone()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
