//! S2 cells: `geo_point_to_s2cell`, `geo_s2cell_to_central_point`,
//! `geo_s2cell_to_polygon`, `geo_s2cell_neighbors`. A cell id is the cube face (3 bits) and the
//! position along a Hilbert curve over the face (2 bits a level), then a
//! one bit; the token is its hex form without trailing zeros, as in the
//! S2 library (`S2CellId::ToToken`), with its quadratic projection.

use std::sync::OnceLock;

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::geo::sphere::Vec3;
use crate::engine::functions::geo::{coordinate, geojson, optional_number, or_null};
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "geo_point_to_s2cell" => point_to_s2cell,
        "geo_s2cell_to_central_point" => s2cell_to_central_point,
        "geo_s2cell_to_polygon" => s2cell_to_polygon,
        "geo_s2cell_neighbors" => s2cell_neighbors,
        "geo_polygon_to_s2cells" => crate::engine::functions::geo::s2covering::polygon_to_s2cells,
        "geo_line_to_s2cells" => crate::engine::functions::geo::s2covering::line_to_s2cells,
        _ => return None,
    })
}

/// The finest level (leaf cells).
pub const MAX_LEVEL: u32 = 30;
/// Leaf cells along a face edge.
const MAX_SIZE: i64 = 1 << MAX_LEVEL;
const LOOKUP_BITS: u32 = 4;
const SWAP_MASK: usize = 1;
const INVERT_MASK: usize = 2;
const POS_TO_IJ: [[usize; 4]; 4] = [[0, 1, 3, 2], [0, 2, 3, 1], [3, 2, 0, 1], [3, 1, 0, 2]];
const POS_TO_ORIENTATION: [usize; 4] = [SWAP_MASK, 0, 0, INVERT_MASK | SWAP_MASK];

/// The Hilbert-curve tables of S2 (`lookup_pos`, `lookup_ij`) for 4-bit
/// blocks of i and j.
struct Tables {
    pos: Vec<u16>,
    ij: Vec<u16>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let size = 1 << (2 * LOOKUP_BITS + 2);
        let mut tables = Tables { pos: vec![0; size], ij: vec![0; size] };
        for orientation in [0, SWAP_MASK, INVERT_MASK, SWAP_MASK | INVERT_MASK] {
            init_lookup_cell(&mut tables, 0, 0, 0, orientation, 0, orientation);
        }
        tables
    })
}

fn init_lookup_cell(
    tables: &mut Tables,
    level: u32,
    i: usize,
    j: usize,
    origin: usize,
    pos: usize,
    orientation: usize,
) {
    if level == LOOKUP_BITS {
        let ij = (i << LOOKUP_BITS) + j;
        tables.pos[(ij << 2) + origin] = ((pos << 2) + orientation) as u16;
        tables.ij[(pos << 2) + origin] = ((ij << 2) + orientation) as u16;
        return;
    }
    let r = POS_TO_IJ[orientation];
    for (index, &step) in r.iter().enumerate() {
        init_lookup_cell(
            tables,
            level + 1,
            (i << 1) + (step >> 1),
            (j << 1) + (step & 1),
            origin,
            (pos << 2) + index,
            orientation ^ POS_TO_ORIENTATION[index],
        );
    }
}

/// The face of a point and its (u, v) coordinates on that face.
pub fn xyz_to_face_uv(p: Vec3) -> (u64, f64, f64) {
    let (ax, ay, az) = (p.x.abs(), p.y.abs(), p.z.abs());
    let mut face = if ax > ay {
        if ax > az { 0 } else { 2 }
    } else if ay > az {
        1
    } else {
        2
    };
    let component = [p.x, p.y, p.z][face];
    if component < 0.0 {
        face += 3;
    }
    let (u, v) = match face {
        0 => (p.y / p.x, p.z / p.x),
        1 => (-p.x / p.y, p.z / p.y),
        2 => (-p.x / p.z, -p.y / p.z),
        3 => (p.z / p.x, p.y / p.x),
        4 => (p.z / p.y, -p.x / p.y),
        _ => (-p.y / p.z, -p.x / p.z),
    };
    (face as u64, u, v)
}

/// The (unnormalized) point at (u, v) on a face.
pub fn face_uv_to_xyz(face: u64, u: f64, v: f64) -> Vec3 {
    match face {
        0 => Vec3::new(1.0, u, v),
        1 => Vec3::new(-u, 1.0, v),
        2 => Vec3::new(-u, -v, 1.0),
        3 => Vec3::new(-1.0, -v, -u),
        4 => Vec3::new(v, -1.0, -u),
        _ => Vec3::new(v, u, -1.0),
    }
}

fn uv_to_st(u: f64) -> f64 {
    if u >= 0.0 { 0.5 * (1.0 + 3.0 * u).sqrt() } else { 1.0 - 0.5 * (1.0 - 3.0 * u).sqrt() }
}

fn st_to_uv(s: f64) -> f64 {
    if s >= 0.5 { (4.0 * s * s - 1.0) / 3.0 } else { (1.0 - 4.0 * (1.0 - s) * (1.0 - s)) / 3.0 }
}

fn st_to_ij(s: f64) -> u64 {
    let max = (1u64 << MAX_LEVEL) as f64;
    (s * max).floor().clamp(0.0, max - 1.0) as u64
}

/// The leaf cell id (level 30) of a point.
pub fn leaf_id(point: Vec3) -> u64 {
    let (face, u, v) = xyz_to_face_uv(point);
    from_face_ij(face, st_to_ij(uv_to_st(u)), st_to_ij(uv_to_st(v)))
}

/// The leaf cell id at (i, j) on a face (S2CellId::FromFaceIJ).
fn from_face_ij(face: u64, i: u64, j: u64) -> u64 {
    let tables = tables();
    let mut n = face << 60;
    let mut bits = (face as usize) & SWAP_MASK;
    let mask = (1u64 << LOOKUP_BITS) - 1;
    for k in (0..8).rev() {
        bits += (((i >> (k * LOOKUP_BITS)) & mask) as usize) << (LOOKUP_BITS + 2);
        bits += (((j >> (k * LOOKUP_BITS)) & mask) as usize) << 2;
        bits = tables.pos[bits] as usize;
        n |= ((bits >> 2) as u64) << (k * 2 * LOOKUP_BITS);
        bits &= SWAP_MASK | INVERT_MASK;
    }
    n * 2 + 1
}

/// The ancestor of `id` at `level`.
pub fn parent(id: u64, level: u32) -> u64 {
    let lsb = 1u64 << (2 * (MAX_LEVEL - level));
    (id & lsb.wrapping_neg()) | lsb
}

/// The token of a cell id: hex without trailing zeros.
pub fn token(id: u64) -> String {
    let hex = format!("{id:016x}");
    hex.trim_end_matches('0').to_string()
}

/// The cell id of a token, when it names a valid cell.
pub fn parse_token(token: &str) -> Option<u64> {
    if token.is_empty() || token.len() > 16 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let id = u64::from_str_radix(token, 16).ok()? << (4 * (16 - token.len()));
    let valid = (id >> 61) < 6 && (id & id.wrapping_neg() & 0x1555_5555_5555_5555) != 0;
    valid.then_some(id)
}

/// The level of a valid cell id.
pub fn level(id: u64) -> u32 {
    MAX_LEVEL - id.trailing_zeros() / 2
}

/// The face and the (i, j) of a cell's lowest leaf corner.
fn face_ij(id: u64) -> (u64, u64, u64) {
    let tables = tables();
    let face = id >> 61;
    let (mut i, mut j) = (0u64, 0u64);
    let mut bits = (face as usize) & SWAP_MASK;
    for k in (0..8).rev() {
        let nbits = if k == 7 { MAX_LEVEL - 7 * LOOKUP_BITS } else { LOOKUP_BITS };
        bits += (((id >> (k * 2 * LOOKUP_BITS + 1)) & ((1 << (2 * nbits)) - 1)) as usize) << 2;
        bits = tables.ij[bits] as usize;
        i += ((bits >> (LOOKUP_BITS + 2)) as u64) << (k * LOOKUP_BITS);
        j += (((bits >> 2) & ((1 << LOOKUP_BITS) - 1)) as u64) << (k * LOOKUP_BITS);
        bits &= SWAP_MASK | INVERT_MASK;
    }
    (face, i, j)
}

/// The cell's face and its (u, v) bounds: (u0, u1, v0, v1).
pub fn cell_bounds(id: u64) -> (u64, [f64; 4]) {
    let (face, i, j) = face_ij(id);
    let size = 1u64 << (MAX_LEVEL - level(id));
    let (i0, j0) = (i & size.wrapping_neg(), j & size.wrapping_neg());
    let scale = (1u64 << MAX_LEVEL) as f64;
    let u = |ij: u64| st_to_uv(ij as f64 / scale);
    (face, [u(i0), u(i0 + size), u(j0), u(j0 + size)])
}

/// The leaf cell at (i, j) of a face, or, when (i, j) lies just beyond the
/// face, at the matching place on the adjacent face (S2CellId::FromFaceIJWrap).
fn from_face_ij_wrap(face: u64, i: i64, j: i64) -> u64 {
    let (i, j) = (i.clamp(-1, MAX_SIZE), j.clamp(-1, MAX_SIZE));
    let scale = 1.0 / MAX_SIZE as f64;
    let limit = 1.0 + f64::EPSILON;
    // The linear projection u = 2s - 1, kept barely outside the face.
    let u = (scale * (2 * (i - MAX_SIZE / 2) + 1) as f64).clamp(-limit, limit);
    let v = (scale * (2 * (j - MAX_SIZE / 2) + 1) as f64).clamp(-limit, limit);
    let (face, u, v) = xyz_to_face_uv(face_uv_to_xyz(face, u, v));
    from_face_ij(face, st_to_ij(0.5 * (u + 1.0)), st_to_ij(0.5 * (v + 1.0)))
}

fn from_face_ij_same(face: u64, i: i64, j: i64, same_face: bool) -> u64 {
    if same_face { from_face_ij(face, i as u64, j as u64) } else { from_face_ij_wrap(face, i, j) }
}

/// The cells of the same level around a cell, in S2's order
/// (S2CellId::AppendAllNeighbors): the two lower diagonals, below, above,
/// left, right, then the two upper diagonals. Near a cube corner a cell has
/// only seven distinct neighbours; a repeated one is kept once. The page's
/// example lists the same eight cells in another order, which it does not
/// explain (it matches no ordering of S2's neighbour functions).
pub fn neighbors(id: u64) -> Vec<u64> {
    let (face, i, j) = face_ij(id);
    let cell_level = level(id);
    let size = 1i64 << (MAX_LEVEL - cell_level);
    let (i, j) = (i as i64 & -size, j as i64 & -size);
    let mut out: Vec<u64> = Vec::with_capacity(8);
    let mut push = |leaf: u64| {
        let cell = parent(leaf, cell_level);
        if !out.contains(&cell) {
            out.push(cell);
        }
    };
    let mut k = -size;
    loop {
        let same_face = if k < 0 {
            j + k >= 0
        } else if k >= size {
            j + k < MAX_SIZE
        } else {
            push(from_face_ij_same(face, i + k, j - size, j - size >= 0));
            push(from_face_ij_same(face, i + k, j + size, j + size < MAX_SIZE));
            true
        };
        push(from_face_ij_same(face, i - size, j + k, same_face && i - size >= 0));
        push(from_face_ij_same(face, i + size, j + k, same_face && i + size < MAX_SIZE));
        if k >= size {
            break;
        }
        k += size;
    }
    out
}

fn point_to_s2cell(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_point_to_s2cell", args, 2, 3)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        Ok(or_null((|| {
            let (longitude, latitude) = coordinate(&v[0], &v[1])?;
            let level = optional_number(v, 2, 11.0).filter(|l| (0.0..=MAX_LEVEL as f64).contains(l))?;
            let id = parent(leaf_id(Vec3::from_degrees(longitude, latitude)), level as u32);
            Some(Value::str(&token(id)))
        })()))
    })
}

fn s2cell_to_central_point(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_s2cell_to_central_point", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null((|| {
            let (face, [u0, u1, v0, v1]) = cell_bounds(parse_token(&v[0].to_kql_string())?);
            // The centre in (s, t), as S2CellId::ToPoint takes it.
            let middle = |a: f64, b: f64| st_to_uv((uv_to_st(a) + uv_to_st(b)) / 2.0);
            let (longitude, latitude) = face_uv_to_xyz(face, middle(u0, u1), middle(v0, v1)).normalize().to_degrees();
            Some(geojson::point(longitude, latitude))
        })()))
    })
}

/// The cell's four vertices in S2's order (counter-clockwise), closed.
fn s2cell_to_polygon(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_s2cell_to_polygon", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null((|| {
            let (face, [u0, u1, v0, v1]) = cell_bounds(parse_token(&v[0].to_kql_string())?);
            let corners = [(u0, v0), (u1, v0), (u1, v1), (u0, v1)];
            let ring: Vec<(f64, f64)> =
                corners.iter().map(|&(u, v)| face_uv_to_xyz(face, u, v).normalize().to_degrees()).collect();
            Some(geojson::ring_polygon(&ring))
        })()))
    })
}

/// The eight cells around a cell (seven near a cube corner), same level.
fn s2cell_neighbors(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_s2cell_neighbors", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(or_null((|| {
            let id = parse_token(&v[0].to_kql_string())?;
            let cells = neighbors(id).into_iter().map(|cell| Dyn::str(&token(cell))).collect();
            Some(Value::Dynamic(Dyn::array(cells)))
        })()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(longitude: f64, latitude: f64, level: u32) -> String {
        token(parent(leaf_id(Vec3::from_degrees(longitude, latitude)), level))
    }

    #[test]
    fn documented_tokens() {
        assert_eq!(cell(-80.195829, 25.802215, 8), "88d9b");
        assert_eq!(cell(10.1234, 53.0, 8), "47b1d");
        assert_eq!(cell(10.6842, 53.0, 8), "47ae3");
    }

    #[test]
    fn documented_neighbors() {
        let id = parse_token("89c259").expect("a valid token");
        let mut cells: Vec<String> = neighbors(id).into_iter().map(token).collect();
        // The page lists them as 89c25d, 89c2f9, 89c251, 89c257, 89c25f,
        // 89c25b, 89c2f7, 89c2f5: the same cells in another order.
        cells.sort();
        assert_eq!(cells, ["89c251", "89c257", "89c25b", "89c25d", "89c25f", "89c2f5", "89c2f7", "89c2f9"]);
    }

    #[test]
    fn a_face_has_four_neighbours_and_a_corner_cell_seven() {
        // A level-0 face touches four faces along its edges; its diagonal
        // "neighbours" are those same faces.
        assert_eq!(neighbors(parse_token("1").expect("face 0")).len(), 4);
        let corner = parent(leaf_id(Vec3::new(1.0, 1.0, 1.0).normalize()), 10);
        let cells = neighbors(corner);
        assert_eq!(cells.len(), 7, "{cells:?}");
        assert!(cells.iter().all(|&cell| level(cell) == 10 && cell != corner));
    }

    #[test]
    fn tokens_round_trip_and_bad_ones_are_rejected() {
        let id = parse_token("89c259").expect("a valid token");
        assert_eq!(token(id), "89c259");
        assert_eq!(level(id), 10);
        assert_eq!(parse_token("a"), None);
        assert_eq!(parse_token("xyz"), None);
    }
}
