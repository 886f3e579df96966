//! Functions of lines and polygons: `geo_line_length`, `geo_polygon_area`,
//! `geo_polygon_perimeter`, `geo_polygon_centroid`, `geo_line_densify`,
//! `geo_polygon_densify`, `geo_intersects_2lines`,
//! `geo_intersects_line_with_polygon`, `geo_intersects_2polygons`,
//! `geo_line_interpolate_point`, `geo_line_locate_point`, `geo_line_centroid`.

use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::functions::geo::geojson::{self, Polygon, parse_lines, parse_polygons, position, shape_value};
use crate::engine::functions::geo::sphere::{EARTH_RADIUS_METERS, Vec3, arcs_intersect, closest_on_arc, interpolate};
use crate::engine::functions::geo::spheroid;
use crate::engine::functions::geo::union;
use crate::engine::functions::geo::{number, optional_number, or_null};
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "geo_line_length" => line_length,
        "geo_polygon_area" => polygon_area,
        "geo_polygon_perimeter" => polygon_perimeter,
        "geo_polygon_centroid" => polygon_centroid,
        "geo_line_densify" => line_densify,
        "geo_polygon_densify" => polygon_densify,
        "geo_intersects_2lines" => intersects_2lines,
        "geo_intersects_line_with_polygon" => intersects_line_with_polygon,
        "geo_intersects_2polygons" => intersects_2polygons,
        "geo_line_interpolate_point" => line_interpolate_point,
        "geo_line_locate_point" => line_locate_point,
        "geo_line_centroid" => line_centroid,
        _ => return None,
    })
}

type Line = Vec<(f64, f64)>;

fn to_vectors(line: &[(f64, f64)]) -> Vec<Vec3> {
    line.iter().map(|&(x, y)| Vec3::from_degrees(x, y)).collect()
}

fn line_radians(line: &[Vec3]) -> f64 {
    line.windows(2).map(|pair| pair[0].angle(pair[1])).sum()
}

fn line_length(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_line_length", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Real, |v| {
        Ok(or_null((|| {
            let lines = parse_lines(&shape_value(&v[0])?)?;
            let radians: f64 = lines.iter().map(|line| line_radians(&to_vectors(line))).sum();
            Some(Value::Real(radians * EARTH_RADIUS_METERS))
        })()))
    })
}

/// The centroid of a (multi)line: the direction of the integral of the
/// unit vector along its edges (an arc of angle θ adds its midpoint
/// direction times 2·sin(θ/2)), as S2 computes a polyline's centroid.
fn line_centroid(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_line_centroid", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null((|| {
            let lines = parse_lines(&shape_value(&v[0])?)?;
            let sum = lines.iter().map(|line| to_vectors(line)).fold(Vec3::ZERO, |sum, line| {
                edges(&line)
                    .fold(sum, |sum, (a, b)| sum.plus(a.plus(b).normalize().scale(2.0 * (a.angle(b) / 2.0).sin())))
            });
            if sum.norm() == 0.0 {
                return None;
            }
            let (longitude, latitude) = sum.normalize().to_degrees();
            Some(geojson::point(longitude, latitude))
        })()))
    })
}

/// The polygons of a shape: apart, or overlapping (a `MultiPolygon` whose
/// polygons overlap), when Kusto measures their union.
enum Region {
    Disjoint(Vec<Polygon>),
    Union(union::Measures),
}

fn region(name: &str, value: &Value) -> ExecResult<Option<Region>> {
    let Some(polygons) = shape_value(value).and_then(|shape| parse_polygons(&shape)) else { return Ok(None) };
    let overlapping = polygons
        .iter()
        .enumerate()
        .any(|(index, first)| polygons[index + 1..].iter().any(|second| polygons_intersect(first, second)));
    if !overlapping {
        return Ok(Some(Region::Disjoint(polygons)));
    }
    match union::measures(&polygons) {
        Some(measures) => Ok(Some(Region::Union(measures))),
        None => Err(ExecError::unsupported(format!("`{name}` of a MultiPolygon whose polygons share edges"))),
    }
}

fn polygon_area(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_polygon_area", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Real, |v| {
        let steradians = match region("geo_polygon_area", &v[0])? {
            None => return Ok(Value::Null),
            Some(Region::Union(measures)) => measures.area,
            Some(Region::Disjoint(polygons)) => polygons
                .iter()
                .map(|polygon| polygon.shell.area() - polygon.holes.iter().map(|hole| hole.area()).sum::<f64>())
                .sum(),
        };
        Ok(Value::Real(steradians * EARTH_RADIUS_METERS * EARTH_RADIUS_METERS))
    })
}

fn polygon_perimeter(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_polygon_perimeter", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Real, |v| {
        let radians = match region("geo_polygon_perimeter", &v[0])? {
            None => return Ok(Value::Null),
            Some(Region::Union(measures)) => measures.perimeter,
            Some(Region::Disjoint(polygons)) => {
                polygons.iter().flat_map(|polygon| polygon.loops()).map(|ring| ring.perimeter()).sum()
            }
        };
        Ok(Value::Real(radians * EARTH_RADIUS_METERS))
    })
}

/// The centroid of the region (S2's true centroid: the area-weighted mean
/// direction), as a GeoJSON point.
fn polygon_centroid(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_polygon_centroid", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let sum = match region("geo_polygon_centroid", &v[0])? {
            None => return Ok(Value::Null),
            Some(Region::Union(measures)) => measures.centroid,
            Some(Region::Disjoint(polygons)) => polygons.iter().fold(Vec3::ZERO, |sum, polygon| {
                let holes = polygon.holes.iter().fold(Vec3::ZERO, |sum, hole| sum.plus(hole.centroid()));
                sum.plus(polygon.shell.centroid().minus(holes))
            }),
        };
        if sum.norm() == 0.0 {
            return Ok(Value::Null);
        }
        let (longitude, latitude) = sum.normalize().to_degrees();
        Ok(geojson::point(longitude, latitude))
    })
}

/// How deep an edge is split in two at most when densifying.
const MAX_DENSIFY_DEPTH: u32 = 24;

/// The planar edge `a b` (straight in longitude and latitude) as a chain of
/// geodesic edges: split at its planar midpoint while that midpoint is more
/// than `tolerance` meters from the geodesic between the ends. Pushes the
/// points after `a`, up to and including `b`.
fn densify_edge(a: (f64, f64), b: (f64, f64), tolerance: f64, depth: u32, out: &mut Line) {
    let middle = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
    let (va, vb, vm) =
        (Vec3::from_degrees(a.0, a.1), Vec3::from_degrees(b.0, b.1), Vec3::from_degrees(middle.0, middle.1));
    let deviation = vm.angle(closest_on_arc(vm, va, vb)) * EARTH_RADIUS_METERS;
    if deviation > tolerance && depth < MAX_DENSIFY_DEPTH {
        densify_edge(a, middle, tolerance, depth + 1, out);
        densify_edge(middle, b, tolerance, depth + 1, out);
    } else {
        out.push(b);
    }
}

fn densify_positions(line: &[(f64, f64)], tolerance: f64) -> Dyn {
    let mut out = vec![line[0]];
    for pair in line.windows(2) {
        densify_edge(pair[0], pair[1], tolerance, 0, &mut out);
    }
    Dyn::array(out.into_iter().map(|(x, y)| position(x, y)).collect())
}

/// The tolerance of the densify functions: [0.1, 10000] meters, default 10.
fn densify_tolerance(v: &[Value]) -> Option<f64> {
    optional_number(v, 1, 10.0).filter(|t| (0.1..=10_000.0).contains(t))
}

fn line_densify(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_line_densify", args, 1, 3)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null((|| {
            let shape = shape_value(&v[0])?;
            let lines = parse_lines(&shape)?;
            let tolerance = densify_tolerance(v)?;
            let kind = shape.get("type")?.to_kql_string();
            let mut dense: Vec<Dyn> = lines.iter().map(|line| densify_positions(line, tolerance)).collect();
            let coordinates = if kind == "LineString" { dense.remove(0) } else { Dyn::array(dense) };
            Some(geojson::geometry(&kind, coordinates))
        })()))
    })
}

fn polygon_densify(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_polygon_densify", args, 1, 3)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null((|| {
            let shape = shape_value(&v[0])?;
            parse_polygons(&shape)?;
            let tolerance = densify_tolerance(v)?;
            let kind = shape.get("type")?.to_kql_string();
            let densify_rings = |rings: &Dyn| -> Option<Dyn> {
                let Dyn::Array(rings) = rings else { return None };
                let rings = rings
                    .iter()
                    .map(|ring| {
                        let Dyn::Array(positions) = ring else { return None };
                        let ring: Option<Line> = positions.iter().map(geojson::parse_position).collect();
                        Some(densify_positions(&ring?, tolerance))
                    })
                    .collect::<Option<Vec<Dyn>>>()?;
                Some(Dyn::array(rings))
            };
            let coordinates = shape.get("coordinates")?;
            let coordinates = if kind == "Polygon" {
                densify_rings(coordinates)?
            } else {
                let Dyn::Array(polygons) = coordinates else { return None };
                Dyn::array(polygons.iter().map(densify_rings).collect::<Option<Vec<Dyn>>>()?)
            };
            Some(geojson::geometry(&kind, coordinates))
        })()))
    })
}

fn edges(line: &[Vec3]) -> impl Iterator<Item = (Vec3, Vec3)> + '_ {
    line.windows(2).map(|pair| (pair[0], pair[1]))
}

fn lines_intersect(first: &[Line], second: &[Line]) -> bool {
    let first: Vec<Vec<Vec3>> = first.iter().map(|line| to_vectors(line)).collect();
    let second: Vec<Vec<Vec3>> = second.iter().map(|line| to_vectors(line)).collect();
    first
        .iter()
        .flat_map(|line| edges(line))
        .any(|(a, b)| second.iter().flat_map(|line| edges(line)).any(|(c, d)| arcs_intersect(a, b, c, d)))
}

fn line_meets_polygon(lines: &[Line], polygon: &Polygon) -> bool {
    let lines: Vec<Vec<Vec3>> = lines.iter().map(|line| to_vectors(line)).collect();
    lines.iter().flatten().any(|&point| polygon.contains(point))
        || lines
            .iter()
            .flat_map(|line| edges(line))
            .any(|(a, b)| polygon.loops().flat_map(|ring| ring.edges()).any(|(c, d)| arcs_intersect(a, b, c, d)))
}

/// Whether two polygons share a point: an edge of one crosses an edge of
/// the other, or one holds a vertex of the other.
pub fn polygons_intersect(first: &Polygon, second: &Polygon) -> bool {
    let vertex_inside =
        |outer: &Polygon, inner: &Polygon| inner.loops().flat_map(|ring| &ring.vertices).any(|&v| outer.contains(v));
    vertex_inside(first, second)
        || vertex_inside(second, first)
        || first
            .loops()
            .flat_map(|ring| ring.edges())
            .any(|(a, b)| second.loops().flat_map(|ring| ring.edges()).any(|(c, d)| arcs_intersect(a, b, c, d)))
}

fn intersects_2lines(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_intersects_2lines", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Bool, |v| {
        Ok(or_null((|| {
            let first = parse_lines(&shape_value(&v[0])?)?;
            let second = parse_lines(&shape_value(&v[1])?)?;
            Some(Value::Bool(lines_intersect(&first, &second)))
        })()))
    })
}

fn intersects_line_with_polygon(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_intersects_line_with_polygon", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Bool, |v| {
        Ok(or_null((|| {
            let lines = parse_lines(&shape_value(&v[0])?)?;
            let polygons = parse_polygons(&shape_value(&v[1])?)?;
            Some(Value::Bool(polygons.iter().any(|polygon| line_meets_polygon(&lines, polygon))))
        })()))
    })
}

fn intersects_2polygons(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_intersects_2polygons", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Bool, |v| {
        Ok(or_null((|| {
            let first = parse_polygons(&shape_value(&v[0])?)?;
            let second = parse_polygons(&shape_value(&v[1])?)?;
            Some(Value::Bool(first.iter().any(|a| second.iter().any(|b| polygons_intersect(a, b)))))
        })()))
    })
}

/// The single line of a `LineString` (or of a `MultiLineString` holding
/// one line), as positions; null for anything else. Both pages say "The
/// input should not contain more than a single line string"
/// (geo_line_interpolate_point, geo_line_locate_point), and neither says
/// how the parts of a longer `MultiLineString` would be ordered along one
/// length, so one with two or more lines is an invalid line: null, as the
/// pages give for an invalid line.
fn single_line(value: &Value) -> Option<Line> {
    let mut lines = parse_lines(&shape_value(value)?)?;
    (lines.len() == 1).then(|| lines.remove(0))
}

fn line_interpolate_point(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_line_interpolate_point", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let Some(line) = single_line(&v[0]).map(|line| to_vectors(&line)) else { return Ok(Value::Null) };
        let Some(fraction) = number(&v[1]).filter(|f| (0.0..=1.0).contains(f)) else { return Ok(Value::Null) };
        let mut remaining = fraction * line_radians(&line);
        let mut point = line[line.len() - 1];
        for (a, b) in edges(&line) {
            let length = a.angle(b);
            if remaining <= length {
                point = if length == 0.0 { a } else { interpolate(a, b, remaining / length) };
                break;
            }
            remaining -= length;
        }
        let (longitude, latitude) = point.to_degrees();
        Ok(geojson::point(longitude, latitude))
    })
}

/// The fraction of the line's length from its start to its point nearest
/// the location: on the sphere, or with `use_spheroid` = true on the WGS-84
/// ellipsoid, where the page says the edges are geodesics on the spheroid.
fn line_locate_point(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_line_locate_point", args, 3, 4)?;
    map_rows(args, ctx, ScalarType::Real, |v| {
        Ok(or_null((|| {
            let positions = single_line(&v[0])?;
            let (longitude, latitude) = crate::engine::functions::geo::coordinate(&v[1], &v[2])?;
            if spheroid::use_spheroid(v, 3)? {
                return spheroid::locate_point(&positions, (longitude, latitude)).map(Value::Real);
            }
            let line = to_vectors(&positions);
            let point = Vec3::from_degrees(longitude, latitude);
            let total = line_radians(&line);
            let (mut best, mut walked, mut at) = (f64::INFINITY, 0.0, 0.0);
            for (a, b) in edges(&line) {
                let closest = closest_on_arc(point, a, b);
                let distance = point.angle(closest);
                if distance < best {
                    best = distance;
                    at = walked + a.angle(closest);
                }
                walked += a.angle(b);
            }
            (total > 0.0).then_some(Value::Real(at / total))
        })()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_degree_along_a_parallel_is_split_in_four_at_ten_meters() {
        let dense = densify_positions(&[(10.0, 10.0), (11.0, 10.0)], 10.0);
        assert_eq!(dense.to_json(), "[[10,10],[10.25,10],[10.5,10],[10.75,10],[11,10]]");
    }

    #[test]
    fn line_centroid_matches_the_documented_longitude() {
        let line = Value::Dynamic(Dyn::parse_json(
            r#"{"type":"LineString","coordinates":[[-73.95807266235352,40.800426144169315],[-73.94966125488281,40.79691751000055],[-73.97317886352539,40.764486356930334],[-73.98210525512695,40.76786669510221],[-73.96004676818848,40.7980870753293]]}"#,
        ));
        let centroid = line_centroid(&[Datum::Scalar(line, ScalarType::Dynamic)], &EvalCtx { rows: 1, now: 0 })
            .expect("a centroid")
            .get(0);
        let text = centroid.to_kql_string();
        assert!(text.contains("-73.96606756268"), "{text}");
        let single_point = Value::Dynamic(Dyn::parse_json(r#"{"type":"LineString","coordinates":[[1,1]]}"#));
        let invalid = line_centroid(&[Datum::Scalar(single_point, ScalarType::Dynamic)], &EvalCtx { rows: 1, now: 0 });
        assert!(invalid.expect("null").get(0).is_null());
    }

    #[test]
    fn a_meridian_edge_is_not_split() {
        let dense = densify_positions(&[(11.0, 10.0), (11.0, 11.0)], 10.0);
        assert_eq!(dense.to_json(), "[[11,10],[11,11]]");
    }
}
