//! IPv4 functions: private ranges, CIDR membership, comparison, parsing.

use std::net::Ipv4Addr;

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "ipv4_is_private" => ipv4_is_private,
        "ipv4_is_in_range" => ipv4_is_in_range,
        "ipv4_is_in_any_range" => ipv4_is_in_any_range,
        "ipv4_is_match" => ipv4_is_match,
        "ipv4_compare" => ipv4_compare,
        "parse_ipv4" => parse_ipv4_kernel,
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
    let (ip, ip_prefix) = parse_ipv4(address)?;
    let (net, prefix) = parse_ipv4(range)?;
    let prefix = prefix.min(ip_prefix);
    Some(ip & mask(prefix) == net & mask(prefix))
}

fn ipv4_is_private(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("ipv4_is_private", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Bool, |v| {
        let text = v[0].to_kql_string();
        Ok(match parse_ipv4(&text) {
            Some(_) => Value::Bool(
                ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].iter().any(|r| in_range(&text, r) == Some(true)),
            ),
            None => Value::Null,
        })
    })
}

fn ipv4_is_in_range(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("ipv4_is_in_range", args, 2, 2)?;
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

fn parse_ipv4_kernel(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("parse_ipv4", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Long, |v| {
        Ok(parse_ipv4(&v[0].to_kql_string())
            .map_or(Value::Null, |(ip, prefix)| Value::Long((ip & mask(prefix)) as i64)))
    })
}
