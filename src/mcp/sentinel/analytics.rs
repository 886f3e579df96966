//! Analytics rules and their templates (AlertRules, AlertRuleTemplates):
//! list, get, and counts by MITRE ATT&CK tactic and technique.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::fields::{at, flag, int, name, prop, strings, text};
use super::read::{self, Paging};
use crate::remote::Error;
use crate::remote::arm::{Arm, ListCap, segment};

/// Which collection: the workspace's rules or the templates it can create them from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    Rules,
    Templates,
}

impl Collection {
    fn segment(self) -> &'static str {
        match self {
            Collection::Rules => "alertRules",
            Collection::Templates => "alertRuleTemplates",
        }
    }
}

/// Parameters of `sentinel_analytics_rule_list` and `sentinel_analytics_rule_templates_list`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListParams {
    /// Only this kind: Scheduled, NRT, Fusion, MicrosoftSecurityIncidentCreation, MLBehaviorAnalytics, ThreatIntelligence.
    #[serde(default)]
    pub kind: Option<String>,
    /// Only rules with this severity (High, Medium, Low, Informational).
    #[serde(default)]
    pub severity: Option<String>,
    /// Only rules with this MITRE ATT&CK tactic (e.g. `Persistence`).
    #[serde(default)]
    pub tactic: Option<String>,
    /// Only rules with this technique (e.g. `T1110`; sub-techniques such as `T1110.001` match it too).
    #[serde(default)]
    pub technique: Option<String>,
    /// Only rules whose display name contains this text (case-insensitive).
    #[serde(default)]
    pub name_contains: Option<String>,
    /// Rules only: only enabled (true) or disabled (false) rules.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Include each rule's KQL query (default false: the list stays short).
    #[serde(default)]
    pub include_query: bool,
    /// Which page: `limit` and `offset`.
    #[serde(flatten)]
    pub page: read::PageParams,
}

/// One page of analytics rules or templates.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListOutput {
    pub rules: Vec<Rule>,
    #[serde(flatten)]
    pub paging: Paging,
}

/// An analytics rule's (or template's) important fields.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Rule {
    /// The rule's name (its id in the workspace): the `rule_id` / `template_id` of the get tools.
    pub name: String,
    pub id: String,
    /// Scheduled, NRT, Fusion, MicrosoftSecurityIncidentCreation, ...
    pub kind: Option<String>,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub severity: Option<String>,
    /// Rules: whether it runs.
    pub enabled: Option<bool>,
    /// Templates: Available, Installed, NotAvailable.
    pub status: Option<String>,
    pub tactics: Vec<String>,
    pub techniques: Vec<String>,
    pub sub_techniques: Vec<String>,
    /// The KQL query (Scheduled and NRT kinds), when asked for.
    pub query: Option<String>,
    pub query_frequency: Option<String>,
    pub query_period: Option<String>,
    pub trigger_operator: Option<String>,
    pub trigger_threshold: Option<i64>,
    /// Rules: the template it was created from.
    pub alert_rule_template_name: Option<String>,
    pub template_version: Option<String>,
    /// Templates: its version.
    pub version: Option<String>,
    pub last_modified_utc: Option<String>,
    pub created_date_utc: Option<String>,
    pub last_updated_date_utc: Option<String>,
    /// Templates: the connectors and data types it needs.
    pub required_data_connectors: Vec<RequiredConnector>,
    /// Templates: rules created from it.
    pub alert_rules_created_by_template_count: Option<i64>,
}

/// A data connector a template needs.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RequiredConnector {
    pub connector_id: Option<String>,
    pub data_types: Vec<String>,
}

impl Rule {
    /// The fields of an alert rule or template resource.
    pub fn from_json(value: &Json, include_query: bool) -> Rule {
        Rule {
            name: name(value),
            id: text(value, &["id"]).unwrap_or_default(),
            kind: text(value, &["kind"]),
            display_name: prop(value, "displayName"),
            description: prop(value, "description"),
            severity: prop(value, "severity"),
            enabled: flag(value, &["properties", "enabled"]),
            status: prop(value, "status"),
            tactics: strings(value, &["properties", "tactics"]),
            techniques: strings(value, &["properties", "techniques"]),
            sub_techniques: strings(value, &["properties", "subTechniques"]),
            query: if include_query { prop(value, "query") } else { None },
            query_frequency: prop(value, "queryFrequency"),
            query_period: prop(value, "queryPeriod"),
            trigger_operator: prop(value, "triggerOperator"),
            trigger_threshold: int(value, &["properties", "triggerThreshold"]),
            alert_rule_template_name: prop(value, "alertRuleTemplateName"),
            template_version: prop(value, "templateVersion"),
            version: prop(value, "version"),
            last_modified_utc: prop(value, "lastModifiedUtc"),
            created_date_utc: prop(value, "createdDateUTC"),
            last_updated_date_utc: prop(value, "lastUpdatedDateUTC"),
            required_data_connectors: at(value, &["properties", "requiredDataConnectors"])
                .and_then(Json::as_array)
                .map(|connectors| {
                    connectors
                        .iter()
                        .map(|connector| RequiredConnector {
                            connector_id: text(connector, &["connectorId"]),
                            data_types: strings(connector, &["dataTypes"]),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            alert_rules_created_by_template_count: int(value, &["properties", "alertRulesCreatedByTemplateCount"]),
        }
    }

    /// Its techniques with the parents of its sub-techniques (`T1110.001` → `T1110`), once each.
    pub fn all_techniques(&self) -> Vec<String> {
        let mut all: Vec<String> = self.techniques.iter().map(|t| t.trim().to_string()).collect();
        for sub in &self.sub_techniques {
            let parent = sub.split('.').next().unwrap_or(sub).trim().to_string();
            if !all.iter().any(|known| known.eq_ignore_ascii_case(&parent)) {
                all.push(parent);
            }
        }
        all.retain(|technique| !technique.is_empty());
        all
    }
}

/// Every rule (or template) of the workspace, up to the read cap.
fn read_all(arm: &Arm, collection: Collection, include_query: bool) -> Result<(Vec<Rule>, bool), Error> {
    let page = arm.list(&arm.sentinel_url(&[collection.segment()], &[]), ListCap::default())?;
    Ok((page.items.iter().map(|item| Rule::from_json(item, include_query)).collect(), page.capped))
}

/// Lists rules or templates, filtered here (the API has no filters).
pub fn list(arm: &Arm, collection: Collection, params: ListParams) -> Result<ListOutput, Error> {
    let (rules, capped) = read_all(arm, collection, params.include_query)?;
    let same = |given: &Option<String>, actual: &Option<String>| {
        given
            .as_ref()
            .is_none_or(|given| actual.as_ref().is_some_and(|actual| actual.eq_ignore_ascii_case(given.trim())))
    };
    let contains_name = params.name_contains.as_ref().map(|text| text.to_lowercase());
    let rules: Vec<Rule> = rules
        .into_iter()
        .filter(|rule| same(&params.kind, &rule.kind) && same(&params.severity, &rule.severity))
        .filter(|rule| params.enabled.is_none_or(|enabled| rule.enabled == Some(enabled)))
        .filter(|rule| {
            params
                .tactic
                .as_ref()
                .is_none_or(|tactic| rule.tactics.iter().any(|t| t.eq_ignore_ascii_case(tactic.trim())))
        })
        .filter(|rule| {
            params.technique.as_ref().is_none_or(|technique| {
                let technique = technique.trim();
                rule.all_techniques().iter().any(|t| t.eq_ignore_ascii_case(technique))
                    || rule.sub_techniques.iter().any(|t| t.eq_ignore_ascii_case(technique))
            })
        })
        .filter(|rule| {
            contains_name
                .as_ref()
                .is_none_or(|text| rule.display_name.as_ref().is_some_and(|name| name.to_lowercase().contains(text)))
        })
        .collect();
    let (rules, paging) = params.page.cut(rules, capped);
    Ok(ListOutput { rules, paging })
}

/// Parameters of `sentinel_analytics_rule_get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct RuleGetParams {
    /// The rule's name (its id, e.g. a GUID), as sentinel_analytics_rule_list returns it.
    pub rule_id: String,
}

/// Parameters of `sentinel_analytics_rule_template_get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct TemplateGetParams {
    /// The template's name (a GUID), as sentinel_analytics_rule_templates_list returns it.
    pub template_id: String,
}

/// One rule or template: its fields and every property as sent.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GetOutput {
    pub rule: Rule,
    /// All properties as the API sent them (entity mappings, grouping, custom details, ...).
    pub raw: Json,
}

/// One rule or template by name.
pub fn get(arm: &Arm, collection: Collection, id: &str) -> Result<GetOutput, Error> {
    let value = arm.get(&arm.sentinel_url(&[collection.segment(), segment(id, "rule id")?], &[]))?;
    Ok(GetOutput {
        rule: Rule::from_json(&value, true),
        raw: at(&value, &["properties"]).cloned().unwrap_or(Json::Null),
    })
}

/// Parameters of the count tools.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct CountParams {
    /// Rules only: count only enabled rules (default false: all rules).
    #[serde(default)]
    pub enabled_only: bool,
    /// Only this kind (e.g. Scheduled).
    #[serde(default)]
    pub kind: Option<String>,
    /// Also list the names of the rules under each entry (default false).
    #[serde(default)]
    pub include_rule_names: bool,
}

/// Rules counted by tactic or technique.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CountOutput {
    /// Rules (or templates) read.
    pub total: u32,
    /// Rules counted (after `enabled_only` and `kind`).
    pub counted: u32,
    /// Counted rules that name none.
    pub without_any: u32,
    /// One entry per tactic or technique, most rules first.
    pub counts: Vec<Count>,
    /// Technique counts only: sub-techniques (`T1110.001`) counted on their own.
    pub sub_technique_counts: Vec<Count>,
    /// True when the workspace has more than kqlab reads for one call (5000).
    pub truncated: bool,
}

/// How many rules name one tactic or technique.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Count {
    pub name: String,
    pub count: u32,
    /// Display names of those rules, when asked for.
    pub rules: Option<Vec<String>>,
}

/// What to count by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountBy {
    Tactic,
    Technique,
}

/// Counts the workspace's rules (or templates) by tactic or technique.
pub fn count(arm: &Arm, collection: Collection, by: CountBy, params: CountParams) -> Result<CountOutput, Error> {
    let (rules, capped) = read_all(arm, collection, false)?;
    Ok(count_rules(&rules, by, &params, capped))
}

/// The counts of `rules` (pure, for the tests and the hunting queries).
pub fn count_rules(rules: &[Rule], by: CountBy, params: &CountParams, capped: bool) -> CountOutput {
    let counted: Vec<&Rule> = rules
        .iter()
        .filter(|rule| !params.enabled_only || rule.enabled == Some(true))
        .filter(|rule| {
            params.kind.as_ref().is_none_or(|kind| rule.kind.as_ref().is_some_and(|k| k.eq_ignore_ascii_case(kind)))
        })
        .collect();
    let mut counts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut subs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut without_any = 0;
    for rule in &counted {
        let label = rule.display_name.clone().unwrap_or_else(|| rule.name.clone());
        let keys = match by {
            CountBy::Tactic => rule.tactics.clone(),
            CountBy::Technique => rule.all_techniques(),
        };
        if keys.is_empty() {
            without_any += 1;
        }
        for key in dedup(keys) {
            counts.entry(key).or_default().push(label.clone());
        }
        if by == CountBy::Technique {
            for sub in dedup(rule.sub_techniques.clone()) {
                subs.entry(sub).or_default().push(label.clone());
            }
        }
    }
    let to_counts = |map: BTreeMap<String, Vec<String>>| {
        let mut list: Vec<Count> = map
            .into_iter()
            .map(|(name, rules)| Count {
                name,
                count: rules.len() as u32,
                rules: params.include_rule_names.then_some(rules),
            })
            .collect();
        list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        list
    };
    CountOutput {
        total: rules.len() as u32,
        counted: counted.len() as u32,
        without_any,
        counts: to_counts(counts),
        sub_technique_counts: to_counts(subs),
        truncated: capped,
    }
}

/// Trimmed, non-empty, once each (case-insensitively, first spelling kept).
fn dedup(keys: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for key in keys {
        let key = key.trim().to_string();
        if !key.is_empty() && !out.iter().any(|known| known.eq_ignore_ascii_case(&key)) {
            out.push(key);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::sentinel::examples::body;

    fn rules() -> Vec<Rule> {
        let list = body("securityinsights/2025-12-01/examples/alertRules/GetAllAlertRules.json");
        let mut rules: Vec<Rule> = list["value"].as_array().unwrap().iter().map(|v| Rule::from_json(v, true)).collect();
        rules.push(Rule::from_json(
            &body("synthesized/securityinsights/alert-rule-scheduled-with-techniques.json"),
            true,
        ));
        rules
    }

    #[test]
    fn the_rule_examples_read_into_their_fields() {
        let rule =
            Rule::from_json(&body("securityinsights/2025-12-01/examples/alertRules/GetScheduledAlertRule.json"), true);
        assert_eq!(rule.name, "73e01a99-5cd7-4139-a149-9f2736ff2ab5");
        assert_eq!(
            (rule.kind.as_deref(), rule.display_name.as_deref()),
            (Some("Scheduled"), Some("My scheduled rule"))
        );
        assert_eq!((rule.severity.as_deref(), rule.enabled), (Some("High"), Some(true)));
        assert_eq!(rule.query.as_deref(), Some("Heartbeat"));
        assert_eq!(rule.tactics, ["Persistence", "LateralMovement"]);
        assert_eq!(rule.query_period.as_deref(), Some("P2DT1H30M"));
        assert_eq!(rule.trigger_threshold, Some(0));
        let fusion =
            Rule::from_json(&body("securityinsights/2025-12-01/examples/alertRules/GetFusionAlertRule.json"), false);
        assert_eq!(fusion.alert_rule_template_name.as_deref(), Some("f71aba3d-28fb-450b-b192-4e76a83015c8"));
        assert_eq!(fusion.query, None);
    }

    #[test]
    fn the_template_examples_read_into_their_fields() {
        let template = Rule::from_json(
            &body("securityinsights/2025-12-01/examples/alertRuleTemplates/GetAlertRuleTemplateById.json"),
            true,
        );
        assert_eq!(template.display_name.as_deref(), Some("Changes to Amazon VPC settings"));
        assert_eq!((template.status.as_deref(), template.version.as_deref()), (Some("Available"), Some("1.0.2")));
        assert_eq!(template.required_data_connectors[0].connector_id.as_deref(), Some("AWS"));
        assert_eq!(template.required_data_connectors[0].data_types, ["AWSCloudTrail"]);
        assert!(template.query.as_deref().is_some_and(|q| q.contains("AWSCloudTrail")));
        let list = body("securityinsights/2025-12-01/examples/alertRuleTemplates/GetAlertRuleTemplates.json");
        assert_eq!(list["value"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn rules_are_counted_by_tactic_and_technique() {
        let rules = rules();
        let by_tactic = count_rules(&rules, CountBy::Tactic, &CountParams::default(), false);
        assert_eq!((by_tactic.total, by_tactic.counted, by_tactic.without_any), (4, 4, 1));
        let counts: Vec<(&str, u32)> = by_tactic.counts.iter().map(|c| (c.name.as_str(), c.count)).collect();
        assert_eq!(
            counts,
            [
                ("LateralMovement", 2),
                ("Persistence", 2),
                ("CommandAndControl", 1),
                ("CredentialAccess", 1),
                ("Exfiltration", 1),
                ("InitialAccess", 1)
            ]
        );
        let enabled = CountParams { enabled_only: true, include_rule_names: true, ..CountParams::default() };
        let by_tactic = count_rules(&rules, CountBy::Tactic, &enabled, false);
        assert_eq!(by_tactic.counted, 3);
        assert_eq!(by_tactic.counts[0].name, "CredentialAccess");
        let lateral = by_tactic.counts.iter().find(|c| c.name == "LateralMovement").unwrap();
        assert_eq!(lateral.rules.as_deref(), Some(&["My scheduled rule".to_string()][..]));
        let by_technique = count_rules(&rules, CountBy::Technique, &CountParams::default(), false);
        let counts: Vec<(&str, u32)> = by_technique.counts.iter().map(|c| (c.name.as_str(), c.count)).collect();
        assert_eq!(counts, [("T1078", 1), ("T1110", 1)]);
        assert_eq!(by_technique.without_any, 3);
        let subs: Vec<&str> = by_technique.sub_technique_counts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(subs, ["T1110.001", "T1110.003"]);
    }
}
