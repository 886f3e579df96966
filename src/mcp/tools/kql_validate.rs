//! `kql_validate`: parse and type-check a query, returning its diagnostics
//! (located by line and column) and its output schema.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::analysis::{Globals, Output as AnalysisOutput};
use crate::diagnostics::{Diagnostic, Severity};
use crate::mcp::Context;
use crate::mcp::workspace_schema::ServerSchemas;
use crate::text::SourceFile;

/// Queries longer than this are refused rather than checked.
pub const MAX_QUERY_BYTES: usize = 1 << 20;

/// Parameters of `kql_validate`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Params {
    /// The KQL query text (one query; `let` statements before it are fine).
    pub query: String,
    /// Extra table schemas as JSON, in the format of kqlab's schema files:
    /// `{"MyTable_CL": {"Col": "string", "Other": "long"}}`. They are added
    /// to (or replace) the built-in Sentinel / Log Analytics tables.
    #[serde(default)]
    pub schemas_json: Option<String>,
    /// A workspace in the schema cache whose tables, functions and
    /// watchlists to check against too; default: the server's
    /// `--workspace`, when it has one.
    #[serde(default)]
    pub workspace: Option<String>,
}

/// What `kql_validate` found.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// True when there is no error (warnings may remain).
    pub valid: bool,
    pub error_count: u32,
    pub warning_count: u32,
    /// Every problem, in source order.
    pub diagnostics: Vec<DiagnosticOut>,
    /// The query's result columns, when they could be worked out.
    pub output_schema: Option<OutputSchema>,
    /// Problems reading the schema cache (the built-in schemas were used).
    pub warnings: Vec<String>,
}

/// One diagnostic, located in the query text.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DiagnosticOut {
    /// Stable code, e.g. `KQL1002`; diagnostic_explain tells more about it.
    pub code: String,
    /// Kebab-case name of the problem, e.g. `unknown-column`.
    pub name: String,
    /// `error`, `warning` or `info`.
    pub severity: String,
    pub message: String,
    /// 1-based line of the start of the problem.
    pub line: u32,
    /// 1-based column (in characters) of the start of the problem.
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// The offending text.
    pub snippet: String,
    /// How to fix it, when known (e.g. "did you mean `Account`?").
    pub help: Option<String>,
}

/// The shape of the query's result.
#[derive(Debug, Serialize, JsonSchema)]
pub struct OutputSchema {
    /// `table` or `scalar`.
    pub kind: String,
    pub columns: Vec<ColumnOut>,
    /// True when the table may have more columns than listed (e.g. after
    /// `evaluate bag_unpack`).
    pub open: bool,
}

/// One column: its name and KQL type.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ColumnOut {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
}

/// Checks `params.query`; a bad `schemas_json` or an oversized query is a
/// tool error.
pub fn run(context: &Context, params: Params) -> Result<Output, String> {
    check_query_size("kql_validate", &params.query)?;
    let schemas = ServerSchemas::load(context, params.workspace.as_deref());
    let globals = with_schemas_json(&schemas.globals, params.schemas_json.as_deref())?;
    let (diagnostics, output) = super::with_large_stack(|| crate::analysis::check_text(&params.query, &globals));
    let source = SourceFile::new("query", params.query);
    let diagnostics = render_diagnostics(&diagnostics, &source);
    let (error_count, warning_count) = count(&diagnostics);
    Ok(Output {
        valid: error_count == 0,
        error_count,
        warning_count,
        diagnostics,
        output_schema: output_schema(output),
        warnings: schemas.warnings,
    })
}

/// A tool error for a query over [`MAX_QUERY_BYTES`].
pub fn check_query_size(tool: &str, query: &str) -> Result<(), String> {
    if query.len() > MAX_QUERY_BYTES {
        return Err(format!("the query is {} bytes; {tool} accepts up to {MAX_QUERY_BYTES} bytes", query.len()));
    }
    Ok(())
}

/// `globals` with the tables of `schemas_json` (kqlab's schema file format)
/// added; a bad file is a tool error.
pub fn with_schemas_json(globals: &Globals, schemas_json: Option<&str>) -> Result<Globals, String> {
    let Some(text) = schemas_json.filter(|text| !text.trim().is_empty()) else { return Ok(globals.clone()) };
    let mut schemas = globals.schemas.as_ref().clone();
    schemas.add_json(text, true).map_err(|error| format!("`schemas_json` is not a valid schema file: {error}"))?;
    Ok(Globals::with_schemas(schemas))
}

/// The diagnostics of `source` located by line and column, in order.
pub fn render_diagnostics(diagnostics: &[Diagnostic], source: &SourceFile) -> Vec<DiagnosticOut> {
    diagnostics.iter().map(|d| render_diagnostic(d, source)).collect()
}

/// How many errors and warnings there are.
pub fn count(diagnostics: &[DiagnosticOut]) -> (u32, u32) {
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error.as_str()).count() as u32;
    let warnings = diagnostics.iter().filter(|d| d.severity == Severity::Warning.as_str()).count() as u32;
    (errors, warnings)
}

/// One diagnostic located in `source`.
pub fn render_diagnostic(diagnostic: &Diagnostic, source: &SourceFile) -> DiagnosticOut {
    let start = source.line_col(diagnostic.span.start);
    let end = source.line_col(diagnostic.span.end);
    let snippet = source.text.get(diagnostic.span.range()).unwrap_or_default().chars().take(200).collect();
    DiagnosticOut {
        code: diagnostic.code.as_string(),
        name: diagnostic.code.info().name.to_string(),
        severity: diagnostic.severity.as_str().to_string(),
        message: diagnostic.message.clone(),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        snippet,
        help: diagnostic.help.clone(),
    }
}

/// The query's result columns, when known.
pub fn output_schema(output: Option<AnalysisOutput>) -> Option<OutputSchema> {
    match output? {
        AnalysisOutput::Table(table) => Some(OutputSchema {
            kind: "table".into(),
            columns: table.columns.iter().map(|c| ColumnOut { name: c.name.clone(), ty: c.ty.to_string() }).collect(),
            open: table.open,
        }),
        AnalysisOutput::Scalar(ty) => Some(OutputSchema {
            kind: "scalar".into(),
            columns: vec![ColumnOut { name: "print_0".into(), ty: ty.to_string() }],
            open: false,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> Context {
        Context::local("rules", vec![])
    }

    fn params(query: &str) -> Params {
        Params { query: query.into(), schemas_json: None, workspace: None }
    }

    #[test]
    fn a_ten_megabyte_query_is_refused() {
        let error = run(&context(), params(&"x".repeat(10 << 20))).unwrap_err();
        assert!(error.contains("accepts up to"), "{error}");
    }

    #[test]
    fn unknown_column_is_located_with_its_code() {
        let output = run(&context(), params("SigninLogs\n| where Acount == 1")).unwrap();
        assert!(!output.valid);
        let diagnostic = &output.diagnostics[0];
        assert_eq!((diagnostic.code.as_str(), diagnostic.line), ("KQL1002", 2));
    }

    #[test]
    fn valid_query_has_an_output_schema() {
        let output = run(&context(), params("SigninLogs | summarize n = count() by UserPrincipalName")).unwrap();
        assert!(output.valid);
        let schema = output.output_schema.unwrap();
        assert_eq!(schema.columns.len(), 2);
        assert_eq!(schema.columns[1].ty, "long");
    }
}
