//! `kql_fixture`: sample text or a sample file to a KQL `datatable`
//! fixture of a table, typed by its schema, as `kqlab fixture --table`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::kql_run::{ImportProblem, SampleSource, TableParam, import_sample};
use super::kql_validate::ColumnOut;
use crate::import::fixture::{FixtureOptions, RowSample, fixture_table};
use crate::mcp::Context;
use crate::mcp::workspace_schema::ServerSchemas;

/// Rows kept unless `max_rows` says otherwise.
const DEFAULT_MAX_ROWS: u32 = 100;
/// The most rows a fixture may keep.
const MAX_MAX_ROWS: u32 = 10_000;

/// Parameters of `kql_fixture`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Params {
    /// The table the rows belong to, e.g. `SigninLogs`: a known table types
    /// the columns by its schema. The fixture is `let NAME = datatable(...)`.
    pub table: String,
    /// The sample: `text` or `path`, and `format`.
    #[serde(flatten)]
    pub source: SampleSource,
    /// Keep at most this many rows (default 100, at most 10000).
    #[serde(default)]
    pub max_rows: Option<u32>,
    /// Which rows to keep when the sample has more: `head` (the first,
    /// default), `spread` (evenly spread) or `random`.
    #[serde(default)]
    pub sample: RowSample,
    /// The seed of `sample: random` (default 0; the same seed draws the same rows).
    #[serde(default)]
    pub seed: Option<u64>,
    /// Keep only the sample's columns; by default a known table gets its
    /// schema's other columns as typed nulls, so a query naming any of them
    /// runs on the fixture as it does on the table.
    #[serde(default)]
    pub sample_columns_only: bool,
    /// A workspace in the schema cache whose table schemas to use; default:
    /// the server's `--workspace`, when it has one.
    #[serde(default)]
    pub workspace: Option<String>,
}

/// The fixture and what it holds.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// `let TABLE = datatable(...) [...];`: put it before a query to run the
    /// query on these rows, locally or in a workspace.
    pub fixture: String,
    /// The fixture's columns and their types.
    pub columns: Vec<ColumnOut>,
    /// Rows in the fixture.
    pub row_count: u64,
    /// Rows in the sample.
    pub sample_rows: u64,
    /// `builtin` or `workspace:NAME` when the table's schema typed the
    /// columns; `inferred` when the table is unknown and types come from the values.
    pub schema_source: String,
    /// Sample lines or records that did not import cleanly.
    pub import_problems: Vec<ImportProblem>,
    /// Problems reading the schema cache.
    pub warnings: Vec<String>,
}

/// Imports the sample and writes the fixture; an unreadable sample is a tool error.
pub fn run(context: &Context, params: Params) -> Result<Output, String> {
    let input = TableParam { name: params.table.clone(), source: params.source };
    super::kql_run::check_tables(std::slice::from_ref(&input))?;
    let schemas = ServerSchemas::load(context, params.workspace.as_deref());
    let known = schemas.schemas().table(&params.table).cloned();
    let imported = import_sample(context, &input, known.as_deref())?;
    let sample_rows = imported.table.rows as u64;
    let import_problems = super::kql_run::import_problems(&params.table, &imported.problems);
    let options = FixtureOptions {
        rows: Some(params.max_rows.unwrap_or(DEFAULT_MAX_ROWS).min(MAX_MAX_ROWS) as usize),
        sample: params.sample,
        seed: params.seed.unwrap_or(0),
        sample_columns_only: params.sample_columns_only,
    };
    let table = fixture_table(imported.table, known.as_deref(), &options);
    Ok(Output {
        fixture: crate::import::datatable::write_let(&params.table, &table),
        columns: table
            .fields
            .iter()
            .map(|f| ColumnOut { name: f.name.clone(), ty: f.column.ty().name().to_string() })
            .collect(),
        row_count: table.rows as u64,
        sample_rows,
        schema_source: if known.is_some() { schemas.source_of(&params.table) } else { "inferred".to_string() },
        import_problems,
        warnings: schemas.warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(table: &str, text: &str) -> Params {
        Params {
            table: table.into(),
            source: SampleSource::inline(text),
            max_rows: None,
            sample: RowSample::Head,
            seed: None,
            sample_columns_only: false,
            workspace: None,
        }
    }

    fn context() -> Context {
        Context::local("rules", vec!["samples".into()])
    }

    #[test]
    fn a_known_table_is_typed_by_its_schema() {
        let csv = "TimeGenerated,UserPrincipalName,ResultType\n2025-01-01T00:00:00Z,alice@contoso.com,50126\n";
        let output = run(&context(), params("SigninLogs", csv)).unwrap();
        assert!(output.fixture.starts_with("let SigninLogs = datatable(TimeGenerated:datetime"), "{}", output.fixture);
        assert_eq!(output.schema_source, "builtin");
        assert!(output.columns.iter().any(|c| c.name == "IPAddress" && c.ty == "string"));
        let mut only = params("SigninLogs", csv);
        only.sample_columns_only = true;
        assert_eq!(run(&context(), only).unwrap().columns.len(), 3);
    }

    #[test]
    fn rows_are_sampled() {
        let csv: String = std::iter::once("n\n".to_string()).chain((0..10).map(|i| format!("{i}\n"))).collect();
        let mut request = params("Numbers", &csv);
        request.max_rows = Some(5);
        request.sample = RowSample::Spread;
        // One column has no commas to tell CSV from a text log by.
        request.source.format = Some("csv".into());
        let output = run(&context(), request).unwrap();
        assert_eq!((output.row_count, output.sample_rows), (5, 10));
        assert_eq!(output.schema_source, "inferred");
        assert!(output.fixture.contains("datatable(n:long)") && output.fixture.contains("8"), "{}", output.fixture);
    }

    #[test]
    fn missing_or_broken_samples_are_errors() {
        let mut none = params("T", "");
        none.source.text = None;
        assert!(run(&context(), none).unwrap_err().contains("has no data"));
        let mut broken = params("T", "\"a,b\n1,2\n");
        broken.source.format = Some("csv".into());
        assert!(run(&context(), broken).unwrap_err().contains("cannot be read"));
        let mut outside = params("T", "");
        outside.source.text = None;
        outside.source.path = Some("/etc/passwd".into());
        assert!(run(&context(), outside).unwrap_err().contains("outside"));
    }
}
