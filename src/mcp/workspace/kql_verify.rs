//! `kql_verify`: run a query, or a rule of the rules folder on each of its
//! test cases' data, in the workspace, and compare with kqlab's local run
//! (`kqlab verify --with-fixtures --compare`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::analysis::Globals;
use crate::diagnostics::has_errors;
use crate::diagnostics::render::JsonDiagnostic;
use crate::engine::output::api_json;
use crate::mcp::Context;
use crate::remote::query::QueryRequest;
use crate::remote::verify::{Options, Prepared, prepare_file, prepare_text, run_unit};

/// Rows of each remote result returned.
const MAX_ROWS: usize = 50;

/// Parameters of `kql_verify`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Params {
    /// A KQL query to run as is (give this or `rule`).
    #[serde(default)]
    pub query: Option<String>,
    /// A rule or query file of the rules folder (`.yaml`, `.kql`), e.g.
    /// `rules/ssh_brute_force.yaml`; its test cases' tables are inlined.
    #[serde(default)]
    pub rule: Option<String>,
    /// With `rule`: run on each test case's data (default true). False runs
    /// the rule on the workspace's real tables.
    #[serde(default)]
    pub with_fixtures: Option<bool>,
    /// Only the test case of this name.
    #[serde(default)]
    pub case: Option<String>,
    /// Also run locally and diff the two results (default true with fixtures).
    #[serde(default)]
    pub compare: Option<bool>,
    /// Time range the service applies (ISO 8601 duration, e.g. `P1D`); fixtures ignore it.
    #[serde(default)]
    pub timespan: Option<String>,
}

/// What the verification found.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// True when no run has an error diagnostic and every comparison agrees.
    pub ok: bool,
    pub file: String,
    /// Problems found before sending (the query's errors, missing fixtures, a control command).
    pub diagnostics: Vec<Json>,
    /// One run per test case (or one for a plain query).
    pub runs: Vec<Run>,
}

/// One remote run.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Run {
    /// The test case, for a rule with fixtures.
    pub case: Option<String>,
    /// Fixture tables inlined.
    pub fixture_tables: Vec<String>,
    pub diagnostics: Vec<Json>,
    /// The remote result (first table) in the query API's shape, up to 50 rows.
    pub result: Option<Json>,
    pub row_count: Option<u64>,
    /// Whether the local and remote results agree, and their diff when not.
    pub agree: Option<bool>,
    pub diff: Option<String>,
}

/// Verifies; a path outside the readable folders, a missing workspace and
/// network failures are tool errors.
pub fn run(context: &Context, params: Params) -> Result<Output, String> {
    let globals = Globals::builtin();
    let (prepared, with_fixtures) = match (&params.query, &params.rule) {
        (Some(_), Some(_)) => return Err("give `query` or `rule`, not both".into()),
        (None, None) => return Err("give a `query`, or a `rule` file of the rules folder".into()),
        (Some(query), None) => (prepare_text(query), false),
        (None, Some(rule)) => {
            let path = context.readable(rule)?;
            let with_fixtures = params.with_fixtures.unwrap_or(true);
            let options = Options { with_fixtures, case: params.case.clone(), no_pin_now: false };
            (prepare_file(&path, &options, &globals)?, with_fixtures)
        }
    };
    let Prepared { origin, units, early } = prepared;
    let render = |diagnostics: &[crate::diagnostics::Diagnostic]| -> Vec<Json> {
        diagnostics
            .iter()
            .map(|d| serde_json::to_value(JsonDiagnostic::new(d, &origin.source)).unwrap_or_default())
            .collect()
    };
    let mut output = Output {
        ok: !has_errors(&early),
        file: origin.source.name.clone(),
        diagnostics: render(&early),
        runs: Vec::new(),
    };
    if !output.ok {
        return Ok(output);
    }
    let client = context.client()?;
    let compare = params.compare.unwrap_or(with_fixtures);
    for unit in &units {
        let mut request = QueryRequest::new(unit.sent.text.clone());
        request.timespan = params.timespan.clone().filter(|t| !t.trim().is_empty());
        let outcome = run_unit(&client, &origin, unit, request, compare, &globals)
            .map_err(|error| context.redact_text(&error.to_string()))?;
        output.ok &= !has_errors(&outcome.diagnostics);
        let mut result = outcome.remote.as_ref().map(|table| {
            let indexes: Vec<usize> = (0..table.rows.min(MAX_ROWS)).collect();
            let shown = table.take(&indexes);
            api_json(&[&shown])
        });
        if let Some(result) = &mut result {
            context.redact_json(result);
        }
        let diff = outcome.comparison.as_ref().and_then(|c| c.diff.clone()).map(|diff| context.redact_text(&diff));
        // Service errors can quote the query's data.
        let mut diagnostics = render(&outcome.diagnostics);
        diagnostics.iter_mut().for_each(|diagnostic| context.redact_json(diagnostic));
        output.runs.push(Run {
            case: unit.case.clone(),
            fixture_tables: unit.sent.tables.clone(),
            diagnostics,
            result,
            row_count: outcome.remote.as_ref().map(|table| table.rows as u64),
            agree: outcome.comparison.as_ref().map(|c| c.diff.is_none()),
            diff,
        });
    }
    Ok(output)
}
