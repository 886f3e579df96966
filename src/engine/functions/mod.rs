//! The built-in function library: scalar functions by category, binary
//! operators, aggregates and window functions. Each category file has a
//! `lookup(name)` that maps a catalog name to its kernel.
//!
//! A kernel gets its evaluated arguments as [`Datum`]s (constants or columns
//! of `ctx.rows` values) and returns one. When every argument is a constant
//! the result is a constant, so constant sub-expressions are computed once.

pub mod aggregates;
pub mod array;
pub mod bag;
pub mod bitwise;
pub mod buildschema;
pub mod compression;
pub mod conversion;
pub mod csv;
pub mod data_size;
pub mod datetime;
pub mod dynamic;
pub mod encoding;
pub mod format;
pub mod geo;
pub mod guid;
pub mod ip;
pub mod ipv6;
pub mod math;
pub mod operators;
pub mod paths;
pub mod percentiles;
pub mod punycode;
pub mod replace;
pub mod series;
pub mod series_fill;
pub mod series_math;
pub mod series_model;
pub mod series_periods;
pub mod series_poly;
pub mod series_signal;
pub mod sketches;
pub mod stats;
pub mod string;
pub mod string_checks;
pub mod text_match;
pub mod timezone;
pub mod unit_conversion;
pub mod units;
pub mod url;
pub mod user_agent;
pub mod version;
pub mod window;
pub mod xml;

use crate::engine::column::{Column, ColumnBuilder};
use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;

/// What a kernel knows about the evaluation: the row count and `now()`.
#[derive(Debug, Clone, Copy)]
pub struct EvalCtx {
    pub rows: usize,
    /// The query's `now()`, in ticks.
    pub now: i64,
}

/// A scalar function's implementation.
pub type ScalarKernel = fn(&[Datum], &EvalCtx) -> ExecResult<Datum>;

/// The kernel of built-in scalar (or window) function `name`.
pub fn scalar(name: &str) -> Option<ScalarKernel> {
    string::lookup(name)
        .or_else(|| replace::lookup(name))
        .or_else(|| conversion::lookup(name))
        .or_else(|| math::lookup(name))
        .or_else(|| stats::lookup(name))
        .or_else(|| csv::lookup(name))
        .or_else(|| datetime::lookup(name))
        .or_else(|| dynamic::lookup(name))
        .or_else(|| array::lookup(name))
        .or_else(|| bag::lookup(name))
        .or_else(|| bitwise::lookup(name))
        .or_else(|| ip::lookup(name))
        .or_else(|| ipv6::lookup(name))
        .or_else(|| encoding::lookup(name))
        .or_else(|| format::lookup(name))
        .or_else(|| guid::lookup(name))
        .or_else(|| paths::lookup(name))
        .or_else(|| series::lookup(name))
        .or_else(|| series_math::lookup(name))
        .or_else(|| series_fill::lookup(name))
        .or_else(|| url::lookup(name))
        .or_else(|| user_agent::lookup(name))
        .or_else(|| units::lookup(name))
        .or_else(|| unit_conversion::lookup(name))
        .or_else(|| sketches::lookup(name))
        .or_else(|| version::lookup(name))
        .or_else(|| xml::lookup(name))
        .or_else(|| timezone::lookup(name))
        .or_else(|| window::lookup(name))
        .or_else(|| series_model::lookup(name))
        .or_else(|| series_signal::lookup(name))
        .or_else(|| geo::lookup(name))
        .or_else(|| string_checks::lookup(name))
        .or_else(|| punycode::lookup(name))
        .or_else(|| compression::lookup(name))
}

/// Applies `f` to each row's argument values and collects the results as a
/// column of type `ty` (or a constant when all arguments are constants).
pub fn map_rows(
    args: &[Datum],
    ctx: &EvalCtx,
    ty: ScalarType,
    mut f: impl FnMut(&[Value]) -> ExecResult<Value>,
) -> ExecResult<Datum> {
    if args.iter().all(Datum::is_scalar) {
        let values: Vec<Value> = args.iter().map(|a| a.get(0)).collect();
        let value = f(&values)?;
        let mut builder = ColumnBuilder::new(ty, 1);
        builder.push(&value);
        return Ok(Datum::Scalar(builder.finish().get(0), ty));
    }
    let mut builder = ColumnBuilder::new(ty, ctx.rows);
    let mut values: Vec<Value> = args.iter().map(|_| Value::Null).collect();
    for row in 0..ctx.rows {
        for (slot, arg) in values.iter_mut().zip(args) {
            *slot = arg.get(row);
        }
        builder.push(&f(&values)?);
    }
    Ok(Datum::Column(builder.finish()))
}

/// Applies `f` to the text of each row of `arg`, a one-argument kernel's
/// input: a string column is read in place, without a copy per row.
pub fn map_text(arg: &Datum, ctx: &EvalCtx, ty: ScalarType, mut f: impl FnMut(&str) -> Value) -> ExecResult<Datum> {
    match arg {
        Datum::Column(Column::String(strings)) => {
            let mut builder = ColumnBuilder::new(ty, strings.len());
            for text in strings.iter() {
                builder.push(&f(text));
            }
            Ok(Datum::Column(builder.finish()))
        }
        _ => map_rows(std::slice::from_ref(arg), ctx, ty, |v| Ok(f(&v[0].to_kql_string()))),
    }
}

/// True when `name`'s value for a row depends only on that row's arguments
/// (not on other rows, the row's position or chance), so that it can be
/// computed once per distinct argument value.
pub fn is_row_independent(name: &str) -> bool {
    window::lookup(name).is_none() && !matches!(name, "new_guid" | "rand")
}

/// Checks the argument count of a kernel (the analyzer checks it first; this
/// protects the engine when analysis was skipped).
pub fn expect_args(name: &str, args: &[Datum], min: usize, max: usize) -> ExecResult<()> {
    if args.len() < min || args.len() > max {
        return Err(ExecError::runtime(format!("`{name}` got {} arguments, expects {min} to {max}", args.len())));
    }
    Ok(())
}

/// The string value of an argument that must be a constant (a format, a
/// regex, a unit name).
pub fn constant_string(name: &str, arg: &Datum) -> ExecResult<String> {
    match arg.as_scalar() {
        Some(value) => Ok(value.to_kql_string()),
        None => Err(ExecError::unsupported(format!("a non-constant argument to `{name}`"))),
    }
}

/// Helpers for the kernels' unit tests.
#[cfg(test)]
pub mod test_support {
    use crate::engine::datum::Datum;
    use crate::engine::functions::{EvalCtx, ScalarKernel};
    use crate::engine::value::{Dyn, Value};
    use crate::syntax::ast::ScalarType;

    /// A `dynamic` value from JSON text.
    pub fn json(text: &str) -> Value {
        Value::Dynamic(Dyn::parse_json(text))
    }

    /// The result of `kernel` on constant arguments as text: JSON for a
    /// dynamic value, Kusto's text for the others (null is empty).
    pub fn call_text(kernel: ScalarKernel, args: &[Value]) -> String {
        match call_constant(kernel, args) {
            Value::Dynamic(d) => d.to_json(),
            other => other.to_kql_string(),
        }
    }

    /// `kernel` called on constant arguments (one row); panics on an error.
    pub fn call_constant(kernel: ScalarKernel, args: &[Value]) -> Value {
        let datums: Vec<Datum> =
            args.iter().map(|v| Datum::Scalar(v.clone(), v.scalar_type().unwrap_or(ScalarType::Dynamic))).collect();
        kernel(&datums, &EvalCtx { rows: 1, now: 0 }).expect("a result").get(0)
    }
}
