//! `markdown_templates_list` and `markdown_template_get`: report templates
//! (incident summary, rule review, hunting report) for the model to fill in,
//! kept as Markdown files in `data/mcp/templates/`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A report template.
struct Template {
    name: &'static str,
    description: &'static str,
    markdown: &'static str,
}

const TEMPLATES: &[Template] = &[
    Template {
        name: "incident_summary",
        description: "An incident write-up: what happened, entities, evidence queries, assessment, actions.",
        markdown: include_str!("../../../data/mcp/templates/incident_summary.md"),
    },
    Template {
        name: "rule_review",
        description: "A review of one analytics rule: schedule, kql_validate and rules_test results, findings, test coverage, false positives.",
        markdown: include_str!("../../../data/mcp/templates/rule_review.md"),
    },
    Template {
        name: "hunting_report",
        description: "A threat hunt: hypothesis, queries and results, findings, conclusion and follow-up detections.",
        markdown: include_str!("../../../data/mcp/templates/hunting_report.md"),
    },
];

/// The templates.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListOutput {
    pub templates: Vec<TemplateSummary>,
}

/// One template, without its text.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TemplateSummary {
    /// What markdown_template_get takes, e.g. `incident_summary`.
    pub name: String,
    pub description: String,
}

/// Parameters of `markdown_template_get`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetParams {
    /// The template's name from markdown_templates_list, e.g. `rule_review`
    /// (`rule_review.md` works too).
    pub name: String,
}

/// One template's text.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GetOutput {
    pub name: String,
    pub description: String,
    /// The Markdown, with `{{placeholders}}` to replace and sections to keep
    /// or drop.
    pub markdown: String,
}

/// Parameters of `markdown_templates_list`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListParams {
    /// Only the templates whose name or description contains this
    /// (case-insensitive), e.g. `incident`.
    #[serde(default)]
    pub filter: Option<String>,
}

/// The templates matching `filter` (all without one), in a fixed order.
pub fn list(filter: Option<&str>) -> ListOutput {
    let filter = filter.map(|f| f.trim().to_lowercase()).unwrap_or_default();
    ListOutput {
        templates: TEMPLATES
            .iter()
            .filter(|t| t.name.contains(&filter) || t.description.to_lowercase().contains(&filter))
            .map(|t| TemplateSummary { name: t.name.into(), description: t.description.into() })
            .collect(),
    }
}

/// The template named `params.name`.
pub fn get(params: GetParams) -> Result<GetOutput, String> {
    let wanted = params.name.trim();
    let wanted = wanted.rsplit(['/', '\\']).next().unwrap_or(wanted);
    let wanted = wanted.strip_suffix(".md").unwrap_or(wanted);
    let Some(template) = TEMPLATES.iter().find(|t| t.name == wanted) else {
        let names: Vec<&str> = TEMPLATES.iter().map(|t| t.name).collect();
        return Err(format!("no template named `{}`; the templates are {}", params.name, names.join(", ")));
    };
    Ok(GetOutput {
        name: template.name.into(),
        description: template.description.into(),
        markdown: template.markdown.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_template_can_be_read() {
        for summary in list(None).templates {
            let template = get(GetParams { name: summary.name.clone() }).unwrap();
            assert!(template.markdown.starts_with("# "), "{}", summary.name);
        }
        assert_eq!(get(GetParams { name: "templates/rule_review.md".into() }).unwrap().name, "rule_review");
        assert!(get(GetParams { name: "nope".into() }).unwrap_err().contains("incident_summary"));
    }
}
