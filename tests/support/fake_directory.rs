//! The fake's routes for the MCP workspace tools (`tests/mcp_workspace.rs`):
//! Microsoft Graph users and groups, Sentinel's enrichment API, the ARM
//! `Tables_Get`, and RDAP with its bootstrap files and a redirector. Hooked
//! into `fake_azure::route` by one line; answers `None` for anything else.
//!
//! Graph and ARM routes want the fake's bearer token; RDAP routes refuse
//! any `Authorization` header (a token must never reach a public server).
//! Markers: the user `throttled@contoso.com` answers 429 (`Retry-After: 1`)
//! once, then the user; `$top=1` on `/users` pages through two pages.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Mutex;

use super::{Answer, example};

const SUBSCRIPTION: &str = "00000000-0000-0000-0000-00000000000";
const GROUP: &str = "oiautorest6685";
/// The only group the fake knows (the first of `groups-list.json`).
pub const GROUP_ID: &str = "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4";

/// Throttled paths already answered once, per fake.
static THROTTLED: Mutex<Option<HashSet<(SocketAddr, String)>>> = Mutex::new(None);

pub fn route(
    method: &str,
    target: &str,
    headers: &[(String, String)],
    addr: SocketAddr,
    token: &str,
) -> Option<Answer> {
    if method != "GET" {
        return None;
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = super::percent_decode(query);
    let header = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    if path.starts_with("/rdap") {
        if header("authorization").is_some() {
            return Some((
                400,
                vec![],
                r#"{"errorCode":400,"title":"a token was sent to a public RDAP server"}"#.into(),
            ));
        }
        return Some(rdap(path, addr));
    }
    let graph = path.starts_with("/v1.0/");
    let lower = path.to_ascii_lowercase();
    let arm_group = format!("/subscriptions/{SUBSCRIPTION}/resourcegroups/{GROUP}/providers/");
    let arm = lower.starts_with(&arm_group)
        && (lower.contains("/microsoft.securityinsights/enrichment/") || lower.contains("/tables/"));
    if !graph && !arm {
        return None;
    }
    if header("authorization") != Some(&format!("Bearer {token}")) {
        return Some((401, vec![], example("synthesized/loganalytics-query/error-401-no-auth.json")));
    }
    Some(if graph { graph_route(path, &query, header("consistencylevel"), addr) } else { arm_route(&lower, &query) })
}

fn graph_route(path: &str, query: &str, consistency: Option<&str>, addr: SocketAddr) -> Answer {
    let advanced = query.contains("$search") || query.contains("$count");
    if advanced && consistency != Some("eventual") {
        let body = r#"{"error":{"code":"Request_UnsupportedQuery","message":"$search and $count need the ConsistencyLevel: eventual header"}}"#;
        return (400, vec![], body.into());
    }
    let segments: Vec<String> = path.trim_start_matches("/v1.0/").split('/').map(super::percent_decode).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    match segments.as_slice() {
        ["users"] if query.contains("$skiptoken=") => {
            let all: serde_json::Value = serde_json::from_str(&example("graph/v1.0/users-list.json")).unwrap();
            (200, vec![], serde_json::json!({ "value": [all["value"][1]] }).to_string())
        }
        ["users"] if query.contains("$top=1") => {
            let mut page: serde_json::Value =
                serde_json::from_str(&example("synthesized/graph/users-list-page1-with-nextLink.json")).unwrap();
            let next = page["@odata.nextLink"]
                .as_str()
                .unwrap()
                .replace("https://graph.microsoft.com", &format!("http://{addr}"));
            page["@odata.nextLink"] = next.into();
            (200, vec![], page.to_string())
        }
        ["users"] => {
            let mut all: serde_json::Value = serde_json::from_str(&example("graph/v1.0/users-list.json")).unwrap();
            if advanced {
                all["@odata.count"] = 2.into();
            }
            (200, vec![], all.to_string())
        }
        ["users", "throttled@contoso.com"] => {
            let first = THROTTLED.lock().unwrap().get_or_insert_default().insert((addr, path.to_string()));
            if first {
                (429, vec![("Retry-After", "1".into())], example("synthesized/arm/error-429-throttled.json"))
            } else {
                (200, vec![], example("graph/v1.0/users-get.json"))
            }
        }
        ["users", key]
            if key.eq_ignore_ascii_case("AdeleV@contoso.com") || *key == "87d349ed-44d7-43e1-9a83-5f2406dee5bd" =>
        {
            (200, vec![], example("graph/v1.0/users-get.json"))
        }
        ["groups"] => (200, vec![], example("graph/v1.0/groups-list.json")),
        ["groups", id] if *id == GROUP_ID => {
            // The docs have no example of GET /groups/{id}: the list's first group.
            let all: serde_json::Value = serde_json::from_str(&example("graph/v1.0/groups-list.json")).unwrap();
            (200, vec![], all["value"][0].to_string())
        }
        ["groups", id, "members"] if *id == GROUP_ID => {
            (200, vec![], example("synthesized/graph/groups-members-with-odata-type.json"))
        }
        _ => (404, vec![], example("synthesized/graph/error-404-not-found.json")),
    }
}

fn arm_route(lower: &str, query: &str) -> Answer {
    let not_found = (404, vec![], example("synthesized/arm/error-404-resource-not-found.json"));
    if lower.ends_with("/microsoft.securityinsights/enrichment/ip/geodata/") {
        if !query.contains("api-version=2024-01-01-preview") {
            return (
                400,
                vec![],
                r#"{"error":{"code":"InvalidApiVersionParameter","message":"bad api-version"}}"#.into(),
            );
        }
        return if query.contains("ipAddress=1.2.3.4") {
            (200, vec![], example("securityinsights/2022-01-01-preview/examples/enrichment/GetGeodataByIp.json"))
        } else {
            not_found
        };
    }
    if lower.ends_with("/microsoft.securityinsights/enrichment/domain/whois/") {
        return if query.contains("domain=microsoft.com") {
            (200, vec![], example("securityinsights/2022-01-01-preview/examples/enrichment/GetWhoisByDomainName.json"))
        } else {
            not_found
        };
    }
    if lower.ends_with("/microsoft.operationalinsights/workspaces/oiautorest6685/tables/table1_srch")
        && query.contains("api-version=2026-03-01")
    {
        return (200, vec![], example("operationalinsights/2026-03-01/examples/TablesGet.json"));
    }
    not_found
}

/// The bootstrap files (pointing at this fake), the RDAP answers and a redirector.
fn rdap(path: &str, addr: SocketAddr) -> Answer {
    let base = format!("http://{addr}");
    let services = match path {
        // The narrower prefix must win; the base URL has no trailing slash.
        "/rdap-bootstrap/ipv4.json" => serde_json::json!([
            [["192.0.0.0/8"], [format!("{base}/rdap/wrong/")]],
            [["192.198.0.0/16"], [format!("{base}/rdap/arin")]]
        ]),
        "/rdap-bootstrap/ipv6.json" => serde_json::json!([[["2600::/12"], [format!("{base}/rdap/arin/")]]]),
        "/rdap-bootstrap/dns.json" => serde_json::json!([[["cz"], [format!("{base}/rdap-redirect/")]]]),
        "/rdap-bootstrap/asn.json" => serde_json::json!([[["16000-17000"], [format!("{base}/rdap/arin/")]]]),
        _ => serde_json::Value::Null,
    };
    if !services.is_null() {
        let body = serde_json::json!({"version": "1.0", "publication": "2024-01-01T00:00:00Z", "services": services});
        return (200, vec![], body.to_string());
    }
    if let Some(rest) = path.strip_prefix("/rdap-redirect/") {
        return (302, vec![("Location", format!("{base}/rdap/nic-cz/{rest}"))], String::new());
    }
    let not_found = (404, vec![], example("synthesized/rdap/error-404.json"));
    match path {
        p if p.starts_with("/rdap/arin/ip/192.198.") => {
            (200, vec![], example("rdap/icann-rdap/network_192_198_0_0.json"))
        }
        "/rdap/arin/autnum/16509" => (200, vec![], example("rdap/icann-rdap/autnum_16509.json")),
        "/rdap/nic-cz/domain/example.cz" => (200, vec![], example("rdap/openrdap/domain-example.cz.json")),
        _ => not_found,
    }
}
