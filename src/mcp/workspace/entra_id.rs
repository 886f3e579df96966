//! `entra_id_list_users`, `entra_id_get_user`, `entra_id_list_groups` and
//! `entra_id_get_group`: the directory through Microsoft Graph v1.0,
//! read-only, with paging by continuation.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::mcp::Context;
use crate::remote::graph::{self, GROUP_FIELDS, ListRequest, MEMBER_FIELDS, USER_FIELDS, USER_LIST_FIELDS};

/// Default items per page.
const DEFAULT_PAGE_SIZE: u32 = 50;

/// Parameters of `entra_id_list_users` and `entra_id_list_groups`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListParams {
    /// An OData `$filter`, e.g. `startswith(displayName,'Ad')`,
    /// `accountEnabled eq false`, `userType eq 'Guest'`.
    #[serde(default)]
    pub filter: Option<String>,
    /// Words to search in display names, mail and UPNs (`$search`), or a
    /// `property:words` clause such as `displayName:golf`.
    #[serde(default)]
    pub search: Option<String>,
    /// Items per page, 1-999 (default 50).
    #[serde(default)]
    pub top: Option<u32>,
    /// Pages to read in this call, 1-10 (default 1).
    #[serde(default)]
    pub max_pages: Option<u32>,
    /// The `continuation` of an earlier call, to read the next pages (the
    /// other parameters are then ignored).
    #[serde(default)]
    pub continuation: Option<String>,
}

/// A page of users or groups.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListOutput {
    /// The objects, with their main fields.
    pub items: Vec<Json>,
    pub returned: u32,
    /// Matching objects in all, when Graph counted them (filters and searches).
    pub total: Option<u64>,
    /// Pass it back as `continuation` for the next page; absent at the end.
    pub continuation: Option<String>,
}

/// Parameters of `entra_id_get_user`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct UserParams {
    /// The user's UPN (`adele@contoso.com`) or object id (a GUID).
    pub user: String,
}

/// Parameters of `entra_id_get_group`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GroupParams {
    /// The group's object id (a GUID; entra_id_list_groups finds it by name).
    pub group: String,
    /// Members per page, 1-999 (default 100).
    #[serde(default)]
    pub members_top: Option<u32>,
    /// Member pages to read, 1-10 (default 1).
    #[serde(default)]
    pub members_max_pages: Option<u32>,
    /// The `members_continuation` of an earlier call, for the next members.
    #[serde(default)]
    pub members_continuation: Option<String>,
}

/// One directory object.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ObjectOutput {
    pub object: Json,
}

/// A group and its members.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GroupOutput {
    pub group: Json,
    /// Direct members: users, groups, devices, service principals, each with
    /// its `type` (`user`, `group`, ...).
    pub members: Vec<Json>,
    /// Pass it back as `members_continuation` for more members.
    pub members_continuation: Option<String>,
}

/// `entra_id_list_users`.
pub fn list_users(context: &Context, params: ListParams) -> Result<ListOutput, String> {
    list(context, "users", USER_LIST_FIELDS, params)
}

/// `entra_id_list_groups`.
pub fn list_groups(context: &Context, params: ListParams) -> Result<ListOutput, String> {
    list(context, "groups", GROUP_FIELDS, params)
}

fn list(context: &Context, collection: &str, select: &str, params: ListParams) -> Result<ListOutput, String> {
    let client = context.client()?;
    let request = ListRequest {
        filter: params.filter.filter(|f| !f.trim().is_empty()),
        search: params.search.filter(|s| !s.trim().is_empty()),
        page_size: params.top.unwrap_or(DEFAULT_PAGE_SIZE),
        pages: params.max_pages.unwrap_or(1),
        continuation: params.continuation.filter(|c| !c.trim().is_empty()),
    };
    let page = graph::list(&client, collection, select, &request).map_err(|error| graph_error(context, &error))?;
    let mut items = page.items;
    items.iter_mut().for_each(|item| tidy(context, item));
    Ok(ListOutput { returned: items.len() as u32, items, total: page.count, continuation: page.continuation })
}

/// `entra_id_get_user`.
pub fn get_user(context: &Context, params: UserParams) -> Result<ObjectOutput, String> {
    let user = params.user.trim();
    let is_upn = user.contains('@') && !user.contains(['/', '?', '\\']) && !user.starts_with('@');
    if !(is_upn || crate::ruleset::config::is_guid(user)) {
        return Err(format!("`{user}` is neither a UPN (`name@domain`) nor an object id (a GUID)"));
    }
    let client = context.client()?;
    let mut object = graph::get(&client, "users", user, USER_FIELDS).map_err(|error| match &error {
        crate::remote::Error::Api { status: 404, .. } => {
            context.redact_text(&format!("no user `{user}` in the directory ({error})"))
        }
        _ => graph_error(context, &error),
    })?;
    tidy(context, &mut object);
    Ok(ObjectOutput { object })
}

/// `entra_id_get_group`.
pub fn get_group(context: &Context, params: GroupParams) -> Result<GroupOutput, String> {
    let group = params.group.trim();
    if !crate::ruleset::config::is_guid(group) {
        return Err(format!("`{group}` is not a group object id (a GUID); entra_id_list_groups finds it by name"));
    }
    let client = context.client()?;
    let mut object = graph::get(&client, "groups", group, GROUP_FIELDS).map_err(|error| match &error {
        crate::remote::Error::Api { status: 404, .. } => format!("no group `{group}` in the directory ({error})"),
        _ => graph_error(context, &error),
    })?;
    tidy(context, &mut object);
    let request = ListRequest {
        page_size: params.members_top.unwrap_or(100),
        pages: params.members_max_pages.unwrap_or(1),
        continuation: params.members_continuation.filter(|c| !c.trim().is_empty()),
        ..ListRequest::default()
    };
    let page = graph::list(&client, &format!("groups/{group}/members"), MEMBER_FIELDS, &request)
        .map_err(|error| graph_error(context, &error))?;
    let mut members = page.items;
    members.iter_mut().for_each(|member| tidy(context, member));
    Ok(GroupOutput { group: object, members, members_continuation: page.continuation })
}

/// Drops OData bookkeeping (`@odata.context`), names the member type
/// (`#microsoft.graph.user` as `type: user`), then redacts.
fn tidy(context: &Context, object: &mut Json) {
    // Redact first: a user is recognised by its `@odata.type`.
    context.redact_json(object);
    if let Json::Object(map) = object {
        map.remove("@odata.context");
        if let Some(kind) = map.remove("@odata.type").and_then(|k| k.as_str().map(str::to_string)) {
            let kind = kind.trim_start_matches("#microsoft.graph.").to_string();
            map.insert("type".into(), Json::String(kind));
        }
    }
}

fn graph_error(context: &Context, error: &crate::remote::Error) -> String {
    let text = match error {
        crate::remote::Error::Api { status: 403, .. } => format!(
            "{error}; the signed-in identity needs Microsoft Graph permissions such as User.Read.All and GroupMember.Read.All"
        ),
        _ => error.to_string(),
    };
    context.redact_text(&text)
}
