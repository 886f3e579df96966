//! Microsoft Sentinel's enrichment API (ARM, read-only GETs at the
//! resource group of the workspace): geolocation of an IP address
//! (`IPGeodata_Get`) and the whois record of a domain (`DomainWhois_Get`).
//!
//! ```text
//! GET {arm}/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.SecurityInsights/enrichment/ip/geodata/?ipAddress=...
//! GET {arm}/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.SecurityInsights/enrichment/domain/whois/?domain=...
//! ```
//!
//! These operations exist only in preview api-versions (`Enrichment.json`
//! of the SecurityInsights specification, from 2021-09-01-preview to at
//! least 2024-01-01-preview); newer previews also offer a workspace-scoped
//! POST form, which kqlab does not use (it sends no POST but queries).

use std::net::IpAddr;

use serde_json::Value as Json;

use crate::remote::Error;
use crate::remote::client::Client;
use crate::remote::config::join;

/// The api-version of the enrichment operations.
pub const API_VERSION: &str = "2024-01-01-preview";

/// The geodata of a (global) IP address.
pub fn ip_geodata(client: &Client, address: IpAddr) -> Result<Json, Error> {
    get(client, "ip/geodata/", "ipAddress", &address.to_string())
}

/// The whois record of a domain (already checked by `indicator::parse_domain`).
pub fn domain_whois(client: &Client, domain: &str) -> Result<Json, Error> {
    get(client, "domain/whois/", "domain", domain)
}

fn get(client: &Client, operation: &str, parameter: &str, value: &str) -> Result<Json, Error> {
    let workspace = &client.workspace;
    let (Some(subscription), Some(group)) = (&workspace.subscription_id, &workspace.resource_group) else {
        return Err(Error::Config(format!(
            "workspace `{}` lacks subscription_id and resource_group, which the Sentinel enrichment API needs",
            workspace.label
        )));
    };
    let mut url = join(
        &workspace.endpoints.arm,
        &format!(
            "/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.SecurityInsights/enrichment/{operation}"
        ),
    );
    url.query_pairs_mut().append_pair("api-version", API_VERSION).append_pair(parameter, value);
    let scope = workspace.endpoints.arm_scope.clone();
    Ok(client.get(&url, &scope)?.body)
}
