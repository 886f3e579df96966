//! Intersections that return a shape: `geo_intersection_2lines` and
//! `geo_intersection_line_with_polygon` (and the geometry that
//! `polygon_intersection` shares). Edges are geodesics on the sphere,
//! as the pages say. The result is a `Point` or `MultiPoint` where lines
//! cross, a `LineString` or `MultiLineString` where they run together (or
//! where a line runs inside a polygon), an empty `GeometryCollection` when
//! the shapes do not meet (the pages' examples), and a `GeometryCollection`
//! of both kinds when points and lines mix (the pages are silent there).
//! Vertices of the inputs keep their coordinates exactly; crossing points
//! are computed.

use std::sync::Arc;

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::geo::geojson::{self, Polygon, parse_lines, parse_polygons, position, shape_value};
use crate::engine::functions::geo::or_null;
use crate::engine::functions::geo::sphere::Vec3;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "geo_intersection_2lines" => intersection_2lines,
        "geo_intersection_line_with_polygon" => intersection_line_with_polygon,
        "geo_intersection_2polygons" => crate::engine::functions::geo::polygon_intersection::intersection_2polygons,
        _ => return None,
    })
}

/// Angles below this (radians, about 6 micrometers on the earth) are zero:
/// where points coincide and edges lie on one great circle.
pub(super) const EPSILON: f64 = 1e-12;

pub(super) type Position = (f64, f64);

/// A vertex: its coordinates as given (or computed) and its unit vector.
#[derive(Debug, Clone, Copy)]
pub(super) struct Vertex {
    pub(super) position: Position,
    pub(super) vector: Vec3,
}

impl Vertex {
    pub(super) fn new(position: Position) -> Vertex {
        Vertex { position, vector: Vec3::from_degrees(position.0, position.1) }
    }

    pub(super) fn computed(vector: Vec3) -> Vertex {
        Vertex { position: vector.to_degrees(), vector }
    }

    pub(super) fn same(self, other: Vertex) -> bool {
        self.position == other.position || self.vector.angle(other.vector) < EPSILON
    }
}

/// A geodesic edge `a b` with the frame that measures angles along it.
pub(super) struct Edge {
    pub(super) a: Vertex,
    pub(super) b: Vertex,
    /// The unit normal of the edge's great circle (zero for a point edge).
    normal: Vec3,
    pub(super) length: f64,
}

impl Edge {
    pub(super) fn new(a: Vertex, b: Vertex) -> Edge {
        Edge { a, b, normal: a.vector.cross(b.vector).normalize(), length: a.vector.angle(b.vector) }
    }

    /// The signed angle from `a` to the projection of `p` on the great circle.
    pub(super) fn along(&self, p: Vec3) -> f64 {
        self.normal.dot(self.a.vector.cross(p)).atan2(self.a.vector.dot(p))
    }

    /// The point at angle `t` from `a` along the edge.
    pub(super) fn at(&self, t: f64) -> Vec3 {
        let tangent = self.normal.cross(self.a.vector);
        self.a.vector.scale(t.cos()).plus(tangent.scale(t.sin())).normalize()
    }

    pub(super) fn on_same_circle(&self, other: &Edge) -> bool {
        self.normal.norm() > 0.0 && other.normal.norm() > 0.0 && self.normal.cross(other.normal).norm() < EPSILON
    }

    /// The distance from `p` to the edge is (nearly) zero.
    pub(super) fn touches(&self, p: Vec3) -> bool {
        (self.a.vector.angle(p) + p.angle(self.b.vector) - self.length).abs() < EPSILON
    }

    /// Where this edge crosses `other` (not on one great circle), if they meet:
    /// a shared or touching vertex keeps its coordinates.
    pub(super) fn crossing(&self, other: &Edge) -> Option<Vertex> {
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
pub(super) fn collection(mut shapes: Vec<(&str, Dyn)>) -> Value {
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
pub(super) enum Shared {
    Segment(f64, Vertex, Vertex),
    Point(Vertex),
}

pub(super) fn overlap(first: &Edge, second: &Edge) -> Option<Shared> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::functions::geo::test_support::{assert_close, text};

    fn lines(json: &str) -> Vec<Vec<Position>> {
        parse_lines(&Dyn::parse_json(json)).expect("a line")
    }

    fn polygons(json: &str) -> Vec<Polygon> {
        parse_polygons(&Dyn::parse_json(json)).expect("a polygon")
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
}
