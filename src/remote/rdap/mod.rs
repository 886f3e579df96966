//! RDAP (RFC 7480, 9082, 9083): public registration data of IP networks,
//! domains and AS numbers, without any Azure access or token.
//!
//! The server comes from IANA's bootstrap registries ([`bootstrap`]),
//! fetched once per process from `https://data.iana.org/rdap/` (or the base
//! URL in `KQLAB_RDAP_BOOTSTRAP`), else from the bundled snapshots.
//! `KQLAB_RDAP_BASE` names one RDAP server for every lookup instead. The
//! lookup is an unauthenticated GET ([`Anonymous`]) that follows at most a
//! few redirects (RDAP redirectors answer 301/302).

pub mod bootstrap;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Url;
use serde_json::{Value as Json, json};

use crate::remote::Error;
use crate::remote::client::{Anonymous, Policy};
use crate::remote::config::{EnvLookup, parse_endpoint};
use bootstrap::{Bootstrap, Registry};

/// Environment variables read here.
pub mod env {
    /// The base URL of the bootstrap files (default `https://data.iana.org/rdap/`).
    pub const BOOTSTRAP: &str = "KQLAB_RDAP_BOOTSTRAP";
    /// One RDAP server for every lookup, instead of the bootstrap.
    pub const BASE: &str = "KQLAB_RDAP_BASE";
}

/// IANA's bootstrap files.
pub const IANA_BOOTSTRAP: &str = "https://data.iana.org/rdap/";

/// What to look up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    Ip(IpAddr),
    /// A domain, checked by `indicator::parse_domain`.
    Domain(String),
    Autnum(u32),
}

impl Query {
    /// The registry that knows the server.
    fn registry(&self) -> Registry {
        match self {
            Query::Ip(IpAddr::V4(_)) => Registry::Ipv4,
            Query::Ip(IpAddr::V6(_)) => Registry::Ipv6,
            Query::Domain(_) => Registry::Dns,
            Query::Autnum(_) => Registry::Asn,
        }
    }

    /// The path under the base URL (RFC 9082).
    fn path(&self) -> String {
        match self {
            Query::Ip(address) => format!("ip/{address}"),
            Query::Domain(name) => format!("domain/{name}"),
            Query::Autnum(number) => format!("autnum/{number}"),
        }
    }
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Lookup {
    /// The server's base URL.
    pub server: Url,
    /// The URL that answered (after redirects).
    pub url: Url,
    /// Where the server came from: `KQLAB_RDAP_BASE`, the IANA bootstrap
    /// (with its URL), or the bundled snapshot.
    pub bootstrap: String,
    pub body: Json,
}

/// Looks `query` up. A missing object is an [`Error::Api`] with status 404.
pub fn lookup(query: &Query, env: EnvLookup) -> Result<Lookup, Error> {
    let reader = Anonymous::new(Policy { timeout: Duration::from_secs(60), ..Policy::default() })?;
    let (server, bootstrap) = match env(env::BASE) {
        Some(base) => {
            let url = parse_endpoint(env::BASE, &base)?;
            let url = bootstrap::normalise_base(url.as_str()).unwrap_or(url);
            (url, format!("{} (`{}`)", env::BASE, base.trim()))
        }
        None => server_for(query, env)?,
    };
    let url = server.join(&query.path()).map_err(|error| Error::Config(format!("bad RDAP URL: {error}")))?;
    let response = reader.get(&url)?;
    Ok(Lookup { server, url: response.location.clone().unwrap_or(url), bootstrap, body: response.body })
}

/// The server for `query` from the bootstrap registry, and where that came from.
fn server_for(query: &Query, env: EnvLookup) -> Result<(Url, String), Error> {
    let registry = query.registry();
    let (bootstrap, source) = registry_for(registry, env);
    let server = match query {
        Query::Ip(address) => bootstrap.base_for_ip(*address),
        Query::Domain(name) => bootstrap.base_for_domain(name),
        Query::Autnum(number) => bootstrap.base_for_autnum(*number),
    };
    match server {
        Some(server) => Ok((server, source)),
        None => Err(Error::Response {
            context: format!("RDAP bootstrap `{}`", registry.file_name()),
            message: format!("no RDAP server is registered for this {} (bootstrap: {source})", kind(query)),
        }),
    }
}

fn kind(query: &Query) -> &'static str {
    match query {
        Query::Ip(_) => "address",
        Query::Domain(_) => "domain's top-level domain",
        Query::Autnum(_) => "AS number",
    }
}

/// Fetched registries, by URL, for the life of the process.
static FETCHED: Mutex<Option<HashMap<String, Arc<Bootstrap>>>> = Mutex::new(None);

/// The registry from the bootstrap base URL (fetched once), else the
/// bundled snapshot; and a description of which.
fn registry_for(registry: Registry, env: EnvLookup) -> (Arc<Bootstrap>, String) {
    let base = env(env::BOOTSTRAP).unwrap_or_else(|| IANA_BOOTSTRAP.to_string());
    let url = parse_endpoint(env::BOOTSTRAP, &base)
        .ok()
        .and_then(|url| bootstrap::normalise_base(url.as_str()))
        .and_then(|base| base.join(registry.file_name()).ok());
    let Some(url) = url else {
        return bundled(registry, &format!("`{base}` is not an https URL"));
    };
    let key = url.to_string();
    if let Some(found) = FETCHED.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert_default().get(&key) {
        return (found.clone(), format!("{key} (published {})", found.publication.as_deref().unwrap_or("?")));
    }
    // One quick try: when offline, the bundled snapshot is the answer.
    let policy = Policy {
        max_retries: 0,
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(20),
        ..Policy::default()
    };
    let fetched = Anonymous::new(policy)
        .and_then(|reader| reader.get(&url))
        .map_err(|error| error.to_string())
        .and_then(|response| Bootstrap::parse(&response.body));
    match fetched {
        Ok(found) => {
            let found = Arc::new(found);
            FETCHED
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get_or_insert_default()
                .insert(key.clone(), found.clone());
            (found.clone(), format!("{key} (published {})", found.publication.as_deref().unwrap_or("?")))
        }
        Err(error) => bundled(registry, &format!("{key} could not be read: {error}")),
    }
}

fn bundled(registry: Registry, why: &str) -> (Arc<Bootstrap>, String) {
    let bootstrap = Bootstrap::bundled(registry);
    let source = format!(
        "the bundled snapshot of {} (published {}; old and partial) because {why}",
        registry.file_name(),
        bootstrap.publication.as_deref().unwrap_or("?")
    );
    (Arc::new(bootstrap), source)
}

/// The useful part of an RDAP object: handle, names, addresses or ranges,
/// status, dates, name servers and the entities (with their roles and
/// vCard names), one level of nested entities included.
pub fn summarize(body: &Json) -> Json {
    let mut summary = serde_json::Map::new();
    for key in [
        "objectClassName",
        "handle",
        "ldhName",
        "unicodeName",
        "name",
        "type",
        "country",
        "ipVersion",
        "startAddress",
        "endAddress",
        "startAutnum",
        "endAutnum",
        "parentHandle",
        "port43",
        "status",
    ] {
        if let Some(value) = body.get(key).filter(|value| !value.is_null()) {
            summary.insert(key.to_string(), value.clone());
        }
    }
    if let Some(cidrs) = body.get("cidr0_cidrs").and_then(Json::as_array) {
        let cidrs: Vec<Json> = cidrs
            .iter()
            .filter_map(|cidr| {
                let prefix = cidr.get("v4prefix").or_else(|| cidr.get("v6prefix"))?.as_str()?;
                let length = cidr.get("length")?.as_u64()?;
                Some(Json::String(format!("{prefix}/{length}")))
            })
            .collect();
        summary.insert("cidrs".into(), Json::Array(cidrs));
    }
    if let Some(events) = body.get("events").and_then(Json::as_array) {
        let mut dates = serde_json::Map::new();
        for event in events {
            if let (Some(action), Some(date)) =
                (event.get("eventAction").and_then(Json::as_str), event.get("eventDate"))
            {
                dates.insert(action.to_string(), date.clone());
            }
        }
        summary.insert("events".into(), Json::Object(dates));
    }
    if let Some(nameservers) = body.get("nameservers").and_then(Json::as_array) {
        let names: Vec<Json> = nameservers.iter().filter_map(|ns| ns.get("ldhName").cloned()).collect();
        summary.insert("nameservers".into(), Json::Array(names));
    }
    let mut entities = Vec::new();
    collect_entities(body, 0, &mut entities);
    if !entities.is_empty() {
        summary.insert("entities".into(), Json::Array(entities));
    }
    Json::Object(summary)
}

fn collect_entities(object: &Json, depth: usize, out: &mut Vec<Json>) {
    let Some(entities) = object.get("entities").and_then(Json::as_array) else { return };
    for entity in entities {
        let vcard = |field: &str| -> Option<Json> {
            entity.get("vcardArray")?.get(1)?.as_array()?.iter().find_map(|property| {
                let property = property.as_array()?;
                (property.first()?.as_str()? == field).then(|| property.get(3).cloned()).flatten()
            })
        };
        let mut summary = json!({
            "handle": entity.get("handle"),
            "roles": entity.get("roles"),
        });
        for (field, key) in [("fn", "name"), ("org", "organization"), ("email", "email"), ("adr", "address")] {
            if let Some(value) = vcard(field) {
                summary[key] = value;
            }
        }
        out.push(summary);
        if depth == 0 {
            collect_entities(entity, depth + 1, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_map_to_registries_and_paths() {
        let ip = Query::Ip("2001:db8::1".parse().unwrap());
        assert_eq!((ip.registry(), ip.path()), (Registry::Ipv6, "ip/2001:db8::1".to_string()));
        let domain = Query::Domain("example.cz".into());
        assert_eq!((domain.registry(), domain.path()), (Registry::Dns, "domain/example.cz".to_string()));
        assert_eq!(Query::Autnum(16509).path(), "autnum/16509");
    }

    #[test]
    fn an_unreachable_bootstrap_falls_back_to_the_snapshot() {
        let env = |name: &str| (name == env::BOOTSTRAP).then(|| "ftp://nowhere.example/".to_string());
        let (server, source) = server_for(&Query::Domain("example.cz".into()), &env).unwrap();
        assert_eq!(server.as_str(), "https://rdap.nic.cz/");
        assert!(source.contains("bundled snapshot of dns.json"), "{source}");
        let missing = server_for(&Query::Domain("example.invalid".into()), &env).unwrap_err();
        assert!(missing.to_string().contains("no RDAP server is registered"), "{missing}");
    }

    #[test]
    fn a_summary_keeps_names_dates_and_entities() {
        let body = json!({
            "objectClassName": "domain", "ldhName": "example.cz", "status": ["active"],
            "events": [{"eventAction": "registration", "eventDate": "1997-03-27T00:00:00Z"}],
            "nameservers": [{"ldhName": "ns1.example.cz"}],
            "entities": [{"handle": "REG-X", "roles": ["registrar"],
                "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "Registrar X"]]],
                "entities": [{"handle": "ABUSE", "roles": ["abuse"],
                    "vcardArray": ["vcard", [["email", {}, "text", "abuse@x.example"]]]}]}]
        });
        let summary = summarize(&body);
        assert_eq!(summary["events"]["registration"], "1997-03-27T00:00:00Z");
        assert_eq!(summary["nameservers"], json!(["ns1.example.cz"]));
        assert_eq!(summary["entities"][0]["name"], "Registrar X");
        assert_eq!(summary["entities"][1]["email"], "abuse@x.example");
    }
}
