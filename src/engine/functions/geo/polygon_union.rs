//! `geo_union_polygons_array` and `geo_simplify_polygons_array`: the union
//! of an array of polygons and multipolygons, simplified for the second.
//!
//! Polygons apart are kept as given. Where they overlap, the union's
//! boundary (the stretches of each ring outside every other polygon, see
//! `union`) is chained into loops: counter-clockwise loops are shells, the
//! others holes of the smallest shell around them. Loops start where the
//! first polygon's boundary first runs outside the others, so the page's
//! two-polygon example comes out vertex for vertex; S2 may start a loop
//! elsewhere when more polygons overlap. Input vertices keep their given
//! coordinates; crossing points are computed.

use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::functions::geo::geojson::{
    self, Polygon, Ring, parse_polygons, polygon_rings, position, shape_value,
};
use crate::engine::functions::geo::intersection::{EPSILON, Vertex};
use crate::engine::functions::geo::shapes::polygons_intersect;
use crate::engine::functions::geo::simplify::simplify_ring;
use crate::engine::functions::geo::sphere::{EARTH_RADIUS_METERS, Loop, Vec3, signed_triangle_area};
use crate::engine::functions::geo::{optional_number, or_null, union};
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "geo_union_polygons_array" => union_polygons_array,
        "geo_simplify_polygons_array" => simplify_polygons_array,
        "geo_union_lines_array" => crate::engine::functions::geo::line_union::union_lines_array,
        _ => return None,
    })
}

/// The largest tolerance of `geo_simplify_polygons_array` (the page: about
/// 7,800,000 meters).
const MAX_TOLERANCE: f64 = 7_800_000.0;

/// A polygon as rings of positions, the shell first, each ring closed.
pub(super) type Rings = Vec<Ring>;

fn union_polygons_array(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_union_polygons_array", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null(union_value("geo_union_polygons_array", &v[0])?.map(|polygons| shape(&polygons))))
    })
}

fn simplify_polygons_array(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_simplify_polygons_array", args, 1, 2)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let united = union_value("geo_simplify_polygons_array", &v[0])?;
        Ok(or_null((|| {
            let polygons = united?;
            let tolerance = optional_number(v, 1, 10.0).filter(|t| (0.0..=MAX_TOLERANCE).contains(t))?;
            let tolerance = tolerance / EARTH_RADIUS_METERS;
            let simplified: Vec<Rings> = polygons
                .iter()
                .filter_map(|rings| {
                    let shell = simplify_ring(&rings[0], tolerance, true)?;
                    let holes = rings[1..].iter().filter_map(|hole| simplify_ring(hole, tolerance, false));
                    Some(std::iter::once(shell).chain(holes).collect())
                })
                .collect();
            // High tolerance may make every polygon disappear (the page's last example).
            (!simplified.is_empty()).then(|| shape(&simplified))
        })()))
    })
}

/// The union of the polygons in an array; `None` when the value is not an
/// array of valid polygons or the array is empty; an error when the union's
/// boundary cannot be traced (polygons that share edges, as neighbouring
/// regions do), rather than a wrong shape.
fn union_value(name: &str, value: &Value) -> ExecResult<Option<Vec<Rings>>> {
    let Some((polygons, given)) = parse_array(value) else { return Ok(None) };
    let traced = trace(&polygons, &given);
    traced.map(Some).ok_or_else(|| ExecError::unsupported(format!("`{name}` of polygons that share edges")))
}

/// The polygons of an array, parsed and as given.
fn parse_array(value: &Value) -> Option<(Vec<Polygon>, Vec<Rings>)> {
    let Value::Dynamic(Dyn::Array(items)) = value else { return None };
    let mut polygons: Vec<Polygon> = Vec::new();
    let mut given: Vec<Rings> = Vec::new();
    for item in items.iter() {
        let shape = shape_value(&Value::Dynamic(item.clone()))?;
        polygons.extend(parse_polygons(&shape)?);
        given.extend(polygon_rings(&shape)?);
    }
    (!polygons.is_empty()).then_some((polygons, given))
}

/// The union's polygons; `None` when its boundary cannot be traced.
pub(super) fn trace(polygons: &[Polygon], given: &[Rings]) -> Option<Vec<Rings>> {
    let overlapping = polygons
        .iter()
        .enumerate()
        .any(|(index, first)| polygons[index + 1..].iter().any(|second| polygons_intersect(first, second)));
    if !overlapping {
        return Some(given.to_vec());
    }
    let loops = chain(union::boundary(polygons)?)?;
    let vertices: Vec<Vertex> = given.iter().flatten().flatten().map(|&p| Vertex::new(p)).collect();
    let positions = |ring: &[Vec3]| -> Ring {
        let mut out: Ring = ring
            .iter()
            .map(|&vector| {
                let point = Vertex::computed(vector);
                vertices.iter().find(|v| v.same(point)).map_or(point.position, |v| v.position)
            })
            .collect();
        out.push(out[0]);
        out
    };
    let (shells, holes): (Vec<Vec<Vec3>>, Vec<Vec<Vec3>>) = loops.into_iter().partition(|ring| signed_area(ring) > 0.0);
    let mut polygons: Vec<Rings> = shells.iter().map(|shell| vec![positions(shell)]).collect();
    let regions: Vec<Loop> = shells.iter().map(|shell| Loop::new(shell.clone())).collect();
    for hole in &holes {
        // The smallest shell around the hole holds it.
        let owner = regions
            .iter()
            .enumerate()
            .filter(|(_, region)| hole.iter().all(|&v| region.contains(v) || on_boundary(region, v)))
            .min_by(|(_, a), (_, b)| a.area().total_cmp(&b.area()))
            .map(|(index, _)| index)?;
        polygons[owner].push(positions(hole));
    }
    Some(polygons)
}

fn on_boundary(region: &Loop, point: Vec3) -> bool {
    region.edges().any(|(a, b)| (a.angle(point) + point.angle(b) - a.angle(b)).abs() < EPSILON)
}

fn signed_area(ring: &[Vec3]) -> f64 {
    (1..ring.len().saturating_sub(1)).map(|i| signed_triangle_area(ring[0], ring[i], ring[i + 1])).sum()
}

/// How far apart (radians, about 6 mm) the end of a boundary piece and the
/// start of the next may be when no start lies within `EPSILON` of the
/// end: a crossing of two edges at a narrow angle is computed a little
/// differently on each edge.
const LOOSE: f64 = 1e-9;

/// The boundary's pieces joined end to start into loops (each without its
/// closing vertex); `None` when a piece has no continuation. A piece
/// continues with one that starts where it ends, or failing that with the
/// nearest start within `LOOSE`.
fn chain(pieces: Vec<(Vec3, Vec3)>) -> Option<Vec<Vec<Vec3>>> {
    let same = |a: Vec3, b: Vec3| a.angle(b) < EPSILON;
    let mut used = vec![false; pieces.len()];
    let mut loops = Vec::new();
    for start in 0..pieces.len() {
        if used[start] {
            continue;
        }
        used[start] = true;
        let mut ring = vec![pieces[start].0];
        let mut end = pieces[start].1;
        while !same(end, ring[0]) {
            let exact = (0..pieces.len()).find(|&j| !used[j] && same(pieces[j].0, end));
            let nearest = || {
                (0..pieces.len())
                    .filter(|&j| !used[j] && pieces[j].0.angle(end) < LOOSE)
                    .min_by(|&i, &j| pieces[i].0.angle(end).total_cmp(&pieces[j].0.angle(end)))
            };
            let next = match exact {
                Some(next) => next,
                None if end.angle(ring[0]) < LOOSE && nearest().is_none() => break,
                None => nearest()?,
            };
            used[next] = true;
            ring.push(pieces[next].0);
            end = pieces[next].1;
        }
        if ring.len() >= 3 {
            loops.push(ring);
        }
    }
    Some(loops)
}

/// A `Polygon` or a `MultiPolygon`.
pub(super) fn shape(polygons: &[Rings]) -> Value {
    let rings = |polygon: &Rings| {
        Dyn::array(polygon.iter().map(|ring| Dyn::array(ring.iter().map(|&(x, y)| position(x, y)).collect())).collect())
    };
    if polygons.len() == 1 {
        geojson::geometry("Polygon", rings(&polygons[0]))
    } else {
        geojson::geometry("MultiPolygon", Dyn::array(polygons.iter().map(rings).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::functions::geo::test_support::text;

    fn array(shapes: &[&str]) -> Value {
        Value::Dynamic(Dyn::array(shapes.iter().map(|json| Dyn::parse_json(json)).collect()))
    }

    const PARK: &str = r#"{"type":"Polygon","coordinates":[[[-73.9495,40.7969],[-73.95807,40.80068],[-73.98201,40.76825],[-73.97317,40.76455],[-73.9495,40.7969]]]}"#;
    const TRIANGLE: &str = r#"{"type":"Polygon","coordinates":[[[-73.94622,40.79249],[-73.96888,40.79282],[-73.9577,40.7789],[-73.94622,40.79249]]]}"#;

    #[test]
    fn documented_union_of_two_polygons() {
        let out = text(shape(&union_value("u", &array(&[PARK, TRIANGLE])).expect("traced").expect("a union")));
        let expected = [
            (-73.9495, 40.7969),
            (-73.95807, 40.80068),
            (-73.9639277517478, 40.792748258673875),
            (-73.96888, 40.792_819_999_999_99),
            (-73.9662719791645, 40.7895734224338),
            (-73.98201, 40.76825),
            (-73.97317, 40.76455),
            (-73.960_302_383_706_18, 40.782140794645024),
            (-73.9577, 40.7789),
            (-73.94622, 40.79249),
            (-73.9526593223173, 40.792_584_227_716_47),
            (-73.9495, 40.7969),
        ];
        let numbers: Vec<f64> = out
            .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .filter_map(|piece| piece.parse().ok())
            .collect();
        assert_eq!(numbers.len(), 2 * expected.len(), "{out}");
        for (pair, (x, y)) in numbers.chunks(2).zip(expected) {
            assert!((pair[0] - x).abs() < 1e-9 && (pair[1] - y).abs() < 1e-9, "{out}");
        }
    }

    #[test]
    fn polygons_apart_are_kept_and_an_invalid_one_gives_null() {
        let far = r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#;
        let out = text(shape(&union_value("u", &array(&[PARK, far])).expect("traced").expect("a union")));
        assert!(out.starts_with(r#"{"type":"MultiPolygon","coordinates":[[[[-73.9495,40.7969]"#), "{out}");
        let invalid = r#"{"type":"Polygon","coordinates":[[[-73.94622,40.79249]]]}"#;
        assert!(union_value("u", &array(&[PARK, invalid])).expect("no error").is_none());
        assert!(union_value("u", &array(&[])).expect("no error").is_none());
        let neighbour = r#"{"type":"Polygon","coordinates":[[[1,0],[2,0],[1,1],[1,0]]]}"#;
        assert!(union_value("u", &array(&[far, neighbour])).is_err(), "a shared edge");
    }
}
