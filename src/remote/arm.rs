//! Azure Resource Manager reads for the workspace tools of `kqlab mcp`:
//! URLs under the workspace
//! (`/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces/{ws}`)
//! and under its Microsoft Sentinel prefix (`.../providers/Microsoft.SecurityInsights/...`),
//! lists followed through `nextLink` up to a cap, and the few read-only
//! POST list actions ([`Client::post_list_action`]).
//!
//! Names given by a user or a model (an incident id, a watchlist alias) go
//! into one path segment each, percent-encoded; `/`, `?`, `#`, `%`, `.`
//! and `..` are refused, so a name cannot reach another path.

use reqwest::Url;
use serde_json::Value as Json;

use crate::remote::Error;
use crate::remote::client::Client;

/// The newest stable Microsoft.SecurityInsights (Sentinel) API version.
pub const SECURITY_INSIGHTS_API_VERSION: &str = "2025-12-01";
/// The preview version, for the APIs that have no stable version (entities, settings).
pub const SECURITY_INSIGHTS_PREVIEW_API_VERSION: &str = "2025-07-01-preview";
/// The newest stable Microsoft.OperationalInsights API version (workspace, saved searches).
pub const OPERATIONAL_INSIGHTS_API_VERSION: &str = crate::remote::metadata::TABLES_API_VERSION;
/// Microsoft.Authorization (role assignments and definitions).
pub const AUTHORIZATION_API_VERSION: &str = "2022-04-01";

/// How much of a list to read.
#[derive(Debug, Clone, Copy)]
pub struct ListCap {
    /// Items kept; reading stops once this many are in.
    pub max_items: usize,
    /// Pages read at most (a guard against link loops).
    pub max_pages: usize,
}

impl Default for ListCap {
    fn default() -> ListCap {
        ListCap { max_items: 5_000, max_pages: 50 }
    }
}

/// The items of a list, as the service sent them.
#[derive(Debug, Clone, Default)]
pub struct ListPage {
    pub items: Vec<Json>,
    /// The link to the rest, when reading stopped at a page's end before
    /// the list's end (none when the cap cut a page).
    pub next_link: Option<String>,
    /// Pages read.
    pub pages: u32,
    /// True when the cap stopped the reading (more items exist).
    pub capped: bool,
}

/// The ARM view of the client's workspace.
#[derive(Debug)]
pub struct Arm<'a> {
    pub client: &'a Client,
    /// `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces/{ws}`, encoded.
    workspace_segments: Vec<String>,
}

impl<'a> Arm<'a> {
    /// The workspace's ARM coordinates, or an error saying which are missing.
    pub fn new(client: &'a Client) -> Result<Arm<'a>, Error> {
        let (subscription, group, name) = client.workspace.require_arm().map_err(|error| {
            Error::Config(format!(
                "{error}; set `subscription_id`, `resource_group` and `workspace_name` in the workspace's kqlab.toml table, \
                 or AZURE_SUBSCRIPTION_ID, KQLAB_RESOURCE_GROUP and KQLAB_WORKSPACE_NAME"
            ))
        })?;
        let workspace_segments = vec![
            "subscriptions".to_string(),
            segment(subscription, "subscription id")?.to_string(),
            "resourceGroups".to_string(),
            segment(group, "resource group")?.to_string(),
            "providers".to_string(),
            "Microsoft.OperationalInsights".to_string(),
            "workspaces".to_string(),
            segment(name, "workspace name")?.to_string(),
        ];
        Ok(Arm { client, workspace_segments })
    }

    /// The workspace's resource id (the scope of role assignments).
    pub fn workspace_id(&self) -> String {
        format!("/{}", self.workspace_segments.join("/"))
    }

    /// A URL under the workspace: `segments` are literal path parts, each
    /// checked by [`segment`] when it comes from a caller.
    pub fn workspace_url(&self, segments: &[&str], api_version: &str, query: &[(&str, String)]) -> Url {
        let all: Vec<&str> =
            self.workspace_segments.iter().map(String::as_str).chain(segments.iter().copied()).collect();
        self.url(&all, api_version, query)
    }

    /// A URL under the workspace's Microsoft Sentinel prefix.
    pub fn sentinel_url(&self, segments: &[&str], query: &[(&str, String)]) -> Url {
        self.sentinel_url_version(segments, SECURITY_INSIGHTS_API_VERSION, query)
    }

    /// A URL under the Sentinel prefix with another API version (a preview-only API).
    pub fn sentinel_url_version(&self, segments: &[&str], api_version: &str, query: &[(&str, String)]) -> Url {
        let mut all = vec!["providers", "Microsoft.SecurityInsights"];
        all.extend_from_slice(segments);
        self.workspace_url(&all, api_version, query)
    }

    /// A URL of the ARM endpoint from path segments.
    pub fn url(&self, segments: &[&str], api_version: &str, query: &[(&str, String)]) -> Url {
        let mut url = self.client.workspace.endpoints.arm.clone();
        {
            let mut path = url.path_segments_mut().expect("an http(s) endpoint has a path");
            path.pop_if_empty();
            path.extend(segments);
        }
        let mut text = format!("api-version={}", encode_query_value(api_version));
        for (key, value) in query {
            text.push('&');
            text.push_str(key);
            text.push('=');
            text.push_str(&encode_query_value(value));
        }
        url.set_query(Some(&text));
        url
    }

    /// GET one resource.
    pub fn get(&self, url: &Url) -> Result<Json, Error> {
        let scope = self.client.workspace.endpoints.arm_scope.clone();
        Ok(self.client.get(url, &scope)?.body)
    }

    /// One of the documented read-only POST list actions (see [`Client::post_list_action`]).
    pub fn post_list_action(&self, url: &Url, body: Option<&Json>) -> Result<Json, Error> {
        let scope = self.client.workspace.endpoints.arm_scope.clone();
        Ok(self.client.post_list_action(url, &scope, body)?.body)
    }

    /// A list: `{"value": [...], "nextLink": ...}` pages followed until the
    /// end or the cap. A bare JSON array is taken as one page (the saved
    /// searches example's shape).
    pub fn list(&self, url: &Url, cap: ListCap) -> Result<ListPage, Error> {
        let mut page = ListPage::default();
        let mut url = url.clone();
        loop {
            let context = format!("GET {}", url.path());
            let body = self.get(&url)?;
            page.pages += 1;
            let (items, next) = list_items(&body, &context)?;
            page.items.extend(items);
            let next = next.map(|link| next_link(&self.client.workspace.endpoints.arm, &link, &context)).transpose()?;
            if page.items.len() >= cap.max_items || (page.pages as usize >= cap.max_pages && next.is_some()) {
                let cut = page.items.len() > cap.max_items;
                page.capped = cut || next.is_some();
                page.items.truncate(cap.max_items);
                // A link past items that were cut would skip them: give none.
                page.next_link = if cut { None } else { next.map(|url| url.to_string()) };
                return Ok(page);
            }
            match next {
                Some(next) => url = next,
                None => return Ok(page),
            }
        }
    }

    /// Continues a list from a `skip_token` a tool returned earlier: a
    /// `nextLink` of the same list (same endpoint, same path), or a bare
    /// `$skipToken` value added to `url`.
    pub fn resume(&self, url: &Url, skip_token: &str) -> Result<Url, Error> {
        let token = skip_token.trim();
        if token.starts_with("http://") || token.starts_with("https://") {
            let context = format!("GET {}", url.path());
            let next = next_link(&self.client.workspace.endpoints.arm, token, &context)?;
            if !next.path().eq_ignore_ascii_case(url.path()) {
                return Err(Error::Config(format!(
                    "the skip_token is a link to `{}`, not to this list (`{}`); pass the skip_token this tool returned",
                    next.path(),
                    url.path()
                )));
            }
            return Ok(next);
        }
        let mut url = url.clone();
        let query = format!("{}&$skipToken={}", url.query().unwrap_or_default(), encode_query_value(token));
        url.set_query(Some(&query));
        Ok(url)
    }
}

/// `name` if it can be one path segment: not empty, not `.` or `..`, no
/// `/`, `\`, `?`, `#`, `%` or control characters, at most 512 bytes.
pub fn segment<'n>(name: &'n str, what: &str) -> Result<&'n str, Error> {
    let bad = name.is_empty()
        || name == "."
        || name == ".."
        || name.len() > 512
        || name.chars().any(|c| matches!(c, '/' | '\\' | '?' | '#' | '%') || c.is_control());
    if bad {
        return Err(Error::Config(format!(
            "`{}` is not a valid {what}: give the name or id as listed (no `/`, `?`, `#`, `%`)",
            name.chars().take(80).collect::<String>()
        )));
    }
    Ok(name)
}

/// The items and the `nextLink` of one list page.
fn list_items(body: &Json, context: &str) -> Result<(Vec<Json>, Option<String>), Error> {
    if let Some(items) = body.as_array() {
        return Ok((items.clone(), None));
    }
    let items = body
        .get("value")
        .and_then(Json::as_array)
        .ok_or_else(|| Error::Response { context: context.to_string(), message: "no `value` array".into() })?;
    let next = body.get("nextLink").and_then(Json::as_str).filter(|link| !link.is_empty()).map(str::to_string);
    Ok((items.clone(), next))
}

/// A `nextLink`, which must stay on the ARM endpoint (the token is only for it).
fn next_link(arm: &Url, link: &str, context: &str) -> Result<Url, Error> {
    crate::remote::metadata::next_link(arm, link, context)
}

/// A query value percent-encoded: everything but unreserved characters
/// and the OData punctuation ARM documents literally (`$ ( ) , / :`); the
/// quote is `%27`, as the URL parser writes it anyway.
pub fn encode_query_value(value: &str) -> String {
    crate::text::percent_encode(value, b"$(),/:")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::client::Policy;
    use crate::remote::config::{Selection, Workspace};

    fn client() -> Client {
        let env = |name: &str| -> Option<String> {
            match name {
                "KQLAB_WORKSPACE_ID" => Some("63613592-b6f7-4c3d-a390-22ba13102111".into()),
                "AZURE_SUBSCRIPTION_ID" => Some("d0cfe6b2-9ac0-4464-9919-dccaee2e48c0".into()),
                "KQLAB_RESOURCE_GROUP" => Some("my Rg".into()),
                "KQLAB_WORKSPACE_NAME" => Some("myWorkspace".into()),
                "KQLAB_ARM_ENDPOINT" => Some("http://127.0.0.1:9/arm/".into()),
                "KQLAB_CREDENTIAL" => Some(String::new()),
                _ => None,
            }
        };
        let workspace = Workspace::resolve(&Selection::default(), &Default::default(), &env).unwrap();
        Client::new(workspace, Policy::default(), &env).unwrap()
    }

    #[test]
    fn sentinel_urls_have_the_prefix_the_version_and_encoded_parts() {
        let client = client();
        let arm = Arm::new(&client).unwrap();
        let url = arm
            .sentinel_url(&["incidents"], &[("$filter", "properties/severity eq 'High'".into()), ("$top", "5".into())]);
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/arm/subscriptions/d0cfe6b2-9ac0-4464-9919-dccaee2e48c0/resourceGroups/my%20Rg/providers/\
             Microsoft.OperationalInsights/workspaces/myWorkspace/providers/Microsoft.SecurityInsights/incidents\
             ?api-version=2025-12-01&$filter=properties/severity%20eq%20%27High%27&$top=5"
        );
        let saved = arm.workspace_url(&["savedSearches"], OPERATIONAL_INSIGHTS_API_VERSION, &[]);
        assert!(saved.as_str().ends_with("/workspaces/myWorkspace/savedSearches?api-version=2026-03-01"), "{saved}");
        assert_eq!(
            arm.workspace_id(),
            "/subscriptions/d0cfe6b2-9ac0-4464-9919-dccaee2e48c0/resourceGroups/my Rg/providers/Microsoft.OperationalInsights/workspaces/myWorkspace"
        );
    }

    #[test]
    fn names_cannot_leave_their_path_segment() {
        for bad in ["", ".", "..", "a/b", "a?b", "a#b", "%2F", "a\nb", "..\\x"] {
            assert!(segment(bad, "incident id").is_err(), "{bad:?}");
        }
        for good in ["73e01a99-5cd7-4139-a149-9f2736ff2ab5", "highValueAsset", "my rule (1)", "a.b"] {
            assert_eq!(segment(good, "x").unwrap(), good);
        }
        let client = client();
        let arm = Arm::new(&client).unwrap();
        // Even unchecked, a segment is encoded, never a path separator.
        let url = arm.sentinel_url(&["incidents", "x y"], &[]);
        assert!(url.path().ends_with("/incidents/x%20y"), "{url}");
    }

    #[test]
    fn list_pages_are_read_from_value_or_a_bare_array() {
        let (items, next) = list_items(&serde_json::json!({"value": [1, 2], "nextLink": "http://x/y"}), "c").unwrap();
        assert_eq!((items.len(), next.as_deref()), (2, Some("http://x/y")));
        let (items, next) = list_items(&serde_json::json!([{"a": 1}]), "c").unwrap();
        assert_eq!((items.len(), next), (1, None));
        let (_, next) = list_items(&serde_json::json!({"value": [], "nextLink": ""}), "c").unwrap();
        assert_eq!(next, None);
        assert!(list_items(&serde_json::json!({"error": {}}), "c").unwrap_err().to_string().contains("no `value`"));
    }

    #[test]
    fn a_skip_token_resumes_only_its_own_list() {
        let client = client();
        let arm = Arm::new(&client).unwrap();
        let list = arm.sentinel_url(&["incidents"], &[("$top", "1".into())]);
        let bare = arm.resume(&list, "EAAAAAAAAAAB").unwrap();
        assert!(bare.as_str().ends_with("&$top=1&$skipToken=EAAAAAAAAAAB"), "{bare}");
        let link = format!("{}&$skipToken=abc", list.as_str());
        assert_eq!(arm.resume(&list, &link).unwrap().as_str(), link);
        let other = link.replace("/incidents", "/watchlists");
        assert!(arm.resume(&list, &other).unwrap_err().to_string().contains("not to this list"));
        assert!(arm.resume(&list, "https://evil.example/x").unwrap_err().to_string().contains("not followed"));
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode_query_value("a b&c=d"), "a%20b%26c%3Dd");
        assert_eq!(encode_query_value("properties/createdTimeUtc desc"), "properties/createdTimeUtc%20desc");
        assert_eq!(encode_query_value("é"), "%C3%A9");
        assert_eq!(encode_query_value("atScope()"), "atScope()");
        assert_eq!(encode_query_value("assignedTo('x')"), "assignedTo(%27x%27)");
    }
}
