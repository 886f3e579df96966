//! Geospatial functions (`geo_*`), with Kusto's semantics: a spherical
//! earth of radius 6,371,010 m (the WGS-84 ellipsoid where `use_spheroid`
//! is true), geodesic edges, GeoJSON shapes, and null for an invalid
//! coordinate, shape or parameter.
//!
//! - `sphere` — unit vectors, loops, arcs; `geojson` — shapes in and out;
//! - `spheroid` — WGS-84 geodesics, for the `use_spheroid` = true option;
//! - `points` — distances, angles, circles, point in polygon, buffers;
//! - `shapes` — lines and polygons: length, area, centroid, densify, intersects;
//! - `intersection` — the intersection of two lines, or of a line and a polygon;
//!   `polygon_intersection` — of two polygons; `union` — the measures of
//!   overlapping polygons; `polygon_union` — the union of an array of polygons;
//!   `line_union` — of an array of lines; `buffer` — the buffers of lines
//!   and polygons (a union of circles and bands);
//! - `simplify` — `geo_line_simplify`, `geo_polygon_simplify`;
//! - `geohash`, `s2cell`, `h3cell` — the three cell grids; `s2covering` — S2
//!   cells covering a polygon or a line; `h3covering` — H3 cells of a polygon;
//!   `wkt` — `geo_from_wkt`.

pub mod buffer;
pub mod geohash;
pub mod geojson;
pub mod h3cell;
pub mod h3covering;
pub mod intersection;
pub mod line_union;
pub mod points;
pub mod polygon_intersection;
pub mod polygon_union;
pub mod s2cell;
pub mod s2covering;
pub mod shapes;
pub mod simplify;
pub mod sphere;
pub mod spheroid;
pub mod union;
pub mod wkt;

use crate::engine::functions::ScalarKernel;
use crate::engine::value::Value;

/// The kernel of a `geo_*` function. `geo_info_from_ip_address` has none:
/// it looks addresses up in MaxMind's GeoLite2-City database, which kqlab
/// does not bundle, so it is one of the functions that never run offline
/// (`engine::support::offline_reason`).
pub fn lookup(name: &str) -> Option<ScalarKernel> {
    points::lookup(name)
        .or_else(|| shapes::lookup(name))
        .or_else(|| intersection::lookup(name))
        .or_else(|| polygon_union::lookup(name))
        .or_else(|| buffer::lookup(name))
        .or_else(|| simplify::lookup(name))
        .or_else(|| geohash::lookup(name))
        .or_else(|| s2cell::lookup(name))
        .or_else(|| h3cell::lookup(name))
        .or_else(|| wkt::lookup(name))
}

/// A finite number, or `None` (null, text, NaN, infinity).
pub fn number(value: &Value) -> Option<f64> {
    value.as_f64().filter(|n| n.is_finite())
}

/// A valid `(longitude, latitude)` pair in degrees.
pub fn coordinate(longitude: &Value, latitude: &Value) -> Option<(f64, f64)> {
    let (longitude, latitude) = (number(longitude)?, number(latitude)?);
    geojson::valid_coordinate(longitude, latitude).then_some((longitude, latitude))
}

/// An optional argument: `default` when absent, `None` when null or invalid.
pub fn optional_number(args: &[Value], index: usize, default: f64) -> Option<f64> {
    match args.get(index) {
        None => Some(default),
        Some(value) => number(value),
    }
}

/// A value or null.
pub fn or_null(value: Option<Value>) -> Value {
    value.unwrap_or(Value::Null)
}

/// What the geo tests share: a shape as JSON text, and a comparison of two
/// shapes' numbers within a tolerance.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::engine::value::Value;

    /// A result as text: a shape as compact JSON, other values as KQL prints them.
    pub fn text(value: Value) -> String {
        match value {
            Value::Dynamic(shape) => shape.to_json(),
            other => other.to_kql_string(),
        }
    }

    /// The numbers of a JSON text, in order.
    pub fn numbers(text: &str) -> Vec<f64> {
        text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .filter_map(|piece| piece.parse().ok())
            .collect()
    }

    /// Asserts that two shapes have the same numbers, each within 1e-9.
    pub fn assert_close(actual: &str, expected: &str) {
        let (a, e) = (numbers(actual), numbers(expected));
        assert_eq!(a.len(), e.len(), "{actual} vs {expected}");
        assert!(a.iter().zip(&e).all(|(x, y)| (x - y).abs() < 1e-9), "{actual} vs {expected}");
    }
}
