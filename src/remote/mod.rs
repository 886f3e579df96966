//! Azure Log Analytics, read-only: run a query through the query API
//! (`kqlab verify`) and fetch a workspace's tables and columns (`kqlab
//! schema pull`).
//!
//! - [`config`]: which workspace, which cloud, which endpoints (`kqlab.toml`
//!   and environment variables);
//! - [`auth`]: a small explicit chain of `azure_identity` credentials that
//!   says which one signed in and why the others did not;
//! - [`client`]: HTTP with timeouts, size caps and retries on 429 and 5xx
//!   (honouring `Retry-After`). It can only GET, POST to the query
//!   endpoint and POST to four allow-listed ARM list actions that read:
//!   there is no method that writes;
//! - [`arm`]: ARM and Microsoft Sentinel URLs of the workspace, lists
//!   followed through `nextLink` up to a cap (the MCP workspace tools);
//! - [`query`]: the query API, control commands refused before sending;
//! - [`metadata`]: the metadata API, with the ARM tables API as fallback;
//! - [`fixtures`]: a rule test case's tables inlined as `datatable`s, so the
//!   remote run sees exactly the local data;
//! - [`verify`]: preparing, running and comparing what `kqlab verify` and
//!   the MCP tool `kql_verify` send;
//! - [`graph`]: Microsoft Graph users, groups and members (Entra ID);
//! - [`enrichment`]: Sentinel's IP geodata and domain whois;
//! - [`rdap`]: public RDAP lookups (no token) with the IANA bootstrap;
//! - [`indicator`]: IP, domain and AS number inputs checked before sending.
//!
//! Secrets (client secrets, tokens) never appear in an [`Error`] or in
//! output: tokens stay inside [`auth`], and error texts are scrubbed.

pub mod arm;
pub mod auth;
pub mod client;
pub mod compare;
pub mod config;
pub mod enrichment;
pub mod fixtures;
pub mod graph;
pub mod indicator;
pub mod metadata;
pub mod query;
pub mod rdap;
pub mod verify;

pub use metadata::{fetch_arm_tables, fetch_metadata};

/// A failure of the remote layer (not a problem in the user's KQL: those
/// come back from the service as [`Error::Api`] and become diagnostics).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad or missing configuration (workspace, endpoint, environment).
    #[error("{0}")]
    Config(String),
    /// No credential of the chain could get a token; one line per credential.
    #[error("could not sign in to Azure; tried:\n{0}")]
    Auth(String),
    /// The query is a control command (`.show`, `.drop`, ...): kqlab sends queries only.
    #[error("`{0}` is a control command; kqlab only runs queries (read-only)")]
    ControlCommand(String),
    /// The service answered with an error status.
    #[error("{context}: HTTP {status}: {}", .error.summary())]
    Api { context: String, status: u16, error: query::ApiError },
    /// Still throttled (429) or unavailable (5xx) after every retry.
    #[error("{context}: HTTP {status} after {attempts} attempts (throttled or unavailable){}", retry_hint(*.retry_after))]
    Throttled { context: String, status: u16, attempts: u32, retry_after: Option<std::time::Duration> },
    /// The request did not get an answer (connection refused, DNS, TLS, timeout).
    #[error("{context}: {message}")]
    Network { context: String, message: String },
    /// The response is larger than the byte cap.
    #[error("{context}: the response is larger than {limit} bytes; narrow the query or raise the cap")]
    TooLarge { context: String, limit: usize },
    /// The response is not what the API documents.
    #[error("{context}: unexpected response: {message}")]
    Response { context: String, message: String },
}

fn retry_hint(retry_after: Option<std::time::Duration>) -> String {
    match retry_after {
        Some(wait) => format!("; the service asks to retry after {} s", wait.as_secs()),
        None => String::new(),
    }
}

/// `text` with every secret replaced by `***`: error texts from credentials
/// and services pass through this before they reach an [`Error`].
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        text = text.replace(secret.as_str(), "***");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_replaces_every_occurrence_of_each_secret() {
        let secrets = vec!["s3cr3t-value".to_string(), "ab".to_string()];
        assert_eq!(redact("bad secret s3cr3t-value (s3cr3t-value) ab", &secrets), "bad secret *** (***) ab");
    }

    #[test]
    fn errors_read_as_one_sentence() {
        let error = Error::Throttled {
            context: "POST query".into(),
            status: 429,
            attempts: 4,
            retry_after: Some(std::time::Duration::from_secs(7)),
        };
        assert_eq!(
            error.to_string(),
            "POST query: HTTP 429 after 4 attempts (throttled or unavailable); the service asks to retry after 7 s"
        );
    }
}
