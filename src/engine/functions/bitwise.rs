//! Bitwise functions on 64-bit integers: `binary_and`, `binary_or`,
//! `binary_xor`, `binary_not`, `binary_shift_left`, `binary_shift_right`
//! and `bitset_count_ones`. A null (or non-integer) argument gives null.

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "binary_and" => |a, c| binary2("binary_and", a, c, |x, y| Some(x & y)),
        "binary_or" => |a, c| binary2("binary_or", a, c, |x, y| Some(x | y)),
        "binary_xor" => |a, c| binary2("binary_xor", a, c, |x, y| Some(x ^ y)),
        "binary_shift_left" => |a, c| binary2("binary_shift_left", a, c, shift_left),
        "binary_shift_right" => |a, c| binary2("binary_shift_right", a, c, shift_right),
        "binary_not" => |a, c| binary1("binary_not", a, c, |x| !x),
        "bitset_count_ones" => |a, c| binary1("bitset_count_ones", a, c, |x| i64::from(x.count_ones())),
        _ => return None,
    })
}

/// `value << (shift % 64)`; a negative shift gives null (documented).
fn shift_left(value: i64, shift: i64) -> Option<i64> {
    (shift >= 0).then(|| value.wrapping_shl((shift % 64) as u32))
}

/// `value >> (shift % 64)` (arithmetic: the sign bit is kept); a negative
/// shift gives null.
fn shift_right(value: i64, shift: i64) -> Option<i64> {
    (shift >= 0).then(|| value.wrapping_shr((shift % 64) as u32))
}

/// An integer argument; reals and decimals are not accepted (the analyzer
/// asks for an integer), so they give null like any other non-integer.
fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Int(i) => Some(i64::from(*i)),
        Value::Long(i) => Some(*i),
        _ => None,
    }
}

fn binary1(name: &str, args: &[Datum], ctx: &EvalCtx, f: fn(i64) -> i64) -> ExecResult<Datum> {
    expect_args(name, args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Long, |v| Ok(integer(&v[0]).map_or(Value::Null, |x| Value::Long(f(x)))))
}

fn binary2(name: &str, args: &[Datum], ctx: &EvalCtx, f: fn(i64, i64) -> Option<i64>) -> ExecResult<Datum> {
    expect_args(name, args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Long, |v| {
        Ok(match (integer(&v[0]), integer(&v[1])) {
            (Some(x), Some(y)) => f(x, y).map_or(Value::Null, Value::Long),
            _ => Value::Null,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[Value]) -> Value {
        let datums: Vec<Datum> = args.iter().map(|v| Datum::Scalar(v.clone(), ScalarType::Long)).collect();
        let kernel = lookup(name).expect("a bitwise function");
        kernel(&datums, &EvalCtx { rows: 1, now: 0 }).expect("a result").get(0)
    }

    #[test]
    fn bitwise_operations_match_the_docs() {
        assert_eq!(call("binary_and", &[Value::Long(6), Value::Long(3)]), Value::Long(2));
        assert_eq!(call("binary_or", &[Value::Long(5), Value::Long(3)]), Value::Long(7));
        assert_eq!(call("binary_xor", &[Value::Long(1), Value::Long(2)]), Value::Long(3));
        assert_eq!(call("binary_not", &[Value::Long(100)]), Value::Long(-101));
        assert_eq!(call("bitset_count_ones", &[Value::Long(42)]), Value::Long(3));
        assert_eq!(call("bitset_count_ones", &[Value::Long(-1)]), Value::Long(64));
    }

    #[test]
    fn shifts_wrap_at_64_and_reject_negative_counts() {
        assert_eq!(call("binary_shift_left", &[Value::Long(1), Value::Long(2)]), Value::Long(4));
        assert_eq!(call("binary_shift_left", &[Value::Long(1), Value::Long(66)]), Value::Long(4));
        assert_eq!(call("binary_shift_right", &[Value::Long(1), Value::Long(2)]), Value::Long(0));
        assert_eq!(call("binary_shift_right", &[Value::Long(-8), Value::Long(1)]), Value::Long(-4));
        assert_eq!(call("binary_shift_left", &[Value::Long(1), Value::Long(-1)]), Value::Null);
    }

    #[test]
    fn null_arguments_give_null() {
        assert_eq!(call("binary_and", &[Value::Null, Value::Long(3)]), Value::Null);
        assert_eq!(call("binary_not", &[Value::Null]), Value::Null);
    }
}
