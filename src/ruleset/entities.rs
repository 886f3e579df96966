//! Sentinel entity types and their identifiers: what a rule's `entityMappings`
//! may name, for checking it.
//!
//! Sources (all Microsoft's):
//! - The entity types are the ARM/REST `EntityMappingType` enum of
//!   Microsoft.SecurityInsights analytics rules (`KnownEntityMappingType` of
//!   @azure/arm-securityinsight), in its order. `IoTDevice` and "Sentinel
//!   entities" are in the docs' table but not in that enum, so they are not here.
//! - The identifiers, strong identifiers and the identifiers outside the entity
//!   schema come from the "Entity types and identifiers" table and the entity
//!   schemas of "Microsoft Sentinel entity types reference"
//!   (learn.microsoft.com/azure/sentinel/entities-reference; MicrosoftDocs/azure-docs
//!   `articles/sentinel/entities-reference.md`, ms.date 10/15/2023, the same
//!   table the page shows in 2025).
//! - The required identifiers come from the earlier version of that table
//!   (ms.date 05/29/2023, "Required identifiers" column) and from the validator
//!   Microsoft runs on its own rules (Azure/Azure-Sentinel
//!   `.script/tests/detectionTemplateSchemaValidation/Models/EntityMappingIdentifiers.cs`);
//!   the two agree.
//! - The limits come from "Map data fields to entities in Microsoft Sentinel"
//!   (`map-data-fields-to-entities.md`) and "Service limits for Microsoft
//!   Sentinel" (`sentinel-service-limits.md`).
//!
//! Not listed: `CloudAppAccountId` (an Account schema field that one version of
//! Microsoft's validator accepted, but not in the docs' identifier table).
//! Microsoft's own 1,034 detections (Azure-Sentinel, Aug 2022) use only
//! identifiers listed here.

/// At most this many entity mappings in one rule ("10 mappings per rule").
pub const MAX_ENTITY_MAPPINGS: usize = 10;

/// At most this many identifiers (`fieldMappings`) in one entity mapping.
pub const MAX_IDENTIFIERS_PER_MAPPING: usize = 3;

/// At most this many entities in one alert, shared equally among the rule's
/// entity mappings (two mappings get 250 each); the rest are dropped.
pub const MAX_ENTITIES_PER_ALERT: usize = 500;

/// The alert's whole `Entities` field is cut at this many bytes (64 KB).
pub const MAX_ENTITIES_BYTES: usize = 64 * 1024;

/// An entity type a rule can map, with the identifiers it accepts.
#[derive(Debug, PartialEq, Eq)]
pub struct EntityType {
    /// The `entityType` value, exactly as Sentinel spells it (`IP`, `FileHash`).
    pub name: &'static str,
    /// The name the docs use in prose (`IP address`, `File hash`).
    pub display_name: &'static str,
    /// Every identifier a mapping of this type may use, in the docs' order;
    /// Sentinel compares them case-sensitively.
    pub identifiers: &'static [&'static str],
    /// Identifiers the docs mark as accepted in entity mapping but "not part of
    /// the entity schema", kept for backward compatibility (such as Account
    /// `FullName`): allowed, but a rule does better with schema identifiers.
    pub outside_schema: &'static [&'static str],
    /// A mapping must contain all identifiers of at least one of these sets.
    pub required: &'static [&'static [&'static str]],
    /// Sets of identifiers that alone identify an entity uniquely ("strong").
    /// Only sets a mapping can hold: the docs' strong sets that need an
    /// internal entity (the Host of a Process, the Key of a RegistryValue,
    /// the IPs of a DNS resolution) are left out, so a Process, DNS or
    /// RegistryValue mapping has none.
    pub strong: &'static [StrongIdentifier],
}

/// A set of identifiers that identifies an entity uniquely.
#[derive(Debug, PartialEq, Eq)]
pub struct StrongIdentifier {
    /// The identifiers, all needed together.
    pub identifiers: &'static [&'static str],
    /// When the docs make the set strong only under a condition, that
    /// condition in words (`the address is global, not private`).
    pub condition: Option<&'static str>,
}

/// Every entity type a rule can map, in the `EntityMappingType` enum's order.
pub fn entity_types() -> &'static [EntityType] {
    ENTITY_TYPES
}

/// The entity type with this exact `entityType` name (case-sensitive, as
/// Sentinel is: `IP`, not `Ip`).
pub fn entity_type(name: &str) -> Option<&'static EntityType> {
    ENTITY_TYPES.iter().find(|entity_type| entity_type.name == name)
}

/// The entity type a wrong `entityType` most likely means, for "did you
/// mean": ignores case, spaces, `-` and `_` (`ip`, `file-hash`), knows the
/// docs' and the entities API's other names (`DnsResolution`, `User account`),
/// and then allows a small typo (`Acount`). `None` for an exact name.
pub fn suggest_entity_type(name: &str) -> Option<&'static EntityType> {
    if entity_type(name).is_some() {
        return None;
    }
    let wanted = normalize(name);
    let alias = ENTITY_TYPES.iter().find(|entity_type| {
        [entity_type.name, entity_type.display_name]
            .iter()
            .chain(aliases(entity_type.name))
            .any(|candidate| normalize(candidate) == wanted)
    });
    alias.or_else(|| {
        let closest = crate::analysis::names::suggest(name, ENTITY_TYPES.iter().map(|entity_type| entity_type.name))?;
        entity_type(closest)
    })
}

impl EntityType {
    /// Whether `identifier` is one of this type's identifiers (exact case).
    pub fn has_identifier(&self, identifier: &str) -> bool {
        self.identifiers.contains(&identifier)
    }

    /// The identifier a wrong one most likely means (`AADUserId` →
    /// `AadUserId`, `Hostname` → `HostName`, `Adress` → `Address`): same
    /// letters in another case first, then a small typo. `None` for a valid
    /// identifier or when nothing is close.
    pub fn suggest_identifier(&self, identifier: &str) -> Option<&'static str> {
        if self.has_identifier(identifier) {
            return None;
        }
        crate::analysis::names::suggest(identifier, self.identifiers.iter().copied())
    }

    /// Whether the identifiers a mapping uses include one of the required sets.
    pub fn has_required(&self, used: &[&str]) -> bool {
        self.required.iter().any(|set| set.iter().all(|identifier| used.contains(identifier)))
    }

    /// The first strong set the identifiers a mapping uses contain, if any.
    pub fn strong_match(&self, used: &[&str]) -> Option<&'static StrongIdentifier> {
        self.strong.iter().find(|strong| strong.identifiers.iter().all(|identifier| used.contains(identifier)))
    }
}

/// Other names of an entity type: the entities API's `EntityKind` spelling
/// and the docs' older headings.
fn aliases(name: &str) -> &'static [&'static str] {
    match name {
        "Account" => &["User account"],
        "IP" => &["Ip"],
        "URL" => &["Url"],
        "DNS" => &["DnsResolution", "DNS resolution", "Domain name"],
        _ => &[],
    }
}

/// Lowercase letters and digits only.
fn normalize(name: &str) -> String {
    name.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

const fn strong(identifiers: &'static [&'static str]) -> StrongIdentifier {
    StrongIdentifier { identifiers, condition: None }
}

const fn strong_if(identifiers: &'static [&'static str], condition: &'static str) -> StrongIdentifier {
    StrongIdentifier { identifiers, condition: Some(condition) }
}

static ENTITY_TYPES: &[EntityType] = &[
    EntityType {
        name: "Account",
        display_name: "Account",
        identifiers: &[
            "Name",
            "FullName",
            "NTDomain",
            "DnsDomain",
            "UPNSuffix",
            "Sid",
            "AadTenantId",
            "AadUserId",
            "PUID",
            "IsDomainJoined",
            "DisplayName",
            "ObjectGuid",
        ],
        outside_schema: &["FullName", "DisplayName"],
        required: &[&["FullName"], &["Sid"], &["Name"], &["AadUserId"], &["PUID"], &["ObjectGuid"]],
        // Also strong in the docs: Sid + Host and Name + Host + NTDomain, for
        // built-in and local accounts; Host is an internal entity.
        strong: &[
            strong(&["Name", "UPNSuffix"]),
            strong(&["AadUserId"]),
            strong_if(&["Sid"], "the account is not a built-in one"),
            strong_if(&["Name", "NTDomain"], "a domain account: NTDomain is not a built-in domain or workgroup"),
            strong(&["Name", "DnsDomain"]),
            strong(&["PUID"]),
            strong(&["ObjectGuid"]),
        ],
    },
    EntityType {
        name: "Host",
        display_name: "Host",
        identifiers: &[
            "DnsDomain",
            "NTDomain",
            "HostName",
            "FullName",
            "NetBiosName",
            "AzureID",
            "OMSAgentID",
            "OSFamily",
            "OSVersion",
            "IsDomainJoined",
        ],
        outside_schema: &["FullName"],
        required: &[&["FullName"], &["HostName"], &["NetBiosName"], &["AzureID"], &["OMSAgentID"]],
        strong: &[
            strong(&["HostName", "NTDomain"]),
            strong(&["HostName", "DnsDomain"]),
            strong(&["NetBiosName", "NTDomain"]),
            strong(&["NetBiosName", "DnsDomain"]),
            strong(&["AzureID"]),
            strong(&["OMSAgentID"]),
        ],
    },
    EntityType {
        name: "IP",
        display_name: "IP address",
        identifiers: &["Address", "AddressScope"],
        outside_schema: &[],
        required: &[&["Address"]],
        // Address + AddressScope comes first: it is strong for any address.
        strong: &[strong(&["Address", "AddressScope"]), strong_if(&["Address"], "the address is global, not private")],
    },
    EntityType {
        name: "Malware",
        display_name: "Malware",
        identifiers: &["Name", "Category"],
        outside_schema: &[],
        required: &[&["Name"]],
        strong: &[strong(&["Name", "Category"])],
    },
    EntityType {
        name: "File",
        display_name: "File",
        identifiers: &["Directory", "Name"],
        outside_schema: &[],
        required: &[&["Name"]],
        // Also strong in the docs: Name + FileHash (an internal entity).
        strong: &[strong(&["Directory", "Name"])],
    },
    EntityType {
        name: "Process",
        display_name: "Process",
        identifiers: &["ProcessId", "CommandLine", "ElevationToken", "CreationTimeUtc"],
        outside_schema: &[],
        required: &[&["CommandLine"], &["ProcessId"]],
        // Every strong set in the docs needs the process's Host.
        strong: &[],
    },
    EntityType {
        name: "CloudApplication",
        display_name: "Cloud application",
        identifiers: &["AppId", "Name", "InstanceName"],
        outside_schema: &[],
        required: &[&["AppId"], &["Name"]],
        strong: &[
            strong(&["AppId", "InstanceName"]),
            strong(&["Name", "InstanceName"]),
            strong_if(&["AppId"], "the application has no InstanceName"),
            strong_if(&["Name"], "the application has no InstanceName"),
        ],
    },
    EntityType {
        name: "DNS",
        display_name: "DNS resolution",
        identifiers: &["DomainName"],
        outside_schema: &[],
        required: &[&["DomainName"]],
        // Strong in the docs only with DnsServerIp and HostIpAddress (internal IP entities).
        strong: &[],
    },
    EntityType {
        name: "AzureResource",
        display_name: "Azure resource",
        identifiers: &["ResourceId"],
        outside_schema: &[],
        required: &[&["ResourceId"]],
        strong: &[strong(&["ResourceId"])],
    },
    EntityType {
        name: "FileHash",
        display_name: "File hash",
        identifiers: &["Algorithm", "Value"],
        outside_schema: &[],
        required: &[&["Algorithm", "Value"]],
        strong: &[strong(&["Algorithm", "Value"])],
    },
    EntityType {
        name: "RegistryKey",
        display_name: "Registry key",
        identifiers: &["Hive", "Key"],
        outside_schema: &[],
        required: &[&["Key"], &["Hive"]],
        strong: &[strong(&["Hive", "Key"])],
    },
    EntityType {
        name: "RegistryValue",
        display_name: "Registry value",
        identifiers: &["Name", "Value", "ValueType"],
        outside_schema: &[],
        required: &[&["Name"]],
        // Strong in the docs only as Key + Name, Key being an internal RegistryKey entity.
        strong: &[],
    },
    EntityType {
        name: "SecurityGroup",
        display_name: "Security group",
        identifiers: &["DistinguishedName", "SID", "ObjectGuid"],
        outside_schema: &[],
        required: &[&["DistinguishedName"], &["SID"], &["ObjectGuid"]],
        strong: &[strong(&["DistinguishedName"]), strong(&["SID"]), strong(&["ObjectGuid"])],
    },
    EntityType {
        name: "URL",
        display_name: "URL",
        identifiers: &["Url"],
        outside_schema: &[],
        required: &[&["Url"]],
        strong: &[strong_if(&["Url"], "the URL is absolute")],
    },
    EntityType {
        name: "Mailbox",
        display_name: "Mailbox",
        identifiers: &["MailboxPrimaryAddress", "DisplayName", "Upn", "ExternalDirectoryObjectId", "RiskLevel"],
        outside_schema: &[],
        required: &[&["MailboxPrimaryAddress"]],
        strong: &[strong(&["MailboxPrimaryAddress"])],
    },
    EntityType {
        name: "MailCluster",
        display_name: "Mail cluster",
        identifiers: &[
            "NetworkMessageIds",
            "CountByDeliveryStatus",
            "CountByThreatType",
            "CountByProtectionStatus",
            "Threats",
            "Query",
            "QueryTime",
            "MailCount",
            "IsVolumeAnomaly",
            "Source",
            "ClusterSourceIdentifier",
            "ClusterSourceType",
            "ClusterQueryStartTime",
            "ClusterQueryEndTime",
            "ClusterGroup",
        ],
        outside_schema: &[
            "ClusterSourceIdentifier",
            "ClusterSourceType",
            "ClusterQueryStartTime",
            "ClusterQueryEndTime",
            "ClusterGroup",
        ],
        required: &[&["Query"], &["Source"]],
        strong: &[strong(&["Query", "Source"])],
    },
    EntityType {
        name: "MailMessage",
        display_name: "Mail message",
        identifiers: &[
            "Recipient",
            "Urls",
            "Threats",
            "Sender",
            "P1Sender",
            "P1SenderDisplayName",
            "P1SenderDomain",
            "SenderIP",
            "P2Sender",
            "P2SenderDisplayName",
            "P2SenderDomain",
            "ReceivedDate",
            "NetworkMessageId",
            "InternetMessageId",
            "Subject",
            "BodyFingerprintBin1",
            "BodyFingerprintBin2",
            "BodyFingerprintBin3",
            "BodyFingerprintBin4",
            "BodyFingerprintBin5",
            "AntispamDirection",
            "DeliveryAction",
            "DeliveryLocation",
            "Language",
            "ThreatDetectionMethods",
        ],
        outside_schema: &[
            "P1Sender",
            "P1SenderDisplayName",
            "P1SenderDomain",
            "P2Sender",
            "P2SenderDisplayName",
            "P2SenderDomain",
            "BodyFingerprintBin1",
            "BodyFingerprintBin2",
            "BodyFingerprintBin3",
            "BodyFingerprintBin4",
            "BodyFingerprintBin5",
            "Language",
            "ThreatDetectionMethods",
        ],
        required: &[&["NetworkMessageId"], &["Recipient"]],
        strong: &[strong(&["NetworkMessageId", "Recipient"])],
    },
    EntityType {
        name: "SubmissionMail",
        display_name: "Submission mail",
        identifiers: &[
            "NetworkMessageId",
            "Timestamp",
            "Recipient",
            "Sender",
            "SenderIp",
            "Subject",
            "ReportType",
            "SubmissionId",
            "SubmissionDate",
            "Submitter",
        ],
        outside_schema: &[],
        required: &[&["SubmissionId"], &["NetworkMessageId"], &["Recipient"], &["Submitter"]],
        // The docs' one strong set has four identifiers, one more than a
        // mapping can hold, so no single mapping is strong.
        strong: &[strong(&["SubmissionId", "NetworkMessageId", "Recipient", "Submitter"])],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_types_are_the_arm_entity_mapping_types() {
        let names: Vec<&str> = entity_types().iter().map(|entity_type| entity_type.name).collect();
        assert_eq!(
            names,
            [
                "Account",
                "Host",
                "IP",
                "Malware",
                "File",
                "Process",
                "CloudApplication",
                "DNS",
                "AzureResource",
                "FileHash",
                "RegistryKey",
                "RegistryValue",
                "SecurityGroup",
                "URL",
                "Mailbox",
                "MailCluster",
                "MailMessage",
                "SubmissionMail",
            ]
        );
    }

    #[test]
    fn entity_type_is_exact_and_case_sensitive() {
        assert_eq!(entity_type("IP").unwrap().identifiers, ["Address", "AddressScope"]);
        assert_eq!(entity_type("Ip"), None);
        assert_eq!(entity_type("account"), None);
        assert_eq!(entity_type("IoTDevice"), None);
        assert_eq!(entity_type(""), None);
    }

    #[test]
    fn account_and_host_have_the_documented_identifiers() {
        let account = entity_type("Account").unwrap();
        assert_eq!(account.identifiers.len(), 12);
        for identifier in ["Name", "FullName", "UPNSuffix", "Sid", "AadTenantId", "AadUserId", "PUID", "ObjectGuid"] {
            assert!(account.has_identifier(identifier), "{identifier}");
        }
        assert!(!account.has_identifier("AADUserId"));
        assert!(!account.has_identifier("CloudAppAccountId"));
        let host = entity_type("Host").unwrap();
        assert_eq!(host.identifiers.len(), 10);
        assert!(host.has_identifier("OMSAgentID") && host.has_identifier("NetBiosName"));
        assert!(!host.has_identifier("Name"));
    }

    #[test]
    fn suggest_entity_type_ignores_case_separators_and_small_typos() {
        let suggestion = |name: &str| suggest_entity_type(name).map(|entity_type| entity_type.name);
        assert_eq!(suggestion("Ip"), Some("IP"));
        assert_eq!(suggestion("url"), Some("URL"));
        assert_eq!(suggestion("file-hash"), Some("FileHash"));
        assert_eq!(suggestion("Azure resource"), Some("AzureResource"));
        assert_eq!(suggestion("DnsResolution"), Some("DNS"));
        assert_eq!(suggestion("User account"), Some("Account"));
        assert_eq!(suggestion("Acount"), Some("Account"));
        assert_eq!(suggestion("Account"), None);
        assert_eq!(suggestion("Nic"), None);
    }

    #[test]
    fn suggest_identifier_fixes_case_and_typos() {
        let account = entity_type("Account").unwrap();
        assert_eq!(account.suggest_identifier("AADUserId"), Some("AadUserId"));
        assert_eq!(account.suggest_identifier("UpnSuffix"), Some("UPNSuffix"));
        assert_eq!(account.suggest_identifier("Name"), None);
        assert_eq!(entity_type("Host").unwrap().suggest_identifier("Hostname"), Some("HostName"));
        assert_eq!(entity_type("IP").unwrap().suggest_identifier("Adress"), Some("Address"));
        assert_eq!(entity_type("IP").unwrap().suggest_identifier("Location"), None);
    }

    #[test]
    fn required_sets_must_be_complete() {
        let file_hash = entity_type("FileHash").unwrap();
        assert!(file_hash.has_required(&["Algorithm", "Value"]));
        assert!(!file_hash.has_required(&["Value"]));
        let host = entity_type("Host").unwrap();
        assert!(host.has_required(&["HostName", "DnsDomain"]));
        assert!(!host.has_required(&["DnsDomain", "OSFamily"]));
        assert!(!entity_type("Account").unwrap().has_required(&["NTDomain", "UPNSuffix"]));
    }

    #[test]
    fn strong_match_finds_a_complete_strong_set() {
        let account = entity_type("Account").unwrap();
        assert_eq!(account.strong_match(&["Name", "UPNSuffix"]).unwrap().identifiers, ["Name", "UPNSuffix"]);
        assert_eq!(account.strong_match(&["Name"]), None);
        assert_eq!(account.strong_match(&["FullName"]), None);
        let ip = entity_type("IP").unwrap();
        assert!(ip.strong_match(&["Address"]).unwrap().condition.is_some());
        assert_eq!(ip.strong_match(&["Address", "AddressScope"]).unwrap().condition, None);
        assert_eq!(entity_type("Process").unwrap().strong_match(&["ProcessId", "CommandLine"]), None);
    }

    #[test]
    fn every_identifier_microsofts_detections_use_is_listed() {
        // Every (entityType, identifier) pair in the entityMappings of the 1,034
        // detections of Azure/Azure-Sentinel at b819f67 (2022-08), the corpus
        // in shared/corpus/sentinel-queries.jsonl.
        let used = [
            (
                "Account",
                &["AadTenantId", "AadUserId", "DisplayName", "FullName", "NTDomain", "Name", "ObjectGuid", "Sid"][..],
            ),
            ("AzureResource", &["ResourceId"]),
            ("CloudApplication", &["Name"]),
            ("DNS", &["DomainName"]),
            ("File", &["Directory", "Name"]),
            ("FileHash", &["Algorithm", "Value"]),
            ("Host", &["FullName", "HostName", "OMSAgentID", "OSFamily", "OSVersion"]),
            ("IP", &["Address"]),
            ("MailMessage", &["Recipient"]),
            ("Malware", &["Category", "Name"]),
            ("Process", &["CommandLine", "CreationTimeUtc", "ProcessId"]),
            ("RegistryKey", &["Key"]),
            ("RegistryValue", &["Name", "Value"]),
            ("SecurityGroup", &["DistinguishedName"]),
            ("URL", &["Url"]),
        ];
        for (name, identifiers) in used {
            let entity_type = entity_type(name).unwrap();
            assert!(identifiers.iter().all(|identifier| entity_type.has_identifier(identifier)), "{name}");
        }
    }

    #[test]
    fn table_is_consistent() {
        for entity_type in entity_types() {
            let name = entity_type.name;
            let mut identifiers = entity_type.identifiers.to_vec();
            identifiers.sort_unstable();
            identifiers.dedup();
            assert_eq!(identifiers.len(), entity_type.identifiers.len(), "{name} lists an identifier twice");
            let sets = entity_type.required.iter().copied().chain(entity_type.strong.iter().map(|s| s.identifiers));
            for identifier in entity_type.outside_schema.iter().chain(sets.flatten()) {
                assert!(entity_type.has_identifier(identifier), "{name} does not list {identifier}");
            }
            assert!(!entity_type.required.is_empty(), "{name} has a required set");
            assert!(entity_type.required.iter().all(|set| set.len() <= MAX_IDENTIFIERS_PER_MAPPING));
        }
    }
}
