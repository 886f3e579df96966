//! `functions_search`: the built-in functions and plugins matching a text,
//! with whether each runs in the local engine.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::engine::support::{kind_name, support_matrix};

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 1000;

/// Parameters of `functions_search`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Params {
    /// Text to look for in the name, category or description
    /// (case-insensitive); omit it to list everything.
    #[serde(default)]
    pub query: Option<String>,
    /// How many functions to return (default 50, at most 1000).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// The matching functions, names that match first.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// How many functions match in all.
    pub total: u32,
    /// True when `total` is more than the functions returned.
    pub truncated: bool,
    pub functions: Vec<FunctionOut>,
}

/// One function of the catalog.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FunctionOut {
    pub name: String,
    /// `scalar`, `aggregate`, `plugin`, ...
    pub kind: String,
    /// Family: `string`, `datetime`, `ip`, ...
    pub category: String,
    /// True when kqlab's local engine evaluates it (so rules_test can run
    /// queries that use it); false means validation only.
    pub runs_locally: bool,
    pub description: String,
}

/// Searches the support matrix.
pub fn run(params: Params) -> Result<Output, String> {
    let query = params.query.unwrap_or_default().trim().to_lowercase();
    let mut matches: Vec<(u8, FunctionOut)> = support_matrix()
        .into_iter()
        .filter_map(|entry| {
            let function = entry.function;
            let name = function.name.to_lowercase();
            let rank = if query.is_empty() || name == query {
                0
            } else if name.contains(&query) {
                1
            } else if function.category.to_lowercase().contains(&query)
                || function.description.to_lowercase().contains(&query)
            {
                2
            } else {
                return None;
            };
            Some((
                rank,
                FunctionOut {
                    name: function.name.clone(),
                    kind: kind_name(function.kind).to_string(),
                    category: function.category.clone(),
                    runs_locally: entry.runs_locally,
                    description: function.description.clone(),
                },
            ))
        })
        .collect();
    // Stable: within a rank, the support matrix's order (kind, category, name).
    matches.sort_by_key(|(rank, _)| *rank);
    let total = matches.len() as u32;
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let functions: Vec<FunctionOut> = matches.into_iter().take(limit as usize).map(|(_, f)| f).collect();
    Ok(Output { total, truncated: (functions.len() as u32) < total, functions })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_name_comes_first() {
        let output = run(Params { query: Some("dcount".into()), limit: None }).unwrap();
        assert_eq!(output.functions[0].name, "dcount");
    }
}
