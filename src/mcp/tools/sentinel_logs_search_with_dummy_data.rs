//! `sentinel_logs_search_with_dummy_data`: the earlier Sentinel MCP
//! server's name for running a query on given data, kept for its clients;
//! here it is [`super::kql_run`] with its defaults, offline.

use schemars::JsonSchema;
use serde::Deserialize;

use super::kql_run::{Output, TableParam};
use crate::mcp::Context;

/// Parameters of `sentinel_logs_search_with_dummy_data`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Params {
    /// The KQL query.
    pub query: String,
    /// The tables the query reads, with their sample ("dummy") data.
    #[serde(default)]
    pub tables: Vec<TableParam>,
}

/// Runs the query as kql_run does with its default `now` and `max_rows`.
pub fn run(context: &Context, params: Params) -> Result<Output, String> {
    super::kql_run::run(
        context,
        super::kql_run::Params {
            query: params.query,
            tables: params.tables,
            now: None,
            max_rows: None,
            empty_tables: false,
            workspace: None,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::tools::kql_run::SampleSource;

    #[test]
    fn runs_locally_on_the_given_rows() {
        let table = TableParam {
            name: "Heartbeat".into(),
            source: SampleSource::inline("[{\"Computer\": \"web1\"}, {\"Computer\": \"web2\"}]"),
        };
        let context = Context::local("rules", vec![]);
        let output =
            run(&context, Params { query: "Heartbeat | summarize dcount(Computer)".into(), tables: vec![table] })
                .unwrap();
        assert_eq!(output.rows[0]["dcount_Computer"], 2);
        let missing = run(&context, Params { query: "Heartbeat | count".into(), tables: vec![] }).unwrap_err();
        assert!(missing.contains("KQL4002"), "{missing}");
    }
}
