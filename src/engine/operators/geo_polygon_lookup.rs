//! `evaluate geo_polygon_lookup(LookupTable, LookupPolygonKey, SourceLongitude,
//! SourceLatitude [, radius] [, return_unmatched] [, lookup_area_radius]
//! [, return_lookup_key])`: joins each input location to the lookup rows
//! whose polygon contains it (`geo_point_in_polygon`), or, when `radius` is
//! set, lies within `radius` meters of it (`geo_distance_point_to_polygon`).
//! `geo_line_lookup` (in its own file) shares the join here.
//!
//! As documented: the schema is the input's columns, then the lookup
//! table's (as with `lookup`; a name taken already gets a numeric suffix),
//! leaving out the lookup key column unless `return_lookup_key` is true.
//! Unmatched rows are dropped unless `return_unmatched` is true, when they
//! are kept with nulls. `lookup_area_radius` only tunes Kusto's matching
//! ("it does not affect query correctness"), so it is checked and ignored.
//! An invalid location or shape matches nothing. Arguments after the fourth
//! are positional in that order, or named.

use std::sync::Arc;

use crate::engine::column::Column;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::functions::geo::geojson::{Polygon, parse_lines, parse_polygons, shape_value};
use crate::engine::functions::geo::points::{distance_to_lines, distance_to_polygons};
use crate::engine::functions::geo::sphere::{EARTH_RADIUS_METERS, Vec3};
use crate::engine::functions::geo::{coordinate, number};
use crate::engine::operators::evaluate::{check_arity, lookup_pairs};
use crate::engine::operators::join::take_optional;
use crate::engine::operators::push_unique;
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::Value;
use crate::syntax::ast::{Expr, ExprKind};
use crate::text::Span;

const SYNTAX: &str = "geo_polygon_lookup(LookupTable, LookupPolygonKey, SourceLongitude, SourceLatitude \
                      [, radius] [, return_unmatched] [, lookup_area_radius] [, return_lookup_key])";

/// Runs `geo_polygon_lookup` on `input`.
pub fn run<'q>(exec: &Executor<'q>, span: Span, args: &'q [Expr], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    check_arity(args, 4, "geo_polygon_lookup", SYNTAX, span)?;
    run_lookup(exec, LookupKind::Polygon, args, input, env)
}

/// The two geo lookup plugins.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum LookupKind {
    Polygon,
    Line,
}

impl LookupKind {
    fn plugin(self) -> &'static str {
        match self {
            LookupKind::Polygon => "geo_polygon_lookup",
            LookupKind::Line => "geo_line_lookup",
        }
    }

    fn syntax(self) -> &'static str {
        match self {
            LookupKind::Polygon => SYNTAX,
            LookupKind::Line => crate::engine::operators::geo_line_lookup::SYNTAX,
        }
    }
}

/// The optional parameters, by position after the four fixed ones.
const OPTIONAL: [&str; 4] = ["radius", "return_unmatched", "lookup_area_radius", "return_lookup_key"];

/// A lookup shape, ready to test locations against.
enum Shape {
    Polygons(Vec<Polygon>),
    Lines(Vec<Vec<Vec3>>),
}

/// A lookup row's shape, with a cap (center, angular radius) holding it,
/// to skip far locations quickly.
struct Entry {
    row: usize,
    shape: Shape,
    cap: Option<(Vec3, f64)>,
    /// The match radius in radians (`None`: containment only).
    radius: Option<f64>,
}

/// The radius argument: one value, or a column of the lookup table.
enum Radius {
    Absent,
    Constant(f64),
    PerRow(Arc<Column>),
}

/// The join both plugins run.
pub(crate) fn run_lookup<'q>(
    exec: &Executor<'q>,
    kind: LookupKind,
    args: &'q [Expr],
    input: &Table,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let plugin = kind.plugin();
    let lookup = exec.eval_table(&args[0], env)?;
    let key_expr = &args[1];
    let ExprKind::Name(key_name) = &key_expr.kind else {
        return Err(ExecError::runtime(format!("the `{plugin}` lookup key is a column of the lookup table"))
            .at(key_expr.span)
            .with_help(format!("write `evaluate {}`", kind.syntax())));
    };
    let keys = lookup.column(&key_name.name).ok_or_else(|| {
        ExecError::new(
            crate::diagnostics::Code::UnknownColumn,
            format!("the lookup table has no column `{}`", key_name.name),
        )
        .at(key_expr.span)
    })?;
    let longitudes = exec.eval_column(&args[2], input, env)?;
    let latitudes = exec.eval_column(&args[3], input, env)?;

    // The optional arguments, positional or named.
    let mut optional: [Option<&'q Expr>; 4] = [None; 4];
    for (index, arg) in args.iter().enumerate().skip(4) {
        let slot = match &arg.kind {
            ExprKind::NamedArg { name, value } => {
                let position = OPTIONAL.iter().position(|p| p.eq_ignore_ascii_case(&name.name)).ok_or_else(|| {
                    ExecError::runtime(format!("`{plugin}` has no parameter `{}`", name.name))
                        .at(name.span)
                        .with_help(format!("write `evaluate {}`", kind.syntax()))
                })?;
                (position, value.as_ref())
            }
            _ if index < 8 => (index - 4, arg),
            _ => {
                return Err(ExecError::runtime(format!("`{plugin}` takes at most eight arguments"))
                    .at(arg.span)
                    .with_help(format!("write `evaluate {}`", kind.syntax())));
            }
        };
        optional[slot.0] = Some(slot.1);
    }
    let radius = match optional[0] {
        None => Radius::Absent,
        Some(expr) => match &expr.kind {
            ExprKind::Name(ident) if lookup.column(&ident.name).is_some() => {
                Radius::PerRow(lookup.column(&ident.name).expect("checked above").clone())
            }
            _ => {
                let value = exec.eval_scalar(expr, env)?.0;
                match number(&value).filter(|r| *r >= 0.0) {
                    Some(radius) => Radius::Constant(radius),
                    None => {
                        return Err(ExecError::runtime(format!(
                            "the `{plugin}` radius is a non-negative number of meters, not `{}`",
                            value.to_kql_string()
                        ))
                        .at(expr.span));
                    }
                }
            }
        },
    };
    if kind == LookupKind::Line && matches!(radius, Radius::Absent) {
        return Err(ExecError::new(
            crate::diagnostics::Code::WrongArgumentCount,
            "`geo_line_lookup` needs the radius, in meters, within which a location matches a line",
        )
        .at(args[3].span)
        .with_help(format!("write `evaluate {}`", kind.syntax())));
    }
    let return_unmatched = flag(exec, optional[1], "return_unmatched", env)?;
    if let Some(expr) = optional[2] {
        let value = exec.eval_scalar(expr, env)?.0;
        if !value.is_null() && number(&value).is_none_or(|r| r < 0.0) {
            return Err(ExecError::runtime(format!(
                "`lookup_area_radius` is a non-negative number of meters, not `{}`",
                value.to_kql_string()
            ))
            .at(expr.span));
        }
    }
    let return_lookup_key = flag(exec, optional[3], "return_lookup_key", env)?;

    let entries: Vec<Entry> = (0..lookup.rows).filter_map(|row| entry(kind, row, &keys.get(row), &radius)).collect();
    let (input_rows, lookup_rows) = lookup_pairs(exec, input.rows, return_unmatched, |row, matches| {
        let Some((longitude, latitude)) = coordinate(&longitudes.get(row), &latitudes.get(row)) else { return };
        let point = Vec3::from_degrees(longitude, latitude);
        matches.extend(entries.iter().filter(|entry| entry.matches(point)).map(|entry| entry.row));
    })?;
    let mut fields: Vec<Field> = input
        .fields
        .iter()
        .map(|f| Field { name: f.name.clone(), column: Arc::new(f.column.take(&input_rows)) })
        .collect();
    for field in &lookup.fields {
        if field.name == key_name.name && !return_lookup_key {
            continue;
        }
        push_unique(
            &mut fields,
            Field { name: field.name.clone(), column: Arc::new(take_optional(&field.column, &lookup_rows)) },
        );
    }
    Ok(Table::from_fields(fields, input_rows.len()))
}

/// A boolean flag argument (false when absent).
fn flag<'q>(exec: &Executor<'q>, expr: Option<&'q Expr>, name: &str, env: &Env<'q>) -> ExecResult<bool> {
    let Some(expr) = expr else { return Ok(false) };
    match exec.eval_scalar(expr, env)?.0 {
        Value::Bool(flag) => Ok(flag),
        Value::Null => Ok(false),
        other => Err(ExecError::runtime(format!("`{name}` is a bool, not `{}`", other.to_kql_string())).at(expr.span)),
    }
}

/// The entry of a lookup row, `None` when its shape (or radius) is invalid.
fn entry(kind: LookupKind, row: usize, key: &Value, radius: &Radius) -> Option<Entry> {
    let shape_json = shape_value(key)?;
    let radius_meters = match radius {
        Radius::Absent => None,
        Radius::Constant(radius) => Some(*radius),
        Radius::PerRow(column) => Some(number(&column.get(row)).filter(|r| *r >= 0.0)?),
    };
    let (shape, vertices): (Shape, Vec<Vec3>) = match kind {
        LookupKind::Polygon => {
            let polygons = parse_polygons(&shape_json)?;
            let vertices = polygons.iter().flat_map(|p| p.shell.vertices.iter().copied()).collect();
            (Shape::Polygons(polygons), vertices)
        }
        LookupKind::Line => {
            let lines: Vec<Vec<Vec3>> = parse_lines(&shape_json)?
                .iter()
                .map(|line| line.iter().map(|&(x, y)| Vec3::from_degrees(x, y)).collect())
                .collect();
            let vertices = lines.iter().flatten().copied().collect();
            (Shape::Lines(lines), vertices)
        }
    };
    Some(Entry { row, shape, cap: cap(&vertices), radius: radius_meters.map(|r| r / EARTH_RADIUS_METERS) })
}

/// A cap holding every vertex, when it is smaller than a hemisphere: such a
/// cap is convex, so it holds the geodesic edges and the smaller region
/// they bound too.
fn cap(vertices: &[Vec3]) -> Option<(Vec3, f64)> {
    let center = vertices.iter().fold(Vec3::ZERO, |sum, v| sum.plus(*v)).normalize();
    if center.norm() == 0.0 {
        return None;
    }
    let radius = vertices.iter().map(|v| center.angle(*v)).fold(0.0, f64::max);
    // A margin for rounding: the cap only skips work, it must never skip a match.
    (radius < std::f64::consts::FRAC_PI_2 * 0.99).then_some((center, radius + 1e-9))
}

impl Entry {
    fn matches(&self, point: Vec3) -> bool {
        if let Some((center, cap_radius)) = self.cap
            && center.angle(point) > cap_radius + self.radius.unwrap_or(0.0)
        {
            return false;
        }
        match (&self.shape, self.radius) {
            (Shape::Polygons(polygons), None) => polygons.iter().any(|polygon| polygon.contains(point)),
            (Shape::Polygons(polygons), Some(radius)) => distance_to_polygons(point, polygons) <= radius,
            (Shape::Lines(lines), radius) => distance_to_lines(point, lines) <= radius.unwrap_or(0.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::operators::test_support::{run_error, run_query};

    const ZONES: &str = "let Zones = datatable(zone: string, shape: dynamic) [\
        'square', dynamic({'type':'Polygon','coordinates':[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}),\
        'far', dynamic({'type':'Polygon','coordinates':[[[50,50],[51,50],[51,51],[50,51],[50,50]]]}),\
        'bad', dynamic({'type':'Polygon','coordinates':[[[0,0],[1,1]]]})];";
    const PLACES: &str = "datatable(name: string, lng: real, lat: real) ['inside', 0.5, 0.5, 'near', 1.001, 0.5, 'nowhere', 20, 20, 'invalid', 500, 0]";

    #[test]
    fn contained_locations_match_without_the_key_column() {
        let out = run_query(&format!("{ZONES} {PLACES} | evaluate geo_polygon_lookup(Zones, shape, lng, lat)"));
        assert_eq!(out, "name:string,lng:real,lat:real,zone:string\ninside,0.5,0.5,square\n");
    }

    #[test]
    fn radius_matches_nearby_locations_and_unmatched_rows_are_kept_on_request() {
        let out = run_query(&format!(
            "{ZONES} {PLACES} | evaluate geo_polygon_lookup(Zones, shape, lng, lat, radius = 200, return_unmatched = true)"
        ));
        assert_eq!(
            out,
            "name:string,lng:real,lat:real,zone:string\ninside,0.5,0.5,square\nnear,1.001,0.5,square\nnowhere,20,20,\ninvalid,500,0,\n"
        );
    }

    #[test]
    fn return_lookup_key_keeps_the_key_column_positionally() {
        let out = run_query(&format!(
            "{ZONES} {PLACES} | where name == 'inside' | evaluate geo_polygon_lookup(Zones, shape, lng, lat, 0, false, 1000, true) | project zone, tostring(shape)"
        ));
        assert!(out.starts_with("zone:string,shape:string\nsquare,{\"type\":\"Polygon\""), "{out}");
    }

    #[test]
    fn clashing_lookup_columns_get_a_suffix() {
        let out = run_query(
            "let L = datatable(lng: real, s: dynamic) [1, dynamic({'type':'Polygon','coordinates':[[[0,0],[1,0],[1,1],[0,1],[0,0]]]})]; \
             print lng = 0.5, lat = 0.5 | evaluate geo_polygon_lookup(L, s, lng, lat)",
        );
        assert_eq!(out, "lng:real,lat:real,lng1:real\n0.5,0.5,1\n");
    }

    #[test]
    fn bad_arguments_are_errors() {
        let error = run_error(&format!("{ZONES} {PLACES} | evaluate geo_polygon_lookup(Zones, nope, lng, lat)"));
        assert!(error.contains("`nope`"), "{error}");
        let error = run_error(&format!("{ZONES} {PLACES} | evaluate geo_polygon_lookup(Zones, shape, lng, lat, -1)"));
        assert!(error.contains("non-negative"), "{error}");
        let error =
            run_error(&format!("{ZONES} {PLACES} | evaluate geo_polygon_lookup(Zones, shape, lng, lat, colour = 1)"));
        assert!(error.contains("`colour`"), "{error}");
        let error = run_error(&format!("{ZONES} {PLACES} | evaluate geo_polygon_lookup(Zones, shape, lng)"));
        assert!(error.contains("at least 4"), "{error}");
    }
}
