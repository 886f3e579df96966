//! MITRE ATT&CK tactics and techniques, as a rule's `tactics` and
//! `relevantTechniques` name them: the data behind those checks and behind a
//! coverage matrix.
//!
//! The tables are `data/attack/tactics.tsv` and `data/attack/techniques.tsv`,
//! derived by `data/attack/build.py` from ATT&CK Enterprise v18.1 (see
//! `data/attack/NOTICE` for the source and the MITRE terms of use). They are
//! embedded in the binary and parsed once, on first use.
//!
//! Coverage: every Enterprise tactic and technique (revoked and deprecated ones
//! included and marked, since published rules still cite them), plus the other
//! tactics Sentinel's `AttackTactic` accepts: the ATT&CK for ICS tactics
//! `ImpairProcessControl` and `InhibitResponseFunction`, and the legacy
//! `PreAttack`. ATT&CK for ICS *techniques* (`T0800`–`T0899`) are not in the
//! data: [`technique`] returns `None` for them, and [`is_ics_technique_id`]
//! tells such an id from a wrong one.

use std::sync::OnceLock;

/// The ATT&CK release the tables were built from.
pub const VERSION: &str = "18.1";

/// The ATT&CK matrix a tactic comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Domain {
    /// ATT&CK Enterprise, the matrix the technique table covers.
    Enterprise,
    /// ATT&CK for ICS; only the tactics whose Sentinel names Enterprise lacks.
    Ics,
    /// PRE-ATT&CK, merged into Enterprise (Reconnaissance, Resource
    /// Development) in ATT&CK v8; Sentinel still accepts `PreAttack`.
    Legacy,
}

/// A tactic: the adversary's goal, one column of the matrix.
#[derive(Debug, PartialEq, Eq)]
pub struct Tactic {
    /// The ATT&CK id, such as `TA0001`; `None` for `PreAttack`, which was a
    /// whole matrix rather than one tactic.
    pub id: Option<&'static str>,
    /// The display name, such as `Initial Access`.
    pub name: &'static str,
    /// The spelling a Sentinel rule's `tactics` uses, such as `InitialAccess`.
    pub sentinel_name: &'static str,
    /// The STIX kill-chain phase name, such as `initial-access`.
    pub shortname: &'static str,
    /// The matrix the tactic belongs to.
    pub domain: Domain,
}

/// A technique (`T1078`) or sub-technique (`T1078.004`).
#[derive(Debug, PartialEq, Eq)]
pub struct Technique {
    /// The ATT&CK id.
    pub id: &'static str,
    /// The name, such as `Cloud Accounts` (without the parent's name).
    pub name: &'static str,
    /// The tactics the technique serves, in matrix order; never empty.
    pub tactics: Vec<&'static Tactic>,
    /// MITRE no longer maintains it and it has no replacement.
    pub deprecated: bool,
    /// MITRE replaced it; [`Technique::replaced_by`] says by what.
    pub revoked: bool,
    /// For a revoked technique, the current one that replaces it (MITRE's
    /// `revoked-by` chain followed to its end).
    pub replaced_by: Option<&'static str>,
}

/// Every tactic: the 14 Enterprise ones in matrix order (Reconnaissance …
/// Impact), then `ImpairProcessControl`, `InhibitResponseFunction` (ICS) and
/// `PreAttack` (legacy).
pub fn tactics() -> &'static [Tactic] {
    static TACTICS: OnceLock<Vec<Tactic>> = OnceLock::new();
    TACTICS.get_or_init(|| parse_tactics(include_str!("../../data/attack/tactics.tsv")))
}

/// The tactic with this exact Sentinel spelling (`InitialAccess`), as
/// Sentinel compares it.
pub fn tactic(sentinel_name: &str) -> Option<&'static Tactic> {
    tactics().iter().find(|tactic| tactic.sentinel_name == sentinel_name)
}

/// The tactic a name most likely means, for "did you mean" hints: ignores
/// case, spaces and punctuation (`initial access`, `Initial-Access`), reads
/// `&` as `and`, accepts the display name, the kill-chain phase name and the
/// id (`TA0001`), and then allows a small typo (`Persistance`).
pub fn tactic_loose(name: &str) -> Option<&'static Tactic> {
    let wanted = normalize(name);
    if wanted.is_empty() {
        return None;
    }
    let exact = tactics().iter().find(|tactic| {
        [Some(tactic.sentinel_name), Some(tactic.name), Some(tactic.shortname), tactic.id]
            .into_iter()
            .flatten()
            .any(|candidate| normalize(candidate) == wanted)
    });
    if exact.is_some() {
        return exact;
    }
    let limit = (wanted.chars().count() / 4).clamp(1, 3);
    tactics()
        .iter()
        .map(|tactic| (crate::text::edit_distance(&wanted, &normalize(tactic.sentinel_name)), tactic))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, tactic)| tactic)
}

/// The technique or sub-technique with this exact id (`T1078`, `T1078.004`).
pub fn technique(id: &str) -> Option<&'static Technique> {
    let techniques = techniques();
    techniques.binary_search_by(|technique| technique.id.cmp(id)).ok().map(|idx| &techniques[idx])
}

/// Whether `id` has the form of an ATT&CK for ICS technique (`T0800`–`T0899`),
/// which the Enterprise data does not cover: a checker should not call such an
/// id unknown (Microsoft's Defender for IoT rules cite them).
pub fn is_ics_technique_id(id: &str) -> bool {
    id.len() == 5 && id.starts_with("T08") && id[3..].bytes().all(|byte| byte.is_ascii_digit())
}

/// Every technique and sub-technique, sorted by id (a sub-technique right
/// after its parent), revoked and deprecated ones included.
pub fn techniques() -> &'static [Technique] {
    static TECHNIQUES: OnceLock<Vec<Technique>> = OnceLock::new();
    TECHNIQUES.get_or_init(|| parse_techniques(include_str!("../../data/attack/techniques.tsv")))
}

impl Tactic {
    /// The tactic's page on attack.mitre.org.
    pub fn url(&self) -> Option<String> {
        self.id.map(|id| format!("https://attack.mitre.org/tactics/{id}"))
    }
}

impl Technique {
    /// Whether this is a sub-technique (`T1078.004`).
    pub fn is_subtechnique(&self) -> bool {
        self.id.contains('.')
    }

    /// The parent technique of a sub-technique (`T1078` for `T1078.004`).
    pub fn parent(&self) -> Option<&'static Technique> {
        let (parent_id, _) = self.id.split_once('.')?;
        technique(parent_id)
    }

    /// Neither revoked nor deprecated.
    pub fn is_current(&self) -> bool {
        !self.revoked && !self.deprecated
    }

    /// Whether the technique serves the tactic with this Sentinel spelling.
    pub fn has_tactic(&self, sentinel_name: &str) -> bool {
        self.tactics.iter().any(|tactic| tactic.sentinel_name == sentinel_name)
    }

    /// The technique's page on attack.mitre.org (`…/techniques/T1078/004`).
    pub fn url(&self) -> String {
        format!("https://attack.mitre.org/techniques/{}", self.id.replace('.', "/"))
    }
}

/// Lowercase letters and digits only, with `&` read as `and`.
fn normalize(name: &str) -> String {
    name.replace('&', "and").chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

/// The data rows of a table: `#` comment lines and the header line skipped,
/// each row split into its tab-separated fields.
fn rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines().filter(|line| !line.starts_with('#')).skip(1).map(|line| line.split('\t').collect())
}

fn parse_tactics(text: &'static str) -> Vec<Tactic> {
    rows(text)
        .map(|fields| {
            let [id, name, sentinel_name, domain, shortname] = fields[..] else {
                panic!("tactics.tsv has five columns (tested)");
            };
            let domain = match domain {
                "enterprise" => Domain::Enterprise,
                "ics" => Domain::Ics,
                "legacy" => Domain::Legacy,
                other => panic!("tactics.tsv has an unknown domain `{other}`"),
            };
            Tactic { id: (!id.is_empty()).then_some(id), name, sentinel_name, shortname, domain }
        })
        .collect()
}

fn parse_techniques(text: &'static str) -> Vec<Technique> {
    rows(text)
        .map(|fields| {
            let [id, name, tactic_names, status, replaced_by] = fields[..] else {
                panic!("techniques.tsv has five columns (tested)");
            };
            let tactics = tactic_names
                .split(',')
                .map(|sentinel_name| tactic(sentinel_name).expect("techniques.tsv names known tactics (tested)"))
                .collect();
            let (deprecated, revoked) = match status {
                "active" => (false, false),
                "deprecated" => (true, false),
                "revoked" => (false, true),
                other => panic!("techniques.tsv has an unknown status `{other}`"),
            };
            let replaced_by = (!replaced_by.is_empty()).then_some(replaced_by);
            Technique { id, name, tactics, deprecated, revoked, replaced_by }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentinel_names(technique: &Technique) -> Vec<&'static str> {
        technique.tactics.iter().map(|tactic| tactic.sentinel_name).collect()
    }

    #[test]
    fn tactics_are_in_matrix_order_then_ics_and_legacy() {
        let names: Vec<&str> = tactics().iter().map(|tactic| tactic.sentinel_name).collect();
        assert_eq!(
            names,
            [
                "Reconnaissance",
                "ResourceDevelopment",
                "InitialAccess",
                "Execution",
                "Persistence",
                "PrivilegeEscalation",
                "DefenseEvasion",
                "CredentialAccess",
                "Discovery",
                "LateralMovement",
                "Collection",
                "CommandAndControl",
                "Exfiltration",
                "Impact",
                "ImpairProcessControl",
                "InhibitResponseFunction",
                "PreAttack",
            ]
        );
        assert_eq!(tactics().iter().filter(|tactic| tactic.domain == Domain::Enterprise).count(), 14);
    }

    #[test]
    fn tactic_matches_the_exact_sentinel_spelling_only() {
        let initial_access = tactic("InitialAccess").unwrap();
        assert_eq!(initial_access.id, Some("TA0001"));
        assert_eq!(initial_access.name, "Initial Access");
        assert_eq!(initial_access.url().as_deref(), Some("https://attack.mitre.org/tactics/TA0001"));
        assert_eq!(tactic("CommandAndControl").unwrap().id, Some("TA0011"));
        assert_eq!(tactic("InhibitResponseFunction").unwrap().domain, Domain::Ics);
        assert_eq!(tactic("PreAttack").unwrap().id, None);
        assert_eq!(tactic("initialaccess"), None);
        assert_eq!(tactic("Initial Access"), None);
        assert_eq!(tactic("Stealth"), None);
    }

    #[test]
    fn tactic_loose_accepts_names_ids_and_small_typos() {
        let sentinel_name = |name: &str| tactic_loose(name).map(|tactic| tactic.sentinel_name);
        assert_eq!(sentinel_name("Initial Access"), Some("InitialAccess"));
        assert_eq!(sentinel_name("initial-access"), Some("InitialAccess"));
        assert_eq!(sentinel_name("TA0001"), Some("InitialAccess"));
        assert_eq!(sentinel_name("ta0040"), Some("Impact"));
        assert_eq!(sentinel_name("Command & Control"), Some("CommandAndControl"));
        // Six of Microsoft's own detections (Azure-Sentinel, 2022) spell it so.
        assert_eq!(sentinel_name("CommandandControl"), Some("CommandAndControl"));
        assert_eq!(sentinel_name("Persistance"), Some("Persistence"));
        assert_eq!(sentinel_name("PRE-ATT&CK"), Some("PreAttack"));
        assert_eq!(sentinel_name("Impair Process Control"), Some("ImpairProcessControl"));
        assert_eq!(sentinel_name("Lateral"), None);
        assert_eq!(sentinel_name(""), None);
    }

    #[test]
    fn sub_technique_has_its_parent_and_tactics() {
        let cloud_accounts = technique("T1078.004").unwrap();
        assert_eq!(cloud_accounts.name, "Cloud Accounts");
        assert!(cloud_accounts.is_subtechnique());
        assert_eq!(cloud_accounts.parent().unwrap().name, "Valid Accounts");
        assert_eq!(cloud_accounts.url(), "https://attack.mitre.org/techniques/T1078/004");
        assert!(cloud_accounts.is_current());
        assert_eq!(technique("T1003.006").unwrap().name, "DCSync");
    }

    #[test]
    fn technique_in_several_tactics_lists_them_in_matrix_order() {
        let valid_accounts = technique("T1078").unwrap();
        assert!(!valid_accounts.is_subtechnique());
        assert_eq!(valid_accounts.parent(), None);
        assert_eq!(
            sentinel_names(valid_accounts),
            ["InitialAccess", "Persistence", "PrivilegeEscalation", "DefenseEvasion"]
        );
        assert!(valid_accounts.has_tactic("DefenseEvasion"));
        assert!(!valid_accounts.has_tactic("Impact"));
        assert_eq!(sentinel_names(technique("T1110").unwrap()), ["CredentialAccess"]);
    }

    #[test]
    fn revoked_technique_is_kept_with_its_replacement() {
        let data_compressed = technique("T1002").unwrap();
        assert_eq!(data_compressed.name, "Data Compressed");
        assert!(data_compressed.revoked && !data_compressed.deprecated && !data_compressed.is_current());
        assert_eq!(data_compressed.replaced_by, Some("T1560"));
        assert_eq!(sentinel_names(data_compressed), ["Exfiltration"]);
        // T1150 was revoked by T1547.011, itself since revoked by T1647.
        assert_eq!(technique("T1150").unwrap().replaced_by, Some("T1647"));
    }

    #[test]
    fn deprecated_technique_is_kept_without_replacement() {
        let scripting = technique("T1064").unwrap();
        assert_eq!(scripting.name, "Scripting");
        assert!(scripting.deprecated && !scripting.revoked);
        assert_eq!(scripting.replaced_by, None);
    }

    #[test]
    fn unknown_or_misspelled_technique_ids_are_not_found() {
        assert_eq!(technique("T9999"), None);
        assert_eq!(technique("T1078.999"), None);
        assert_eq!(technique("t1078"), None);
        assert_eq!(technique("T1078 "), None);
        assert_eq!(technique(""), None);
        // ATT&CK for ICS techniques are not in the Enterprise data.
        assert_eq!(technique("T0800"), None);
        assert!(is_ics_technique_id("T0800") && is_ics_technique_id("T0890"));
        assert!(!is_ics_technique_id("T1078") && !is_ics_technique_id("T0800.001") && !is_ics_technique_id("T08x0"));
    }

    #[test]
    fn technique_table_is_sorted_complete_and_consistent() {
        let all = techniques();
        assert_eq!(all.len(), 835);
        assert!(all.windows(2).all(|pair| pair[0].id < pair[1].id), "sorted by id, no duplicates");
        assert_eq!(all.iter().filter(|technique| technique.revoked).count(), 132);
        assert_eq!(all.iter().filter(|technique| technique.deprecated).count(), 12);
        for technique in all {
            assert!(!technique.tactics.is_empty(), "{} has tactics", technique.id);
            assert!(technique.tactics.iter().all(|tactic| tactic.domain == Domain::Enterprise));
            if technique.is_subtechnique() {
                assert!(technique.parent().is_some(), "{} has a parent", technique.id);
            }
            match technique.replaced_by {
                Some(id) => assert!(technique.revoked && super::technique(id).is_some_and(Technique::is_current)),
                None => assert!(!technique.revoked, "{} has a replacement", technique.id),
            }
        }
    }
}
