//! What an analytics rule builds its alerts from: entity mappings, custom
//! details, alert details overrides and event grouping, checked against
//! Sentinel's entity reference and the query's output schema.

use yaml_serde::Value;

use crate::analysis::Output;
use crate::diagnostics::{Code, Diagnostic};
use crate::ruleset::checks::fields::closest;
use crate::ruleset::document::Document;
use crate::ruleset::yaml_map::Step;

/// Sentinel's limits (Microsoft Learn: "Map data fields to entities",
/// "Surface custom event details in alerts", "Customize alert details").
use crate::ruleset::entities::{MAX_ENTITY_MAPPINGS, MAX_IDENTIFIERS_PER_MAPPING as MAX_IDENTIFIERS};
const MAX_CUSTOM_DETAILS: usize = 20;
const MAX_FORMAT_PLACEHOLDERS: usize = 3;
const MAX_DISPLAY_NAME_LENGTH: usize = 256;
const MAX_DESCRIPTION_LENGTH: usize = 5000;

/// Values of `eventGroupingSettings.aggregationKind`.
const AGGREGATION_KINDS: &[&str] = &["SingleAlert", "AlertPerResult"];

/// Alert properties `alertDynamicProperties` can set.
const ALERT_PROPERTIES: &[&str] = &[
    "AlertLink",
    "ConfidenceLevel",
    "ConfidenceScore",
    "ExtendedLinks",
    "ProductComponentName",
    "ProductName",
    "ProviderName",
    "RemediationSteps",
    "Techniques",
    "SubTechniques",
];

/// The output columns a rule's mappings may name, or `None` when the
/// output is unknown or open (then column checks are skipped).
pub struct OutputColumns(Option<Vec<String>>);

impl OutputColumns {
    /// The columns of `output`.
    pub fn of(output: Option<&Output>) -> OutputColumns {
        match output {
            Some(Output::Table(table)) if !table.open => {
                OutputColumns(Some(table.columns.iter().map(|c| c.name.clone()).collect()))
            }
            _ => OutputColumns(None),
        }
    }

    /// A diagnostic when `column` is known not to be an output column.
    fn check(&self, column: &str, span: crate::text::Span, code: Code, what: &str) -> Option<Diagnostic> {
        let columns = self.0.as_ref()?;
        if columns.iter().any(|c| c == column) {
            return None;
        }
        let known: Vec<&str> = columns.iter().map(String::as_str).collect();
        let mut diagnostic =
            Diagnostic::new(code, span, format!("{what} `{column}` is not a column of the query's output"));
        diagnostic = match closest(column, &known) {
            Some(near) => diagnostic.with_help(format!("did you mean `{near}`?")),
            None => diagnostic.with_help(format!("the query returns: {}", abbreviate(&known))),
        };
        Some(diagnostic)
    }
}

/// `a, b, c` (at most 12 names, then a count).
fn abbreviate(names: &[&str]) -> String {
    const SHOWN: usize = 12;
    let mut text = names.iter().take(SHOWN).map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    if names.is_empty() { "no columns".into() } else { text }
}

/// Checks `entityMappings` (structure, entity types, identifiers, columns).
pub fn check_entity_mappings(document: &Document, columns: &OutputColumns, out: &mut Vec<Diagnostic>) {
    let root = Step::Key("entityMappings");
    let Some(value) = document.value(&[root]) else { return };
    let Value::Sequence(mappings) = value else {
        out.push(
            Diagnostic::new(Code::InvalidRuleField, document.span(&[root]), "`entityMappings` must be a list")
                .with_help("each item: `entityType:` and `fieldMappings:` (a list of `identifier:` and `columnName:`)"),
        );
        return;
    };
    if mappings.len() > MAX_ENTITY_MAPPINGS {
        out.push(
            Diagnostic::new(
                Code::RuleLimitExceeded,
                document.span(&[root, Step::Index(MAX_ENTITY_MAPPINGS)]),
                format!("{} entity mappings; Sentinel takes at most {MAX_ENTITY_MAPPINGS}", mappings.len()),
            )
            .with_help("merge mappings of the same entity type, or drop the least useful ones"),
        );
    }
    for (index, mapping) in mappings.iter().enumerate() {
        let item = [root, Step::Index(index)];
        let entity_type = match mapping.get("entityType") {
            Some(Value::String(text)) => Some(text.as_str()),
            _ => {
                out.push(Diagnostic::new(
                    Code::MissingRuleField,
                    document.span(&item),
                    "an entity mapping needs an `entityType`",
                ));
                None
            }
        };
        let type_info = entity_type.and_then(|name| check_entity_type(document, &item, name, out));
        let Some(Value::Sequence(fields)) = mapping.get("fieldMappings") else {
            out.push(
                Diagnostic::new(
                    Code::MissingRuleField,
                    document.span(&item),
                    "an entity mapping needs a `fieldMappings` list",
                )
                .with_help("e.g. `fieldMappings: [{identifier: FullName, columnName: Account}]`"),
            );
            continue;
        };
        if fields.len() > MAX_IDENTIFIERS {
            out.push(Diagnostic::new(
                Code::RuleLimitExceeded,
                document.span(&[root, Step::Index(index), Step::Key("fieldMappings"), Step::Index(MAX_IDENTIFIERS)]),
                format!("{} identifiers in one entity mapping; Sentinel takes at most {MAX_IDENTIFIERS}", fields.len()),
            ));
        }
        for (field_index, field) in fields.iter().enumerate() {
            let field_path = [root, Step::Index(index), Step::Key("fieldMappings"), Step::Index(field_index)];
            let identifier = field.get("identifier").and_then(Value::as_str);
            let column = field.get("columnName").and_then(Value::as_str);
            let (Some(identifier), Some(column)) = (identifier, column) else {
                out.push(Diagnostic::new(
                    Code::MissingRuleField,
                    document.span(&field_path),
                    "a field mapping needs `identifier` and `columnName`",
                ));
                continue;
            };
            if let Some(info) = type_info {
                let identifier_path = [
                    root,
                    Step::Index(index),
                    Step::Key("fieldMappings"),
                    Step::Index(field_index),
                    Step::Key("identifier"),
                ];
                check_identifier(document, &identifier_path, info, identifier, out);
            }
            let column_path = [
                root,
                Step::Index(index),
                Step::Key("fieldMappings"),
                Step::Index(field_index),
                Step::Key("columnName"),
            ];
            out.extend(columns.check(column, document.span(&column_path), Code::EntityColumnMissing, "entity column"));
        }
    }
}

/// The entity type's reference entry, reporting an unknown type.
fn check_entity_type(
    document: &Document,
    item: &[Step],
    name: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<&'static crate::ruleset::entities::EntityType> {
    if let Some(info) = crate::ruleset::entities::entity_type(name) {
        return Some(info);
    }
    let mut path = item.to_vec();
    path.push(Step::Key("entityType"));
    let names: Vec<&str> = crate::ruleset::entities::entity_types().iter().map(|t| t.name).collect();
    let mut diagnostic = Diagnostic::new(
        Code::UnknownEntityType,
        document.span(&path),
        format!("`{name}` is not a Sentinel entity type"),
    );
    diagnostic =
        match crate::ruleset::entities::suggest_entity_type(name).map(|t| t.name).or_else(|| closest(name, &names)) {
            Some(near) => diagnostic.with_help(format!("did you mean `{near}`?")),
            None => diagnostic.with_help(format!("entity types: {}", names.join(", "))),
        };
    out.push(diagnostic);
    None
}

fn check_identifier(
    document: &Document,
    path: &[Step],
    info: &crate::ruleset::entities::EntityType,
    identifier: &str,
    out: &mut Vec<Diagnostic>,
) {
    if info.has_identifier(identifier) {
        return;
    }
    let mut diagnostic = Diagnostic::new(
        Code::UnknownEntityIdentifier,
        document.span(path),
        format!("`{identifier}` is not an identifier of the `{}` entity", info.name),
    );
    diagnostic = match info.suggest_identifier(identifier).or_else(|| closest(identifier, info.identifiers)) {
        Some(near) => diagnostic.with_help(format!("did you mean `{near}`?")),
        None => diagnostic.with_help(format!("`{}` identifiers: {}", info.name, info.identifiers.join(", "))),
    };
    out.push(diagnostic);
}

/// Checks `customDetails`: a mapping of detail names to output columns.
pub fn check_custom_details(document: &Document, columns: &OutputColumns, out: &mut Vec<Diagnostic>) {
    let root = Step::Key("customDetails");
    let Some(value) = document.value(&[root]) else { return };
    let Value::Mapping(details) = value else {
        out.push(
            Diagnostic::new(Code::InvalidRuleField, document.span(&[root]), "`customDetails` must be a mapping")
                .with_help("each line: `DetailName: ColumnName`"),
        );
        return;
    };
    if details.len() > MAX_CUSTOM_DETAILS {
        out.push(Diagnostic::new(
            Code::RuleLimitExceeded,
            document.key_span(&[root]),
            format!("{} custom details; Sentinel takes at most {MAX_CUSTOM_DETAILS}", details.len()),
        ));
    }
    for (key, column) in details {
        let Some(key) = key.as_str() else { continue };
        let path = [root, Step::Key(key)];
        let Some(column) = column.as_str() else {
            out.push(Diagnostic::new(
                Code::InvalidRuleField,
                document.span(&path),
                format!("custom detail `{key}` must name a column"),
            ));
            continue;
        };
        if !key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            out.push(
                Diagnostic::new(
                    Code::InvalidRuleField,
                    document.key_span(&path),
                    format!("custom detail name `{key}` must be letters, digits and `_`, starting with a letter"),
                )
                .with_help("Sentinel rejects other characters in custom detail keys"),
            );
        }
        out.extend(columns.check(column, document.span(&path), Code::DetailColumnMissing, "custom detail column"));
    }
}

/// Checks `alertDetailsOverride`: format placeholders and column names.
pub fn check_alert_details(document: &Document, columns: &OutputColumns, out: &mut Vec<Diagnostic>) {
    let root = Step::Key("alertDetailsOverride");
    let Some(value) = document.value(&[root]) else { return };
    if !matches!(value, Value::Mapping(_)) {
        out.push(Diagnostic::new(
            Code::InvalidRuleField,
            document.span(&[root]),
            "`alertDetailsOverride` must be a mapping",
        ));
        return;
    }
    for (key, limit) in
        [("alertDisplayNameFormat", MAX_DISPLAY_NAME_LENGTH), ("alertDescriptionFormat", MAX_DESCRIPTION_LENGTH)]
    {
        let path = [root, Step::Key(key)];
        let Some(format) = document.string(&path) else { continue };
        let placeholders = placeholders(&format);
        if placeholders.len() > MAX_FORMAT_PLACEHOLDERS {
            out.push(Diagnostic::new(
                Code::RuleLimitExceeded,
                document.span(&path),
                format!(
                    "`{key}` has {} placeholders; Sentinel replaces at most {MAX_FORMAT_PLACEHOLDERS}",
                    placeholders.len()
                ),
            ));
        }
        if format.chars().count() > limit {
            out.push(Diagnostic::new(
                Code::RuleLimitExceeded,
                document.span(&path),
                format!("`{key}` is {} characters long; Sentinel takes at most {limit}", format.chars().count()),
            ));
        }
        let value_span = document.span(&path);
        let written = &document.source.text[value_span.range()];
        for placeholder in placeholders {
            // Point at `{{Name}}` itself when the value is written on one line.
            let span = match written.find(&format!("{{{{{placeholder}}}}}")) {
                Some(at) => crate::text::Span::new(
                    value_span.start + at as u32,
                    value_span.start + (at + placeholder.len() + 4) as u32,
                ),
                None => value_span,
            };
            out.extend(columns.check(&placeholder, span, Code::UnknownAlertPlaceholder, "placeholder"));
        }
    }
    for key in ["alertTacticsColumnName", "alertSeverityColumnName"] {
        let path = [root, Step::Key(key)];
        if let Some(column) = document.string(&path) {
            out.extend(columns.check(&column, document.span(&path), Code::DetailColumnMissing, &format!("`{key}`")));
        }
    }
    let dynamic = [root, Step::Key("alertDynamicProperties")];
    if let Some(Value::Sequence(items)) = document.value(&dynamic) {
        for (index, item) in items.iter().enumerate() {
            let item_path = [root, Step::Key("alertDynamicProperties"), Step::Index(index)];
            if let Some(property) = item.get("alertProperty").and_then(Value::as_str)
                && !ALERT_PROPERTIES.contains(&property)
            {
                let mut property_path = item_path.to_vec();
                property_path.push(Step::Key("alertProperty"));
                let mut diagnostic = Diagnostic::new(
                    Code::InvalidRuleField,
                    document.span(&property_path),
                    format!("`{property}` is not an alert property Sentinel lets a rule set"),
                );
                diagnostic = match closest(property, ALERT_PROPERTIES) {
                    Some(near) => diagnostic.with_help(format!("did you mean `{near}`?")),
                    None => diagnostic.with_help(format!("alert properties: {}", ALERT_PROPERTIES.join(", "))),
                };
                out.push(diagnostic);
            }
            if let Some(column) = item.get("value").and_then(Value::as_str) {
                let mut value_path = item_path.to_vec();
                value_path.push(Step::Key("value"));
                out.extend(columns.check(
                    column,
                    document.span(&value_path),
                    Code::DetailColumnMissing,
                    "alert property column",
                ));
            }
        }
    }
}

/// The column names in `{{Name}}` placeholders, in order.
pub fn placeholders(format: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = format;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else { break };
        found.push(after[..close].trim().to_string());
        rest = &after[close + 2..];
    }
    found
}

/// Checks `eventGroupingSettings.aggregationKind`.
pub fn check_event_grouping(document: &Document, out: &mut Vec<Diagnostic>) {
    let root = Step::Key("eventGroupingSettings");
    let Some(value) = document.value(&[root]) else { return };
    let path = [root, Step::Key("aggregationKind")];
    let kind = match value {
        Value::Mapping(_) => document.string(&path),
        _ => None,
    };
    match kind {
        Some(kind) if AGGREGATION_KINDS.contains(&kind.as_str()) => {}
        Some(kind) => {
            let mut diagnostic = Diagnostic::new(
                Code::InvalidEventGrouping,
                document.span(&path),
                format!("`aggregationKind` must be `SingleAlert` or `AlertPerResult`, not `{kind}`"),
            );
            if let Some(near) = closest(&kind, AGGREGATION_KINDS) {
                diagnostic = diagnostic.with_help(format!("did you mean `{near}`?"));
            }
            out.push(diagnostic);
        }
        None => out.push(
            Diagnostic::new(
                Code::InvalidEventGrouping,
                document.span(&[root]),
                "`eventGroupingSettings` needs `aggregationKind`",
            )
            .with_help("`SingleAlert` (one alert per run) or `AlertPerResult` (one alert per row)"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn placeholders_are_read_in_order() {
        assert_eq!(placeholders("Sign-in by {{User}} from {{ IP }}"), vec!["User".to_string(), "IP".to_string()]);
        assert!(placeholders("no {{ end").is_empty());
    }
}
