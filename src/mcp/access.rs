//! Who may talk to `kqlab mcp --http`: every request needs the bearer token,
//! a `Host` naming the bound address (DNS-rebinding protection) and, when a
//! browser sends one, a loopback or explicitly allowed `Origin`. These are
//! pure checks on the request headers; `transport.rs` turns a refusal into
//! a 401 or 403 response.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, HOST, ORIGIN};
use axum::http::uri::Authority;
use subtle::ConstantTimeEq;

/// The shortest token accepted from `--token-file` or `KQLAB_MCP_TOKEN`.
pub const MIN_TOKEN_LEN: usize = 16;

/// The access rules of one HTTP server.
#[derive(Debug)]
pub struct Access {
    token: String,
    /// Host names (lowercase, IPv6 without brackets) a request may name.
    hosts: Vec<String>,
    /// Bound to an unspecified address (`0.0.0.0`, `::`): any IP literal is
    /// a fine `Host`, since DNS rebinding needs a name.
    any_ip_host: bool,
    /// Origins given with `--allow-origin`, normalised.
    origins: Vec<String>,
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// No `Authorization: Bearer` header: 401.
    MissingToken,
    /// A bearer token that is not the server's: 401.
    WrongToken,
    /// A missing or foreign `Host`: 403.
    Host(String),
    /// A non-loopback `Origin` that was not allowed: 403.
    Origin(String),
}

impl Denied {
    /// True for the refusals answered with 401 (the others get 403).
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Denied::MissingToken | Denied::WrongToken)
    }

    /// A one-line reason for the response body and the log.
    pub fn message(&self) -> String {
        match self {
            Denied::MissingToken => "missing `Authorization: Bearer <token>` header".to_string(),
            Denied::WrongToken => "wrong bearer token".to_string(),
            Denied::Host(host) => format!("Host `{host}` is not allowed"),
            Denied::Origin(origin) => format!("Origin `{origin}` is not allowed"),
        }
    }
}

impl Access {
    /// The rules for a server bound to `bound` with this token. `extra_hosts`
    /// (from `--allow-host`) are further names clients may use, e.g. the
    /// machine's DNS name; `extra_origins` (from `--allow-origin`) are
    /// further browser origins such as `https://app.example.com`.
    pub fn new(token: String, bound: SocketAddr, extra_hosts: &[String], extra_origins: &[String]) -> Access {
        let mut hosts = vec!["localhost".to_string(), bound.ip().to_string()];
        hosts.extend(extra_hosts.iter().map(|host| normalize_host(host)));
        Access {
            token,
            hosts,
            any_ip_host: bound.ip().is_unspecified(),
            origins: extra_origins.iter().map(|origin| normalize_origin(origin)).collect(),
        }
    }

    /// Checks a request's headers: `Host`, then `Origin`, then the token.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), Denied> {
        self.check_host(headers)?;
        self.check_origin(headers)?;
        self.check_token(headers)
    }

    fn check_host(&self, headers: &HeaderMap) -> Result<(), Denied> {
        let value = headers.get(HOST).ok_or_else(|| Denied::Host(String::new()))?;
        let text = value.to_str().map_err(|_| Denied::Host(String::from_utf8_lossy(value.as_bytes()).into_owned()))?;
        // The port is not compared: a rebinding attack is told apart by the
        // name, and port forwarding (containers) legitimately changes it.
        let authority = text.parse::<Authority>().map_err(|_| Denied::Host(text.to_string()))?;
        let host = normalize_host(authority.host());
        let allowed =
            self.hosts.contains(&host) || (self.any_ip_host && host.parse::<IpAddr>().is_ok()) || is_loopback_ip(&host);
        if allowed { Ok(()) } else { Err(Denied::Host(text.to_string())) }
    }

    fn check_origin(&self, headers: &HeaderMap) -> Result<(), Denied> {
        let Some(value) = headers.get(ORIGIN) else { return Ok(()) };
        let text =
            value.to_str().map_err(|_| Denied::Origin(String::from_utf8_lossy(value.as_bytes()).into_owned()))?;
        let origin = normalize_origin(text);
        if is_loopback_origin(&origin) || self.origins.contains(&origin) {
            Ok(())
        } else {
            Err(Denied::Origin(text.to_string()))
        }
    }

    fn check_token(&self, headers: &HeaderMap) -> Result<(), Denied> {
        let value = headers.get(AUTHORIZATION).ok_or(Denied::MissingToken)?;
        let bytes = value.as_bytes();
        // RFC 6750: the scheme is case-insensitive, then one space.
        let Some(provided) =
            bytes.get(..7).filter(|scheme| scheme.eq_ignore_ascii_case(b"bearer ")).map(|_| &bytes[7..])
        else {
            return Err(Denied::MissingToken);
        };
        // Constant time in the token's bytes; only the length can leak.
        if bool::from(provided.trim_ascii().ct_eq(self.token.as_bytes())) { Ok(()) } else { Err(Denied::WrongToken) }
    }
}

/// True when `address` is a loopback address (`127.0.0.0/8`, `::1`), the
/// only kind `kqlab mcp --http` binds without `--allow-remote`.
pub fn is_loopback(address: &SocketAddr) -> bool {
    address.ip().is_loopback()
}

/// A new random token: 32 bytes from the operating system, as 64 hex digits.
pub fn generate_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// Checks a token given by the user (trimmed): long enough and printable.
pub fn check_given_token(token: &str) -> Result<(), String> {
    if token.len() < MIN_TOKEN_LEN {
        return Err(format!("the token is {} bytes long; use at least {MIN_TOKEN_LEN}", token.len()));
    }
    if !token.bytes().all(|byte| byte.is_ascii_graphic()) {
        return Err("the token must be printable ASCII without spaces".to_string());
    }
    Ok(())
}

fn normalize_host(host: &str) -> String {
    host.trim().trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase()
}

fn normalize_origin(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

fn is_loopback_ip(host: &str) -> bool {
    host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `http(s)://localhost`, `http(s)://127.x.y.z` or `http(s)://[::1]`, any port.
fn is_loopback_origin(origin: &str) -> bool {
    let Some(rest) = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) else {
        return false;
    };
    let Ok(authority) = rest.parse::<Authority>() else { return false };
    if authority.as_str().contains('@') {
        return false;
    }
    let host = normalize_host(authority.host());
    host == "localhost" || is_loopback_ip(&host)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().expect("a header value"));
        }
        map
    }

    fn loopback() -> Access {
        Access::new(TOKEN.to_string(), "127.0.0.1:8765".parse().expect("address"), &[], &[])
    }

    fn bearer() -> String {
        format!("Bearer {TOKEN}")
    }

    #[test]
    fn good_token_and_loopback_host_pass() {
        let access = loopback();
        for host in ["127.0.0.1:8765", "localhost:8765", "LOCALHOST", "[::1]:8765", "127.0.0.1"] {
            assert_eq!(access.check(&headers(&[("host", host), ("authorization", &bearer())])), Ok(()), "{host}");
        }
        let lowercase_scheme = format!("bearer {TOKEN}");
        assert_eq!(access.check(&headers(&[("host", "localhost"), ("authorization", &lowercase_scheme)])), Ok(()));
    }

    #[test]
    fn missing_or_wrong_token_is_unauthorized() {
        let access = loopback();
        let no_token = access.check(&headers(&[("host", "localhost")]));
        assert_eq!(no_token, Err(Denied::MissingToken));
        let basic = access.check(&headers(&[("host", "localhost"), ("authorization", "Basic abc")]));
        assert_eq!(basic, Err(Denied::MissingToken));
        let short = access.check(&headers(&[("host", "localhost"), ("authorization", "Bearer 0123")]));
        assert_eq!(short, Err(Denied::WrongToken));
        let wrong = format!("Bearer {}", TOKEN.replace('0', "1"));
        let wrong = access.check(&headers(&[("host", "localhost"), ("authorization", &wrong)]));
        assert!(wrong.as_ref().is_err_and(Denied::is_unauthorized), "{wrong:?}");
    }

    #[test]
    fn foreign_host_is_forbidden_before_the_token_is_looked_at() {
        let access = loopback();
        for host in ["evil.example:8765", "192.168.1.10:8765", "localhost.evil.example"] {
            let denied = access.check(&headers(&[("host", host), ("authorization", &bearer())]));
            assert_eq!(denied, Err(Denied::Host(host.to_string())));
        }
        assert_eq!(access.check(&headers(&[("authorization", &bearer())])), Err(Denied::Host(String::new())));
    }

    #[test]
    fn origins_must_be_loopback_or_allowed() {
        let access = Access::new(
            TOKEN.to_string(),
            "127.0.0.1:8765".parse().expect("address"),
            &[],
            &["https://App.Example.com/".to_string()],
        );
        for origin in ["http://localhost:6274", "http://127.0.0.1", "https://[::1]:3000", "https://app.example.com"] {
            let request = headers(&[("host", "localhost"), ("origin", origin), ("authorization", &bearer())]);
            assert_eq!(access.check(&request), Ok(()), "{origin}");
        }
        for origin in
            ["https://evil.example", "null", "http://localhost.evil.example", "file://", "http://user@localhost"]
        {
            let request = headers(&[("host", "localhost"), ("origin", origin), ("authorization", &bearer())]);
            assert_eq!(access.check(&request), Err(Denied::Origin(origin.to_string())), "{origin}");
        }
    }

    #[test]
    fn remote_binds_accept_their_address_and_the_allowed_names() {
        let any =
            Access::new(TOKEN.to_string(), "0.0.0.0:8765".parse().expect("address"), &["Build-Box".to_string()], &[]);
        for host in ["10.1.2.3:8765", "build-box:8765", "localhost"] {
            assert_eq!(any.check(&headers(&[("host", host), ("authorization", &bearer())])), Ok(()), "{host}");
        }
        let rebinding = any.check(&headers(&[("host", "evil.example"), ("authorization", &bearer())]));
        assert_eq!(rebinding, Err(Denied::Host("evil.example".to_string())));
        let one = Access::new(TOKEN.to_string(), "10.1.2.3:8765".parse().expect("address"), &[], &[]);
        assert_eq!(one.check(&headers(&[("host", "10.1.2.3:8765"), ("authorization", &bearer())])), Ok(()));
        let other = one.check(&headers(&[("host", "10.9.9.9"), ("authorization", &bearer())]));
        assert_eq!(other, Err(Denied::Host("10.9.9.9".to_string())));
    }

    #[test]
    fn generated_tokens_are_long_and_distinct() {
        let first = generate_token().expect("random bytes");
        let second = generate_token().expect("random bytes");
        assert_eq!(first.len(), 64);
        assert_ne!(first, second);
        assert_eq!(check_given_token(&first), Ok(()));
        assert!(check_given_token("short").is_err());
        assert!(check_given_token("has a space in it, long enough").is_err());
    }
}
