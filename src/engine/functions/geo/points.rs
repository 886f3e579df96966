//! Functions of points: `geo_distance_2points`, `geo_point_in_circle`,
//! `geo_angle`, `geo_azimuth`, `geo_point_in_polygon`,
//! `geo_distance_point_to_line`, `geo_closest_point_on_line`,
//! `geo_distance_point_to_polygon`, `geo_closest_point_on_polygon`,
//! `geo_point_buffer`.

use std::f64::consts::PI;

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::geo::geojson::{self, Polygon, parse_lines, parse_polygons, shape_value};
use crate::engine::functions::geo::sphere::{self, EARTH_RADIUS_METERS, Vec3, closest_on_arc};
use crate::engine::functions::geo::spheroid;
use crate::engine::functions::geo::{coordinate, number, optional_number, or_null};
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "geo_distance_2points" => distance_2points,
        "geo_point_in_circle" => point_in_circle,
        "geo_angle" => angle,
        "geo_azimuth" => azimuth,
        "geo_point_in_polygon" => point_in_polygon,
        "geo_distance_point_to_line" => distance_point_to_line,
        "geo_closest_point_on_line" => closest_point_on_line,
        "geo_distance_point_to_polygon" => distance_point_to_polygon,
        "geo_closest_point_on_polygon" => closest_point_on_polygon,
        "geo_point_buffer" => point_buffer,
        _ => return None,
    })
}

/// The great-circle distance between two valid coordinates, in meters.
pub fn distance_meters(p1: (f64, f64), p2: (f64, f64)) -> f64 {
    Vec3::from_degrees(p1.0, p1.1).angle(Vec3::from_degrees(p2.0, p2.1)) * EARTH_RADIUS_METERS
}

fn distance_2points(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_distance_2points", args, 4, 5)?;
    map_rows(args, ctx, ScalarType::Real, |v| {
        Ok(or_null((|| {
            let (p1, p2) = (coordinate(&v[0], &v[1])?, coordinate(&v[2], &v[3])?);
            let distance =
                if spheroid::use_spheroid(v, 4)? { spheroid::distance_meters(p1, p2) } else { distance_meters(p1, p2) };
            Some(Value::Real(distance))
        })()))
    })
}

fn point_in_circle(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_point_in_circle", args, 5, 5)?;
    map_rows(args, ctx, ScalarType::Bool, |v| {
        Ok(or_null((|| {
            let point = coordinate(&v[0], &v[1])?;
            let center = coordinate(&v[2], &v[3])?;
            // The radius must be positive (the docs: "valid value must be positive").
            let radius = number(&v[4]).filter(|r| *r > 0.0)?;
            Some(Value::Bool(distance_meters(point, center) <= radius))
        })()))
    })
}

/// The clockwise angle at point 2 from the line to point 1 to the line to
/// point 3, in radians in [0, 2π); null when point 2 equals point 1 or 3.
fn angle(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_angle", args, 6, 6)?;
    map_rows(args, ctx, ScalarType::Real, |v| {
        Ok(or_null((|| {
            let p1 = coordinate(&v[0], &v[1])?;
            let p2 = coordinate(&v[2], &v[3])?;
            let p3 = coordinate(&v[4], &v[5])?;
            if same_point(p1, p2) || same_point(p2, p3) {
                return None;
            }
            let to_first = sphere::azimuth(p2.0, p2.1, p1.0, p1.1);
            let to_third = sphere::azimuth(p2.0, p2.1, p3.0, p3.1);
            Some(Value::Real((to_third - to_first).rem_euclid(2.0 * PI)))
        })()))
    })
}

fn same_point(a: (f64, f64), b: (f64, f64)) -> bool {
    Vec3::from_degrees(a.0, a.1).angle(Vec3::from_degrees(b.0, b.1)) == 0.0
}

/// The clockwise angle from north of the line from point 1 to point 2, in
/// radians in [0, 2π); null when the points are the same.
fn azimuth(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_azimuth", args, 4, 4)?;
    map_rows(args, ctx, ScalarType::Real, |v| {
        Ok(or_null((|| {
            let p1 = coordinate(&v[0], &v[1])?;
            let p2 = coordinate(&v[2], &v[3])?;
            if same_point(p1, p2) {
                return None;
            }
            Some(Value::Real(sphere::azimuth(p1.0, p1.1, p2.0, p2.1)))
        })()))
    })
}

fn point_in_polygon(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_point_in_polygon", args, 3, 3)?;
    // A constant polygon (the usual case) is parsed once.
    let constant = args[2].as_scalar().map(|shape| shape_value(shape).and_then(|s| parse_polygons(&s)));
    map_rows(args, ctx, ScalarType::Bool, |v| {
        Ok(or_null((|| {
            let (longitude, latitude) = coordinate(&v[0], &v[1])?;
            let parsed;
            let polygons = match &constant {
                Some(polygons) => polygons.as_ref()?,
                None => {
                    parsed = parse_polygons(&shape_value(&v[2])?)?;
                    &parsed
                }
            };
            let point = Vec3::from_degrees(longitude, latitude);
            Some(Value::Bool(polygons.iter().any(|polygon| polygon.contains(point))))
        })()))
    })
}

/// The closest point of a (multi) line to `point`.
fn closest_point(point: Vec3, lines: &[Vec<(f64, f64)>]) -> Vec3 {
    let mut best = (f64::INFINITY, point);
    for line in lines {
        for pair in line.windows(2) {
            let a = Vec3::from_degrees(pair[0].0, pair[0].1);
            let b = Vec3::from_degrees(pair[1].0, pair[1].1);
            let candidate = closest_on_arc(point, a, b);
            let distance = point.angle(candidate);
            if distance < best.0 {
                best = (distance, candidate);
            }
        }
    }
    best.1
}

/// The angle (radians) from `point` to the nearest point of the lines.
pub fn distance_to_lines(point: Vec3, lines: &[Vec<Vec3>]) -> f64 {
    let mut best = f64::INFINITY;
    for line in lines {
        for pair in line.windows(2) {
            best = best.min(point.angle(closest_on_arc(point, pair[0], pair[1])));
        }
    }
    best
}

/// The angle (radians) from `point` to the polygons: 0 inside one, else to
/// the nearest point of a ring.
pub fn distance_to_polygons(point: Vec3, polygons: &[Polygon]) -> f64 {
    if polygons.iter().any(|polygon| polygon.contains(point)) {
        return 0.0;
    }
    closest_on_polygons(point, polygons).map_or(f64::INFINITY, |closest| point.angle(closest))
}

/// The nearest point of the polygons' rings to `point`.
pub fn closest_on_polygons(point: Vec3, polygons: &[Polygon]) -> Option<Vec3> {
    let mut best: Option<(f64, Vec3)> = None;
    for (a, b) in polygons.iter().flat_map(|polygon| polygon.loops()).flat_map(|ring| ring.edges()) {
        let candidate = closest_on_arc(point, a, b);
        let distance = point.angle(candidate);
        if best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, closest)| closest)
}

fn distance_point_to_line(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_distance_point_to_line", args, 3, 3)?;
    map_rows(args, ctx, ScalarType::Real, |v| {
        Ok(or_null((|| {
            let (longitude, latitude) = coordinate(&v[0], &v[1])?;
            let lines = parse_lines(&shape_value(&v[2])?)?;
            let point = Vec3::from_degrees(longitude, latitude);
            Some(Value::Real(point.angle(closest_point(point, &lines)) * EARTH_RADIUS_METERS))
        })()))
    })
}

fn closest_point_on_line(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_closest_point_on_line", args, 3, 3)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null((|| {
            let (longitude, latitude) = coordinate(&v[0], &v[1])?;
            let lines = parse_lines(&shape_value(&v[2])?)?;
            let (x, y) = closest_point(Vec3::from_degrees(longitude, latitude), &lines).to_degrees();
            Some(geojson::point(x, y))
        })()))
    })
}

/// Applies `f` to each row's valid location and (multi)polygon; a constant
/// polygon (the usual case) is parsed once. Null when either is invalid.
fn map_point_polygon(
    args: &[Datum],
    ctx: &EvalCtx,
    ty: ScalarType,
    f: impl Fn((f64, f64), &[Polygon]) -> Value,
) -> ExecResult<Datum> {
    let constant = args[2].as_scalar().map(|shape| shape_value(shape).and_then(|s| parse_polygons(&s)));
    map_rows(args, ctx, ty, |v| {
        Ok(or_null((|| {
            let (longitude, latitude) = coordinate(&v[0], &v[1])?;
            let parsed;
            let polygons = match &constant {
                Some(polygons) => polygons.as_ref()?,
                None => {
                    parsed = parse_polygons(&shape_value(&v[2])?)?;
                    &parsed
                }
            };
            Some(f((longitude, latitude), polygons))
        })()))
    })
}

/// The shortest distance in meters to a (multi)polygon: 0 when it holds the point.
fn distance_point_to_polygon(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_distance_point_to_polygon", args, 3, 3)?;
    map_point_polygon(args, ctx, ScalarType::Real, |(longitude, latitude), polygons| {
        Value::Real(distance_to_polygons(Vec3::from_degrees(longitude, latitude), polygons) * EARTH_RADIUS_METERS)
    })
}

/// The point of a (multi)polygon closest to a location: the location itself
/// when the polygon holds it (its coordinates as given, not rounded through
/// a unit vector), else the nearest point of a ring.
fn closest_point_on_polygon(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_closest_point_on_polygon", args, 3, 3)?;
    map_point_polygon(args, ctx, ScalarType::Dynamic, |(longitude, latitude), polygons| {
        let point = Vec3::from_degrees(longitude, latitude);
        if polygons.iter().any(|polygon| polygon.contains(point)) {
            return geojson::point(longitude, latitude);
        }
        match closest_on_polygons(point, polygons).map(Vec3::to_degrees) {
            Some((x, y)) => geojson::point(x, y),
            None => Value::Null,
        }
    })
}

/// The most vertices a buffer polygon gets.
const MAX_BUFFER_VERTICES: usize = 10_000;

/// The default tolerance of `geo_point_buffer`, in meters (its page; the
/// `geo_line_buffer` and `geo_polygon_buffer` pages say the same).
pub(super) const DEFAULT_BUFFER_TOLERANCE: f64 = 10.0;
/// The smallest tolerance, as a fraction of the radius: the page says the
/// tolerance "should be no lower than 0.0001% of the radius".
const MIN_BUFFER_TOLERANCE_RATIO: f64 = 1e-6;

/// A buffer's radius (meters, positive, below a quarter of a great circle)
/// and tolerance (meters, default 10, no lower than a millionth of the
/// radius) from arguments `radius_index` and `radius_index + 1`; `None`
/// when either is invalid (the three buffer pages: null).
pub(super) fn buffer_radius_and_tolerance(args: &[Value], radius_index: usize) -> Option<(f64, f64)> {
    let radius = number(&args[radius_index]).filter(|r| *r > 0.0 && *r < PI * EARTH_RADIUS_METERS / 2.0)?;
    let tolerance = optional_number(args, radius_index + 1, DEFAULT_BUFFER_TOLERANCE)
        .filter(|t| *t > 0.0 && *t >= radius * MIN_BUFFER_TOLERANCE_RATIO)?;
    Some((radius, tolerance))
}

/// How many vertices a circle of `radius` meters gets so that no chord
/// strays more than `tolerance` meters inside it: a tolerance above the
/// radius is lowered to the radius, as documented.
pub(super) fn circle_vertex_count(radius: f64, tolerance: f64) -> usize {
    let half_step = (1.0 - (tolerance / radius).min(1.0)).acos();
    ((PI / half_step).ceil() as usize).clamp(8, MAX_BUFFER_VERTICES)
}

/// `count` points on the circle of `radius` meters around a point, going
/// counter-clockwise (decreasing azimuths, from `-phase`), as GeoJSON shells do.
pub(super) fn circle_ring(longitude: f64, latitude: f64, radius: f64, count: usize, phase: f64) -> Vec<(f64, f64)> {
    (0..count)
        .map(|k| {
            let azimuth = -2.0 * PI * k as f64 / count as f64 - phase;
            sphere::destination(longitude, latitude, azimuth, radius / EARTH_RADIUS_METERS)
        })
        .collect()
}

/// A polygon approximating the circle of `radius` meters around a point,
/// its vertices on the circle and close enough together that no edge
/// strays more than `tolerance` meters (default 10) from it; a tolerance
/// above the radius is lowered, as documented. The page gives no largest
/// radius; a circle wider than a hemisphere is not a valid GeoJSON polygon
/// here (a ring bounds the smaller region), so its radius gives null.
fn point_buffer(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_point_buffer", args, 3, 4)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null((|| {
            let (longitude, latitude) = coordinate(&v[0], &v[1])?;
            let (radius, tolerance) = buffer_radius_and_tolerance(v, 2)?;
            let ring = circle_ring(longitude, latitude, radius, circle_vertex_count(radius, tolerance), 0.0);
            Some(geojson::ring_polygon(&ring))
        })()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CENTRAL_PARK: &str = r#"{"type":"Polygon","coordinates":[[[-73.9495,40.7969],[-73.95807266235352,40.80068603561921],[-73.98201942443848,40.76825672305777],[-73.97317886352539,40.76455136505513],[-73.9495,40.7969]]]}"#;

    #[test]
    fn distance_to_central_park_matches_the_documented_value_and_is_zero_inside() {
        let park = Value::Dynamic(crate::engine::value::Dyn::parse_json(CENTRAL_PARK));
        let outside =
            run("geo_distance_point_to_polygon", vec![Value::Real(-73.9839), Value::Real(40.7705), park.clone()]);
        assert!(matches!(outside, Value::Real(d) if (d - 259.940756070596).abs() < 1e-6), "{outside:?}");
        let inside = run("geo_distance_point_to_polygon", vec![Value::Real(-73.965), Value::Real(40.782), park]);
        assert_eq!(inside, Value::Real(0.0));
    }

    #[test]
    fn closest_point_on_central_park_matches_the_documented_point() {
        let park = Value::Dynamic(crate::engine::value::Dyn::parse_json(CENTRAL_PARK));
        let closest =
            run("geo_closest_point_on_polygon", vec![Value::Real(-73.9839), Value::Real(40.7705), park.clone()]);
        let json = closest.to_kql_string();
        assert!(json.contains("-73.98120558015") && json.contains("40.76935945284"), "{json}");
        let inside = run("geo_closest_point_on_polygon", vec![Value::Real(-73.965), Value::Real(40.782), park]);
        assert_eq!(inside.to_kql_string(), r#"{"type":"Point","coordinates":[-73.965,40.782]}"#);
    }

    #[test]
    fn a_point_inside_is_its_own_closest_point_exactly() {
        let square = Value::Dynamic(crate::engine::value::Dyn::parse_json(
            r#"{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]]]}"#,
        ));
        let closest = run("geo_closest_point_on_polygon", vec![Value::Real(5.0), Value::Real(5.0), square]);
        assert_eq!(closest.to_kql_string(), r#"{"type":"Point","coordinates":[5,5]}"#);
    }

    #[test]
    fn buffer_tolerance_below_a_millionth_of_the_radius_is_invalid() {
        let buffer = |radius: f64, tolerance: f64| {
            run(
                "geo_point_buffer",
                vec![Value::Real(10.0), Value::Real(10.0), Value::Real(radius), Value::Real(tolerance)],
            )
        };
        assert!(buffer(1_000_000.0, 0.1).is_null());
        assert!(!buffer(1_000_000.0, 1.0).is_null());
        // A tolerance above the radius is lowered, not refused.
        assert!(!buffer(5.0, 100.0).is_null());
    }

    #[test]
    fn a_buffer_around_the_pole_is_a_valid_polygon_holding_it() {
        let buffer = run("geo_point_buffer", vec![Value::Real(0.0), Value::Real(90.0), Value::Real(1000.0)]);
        assert!(!buffer.is_null());
        let inside = run("geo_point_in_polygon", vec![Value::Real(45.0), Value::Real(90.0), buffer]);
        assert_eq!(inside, Value::Bool(true));
    }

    #[test]
    fn seattle_to_los_angeles_matches_the_documented_distance() {
        let distance = distance_meters((-122.407628, 47.578557), (-118.275287, 34.019056));
        assert!((distance - 1546754.35197381).abs() < 1e-6, "{distance}");
    }

    fn run(name: &str, args: Vec<Value>) -> Value {
        let kernel = crate::engine::functions::scalar(name).expect("a kernel");
        let args: Vec<Datum> = args.into_iter().map(|v| Datum::Scalar(v, ScalarType::Dynamic)).collect();
        let ctx = EvalCtx { rows: 1, now: 0 };
        match kernel(&args, &ctx) {
            Ok(datum) => datum.get(0),
            Err(_) => Value::Null,
        }
    }

    #[test]
    fn bad_input_gives_null_not_a_panic() {
        let text = |t: &str| Value::str(t);
        let shape = |t: &str| Value::Dynamic(crate::engine::value::Dyn::parse_json(t));
        let bad = [
            Value::Null,
            Value::Real(f64::NAN),
            Value::Real(1e308),
            text("xyz"),
            shape("{}"),
            shape(r#"{"type":"Polygon","coordinates":[[]]}"#),
            shape(r#"{"type":"LineString","coordinates":[[0,0],[180,0]]}"#),
        ];
        for name in [
            "geo_distance_2points",
            "geo_point_in_circle",
            "geo_angle",
            "geo_point_buffer",
            "geo_point_to_s2cell",
            "geo_point_to_h3cell",
            "geo_point_to_geohash",
            "geo_h3cell_rings",
            "geo_h3cell_children",
            "geo_s2cell_to_polygon",
            "geo_polygon_area",
            "geo_line_length",
            "geo_point_in_polygon",
            "geo_distance_point_to_line",
            "geo_line_interpolate_point",
            "geo_polygon_densify",
            "geo_line_simplify",
            "geo_polygon_simplify",
            "geo_distance_point_to_polygon",
            "geo_closest_point_on_polygon",
        ] {
            for value in &bad {
                for arity in 1..=6 {
                    let args = vec![value.clone(); arity];
                    let result = run(name, args);
                    assert!(
                        result.is_null() || matches!(&result, Value::String(s) if s.is_empty()),
                        "{name} gave {result:?}"
                    );
                }
            }
        }
    }
}
