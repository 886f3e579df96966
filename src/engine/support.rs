//! The support matrix: for every function and plugin in the catalog, whether
//! the engine runs it, read from the engine's own registries (the kernels,
//! the aggregations and the plugin list), so it cannot drift from the code.

use std::collections::BTreeMap;

use crate::analysis::catalog::{Catalog, Function, FunctionKind};
use crate::engine::functions;
use crate::engine::operators::evaluate::PLUGINS;

/// Functions the expression compiler or the executor handles itself.
const COMPILED_SCALARS: &[&str] = &[
    "toscalar",
    "bin_auto",
    "column_names_of",
    "column_ifexists",
    "columnifexists",
    "pack_all",
    "bag_pack_columns",
    "table",
    "estimate_data_size",
];

/// Why a function or plugin can never run offline: what it needs that a
/// local engine does not have (a cluster, the network, an external
/// runtime). Anything else that does not run locally is simply not
/// implemented yet.
const OFFLINE_REASONS: &[(&[&str], &str)] = &[
    (
        &["http_request", "http_request_post"],
        "it sends an HTTP request to a web endpoint, and kqlab never uses the network to run a query",
    ),
    (
        &["sql_request", "mysql_request", "postgresql_request", "cosmosdb_sql_request"],
        "it queries an external database over the network",
    ),
    (&["azure_digital_twins_query_request"], "it queries an Azure Digital Twins instance over the network"),
    (
        &["ai_chat_completion", "ai_chat_completion_prompt", "ai_embeddings", "ai_embed_text"],
        "it calls an Azure OpenAI model over the network",
    ),
    (
        &["python", "r", "csharp"],
        "it runs a script in the cluster's sandboxed language runtime, which kqlab does not embed",
    ),
    (&["execute_query", "execute_show_command"], "it runs a query or command on a remote cluster connection"),
    (&["external_datatable"], "its rows are sent to the cluster by the client with the request"),
    (&["infer_storage_schema", "infer_storage_schema_with_suggestions"], "it reads data files in external storage"),
    (&["identity_v3"], "it is an internal test plugin of the Kusto service"),
    // No page of the KQL reference documents it; Azure's Spark connector
    // calls it as "just a heuristic" to size its reads.
    (
        &["estimate_rows_count"],
        "it is an undocumented cluster plugin that guesses a query's row count from the cluster's storage statistics; locally, use `count` for the exact number",
    ),
    (
        &["cluster", "database", "external_table", "materialized_view", "stored_query_result", "entity_group", "graph"],
        "it refers to an entity stored in a cluster (database, external table, materialized view, stored result, graph model); load its data with `--table` instead",
    ),
    (
        &["geo_info_from_ip_address"],
        "it looks addresses up in MaxMind's GeoLite2-City database, which the service embeds and kqlab does not bundle; give the locations as a table instead",
    ),
    (
        &["current_cluster_endpoint", "current_database"],
        "it describes the cluster and database the query runs in, and a local run has none",
    ),
    (
        &["current_principal", "current_principal_details", "current_principal_is_member_of"],
        "it needs the Microsoft Entra identity that signed in to the cluster",
    ),
    (
        &["cursor_after", "cursor_before_or_at", "cursor_current"],
        "it needs the database's ingestion cursors, which exist only in a cluster",
    ),
    (
        &["extent_id", "extent_tags", "row_id"],
        "it needs the cluster's storage extents (data shards), which local tables do not have",
    ),
];

/// Why `name` can never run locally, or `None` when it runs or is only not
/// implemented yet.
pub fn offline_reason(name: &str) -> Option<&'static str> {
    OFFLINE_REASONS.iter().find(|(names, _)| names.contains(&name)).map(|(_, reason)| *reason)
}

/// One catalog entry, whether it runs locally, and if it never can, why.
#[derive(Debug, Clone)]
pub struct Entry<'c> {
    pub function: &'c Function,
    pub runs_locally: bool,
    pub offline_reason: Option<&'static str>,
}

/// Every documented (not hidden) catalog entry, by kind, category and name.
pub fn support_matrix() -> Vec<Entry<'static>> {
    let mut entries: Vec<Entry<'static>> = Catalog::builtin()
        .all()
        .into_iter()
        .filter(|function| !function.hidden)
        .map(|function| {
            let runs = runs_locally(function);
            Entry {
                function,
                runs_locally: runs,
                offline_reason: if runs { None } else { offline_reason(&function.name) },
            }
        })
        .collect();
    entries.sort_by(|a, b| {
        (kind_order(a.function.kind), &a.function.category, &a.function.name).cmp(&(
            kind_order(b.function.kind),
            &b.function.category,
            &b.function.name,
        ))
    });
    entries
}

/// True when the engine runs `function`.
pub fn runs_locally(function: &Function) -> bool {
    let name = function.name.as_str();
    match function.kind {
        FunctionKind::Scalar | FunctionKind::Window => {
            COMPILED_SCALARS.contains(&name)
                || (function.category == "graph" && crate::engine::operators::graph::GRAPH_FUNCTIONS.contains(&name))
                || functions::scalar(name).is_some()
                || functions::series_model::multi(name).is_some()
        }
        FunctionKind::Aggregate => functions::aggregates::is_supported(name),
        FunctionKind::Plugin => PLUGINS.contains(&name),
    }
}

/// The kind's word in the matrix.
pub fn kind_name(kind: FunctionKind) -> &'static str {
    match kind {
        FunctionKind::Scalar => "scalar",
        FunctionKind::Aggregate => "aggregation",
        FunctionKind::Window => "window",
        FunctionKind::Plugin => "plugin",
    }
}

fn kind_order(kind: FunctionKind) -> u8 {
    match kind {
        FunctionKind::Scalar => 0,
        FunctionKind::Aggregate => 1,
        FunctionKind::Window => 2,
        FunctionKind::Plugin => 3,
    }
}

/// The support matrix as a Markdown page: totals, then a table per kind
/// (`kqlab functions --format markdown`, `docs/support.md` and the MCP
/// resource `kqlab://support`).
pub fn render_markdown(entries: &[Entry]) -> String {
    let mut out = String::from(
        "# What runs locally\n\n\
         Generated by `kqlab functions --format markdown` from the engine's own registries;\n\
         `tests/cli.rs` fails when this page is out of date. A function that does not run\n\
         locally stops a query with `KQL4001 not-supported-locally` naming it. \"never\" marks\n\
         what no local engine can run, with the reason (it needs a cluster, the network or\n\
         an external runtime); \"not yet\" is simply not implemented.\n\n",
    );
    let mut totals: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for entry in entries {
        let total = totals.entry(kind_name(entry.function.kind)).or_default();
        total.1 += 1;
        if entry.runs_locally {
            total.0 += 1;
        }
    }
    let mut never: BTreeMap<&str, usize> = BTreeMap::new();
    for entry in entries.iter().filter(|e| e.offline_reason.is_some()) {
        *never.entry(kind_name(entry.function.kind)).or_default() += 1;
    }
    out.push_str("| kind | run locally | never offline |\n|---|--:|--:|\n");
    for (kind, (runs, all)) in &totals {
        let never = never.get(kind).copied().unwrap_or(0);
        out.push_str(&format!("| {kind} | {runs} of {all} | {never} |\n"));
    }
    let mut current_kind = "";
    for entry in entries {
        let kind = kind_name(entry.function.kind);
        if kind != current_kind {
            current_kind = kind;
            out.push_str(&format!(
                "\n## {kind}\n\n| function | category | runs locally | description |\n|---|---|---|---|\n"
            ));
        }
        let status = match (entry.runs_locally, entry.offline_reason) {
            (true, _) => "yes".to_string(),
            (false, Some(reason)) => format!("**never**: {reason}"),
            (false, None) => "**no** (not yet)".to_string(),
        };
        let description = entry.function.description.replace('|', "\\|");
        out.push_str(&format!(
            "| `{}` | {} | {status} | {description} |\n",
            entry.function.name, entry.function.category
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str) -> bool {
        support_matrix().iter().find(|e| e.function.name == name).map(|e| e.runs_locally).expect(name)
    }

    #[test]
    fn matrix_reads_the_engine_registries() {
        assert!(entry("strlen"));
        assert!(entry("dcount"));
        assert!(entry("arg_max"));
        assert!(entry("row_number"));
        assert!(entry("series_decompose_anomalies"));
        assert!(entry("bag_unpack"));
        assert!(entry("hash_combine"));
        assert!(entry("estimate_data_size"));
        assert!(entry("parse_user_agent"));
        assert!(entry("session_count"));
        assert!(!entry("http_request"));
        // It needs MaxMind's GeoIP database: never offline, not merely "not yet".
        assert!(!entry("geo_info_from_ip_address"));
        assert!(offline_reason("geo_info_from_ip_address").is_some_and(|r| r.contains("GeoLite2")));
    }

    #[test]
    fn every_offline_reason_names_a_catalog_entry_that_does_not_run() {
        let matrix = support_matrix();
        for (names, _) in OFFLINE_REASONS {
            for name in *names {
                let found = Catalog::builtin().all().into_iter().find(|f| f.name == *name);
                let found = found.unwrap_or_else(|| panic!("`{name}` is not in the catalog"));
                assert!(!runs_locally(found), "`{name}` runs locally but has an offline reason");
            }
        }
        let http = matrix.iter().find(|e| e.function.name == "http_request").expect("http_request");
        assert!(http.offline_reason.is_some_and(|r| r.contains("network")));
        let funnel = matrix.iter().find(|e| e.function.name == "funnel_sequence").expect("funnel_sequence");
        assert_eq!(funnel.offline_reason, None);
        let estimate = matrix.iter().find(|e| e.function.name == "estimate_rows_count").expect("estimate_rows_count");
        assert!(estimate.offline_reason.is_some_and(|r| r.contains("undocumented")));
    }
}
