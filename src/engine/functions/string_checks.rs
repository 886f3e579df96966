//! String checks: `isascii`, `isutf8`, `has_any_index`, and `assert`.

use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::functions::text_match::{Match, matches};
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "isascii" => isascii,
        "isutf8" => isutf8,
        "has_any_index" => has_any_index,
        "assert" => assert,
        _ => return None,
    })
}

/// `isascii(s)`: true when every character is ASCII (the empty string is).
fn isascii(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("isascii", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Bool, |v| {
        Ok(match &v[0] {
            Value::Null => Value::Null,
            value => Value::Bool(value.to_kql_string().is_ascii()),
        })
    })
}

/// `isutf8(s)`: true when the string is valid UTF-8, which every string value
/// is here (invalid bytes are replaced when the data is read).
fn isutf8(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("isutf8", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Bool, |v| Ok(if v[0].is_null() { Value::Null } else { Value::Bool(true) }))
}

/// `has_any_index(source, values)`: the position in `values` of the first
/// one that `source` has as a whole term (as `has` matches), or -1.
fn has_any_index(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("has_any_index", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Long, |v| {
        let source = v[0].to_kql_string();
        let index = match &v[1] {
            Value::Dynamic(Dyn::Array(items)) => items
                .iter()
                .position(|item| !item.is_null() && matches(Match::Has, &source, &item.to_kql_string(), false)),
            Value::Dynamic(_) | Value::Null => None,
            single => matches(Match::Has, &source, &single.to_kql_string(), false).then_some(0),
        };
        Ok(Value::Long(index.map_or(-1, |i| i as i64)))
    })
}

/// `assert(condition, message)`: true, or the query fails with `message`
/// when the condition is false (or null) in some row.
fn assert(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("assert", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Bool, |v| match &v[0] {
        Value::Bool(true) => Ok(Value::Bool(true)),
        _ => Err(ExecError::runtime(format!("assertion failed: {}", v[1].to_kql_string()))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::functions::test_support::{call_constant, json};

    #[test]
    fn isascii_is_false_for_any_non_ascii_character() {
        assert_eq!(call_constant(isascii, &[Value::str("some string")]), Value::Bool(true));
        assert_eq!(call_constant(isascii, &[Value::str("")]), Value::Bool(true));
        assert_eq!(call_constant(isascii, &[Value::str("café")]), Value::Bool(false));
        assert_eq!(call_constant(isutf8, &[Value::str("café")]), Value::Bool(true));
    }

    #[test]
    fn has_any_index_matches_the_documented_examples() {
        let text = Value::str("this is an example");
        assert_eq!(call_constant(has_any_index, &[text.clone(), json(r#"["this", "example"]"#)]), Value::Long(0));
        assert_eq!(call_constant(has_any_index, &[text.clone(), json(r#"["not", "example"]"#)]), Value::Long(1));
        assert_eq!(call_constant(has_any_index, &[text.clone(), json(r#"["not", "found"]"#)]), Value::Long(-1));
        assert_eq!(call_constant(has_any_index, &[Value::str("Example number 2"), json("[1, 2, 3]")]), Value::Long(1));
        assert_eq!(call_constant(has_any_index, &[text.clone(), json("[]")]), Value::Long(-1));
        // Whole terms only, as `has`.
        assert_eq!(call_constant(has_any_index, &[text, json(r#"["exam"]"#)]), Value::Long(-1));
    }

    #[test]
    fn assert_fails_the_query_with_its_message() {
        assert_eq!(call_constant(assert, &[Value::Bool(true), Value::str("never")]), Value::Bool(true));
        let args = [
            Datum::Scalar(Value::Bool(false), ScalarType::Bool),
            Datum::Scalar(Value::str("Length must be greater than zero"), ScalarType::String),
        ];
        let error = assert(&args, &EvalCtx { rows: 1, now: 0 }).expect_err("a failed assertion");
        assert!(error.message.contains("Length must be greater than zero"), "{}", error.message);
    }
}
