//! The support matrix: for every function and plugin in the catalog, whether
//! the engine runs it, read from the engine's own registries (the kernels,
//! the aggregations and the plugin list), so it cannot drift from the code.

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

/// One catalog entry and whether it runs locally.
#[derive(Debug, Clone)]
pub struct Entry<'c> {
    pub function: &'c Function,
    pub runs_locally: bool,
}

/// Every documented (not hidden) catalog entry, by kind, category and name.
pub fn support_matrix() -> Vec<Entry<'static>> {
    let mut entries: Vec<Entry<'static>> = Catalog::builtin()
        .all()
        .into_iter()
        .filter(|function| !function.hidden)
        .map(|function| Entry { function, runs_locally: runs_locally(function) })
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
        assert!(!entry("http_request"));
    }
}
