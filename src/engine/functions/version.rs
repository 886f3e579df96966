//! `parse_version`: a version string as a comparable decimal.

use rust_decimal::Decimal;

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "parse_version" => parse_version,
        _ => return None,
    })
}

/// `parse_version(text)`: one to four dot-separated parts of one to eight
/// digits, missing parts being trailing zeros, as the decimal
/// `p1·10^24 + p2·10^16 + p3·10^8 + p4`; anything else gives null.
///
/// kqlab's decimal holds 28 digits, so a first part above 79,228 (which
/// Kusto accepts) gives null here.
fn parse_version(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("parse_version", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Decimal, |v| {
        Ok(version_number(&v[0].to_kql_string()).map_or(Value::Null, Value::Decimal))
    })
}

fn version_number(text: &str) -> Option<Decimal> {
    let parts: Vec<&str> = text.trim().split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let step = Decimal::from(100_000_000_u64);
    let mut value = Decimal::ZERO;
    for index in 0..4 {
        let part = match parts.get(index) {
            Some(part) if (1..=8).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit()) => {
                part.parse::<u64>().ok()?
            }
            Some(_) => return None,
            None => 0,
        };
        value = value.checked_mul(step)?.checked_add(Decimal::from(part))?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_become_comparable_decimals() {
        assert_eq!(version_number("0.0.0.5"), Some(Decimal::from(5)));
        assert_eq!(version_number("0.0.7.0"), Some(Decimal::from(700_000_000_u64)));
        assert_eq!(version_number("1.2.3.4").map(|d| d.to_string()).as_deref(), Some("1000000020000000300000004"));
        assert!(version_number("0.2") < version_number("1"));
        assert_eq!(version_number("1.0"), version_number("1.0.0.0"));
    }

    #[test]
    fn bad_versions_give_null() {
        assert_eq!(version_number(""), None);
        assert_eq!(version_number("1..2"), None);
        assert_eq!(version_number("1.2.3.4.5"), None);
        assert_eq!(version_number("1.a"), None);
        assert_eq!(version_number("123456789"), None);
        assert_eq!(version_number("-1"), None);
        assert_eq!(version_number("99999999.0.0.0"), None);
    }
}
