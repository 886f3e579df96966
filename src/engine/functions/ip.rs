//! IPv4 functions: private ranges, CIDR membership, comparison, parsing, and
//! searching text for addresses (`has_ipv4` and friends).

use std::net::Ipv4Addr;

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows, map_text};
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "ipv4_is_private" => ipv4_is_private,
        "ipv4_netmask_suffix" => ipv4_netmask_suffix,
        "parse_ipv4_mask" => parse_ipv4_mask,
        "ipv4_is_in_range" => ipv4_is_in_range,
        "ipv4_is_in_any_range" => ipv4_is_in_any_range,
        "ipv4_is_match" => ipv4_is_match,
        "ipv4_compare" => ipv4_compare,
        "parse_ipv4" => parse_ipv4_kernel,
        "format_ipv4" => |a, c| format_ipv4(a, c, "format_ipv4", false),
        "format_ipv4_mask" => |a, c| format_ipv4(a, c, "format_ipv4_mask", true),
        "ipv4_range_to_cidr_list" => ipv4_range_to_cidr_list,
        "has_ipv4" => |a, c| has_ipv4_kernel("has_ipv4", a, c, false, false),
        "has_ipv4_prefix" => |a, c| has_ipv4_kernel("has_ipv4_prefix", a, c, true, false),
        "has_any_ipv4" => |a, c| has_ipv4_kernel("has_any_ipv4", a, c, false, true),
        "has_any_ipv4_prefix" => |a, c| has_ipv4_kernel("has_any_ipv4_prefix", a, c, true, true),
        _ => return None,
    })
}

/// Parses `a.b.c.d[/prefix]` into (address, prefix length).
pub fn parse_ipv4(text: &str) -> Option<(u32, u8)> {
    let text = text.trim();
    let (address, prefix) = match text.split_once('/') {
        Some((address, prefix)) => (address, prefix.trim().parse::<u8>().ok().filter(|p| *p <= 32)?),
        None => (text, 32),
    };
    let address: Ipv4Addr = address.trim().parse().ok()?;
    Some((u32::from(address), prefix))
}

fn mask(prefix: u8) -> u32 {
    if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) }
}

fn in_range(address: &str, range: &str) -> Option<bool> {
    Some(contains(parse_ipv4(address)?, parse_ipv4(range)?))
}

/// True when `address` (with its own prefix) lies in `range`: both are
/// compared on the shorter of the two prefixes.
fn contains((ip, ip_prefix): (u32, u8), (net, prefix): (u32, u8)) -> bool {
    let prefix = prefix.min(ip_prefix);
    ip & mask(prefix) == net & mask(prefix)
}

/// The private ranges of RFC 1918.
const PRIVATE_RANGES: [(u32, u8); 3] = [(0x0A00_0000, 8), (0xAC10_0000, 12), (0xC0A8_0000, 16)];

fn ipv4_is_private(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("ipv4_is_private", args, 1, 1)?;
    map_text(&args[0], ctx, ScalarType::Bool, |text| match parse_ipv4(text) {
        Some(address) => Value::Bool(PRIVATE_RANGES.iter().any(|range| contains(address, *range))),
        None => Value::Null,
    })
}

fn ipv4_is_in_range(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("ipv4_is_in_range", args, 2, 2)?;
    // A constant range (the usual case) is parsed once.
    if let Some(range) = args[1].as_scalar() {
        let range = parse_ipv4(&range.to_kql_string());
        return map_text(&args[0], ctx, ScalarType::Bool, |text| match (parse_ipv4(text), range) {
            (Some(address), Some(range)) => Value::Bool(contains(address, range)),
            _ => Value::Null,
        });
    }
    map_rows(args, ctx, ScalarType::Bool, |v| {
        Ok(in_range(&v[0].to_kql_string(), &v[1].to_kql_string()).map_or(Value::Null, Value::Bool))
    })
}

fn ipv4_is_in_any_range(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("ipv4_is_in_any_range", args, 2, 64)?;
    map_rows(args, ctx, ScalarType::Bool, |v| {
        let address = v[0].to_kql_string();
        if parse_ipv4(&address).is_none() {
            return Ok(Value::Null);
        }
        let mut ranges: Vec<String> = Vec::new();
        for value in &v[1..] {
            match value {
                Value::Dynamic(crate::engine::value::Dyn::Array(items)) => {
                    ranges.extend(items.iter().map(|i| i.to_kql_string()))
                }
                other => ranges.push(other.to_kql_string()),
            }
        }
        Ok(Value::Bool(ranges.iter().any(|r| in_range(&address, r) == Some(true))))
    })
}

fn ipv4_compare_values(a: &str, b: &str, prefix: Option<i64>) -> Option<i64> {
    let (x, px) = parse_ipv4(a)?;
    let (y, py) = parse_ipv4(b)?;
    let prefix = prefix.map_or(px.min(py), |p| (p.clamp(0, 32) as u8).min(px).min(py));
    let (x, y) = (x & mask(prefix), y & mask(prefix));
    Some((x > y) as i64 - (x < y) as i64)
}

fn ipv4_is_match(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("ipv4_is_match", args, 2, 3)?;
    map_rows(args, ctx, ScalarType::Bool, |v| {
        let prefix = v.get(2).and_then(Value::as_i64);
        Ok(ipv4_compare_values(&v[0].to_kql_string(), &v[1].to_kql_string(), prefix)
            .map_or(Value::Null, |c| Value::Bool(c == 0)))
    })
}

fn ipv4_compare(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("ipv4_compare", args, 2, 3)?;
    map_rows(args, ctx, ScalarType::Int, |v| {
        let prefix = v.get(2).and_then(Value::as_i64);
        Ok(ipv4_compare_values(&v[0].to_kql_string(), &v[1].to_kql_string(), prefix).map_or(Value::Null, Value::Long))
    })
}

/// `format_ipv4(ip [, prefix])` / `format_ipv4_mask(ip [, prefix])`: the
/// address (text, or a number as `parse_ipv4` gives) masked with the smaller
/// of its own prefix and `prefix` (default 32), `format_ipv4_mask` adding
/// `/prefix`. An invalid address or a prefix outside 0..=32 gives "".
/// `ipv4_netmask_suffix(ip)`: the `/prefix` of an IPv4 address, 32 when it
/// has none; null for text that is not an IPv4 address.
fn ipv4_netmask_suffix(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("ipv4_netmask_suffix", args, 1, 1)?;
    map_text(&args[0], ctx, ScalarType::Long, |text| {
        parse_ipv4(text).map_or(Value::Null, |(_, prefix)| Value::Long(i64::from(prefix)))
    })
}

/// `parse_ipv4_mask(ip, prefix)`: the address as a long, keeping only its
/// `prefix` (0 to 32) most significant bits, or fewer when the text has a
/// shorter `/prefix` of its own; null for bad input.
fn parse_ipv4_mask(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("parse_ipv4_mask", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Long, |v| {
        let requested = v[1].as_i64().filter(|p| (0..=32).contains(p)).map(|p| p as u8);
        let (Some((ip, own)), Some(requested)) = (parse_ipv4(&v[0].to_kql_string()), requested) else {
            return Ok(Value::Null);
        };
        Ok(Value::Long(i64::from(ip & mask(own.min(requested)))))
    })
}

fn format_ipv4(args: &[Datum], ctx: &EvalCtx, name: &str, with_mask: bool) -> ExecResult<Datum> {
    expect_args(name, args, 1, 2)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        let parsed = match &v[0] {
            Value::Int(_) | Value::Long(_) => v[0].as_i64().and_then(|n| u32::try_from(n).ok()).map(|ip| (ip, 32)),
            other => parse_ipv4(&other.to_kql_string()),
        };
        let requested = match v.get(1) {
            None => Some(32),
            Some(value) if value.is_null() => Some(32),
            Some(value) => value.as_i64().filter(|p| (0..=32).contains(p)).map(|p| p as u8),
        };
        let (Some((ip, own)), Some(requested)) = (parsed, requested) else { return Ok(Value::str("")) };
        let prefix = own.min(requested);
        let address = Ipv4Addr::from(ip & mask(prefix)).to_string();
        Ok(Value::str(&if with_mask { format!("{address}/{prefix}") } else { address }))
    })
}

/// `ipv4_range_to_cidr_list(start, end)`: the smallest list of CIDR blocks
/// covering the addresses from `start` to `end`; an invalid address, or an
/// end before the start, gives null.
fn ipv4_range_to_cidr_list(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("ipv4_range_to_cidr_list", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let (Some((start, _)), Some((end, _))) = (parse_ipv4(&v[0].to_kql_string()), parse_ipv4(&v[1].to_kql_string()))
        else {
            return Ok(Value::Null);
        };
        if end < start {
            return Ok(Value::Null);
        }
        Ok(Value::Dynamic(crate::engine::value::Dyn::array(
            cidr_blocks(start, end).into_iter().map(|b| crate::engine::value::Dyn::str(&b)).collect(),
        )))
    })
}

fn cidr_blocks(start: u32, end: u32) -> Vec<String> {
    let (mut current, end) = (u64::from(start), u64::from(end));
    let mut blocks = Vec::new();
    while current <= end {
        // The largest block aligned at `current` that stays within the range.
        let mut size: u64 = if current == 0 { 1 << 32 } else { 1 << current.trailing_zeros().min(32) };
        while current + size - 1 > end {
            size >>= 1;
        }
        let prefix = 32 - size.trailing_zeros();
        blocks.push(format!("{}/{prefix}", Ipv4Addr::from(current as u32)));
        current += size;
    }
    blocks
}

fn parse_ipv4_kernel(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("parse_ipv4", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Long, |v| {
        Ok(parse_ipv4(&v[0].to_kql_string())
            .map_or(Value::Null, |(ip, prefix)| Value::Long((ip & mask(prefix)) as i64)))
    })
}

/// The IPv4 addresses written in `text`, as octets. An address must be
/// delimited by non-alphanumeric characters: it is a maximal run of digits
/// and dots (without dots at its ends) with no letter or digit on either side.
fn addresses_in(text: &str) -> Vec<[u8; 4]> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        if !bytes[index].is_ascii_digit() {
            index += 1;
            continue;
        }
        let start = index;
        while index < bytes.len() && (bytes[index].is_ascii_digit() || bytes[index] == b'.') {
            index += 1;
        }
        let before_ok = start == 0 || !is_word_char(text, start, true);
        let after_ok = index == bytes.len() || !is_word_char(text, index, false);
        if before_ok && after_ok {
            let token = text[start..index].trim_end_matches('.');
            if let Ok(address) = token.parse::<Ipv4Addr>() {
                found.push(address.octets());
            }
        }
    }
    found
}

/// Whether the character just before (`before`) or at byte `at` is a letter or digit.
fn is_word_char(text: &str, at: usize, before: bool) -> bool {
    let c = if before { text[..at].chars().next_back() } else { text[at..].chars().next() };
    c.is_some_and(char::is_alphanumeric)
}

/// An address (`a.b.c.d`, 4 octets) or, when `prefix` is allowed, a prefix
/// ending with a dot (`a.`, `a.b.`, `a.b.c.`).
fn parse_search_term(term: &str, prefix: bool) -> Option<Vec<u8>> {
    let term = term.trim();
    if let Ok(address) = term.parse::<Ipv4Addr>() {
        return Some(address.octets().to_vec());
    }
    if !prefix {
        return None;
    }
    let body = term.strip_suffix('.')?;
    let octets: Option<Vec<u8>> = body
        .split('.')
        .map(|part| if part.is_empty() || part.len() > 3 { None } else { part.parse::<u8>().ok() })
        .collect();
    octets.filter(|o| (1..=3).contains(&o.len()))
}

/// `has_ipv4(source, ip)`, `has_ipv4_prefix(source, prefix)` and the `any`
/// forms (several arguments or a dynamic array). Invalid search terms never
/// match; when none is valid the result is false.
fn has_ipv4_kernel(name: &str, args: &[Datum], ctx: &EvalCtx, prefix: bool, any: bool) -> ExecResult<Datum> {
    expect_args(name, args, 2, if any { 64 } else { 2 })?;
    map_rows(args, ctx, ScalarType::Bool, |v| {
        let mut terms = Vec::new();
        for value in &v[1..] {
            match value {
                Value::Dynamic(crate::engine::value::Dyn::Array(items)) => {
                    terms.extend(items.iter().filter_map(|i| parse_search_term(&i.to_kql_string(), prefix)))
                }
                other => terms.extend(parse_search_term(&other.to_kql_string(), prefix)),
            }
        }
        if terms.is_empty() {
            return Ok(Value::Bool(false));
        }
        let addresses = addresses_in(&v[0].to_kql_string());
        Ok(Value::Bool(addresses.iter().any(|address| terms.iter().any(|term| address.starts_with(term)))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_become_cidr_blocks() {
        assert_eq!(cidr_blocks(0x0101_8000, 0x0101_8cff), ["1.1.128.0/21", "1.1.136.0/22", "1.1.140.0/24"]);
        assert_eq!(cidr_blocks(0, u32::MAX), ["0.0.0.0/0"]);
        assert_eq!(cidr_blocks(5, 5), ["0.0.0.5/32"]);
    }

    #[test]
    fn addresses_need_non_alphanumeric_delimiters() {
        assert_eq!(addresses_in("05:04:54 127.0.0.1 GET /favicon.ico 404"), vec![[127, 0, 0, 1]]);
        assert!(addresses_in("05:04:54127.0.0.1 GET").is_empty());
        assert!(addresses_in("x127.0.0.1").is_empty());
        assert!(addresses_in("127.0.0.256").is_empty());
        assert_eq!(addresses_in("from: 192.168.1.1, 10.1.1.115 and 10.1.1.201.").len(), 3);
        assert_eq!(addresses_in("é10.0.0.1é"), Vec::<[u8; 4]>::new());
        assert_eq!(addresses_in("→10.0.0.1←"), vec![[10, 0, 0, 1]]);
        assert!(addresses_in("").is_empty());
    }

    #[test]
    fn prefixes_end_with_a_dot() {
        assert_eq!(parse_search_term("127.0.", true), Some(vec![127, 0]));
        assert_eq!(parse_search_term("127.0", true), None);
        assert_eq!(parse_search_term("127.0.0.1", true), Some(vec![127, 0, 0, 1]));
        assert_eq!(parse_search_term("127.0.", false), None);
        assert_eq!(parse_search_term("300.", true), None);
        assert_eq!(parse_search_term("", true), None);
    }

    #[test]
    fn netmask_suffix_and_mask_parsing() {
        let ctx = EvalCtx { rows: 1, now: 0 };
        let one = |kernel: ScalarKernel, args: &[Value]| {
            let datums: Vec<Datum> =
                args.iter().map(|v| Datum::Scalar(v.clone(), v.scalar_type().unwrap_or(ScalarType::String))).collect();
            kernel(&datums, &ctx).expect("a result").get(0)
        };
        assert_eq!(one(ipv4_netmask_suffix, &[Value::str("10.1.2.3")]), Value::Long(32));
        assert_eq!(one(ipv4_netmask_suffix, &[Value::str("192.168.1.1/24")]), Value::Long(24));
        assert_eq!(one(ipv4_netmask_suffix, &[Value::str("127.0.0.1/16")]), Value::Long(16));
        assert!(one(ipv4_netmask_suffix, &[Value::str("")]).is_null());
        assert!(one(ipv4_netmask_suffix, &[Value::str("10.1.2.3/33")]).is_null());
        assert!(one(ipv4_netmask_suffix, &[Value::str("not an ip")]).is_null());
        let masked = |ip: &str, prefix: Value| one(parse_ipv4_mask, &[Value::str(ip), prefix]);
        assert_eq!(masked("127.0.0.1", Value::Long(24)), Value::Long(2_130_706_432));
        assert_eq!(masked("192.168.1.2", Value::Long(24)), Value::Long(3_232_235_776));
        assert_eq!(masked("192.1.168.3", Value::Long(31)), masked("192.1.168.2", Value::Long(31)));
        assert_eq!(masked("1.2.3.4", Value::Long(0)), Value::Long(0));
        assert!(masked("1.2.3.4", Value::Long(33)).is_null());
        assert!(masked("1.2.3.4", Value::Long(-1)).is_null());
        assert!(masked("1.2.3.4", Value::Null).is_null());
        assert!(masked("", Value::Long(24)).is_null());
    }
}
