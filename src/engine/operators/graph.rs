//! The graph value of `make-graph` and the dispatch of the graph operators
//! that read it (`graph-match`, `graph-shortest-paths`, `graph-to-table`,
//! `graph-mark-components`). A graph is not a table: it flows from
//! `make-graph` to the next graph operator only, so the executor evaluates
//! the input of a graph operator with [`eval_graph`] instead of as a table.

use std::sync::Arc;

use crate::diagnostics::Code;
use crate::engine::column::{Column, ColumnBuilder};
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::keys::{FastMap, group_rows};
use crate::engine::operators::union::union_tables;
use crate::engine::operators::{graph_mark_components, graph_match, graph_shortest_paths, graph_to_table};
use crate::engine::scope::Env;
use crate::engine::table::{Field, NamedTable, Table};
use crate::engine::value::Value;
use crate::syntax::ast::operators::{EdgeDirection, GraphPartition};
use crate::syntax::ast::{Expr, ExprKind, Ident, Operator, OperatorKind, ScalarType};

/// The graph functions, which `graph-match` and `graph-shortest-paths`
/// evaluate over their matches.
pub const GRAPH_FUNCTIONS: &[&str] =
    &["all", "any", "map", "inner_nodes", "node_degree_in", "node_degree_out", "node_id", "labels"];

/// A directed property graph: nodes and edges with the columns of the rows
/// they were made from.
#[derive(Debug, Clone)]
pub struct Graph {
    /// Node properties, one row per node.
    pub nodes: Table,
    /// The identifier of each node, as written in the edges or nodes tables.
    pub node_ids: Vec<Value>,
    /// Edge properties: the rows of the edges table.
    pub edges: Table,
    /// The source and target node of each edge.
    pub edge_source: Vec<usize>,
    pub edge_target: Vec<usize>,
    /// The outgoing and incoming edges of each node, in edge order.
    pub out_edges: Vec<Vec<usize>>,
    pub in_edges: Vec<Vec<usize>>,
}

impl Graph {
    pub fn node_count(&self) -> usize {
        self.node_ids.len()
    }

    /// The node's hash identifier (`graph-to-table ... with_node_id=`): the
    /// `hash()` of its identifier, as Kusto exports it.
    pub fn node_hash(&self, node: usize) -> i64 {
        let id = &self.node_ids[node];
        crate::engine::functions::encoding::xxhash64(&crate::engine::functions::encoding::hash_bytes(id), 0) as i64
    }

    /// The same graph with one more node property (`graph-mark-components`).
    pub fn with_node_property(&self, name: &str, column: Column) -> Graph {
        let mut fields: Vec<Field> = self.nodes.fields.iter().filter(|f| f.name != name).cloned().collect();
        fields.push(Field { name: name.to_string(), column: Arc::new(column) });
        Graph { nodes: Table::from_fields(fields, self.node_count()), ..self.clone() }
    }
}

/// True for the operators that take a graph as their input.
pub fn is_graph_operator(operator: &Operator) -> bool {
    matches!(
        operator.kind,
        OperatorKind::GraphMatch { .. }
            | OperatorKind::GraphShortestPaths { .. }
            | OperatorKind::GraphToTable(_)
            | OperatorKind::GraphMarkComponents { .. }
    )
}

/// Evaluates an expression whose value must be a graph: `T | make-graph ...`,
/// optionally followed by `graph-mark-components`.
pub fn eval_graph<'q>(exec: &Executor<'q>, expr: &'q Expr, env: &Env<'q>) -> ExecResult<Graph> {
    exec.check_cancelled()?;
    match &expr.kind {
        ExprKind::Paren(inner) => eval_graph(exec, inner, env),
        ExprKind::Pipe { input, operator } => match &operator.kind {
            OperatorKind::MakeGraph { source, direction, target, nodes, node_id, partition: None, .. } => {
                let edges = exec.eval_table(input, env)?;
                let spec = GraphSpec { source, direction: *direction, target, nodes, node_id: node_id.as_ref() };
                build(exec, &spec, &edges, env).map_err(|e| e.at(operator.span))
            }
            OperatorKind::GraphMarkComponents { params } => {
                let graph = eval_graph(exec, input, env)?;
                graph_mark_components::run(params, &graph).map_err(|e| e.at(operator.span))
            }
            _ => Err(not_a_graph(expr)),
        },
        _ => Err(not_a_graph(expr)),
    }
}

fn not_a_graph(expr: &Expr) -> ExecError {
    ExecError::new(Code::GraphExpected, "a graph operator needs a graph as its input, found a table")
        .with_help("build a graph first: `T | make-graph Source --> Target`")
        .at(expr.span)
}

/// Applies a graph operator to `graph`; `graph-mark-components` gives a
/// graph, so it is an error here (its result must go to another graph operator).
pub fn run_on_graph<'q>(
    exec: &Executor<'q>,
    operator: &'q Operator,
    graph: &Graph,
    env: &Env<'q>,
) -> ExecResult<Vec<NamedTable>> {
    let table = match &operator.kind {
        OperatorKind::GraphMatch { params, patterns, where_, project } => {
            graph_match::run(exec, params, patterns, where_.as_ref(), project, graph, env)?
        }
        OperatorKind::GraphShortestPaths { params, patterns, where_, project } => {
            graph_shortest_paths::run(exec, params, patterns, where_.as_ref(), project, graph, env)?
        }
        OperatorKind::GraphToTable(outputs) => return graph_to_table::run(outputs, graph),
        _ => return Err(graph_result_error(&operator.kind)),
    };
    exec.check_limits(&table)?;
    Ok(vec![NamedTable::unnamed(Arc::new(table))])
}

/// The error for a graph that reaches the end of a query or a tabular operator.
pub fn graph_result_error(kind: &OperatorKind) -> ExecError {
    ExecError::new(
        Code::GraphExpected,
        format!("`{}` returns a graph, not a table", crate::engine::operators::operator_name(kind)),
    )
    .with_help("follow it with a graph operator: `graph-match`, `graph-shortest-paths` or `graph-to-table`")
}

/// `make-graph ... partitioned-by Column (graph operator)`: one graph per
/// value of the column (in the edges and every nodes table), the operator
/// applied to each, and the results unioned.
pub fn run_partitioned<'q>(
    exec: &Executor<'q>,
    operator: &'q Operator,
    edges: &Table,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let OperatorKind::MakeGraph { source, direction, target, nodes, node_id, partition: Some(partition), .. } =
        &operator.kind
    else {
        return Err(ExecError::runtime("not a partitioned `make-graph`"));
    };
    let GraphPartition { column, operator: inner, .. } = partition;
    let key = exec.eval_column(column, edges, env)?.into_column(edges.rows);
    let groups = group_rows(&[&key], edges.rows);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    for (row, group) in groups.group_of_row.iter().enumerate() {
        members[*group as usize].push(row);
    }
    // The nodes tables, split by the same column.
    let mut node_tables = Vec::with_capacity(nodes.len());
    for (table, _) in nodes {
        let table = exec.eval_table(table, env)?;
        let key = exec.eval_column(column, &table, env)?.into_column(table.rows);
        node_tables.push((table, key));
    }
    let mut results = Vec::with_capacity(members.len());
    for rows in members {
        exec.check_cancelled()?;
        let part = edges.take(&rows);
        let value = key.get(rows[0]).to_kql_string();
        let mut part_nodes = Vec::with_capacity(node_tables.len());
        for (table, key) in &node_tables {
            let keep: Vec<usize> = (0..table.rows).filter(|&row| key.get(row).to_kql_string() == value).collect();
            part_nodes.push(Arc::new(table.take(&keep)));
        }
        let spec = GraphSpec { source, direction: *direction, target, nodes, node_id: node_id.as_ref() };
        let graph = build_with(exec, &spec, &part, &part_nodes, env)?;
        for result in run_on_graph(exec, inner, &graph, env).map_err(|e| e.at(inner.span))? {
            results.push((String::new(), result.table));
        }
    }
    if results.is_empty() {
        return Ok(Table::from_fields(Vec::new(), 0));
    }
    union_tables(exec, &results, false, None)
}

/// The operands of `make-graph`.
pub struct GraphSpec<'q> {
    pub source: &'q Expr,
    pub direction: EdgeDirection,
    pub target: &'q Expr,
    pub nodes: &'q [(Expr, Expr)],
    pub node_id: Option<&'q Ident>,
}

/// Builds the graph of `make-graph` from its edges table.
pub fn build<'q>(exec: &Executor<'q>, spec: &GraphSpec<'q>, edges: &Table, env: &Env<'q>) -> ExecResult<Graph> {
    let mut node_tables = Vec::with_capacity(spec.nodes.len());
    for (table, _) in spec.nodes {
        node_tables.push(exec.eval_table(table, env)?);
    }
    build_with(exec, spec, edges, &node_tables, env)
}

/// Builds a graph from edges and already evaluated nodes tables. Every
/// nodes row is a node (a repeated identifier merges into the first node,
/// its empty properties filled from later rows); identifiers only in the
/// edges become nodes whose identifier columns hold the identifier and
/// whose other properties are null. Edges with a null end are dropped.
pub fn build_with<'q>(
    exec: &Executor<'q>,
    spec: &GraphSpec<'q>,
    edges: &Table,
    node_tables: &[Arc<Table>],
    env: &Env<'q>,
) -> ExecResult<Graph> {
    if spec.direction != EdgeDirection::Forward {
        return Err(ExecError::unsupported("`make-graph` with an undirected `--` edge")
            .with_help("write `Source --> Target`; graph patterns can still match edges in any direction with `--`"));
    }
    let sources = exec.eval_column(spec.source, edges, env)?.into_column(edges.rows);
    let targets = exec.eval_column(spec.target, edges, env)?.into_column(edges.rows);

    // The node property columns: every nodes table's columns, in order, without repeats.
    let mut schema: Vec<(String, ScalarType)> = Vec::new();
    let mut id_columns: Vec<String> = Vec::new();
    for (index, table) in node_tables.iter().enumerate() {
        for field in &table.fields {
            if !schema.iter().any(|(name, _)| *name == field.name) {
                schema.push((field.name.clone(), field.column.ty()));
            }
        }
        let id_expr = &spec.nodes[index].1;
        let ExprKind::Name(id_name) = &id_expr.kind else {
            return Err(
                ExecError::runtime("the node identifier of `with T on Column` must be a column name").at(id_expr.span)
            );
        };
        if table.index_of(&id_name.name).is_none() {
            return Err(
                ExecError::new(Code::UnknownColumn, format!("unknown column `{}`", id_name.name)).at(id_expr.span)
            );
        }
        id_columns.push(id_name.name.clone());
    }
    if let Some(name) = spec.node_id {
        schema.push((name.name.clone(), sources.ty()));
        id_columns.push(name.name.clone());
    }

    let mut index_of: FastMap<String, usize> = FastMap::default();
    let mut node_ids: Vec<Value> = Vec::new();
    let mut rows: Vec<Vec<Value>> = Vec::new();
    let positions: Vec<Vec<Option<usize>>> =
        node_tables.iter().map(|t| schema.iter().map(|(name, _)| t.index_of(name)).collect()).collect();
    for (index, table) in node_tables.iter().enumerate() {
        let id_column = table.column(&id_columns[index]).expect("checked above");
        for row in 0..table.rows {
            let id = id_column.get(row);
            if id.is_null() {
                continue;
            }
            let values: Vec<Value> = positions[index]
                .iter()
                .map(|position| position.map_or(Value::Null, |p| table.fields[p].column.get(row)))
                .collect();
            match index_of.get(&id.to_kql_string()) {
                Some(&node) => {
                    for (slot, value) in rows[node].iter_mut().zip(values) {
                        if slot.is_null() {
                            *slot = value;
                        }
                    }
                }
                None => {
                    index_of.insert(id.to_kql_string(), node_ids.len());
                    node_ids.push(id);
                    rows.push(values);
                }
            }
        }
    }
    let id_positions: Vec<usize> =
        id_columns.iter().filter_map(|name| schema.iter().position(|(n, _)| n == name)).collect();
    let mut edge_rows = Vec::with_capacity(edges.rows);
    let (mut edge_source, mut edge_target) = (Vec::new(), Vec::new());
    for row in 0..edges.rows {
        let ends = [sources.get(row), targets.get(row)];
        if ends.iter().any(Value::is_null) {
            continue;
        }
        let mut found = [0usize; 2];
        for (slot, id) in found.iter_mut().zip(ends) {
            let key = id.to_kql_string();
            *slot = match index_of.get(&key) {
                Some(&node) => node,
                None => {
                    let node = node_ids.len();
                    let mut values = vec![Value::Null; schema.len()];
                    for &position in &id_positions {
                        values[position] = id.clone();
                    }
                    index_of.insert(key, node);
                    node_ids.push(id);
                    rows.push(values);
                    node
                }
            };
        }
        edge_rows.push(row);
        edge_source.push(found[0]);
        edge_target.push(found[1]);
    }
    exec.check_rows(node_ids.len())?;
    let mut fields = Vec::with_capacity(schema.len());
    for (position, (name, ty)) in schema.iter().enumerate() {
        let mut builder = ColumnBuilder::new(*ty, rows.len());
        for values in &rows {
            builder.push(&values[position]);
        }
        fields.push(Field { name: name.clone(), column: Arc::new(builder.finish()) });
    }
    let nodes = Table::from_fields(fields, node_ids.len());
    let edges = if edge_rows.len() == edges.rows { edges.clone() } else { edges.take(&edge_rows) };
    let mut out_edges = vec![Vec::new(); node_ids.len()];
    let mut in_edges = vec![Vec::new(); node_ids.len()];
    for (edge, (&from, &to)) in edge_source.iter().zip(&edge_target).enumerate() {
        out_edges[from].push(edge);
        in_edges[to].push(edge);
    }
    let graph = Graph { nodes, node_ids, edges, edge_source, edge_target, out_edges, in_edges };
    exec.check_limits(&graph.nodes)?;
    Ok(graph)
}

#[cfg(test)]
mod tests {
    use crate::engine::table::Database;
    use crate::engine::{Options, execute};

    fn run(query: &str) -> String {
        let parse = crate::parse(query);
        assert!(parse.diagnostics.is_empty(), "{:?}", parse.diagnostics);
        match execute(&parse.query, &Database::new(), &Options::default(), None) {
            Ok(tables) => tables
                .iter()
                .map(|table| {
                    let mut out = String::new();
                    for row in 0..table.rows {
                        let cells: Vec<String> = table.row(row).iter().map(|v| v.to_kql_string()).collect();
                        out.push_str(&cells.join(","));
                        out.push('\n');
                    }
                    out
                })
                .collect::<Vec<_>>()
                .join("--\n"),
            Err(error) => format!("error: {}", error.to_diagnostic(parse.query.span).message),
        }
    }

    #[test]
    fn nodes_only_in_edges_get_their_identifier_and_null_properties() {
        let out = run(r#"let N = datatable(name:string, age:long)["a", 1];
            datatable(s:string, t:string)["a", "b"] | make-graph s --> t with N on name | graph-to-table nodes"#);
        assert_eq!(out, "a,1\nb,\n");
    }

    #[test]
    fn repeated_node_identifiers_merge_into_one_node() {
        let out = run(r#"let N1 = datatable(name:string, age:long)["a", 1];
            let N2 = datatable(id:string, city:string)["a", "x", "c", "y"];
            datatable(s:string, t:string)["a", "c"] | make-graph s --> t with N1 on name, N2 on id
            | graph-to-table nodes"#);
        assert_eq!(out, "a,1,a,x\n,,c,y\n");
    }

    #[test]
    fn edges_with_a_null_end_are_dropped() {
        let out = run(r#"datatable(s:string, t:long)["a", 1, "b", long(null)]
            | make-graph s --> t with_node_id=id | graph-to-table edges"#);
        assert_eq!(out, "a,1\n");
    }

    #[test]
    fn a_graph_at_the_end_of_a_query_is_an_error() {
        let out = run(r#"datatable(s:string, t:string)["a", "b"] | make-graph s --> t"#);
        assert_eq!(out, "error: `make-graph` returns a graph, not a table");
    }

    #[test]
    fn a_table_before_a_graph_operator_is_an_error() {
        let out = run(r#"datatable(s:string, t:string)["a", "b"] | graph-to-table nodes"#);
        assert_eq!(out, "error: a graph operator needs a graph as its input, found a table");
    }

    #[test]
    fn partitioned_graphs_run_the_operator_per_partition() {
        let out = run(r#"datatable(s:string, t:string, p:long)["a", "b", 1, "b", "c", 2, "x", "y", 1]
            | make-graph s --> t with_node_id=id partitioned-by p (graph-match (a)-->(b) project a.id, b.id)"#);
        assert_eq!(out, "a,b\nx,y\nb,c\n");
    }
}
