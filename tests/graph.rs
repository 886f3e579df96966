//! Graph semantics end to end: `make-graph` followed by the graph operators,
//! through the public parse / analyze / execute entry points, as the CLI
//! runs a query.

use kqlab::analysis::{Globals, analyze};
use kqlab::engine::table::Database;
use kqlab::engine::{Options, execute};

const STATIONS: &str = r#"let connections = datatable(from_station:string, to_station:string, line:string)
[
  "Central", "North", "red", "North", "Central", "red",
  "Central", "South", "red", "South", "Central", "red",
  "South", "South-West", "red", "South-West", "South", "red",
  "South-West", "West", "red", "West", "South-West", "red",
  "Central", "East", "blue", "East", "Central", "blue",
  "Central", "West", "blue", "West", "Central", "blue",
];
"#;

/// Runs `query` after the stations data; each table as lines of `|`-joined cells.
fn run(query: &str) -> Vec<Vec<String>> {
    let text = format!("{STATIONS}{query}");
    let parse = kqlab::parse(&text);
    assert!(parse.diagnostics.is_empty(), "{:?}", parse.diagnostics);
    let analysis = analyze(&parse.query, &Globals::builtin());
    assert!(!kqlab::diagnostics::has_errors(&analysis.diagnostics), "{:?}", analysis.diagnostics);
    let tables = execute(&parse.query, &Database::new(), &Options::default(), None).expect("the query runs");
    tables
        .iter()
        .map(|table| {
            (0..table.rows)
                .map(|row| table.row(row).iter().map(|v| v.to_kql_string()).collect::<Vec<_>>().join("|"))
                .collect()
        })
        .collect()
}

#[test]
fn shortest_paths_pick_one_path_per_pair_unless_all_are_asked_for() {
    let any = run(r#"connections
| make-graph from_station --> to_station with_node_id=station
| graph-shortest-paths (start)-[hops*1..5]->(destination)
  where start.station == "South-West" and destination.station == "North"
  project path = strcat_array(map(hops, to_station), "->")"#);
    assert_eq!(any, vec![vec!["South->Central->North"]]);
    let all = run(r#"connections
| make-graph from_station --> to_station with_node_id=station
| graph-shortest-paths output=all (start)-[hops*1..5]->(destination)
  where start.station == "South-West" and destination.station == "North"
  project path = strcat_array(map(hops, to_station), "->")"#);
    assert_eq!(all, vec![vec!["South->Central->North", "West->Central->North"]]);
}

#[test]
fn cycles_none_matches_only_paths_without_repeated_stations() {
    let rows = run(r#"connections
| make-graph from_station --> to_station with_node_id=station
| graph-match cycles=none (start)-[hops*1..5]->(destination)
  where start.station == "South-West" and destination.station == "East"
  project stopovers = strcat_array(map(inner_nodes(hops), station), "->")
| order by stopovers asc"#);
    assert_eq!(rows, vec![vec!["South->Central", "West->Central"]]);
}

#[test]
fn components_feed_graph_match_and_graph_to_table() {
    let rows = run(r#"connections
| where line == "red" or from_station != "East" and to_station != "East"
| make-graph from_station --> to_station with_node_id=station
| graph-mark-components with_component_id=part
| graph-to-table nodes as N with_node_id=Hash, edges as E with_source_id=From;
N | summarize parts = dcount(part), nodes = count();
E | where From == hash("Central") | count"#);
    assert_eq!(rows[2], vec!["1|5"]);
    assert_eq!(rows[3], vec!["3"]);
}

#[test]
fn node_degrees_count_edges_in_each_direction() {
    let rows = run(r#"connections
| make-graph from_station --> to_station with_node_id=station
| graph-match (s)-[e]->(t)
  where s.station == "Central" and t.station == "East"
  project out = node_degree_out(s), into = node_degree_in(t), id = node_id(t)"#);
    assert_eq!(rows, vec![vec!["4|1|East"]]);
}
