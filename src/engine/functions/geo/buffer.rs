//! `geo_line_buffer` and `geo_polygon_buffer`: the (multi)polygon of the
//! points within a radius of a line or a polygon, approximated within a
//! tolerance as `geo_point_buffer` does.
//!
//! The buffer is built as a union (`polygon_union::trace`) of pieces: a
//! circle around each vertex (as `geo_point_buffer` makes it), a band along
//! each edge (its sides are the points at the radius from the edge's
//! geodesic, sampled densely enough that a side's chords stray at most the
//! tolerance inside it) and, for a polygon, the polygon itself. A band's
//! corners are vertices of its end circles (the very same positions), and
//! its ends are notched in to a point inside those circles, so pieces meet
//! at shared vertices or cross cleanly, never run along each other nor
//! graze at a sliver of an angle. Every vertex of the result lies
//! between `radius - tolerance` and `radius` from the shape.

use std::f64::consts::FRAC_PI_2;

use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::functions::geo::geojson::{Polygon, Ring, parse_lines, parse_polygons, polygon_rings, shape_value};
use crate::engine::functions::geo::points::{buffer_radius_and_tolerance, circle_ring, circle_vertex_count};
use crate::engine::functions::geo::polygon_union::{Rings, shape, trace};
use crate::engine::functions::geo::sphere::{self, EARTH_RADIUS_METERS, Loop, Vec3, interpolate};
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "geo_line_buffer" => line_buffer,
        "geo_polygon_buffer" => polygon_buffer,
        _ => return None,
    })
}

/// The most vertices the pieces of one buffer may have together (about 26
/// per input vertex for a 1 km radius at the default tolerance, so a shape
/// of some 650 vertices): the union costs about the square of this, so a
/// finer buffer is refused rather than left to run for minutes (a debug
/// build takes seconds at this size).
const MAX_PIECE_VERTICES: usize = 20_000;

/// The (multi)line's buffer: circles around its vertices and bands along
/// its edges. Null for an invalid line, radius or tolerance (the page: "If
/// the coordinates or radius or tolerance is invalid, the query will
/// produce a null result"); the page says "Line's endpoints are rounded"
/// and "Both sides of the line are buffered".
fn line_buffer(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_line_buffer", args, 2, 3)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let Some(lines) = shape_value(&v[0]).and_then(|shape| parse_lines(&shape)) else { return Ok(Value::Null) };
        let Some((radius, tolerance)) = buffer_radius_and_tolerance(v, 1) else { return Ok(Value::Null) };
        buffer("geo_line_buffer", &lines, &[], radius, tolerance)
    })
}

/// The (multi)polygon's buffer: the polygons themselves with circles around
/// the vertices and bands along the edges of every ring. The page allows a
/// positive radius only ("Valid value must be positive"), so no buffer
/// shrinks a polygon.
fn polygon_buffer(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_polygon_buffer", args, 2, 3)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let Some(shape) = shape_value(&v[0]) else { return Ok(Value::Null) };
        let (Some(polygons), Some(given)) = (parse_polygons(&shape), polygon_rings(&shape)) else {
            return Ok(Value::Null);
        };
        let Some((radius, tolerance)) = buffer_radius_and_tolerance(v, 1) else { return Ok(Value::Null) };
        let rings: Vec<Ring> = given.iter().flatten().cloned().collect();
        let inputs: Vec<(Polygon, Rings)> = polygons.into_iter().zip(given).collect();
        buffer("geo_polygon_buffer", &rings, &inputs, radius, tolerance)
    })
}

/// The union of the pieces around `chains` (lines, or closed rings) and
/// the `polygons` (parsed and as given); an error when the union cannot be
/// traced here (pieces that share an edge), when it would reach past a
/// hemisphere (a ring bounds the smaller region, so the result would be
/// wrong), or when it needs more than `MAX_PIECE_VERTICES` vertices.
fn buffer(
    name: &str,
    chains: &[Ring],
    polygons: &[(Polygon, Rings)],
    radius: f64,
    tolerance: f64,
) -> ExecResult<Value> {
    let angle = radius / EARTH_RADIUS_METERS;
    if !within_a_hemisphere(chains, angle) {
        return Err(ExecError::unsupported(format!("`{name}` of a buffer that reaches past a hemisphere")));
    }
    // Three quarters of the tolerance: a circle loses a vertex next to each
    // band corner it gains (see `circle`).
    let circle_count = circle_vertex_count(radius, 0.75 * tolerance.min(radius));
    let Some(pieces) = pieces(chains, angle, tolerance / EARTH_RADIUS_METERS, circle_count) else {
        return Err(ExecError::unsupported(format!(
            "`{name}` needing more than {MAX_PIECE_VERTICES} vertices (a larger tolerance needs fewer)"
        )));
    };
    let mut parsed: Vec<Polygon> = polygons.iter().map(|(polygon, _)| polygon.clone()).collect();
    let mut given: Vec<Rings> = polygons.iter().map(|(_, rings)| rings.clone()).collect();
    for ring in pieces {
        let vertices: Vec<Vec3> = ring[..ring.len() - 1].iter().map(|&(x, y)| Vec3::from_degrees(x, y)).collect();
        parsed.push(Polygon { shell: Loop::new(vertices), holes: Vec::new() });
        given.push(vec![ring]);
    }
    match trace(&parsed, &given) {
        Some(united) => Ok(shape(&united)),
        // Pieces that share an edge (the polygons of a MultiPolygon along a
        // common border), or boundaries that meet where more than two of
        // them pass (a line folding back on itself within the radius).
        None => {
            Err(ExecError::unsupported(format!("`{name}` where the union of the buffer's pieces cannot be traced")))
        }
    }
}

/// Whether the shape widened by `angle` fits in a cap smaller than a
/// hemisphere (around its mean vertex, out to its farthest vertex plus half
/// its longest edge plus the radius).
fn within_a_hemisphere(chains: &[Ring], angle: f64) -> bool {
    let vectors: Vec<Vec3> = chains.iter().flatten().map(|&(x, y)| Vec3::from_degrees(x, y)).collect();
    let sum = vectors.iter().fold(Vec3::ZERO, |sum, v| sum.plus(*v));
    if sum.norm() < 1e-9 {
        return false;
    }
    let center = sum.normalize();
    let farthest = vectors.iter().map(|v| center.angle(*v)).fold(0.0, f64::max);
    let longest = chains
        .iter()
        .flat_map(|chain| chain.windows(2))
        .map(|pair| Vec3::from_degrees(pair[0].0, pair[0].1).angle(Vec3::from_degrees(pair[1].0, pair[1].1)))
        .fold(0.0, f64::max);
    farthest + longest / 2.0 + angle < std::f64::consts::FRAC_PI_2
}

/// A position's exact bits: equal vertices of the input are one vertex.
type Key = (u64, u64);

fn key(position: (f64, f64)) -> Key {
    (position.0.to_bits(), position.1.to_bits())
}

/// The closed rings of the circles and bands around the chains' distinct
/// vertices and edges (an edge walked twice, as in a line that turns back,
/// gets one band: two equal bands would share their sides); `None` past
/// `MAX_PIECE_VERTICES`. `angle` and `tolerance` are in radians.
///
/// A band's corners are vertices of the circles at its ends (the same
/// positions, bit for bit), so where a band meets a circle the two share a
/// vertex instead of crossing at a sliver of an angle; corners that differ
/// by less than `sqrt(angle · tolerance / 2)` (two edges almost in line,
/// or almost turning back) are snapped to the first: the band whose corner
/// moves then starts at most a quarter of the tolerance inside its side,
/// and two sides no longer cross at a sliver of an angle near the corner,
/// where the crossing point cannot be computed to the union's precision.
fn pieces(chains: &[Ring], angle: f64, tolerance: f64, circle_count: usize) -> Option<Vec<Ring>> {
    let mut edges: Vec<((f64, f64), (f64, f64))> = Vec::new();
    let mut seen_edges = std::collections::HashSet::new();
    let mut vertices: Vec<(f64, f64)> = Vec::new();
    let mut seen_vertices = std::collections::HashSet::new();
    for chain in chains {
        for (index, &vertex) in chain.iter().enumerate() {
            if seen_vertices.insert(key(vertex)) {
                vertices.push(vertex);
            }
            let Some(&next) = chain.get(index + 1) else { continue };
            let edge = if key(vertex) <= key(next) { (key(vertex), key(next)) } else { (key(next), key(vertex)) };
            let too_short = Vec3::from_degrees(vertex.0, vertex.1).angle(Vec3::from_degrees(next.0, next.1)) < 1e-12;
            if edge.0 != edge.1 && !too_short && seen_edges.insert(edge) {
                edges.push((vertex, next));
            }
        }
    }
    // The corners of every band, by the vertex they stand square to.
    let mut corners: std::collections::HashMap<Key, Vec<(f64, f64)>> = std::collections::HashMap::new();
    let snap = (angle * tolerance.min(angle) / 2.0).sqrt();
    let mut corner = |center: (f64, f64), normal: Vec3, sign: f64| -> (f64, f64) {
        let at = Vec3::from_degrees(center.0, center.1);
        let point = at.scale(angle.cos()).plus(normal.scale(sign * angle.sin())).normalize();
        let list = corners.entry(key(center)).or_default();
        if let Some(&near) = list.iter().find(|&&(x, y)| Vec3::from_degrees(x, y).angle(point) < snap) {
            return near;
        }
        let position = point.to_degrees();
        list.push(position);
        position
    };
    let mut bands: Vec<Ring> = Vec::new();
    for &(start, end) in &edges {
        let (a, b) = (Vec3::from_degrees(start.0, start.1), Vec3::from_degrees(end.0, end.1));
        let normal = a.cross(b).normalize();
        let ends = [
            corner(start, normal, 1.0),
            corner(end, normal, 1.0),
            corner(end, normal, -1.0),
            corner(start, normal, -1.0),
        ];
        bands.push(band(a, b, normal, ends, angle, tolerance));
    }
    // Directions of the edges at each vertex, for the circles' turn.
    let mut azimuths: std::collections::HashMap<Key, Vec<f64>> = std::collections::HashMap::new();
    for &(a, b) in &edges {
        azimuths.entry(key(a)).or_default().push(sphere::azimuth(a.0, a.1, b.0, b.1));
        azimuths.entry(key(b)).or_default().push(sphere::azimuth(b.0, b.1, a.0, a.1));
    }
    let mut rings: Vec<Ring> = Vec::new();
    let mut total = 0;
    for vertex in vertices {
        let phase = phase_between(azimuths.get(&key(vertex)).map_or(&[][..], Vec::as_slice), circle_count);
        let extra = corners.get(&key(vertex)).map_or(&[][..], Vec::as_slice);
        let ring = circle(vertex, angle, circle_count, phase, extra);
        total += ring.len();
        rings.push(ring);
        if total > MAX_PIECE_VERTICES {
            return None;
        }
    }
    total += bands.iter().map(Vec::len).sum::<usize>();
    if total > MAX_PIECE_VERTICES {
        return None;
    }
    // A circle first, then the bands: the first circle and the first band
    // overlap, which the union checks first.
    let rest = rings.split_off(1.min(rings.len()));
    rings.extend(bands);
    rings.extend(rest);
    Some(rings)
}

/// The closed ring of a circle of `angle` around `center`: `count` vertices
/// turned by `phase`, with the bands' `corners` added (a grid vertex within
/// an eighth of a step of a corner gives way to it; the grid is fine enough,
/// see `buffer`, for the wider gap that leaves to stay within tolerance).
fn circle(center: (f64, f64), angle: f64, count: usize, phase: f64, corners: &[(f64, f64)]) -> Ring {
    let step = std::f64::consts::TAU / count as f64;
    let bearing = |p: (f64, f64)| sphere::azimuth(center.0, center.1, p.0, p.1);
    let corner_bearings: Vec<f64> = corners.iter().map(|&p| bearing(p)).collect();
    let apart = |a: f64, b: f64| {
        let gap = (a - b).rem_euclid(std::f64::consts::TAU);
        gap.min(std::f64::consts::TAU - gap)
    };
    let mut points: Vec<(f64, (f64, f64))> = circle_ring(center.0, center.1, angle * EARTH_RADIUS_METERS, count, phase)
        .into_iter()
        .map(|p| (bearing(p), p))
        .filter(|(b, _)| corner_bearings.iter().all(|&c| apart(*b, c) > step / 8.0))
        .collect();
    points.extend(corners.iter().map(|&p| (bearing(p), p)));
    // Decreasing azimuths go counter-clockwise.
    points.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut ring: Ring = points.into_iter().map(|(_, p)| p).collect();
    ring.push(ring[0]);
    ring
}

/// The turn of a circle's vertices that keeps them farthest from the
/// directions of the edges at its center: a polygon's edge through a circle
/// vertex (a meridian edge and the vertex due north, say) would make the
/// union trace two boundaries through one point.
fn phase_between(azimuths: &[f64], count: usize) -> f64 {
    let step = std::f64::consts::TAU / count as f64;
    let clearance = |phase: f64| {
        azimuths
            .iter()
            .map(|&azimuth| {
                let offset = (-azimuth - phase).rem_euclid(step);
                offset.min(step - offset)
            })
            .fold(f64::INFINITY, f64::min)
    };
    (0..16).map(|j| step * j as f64 / 16.0).max_by(|a, b| clearance(*a).total_cmp(&clearance(*b))).unwrap_or(0.0)
}

/// The closed ring around the points within `angle` of the geodesic `a b`
/// (`normal` is its pole): its sides run between the `corners` (left at
/// `a`, left at `b`, right at `b`, right at `a`), sampled every `step`
/// along the edge, where a chord between two points at `angle` from a great
/// circle, `step` apart along it, comes closest to the circle at its
/// middle, at `d` with tan d = tan(angle)·cos(step/2) (the small circle at
/// `angle` is the one of angular radius π/2 − angle around the pole);
/// d = angle − tolerance gives cos(step/2) = tan(angle) / tan(angle +
/// tolerance). Each end is notched in to a point inside the end's circle
/// (half the radius to the left, a quarter of the edge or half the radius
/// along it), so that the band's end never runs along another band's end
/// nor along the edge itself (which a polygon's own ring follows).
fn band(a: Vec3, b: Vec3, normal: Vec3, corners: [(f64, f64); 4], angle: f64, tolerance: f64) -> Ring {
    let length = a.angle(b);
    // Three quarters of the tolerance: a snapped corner may start the side
    // a quarter of the tolerance inside (see `pieces`).
    let tolerance = 0.75 * tolerance.min(angle);
    let step = if angle + tolerance >= FRAC_PI_2 {
        // Past a quarter circle the formula's tangent turns over; sample finely.
        tolerance
    } else {
        2.0 * (angle.tan() / (angle + tolerance).tan()).clamp(-1.0, 1.0).acos()
    };
    let count = (length / step.max(1e-9)).ceil().clamp(1.0, MAX_PIECE_VERTICES as f64) as usize;
    let offset = |t: f64, distance: f64| {
        let center = interpolate(a, b, t / length);
        center.scale(distance.cos()).plus(normal.scale(distance.sin())).normalize().to_degrees()
    };
    let notch = (angle / 2.0).min(length / 4.0);
    let inner = |sign: f64| -> Vec<(f64, f64)> {
        (1..count).map(|k| offset(length * k as f64 / count as f64, sign * angle)).collect()
    };
    let mut ring: Ring = vec![corners[0]];
    ring.extend(inner(1.0));
    ring.push(corners[1]);
    ring.push(offset(length - notch, angle / 2.0));
    ring.push(corners[2]);
    ring.extend(inner(-1.0).into_iter().rev());
    ring.push(corners[3]);
    ring.push(offset(notch, angle / 2.0));
    ring.push(corners[0]);
    ring
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::functions::geo::points::distance_to_lines;
    use crate::engine::value::Dyn;

    fn run(name: &str, args: Vec<Value>) -> ExecResult<Value> {
        let kernel = crate::engine::functions::scalar(name).expect("a kernel");
        let args: Vec<Datum> = args.into_iter().map(|v| Datum::Scalar(v, ScalarType::Dynamic)).collect();
        kernel(&args, &EvalCtx { rows: 1, now: 0 }).map(|datum| datum.get(0))
    }

    fn shape_of(json: &str) -> Value {
        Value::Dynamic(Dyn::parse_json(json))
    }

    fn polygons(value: &Value) -> Vec<Polygon> {
        parse_polygons(&shape_value(value).expect("a shape")).expect("valid polygons")
    }

    fn inside(value: &Value, longitude: f64, latitude: f64) -> bool {
        let point = Vec3::from_degrees(longitude, latitude);
        polygons(value).iter().any(|polygon| polygon.contains(point))
    }

    fn vertices(value: &Value) -> Vec<Vec3> {
        polygons(value)
            .iter()
            .flat_map(|p| p.loops().flat_map(|ring| ring.vertices.clone()).collect::<Vec<_>>())
            .collect()
    }

    fn area(value: &Value) -> f64 {
        polygons(value).iter().map(|p| p.shell.area() - p.holes.iter().map(Loop::area).sum::<f64>()).sum::<f64>()
            * EARTH_RADIUS_METERS
            * EARTH_RADIUS_METERS
    }

    /// The point `meters` from (longitude, latitude) towards `azimuth` (degrees).
    fn away(longitude: f64, latitude: f64, azimuth: f64, meters: f64) -> (f64, f64) {
        crate::engine::functions::geo::sphere::destination(
            longitude,
            latitude,
            azimuth.to_radians(),
            meters / EARTH_RADIUS_METERS,
        )
    }

    const LINE: &str = r#"{"type":"LineString","coordinates":[[10,45],[10.05,45.01]]}"#;

    #[test]
    fn a_straight_line_buffer_is_a_stadium() {
        let (radius, tolerance) = (500.0, 1.0);
        let buffer = run("geo_line_buffer", vec![shape_of(LINE), Value::Real(radius), Value::Real(tolerance)])
            .expect("a buffer");
        let line = vec![vec![Vec3::from_degrees(10.0, 45.0), Vec3::from_degrees(10.05, 45.01)]];
        for vertex in vertices(&buffer) {
            let distance = distance_to_lines(vertex, &line) * EARTH_RADIUS_METERS;
            assert!(distance <= radius + 1e-6 && distance >= radius - tolerance - 1e-6, "{distance}");
        }
        let length = line[0][0].angle(line[0][1]) * EARTH_RADIUS_METERS;
        let expected = 2.0 * radius * length + std::f64::consts::PI * radius * radius;
        let area = area(&buffer);
        assert!((area - expected).abs() < 0.01 * expected, "{area} {expected}");
        // The line is inside; a point at the radius plus twice the tolerance is not.
        assert!(inside(&buffer, 10.025, 45.005) && inside(&buffer, 10.0, 45.0));
        let (x, y) = away(10.0, 45.0, 250.0, radius + 2.0 * tolerance);
        assert!(!inside(&buffer, x, y));
        let (x, y) = away(10.0, 45.0, 250.0, radius - 2.0 * tolerance);
        assert!(inside(&buffer, x, y));
    }

    #[test]
    fn the_documented_line_example_is_a_thin_stadium() {
        // The geo_line_buffer page's first example (its output is elided).
        let line = r#"{"type":"LineString","coordinates":[[-80.66634997047466,24.894526340592122],[-80.67373241820246,24.890808090321286]]}"#;
        let buffer =
            run("geo_line_buffer", vec![shape_of(line), Value::Real(4.0), Value::Real(0.1)]).expect("a buffer");
        assert!(buffer.to_kql_string().starts_with(r#"{"type":"Polygon""#));
        let (a, b) = (
            Vec3::from_degrees(-80.66634997047466, 24.894526340592122),
            Vec3::from_degrees(-80.67373241820246, 24.890808090321286),
        );
        let expected = 2.0 * 4.0 * a.angle(b) * EARTH_RADIUS_METERS + std::f64::consts::PI * 16.0;
        let area = area(&buffer);
        assert!((area - expected).abs() < 0.01 * expected, "{area} {expected}");
    }

    #[test]
    fn crossing_and_nearly_straight_lines_are_traced() {
        // The geo_line_buffer page's second example: two lines that cross.
        let crossing = r#"{"type":"MultiLineString","coordinates":[[[14.429214068940496,50.10043066548272],[14.431184174126173,50.10046525983731]],[[14.43030222687753,50.100780677801936],[14.430309156347777,50.10020274131887]]]}"#;
        // Edges almost in line: the bands' corners would be centimeters apart.
        let wiggle =
            r#"{"type":"LineString","coordinates":[[0,0],[0.01,0.0000001],[0.02,0],[0.03,0.0000002],[0.04,0]]}"#;
        for json in [crossing, wiggle] {
            for radius in [4.0, 100.0, 1000.0, 20_000.0] {
                let buffer = run("geo_line_buffer", vec![shape_of(json), Value::Real(radius)]);
                let buffer = buffer.unwrap_or_else(|error| panic!("{radius}: {}", error.message));
                assert_eq!(polygons(&buffer).len(), 1, "{radius}");
            }
        }
    }

    #[test]
    fn polygons_along_a_common_border_are_refused() {
        let neighbours =
            r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[1,0],[2,0],[1,1],[1,0]]]]}"#;
        assert!(run("geo_polygon_buffer", vec![shape_of(neighbours), Value::Real(100.0)]).is_err());
    }

    #[test]
    fn a_bent_line_keeps_its_outer_corner_round() {
        let bent = shape_of(r#"{"type":"LineString","coordinates":[[0,0],[0.02,0],[0.02,0.02]]}"#);
        let buffer = run("geo_line_buffer", vec![bent, Value::Real(300.0)]).expect("a buffer");
        // South-east of the corner, 300 m away along the diagonal: in the round corner.
        let (x, y) = away(0.02, 0.0, 135.0, 290.0);
        assert!(inside(&buffer, x, y));
        let (x, y) = away(0.02, 0.0, 135.0, 320.0);
        assert!(!inside(&buffer, x, y));
    }

    #[test]
    fn a_polygon_buffer_holds_the_polygon_and_its_margin() {
        let square = shape_of(r#"{"type":"Polygon","coordinates":[[[0,0],[0.01,0],[0.01,0.01],[0,0.01],[0,0]]]}"#);
        let (radius, tolerance) = (200.0, 0.5);
        let buffer = run("geo_polygon_buffer", vec![square.clone(), Value::Real(radius), Value::Real(tolerance)])
            .expect("a buffer");
        assert!(inside(&buffer, 0.005, 0.005) && inside(&buffer, 0.0, 0.0));
        let square_polygons = polygons(&square);
        for vertex in vertices(&buffer) {
            let distance = crate::engine::functions::geo::points::distance_to_polygons(vertex, &square_polygons)
                * EARTH_RADIUS_METERS;
            assert!(distance <= radius + 1e-6 && distance >= radius - tolerance - 1e-6, "{distance}");
        }
        let (x, y) = away(0.005, 0.0, 180.0, radius + 2.0 * tolerance);
        assert!(!inside(&buffer, x, y));
        let (x, y) = away(0.01, 0.01, 45.0, radius + 2.0 * tolerance);
        assert!(!inside(&buffer, x, y));
        // Area: the square, four strips and a full circle at the corners.
        let side = 0.01_f64.to_radians() * EARTH_RADIUS_METERS;
        let expected = area(&square) + 4.0 * side * radius + std::f64::consts::PI * radius * radius;
        let area = area(&buffer);
        assert!((area - expected).abs() < 0.01 * expected, "{area} {expected}");
    }

    #[test]
    fn a_hole_narrower_than_the_buffer_closes_and_a_wide_one_stays() {
        let holed = r#"{"type":"Polygon","coordinates":[[[0,0],[0.1,0],[0.1,0.1],[0,0.1],[0,0]],[[0.03,0.03],[0.03,0.07],[0.07,0.07],[0.07,0.03],[0.03,0.03]]]}"#;
        let narrow = run("geo_polygon_buffer", vec![shape_of(holed), Value::Real(3000.0)]).expect("a buffer");
        assert!(inside(&narrow, 0.05, 0.05));
        let wide = run("geo_polygon_buffer", vec![shape_of(holed), Value::Real(500.0)]).expect("a buffer");
        // 333 m from the hole's edge is covered, 556 m is not.
        assert!(!inside(&wide, 0.05, 0.05) && inside(&wide, 0.05, 0.033) && !inside(&wide, 0.05, 0.035));
    }

    #[test]
    fn lines_apart_give_a_multipolygon() {
        let two = shape_of(r#"{"type":"MultiLineString","coordinates":[[[0,0],[0.01,0]],[[1,1],[1.01,1]]]}"#);
        let buffer = run("geo_line_buffer", vec![two, Value::Real(100.0)]).expect("a buffer");
        assert!(buffer.to_kql_string().starts_with(r#"{"type":"MultiPolygon""#), "{}", buffer.to_kql_string());
        assert_eq!(polygons(&buffer).len(), 2);
    }

    #[test]
    fn a_line_that_turns_back_is_buffered_once() {
        let back = shape_of(r#"{"type":"LineString","coordinates":[[0,0],[0.01,0],[0,0]]}"#);
        let buffer = run("geo_line_buffer", vec![back, Value::Real(100.0)]).expect("a buffer");
        assert_eq!(polygons(&buffer).len(), 1);
    }

    #[test]
    fn invalid_input_gives_null_and_runaway_input_an_error() {
        let line = || shape_of(LINE);
        let null = |args: Vec<Value>| run("geo_line_buffer", args).expect("no error").is_null();
        assert!(null(vec![line(), Value::Real(-1.0)]));
        assert!(null(vec![line(), Value::Real(0.0)]));
        assert!(null(vec![line(), Value::Null]));
        assert!(null(vec![line(), Value::Real(1000.0), Value::Real(0.0)]));
        assert!(null(vec![line(), Value::Real(1_000_000.0), Value::Real(0.1)]));
        assert!(null(vec![shape_of(r#"{"type":"LineString","coordinates":[[0,0]]}"#), Value::Real(10.0)]));
        assert!(null(vec![
            shape_of(r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#),
            Value::Real(10.0)
        ]));
        assert!(run("geo_polygon_buffer", vec![line(), Value::Real(10.0)]).expect("no error").is_null());
        // A tolerance above the radius is lowered, not refused.
        assert!(!null(vec![line(), Value::Real(5.0), Value::Real(100.0)]));
        // Bounded: a fine tolerance over a long line, or a radius near a quarter circle.
        let long = shape_of(
            r#"{"type":"LineString","coordinates":[[0,0],[1,0],[2,0],[3,0],[4,0],[5,0],[6,0],[7,0],[8,0],[9,0]]}"#,
        );
        assert!(run("geo_line_buffer", vec![long, Value::Real(10_000.0), Value::Real(0.01)]).is_err());
        let wide = shape_of(r#"{"type":"LineString","coordinates":[[0,0],[10,0]]}"#);
        assert!(run("geo_line_buffer", vec![wide, Value::Real(9_900_000.0), Value::Real(100_000.0)]).is_err());
    }
}
