//! The server's MCP prompts: ready-made tasks a user picks in the client
//! (`write_detection`, `fix_query`, `write_tests`), each filled in with what
//! kqlab knows (the ATT&CK technique, the analyzer's real diagnostics, the
//! rule's text) and the steps that use the server's tools.

use std::path::{Path, PathBuf};

use rmcp::ErrorData;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{GetPromptResult, PromptMessage, Role};
use rmcp::{prompt, prompt_router};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::analysis::schema::Schemas;
use crate::mcp::tools::kql_validate;
use crate::mcp::{Context, Server};
use crate::ruleset::attack;

/// kqlab's rule test format, with an example (checked by a test).
pub const TEST_FILE_FORMAT: &str = include_str!("../../data/mcp/test_file_format.md");

/// Arguments of `write_detection`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct WriteDetectionParams {
    /// The Log Analytics / Sentinel table to detect in, e.g. `SigninLogs` or `Syslog`.
    pub table: String,
    /// The MITRE ATT&CK technique id, e.g. `T1110` or `T1078.004`.
    pub technique: String,
    /// What should trigger an alert, in your words (optional).
    #[serde(default)]
    pub description: Option<String>,
}

/// Arguments of `fix_query`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct FixQueryParams {
    /// The KQL query to fix.
    pub query: String,
    /// The error Sentinel, Log Analytics or another tool reported, if any.
    #[serde(default)]
    pub error: Option<String>,
}

/// Arguments of `write_tests`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct WriteTestsParams {
    /// The rule's path relative to the rules folder, e.g. `ssh_potential_brute_force.yaml`
    /// (`rules/…` and `kqlab://rules/…` work too).
    pub path: String,
}

#[prompt_router(vis = "pub(super)")]
impl Server {
    #[prompt(
        name = "write_detection",
        description = "Write a Microsoft Sentinel analytics rule for a MITRE ATT&CK technique on one table, checked with kql_validate and tested on sample data with a NAME.test.yaml of cases that fire and cases that stay quiet."
    )]
    async fn write_detection(
        &self,
        Parameters(params): Parameters<WriteDetectionParams>,
    ) -> Result<GetPromptResult, ErrorData> {
        let has_kql_run = self.tool_router.has_route("kql_run");
        let text = write_detection_text(&self.context, &params, has_kql_run);
        Ok(user_prompt(format!("Write a Sentinel detection for {} on {}", params.technique.trim(), params.table), text))
    }

    #[prompt(
        name = "fix_query",
        description = "Fix a KQL query: the prompt carries the query (with line numbers) and kqlab's real diagnostics for it (code, line:column, message, help), plus the error you saw, if any."
    )]
    async fn fix_query(&self, Parameters(params): Parameters<FixQueryParams>) -> Result<GetPromptResult, ErrorData> {
        let context = self.context().clone();
        let text = tokio::task::spawn_blocking(move || fix_query_text(&context, &params))
            .await
            .map_err(|error| ErrorData::internal_error(format!("checking the query failed: {error}"), None))?
            .map_err(|error| ErrorData::invalid_params(error, None))?;
        Ok(user_prompt("Fix a KQL query using kqlab's diagnostics", text))
    }

    #[prompt(
        name = "write_tests",
        description = "Write kqlab test cases (NAME.test.yaml) for a rule of the rules folder: the prompt carries the rule's YAML, its current tests if any, matching sample files and the test file format; it asks for cases that fire and cases that must not."
    )]
    async fn write_tests(
        &self,
        Parameters(params): Parameters<WriteTestsParams>,
    ) -> Result<GetPromptResult, ErrorData> {
        let context = self.context.clone();
        let path = params.path.clone();
        let text = tokio::task::spawn_blocking(move || write_tests_text(&context, &path))
            .await
            .map_err(|error| ErrorData::internal_error(format!("reading the rule failed: {error}"), None))?
            .map_err(|error| ErrorData::invalid_params(error, Some(serde_json::json!({ "path": params.path }))))?;
        Ok(user_prompt(format!("Write tests for {}", params.path), text))
    }
}

fn user_prompt(description: impl Into<String>, text: String) -> GetPromptResult {
    GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)]).with_description(description)
}

/// The `write_detection` task: the technique as kqlab's ATT&CK data knows
/// it, the table, its sample files and the steps with the tools.
pub fn write_detection_text(context: &Context, params: &WriteDetectionParams, has_kql_run: bool) -> String {
    let table = params.table.trim();
    let technique_id = params.technique.trim().to_uppercase();
    let (technique, tactics) = match attack::technique(&technique_id) {
        Some(technique) => {
            let tactics: Vec<&str> = technique.tactics.iter().map(|tactic| tactic.sentinel_name).collect();
            let mut text = format!("MITRE ATT&CK {technique_id} ({})", technique.name);
            if let Some(replacement) = technique.replaced_by {
                text.push_str(&format!(" (MITRE revoked it: use {replacement} instead)"));
            } else if technique.deprecated {
                text.push_str(" (MITRE deprecated it: prefer a current technique)");
            }
            (text, format!("`tactics: [{}]`", tactics.join(", ")))
        }
        None => (
            format!(
                "MITRE ATT&CK {technique_id} (kqlab's ATT&CK {} data has no such technique: check the id before \
                 putting it in `relevantTechniques`)",
                attack::VERSION
            ),
            "`tactics` (Sentinel spelling, e.g. CredentialAccess)".to_string(),
        ),
    };
    let mut out = format!(
        "Write a Microsoft Sentinel scheduled analytics rule that detects {technique} in the `{table}` table.\n"
    );
    if let Some(description) = params.description.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        out.push_str(&format!("What should trigger an alert: {description}\n"));
    }
    out.push_str("\nWork step by step with the kqlab tools:\n\n");
    let table_step = match Schemas::builtin().table(table) {
        Some(schema) => format!(
            "1. Call schema_table_get with `{{\"table\": \"{table}\"}}` ({} columns) and use only the columns and \
             types it lists.\n",
            schema.columns.len()
        ),
        None => format!(
            "1. kqlab has no built-in schema for `{table}`: find the right table with schema_tables_list (or, for a \
             custom `_CL` table, pass its columns to kql_validate as `schemas_json`), then read its columns with \
             schema_table_get.\n"
        ),
    };
    out.push_str(&table_step);
    out.push_str(
        "2. Write the KQL: filter early on TimeGenerated and the most selective columns, aggregate with summarize, \
         and project the columns an analyst and the entity mappings need. Prefer functions that run locally \
         (functions_search shows `runs_locally`).\n\
         3. Call kql_validate on the query and fix every error it reports (code, line:column, help); repeat until \
         `valid` is true. diagnostic_explain explains a code.\n",
    );
    let samples = sample_files(context, |stem| stem_names_table(stem, table));
    let sample_note = if samples.is_empty() {
        format!("There is no sample file for `{table}` in the samples folders, so write the events as inline rows.")
    } else {
        format!("Sample files for `{table}`: {}.", quoted_list(&samples))
    };
    if has_kql_run {
        out.push_str(&format!(
            "4. Run the query on sample data with kql_run and check that it returns what you expect. {sample_note}\n"
        ));
    } else {
        out.push_str(&format!("4. Prepare sample data for the tests. {sample_note}\n"));
    }
    out.push_str(&format!(
        "5. Write the rule as Sentinel analytics rule YAML, `NAME.yaml` (NAME in snake_case): `id` (a new GUID), \
         `name`, `description`, `severity` (Informational, Low, Medium or High), `requiredDataConnectors`, \
         `queryFrequency` and `queryPeriod` (e.g. 1h, 1d; queryPeriod at least queryFrequency), `triggerOperator: gt`, \
         `triggerThreshold: 0`, {tactics}, `relevantTechniques: [{technique_id}]`, `query: |` (the validated KQL), \
         `entityMappings` (Account, Host, IP, … mapped to columns the query returns), `version: 1.0.0`, \
         `kind: Scheduled`.\n\
         6. Write its tests beside it as `NAME.test.yaml`, with at least one case that fires and one that stays \
         quiet, in kqlab's test file format (below).\n\
         7. If you can write files, save both in the rules folder (`{}`) and call rules_test with `filter` set to \
         NAME; fix the rule or the tests until every case passes and `rule_errors` is empty. Otherwise show both \
         files.\n\n\
         Finish with a short note: what the rule detects, its thresholds, and likely false positives.\n\n\
         ## kqlab's rule test format\n\n{TEST_FILE_FORMAT}",
        context.rules_folder().display()
    ));
    out
}

/// The `fix_query` task, with the analyzer's diagnostics for the query.
pub fn fix_query_text(context: &Context, params: &FixQueryParams) -> Result<String, String> {
    let validate = kql_validate::Params { query: params.query.clone(), schemas_json: None, workspace: None };
    let output = kql_validate::run(context, validate)?;
    let mut out = String::from(
        "Fix this KQL query (Microsoft Sentinel / Log Analytics). Line numbers are for reference only:\n\n```kql\n",
    );
    for (index, line) in params.query.lines().enumerate() {
        out.push_str(&format!("{:>3} | {line}\n", index + 1));
    }
    out.push_str("```\n\n");
    if let Some(error) = params.error.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        out.push_str(&format!("The error reported when it ran:\n\n```\n{error}\n```\n\n"));
    }
    if output.diagnostics.is_empty() {
        out.push_str(
            "kql_validate finds no problem in it offline (built-in schemas), so the fault is likely in the data, a \
             custom table or function kqlab does not know, or the logic.\n",
        );
    } else {
        out.push_str(&format!(
            "kql_validate reports {} error(s) and {} warning(s):\n\n",
            output.error_count, output.warning_count
        ));
        for diagnostic in &output.diagnostics {
            out.push_str(&format!(
                "- line {}, column {}: {} {} `{}`: {}",
                diagnostic.line,
                diagnostic.column,
                diagnostic.severity,
                diagnostic.code,
                diagnostic.name,
                diagnostic.message
            ));
            if let Some(help) = &diagnostic.help {
                out.push_str(&format!(" (help: {help})"));
            }
            out.push('\n');
        }
    }
    out.push_str(
        "\nFix the cause of each problem rather than its symptom (diagnostic_explain explains a code; \
         schema_table_get shows a table's columns). Keep what the query is meant to do. Call kql_validate on the \
         fixed query and repeat until `valid` is true, then reply with the fixed query and one line per change.\n",
    );
    Ok(out)
}

/// The `write_tests` task: the rule's text, its current tests, sample files
/// for the tables it names, and the test file format.
pub fn write_tests_text(context: &Context, path: &str) -> Result<String, String> {
    let rule_path = resolve_rule(context, path)?;
    let text = std::fs::read_to_string(&rule_path).map_err(|error| format!("cannot read `{path}`: {error}"))?;
    let file_name = rule_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = file_name.rsplit_once('.').map_or(file_name.as_str(), |(stem, _)| stem);
    if stem.ends_with(".test") {
        return Err(format!("`{path}` is a test file; give the rule it tests"));
    }
    let test_name = format!("{stem}.test.yaml");
    let test_path = rule_path.with_file_name(&test_name);
    let language = if crate::ruleset::document::is_yaml(&rule_path) { "yaml" } else { "kql" };
    let mut out = format!(
        "Write test cases for the rule `{path}` of the rules folder, in `{test_name}` beside it.\n\n```{language}\n{}\n```\n\n",
        text.trim_end()
    );
    match std::fs::read_to_string(&test_path) {
        Ok(tests) => out.push_str(&format!(
            "It already has tests in `{test_name}`; keep them and add the cases they miss:\n\n```yaml\n{}\n```\n\n",
            tests.trim_end()
        )),
        Err(_) => out.push_str(&format!("It has no `{test_name}` yet.\n\n")),
    }
    let rule_folder = rule_path.parent().unwrap_or(Path::new("."));
    // Tables are matched in the query only: a rule's name or licence note
    // may hold words that are also sample names.
    let document = crate::ruleset::document::Document::load(&rule_path, text.clone());
    let query = document.query.map_or(text.clone(), |query| query.text);
    let samples = sample_files(context, |stem| mentions_table_of(&query, stem));
    if !samples.is_empty() {
        let relative: Vec<String> = samples
            .iter()
            .filter_map(|sample| sample.canonicalize().ok())
            .map(|sample| relative_path(rule_folder, &sample))
            .collect();
        out.push_str(&format!(
            "Sample files for the tables it reads (paths relative to the test file): {}.\n\n",
            quoted_list(&relative.iter().map(PathBuf::from).collect::<Vec<_>>())
        ));
    }
    out.push_str(&format!(
        "Cover: a case that fires on the behaviour the rule describes (check the alert's key columns with \
         `contains`), a case just under each threshold or outside each filter that must stay quiet, and a benign \
         look-alike. Use realistic values (documentation IP ranges such as 203.0.113.0/24, example.com names). If \
         you can write files, save `{test_name}` and call rules_test with `filter` set to `{stem}` until every case \
         passes; otherwise show the file.\n\n## kqlab's rule test format\n\n{TEST_FILE_FORMAT}"
    ));
    Ok(out)
}

/// The rule at `path`: relative to the rules folder, or with the rules
/// folder's own prefix, or as a `kqlab://rules/` URI.
fn resolve_rule(context: &Context, path: &str) -> Result<PathBuf, String> {
    let trimmed = path.trim();
    let trimmed = trimmed.strip_prefix("kqlab://rules/").unwrap_or(trimmed);
    let first = crate::mcp::resources::resolve_rule_file(context, trimmed);
    if first.is_ok() {
        return first;
    }
    let folder = context.rules_folder().to_string_lossy().replace('\\', "/");
    let folder = folder.trim_end_matches('/');
    match trimmed.strip_prefix(folder).and_then(|rest| rest.strip_prefix('/')) {
        Some(rest) if !folder.is_empty() => crate::mcp::resources::resolve_rule_file(context, rest),
        _ => first,
    }
}

/// The files directly in the samples folders whose stem passes `wanted`,
/// sorted, as paths under the samples folders as given.
fn sample_files(context: &Context, wanted: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for folder in &context.settings.samples {
        let Ok(entries) = std::fs::read_dir(folder) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            if path.is_file() && context.readable(&path.to_string_lossy()).is_ok() && wanted(&stem) {
                found.push(path);
            }
        }
    }
    found.sort();
    found.truncate(20);
    found
}

/// A sample's stem names its table: `Syslog_VMwareESXi` or `Syslog` for
/// `Syslog` (samples are named `TABLE_what.ext`).
fn stem_names_table(stem: &str, table: &str) -> bool {
    stem == table || stem.strip_prefix(table).is_some_and(|rest| rest.starts_with('_'))
}

/// True when the stem starts with a table name (the stem itself or a prefix
/// of it ending before a `_`) that `text` uses as a whole word.
fn mentions_table_of(text: &str, stem: &str) -> bool {
    let mut prefixes: Vec<&str> = stem.match_indices('_').map(|(index, _)| &stem[..index]).collect();
    prefixes.push(stem);
    prefixes.into_iter().filter(|prefix| prefix.len() >= 3).any(|prefix| contains_word(text, prefix))
}

fn contains_word(text: &str, word: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(index, _)| {
        let before = text[..index].chars().next_back();
        let after = text[index + word.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// `to` relative to the folder `from` (both absolute), with `..` as needed.
fn relative_path(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to_parts: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to_parts).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); from.len() - common];
    parts.extend(to_parts[common..].iter().map(|part| part.as_os_str().to_string_lossy().into_owned()));
    parts.join("/")
}

fn quoted_list(paths: &[PathBuf]) -> String {
    paths.iter().map(|path| format!("`{}`", path.display())).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Context {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        Context::local(root.join("rules"), vec![root.join("samples")])
    }

    #[test]
    fn the_test_file_format_example_is_a_valid_test_file() {
        let example = TEST_FILE_FORMAT.split("```yaml\n").nth(1).and_then(|rest| rest.split("```").next()).unwrap();
        let file = crate::ruleset::test_file::TestFile::parse(Path::new("rules/x.test.yaml"), example.to_string());
        assert!(file.diagnostics.is_empty(), "{:?}", file.diagnostics);
        assert_eq!(file.cases.len(), 2);
    }

    #[test]
    fn write_detection_names_the_technique_the_table_and_its_samples() {
        let params = WriteDetectionParams {
            table: "Syslog".into(),
            technique: "t1110".into(),
            description: Some("many failed SSH passwords".into()),
        };
        let text = write_detection_text(&bundled(), &params, false);
        assert!(text.contains("T1110 (Brute Force)"), "{text}");
        assert!(text.contains("CredentialAccess"), "{text}");
        assert!(text.contains("schema_table_get") && text.contains("kql_validate"), "{text}");
        assert!(text.contains("Syslog_VMwareESXi.json"), "{text}");
        assert!(text.contains("many failed SSH passwords"));
        assert!(!text.contains("kql_run"));
        assert!(write_detection_text(&bundled(), &params, true).contains("kql_run"));
    }

    #[test]
    fn write_detection_flags_an_unknown_technique_and_table() {
        let params = WriteDetectionParams { table: "Nope_CL".into(), technique: "T9999".into(), description: None };
        let text = write_detection_text(&bundled(), &params, false);
        assert!(text.contains("no such technique"), "{text}");
        assert!(text.contains("no built-in schema for `Nope_CL`"), "{text}");
    }

    #[test]
    fn fix_query_carries_the_real_diagnostics() {
        let params = FixQueryParams { query: "SigninLogs\n| where Acount == 1".into(), error: Some("boom".into()) };
        let text = fix_query_text(&Context::local("rules", vec![]), &params).unwrap();
        assert!(text.contains("line 2, column 9: error KQL1002 `unknown-column`"), "{text}");
        assert!(text.contains("  2 | | where Acount == 1"), "{text}");
        assert!(text.contains("boom"));
    }

    #[test]
    fn write_tests_embeds_the_rule_its_tests_and_samples() {
        let context = bundled();
        let text = write_tests_text(&context, "ssh_potential_brute_force.yaml").unwrap();
        assert!(text.contains("name: SSH - Potential Brute Force"), "{text}");
        assert!(text.contains("already has tests"), "{text}");
        assert!(text.contains("`../samples/Syslog_VMwareESXi.json`"), "{text}");
        let duo = write_tests_text(&context, "trust_monitor_event.yaml").unwrap();
        assert!(
            duo.contains("(paths relative to the test file): `../samples/DuoSecurityTrustMonitor_CL.json`.\n"),
            "{duo}"
        );
        assert!(text.contains("expect:"));
        let prefixed =
            write_tests_text(&context, &format!("{}/ssh_potential_brute_force.yaml", context.rules_folder().display()));
        assert!(prefixed.is_ok(), "{prefixed:?}");
    }

    #[test]
    fn write_tests_refuses_unknown_and_outside_paths() {
        let context = bundled();
        assert!(write_tests_text(&context, "no_such_rule.yaml").unwrap_err().contains("does not exist"));
        assert!(write_tests_text(&context, "../Cargo.toml").unwrap_err().contains("outside"));
        assert!(write_tests_text(&context, "/etc/passwd").is_err());
        assert!(write_tests_text(&context, "ssh_potential_brute_force.test.yaml").unwrap_err().contains("test file"));
    }

    #[test]
    fn missing_required_arguments_do_not_deserialize() {
        assert!(serde_json::from_value::<FixQueryParams>(serde_json::json!({})).is_err());
        assert!(serde_json::from_value::<WriteDetectionParams>(serde_json::json!({"table": "Syslog"})).is_err());
        assert!(serde_json::from_value::<WriteTestsParams>(serde_json::json!({})).is_err());
    }

    #[test]
    fn table_names_in_sample_stems() {
        assert!(stem_names_table("Syslog_VMwareESXi", "Syslog"));
        assert!(!stem_names_table("SyslogX", "Syslog"));
        assert!(mentions_table_of("ARGOS_CL\n| where x", "ARGOS_CL_not_exploitable"));
        assert!(!mentions_table_of("ARGOS_CLX", "ARGOS_CL_not_exploitable"));
        assert_eq!(relative_path(Path::new("/a/rules"), Path::new("/a/samples/s.json")), "../samples/s.json");
    }
}
