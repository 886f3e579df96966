//! `geo_from_wkt`: Well-Known Text to GeoJSON (points, lines, polygons,
//! their multi forms and geometry collections). Invalid text gives null.

use std::sync::Arc;

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::geo::geojson::{self, valid_coordinate};
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "geo_from_wkt" => from_wkt,
        _ => return None,
    })
}

fn from_wkt(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("geo_from_wkt", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(parse_wkt(&v[0].to_kql_string()).map(Value::Dynamic).unwrap_or(Value::Null))
    })
}

/// The GeoJSON of a WKT geometry.
pub fn parse_wkt(text: &str) -> Option<Dyn> {
    let mut parser = Parser { text: text.as_bytes(), at: 0, depth: 0 };
    let shape = parser.geometry()?;
    parser.skip_space();
    (parser.at == parser.text.len()).then_some(shape)
}

/// How deeply geometry collections may nest (bounds the recursion).
const MAX_DEPTH: usize = 32;

struct Parser<'a> {
    text: &'a [u8],
    at: usize,
    depth: usize,
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        while self.at < self.text.len() && self.text[self.at].is_ascii_whitespace() {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.skip_space();
        if self.text.get(self.at) == Some(&byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn word(&mut self) -> String {
        self.skip_space();
        let start = self.at;
        while self.at < self.text.len() && self.text[self.at].is_ascii_alphabetic() {
            self.at += 1;
        }
        String::from_utf8_lossy(&self.text[start..self.at]).to_ascii_uppercase()
    }

    fn number(&mut self) -> Option<f64> {
        self.skip_space();
        let start = self.at;
        while self.at < self.text.len() && matches!(self.text[self.at], b'0'..=b'9' | b'.' | b'-' | b'+' | b'e' | b'E')
        {
            self.at += 1;
        }
        std::str::from_utf8(&self.text[start..self.at]).ok()?.parse().ok().filter(|n: &f64| n.is_finite())
    }

    /// `x y`, a valid longitude and latitude.
    fn position(&mut self) -> Option<Dyn> {
        let (longitude, latitude) = (self.number()?, self.number()?);
        valid_coordinate(longitude, latitude).then(|| geojson::position(longitude, latitude))
    }

    /// `( item, item, ... )`.
    fn list(&mut self, mut item: impl FnMut(&mut Self) -> Option<Dyn>) -> Option<Dyn> {
        if !self.eat(b'(') {
            return None;
        }
        let mut items = vec![item(self)?];
        while self.eat(b',') {
            items.push(item(self)?);
        }
        self.eat(b')').then(|| Dyn::array(items))
    }

    /// A point of a MULTIPOINT: `x y` or `(x y)`.
    fn multipoint_member(&mut self) -> Option<Dyn> {
        if self.eat(b'(') {
            let position = self.position()?;
            return self.eat(b')').then_some(position);
        }
        self.position()
    }

    fn geometry(&mut self) -> Option<Dyn> {
        let kind = self.word();
        let (name, coordinates) = match kind.as_str() {
            "POINT" => {
                if !self.eat(b'(') {
                    return None;
                }
                let position = self.position()?;
                ("Point", self.eat(b')').then_some(position)?)
            }
            "LINESTRING" => ("LineString", self.list(Parser::position)?),
            "POLYGON" => ("Polygon", self.list(|p| p.list(Parser::position))?),
            "MULTIPOINT" => ("MultiPoint", self.list(Parser::multipoint_member)?),
            "MULTILINESTRING" => ("MultiLineString", self.list(|p| p.list(Parser::position))?),
            "MULTIPOLYGON" => ("MultiPolygon", self.list(|p| p.list(|q| q.list(Parser::position)))?),
            "GEOMETRYCOLLECTION" => {
                if self.depth >= MAX_DEPTH {
                    return None;
                }
                self.depth += 1;
                let geometries = self.list(Parser::geometry)?;
                self.depth -= 1;
                return Some(Dyn::bag(vec![
                    (Arc::from("type"), Dyn::str("GeometryCollection")),
                    (Arc::from("geometries"), geometries),
                ]));
            }
            _ => return None,
        };
        match geojson::geometry(name, coordinates) {
            Value::Dynamic(shape) => Some(shape),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_convert_to_geojson() {
        let json = |text: &str| parse_wkt(text).map(|d| d.to_json());
        assert_eq!(json("POINT (1 2)").as_deref(), Some(r#"{"type":"Point","coordinates":[1,2]}"#));
        assert_eq!(
            json("MULTIPOINT ((1 1), (2 2))").as_deref(),
            Some(r#"{"type":"MultiPoint","coordinates":[[1,1],[2,2]]}"#)
        );
        assert_eq!(json("LINESTRING"), None);
        assert_eq!(json("POINT (1 2) x"), None);
        assert_eq!(json("POINT (1 200)"), None);
        let deep = "GEOMETRYCOLLECTION (".repeat(10_000);
        assert_eq!(json(&deep), None);
    }
}
