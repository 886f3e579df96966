//! `tactics` and `relevantTechniques` against MITRE ATT&CK: known names and
//! ids, nothing revoked, and techniques that belong to the rule's tactics.

use yaml_serde::Value;

use crate::diagnostics::{Code, Diagnostic};
use crate::ruleset::attack;
use crate::ruleset::document::Document;
use crate::ruleset::yaml_map::Step;

/// The rule's tactics and technique ids, as written.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    pub tactics: Vec<String>,
    pub techniques: Vec<String>,
}

/// Reads `tactics` and `relevantTechniques` (a list, or one text value).
pub fn read_mapping(document: &Document) -> Mapping {
    Mapping { tactics: strings(document, "tactics"), techniques: strings(document, "relevantTechniques") }
}

fn strings(document: &Document, key: &str) -> Vec<String> {
    match document.value(&[Step::Key(key)]) {
        Some(Value::Sequence(items)) => items
            .iter()
            .filter_map(|v| match v {
                Value::String(text) => Some(text.clone()),
                Value::Number(number) => Some(number.to_string()),
                _ => None,
            })
            .collect(),
        Some(Value::String(text)) => text.split(',').map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect(),
        _ => Vec::new(),
    }
}

/// Checks the rule's ATT&CK mapping.
pub fn check_mitre(document: &Document, out: &mut Vec<Diagnostic>) {
    for key in ["tactics", "relevantTechniques"] {
        if let Some(value) = document.value(&[Step::Key(key)])
            && !matches!(value, Value::Sequence(_) | Value::Null)
        {
            out.push(
                Diagnostic::new(
                    Code::InvalidRuleField,
                    document.span(&[Step::Key(key)]),
                    format!("`{key}` must be a list"),
                )
                .with_help(format!("e.g. `{key}: [{}]`", if key == "tactics" { "CredentialAccess" } else { "T1110" })),
            );
        }
    }
    let mapping = read_mapping(document);
    let mut known_tactics = Vec::new();
    for (index, name) in mapping.tactics.iter().enumerate() {
        let path = [Step::Key("tactics"), Step::Index(index)];
        match attack::tactic(name) {
            Some(tactic) => known_tactics.push(tactic),
            None => {
                let mut diagnostic = Diagnostic::new(
                    Code::UnknownTactic,
                    document.span(&path),
                    format!("`{name}` is not an ATT&CK tactic in Sentinel's spelling"),
                );
                diagnostic = match attack::tactic_loose(name) {
                    Some(tactic) => diagnostic.with_help(format!("did you mean `{}`?", tactic.sentinel_name)),
                    None => diagnostic.with_help(format!(
                        "tactics: {}",
                        attack::tactics().iter().map(|t| t.sentinel_name).collect::<Vec<_>>().join(", ")
                    )),
                };
                out.push(diagnostic);
            }
        }
    }
    let all_tactics_known = known_tactics.len() == mapping.tactics.len();
    for (index, id) in mapping.techniques.iter().enumerate() {
        let path = [Step::Key("relevantTechniques"), Step::Index(index)];
        let Some(technique) = attack::technique(id) else {
            if attack::is_ics_technique_id(id) {
                // ATT&CK for ICS is not in the bundled data: accept its ids unchecked.
                continue;
            }
            let well_formed = is_technique_id(id);
            out.push(
                Diagnostic::new(
                    Code::UnknownTechnique,
                    document.span(&path),
                    if well_formed {
                        format!("`{id}` is not a technique in ATT&CK {}", attack::VERSION)
                    } else {
                        format!("`{id}` is not an ATT&CK technique id")
                    },
                )
                .with_help("technique ids look like `T1078` or `T1078.004`; see https://attack.mitre.org/techniques/"),
            );
            continue;
        };
        if technique.revoked || technique.deprecated {
            let state = if technique.revoked { "revoked" } else { "deprecated" };
            let mut diagnostic = Diagnostic::new(
                Code::DeprecatedTechnique,
                document.span(&path),
                format!("`{id}` ({}) is {state} in ATT&CK {}", technique.name, attack::VERSION),
            );
            diagnostic = match &technique.replaced_by {
                Some(replacement) => diagnostic.with_help(format!("MITRE replaced it with `{replacement}`")),
                None => diagnostic.with_help("map the rule to a current technique"),
            };
            out.push(diagnostic);
            continue;
        }
        if all_tactics_known
            && !known_tactics.is_empty()
            && !technique.tactics.is_empty()
            && !technique.tactics.iter().any(|t| known_tactics.iter().any(|k| k.sentinel_name == t.sentinel_name))
        {
            out.push(
                Diagnostic::new(
                    Code::TechniqueTacticMismatch,
                    document.span(&path),
                    format!(
                        "`{id}` ({}) belongs to {}, which is not among the rule's tactics",
                        technique.name,
                        technique
                            .tactics
                            .iter()
                            .map(|t| format!("`{}`", t.sentinel_name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .with_help("add the tactic to `tactics`, or correct the technique"),
            );
        }
    }
}

/// `T` and four digits, optionally `.` and three digits.
fn is_technique_id(id: &str) -> bool {
    let Some(rest) = id.strip_prefix('T') else { return false };
    let (main, sub) = match rest.split_once('.') {
        Some((main, sub)) => (main, Some(sub)),
        None => (rest, None),
    };
    main.len() == 4
        && main.bytes().all(|b| b.is_ascii_digit())
        && sub.is_none_or(|sub| sub.len() == 3 && sub.bytes().all(|b| b.is_ascii_digit()))
}
