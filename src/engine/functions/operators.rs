//! Binary operators: logic, comparison, string predicates and arithmetic,
//! with KQL's null rules. Common shapes (a column against a constant) run
//! as tight loops over the column; everything else goes row by row.

use rust_decimal::Decimal;
use std::cmp::Ordering;

use crate::analysis::types::Type;
use std::sync::Arc;

use crate::engine::column::{Column, Prim};
use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::functions::text_match::{self, Match};
use crate::engine::functions::{EvalCtx, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::{BinaryOp, ScalarType};

/// Evaluates `left op right`. `regex` is the compiled right side of
/// `matches regex` / `like` when it is a constant.
pub fn binary(
    op: BinaryOp,
    left: &Datum,
    right: &Datum,
    regex: Option<&regex::Regex>,
    ctx: &EvalCtx,
) -> ExecResult<Datum> {
    use BinaryOp::*;
    match op {
        And | Or => logic(op, left, right, ctx),
        Eq | NotEq | Lt | Le | Gt | Ge => {
            if let Some(result) = compare_fast(op, left, right).or_else(|| compare_columns(op, left, right)) {
                return Ok(result);
            }
            map_rows(&[left.clone(), right.clone()], ctx, ScalarType::Bool, |v| {
                Ok(bool_value(compare_op(op, &v[0], &v[1])))
            })
        }
        EqCi | NotEqCi => string_predicate(Match::Equals, false, op == NotEqCi, left, right, ctx),
        MatchesRegex | Like | NotLike | LikeCs | NotLikeCs => {
            let negate = matches!(op, NotLike | NotLikeCs);
            let Some(regex) = regex else {
                // A pattern that varies by row: each distinct pattern compiled once.
                let mut compiled: std::collections::HashMap<String, regex::Regex> = Default::default();
                return map_rows(&[left.clone(), right.clone()], ctx, ScalarType::Bool, |v| {
                    let pattern = v[1].to_kql_string();
                    if !compiled.contains_key(&pattern) {
                        let regex = match op {
                            MatchesRegex => crate::engine::functions::string::compile_regex(&pattern)?,
                            _ => like_regex(&pattern, matches!(op, LikeCs | NotLikeCs))?,
                        };
                        compiled.insert(pattern.clone(), regex);
                    }
                    Ok(Value::Bool(compiled[&pattern].is_match(&v[0].to_kql_string()) != negate))
                });
            };
            map_rows(std::slice::from_ref(left), ctx, ScalarType::Bool, |v| {
                Ok(Value::Bool(regex.is_match(&v[0].to_kql_string()) != negate))
            })
        }
        Add | Sub | Mul | Div | Mod => arithmetic(op, left, right, ctx),
        _ => {
            let (kind, case_sensitive, negate) = string_op(op);
            string_predicate(kind, case_sensitive, negate, left, right, ctx)
        }
    }
}

/// The match kind, case sensitivity and negation of a string operator.
fn string_op(op: BinaryOp) -> (Match, bool, bool) {
    use BinaryOp::*;
    match op {
        Has => (Match::Has, false, false),
        NotHas => (Match::Has, false, true),
        HasCs => (Match::Has, true, false),
        NotHasCs => (Match::Has, true, true),
        HasPrefix => (Match::HasPrefix, false, false),
        NotHasPrefix => (Match::HasPrefix, false, true),
        HasPrefixCs => (Match::HasPrefix, true, false),
        NotHasPrefixCs => (Match::HasPrefix, true, true),
        HasSuffix => (Match::HasSuffix, false, false),
        NotHasSuffix => (Match::HasSuffix, false, true),
        HasSuffixCs => (Match::HasSuffix, true, false),
        NotHasSuffixCs => (Match::HasSuffix, true, true),
        Contains => (Match::Contains, false, false),
        NotContains => (Match::Contains, false, true),
        ContainsCs => (Match::Contains, true, false),
        NotContainsCs => (Match::Contains, true, true),
        StartsWith => (Match::StartsWith, false, false),
        NotStartsWith => (Match::StartsWith, false, true),
        StartsWithCs => (Match::StartsWith, true, false),
        NotStartsWithCs => (Match::StartsWith, true, true),
        EndsWith => (Match::EndsWith, false, false),
        NotEndsWith => (Match::EndsWith, false, true),
        EndsWithCs => (Match::EndsWith, true, false),
        NotEndsWithCs => (Match::EndsWith, true, true),
        _ => (Match::Equals, true, false),
    }
}

fn string_predicate(
    kind: Match,
    case_sensitive: bool,
    negate: bool,
    left: &Datum,
    right: &Datum,
    ctx: &EvalCtx,
) -> ExecResult<Datum> {
    if let (Datum::Column(Column::String(strings)), Some(needle)) = (left, right.as_scalar()) {
        let needle = needle.to_kql_string();
        let values = strings.iter().map(|text| text_match::matches(kind, text, &needle, case_sensitive) != negate);
        return Ok(Datum::Column(Column::Bool(Prim::new(values.collect()))));
    }
    map_rows(&[left.clone(), right.clone()], ctx, ScalarType::Bool, |v| {
        let text = v[0].to_kql_string();
        Ok(Value::Bool(text_match::matches(kind, &text, &v[1].to_kql_string(), case_sensitive) != negate))
    })
}

fn bool_value(value: Option<bool>) -> Value {
    value.map_or(Value::Null, Value::Bool)
}

fn as_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) | Value::Dynamic(Dyn::Bool(b)) => Some(*b),
        _ => None,
    }
}

/// Three-valued `and` / `or`.
fn logic(op: BinaryOp, left: &Datum, right: &Datum, ctx: &EvalCtx) -> ExecResult<Datum> {
    let combine = |a: Option<bool>, b: Option<bool>| -> Option<bool> {
        if op == BinaryOp::And {
            match (a, b) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            }
        } else {
            match (a, b) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            }
        }
    };
    if let (Datum::Column(Column::Bool(a)), Datum::Column(Column::Bool(b))) = (left, right)
        && a.valid.is_none()
        && b.valid.is_none()
    {
        let values = if op == BinaryOp::And {
            a.values.iter().zip(b.values.iter()).map(|(x, y)| *x && *y).collect()
        } else {
            a.values.iter().zip(b.values.iter()).map(|(x, y)| *x || *y).collect()
        };
        return Ok(Datum::Column(Column::Bool(Prim::new(values))));
    }
    map_rows(&[left.clone(), right.clone()], ctx, ScalarType::Bool, |v| {
        Ok(bool_value(combine(as_bool(&v[0]), as_bool(&v[1]))))
    })
}

/// Applies a comparison operator with KQL's null rules: `==` of a null and a
/// value is false, of two nulls is null; ordering with a null is null.
pub fn compare_op(op: BinaryOp, a: &Value, b: &Value) -> Option<bool> {
    match op {
        BinaryOp::Eq => equals(a, b),
        BinaryOp::NotEq => equals(a, b).map(|eq| !eq),
        _ => {
            let ordering = compare(a, b)?;
            Some(match op {
                BinaryOp::Lt => ordering == Ordering::Less,
                BinaryOp::Le => ordering != Ordering::Greater,
                BinaryOp::Gt => ordering == Ordering::Greater,
                _ => ordering != Ordering::Less,
            })
        }
    }
}

/// `a == b` with KQL's null rules.
pub fn equals(a: &Value, b: &Value) -> Option<bool> {
    match (a.is_null(), b.is_null()) {
        (true, true) => None,
        (true, false) | (false, true) => Some(false),
        _ => Some(match (a, b) {
            (Value::Dynamic(x @ (Dyn::Array(_) | Dyn::Bag(_))), Value::Dynamic(y)) => x == y,
            _ => compare(a, b) == Some(Ordering::Equal),
        }),
    }
}

/// Orders two non-null values of comparable types; `None` when either is
/// null or the types do not compare.
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    use Value::*;
    match (a, b) {
        (Dynamic(x), _) if !matches!(x, Dyn::Array(_) | Dyn::Bag(_)) => compare(&x.to_value(), b),
        (_, Dynamic(y)) if !matches!(y, Dyn::Array(_) | Dyn::Bag(_)) => compare(a, &y.to_value()),
        (String(x), String(y)) => Some(x.cmp(y)),
        (Bool(x), Bool(y)) => Some(x.cmp(y)),
        // A bool is true (1) or false (0) (the bool data type page), so it
        // compares with numbers as that number: `IsPrivate == 0`.
        (Bool(x), Int(_) | Long(_) | Real(_) | Decimal(_)) => compare(&Long(i64::from(*x)), b),
        (Int(_) | Long(_) | Real(_) | Decimal(_), Bool(y)) => compare(a, &Long(i64::from(*y))),
        (DateTime(x), DateTime(y)) | (TimeSpan(x), TimeSpan(y)) => Some(x.cmp(y)),
        (Guid(x), Guid(y)) => Some(x.cmp(y)),
        (Int(_) | Long(_), Int(_) | Long(_)) => Some(a.as_i64()?.cmp(&b.as_i64()?)),
        (Decimal(x), Decimal(y)) => Some(x.cmp(y)),
        (Decimal(x), Int(_) | Long(_)) => Some(x.cmp(&rust_decimal::Decimal::from(b.as_i64()?))),
        (Int(_) | Long(_), Decimal(y)) => Some(rust_decimal::Decimal::from(a.as_i64()?).cmp(y)),
        (Int(_) | Long(_) | Real(_) | Decimal(_), Int(_) | Long(_) | Real(_) | Decimal(_)) => {
            a.as_f64()?.partial_cmp(&b.as_f64()?)
        }
        (Dynamic(x), Dynamic(y)) => Some(x.compare(y)),
        _ => None,
    }
}

/// Fast comparisons of a numeric or time column with a constant of the same kind.
fn compare_fast(op: BinaryOp, left: &Datum, right: &Datum) -> Option<Datum> {
    let constant = right.as_scalar()?;
    let Datum::Column(column) = left else { return None };
    let test = |ordering: Ordering| match op {
        BinaryOp::Eq => ordering == Ordering::Equal,
        BinaryOp::NotEq => ordering != Ordering::Equal,
        BinaryOp::Lt => ordering == Ordering::Less,
        BinaryOp::Le => ordering != Ordering::Greater,
        BinaryOp::Gt => ordering == Ordering::Greater,
        _ => ordering != Ordering::Less,
    };
    match (column, constant) {
        (Column::String(strings), Value::String(needle)) => {
            let needle: &str = needle;
            let values = strings.iter().map(|text| test(text.cmp(needle))).collect();
            Some(Datum::Column(Column::Bool(Prim::new(values))))
        }
        (Column::Long(p), Value::Long(_) | Value::Int(_))
        | (Column::DateTime(p), Value::DateTime(_))
        | (Column::TimeSpan(p), Value::TimeSpan(_)) => {
            let c = match constant {
                Value::Int(i) => *i as i64,
                Value::Long(i) | Value::DateTime(i) | Value::TimeSpan(i) => *i,
                _ => return None,
            };
            Some(prim_compare(p, |x| test(x.cmp(&c)), op))
        }
        (Column::Int(p), Value::Long(_) | Value::Int(_)) => {
            let c = constant.as_i64()?;
            Some(prim_compare(p, |x| test((x as i64).cmp(&c)), op))
        }
        (Column::Real(p), Value::Real(_) | Value::Long(_) | Value::Int(_)) => {
            let c = constant.as_f64()?;
            Some(prim_compare(p, |x| x.partial_cmp(&c).is_some_and(test), op))
        }
        _ => None,
    }
}

/// Two `long`, `datetime` or `timespan` columns compared row by row.
fn compare_columns(op: BinaryOp, left: &Datum, right: &Datum) -> Option<Datum> {
    let (Datum::Column(left), Datum::Column(right)) = (left, right) else { return None };
    let (a, b) = match (left, right) {
        (Column::Long(a), Column::Long(b))
        | (Column::DateTime(a), Column::DateTime(b))
        | (Column::TimeSpan(a), Column::TimeSpan(b)) => (a, b),
        _ => return None,
    };
    if a.len() != b.len() {
        return None;
    }
    let test = |x: &i64, y: &i64| match op {
        BinaryOp::Eq => x == y,
        BinaryOp::NotEq => x != y,
        BinaryOp::Lt => x < y,
        BinaryOp::Le => x <= y,
        BinaryOp::Gt => x > y,
        _ => x >= y,
    };
    if a.valid.is_none() && b.valid.is_none() {
        let values = a.values.iter().zip(b.values.iter()).map(|(x, y)| test(x, y)).collect();
        return Some(Datum::Column(Column::Bool(Prim::new(values))));
    }
    // KQL's null rules: `==` with one null is false, `!=` true; otherwise null.
    let values = (0..a.len()).map(|row| match (a.get(row), b.get(row)) {
        (Some(x), Some(y)) => Some(test(&x, &y)),
        (None, None) => None,
        _ => match op {
            BinaryOp::Eq => Some(false),
            BinaryOp::NotEq => Some(true),
            _ => None,
        },
    });
    Some(Datum::Column(Column::Bool(values.collect())))
}

fn prim_compare<T: Copy + Default>(p: &Prim<T>, test: impl Fn(T) -> bool, op: BinaryOp) -> Datum {
    let values: Vec<bool> = p.values.iter().map(|x| test(*x)).collect();
    match &p.valid {
        None => Datum::Column(Column::Bool(Prim::new(values))),
        // A null compared with a value: `==` false, `!=` true, ordering null.
        Some(valid) => {
            let mut out = Prim::with_capacity(values.len());
            for (value, ok) in values.into_iter().zip(valid.iter()) {
                out.push(match (ok, op) {
                    (true, _) => Some(value),
                    (false, BinaryOp::Eq) => Some(false),
                    (false, BinaryOp::NotEq) => Some(true),
                    (false, _) => None,
                });
            }
            Datum::Column(Column::Bool(out))
        }
    }
}

fn to_type(ty: ScalarType) -> Type {
    Type::Scalar(ty)
}

/// The result type of arithmetic on these operand types, if defined.
pub fn arithmetic_result(op: BinaryOp, left: ScalarType, right: ScalarType) -> Option<ScalarType> {
    crate::analysis::expr::arithmetic_type(op, to_type(left), to_type(right)).and_then(Type::scalar)
}

fn arithmetic(op: BinaryOp, left: &Datum, right: &Datum, ctx: &EvalCtx) -> ExecResult<Datum> {
    let Some(ty) = arithmetic_result(op, left.ty(), right.ty()) else {
        return Err(ExecError::runtime(format!(
            "`{}` is not defined for `{}` and `{}`",
            op.as_str(),
            left.ty().name(),
            right.ty().name()
        )));
    };
    // Fast path: a long/datetime/timespan column plus or minus a constant.
    let same_ticks = matches!(
        (left.ty(), right.ty()),
        (ScalarType::Long, ScalarType::Long | ScalarType::Int)
            | (ScalarType::DateTime, ScalarType::TimeSpan)
            | (ScalarType::TimeSpan, ScalarType::TimeSpan)
    );
    if same_ticks
        && matches!(op, BinaryOp::Add | BinaryOp::Sub)
        && let Datum::Column(Column::Long(p) | Column::DateTime(p) | Column::TimeSpan(p)) = left
        && let Some(Value::Long(c) | Value::TimeSpan(c)) = right.as_scalar().map(|v| match v {
            Value::Int(i) => Value::Long(*i as i64),
            other => other.clone(),
        })
    {
        let values: Vec<i64> =
            p.values.iter().map(|x| if op == BinaryOp::Add { x.wrapping_add(c) } else { x.wrapping_sub(c) }).collect();
        let prim = Prim { values: Arc::new(values), valid: p.valid.clone() };
        return Ok(Datum::Column(match ty {
            ScalarType::DateTime => Column::DateTime(prim),
            ScalarType::TimeSpan => Column::TimeSpan(prim),
            _ => Column::Long(prim),
        }));
    }
    map_rows(&[left.clone(), right.clone()], ctx, ty, |v| Ok(arithmetic_value(op, &v[0], &v[1], ty)))
}

/// Arithmetic on two values, giving a value of type `ty` (null when either
/// operand is null or the operation is undefined, e.g. integer division by zero).
pub fn arithmetic_value(op: BinaryOp, a: &Value, b: &Value, ty: ScalarType) -> Value {
    if a.is_null() || b.is_null() {
        return Value::Null;
    }
    let a = unwrap_dynamic(a);
    let b = unwrap_dynamic(b);
    use Value::*;
    match (&a, &b) {
        (DateTime(x), TimeSpan(y)) => match op {
            BinaryOp::Add => DateTime(x.wrapping_add(*y)),
            BinaryOp::Sub => DateTime(x.wrapping_sub(*y)),
            BinaryOp::Mod => x.checked_rem_euclid(*y).map_or(Null, TimeSpan),
            _ => Null,
        },
        (TimeSpan(x), DateTime(y)) if op == BinaryOp::Add => DateTime(x.wrapping_add(*y)),
        (DateTime(x), DateTime(y)) => match op {
            BinaryOp::Sub => TimeSpan(x.wrapping_sub(*y)),
            BinaryOp::Div if *y != 0 => Real(*x as f64 / *y as f64),
            BinaryOp::Mod => x.checked_rem_euclid(*y).map_or(Null, TimeSpan),
            _ => Null,
        },
        (TimeSpan(x), TimeSpan(y)) => match op {
            BinaryOp::Add => TimeSpan(x.wrapping_add(*y)),
            BinaryOp::Sub => TimeSpan(x.wrapping_sub(*y)),
            BinaryOp::Mul => TimeSpan(x.wrapping_mul(*y)),
            BinaryOp::Div if *y != 0 => Real(*x as f64 / *y as f64),
            BinaryOp::Mod => x.checked_rem_euclid(*y).map_or(Null, TimeSpan),
            _ => Null,
        },
        (TimeSpan(x), _) if b.as_f64().is_some() => {
            let factor = b.as_f64().unwrap_or(f64::NAN);
            match op {
                BinaryOp::Mul => TimeSpan((*x as f64 * factor) as i64),
                BinaryOp::Div if factor != 0.0 => TimeSpan((*x as f64 / factor) as i64),
                BinaryOp::Mod => {
                    b.as_i64().filter(|d| *d != 0).and_then(|d| x.checked_rem_euclid(d)).map_or(Null, TimeSpan)
                }
                _ => Null,
            }
        }
        (_, TimeSpan(y)) if a.as_f64().is_some() && op == BinaryOp::Mul => {
            TimeSpan((a.as_f64().unwrap_or(f64::NAN) * *y as f64) as i64)
        }
        _ => match ty {
            ScalarType::Int | ScalarType::Long => {
                let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) else { return Null };
                let result = match op {
                    BinaryOp::Add => Some(x.wrapping_add(y)),
                    BinaryOp::Sub => Some(x.wrapping_sub(y)),
                    BinaryOp::Mul => Some(x.wrapping_mul(y)),
                    BinaryOp::Div => x.checked_div(y),
                    // Kusto's modulo is never negative: 0 <= x % y < abs(y).
                    _ => x.checked_rem_euclid(y),
                };
                match (result, ty) {
                    (Some(r), ScalarType::Int) => Int(r as i32),
                    (Some(r), _) => Long(r),
                    (None, _) => Null,
                }
            }
            ScalarType::Real => {
                let (Some(x), Some(y)) = (a.as_f64(), b.as_f64()) else { return Null };
                Real(match op {
                    BinaryOp::Add => x + y,
                    BinaryOp::Sub => x - y,
                    BinaryOp::Mul => x * y,
                    BinaryOp::Div => x / y,
                    _ => x.rem_euclid(y),
                })
            }
            ScalarType::Decimal => {
                let (Some(x), Some(y)) = (to_decimal(&a), to_decimal(&b)) else { return Null };
                let result = match op {
                    BinaryOp::Add => x.checked_add(y),
                    BinaryOp::Sub => x.checked_sub(y),
                    BinaryOp::Mul => x.checked_mul(y),
                    BinaryOp::Div => x.checked_div(y),
                    _ => x.checked_rem(y).map(|r| if r.is_sign_negative() && !r.is_zero() { r + y.abs() } else { r }),
                };
                result.map_or(Null, Decimal)
            }
            _ => Null,
        },
    }
}

fn unwrap_dynamic(value: &Value) -> Value {
    match value {
        Value::Dynamic(d) => d.to_value(),
        other => other.clone(),
    }
}

fn to_decimal(value: &Value) -> Option<Decimal> {
    match value {
        Value::Decimal(d) => Some(*d),
        Value::Int(i) => Some(Decimal::from(*i)),
        Value::Long(i) => Some(Decimal::from(*i)),
        Value::Real(r) => Decimal::try_from(*r).ok(),
        _ => None,
    }
}

/// Compiles the pattern of `like` (SQL-style `%` wildcards) to a regex.
pub fn like_regex(pattern: &str, case_sensitive: bool) -> ExecResult<regex::Regex> {
    let mut text = String::from(if case_sensitive { "^" } else { "(?i)^" });
    for ch in pattern.chars() {
        if ch == '%' {
            text.push_str(".*");
        } else {
            text.push_str(&regex::escape(&ch.to_string()));
        }
    }
    text.push('$');
    regex::RegexBuilder::new(&text)
        .dot_matches_new_line(true)
        .build()
        .map_err(|e| ExecError::runtime(format!("invalid pattern: {e}")))
}
