//! H3 cells, with the `h3o` crate (a pure-Rust port of Uber's H3):
//! `geo_point_to_h3cell`, `geo_h3cell_to_central_point`,
//! `geo_h3cell_to_polygon`, `geo_h3cell_parent`, `geo_h3cell_children`,
//! `geo_h3cell_level`, `geo_h3cell_rings`, `geo_h3cell_neighbors`.

use std::str::FromStr;

use h3o::{CellIndex, LatLng, Resolution};

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::geo::{coordinate, geojson, number, optional_number, or_null};
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "geo_point_to_h3cell" => point_to_h3cell,
        "geo_h3cell_to_central_point" => h3cell_to_central_point,
        "geo_h3cell_to_polygon" => h3cell_to_polygon,
        "geo_h3cell_parent" => h3cell_parent,
        "geo_h3cell_children" => h3cell_children,
        "geo_h3cell_level" => h3cell_level,
        "geo_h3cell_rings" => h3cell_rings,
        "geo_h3cell_neighbors" => h3cell_neighbors,
        "geo_polygon_to_h3cells" => crate::engine::functions::geo::h3covering::polygon_to_h3cells,
        _ => return None,
    })
}

/// The largest ring distance `geo_h3cell_rings` accepts (the docs: [0, 142]).
const MAX_RING_DISTANCE: f64 = 142.0;
/// The most levels `geo_h3cell_children` descends (the docs: at most 5).
const MAX_CHILDREN_DEPTH: u8 = 5;

fn cell(value: &Value) -> Option<CellIndex> {
    CellIndex::from_str(&value.to_kql_string()).ok()
}

fn resolution(value: f64) -> Option<Resolution> {
    (0.0..=15.0).contains(&value).then(|| Resolution::try_from(value as u8).ok()).flatten()
}

fn cell_array(cells: impl IntoIterator<Item = CellIndex>) -> Dyn {
    Dyn::array(cells.into_iter().map(|c| Dyn::str(&c.to_string())).collect())
}

fn point_to_h3cell(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_point_to_h3cell", args, 2, 3)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        Ok(or_null((|| {
            let (longitude, latitude) = coordinate(&v[0], &v[1])?;
            let resolution = resolution(optional_number(v, 2, 6.0)?)?;
            let point = LatLng::new(latitude, longitude).ok()?;
            Some(Value::str(&point.to_cell(resolution).to_string()))
        })()))
    })
}

fn h3cell_to_central_point(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_h3cell_to_central_point", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null((|| {
            let center = LatLng::from(cell(&v[0])?);
            Some(geojson::point(center.lng(), center.lat()))
        })()))
    })
}

fn h3cell_to_polygon(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_h3cell_to_polygon", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null((|| {
            let boundary = cell(&v[0])?.boundary();
            let ring: Vec<(f64, f64)> = boundary.iter().map(|p| (p.lng(), p.lat())).collect();
            Some(geojson::ring_polygon(&ring))
        })()))
    })
}

/// The parent at a coarser resolution (default: one level up); empty when
/// the cell or the resolution is invalid. The page gives the resolution
/// range [0, 14] and an empty result for one finer than the cell's; the
/// cell's own resolution gives the cell, as H3's `cellToParent` does.
fn h3cell_parent(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_h3cell_parent", args, 1, 2)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        Ok(or_null((|| {
            let cell = cell(&v[0])?;
            let level = u8::from(cell.resolution()) as f64;
            let requested = optional_number(v, 1, level - 1.0).filter(|r| *r <= 14.0)?;
            let resolution = resolution(requested)?;
            Some(Value::str(&cell.parent(resolution)?.to_string()))
        })()))
    })
}

/// The children at a finer resolution (default: one level down), at most
/// five levels down; null otherwise. The page gives the resolution range
/// [1, 15] and null for a resolution lower than the cell's; the cell's own
/// resolution gives the cell itself, as H3's `cellToChildren` does.
fn h3cell_children(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_h3cell_children", args, 1, 2)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null((|| {
            let cell = cell(&v[0])?;
            let level = u8::from(cell.resolution());
            let requested = optional_number(v, 1, level as f64 + 1.0).filter(|r| *r >= 1.0)?;
            let resolution = resolution(requested)?;
            let depth = u8::from(resolution).checked_sub(level)?;
            if depth > MAX_CHILDREN_DEPTH {
                return None;
            }
            Some(Value::Dynamic(cell_array(cell.children(resolution))))
        })()))
    })
}

fn h3cell_level(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_h3cell_level", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Int, |v| {
        Ok(or_null(cell(&v[0]).map(|cell| Value::Int(u8::from(cell.resolution()) as i32))))
    })
}

/// The cells at each grid distance 0..=`distance`, ring by ring, in H3's
/// order (pentagon distortion can leave a cell out).
fn rings(cell: CellIndex, distance: u32) -> Vec<Vec<CellIndex>> {
    let mut rings = vec![Vec::new(); distance as usize + 1];
    for (member, ring) in cell.grid_disk_distances::<Vec<_>>(distance) {
        if let Some(slot) = rings.get_mut(ring as usize) {
            slot.push(member);
        }
    }
    rings
}

fn h3cell_rings(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_h3cell_rings", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null((|| {
            let cell = cell(&v[0])?;
            let distance = number(&v[1]).filter(|d| (0.0..=MAX_RING_DISTANCE).contains(d))? as u32;
            let rings = rings(cell, distance).into_iter().map(cell_array).collect();
            Some(Value::Dynamic(Dyn::array(rings)))
        })()))
    })
}

fn h3cell_neighbors(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_h3cell_neighbors", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null((|| {
            let mut rings = rings(cell(&v[0])?, 1);
            Some(Value::Dynamic(cell_array(rings.pop()?)))
        })()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn children(token: &str, resolution: f64) -> Value {
        let args = [
            Datum::Scalar(Value::str(token), ScalarType::String),
            Datum::Scalar(Value::Real(resolution), ScalarType::Real),
        ];
        h3cell_children(&args, &EvalCtx { rows: 1, now: 0 }).expect("a result").get(0)
    }

    #[test]
    fn parent_resolution_is_zero_to_fourteen_and_not_above_the_cell() {
        let parent = |token: &str, resolution: f64| {
            let args = [
                Datum::Scalar(Value::str(token), ScalarType::String),
                Datum::Scalar(Value::Real(resolution), ScalarType::Real),
            ];
            h3cell_parent(&args, &EvalCtx { rows: 1, now: 0 }).expect("a result").get(0)
        };
        // A string result is never null in Kusto: empty.
        let empty = |value: Value| value.is_null() || value == Value::str("");
        let leaf = LatLng::new(1.0, 1.0).expect("a point").to_cell(Resolution::Fifteen).to_string();
        assert!(empty(parent(&leaf, 15.0)));
        assert_eq!(parent("862a1072fffffff", 6.0), Value::str("862a1072fffffff"));
        assert!(empty(parent("862a1072fffffff", 7.0)));
    }

    #[test]
    fn children_resolution_is_one_to_fifteen_and_not_below_the_cell() {
        assert!(children("802bfffffffffff", 0.0).is_null());
        assert_eq!(children("862a1072fffffff", 6.0).to_kql_string(), r#"["862a1072fffffff"]"#);
        assert!(children("862a1072fffffff", 5.0).is_null());
    }

    #[test]
    fn documented_ring_order() {
        let cell = CellIndex::from_str("861f8894fffffff").expect("a cell");
        let ring: Vec<String> = rings(cell, 1)[1].iter().map(|c| c.to_string()).collect();
        assert_eq!(
            ring,
            [
                "861f88947ffffff",
                "861f8895fffffff",
                "861f88867ffffff",
                "861f8d497ffffff",
                "861f8d4b7ffffff",
                "861f8896fffffff"
            ]
        );
    }
}
