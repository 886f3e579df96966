//! Watchlists and their items (Watchlists, WatchlistItems).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::fields::{at, flag, int, name, prop, strings, text};
use super::read::{self, Paging};
use crate::remote::Error;
use crate::remote::arm::{Arm, ListCap, segment};

/// A watchlist.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Watchlist {
    /// The alias: the name KQL uses (`_GetWatchlist('alias')`) and the `watchlist_alias` of the other tools.
    pub alias: String,
    pub id: String,
    pub watchlist_id: Option<String>,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub provider: Option<String>,
    pub source: Option<String>,
    pub source_type: Option<String>,
    /// The column `_GetWatchlist` exposes as `SearchKey`.
    pub items_search_key: Option<String>,
    pub labels: Vec<String>,
    pub default_duration: Option<String>,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub created_by: Option<String>,
    pub is_deleted: Option<bool>,
    pub number_of_lines_to_skip: Option<i64>,
}

fn watchlist(value: &Json) -> Watchlist {
    Watchlist {
        alias: prop(value, "watchlistAlias").unwrap_or_else(|| name(value)),
        id: text(value, &["id"]).unwrap_or_default(),
        watchlist_id: prop(value, "watchlistId"),
        display_name: prop(value, "displayName"),
        description: prop(value, "description"),
        provider: prop(value, "provider"),
        source: prop(value, "source"),
        source_type: prop(value, "sourceType"),
        items_search_key: prop(value, "itemsSearchKey"),
        labels: strings(value, &["properties", "labels"]),
        default_duration: prop(value, "defaultDuration"),
        created: prop(value, "created"),
        updated: prop(value, "updated"),
        created_by: ["name", "email"].iter().find_map(|key| text(value, &["properties", "createdBy", key])),
        is_deleted: flag(value, &["properties", "isDeleted"]),
        number_of_lines_to_skip: int(value, &["properties", "numberOfLinesToSkip"]),
    }
}

/// Parameters of `sentinel_watchlists_list`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListParams {
    /// Which page: `limit` and `offset`.
    #[serde(flatten)]
    pub page: read::PageParams,
}

/// One page of watchlists.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListOutput {
    pub watchlists: Vec<Watchlist>,
    #[serde(flatten)]
    pub paging: Paging,
}

pub fn list(arm: &Arm, params: ListParams) -> Result<ListOutput, Error> {
    let list = arm.list(&arm.sentinel_url(&["watchlists"], &[]), ListCap::default())?;
    let watchlists = list.items.iter().map(watchlist).collect();
    let (watchlists, paging) = params.page.cut(watchlists, list.capped);
    Ok(ListOutput { watchlists, paging })
}

/// Parameters of `sentinel_watchlist_get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetParams {
    /// The watchlist's alias, as sentinel_watchlists_list returns it.
    pub watchlist_alias: String,
}

/// One watchlist.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GetOutput {
    pub watchlist: Watchlist,
}

pub fn get(arm: &Arm, params: GetParams) -> Result<GetOutput, Error> {
    let alias = segment(&params.watchlist_alias, "watchlist alias")?;
    let value = arm.get(&arm.sentinel_url(&["watchlists", alias], &[]))?;
    Ok(GetOutput { watchlist: watchlist(&value) })
}

/// A row of a watchlist.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Item {
    /// The item's id: the `watchlist_item_id` of sentinel_watchlist_item_get.
    pub name: String,
    /// The row: column name → value.
    pub values: Json,
    pub entity_mapping: Json,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub is_deleted: Option<bool>,
}

fn item(value: &Json) -> Item {
    Item {
        name: prop(value, "watchlistItemId").unwrap_or_else(|| name(value)),
        values: at(value, &["properties", "itemsKeyValue"]).cloned().unwrap_or(Json::Null),
        entity_mapping: at(value, &["properties", "entityMapping"]).cloned().unwrap_or(Json::Null),
        created: prop(value, "created"),
        updated: prop(value, "updated"),
        is_deleted: flag(value, &["properties", "isDeleted"]),
    }
}

/// Parameters of `sentinel_watchlist_items_list`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ItemsParams {
    /// The watchlist's alias.
    pub watchlist_alias: String,
    /// Which page: `limit` and `offset`.
    #[serde(flatten)]
    pub page: read::PageParams,
}

/// One page of a watchlist's rows.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ItemsOutput {
    pub watchlist_alias: String,
    pub items: Vec<Item>,
    #[serde(flatten)]
    pub paging: Paging,
}

pub fn items(arm: &Arm, params: ItemsParams) -> Result<ItemsOutput, Error> {
    let alias = segment(&params.watchlist_alias, "watchlist alias")?;
    let list = arm.list(&arm.sentinel_url(&["watchlists", alias, "watchlistItems"], &[]), ListCap::default())?;
    let items = list.items.iter().map(item).collect();
    let (items, paging) = params.page.cut(items, list.capped);
    Ok(ItemsOutput { watchlist_alias: alias.to_string(), items, paging })
}

/// Parameters of `sentinel_watchlist_item_get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ItemGetParams {
    /// The watchlist's alias.
    pub watchlist_alias: String,
    /// The item's id (a GUID), as sentinel_watchlist_items_list returns it.
    pub watchlist_item_id: String,
}

/// One row of a watchlist.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ItemGetOutput {
    pub watchlist_alias: String,
    pub item: Item,
}

pub fn item_get(arm: &Arm, params: ItemGetParams) -> Result<ItemGetOutput, Error> {
    let alias = segment(&params.watchlist_alias, "watchlist alias")?;
    let id = segment(&params.watchlist_item_id, "watchlist item id")?;
    let value = arm.get(&arm.sentinel_url(&["watchlists", alias, "watchlistItems", id], &[]))?;
    Ok(ItemGetOutput { watchlist_alias: alias.to_string(), item: item(&value) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::sentinel::examples::body;

    #[test]
    fn the_watchlist_examples_read_into_their_fields() {
        let list = body("securityinsights/2025-12-01/examples/watchlists/GetWatchlists.json");
        let first = watchlist(&list["value"][0]);
        assert_eq!(first.alias, "highValueAsset");
        assert_eq!(first.display_name.as_deref(), Some("High Value Assets Watchlist"));
        assert_eq!(first.items_search_key.as_deref(), Some("header1"));
        assert_eq!(first.labels, ["Tag1", "Tag2"]);
        assert_eq!(first.created_by.as_deref(), Some("john doe"));
        let row = item(&body("securityinsights/2025-12-01/examples/watchlists/GetWatchlistItemById.json"));
        assert_eq!(row.name, "fd37d325-7090-47fe-851a-5b5a00c3f576");
        assert_eq!(row.values["Header-1"], "v1_1");
        assert_eq!(row.is_deleted, Some(false));
    }
}
