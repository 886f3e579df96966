//! S2 coverings: `geo_polygon_to_s2cells` and `geo_line_to_s2cells`, the
//! cells of one level that cover a shape, or every point within `radius`
//! meters of it.
//!
//! As S2's region coverer does with its minimum and maximum levels equal,
//! the covering descends from the six faces into every cell that meets the
//! shape, down to the requested level; a cell wholly inside a polygon gives
//! all its descendants at once. A cell meets the shape when an edge of the
//! shape crosses or touches the cell's boundary, or has an end inside it,
//! or (with a radius) passes within the radius of it; otherwise it lies
//! wholly inside a polygon or wholly outside. Cell edges are geodesics, as
//! the shapes' edges are, so the tests are exact up to rounding. The cells
//! come in S2's order (by cell id), and more than 65,536 of them give null,
//! as the pages say.

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::geo::geojson::{Polygon, parse_lines, parse_polygons, shape_value};
use crate::engine::functions::geo::s2cell::{MAX_LEVEL, cell_bounds, face_uv_to_xyz, token};
use crate::engine::functions::geo::sphere::{EARTH_RADIUS_METERS, Vec3, arcs_intersect, closest_on_arc};
use crate::engine::functions::geo::{number, optional_number, or_null};
use crate::engine::functions::{EvalCtx, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

/// The most cells a covering may have (the pages: "the maximum count of
/// tokens per polygon is 65536", the same per line).
pub const MAX_CELLS: u64 = 65_536;
/// The level when none is given (the pages: 11).
const DEFAULT_LEVEL: f64 = 11.0;

/// What is covered: polygons (with their interiors) or lines.
pub enum Shape {
    Polygons(Vec<Polygon>),
    Lines(Vec<Vec<Vec3>>),
}

impl Shape {
    /// Every edge of the shape: the rings' edges or the lines' segments.
    fn edges(&self) -> Vec<(Vec3, Vec3)> {
        match self {
            Shape::Polygons(polygons) => {
                polygons.iter().flat_map(|polygon| polygon.loops()).flat_map(|ring| ring.edges()).collect()
            }
            Shape::Lines(lines) => {
                lines.iter().flat_map(|line| line.windows(2).map(|pair| (pair[0], pair[1]))).collect()
            }
        }
    }

    fn contains(&self, point: Vec3) -> bool {
        match self {
            Shape::Polygons(polygons) => polygons.iter().any(|polygon| polygon.contains(point)),
            Shape::Lines(_) => false,
        }
    }
}

/// `geo_polygon_to_s2cells(polygon[, level[, radius]])`.
pub fn polygon_to_s2cells(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_polygon_to_s2cells", args, 1, 3)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null((|| {
            let shape = Shape::Polygons(parse_polygons(&shape_value(&v[0])?)?);
            covering_value(&shape, v)
        })()))
    })
}

/// `geo_line_to_s2cells(line[, level[, radius]])`.
pub fn line_to_s2cells(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_line_to_s2cells", args, 1, 3)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null((|| {
            let lines = parse_lines(&shape_value(&v[0])?)?;
            let lines = lines.iter().map(|line| line.iter().map(|&(x, y)| Vec3::from_degrees(x, y)).collect());
            covering_value(&Shape::Lines(lines.collect()), v)
        })()))
    })
}

/// The covering as an array of tokens, from the level and radius arguments;
/// `None` when an argument is invalid or the covering is too large.
fn covering_value(shape: &Shape, v: &[Value]) -> Option<Value> {
    let level = optional_number(v, 1, DEFAULT_LEVEL).filter(|l| (0.0..=MAX_LEVEL as f64).contains(l))?;
    // A negative radius is invalid; the pages give no upper bound.
    let radius = match v.get(2) {
        None => 0.0,
        Some(value) => number(value).filter(|r| *r >= 0.0)?,
    };
    let cells = cover(shape, level as u32, radius / EARTH_RADIUS_METERS)?;
    Some(Value::Dynamic(Dyn::array(cells.into_iter().map(|cell| Dyn::str(&token(cell))).collect())))
}

/// The cells of `level` that meet the shape or lie within `radius` radians
/// of it, in id order; `None` past [`MAX_CELLS`].
pub fn cover(shape: &Shape, level: u32, radius: f64) -> Option<Vec<u64>> {
    let edges = shape.edges();
    let all: Vec<usize> = (0..edges.len()).collect();
    let mut search = Search { shape, edges: &edges, level, radius, cells: Vec::new() };
    for face in 0..6u64 {
        search.visit((face << 61) | (1 << 60), 0, &all)?;
    }
    Some(search.cells)
}

struct Search<'a> {
    shape: &'a Shape,
    edges: &'a [(Vec3, Vec3)],
    level: u32,
    radius: f64,
    cells: Vec<u64>,
}

impl Search<'_> {
    /// Visits cell `id` of level `depth`, given the edges that meet its
    /// parent (only those can meet it).
    fn visit(&mut self, id: u64, depth: u32, candidates: &[usize]) -> Option<()> {
        let cell = Cell::new(id);
        let meeting: Vec<usize> =
            candidates.iter().copied().filter(|&index| cell.meets(self.edges[index], self.radius)).collect();
        if meeting.is_empty() {
            // No edge comes near: the cell is wholly inside or wholly outside.
            if self.shape.contains(cell.center) {
                self.push_descendants(id, depth)?;
            }
            return Some(());
        }
        if depth == self.level {
            return self.push(id);
        }
        let lsb = id & id.wrapping_neg();
        let child_lsb = lsb >> 2;
        for child in 0..4u64 {
            self.visit(id - lsb + child_lsb * (2 * child + 1), depth + 1, &meeting)?;
        }
        Some(())
    }

    fn push(&mut self, id: u64) -> Option<()> {
        if self.cells.len() as u64 >= MAX_CELLS {
            return None;
        }
        self.cells.push(id);
        Some(())
    }

    /// Every descendant of cell `id` (of level `depth`) at the target level.
    fn push_descendants(&mut self, id: u64, depth: u32) -> Option<()> {
        let count = 1u64.checked_shl(2 * (self.level - depth))?;
        if self.cells.len() as u64 + count > MAX_CELLS {
            return None;
        }
        let lsb = id & id.wrapping_neg();
        let target_lsb = 1u64 << (2 * (MAX_LEVEL - self.level));
        let first = id - lsb + target_lsb;
        self.cells.extend((0..count).map(|k| first + 2 * target_lsb * k));
        Some(())
    }
}

/// A cell's geometry: its face, (u, v) bounds, corners and centre.
struct Cell {
    face: u64,
    bounds: [f64; 4],
    corners: [Vec3; 4],
    center: Vec3,
}

impl Cell {
    fn new(id: u64) -> Cell {
        let (face, bounds) = cell_bounds(id);
        let [u0, u1, v0, v1] = bounds;
        let corner = |u: f64, v: f64| face_uv_to_xyz(face, u, v).normalize();
        let corners = [corner(u0, v0), corner(u1, v0), corner(u1, v1), corner(u0, v1)];
        let center = corners.iter().fold(Vec3::ZERO, |sum, c| sum.plus(*c)).normalize();
        Cell { face, bounds, corners, center }
    }

    fn edges(&self) -> impl Iterator<Item = (Vec3, Vec3)> + '_ {
        (0..4).map(|k| (self.corners[k], self.corners[(k + 1) % 4]))
    }

    /// Whether a point lies in the cell (boundary included): its (u, v) on
    /// the cell's face are within the bounds.
    fn contains(&self, point: Vec3) -> bool {
        let [x, y, z] = [point.x, point.y, point.z];
        let axis = [x, y, z][(self.face % 3) as usize];
        let toward = if self.face < 3 { axis } else { -axis };
        if toward <= 0.0 {
            return false;
        }
        let (u, v) = match self.face {
            0 => (y / x, z / x),
            1 => (-x / y, z / y),
            2 => (-x / z, -y / z),
            3 => (z / x, y / x),
            4 => (z / y, -x / y),
            _ => (-y / z, -x / z),
        };
        let [u0, u1, v0, v1] = self.bounds;
        (u0..=u1).contains(&u) && (v0..=v1).contains(&v)
    }

    /// Whether edge `a b` meets the cell, or comes within `radius` radians of it.
    fn meets(&self, (a, b): (Vec3, Vec3), radius: f64) -> bool {
        if self.contains(a) || self.contains(b) || self.edges().any(|(c, d)| arcs_intersect(a, b, c, d)) {
            return true;
        }
        radius > 0.0 && self.edges().any(|(c, d)| arc_distance(a, b, c, d) <= radius)
    }
}

/// The distance in radians between arcs `a b` and `c d` that do not cross:
/// the least distance from an end of one to the other.
fn arc_distance(a: Vec3, b: Vec3, c: Vec3, d: Vec3) -> f64 {
    let to_arc = |p: Vec3, from: Vec3, to: Vec3| p.angle(closest_on_arc(p, from, to));
    to_arc(a, c, d).min(to_arc(b, c, d)).min(to_arc(c, a, b)).min(to_arc(d, a, b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::functions::geo::s2cell::{leaf_id, parent, parse_token};

    fn polygon(json: &str) -> Shape {
        Shape::Polygons(parse_polygons(&Dyn::parse_json(json)).expect("a polygon"))
    }

    fn tokens(cells: &[u64]) -> Vec<String> {
        cells.iter().map(|&cell| token(cell)).collect()
    }

    #[test]
    fn documented_triangle_at_level_5_has_286_cells() {
        let triangle = polygon(r#"{"type":"Polygon","coordinates":[[[0,0],[0,50],[100,50],[0,0]]]}"#);
        assert_eq!(cover(&triangle, 5, 0.0).map(|cells| cells.len()), Some(286));
        // At level 30 it would take billions of cells: too many.
        assert_eq!(cover(&triangle, 30, 0.0), None);
    }

    #[test]
    fn a_point_inside_a_polygon_has_its_cell_in_the_covering() {
        let square = polygon(r#"{"type":"Polygon","coordinates":[[[10,10],[11,10],[11,11],[10,11],[10,10]]]}"#);
        let cells = cover(&square, 9, 0.0).expect("a covering");
        let inside = parent(leaf_id(Vec3::from_degrees(10.5, 10.5)), 9);
        let outside = parent(leaf_id(Vec3::from_degrees(12.5, 10.5)), 9);
        assert!(cells.contains(&inside));
        assert!(!cells.contains(&outside));
        assert!(cells.windows(2).all(|pair| pair[0] < pair[1]), "sorted and distinct");
    }

    #[test]
    fn a_radius_widens_a_line_covering() {
        let line = Shape::Lines(vec![vec![Vec3::from_degrees(0.001, 0.001), Vec3::from_degrees(0.002, 0.001)]]);
        let bare = cover(&line, 14, 0.0).expect("a covering");
        let wide = cover(&line, 14, 2000.0 / EARTH_RADIUS_METERS).expect("a covering");
        assert!(!bare.is_empty() && wide.len() > bare.len(), "{} {}", bare.len(), wide.len());
        assert!(bare.iter().all(|cell| wide.contains(cell)));
    }

    #[test]
    fn a_face_level_covering_names_faces() {
        let square = polygon(r#"{"type":"Polygon","coordinates":[[[10,10],[11,10],[11,11],[10,11],[10,10]]]}"#);
        assert_eq!(tokens(&cover(&square, 0, 0.0).expect("a covering")), ["1"]);
        assert_eq!(parse_token("1"), Some(1 << 60));
    }
}
