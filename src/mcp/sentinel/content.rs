//! Workspace content and settings: data connectors, content metadata,
//! source controls (repositories) and the ML analytics (anomaly) settings.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::fields::{at, flag, name, prop, strings, text};
use super::read::{self, Paging};
use crate::remote::Error;
use crate::remote::arm::{Arm, ListCap, segment};

/// Paging parameters of the plain list tools.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListParams {
    /// Only items of this kind (e.g. `AzureActiveDirectory` for connectors,
    /// `AnalyticsRule` for metadata, `Anomaly` for ML settings).
    #[serde(default)]
    pub kind: Option<String>,
    /// Which page: `limit` and `offset`.
    #[serde(flatten)]
    pub page: read::PageParams,
}

/// Reads a whole Sentinel list, keeps `kind`, and cuts one page.
fn list_kind<T>(
    arm: &Arm,
    segment: &str,
    query: &[(&str, String)],
    params: &ListParams,
    read: impl Fn(&Json) -> T,
) -> Result<(Vec<T>, Paging), Error> {
    let list = arm.list(&arm.sentinel_url(&[segment], query), ListCap::default())?;
    let kind_of = |item: &Json| text(item, &["kind"]).or_else(|| prop(item, "kind"));
    let items: Vec<T> = list
        .items
        .iter()
        .filter(|item| {
            params.kind.as_ref().is_none_or(|kind| kind_of(item).is_some_and(|k| k.eq_ignore_ascii_case(kind.trim())))
        })
        .map(read)
        .collect();
    Ok(params.page.cut(items, list.capped))
}

/// A data connector.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Connector {
    /// The connector's name (often a GUID): the `connector_id` of sentinel_connectors_get.
    pub name: String,
    pub id: String,
    /// AzureActiveDirectory, AzureSecurityCenter, Office365, ThreatIntelligence, ...
    pub kind: Option<String>,
    pub tenant_id: Option<String>,
    pub subscription_id: Option<String>,
    /// Each data type and its state (`Enabled`/`Disabled`).
    pub data_types: Vec<DataTypeState>,
}

/// A data type of a connector.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DataTypeState {
    pub name: String,
    pub state: Option<String>,
}

fn connector(value: &Json) -> Connector {
    let data_types = at(value, &["properties", "dataTypes"])
        .and_then(Json::as_object)
        .map(|types| {
            types
                .iter()
                .map(|(name, state)| DataTypeState { name: name.clone(), state: text(state, &["state"]) })
                .collect()
        })
        .unwrap_or_default();
    Connector {
        name: name(value),
        id: text(value, &["id"]).unwrap_or_default(),
        kind: text(value, &["kind"]),
        tenant_id: prop(value, "tenantId"),
        subscription_id: prop(value, "subscriptionId"),
        data_types,
    }
}

/// One page of connectors.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ConnectorListOutput {
    pub connectors: Vec<Connector>,
    #[serde(flatten)]
    pub paging: Paging,
}

pub fn connectors_list(arm: &Arm, params: ListParams) -> Result<ConnectorListOutput, Error> {
    let (connectors, paging) = list_kind(arm, "dataConnectors", &[], &params, connector)?;
    Ok(ConnectorListOutput { connectors, paging })
}

/// Parameters of `sentinel_connectors_get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ConnectorGetParams {
    /// The connector's name, as sentinel_connectors_list returns it.
    pub connector_id: String,
}

/// One connector, with its properties as sent.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ConnectorGetOutput {
    pub connector: Connector,
    pub raw: Json,
}

pub fn connectors_get(arm: &Arm, params: ConnectorGetParams) -> Result<ConnectorGetOutput, Error> {
    let id = segment(&params.connector_id, "connector id")?;
    let value = arm.get(&arm.sentinel_url(&["dataConnectors", id], &[]))?;
    Ok(ConnectorGetOutput { connector: connector(&value), raw: raw(&value) })
}

/// A content metadata item (what a solution installed, and from where).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Metadata {
    /// The metadata's name: the `metadata_name` of sentinel_metadata_get.
    pub name: String,
    pub id: String,
    /// AnalyticsRule, Workbook, HuntingQuery, DataConnector, Solution, Parser, ...
    pub kind: Option<String>,
    pub content_id: Option<String>,
    pub version: Option<String>,
    /// The resource it describes.
    pub parent_id: Option<String>,
    pub source_kind: Option<String>,
    pub source_name: Option<String>,
    pub author: Option<String>,
    pub support_tier: Option<String>,
    pub first_publish_date: Option<String>,
    pub last_publish_date: Option<String>,
    pub domains: Vec<String>,
    pub providers: Vec<String>,
    pub tactics: Vec<String>,
    pub techniques: Vec<String>,
}

fn metadata(value: &Json) -> Metadata {
    Metadata {
        name: name(value),
        id: text(value, &["id"]).unwrap_or_default(),
        kind: prop(value, "kind"),
        content_id: prop(value, "contentId"),
        version: prop(value, "version"),
        parent_id: prop(value, "parentId"),
        source_kind: text(value, &["properties", "source", "kind"]),
        source_name: text(value, &["properties", "source", "name"]),
        author: text(value, &["properties", "author", "name"]),
        support_tier: text(value, &["properties", "support", "tier"]),
        first_publish_date: prop(value, "firstPublishDate"),
        last_publish_date: prop(value, "lastPublishDate"),
        domains: strings(value, &["properties", "categories", "domains"]),
        providers: strings(value, &["properties", "providers"]),
        tactics: strings(value, &["properties", "threatAnalysisTactics"]),
        techniques: strings(value, &["properties", "threatAnalysisTechniques"]),
    }
}

/// One page of metadata.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MetadataListOutput {
    pub metadata: Vec<Metadata>,
    #[serde(flatten)]
    pub paging: Paging,
}

pub fn metadata_list(arm: &Arm, params: ListParams) -> Result<MetadataListOutput, Error> {
    // The kind is a property here; the service filters it (`$filter`), checked to a plain word first.
    let mut query = Vec::new();
    if let Some(kind) = params.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        if !kind.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Error::Config(format!("`{kind}` is not a metadata kind (e.g. AnalyticsRule, Workbook)")));
        }
        query.push(("$filter", format!("properties/kind eq '{kind}'")));
    }
    let (metadata, paging) = list_kind(arm, "metadata", &query, &params, metadata)?;
    Ok(MetadataListOutput { metadata, paging })
}

/// Parameters of `sentinel_metadata_get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct MetadataGetParams {
    /// The metadata's name, as sentinel_metadata_list returns it.
    pub metadata_name: String,
}

/// One metadata item, with its properties as sent (dependencies, ...).
#[derive(Debug, Serialize, JsonSchema)]
pub struct MetadataGetOutput {
    pub metadata: Metadata,
    pub raw: Json,
}

pub fn metadata_get(arm: &Arm, params: MetadataGetParams) -> Result<MetadataGetOutput, Error> {
    let id = segment(&params.metadata_name, "metadata name")?;
    let value = arm.get(&arm.sentinel_url(&["metadata", id], &[]))?;
    Ok(MetadataGetOutput { metadata: metadata(&value), raw: raw(&value) })
}

/// A source control connection (a repository that deploys content).
#[derive(Debug, Serialize, JsonSchema)]
pub struct SourceControl {
    /// Its name (a GUID): the `source_control_id` of sentinel_source_control_get.
    pub name: String,
    pub id: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    /// Github or DevOps.
    pub repo_type: Option<String>,
    pub content_types: Vec<String>,
    pub repository_url: Option<String>,
    pub branch: Option<String>,
    pub last_deployment_state: Option<String>,
    pub last_deployment_result: Option<String>,
    pub last_deployment_time: Option<String>,
}

fn source_control(value: &Json) -> SourceControl {
    SourceControl {
        name: name(value),
        id: text(value, &["id"]).unwrap_or_default(),
        display_name: prop(value, "displayName"),
        description: prop(value, "description"),
        repo_type: prop(value, "repoType"),
        content_types: strings(value, &["properties", "contentTypes"]),
        repository_url: text(value, &["properties", "repository", "url"]),
        branch: text(value, &["properties", "repository", "branch"]),
        last_deployment_state: text(value, &["properties", "lastDeploymentInfo", "deployment", "deploymentState"]),
        last_deployment_result: text(value, &["properties", "lastDeploymentInfo", "deployment", "deploymentResult"]),
        last_deployment_time: text(value, &["properties", "lastDeploymentInfo", "deployment", "deploymentTime"]),
    }
}

/// One page of source controls.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SourceControlListOutput {
    pub source_controls: Vec<SourceControl>,
    #[serde(flatten)]
    pub paging: Paging,
}

pub fn source_controls_list(arm: &Arm, params: ListParams) -> Result<SourceControlListOutput, Error> {
    let (source_controls, paging) = list_kind(arm, "sourcecontrols", &[], &params, source_control)?;
    Ok(SourceControlListOutput { source_controls, paging })
}

/// Parameters of `sentinel_source_control_get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SourceControlGetParams {
    /// The source control's name, as sentinel_source_controls_list returns it.
    pub source_control_id: String,
}

/// One source control, with its properties as sent.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SourceControlGetOutput {
    pub source_control: SourceControl,
    pub raw: Json,
}

pub fn source_control_get(arm: &Arm, params: SourceControlGetParams) -> Result<SourceControlGetOutput, Error> {
    let id = segment(&params.source_control_id, "source control id")?;
    let value = arm.get(&arm.sentinel_url(&["sourcecontrols", id], &[]))?;
    Ok(SourceControlGetOutput { source_control: source_control(&value), raw: raw(&value) })
}

/// An ML analytics (anomaly) setting.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MlSetting {
    /// Its name: the `setting_name` of sentinel_ml_analytics_setting_get.
    pub name: String,
    pub id: String,
    /// Anomaly.
    pub kind: Option<String>,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
    pub tactics: Vec<String>,
    pub techniques: Vec<String>,
    pub anomaly_version: Option<String>,
    pub frequency: Option<String>,
    /// Production or Flighting.
    pub settings_status: Option<String>,
    pub is_default_settings: Option<bool>,
    pub last_modified_utc: Option<String>,
    pub required_data_connectors: Vec<String>,
}

fn ml_setting(value: &Json) -> MlSetting {
    MlSetting {
        name: name(value),
        id: text(value, &["id"]).unwrap_or_default(),
        kind: text(value, &["kind"]),
        display_name: prop(value, "displayName"),
        description: prop(value, "description"),
        enabled: flag(value, &["properties", "enabled"]),
        tactics: strings(value, &["properties", "tactics"]),
        techniques: strings(value, &["properties", "techniques"]),
        anomaly_version: prop(value, "anomalyVersion"),
        frequency: prop(value, "frequency"),
        settings_status: prop(value, "settingsStatus"),
        is_default_settings: flag(value, &["properties", "isDefaultSettings"]),
        last_modified_utc: prop(value, "lastModifiedUtc"),
        required_data_connectors: at(value, &["properties", "requiredDataConnectors"])
            .and_then(Json::as_array)
            .map(|list| list.iter().filter_map(|c| text(c, &["connectorId"])).collect())
            .unwrap_or_default(),
    }
}

/// One page of ML analytics settings.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MlSettingListOutput {
    pub settings: Vec<MlSetting>,
    #[serde(flatten)]
    pub paging: Paging,
}

pub fn ml_settings_list(arm: &Arm, params: ListParams) -> Result<MlSettingListOutput, Error> {
    let (settings, paging) = list_kind(arm, "securityMLAnalyticsSettings", &[], &params, ml_setting)?;
    Ok(MlSettingListOutput { settings, paging })
}

/// Parameters of `sentinel_ml_analytics_setting_get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct MlSettingGetParams {
    /// The setting's name, as sentinel_ml_analytics_settings_list returns it.
    pub setting_name: String,
}

/// One ML analytics setting, with its properties as sent (customizable observations, ...).
#[derive(Debug, Serialize, JsonSchema)]
pub struct MlSettingGetOutput {
    pub setting: MlSetting,
    pub raw: Json,
}

pub fn ml_setting_get(arm: &Arm, params: MlSettingGetParams) -> Result<MlSettingGetOutput, Error> {
    let id = segment(&params.setting_name, "setting name")?;
    let value = arm.get(&arm.sentinel_url(&["securityMLAnalyticsSettings", id], &[]))?;
    Ok(MlSettingGetOutput { setting: ml_setting(&value), raw: raw(&value) })
}

/// The `properties` object as sent.
fn raw(value: &Json) -> Json {
    at(value, &["properties"]).cloned().unwrap_or(Json::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::sentinel::examples::body;

    #[test]
    fn the_connector_examples_read_into_their_fields() {
        let list = body("securityinsights/2025-12-01/examples/dataConnectors/GetDataConnectors.json");
        let connectors: Vec<Connector> = list["value"].as_array().unwrap().iter().map(connector).collect();
        assert_eq!(connectors.len(), 8);
        let office = connectors.iter().find(|c| c.kind.as_deref() == Some("Office365")).unwrap();
        let types: Vec<(&str, Option<&str>)> =
            office.data_types.iter().map(|d| (d.name.as_str(), d.state.as_deref())).collect();
        assert_eq!(types, [("sharePoint", Some("Enabled")), ("exchange", Some("Enabled"))]);
        let aad =
            connector(&body("securityinsights/2025-12-01/examples/dataConnectors/GetAzureActiveDirectoryById.json"));
        assert_eq!(aad.tenant_id.as_deref(), Some("2070ecc9-b4d5-4ae4-adaa-936fa1954fa8"));
    }

    #[test]
    fn the_metadata_and_source_control_examples_read_into_their_fields() {
        let item = metadata(&body("securityinsights/2025-12-01/examples/metadata/GetMetadata.json"));
        assert_eq!(
            (item.kind.as_deref(), item.source_name.as_deref()),
            (Some("AnalyticsRule"), Some("Contoso Solution 1.0"))
        );
        assert_eq!(item.support_tier.as_deref(), Some("Partner"));
        assert_eq!(item.providers, ["Amazon", "Microsoft"]);
        assert_eq!(item.tactics, ["reconnaissance", "commandandcontrol"]);
        let all = body("securityinsights/2025-12-01/examples/metadata/GetAllMetadata.json");
        assert_eq!(metadata(&all["value"][2]).kind.as_deref(), Some("Workbook"));
        let control =
            source_control(&body("securityinsights/2025-12-01/examples/sourcecontrols/GetSourceControlById.json"));
        assert_eq!(control.display_name.as_deref(), Some("My Source Control"));
        assert_eq!((control.repo_type.as_deref(), control.branch.as_deref()), (Some("Github"), Some("master")));
        assert_eq!(control.last_deployment_result.as_deref(), Some("Success"));
    }

    #[test]
    fn the_ml_setting_examples_read_into_their_fields() {
        let list = body(
            "securityinsights/2025-12-01/examples/securityMLAnalyticsSettings/GetAllSecurityMLAnalyticsSettings.json",
        );
        let setting = ml_setting(&list["value"][0]);
        assert_eq!(setting.display_name.as_deref(), Some("Login from unusual region"));
        assert_eq!((setting.kind.as_deref(), setting.enabled), (Some("Anomaly"), Some(true)));
        assert_eq!(setting.techniques, ["T1037", "T1021"]);
        assert_eq!(setting.required_data_connectors, ["AWS"]);
        assert_eq!(setting.settings_status.as_deref(), Some("Production"));
    }
}
