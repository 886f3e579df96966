//! Encodings and hashes: base64 (to and from strings and byte arrays), MD5,
//! SHA-1, SHA-256, xxHash64 (`hash()`) and combined hashes (`hash_combine`,
//! `hash_many`).
//!
//! Hashed values are the UTF-8 bytes of the value's Kusto text, as the docs'
//! examples show: `hash_md5(datetime(2020-01-01))` hashes
//! `2020-01-01T00:00:00.0000000Z`.

use std::sync::Arc;

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "base64_encode_tostring" | "base64_encodestring" => base64_encode_tostring,
        "base64_decode_tostring" | "base64_decodestring" => base64_decode_tostring,
        "base64_decode_toarray" => base64_decode_toarray,
        "base64_encode_fromarray" => base64_encode_fromarray,
        "base64_encode_fromguid" => base64_encode_fromguid,
        "base64_decode_toguid" => base64_decode_toguid,
        "hash_md5" => |a, c| digest_kernel::<Md5>("hash_md5", a, c),
        "hash_sha1" => |a, c| digest_kernel::<Sha1>("hash_sha1", a, c),
        "hash_sha256" => |a, c| digest_kernel::<Sha256>("hash_sha256", a, c),
        "hash" | "hash_xxhash64" => hash,
        "hash_combine" => hash_combine,
        "hash_many" => hash_many,
        _ => return None,
    })
}

const BASE64_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with `=` padding.
pub fn encode_base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64_ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 (padding optional, surrounding whitespace
/// ignored). `None` for any other character or an impossible length.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let text = text.trim().trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    // One leftover base64 digit cannot encode a byte.
    if text.len() % 4 == 1 {
        return None;
    }
    Some(out)
}

fn base64_encode_tostring(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("base64_encode_tostring", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::String, |v| Ok(Value::str(&encode_base64(v[0].to_kql_string().as_bytes()))))
}

/// Invalid base64, or bytes that are not UTF-8, give null (the empty string).
fn base64_decode_tostring(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("base64_decode_tostring", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        Ok(decode_base64(&v[0].to_kql_string())
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .map_or(Value::Null, |text| Value::str(&text)))
    })
}

/// The decoded bytes as an array of longs; invalid base64 gives null.
fn base64_decode_toarray(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("base64_decode_toarray", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        Ok(match decode_base64(&v[0].to_kql_string()) {
            Some(bytes) => {
                Value::Dynamic(Dyn::Array(Arc::new(bytes.into_iter().map(|b| Dyn::Long(i64::from(b))).collect())))
            }
            None => Value::Null,
        })
    })
}

/// An array of byte values (0..=255) to base64; anything else in the array
/// (or a non-array) gives null.
fn base64_encode_fromarray(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("base64_encode_fromarray", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        let Value::Dynamic(Dyn::Array(items)) = &v[0] else { return Ok(Value::Null) };
        let bytes: Option<Vec<u8>> =
            items.iter().map(|item| item.as_i64().and_then(|n| u8::try_from(n).ok())).collect();
        Ok(bytes.map_or(Value::Null, |bytes| Value::str(&encode_base64(&bytes))))
    })
}

/// The 16 bytes of .NET's `Guid.ToByteArray()`: the first three groups
/// (4, 2 and 2 bytes) little-endian, the last eight bytes in text order.
pub fn guid_to_dotnet_bytes(guid: u128) -> [u8; 16] {
    let text_order = guid.to_be_bytes();
    let mut bytes = text_order;
    bytes[0..4].reverse();
    bytes[4..6].reverse();
    bytes[6..8].reverse();
    bytes
}

/// The inverse of [`guid_to_dotnet_bytes`].
pub fn guid_from_dotnet_bytes(bytes: [u8; 16]) -> u128 {
    let mut text_order = bytes;
    text_order[0..4].reverse();
    text_order[4..6].reverse();
    text_order[6..8].reverse();
    u128::from_be_bytes(text_order)
}

/// A GUID's `Guid.ToByteArray()` bytes in base64. Null gives null; any
/// other type is an error, as the docs say.
fn base64_encode_fromguid(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("base64_encode_fromguid", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::String, |v| match &v[0] {
        Value::Guid(guid) => Ok(Value::str(&encode_base64(&guid_to_dotnet_bytes(*guid)))),
        Value::Null => Ok(Value::Null),
        other => {
            Err(ExecError::runtime(format!("`base64_encode_fromguid` expects a guid, got `{}`", other.to_kql_string())))
        }
    })
}

/// Base64 of 16 bytes in `Guid.ToByteArray()` order to a GUID; invalid
/// base64 or any other length gives null.
fn base64_decode_toguid(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("base64_decode_toguid", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Guid, |v| {
        if v[0].is_null() {
            return Ok(Value::Null);
        }
        let bytes = decode_base64(&v[0].to_kql_string()).and_then(|bytes| <[u8; 16]>::try_from(bytes).ok());
        Ok(bytes.map_or(Value::Null, |bytes| Value::Guid(guid_from_dotnet_bytes(bytes))))
    })
}

fn digest_kernel<D: Digest>(name: &str, args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args(name, args, 1, 1)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        if v[0].is_null() {
            return Ok(Value::Null);
        }
        let digest = D::digest(v[0].to_kql_string().as_bytes());
        Ok(Value::str(&to_hex(&digest)))
    })
}

fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(HEX[(byte >> 4) as usize] as char);
        out.push(HEX[(byte & 15) as usize] as char);
    }
    out
}

/// `hash(source [, mod])`: xxHash64 (seed 0) of the value; with `mod`, the
/// hash modulo `mod` (non-negative).
fn hash(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("hash", args, 1, 2)?;
    map_rows(args, ctx, ScalarType::Long, |v| {
        if v[0].is_null() {
            return Ok(Value::Null);
        }
        let hash = xxhash64(&hash_bytes(&v[0]), 0);
        Ok(match v.get(1) {
            None => Value::Long(hash as i64),
            Some(modulo) => match modulo.as_i64() {
                Some(m) if m > 0 => Value::Long((hash % m as u64) as i64),
                _ => Value::Null,
            },
        })
    })
}

/// `hash_combine(h1, h2, ...)`: one hash of several hash values.
///
/// The page documents the result only as "the combined hash value" with one
/// example, `hash_combine(hash("Hello"), hash("World"))` =
/// -1440138333540407281; the combining algorithm is not published and the
/// `hash_many` page warns that it may change, so a combined hash is only
/// meaningful within one query. Here it is xxHash64 (seed 0) of the values'
/// little-endian bytes: deterministic, order-sensitive and consistent with
/// `hash_many`, but it does not reproduce Kusto's values (the documented
/// example gives 5078818810206325213). A null argument gives null.
fn hash_combine(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    if args.len() < 2 {
        return Err(ExecError::runtime(format!("`hash_combine` got {} arguments, expects at least 2", args.len())));
    }
    map_rows(args, ctx, ScalarType::Long, |values| {
        let hashes: Option<Vec<i64>> = values.iter().map(Value::as_i64).collect();
        Ok(hashes.map_or(Value::Null, |hashes| Value::Long(combine_hashes(&hashes))))
    })
}

/// `hash_many(s1, s2, ...)`: as documented, `hash()` of each value, then
/// the hashes combined as `hash_combine` does; so `hash_many(a, b)` equals
/// `hash_combine(hash(a), hash(b))`, as the two pages' examples show. A
/// null value has no hash (`hash()` gives null), so the result is null.
fn hash_many(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    if args.is_empty() {
        return Err(ExecError::runtime("`hash_many` needs at least one value"));
    }
    map_rows(args, ctx, ScalarType::Long, |values| {
        if values.iter().any(Value::is_null) {
            return Ok(Value::Null);
        }
        let hashes: Vec<i64> = values.iter().map(|value| xxhash64(&hash_bytes(value), 0) as i64).collect();
        Ok(Value::Long(combine_hashes(&hashes)))
    })
}

/// The combination of `hash_combine` and `hash_many`: xxHash64 of the
/// hashes' little-endian bytes.
fn combine_hashes(hashes: &[i64]) -> i64 {
    let bytes: Vec<u8> = hashes.iter().flat_map(|hash| hash.to_le_bytes()).collect();
    xxhash64(&bytes, 0) as i64
}

/// The bytes `hash()` digests: numbers, datetimes and timespans by their
/// little-endian binary form, everything else by its text.
pub fn hash_bytes(value: &Value) -> Vec<u8> {
    match value {
        Value::Int(n) => i64::from(*n).to_le_bytes().to_vec(),
        Value::Long(n) | Value::DateTime(n) | Value::TimeSpan(n) => n.to_le_bytes().to_vec(),
        Value::Real(x) => x.to_le_bytes().to_vec(),
        Value::Bool(b) => i64::from(*b).to_le_bytes().to_vec(),
        other => other.to_kql_string().into_bytes(),
    }
}

const PRIME1: u64 = 0x9E37_79B1_85EB_CA87;
const PRIME2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const PRIME3: u64 = 0x1656_67B1_9E37_79F9;
const PRIME4: u64 = 0x85EB_CA77_C2B2_AE63;
const PRIME5: u64 = 0x27D4_EB2F_1656_67C5;

fn read_u64(bytes: &[u8]) -> u64 {
    u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"))
}

fn round(acc: u64, input: u64) -> u64 {
    acc.wrapping_add(input.wrapping_mul(PRIME2)).rotate_left(31).wrapping_mul(PRIME1)
}

fn merge_round(acc: u64, value: u64) -> u64 {
    (acc ^ round(0, value)).wrapping_mul(PRIME1).wrapping_add(PRIME4)
}

/// xxHash64 (the reference algorithm, XXH64).
pub fn xxhash64(input: &[u8], seed: u64) -> u64 {
    let mut rest = input;
    let mut hash = if input.len() >= 32 {
        let mut v = [
            seed.wrapping_add(PRIME1).wrapping_add(PRIME2),
            seed.wrapping_add(PRIME2),
            seed,
            seed.wrapping_sub(PRIME1),
        ];
        while rest.len() >= 32 {
            for (i, lane) in v.iter_mut().enumerate() {
                *lane = round(*lane, read_u64(&rest[i * 8..]));
            }
            rest = &rest[32..];
        }
        let mut h = v[0]
            .rotate_left(1)
            .wrapping_add(v[1].rotate_left(7))
            .wrapping_add(v[2].rotate_left(12))
            .wrapping_add(v[3].rotate_left(18));
        for lane in v {
            h = merge_round(h, lane);
        }
        h
    } else {
        seed.wrapping_add(PRIME5)
    };
    hash = hash.wrapping_add(input.len() as u64);
    while rest.len() >= 8 {
        hash ^= round(0, read_u64(rest));
        hash = hash.rotate_left(27).wrapping_mul(PRIME1).wrapping_add(PRIME4);
        rest = &rest[8..];
    }
    if rest.len() >= 4 {
        let word = u32::from_le_bytes(rest[..4].try_into().expect("4 bytes"));
        hash ^= u64::from(word).wrapping_mul(PRIME1);
        hash = hash.rotate_left(23).wrapping_mul(PRIME2).wrapping_add(PRIME3);
        rest = &rest[4..];
    }
    for byte in rest {
        hash ^= u64::from(*byte).wrapping_mul(PRIME5);
        hash = hash.rotate_left(11).wrapping_mul(PRIME1);
    }
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(PRIME2);
    hash ^= hash >> 29;
    hash = hash.wrapping_mul(PRIME3);
    hash ^ (hash >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_and_pads() {
        assert_eq!(encode_base64(b"Kusto"), "S3VzdG8=");
        assert_eq!(encode_base64(b""), "");
        assert_eq!(encode_base64("é".as_bytes()), "w6k=");
        assert_eq!(decode_base64("S3VzdG8=").as_deref(), Some(&b"Kusto"[..]));
        assert_eq!(decode_base64("S3VzdG8").as_deref(), Some(&b"Kusto"[..]));
        assert_eq!(decode_base64("").as_deref(), Some(&b""[..]));
    }

    #[test]
    fn invalid_base64_is_none() {
        assert_eq!(decode_base64("S3V*dG8="), None);
        assert_eq!(decode_base64("S"), None);
    }

    #[test]
    fn xxhash64_matches_the_docs() {
        assert_eq!(xxhash64(b"World", 0) as i64, 1_846_988_464_401_551_951);
        assert_eq!(xxhash64(b"", 0), 0xEF46_DB37_51D8_E999);
        let ticks = crate::syntax::literal::parse_datetime("2015-01-01").expect("a datetime");
        assert_eq!(xxhash64(&hash_bytes(&Value::DateTime(ticks)), 0) as i64, 1_380_966_698_541_616_202);
    }

    #[test]
    fn xxhash64_of_long_input_uses_the_four_lanes() {
        // Reference value of XXH64("Nobody inspects the spammish repetition", 0).
        assert_eq!(xxhash64(b"Nobody inspects the spammish repetition", 0), 0xFBCE_A83C_8A37_8BF1);
    }

    #[test]
    fn guids_use_the_dotnet_byte_order() {
        let guid = 0xae3133f2_6e22_49ae_b06a_16e6a9b212eb_u128;
        assert_eq!(encode_base64(&guid_to_dotnet_bytes(guid)), "8jMxriJurkmwahbmqbIS6w==");
        assert_eq!(guid_from_dotnet_bytes(guid_to_dotnet_bytes(guid)), guid);
    }

    #[test]
    fn guid_kernels_handle_bad_input() {
        let ctx = EvalCtx { rows: 1, now: 0 };
        let decode = |value: Value| {
            let ty = value.scalar_type().unwrap_or(ScalarType::String);
            base64_decode_toguid(&[Datum::Scalar(value, ty)], &ctx).expect("a result").get(0)
        };
        assert!(decode(Value::str("abcd1231")).is_null());
        assert!(decode(Value::str("")).is_null());
        assert!(decode(Value::str("not base64!")).is_null());
        assert!(decode(Value::Null).is_null());
        assert_eq!(decode(Value::str("8jMxriJurkmwahbmqbIS6w==")), Value::Guid(0xae3133f2_6e22_49ae_b06a_16e6a9b212eb));
        let encode = |value: Value| {
            let ty = value.scalar_type().unwrap_or(ScalarType::Guid);
            base64_encode_fromguid(&[Datum::Scalar(value, ty)], &ctx).map(|d| d.get(0))
        };
        assert_eq!(encode(Value::Null).expect("null in, null out").to_kql_string(), "");
        assert!(encode(Value::str("abcd1231")).is_err());
    }

    #[test]
    fn hex_digests() {
        assert_eq!(to_hex(&Md5::digest(b"World")), "f5a7924e621e84c9280a9a27e1bcb7f6");
        assert_eq!(to_hex(&Sha1::digest(b"World")), "70c07ec18ef89c5309bbb0937f3a6342411e1fdd");
    }

    #[test]
    fn hash_many_is_hash_combine_of_the_hashes() {
        use crate::engine::functions::test_support::call_constant;
        let hello = xxhash64(b"Hello", 0) as i64;
        let world = xxhash64(b"World", 0) as i64;
        // The documented inputs (hash("Hello"), hash("World")).
        assert_eq!(hello, 753_694_413_698_530_628);
        let combined = call_constant(hash_combine, &[Value::Long(hello), Value::Long(world)]);
        assert_eq!(call_constant(hash_many, &[Value::str("Hello"), Value::str("World")]), combined);
        // Not Kusto's unpublished value (-1440138333540407281): see `hash_combine`.
        assert_eq!(combined, Value::Long(5_078_818_810_206_325_213));
        // Order matters; a null gives null.
        assert_ne!(call_constant(hash_combine, &[Value::Long(world), Value::Long(hello)]), combined);
        assert!(call_constant(hash_combine, &[Value::Long(1), Value::Null]).is_null());
        assert!(call_constant(hash_many, &[Value::str("a"), Value::Null]).is_null());
        assert!(call_constant(hash_combine, &[Value::Long(1), Value::str("x")]).is_null());
        // Empty strings and extreme values hash like any other.
        assert!(!call_constant(hash_many, &[Value::str(""), Value::str("")]).is_null());
        assert!(
            !call_constant(hash_combine, &[Value::Long(i64::MIN), Value::Long(i64::MAX), Value::Long(0)]).is_null()
        );
    }
}
