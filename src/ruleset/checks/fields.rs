//! Required and known fields of rule files, and the values of the simple ones
//! (`id`, `severity`, `triggerOperator`, `triggerThreshold`, `version`, `kind`).

use yaml_serde::Value;

use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::ruleset::document::{Document, Kind};
use crate::ruleset::yaml_map::Step;

/// Keys of the Azure-Sentinel analytics rule format.
const ANALYTICS_KEYS: &[&str] = &[
    "id",
    "name",
    "description",
    "severity",
    "requiredDataConnectors",
    "queryFrequency",
    "queryPeriod",
    "triggerOperator",
    "triggerThreshold",
    "tactics",
    "relevantTechniques",
    "subTechniques",
    "query",
    "entityMappings",
    "customDetails",
    "alertDetailsOverride",
    "eventGroupingSettings",
    "incidentConfiguration",
    "suppressionDuration",
    "suppressionEnabled",
    "sentinelEntitiesMappings",
    "version",
    "kind",
    "status",
    "tags",
    "metadata",
    "enabled",
];

/// Keys of the Azure-Sentinel hunting query format (which is looser).
const HUNTING_KEYS: &[&str] = &[
    "id",
    "name",
    "description",
    "description-detailed",
    "requiredDataConnectors",
    "tactics",
    "relevantTechniques",
    "query",
    "entityMappings",
    "customDetails",
    "version",
    "kind",
    "tags",
    "metadata",
];

/// Sentinel's alert severities.
pub const SEVERITIES: &[&str] = &["Informational", "Low", "Medium", "High"];

/// Trigger operators: the YAML short forms and the ARM long forms.
const TRIGGER_OPERATORS: &[&str] = &["gt", "lt", "eq", "ne", "GreaterThan", "LessThan", "Equal", "NotEqual"];

/// The highest `triggerThreshold` Sentinel accepts.
const MAX_TRIGGER_THRESHOLD: i64 = 10_000;

/// Sentinel's limit on the length of an analytics rule's query.
const MAX_QUERY_LENGTH: usize = 10_000;

/// Checks the fields of an analytics rule or hunting query.
pub fn check_fields(document: &Document, out: &mut Vec<Diagnostic>) {
    let Some(mapping) = &document.yaml else { return };
    let analytics = document.kind.is_analytics();
    let required: &[&str] = match document.kind {
        Kind::Scheduled => {
            &["id", "name", "severity", "query", "queryFrequency", "queryPeriod", "triggerOperator", "triggerThreshold"]
        }
        Kind::Nrt => &["id", "name", "severity", "query"],
        Kind::Hunting => &["id", "name", "query"],
        Kind::Function | Kind::Query => &[],
    };
    let recommended: &[&str] = if analytics {
        &["description", "tactics", "relevantTechniques", "version", "kind"]
    } else {
        &["description", "tactics"]
    };
    let first_key = document.key_span(&[]);
    for key in required {
        if mapping.get(*key).is_none() {
            out.push(
                Diagnostic::new(
                    Code::MissingRuleField,
                    first_key,
                    format!("the {} has no `{key}`", document.kind.as_str()),
                )
                .with_help(field_help(key)),
            );
        }
    }
    for key in recommended {
        if mapping.get(*key).is_none() {
            let mut diagnostic = Diagnostic::new(
                Code::MissingRuleField,
                first_key,
                format!("the {} has no `{key}`", document.kind.as_str()),
            )
            .with_help(field_help(key));
            diagnostic.severity = Severity::Warning;
            out.push(diagnostic);
        }
    }
    check_unknown_keys(document, if analytics { ANALYTICS_KEYS } else { HUNTING_KEYS }, analytics, out);
    check_id(document, out);
    if analytics {
        check_severity(document, out);
        check_trigger(document, out);
        check_kind(document, out);
    }
    check_version(document, out);
    if let Some(query) = &document.query
        && analytics
        && query.text.len() > MAX_QUERY_LENGTH
    {
        out.push(
            Diagnostic::new(
                Code::RuleLimitExceeded,
                document.key_span(&[Step::Key("query")]),
                format!("the query is {} characters long; Sentinel takes at most {MAX_QUERY_LENGTH}", query.text.len()),
            )
            .with_help("move reusable parts into a function (a parser) and call it"),
        );
    }
}

/// A line of help for a missing field.
fn field_help(key: &str) -> String {
    match key {
        "id" => "add `id:` with a new GUID (e.g. from `uuidgen`)".into(),
        "severity" => format!("add `severity:` with one of {}", SEVERITIES.join(", ")),
        "queryFrequency" => "add `queryFrequency:` (how often the rule runs, e.g. `1h`)".into(),
        "queryPeriod" => "add `queryPeriod:` (how much data each run sees, e.g. `1h`)".into(),
        "triggerOperator" => "add `triggerOperator: gt`".into(),
        "triggerThreshold" => "add `triggerThreshold: 0` (alert when the query returns more than 0 rows)".into(),
        "tactics" => "add the MITRE ATT&CK tactics the rule detects, e.g. `tactics: [CredentialAccess]`".into(),
        "relevantTechniques" => "add the ATT&CK technique ids, e.g. `relevantTechniques: [T1110]`".into(),
        "version" => "add `version: 1.0.0`".into(),
        "kind" => "add `kind: Scheduled` (or `NRT`)".into(),
        _ => format!("add `{key}:`"),
    }
}

/// Keys the format does not have. For analytics rules every unknown key is
/// reported; hunting queries carry free-form extras, so only near-misses are.
fn check_unknown_keys(document: &Document, known: &[&str], report_all: bool, out: &mut Vec<Diagnostic>) {
    let Some(mapping) = &document.yaml else { return };
    for key in mapping.keys() {
        let Value::String(key) = key else { continue };
        if known.contains(&key.as_str()) {
            continue;
        }
        let suggestion = closest(key, known);
        if suggestion.is_none() && !report_all {
            continue;
        }
        let mut diagnostic = Diagnostic::new(
            Code::UnknownRuleField,
            document.key_span(&[Step::Key(key)]),
            format!("`{key}` is not a field of a Sentinel {}", document.kind.as_str()),
        );
        diagnostic = match suggestion {
            Some(known) => diagnostic.with_help(format!("did you mean `{known}`?")),
            None => diagnostic.with_help("Sentinel ignores it; remove it or move it under `metadata`"),
        };
        out.push(diagnostic);
    }
}

/// The known name closest to `word` (same letters in another case, or at
/// most two edits away).
pub fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    if let Some(same) = known.iter().find(|k| k.eq_ignore_ascii_case(word)) {
        return Some(same);
    }
    let lower = word.to_lowercase();
    known
        .iter()
        .map(|k| (crate::text::edit_distance(&lower, &k.to_lowercase()), *k))
        .filter(|(distance, k)| *distance <= 2 && *distance < k.len() / 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

/// `id` must be a GUID.
fn check_id(document: &Document, out: &mut Vec<Diagnostic>) {
    let path = [Step::Key("id")];
    let Some(value) = document.value(&path) else { return };
    let valid = match value {
        Value::String(text) => crate::syntax::literal::parse_guid(text).is_some(),
        _ => false,
    };
    if !valid {
        out.push(
            Diagnostic::new(Code::InvalidRuleField, document.span(&path), "`id` must be a GUID")
                .with_help("e.g. `id: 0b9ae89d-8cad-461c-808f-0494f70ad5c4` (generate one with `uuidgen`)"),
        );
    }
}

fn check_severity(document: &Document, out: &mut Vec<Diagnostic>) {
    let path = [Step::Key("severity")];
    let Some(value) = document.value(&path) else { return };
    let text = match value {
        Value::String(text) => text.as_str(),
        _ => "",
    };
    if !SEVERITIES.contains(&text) {
        let mut diagnostic = Diagnostic::new(
            Code::InvalidRuleField,
            document.span(&path),
            format!("`severity` must be one of {}", SEVERITIES.join(", ")),
        );
        if let Some(known) = closest(text, SEVERITIES) {
            diagnostic = diagnostic.with_help(format!("did you mean `{known}`?"));
        }
        out.push(diagnostic);
    }
}

fn check_trigger(document: &Document, out: &mut Vec<Diagnostic>) {
    let nrt = document.kind == Kind::Nrt;
    let operator_path = [Step::Key("triggerOperator")];
    if let Some(value) = document.value(&operator_path) {
        let text = if let Value::String(text) = value { text.as_str() } else { "" };
        if !nrt && !TRIGGER_OPERATORS.contains(&text) {
            out.push(
                Diagnostic::new(
                    Code::InvalidRuleField,
                    document.span(&operator_path),
                    "`triggerOperator` must be `gt`, `lt`, `eq` or `ne`",
                )
                .with_help("`gt` with `triggerThreshold: 0` alerts whenever the query returns rows"),
            );
        }
    }
    let threshold_path = [Step::Key("triggerThreshold")];
    if let Some(value) = document.value(&threshold_path) {
        let number = value.as_i64();
        if !nrt && !number.is_some_and(|n| (0..=MAX_TRIGGER_THRESHOLD).contains(&n)) {
            out.push(
                Diagnostic::new(
                    Code::InvalidRuleField,
                    document.span(&threshold_path),
                    format!("`triggerThreshold` must be a whole number from 0 to {MAX_TRIGGER_THRESHOLD}"),
                )
                .with_help("it is compared with the number of rows the query returns"),
            );
        }
    }
}

fn check_kind(document: &Document, out: &mut Vec<Diagnostic>) {
    let path = [Step::Key("kind")];
    let Some(value) = document.value(&path) else { return };
    let text = if let Value::String(text) = value { text.as_str() } else { "" };
    if text != "Scheduled" && text != "NRT" {
        let mut diagnostic =
            Diagnostic::new(Code::InvalidRuleField, document.span(&path), "`kind` must be `Scheduled` or `NRT`");
        if let Some(known) = closest(text, &["Scheduled", "NRT"]) {
            diagnostic = diagnostic.with_help(format!("did you mean `{known}`?"));
        }
        out.push(diagnostic);
    }
}

/// `version` is three numbers, `a.b.c` (Sentinel's content hub compares them).
fn check_version(document: &Document, out: &mut Vec<Diagnostic>) {
    let path = [Step::Key("version")];
    let Some(value) = document.value(&path) else { return };
    let text = match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        _ => String::new(),
    };
    let parts: Vec<&str> = text.split('.').collect();
    let valid =
        (1..=4).contains(&parts.len()) && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if !valid {
        out.push(
            Diagnostic::new(Code::InvalidRuleField, document.span(&path), "`version` must look like `1.0.0`")
                .with_help("three numbers separated by dots; raise it on every change"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn near_misses_are_suggested() {
        assert_eq!(closest("queryfrequency", &["queryFrequency", "queryPeriod"]), Some("queryFrequency"));
        assert_eq!(closest("severty", &["severity"]), Some("severity"));
        assert_eq!(closest("author", &["severity", "id"]), None);
    }
}
