//! Graph patterns of `graph-match` and `graph-shortest-paths`: the pattern
//! compiled into variables and steps, and the search for its matches in a
//! graph (backtracking over nodes and edges, variable-length edges walked
//! depth first, in edge order), under a cycles rule.

use crate::diagnostics::Code;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::operators::graph::Graph;
use crate::engine::scope::Env;
use crate::syntax::ast::operators::{EdgeDirection, GraphPatternPart};
use crate::text::Span;

/// A node variable of a pattern (anonymous nodes get a generated name).
#[derive(Debug, Clone)]
pub struct NodeVar {
    pub name: String,
    pub labelled: bool,
}

/// An edge variable: a single edge (`min == max == 1`, not `variable`) or
/// a variable-length edge `*min..max`.
#[derive(Debug, Clone)]
pub struct EdgeVar {
    pub name: String,
    pub direction: EdgeDirection,
    pub min: usize,
    pub max: usize,
    pub variable: bool,
    pub labelled: bool,
}

/// One step of the search.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// Bind the first node of a sequence (any node, unless already bound).
    Start(usize),
    /// Walk edge variable `edge` from node variable `from` to node variable `to`.
    Hop { edge: usize, from: usize, to: usize },
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub nodes: Vec<NodeVar>,
    pub edges: Vec<EdgeVar>,
    steps: Vec<Step>,
    /// The first and last node variable of the first sequence.
    pub first: usize,
    pub last: usize,
    /// Number of sequences.
    pub sequences: usize,
}

/// How `graph-match` treats cycles (`cycles=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cycles {
    /// Any walk.
    All,
    /// No node twice (except a variable that is named twice).
    None,
    /// No edge twice (the default).
    UniqueEdges,
}

impl Cycles {
    pub fn parse(text: Option<&str>) -> ExecResult<Cycles> {
        match text.map(str::to_ascii_lowercase).as_deref() {
            None | Some("unique_edges") => Ok(Cycles::UniqueEdges),
            Some("all") => Ok(Cycles::All),
            Some("none") => Ok(Cycles::None),
            Some(other) => {
                Err(ExecError::new(Code::InvalidParameterValue, format!("`{other}` is not a valid `cycles` value"))
                    .with_help("use `all`, `none` or `unique_edges`"))
            }
        }
    }
}

/// One match: the node bound to each node variable, and for each edge
/// variable its edges and the nodes along them (both ends included), in
/// the pattern's left-to-right order.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub nodes: Vec<usize>,
    pub edges: Vec<Vec<usize>>,
    pub paths: Vec<Vec<usize>>,
}

impl Match {
    /// The number of edges of the whole match (path length).
    pub fn length(&self) -> usize {
        self.edges.iter().map(Vec::len).sum()
    }
}

fn pattern_error(message: impl Into<String>, span: Span) -> ExecError {
    ExecError::new(Code::InvalidGraphPattern, message).at(span)
}

/// Compiles `patterns` (comma-separated sequences); the ranges of
/// variable-length edges are constant integers.
pub fn compile<'q>(exec: &Executor<'q>, patterns: &'q [Vec<GraphPatternPart>], env: &Env<'q>) -> ExecResult<Pattern> {
    let mut nodes: Vec<NodeVar> = Vec::new();
    let mut edges: Vec<EdgeVar> = Vec::new();
    let mut steps = Vec::new();
    let (mut first, mut last) = (0, 0);
    for (sequence, parts) in patterns.iter().enumerate() {
        let mut previous: Option<usize> = None;
        let mut pending_edge: Option<usize> = None;
        for part in parts {
            match part {
                GraphPatternPart::Node { name, labels, span } => {
                    if pending_edge.is_none() && previous.is_some() {
                        return Err(pattern_error(
                            "two nodes in a row; connect them with an edge such as `-->`",
                            *span,
                        ));
                    }
                    let index = match name {
                        Some(name) => {
                            if edges.iter().any(|e| e.name == name.name) {
                                return Err(pattern_error(
                                    format!("`{}` is already an edge variable", name.name),
                                    name.span,
                                ));
                            }
                            match nodes.iter().position(|n| n.name == name.name) {
                                Some(index) => {
                                    nodes[index].labelled |= !labels.is_empty();
                                    index
                                }
                                None => {
                                    nodes.push(NodeVar { name: name.name.clone(), labelled: !labels.is_empty() });
                                    nodes.len() - 1
                                }
                            }
                        }
                        None => {
                            nodes.push(NodeVar { name: format!("#node{}", nodes.len()), labelled: !labels.is_empty() });
                            nodes.len() - 1
                        }
                    };
                    match (previous, pending_edge.take()) {
                        (Some(from), Some(edge)) => steps.push(Step::Hop { edge, from, to: index }),
                        _ => steps.push(Step::Start(index)),
                    }
                    if sequence == 0 {
                        if previous.is_none() {
                            first = index;
                        }
                        last = index;
                    }
                    previous = Some(index);
                }
                GraphPatternPart::Edge { name, labels, direction, range, span } => {
                    if previous.is_none() || pending_edge.is_some() {
                        return Err(pattern_error("an edge must connect two nodes, as in `(a)-[e]->(b)`", *span));
                    }
                    let (min, max, variable) = match range {
                        None => (1, 1, false),
                        Some((low, high)) => {
                            let low_value = constant_count(exec, low, env)?;
                            let high_value = constant_count(exec, high, env)?;
                            if high_value < low_value {
                                return Err(pattern_error(
                                    format!("the edge range {low_value}..{high_value} is empty"),
                                    *span,
                                )
                                .with_help("write the smaller bound first, as in `*1..3`"));
                            }
                            (low_value, high_value, true)
                        }
                    };
                    let edge_name = match name {
                        Some(name) => {
                            if nodes.iter().any(|n| n.name == name.name) || edges.iter().any(|e| e.name == name.name) {
                                return Err(pattern_error(
                                    format!("the edge variable `{}` is used twice", name.name),
                                    name.span,
                                ));
                            }
                            name.name.clone()
                        }
                        None => format!("#edge{}", edges.len()),
                    };
                    edges.push(EdgeVar {
                        name: edge_name,
                        direction: *direction,
                        min,
                        max,
                        variable,
                        labelled: !labels.is_empty(),
                    });
                    pending_edge = Some(edges.len() - 1);
                }
            }
        }
        if pending_edge.is_some() {
            let span = parts.last().map_or(Span::empty(0), part_span);
            return Err(pattern_error("a pattern must end with a node, as in `(a)-[e]->(b)`", span));
        }
    }
    Ok(Pattern { nodes, edges, steps, first, last, sequences: patterns.len() })
}

fn part_span(part: &GraphPatternPart) -> Span {
    match part {
        GraphPatternPart::Node { span, .. } | GraphPatternPart::Edge { span, .. } => *span,
    }
}

fn constant_count<'q>(exec: &Executor<'q>, expr: &'q crate::syntax::ast::Expr, env: &Env<'q>) -> ExecResult<usize> {
    let (value, _) = exec.eval_scalar(expr, env).map_err(|e| e.at(expr.span))?;
    match value.as_i64() {
        Some(n) if n >= 0 => Ok(n as usize),
        _ => Err(pattern_error(
            format!("a variable-length edge bound must be a non-negative integer, found `{}`", value.to_kql_string()),
            expr.span,
        )),
    }
}

/// How often the search checks the cancellation flag (in search steps).
const CANCEL_CHECK_INTERVAL: usize = 4096;

/// The search state.
struct Search<'g, 'e, 'q> {
    exec: &'e Executor<'q>,
    graph: &'g Graph,
    pattern: &'g Pattern,
    cycles: Cycles,
    nodes: Vec<Option<usize>>,
    edges: Vec<Vec<usize>>,
    paths: Vec<Vec<usize>>,
    /// How many variables or inner positions use each node (`cycles=none`).
    node_uses: Vec<u32>,
    /// Whether each edge is used (`cycles=unique_edges`).
    edge_used: Vec<bool>,
    found: Vec<Match>,
    steps_taken: usize,
}

/// Every match of `pattern` in `graph`, in search order. Stops with an error
/// past the row budget or when the query is cancelled.
pub fn find_matches(exec: &Executor<'_>, graph: &Graph, pattern: &Pattern, cycles: Cycles) -> ExecResult<Vec<Match>> {
    // Graphs from `make-graph` have no labels, so a labelled element matches nothing.
    if pattern.nodes.iter().any(|n| n.labelled) || pattern.edges.iter().any(|e| e.labelled) {
        return Ok(Vec::new());
    }
    let mut search = Search {
        exec,
        graph,
        pattern,
        cycles,
        nodes: vec![None; pattern.nodes.len()],
        edges: vec![Vec::new(); pattern.edges.len()],
        paths: vec![Vec::new(); pattern.edges.len()],
        node_uses: vec![0; graph.node_count()],
        edge_used: vec![false; graph.edges.rows],
        found: Vec::new(),
        steps_taken: 0,
    };
    search.step(0)?;
    Ok(search.found)
}

impl Search<'_, '_, '_> {
    fn tick(&mut self) -> ExecResult<()> {
        self.steps_taken += 1;
        if self.steps_taken.is_multiple_of(CANCEL_CHECK_INTERVAL) {
            self.exec.check_cancelled()?;
        }
        Ok(())
    }

    fn step(&mut self, index: usize) -> ExecResult<()> {
        self.tick()?;
        let Some(step) = self.pattern.steps.get(index).copied() else {
            self.exec.check_rows(self.found.len() + 1)?;
            self.found.push(Match {
                nodes: self.nodes.iter().map(|n| n.expect("every node variable is bound at the end")).collect(),
                edges: self.edges.clone(),
                paths: self.paths.clone(),
            });
            return Ok(());
        };
        match step {
            Step::Start(var) => {
                if self.nodes[var].is_some() {
                    return self.step(index + 1);
                }
                for node in 0..self.graph.node_count() {
                    if self.bind_node(var, node) {
                        self.step(index + 1)?;
                        self.unbind_node(var, node);
                    }
                }
                Ok(())
            }
            Step::Hop { edge, from, to } => {
                let start = self.nodes[from].expect("a hop starts at a bound node");
                self.paths[edge] = vec![start];
                self.edges[edge].clear();
                self.walk(index, edge, to, start, false)
            }
        }
    }

    /// Binds node variable `var` to `node` when the cycles rule allows it.
    fn bind_node(&mut self, var: usize, node: usize) -> bool {
        if self.cycles == Cycles::None && self.node_uses[node] > 0 {
            return false;
        }
        self.nodes[var] = Some(node);
        self.node_uses[node] += 1;
        true
    }

    fn unbind_node(&mut self, var: usize, node: usize) {
        self.nodes[var] = None;
        self.node_uses[node] -= 1;
    }

    /// Extends the path of edge variable `edge` from `current`; at a length
    /// within the range, ends it at node variable `to` and continues the search.
    fn walk(&mut self, index: usize, edge: usize, to: usize, current: usize, terminal: bool) -> ExecResult<()> {
        self.tick()?;
        let var = &self.pattern.edges[edge];
        let (min, max, direction) = (var.min, var.max, var.direction);
        let depth = self.edges[edge].len();
        if depth >= min {
            match self.nodes[to] {
                Some(bound) if bound == current => self.step(index + 1)?,
                Some(_) => {}
                None => {
                    // A zero-length edge binds its end to its start node, which is no cycle.
                    let allowed = depth == 0 || self.cycles != Cycles::None || self.node_uses[current] == 0;
                    if allowed && !terminal {
                        self.nodes[to] = Some(current);
                        self.node_uses[current] += 1;
                        self.step(index + 1)?;
                        self.node_uses[current] -= 1;
                        self.nodes[to] = None;
                    }
                }
            }
        }
        if depth >= max || terminal {
            return Ok(());
        }
        let graph = self.graph;
        let outgoing = matches!(direction, EdgeDirection::Forward | EdgeDirection::Any);
        let incoming = matches!(direction, EdgeDirection::Backward | EdgeDirection::Any);
        let candidates = outgoing
            .then(|| graph.out_edges[current].iter().map(|&e| (e, graph.edge_target[e])))
            .into_iter()
            .flatten()
            .chain(
                incoming
                    .then(|| graph.in_edges[current].iter().map(|&e| (e, graph.edge_source[e])))
                    .into_iter()
                    .flatten(),
            );
        // The inner nodes of a path count as used for `cycles=none`; the
        // path's end is counted when it is bound.
        self.node_uses[current] += u32::from(depth > 0);
        let mut result = Ok(());
        for (next_edge, next_node) in candidates {
            if self.cycles == Cycles::UniqueEdges && self.edge_used[next_edge] {
                continue;
            }
            // With `cycles=none` a used node may only close the path at its bound end.
            let mut next_terminal = false;
            if self.cycles == Cycles::None && self.node_uses[next_node] > 0 {
                if self.nodes[to] != Some(next_node) || depth + 1 < min {
                    continue;
                }
                next_terminal = true;
            }
            self.edge_used[next_edge] = true;
            self.edges[edge].push(next_edge);
            self.paths[edge].push(next_node);
            result = self.walk(index, edge, to, next_node, next_terminal);
            self.paths[edge].pop();
            self.edges[edge].pop();
            self.edge_used[next_edge] = false;
            if result.is_err() {
                break;
            }
        }
        self.node_uses[current] -= u32::from(depth > 0);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Options;
    use crate::engine::table::Database;

    /// A graph from `(source, target)` pairs of small node numbers.
    fn graph(edges: &[(i64, i64)]) -> Graph {
        let rows: Vec<String> = edges.iter().map(|(s, t)| format!("{s}, {t}")).collect();
        let query = format!(
            "datatable(s:long, t:long)[{}] | make-graph s --> t with_node_id=id | graph-to-table nodes",
            rows.join(", ")
        );
        let parse = crate::parse(&query);
        let database = Database::new();
        let options = Options::default();
        let exec = Executor::new(&database, &options, None);
        let crate::syntax::ast::StatementKind::Query(expr) = &parse.query.statements[0].kind else { panic!() };
        let crate::syntax::ast::ExprKind::Pipe { input, .. } = &expr.kind else { panic!() };
        crate::engine::operators::graph::eval_graph(&exec, input, &None).expect("a graph")
    }

    fn count(edges: &[(i64, i64)], pattern: &str, cycles: Cycles) -> usize {
        let graph = graph(edges);
        let parse = crate::parse(&format!("G | graph-match {pattern} project 1"));
        let crate::syntax::ast::StatementKind::Query(expr) = &parse.query.statements[0].kind else { panic!() };
        let crate::syntax::ast::ExprKind::Pipe { operator, .. } = &expr.kind else { panic!() };
        let crate::syntax::ast::OperatorKind::GraphMatch { patterns, .. } = &operator.kind else { panic!() };
        let database = Database::new();
        let options = Options::default();
        let exec = Executor::new(&database, &options, None);
        let pattern = compile(&exec, patterns, &None).expect("a pattern");
        find_matches(&exec, &graph, &pattern, cycles).expect("matches").len()
    }

    #[test]
    fn single_edges_follow_their_direction() {
        let edges = [(1, 2), (2, 3)];
        assert_eq!(count(&edges, "(a)-->(b)", Cycles::UniqueEdges), 2);
        assert_eq!(count(&edges, "(a)<--(b)", Cycles::UniqueEdges), 2);
        assert_eq!(count(&edges, "(a)--(b)", Cycles::UniqueEdges), 4);
    }

    #[test]
    fn variable_length_edges_match_every_length_in_the_range() {
        let edges = [(1, 2), (2, 3), (3, 4)];
        assert_eq!(count(&edges, "(a)-[e*1..3]->(b)", Cycles::UniqueEdges), 6);
        assert_eq!(count(&edges, "(a)-[e*2..2]->(b)", Cycles::UniqueEdges), 2);
        // Zero-length paths match every node with itself.
        assert_eq!(count(&edges, "(a)-[e*0..0]->(b)", Cycles::UniqueEdges), 4);
    }

    #[test]
    fn cycles_option_limits_repeated_nodes_and_edges() {
        let edges = [(1, 2), (2, 1)];
        // 1->2->1->2 repeats an edge; 1->2->1 repeats a node.
        assert_eq!(count(&edges, "(a)-[e*1..3]->(b)", Cycles::All), 6);
        assert_eq!(count(&edges, "(a)-[e*1..3]->(b)", Cycles::UniqueEdges), 4);
        assert_eq!(count(&edges, "(a)-[e*1..3]->(b)", Cycles::None), 2);
    }

    #[test]
    fn a_variable_named_twice_closes_a_cycle() {
        let edges = [(1, 2), (2, 3), (3, 1), (3, 4)];
        assert_eq!(count(&edges, "(a)-->(b)-->(c)-->(a)", Cycles::UniqueEdges), 3);
        assert_eq!(count(&edges, "(a)-[e*1..5]->(a)", Cycles::None), 3);
    }

    #[test]
    fn sequences_share_their_named_nodes() {
        let edges = [(1, 2), (3, 2), (2, 4)];
        // `c` cannot reuse the edge `a` came by.
        assert_eq!(count(&edges, "(a)-->(n)-->(b), (c)-->(n)", Cycles::UniqueEdges), 2);
        assert_eq!(count(&edges, "(a)-->(n)-->(b), (c)-->(n)", Cycles::All), 4);
    }

    #[test]
    fn labelled_elements_match_nothing_in_a_transient_graph() {
        assert_eq!(count(&[(1, 2)], "(a:Person)-->(b)", Cycles::UniqueEdges), 0);
    }

    #[test]
    fn runaway_paths_stop_at_the_row_budget() {
        // A complete graph on 8 nodes has millions of walks of length 10.
        let mut edges = Vec::new();
        for s in 0..8 {
            for t in 0..8 {
                if s != t {
                    edges.push((s, t));
                }
            }
        }
        let graph = graph(&edges);
        let parse = crate::parse("G | graph-match cycles=all (a)-[e*1..10]->(b) project 1");
        let crate::syntax::ast::StatementKind::Query(expr) = &parse.query.statements[0].kind else { panic!() };
        let crate::syntax::ast::ExprKind::Pipe { operator, .. } = &expr.kind else { panic!() };
        let crate::syntax::ast::OperatorKind::GraphMatch { patterns, .. } = &operator.kind else { panic!() };
        let database = Database::new();
        let options = Options { max_rows: 10_000, ..Options::default() };
        let exec = Executor::new(&database, &options, None);
        let pattern = compile(&exec, patterns, &None).expect("a pattern");
        let error = find_matches(&exec, &graph, &pattern, Cycles::All).expect_err("too many matches");
        assert_eq!(error.to_diagnostic(Span::empty(0)).code, Code::RowLimitExceeded);
    }
}
