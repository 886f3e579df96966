//! Conversion and conditional functions: `tostring`, `toint`, `todatetime`,
//! `parse_json`, `iff`, `case`, `coalesce`, `isnull`, `gettype`, ...

use std::sync::Arc;

use crate::engine::column::{Column, Prim, StringsBuilder};
use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;
use crate::syntax::literal;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "tostring" => tostring,
        "toint" => toint,
        "tolong" => tolong,
        "toreal" | "todouble" => toreal,
        "tobool" | "toboolean" => tobool,
        "todatetime" => todatetime,
        "totimespan" | "time" | "totime" => totimespan,
        "toguid" => toguid,
        "todecimal" => todecimal,
        "todynamic" | "parse_json" | "parsejson" | "toobject" => todynamic,
        "isnull" => isnull,
        "isnotnull" | "notnull" => isnotnull,
        "iff" | "iif" => iff,
        "case" => case,
        "coalesce" => coalesce,
        "gettype" => gettype,
        "not" => not,
        _ => return None,
    })
}

/// Converts text to a value of type `ty` (null when it does not parse).
pub fn convert_string(text: &str, ty: ScalarType) -> Value {
    let trimmed = text.trim();
    match ty {
        ScalarType::String => Value::str(text),
        ScalarType::Bool => match trimmed.to_ascii_lowercase().as_str() {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => Value::Null,
        },
        ScalarType::Int => parse_integer(trimmed).and_then(|i| i32::try_from(i).ok()).map_or(Value::Null, Value::Int),
        ScalarType::Long => parse_integer(trimmed).map_or(Value::Null, Value::Long),
        ScalarType::Real => parse_real(trimmed).map_or(Value::Null, Value::Real),
        ScalarType::Decimal => trimmed
            .parse::<rust_decimal::Decimal>()
            .ok()
            .or_else(|| rust_decimal::Decimal::from_scientific(trimmed).ok())
            .map_or(Value::Null, Value::Decimal),
        ScalarType::DateTime => literal::parse_datetime(trimmed).map_or(Value::Null, Value::DateTime),
        ScalarType::TimeSpan => literal::parse_timespan(trimmed).map_or(Value::Null, Value::TimeSpan),
        ScalarType::Guid => literal::parse_guid(trimmed).map_or(Value::Null, Value::Guid),
        ScalarType::Dynamic => Value::Dynamic(Dyn::parse_json(text)),
    }
}

fn parse_integer(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().or_else(|| {
        let real = parse_real(text)?;
        (real.is_finite() && real.abs() < 9.2e18).then_some(real.trunc() as i64)
    })
}

fn parse_real(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "Infinity" | "+Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ if text.chars().any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E') => None,
        _ => text.parse::<f64>().ok(),
    }
}

/// Converts any value to `ty` the way the `to*` functions do.
pub fn convert(value: &Value, ty: ScalarType) -> Value {
    match (value, ty) {
        (Value::Null, _) | (Value::Dynamic(Dyn::Null), _) => Value::Null,
        (Value::String(text), _) => convert_string(text, ty),
        (Value::Dynamic(Dyn::String(text)), _) if ty != ScalarType::Dynamic => convert_string(text, ty),
        (Value::Dynamic(d), ScalarType::String) => Value::str(&d.to_kql_string()),
        (Value::Dynamic(Dyn::Array(_) | Dyn::Bag(_)), _) if ty != ScalarType::Dynamic => Value::Null,
        (Value::Dynamic(d), _) if ty != ScalarType::Dynamic => convert(&d.to_value(), ty),
        (_, ScalarType::String) => Value::str(&value.to_kql_string()),
        (_, ScalarType::Dynamic) => Value::Dynamic(value.to_dyn()),
        (Value::Bool(b), ScalarType::Int) => Value::Int(*b as i32),
        (Value::Bool(b), ScalarType::Long) => Value::Long(*b as i64),
        (Value::Bool(b), ScalarType::Real) => Value::Real(*b as i64 as f64),
        (Value::Bool(_), ScalarType::Bool) => value.clone(),
        (_, ScalarType::Bool) => value.as_f64().map_or(Value::Null, |f| Value::Bool(f != 0.0)),
        (Value::DateTime(t) | Value::TimeSpan(t), ScalarType::Long) => Value::Long(*t),
        (Value::DateTime(t) | Value::TimeSpan(t), ScalarType::Real) => Value::Real(*t as f64),
        (Value::DateTime(_), ScalarType::DateTime) | (Value::TimeSpan(_), ScalarType::TimeSpan) => value.clone(),
        (Value::Long(t), ScalarType::DateTime) => Value::DateTime(*t),
        (Value::Long(t), ScalarType::TimeSpan) => Value::TimeSpan(*t),
        (Value::Int(t), ScalarType::TimeSpan) => Value::TimeSpan(*t as i64),
        (Value::Real(t), ScalarType::TimeSpan) => Value::TimeSpan(*t as i64),
        (_, ScalarType::Int) => value.as_i64().and_then(|i| i32::try_from(i).ok()).map_or(Value::Null, Value::Int),
        (_, ScalarType::Long) => value.as_i64().map_or(Value::Null, Value::Long),
        (_, ScalarType::Real) => value.as_f64().map_or(Value::Null, Value::Real),
        (Value::Guid(_), ScalarType::Guid) => value.clone(),
        (_, ScalarType::Decimal) => match value {
            Value::Decimal(_) => value.clone(),
            Value::Real(r) => rust_decimal::Decimal::try_from(*r).map_or(Value::Null, Value::Decimal),
            other => other.as_i64().map_or(Value::Null, |i| Value::Decimal(rust_decimal::Decimal::from(i))),
        },
        _ => Value::Null,
    }
}

fn convert_kernel(name: &str, args: &[Datum], ctx: &EvalCtx, ty: ScalarType) -> ExecResult<Datum> {
    expect_args(name, args, 1, 2)?;
    if args[0].ty() == ty && ty != ScalarType::Dynamic {
        return Ok(args[0].clone());
    }
    // `tostring()` of a dynamic column, the usual way to read a JSON property.
    if let (Datum::Column(Column::Dynamic(values)), ScalarType::String) = (&args[0], ty) {
        let mut out = StringsBuilder::with_capacity(values.len(), 0);
        for value in values.iter() {
            out.push(&value.to_kql_str());
        }
        return Ok(Datum::Column(Column::String(out.finish())));
    }
    map_rows(&args[..1], ctx, ty, |v| Ok(convert(&v[0], ty)))
}

fn tostring(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    convert_kernel("tostring", args, ctx, ScalarType::String)
}

fn toint(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    convert_kernel("toint", args, ctx, ScalarType::Int)
}

fn tolong(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    convert_kernel("tolong", args, ctx, ScalarType::Long)
}

fn toreal(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    convert_kernel("toreal", args, ctx, ScalarType::Real)
}

fn tobool(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    convert_kernel("tobool", args, ctx, ScalarType::Bool)
}

fn todatetime(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    convert_kernel("todatetime", args, ctx, ScalarType::DateTime)
}

fn totimespan(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    convert_kernel("totimespan", args, ctx, ScalarType::TimeSpan)
}

fn toguid(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    convert_kernel("toguid", args, ctx, ScalarType::Guid)
}

fn todecimal(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    convert_kernel("todecimal", args, ctx, ScalarType::Decimal)
}

fn todynamic(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("parse_json", args, 1, 1)?;
    if let Datum::Column(Column::Dynamic(values)) = &args[0] {
        // A dynamic string holding JSON is parsed; anything else passes through.
        let parsed = values.iter().map(|value| match value {
            Dyn::String(text) => parse_json_or_null(text),
            other => other.clone(),
        });
        return Ok(Datum::Column(Column::Dynamic(parsed.collect())));
    }
    if let Datum::Column(Column::String(strings)) = &args[0] {
        return Ok(Datum::Column(Column::Dynamic(strings.iter().map(parse_json_or_null).collect())));
    }
    if args[0].ty() == ScalarType::Dynamic {
        return map_rows(args, ctx, ScalarType::Dynamic, |v| {
            Ok(match &v[0] {
                Value::Dynamic(Dyn::String(s)) => Value::Dynamic(parse_json_or_null(s)),
                other => other.clone(),
            })
        });
    }
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(match &v[0] {
            Value::String(s) => Value::Dynamic(parse_json_or_null(s)),
            other => Value::Dynamic(other.to_dyn()),
        })
    })
}

/// `parse_json()` of one string: the empty string is null (the isnull and
/// gettype pages: `isnull(parse_json(""))` is true, `gettype(parse_json(''))`
/// is `null`); other text that is not JSON stays a dynamic string.
fn parse_json_or_null(text: &str) -> Dyn {
    if text.is_empty() { Dyn::Null } else { Dyn::parse_json(text) }
}

fn isnull(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("isnull", args, 1, 1)?;
    if let Datum::Column(column) = &args[0] {
        let values = (0..column.len()).map(|row| column.is_null(row)).collect();
        return Ok(Datum::Column(Column::Bool(Prim::new(values))));
    }
    map_rows(args, ctx, ScalarType::Bool, |v| Ok(Value::Bool(v[0].is_null())))
}

fn isnotnull(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("isnotnull", args, 1, 1)?;
    if let Datum::Column(column) = &args[0] {
        let values = (0..column.len()).map(|row| !column.is_null(row)).collect();
        return Ok(Datum::Column(Column::Bool(Prim::new(values))));
    }
    map_rows(args, ctx, ScalarType::Bool, |v| Ok(Value::Bool(!v[0].is_null())))
}

/// The common type of branch results: the wider number, or the first non-dynamic type.
pub fn common_type(types: &[ScalarType]) -> ScalarType {
    use crate::analysis::types::Type;
    let mut result: Option<Type> = None;
    for ty in types {
        let ty = Type::Scalar(*ty);
        result = Some(match result {
            None => ty,
            Some(current) => current.common(ty).unwrap_or(current),
        });
    }
    result.and_then(Type::scalar).unwrap_or(ScalarType::String)
}

fn truthy(value: &Value) -> bool {
    matches!(value, Value::Bool(true) | Value::Dynamic(Dyn::Bool(true)))
}

fn iff(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("iff", args, 3, 3)?;
    let ty = common_type(&[args[1].ty(), args[2].ty()]);
    map_rows(args, ctx, ty, |v| Ok(if truthy(&v[0]) { v[1].clone() } else { v[2].clone() }))
}

fn case(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    if args.len() < 3 || args.len().is_multiple_of(2) {
        return Err(ExecError::runtime("`case` needs predicate/value pairs and an else value"));
    }
    let mut types: Vec<ScalarType> = args.chunks(2).filter(|c| c.len() == 2).map(|c| c[1].ty()).collect();
    types.push(args[args.len() - 1].ty());
    let ty = common_type(&types);
    map_rows(args, ctx, ty, |v| {
        for pair in v.chunks(2) {
            if pair.len() == 1 {
                return Ok(pair[0].clone());
            }
            if truthy(&pair[0]) {
                return Ok(pair[1].clone());
            }
        }
        Ok(Value::Null)
    })
}

fn coalesce(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("coalesce", args, 1, 64)?;
    let types: Vec<ScalarType> = args.iter().map(Datum::ty).collect();
    let ty = common_type(&types);
    map_rows(args, ctx, ty, |v| {
        Ok(v.iter()
            .find(|value| !value.is_null() && !matches!(value, Value::String(s) if s.is_empty()))
            .cloned()
            .unwrap_or(Value::Null))
    })
}

fn gettype(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("gettype", args, 1, 1)?;
    let static_type = args[0].ty();
    map_rows(args, ctx, ScalarType::String, |v| {
        Ok(Value::str(match &v[0] {
            Value::Dynamic(d) => match d {
                // The gettype page: `gettype(parse_json('1'))` is `int` (while
                // `gettype(111)`, a long literal, is `long`); a dynamic integer
                // is an int when it fits in one.
                Dyn::Long(n) if i32::try_from(*n).is_ok() => "int",
                Dyn::Long(_) => "long",
                other => other.type_name(),
            },
            Value::Null => "null",
            Value::Int(_) => "int",
            _ => match static_type {
                ScalarType::Real => "real",
                other => other.name(),
            },
        }))
    })
}

fn not(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("not", args, 1, 1)?;
    if let Datum::Column(Column::Bool(prim)) = &args[0] {
        return Ok(Datum::Column(Column::Bool(Prim {
            values: Arc::new(prim.values.iter().map(|b| !b).collect()),
            valid: prim.valid.clone(),
        })));
    }
    map_rows(args, ctx, ScalarType::Bool, |v| {
        Ok(match &v[0] {
            Value::Bool(b) | Value::Dynamic(Dyn::Bool(b)) => Value::Bool(!b),
            _ => Value::Null,
        })
    })
}
