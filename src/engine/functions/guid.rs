//! `new_guid()`: a random (version 4) GUID for each row.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use crate::engine::column::ColumnBuilder;
use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args};
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "new_guid" => new_guid,
        _ => return None,
    })
}

/// 128 random bits with the version (4) and variant (RFC 4122) bits set.
/// The randomness comes from the standard library's randomly keyed hasher,
/// so the engine needs no random-number crate.
pub fn random_guid(state: &RandomState, counter: u64) -> u128 {
    let mut halves = [0u64; 2];
    for (i, half) in halves.iter_mut().enumerate() {
        let mut hasher = state.build_hasher();
        hasher.write_u64(counter);
        hasher.write_u64(i as u64);
        *half = hasher.finish();
    }
    let bits = (u128::from(halves[0]) << 64) | u128::from(halves[1]);
    let bits = (bits & !(0xF << 76)) | (0x4 << 76);
    (bits & !(0x3 << 62)) | (0x2 << 62)
}

/// A different GUID on every row (not a constant, unlike most
/// argument-less functions).
fn new_guid(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("new_guid", args, 0, 0)?;
    let state = RandomState::new();
    let mut builder = ColumnBuilder::new(ScalarType::Guid, ctx.rows);
    for row in 0..ctx.rows {
        builder.push(&Value::Guid(random_guid(&state, row as u64)));
    }
    Ok(Datum::Column(builder.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::value::format_guid;

    #[test]
    fn guids_are_version_4_and_distinct() {
        let state = RandomState::new();
        let a = format_guid(random_guid(&state, 0));
        let b = format_guid(random_guid(&state, 1));
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!("89ab".contains(&a[19..20]), "{a}");
    }
}
