//! `evaluate ipv6_lookup(LookupTable, SourceIPv6Key, IPv6LookupKey
//! [, return_unmatched])`: joins each input row to the lookup rows whose
//! IPv6 range (IP-prefix notation, IPv4 text accepted as mapped addresses)
//! contains the row's address; a masked source address matches a range
//! that contains its whole range.
//!
//! As documented: the schema is the union of the lookup table's and the
//! input's columns, as with `lookup`, and unmatched rows are dropped unless
//! `return_unmatched` is true, when they are kept with nulls. The column
//! order follows the documented example's output: the lookup table's
//! columns, then the input's others. Every containing range matches (the
//! most specific first).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::functions::ipv6::parse_ipv6_text;
use crate::engine::operators::evaluate::{check_arity, column_argument, lookup_pairs};
use crate::engine::operators::join::take_optional;
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::Value;
use crate::syntax::ast::{Expr, ExprKind};
use crate::text::Span;

const SYNTAX: &str = "ipv6_lookup(LookupTable, SourceIPv6Key, IPv6LookupKey [, return_unmatched])";

/// Runs the plugin on `input`.
pub fn run<'q>(exec: &Executor<'q>, span: Span, args: &'q [Expr], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    check_arity(args, 3, "ipv6_lookup", SYNTAX, span)?;
    let lookup = exec.eval_table(&args[0], env)?;
    let (_, source) = column_argument(input, &args[1], "ipv6_lookup")?;
    let (_, ranges) = column_argument(&lookup, &args[2], "ipv6_lookup")?;
    let mut return_unmatched = false;
    for arg in &args[3..] {
        let value = match &arg.kind {
            ExprKind::NamedArg { value, .. } => value.as_ref(),
            _ => arg,
        };
        return_unmatched = match exec.eval_scalar(value, env)?.0 {
            Value::Bool(flag) => flag,
            other => {
                return Err(ExecError::runtime(format!(
                    "`return_unmatched` is a bool, not `{}`",
                    other.to_kql_string()
                ))
                .at(arg.span)
                .with_help(format!("write `evaluate {SYNTAX}`")));
            }
        };
    }
    // Lookup rows by prefix length, then by masked network.
    let mut by_prefix: BTreeMap<u32, HashMap<u128, Vec<usize>>> = BTreeMap::new();
    for row in 0..lookup.rows {
        if let Some((network, prefix)) = parse_ipv6_text(&ranges.get(row).to_kql_string()) {
            by_prefix.entry(prefix).or_default().entry(network & mask(prefix)).or_default().push(row);
        }
    }
    let (input_rows, lookup_rows) = lookup_pairs(exec, input.rows, return_unmatched, |row, matches| {
        let Some((address, source_prefix)) = parse_ipv6_text(&source.get(row).to_kql_string()) else { return };
        for (prefix, networks) in by_prefix.range(..=source_prefix).rev() {
            matches.extend(networks.get(&(address & mask(*prefix))).into_iter().flatten());
        }
    })?;
    let mut fields: Vec<Field> = lookup
        .fields
        .iter()
        .map(|f| Field { name: f.name.clone(), column: Arc::new(take_optional(&f.column, &lookup_rows)) })
        .collect();
    for field in &input.fields {
        if fields.iter().all(|f| f.name != field.name) {
            fields.push(Field { name: field.name.clone(), column: Arc::new(field.column.take(&input_rows)) });
        }
    }
    Ok(Table::from_fields(fields, input_rows.len()))
}

/// The network mask of a prefix length.
fn mask(prefix: u32) -> u128 {
    if prefix == 0 { 0 } else { u128::MAX << (128 - prefix.min(128)) }
}

#[cfg(test)]
mod tests {
    use crate::engine::operators::test_support::{run_error, run_query};

    const RANGES: &str =
        "let R = datatable(net: string, name: string) ['2001:db8::/32', 'wide', '2001:db8:1::/48', 'narrow'];";

    #[test]
    fn every_containing_range_matches() {
        let out = run_query(&format!(
            "{RANGES} datatable(ip: string) ['2001:db8:1::5', '2001:db8:2::1', 'fe80::1'] | evaluate ipv6_lookup(R, ip, net)"
        ));
        assert_eq!(
            out,
            "net:string,name:string,ip:string\n2001:db8:1::/48,narrow,2001:db8:1::5\n2001:db8::/32,wide,2001:db8:1::5\n2001:db8::/32,wide,2001:db8:2::1\n"
        );
    }

    #[test]
    fn unmatched_rows_are_kept_on_request() {
        let out = run_query(&format!(
            "{RANGES} datatable(ip: string) ['fe80::1', ''] | evaluate ipv6_lookup(R, ip, net, true)"
        ));
        assert_eq!(out, "net:string,name:string,ip:string\n,,fe80::1\n,,\n");
    }

    #[test]
    fn a_missing_lookup_column_is_an_error() {
        let error = run_error(&format!("{RANGES} print ip = '::1' | evaluate ipv6_lookup(R, ip, nope)"));
        assert!(error.contains("`nope`"), "{error}");
    }
}
