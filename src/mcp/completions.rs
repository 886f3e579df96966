//! Argument completion (`completion/complete`): what a client offers while
//! the user types a resource template's variable (a table, a function, a
//! code, a rule file) or a prompt's argument.

use rmcp::ErrorData;
use rmcp::model::{CompleteRequestParams, CompleteResult, CompletionInfo, Reference};

use crate::analysis::schema::Schemas;
use crate::diagnostics::codes::TABLE;
use crate::engine::support::support_matrix;
use crate::mcp::Context;
use crate::mcp::resources;
use crate::ruleset::attack;

/// The values for `request`'s argument that match what was typed: names
/// that start with it first (ignoring case), then names that contain it.
/// An argument kqlab cannot complete gets no values.
pub fn complete(context: &Context, request: &CompleteRequestParams) -> Result<CompleteResult, ErrorData> {
    let candidates: Vec<String> = match (&request.r#ref, request.argument.name.as_str()) {
        (Reference::Resource(reference), argument) => match (reference.uri.as_str(), argument) {
            ("kqlab://schema/{table}", "table") => table_names(),
            ("kqlab://functions/{name}", "name") => function_names(),
            ("kqlab://diagnostics/{code}", "code") => {
                TABLE.iter().map(|info| format!("KQL{:04}", info.number)).collect()
            }
            ("kqlab://rules/{path}", "path") => rule_files(context, true),
            _ => Vec::new(),
        },
        (Reference::Prompt(prompt), argument) => match (prompt.name.as_str(), argument) {
            ("write_detection", "table") => table_names(),
            ("write_detection", "technique") => attack::techniques().iter().map(|t| t.id.to_string()).collect(),
            ("write_tests", "path") => rule_files(context, false),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let values = matching(candidates, &request.argument.value);
    let total = values.len();
    let page: Vec<String> = values.into_iter().take(CompletionInfo::MAX_VALUES).collect();
    let completion = CompletionInfo::with_pagination(page, Some(total as u32), total > CompletionInfo::MAX_VALUES)
        .map_err(|error| ErrorData::internal_error(error, None))?;
    Ok(CompleteResult::new(completion))
}

fn table_names() -> Vec<String> {
    Schemas::builtin().table_names().map(str::to_string).collect()
}

fn function_names() -> Vec<String> {
    let mut names: Vec<String> = support_matrix().into_iter().map(|entry| entry.function.name.clone()).collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The rules folder's files (relative paths), with or without the tests.
fn rule_files(context: &Context, with_tests: bool) -> Vec<String> {
    resources::rule_resources(context)
        .into_iter()
        .map(|resource| resource.name)
        .filter(|name| with_tests || !name.contains(".test."))
        .collect()
}

/// `candidates` that start with `typed` (ignoring case), sorted, then those
/// that contain it.
fn matching(candidates: Vec<String>, typed: &str) -> Vec<String> {
    let typed = typed.to_lowercase();
    let mut ranked: Vec<(bool, String)> = candidates
        .into_iter()
        .filter_map(|candidate| {
            let lower = candidate.to_lowercase();
            if lower.starts_with(&typed) {
                Some((false, candidate))
            } else if lower.contains(&typed) {
                Some((true, candidate))
            } else {
                None
            }
        })
        .collect();
    ranked.sort();
    ranked.into_iter().map(|(_, candidate)| candidate).collect()
}

#[cfg(test)]
mod tests {
    use rmcp::model::{ArgumentInfo, PromptReference, ResourceTemplateReference};

    use super::*;

    fn bundled() -> Context {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        Context::local(root.join("rules"), vec![root.join("samples")])
    }

    fn values(reference: Reference, argument: &str, typed: &str) -> Vec<String> {
        let request = CompleteRequestParams::new(reference, ArgumentInfo::new(argument, typed));
        complete(&bundled(), &request).unwrap().completion.values
    }

    #[test]
    fn template_variables_complete_from_the_catalogs() {
        let tables =
            values(Reference::Resource(ResourceTemplateReference::new("kqlab://schema/{table}")), "table", "signin");
        assert_eq!(tables.first().map(String::as_str), Some("SigninLogs"), "{tables:?}");
        let functions =
            values(Reference::Resource(ResourceTemplateReference::new("kqlab://functions/{name}")), "name", "dcou");
        assert_eq!(functions.first().map(String::as_str), Some("dcount"), "{functions:?}");
        let rules = values(Reference::Resource(ResourceTemplateReference::new("kqlab://rules/{path}")), "path", "ssh");
        assert!(rules.contains(&"ssh_potential_brute_force.yaml".to_string()), "{rules:?}");
    }

    #[test]
    fn prompt_arguments_complete() {
        let techniques = values(Reference::Prompt(PromptReference::new("write_detection")), "technique", "T1110");
        assert_eq!(techniques.first().map(String::as_str), Some("T1110"), "{techniques:?}");
        let rules = values(Reference::Prompt(PromptReference::new("write_tests")), "path", "ssh");
        assert_eq!(rules, ["ssh_potential_brute_force.yaml"]);
        assert!(values(Reference::Prompt(PromptReference::new("fix_query")), "query", "S").is_empty());
    }

    #[test]
    fn at_most_a_hundred_values_are_returned() {
        let request = CompleteRequestParams::new(
            Reference::Resource(ResourceTemplateReference::new("kqlab://schema/{table}")),
            ArgumentInfo::new("table", ""),
        );
        let completion = complete(&bundled(), &request).unwrap().completion;
        assert_eq!(completion.values.len(), CompletionInfo::MAX_VALUES);
        assert_eq!(completion.has_more, Some(true));
    }
}
