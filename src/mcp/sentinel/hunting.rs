//! Saved searches of the workspace (OperationalInsights SavedSearches) and
//! the Sentinel hunting queries among them: category `Hunting Queries`,
//! with `description`, `tactics` and `techniques` in their tags.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::analytics::{CountBy, CountOutput, CountParams, Rule, count_rules};
use super::fields::{at, int, name, prop, text};
use super::read::{self, Paging};
use crate::remote::Error;
use crate::remote::arm::{Arm, ListCap, OPERATIONAL_INSIGHTS_API_VERSION, segment};

/// The category Sentinel gives its hunting queries.
pub const HUNTING_CATEGORY: &str = "Hunting Queries";

/// A saved search's important fields.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SavedSearch {
    /// The saved search's id (the last part of its resource id): the `saved_search_id` of the get tool.
    pub name: String,
    pub id: String,
    pub category: Option<String>,
    pub display_name: Option<String>,
    pub query: Option<String>,
    /// Set when the saved search is a function callable by this alias.
    pub function_alias: Option<String>,
    pub function_parameters: Option<String>,
    pub version: Option<i64>,
    pub tags: Vec<Tag>,
}

/// A tag of a saved search.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Tag {
    pub name: String,
    pub value: String,
}

impl SavedSearch {
    /// The fields of a saved search, in camelCase (the service) or PascalCase (the list example).
    pub fn from_json(value: &Json) -> SavedSearch {
        let tags = at(value, &["properties", "tags"])
            .and_then(Json::as_array)
            .map(|tags| {
                tags.iter()
                    .filter_map(|tag| {
                        Some(Tag { name: text(tag, &["name"])?, value: text(tag, &["value"]).unwrap_or_default() })
                    })
                    .collect()
            })
            .unwrap_or_default();
        SavedSearch {
            name: name(value),
            id: text(value, &["id"]).unwrap_or_default(),
            category: prop(value, "category").map(|c| c.trim().to_string()),
            display_name: prop(value, "displayName"),
            query: prop(value, "query"),
            function_alias: prop(value, "functionAlias"),
            function_parameters: prop(value, "functionParameters"),
            version: int(value, &["properties", "version"]),
            tags,
        }
    }

    fn tag(&self, tag: &str) -> Option<&str> {
        self.tags.iter().find(|t| t.name.eq_ignore_ascii_case(tag)).map(|t| t.value.as_str())
    }

    fn is_hunting_query(&self) -> bool {
        self.category.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(HUNTING_CATEGORY))
    }
}

/// A hunting query: a saved search with its tags read.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HuntingQuery {
    /// The saved search's id: pass it (or the display name) to sentinel_hunting_query_get.
    pub name: String,
    pub id: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub tactics: Vec<String>,
    pub techniques: Vec<String>,
    pub query: Option<String>,
    /// The tags other than description, tactics and techniques.
    pub other_tags: Vec<Tag>,
}

impl HuntingQuery {
    fn from_saved(search: SavedSearch, include_query: bool) -> HuntingQuery {
        let list = |tag: &str| -> Vec<String> {
            search
                .tag(tag)
                .map(|value| {
                    value.split([',', ';']).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string).collect()
                })
                .unwrap_or_default()
        };
        let tactics = list("tactics");
        let techniques = list("techniques");
        let description = search.tag("description").map(str::to_string);
        let other_tags = search
            .tags
            .iter()
            .filter(|t| {
                !["description", "tactics", "techniques"].iter().any(|known| t.name.eq_ignore_ascii_case(known))
            })
            .cloned()
            .collect();
        HuntingQuery {
            name: search.name,
            id: search.id,
            display_name: search.display_name,
            description,
            tactics,
            techniques,
            query: if include_query { search.query } else { None },
            other_tags,
        }
    }
}

/// Every saved search of the workspace, up to the read cap.
fn read_all(arm: &Arm) -> Result<(Vec<SavedSearch>, bool), Error> {
    let url = arm.workspace_url(&["savedSearches"], OPERATIONAL_INSIGHTS_API_VERSION, &[]);
    let page = arm.list(&url, ListCap::default())?;
    Ok((page.items.iter().map(SavedSearch::from_json).collect(), page.capped))
}

/// Parameters of `log_analytics_saved_searches_list`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct SavedListParams {
    /// Only this category (e.g. `Hunting Queries`, `Functions`; case-insensitive).
    #[serde(default)]
    pub category: Option<String>,
    /// Only saved searches whose display name contains this text (case-insensitive).
    #[serde(default)]
    pub name_contains: Option<String>,
    /// Only functions (saved searches with a function alias).
    #[serde(default)]
    pub functions_only: bool,
    /// Include the KQL query of each (default true).
    #[serde(default)]
    pub include_query: Option<bool>,
    /// Which page: `limit` and `offset`.
    #[serde(flatten)]
    pub page: read::PageParams,
}

/// One page of saved searches.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SavedListOutput {
    pub saved_searches: Vec<SavedSearch>,
    #[serde(flatten)]
    pub paging: Paging,
}

/// Lists saved searches.
pub fn saved_list(arm: &Arm, params: SavedListParams) -> Result<SavedListOutput, Error> {
    let (searches, capped) = read_all(arm)?;
    let contains = params.name_contains.as_ref().map(|text| text.to_lowercase());
    let include_query = params.include_query.unwrap_or(true);
    let searches: Vec<SavedSearch> = searches
        .into_iter()
        .filter(|s| {
            params
                .category
                .as_ref()
                .is_none_or(|c| s.category.as_deref().is_some_and(|k| k.eq_ignore_ascii_case(c.trim())))
        })
        .filter(|s| !params.functions_only || s.function_alias.is_some())
        .filter(|s| {
            contains.as_ref().is_none_or(|t| s.display_name.as_ref().is_some_and(|n| n.to_lowercase().contains(t)))
        })
        .map(|mut s| {
            if !include_query {
                s.query = None;
            }
            s
        })
        .collect();
    let (saved_searches, paging) = params.page.cut(searches, capped);
    Ok(SavedListOutput { saved_searches, paging })
}

/// Parameters of `log_analytics_saved_search_get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SavedGetParams {
    /// The saved search's id (the `name` log_analytics_saved_searches_list returns).
    pub saved_search_id: String,
}

/// One saved search.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SavedGetOutput {
    pub saved_search: SavedSearch,
}

/// One saved search by id.
pub fn saved_get(arm: &Arm, params: SavedGetParams) -> Result<SavedGetOutput, Error> {
    let id = segment(&params.saved_search_id, "saved search id")?;
    let value = arm.get(&arm.workspace_url(&["savedSearches", id], OPERATIONAL_INSIGHTS_API_VERSION, &[]))?;
    Ok(SavedGetOutput { saved_search: SavedSearch::from_json(&value) })
}

/// Parameters of `sentinel_hunting_queries_list`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct HuntingListParams {
    /// Only queries with this MITRE ATT&CK tactic (e.g. `CredentialAccess`).
    #[serde(default)]
    pub tactic: Option<String>,
    /// Only queries with this technique (e.g. `T1110`).
    #[serde(default)]
    pub technique: Option<String>,
    /// Only queries whose display name contains this text (case-insensitive).
    #[serde(default)]
    pub name_contains: Option<String>,
    /// Include each KQL query (default false).
    #[serde(default)]
    pub include_query: bool,
    /// Which page: `limit` and `offset`.
    #[serde(flatten)]
    pub page: read::PageParams,
}

/// One page of hunting queries.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HuntingListOutput {
    pub hunting_queries: Vec<HuntingQuery>,
    #[serde(flatten)]
    pub paging: Paging,
}

/// Lists the hunting queries.
pub fn hunting_list(arm: &Arm, params: HuntingListParams) -> Result<HuntingListOutput, Error> {
    let (searches, capped) = read_all(arm)?;
    let contains = params.name_contains.as_ref().map(|text| text.to_lowercase());
    let has = |list: &[String], given: &Option<String>| {
        given.as_ref().is_none_or(|given| list.iter().any(|v| v.eq_ignore_ascii_case(given.trim())))
    };
    let queries: Vec<HuntingQuery> = searches
        .into_iter()
        .filter(SavedSearch::is_hunting_query)
        .map(|s| HuntingQuery::from_saved(s, params.include_query))
        .filter(|q| has(&q.tactics, &params.tactic) && has(&q.techniques, &params.technique))
        .filter(|q| {
            contains.as_ref().is_none_or(|t| q.display_name.as_ref().is_some_and(|n| n.to_lowercase().contains(t)))
        })
        .collect();
    let (hunting_queries, paging) = params.page.cut(queries, capped);
    Ok(HuntingListOutput { hunting_queries, paging })
}

/// Parameters of `sentinel_hunting_query_get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct HuntingGetParams {
    /// The hunting query's id (its `name`) or its display name (case-insensitive).
    pub name: String,
}

/// One hunting query, with its KQL.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HuntingGetOutput {
    pub hunting_query: HuntingQuery,
}

/// One hunting query by id or display name.
pub fn hunting_get(arm: &Arm, params: HuntingGetParams) -> Result<HuntingGetOutput, Error> {
    let wanted = params.name.trim();
    let (searches, _) = read_all(arm)?;
    let found = searches.into_iter().filter(SavedSearch::is_hunting_query).find(|s| {
        s.name.eq_ignore_ascii_case(wanted)
            || s.display_name.as_deref().is_some_and(|n| n.trim().eq_ignore_ascii_case(wanted))
    });
    match found {
        Some(search) => Ok(HuntingGetOutput { hunting_query: HuntingQuery::from_saved(search, true) }),
        None => Err(Error::Config(format!(
            "no hunting query has the id or display name `{wanted}`; list them with sentinel_hunting_queries_list"
        ))),
    }
}

/// Counts the hunting queries by tactic.
pub fn hunting_count_by_tactic(arm: &Arm, params: CountParams) -> Result<CountOutput, Error> {
    let (searches, capped) = read_all(arm)?;
    let rules: Vec<Rule> = searches
        .into_iter()
        .filter(SavedSearch::is_hunting_query)
        .map(|s| {
            let query = HuntingQuery::from_saved(s, false);
            let mut rule = Rule::from_json(&Json::Null, false);
            rule.name = query.name;
            rule.display_name = query.display_name;
            rule.tactics = query.tactics;
            rule.techniques = query.techniques;
            rule.enabled = Some(true);
            rule
        })
        .collect();
    let params = CountParams { kind: None, ..params };
    Ok(count_rules(&rules, CountBy::Tactic, &params, capped))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::sentinel::examples::body;

    #[test]
    fn saved_searches_read_in_either_case() {
        let pascal = body("operationalinsights/2026-03-01/examples/SavedSearchesListByWorkspace.json");
        let search = SavedSearch::from_json(&pascal[0]);
        assert_eq!(search.name, "test-new-saved-search-id-2015");
        assert_eq!(search.category.as_deref(), Some("Saved Search Test Category"));
        assert_eq!(search.query.as_deref(), Some("* | measure Count() by Computer"));
        assert_eq!((search.tags[0].name.as_str(), search.tags[0].value.as_str()), ("Group", "Computer"));
        let function =
            SavedSearch::from_json(&body("operationalinsights/2026-03-01/examples/WorkspacesSavedSearchesGet.json"));
        assert_eq!(function.function_alias.as_deref(), Some("heartbeat_func"));
        assert_eq!(function.function_parameters.as_deref(), Some("a:int=1"));
    }

    #[test]
    fn a_hunting_query_reads_its_tags() {
        let search =
            SavedSearch::from_json(&body("synthesized/operationalinsights/savedsearch-sentinel-hunting-query.json"));
        assert!(search.is_hunting_query());
        let query = HuntingQuery::from_saved(search, true);
        assert_eq!(query.display_name.as_deref(), Some("Failed sign-ins from a single IP"));
        assert_eq!(query.tactics, ["CredentialAccess", "InitialAccess"]);
        assert_eq!(query.techniques, ["T1110"]);
        assert!(query.description.as_deref().is_some_and(|d| d.starts_with("Looks for many failed")));
        assert!(query.other_tags.is_empty());
    }
}
