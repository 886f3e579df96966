//! The workspace itself (OperationalInsights Workspaces_Get, with the
//! Sentinel onboarding state) and the signed-in identity's role
//! assignments on it (Microsoft.Authorization, read only).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::fields::{int, name, prop, text};
use crate::remote::Error;
use crate::remote::arm::{AUTHORIZATION_API_VERSION, Arm, ListCap, OPERATIONAL_INSIGHTS_API_VERSION};

/// Parameters of `sentinel_workspace_get`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct GetParams {
    /// Also read whether Microsoft Sentinel is onboarded (one more call; default true).
    #[serde(default)]
    pub include_onboarding: Option<bool>,
}

/// The workspace and whether Microsoft Sentinel is onboarded on it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GetOutput {
    pub name: String,
    pub id: String,
    pub location: Option<String>,
    /// The workspace id (GUID) the query API takes.
    pub customer_id: Option<String>,
    pub provisioning_state: Option<String>,
    pub sku: Option<String>,
    pub retention_in_days: Option<i64>,
    pub daily_quota_gb: Option<String>,
    pub public_network_access_for_query: Option<String>,
    pub public_network_access_for_ingestion: Option<String>,
    pub created_date: Option<String>,
    pub modified_date: Option<String>,
    /// True when the Sentinel onboarding state `default` exists.
    pub sentinel_onboarded: Option<bool>,
    /// Why the onboarding state could not be read, if it could not.
    pub sentinel_onboarding_error: Option<String>,
    pub customer_managed_key: Option<bool>,
}

pub fn get(arm: &Arm, params: GetParams) -> Result<GetOutput, Error> {
    let value = arm.get(&arm.workspace_url(&[], OPERATIONAL_INSIGHTS_API_VERSION, &[]))?;
    let mut output = workspace(&value);
    if params.include_onboarding == Some(false) {
        return Ok(output);
    }
    match arm.get(&arm.sentinel_url(&["onboardingStates", "default"], &[])) {
        Ok(state) => {
            output.sentinel_onboarded = Some(true);
            output.customer_managed_key = super::fields::flag(&state, &["properties", "customerManagedKey"]);
        }
        Err(Error::Api { status: 404, .. }) => output.sentinel_onboarded = Some(false),
        Err(error) => output.sentinel_onboarding_error = Some(error.to_string()),
    }
    Ok(output)
}

fn workspace(value: &Json) -> GetOutput {
    GetOutput {
        name: name(value),
        id: text(value, &["id"]).unwrap_or_default(),
        location: text(value, &["location"]),
        customer_id: prop(value, "customerId"),
        provisioning_state: prop(value, "provisioningState"),
        sku: text(value, &["properties", "sku", "name"]),
        retention_in_days: int(value, &["properties", "retentionInDays"]),
        daily_quota_gb: text(value, &["properties", "workspaceCapping", "dailyQuotaGb"]),
        public_network_access_for_query: prop(value, "publicNetworkAccessForQuery"),
        public_network_access_for_ingestion: prop(value, "publicNetworkAccessForIngestion"),
        created_date: prop(value, "createdDate"),
        modified_date: prop(value, "modifiedDate"),
        sentinel_onboarded: None,
        sentinel_onboarding_error: None,
        customer_managed_key: None,
    }
}

/// Built-in roles that matter for Sentinel, by role definition GUID (the
/// same in every tenant), used when a definition cannot be read.
const KNOWN_ROLES: [(&str, &str); 10] = [
    ("8d289c81-5878-46d4-8554-54e1e3d8b5cb", "Microsoft Sentinel Reader"),
    ("3e150937-b8fe-4cfb-8069-0eaf05ecd056", "Microsoft Sentinel Responder"),
    ("ab8e14d6-4a74-4a29-9ba8-549422addade", "Microsoft Sentinel Contributor"),
    ("f4c81013-99ee-4d62-a7ee-b3f1f648599a", "Microsoft Sentinel Automation Contributor"),
    ("51d6186e-6489-4900-b93f-92e23144cca5", "Microsoft Sentinel Playbook Operator"),
    ("73c42c96-874c-492b-b04d-ab87d138a893", "Log Analytics Reader"),
    ("92aaf0da-9dab-42b6-94a3-d43ce8d16293", "Log Analytics Contributor"),
    ("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader"),
    ("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"),
    ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"),
];

/// The roles counted in `sentinel_roles`.
const SENTINEL_ROLES: [&str; 4] = [
    "Microsoft Sentinel Reader",
    "Microsoft Sentinel Responder",
    "Microsoft Sentinel Contributor",
    "Log Analytics Reader",
];

/// Parameters of `sentinel_authorization_summary`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct AuthorizationParams {
    /// The object id of the user or service principal to look at; default:
    /// the signed-in identity (from its token).
    #[serde(default)]
    pub principal_id: Option<String>,
}

/// Role assignments that apply to the workspace, and what they allow.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AuthorizationOutput {
    /// The workspace's resource id.
    pub scope: String,
    /// Whose assignments: the given or signed-in principal's object id, if known.
    pub principal_id: Option<String>,
    /// `parameter`, `token` (the `oid` claim) or `unknown`.
    pub principal_source: String,
    /// The `$filter` sent: `assignedTo('{id}')` (including group memberships) or `atScope()`.
    pub filter: String,
    pub assignments: Vec<Assignment>,
    /// How many of the assignments grant each Sentinel-relevant role.
    pub sentinel_roles: Vec<RoleCount>,
    /// A one-line reading of what the roles allow.
    pub summary: String,
    pub truncated: bool,
}

/// One role assignment.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Assignment {
    pub name: String,
    /// The role's name (e.g. Microsoft Sentinel Reader), when it could be read.
    pub role_name: Option<String>,
    pub role_definition_id: Option<String>,
    /// Where it is assigned: workspace, resource group, subscription, management group, root or below the workspace.
    pub scope_level: String,
    pub scope: Option<String>,
    pub principal_id: Option<String>,
    /// User, Group, ServicePrincipal, ...
    pub principal_type: Option<String>,
}

/// A Sentinel-relevant role and how many assignments grant it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RoleCount {
    pub role: String,
    pub count: u32,
}

pub fn authorization(arm: &Arm, params: AuthorizationParams) -> Result<AuthorizationOutput, Error> {
    let (principal_id, principal_source) = match params.principal_id.as_deref().map(str::trim).filter(|p| !p.is_empty())
    {
        Some(id) if crate::ruleset::config::is_guid(id) => (Some(id.to_string()), "parameter"),
        Some(id) => return Err(Error::Config(format!("`{id}` is not an object id (a GUID)"))),
        None => {
            let scope = arm.client.workspace.endpoints.arm_scope.clone();
            match arm.client.caller_object_id(&scope)? {
                Some(id) if crate::ruleset::config::is_guid(&id) => (Some(id), "token"),
                _ => (None, "unknown"),
            }
        }
    };
    let filter = match &principal_id {
        Some(id) => format!("assignedTo('{id}')"),
        None => "atScope()".to_string(),
    };
    let url = arm.workspace_url(
        &["providers", "Microsoft.Authorization", "roleAssignments"],
        AUTHORIZATION_API_VERSION,
        &[("$filter", filter.clone())],
    );
    let list = arm.list(&url, ListCap { max_items: 500, max_pages: 10 })?;
    let workspace_scope = arm.workspace_id();
    let mut assignments: Vec<Assignment> = list.items.iter().map(|item| assignment(item, &workspace_scope)).collect();
    // Role names: one read per distinct role definition (a few), the known built-ins as fallback.
    let mut names: Vec<(String, Option<String>)> = Vec::new();
    for assignment in &assignments {
        let Some(id) = &assignment.role_definition_id else { continue };
        if names.len() >= 30 || names.iter().any(|(known, _)| known.eq_ignore_ascii_case(id)) {
            continue;
        }
        names.push((id.clone(), role_name(arm, id)));
    }
    for assignment in &mut assignments {
        let id = assignment.role_definition_id.as_deref().unwrap_or_default();
        assignment.role_name = names
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(id))
            .and_then(|(_, name)| name.clone())
            .or_else(|| known_role(id).map(str::to_string));
    }
    let sentinel_roles = SENTINEL_ROLES
        .iter()
        .map(|role| RoleCount {
            role: role.to_string(),
            count: assignments.iter().filter(|a| a.role_name.as_deref() == Some(role)).count() as u32,
        })
        .collect();
    let summary = summarize(&assignments, principal_id.is_some());
    Ok(AuthorizationOutput {
        scope: workspace_scope,
        principal_id,
        principal_source: principal_source.to_string(),
        filter,
        assignments,
        sentinel_roles,
        summary,
        truncated: list.capped,
    })
}

fn assignment(value: &Json, workspace_scope: &str) -> Assignment {
    let scope = prop(value, "scope");
    Assignment {
        name: name(value),
        role_name: None,
        role_definition_id: prop(value, "roleDefinitionId"),
        scope_level: scope_level(scope.as_deref().unwrap_or_default(), workspace_scope),
        scope,
        principal_id: prop(value, "principalId"),
        principal_type: prop(value, "principalType"),
    }
}

/// Where a scope sits relative to the workspace.
fn scope_level(scope: &str, workspace_scope: &str) -> String {
    let scope = scope.trim_end_matches('/').to_ascii_lowercase();
    let workspace = workspace_scope.to_ascii_lowercase();
    let parts: Vec<&str> = scope.split('/').filter(|p| !p.is_empty()).collect();
    let level = if scope == workspace {
        "workspace"
    } else if scope.is_empty() {
        "root"
    } else if scope.starts_with(&format!("{workspace}/")) {
        "below the workspace"
    } else if parts.first() == Some(&"providers") && parts.get(1) == Some(&"microsoft.management") {
        "management group"
    } else if parts.len() == 2 && parts[0] == "subscriptions" {
        "subscription"
    } else if parts.len() == 4 && parts[2] == "resourcegroups" {
        "resource group"
    } else {
        "other"
    };
    level.to_string()
}

/// The role's name from its definition, if it can be read.
fn role_name(arm: &Arm, role_definition_id: &str) -> Option<String> {
    let segments: Vec<&str> = role_definition_id.split('/').filter(|s| !s.is_empty()).collect();
    let n = segments.len();
    // `[/subscriptions/{s}]/providers/Microsoft.Authorization/roleDefinitions/{guid}` only.
    let shape = n >= 4
        && segments[n - 4].eq_ignore_ascii_case("providers")
        && segments[n - 3].eq_ignore_ascii_case("Microsoft.Authorization")
        && segments[n - 2].eq_ignore_ascii_case("roleDefinitions")
        && crate::ruleset::config::is_guid(segments[n - 1])
        && (n == 4 || (n == 6 && segments[0].eq_ignore_ascii_case("subscriptions")));
    if !shape || segments.iter().any(|s| crate::remote::arm::segment(s, "role definition").is_err()) {
        return None;
    }
    let definition = arm.get(&arm.url(&segments, AUTHORIZATION_API_VERSION, &[])).ok()?;
    prop(&definition, "roleName")
}

fn known_role(role_definition_id: &str) -> Option<&'static str> {
    let guid = role_definition_id.rsplit('/').next()?;
    KNOWN_ROLES.iter().find(|(id, _)| id.eq_ignore_ascii_case(guid)).map(|(_, name)| *name)
}

/// What the roles found allow, in one line.
fn summarize(assignments: &[Assignment], own: bool) -> String {
    let has = |role: &str| assignments.iter().any(|a| a.role_name.as_deref() == Some(role));
    let whose = if own { "the principal" } else { "principals at this scope (the caller's id is unknown)" };
    if has("Owner") || has("Contributor") || has("Microsoft Sentinel Contributor") {
        format!("{whose} can read and change Sentinel content")
    } else if has("Microsoft Sentinel Responder") {
        format!("{whose} can read Sentinel data and manage incidents")
    } else if has("Microsoft Sentinel Reader") || has("Reader") {
        format!("{whose} can read Sentinel data (analytics rules, incidents, watchlists)")
    } else if has("Log Analytics Reader") {
        format!("{whose} can query logs but has no Sentinel role")
    } else if assignments.is_empty() {
        format!("no role assignment applies to {whose} on this workspace")
    } else {
        format!("{whose} has roles, none of them a known Sentinel or Log Analytics role")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::sentinel::examples::body;

    const WORKSPACE: &str = "/subscriptions/d0cfe6b2-9ac0-4464-9919-dccaee2e48c0/resourceGroups/myRg/providers/Microsoft.OperationalInsights/workspaces/myWorkspace";

    #[test]
    fn the_workspace_example_reads_into_its_fields() {
        let output = workspace(&body("operationalinsights/2026-03-01/examples/WorkspacesGet.json"));
        assert_eq!(output.name, "oiautorest6685");
        assert_eq!(output.customer_id.as_deref(), Some("5b02755b-5bf4-430c-9487-45502a2a7e62"));
        assert_eq!((output.sku.as_deref(), output.retention_in_days), (Some("PerGB2018"), Some(30)));
        assert_eq!(output.location.as_deref(), Some("eastus"));
    }

    #[test]
    fn assignments_read_with_their_scope_level() {
        let list = body("authorization/2022-04-01/examples/RoleAssignments_ListForScope.json");
        let one = assignment(&list["value"][0], WORKSPACE);
        assert_eq!(one.principal_type.as_deref(), Some("User"));
        assert_eq!(one.scope_level, "subscription");
        let synthesized = body("synthesized/authorization/role-assignments-workspace.json");
        let levels: Vec<String> =
            synthesized["value"].as_array().unwrap().iter().map(|a| assignment(a, WORKSPACE).scope_level).collect();
        assert_eq!(levels, ["workspace", "resource group", "subscription"]);
        assert_eq!(scope_level("/", WORKSPACE), "root");
        assert_eq!(scope_level("/providers/Microsoft.Management/managementGroups/mg1", WORKSPACE), "management group");
        let definition = body("authorization/2022-04-01/examples/GetRoleDefinitionById.json");
        assert_eq!(prop(&definition, "roleName").as_deref(), Some("Role name"));
    }

    #[test]
    fn known_roles_name_their_guid_and_the_summary_reads_them() {
        assert_eq!(
            known_role(
                "/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/3E150937-b8fe-4cfb-8069-0eaf05ecd056"
            ),
            Some("Microsoft Sentinel Responder")
        );
        assert_eq!(
            known_role("/providers/Microsoft.Authorization/roleDefinitions/0b5fe924-9a61-425c-96af-cfe6e287ca2d"),
            None
        );
        let reader = Assignment {
            name: "a".into(),
            role_name: Some("Log Analytics Reader".into()),
            role_definition_id: None,
            scope_level: "workspace".into(),
            scope: None,
            principal_id: None,
            principal_type: None,
        };
        assert_eq!(summarize(&[reader], true), "the principal can query logs but has no Sentinel role");
        assert!(summarize(&[], false).starts_with("no role assignment"));
    }
}
