//! Microsoft Graph v1.0, read-only: users and groups of the directory
//! (Entra ID), and a group's members. Lists follow `@odata.nextLink` up to
//! a number of pages; the next link is returned as a continuation, which a
//! later call may pass back (it must stay on the Graph endpoint and the
//! same collection).

use reqwest::Url;
use serde_json::Value as Json;

use crate::remote::Error;
use crate::remote::client::Client;
use crate::remote::config::join;

/// Most items one page may have (`$top`), as Graph allows for users and groups.
pub const MAX_PAGE_SIZE: u32 = 999;
/// Most pages one call follows.
pub const MAX_PAGES: u32 = 10;

/// The fields read for a user in a list.
pub const USER_LIST_FIELDS: &str =
    "id,displayName,userPrincipalName,mail,jobTitle,department,accountEnabled,userType,createdDateTime";
/// The fields read for one user.
pub const USER_FIELDS: &str = "id,displayName,givenName,surname,userPrincipalName,mail,otherMails,proxyAddresses,\
jobTitle,department,companyName,officeLocation,city,country,usageLocation,businessPhones,mobilePhone,\
accountEnabled,userType,createdDateTime,lastPasswordChangeDateTime,onPremisesSyncEnabled,\
onPremisesSamAccountName,onPremisesDomainName,employeeId,externalUserState";
/// The fields read for a group.
pub const GROUP_FIELDS: &str = "id,displayName,description,mail,mailEnabled,mailNickname,securityEnabled,groupTypes,\
membershipRule,membershipRuleProcessingState,isAssignableToRole,visibility,createdDateTime,onPremisesSyncEnabled";
/// The fields read for a group member (users, groups, devices, apps share these).
pub const MEMBER_FIELDS: &str = "id,displayName,userPrincipalName,mail,appId,deviceId";

/// A collection request: the first page, or a continuation.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    /// An OData `$filter`, e.g. `startswith(displayName,'a')`.
    pub filter: Option<String>,
    /// Words to look for in names and addresses (`$search`).
    pub search: Option<String>,
    /// Items per page (`$top`).
    pub page_size: u32,
    /// Pages to follow in this call.
    pub pages: u32,
    /// The `continuation` of an earlier call.
    pub continuation: Option<String>,
}

/// What a list call got.
#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<Json>,
    /// `@odata.count`, when asked for (with a filter or a search).
    pub count: Option<u64>,
    /// The next page's link, when there is more.
    pub continuation: Option<String>,
}

/// Lists `collection` (`users`, `groups`, `groups/{id}/members`) with the
/// `select`ed fields.
pub fn list(client: &Client, collection: &str, select: &str, request: &ListRequest) -> Result<Page, Error> {
    let base = join(&client.workspace.endpoints.graph, &format!("/v1.0/{collection}"));
    // Graph's advanced queries ($search, $count, most $filters) need
    // `ConsistencyLevel: eventual` and `$count=true`; plain lists do not.
    let advanced = request.filter.is_some() || request.search.is_some();
    let mut url = match &request.continuation {
        Some(link) => continuation_url(&base, link)?,
        None => {
            let mut url = base.clone();
            {
                let mut query = url.query_pairs_mut();
                query.append_pair("$select", select);
                query.append_pair("$top", &request.page_size.clamp(1, MAX_PAGE_SIZE).to_string());
                if let Some(filter) = &request.filter {
                    query.append_pair("$filter", filter);
                }
                if let Some(search) = &request.search {
                    query.append_pair("$search", &search_expression(search));
                }
                if advanced {
                    query.append_pair("$count", "true");
                }
            }
            url
        }
    };
    let eventual = advanced || url.query().is_some_and(|q| q.contains("%24count") || q.contains("$count"));
    let scope = client.workspace.endpoints.graph_scope.clone();
    let mut page = Page { items: Vec::new(), count: None, continuation: None };
    for _ in 0..request.pages.clamp(1, MAX_PAGES) {
        let response = if eventual { client.get_eventual(&url, &scope)? } else { client.get(&url, &scope)? };
        let context = format!("GET {}", url.path());
        let items = response
            .body
            .get("value")
            .and_then(Json::as_array)
            .ok_or_else(|| Error::Response { context: context.clone(), message: "no `value` array".into() })?;
        page.items.extend(items.iter().cloned());
        if page.count.is_none() {
            page.count = response.body.get("@odata.count").and_then(Json::as_u64);
        }
        match response.body.get("@odata.nextLink").and_then(Json::as_str).filter(|link| !link.is_empty()) {
            Some(link) => {
                url = continuation_url(&base, link)?;
                page.continuation = Some(url.to_string());
            }
            None => {
                page.continuation = None;
                break;
            }
        }
    }
    Ok(page)
}

/// One object: `users/{id or UPN}` or `groups/{id}`, with the `select`ed
/// fields. The key is one path segment (percent-encoded: guest UPNs hold `#`).
pub fn get(client: &Client, collection: &str, key: &str, select: &str) -> Result<Json, Error> {
    let mut url = join(&client.workspace.endpoints.graph, &format!("/v1.0/{collection}"));
    url.path_segments_mut().map_err(|()| Error::Config("the Graph endpoint cannot take a path".into()))?.push(key);
    url.query_pairs_mut().append_pair("$select", select);
    let scope = client.workspace.endpoints.graph_scope.clone();
    Ok(client.get(&url, &scope)?.body)
}

/// `$search` wants `"property:words"` clauses; plain words search the
/// names and addresses.
fn search_expression(search: &str) -> String {
    let search = search.trim();
    if search.starts_with('"') {
        return search.to_string();
    }
    if search.contains(':') {
        return format!("\"{}\"", search.replace('"', ""));
    }
    let words = search.replace('"', "");
    ["displayName", "mail", "userPrincipalName"]
        .iter()
        .map(|property| format!("\"{property}:{words}\""))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// A next link (from Graph or from the caller): it must stay on the Graph
/// endpoint and in the same collection, since the token goes with it.
fn continuation_url(base: &Url, link: &str) -> Result<Url, Error> {
    let bad = |message: String| Error::Config(format!("the continuation is not valid here: {message}"));
    let url = Url::parse(link).map_err(|error| bad(format!("not a URL ({error})")))?;
    if !crate::remote::config::same_origin(base, &url) {
        return Err(bad(format!("it leaves the Graph endpoint ({})", url.host_str().unwrap_or("?"))));
    }
    if url.path().trim_end_matches('/') != base.path().trim_end_matches('/') {
        return Err(bad(format!("it is for `{}`, not `{}`", url.path(), base.path())));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_search_names_and_addresses() {
        assert_eq!(
            search_expression("adele"),
            "\"displayName:adele\" OR \"mail:adele\" OR \"userPrincipalName:adele\""
        );
        assert_eq!(search_expression("displayName:golf"), "\"displayName:golf\"");
    }

    #[test]
    fn continuations_stay_on_the_endpoint_and_collection() {
        let base = Url::parse("https://graph.microsoft.com/v1.0/users").unwrap();
        assert!(continuation_url(&base, "https://graph.microsoft.com/v1.0/users?$top=1&$skiptoken=X").is_ok());
        let other_host = continuation_url(&base, "https://evil.example/v1.0/users?$skiptoken=X").unwrap_err();
        assert!(other_host.to_string().contains("leaves the Graph endpoint"), "{other_host}");
        let other_path = continuation_url(&base, "https://graph.microsoft.com/v1.0/groups?$skiptoken=X");
        assert!(other_path.unwrap_err().to_string().contains("not `/v1.0/users`"));
    }
}
