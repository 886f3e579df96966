//! How a workspace tool reads Azure: the client and the workspace's ARM
//! view from the server's [`Context`], the call off the async thread, and
//! remote errors turned into tool errors that say what to do next.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::mcp::Context;
use crate::remote::Error;
use crate::remote::arm::Arm;

/// Items a list tool returns by default, and at most.
pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;

/// Runs `work` with the workspace's ARM view, on a blocking thread.
pub async fn with_arm<T: Send + 'static>(
    context: &Arc<Context>,
    work: impl FnOnce(&Arm) -> Result<T, Error> + Send + 'static,
) -> Result<T, String> {
    let context = context.clone();
    crate::mcp::run_blocking(move || {
        if let Err(error) = context.workspace() {
            return Err(format!(
                "{error}. The Sentinel workspace tools also need the workspace's ARM coordinates: \
                 `subscription_id`, `resource_group` and `workspace_name` in its kqlab.toml table, or \
                 AZURE_SUBSCRIPTION_ID, KQLAB_RESOURCE_GROUP and KQLAB_WORKSPACE_NAME. The local tools \
                 (kql_validate, schema_table_get, ...) work without a workspace."
            ));
        }
        let client = context.client()?;
        let arm = Arm::new(&client).map_err(describe)?;
        work(&arm).map_err(describe)
    })
    .await
}

/// A remote error as a tool error, with a hint for the common statuses.
pub fn describe(error: Error) -> String {
    let hint = match &error {
        Error::Api { status: 404, .. } => {
            "; check the name or id (the matching `_list` tool shows them) and that the workspace is onboarded to Microsoft Sentinel"
        }
        Error::Api { status: 401, .. } => "; the token was refused: sign in again (az login) or check the credential",
        Error::Api { status: 403, .. } => {
            "; the signed-in identity lacks read access: it needs e.g. Microsoft Sentinel Reader on the workspace (sentinel_authorization_summary shows its roles)"
        }
        Error::Auth(_) => {
            "\nset AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or sign in with `az login`, then call the tool again"
        }
        _ => "",
    };
    format!("{error}{hint}")
}

/// The `limit` to use: the given one within 1..=`max`, else `default`.
pub fn limit(given: Option<u32>, default: u32, max: u32) -> usize {
    given.unwrap_or(default).clamp(1, max) as usize
}

/// The paging parameters of the list tools that read a whole list and cut
/// one page here; flattened into each tool's parameters.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct PageParams {
    /// Items to return (default 50, at most 500).
    #[serde(default)]
    pub limit: Option<u32>,
    /// Items to skip, for the next page (`next_offset` of the previous answer).
    #[serde(default)]
    pub offset: Option<u32>,
}

impl PageParams {
    /// This page of `items`, and its paging facts.
    pub fn cut<T>(&self, items: Vec<T>, capped: bool) -> (Vec<T>, Paging) {
        page(items, self.offset, limit(self.limit, DEFAULT_LIMIT, MAX_LIMIT), capped)
    }
}

/// One page of a list read whole and cut here (`offset`/`limit`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Paging {
    /// Items that matched, in all (of those read from Azure).
    pub total: u32,
    /// The offset of this page.
    pub offset: u32,
    /// The `offset` of the next page, when there is one.
    pub next_offset: Option<u32>,
    /// True when Azure had more items than kqlab reads for one call (5000),
    /// so `total` and counts cover only the first ones.
    pub truncated: bool,
}

/// `items[offset..offset + limit]` and the paging facts.
pub fn page<T>(items: Vec<T>, offset: Option<u32>, limit: usize, capped: bool) -> (Vec<T>, Paging) {
    let total = items.len();
    let offset = (offset.unwrap_or(0) as usize).min(total);
    let kept: Vec<T> = items.into_iter().skip(offset).take(limit).collect();
    let end = offset + kept.len();
    let paging = Paging {
        total: total as u32,
        offset: offset as u32,
        next_offset: (end < total).then_some(end as u32),
        truncated: capped,
    };
    (kept, paging)
}

/// The token to continue a server-paged list: the `$skipToken` of a
/// `nextLink` when it has one, else the whole link.
pub fn skip_token(next_link: Option<String>) -> Option<String> {
    let link = next_link?;
    let token = reqwest::Url::parse(&link).ok().and_then(|url| {
        url.query_pairs().find(|(key, _)| key.eq_ignore_ascii_case("$skipToken")).map(|(_, value)| value.into_owned())
    });
    Some(token.unwrap_or(link))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cut_the_list_and_point_to_the_next() {
        let (items, paging) = page((0..5).collect::<Vec<u32>>(), Some(2), 2, false);
        assert_eq!(items, [2, 3]);
        assert_eq!((paging.total, paging.offset, paging.next_offset), (5, 2, Some(4)));
        let (items, paging) = page((0..5).collect::<Vec<u32>>(), Some(9), 2, true);
        assert!(items.is_empty());
        assert_eq!((paging.offset, paging.next_offset, paging.truncated), (5, None, true));
    }

    #[test]
    fn the_skip_token_of_a_next_link_is_its_skip_token_parameter() {
        let link = "https://management.azure.com/x/incidents?api-version=2025-12-01&%24top=1&%24skipToken=EAAAAAAAAAAB";
        assert_eq!(skip_token(Some(link.into())).as_deref(), Some("EAAAAAAAAAAB"));
        let other = "https://management.azure.com/x/incidents?api-version=2025-12-01&page=2";
        assert_eq!(skip_token(Some(other.into())).as_deref(), Some(other));
        assert_eq!(skip_token(None), None);
    }

    #[test]
    fn errors_carry_a_hint_for_their_status() {
        let error = Error::Api {
            context: "GET /x".into(),
            status: 403,
            error: crate::remote::query::ApiError::plain("AuthorizationFailed", b"no"),
        };
        assert!(describe(error).contains("Microsoft Sentinel Reader"));
    }
}
