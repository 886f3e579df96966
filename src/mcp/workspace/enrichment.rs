//! `sentinel_ip_geodata_get` and `sentinel_domain_whois_get`: Sentinel's
//! enrichment API. Inputs are checked first; a private or reserved address
//! gets a local answer and no request.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::mcp::Context;
use crate::remote::indicator::{parse_domain, parse_ip, special_purpose};

/// Parameters of `sentinel_ip_geodata_get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct IpParams {
    /// An IPv4 or IPv6 address, e.g. `1.2.3.4`.
    pub ip: String,
}

/// Parameters of `sentinel_domain_whois_get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DomainParams {
    /// A domain name, e.g. `microsoft.com`.
    pub domain: String,
}

/// An enrichment answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// The address or domain, as checked.
    pub query: String,
    /// `sentinel-enrichment`, or `local` for a special-purpose address.
    pub source: String,
    /// Why no request was sent (a private, loopback, documentation ... address).
    pub note: Option<String>,
    /// The service's answer: for an IP, `asn`, `carrier`, `city`, `country`,
    /// `latitude`, `longitude`, `organization`, confidence factors ...; for a
    /// domain, `created`, `updated`, `expires`, `parsedWhois` (registrar,
    /// contacts, name servers, statuses).
    pub data: Option<Json>,
}

/// `sentinel_ip_geodata_get`.
pub fn ip_geodata(context: &Context, params: IpParams) -> Result<Output, String> {
    let address = parse_ip(&params.ip)?;
    if let Some(kind) = special_purpose(address) {
        return Ok(local(context, address.to_string(), kind));
    }
    let client = context.client()?;
    let data = crate::remote::enrichment::ip_geodata(&client, address).map_err(|error| failure(context, &error))?;
    Ok(answer(context, address.to_string(), data))
}

/// `sentinel_domain_whois_get`.
pub fn domain_whois(context: &Context, params: DomainParams) -> Result<Output, String> {
    let domain = parse_domain(&params.domain)?;
    let client = context.client()?;
    let data = crate::remote::enrichment::domain_whois(&client, &domain).map_err(|error| failure(context, &error))?;
    Ok(answer(context, domain, data))
}

/// The local answer for a special-purpose address (shared with `rdap_lookup`).
pub(super) fn local(context: &Context, query: String, kind: &str) -> Output {
    let mut output = Output {
        query,
        source: "local".into(),
        note: Some(format!(
            "{kind}: it is not routed on the Internet, so no registry or geolocation service knows it; no request was sent"
        )),
        data: None,
    };
    output.query = context.redact_text(&output.query);
    output
}

fn answer(context: &Context, query: String, mut data: Json) -> Output {
    context.redact_json(&mut data);
    Output { query: context.redact_text(&query), source: "sentinel-enrichment".into(), note: None, data: Some(data) }
}

fn failure(context: &Context, error: &crate::remote::Error) -> String {
    let text = match error {
        crate::remote::Error::Api { status: 404, .. } => format!("Sentinel has no enrichment data for it ({error})"),
        _ => error.to_string(),
    };
    context.redact_text(&text)
}
