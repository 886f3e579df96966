//! Rule YAML from the corpus's detection records (the Azure-Sentinel keys),
//! shared by `tests/ruleset_corpus.rs` and `benches/watch.rs`.

/// The corpus fields that are rule YAML keys, in Azure-Sentinel's order.
const KEYS: &[(&str, &str)] = &[
    ("id", "rule_id"),
    ("name", "name"),
    ("severity", "severity"),
    ("requiredDataConnectors", "requiredDataConnectors"),
    ("queryFrequency", "queryFrequency"),
    ("queryPeriod", "queryPeriod"),
    ("triggerOperator", "triggerOperator"),
    ("triggerThreshold", "triggerThreshold"),
    ("tactics", "tactics"),
    ("relevantTechniques", "relevantTechniques"),
    ("query", "query"),
    ("entityMappings", "entityMappings"),
    ("version", "version"),
    ("kind", "rule_kind"),
    ("status", "status"),
];

/// A rule YAML from a corpus record.
pub fn rule_yaml(record: &serde_json::Value) -> String {
    let mut mapping = yaml_serde::Mapping::new();
    for (key, field) in KEYS {
        let value = &record[*field];
        if value.is_null() {
            continue;
        }
        let value: yaml_serde::Value = serde_json::from_value(value.clone()).expect("JSON is YAML");
        mapping.insert(yaml_serde::Value::String(key.to_string()), value);
    }
    yaml_serde::to_string(&mapping).expect("serialisable")
}

/// The corpus's detection records.
pub fn detections() -> Vec<serde_json::Value> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/corpus/sentinel-queries.jsonl"))
            .expect("the corpus is in the repository");
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).expect("JSON"))
        .filter(|record: &serde_json::Value| record["kind"] == "detection")
        .collect()
}
