//! `attack_coverage`: the MITRE ATT&CK coverage of the rules folder (as
//! `kqlab coverage`), and the rules that cover a tactic or technique.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::mcp::Context;
use crate::ruleset::attack::{self, Tactic, Technique};
use crate::ruleset::coverage::{Coverage, CoveredRule, TechniqueCoverage};
use crate::ruleset::folder::Folder;
use crate::ruleset::yaml_map::Step;

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 500;

/// Parameters of `attack_coverage`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Params {
    /// Only rules for this tactic, in Sentinel's spelling (`CredentialAccess`;
    /// `Credential Access` and `TA0006` are understood too).
    #[serde(default)]
    pub tactic: Option<String>,
    /// Only rules for this technique, e.g. `T1110` (its sub-techniques
    /// included) or `T1110.003`.
    #[serde(default)]
    pub technique: Option<String>,
    /// Also list the ATT&CK techniques no rule covers (within `tactic`, when given).
    #[serde(default)]
    pub include_uncovered: bool,
    /// A rules folder inside the server's folders; default: the rules folder.
    #[serde(default)]
    pub folder: Option<String>,
    /// How many rules to return (default 50, at most 500).
    #[serde(default)]
    pub limit: Option<u32>,
    /// How many matching rules to skip, for the next page.
    #[serde(default)]
    pub offset: Option<u32>,
}

/// The coverage and the matching rules.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// The ATT&CK release of the bundled data.
    pub attack_version: String,
    /// Analytics rules and hunting queries in the folder.
    pub rule_count: u32,
    /// Of those, the ones with a known tactic or technique.
    pub mapped_rule_count: u32,
    /// Distinct techniques (not sub-techniques) covered, and how many ATT&CK has.
    pub covered_techniques: u32,
    pub total_techniques: u32,
    /// One entry per tactic, in matrix order (only the filtered one with `tactic`).
    pub tactics: Vec<TacticOut>,
    /// The rules matching `tactic` and `technique` (all rules without them), one page.
    pub rules: Vec<RuleOut>,
    /// How many rules match in all.
    pub matching_rules: u32,
    pub offset: u32,
    /// The `offset` of the next page of rules, when there is one.
    pub next_offset: Option<u32>,
    /// With `include_uncovered`: the techniques no rule covers.
    pub uncovered_techniques: Option<Vec<TechniqueRef>>,
    /// Tactics and techniques of rules that were not counted as written.
    pub unmatched: Vec<String>,
}

/// One tactic's coverage.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TacticOut {
    /// `TA0006` (none for the legacy `PreAttack`).
    pub id: Option<String>,
    pub name: String,
    /// The spelling rules use, e.g. `CredentialAccess`.
    pub sentinel_name: String,
    pub rule_count: u32,
    /// Covered techniques under this tactic, and how many it has.
    pub covered_techniques: u32,
    pub techniques_in_tactic: u32,
    pub techniques: Vec<TechniqueOut>,
}

/// A covered technique under a tactic.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TechniqueOut {
    pub id: String,
    pub name: String,
    pub rule_count: u32,
    /// Covered sub-techniques.
    pub subtechniques: Vec<TechniqueOut>,
}

/// A technique by id and name.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TechniqueRef {
    pub id: String,
    pub name: String,
}

/// A rule or hunting query.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RuleOut {
    pub name: String,
    pub path: String,
    /// `scheduled rule`, `NRT rule` or `hunting query`.
    pub kind: String,
    pub severity: Option<String>,
    /// Its known tactics (Sentinel spelling) and techniques, as listed.
    pub tactics: Vec<String>,
    pub techniques: Vec<String>,
}

/// Computes the coverage of the folder and filters its rules; an unknown
/// tactic or technique is a tool error.
pub fn run(context: &Context, params: Params) -> Result<Output, String> {
    let folder_path = match params.folder.as_deref() {
        Some(folder) => context.readable(folder)?,
        None => context.readable(&context.rules_folder().to_string_lossy())?,
    };
    let tactic = params.tactic.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(find_tactic).transpose()?;
    let technique =
        params.technique.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(find_technique).transpose()?;
    let folder =
        context.load_folder(&folder_path).map_err(|error| format!("reading `{}`: {error}", folder_path.display()))?;
    let coverage = Coverage::of(&folder);
    let matching: Vec<usize> = (0..coverage.rules.len())
        .filter(|&rule| {
            tactic.is_none_or(|tactic| coverage.tactics.iter().any(|t| t.tactic == tactic && t.rules.contains(&rule)))
        })
        .filter(|&rule| technique.is_none_or(|technique| covers(&coverage.rules[rule], technique)))
        .collect();
    let offset = params.offset.unwrap_or(0);
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let rules: Vec<RuleOut> = matching
        .iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|&rule| rule_out(&folder, &coverage.rules[rule]))
        .collect();
    let end = offset.saturating_add(rules.len() as u32);
    let total = matching.len() as u32;
    let tactics = coverage
        .tactics
        .iter()
        .filter(|t| tactic.is_none_or(|tactic| t.tactic == tactic))
        .map(|t| TacticOut {
            id: t.tactic.id.map(str::to_string),
            name: t.tactic.name.to_string(),
            sentinel_name: t.tactic.sentinel_name.to_string(),
            rule_count: t.rules.len() as u32,
            covered_techniques: t.techniques.len() as u32,
            techniques_in_tactic: t.n_techniques as u32,
            techniques: t.techniques.iter().map(technique_out).collect(),
        })
        .collect();
    let uncovered_techniques = params.include_uncovered.then(|| {
        let covered = coverage.covered_techniques();
        attack::techniques()
            .iter()
            .filter(|t| t.is_current() && !t.is_subtechnique() && !covered.contains(t))
            .filter(|t| tactic.is_none_or(|tactic| t.has_tactic(tactic.sentinel_name)))
            .map(|t| TechniqueRef { id: t.id.to_string(), name: t.name.to_string() })
            .collect()
    });
    Ok(Output {
        attack_version: attack::VERSION.to_string(),
        rule_count: coverage.rules.len() as u32,
        mapped_rule_count: coverage.n_mapped() as u32,
        covered_techniques: coverage.covered_techniques().len() as u32,
        total_techniques: Coverage::n_techniques() as u32,
        tactics,
        rules,
        matching_rules: total,
        offset,
        next_offset: (end < total).then_some(end),
        uncovered_techniques,
        unmatched: coverage
            .unmatched
            .iter()
            .map(|u| format!("{}: `{}`: {}", coverage.rules[u.rule].path, u.value, u.reason))
            .collect(),
    })
}

/// The tactic `name` means (Sentinel spelling, display name or id); an
/// unknown one is an error listing the tactics.
fn find_tactic(name: &str) -> Result<&'static Tactic, String> {
    attack::tactic(name).or_else(|| attack::tactic_loose(name)).ok_or_else(|| {
        let names: Vec<&str> = attack::tactics().iter().map(|t| t.sentinel_name).collect();
        format!("unknown tactic `{name}`; the tactics are {}", names.join(", "))
    })
}

/// The technique `id` names (a revoked one's replacement); an unknown one is an error.
fn find_technique(id: &str) -> Result<&'static Technique, String> {
    let upper = id.to_ascii_uppercase();
    let technique = attack::technique(&upper).ok_or_else(|| {
        format!("unknown technique `{id}` in ATT&CK {}; ids look like `T1110` or `T1110.003`", attack::VERSION)
    })?;
    Ok(technique.replaced_by.filter(|_| technique.revoked).and_then(attack::technique).unwrap_or(technique))
}

/// Whether the rule lists `technique`, or a sub-technique of it.
fn covers(rule: &CoveredRule, technique: &Technique) -> bool {
    rule.techniques
        .iter()
        .any(|t| t.id == technique.id || (!technique.is_subtechnique() && t.parent() == Some(technique)))
}

fn rule_out(folder: &Folder, rule: &CoveredRule) -> RuleOut {
    RuleOut {
        name: rule.name.clone(),
        path: rule.path.clone(),
        kind: rule.kind.as_str().to_string(),
        severity: folder.documents[rule.document].string(&[Step::Key("severity")]),
        tactics: rule.tactics.iter().map(|t| t.sentinel_name.to_string()).collect(),
        techniques: rule.techniques.iter().map(|t| t.id.to_string()).collect(),
    }
}

fn technique_out(technique: &TechniqueCoverage) -> TechniqueOut {
    TechniqueOut {
        id: technique.technique.id.to_string(),
        name: technique.technique.name.to_string(),
        rule_count: technique.rules.len() as u32,
        subtechniques: technique.subtechniques.iter().map(technique_out).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Params {
        Params { tactic: None, technique: None, include_uncovered: false, folder: None, limit: None, offset: None }
    }

    fn context() -> (tempfile::TempDir, Context) {
        let dir = tempfile::tempdir().unwrap();
        let rules = dir.path().join("rules");
        std::fs::create_dir(&rules).unwrap();
        let rule = |name: &str, tactics: &str, techniques: &str| {
            format!(
                "id: {}\nname: {name}\nkind: Scheduled\nseverity: High\ntactics: [{tactics}]\nrelevantTechniques: [{techniques}]\nquery: SigninLogs\n",
                uuid_like(name)
            )
        };
        std::fs::write(rules.join("a.yaml"), rule("Spray", "CredentialAccess", "T1110.003")).unwrap();
        std::fs::write(rules.join("b.yaml"), rule("Brute", "CredentialAccess", "T1110")).unwrap();
        std::fs::write(rules.join("c.yaml"), rule("Logon", "InitialAccess", "T1078")).unwrap();
        let context = Context::local(&rules, vec![]);
        (dir, context)
    }

    fn uuid_like(name: &str) -> String {
        format!("00000000-0000-0000-0000-{:012}", name.len())
    }

    #[test]
    fn rules_are_found_by_technique_including_sub_techniques() {
        let (_dir, context) = context();
        let output = run(&context, Params { technique: Some("T1110".into()), ..params() }).unwrap();
        let names: Vec<&str> = output.rules.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["Spray", "Brute"]);
        assert_eq!(output.rules[0].severity.as_deref(), Some("High"));
        let sub = run(&context, Params { technique: Some("T1110.003".into()), ..params() }).unwrap();
        assert_eq!(sub.matching_rules, 1);
    }

    #[test]
    fn rules_are_found_by_tactic_and_paginated() {
        let (_dir, context) = context();
        let first =
            run(&context, Params { tactic: Some("CredentialAccess".into()), limit: Some(1), ..params() }).unwrap();
        assert_eq!((first.matching_rules, first.next_offset), (2, Some(1)));
        assert_eq!(first.tactics.len(), 1);
        assert_eq!(first.tactics[0].techniques[0].id, "T1110");
        let loose = run(&context, Params { tactic: Some("Initial Access".into()), ..params() }).unwrap();
        assert_eq!(loose.rules[0].name, "Logon");
    }

    #[test]
    fn the_matrix_and_uncovered_techniques() {
        let (_dir, context) = context();
        let output = run(&context, Params { include_uncovered: true, ..params() }).unwrap();
        assert_eq!((output.rule_count, output.covered_techniques), (3, 2));
        let uncovered = output.uncovered_techniques.unwrap();
        assert!(uncovered.iter().all(|t| t.id != "T1110") && uncovered.iter().any(|t| t.id == "T1566"));
    }

    #[test]
    fn unknown_tactic_or_technique_is_an_error() {
        let (_dir, context) = context();
        let error = run(&context, Params { tactic: Some("Teleportation".into()), ..params() }).unwrap_err();
        assert!(error.contains("unknown tactic") && error.contains("CredentialAccess"), "{error}");
        let error = run(&context, Params { technique: Some("T9999".into()), ..params() }).unwrap_err();
        assert!(error.contains("unknown technique"), "{error}");
    }
}
