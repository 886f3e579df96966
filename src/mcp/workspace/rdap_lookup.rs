//! `rdap_lookup`: public registration data (RDAP) of an IP address, a
//! domain or an AS number; no Azure access and no token.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::mcp::Context;
use crate::remote::config::process_env;
use crate::remote::indicator::{parse_autnum, parse_domain, parse_ip, special_purpose};
use crate::remote::rdap::{Query, lookup, summarize};

/// Parameters of `rdap_lookup`: exactly one of `ip`, `domain`, `autnum`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Params {
    /// An IPv4 or IPv6 address: its network's registration (owner, range, abuse contacts).
    #[serde(default)]
    pub ip: Option<String>,
    /// A domain name: its registration (registrar, dates, status, name servers).
    #[serde(default)]
    pub domain: Option<String>,
    /// An AS number (`16509` or `AS16509`).
    #[serde(default)]
    pub autnum: Option<String>,
    /// Also return the full RDAP response (large; default false).
    #[serde(default)]
    pub raw: Option<bool>,
}

/// The registration data.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// `ip`, `domain` or `autnum`.
    pub kind: String,
    pub query: String,
    /// `rdap`, or `local` for a special-purpose address (no request sent).
    pub source: String,
    pub note: Option<String>,
    /// The RDAP URL that answered (after redirects).
    pub server: Option<String>,
    /// Where the server came from (IANA bootstrap, the bundled snapshot, `KQLAB_RDAP_BASE`).
    pub bootstrap: Option<String>,
    /// Handle, names, range or dates, status, name servers, entities with roles.
    pub summary: Option<Json>,
    /// The full response, with `raw: true`.
    pub response: Option<Json>,
}

/// Looks up; bad input is a tool error before any request.
pub fn run(context: &Context, params: Params) -> Result<Output, String> {
    let given = [params.ip.is_some(), params.domain.is_some(), params.autnum.is_some()];
    if given.iter().filter(|given| **given).count() != 1 {
        return Err("give exactly one of `ip`, `domain` or `autnum`".into());
    }
    let (kind, query) = if let Some(ip) = &params.ip {
        let address = parse_ip(ip)?;
        if let Some(special) = special_purpose(address) {
            let local = super::enrichment::local(context, address.to_string(), special);
            return Ok(Output {
                kind: "ip".into(),
                query: local.query,
                source: local.source,
                note: local.note,
                server: None,
                bootstrap: None,
                summary: None,
                response: None,
            });
        }
        ("ip", Query::Ip(address))
    } else if let Some(domain) = &params.domain {
        ("domain", Query::Domain(parse_domain(domain)?))
    } else {
        ("autnum", Query::Autnum(parse_autnum(params.autnum.as_deref().unwrap_or_default())?))
    };
    let text = match &query {
        Query::Ip(address) => address.to_string(),
        Query::Domain(name) => name.clone(),
        Query::Autnum(number) => format!("AS{number}"),
    };
    let found = lookup(&query, &process_env).map_err(|error| match &error {
        crate::remote::Error::Api { status: 404, .. } => {
            context.redact_text(&format!("no RDAP record for {kind} `{text}` ({error})"))
        }
        _ => context.redact_text(&error.to_string()),
    })?;
    let mut summary = summarize(&found.body);
    context.redact_json(&mut summary);
    let mut response = params.raw.unwrap_or(false).then_some(found.body);
    if let Some(response) = &mut response {
        context.redact_json(response);
    }
    Ok(Output {
        kind: kind.into(),
        query: context.redact_text(&text),
        source: "rdap".into(),
        note: None,
        server: Some(context.redact_text(found.url.as_str())),
        bootstrap: Some(found.bootstrap),
        summary: Some(summary),
        response,
    })
}
