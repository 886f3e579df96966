//! `graph-shortest-paths [output=any|all] pattern [where predicate] project
//! columns`: for each pair of a first and a last node, the shortest matches
//! of the pattern that satisfy the predicate (one with `output=any`, the
//! default; every one of the shortest length with `output=all`).
//!
//! Candidate paths are simple (no node twice): a shortest path never needs
//! to repeat a node, as the predicate holds for each element independently
//! in the documented uses. With `any`, the first path found wins, walking
//! edges in the order of the edges table.

use crate::diagnostics::Code;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::keys::FastMap;
use crate::engine::operators::graph::Graph;
use crate::engine::operators::graph_match::{filter, project_matches};
use crate::engine::operators::graph_pattern::{self, Cycles, Match};
use crate::engine::operators::param_text;
use crate::engine::scope::Env;
use crate::engine::table::Table;
use crate::syntax::ast::Expr;
use crate::syntax::ast::operators::{Assignment, GraphPatternPart, NamedParameter};
use crate::text::Span;

pub fn run<'q>(
    exec: &Executor<'q>,
    params: &'q [NamedParameter],
    patterns: &'q [Vec<GraphPatternPart>],
    where_: Option<&'q Expr>,
    project: &'q [Assignment],
    graph: &Graph,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let all = match param_text(params, "output").map(|text| text.to_ascii_lowercase()).as_deref() {
        None | Some("any") => false,
        Some("all") => true,
        Some(other) => {
            let span = params.first().map_or(Span::empty(0), |p| p.span);
            return Err(ExecError::new(
                Code::InvalidParameterValue,
                format!("`{other}` is not a valid `output` value"),
            )
            .with_help("use `any` (one shortest path per pair) or `all`")
            .at(span));
        }
    };
    let pattern = graph_pattern::compile(exec, patterns, env)?;
    let span = patterns.first().and_then(|p| p.first()).map_or(Span::empty(0), |part| match part {
        GraphPatternPart::Node { span, .. } | GraphPatternPart::Edge { span, .. } => *span,
    });
    if pattern.sequences != 1 {
        return Err(
            ExecError::new(Code::InvalidGraphPattern, "`graph-shortest-paths` takes a single path pattern").at(span)
        );
    }
    if !pattern.edges.iter().any(|edge| edge.variable) {
        return Err(ExecError::new(
            Code::InvalidGraphPattern,
            "a `graph-shortest-paths` pattern needs a variable-length edge",
        )
        .with_help("write the path's edge with a range, as in `(a)-[e*1..5]->(b)`")
        .at(span));
    }
    let matches = graph_pattern::find_matches(exec, graph, &pattern, Cycles::None)?;
    let matches = filter(exec, graph, &pattern, matches, where_, env)?;
    let shortest = keep_shortest(matches, pattern.first, pattern.last, all);
    project_matches(exec, graph, &pattern, &shortest, project, env)
}

/// Per (first node, last node) pair, the matches of the least length: the
/// first one found, or all of them with `all`. Pairs keep the order in
/// which they were first found.
fn keep_shortest(matches: Vec<Match>, first: usize, last: usize, all: bool) -> Vec<Match> {
    let mut best: FastMap<(usize, usize), (usize, Vec<Match>)> = FastMap::default();
    let mut order = Vec::new();
    for m in matches {
        let key = (m.nodes[first], m.nodes[last]);
        let length = m.length();
        match best.get_mut(&key) {
            None => {
                order.push(key);
                best.insert(key, (length, vec![m]));
            }
            Some((shortest, kept)) => {
                if length < *shortest {
                    *shortest = length;
                    *kept = vec![m];
                } else if length == *shortest && all {
                    kept.push(m);
                }
            }
        }
    }
    order.into_iter().flat_map(|key| best.remove(&key).map(|(_, kept)| kept).unwrap_or_default()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(first: usize, last: usize, length: usize, tag: usize) -> Match {
        Match { nodes: vec![first, last], edges: vec![vec![tag; length]], paths: vec![Vec::new()] }
    }

    #[test]
    fn shortest_keeps_the_first_path_of_least_length_per_pair() {
        let matches = vec![path(0, 1, 3, 7), path(0, 1, 2, 8), path(0, 1, 2, 9), path(1, 0, 1, 5)];
        let kept = keep_shortest(matches.clone(), 0, 1, false);
        assert_eq!(kept, vec![path(0, 1, 2, 8), path(1, 0, 1, 5)]);
        let kept = keep_shortest(matches, 0, 1, true);
        assert_eq!(kept, vec![path(0, 1, 2, 8), path(0, 1, 2, 9), path(1, 0, 1, 5)]);
    }
}
