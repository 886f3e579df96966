//! `kqlab mcp`: serve kqlab's tools to an LLM client over the Model Context
//! Protocol, on stdio or (`--http`) streamable HTTP with a bearer token.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;

use crate::cli::EXIT_OK;
use crate::mcp::access::check_given_token;
use crate::mcp::transport::DEFAULT_HTTP_ADDRESS;
use crate::mcp::{Context, HttpOptions, Settings};

/// The environment variable that holds the HTTP bearer token.
pub const TOKEN_ENV: &str = "KQLAB_MCP_TOKEN";

/// The environment variable with log directives (`warn`, `rmcp=debug,info`).
pub const LOG_ENV: &str = "KQLAB_LOG";

/// Arguments of `kqlab mcp`.
#[derive(Debug, Args)]
pub struct McpArgs {
    /// The rules folder the tools read and test.
    #[arg(long, value_name = "DIR", default_value = "rules")]
    pub rules: PathBuf,
    /// A folder of sample logs the tools may read (repeatable).
    #[arg(long, value_name = "DIR", default_values = ["samples"])]
    pub samples: Vec<PathBuf>,
    /// The schema cache (default: `KQLAB_CACHE`, else the user cache folder).
    #[arg(long, value_name = "PATH")]
    pub cache: Option<PathBuf>,
    /// The workspace for the workspace tools: a `[workspaces.NAME]` table of kqlab.toml.
    #[arg(long, value_name = "NAME")]
    pub workspace: Option<String>,
    /// The workspace by its id (GUID), instead of `--workspace`.
    #[arg(long, value_name = "GUID", conflicts_with = "workspace")]
    pub workspace_id: Option<String>,
    /// Mask user names, UPNs, e-mail and IP addresses in remote results
    /// (the same value gets the same mask for the whole session).
    #[arg(long)]
    pub redact: bool,
    /// Serve streamable HTTP at http://ADDR/mcp instead of stdio (default
    /// 127.0.0.1:8765; port 0 picks a free port). Every request needs
    /// `Authorization: Bearer TOKEN`: the token comes from `--token-file`,
    /// else `KQLAB_MCP_TOKEN`, else a random one printed on stderr.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = DEFAULT_HTTP_ADDRESS, value_parser = parse_http_address)]
    pub http: Option<SocketAddr>,
    /// Allow `--http` on a non-loopback address (reachable from other machines).
    #[arg(long, requires = "http")]
    pub allow_remote: bool,
    /// Read the bearer token from this file (surrounding whitespace is ignored).
    #[arg(long, value_name = "PATH", requires = "http")]
    pub token_file: Option<PathBuf>,
    /// Also accept requests whose `Host` is this name, e.g. the machine's DNS
    /// name with `--allow-remote` (repeatable; loopback names always pass).
    #[arg(long, value_name = "NAME", requires = "http")]
    pub allow_host: Vec<String>,
    /// Also accept requests from this browser origin, e.g.
    /// `https://app.example.com` (repeatable; loopback origins always pass).
    #[arg(long, value_name = "ORIGIN", requires = "http")]
    pub allow_origin: Vec<String>,
}

impl McpArgs {
    /// The server's settings.
    pub fn settings(&self) -> Settings {
        Settings {
            rules: self.rules.clone(),
            samples: self.samples.clone(),
            cache: self.cache.clone(),
            workspace: self.workspace.clone(),
            workspace_id: self.workspace_id.clone(),
            redact: self.redact,
        }
    }
}

/// Runs `kqlab mcp`: serves MCP on stdin/stdout until the client
/// disconnects, or over HTTP with `--http`, until SIGINT or SIGTERM.
/// stdout carries only JSON-RPC; messages and logs go to stderr.
pub fn run(args: McpArgs) -> anyhow::Result<i32> {
    init_logging();
    let context = Arc::new(Context::new(args.settings()));
    match args.http {
        None => crate::mcp::serve_stdio(context).context("running the MCP server")?,
        Some(address) => {
            let options = HttpOptions {
                address,
                allow_remote: args.allow_remote,
                token: given_token(args.token_file.as_deref(), std::env::var(TOKEN_ENV).ok())?,
                allowed_hosts: args.allow_host,
                allowed_origins: args.allow_origin,
            };
            crate::mcp::serve_http(context, options).context("running the MCP server over HTTP")?;
        }
    }
    Ok(EXIT_OK)
}

/// The token from `--token-file`, else from `KQLAB_MCP_TOKEN`; `None` lets
/// the server generate one.
fn given_token(token_file: Option<&Path>, env_token: Option<String>) -> anyhow::Result<Option<String>> {
    let (token, source) = match (token_file, env_token) {
        (Some(path), _) => (
            std::fs::read_to_string(path).with_context(|| format!("reading the token file {}", path.display()))?,
            path.display().to_string(),
        ),
        (None, Some(token)) => (token, TOKEN_ENV.to_string()),
        (None, None) => return Ok(None),
    };
    let token = token.trim().to_string();
    check_given_token(&token).map_err(|problem| anyhow::anyhow!("the token in {source}: {problem}"))?;
    Ok(Some(token))
}

/// `--http` values: `HOST:PORT` with an IP address or `localhost`, or a
/// bare port (on 127.0.0.1).
fn parse_http_address(text: &str) -> Result<SocketAddr, String> {
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    if let Some(port) = text.strip_prefix("localhost:") {
        let port = port.parse::<u16>().map_err(|_| format!("`{port}` is not a port number"))?;
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    text.parse::<SocketAddr>()
        .map_err(|_| format!("`{text}` is not an address like 127.0.0.1:8765, [::1]:8765 or a port number"))
}

/// Sends logs (rmcp's included) to stderr, at `warn` unless `KQLAB_LOG`
/// says otherwise (`tracing` directives: `debug`, `rmcp=info,warn`).
fn init_logging() {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::SubscriberExt;

    let filter = match std::env::var(LOG_ENV) {
        Ok(directives) => directives.parse::<Targets>().unwrap_or_else(|error| {
            eprintln!("kqlab mcp: ignoring {LOG_ENV}={directives}: {error}");
            Targets::new().with_default(tracing::Level::WARN)
        }),
        Err(_) => Targets::new().with_default(tracing::Level::WARN),
    };
    let output = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(false);
    // Fails only when a subscriber is already set (in tests); keep that one.
    let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(output).with(filter));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_addresses_accept_ports_localhost_and_ip_addresses() {
        assert_eq!(parse_http_address("9000"), Ok("127.0.0.1:9000".parse().expect("address")));
        assert_eq!(parse_http_address("localhost:0"), Ok("127.0.0.1:0".parse().expect("address")));
        assert_eq!(parse_http_address("[::1]:8765"), Ok("[::1]:8765".parse().expect("address")));
        assert!(parse_http_address("example.com:80").is_err());
    }

    #[test]
    fn the_token_file_wins_over_the_environment() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("token");
        std::fs::write(&path, "  from-the-file-0123456789\n").expect("write");
        let env = Some("from-the-environment-0123".to_string());
        assert_eq!(
            given_token(Some(&path), env.clone()).expect("a token").as_deref(),
            Some("from-the-file-0123456789")
        );
        assert_eq!(given_token(None, env).expect("a token").as_deref(), Some("from-the-environment-0123"));
        assert_eq!(given_token(None, None).expect("no token"), None);
        assert!(given_token(None, Some("short".to_string())).is_err());
    }
}
