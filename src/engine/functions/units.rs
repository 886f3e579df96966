//! Data-size formatting: `format_bytes`.

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Value, format_real};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "format_bytes" => format_bytes,
        _ => return None,
    })
}

/// The units of `format_bytes`, each 1024 times the one before.
const BYTE_UNITS: [&str; 7] = ["Bytes", "KB", "MB", "GB", "TB", "PB", "EB"];

/// `format_bytes(size [, precision [, units]])`: `size` in the given unit
/// (or the largest unit it reaches at least 1 of), rounded to `precision`
/// decimals (default 0), then a space and the unit. An unknown unit or a
/// null size gives an empty string.
fn format_bytes(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("format_bytes", args, 1, 3)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        let Some(size) = v[0].as_f64().filter(|x| x.is_finite()) else { return Ok(Value::str("")) };
        let precision = v.get(1).and_then(Value::as_i64).unwrap_or(0).clamp(0, 15) as i32;
        let requested = v.get(2).map(Value::to_kql_string).unwrap_or_default();
        let unit = if requested.is_empty() {
            let mut unit = 0;
            while unit + 1 < BYTE_UNITS.len() && size.abs() >= 1024f64.powi(unit as i32 + 1) {
                unit += 1;
            }
            unit
        } else {
            match BYTE_UNITS.iter().position(|u| u.eq_ignore_ascii_case(&requested)) {
                Some(unit) => unit,
                None => return Ok(Value::str("")),
            }
        };
        let scaled = size / 1024f64.powi(unit as i32);
        let factor = 10f64.powi(precision);
        let rounded = (scaled * factor).round() / factor;
        Ok(Value::str(&format!("{} {}", format_real(rounded), BYTE_UNITS[unit])))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(args: &[Value]) -> String {
        let datums: Vec<Datum> =
            args.iter().map(|v| Datum::Scalar(v.clone(), v.scalar_type().unwrap_or(ScalarType::Real))).collect();
        format_bytes(&datums, &EvalCtx { rows: 1, now: 0 }).expect("a result").get(0).to_kql_string()
    }

    #[test]
    fn sizes_match_the_docs() {
        assert_eq!(call(&[Value::Long(564)]), "564 Bytes");
        assert_eq!(call(&[Value::Long(10332), Value::Long(1)]), "10.1 KB");
        assert_eq!(call(&[Value::Long(20010332)]), "19 MB");
        assert_eq!(call(&[Value::Long(20010332), Value::Long(2)]), "19.08 MB");
        assert_eq!(call(&[Value::Long(20010332), Value::Long(0), Value::str("KB")]), "19541 KB");
    }

    #[test]
    fn bad_input_gives_an_empty_string() {
        assert_eq!(call(&[Value::Null]), "");
        assert_eq!(call(&[Value::Long(1), Value::Long(0), Value::str("parsecs")]), "");
    }
}
