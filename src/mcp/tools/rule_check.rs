//! `rule_check`: the checks of `kqlab check` (query analysis and the
//! KQL3xxx rule metadata checks) on one rule file, an inline rule, or a
//! rules folder, with the rules folder's functions and `kqlab.toml` as
//! context.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::kql_validate::{DiagnosticOut, render_diagnostic};
use crate::diagnostics::{Diagnostic, Severity};
use crate::mcp::Context;
use crate::mcp::workspace_schema::ServerSchemas;
use crate::ruleset::document::Document;
use crate::ruleset::folder::Folder;
use crate::text::SourceFile;

/// Inline rules longer than this are refused.
const MAX_YAML_BYTES: usize = 1 << 20;
/// Diagnostics returned at most; the counts cover them all.
const MAX_DIAGNOSTICS: usize = 500;

/// Parameters of `rule_check`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Params {
    /// A rule, hunting query, function (`.yaml`/`.kql`) or folder under the
    /// server's rules or samples folder, e.g. `rules/brute_force.yaml`.
    /// Default (with no `yaml` either): the whole rules folder.
    #[serde(default)]
    pub path: Option<String>,
    /// A rule's YAML text to check instead of a file (a Sentinel analytics
    /// rule, hunting query or parser), e.g. one being written.
    #[serde(default)]
    pub yaml: Option<String>,
    /// A workspace in the schema cache whose tables and functions to check
    /// against too; default: the server's `--workspace`, when it has one.
    #[serde(default)]
    pub workspace: Option<String>,
}

/// What the checks found.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// True when no file has an error.
    pub ok: bool,
    pub files_checked: u32,
    pub error_count: u32,
    pub warning_count: u32,
    /// Every problem (the first 500), file by file in source order.
    pub diagnostics: Vec<RuleDiagnostic>,
    /// True when there were more diagnostics than listed.
    pub truncated: bool,
    /// Problems reading the schema cache or the rules folder.
    pub warnings: Vec<String>,
}

/// One problem in one file.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RuleDiagnostic {
    /// The file, as the server shows it (`inline.yaml` for `yaml`).
    pub file: String,
    #[serde(flatten)]
    pub diagnostic: DiagnosticOut,
}

/// Checks what `params` names; a path outside the readable folders or an
/// oversized rule is a tool error.
pub fn run(context: &Context, params: Params) -> Result<Output, String> {
    let mut schemas = ServerSchemas::load(context, params.workspace.as_deref());
    let found = match (&params.yaml, &params.path) {
        (Some(_), Some(_)) => return Err("give `path` or `yaml`, not both".into()),
        (Some(yaml), None) => {
            if yaml.len() > MAX_YAML_BYTES {
                return Err(format!(
                    "the rule is {} bytes; rule_check accepts up to {MAX_YAML_BYTES} bytes",
                    yaml.len()
                ));
            }
            let document = Document::load(Path::new("inline.yaml"), yaml.clone());
            check_one(context, &mut schemas, document, None)
        }
        (None, Some(path)) => {
            let resolved = context.readable(path)?;
            if resolved.is_dir() {
                check_folder(&mut schemas, &resolved)?
            } else {
                let bytes = std::fs::read(&resolved).map_err(|error| format!("cannot read `{path}`: {error}"))?;
                if bytes.len() > MAX_YAML_BYTES {
                    return Err(format!(
                        "`{path}` is {} bytes; rule_check reads up to {MAX_YAML_BYTES} bytes",
                        bytes.len()
                    ));
                }
                let document = Document::from_bytes(&resolved, &bytes);
                check_one(context, &mut schemas, document, Some(path))
            }
        }
        (None, None) => {
            let resolved = context.readable(&context.rules_folder().to_string_lossy())?;
            check_folder(&mut schemas, &resolved)?
        }
    };
    let mut diagnostics = Vec::new();
    let (mut error_count, mut warning_count) = (0u32, 0u32);
    for (source, file_diagnostics) in &found.files {
        for diagnostic in file_diagnostics {
            match diagnostic.severity {
                Severity::Error => error_count += 1,
                Severity::Warning => warning_count += 1,
                Severity::Info => {}
            }
            if diagnostics.len() < MAX_DIAGNOSTICS {
                diagnostics.push(RuleDiagnostic {
                    file: display(&source.name),
                    diagnostic: render_diagnostic(diagnostic, source),
                });
            }
        }
    }
    let truncated = (error_count + warning_count) as usize > diagnostics.len();
    Ok(Output {
        ok: error_count == 0,
        files_checked: found.files_checked,
        error_count,
        warning_count,
        diagnostics,
        truncated,
        warnings: schemas.warnings,
    })
}

/// The files checked with their diagnostics.
struct Found {
    files_checked: u32,
    /// Files with diagnostics.
    files: Vec<(SourceFile, Vec<Diagnostic>)>,
}

/// Checks one document behind the rules folder's functions and
/// configuration; it replaces the folder's document of the same path.
fn check_one(context: &Context, schemas: &mut ServerSchemas, document: Document, shown_as: Option<&str>) -> Found {
    let mut folder = super::kql_run::rules_folder(context, schemas);
    let index = match folder.documents.iter().position(|d| d.path == document.path) {
        Some(index) => {
            folder.documents[index] = document;
            index
        }
        None => {
            folder.documents.push(document);
            folder.documents.len() - 1
        }
    };
    folder.link_functions();
    let (globals, _) = crate::ruleset::config::folder_globals(folder.config.as_ref(), &folder.root, &schemas.globals);
    let report = super::with_large_stack(|| crate::ruleset::checks::check_document(&folder, index, &globals));
    let mut source = folder.documents[index].source.clone();
    if let Some(shown_as) = shown_as {
        source.name = shown_as.to_string();
    }
    let mut diagnostics = report.diagnostics;
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    let files = if diagnostics.is_empty() { Vec::new() } else { vec![(source, diagnostics)] };
    Found { files_checked: 1, files }
}

/// Checks a folder as `kqlab check FOLDER` does: every document, its
/// configuration and its watchlists.
fn check_folder(schemas: &mut ServerSchemas, path: &Path) -> Result<Found, String> {
    let mut folder = Folder::load(path).map_err(|error| format!("reading `{}`: {error}", path.display()))?;
    schemas.add_functions_to(&mut folder);
    let globals = schemas.globals.clone();
    let reports = super::with_large_stack(|| crate::ruleset::checks::check_folder(&folder, &globals));
    let mut files_checked = reports.len() as u32;
    let mut files = Vec::new();
    for report in reports {
        if !report.diagnostics.is_empty() {
            files.push((folder.documents[report.document].source.clone(), report.diagnostics));
        }
    }
    let config = crate::ruleset::checks::check_config(&folder, &globals);
    for (source, diagnostics) in config.into_iter().chain(crate::ruleset::checks::check_watchlists(&folder)) {
        files_checked += 1;
        files.push((source, diagnostics));
    }
    Ok(Found { files_checked, files })
}

/// A path relative to the server's working directory when it is under it.
fn display(name: &str) -> String {
    let path = PathBuf::from(name);
    match std::env::current_dir().ok().and_then(|dir| path.strip_prefix(dir).ok().map(Path::to_path_buf)) {
        Some(relative) => relative.display().to_string(),
        None => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: &str = "id: 0b9ae89d-8cad-461c-808f-0494f70ad5c4\nname: Brute force\ndescription: Many failed sign-ins.\nseverity: Medium\nkind: Scheduled\nqueryFrequency: 1h\nqueryPeriod: 1h\ntriggerOperator: gt\ntriggerThreshold: 0\ntactics:\n  - CredentialAccess\nrelevantTechniques:\n  - T1110\nquery: |\n  SigninLogs\n  | where ResultType != \"0\"\n  | summarize n = count() by UserPrincipalName\nversion: 1.0.0\n";

    fn params(path: Option<&str>, yaml: Option<&str>) -> Params {
        Params { path: path.map(Into::into), yaml: yaml.map(Into::into), workspace: None }
    }

    fn folder() -> (tempfile::TempDir, Context) {
        let dir = tempfile::tempdir().unwrap();
        let rules = dir.path().join("rules");
        std::fs::create_dir_all(rules.join("functions")).unwrap();
        std::fs::write(rules.join("functions/FailedSignins.kql"), "SigninLogs | where ResultType != \"0\"").unwrap();
        std::fs::write(rules.join("good.yaml"), RULE).unwrap();
        let context = Context::local(&rules, vec![]);
        (dir, context)
    }

    #[test]
    fn an_inline_rule_is_checked_with_the_folders_functions() {
        let (_dir, context) = folder();
        let uses_function = RULE.replace("  SigninLogs\n  | where ResultType != \"0\"\n", "  FailedSignins\n");
        let output = run(&context, params(None, Some(&uses_function))).unwrap();
        assert!(output.ok, "{:?}", output.diagnostics);
        let broken = RULE.replace("CredentialAccess", "CredentialAcess").replace("UserPrincipalName", "UserPrincipal");
        let output = run(&context, params(None, Some(&broken))).unwrap();
        assert!(!output.ok);
        let codes: Vec<&str> = output.diagnostics.iter().map(|d| d.diagnostic.code.as_str()).collect();
        assert!(codes.contains(&"KQL1002"), "{codes:?}");
        assert!(codes.iter().any(|code| code.starts_with("KQL3")), "{codes:?}");
        assert_eq!(output.diagnostics[0].file, "inline.yaml");
    }

    #[test]
    fn a_file_and_the_whole_folder_are_checked() {
        let (dir, context) = folder();
        let file = dir.path().join("rules/good.yaml");
        let one = run(&context, params(Some(file.to_str().unwrap()), None)).unwrap();
        assert_eq!((one.ok, one.files_checked), (true, 1), "{:?}", one.diagnostics);
        std::fs::write(dir.path().join("rules/bad.yaml"), RULE.replace("severity: Medium", "severity: Urgent"))
            .unwrap();
        let all = run(&context, params(None, None)).unwrap();
        assert_eq!(all.files_checked, 3);
        assert!(all.diagnostics.iter().any(|d| d.file.ends_with("bad.yaml")), "{:?}", all.diagnostics);
    }

    #[test]
    fn paths_outside_the_folders_are_refused() {
        let (dir, context) = folder();
        std::fs::write(dir.path().join("secret.yaml"), RULE).unwrap();
        let error = run(&context, params(Some(dir.path().join("secret.yaml").to_str().unwrap()), None)).unwrap_err();
        assert!(error.contains("outside"), "{error}");
    }
}
