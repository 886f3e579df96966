//! `geo_polygon_to_h3cells(polygon[, resolution[, radius]])`: the H3 cells
//! of one resolution that represent a polygon.
//!
//! The page: "a polygon is represented by the cells whose centroids are
//! inside the polygon", its "edges are straight lines" (in longitude and
//! latitude, as H3's own polygon fill treats them), a positive radius
//! enlarges the polygon by that many meters first, and more than 61,680
//! cells give null. H3's polygon fill is hand-written here on `h3o`'s cell
//! functions (its `geo` feature would bring the `geo` crate family): cells
//! along every edge seed a flood fill that keeps the cells whose centre
//! passes the test. The page's example lists its 13 cells in an order it
//! does not explain; they come here in cell-index order.

use std::collections::{BTreeSet, HashSet};

use h3o::{CellIndex, LatLng, Resolution};

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::geo::geojson::{Ring, polygon_rings, shape_value};
use crate::engine::functions::geo::sphere::{EARTH_RADIUS_METERS, Vec3, closest_on_arc};
use crate::engine::functions::geo::{number, optional_number, or_null};
use crate::engine::functions::{EvalCtx, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

/// The most cells a polygon may give (the page: 61680).
pub const MAX_CELLS: usize = 61_680;
/// The resolution when none is given (the page: 6).
const DEFAULT_RESOLUTION: f64 = 6.0;
/// How many points along the edges are looked at, at most, before the
/// covering is deemed too large.
const MAX_SAMPLES: usize = 16 * MAX_CELLS;

/// `geo_polygon_to_h3cells(polygon[, resolution[, radius]])`.
pub fn polygon_to_h3cells(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_polygon_to_h3cells", args, 1, 3)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null((|| {
            let polygons = polygon_rings(&shape_value(&v[0])?)?;
            let resolution = optional_number(v, 1, DEFAULT_RESOLUTION).filter(|r| (0.0..=15.0).contains(r))?;
            let resolution = Resolution::try_from(resolution as u8).ok()?;
            // A negative radius is invalid; the page gives no upper bound.
            let radius = match v.get(2) {
                None => 0.0,
                Some(value) => number(value).filter(|r| *r >= 0.0)?,
            };
            let cells = cover(&polygons, resolution, radius)?;
            Some(Value::Dynamic(Dyn::array(cells.into_iter().map(|cell| Dyn::str(&cell.to_string())).collect())))
        })()))
    })
}

/// The cells whose centre is inside one of the polygons (each a shell then
/// its holes) or within `radius` meters of one, in index order; `None`
/// past [`MAX_CELLS`].
pub fn cover(polygons: &[Vec<Ring>], resolution: Resolution, radius: f64) -> Option<BTreeSet<CellIndex>> {
    let region = Region { polygons, radius: radius / EARTH_RADIUS_METERS };
    // Seeds: the cells of points along every edge, a third of a cell edge apart.
    let step = resolution.edge_length_km() / 111.32 / 3.0;
    let mut seeds: HashSet<CellIndex> = HashSet::new();
    let mut samples = 0usize;
    for ring in polygons.iter().flatten() {
        for pair in ring.windows(2) {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            let count = (((x1 - x0).hypot(y1 - y0) / step).ceil() as usize).max(1);
            samples += count;
            if samples > MAX_SAMPLES {
                return None;
            }
            for k in 0..=count {
                let t = k as f64 / count as f64;
                let point = LatLng::new(y0 + t * (y1 - y0), x0 + t * (x1 - x0)).ok()?;
                seeds.insert(point.to_cell(resolution));
            }
        }
    }
    // Flood fill from the seeds and their neighbours through accepted cells.
    let mut visited: HashSet<CellIndex> = HashSet::new();
    let mut found: BTreeSet<CellIndex> = BTreeSet::new();
    let mut queue: Vec<CellIndex> = seeds.iter().flat_map(|seed| seed.grid_disk::<Vec<_>>(1)).collect();
    while let Some(cell) = queue.pop() {
        if !visited.insert(cell) {
            continue;
        }
        let center = LatLng::from(cell);
        if !region.accepts(center.lng(), center.lat()) {
            continue;
        }
        found.insert(cell);
        if found.len() > MAX_CELLS {
            return None;
        }
        queue.extend(cell.grid_disk::<Vec<_>>(1).into_iter().filter(|next| !visited.contains(next)));
    }
    Some(found)
}

/// The polygons, with the buffer radius in radians.
struct Region<'a> {
    polygons: &'a [Vec<Ring>],
    radius: f64,
}

impl Region<'_> {
    fn accepts(&self, longitude: f64, latitude: f64) -> bool {
        if self.polygons.iter().any(|rings| inside(rings, longitude, latitude)) {
            return true;
        }
        if self.radius <= 0.0 {
            return false;
        }
        let point = Vec3::from_degrees(longitude, latitude);
        self.polygons.iter().flatten().flat_map(|ring| ring.windows(2)).any(|pair| {
            let (a, b) = (Vec3::from_degrees(pair[0].0, pair[0].1), Vec3::from_degrees(pair[1].0, pair[1].1));
            point.angle(closest_on_arc(point, a, b)) <= self.radius
        })
    }
}

/// Whether a point is inside a polygon with straight edges in longitude
/// and latitude: an odd number of its rings' edges cross the ray east of
/// it (the even-odd rule, so holes take their area away).
fn inside(rings: &[Ring], longitude: f64, latitude: f64) -> bool {
    let mut crossings = 0;
    for ring in rings {
        for pair in ring.windows(2) {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            if (y0 > latitude) != (y1 > latitude) {
                let x = x0 + (latitude - y0) / (y1 - y0) * (x1 - x0);
                if x > longitude {
                    crossings += 1;
                }
            }
        }
    }
    crossings % 2 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn madrid() -> Vec<Vec<Ring>> {
        vec![vec![vec![(-3.659, 40.553), (-3.913, 40.409), (-3.729, 40.273), (-3.524, 40.440), (-3.659, 40.553)]]]
    }

    #[test]
    fn documented_cells_of_the_madrid_polygon() {
        let cells = cover(&madrid(), Resolution::Six, 0.0).expect("a covering");
        let mut tokens: Vec<String> = cells.iter().map(|cell| cell.to_string()).collect();
        tokens.sort();
        let mut documented = [
            "86390cb57ffffff",
            "86390cb0fffffff",
            "86390ca27ffffff",
            "86390cb87ffffff",
            "86390cb07ffffff",
            "86390ca2fffffff",
            "86390ca37ffffff",
            "86390cb17ffffff",
            "86390cb1fffffff",
            "86390cb8fffffff",
            "86390cba7ffffff",
            "86390ca07ffffff",
            "86390cbafffffff",
        ];
        documented.sort();
        assert_eq!(tokens, documented);
    }

    #[test]
    fn a_radius_adds_the_cells_around() {
        let bare = cover(&madrid(), Resolution::Six, 0.0).expect("a covering");
        let wide = cover(&madrid(), Resolution::Six, 5_000.0).expect("a covering");
        assert!(wide.len() > bare.len() && bare.is_subset(&wide));
    }

    #[test]
    fn a_hole_removes_its_cells_and_too_many_cells_give_none() {
        let shell = vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)];
        let hole = vec![(0.25, 0.25), (0.75, 0.25), (0.75, 0.75), (0.25, 0.75), (0.25, 0.25)];
        let full = cover(&[vec![shell.clone()]], Resolution::Seven, 0.0).expect("a covering");
        let holed = cover(&[vec![shell.clone(), hole]], Resolution::Seven, 0.0).expect("a covering");
        assert!(holed.len() < full.len() && holed.is_subset(&full));
        let middle = LatLng::new(0.5, 0.5).expect("a point").to_cell(Resolution::Seven);
        assert!(full.contains(&middle) && !holed.contains(&middle));
        assert_eq!(cover(&[vec![shell]], Resolution::Twelve, 0.0), None);
    }
}
