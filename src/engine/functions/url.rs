//! URL functions: `parse_url`, `parse_urlquery`, and percent encoding
//! (`url_encode`, `url_encode_component`, `url_decode`).

use std::sync::Arc;

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "parse_url" | "parseurl" => parse_url_kernel,
        "parse_urlquery" | "parseurlquery" => parse_urlquery,
        "url_decode" => url_decode_kernel,
        "url_encode" => |a, c| url_encode_kernel("url_encode", a, c, "+"),
        "url_encode_component" => |a, c| url_encode_kernel("url_encode_component", a, c, "%20"),
        _ => return None,
    })
}

/// Percent-encodes every byte but ASCII letters, digits and `-_.!*()`, with
/// lowercase hex digits (as the docs show); a space becomes `space`.
pub fn url_encode(text: &str, space: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'!' | b'*' | b'(' | b')' => {
                out.push(byte as char)
            }
            b' ' => out.push_str(space),
            _ => out.push_str(&format!("%{byte:02x}")),
        }
    }
    out
}

/// Decodes `%xx` escapes and `+` (a space). A `%` not followed by two hex
/// digits is kept as is; bytes that are not UTF-8 become U+FFFD.
pub fn url_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' => match (
                bytes.get(index + 1).and_then(|b| hex_value(*b)),
                bytes.get(index + 2).and_then(|b| hex_value(*b)),
            ) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    index += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            other => out.push(other),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

fn url_encode_kernel(name: &str, args: &[Datum], ctx: &EvalCtx, space: &str) -> ExecResult<Datum> {
    expect_args(name, args, 1, 1)?;
    map_rows(args, ctx, ScalarType::String, |v| Ok(Value::str(&url_encode(&v[0].to_kql_string(), space))))
}

fn url_decode_kernel(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("url_decode", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::String, |v| Ok(Value::str(&url_decode(&v[0].to_kql_string()))))
}

/// `key=value&...` as a property bag of decoded values (a later duplicate
/// key wins; a key without `=` has the empty value).
fn query_parameters(query: &str) -> Dyn {
    let mut entries: Vec<(Arc<str>, Dyn)> = Vec::new();
    for pair in query.trim_start_matches('?').split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key: Arc<str> = Arc::from(url_decode(key));
        let value = Dyn::str(&url_decode(value));
        match entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => entries.push((key, value)),
        }
    }
    Dyn::bag(entries)
}

/// The parts of an absolute URL `scheme://[user[:password]@]host[:port][/path][?query][#fragment]`.
/// Missing parts are empty strings. Text without `scheme://` has no parts
/// (every field empty), as it is not an absolute URL.
pub fn parse_url(url: &str) -> Dyn {
    let mut scheme = "";
    let mut username = "";
    let mut password = "";
    let mut host = "";
    let mut port = "";
    let mut path = "";
    let mut query = "";
    let mut fragment = "";
    if let Some((found_scheme, rest)) = url.trim().split_once("://")
        && !found_scheme.is_empty()
        && found_scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        scheme = found_scheme;
        let (rest, found_fragment) = rest.split_once('#').unwrap_or((rest, ""));
        fragment = found_fragment;
        let (rest, found_query) = rest.split_once('?').unwrap_or((rest, ""));
        query = found_query;
        let authority_end = rest.find('/').unwrap_or(rest.len());
        let (authority, found_path) = rest.split_at(authority_end);
        path = found_path;
        let host_port = match authority.rsplit_once('@') {
            Some((user_info, host_port)) => {
                let (user, pass) = user_info.split_once(':').unwrap_or((user_info, ""));
                username = user;
                password = pass;
                host_port
            }
            None => authority,
        };
        // An IPv6 host is bracketed; its colons are not a port separator.
        let port_start = if host_port.ends_with(']') { None } else { host_port.rfind(':') };
        match port_start {
            Some(colon) => {
                host = &host_port[..colon];
                port = &host_port[colon + 1..];
            }
            None => host = host_port,
        }
    }
    Dyn::bag(vec![
        (Arc::from("Scheme"), Dyn::str(scheme)),
        (Arc::from("Host"), Dyn::str(host)),
        (Arc::from("Port"), Dyn::str(port)),
        (Arc::from("Path"), Dyn::str(path)),
        (Arc::from("Username"), Dyn::str(username)),
        (Arc::from("Password"), Dyn::str(password)),
        (Arc::from("Query Parameters"), query_parameters(query)),
        (Arc::from("Fragment"), Dyn::str(fragment)),
    ])
}

fn parse_url_kernel(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("parse_url", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| Ok(Value::Dynamic(parse_url(&v[0].to_kql_string()))))
}

/// `{"Query Parameters": {...}}` for the query part of a URL.
fn parse_urlquery(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("parse_urlquery", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let parameters = query_parameters(&v[0].to_kql_string());
        Ok(Value::Dynamic(Dyn::bag(vec![(Arc::from("Query Parameters"), parameters)])))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_url_splits_every_part() {
        let parts = parse_url("scheme://username:password@host:1234/this/is/a/path?k1=v1&k2=v2#fragment");
        assert_eq!(
            parts.to_json(),
            r#"{"Scheme":"scheme","Host":"host","Port":"1234","Path":"/this/is/a/path","Username":"username","Password":"password","Query Parameters":{"k1":"v1","k2":"v2"},"Fragment":"fragment"}"#
        );
    }

    #[test]
    fn parse_url_without_scheme_has_empty_parts() {
        let parts = parse_url("bing.com");
        assert_eq!(parts.get("Host"), Some(&Dyn::str("")));
        assert_eq!(parse_url("").get("Scheme"), Some(&Dyn::str("")));
        assert_eq!(parse_url("https://[::1]/x").get("Host"), Some(&Dyn::str("[::1]")));
    }

    #[test]
    fn query_values_are_decoded() {
        assert_eq!(query_parameters("?a=1%20b&c&d=x+y&a=2").to_json(), r#"{"a":"2","c":"","d":"x y"}"#);
        assert_eq!(query_parameters("").to_json(), "{}");
    }

    #[test]
    fn encoding_and_decoding() {
        assert_eq!(url_encode("https://www.bing.com/hello world", "+"), "https%3a%2f%2fwww.bing.com%2fhello+world");
        assert_eq!(url_encode("hello world", "%20"), "hello%20world");
        assert_eq!(url_encode("é", "+"), "%c3%a9");
        assert_eq!(url_decode("https%3a%2f%2fwww.bing.com%2f"), "https://www.bing.com/");
        assert_eq!(url_decode("%c3%a9+%zz%4"), "é %zz%4");
        assert_eq!(url_decode("%ff"), "\u{fffd}");
        assert_eq!(url_decode(""), "");
    }
}
