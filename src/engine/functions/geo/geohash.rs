//! Geohash cells: `geo_point_to_geohash`, `geo_geohash_to_central_point`,
//! `geo_geohash_to_polygon`, `geo_geohash_neighbors`. A geohash interleaves longitude and latitude
//! bisection bits (longitude first), five bits a base-32 character.

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::geo::{coordinate, geojson, optional_number, or_null};
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "geo_point_to_geohash" => point_to_geohash,
        "geo_geohash_to_central_point" => geohash_to_central_point,
        "geo_geohash_to_polygon" => geohash_to_polygon,
        "geo_geohash_neighbors" => geohash_neighbors,
        _ => return None,
    })
}

const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
/// The longest geohash Kusto makes (its accuracy range is [1, 18]).
const MAX_LENGTH: usize = 18;

/// The geohash of `length` characters of a valid coordinate.
pub fn encode(longitude: f64, latitude: f64, length: usize) -> String {
    let (mut west, mut east, mut south, mut north) = (-180.0, 180.0, -90.0, 90.0);
    let mut out = String::with_capacity(length);
    let mut even = true;
    for _ in 0..length {
        let mut index = 0;
        for _ in 0..5 {
            let bit = if even {
                let middle = (west + east) / 2.0;
                let high = longitude >= middle;
                if high {
                    west = middle
                } else {
                    east = middle
                }
                high
            } else {
                let middle = (south + north) / 2.0;
                let high = latitude >= middle;
                if high {
                    south = middle
                } else {
                    north = middle
                }
                high
            };
            index = (index << 1) | bit as usize;
            even = !even;
        }
        out.push(ALPHABET[index] as char);
    }
    out
}

/// The cell of a geohash: (west, south, east, north), or `None` when the
/// text is not a geohash of 1 to 18 characters.
pub fn decode(geohash: &str) -> Option<(f64, f64, f64, f64)> {
    if geohash.is_empty() || geohash.len() > MAX_LENGTH {
        return None;
    }
    let (mut west, mut east, mut south, mut north) = (-180.0, 180.0, -90.0, 90.0);
    let mut even = true;
    for byte in geohash.bytes() {
        let index = ALPHABET.iter().position(|&c| c == byte.to_ascii_lowercase())?;
        for shift in (0..5).rev() {
            let high = (index >> shift) & 1 == 1;
            if even {
                let middle = (west + east) / 2.0;
                if high { west = middle } else { east = middle }
            } else {
                let middle = (south + north) / 2.0;
                if high { south = middle } else { north = middle }
            }
            even = !even;
        }
    }
    Some((west, south, east, north))
}

fn point_to_geohash(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_point_to_geohash", args, 2, 3)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        Ok(or_null((|| {
            let (longitude, latitude) = coordinate(&v[0], &v[1])?;
            let accuracy = optional_number(v, 2, 5.0).filter(|a| (1.0..=MAX_LENGTH as f64).contains(a))?;
            Some(Value::str(&encode(longitude, latitude, accuracy as usize)))
        })()))
    })
}

fn geohash_to_central_point(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_geohash_to_central_point", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null((|| {
            let (west, south, east, north) = decode(&v[0].to_kql_string())?;
            Some(geojson::point((west + east) / 2.0, (south + north) / 2.0))
        })()))
    })
}

fn geohash_to_polygon(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_geohash_to_polygon", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null((|| {
            let (west, south, east, north) = decode(&v[0].to_kql_string())?;
            Some(geojson::ring_polygon(&[(west, south), (east, south), (east, north), (west, north)]))
        })()))
    })
}

/// The neighbor directions (longitude, latitude steps) in the order of the
/// documented example (`sunny`): south-west, north-west, south-east, north,
/// west, north-east, east, south.
const NEIGHBOR_STEPS: [(f64, f64); 8] =
    [(-1.0, -1.0), (-1.0, 1.0), (1.0, -1.0), (0.0, 1.0), (-1.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, -1.0)];

/// The geohashes of the same length around a cell: longitude wraps at the
/// antimeridian; there is nothing beyond a pole.
pub fn neighbors(geohash: &str) -> Option<Vec<String>> {
    let (west, south, east, north) = decode(geohash)?;
    let (width, height) = (east - west, north - south);
    let (center_x, center_y) = ((west + east) / 2.0, (south + north) / 2.0);
    let mut out: Vec<String> = Vec::with_capacity(8);
    for (dx, dy) in NEIGHBOR_STEPS {
        let latitude = center_y + dy * height;
        if !(-90.0..=90.0).contains(&latitude) {
            continue;
        }
        let mut longitude = center_x + dx * width;
        if longitude > 180.0 {
            longitude -= 360.0;
        } else if longitude < -180.0 {
            longitude += 360.0;
        }
        let neighbor = encode(longitude, latitude, geohash.len());
        if neighbor != geohash.to_ascii_lowercase() && !out.contains(&neighbor) {
            out.push(neighbor);
        }
    }
    Some(out)
}

fn geohash_neighbors(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_geohash_neighbors", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null((|| {
            let Value::String(geohash) = &v[0] else { return None };
            let cells = neighbors(geohash)?;
            Some(Value::Dynamic(Dyn::array(cells.iter().map(|c| Dyn::str(c)).collect())))
        })()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbors_of_sunny_are_the_documented_cells() {
        let expected = ["sunnt", "sunpj", "sunnx", "sunpn", "sunnv", "sunpp", "sunnz", "sunnw"];
        assert_eq!(neighbors("sunny"), Some(expected.iter().map(|s| s.to_string()).collect()));
        assert_eq!(neighbors("a"), None);
        assert_eq!(neighbors(""), None);
    }

    #[test]
    fn neighbors_wrap_at_the_antimeridian_and_stop_at_the_poles() {
        // `b` is the cell at [-180, -135] x [45, 90]: five neighbors, two across the antimeridian.
        let cells = neighbors("b").expect("a geohash");
        assert_eq!(cells.len(), 5, "{cells:?}");
        assert!(cells.contains(&"z".to_string()) && cells.contains(&"x".to_string()), "{cells:?}");
    }

    #[test]
    fn miami_at_accuracy_8() {
        assert_eq!(encode(-80.195829, 25.802215, 8), "dhwfz15h");
    }

    #[test]
    fn cell_bounds_of_a_documented_geohash() {
        assert_eq!(decode("dr5ru"), Some((-74.00390625, 40.7373046875, -73.9599609375, 40.78125)));
        assert_eq!(decode("a"), None);
    }
}
