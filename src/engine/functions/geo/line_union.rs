//! `geo_union_lines_array`: the union of an array of lines and multilines.
//! Edges that repeat (in either direction) or that run along part of
//! another edge count once: every edge is cut at the vertices of the others
//! that lie on it, and the pieces are deduplicated. The pieces are then
//! chained through the vertices where exactly two of them meet, in the
//! order the lines come, so lines that continue each other become one line
//! (the page's example). Vertices keep their given coordinates.

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::geo::geojson::{self, parse_lines, position, shape_value};
use crate::engine::functions::geo::intersection::{Edge, Position, Vertex};
use crate::engine::functions::geo::or_null;
use crate::engine::functions::{EvalCtx, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

/// `geo_union_lines_array(lines)`: null when the value is not an array of
/// valid lines or is empty (the page is silent on an empty array).
pub fn union_lines_array(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_union_lines_array", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null((|| {
            let Value::Dynamic(Dyn::Array(items)) = &v[0] else { return None };
            let mut lines: Vec<Vec<Position>> = Vec::new();
            for item in items.iter() {
                lines.extend(parse_lines(&shape_value(&Value::Dynamic(item.clone()))?)?);
            }
            if lines.is_empty() {
                return None;
            }
            let mut chains: Vec<Dyn> = chain(&pieces(&lines))
                .into_iter()
                .map(|chain| Dyn::array(chain.iter().map(|v| position(v.position.0, v.position.1)).collect()))
                .collect();
            Some(match chains.len() {
                1 => geojson::geometry("LineString", chains.remove(0)),
                _ => geojson::geometry("MultiLineString", Dyn::array(chains)),
            })
        })()))
    })
}

/// The distinct pieces of all edges, cut at the other edges' vertices on them.
fn pieces(lines: &[Vec<Position>]) -> Vec<(Vertex, Vertex)> {
    let vertices: Vec<Vertex> = lines.iter().flatten().map(|&p| Vertex::new(p)).collect();
    let mut out: Vec<(Vertex, Vertex)> = Vec::new();
    for line in lines {
        for pair in line.windows(2) {
            let edge = Edge::new(Vertex::new(pair[0]), Vertex::new(pair[1]));
            let mut cuts: Vec<(f64, Vertex)> = vec![(0.0, edge.a), (edge.length, edge.b)];
            for &vertex in &vertices {
                if edge.touches(vertex.vector) && !vertex.same(edge.a) && !vertex.same(edge.b) {
                    cuts.push((edge.along(vertex.vector), vertex));
                }
            }
            cuts.sort_by(|x, y| x.0.total_cmp(&y.0));
            cuts.dedup_by(|later, earlier| later.1.same(earlier.1));
            for cut in cuts.windows(2) {
                let (a, b) = (cut[0].1, cut[1].1);
                let known = out.iter().any(|(c, d)| (c.same(a) && d.same(b)) || (c.same(b) && d.same(a)));
                if !known && !a.same(b) {
                    out.push((a, b));
                }
            }
        }
    }
    out
}

/// The pieces joined into lines through vertices where exactly two meet.
fn chain(pieces: &[(Vertex, Vertex)]) -> Vec<Vec<Vertex>> {
    let degree = |v: Vertex| pieces.iter().filter(|(a, b)| a.same(v) || b.same(v)).count();
    let mut used = vec![false; pieces.len()];
    let mut chains = Vec::new();
    for start in 0..pieces.len() {
        if used[start] {
            continue;
        }
        used[start] = true;
        let mut chain = vec![pieces[start].0, pieces[start].1];
        // Extend forward, then backward, through vertices of degree two.
        loop {
            let end = chain[chain.len() - 1];
            if degree(end) != 2 {
                break;
            }
            let Some(next) = (0..pieces.len()).find(|&j| !used[j] && (pieces[j].0.same(end) || pieces[j].1.same(end)))
            else {
                break;
            };
            used[next] = true;
            let (a, b) = pieces[next];
            chain.push(if a.same(end) { b } else { a });
        }
        loop {
            let begin = chain[0];
            if degree(begin) != 2 {
                break;
            }
            let Some(previous) =
                (0..pieces.len()).find(|&j| !used[j] && (pieces[j].0.same(begin) || pieces[j].1.same(begin)))
            else {
                break;
            };
            used[previous] = true;
            let (a, b) = pieces[previous];
            chain.insert(0, if a.same(begin) { b } else { a });
        }
        chains.push(chain);
    }
    chains
}

#[cfg(test)]
mod tests {
    use super::*;

    fn union(lines: &[&[Position]]) -> Vec<Vec<Position>> {
        let lines: Vec<Vec<Position>> = lines.iter().map(|line| line.to_vec()).collect();
        chain(&pieces(&lines)).into_iter().map(|c| c.into_iter().map(|v| v.position).collect()).collect()
    }

    #[test]
    fn documented_lines_that_continue_each_other_become_one() {
        let (a, b, c, d) = (
            (-73.95683884620665, 40.80502891480884),
            (-73.95633727312088, 40.8057171711177),
            (-73.95489156246185, 40.80510200431311),
            (-73.95537436008453, 40.804413741624515),
        );
        assert_eq!(union(&[&[a, b, c], &[b, c, d], &[b, c]]), vec![vec![a, b, c, d]]);
    }

    #[test]
    fn a_stretch_inside_another_edge_counts_once_and_a_fork_splits() {
        let long = [(0.0, 0.0), (4.0, 0.0)];
        let part = [(1.0, 0.0), (2.0, 0.0)];
        let chains = union(&[&long, &part]);
        assert_eq!(chains, vec![vec![(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (4.0, 0.0)]]);
        let fork = union(&[&[(0.0, 0.0), (1.0, 0.0)], &[(1.0, 0.0), (2.0, 1.0)], &[(1.0, 0.0), (2.0, -1.0)]]);
        assert_eq!(fork.len(), 3);
    }
}
