//! GeoJSON in and out: the shapes Kusto's geospatial functions take
//! (`Point`, `LineString`, `MultiLineString`, `Polygon`, `MultiPolygon`),
//! checked by the documented rules, and the values they return.

use std::sync::Arc;

use crate::engine::functions::geo::sphere::{Loop, Vec3};
use crate::engine::value::{Dyn, Value};

/// A polygon: its shell and holes, each the smaller region its ring bounds.
#[derive(Debug, Clone)]
pub struct Polygon {
    pub shell: Loop,
    pub holes: Vec<Loop>,
}

impl Polygon {
    /// Whether the polygon contains `point`: inside the shell, in no hole.
    pub fn contains(&self, point: Vec3) -> bool {
        self.shell.contains(point) && !self.holes.iter().any(|hole| hole.contains(point))
    }

    /// Every ring, shell first.
    pub fn loops(&self) -> impl Iterator<Item = &Loop> {
        std::iter::once(&self.shell).chain(&self.holes)
    }
}

/// Whether a longitude and latitude are valid coordinates.
pub fn valid_coordinate(longitude: f64, latitude: f64) -> bool {
    (-180.0..=180.0).contains(&longitude) && (-90.0..=90.0).contains(&latitude)
}

/// The dynamic value of a geometry argument: a bag, or JSON text.
pub fn shape_value(value: &Value) -> Option<Dyn> {
    match value {
        Value::Dynamic(shape @ Dyn::Bag(_)) => Some(shape.clone()),
        Value::String(text) => crate::engine::value::parse_json_text(text).filter(|d| matches!(d, Dyn::Bag(_))),
        _ => None,
    }
}

/// `[longitude, latitude]`, valid.
pub fn parse_position(position: &Dyn) -> Option<(f64, f64)> {
    let Dyn::Array(items) = position else { return None };
    if items.len() != 2 {
        return None;
    }
    let longitude = items[0].as_f64()?;
    let latitude = items[1].as_f64()?;
    valid_coordinate(longitude, latitude).then_some((longitude, latitude))
}

fn parse_positions(positions: &Dyn) -> Option<Vec<(f64, f64)>> {
    let Dyn::Array(items) = positions else { return None };
    items.iter().map(parse_position).collect()
}

/// A line: at least two positions; an edge joins two distinct points that
/// are not antipodal (an edge is shorter than 180 degrees).
fn parse_line(positions: &Dyn) -> Option<Vec<(f64, f64)>> {
    let line = parse_positions(positions)?;
    if line.len() < 2 || !edges_are_short(&line) {
        return None;
    }
    Some(line)
}

/// Whether every edge of a chain is shorter than 180 degrees (the
/// geo_point_in_polygon page: "LinearRing edge length must be less than 180
/// degrees"; an antipodal pair has no single shortest geodesic).
fn edges_are_short(chain: &[(f64, f64)]) -> bool {
    chain.windows(2).all(|pair| {
        let (a, b) = (Vec3::from_degrees(pair[0].0, pair[0].1), Vec3::from_degrees(pair[1].0, pair[1].1));
        a.angle(b) < std::f64::consts::PI - 1e-12
    })
}

/// The lines of a `LineString` or `MultiLineString`.
pub fn parse_lines(shape: &Dyn) -> Option<Vec<Vec<(f64, f64)>>> {
    let coordinates = shape.get("coordinates")?;
    match shape.get("type")? {
        Dyn::String(kind) if &**kind == "LineString" => Some(vec![parse_line(coordinates)?]),
        Dyn::String(kind) if &**kind == "MultiLineString" => {
            let Dyn::Array(lines) = coordinates else { return None };
            if lines.is_empty() {
                return None;
            }
            lines.iter().map(parse_line).collect()
        }
        _ => None,
    }
}

/// A linear ring: at least four positions, the first equal to the last,
/// the others distinct (so at least three vertices), edges shorter than 180
/// degrees, and no edge crossing or touching another but its neighbors.
fn parse_ring(positions: &Dyn) -> Option<Loop> {
    let ring = parse_positions(positions)?;
    if ring.len() < 4 || ring.first() != ring.last() || !edges_are_short(&ring) {
        return None;
    }
    let vertices = &ring[..ring.len() - 1];
    let mut sorted: Vec<(u64, u64)> = vertices.iter().map(|(x, y)| (x.to_bits(), y.to_bits())).collect();
    sorted.sort_unstable();
    if sorted.windows(2).any(|pair| pair[0] == pair[1]) {
        return None;
    }
    let ring = Loop::new(vertices.iter().map(|&(x, y)| Vec3::from_degrees(x, y)).collect());
    (!ring.crosses_itself()).then_some(ring)
}

fn parse_polygon_rings(rings: &Dyn) -> Option<Polygon> {
    let Dyn::Array(rings) = rings else { return None };
    let (shell, holes) = rings.split_first()?;
    Some(Polygon { shell: parse_ring(shell)?, holes: holes.iter().map(parse_ring).collect::<Option<_>>()? })
}

/// The polygons of a `Polygon` or `MultiPolygon`.
pub fn parse_polygons(shape: &Dyn) -> Option<Vec<Polygon>> {
    let coordinates = shape.get("coordinates")?;
    match shape.get("type")? {
        Dyn::String(kind) if &**kind == "Polygon" => Some(vec![parse_polygon_rings(coordinates)?]),
        Dyn::String(kind) if &**kind == "MultiPolygon" => {
            let Dyn::Array(polygons) = coordinates else { return None };
            if polygons.is_empty() {
                return None;
            }
            polygons.iter().map(parse_polygon_rings).collect()
        }
        _ => None,
    }
}

/// A ring's positions, closed: the first repeated last.
pub type Ring = Vec<(f64, f64)>;

/// The rings of each polygon of a valid `Polygon` or `MultiPolygon`, as
/// given (closed, in the input's order and orientation).
pub fn polygon_rings(shape: &Dyn) -> Option<Vec<Vec<Ring>>> {
    parse_polygons(shape)?;
    let rings_of = |rings: &Dyn| -> Option<Vec<Ring>> {
        let Dyn::Array(rings) = rings else { return None };
        rings.iter().map(parse_positions).collect()
    };
    let coordinates = shape.get("coordinates")?;
    match shape.get("type")? {
        Dyn::String(kind) if &**kind == "Polygon" => Some(vec![rings_of(coordinates)?]),
        _ => {
            let Dyn::Array(polygons) = coordinates else { return None };
            polygons.iter().map(rings_of).collect()
        }
    }
}

/// `[longitude, latitude]` as a dynamic array.
pub fn position(longitude: f64, latitude: f64) -> Dyn {
    Dyn::array(vec![Dyn::Real(longitude), Dyn::Real(latitude)])
}

/// A GeoJSON object `{"type": kind, "coordinates": coordinates}`.
pub fn geometry(kind: &str, coordinates: Dyn) -> Value {
    Value::Dynamic(Dyn::bag(vec![(Arc::from("type"), Dyn::str(kind)), (Arc::from("coordinates"), coordinates)]))
}

/// A GeoJSON point.
pub fn point(longitude: f64, latitude: f64) -> Value {
    geometry("Point", position(longitude, latitude))
}

/// A GeoJSON polygon of one ring, closed here.
pub fn ring_polygon(ring: &[(f64, f64)]) -> Value {
    let mut positions: Vec<Dyn> = ring.iter().map(|&(x, y)| position(x, y)).collect();
    if let Some(first) = positions.first().cloned() {
        positions.push(first);
    }
    geometry("Polygon", Dyn::array(vec![Dyn::array(positions)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(json: &str) -> Dyn {
        Dyn::parse_json(json)
    }

    #[test]
    fn ring_with_repeated_vertex_is_invalid() {
        assert!(
            parse_polygons(&shape(r#"{"type":"Polygon","coordinates":[[[0,0],[10,10],[10,10],[0,0]]]}"#)).is_none()
        );
        assert!(parse_polygons(&shape(r#"{"type":"Polygon","coordinates":[[[0,0],[10,10],[10,1],[0,0]]]}"#)).is_some());
    }

    #[test]
    fn out_of_range_or_missing_coordinates_are_invalid() {
        assert!(
            parse_polygons(&shape(r#"{"type":"Polygon","coordinates":[[[0,0],[10,900],[10,1],[0,0]]]}"#)).is_none()
        );
        assert!(parse_polygons(&shape(r#"{"type":"Polygon"}"#)).is_none());
        assert!(parse_lines(&shape(r#"{"type":"LineString","coordinates":[[1,1]]}"#)).is_none());
    }

    #[test]
    fn ring_with_an_antipodal_edge_is_invalid() {
        assert!(
            parse_polygons(&shape(r#"{"type":"Polygon","coordinates":[[[0,0],[180,0],[10,10],[0,0]]]}"#)).is_none()
        );
        assert!(
            parse_polygons(&shape(r#"{"type":"Polygon","coordinates":[[[0,0],[179,0],[10,10],[0,0]]]}"#)).is_some()
        );
    }
}
