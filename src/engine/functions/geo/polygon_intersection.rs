//! `geo_intersection_2polygons`: the region two polygons (or
//! multipolygons) share, on the sphere with geodesic edges. Each pair of
//! polygons is compared: one inside the other gives the inner one; polygons
//! that only touch give the points where they touch; crossing boundaries are
//! clipped (Greiner and Hormann's walk: from the first point where the first
//! polygon's boundary enters the second, along the first polygon to where it
//! leaves, then along the second, both counter-clockwise), which matches the
//! page's examples vertex for vertex. Clipping is done for polygons without
//! holes whose boundaries cross cleanly; a hole among crossing boundaries,
//! or boundaries that run along each other or cross at a vertex, give
//! KQL4001 rather than a wrong shape.

use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::functions::geo::geojson::{Polygon, Ring, parse_polygons, polygon_rings, position, shape_value};
use crate::engine::functions::geo::intersection::{EPSILON, Edge, Shared, Vertex, collection, overlap};
use crate::engine::functions::{EvalCtx, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

/// `geo_intersection_2polygons(polygon1, polygon2)`: null for an invalid polygon.
pub fn intersection_2polygons(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_intersection_2polygons", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let parse = |value: &Value| {
            let shape = shape_value(value)?;
            Some((parse_polygons(&shape)?, polygon_rings(&shape)?))
        };
        let (Some((first, first_rings)), Some((second, second_rings))) = (parse(&v[0]), parse(&v[1])) else {
            return Ok(Value::Null);
        };
        intersect_polygons(&first, &first_rings, &second, &second_rings).map_err(|()| {
            ExecError::unsupported(
                "`geo_intersection_2polygons` of polygons with holes, or whose boundaries run along each other or cross at a vertex,",
            )
        })
    })
}

/// How the boundary of one polygon lies against another polygon.
#[derive(Default)]
struct Sides {
    /// Some stretch of the boundary runs through the other's interior.
    inside: bool,
    /// Some stretch runs outside the other.
    outside: bool,
    /// The points where the boundary meets the other's boundary.
    touches: Vec<Vertex>,
}

/// Where the rings of `polygon` lie against `other`: each edge is cut where
/// it meets `other`'s rings and each piece is judged by its middle. `None`
/// when an edge runs along one of `other`'s edges (clipping would be needed).
fn sides(polygon: &Polygon, other: &Polygon) -> Option<Sides> {
    let other_edges: Vec<Edge> = other
        .loops()
        .flat_map(|ring| ring.edges())
        .map(|(c, d)| Edge::new(Vertex::computed(c), Vertex::computed(d)))
        .collect();
    let mut sides = Sides::default();
    for (a, b) in polygon.loops().flat_map(|ring| ring.edges()) {
        let edge = Edge::new(Vertex::computed(a), Vertex::computed(b));
        let mut cuts = vec![0.0, edge.length];
        for other_edge in &other_edges {
            if edge.on_same_circle(other_edge) {
                if matches!(overlap(&edge, other_edge), Some(Shared::Segment(..))) {
                    return None;
                }
            } else if let Some(point) = edge.crossing(other_edge) {
                cuts.push(edge.along(point.vector));
                if !sides.touches.iter().any(|touch| touch.same(point)) {
                    sides.touches.push(point);
                }
            }
        }
        cuts.sort_by(f64::total_cmp);
        for pair in cuts.windows(2) {
            if pair[1] - pair[0] > EPSILON {
                if other.contains(edge.at((pair[0] + pair[1]) / 2.0)) {
                    sides.inside = true;
                } else {
                    sides.outside = true;
                }
            }
        }
    }
    Some(sides)
}

/// The intersection of two sets of polygons; `Err` where it would need
/// clipping kqlab does not do.
fn intersect_polygons(
    first: &[Polygon],
    first_rings: &[Vec<Ring>],
    second: &[Polygon],
    second_rings: &[Vec<Ring>],
) -> Result<Value, ()> {
    let mut polygons: Vec<Vec<Vec<Vertex>>> = Vec::new();
    let mut points: Vec<Vertex> = Vec::new();
    let as_vertices = |rings: &Vec<Ring>| -> Vec<Vec<Vertex>> {
        rings.iter().map(|ring| ring.iter().map(|&p| Vertex::new(p)).collect()).collect()
    };
    for (p, p_rings) in first.iter().zip(first_rings) {
        for (q, q_rings) in second.iter().zip(second_rings) {
            let (q_in_p, p_in_q) = (sides(q, p).ok_or(())?, sides(p, q).ok_or(())?);
            if q_in_p.inside && q_in_p.outside || p_in_q.inside && p_in_q.outside {
                polygons.extend(clip(p, q)?.into_iter().map(|ring| vec![ring]));
            } else if q_in_p.inside && !p_in_q.inside {
                polygons.push(as_vertices(q_rings));
            } else if p_in_q.inside && !q_in_p.inside {
                polygons.push(as_vertices(p_rings));
            } else if q_in_p.inside || p_in_q.inside {
                // Each runs inside the other: a hole is involved.
                return Err(());
            } else {
                for touch in q_in_p.touches.into_iter().chain(p_in_q.touches) {
                    if !points.iter().any(|point| point.same(touch)) {
                        points.push(touch);
                    }
                }
            }
        }
    }
    // A vertex of the input keeps the coordinates it was given.
    let given: Vec<Vertex> =
        first_rings.iter().chain(second_rings).flatten().flatten().map(|&position| Vertex::new(position)).collect();
    let snap = |point: &Vertex| given.iter().find(|vertex| vertex.same(*point)).copied().unwrap_or(*point);
    let coordinates = |point: &Vertex| {
        let (x, y) = snap(point).position;
        position(x, y)
    };
    let rings_value = |rings: &Vec<Vec<Vertex>>| {
        Dyn::array(rings.iter().map(|ring| Dyn::array(ring.iter().map(coordinates).collect())).collect())
    };
    let polygon_shape = match polygons.len() {
        0 => None,
        1 => Some(("Polygon", rings_value(&polygons[0]))),
        _ => Some(("MultiPolygon", Dyn::array(polygons.iter().map(rings_value).collect()))),
    };
    let point_values: Vec<Dyn> = points.iter().map(coordinates).collect();
    let point_shape = match point_values.len() {
        0 => None,
        1 => Some(("Point", point_values.into_iter().next().expect("one point"))),
        _ => Some(("MultiPoint", Dyn::array(point_values))),
    };
    Ok(collection([point_shape, polygon_shape].into_iter().flatten().collect()))
}

/// A node of a ring walked for clipping: a vertex, or a crossing (with its
/// index among the crossings).
#[derive(Clone, Copy)]
struct Node {
    vertex: Vertex,
    crossing: Option<usize>,
}

/// The shared regions of two polygons without holes whose boundaries cross
/// cleanly, each as a closed counter-clockwise ring.
fn clip(p: &Polygon, q: &Polygon) -> Result<Vec<Vec<Vertex>>, ()> {
    if !p.holes.is_empty() || !q.holes.is_empty() {
        return Err(());
    }
    let ring_edges = |polygon: &Polygon| -> Vec<Edge> {
        polygon.shell.edges().map(|(a, b)| Edge::new(Vertex::computed(a), Vertex::computed(b))).collect()
    };
    let (p_edges, q_edges) = (ring_edges(p), ring_edges(q));
    // Crossings: (p edge, angle along it, q edge, angle along it, point).
    let mut crossings: Vec<(usize, f64, usize, f64, Vertex)> = Vec::new();
    for (i, p_edge) in p_edges.iter().enumerate() {
        for (j, q_edge) in q_edges.iter().enumerate() {
            if p_edge.on_same_circle(q_edge) {
                if overlap(p_edge, q_edge).is_some() {
                    return Err(());
                }
                continue;
            }
            let Some(point) = p_edge.crossing(q_edge) else { continue };
            let (s, t) = (p_edge.along(point.vector), q_edge.along(point.vector));
            let clean = |edge: &Edge, angle: f64| angle > EPSILON && angle < edge.length - EPSILON;
            if !clean(p_edge, s) || !clean(q_edge, t) {
                return Err(());
            }
            crossings.push((i, s, j, t, point));
        }
    }
    let walk = |edges: &[Edge], on: &dyn Fn(usize) -> Vec<(f64, usize)>| -> Vec<Node> {
        let mut nodes = Vec::new();
        for (index, edge) in edges.iter().enumerate() {
            nodes.push(Node { vertex: edge.a, crossing: None });
            let mut here = on(index);
            here.sort_by(|x, y| x.0.total_cmp(&y.0));
            nodes.extend(here.into_iter().map(|(_, k)| Node { vertex: crossings[k].4, crossing: Some(k) }));
        }
        nodes
    };
    let p_nodes =
        walk(&p_edges, &|i| crossings.iter().enumerate().filter(|(_, c)| c.0 == i).map(|(k, c)| (c.1, k)).collect());
    let q_nodes =
        walk(&q_edges, &|j| crossings.iter().enumerate().filter(|(_, c)| c.2 == j).map(|(k, c)| (c.3, k)).collect());
    let position_in = |nodes: &[Node], k: usize| nodes.iter().position(|node| node.crossing == Some(k));
    // A crossing where p's boundary enters q: just after it, p runs inside q.
    let enters = |at: usize| {
        let next = p_nodes[(at + 1) % p_nodes.len()].vertex.vector;
        let middle = p_nodes[at].vertex.vector.plus(next).normalize();
        q.contains(middle)
    };
    let mut used = vec![false; crossings.len()];
    let mut rings = Vec::new();
    for start in 0..p_nodes.len() {
        let Some(first) = p_nodes[start].crossing else { continue };
        if used[first] || !enters(start) {
            continue;
        }
        let mut ring: Vec<Vertex> = Vec::new();
        let (mut on_p, mut at) = (true, start);
        loop {
            let nodes = if on_p { &p_nodes } else { &q_nodes };
            let node = nodes[at];
            if let Some(k) = node.crossing {
                if used[k] && k == first && !ring.is_empty() {
                    break;
                }
                used[k] = true;
            }
            ring.push(node.vertex);
            if ring.len() > p_nodes.len() + q_nodes.len() {
                return Err(());
            }
            at = (at + 1) % nodes.len();
            if let Some(k) = nodes[at].crossing {
                // Switch to the other polygon at the next crossing.
                if k == first {
                    break;
                }
                on_p = !on_p;
                at = position_in(if on_p { &p_nodes } else { &q_nodes }, k).ok_or(())?;
            }
        }
        ring.push(ring[0]);
        rings.push(ring);
    }
    Ok(rings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::functions::geo::test_support::{assert_close, numbers, text};

    fn polygon_pair(first: &str, second: &str) -> Result<String, ()> {
        let (first, second) = (Dyn::parse_json(first), Dyn::parse_json(second));
        let (p, p_rings) = (parse_polygons(&first).expect("valid"), polygon_rings(&first).expect("valid"));
        let (q, q_rings) = (parse_polygons(&second).expect("valid"), polygon_rings(&second).expect("valid"));
        intersect_polygons(&p, &p_rings, &q, &q_rings).map(text)
    }

    #[test]
    fn documented_polygons_that_touch_or_miss() {
        let triangle = r#"{"type":"Polygon","coordinates":[[[2,45],[0,45],[1,44],[2,45]]]}"#;
        let touching = r#"{"type":"Polygon","coordinates":[[[3,44],[2,45],[2,43],[3,44]]]}"#;
        assert_eq!(polygon_pair(triangle, touching), Ok(r#"{"type":"Point","coordinates":[2,45]}"#.to_string()));
        let apart = r#"{"type":"Polygon","coordinates":[[[3,44],[3,45],[2,43],[3,44]]]}"#;
        assert_eq!(polygon_pair(triangle, apart), Ok(r#"{"type":"GeometryCollection","geometries":[]}"#.to_string()));
    }

    #[test]
    fn a_polygon_inside_another_is_the_intersection_and_shared_edges_are_refused() {
        let outer = r#"{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]]]}"#;
        let inner = r#"{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,1]]]}"#;
        assert_eq!(
            polygon_pair(outer, inner),
            Ok(r#"{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,1]]]}"#.to_string())
        );
        assert_eq!(polygon_pair(inner, outer), polygon_pair(outer, inner));
        let crossing = r#"{"type":"Polygon","coordinates":[[[5,5],[15,5],[15,15],[5,5]]]}"#;
        // The triangle's corner (5, 5) is inside the square and the square's
        // corner (10, 10) inside the triangle, whose geodesic diagonal passes
        // north of it: a quadrilateral.
        let clipped = polygon_pair(outer, crossing).expect("clipped");
        assert!(clipped.starts_with(r#"{"type":"Polygon""#), "{clipped}");
        assert!(clipped.contains("[5,5]") && clipped.contains("[10,10]"), "{clipped}");
        assert_eq!(numbers(&clipped).len(), 2 * 5, "a closed quadrilateral: {clipped}");
        assert_eq!(polygon_pair(outer, outer), Err(()));
    }

    #[test]
    fn documented_crossing_polygons_are_clipped() {
        let first = r#"{"type":"Polygon","coordinates":[[[-73.9630937576294,40.77498840732385],[-73.963565826416,40.774383111780914],[-73.96205306053162,40.773745311181585],[-73.96160781383514,40.7743912365898],[-73.9630937576294,40.77498840732385]]]}"#;
        let second = r#"{"type":"Polygon","coordinates":[[[-73.96213352680206,40.775045280447145],[-73.9631313085556,40.774578106920345],[-73.96207988262177,40.77416780398293],[-73.96213352680206,40.775045280447145]]]}"#;
        let out = polygon_pair(first, second).expect("clipped");
        assert!(out.starts_with(r#"{"type":"Polygon""#), "{out}");
        assert_close(
            &out,
            "[[[-73.962105776437156,40.774591360999679],[-73.962642403166868,40.774807020251778],[-73.9631313085556,40.774578106920352],[-73.962079882621765,40.774167803982927],[-73.962105776437156,40.774591360999679]]]",
        );
    }

    #[test]
    fn documented_polygon_with_a_multipolygon_gives_a_point_and_a_polygon() {
        let triangle = r#"{"type":"Polygon","coordinates":[[[2,45],[0,45],[1,44],[2,45]]]}"#;
        let multi = r#"{"type":"MultiPolygon","coordinates":[[[[3,44],[2,45],[2,43],[3,44]]],[[[1.192,45.265],[1.005,44.943],[1.356,44.937],[1.192,45.265]]]]}"#;
        let out = polygon_pair(triangle, multi).expect("clipped");
        assert!(
            out.starts_with(
                r#"{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[2,45]},{"type":"Polygon""#
            ),
            "{out}"
        );
        assert_close(
            &out,
            "[2,45] [[[1.3227075526410679,45.003909145068739],[1.0404565374899824,45.004356403066552],[1.005,44.943],[1.356,44.937],[1.3227075526410679,45.003909145068739]]]",
        );
    }
}
