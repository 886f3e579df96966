//! A fake of the Azure services `kqlab verify` and `kqlab schema pull`
//! talk to, on a loopback port: the Entra ID token endpoint, the Log
//! Analytics query and metadata APIs and the ARM tables API. A small
//! HTTP/1.1 responder on `std::net::TcpListener`, one request per
//! connection, answering with the documented examples in `tests/data/azure/`.
//!
//! The query endpoint runs the posted query with kqlab's own engine (the
//! fixtures are inlined in it, and `set query_now` pins `now()`), unless the
//! query holds a marker: `fake:partial` (partial-error example),
//! `fake:syntax` (400 syntax error example), `fake:example` (the query API
//! example), `fake:differ` (the engine's result less its first row).
//! `throttle` 429s (with `Retry-After: 1`) come before the answer.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

#[path = "fake_directory.rs"]
mod fake_directory;
#[path = "fake_sentinel.rs"]
pub mod fake_sentinel;

/// The client secret the fake accepts.
pub const SECRET: &str = "fake-secret-Zq8~never-shown";
pub const TENANT: &str = "72f988bf-0000-0000-0000-000000000000";
pub const CLIENT: &str = "11111111-1111-1111-1111-111111111111";
pub const WORKSPACE: &str = "63613592-b6f7-4c3d-a390-22ba13102111";

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// What the fake does next; tests change it between runs.
#[derive(Debug, Default)]
pub struct Behaviour {
    /// 429s to answer to queries before answering.
    pub throttle: u32,
    /// A status for the metadata API instead of 200.
    pub metadata_status: Option<u16>,
}

pub struct FakeAzure {
    pub addr: SocketAddr,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
    pub behaviour: Arc<Mutex<Behaviour>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FakeAzure {
    pub fn start() -> FakeAzure {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let behaviour = Arc::new(Mutex::new(Behaviour::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (requests, behaviour, stop) = (requests.clone(), behaviour.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let _ = serve(stream, addr, &requests, &behaviour);
                }
            })
        };
        FakeAzure { addr, requests, behaviour, stop, thread: Some(thread) }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The environment a CLI run needs, and nothing else.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AZURE_AUTHORITY_HOST", self.url()),
            ("KQLAB_LOGANALYTICS_ENDPOINT", self.url()),
            ("KQLAB_ARM_ENDPOINT", self.url()),
            ("KQLAB_GRAPH_ENDPOINT", self.url()),
            ("AZURE_TENANT_ID", TENANT.to_string()),
            ("AZURE_CLIENT_ID", CLIENT.to_string()),
            ("AZURE_CLIENT_SECRET", SECRET.to_string()),
            ("KQLAB_WORKSPACE_ID", WORKSPACE.to_string()),
            ("AZURE_SUBSCRIPTION_ID", "00000000-0000-0000-0000-00000000000".to_string()),
            ("KQLAB_RESOURCE_GROUP", "oiautorest6685".to_string()),
            ("KQLAB_WORKSPACE_NAME", "oiautorest6685".to_string()),
        ]
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for FakeAzure {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A file of `tests/data/azure/`; for a spec example, its `responses.200.body`.
/// The federated token a workload identity's token file holds in the tests.
pub const FEDERATED_TOKEN: &str = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6a3FsYWIifQ.";

/// The `IDENTITY_HEADER` a managed identity's token endpoint expects in the tests.
pub const IDENTITY_HEADER: &str = "fake-identity-header";

pub fn example(path: &str) -> String {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/azure").join(path);
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()));
    let json: serde_json::Value = serde_json::from_str(&text).expect("example JSON");
    match json.pointer("/responses/200/body") {
        Some(body) => body.to_string(),
        None => text,
    }
}

fn serve(
    stream: TcpStream,
    addr: SocketAddr,
    requests: &Mutex<Vec<Recorded>>,
    behaviour: &Mutex<Behaviour>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let length = headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let body = String::from_utf8_lossy(&body).into_owned();
    let recorded =
        Recorded { method: method.clone(), path: target.clone(), headers: headers.clone(), body: body.clone() };
    requests.lock().unwrap().push(recorded);
    let (status, extra, response) = route(&method, &target, &headers, &body, addr, behaviour);
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        _ => "Error",
    };
    let mut stream = stream;
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\nx-ms-request-id: fake-{}\r\n",
        response.len(),
        requests.lock().unwrap().len()
    );
    for (name, value) in extra {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(response.as_bytes())?;
    stream.flush()
}

type Answer = (u16, Vec<(&'static str, String)>, String);

fn route(
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: &str,
    addr: SocketAddr,
    behaviour: &Mutex<Behaviour>,
) -> Answer {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let token =
        serde_json::from_str::<serde_json::Value>(&example("synthesized/auth/token-v2-client-credentials-200.json"))
            .unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_string();
    if method == "POST" && path.ends_with("/oauth2/v2.0/token") {
        let form: Vec<(String, String)> = body
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_string(), percent_decode(v)))
            .collect();
        let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
        // A client secret, or a workload identity's federated token.
        let proven = field("client_secret") == SECRET
            || field("client_assertion") == FEDERATED_TOKEN
                && field("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
        if path != format!("/{TENANT}/oauth2/v2.0/token") || !proven || field("client_id") != CLIENT {
            // A hostile fake: it echoes the secret it got, which kqlab must scrub.
            let mut error: serde_json::Value =
                serde_json::from_str(&example("synthesized/auth/token-v2-error-401-invalid-client.json")).unwrap();
            error["error_description"] =
                format!("AADSTS7000215: Invalid client secret provided: `{}`.", field("client_secret")).into();
            return (401, vec![], error.to_string());
        }
        return (200, vec![], example("synthesized/auth/token-v2-client-credentials-200.json"));
    }
    // A managed identity's local token endpoint (App Service's protocol).
    if method == "GET" && path.starts_with("/msi/token") {
        let proven = headers.iter().any(|(n, v)| n == "x-identity-header" && v == IDENTITY_HEADER);
        if !proven {
            return (401, vec![], r#"{"error": "missing or wrong x-identity-header"}"#.to_string());
        }
        let resource = path.split("resource=").nth(1).unwrap_or_default().split('&').next().unwrap_or_default();
        let body = serde_json::json!({
            "access_token": token,
            "expires_on": "4102444800",
            "resource": percent_decode(resource),
            "token_type": "Bearer",
        });
        return (200, vec![], body.to_string());
    }
    if let Some(answer) = fake_directory::route(method, target, headers, addr, &token) {
        return answer;
    }
    let authorized = headers.iter().any(|(n, v)| n == "authorization" && v == &format!("Bearer {token}"));
    if !authorized {
        return (401, vec![], example("synthesized/loganalytics-query/error-401-no-auth.json"));
    }
    let lower = path.to_ascii_lowercase();
    if method == "GET" && path == format!("/v1/workspaces/{WORKSPACE}/metadata") {
        if let Some(status) = behaviour.lock().unwrap().metadata_status {
            return (status, vec![], example("synthesized/loganalytics-query/error-403-invalid-token.json"));
        }
        return (200, vec![], example("loganalytics-query/v1/examples/metadata-get.json"));
    }
    if method == "POST" && path == format!("/v1/workspaces/{WORKSPACE}/query") {
        {
            let mut behaviour = behaviour.lock().unwrap();
            if behaviour.throttle > 0 {
                behaviour.throttle -= 1;
                return (429, vec![("Retry-After", "1".into())], example("synthesized/arm/error-429-throttled.json"));
            }
        }
        let request: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        let text = request["query"].as_str().unwrap_or_default();
        if text.contains("fake:partial") {
            return (200, vec![], example("synthesized/loganalytics-query/partial-error-200.json"));
        }
        if text.contains("fake:syntax") {
            return (400, vec![], example("synthesized/loganalytics-query/error-400-syntax.json"));
        }
        if text.contains("fake:example") {
            return (200, vec![], example("loganalytics-query/v1/examples/oms-post-example.json"));
        }
        return run_engine(text, text.contains("fake:differ"));
    }
    let tables_path = "/subscriptions/00000000-0000-0000-0000-00000000000/resourcegroups/oiautorest6685/providers/microsoft.operationalinsights/workspaces/oiautorest6685/tables";
    if method == "GET" && lower == tables_path {
        if !query.contains("api-version=2026-03-01") {
            return (
                400,
                vec![],
                r#"{"error":{"code":"InvalidApiVersionParameter","message":"bad api-version"}}"#.into(),
            );
        }
        // Two pages: the example's tables split by a nextLink.
        let all: serde_json::Value =
            serde_json::from_str(&example("operationalinsights/2026-03-01/examples/TablesList.json")).unwrap();
        let tables = all["value"].as_array().unwrap().clone();
        let (first, second) = tables.split_at(1);
        return if query.contains("skipToken=2") {
            (200, vec![], serde_json::json!({ "value": second }).to_string())
        } else {
            let next = format!("http://{addr}{path}?api-version=2026-03-01&%24skipToken=2");
            (200, vec![], serde_json::json!({ "value": first, "nextLink": next }).to_string())
        };
    }
    if method == "GET" && lower == tables_path.replace("/tables", "/savedsearches") {
        return (200, vec![], example("synthesized/operationalinsights/saved-searches-list-with-function.json"));
    }
    if let Some(answer) = fake_sentinel::route(method, path, query, body, addr) {
        return answer;
    }
    (404, vec![], example("synthesized/arm/error-404-resource-not-found.json"))
}

/// Runs the query with kqlab's engine, as Log Analytics would (fixtures inline).
fn run_engine(text: &str, drop_first_row: bool) -> Answer {
    let now = text
        .split_once("set query_now = datetime(")
        .and_then(|(_, rest)| rest.split_once(')'))
        .and_then(|(value, _)| kqlab::syntax::literal::parse_datetime(value))
        .unwrap_or(0);
    let parse = kqlab::syntax::parse(text);
    let options = kqlab::engine::Options { now, seed: Some(0), ..Default::default() };
    let database = kqlab::engine::table::Database::new();
    let text = text.to_string();
    let outcome = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let _ = &text;
            kqlab::engine::execute_named(&parse.query, &database, &options, None).map_err(|e| format!("{e:?}"))
        })
        .unwrap()
        .join()
        .unwrap();
    match outcome {
        Ok(tables) => {
            let last = tables.last().expect("a result table").table.clone();
            let mut table = (*last).clone();
            if drop_first_row && table.rows > 0 {
                let mask: Vec<bool> = (0..table.rows).map(|row| row > 0).collect();
                table = table.filter(&mask);
            }
            (200, vec![], kqlab::engine::output::api_json(&[&table]).to_string())
        }
        Err(message) => {
            let error = serde_json::json!({"error": {"code": "BadArgumentError", "message": message}});
            (400, vec![], error.to_string())
        }
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.replace('+', " ").into_bytes();
    let mut out = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' && index + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).unwrap_or("zz");
            if let Ok(byte) = u8::from_str_radix(hex, 16) {
                out.push(byte);
                index += 3;
                continue;
            }
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
