//! Threat intelligence: indicators (listed, or queried through the
//! read-only `queryIndicators` POST), one indicator, and the metrics.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use super::fields::{at, flag, int, name, prop, strings, text};
use super::read::{self, skip_token};
use crate::remote::Error;
use crate::remote::arm::{Arm, ListCap, segment};

/// A threat intelligence indicator.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Indicator {
    /// Its name (a GUID): the `indicator_name` of sentinel_threat_intelligence_indicator_get.
    pub name: String,
    pub id: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    /// The STIX pattern, e.g. `[url:value = 'https://www.contoso.com']`.
    pub pattern: Option<String>,
    /// url, ipv4-addr, domain-name, file, ...
    pub pattern_type: Option<String>,
    pub source: Option<String>,
    pub confidence: Option<i64>,
    pub threat_types: Vec<String>,
    pub tags: Vec<String>,
    /// `killChainName:phaseName` pairs.
    pub kill_chain_phases: Vec<String>,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    pub created: Option<String>,
    pub last_updated_time_utc: Option<String>,
    pub revoked: Option<bool>,
    pub created_by_ref: Option<String>,
    pub external_id: Option<String>,
}

fn indicator(value: &Json) -> Indicator {
    let kill_chain_phases = at(value, &["properties", "killChainPhases"])
        .and_then(Json::as_array)
        .map(|phases| {
            phases
                .iter()
                .map(|phase| {
                    let chain = text(phase, &["killChainName"]).unwrap_or_default();
                    let name = text(phase, &["phaseName"]).unwrap_or_default();
                    format!("{chain}:{name}")
                })
                .collect()
        })
        .unwrap_or_default();
    Indicator {
        name: name(value),
        id: text(value, &["id"]).unwrap_or_default(),
        display_name: prop(value, "displayName"),
        description: prop(value, "description"),
        pattern: prop(value, "pattern"),
        pattern_type: prop(value, "patternType"),
        source: prop(value, "source"),
        confidence: int(value, &["properties", "confidence"]),
        threat_types: strings(value, &["properties", "threatTypes"]),
        tags: strings(value, &["properties", "threatIntelligenceTags"]),
        kill_chain_phases,
        valid_from: prop(value, "validFrom"),
        valid_until: prop(value, "validUntil"),
        created: prop(value, "created"),
        last_updated_time_utc: prop(value, "lastUpdatedTimeUtc"),
        revoked: flag(value, &["properties", "revoked"]),
        created_by_ref: prop(value, "createdByRef"),
        external_id: prop(value, "externalId"),
    }
}

/// Parameters of `sentinel_threat_intelligence_indicators_list`. With none
/// of the query fields set, the indicators are listed; with any, they are
/// queried (the service filters and sorts).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListParams {
    /// Query: only indicators with these words (in names, patterns, descriptions).
    #[serde(default)]
    pub keywords: Option<String>,
    /// Query: only from these sources (e.g. `Azure Sentinel`, `Microsoft Threat Intelligence`).
    #[serde(default)]
    pub sources: Option<Vec<String>>,
    /// Query: only these pattern types (url, ipv4-addr, domain-name, file, ...).
    #[serde(default)]
    pub pattern_types: Option<Vec<String>>,
    /// Query: only these threat types (e.g. compromised, malicious-activity).
    #[serde(default)]
    pub threat_types: Option<Vec<String>>,
    /// Query: the lowest confidence (0-100).
    #[serde(default)]
    pub min_confidence: Option<u32>,
    /// Query: the highest confidence (0-100).
    #[serde(default)]
    pub max_confidence: Option<u32>,
    /// Query: only indicators valid until at least this UTC time (ISO 8601).
    #[serde(default)]
    pub min_valid_until: Option<String>,
    /// Query: include revoked and expired indicators.
    #[serde(default)]
    pub include_disabled: Option<bool>,
    /// Indicators to return (default 50, at most 500).
    #[serde(default)]
    pub limit: Option<u32>,
    /// The `skip_token` of the previous answer, for the next page.
    #[serde(default)]
    pub skip_token: Option<String>,
}

impl ListParams {
    fn is_query(&self) -> bool {
        self.keywords.is_some()
            || self.sources.is_some()
            || self.pattern_types.is_some()
            || self.threat_types.is_some()
            || self.min_confidence.is_some()
            || self.max_confidence.is_some()
            || self.min_valid_until.is_some()
            || self.include_disabled.is_some()
    }

    /// The `ThreatIntelligenceFilteringCriteria` body.
    fn criteria(&self, page_size: usize, skip_token: Option<&str>) -> Json {
        let mut body = json!({ "pageSize": page_size });
        let mut set = |key: &str, value: Json| {
            body[key] = value;
        };
        if let Some(keywords) = &self.keywords {
            set("keywords", json!(keywords));
        }
        if let Some(sources) = &self.sources {
            set("sources", json!(sources));
        }
        if let Some(types) = &self.pattern_types {
            set("patternTypes", json!(types));
        }
        if let Some(types) = &self.threat_types {
            set("threatTypes", json!(types));
        }
        if let Some(confidence) = self.min_confidence {
            set("minConfidence", json!(confidence));
        }
        if let Some(confidence) = self.max_confidence {
            set("maxConfidence", json!(confidence));
        }
        if let Some(time) = &self.min_valid_until {
            set("minValidUntil", json!(time));
        }
        if let Some(include) = self.include_disabled {
            set("includeDisabled", json!(include));
        }
        if let Some(token) = skip_token {
            set("skipToken", json!(token));
        }
        body
    }
}

/// One page of indicators.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListOutput {
    pub indicators: Vec<Indicator>,
    /// `list` (all indicators) or `query` (filtered by the service).
    pub mode: String,
    /// Pass this back as `skip_token` for the next page; absent on the last page.
    pub skip_token: Option<String>,
    /// True when more indicators match than this page holds.
    pub truncated: bool,
}

pub fn list(arm: &Arm, params: ListParams) -> Result<ListOutput, Error> {
    let limit = read::limit(params.limit, read::DEFAULT_LIMIT, read::MAX_LIMIT);
    let token = params.skip_token.as_deref().map(str::trim).filter(|token| !token.is_empty());
    if params.is_query() {
        // A link given back as the token: its `$skipToken` is what the body takes.
        let token = token.map(|token| skip_token(Some(token.to_string())).unwrap_or_default());
        let url = arm.sentinel_url(&["threatIntelligence", "main", "queryIndicators"], &[]);
        let body = arm.post_list_action(&url, Some(&params.criteria(limit, token.as_deref())))?;
        let mut items = at(&body, &["value"]).and_then(Json::as_array).cloned().unwrap_or_default();
        let next = text(&body, &["nextLink"]);
        let cut = items.len() > limit;
        items.truncate(limit);
        return Ok(ListOutput {
            indicators: items.iter().map(indicator).collect(),
            mode: "query".into(),
            truncated: cut || next.is_some(),
            skip_token: if cut { None } else { skip_token(next) },
        });
    }
    let mut url = arm.sentinel_url(&["threatIntelligence", "main", "indicators"], &[("$top", limit.to_string())]);
    if let Some(token) = token {
        url = arm.resume(&url, token)?;
    }
    let page = arm.list(&url, ListCap { max_items: limit, max_pages: 1 })?;
    Ok(ListOutput {
        indicators: page.items.iter().map(indicator).collect(),
        mode: "list".into(),
        truncated: page.capped,
        skip_token: skip_token(page.next_link),
    })
}

/// Parameters of `sentinel_threat_intelligence_indicator_get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetParams {
    /// The indicator's name (a GUID), as the list returns it.
    pub indicator_name: String,
}

/// One indicator, with its properties as sent (parsed pattern, external references, ...).
#[derive(Debug, Serialize, JsonSchema)]
pub struct GetOutput {
    pub indicator: Indicator,
    pub raw: Json,
}

pub fn get(arm: &Arm, params: GetParams) -> Result<GetOutput, Error> {
    let name = segment(&params.indicator_name, "indicator name")?;
    let value = arm.get(&arm.sentinel_url(&["threatIntelligence", "main", "indicators", name], &[]))?;
    Ok(GetOutput { indicator: indicator(&value), raw: at(&value, &["properties"]).cloned().unwrap_or(Json::Null) })
}

/// Parameters of `sentinel_threat_intelligence_metrics_get`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct MetricsParams {
    /// Entries kept per list (threat types, pattern types, sources), largest first; default all.
    #[serde(default)]
    pub top: Option<u32>,
}

/// Indicator counts by threat type, pattern type and source.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MetricsOutput {
    pub last_updated_time_utc: Option<String>,
    pub threat_types: Vec<Metric>,
    pub pattern_types: Vec<Metric>,
    pub sources: Vec<Metric>,
}

/// One count.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Metric {
    pub name: String,
    pub value: i64,
}

pub fn metrics(arm: &Arm, params: MetricsParams) -> Result<MetricsOutput, Error> {
    let body = arm.get(&arm.sentinel_url(&["threatIntelligence", "main", "metrics"], &[]))?;
    let mut metrics = read_metrics(&body);
    if let Some(top) = params.top {
        for list in [&mut metrics.threat_types, &mut metrics.pattern_types, &mut metrics.sources] {
            list.truncate(top as usize);
        }
    }
    Ok(metrics)
}

/// The metrics of every entry of `value`, added up by name.
fn read_metrics(body: &Json) -> MetricsOutput {
    let entries = at(body, &["value"]).and_then(Json::as_array).cloned().unwrap_or_default();
    let sum = |key: &str| -> Vec<Metric> {
        let mut metrics: Vec<Metric> = Vec::new();
        for entry in &entries {
            for metric in at(entry, &["properties", key]).and_then(Json::as_array).into_iter().flatten() {
                let (Some(name), Some(value)) = (text(metric, &["metricName"]), int(metric, &["metricValue"])) else {
                    continue;
                };
                match metrics.iter_mut().find(|known| known.name == name) {
                    Some(known) => known.value += value,
                    None => metrics.push(Metric { name, value }),
                }
            }
        }
        metrics.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.name.cmp(&b.name)));
        metrics
    };
    MetricsOutput {
        last_updated_time_utc: entries.iter().filter_map(|e| prop(e, "lastUpdatedTimeUtc")).max(),
        threat_types: sum("threatTypeMetrics"),
        pattern_types: sum("patternTypeMetrics"),
        sources: sum("sourceMetrics"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::sentinel::examples::body;

    #[test]
    fn the_indicator_examples_read_into_their_fields() {
        let one =
            indicator(&body("securityinsights/2025-12-01/examples/threatintelligence/GetThreatIntelligenceById.json"));
        assert_eq!(one.name, "e16ef847-962e-d7b6-9c8b-a33e4bd30e47");
        assert_eq!(one.pattern.as_deref(), Some("[url:value = 'https://abc.com']"));
        assert_eq!((one.pattern_type.as_deref(), one.confidence), (Some("url"), Some(78)));
        assert_eq!(one.threat_types, ["compromised"]);
        assert_eq!(one.tags, ["patching tags"]);
        let queried = body("securityinsights/2025-12-01/examples/threatintelligence/QueryThreatIntelligence.json");
        assert_eq!(indicator(&queried["value"][0]).description.as_deref(), Some("debugging indicators 2"));
    }

    #[test]
    fn metrics_are_added_up_by_name() {
        let metrics = read_metrics(&body(
            "securityinsights/2025-12-01/examples/threatintelligence/CollectThreatIntelligenceMetrics.json",
        ));
        assert_eq!(metrics.last_updated_time_utc.as_deref(), Some("2020-09-01T19:44:44.117403Z"));
        let sources: Vec<(&str, i64)> = metrics.sources.iter().map(|m| (m.name.as_str(), m.value)).collect();
        assert_eq!(sources, [("Azure Sentinel", 10315), ("zinga", 2)]);
        assert_eq!((metrics.threat_types[0].name.as_str(), metrics.threat_types[0].value), ("compromised", 20));
    }

    #[test]
    fn query_criteria_take_only_what_is_given() {
        let params = ListParams {
            min_confidence: Some(25),
            sources: Some(vec!["Azure Sentinel".into()]),
            ..ListParams::default()
        };
        assert!(params.is_query());
        assert_eq!(
            params.criteria(100, Some("tok")),
            json!({"pageSize": 100, "sources": ["Azure Sentinel"], "minConfidence": 25, "skipToken": "tok"})
        );
        assert!(!ListParams::default().is_query());
    }
}
