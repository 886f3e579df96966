//! `kqlab mcp --http 127.0.0.1:0` as a child process, and a tiny HTTP/1.1
//! client over `std::net::TcpStream` (one request per connection), shared
//! by `mcp_transport.rs` and `mcp_python.rs`.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

/// A token for tests (long enough for `check_given_token`).
pub const TOKEN: &str = "test-token-0123456789abcdef";

/// A running `kqlab mcp --http` and its stderr lines.
pub struct HttpServer {
    pub child: Child,
    /// The bound address, from the `listening on` line.
    pub address: SocketAddr,
    /// The MCP endpoint URL.
    pub url: String,
    /// Every stderr line read so far (up to the `listening on` line), then
    /// the rest as they come.
    pub early_stderr: Vec<String>,
    pub stderr: Receiver<String>,
}

impl HttpServer {
    /// Starts the server with `KQLAB_MCP_TOKEN` set to `token` (or unset)
    /// and waits for its `listening on` line.
    pub fn start(token: Option<&str>, extra_args: &[&str]) -> HttpServer {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kqlab"));
        command.args(["mcp", "--http", "127.0.0.1:0"]).args(extra_args);
        command.env_remove("KQLAB_MCP_TOKEN").env_remove("KQLAB_LOG");
        if let Some(token) = token {
            command.env("KQLAB_MCP_TOKEN", token);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting kqlab mcp --http");
        let stderr = child.stderr.take().expect("piped stderr");
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut early_stderr = Vec::new();
        loop {
            let Ok(line) = lines.recv_timeout(Duration::from_secs(30)) else {
                let _ = child.kill();
                let status = child.wait();
                panic!("no `listening on` line within 30 s ({status:?}); stderr: {early_stderr:?}")
            };
            early_stderr.push(line.clone());
            if let Some(url) = line.strip_prefix("kqlab mcp: listening on ") {
                let authority = url.strip_prefix("http://").and_then(|rest| rest.strip_suffix("/mcp")).expect("a URL");
                let address = authority.parse().expect("an address");
                return HttpServer { child, address, url: url.to_string(), early_stderr, stderr: lines };
            }
        }
    }

    /// The `bearer token:` line, when the server generated its token.
    pub fn printed_token(&self) -> Option<String> {
        self.early_stderr.iter().find_map(|line| line.strip_prefix("kqlab mcp: bearer token: ").map(str::to_string))
    }

    /// Sends SIGTERM and waits up to `limit` for the process to end.
    pub fn terminate(&mut self, limit: Duration) -> Option<(ExitStatus, Duration)> {
        terminate(&mut self.child, limit)
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends SIGTERM to `child` (with the `kill` program: no libc binding) and
/// waits up to `limit`; returns the exit status and how long it took.
pub fn terminate(child: &mut Child, limit: Duration) -> Option<(ExitStatus, Duration)> {
    let start = Instant::now();
    let sent = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().expect("running kill");
    assert!(sent.success(), "kill -TERM failed");
    while start.elapsed() < limit {
        if let Some(status) = child.try_wait().expect("waiting for the child") {
            return Some((status, start.elapsed()));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

/// An HTTP response: status, headers (lowercase names) and the body with
/// any chunked encoding removed.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// The JSON-RPC messages of the body: the body itself when it is JSON,
    /// else the `data:` lines of an event stream.
    pub fn messages(&self) -> Vec<serde_json::Value> {
        if let Ok(value) = serde_json::from_str(&self.body) {
            return vec![value];
        }
        self.body
            .lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .filter_map(|data| serde_json::from_str(data.trim()).ok())
            .collect()
    }
}

/// Sends one request (`Connection: close`) and reads the whole response.
/// `headers` replace the defaults of the same name (`Host`).
pub fn request(address: SocketAddr, method: &str, headers: &[(&str, &str)], body: &str) -> Response {
    let mut stream = TcpStream::connect(address).expect("connecting");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("a timeout");
    let mut text = format!("{method} /mcp HTTP/1.1\r\n");
    if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("host")) {
        text.push_str(&format!("Host: {address}\r\n"));
    }
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()));
    stream.write_all(text.as_bytes()).expect("writing the request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("reading the response");
    parse_response(&raw)
}

/// A JSON-RPC POST with the token and the headers MCP asks for.
pub fn post_json(address: SocketAddr, token: &str, session: Option<&str>, body: &serde_json::Value) -> Response {
    let authorization = format!("Bearer {token}");
    let mut headers = vec![
        ("Authorization", authorization.as_str()),
        ("Content-Type", "application/json"),
        ("Accept", "application/json, text/event-stream"),
    ];
    if let Some(session) = session {
        headers.push(("Mcp-Session-Id", session));
    }
    request(address, "POST", &headers, &body.to_string())
}

fn parse_response(raw: &[u8]) -> Response {
    let split = raw.windows(4).position(|window| window == b"\r\n\r\n").expect("a header block");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("a status line");
    let status = status_line.split(' ').nth(1).and_then(|code| code.parse().ok()).expect("a status code");
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    if headers.iter().any(|(name, value)| name == "transfer-encoding" && value.contains("chunked")) {
        body = dechunk(&body);
    }
    Response { status, headers, body: String::from_utf8_lossy(&body).into_owned() }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|window| window == b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = end + 2;
        out.extend_from_slice(&data[start..(start + size).min(data.len())]);
        data = data.get(start + size + 2..).unwrap_or_default();
    }
    out
}
