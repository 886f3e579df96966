//! `kqlab mcp` as a child process driven with raw JSON-RPC lines over
//! stdio, as any MCP client would, with no client crate in between: start
//! it (in a chosen folder with a chosen environment, or as a `Command`),
//! initialize, send requests, call tools, read the answers.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
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
    /// Everything the server wrote to stdout, for checks that a secret never shows.
    pub transcript: String,
}

impl Session {
    /// `kqlab mcp` in the current directory with the test's environment (not initialized).
    pub fn start() -> Session {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kqlab"));
        command.arg("mcp");
        Session::spawn(command)
    }

    /// Starts `kqlab mcp ARGS` in `dir` with only `env` as its environment, and initializes it.
    pub fn start_in(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Session {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kqlab"));
        command
            .arg("mcp")
            .args(args)
            .current_dir(dir)
            .env_clear()
            .envs(env.iter().map(|(name, value)| (*name, value.as_str())));
        let mut session = Session::spawn(command);
        let result = session.initialize();
        assert_eq!(result["serverInfo"]["name"], "kqlab", "{result}");
        session
    }

    /// Starts `command` (a `kqlab mcp` with its arguments, environment and folder).
    pub fn spawn(mut command: Command) -> Session {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
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
        Session { child, stdin, lines, next_id: 1000, transcript: String::new() }
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
            self.transcript.push_str(&line);
            self.transcript.push('\n');
            let message: Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {line}"));
            if message["id"] == json!(id) {
                return message;
            }
        }
    }

    /// Sends a request with the next free id.
    pub fn rpc(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.request(id, method, params)
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

    /// Calls a tool; returns `result` (with `isError`, `structuredContent`, `content`).
    pub fn call(&mut self, tool: &str, arguments: Value) -> Value {
        let response = self.rpc("tools/call", json!({"name": tool, "arguments": arguments}));
        assert!(response["result"].is_object(), "{tool}: {response}");
        response["result"].clone()
    }

    /// Calls a tool that must succeed; returns its structured output.
    pub fn call_ok(&mut self, tool: &str, arguments: Value) -> Value {
        let result = self.call(tool, arguments);
        assert_eq!(result["isError"], false, "{tool}: {result}");
        let text = result["content"][0]["text"].as_str().expect("a text block");
        assert_eq!(serde_json::from_str::<Value>(text).expect("JSON text"), result["structuredContent"], "{tool}");
        result["structuredContent"].clone()
    }

    /// Calls a tool that must fail; returns its error text.
    pub fn call_err(&mut self, tool: &str, arguments: Value) -> String {
        let result = self.call(tool, arguments);
        assert_eq!(result["isError"], true, "{tool}: {result}");
        result["content"][0]["text"].as_str().expect("an error text").to_string()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
