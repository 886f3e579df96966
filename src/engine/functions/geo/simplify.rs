//! `geo_line_simplify` and `geo_polygon_simplify`: nearly straight chains of
//! short edges become one long edge on the sphere. Douglas–Peucker on
//! geodesics (a vertex stays when it is more than `tolerance` meters from
//! the edge that would replace it), then, as documented, no two kept
//! vertices closer than `tolerance`; a line or ring that shrinks below two
//! (three) vertices disappears, and a shape that disappears is null.

use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::functions::geo::geojson::{self, parse_lines, polygon_rings, position, shape_value};
use crate::engine::functions::geo::polygon_union::trace;
use crate::engine::functions::geo::sphere::{EARTH_RADIUS_METERS, Vec3, closest_on_arc, signed_triangle_area};
use crate::engine::functions::geo::{optional_number, or_null};
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "geo_line_simplify" => line_simplify,
        "geo_polygon_simplify" => polygon_simplify,
        _ => return None,
    })
}

pub(super) type Positions = Vec<(f64, f64)>;

/// The largest line tolerance: the docs give the range [0, ~7,800,000 m).
const MAX_LINE_TOLERANCE: f64 = 7_800_000.0;

fn vector((longitude, latitude): (f64, f64)) -> Vec3 {
    Vec3::from_degrees(longitude, latitude)
}

/// Douglas–Peucker on `chain[first..=last]`: marks in `keep` the vertices
/// farther than `tolerance` (radians) from the geodesic that replaces them.
fn mark(chain: &[Vec3], first: usize, last: usize, tolerance: f64, keep: &mut [bool]) {
    // An explicit stack: a long chain must not overflow the call stack.
    let mut pending = vec![(first, last)];
    while let Some((first, last)) = pending.pop() {
        if last <= first + 1 {
            continue;
        }
        let (a, b) = (chain[first], chain[last]);
        let (mut farthest, mut distance) = (first, -1.0);
        for (index, &point) in chain.iter().enumerate().take(last).skip(first + 1) {
            let d = point.angle(closest_on_arc(point, a, b));
            if d > distance {
                (farthest, distance) = (index, d);
            }
        }
        if distance > tolerance {
            keep[farthest] = true;
            pending.push((first, farthest));
            pending.push((farthest, last));
        }
    }
}

/// Drops kept vertices closer than `tolerance` to the previous kept one
/// (the first always stays).
fn spread(vertices: Vec<(f64, f64)>, tolerance: f64) -> Positions {
    let mut out: Positions = Vec::with_capacity(vertices.len());
    for vertex in vertices {
        match out.last() {
            Some(&last) if vector(last).angle(vector(vertex)) < tolerance => {}
            _ => out.push(vertex),
        }
    }
    out
}

/// The simplified line, `None` when it disappears.
fn simplify_line(line: &[(f64, f64)], tolerance: f64) -> Option<Positions> {
    let chain: Vec<Vec3> = line.iter().copied().map(vector).collect();
    let mut keep = vec![false; chain.len()];
    let last = chain.len() - 1;
    (keep[0], keep[last]) = (true, true);
    mark(&chain, 0, last, tolerance, &mut keep);
    let kept: Positions = line.iter().zip(&keep).filter(|(_, k)| **k).map(|(p, _)| *p).collect();
    // The end stays: an interior vertex too close to it goes instead.
    let end = line[last];
    let mut out = spread(kept[..kept.len() - 1].to_vec(), tolerance);
    while out.len() > 1 && vector(out[out.len() - 1]).angle(vector(end)) < tolerance {
        out.pop();
    }
    if vector(out[0]).angle(vector(end)) < tolerance || (tolerance == 0.0 && out[0] == end) {
        return None;
    }
    out.push(end);
    Some(out)
}

/// The simplified ring (closed, first vertex kept), `None` when it
/// disappears; oriented counter-clockwise when `shell`, else clockwise.
pub(super) fn simplify_ring(ring: &[(f64, f64)], tolerance: f64, shell: bool) -> Option<Positions> {
    let vertices = &ring[..ring.len() - 1];
    let chain: Vec<Vec3> = ring.iter().copied().map(vector).collect();
    // Split the ring at the vertex farthest from the first.
    let farthest = (1..vertices.len())
        .max_by(|&i, &j| chain[0].angle(chain[i]).total_cmp(&chain[0].angle(chain[j])))
        .expect("a ring has at least three vertices");
    let mut keep = vec![false; chain.len()];
    (keep[0], keep[farthest]) = (true, true);
    mark(&chain, 0, farthest, tolerance, &mut keep);
    mark(&chain, farthest, chain.len() - 1, tolerance, &mut keep);
    let kept: Positions = vertices.iter().zip(&keep).filter(|(_, k)| **k).map(|(p, _)| *p).collect();
    let mut out = spread(kept, tolerance);
    while out.len() > 1 && vector(out[out.len() - 1]).angle(vector(out[0])) < tolerance {
        out.pop();
    }
    if out.len() < 3 {
        return None;
    }
    if is_counter_clockwise(&out) != shell {
        out[1..].reverse();
    }
    out.push(out[0]);
    Some(out)
}

/// Whether a ring's vertices run counter-clockwise around the smaller
/// region they bound.
fn is_counter_clockwise(ring: &[(f64, f64)]) -> bool {
    let vertices: Vec<Vec3> = ring.iter().copied().map(vector).collect();
    let origin = vertices[0];
    let area: f64 = (1..vertices.len() - 1).map(|i| signed_triangle_area(origin, vertices[i], vertices[i + 1])).sum();
    area >= 0.0
}

fn positions(line: &[(f64, f64)]) -> Dyn {
    Dyn::array(line.iter().map(|&(x, y)| position(x, y)).collect())
}

fn line_simplify(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_line_simplify", args, 1, 2)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null((|| {
            let lines = parse_lines(&shape_value(&v[0])?)?;
            let tolerance = optional_number(v, 1, 10.0).filter(|t| (0.0..MAX_LINE_TOLERANCE).contains(t))?;
            let tolerance = tolerance / EARTH_RADIUS_METERS;
            let mut simplified: Vec<Dyn> =
                lines.iter().filter_map(|line| simplify_line(line, tolerance)).map(|l| positions(&l)).collect();
            match simplified.len() {
                0 => None,
                1 => Some(geojson::geometry("LineString", simplified.remove(0))),
                _ => Some(geojson::geometry("MultiLineString", Dyn::array(simplified))),
            }
        })()))
    })
}

fn polygon_simplify(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_polygon_simplify", args, 1, 2)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let Some(shape) = shape_value(&v[0]) else { return Ok(Value::Null) };
        let Some(rings) = polygon_rings(&shape) else { return Ok(Value::Null) };
        let Some(tolerance) = optional_number(v, 1, 10.0).filter(|t| (0.1..=10_000.0).contains(t)) else {
            return Ok(Value::Null);
        };
        // The page: "If input is a multipolygon and contains more than one
        // polygon, the result will be the area of polygons union" — so
        // polygons that overlap are united first, then simplified.
        let polygons = geojson::parse_polygons(&shape).expect("validated by polygon_rings");
        let Some(rings) = trace(&polygons, &rings) else {
            return Err(ExecError::unsupported("`geo_polygon_simplify` of a MultiPolygon whose polygons share edges"));
        };
        let tolerance = tolerance / EARTH_RADIUS_METERS;
        let mut simplified: Vec<Dyn> = Vec::new();
        for polygon in &rings {
            let Some(shell) = simplify_ring(&polygon[0], tolerance, true) else { continue };
            let mut out = vec![positions(&shell)];
            out.extend(
                polygon[1..].iter().filter_map(|hole| simplify_ring(hole, tolerance, false)).map(|h| positions(&h)),
            );
            simplified.push(Dyn::array(out));
        }
        Ok(match simplified.len() {
            0 => Value::Null,
            1 => geojson::geometry("Polygon", simplified.remove(0)),
            _ => geojson::geometry("MultiPolygon", Dyn::array(simplified)),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meters(m: f64) -> f64 {
        m / EARTH_RADIUS_METERS
    }

    fn run(args: Vec<Value>) -> ExecResult<Value> {
        let args: Vec<Datum> = args.into_iter().map(|v| Datum::Scalar(v, ScalarType::Dynamic)).collect();
        polygon_simplify(&args, &EvalCtx { rows: 1, now: 0 }).map(|datum| datum.get(0))
    }

    #[test]
    fn overlapping_polygons_are_united_then_simplified() {
        // Two overlapping squares; a nearly straight extra vertex on the
        // first one's south edge goes at the default tolerance.
        let shape = Dyn::parse_json(
            r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[0.5,0.0000001],[1,0],[1,1],[0,1],[0,0]]],[[[0.5,0.5],[1.5,0.5],[1.5,1.5],[0.5,1.5],[0.5,0.5]]]]}"#,
        );
        let out = run(vec![Value::Dynamic(shape)]).expect("a union");
        let polygons = geojson::parse_polygons(&shape_value(&out).expect("a shape")).expect("valid");
        assert_eq!(polygons.len(), 1, "{}", out.to_kql_string());
        // The union's outline: 6 corners of the united squares, 2 of them crossings.
        assert_eq!(polygons[0].shell.vertices.len(), 8, "{}", out.to_kql_string());
        for (x, y) in [(0.2, 0.2), (1.2, 1.2), (0.75, 0.75)] {
            assert!(polygons[0].contains(Vec3::from_degrees(x, y)));
        }
        assert!(!polygons[0].contains(Vec3::from_degrees(1.2, 0.2)));
        let shared = Dyn::parse_json(
            r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[1,0],[2,0],[1,1],[1,0]]]]}"#,
        );
        assert!(run(vec![Value::Dynamic(shared)]).is_err(), "polygons that share an edge");
    }

    #[test]
    fn a_nearly_straight_line_keeps_its_ends() {
        let line = [(0.0, 0.0), (0.001, 0.00001), (0.002, 0.0), (0.003, 0.00001)];
        assert_eq!(simplify_line(&line, meters(10.0)), Some(vec![(0.0, 0.0), (0.003, 0.00001)]));
    }

    #[test]
    fn a_corner_farther_than_the_tolerance_stays() {
        let line = [(0.0, 0.0), (0.01, 0.01), (0.02, 0.0)];
        assert_eq!(simplify_line(&line, meters(10.0)).map(|l| l.len()), Some(3));
    }

    #[test]
    fn a_line_shorter_than_the_tolerance_disappears() {
        assert_eq!(simplify_line(&[(1.1, 1.1), (1.2, 1.2)], meters(100_000.0)), None);
    }

    #[test]
    fn a_ring_keeps_its_first_vertex_and_its_orientation() {
        let square = [(0.0, 0.0), (0.0, 1.0), (0.5, 1.0000001), (1.0, 1.0), (1.0, 0.0), (0.0, 0.0)];
        let shell = simplify_ring(&square, meters(10.0), true).expect("a ring");
        assert_eq!(shell, vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)]);
        let hole = simplify_ring(&square, meters(10.0), false).expect("a ring");
        assert_eq!(hole, vec![(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0), (0.0, 0.0)]);
        assert_eq!(simplify_ring(&square, meters(1_000_000.0), true), None);
    }
}
