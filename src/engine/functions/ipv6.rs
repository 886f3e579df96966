//! IPv6 functions: `parse_ipv6`, `parse_ipv6_mask`, `ipv6_compare` and
//! `ipv6_is_match`. IPv4 addresses (also written inside IPv6 text, as in
//! `::192.168.1.1`) are IPv4-mapped addresses (`::ffff:c0a8:101`) whose
//! `/prefix` counts IPv4 bits, so `/24` masks 120 of the 128 bits.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "parse_ipv6" => parse_ipv6,
        "parse_ipv6_mask" => parse_ipv6_mask,
        "ipv6_compare" => ipv6_compare,
        "ipv6_is_match" => ipv6_is_match,
        "ipv6_is_in_range" => ipv6_is_in_range,
        "ipv6_is_in_any_range" => ipv6_is_in_any_range,
        _ => return None,
    })
}

/// Parses an IPv6 or IPv4 address with an optional `/prefix` into the
/// 128-bit address and the prefix length in IPv6 bits.
pub fn parse_ipv6_text(text: &str) -> Option<(u128, u32)> {
    let text = text.trim();
    let (address, prefix) = match text.split_once('/') {
        Some((address, prefix)) => (address.trim(), Some(prefix.trim().parse::<u32>().ok()?)),
        None => (text, None),
    };
    if address.contains('.') {
        // IPv4, alone or as the last 32 bits of IPv6 text (`::1.2.3.4`,
        // `::ffff:1.2.3.4`): a mapped address with an IPv4 prefix.
        let ipv4 = if address.contains(':') {
            let bits = u128::from(address.parse::<Ipv6Addr>().ok()?);
            if bits >> 32 != 0 && bits >> 32 != 0xffff {
                return match prefix {
                    Some(p) if p > 128 => None,
                    other => Some((bits, other.unwrap_or(128))),
                };
            }
            bits as u32
        } else {
            u32::from(address.parse::<Ipv4Addr>().ok()?)
        };
        let prefix = match prefix {
            Some(p) if p <= 32 => 96 + p,
            Some(_) => return None,
            None => 128,
        };
        return Some(((0xffff_u128 << 32) | u128::from(ipv4), prefix));
    }
    let address: Ipv6Addr = address.parse().ok()?;
    let prefix = match prefix {
        Some(p) if p <= 128 => p,
        Some(_) => return None,
        None => 128,
    };
    Some((u128::from(address), prefix))
}

fn mask(prefix: u32) -> u128 {
    if prefix == 0 { 0 } else { u128::MAX << (128 - prefix.min(128)) }
}

/// The canonical text: eight groups of four lower-case hex digits.
pub fn format_ipv6_full(address: u128) -> String {
    (0..8).map(|group| format!("{:04x}", (address >> (112 - 16 * group)) & 0xffff)).collect::<Vec<_>>().join(":")
}

/// `parse_ipv6(ip)`: the canonical form of the address with its prefix
/// applied; an invalid address gives an empty string.
fn parse_ipv6(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("parse_ipv6", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        Ok(Value::str(
            &parse_ipv6_text(&v[0].to_kql_string())
                .map_or_else(String::new, |(address, prefix)| format_ipv6_full(address & mask(prefix))),
        ))
    })
}

/// `parse_ipv6_mask(ip, prefix)`: like `parse_ipv6`, masked with the
/// smaller of the address's own prefix and `prefix` (0 to 128 IPv6 bits).
fn parse_ipv6_mask(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("parse_ipv6_mask", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        let parsed = parse_ipv6_text(&v[0].to_kql_string());
        let netmask = v[1].as_i64().filter(|p| (0..=128).contains(p));
        Ok(Value::str(&match (parsed, netmask) {
            (Some((address, prefix)), Some(netmask)) => format_ipv6_full(address & mask(prefix.min(netmask as u32))),
            _ => String::new(),
        }))
    })
}

/// Compares two addresses on the smallest of their prefixes and the
/// optional `prefix` (IPv6 bits): -1, 0 or 1.
fn compare_values(first: &str, second: &str, prefix: Option<&Value>) -> Option<i64> {
    let (x, px) = parse_ipv6_text(first)?;
    let (y, py) = parse_ipv6_text(second)?;
    let mut bits = px.min(py);
    if let Some(prefix) = prefix.filter(|p| !p.is_null()) {
        bits = bits.min(u32::try_from(prefix.as_i64()?.clamp(0, 128)).ok()?);
    }
    let (x, y) = (x & mask(bits), y & mask(bits));
    Some((x > y) as i64 - (x < y) as i64)
}

fn ipv6_compare(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("ipv6_compare", args, 2, 3)?;
    map_rows(args, ctx, ScalarType::Long, |v| {
        Ok(compare_values(&v[0].to_kql_string(), &v[1].to_kql_string(), v.get(2)).map_or(Value::Null, Value::Long))
    })
}

fn ipv6_is_match(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("ipv6_is_match", args, 2, 3)?;
    map_rows(args, ctx, ScalarType::Bool, |v| {
        Ok(compare_values(&v[0].to_kql_string(), &v[1].to_kql_string(), v.get(2))
            .map_or(Value::Null, |c| Value::Bool(c == 0)))
    })
}

/// True when `address` lies in `range`, both compared on the shorter of
/// their prefixes; `None` when either is not an IPv6 (or IPv4) address.
fn ipv6_in_range(address: &str, range: &str) -> Option<bool> {
    let (address, address_prefix) = parse_ipv6_text(address)?;
    let (range, range_prefix) = parse_ipv6_text(range)?;
    let prefix = address_prefix.min(range_prefix);
    let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
    Some(address & mask == range & mask)
}

/// `ipv6_is_in_range(address, range)`: null when either fails to parse.
fn ipv6_is_in_range(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("ipv6_is_in_range", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Bool, |v| {
        if v[0].is_null() || v[1].is_null() {
            return Ok(Value::Null);
        }
        Ok(ipv6_in_range(&v[0].to_kql_string(), &v[1].to_kql_string()).map_or(Value::Null, Value::Bool))
    })
}

/// `ipv6_is_in_any_range(address, range, ...)` or with a `dynamic` array of
/// ranges: null when the address fails to parse, otherwise whether any
/// range holds it (ranges that fail to parse hold nothing).
fn ipv6_is_in_any_range(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("ipv6_is_in_any_range", args, 2, 32_768)?;
    map_rows(args, ctx, ScalarType::Bool, |v| {
        let address = v[0].to_kql_string();
        if v[0].is_null() || parse_ipv6_text(&address).is_none() {
            return Ok(Value::Null);
        }
        let mut ranges: Vec<String> = Vec::new();
        for value in &v[1..] {
            match value {
                Value::Dynamic(crate::engine::value::Dyn::Array(items)) => {
                    ranges.extend(items.iter().map(|item| item.to_kql_string()))
                }
                other => ranges.push(other.to_kql_string()),
            }
        }
        Ok(Value::Bool(ranges.iter().any(|range| ipv6_in_range(&address, range) == Some(true))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(text: &str, netmask: u32) -> String {
        parse_ipv6_text(text).map_or_else(String::new, |(a, p)| format_ipv6_full(a & mask(p.min(netmask))))
    }

    #[test]
    fn ipv4_addresses_are_mapped_with_ipv4_prefixes() {
        assert_eq!(canonical("192.168.255.255", 128), "0000:0000:0000:0000:0000:ffff:c0a8:ffff");
        assert_eq!(canonical("192.168.255.255/24", 128), "0000:0000:0000:0000:0000:ffff:c0a8:ff00");
        assert_eq!(canonical("192.168.255.255/24", 124), "0000:0000:0000:0000:0000:ffff:c0a8:ff00");
        assert_eq!(canonical("::192.168.255.255/24", 128), "0000:0000:0000:0000:0000:ffff:c0a8:ff00");
        assert_eq!(canonical("::ffff:192.168.255.255", 128), "0000:0000:0000:0000:0000:ffff:c0a8:ffff");
    }

    #[test]
    fn ipv6_addresses_are_expanded_and_masked() {
        assert_eq!(canonical("fe80::85d:e82c:9446:7994", 128), "fe80:0000:0000:0000:085d:e82c:9446:7994");
        assert_eq!(canonical("fe80::85d:e82c:9446:7994/120", 124), "fe80:0000:0000:0000:085d:e82c:9446:7900");
        assert_eq!(canonical("fe80::1/129", 128), "");
        assert_eq!(canonical("not an address", 128), "");
        assert_eq!(canonical("1.2.3.4/33", 128), "");
    }

    #[test]
    fn comparisons_use_the_smallest_prefix() {
        assert_eq!(compare_values("192.168.1.1/24", "192.168.1.255", None), Some(0));
        assert_eq!(compare_values("192.168.1.1", "::ffff:c0a8:0101", None), Some(0));
        assert_eq!(compare_values("::192.168.1.1/30", "192.168.1.255/24", None), Some(0));
        assert_eq!(
            compare_values("fe80::85d:e82c:9446:7994", "fe80::85d:e82c:9446:7995", Some(&Value::Long(127))),
            Some(0)
        );
        assert_eq!(compare_values("fe80::1", "fe80::2", None), Some(-1));
        assert_eq!(compare_values("fe80::1", "junk", None), None);
    }

    #[test]
    fn ipv6_ranges_match_the_docs() {
        let address = "a5e:f127:8a9d:146d:e102:b5d3:c755:abcd";
        assert_eq!(ipv6_in_range(address, "a5e:f127:8a9d:146d:e102:b5d3:c755:0000/112"), Some(true));
        assert_eq!(ipv6_in_range(address, address), Some(true));
        assert_eq!(ipv6_in_range(address, "0:0:0:0:0:ffff:c0a8:ac/60"), Some(false));
        assert_eq!(
            ipv6_in_range("a5e:f127:8a9d:146d:e102:b5d3:c756:abd1", "a5e:f127:8a9d:146d:e102:b5d3:c755:f6cd/112"),
            Some(false)
        );
        assert_eq!(ipv6_in_range(address, "::/0"), Some(true));
        assert_eq!(ipv6_in_range("", address), None);
        assert_eq!(ipv6_in_range(address, "not an address"), None);
    }

    #[test]
    fn ipv6_any_range_kernel() {
        let ctx = EvalCtx { rows: 1, now: 0 };
        let ranges = Value::Dynamic(crate::engine::value::Dyn::array(vec![
            crate::engine::value::Dyn::str("a5e:f127:8a9d:146d:e102:b5d3:c755:f6cd/112"),
            crate::engine::value::Dyn::str("0:0:0:0:0:ffff:c0a8:ac/60"),
        ]));
        let call = |address: Value| {
            let args = [Datum::Scalar(address, ScalarType::String), Datum::Scalar(ranges.clone(), ScalarType::Dynamic)];
            ipv6_is_in_any_range(&args, &ctx).expect("a result").get(0)
        };
        assert_eq!(call(Value::str("a5e:f127:8a9d:146d:e102:b5d3:c755:abcd")), Value::Bool(true));
        assert_eq!(call(Value::str("a5e:f127:8a9d:146d:e102:b5d3:c756:abd1")), Value::Bool(false));
        assert!(call(Value::str("")).is_null());
        assert!(call(Value::str("garbage")).is_null());
    }
}
