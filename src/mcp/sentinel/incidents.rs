//! `sentinel_incident_list` and `sentinel_incident_details_get`: incidents
//! (Incidents_List/Get), their alerts, entities and bookmarks (the POST
//! list actions), comments, relations and tasks.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::fields::{at, int, name, prop, strings, text};
use super::read::{self, skip_token};
use crate::remote::Error;
use crate::remote::arm::{Arm, ListCap, segment};

/// Parameters of `sentinel_incident_list`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListParams {
    /// Only these severities, comma-separated: High, Medium, Low, Informational.
    #[serde(default)]
    pub severity: Option<String>,
    /// Only these statuses, comma-separated: New, Active, Closed.
    #[serde(default)]
    pub status: Option<String>,
    /// Only incidents created at or after this UTC time (ISO 8601, e.g. `2025-06-01T00:00:00Z`).
    #[serde(default)]
    pub created_after: Option<String>,
    /// Only incidents created before this UTC time (ISO 8601).
    #[serde(default)]
    pub created_before: Option<String>,
    /// Sort order: a field (createdTimeUtc, lastModifiedTimeUtc, lastActivityTimeUtc,
    /// incidentNumber, severity, status, title) and `asc` or `desc`; default `createdTimeUtc desc`.
    #[serde(default)]
    pub order_by: Option<String>,
    /// Incidents to return (default 50, at most 500).
    #[serde(default)]
    pub limit: Option<u32>,
    /// The `skip_token` of the previous answer, for the next page.
    #[serde(default)]
    pub skip_token: Option<String>,
}

/// One page of incidents.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListOutput {
    pub incidents: Vec<Incident>,
    /// The OData `$filter` sent, if any.
    pub filter: Option<String>,
    pub order_by: String,
    /// Pass this back as `skip_token` for the next page; absent on the last page.
    pub skip_token: Option<String>,
    /// True when more incidents match than this page holds.
    pub truncated: bool,
}

/// An incident's important fields.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Incident {
    /// The incident's name (a GUID): the `incident_id` of the other tools.
    pub name: String,
    pub id: String,
    pub incident_number: Option<i64>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// High, Medium, Low or Informational.
    pub severity: Option<String>,
    /// New, Active or Closed.
    pub status: Option<String>,
    pub classification: Option<String>,
    pub classification_reason: Option<String>,
    pub classification_comment: Option<String>,
    /// Who it is assigned to (name, else UPN or e-mail).
    pub owner: Option<String>,
    pub created_time_utc: Option<String>,
    pub last_modified_time_utc: Option<String>,
    pub first_activity_time_utc: Option<String>,
    pub last_activity_time_utc: Option<String>,
    pub alerts_count: Option<i64>,
    pub bookmarks_count: Option<i64>,
    pub comments_count: Option<i64>,
    /// MITRE ATT&CK tactics of its alerts.
    pub tactics: Vec<String>,
    pub techniques: Vec<String>,
    pub alert_product_names: Vec<String>,
    pub labels: Vec<String>,
    pub related_analytic_rule_ids: Vec<String>,
    pub provider_name: Option<String>,
    pub incident_url: Option<String>,
}

impl Incident {
    /// The fields of an incident resource.
    pub fn from_json(value: &Json) -> Incident {
        let owner = ["assignedTo", "userPrincipalName", "email"]
            .iter()
            .find_map(|key| text(value, &["properties", "owner", key]));
        let labels = at(value, &["properties", "labels"])
            .and_then(Json::as_array)
            .map(|labels| labels.iter().filter_map(|label| text(label, &["labelName"])).collect())
            .unwrap_or_default();
        Incident {
            name: name(value),
            id: text(value, &["id"]).unwrap_or_default(),
            incident_number: int(value, &["properties", "incidentNumber"]),
            title: prop(value, "title"),
            description: prop(value, "description"),
            severity: prop(value, "severity"),
            status: prop(value, "status"),
            classification: prop(value, "classification"),
            classification_reason: prop(value, "classificationReason"),
            classification_comment: prop(value, "classificationComment"),
            owner,
            created_time_utc: prop(value, "createdTimeUtc"),
            last_modified_time_utc: prop(value, "lastModifiedTimeUtc"),
            first_activity_time_utc: prop(value, "firstActivityTimeUtc"),
            last_activity_time_utc: prop(value, "lastActivityTimeUtc"),
            alerts_count: int(value, &["properties", "additionalData", "alertsCount"]),
            bookmarks_count: int(value, &["properties", "additionalData", "bookmarksCount"]),
            comments_count: int(value, &["properties", "additionalData", "commentsCount"]),
            tactics: strings(value, &["properties", "additionalData", "tactics"]),
            techniques: strings(value, &["properties", "additionalData", "techniques"]),
            alert_product_names: strings(value, &["properties", "additionalData", "alertProductNames"]),
            labels,
            related_analytic_rule_ids: strings(value, &["properties", "relatedAnalyticRuleIds"]),
            provider_name: prop(value, "providerName"),
            incident_url: prop(value, "incidentUrl"),
        }
    }
}

/// Lists incidents, filtered and sorted by the service.
pub fn list(arm: &Arm, params: ListParams) -> Result<ListOutput, Error> {
    let filter = build_filter(&params)?;
    let order_by = build_order_by(params.order_by.as_deref())?;
    let limit = read::limit(params.limit, read::DEFAULT_LIMIT, read::MAX_LIMIT);
    let mut query = vec![("$orderby", order_by.clone()), ("$top", limit.to_string())];
    if let Some(filter) = &filter {
        query.push(("$filter", filter.clone()));
    }
    let mut url = arm.sentinel_url(&["incidents"], &query);
    if let Some(token) = params.skip_token.as_deref().filter(|token| !token.trim().is_empty()) {
        url = arm.resume(&url, token)?;
    }
    let page = arm.list(&url, ListCap { max_items: limit, max_pages: 1 })?;
    Ok(ListOutput {
        incidents: page.items.iter().map(Incident::from_json).collect(),
        filter,
        order_by,
        truncated: page.capped,
        skip_token: skip_token(page.next_link),
    })
}

/// The `$filter` of the list parameters, values checked so none can inject OData.
fn build_filter(params: &ListParams) -> Result<Option<String>, Error> {
    let mut clauses = Vec::new();
    if let Some(list) = &params.severity {
        let values = choose(list, &["High", "Medium", "Low", "Informational"], "severity")?;
        clauses.push(any_of("properties/severity", &values));
    }
    if let Some(list) = &params.status {
        let values = choose(list, &["New", "Active", "Closed"], "status")?;
        clauses.push(any_of("properties/status", &values));
    }
    if let Some(time) = &params.created_after {
        clauses.push(format!("properties/createdTimeUtc ge {}", datetime(time)?));
    }
    if let Some(time) = &params.created_before {
        clauses.push(format!("properties/createdTimeUtc lt {}", datetime(time)?));
    }
    Ok((!clauses.is_empty()).then(|| clauses.join(" and ")))
}

/// The allowed values named in a comma-separated list, in their canonical case.
fn choose(list: &str, allowed: &[&str], what: &str) -> Result<Vec<String>, Error> {
    list.split(',')
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(|value| {
            allowed
                .iter()
                .find(|known| known.eq_ignore_ascii_case(value))
                .map(|known| known.to_string())
                .ok_or_else(|| Error::Config(format!("`{value}` is not a {what}; use one of {}", allowed.join(", "))))
        })
        .collect()
}

fn any_of(field: &str, values: &[String]) -> String {
    let clauses: Vec<String> = values.iter().map(|value| format!("{field} eq '{value}'")).collect();
    if clauses.len() == 1 { clauses[0].clone() } else { format!("({})", clauses.join(" or ")) }
}

/// An ISO 8601 time as an OData literal (digits, `-`, `:`, `T`, `Z`, `.`, `+` only).
fn datetime(text: &str) -> Result<String, Error> {
    let text = text.trim();
    let ok = text.len() >= 10
        && text.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && text.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | ':' | 'T' | 'Z' | '.' | '+'));
    if !ok {
        return Err(Error::Config(format!("`{text}` is not an ISO 8601 UTC time such as 2025-06-01T00:00:00Z")));
    }
    Ok(if text.len() == 10 { format!("{text}T00:00:00Z") } else { text.to_string() })
}

/// `$orderby` from `field [asc|desc]`, the field one of the documented ones.
fn build_order_by(given: Option<&str>) -> Result<String, Error> {
    const FIELDS: [&str; 7] = [
        "createdTimeUtc",
        "lastModifiedTimeUtc",
        "lastActivityTimeUtc",
        "incidentNumber",
        "severity",
        "status",
        "title",
    ];
    let given = given.map(str::trim).filter(|text| !text.is_empty()).unwrap_or("createdTimeUtc desc");
    let mut words = given.split_whitespace();
    let field = words.next().unwrap_or_default();
    let field = field.strip_prefix("properties/").unwrap_or(field);
    let direction = words.next().unwrap_or("desc").to_ascii_lowercase();
    let known = FIELDS.iter().find(|known| known.eq_ignore_ascii_case(field));
    match (known, direction.as_str(), words.next()) {
        (Some(field), "asc" | "desc", None) => Ok(format!("properties/{field} {direction}")),
        _ => Err(Error::Config(format!(
            "`{given}` is not a sort order; give one of {} then `asc` or `desc`",
            FIELDS.join(", ")
        ))),
    }
}

/// Parameters of `sentinel_incident_details_get`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct DetailsParams {
    /// The incident's name (a GUID, the `name` sentinel_incident_list returns).
    #[serde(default)]
    pub incident_id: Option<String>,
    /// Or its number as shown in the portal (e.g. 3177).
    #[serde(default)]
    pub incident_number: Option<i64>,
    /// Also read its comments.
    #[serde(default)]
    pub include_comments: bool,
    /// Also read its bookmarks.
    #[serde(default)]
    pub include_bookmarks: bool,
    /// Also read its relations (linked alerts, bookmarks, entities).
    #[serde(default)]
    pub include_relations: bool,
    /// Also read its tasks.
    #[serde(default)]
    pub include_tasks: bool,
    /// Items kept per section (alerts, entities, ...); default 50, at most 500.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// An incident with its alerts and entities, and what else was asked for.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DetailsOutput {
    pub incident: Incident,
    pub alerts: Vec<Alert>,
    pub entities: Vec<Entity>,
    /// Entities per kind, as the service counts them.
    pub entity_counts: Vec<KindCount>,
    pub comments: Option<Vec<Comment>>,
    pub bookmarks: Option<Vec<Bookmark>>,
    pub relations: Option<Vec<Relation>>,
    pub tasks: Option<Vec<Task>>,
    /// Sections cut at `limit` items.
    pub truncated: Vec<String>,
}

/// An alert of an incident.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Alert {
    pub name: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub severity: Option<String>,
    pub status: Option<String>,
    pub product_name: Option<String>,
    pub vendor_name: Option<String>,
    pub alert_type: Option<String>,
    pub confidence_level: Option<String>,
    pub tactics: Vec<String>,
    pub techniques: Vec<String>,
    pub start_time_utc: Option<String>,
    pub end_time_utc: Option<String>,
    pub time_generated: Option<String>,
    pub system_alert_id: Option<String>,
}

impl Alert {
    pub fn from_json(value: &Json) -> Alert {
        Alert {
            name: name(value),
            display_name: prop(value, "alertDisplayName").or_else(|| prop(value, "friendlyName")),
            description: prop(value, "description"),
            severity: prop(value, "severity"),
            status: prop(value, "status"),
            product_name: prop(value, "productName"),
            vendor_name: prop(value, "vendorName"),
            alert_type: prop(value, "alertType"),
            confidence_level: prop(value, "confidenceLevel"),
            tactics: strings(value, &["properties", "tactics"]),
            techniques: strings(value, &["properties", "techniques"]),
            start_time_utc: prop(value, "startTimeUtc"),
            end_time_utc: prop(value, "endTimeUtc"),
            time_generated: prop(value, "timeGenerated"),
            system_alert_id: prop(value, "systemAlertId"),
        }
    }
}

/// An entity of an incident: its kind and name typed, the rest as sent
/// (each kind has its own properties).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Entity {
    pub name: String,
    /// Account, Host, Ip, File, Url, ...
    pub kind: Option<String>,
    pub friendly_name: Option<String>,
    pub properties: Json,
}

/// A count per entity kind.
#[derive(Debug, Serialize, JsonSchema)]
pub struct KindCount {
    pub kind: String,
    pub count: i64,
}

/// A comment on an incident.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Comment {
    pub name: String,
    pub message: Option<String>,
    pub author: Option<String>,
    pub created_time_utc: Option<String>,
}

/// A bookmark of an incident.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Bookmark {
    pub name: String,
    pub display_name: Option<String>,
    pub query: Option<String>,
    pub event_time: Option<String>,
    pub created: Option<String>,
    pub created_by: Option<String>,
}

/// A resource related to an incident.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Relation {
    pub name: String,
    pub related_resource_id: Option<String>,
    pub related_resource_name: Option<String>,
    pub related_resource_type: Option<String>,
    pub related_resource_kind: Option<String>,
}

/// A task of an incident.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Task {
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub status: Option<String>,
    pub created_time_utc: Option<String>,
    pub last_modified_time_utc: Option<String>,
}

/// The incident and its parts.
pub fn details(arm: &Arm, params: DetailsParams) -> Result<DetailsOutput, Error> {
    let limit = read::limit(params.limit, read::DEFAULT_LIMIT, read::MAX_LIMIT);
    let incident = match (&params.incident_id, params.incident_number) {
        (Some(id), _) => arm.get(&arm.sentinel_url(&["incidents", segment(id, "incident id")?], &[]))?,
        (None, Some(number)) => find_by_number(arm, number)?,
        (None, None) => {
            return Err(Error::Config("give `incident_id` (the incident's name, a GUID) or `incident_number`".into()));
        }
    };
    let incident_name = name(&incident);
    let incident_name = segment(&incident_name, "incident id")?.to_string();
    let part = |action: &str| arm.sentinel_url(&["incidents", &incident_name, action], &[]);
    let mut truncated = Vec::new();
    let mut keep = |section: &str, mut items: Vec<Json>| {
        if items.len() > limit {
            items.truncate(limit);
            truncated.push(section.to_string());
        }
        items
    };

    let alerts_body = arm.post_list_action(&part("alerts"), None)?;
    let alerts = keep("alerts", value_items(&alerts_body));
    let entities_body = arm.post_list_action(&part("entities"), None)?;
    let entities = at(&entities_body, &["entities"]).and_then(Json::as_array).cloned().unwrap_or_default();
    let entities = keep("entities", entities);
    let entity_counts = at(&entities_body, &["metaData"])
        .and_then(Json::as_array)
        .map(|counts| {
            counts
                .iter()
                .filter_map(|count| {
                    Some(KindCount { kind: text(count, &["entityKind"])?, count: int(count, &["count"])? })
                })
                .collect()
        })
        .unwrap_or_default();
    let bookmarks = if params.include_bookmarks {
        let body = arm.post_list_action(&part("bookmarks"), None)?;
        Some(keep("bookmarks", value_items(&body)).iter().map(bookmark).collect())
    } else {
        None
    };
    let cap = ListCap { max_items: limit, ..ListCap::default() };
    let mut listed = |section: &str| -> Result<Vec<Json>, Error> {
        let page = arm.list(&part(section), cap)?;
        if page.capped {
            truncated.push(section.to_string());
        }
        Ok(page.items)
    };
    let comments = if params.include_comments { Some(listed("comments")?.iter().map(comment).collect()) } else { None };
    let relations =
        if params.include_relations { Some(listed("relations")?.iter().map(relation).collect()) } else { None };
    let tasks = if params.include_tasks { Some(listed("tasks")?.iter().map(task).collect()) } else { None };
    Ok(DetailsOutput {
        incident: Incident::from_json(&incident),
        alerts: alerts.iter().map(Alert::from_json).collect(),
        entities: entities.iter().map(entity).collect(),
        entity_counts,
        comments,
        bookmarks,
        relations,
        tasks,
        truncated,
    })
}

/// The incident with this number (`$filter=properties/incidentNumber eq N`).
fn find_by_number(arm: &Arm, number: i64) -> Result<Json, Error> {
    let url = arm.sentinel_url(&["incidents"], &[("$filter", format!("properties/incidentNumber eq {number}"))]);
    let page = arm.list(&url, ListCap { max_items: 1, max_pages: 1 })?;
    page.items
        .into_iter()
        .find(|item| int(item, &["properties", "incidentNumber"]) == Some(number))
        .ok_or_else(|| Error::Config(format!("no incident has number {number}; list them with sentinel_incident_list")))
}

fn value_items(body: &Json) -> Vec<Json> {
    at(body, &["value"]).and_then(Json::as_array).cloned().unwrap_or_default()
}

fn entity(value: &Json) -> Entity {
    Entity {
        name: name(value),
        kind: text(value, &["kind"]),
        friendly_name: prop(value, "friendlyName"),
        properties: at(value, &["properties"]).cloned().unwrap_or(Json::Null),
    }
}

fn person(value: &Json, path: &[&str]) -> Option<String> {
    ["name", "assignedTo", "userPrincipalName", "email"].iter().find_map(|key| {
        let mut full = path.to_vec();
        full.push(key);
        text(value, &full)
    })
}

fn comment(value: &Json) -> Comment {
    Comment {
        name: name(value),
        message: prop(value, "message"),
        author: person(value, &["properties", "author"]),
        created_time_utc: prop(value, "createdTimeUtc"),
    }
}

fn bookmark(value: &Json) -> Bookmark {
    Bookmark {
        name: name(value),
        display_name: prop(value, "displayName"),
        query: prop(value, "query"),
        event_time: prop(value, "eventTime"),
        created: prop(value, "created"),
        created_by: person(value, &["properties", "createdBy"]),
    }
}

fn relation(value: &Json) -> Relation {
    Relation {
        name: name(value),
        related_resource_id: prop(value, "relatedResourceId"),
        related_resource_name: prop(value, "relatedResourceName"),
        related_resource_type: prop(value, "relatedResourceType"),
        related_resource_kind: prop(value, "relatedResourceKind"),
    }
}

fn task(value: &Json) -> Task {
    Task {
        name: name(value),
        title: prop(value, "title"),
        description: prop(value, "description"),
        status: prop(value, "status"),
        created_time_utc: prop(value, "createdTimeUtc"),
        last_modified_time_utc: prop(value, "lastModifiedTimeUtc"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::sentinel::examples::body;

    #[test]
    fn the_incident_example_reads_into_its_fields() {
        let incident =
            Incident::from_json(&body("securityinsights/2025-12-01/examples/incidents/GetIncidentById.json"));
        assert_eq!(incident.name, "73e01a99-5cd7-4139-a149-9f2736ff2ab5");
        assert_eq!(incident.incident_number, Some(3177));
        assert_eq!(incident.title.as_deref(), Some("My incident"));
        assert_eq!((incident.severity.as_deref(), incident.status.as_deref()), (Some("High"), Some("Closed")));
        assert_eq!(incident.owner.as_deref(), Some("john doe"));
        assert_eq!(incident.tactics, ["InitialAccess", "Persistence"]);
        assert_eq!(incident.comments_count, Some(3));
        assert_eq!(incident.created_time_utc.as_deref(), Some("2019-01-01T13:15:30Z"));
        let list = body("securityinsights/2025-12-01/examples/incidents/GetIncidents.json");
        assert_eq!(
            Incident::from_json(&list["value"][0]).classification_reason.as_deref(),
            Some("IncorrectAlertLogic")
        );
    }

    #[test]
    fn the_parts_examples_read_into_their_fields() {
        let alerts = body("securityinsights/2025-12-01/examples/incidents/GetAllIncidentAlerts.json");
        let alert = Alert::from_json(&alerts["value"][0]);
        assert_eq!(alert.display_name.as_deref(), Some("myAlert"));
        assert_eq!(alert.product_name.as_deref(), Some("Azure Security Center"));
        assert_eq!((alert.severity.as_deref(), alert.status.as_deref()), (Some("Low"), Some("New")));
        let entities = body("securityinsights/2025-12-01/examples/incidents/GetAllIncidentEntities.json");
        let account = entity(&entities["entities"][0]);
        assert_eq!(
            (account.kind.as_deref(), account.friendly_name.as_deref()),
            (Some("Account"), Some("administrator"))
        );
        assert_eq!(account.properties["ntDomain"], "domain");
        let bookmarks = body("securityinsights/2025-12-01/examples/incidents/GetAllIncidentBookmarks.json");
        let first = bookmark(&bookmarks["value"][0]);
        assert_eq!(first.query.as_deref(), Some("SecurityEvent\r\n| take 1\n"));
        assert_eq!(first.created_by.as_deref(), Some("user"));
        let comments = body("securityinsights/2025-12-01/examples/incidents/comments/GetAllIncidentComments.json");
        assert_eq!(comment(&comments["value"][0]).message.as_deref(), Some("Some message"));
        let relations = body("securityinsights/2025-12-01/examples/incidents/relations/GetAllIncidentRelations.json");
        assert_eq!(relation(&relations["value"][1]).related_resource_kind.as_deref(), Some("SecurityAlert"));
        let tasks = body("securityinsights/2025-12-01/examples/incidents/tasks/IncidentTasks_List.json");
        assert_eq!(task(&tasks["value"][0]).title.as_deref(), Some("Task title"));
    }

    #[test]
    fn filters_are_built_from_checked_values_only() {
        let params = ListParams {
            severity: Some("high, medium".into()),
            status: Some("New".into()),
            created_after: Some("2025-06-01".into()),
            created_before: Some("2025-06-02T12:00:00Z".into()),
            ..ListParams::default()
        };
        assert_eq!(
            build_filter(&params).unwrap().unwrap(),
            "(properties/severity eq 'High' or properties/severity eq 'Medium') and properties/status eq 'New' \
             and properties/createdTimeUtc ge 2025-06-01T00:00:00Z and properties/createdTimeUtc lt 2025-06-02T12:00:00Z"
        );
        let injected = ListParams { severity: Some("High' or 1 eq 1".into()), ..ListParams::default() };
        assert!(build_filter(&injected).unwrap_err().to_string().contains("not a severity"));
        let bad_time = ListParams { created_after: Some("yesterday or true".into()), ..ListParams::default() };
        assert!(build_filter(&bad_time).is_err());
        assert_eq!(build_filter(&ListParams::default()).unwrap(), None);
        assert_eq!(build_order_by(None).unwrap(), "properties/createdTimeUtc desc");
        assert_eq!(build_order_by(Some("properties/incidentNumber ASC")).unwrap(), "properties/incidentNumber asc");
        assert!(build_order_by(Some("secret desc")).is_err());
    }
}
