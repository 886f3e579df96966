//! `new_guid()`: a random (version 4) GUID for each row.

use crate::engine::column::ColumnBuilder;
use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args};
use crate::engine::random;
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "new_guid" => new_guid,
        _ => return None,
    })
}

/// 128 random bits from the query's random stream (`engine::random`,
/// seedable), with the version (4) and variant (RFC 4122) bits set.
pub fn random_guid() -> u128 {
    let bits = (u128::from(random::next_u64()) << 64) | u128::from(random::next_u64());
    let bits = (bits & !(0xF << 76)) | (0x4 << 76);
    (bits & !(0x3 << 62)) | (0x2 << 62)
}

/// A different GUID on every row (not a constant, unlike most
/// argument-less functions).
fn new_guid(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("new_guid", args, 0, 0)?;
    let mut builder = ColumnBuilder::new(ScalarType::Guid, ctx.rows);
    for _ in 0..ctx.rows {
        builder.push(&Value::Guid(random_guid()));
    }
    Ok(Datum::Column(builder.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::value::format_guid;

    #[test]
    fn guids_are_version_4_and_distinct() {
        let a = format_guid(random_guid());
        let b = format_guid(random_guid());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!("89ab".contains(&a[19..20]), "{a}");
    }
}
