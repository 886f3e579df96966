//! Intersections that return a shape: `geo_intersection_2lines`,
//! `geo_intersection_line_with_polygon` and, where no clipping is needed,
//! `geo_intersection_2polygons`. Edges are geodesics on the sphere,
//! as the pages say. The result is a `Point` or `MultiPoint` where lines
//! cross, a `LineString` or `MultiLineString` where they run together (or
//! where a line runs inside a polygon), an empty `GeometryCollection` when
//! the shapes do not meet (the pages' examples), and a `GeometryCollection`
//! of both kinds when points and lines mix (the pages are silent there).
//! Vertices of the inputs keep their coordinates exactly; crossing points
//! are computed.

use std::sync::Arc;

use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::functions::geo::geojson::{
    self, Polygon, Ring, parse_lines, parse_polygons, polygon_rings, position, shape_value,
};
use crate::engine::functions::geo::or_null;
use crate::engine::functions::geo::sphere::Vec3;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "geo_intersection_2lines" => intersection_2lines,
        "geo_intersection_line_with_polygon" => intersection_line_with_polygon,
        "geo_intersection_2polygons" => intersection_2polygons,
        _ => return None,
    })
}

/// Angles below this (radians, about 6 micrometers on the earth) are zero:
/// where points coincide and edges lie on one great circle.
const EPSILON: f64 = 1e-12;

type Position = (f64, f64);

/// A vertex: its coordinates as given (or computed) and its unit vector.
#[derive(Debug, Clone, Copy)]
struct Vertex {
    position: Position,
    vector: Vec3,
}

impl Vertex {
    fn new(position: Position) -> Vertex {
        Vertex { position, vector: Vec3::from_degrees(position.0, position.1) }
    }

    fn computed(vector: Vec3) -> Vertex {
        Vertex { position: vector.to_degrees(), vector }
    }

    fn same(self, other: Vertex) -> bool {
        self.position == other.position || self.vector.angle(other.vector) < EPSILON
    }
}

/// A geodesic edge `a b` with the frame that measures angles along it.
struct Edge {
    a: Vertex,
    b: Vertex,
    /// The unit normal of the edge's great circle (zero for a point edge).
    normal: Vec3,
    length: f64,
}

impl Edge {
    fn new(a: Vertex, b: Vertex) -> Edge {
        Edge { a, b, normal: a.vector.cross(b.vector).normalize(), length: a.vector.angle(b.vector) }
    }

    /// The signed angle from `a` to the projection of `p` on the great circle.
    fn along(&self, p: Vec3) -> f64 {
        self.normal.dot(self.a.vector.cross(p)).atan2(self.a.vector.dot(p))
    }

    /// The point at angle `t` from `a` along the edge.
    fn at(&self, t: f64) -> Vec3 {
        let tangent = self.normal.cross(self.a.vector);
        self.a.vector.scale(t.cos()).plus(tangent.scale(t.sin())).normalize()
    }

    fn on_same_circle(&self, other: &Edge) -> bool {
        self.normal.norm() > 0.0 && other.normal.norm() > 0.0 && self.normal.cross(other.normal).norm() < EPSILON
    }

    /// The distance from `p` to the edge is (nearly) zero.
    fn touches(&self, p: Vec3) -> bool {
        (self.a.vector.angle(p) + p.angle(self.b.vector) - self.length).abs() < EPSILON
    }

    /// Where this edge crosses `other` (not on one great circle), if they meet:
    /// a shared or touching vertex keeps its coordinates.
    fn crossing(&self, other: &Edge) -> Option<Vertex> {
        for vertex in [self.a, self.b] {
            if other.touches(vertex.vector) {
                return Some(vertex);
            }
        }
        for vertex in [other.a, other.b] {
            if self.touches(vertex.vector) {
                return Some(vertex);
            }
        }
        if !crate::engine::functions::geo::sphere::arcs_intersect(
            self.a.vector,
            self.b.vector,
            other.a.vector,
            other.b.vector,
        ) {
            return None;
        }
        let mut meet = self.normal.cross(other.normal).normalize();
        if meet.dot(self.a.vector.plus(self.b.vector)) < 0.0 {
            meet = meet.scale(-1.0);
        }
        Some(Vertex::computed(meet))
    }
}

fn edges_of(line: &[Position]) -> Vec<Edge> {
    line.windows(2).map(|pair| Edge::new(Vertex::new(pair[0]), Vertex::new(pair[1]))).collect()
}

/// Points and chains of segments, joined where one segment starts at the
/// end of the previous one.
#[derive(Default)]
struct Parts {
    points: Vec<Vertex>,
    chains: Vec<Vec<Vertex>>,
    /// Whether the next segment may continue the last chain.
    open: bool,
}

impl Parts {
    fn add_segment(&mut self, from: Vertex, to: Vertex) {
        if let Some(chain) = self.chains.last_mut().filter(|_| self.open)
            && chain.last().is_some_and(|last| last.same(from))
        {
            chain.push(to);
        } else {
            self.chains.push(vec![from, to]);
        }
        self.open = true;
    }

    fn break_chain(&mut self) {
        self.open = false;
    }

    fn add_point(&mut self, point: Vertex) {
        if !self.points.iter().any(|p| p.same(point)) {
            self.points.push(point);
        }
    }

    /// The GeoJSON value, points that lie on a segment dropped.
    fn into_value(self) -> Value {
        let on_chain = |point: &Vertex| {
            self.chains
                .iter()
                .any(|chain| chain.windows(2).any(|pair| Edge::new(pair[0], pair[1]).touches(point.vector)))
        };
        let points: Vec<Dyn> = self
            .points
            .iter()
            .filter(|point| !on_chain(point))
            .map(|point| position(point.position.0, point.position.1))
            .collect();
        let lines: Vec<Dyn> = self
            .chains
            .iter()
            .map(|chain| Dyn::array(chain.iter().map(|v| position(v.position.0, v.position.1)).collect()))
            .collect();
        let point_shape = match points.len() {
            0 => None,
            1 => Some(("Point", points.into_iter().next().expect("one point"))),
            _ => Some(("MultiPoint", Dyn::array(points))),
        };
        let line_shape = match lines.len() {
            0 => None,
            1 => Some(("LineString", lines.into_iter().next().expect("one line"))),
            _ => Some(("MultiLineString", Dyn::array(lines))),
        };
        collection([point_shape, line_shape].into_iter().flatten().collect())
    }
}

/// One shape, or a `GeometryCollection` of several (empty when there are none).
fn collection(mut shapes: Vec<(&str, Dyn)>) -> Value {
    if shapes.len() == 1 {
        let (kind, coordinates) = shapes.remove(0);
        return geojson::geometry(kind, coordinates);
    }
    let geometries = shapes
        .into_iter()
        .filter_map(|(kind, coordinates)| match geojson::geometry(kind, coordinates) {
            Value::Dynamic(shape) => Some(shape),
            _ => None,
        })
        .collect();
    Value::Dynamic(Dyn::bag(vec![
        (Arc::from("type"), Dyn::str("GeometryCollection")),
        (Arc::from("geometries"), Dyn::array(geometries)),
    ]))
}

/// The shared stretch of two edges on one great circle, in the direction
/// of `first`: a segment (with the angle where it starts), a single point,
/// or nothing.
enum Shared {
    Segment(f64, Vertex, Vertex),
    Point(Vertex),
}

fn overlap(first: &Edge, second: &Edge) -> Option<Shared> {
    let (tc, td) = (first.along(second.a.vector), first.along(second.b.vector));
    let (low_second, high_second) =
        if tc <= td { ((tc, second.a), (td, second.b)) } else { ((td, second.b), (tc, second.a)) };
    let low = if low_second.0 > 0.0 { low_second } else { (0.0, first.a) };
    let high = if high_second.0 < first.length { high_second } else { (first.length, first.b) };
    if high.0 - low.0 > EPSILON {
        Some(Shared::Segment(low.0, low.1, high.1))
    } else if high.0 - low.0 > -EPSILON {
        Some(Shared::Point(low.1))
    } else {
        None
    }
}

fn intersect_lines(first: &[Vec<Position>], second: &[Vec<Position>]) -> Parts {
    let second: Vec<Edge> = second.iter().flat_map(|line| edges_of(line)).collect();
    let mut parts = Parts::default();
    for line in first {
        parts.break_chain();
        for edge in edges_of(line) {
            let mut segments: Vec<(f64, Vertex, Vertex)> = Vec::new();
            for other in &second {
                if edge.on_same_circle(other) {
                    match overlap(&edge, other) {
                        Some(Shared::Segment(start, from, to)) => segments.push((start, from, to)),
                        Some(Shared::Point(point)) => parts.add_point(point),
                        None => {}
                    }
                } else if let Some(point) = edge.crossing(other) {
                    parts.add_point(point);
                }
            }
            segments.sort_by(|x, y| x.0.total_cmp(&y.0));
            for (_, from, to) in segments {
                parts.add_segment(from, to);
            }
            // A chain goes on into the next edge only from this edge's end.
            if !parts.chains.last().and_then(|chain| chain.last()).is_some_and(|last| last.same(edge.b)) {
                parts.break_chain();
            }
        }
    }
    parts
}

fn intersection_2lines(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_intersection_2lines", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null((|| {
            let first = parse_lines(&shape_value(&v[0])?)?;
            let second = parse_lines(&shape_value(&v[1])?)?;
            Some(intersect_lines(&first, &second).into_value())
        })()))
    })
}

/// The parts of the lines inside the polygons (boundary included): each
/// edge is cut where it crosses a ring, and a piece is kept when its middle
/// is inside.
fn clip_lines(lines: &[Vec<Position>], polygons: &[Polygon]) -> Parts {
    let rings: Vec<Edge> = polygons
        .iter()
        .flat_map(|polygon| polygon.loops())
        .flat_map(|ring| ring.edges())
        .map(|(c, d)| Edge::new(Vertex::computed(c), Vertex::computed(d)))
        .collect();
    let mut parts = Parts::default();
    for line in lines {
        parts.break_chain();
        for edge in edges_of(line) {
            let mut cuts: Vec<(f64, Vertex)> = vec![(0.0, edge.a), (edge.length, edge.b)];
            for ring_edge in &rings {
                if edge.on_same_circle(ring_edge) {
                    for vertex in [ring_edge.a, ring_edge.b] {
                        let t = edge.along(vertex.vector);
                        if t > 0.0 && t < edge.length {
                            cuts.push((t, Vertex::computed(edge.at(t))));
                        }
                    }
                } else if let Some(point) = edge.crossing(ring_edge) {
                    let t = edge.along(point.vector);
                    if t > EPSILON && t < edge.length - EPSILON {
                        cuts.push((t, Vertex::computed(point.vector)));
                    }
                }
            }
            cuts.sort_by(|x, y| x.0.total_cmp(&y.0));
            cuts.dedup_by(|later, earlier| later.0 - earlier.0 < EPSILON && !later.1.same(edge.b));
            for pair in cuts.windows(2) {
                let ((t0, from), (t1, to)) = (pair[0], pair[1]);
                if t1 - t0 < EPSILON {
                    continue;
                }
                let middle = edge.at((t0 + t1) / 2.0);
                if polygons.iter().any(|polygon| polygon.contains(middle)) {
                    parts.add_segment(from, to);
                } else {
                    parts.break_chain();
                }
            }
        }
    }
    parts
}

fn intersection_line_with_polygon(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_intersection_line_with_polygon", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null((|| {
            let lines = parse_lines(&shape_value(&v[0])?)?;
            let polygons = parse_polygons(&shape_value(&v[1])?)?;
            Some(clip_lines(&lines, &polygons).into_value())
        })()))
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

/// The intersection of two polygons when it needs no clipping: one holds
/// the other, or they only touch. `Err` when their boundaries cross.
fn intersect_polygons(
    first: &[Polygon],
    first_rings: &[Vec<Ring>],
    second: &[Polygon],
    second_rings: &[Vec<Ring>],
) -> Result<Value, ()> {
    let mut polygons: Vec<&Vec<Ring>> = Vec::new();
    let mut points: Vec<Vertex> = Vec::new();
    for (p, p_rings) in first.iter().zip(first_rings) {
        for (q, q_rings) in second.iter().zip(second_rings) {
            let (q_in_p, p_in_q) = (sides(q, p).ok_or(())?, sides(p, q).ok_or(())?);
            if q_in_p.inside && q_in_p.outside || p_in_q.inside && p_in_q.outside {
                return Err(());
            }
            if q_in_p.inside && !p_in_q.inside {
                polygons.push(q_rings);
            } else if p_in_q.inside && !q_in_p.inside {
                polygons.push(p_rings);
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
    let rings_value = |rings: &Vec<Ring>| {
        Dyn::array(rings.iter().map(|ring| Dyn::array(ring.iter().map(|&(x, y)| position(x, y)).collect())).collect())
    };
    let polygon_shape = match polygons.len() {
        0 => None,
        1 => Some(("Polygon", rings_value(polygons[0]))),
        _ => Some(("MultiPolygon", Dyn::array(polygons.into_iter().map(rings_value).collect()))),
    };
    // A touching vertex keeps the coordinates it was given.
    let given: Vec<Vertex> =
        first_rings.iter().chain(second_rings).flatten().flatten().map(|&position| Vertex::new(position)).collect();
    let snap = |point: &Vertex| given.iter().find(|vertex| vertex.same(*point)).copied().unwrap_or(*point);
    let point_values: Vec<Dyn> = points.iter().map(snap).map(|p| position(p.position.0, p.position.1)).collect();
    let point_shape = match point_values.len() {
        0 => None,
        1 => Some(("Point", point_values.into_iter().next().expect("one point"))),
        _ => Some(("MultiPoint", Dyn::array(point_values))),
    };
    Ok(collection([point_shape, polygon_shape].into_iter().flatten().collect()))
}

/// `geo_intersection_2polygons`: null for an invalid polygon; where the
/// boundaries cross, the result needs polygon clipping, which kqlab does not
/// do yet (a clear error rather than a wrong shape).
fn intersection_2polygons(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_intersection_2polygons", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let parse = |value: &Value| {
            let shape = shape_value(value)?;
            Some((parse_polygons(&shape)?, polygon_rings(&shape)?))
        };
        let (Some((first, first_rings)), Some((second, second_rings))) = (parse(&v[0]), parse(&v[1])) else {
            return Ok(Value::Null);
        };
        intersect_polygons(&first, &first_rings, &second, &second_rings)
            .map_err(|()| ExecError::unsupported("`geo_intersection_2polygons` of polygons whose boundaries cross"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(json: &str) -> Vec<Vec<Position>> {
        parse_lines(&Dyn::parse_json(json)).expect("a line")
    }

    fn polygons(json: &str) -> Vec<Polygon> {
        parse_polygons(&Dyn::parse_json(json)).expect("a polygon")
    }

    fn text(value: Value) -> String {
        match value {
            Value::Dynamic(shape) => shape.to_json(),
            other => other.to_kql_string(),
        }
    }

    /// The numbers of a JSON text, for comparing within a tolerance.
    fn numbers(text: &str) -> Vec<f64> {
        text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .filter_map(|piece| piece.parse().ok())
            .collect()
    }

    fn assert_close(actual: &str, expected: &str) {
        let (a, e) = (numbers(actual), numbers(expected));
        assert_eq!(a.len(), e.len(), "{actual} vs {expected}");
        assert!(a.iter().zip(&e).all(|(x, y)| (x - y).abs() < 1e-9), "{actual} vs {expected}");
    }

    #[test]
    fn documented_crossing_point() {
        let first = lines(r#"{"type":"LineString","coordinates":[[-73.978929,40.785155],[-73.980903,40.782621]]}"#);
        let second = lines(r#"{"type":"LineString","coordinates":[[-73.985195,40.788275],[-73.974552,40.779761]]}"#);
        let out = text(intersect_lines(&first, &second).into_value());
        assert!(out.starts_with(r#"{"type":"Point""#), "{out}");
        assert_close(&out, "[-73.979837116670978,40.783989289772165]");
    }

    #[test]
    fn documented_line_with_itself_and_disjoint_lines() {
        let line = lines(r#"{"type":"LineString","coordinates":[[-73.978929,40.785155],[-73.980903,40.782621]]}"#);
        assert_eq!(
            text(intersect_lines(&line, &line).into_value()),
            r#"{"type":"LineString","coordinates":[[-73.978929,40.785155],[-73.980903,40.782621]]}"#
        );
        let (a, b) = (
            lines(r#"{"type":"LineString","coordinates":[[1,1],[2,2]]}"#),
            lines(r#"{"type":"LineString","coordinates":[[3,3],[4,4]]}"#),
        );
        assert_eq!(text(intersect_lines(&a, &b).into_value()), r#"{"type":"GeometryCollection","geometries":[]}"#);
    }

    #[test]
    fn a_shared_stretch_and_a_crossing_make_a_collection() {
        let first = lines(r#"{"type":"LineString","coordinates":[[0,0],[2,0],[4,0]]}"#);
        let second = lines(r#"{"type":"MultiLineString","coordinates":[[[1,0],[3,0]],[[3.5,-1],[3.5,1]]]}"#);
        let out = text(intersect_lines(&first, &second).into_value());
        assert!(out.starts_with(r#"{"type":"GeometryCollection","geometries":[{"type":"Point""#), "{out}");
        assert!(out.contains(r#"{"type":"LineString","coordinates":[[1,0],[2,0],[3,0]]}"#), "{out}");
    }

    #[test]
    fn documented_line_clipped_by_a_polygon() {
        let line = lines(r#"{"type":"LineString","coordinates":[[-73.985195,40.788275],[-73.974552,40.779761]]}"#);
        let polygon = polygons(
            r#"{"type":"Polygon","coordinates":[[[-73.9712905883789,40.78580561168767],[-73.98004531860352,40.775276834803655],[-73.97000312805176,40.77852663535664],[-73.9712905883789,40.78580561168767]]]}"#,
        );
        let out = text(clip_lines(&line, &polygon).into_value());
        assert!(out.starts_with(r#"{"type":"LineString""#), "{out}");
        assert_close(&out, "[[-73.975611956578192,40.78060906714618],[-73.974552,40.779761]]");
    }

    #[test]
    fn documented_line_through_a_polygon_with_a_hole() {
        let line = lines(r#"{"type":"LineString","coordinates":[[-110.522, 39.198],[-91.428, 40.880]]}"#);
        let polygon = polygons(
            r#"{"type":"Polygon","coordinates":[[[-90.263,36.738],[-102.041,45.274],[-109.335,36.527],[-90.263,36.738]],[[-100.393,41.705],[-103.139,38.925],[-97.558,39.113],[-100.393,41.705]]]}"#,
        );
        let out = text(clip_lines(&line, &polygon).into_value());
        assert!(out.starts_with(r#"{"type":"MultiLineString""#), "{out}");
        assert_close(
            &out,
            "[[[-106.89353655881905,39.769226209776306],[-101.74448553679453,40.373506008712525]],[[-99.136499431328858,40.589336512699994],[-95.284527737311791,40.799060242246348]]]",
        );
        let away = lines(r#"{"type":"LineString","coordinates":[[1, 1],[2, 2]]}"#);
        assert_eq!(text(clip_lines(&away, &polygon).into_value()), r#"{"type":"GeometryCollection","geometries":[]}"#);
    }

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
    fn a_polygon_inside_another_is_the_intersection_and_crossing_ones_are_refused() {
        let outer = r#"{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]]]}"#;
        let inner = r#"{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,1]]]}"#;
        assert_eq!(
            polygon_pair(outer, inner),
            Ok(r#"{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,1]]]}"#.to_string())
        );
        assert_eq!(polygon_pair(inner, outer), polygon_pair(outer, inner));
        let crossing = r#"{"type":"Polygon","coordinates":[[[5,5],[15,5],[15,15],[5,5]]]}"#;
        assert_eq!(polygon_pair(outer, crossing), Err(()));
        assert_eq!(polygon_pair(outer, outer), Err(()));
    }
}
