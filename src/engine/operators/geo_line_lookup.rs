//! `evaluate geo_line_lookup(LookupTable, LookupLineKey, SourceLongitude,
//! SourceLatitude, Radius [, return_unmatched] [, lookup_area_radius]
//! [, return_lookup_key])`: joins each input location to the lookup rows
//! whose line (or multiline) lies within `Radius` meters of it
//! (`geo_distance_point_to_line`). The join, the schema and the optional
//! arguments are `geo_polygon_lookup`'s; here the radius is required.

use crate::engine::error::ExecResult;
use crate::engine::exec::Executor;
use crate::engine::operators::evaluate::check_arity;
use crate::engine::operators::geo_polygon_lookup::{LookupKind, run_lookup};
use crate::engine::scope::Env;
use crate::engine::table::Table;
use crate::syntax::ast::Expr;
use crate::text::Span;

pub(crate) const SYNTAX: &str = "geo_line_lookup(LookupTable, LookupLineKey, SourceLongitude, SourceLatitude, \
                                 Radius [, return_unmatched] [, lookup_area_radius] [, return_lookup_key])";

/// Runs `geo_line_lookup` on `input`.
pub fn run<'q>(exec: &Executor<'q>, span: Span, args: &'q [Expr], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    check_arity(args, 5, "geo_line_lookup", SYNTAX, span)?;
    run_lookup(exec, LookupKind::Line, args, input, env)
}

#[cfg(test)]
mod tests {
    use crate::engine::operators::test_support::{run_error, run_query};

    const ROADS: &str = "let Roads = datatable(road: string, line: dynamic) [\
        'equator', dynamic({'type':'LineString','coordinates':[[0,0],[1,0]]}),\
        'meridians', dynamic({'type':'MultiLineString','coordinates':[[[0,0],[0,1]],[[1,0],[1,1]]]})];";
    const PLACES: &str = "datatable(name: string, lng: real, lat: real) ['corner', 0.0, 0.0005, 'middle', 0.5, 0.5, 'east', 1.0005, 0.5]";

    #[test]
    fn locations_within_the_radius_match_every_near_line() {
        let out = run_query(&format!("{ROADS} {PLACES} | evaluate geo_line_lookup(Roads, line, lng, lat, 100)"));
        assert_eq!(
            out,
            "name:string,lng:real,lat:real,road:string\ncorner,0,0.0005,equator\ncorner,0,0.0005,meridians\neast,1.0005,0.5,meridians\n"
        );
    }

    #[test]
    fn unmatched_rows_and_the_key_are_returned_on_request() {
        let out = run_query(&format!(
            "{ROADS} {PLACES} | where name == 'middle' | evaluate geo_line_lookup(Roads, line, lng, lat, 10, return_unmatched = true, return_lookup_key = true)"
        ));
        assert_eq!(out, "name:string,lng:real,lat:real,road:string,line:dynamic\nmiddle,0.5,0.5,,\n");
    }

    #[test]
    fn the_radius_is_required() {
        let error = run_error(&format!("{ROADS} {PLACES} | evaluate geo_line_lookup(Roads, line, lng, lat)"));
        assert!(error.contains("at least 5"), "{error}");
        let error = run_error(&format!(
            "{ROADS} {PLACES} | evaluate geo_line_lookup(Roads, line, lng, lat, return_unmatched = true)"
        ));
        assert!(error.contains("radius"), "{error}");
    }
}
