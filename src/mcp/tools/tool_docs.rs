//! `tool_docs_list`, `tool_docs_get`, `tool_docs_search` and
//! `llm_instructions_get`: documentation of the server's own tools, made
//! from its live tool list (names, descriptions, input and output schemas),
//! so it cannot drift from what the server serves. The names are those of
//! the earlier Python server, so prompts written for it keep working.

use rmcp::model::Tool;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

const DEFAULT_SEARCH_LIMIT: u32 = 10;

/// Every tool of the server.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListOutput {
    pub tools: Vec<ToolSummary>,
}

/// One tool, in short.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ToolSummary {
    pub name: String,
    /// The `path` tool_docs_get accepts: `tool_docs/NAME.md`.
    pub path: String,
    /// The first sentence of the tool's description.
    pub summary: String,
    /// True when the tool changes nothing (every kqlab tool is read-only).
    pub read_only: bool,
}

/// Parameters of `tool_docs_get`: `name` or `path`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct GetParams {
    /// The tool's name, e.g. `kql_validate`.
    #[serde(default)]
    pub name: Option<String>,
    /// The doc's path as tool_docs_list gives it, e.g. `tool_docs/kql_validate.md`
    /// (`kql_validate.md` works too).
    #[serde(default)]
    pub path: Option<String>,
}

/// One tool's documentation.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GetOutput {
    pub name: String,
    pub path: String,
    /// The description, the parameters and the output fields, as Markdown.
    pub markdown: String,
    /// The JSON Schema of the tool's arguments.
    pub input_schema: Map<String, Value>,
    /// The JSON Schema of its structured result, when it has one.
    pub output_schema: Option<Map<String, Value>>,
}

/// Parameters of `tool_docs_search`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct SearchParams {
    /// Words to look for in the tools' names, descriptions and parameters
    /// (case-insensitive), e.g. `validate query` or `test rules`.
    pub query: String,
    /// How many tools to return (default 10).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// The tools that match, best first.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SearchOutput {
    pub total: u32,
    pub results: Vec<SearchHit>,
}

/// A tool that matches, with the lines of its doc that do.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SearchHit {
    pub name: String,
    pub path: String,
    /// How many of the query's words the doc holds (a name match counts more).
    pub score: u32,
    pub summary: String,
    /// Lines of the doc holding a query word (at most five).
    pub matches: Vec<String>,
}

/// How to use this server.
#[derive(Debug, Serialize, JsonSchema)]
pub struct InstructionsOutput {
    /// The same text the server sends as its `instructions` when a client connects.
    pub instructions: String,
    /// The server's prompts (pick them in the client).
    pub prompts: Vec<String>,
    /// The server's resource URIs and URI templates.
    pub resources: Vec<String>,
    /// Every tool in short, when `include_tools` was asked for.
    pub tools: Option<Vec<ToolSummary>>,
}

/// Parameters of `tool_docs_list`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListParams {
    /// Only the tools whose name starts with this, e.g. `kql_` (local KQL
    /// tools), `sentinel_` (the workspace), `entra_id_` or `schema_`.
    #[serde(default)]
    pub prefix: Option<String>,
}

/// Parameters of `llm_instructions_get`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct InstructionsParams {
    /// Also list every tool's name with its one-line summary (default false).
    #[serde(default)]
    pub include_tools: bool,
}

/// Summaries of `tools` (those whose name starts with `prefix`), sorted by name.
pub fn list(tools: &[Tool], prefix: Option<&str>) -> ListOutput {
    let prefix = prefix.map(str::trim).unwrap_or_default();
    let mut tools: Vec<ToolSummary> = tools
        .iter()
        .filter(|tool| tool.name.starts_with(prefix))
        .map(|tool| ToolSummary {
            name: tool.name.to_string(),
            path: doc_path(&tool.name),
            summary: summary(tool),
            read_only: tool.annotations.as_ref().and_then(|a| a.read_only_hint).unwrap_or(false),
        })
        .collect();
    tools.sort_by(|a, b| a.name.cmp(&b.name));
    ListOutput { tools }
}

/// The doc of the tool named by `params.name` or `params.path`.
pub fn get(tools: &[Tool], params: GetParams) -> Result<GetOutput, String> {
    let wanted = match (params.name.as_deref(), params.path.as_deref()) {
        (Some(name), _) if !name.trim().is_empty() => name.trim().to_string(),
        (_, Some(path)) if !path.trim().is_empty() => name_from_path(path),
        _ => return Err("give `name` (e.g. `kql_validate`) or `path` (from tool_docs_list)".into()),
    };
    let Some(tool) = tools.iter().find(|tool| tool.name == wanted) else {
        let mut close: Vec<(usize, &str)> = tools
            .iter()
            .map(|tool| (crate::text::edit_distance(&wanted, &tool.name), tool.name.as_ref()))
            .filter(|(distance, name)| *distance <= 3 || name.contains(wanted.as_str()))
            .collect();
        close.sort_unstable();
        let close: Vec<String> = close.iter().take(5).map(|(_, name)| format!("`{name}`")).collect();
        let hint = if close.is_empty() { String::new() } else { format!("did you mean {}? ", close.join(", ")) };
        return Err(format!("no tool named `{wanted}`; {hint}tool_docs_list lists every tool"));
    };
    Ok(GetOutput {
        name: tool.name.to_string(),
        path: doc_path(&tool.name),
        markdown: render_markdown(tool),
        input_schema: (*tool.input_schema).clone(),
        output_schema: tool.output_schema.as_deref().cloned(),
    })
}

/// The tools whose docs hold any word of `params.query`, best first.
pub fn search(tools: &[Tool], params: SearchParams) -> Result<SearchOutput, String> {
    let words: Vec<String> = params
        .query
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() {
        return Err("`query` is empty; give a word or two, e.g. `validate` or `schema`".into());
    }
    let mut hits: Vec<SearchHit> = tools
        .iter()
        .filter_map(|tool| {
            let markdown = render_markdown(tool);
            let text = markdown.to_lowercase();
            let name = tool.name.to_lowercase();
            let mut score = 0;
            for word in &words {
                if name.contains(word.as_str()) {
                    score += 3;
                } else if text.contains(word.as_str()) {
                    score += 1;
                }
            }
            if score == 0 {
                return None;
            }
            let matches = markdown
                .lines()
                .filter(|line| {
                    let line = line.to_lowercase();
                    words.iter().any(|word| line.contains(word.as_str()))
                })
                .map(|line| line.chars().take(300).collect())
                .take(5)
                .collect();
            Some(SearchHit {
                name: tool.name.to_string(),
                path: doc_path(&tool.name),
                score,
                summary: summary(tool),
                matches,
            })
        })
        .collect();
    hits.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.name.cmp(&b.name)));
    let total = hits.len() as u32;
    hits.truncate(params.limit.unwrap_or(DEFAULT_SEARCH_LIMIT).max(1) as usize);
    Ok(SearchOutput { total, results: hits })
}

/// The tool's doc: description, parameters and output fields.
pub fn render_markdown(tool: &Tool) -> String {
    let mut out = format!("# {}\n\n{}\n", tool.name, tool.description.as_deref().unwrap_or("(no description)"));
    if let Some(annotations) = &tool.annotations
        && annotations.read_only_hint == Some(true)
    {
        out.push_str("\nRead-only: it changes nothing.\n");
    }
    out.push_str("\n## Parameters\n\n");
    let required: Vec<&str> = tool
        .input_schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    match tool.input_schema.get("properties").and_then(Value::as_object).filter(|p| !p.is_empty()) {
        None => out.push_str("None.\n"),
        Some(properties) => {
            out.push_str("| name | type | required | description |\n|---|---|---|---|\n");
            for (name, schema) in properties {
                let required = if required.contains(&name.as_str()) { "yes" } else { "no" };
                out.push_str(&format!("| `{name}` | {} | {required} | {} |\n", type_name(schema), description(schema)));
            }
        }
    }
    if let Some(properties) = tool.output_schema.as_ref().and_then(|s| s.get("properties")).and_then(Value::as_object) {
        out.push_str("\n## Output (structured JSON)\n\n| field | type | description |\n|---|---|---|\n");
        for (name, schema) in properties {
            out.push_str(&format!("| `{name}` | {} | {} |\n", type_name(schema), description(schema)));
        }
    }
    out
}

/// `tool_docs/NAME.md`, the path the earlier server's docs had.
fn doc_path(name: &str) -> String {
    format!("tool_docs/{name}.md")
}

/// `resources/tool_docs/kql_validate.md`, `kql_validate.md` → `kql_validate`.
fn name_from_path(path: &str) -> String {
    let file = path.trim().rsplit(['/', '\\']).next().unwrap_or(path);
    file.strip_suffix(".md").unwrap_or(file).to_string()
}

/// The description's first sentence.
fn summary(tool: &Tool) -> String {
    let description = tool.description.as_deref().unwrap_or_default();
    match description.find(". ") {
        Some(end) => description[..=end].to_string(),
        None => description.to_string(),
    }
}

/// A property's JSON type for the table: `string`, `integer or null`,
/// `array of object`, …
fn type_name(schema: &Value) -> String {
    match schema.get("type") {
        Some(Value::String(name)) if name == "array" => match schema.get("items") {
            Some(items) => format!("array of {}", type_name(items)),
            None => "array".into(),
        },
        Some(Value::String(name)) => name.clone(),
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" or "),
        _ if schema.get("$ref").is_some() => "object".into(),
        _ => match schema.get("anyOf").or_else(|| schema.get("oneOf")).and_then(Value::as_array) {
            Some(options) => options.iter().map(type_name).collect::<Vec<_>>().join(" or "),
            None => "any".into(),
        },
    }
}

fn description(schema: &Value) -> String {
    schema.get("description").and_then(Value::as_str).unwrap_or_default().replace('\n', " ").replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn tools() -> Vec<Tool> {
        let server = crate::mcp::Server::new(Arc::new(crate::mcp::Context::local("rules", vec![])));
        server.tools()
    }

    #[test]
    fn every_tool_is_listed_with_a_path_and_summary() {
        let output = list(&tools(), None);
        let names: Vec<&str> = output.tools.iter().map(|t| t.name.as_str()).collect();
        for name in ["kql_validate", "tool_docs_get", "llm_instructions_get", "markdown_template_get"] {
            assert!(names.contains(&name), "{names:?}");
        }
        let validate = output.tools.iter().find(|t| t.name == "kql_validate").unwrap();
        assert_eq!(validate.path, "tool_docs/kql_validate.md");
        assert!(validate.read_only && validate.summary.ends_with('.'), "{validate:?}");
    }

    #[test]
    fn a_doc_is_found_by_name_or_path() {
        let tools = tools();
        let by_name = get(&tools, GetParams { name: Some("kql_validate".into()), path: None }).unwrap();
        let by_path =
            get(&tools, GetParams { name: None, path: Some("resources/tool_docs/kql_validate.md".into()) }).unwrap();
        assert_eq!(by_name.markdown, by_path.markdown);
        assert!(by_name.markdown.contains("| `query` | string | yes |"), "{}", by_name.markdown);
        assert!(by_name.markdown.contains("## Output"), "{}", by_name.markdown);
        assert!(by_name.output_schema.is_some());
        let unknown = get(&tools, GetParams { name: Some("kql_validat".into()), path: None }).unwrap_err();
        assert!(unknown.contains("did you mean `kql_validate`"), "{unknown}");
        assert!(get(&tools, GetParams::default()).is_err());
    }

    #[test]
    fn search_ranks_name_matches_first() {
        let output = search(&tools(), SearchParams { query: "validate".into(), limit: None }).unwrap();
        assert_eq!(output.results[0].name, "kql_validate");
        assert!(!output.results[0].matches.is_empty());
        assert!(search(&tools(), SearchParams { query: "  ".into(), limit: None }).is_err());
        let none = search(&tools(), SearchParams { query: "zzzqqq".into(), limit: None }).unwrap();
        assert_eq!(none.total, 0);
    }
}
