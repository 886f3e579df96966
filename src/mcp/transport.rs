//! How a client reaches the server: stdio (one client, the parent process)
//! or streamable HTTP (`kqlab mcp --http`), hosted by axum behind the checks
//! of `access.rs`. Both stop cleanly on SIGINT and SIGTERM.

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::header::WWW_AUTHENTICATE;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ServerHandler, ServiceExt};
use tokio_util::sync::CancellationToken;

use crate::mcp::access::{self, Access};

/// The address `kqlab mcp --http` binds when none is given.
pub const DEFAULT_HTTP_ADDRESS: &str = "127.0.0.1:8765";

/// The URL path of the MCP endpoint.
pub const HTTP_PATH: &str = "/mcp";

/// How long in-flight HTTP requests get to finish after SIGINT or SIGTERM.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Failures of the server itself (not of a tool call, which is reported to
/// the client with `isError`).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("starting the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("listening for SIGINT / SIGTERM: {0}")]
    Signals(#[source] std::io::Error),
    #[error("starting the MCP session: {0}")]
    Initialize(String),
    #[error("serving MCP: {0}")]
    Serve(String),
    #[error(
        "{0} is not a loopback address: other machines could reach the server; pass --allow-remote to do this on purpose"
    )]
    RemoteNotAllowed(SocketAddr),
    #[error("binding {0}: {1}")]
    Bind(SocketAddr, #[source] std::io::Error),
    #[error("generating a random token: {0}")]
    Token(String),
}

/// What `kqlab mcp --http` serves on and who it lets in.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// The address to bind; port 0 picks a free port.
    pub address: SocketAddr,
    /// Allow a non-loopback `address` (a warning is printed).
    pub allow_remote: bool,
    /// The bearer token; `None` generates one and prints it on stderr.
    pub token: Option<String>,
    /// Further `Host` names clients may use (`--allow-host`).
    pub allowed_hosts: Vec<String>,
    /// Further browser origins (`--allow-origin`); loopback ones always pass.
    pub allowed_origins: Vec<String>,
}

/// Serves `server` over stdin/stdout until the client closes the stream or
/// the process gets SIGINT or SIGTERM (then in-flight calls are cancelled).
pub fn serve_stdio<S: ServerHandler>(server: S) -> Result<(), Error> {
    run(async move {
        let mut shutdown = Shutdown::listen().map_err(Error::Signals)?;
        let session = async {
            let service =
                server.serve(rmcp::transport::stdio()).await.map_err(|error| Error::Initialize(error.to_string()))?;
            service.waiting().await.map_err(|error| Error::Serve(error.to_string()))?;
            Ok(())
        };
        tokio::select! {
            result = session => result,
            signal = shutdown.recv() => {
                eprintln!("kqlab mcp: {signal} received, stopping");
                Ok(())
            }
        }
    })
}

/// Serves streamable HTTP on `options.address` at [`HTTP_PATH`] until SIGINT
/// or SIGTERM; every session gets a server from `make_server`. Prints the
/// generated token (if any) and then `kqlab mcp: listening on URL` on stderr.
pub fn serve_http<S>(options: HttpOptions, make_server: impl Fn() -> S + Send + Sync + 'static) -> Result<(), Error>
where
    S: ServerHandler + Send + 'static,
{
    if !access::is_loopback(&options.address) && !options.allow_remote {
        return Err(Error::RemoteNotAllowed(options.address));
    }
    let (token, generated) = match options.token {
        Some(token) => (token, false),
        None => (access::generate_token().map_err(|error| Error::Token(error.to_string()))?, true),
    };
    run(async move {
        let mut shutdown = Shutdown::listen().map_err(Error::Signals)?;
        let listener = tokio::net::TcpListener::bind(options.address)
            .await
            .map_err(|error| Error::Bind(options.address, error))?;
        let bound = listener.local_addr().map_err(|error| Error::Bind(options.address, error))?;
        let access = Access::new(token.clone(), bound, &options.allowed_hosts, &options.allowed_origins);

        let stop = CancellationToken::new();
        // Host and Origin are checked in front, by `guard`, together with the
        // token, so rmcp's own (loopback-only) lists are switched off.
        let config = StreamableHttpServerConfig::default()
            .with_cancellation_token(stop.child_token())
            .disable_allowed_hosts()
            .disable_allowed_origins();
        let service =
            StreamableHttpService::new(move || Ok(make_server()), Arc::new(LocalSessionManager::default()), config);
        let router = axum::Router::new()
            .route_service(HTTP_PATH, service)
            .layer(axum::middleware::from_fn_with_state(Arc::new(access), guard));

        if !bound.ip().is_loopback() {
            eprintln!(
                "kqlab mcp: warning: listening on {bound}, which other machines may reach; anyone with the token can use the server"
            );
        }
        if generated {
            eprintln!("kqlab mcp: bearer token: {token}");
        }
        eprintln!("kqlab mcp: listening on http://{bound}{HTTP_PATH}");

        let server = axum::serve(listener, router).with_graceful_shutdown(stop.clone().cancelled_owned()).into_future();
        tokio::pin!(server);
        tokio::select! {
            result = &mut server => return result.map_err(|error| Error::Serve(error.to_string())),
            signal = shutdown.recv() => eprintln!("kqlab mcp: {signal} received, stopping"),
        }
        // Ends the sessions (and their event streams) and stops accepting;
        // requests already running get a few seconds to finish.
        stop.cancel();
        match tokio::time::timeout(SHUTDOWN_GRACE, server).await {
            Ok(result) => result.map_err(|error| Error::Serve(error.to_string())),
            Err(_) => {
                eprintln!("kqlab mcp: requests still running after {SHUTDOWN_GRACE:?}; stopping anyway");
                Ok(())
            }
        }
    })
}

/// Refuses requests without the token or with a foreign Host or Origin.
async fn guard(State(access): State<Arc<Access>>, request: Request, next: Next) -> Response {
    match access.check(request.headers()) {
        Ok(()) => next.run(request).await,
        Err(denied) => {
            tracing::warn!(method = %request.method(), uri = %request.uri(), "refused: {}", denied.message());
            let body = format!("{}\n", denied.message());
            if denied.is_unauthorized() {
                let challenge = match denied {
                    access::Denied::WrongToken => r#"Bearer realm="kqlab mcp", error="invalid_token""#,
                    _ => r#"Bearer realm="kqlab mcp""#,
                };
                (StatusCode::UNAUTHORIZED, [(WWW_AUTHENTICATE, HeaderValue::from_static(challenge))], body)
                    .into_response()
            } else {
                (StatusCode::FORBIDDEN, body).into_response()
            }
        }
    }
}

/// Runs a transport on a one-thread runtime. Tools do their work on its
/// blocking threads, which get the large stack the analyzer wants, so a
/// call needs no thread of its own. The runtime is then dropped without
/// waiting for the thread that reads stdin, which would block until the
/// next line.
fn run(work: impl Future<Output = Result<(), Error>>) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .thread_stack_size(crate::stack::LARGE_STACK_BYTES)
        .on_thread_start(crate::stack::mark_large_stack)
        .build()
        .map_err(Error::Runtime)?;
    let result = runtime.block_on(work);
    runtime.shutdown_timeout(Duration::from_millis(100));
    result
}

/// SIGINT and SIGTERM, listened for from the start so that neither kills
/// the process before it can stop cleanly.
struct Shutdown {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Shutdown {
    fn listen() -> std::io::Result<Shutdown> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Shutdown { interrupt: signal(SignalKind::interrupt())?, terminate: signal(SignalKind::terminate())? })
        }
        #[cfg(not(unix))]
        {
            Ok(Shutdown {})
        }
    }

    /// Waits for the next signal and returns its name.
    async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => "SIGINT",
                _ = self.terminate.recv() => "SIGTERM",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}
