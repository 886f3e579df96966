//! Punycode (RFC 3492): `punycode_from_string` encodes and
//! `punycode_to_string` decodes. Their per-label domain forms go the other
//! way round, as their pages document (descriptions and examples alike):
//! `punycode_domain_to_string` encodes a domain (labels of non-ASCII text
//! get `xn--`) and `punycode_domain_from_string` decodes one.
//!
//! Kusto encodes the text as it is: no IDNA case folding or normalization,
//! so `Lê Lợi` keeps its capital and its space. The full-width and
//! ideographic full stops (`。`, `．`, `｡`) separate labels as `.` does.

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::Value;
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "punycode_from_string" => punycode_from_string,
        "punycode_to_string" => punycode_to_string,
        "punycode_domain_from_string" => punycode_domain_from_string,
        "punycode_domain_to_string" => punycode_domain_to_string,
        _ => return None,
    })
}

const BASE: u32 = 36;
const T_MIN: u32 = 1;
const T_MAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 128;
/// The prefix of an encoded domain label.
const ACE_PREFIX: &str = "xn--";

fn string_kernel(name: &str, args: &[Datum], ctx: &EvalCtx, f: fn(&str) -> Option<String>) -> ExecResult<Datum> {
    expect_args(name, args, 1, 1)?;
    // A string that cannot be converted gives the empty string, as documented.
    map_rows(args, ctx, ScalarType::String, |v| Ok(Value::str(&f(&v[0].to_kql_string()).unwrap_or_default())))
}

fn punycode_from_string(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    string_kernel("punycode_from_string", args, ctx, encode)
}

fn punycode_to_string(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    string_kernel("punycode_to_string", args, ctx, decode)
}

/// Decodes a domain: `xn--Ge-mia.Bulg.edu` is `Gáe.Bulg.edu`
/// (punycode_domain_from_string page).
fn punycode_domain_from_string(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    string_kernel("punycode_domain_from_string", args, ctx, decode_domain)
}

/// Encodes a domain: `Kaledvoulc'h.Artorījos.edu` is
/// `Kaledvoulc'h.xn--Artorjos-ejb.edu` (punycode_domain_to_string page).
fn punycode_domain_to_string(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    string_kernel("punycode_domain_to_string", args, ctx, encode_domain)
}

fn labels(domain: &str) -> impl Iterator<Item = &str> {
    domain.split(['.', '\u{3002}', '\u{FF0E}', '\u{FF61}'])
}

fn encode_domain(domain: &str) -> Option<String> {
    let encoded: Option<Vec<String>> = labels(domain)
        .map(|label| {
            if label.is_ascii() { Some(label.to_string()) } else { encode(label).map(|e| ACE_PREFIX.to_string() + &e) }
        })
        .collect();
    Some(encoded?.join("."))
}

fn decode_domain(domain: &str) -> Option<String> {
    let decoded: Option<Vec<String>> = labels(domain)
        .map(|label| match label.get(..4) {
            Some(prefix) if prefix.eq_ignore_ascii_case(ACE_PREFIX) => decode(&label[4..]),
            _ => Some(label.to_string()),
        })
        .collect();
    Some(decoded?.join("."))
}

fn adapt(mut delta: u32, points: u32, first: bool) -> u32 {
    delta /= if first { DAMP } else { 2 };
    delta += delta / points;
    let mut k = 0;
    while delta > ((BASE - T_MIN) * T_MAX) / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + (BASE - T_MIN + 1) * delta / (delta + SKEW)
}

fn digit(value: u32) -> char {
    char::from(if value < 26 { b'a' + value as u8 } else { b'0' + (value - 26) as u8 })
}

fn threshold(k: u32, bias: u32) -> u32 {
    if k <= bias {
        T_MIN
    } else if k >= bias + T_MAX {
        T_MAX
    } else {
        k - bias
    }
}

/// Encodes `input` as Punycode; `None` when a count overflows.
pub fn encode(input: &str) -> Option<String> {
    let points: Vec<u32> = input.chars().map(u32::from).collect();
    let mut output: String = input.chars().filter(char::is_ascii).collect();
    let basic = output.len() as u32;
    let mut handled = basic;
    if basic > 0 {
        output.push('-');
    }
    let (mut n, mut delta, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    while (handled as usize) < points.len() {
        let next = points.iter().copied().filter(|p| *p >= n).min()?;
        delta = delta.checked_add((next - n).checked_mul(handled + 1)?)?;
        n = next;
        for &point in &points {
            if point < n {
                delta = delta.checked_add(1)?;
            }
            if point == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = threshold(k, bias);
                    if q < t {
                        break;
                    }
                    output.push(digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                output.push(digit(q));
                bias = adapt(delta, handled + 1, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta = delta.checked_add(1)?;
        n = n.checked_add(1)?;
    }
    Some(output)
}

/// Decodes Punycode (without `xn--`); `None` for malformed input.
pub fn decode(input: &str) -> Option<String> {
    if !input.is_ascii() {
        return None;
    }
    let (basic, extended) = match input.rfind('-') {
        Some(at) => (&input[..at], &input[at + 1..]),
        None => ("", input),
    };
    let mut output: Vec<char> = basic.chars().collect();
    let (mut n, mut i, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    let mut digits = extended.bytes().peekable();
    while digits.peek().is_some() {
        let old_i = i;
        let mut weight = 1u32;
        let mut k = BASE;
        loop {
            let byte = digits.next()?;
            let value = match byte {
                b'a'..=b'z' => u32::from(byte - b'a'),
                b'A'..=b'Z' => u32::from(byte - b'A'),
                b'0'..=b'9' => u32::from(byte - b'0') + 26,
                _ => return None,
            };
            i = i.checked_add(value.checked_mul(weight)?)?;
            let t = threshold(k, bias);
            if value < t {
                break;
            }
            weight = weight.checked_mul(BASE - t)?;
            k += BASE;
        }
        let length = output.len() as u32 + 1;
        bias = adapt(i - old_i, length, old_i == 0);
        n = n.checked_add(i / length)?;
        i %= length;
        output.insert(i as usize, char::from_u32(n)?);
        i += 1;
    }
    Some(output.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_examples_round_trip() {
        assert_eq!(encode("académie-française").as_deref(), Some("acadmie-franaise-npb1a"));
        assert_eq!(decode("acadmie-franaise-npb1a").as_deref(), Some("académie-française"));
        // RFC 3492 §7.1 samples.
        assert_eq!(encode("правда").as_deref(), Some("80aafi6cg"));
        assert_eq!(decode("--dqo34k").as_deref(), Some("☃-⌘"));
        assert_eq!(encode("ascii").as_deref(), Some("ascii-"));
    }

    #[test]
    fn domains_encode_each_non_ascii_label() {
        assert_eq!(
            encode_domain("Lê Lợi。Thuận Thiên。com").as_deref(),
            Some("xn--L Li-gpa4517b.xn--Thun Thin-s4a7194f.com")
        );
        assert_eq!(
            encode_domain("Riðill｡Skáldskaparmál｡org").as_deref(),
            Some("xn--Riill-jta.xn--Skldskaparml-dbbj.org")
        );
        assert_eq!(encode_domain("Kaledvoulc'h.Artorījos.edu").as_deref(), Some("Kaledvoulc'h.xn--Artorjos-ejb.edu"));
        assert_eq!(
            decode_domain("xn--Riill-jta.xn--Skldskaparml-dbbj.org").as_deref(),
            Some("Riðill.Skáldskaparmál.org")
        );
    }

    #[test]
    fn malformed_input_does_not_decode() {
        assert_eq!(decode("abc-é"), None);
        assert_eq!(decode("abc-!"), None);
        assert_eq!(decode("99999999999999999"), None);
    }
}
