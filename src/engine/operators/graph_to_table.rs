//! `graph-to-table nodes [as N] [with_node_id=C], edges [as E]
//! [with_source_id=C] [with_target_id=C]`: the nodes or edges of a graph as
//! tables of their properties. The id columns hold the node's hash
//! identifier (a `long`, the `hash()` of the node identifier).

use std::sync::Arc;

use crate::engine::column::ColumnBuilder;
use crate::engine::error::ExecResult;
use crate::engine::operators::graph::Graph;
use crate::engine::operators::{param_text, push_unique};
use crate::engine::table::{Field, NamedTable, Table};
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;
use crate::syntax::ast::operators::{GraphElementKind, GraphTableOutput};

pub fn run(outputs: &[GraphTableOutput], graph: &Graph) -> ExecResult<Vec<NamedTable>> {
    Ok(outputs
        .iter()
        .map(|output| NamedTable {
            name: output.name.as_ref().map(|name| name.name.clone()),
            table: Arc::new(export(output, graph)),
        })
        .collect())
}

fn export(output: &GraphTableOutput, graph: &Graph) -> Table {
    let mut fields = Vec::new();
    let hashes = |nodes: &mut dyn Iterator<Item = usize>, rows: usize| {
        let mut builder = ColumnBuilder::new(ScalarType::Long, rows);
        for node in nodes {
            builder.push(&Value::Long(graph.node_hash(node)));
        }
        Arc::new(builder.finish())
    };
    let (properties, rows) = match output.kind {
        GraphElementKind::Nodes => {
            if let Some(name) = param_text(&output.params, "with_node_id") {
                let column = hashes(&mut (0..graph.node_count()), graph.node_count());
                fields.push(Field { name, column });
            }
            (&graph.nodes, graph.node_count())
        }
        GraphElementKind::Edges => {
            for (param, ends) in [("with_source_id", &graph.edge_source), ("with_target_id", &graph.edge_target)] {
                if let Some(name) = param_text(&output.params, param) {
                    let column = hashes(&mut ends.iter().copied(), ends.len());
                    fields.push(Field { name, column });
                }
            }
            (&graph.edges, graph.edges.rows)
        }
    };
    for field in &properties.fields {
        push_unique(&mut fields, field.clone());
    }
    Table::from_fields(fields, rows)
}
