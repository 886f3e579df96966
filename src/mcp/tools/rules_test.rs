//! `rules_test`: run the test cases of a rules folder and report each case.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::analysis::Globals;
use crate::mcp::Context;
use crate::ruleset::folder::Folder;
use crate::ruleset::runner::{Limits, run_tests};

/// Parameters of `rules_test`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Params {
    /// The rules folder: the server's rules folder (the default) or a
    /// folder inside it, as a path relative to the server's working
    /// directory (e.g. `rules/identity`).
    #[serde(default)]
    pub folder: Option<String>,
    /// Only the rules whose name or path contains this text.
    #[serde(default)]
    pub filter: Option<String>,
}

/// The outcome of the run.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    pub folder: String,
    pub passed: u32,
    pub failed: u32,
    /// Errors in the rules themselves (query or metadata problems), as
    /// `path line:column: KQLnnnn message`; like a compiler before tests,
    /// any of these means the run failed even when every case passed.
    pub rule_errors: Vec<String>,
    /// Every case that ran, in folder order.
    pub cases: Vec<CaseOut>,
    /// Test files that could not be used, with their problems.
    pub broken_tests: Vec<BrokenOut>,
    /// Rules and queries that have no test file.
    pub untested: Vec<String>,
}

/// One test case.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CaseOut {
    /// The rule's name.
    pub rule: String,
    /// The test file's path.
    pub test_file: String,
    pub case: String,
    /// The line of the test file where the case is declared.
    pub line: u32,
    pub passed: bool,
    /// The expectations that did not hold.
    pub failures: Vec<FailureOut>,
    /// Things worth knowing that are not failures.
    pub notes: Vec<String>,
    pub elapsed_ms: u64,
}

/// One expectation that did not hold.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FailureOut {
    pub message: String,
    /// A diff or the rows returned.
    pub detail: Option<String>,
}

/// A test file that could not be used.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BrokenOut {
    pub test_file: String,
    /// Its problems, as `KQLnnnn line:column: message`.
    pub problems: Vec<String>,
}

/// Loads the folder and runs its tests on a thread with a large stack.
pub fn run(context: &Context, params: Params) -> Result<Output, String> {
    let folder_path = match params.folder.as_deref() {
        Some(folder) => context.readable(folder)?,
        None => context.readable(&context.rules_folder().to_string_lossy())?,
    };
    if !folder_path.is_dir() {
        return Err(format!("`{}` is not a folder", folder_path.display()));
    }
    let folder =
        context.load_folder(&folder_path).map_err(|error| format!("reading `{}`: {error}", folder_path.display()))?;
    let limits = Limits::default().with_config(&folder);
    let globals = Globals::builtin();
    let filter = params.filter.as_deref().filter(|f| !f.is_empty());
    let (reports, run) = super::with_large_stack(|| {
        (crate::ruleset::checks::check_folder(&folder, &globals), run_tests(&folder, &globals, filter, &limits))
    });
    let rule_errors: Vec<String> = reports
        .iter()
        .filter(|report| filter.is_none_or(|filter| matches_filter(&folder, report.document, filter)))
        .flat_map(|report| {
            let source = &folder.documents[report.document].source;
            report.diagnostics.iter().filter(|d| d.is_error()).map(move |d| {
                let at = source.line_col(d.span.start);
                format!("{} {}:{}: {} {}", source.name, at.line, at.column, d.code, d.message)
            })
        })
        .collect();
    let cases: Vec<CaseOut> = run
        .results
        .iter()
        .map(|result| CaseOut {
            rule: folder.documents[result.document].display_name(),
            test_file: result.test.clone(),
            case: result.case.clone(),
            line: result.line,
            passed: result.passed(),
            failures: result
                .failures
                .iter()
                .map(|f| FailureOut { message: f.message.clone(), detail: f.detail.clone() })
                .collect(),
            notes: result.notes.clone(),
            elapsed_ms: result.elapsed.as_millis() as u64,
        })
        .collect();
    let broken_tests = run
        .broken
        .iter()
        .map(|broken| BrokenOut {
            test_file: broken.file.path.display().to_string(),
            problems: broken
                .file
                .diagnostics
                .iter()
                .map(|d| {
                    let at = broken.file.source.line_col(d.span.start);
                    format!("{} {}:{}: {}", d.code, at.line, at.column, d.message)
                })
                .collect(),
        })
        .collect();
    let passed = cases.iter().filter(|c| c.passed).count() as u32;
    Ok(Output {
        folder: folder_path.display().to_string(),
        passed,
        failed: cases.len() as u32 - passed,
        rule_errors,
        cases,
        broken_tests,
        untested: run.untested.iter().map(|&index| folder.documents[index].display_name()).collect(),
    })
}

/// The runner's filter: the document's path or name contains `filter`.
fn matches_filter(folder: &Folder, index: usize, filter: &str) -> bool {
    let document = &folder.documents[index];
    document.path.to_string_lossy().contains(filter) || document.display_name().contains(filter)
}
