//! `graph-mark-components [kind=weak|strong] [with_component_id=Name]`:
//! the graph with a `long` node property (default `ComponentId`) numbering
//! its connected components from 0, in the order of each component's first
//! node. Weak components ignore edge direction; strong ones need a path
//! both ways.

use crate::diagnostics::Code;
use crate::engine::column::ColumnBuilder;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::operators::graph::Graph;
use crate::engine::operators::param_text;
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;
use crate::syntax::ast::operators::NamedParameter;

pub fn run(params: &[NamedParameter], graph: &Graph) -> ExecResult<Graph> {
    let name = param_text(params, "with_component_id").unwrap_or_else(|| "ComponentId".to_string());
    let components = match param_text(params, "kind").map(|k| k.to_ascii_lowercase()).as_deref() {
        None | Some("weak") => weak_components(graph),
        Some("strong") => strong_components(graph),
        Some(other) => {
            return Err(ExecError::new(Code::InvalidParameterValue, format!("`{other}` is not a valid `kind`"))
                .with_help("use `weak` or `strong`"));
        }
    };
    let mut builder = ColumnBuilder::new(ScalarType::Long, components.len());
    for component in components {
        builder.push(&Value::Long(component as i64));
    }
    Ok(graph.with_node_property(&name, builder.finish()))
}

/// Renumbers component labels 0, 1, ... in order of first node.
fn renumber(labels: &[usize]) -> Vec<usize> {
    let mut number = vec![usize::MAX; labels.len()];
    let mut next = 0;
    labels
        .iter()
        .map(|&label| {
            if number[label] == usize::MAX {
                number[label] = next;
                next += 1;
            }
            number[label]
        })
        .collect()
}

fn weak_components(graph: &Graph) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..graph.node_count()).collect();
    fn root(parent: &mut [usize], mut node: usize) -> usize {
        while parent[node] != node {
            parent[node] = parent[parent[node]];
            node = parent[node];
        }
        node
    }
    for (&source, &target) in graph.edge_source.iter().zip(&graph.edge_target) {
        let (a, b) = (root(&mut parent, source), root(&mut parent, target));
        if a != b {
            parent[a.max(b)] = a.min(b);
        }
    }
    let labels: Vec<usize> = (0..graph.node_count()).map(|node| root(&mut parent, node)).collect();
    renumber(&labels)
}

/// Tarjan's algorithm, iterative (no recursion on deep graphs).
fn strong_components(graph: &Graph) -> Vec<usize> {
    let count = graph.node_count();
    let mut index = vec![usize::MAX; count];
    let mut low = vec![0; count];
    let mut on_stack = vec![false; count];
    let mut stack = Vec::new();
    let mut label = vec![usize::MAX; count];
    let mut next_index = 0;
    for start in 0..count {
        if index[start] != usize::MAX {
            continue;
        }
        // (node, position in its out-edge list)
        let mut work = vec![(start, 0usize)];
        while let Some(&(node, position)) = work.last() {
            if position == 0 && index[node] == usize::MAX {
                index[node] = next_index;
                low[node] = next_index;
                next_index += 1;
                stack.push(node);
                on_stack[node] = true;
            }
            if let Some(&edge) = graph.out_edges[node].get(position) {
                work.last_mut().expect("the loop saw a last item").1 += 1;
                let next = graph.edge_target[edge];
                if index[next] == usize::MAX {
                    work.push((next, 0));
                } else if on_stack[next] {
                    low[node] = low[node].min(index[next]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    label[member] = node;
                    if member == node {
                        break;
                    }
                }
            }
        }
    }
    renumber(&label)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Options;
    use crate::engine::exec::Executor;
    use crate::engine::table::Database;

    fn graph(edges: &str) -> Graph {
        let query = format!("datatable(s:string, t:string)[{edges}] | make-graph s --> t with_node_id=id");
        let parse = crate::parse(&query);
        let database = Database::new();
        let options = Options::default();
        let exec = Executor::new(&database, &options, None);
        let crate::syntax::ast::StatementKind::Query(expr) = &parse.query.statements[0].kind else { panic!() };
        crate::engine::operators::graph::eval_graph(&exec, expr, &None).expect("a graph")
    }

    #[test]
    fn weak_components_ignore_direction_and_number_by_first_node() {
        let graph = graph(r#""a", "b", "c", "b", "d", "e""#);
        assert_eq!(weak_components(&graph), vec![0, 0, 0, 1, 1]);
    }

    #[test]
    fn strong_components_need_paths_both_ways() {
        let graph = graph(r#""a", "b", "b", "a", "b", "c", "c", "d", "d", "c""#);
        assert_eq!(strong_components(&graph), vec![0, 0, 1, 1]);
    }
}
