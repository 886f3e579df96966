//! The HTTP client of the remote layer: bearer tokens from [`Credentials`],
//! timeouts, a cap on response size, and retries with backoff on 429 and
//! 5xx that honour `Retry-After`.
//!
//! Read-only by construction: no write call exists. [`Client`] sends in
//! these ways only:
//!
//! - [`Client::get`] (also [`Client::get_eventual`], for Graph's advanced
//!   queries);
//! - [`Client::post_query`]: a POST only to a `/query` path (a query reads);
//! - [`Client::post_list_action`]: a POST only to the four documented ARM
//!   list actions that are POSTs but read, matched by path suffix
//!   ([`is_read_only_list_action`]): an incident's `alerts`, `entities` and
//!   `bookmarks`, and Sentinel's threat intelligence `queryIndicators`.
//!
//! There is no method that can PUT, PATCH, DELETE or POST elsewhere.
//! [`Anonymous`] only GETs public data (RDAP) without any token, and is the
//! only one that follows redirects.
//!
//! The client is blocking: it owns a single-threaded tokio runtime, so the
//! CLI (and the schema cache) call it like any other function.

use std::time::Duration;

use reqwest::{Method, StatusCode, Url};

use crate::remote::auth::Credentials;
use crate::remote::config::{EnvLookup, Workspace};
use crate::remote::query::ApiError;
use crate::remote::{Error, redact};

/// Timeouts, caps and retries.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Longest time one attempt may take, from connecting to the last byte.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Retries after the first attempt, on 429, 500, 502, 503, 504 and
    /// connection failures.
    pub max_retries: u32,
    /// The first backoff when the service gives no `Retry-After`; doubled each retry.
    pub backoff: Duration,
    /// The longest wait between attempts, whatever `Retry-After` says.
    pub max_wait: Duration,
    /// Responses larger than this are an error ([`Error::TooLarge`]).
    pub max_response_bytes: usize,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            timeout: Duration::from_secs(240),
            connect_timeout: Duration::from_secs(15),
            max_retries: 3,
            backoff: Duration::from_secs(1),
            max_wait: Duration::from_secs(60),
            max_response_bytes: 256 << 20,
        }
    }
}

/// A wait the service imposed before an attempt that then went through (or not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retry {
    /// The status that caused it (429, 503, ...), or 0 for a connection failure.
    pub status: u16,
    pub waited: Duration,
    /// True when the service said how long to wait (`Retry-After`).
    pub retry_after: bool,
}

/// A successful response.
#[derive(Debug, Clone)]
pub struct Response {
    pub body: serde_json::Value,
    /// The retries it took.
    pub retries: Vec<Retry>,
    /// `x-ms-request-id`, for support cases.
    pub request_id: Option<String>,
    /// Where a redirect (3xx) points; only [`Anonymous`] reads get one.
    pub location: Option<Url>,
}

/// An authenticated, read-only client for one workspace.
#[derive(Debug)]
pub struct Client {
    runtime: tokio::runtime::Runtime,
    http: reqwest::Client,
    credentials: Credentials,
    pub workspace: Workspace,
    pub policy: Policy,
}

/// A request the client may send.
enum Read<'a> {
    Get,
    /// A GET with `ConsistencyLevel: eventual` (Graph's `$search` and `$count`).
    GetEventual,
    /// A GET without a token, whose redirects are returned, not followed.
    Anonymous,
    /// A query: the JSON body, and `Prefer` header value.
    Query(&'a serde_json::Value, Option<String>),
    /// A read-only list action (see [`is_read_only_list_action`]): its JSON
    /// body, if any.
    ListAction(Option<&'a serde_json::Value>),
}

/// True for the paths of the ARM list actions that are POSTs but only
/// read (Microsoft.SecurityInsights, every API version):
///
/// - `.../providers/Microsoft.SecurityInsights/incidents/{id}/alerts` (Incidents_ListAlerts),
/// - `.../incidents/{id}/entities` (Incidents_ListEntities),
/// - `.../incidents/{id}/bookmarks` (Incidents_ListBookmarks),
/// - `.../providers/Microsoft.SecurityInsights/threatIntelligence/main/queryIndicators`
///   (ThreatIntelligenceIndicator_QueryIndicators).
///
/// Segments are compared case-insensitively, as ARM does; anything else,
/// including other incident actions such as `createTeam` or `runPlaybook`,
/// is refused.
pub fn is_read_only_list_action(path: &str) -> bool {
    let segments: Vec<String> = path.trim_end_matches('/').split('/').map(str::to_ascii_lowercase).collect();
    let tail = |n: usize| segments.len().checked_sub(n).map(|start| &segments[start..]);
    let sentinel = |s: &[String]| s[0] == "providers" && s[1] == "microsoft.securityinsights";
    if let Some(s) = tail(5)
        && sentinel(s)
        && s[2] == "incidents"
        && !s[3].is_empty()
        && matches!(s[4].as_str(), "alerts" | "entities" | "bookmarks")
    {
        return true;
    }
    matches!(tail(5), Some(s) if sentinel(s) && s[2] == "threatintelligence" && s[3] == "main" && s[4] == "queryindicators")
}

impl Client {
    /// A client for `workspace`, with credentials from the environment.
    pub fn new(workspace: Workspace, policy: Policy, env: EnvLookup) -> Result<Client, Error> {
        let (runtime, http) = runtime_and_http(&policy)?;
        let credentials = Credentials::from_env(&workspace, env, http.clone())?;
        Ok(Client { runtime, http, credentials, workspace, policy })
    }

    /// The credential chain (which credential signed in, which failed).
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// GET `url` with a token for `scope`; the body must be JSON.
    pub fn get(&self, url: &Url, scope: &str) -> Result<Response, Error> {
        self.runtime.block_on(self.send(url, scope, Read::Get))
    }

    /// GET `url` with `ConsistencyLevel: eventual`, the header Microsoft
    /// Graph needs for `$search`, `$count` and advanced `$filter`s.
    pub fn get_eventual(&self, url: &Url, scope: &str) -> Result<Response, Error> {
        self.runtime.block_on(self.send(url, scope, Read::GetEventual))
    }

    /// POST a query to `url`, whose path must end in `/query`.
    pub fn post_query(
        &self,
        url: &Url,
        scope: &str,
        body: &serde_json::Value,
        prefer: Option<String>,
    ) -> Result<Response, Error> {
        if !url.path().ends_with("/query") {
            return Err(Error::Config(format!(
                "refusing to POST to `{}`: only the query endpoint takes a POST",
                url.path()
            )));
        }
        self.runtime.block_on(self.send(url, scope, Read::Query(body, prefer)))
    }

    /// POST to one of the read-only ARM list actions
    /// ([`is_read_only_list_action`]), with an optional JSON body (the
    /// threat intelligence query's filter); any other path is refused
    /// before anything is sent.
    pub fn post_list_action(
        &self,
        url: &Url,
        scope: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Response, Error> {
        if !is_read_only_list_action(url.path()) {
            return Err(Error::Config(format!(
                "refusing to POST to `{}`: only the read-only list actions (incident alerts, entities, bookmarks; \
                 threat intelligence queryIndicators) take a POST",
                url.path()
            )));
        }
        self.runtime.block_on(self.send(url, scope, Read::ListAction(body)))
    }

    /// The signed-in principal's object id (the `oid` claim of its token
    /// for `scope`), when the token is a JWT that has one. Only that claim
    /// leaves this function, never the token.
    pub fn caller_object_id(&self, scope: &str) -> Result<Option<String>, Error> {
        let token = self.runtime.block_on(self.credentials.token(scope))?;
        Ok(jwt_claim(token.secret(), "oid"))
    }

    async fn send(&self, url: &Url, scope: &str, read: Read<'_>) -> Result<Response, Error> {
        let token = self.credentials.token(scope).await?;
        let exchange = Exchange {
            http: &self.http,
            policy: &self.policy,
            secrets: self.credentials.secrets(),
            token: Some(&token),
        };
        exchange.send(url, read).await
    }
}

/// A public, unauthenticated reader (RDAP): the same timeouts, size cap
/// and retries as [`Client`], no token ever, and at most a few redirects,
/// each to `https` (or `http` on loopback).
#[derive(Debug)]
pub struct Anonymous {
    runtime: tokio::runtime::Runtime,
    http: reqwest::Client,
    pub policy: Policy,
}

impl Anonymous {
    /// Most redirects followed for one GET.
    pub const MAX_REDIRECTS: usize = 3;

    pub fn new(policy: Policy) -> Result<Anonymous, Error> {
        let (runtime, http) = runtime_and_http(&policy)?;
        Ok(Anonymous { runtime, http, policy })
    }

    /// GET `url` (JSON), following up to [`Anonymous::MAX_REDIRECTS`]
    /// redirects; the response's `location` is the URL that answered.
    pub fn get(&self, url: &Url) -> Result<Response, Error> {
        let exchange = Exchange { http: &self.http, policy: &self.policy, secrets: &[], token: None };
        let mut url = url.clone();
        for _ in 0..=Anonymous::MAX_REDIRECTS {
            let response = self.runtime.block_on(exchange.send(&url, Read::Anonymous))?;
            match response.location {
                Some(next) => {
                    if !(next.scheme() == "https" || crate::remote::config::is_loopback(&next)) {
                        return Err(Error::Response {
                            context: format!("GET {url}"),
                            message: format!("redirected to `{next}`, which is not https; not followed"),
                        });
                    }
                    url = next;
                }
                None => return Ok(Response { location: Some(url), ..response }),
            }
        }
        Err(Error::Response {
            context: format!("GET {url}"),
            message: format!("more than {} redirects; not followed", Anonymous::MAX_REDIRECTS),
        })
    }
}

/// The runtime and HTTP client of a [`Client`] or [`Anonymous`].
fn runtime_and_http(policy: &Policy) -> Result<(tokio::runtime::Runtime, reqwest::Client), Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| Error::Config(format!("cannot start the async runtime: {error}")))?;
    let http = reqwest::Client::builder()
        .connect_timeout(policy.connect_timeout)
        .timeout(policy.timeout)
        .user_agent(concat!("kqlab/", env!("CARGO_PKG_VERSION")))
        // Redirects could carry the bearer token elsewhere.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|error| Error::Config(format!("cannot build the HTTP client: {error}")))?;
    Ok((runtime, http))
}

/// One request with its retries.
struct Exchange<'a> {
    http: &'a reqwest::Client,
    policy: &'a Policy,
    /// Values scrubbed from error texts.
    secrets: &'a [String],
    token: Option<&'a azure_core::credentials::Secret>,
}

impl Exchange<'_> {
    async fn send(&self, url: &Url, read: Read<'_>) -> Result<Response, Error> {
        let method = match read {
            Read::Get | Read::GetEventual | Read::Anonymous => Method::GET,
            Read::Query(..) | Read::ListAction(..) => Method::POST,
        };
        let context = format!("{method} {}", url.path());
        let mut retries = Vec::new();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = self.http.request(method.clone(), url.clone());
            if let Some(token) = self.token {
                request = request.bearer_auth(token.secret());
            }
            request = match read {
                Read::Anonymous => request.header("Accept", "application/rdap+json, application/json"),
                _ => request.header("Accept", "application/json"),
            };
            if let Read::GetEventual = read {
                request = request.header("ConsistencyLevel", "eventual");
            }
            if let Read::Query(body, prefer) = &read {
                request = request.header("Content-Type", "application/json").body(body.to_string());
                if let Some(prefer) = prefer {
                    request = request.header("Prefer", prefer.as_str());
                }
            }
            if let Read::ListAction(body) = &read {
                let text = body.map(|body| body.to_string()).unwrap_or_default();
                request = request.header("Content-Type", "application/json").body(text);
            }
            let outcome = request.send().await;
            let wait = match outcome {
                Ok(response) => {
                    let status = response.status();
                    let retry_after = retry_after(response.headers());
                    let request_id = response
                        .headers()
                        .get("x-ms-request-id")
                        .and_then(|value| value.to_str().ok())
                        .map(str::to_string);
                    if is_retryable(status) && attempt <= self.policy.max_retries {
                        let wait = self.wait(retry_after, attempt);
                        retries.push(Retry {
                            status: status.as_u16(),
                            waited: wait,
                            retry_after: retry_after.is_some(),
                        });
                        wait
                    } else if is_retryable(status) {
                        return Err(Error::Throttled {
                            context,
                            status: status.as_u16(),
                            attempts: attempt,
                            retry_after,
                        });
                    } else if status.is_redirection() && matches!(read, Read::Anonymous) {
                        let location = response.headers().get("location").and_then(|value| value.to_str().ok());
                        let location =
                            location.and_then(|text| url.join(text).ok()).ok_or_else(|| Error::Response {
                                context: context.clone(),
                                message: format!("HTTP {status} without a usable Location"),
                            })?;
                        return Ok(Response {
                            body: serde_json::Value::Null,
                            retries,
                            request_id,
                            location: Some(location),
                        });
                    } else {
                        let bytes = self.read_capped(response, &context).await?;
                        return self.finish(status, &bytes, context, retries, request_id);
                    }
                }
                Err(error) if (error.is_connect() || error.is_timeout()) && attempt <= self.policy.max_retries => {
                    let wait = self.wait(None, attempt);
                    retries.push(Retry { status: 0, waited: wait, retry_after: false });
                    wait
                }
                Err(error) => {
                    return Err(Error::Network { context, message: redact(&describe(&error), self.secrets) });
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// How long to wait before attempt `attempt + 1`.
    fn wait(&self, retry_after: Option<Duration>, attempt: u32) -> Duration {
        let backoff = self.policy.backoff.saturating_mul(1 << (attempt - 1).min(16));
        retry_after.unwrap_or(backoff).min(self.policy.max_wait)
    }

    /// The body, up to the byte cap.
    async fn read_capped(&self, mut response: reqwest::Response, context: &str) -> Result<Vec<u8>, Error> {
        let limit = self.policy.max_response_bytes;
        if response.content_length().is_some_and(|length| length as usize > limit) {
            return Err(Error::TooLarge { context: context.to_string(), limit });
        }
        let mut bytes = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > limit {
                        return Err(Error::TooLarge { context: context.to_string(), limit });
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(bytes),
                Err(error) => {
                    return Err(Error::Network { context: context.to_string(), message: describe(&error) });
                }
            }
        }
    }

    fn finish(
        &self,
        status: StatusCode,
        bytes: &[u8],
        context: String,
        retries: Vec<Retry>,
        request_id: Option<String>,
    ) -> Result<Response, Error> {
        let body = serde_json::from_slice::<serde_json::Value>(bytes);
        if !status.is_success() {
            let error = match &body {
                Ok(json) => ApiError::from_json(json),
                Err(_) => None,
            }
            .unwrap_or_else(|| ApiError::plain(status.canonical_reason().unwrap_or("error"), bytes));
            let error = error.redacted(self.secrets);
            return Err(Error::Api { context, status: status.as_u16(), error });
        }
        match body {
            Ok(body) => Ok(Response { body, retries, request_id, location: None }),
            Err(error) => Err(Error::Response { context, message: format!("the body is not JSON: {error}") }),
        }
    }
}

fn is_retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
}

/// `Retry-After` in seconds (the HTTP-date form is treated as absent), or
/// the `x-ms-retry-after-ms` header.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).map(str::trim);
    if let Some(millis) = text("x-ms-retry-after-ms").and_then(|t| t.parse::<u64>().ok()) {
        return Some(Duration::from_millis(millis));
    }
    text("retry-after").and_then(|t| t.parse::<u64>().ok()).map(Duration::from_secs)
}

/// A string claim of a JWT's payload (not verified: the service does that).
fn jwt_claim(token: &str, claim: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = decode_base64url(payload)?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    json.get(claim)?.as_str().map(str::to_string)
}

/// Base64url without padding (JWT segments).
fn decode_base64url(text: &str) -> Option<Vec<u8>> {
    let mut bits: u32 = 0;
    let mut n_bits = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for byte in text.trim_end_matches('=').bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        n_bits += 6;
        if n_bits >= 8 {
            n_bits -= 8;
            out.push((bits >> n_bits) as u8);
            bits &= (1 << n_bits) - 1;
        }
    }
    Some(out)
}

/// A reqwest error as one line, with its causes (no URL query strings: none carry secrets here).
fn describe(error: &reqwest::Error) -> String {
    let mut message = if error.is_timeout() {
        "timed out".to_string()
    } else if error.is_connect() {
        "cannot connect".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_milliseconds() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
        headers.insert("x-ms-retry-after-ms", "1500".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(1500)));
    }

    #[test]
    fn only_the_read_only_list_actions_may_be_posted() {
        let incident = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws/providers/Microsoft.SecurityInsights/incidents/73e01a99";
        for action in ["alerts", "entities", "bookmarks", "Alerts", "entities/"] {
            assert!(is_read_only_list_action(&format!("{incident}/{action}")), "{action}");
        }
        let indicators = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws/providers/Microsoft.SecurityInsights/threatIntelligence/main/queryIndicators";
        assert!(is_read_only_list_action(indicators));
        assert!(is_read_only_list_action(&indicators.to_lowercase()));
        let refused = [
            incident.to_string(),
            format!("{incident}/createTeam"),
            format!("{incident}/runPlaybook"),
            format!("{incident}/comments/c1"),
            format!("{incident}/alerts/extra"),
            indicators.replace("queryIndicators", "createIndicator"),
            indicators.replace("/main/", "/other/"),
            indicators.replace("/queryIndicators", "/indicators/x/appendTags"),
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm/incidents/x/alerts"
                .to_string(),
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws/savedSearches/x"
                .to_string(),
            "/v1/workspaces/x/query".to_string(),
            "/alerts".to_string(),
            String::new(),
        ];
        for path in refused {
            assert!(!is_read_only_list_action(&path), "{path}");
        }
    }

    #[test]
    fn the_object_id_is_read_from_the_token_payload() {
        // {"oid":"2046feea-040d-4a46-9e2b-91c2941bfa70","aud":"x"} in base64url.
        let payload = "eyJvaWQiOiIyMDQ2ZmVlYS0wNDBkLTRhNDYtOWUyYi05MWMyOTQxYmZhNzAiLCJhdWQiOiJ4In0";
        let token = format!("eyJhbGciOiJub25lIn0.{payload}.");
        assert_eq!(jwt_claim(&token, "oid").as_deref(), Some("2046feea-040d-4a46-9e2b-91c2941bfa70"));
        assert_eq!(jwt_claim(&token, "tid"), None);
        assert_eq!(jwt_claim("not-a-jwt", "oid"), None);
        assert_eq!(decode_base64url("aGk_").unwrap(), b"hi?");
    }

    #[test]
    fn only_throttling_and_unavailability_are_retried() {
        for status in [429, 500, 502, 503, 504] {
            assert!(is_retryable(StatusCode::from_u16(status).unwrap()));
        }
        for status in [200, 400, 401, 403, 404, 501] {
            assert!(!is_retryable(StatusCode::from_u16(status).unwrap()));
        }
    }
}
