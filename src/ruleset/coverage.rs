//! MITRE ATT&CK coverage of a rules folder: the tactic × technique matrix of
//! its analytics rules and hunting queries, from their `tactics` and
//! `relevantTechniques` (`kqlab coverage`).
//!
//! A rule covers a technique under each of the rule's tactics that the
//! technique serves. When it lists none of them (or no tactics at all), the
//! technique counts under every tactic ATT&CK gives it. A sub-technique
//! (`T1078.004`) also counts for its parent (`T1078`). A revoked technique
//! counts as the technique that replaced it. Values that ATT&CK 18.1 does
//! not have are listed apart, as `kqlab check` reports them.

use std::collections::BTreeMap;

use crate::ruleset::attack::{self, Domain, Tactic, Technique};
use crate::ruleset::checks::mitre::read_mapping;
use crate::ruleset::document::Kind;
use crate::ruleset::folder::Folder;

/// The coverage of one folder.
#[derive(Debug, Clone)]
pub struct Coverage {
    /// The folder's analytics rules and hunting queries, in folder order.
    pub rules: Vec<CoveredRule>,
    /// The Enterprise tactics in matrix order, covered or not, then the
    /// other tactics Sentinel accepts when a rule uses them.
    pub tactics: Vec<TacticCoverage>,
    /// Rules (indexes into `rules`) with no known tactic and no known technique.
    pub unmapped: Vec<usize>,
    /// Tactics and techniques that were not counted as written.
    pub unmatched: Vec<Unmatched>,
}

/// An analytics rule or hunting query.
#[derive(Debug, Clone)]
pub struct CoveredRule {
    /// Index into the folder's documents.
    pub document: usize,
    /// The path as kqlab shows it.
    pub path: String,
    /// The rule's `name` (else the file stem).
    pub name: String,
    pub kind: Kind,
    /// The known tactics it lists, in its order.
    pub tactics: Vec<&'static Tactic>,
    /// The known techniques it lists (revoked ones replaced), in its order.
    pub techniques: Vec<&'static Technique>,
}

/// One column of the matrix.
#[derive(Debug, Clone)]
pub struct TacticCoverage {
    pub tactic: &'static Tactic,
    /// Rules (indexes into [`Coverage::rules`]) that list the tactic or one
    /// of the techniques counted under it, in rule order.
    pub rules: Vec<usize>,
    /// The covered techniques (never sub-techniques), sorted by id.
    pub techniques: Vec<TechniqueCoverage>,
    /// How many current techniques ATT&CK has under this tactic.
    pub n_techniques: usize,
}

/// A covered technique under one tactic.
#[derive(Debug, Clone)]
pub struct TechniqueCoverage {
    pub technique: &'static Technique,
    /// Rules that list it or one of its sub-techniques, in rule order.
    pub rules: Vec<usize>,
    /// The covered sub-techniques, sorted by id (empty for a sub-technique).
    pub subtechniques: Vec<TechniqueCoverage>,
}

/// A tactic or technique of a rule that was not counted as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    /// Index into [`Coverage::rules`].
    pub rule: usize,
    /// The value as written.
    pub value: String,
    /// Why, such as "not a technique in ATT&CK 18.1".
    pub reason: String,
}

impl Coverage {
    /// The coverage of `folder`'s analytics rules and hunting queries.
    pub fn of(folder: &Folder) -> Coverage {
        let mut rules = Vec::new();
        let mut unmatched = Vec::new();
        for (index, document) in folder.documents.iter().enumerate() {
            if !matches!(document.kind, Kind::Scheduled | Kind::Nrt | Kind::Hunting) {
                continue;
            }
            let mapping = read_mapping(document);
            let rule = rules.len();
            let mut covered = CoveredRule {
                document: index,
                path: document.source.name.clone(),
                name: document.display_name(),
                kind: document.kind,
                tactics: Vec::new(),
                techniques: Vec::new(),
            };
            for name in &mapping.tactics {
                match attack::tactic(name) {
                    Some(tactic) if !covered.tactics.contains(&tactic) => covered.tactics.push(tactic),
                    Some(_) => {}
                    None => unmatched.push(Unmatched {
                        rule,
                        value: name.clone(),
                        reason: "not an ATT&CK tactic in Sentinel's spelling".into(),
                    }),
                }
            }
            for id in &mapping.techniques {
                match resolve_technique(id) {
                    Ok((technique, note)) => {
                        if let Some(reason) = note {
                            unmatched.push(Unmatched { rule, value: id.clone(), reason });
                        }
                        if !covered.techniques.contains(&technique) {
                            covered.techniques.push(technique);
                        }
                    }
                    Err(reason) => unmatched.push(Unmatched { rule, value: id.clone(), reason }),
                }
            }
            rules.push(covered);
        }
        let unmapped = (0..rules.len())
            .filter(|&rule| rules[rule].tactics.is_empty() && rules[rule].techniques.is_empty())
            .collect();
        let tactics = matrix(&rules);
        Coverage { rules, tactics, unmapped, unmatched }
    }

    /// The distinct covered techniques (not sub-techniques), sorted by id.
    pub fn covered_techniques(&self) -> Vec<&'static Technique> {
        let mut techniques: Vec<&'static Technique> =
            self.tactics.iter().flat_map(|tactic| tactic.techniques.iter().map(|t| t.technique)).collect();
        techniques.sort_by_key(|technique| technique.id);
        techniques.dedup_by_key(|technique| technique.id);
        techniques
    }

    /// The number of current Enterprise techniques (not sub-techniques).
    pub fn n_techniques() -> usize {
        attack::techniques().iter().filter(|t| t.is_current() && !t.is_subtechnique()).count()
    }

    /// The number of rules that count in the matrix.
    pub fn n_mapped(&self) -> usize {
        self.rules.len() - self.unmapped.len()
    }
}

/// The technique an id names, with a note when it is counted as another one;
/// or why it is not counted.
fn resolve_technique(id: &str) -> Result<(&'static Technique, Option<String>), String> {
    let Some(technique) = attack::technique(id) else {
        return Err(if attack::is_ics_technique_id(id) {
            "an ATT&CK for ICS technique, which the bundled data does not cover".into()
        } else {
            format!("not a technique in ATT&CK {}", attack::VERSION)
        });
    };
    if technique.revoked {
        return match technique.replaced_by.and_then(attack::technique) {
            Some(replacement) => Ok((
                replacement,
                Some(format!("revoked in ATT&CK {}; counted as `{}`", attack::VERSION, replacement.id)),
            )),
            None => Err(format!("revoked in ATT&CK {}", attack::VERSION)),
        };
    }
    if technique.deprecated {
        return Err(format!("deprecated in ATT&CK {}", attack::VERSION));
    }
    Ok((technique, None))
}

/// Places every rule's techniques and tactics in the matrix.
fn matrix(rules: &[CoveredRule]) -> Vec<TacticCoverage> {
    let all = attack::tactics();
    let position = |tactic: &Tactic| all.iter().position(|t| t.sentinel_name == tactic.sentinel_name);
    // tactic index → parent id → (rules, sub id → rules)
    type Cell = (Vec<usize>, BTreeMap<&'static str, Vec<usize>>);
    let mut cells: Vec<BTreeMap<&'static str, Cell>> = vec![BTreeMap::new(); all.len()];
    let mut tactic_rules: Vec<Vec<usize>> = vec![Vec::new(); all.len()];
    for (rule, covered) in rules.iter().enumerate() {
        for tactic in &covered.tactics {
            if let Some(index) = position(tactic) {
                add(&mut tactic_rules[index], rule);
            }
        }
        for technique in &covered.techniques {
            let listed: Vec<&&Tactic> = technique
                .tactics
                .iter()
                .filter(|t| covered.tactics.iter().any(|c| c.sentinel_name == t.sentinel_name))
                .collect();
            let serving = if listed.is_empty() { technique.tactics.iter().collect() } else { listed };
            let parent = technique.parent().unwrap_or(technique);
            for tactic in serving {
                let Some(index) = position(tactic) else { continue };
                add(&mut tactic_rules[index], rule);
                let cell = cells[index].entry(parent.id).or_default();
                add(&mut cell.0, rule);
                if technique.is_subtechnique() {
                    add(cell.1.entry(technique.id).or_default(), rule);
                }
            }
        }
    }
    let mut tactics = Vec::new();
    for (index, tactic) in all.iter().enumerate() {
        if tactic.domain != Domain::Enterprise && tactic_rules[index].is_empty() {
            continue;
        }
        let techniques = std::mem::take(&mut cells[index])
            .into_iter()
            .filter_map(|(id, (rules, subs))| {
                let subtechniques = subs
                    .into_iter()
                    .filter_map(|(id, rules)| {
                        Some(TechniqueCoverage { technique: attack::technique(id)?, rules, subtechniques: Vec::new() })
                    })
                    .collect();
                Some(TechniqueCoverage { technique: attack::technique(id)?, rules, subtechniques })
            })
            .collect();
        let n_techniques = attack::techniques()
            .iter()
            .filter(|t| t.is_current() && !t.is_subtechnique() && t.has_tactic(tactic.sentinel_name))
            .count();
        tactics.push(TacticCoverage {
            tactic,
            rules: std::mem::take(&mut tactic_rules[index]),
            techniques,
            n_techniques,
        });
    }
    tactics
}

/// Appends `rule` unless it is already the last one (rules arrive in order).
fn add(rules: &mut Vec<usize>, rule: usize) {
    if rules.last() != Some(&rule) {
        rules.push(rule);
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::ruleset::document::Document;

    fn folder(files: &[(&str, &str)]) -> Folder {
        let mut folder = Folder::default();
        for (path, text) in files {
            folder.documents.push(Document::load(Path::new(path), text.to_string()));
        }
        folder
    }

    fn rule(name: &str, tactics: &str, techniques: &str) -> String {
        format!(
            "name: {name}\nqueryFrequency: 1h\nqueryPeriod: 1h\ntactics: [{tactics}]\nrelevantTechniques: [{techniques}]\nquery: T\n"
        )
    }

    fn tactic<'a>(coverage: &'a Coverage, name: &str) -> &'a TacticCoverage {
        coverage.tactics.iter().find(|t| t.tactic.sentinel_name == name).expect("tactic in the matrix")
    }

    fn ids(tactic: &TacticCoverage) -> Vec<&str> {
        tactic.techniques.iter().map(|t| t.technique.id).collect()
    }

    #[test]
    fn a_technique_counts_under_the_rules_tactics_that_it_serves() {
        let coverage = Coverage::of(&folder(&[("a.yaml", &rule("A", "InitialAccess", "T1078"))]));
        assert_eq!(ids(tactic(&coverage, "InitialAccess")), ["T1078"]);
        assert!(ids(tactic(&coverage, "Persistence")).is_empty(), "not a tactic of the rule");
        assert_eq!(tactic(&coverage, "InitialAccess").rules, [0]);
        assert_eq!(coverage.tactics.len(), 14, "the Enterprise columns only");
        assert_eq!(coverage.tactics[0].tactic.sentinel_name, "Reconnaissance");
    }

    #[test]
    fn without_a_matching_tactic_a_technique_counts_under_all_of_its_tactics() {
        let coverage = Coverage::of(&folder(&[("a.yaml", &rule("A", "", "T1078"))]));
        for name in ["InitialAccess", "Persistence", "PrivilegeEscalation", "DefenseEvasion"] {
            assert_eq!(ids(tactic(&coverage, name)), ["T1078"], "{name}");
        }
        assert!(coverage.unmapped.is_empty());
    }

    #[test]
    fn a_subtechnique_counts_for_its_parent() {
        let coverage = Coverage::of(&folder(&[
            ("a.yaml", &rule("A", "InitialAccess", "T1078.004")),
            ("b.yaml", &rule("B", "InitialAccess", "T1078, T1190")),
        ]));
        let initial = tactic(&coverage, "InitialAccess");
        assert_eq!(ids(initial), ["T1078", "T1190"]);
        let valid_accounts = &initial.techniques[0];
        assert_eq!(valid_accounts.rules, [0, 1]);
        assert_eq!(valid_accounts.subtechniques.len(), 1);
        assert_eq!(valid_accounts.subtechniques[0].technique.id, "T1078.004");
        assert_eq!(valid_accounts.subtechniques[0].rules, [0]);
        assert_eq!(initial.rules, [0, 1]);
        assert_eq!(coverage.covered_techniques().len(), 2);
    }

    #[test]
    fn a_tactic_without_techniques_counts_its_rules() {
        let coverage = Coverage::of(&folder(&[("a.yaml", &rule("A", "Impact, Exfiltration", ""))]));
        assert_eq!(tactic(&coverage, "Impact").rules, [0]);
        assert!(tactic(&coverage, "Impact").techniques.is_empty());
        assert_eq!(tactic(&coverage, "Exfiltration").rules, [0]);
        assert!(tactic(&coverage, "Impact").n_techniques > 10);
    }

    #[test]
    fn unknown_values_and_unmapped_rules_are_listed_apart() {
        let coverage = Coverage::of(&folder(&[
            ("a.yaml", &rule("A", "Persistance", "T9999")),
            ("b.yaml", &rule("B", "", "")),
            ("c.kql", "SecurityEvent | take 1"),
            ("d.yaml", &rule("D", "ImpairProcessControl", "T0831")),
        ]));
        assert_eq!(coverage.rules.len(), 3, "queries are not rules");
        assert_eq!(coverage.unmapped, [0, 1]);
        let values: Vec<&str> = coverage.unmatched.iter().map(|u| u.value.as_str()).collect();
        assert_eq!(values, ["Persistance", "T9999", "T0831"]);
        assert_eq!(coverage.unmatched[1].reason, "not a technique in ATT&CK 18.1");
        assert_eq!(coverage.tactics.len(), 15, "the ICS tactic a rule uses is a column");
        assert_eq!(tactic(&coverage, "ImpairProcessControl").rules, [2]);
    }

    #[test]
    fn a_revoked_technique_counts_as_its_replacement() {
        let coverage = Coverage::of(&folder(&[("a.yaml", &rule("A", "", "T1574.002"))]));
        let replacement =
            attack::technique("T1574.002").and_then(|t| t.replaced_by).expect("revoked with a replacement");
        assert_eq!(coverage.rules[0].techniques[0].id, replacement);
        assert!(coverage.unmatched[0].reason.contains(replacement), "{:?}", coverage.unmatched);
    }
}
