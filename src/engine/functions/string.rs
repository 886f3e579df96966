//! String functions.

use crate::engine::column::{Column, Prim};
use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::functions::{EvalCtx, ScalarKernel, constant_string, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "strlen" => strlen,
        "tolower" => tolower,
        "toupper" => toupper,
        "strcat" => strcat,
        "strcat_delim" => strcat_delim,
        "substring" => substring,
        "indexof" => indexof,
        "split" => split,
        "trim" => trim,
        "trim_start" => trim_start,
        "trim_end" => trim_end,
        "strrep" => strrep,
        "reverse" => reverse,
        "extract" => extract,
        "extract_all" | "extractall" => extract_all,
        "indexof_regex" => indexof_regex,
        "regex_quote" => regex_quote,
        "unicode_codepoints_from_string" | "to_utf8" => unicode_codepoints_from_string,
        "unicode_codepoints_to_string" | "make_string" => unicode_codepoints_to_string,
        "isempty" => isempty,
        "isnotempty" | "notempty" => isnotempty,
        "countof" => countof,
        "strcmp" => strcmp,
        "string_size" => string_size,
        _ => return None,
    })
}

/// A value as text, as the string functions read their arguments.
pub(super) fn text(value: &Value) -> String {
    value.to_kql_string()
}

fn strlen(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("strlen", args, 1, 1)?;
    if let Datum::Column(Column::String(strings)) = &args[0] {
        let values = strings.iter().map(|s| s.chars().count() as i64).collect();
        return Ok(Datum::Column(Column::Long(Prim::new(values))));
    }
    map_rows(args, ctx, ScalarType::Long, |v| Ok(Value::Long(text(&v[0]).chars().count() as i64)))
}

fn string_size(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("string_size", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Long, |v| Ok(Value::Long(text(&v[0]).len() as i64)))
}

fn tolower(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("tolower", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::String, |v| Ok(Value::str(&text(&v[0]).to_lowercase())))
}

fn toupper(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("toupper", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::String, |v| Ok(Value::str(&text(&v[0]).to_uppercase())))
}

fn strcat(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("strcat", args, 1, 64)?;
    map_rows(args, ctx, ScalarType::String, |v| Ok(Value::str(&v.iter().map(text).collect::<String>())))
}

fn strcat_delim(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("strcat_delim", args, 2, 65)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        let delimiter = text(&v[0]);
        Ok(Value::str(&v[1..].iter().map(text).collect::<Vec<_>>().join(&delimiter)))
    })
}

/// Characters `start..start+length` (by character, clamped).
fn substring(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("substring", args, 2, 3)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        let source = text(&v[0]);
        let chars: Vec<char> = source.chars().collect();
        let len = chars.len() as i64;
        let Some(mut start) = v[1].as_i64() else { return Ok(Value::Null) };
        if start < 0 {
            start = (len + start).max(0);
        }
        let start = start.min(len);
        let end = match v.get(2) {
            Some(length) => match length.as_i64() {
                Some(length) if length >= 0 => (start + length).min(len),
                Some(_) => return Ok(Value::str("")),
                None => len,
            },
            None => len,
        };
        Ok(Value::str(&chars[start as usize..end.max(start) as usize].iter().collect::<String>()))
    })
}

/// Zero-based character index of `lookup` (-1 when absent).
fn indexof(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("indexof", args, 2, 5)?;
    map_rows(args, ctx, ScalarType::Long, |v| {
        let source = text(&v[0]);
        let needle = text(&v[1]);
        let chars: Vec<char> = source.chars().collect();
        let start = v.get(2).and_then(Value::as_i64).unwrap_or(0);
        let start = if start < 0 { (chars.len() as i64 + start).max(0) } else { start } as usize;
        if start > chars.len() {
            return Ok(Value::Long(-1));
        }
        let length = v.get(3).and_then(Value::as_i64);
        let occurrence = v.get(4).and_then(Value::as_i64).unwrap_or(1);
        // The indexof page: null when length is less than -1 or occurrence
        // less than 0.
        if length.is_some_and(|l| l < -1) || occurrence < 0 {
            return Ok(Value::Null);
        }
        let length = length.filter(|l| *l >= 0).map(|l| l as usize);
        let occurrence = occurrence.max(1) as usize;
        let end = length.map_or(chars.len(), |l| (start + l).min(chars.len()));
        let haystack: String = chars[start..end].iter().collect();
        let mut found = 0;
        let mut from = 0;
        while let Some(at) = haystack[from..].find(&needle) {
            found += 1;
            let byte = from + at;
            if found == occurrence {
                return Ok(Value::Long((start + haystack[..byte].chars().count()) as i64));
            }
            from = byte + needle.len().max(1);
            if from > haystack.len() {
                break;
            }
        }
        Ok(Value::Long(-1))
    })
}

fn split(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("split", args, 2, 3)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let source = text(&v[0]);
        let delimiter = text(&v[1]);
        let parts: Vec<Dyn> = if delimiter.is_empty() {
            vec![Dyn::str(&source)]
        } else {
            source.split(delimiter.as_str()).map(Dyn::str).collect()
        };
        match v.get(2) {
            Some(index) => match index.as_i64() {
                Some(i) if i >= 0 && (i as usize) < parts.len() => {
                    Ok(Value::Dynamic(Dyn::array(vec![parts[i as usize].clone()])))
                }
                _ => Ok(Value::Dynamic(Dyn::array(Vec::new()))),
            },
            None => Ok(Value::Dynamic(Dyn::array(parts))),
        }
    })
}

/// Translates a RE2 pattern for the `regex` crate (both are RE2-style; the
/// differences that matter are handled here).
pub fn compile_regex(pattern: &str) -> ExecResult<regex::Regex> {
    regex::RegexBuilder::new(&from_re2(pattern)).size_limit(1 << 22).build().map_err(|e| {
        ExecError::runtime(format!("invalid regular expression: {}", e.to_string().lines().last().unwrap_or("")))
    })
}

pub(crate) fn regex_arg(name: &str, arg: &Datum) -> ExecResult<regex::Regex> {
    compile_regex(&constant_string(name, arg)?)
}

fn trim_with(args: &[Datum], ctx: &EvalCtx, start: bool, end: bool) -> ExecResult<Datum> {
    expect_args("trim", args, 2, 2)?;
    let pattern = constant_string("trim", &args[0])?;
    let start_regex = compile_regex(&format!("^(?:{pattern})+"))?;
    let end_regex = compile_regex(&format!("(?:{pattern})+$"))?;
    map_rows(&args[1..], ctx, ScalarType::String, |v| {
        let mut value = text(&v[0]);
        if start {
            value = start_regex.replace(&value, "").into_owned();
        }
        if end {
            value = end_regex.replace(&value, "").into_owned();
        }
        Ok(Value::str(&value))
    })
}

fn trim(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    trim_with(args, ctx, true, true)
}

fn trim_start(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    trim_with(args, ctx, true, false)
}

fn trim_end(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    trim_with(args, ctx, false, true)
}

fn strrep(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("strrep", args, 2, 3)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        let count = v[1].as_i64().unwrap_or(0).clamp(0, 1024) as usize;
        let delimiter = v.get(2).map(text).unwrap_or_default();
        Ok(Value::str(&vec![text(&v[0]); count].join(&delimiter)))
    })
}

fn reverse(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("reverse", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::String, |v| Ok(Value::str(&text(&v[0]).chars().rev().collect::<String>())))
}

/// `extract(regex, group, text [, typeof(T)])`.
fn extract(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("extract", args, 3, 4)?;
    let regex = regex_arg("extract", &args[0])?;
    let ty = match args.get(3) {
        Some(Datum::Scalar(Value::String(name), _)) => ScalarType::from_name(name).unwrap_or(ScalarType::String),
        _ => ScalarType::String,
    };
    map_rows(&[args[1].clone(), args[2].clone()], ctx, ty, |v| {
        let group = v[0].as_i64().unwrap_or(0).max(0) as usize;
        let source = text(&v[1]);
        let captured = regex.captures(&source).and_then(|c| c.get(group)).map(|m| m.as_str().to_string());
        Ok(match captured {
            Some(found) => crate::engine::functions::conversion::convert_string(&found, ty),
            None => Value::Null,
        })
    })
}

/// `indexof_regex(source, regex [, start [, length [, occurrence]]])`: the
/// zero-based character index of the `occurrence`-th (non-overlapping)
/// match, searching `length` characters (-1: to the end) from `start`; -1
/// when there is none; null for a negative start or occurrence, or a length
/// below -1.
fn indexof_regex(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("indexof_regex", args, 2, 5)?;
    let regex = regex_arg("indexof_regex", &args[1])?;
    let mut rest = vec![args[0].clone()];
    rest.extend(args[2..].iter().cloned());
    map_rows(&rest, ctx, ScalarType::Long, |v| {
        let source = text(&v[0]);
        let start = v.get(1).map_or(Some(0), Value::as_i64);
        let length = v.get(2).map_or(Some(-1), Value::as_i64);
        let occurrence = v.get(3).map_or(Some(1), Value::as_i64);
        let (Some(start), Some(length), Some(occurrence)) = (start, length, occurrence) else {
            return Ok(Value::Null);
        };
        if start < 0 || length < -1 || occurrence < 0 {
            return Ok(Value::Null);
        }
        let char_starts: Vec<usize> = source.char_indices().map(|(i, _)| i).chain([source.len()]).collect();
        let n_chars = char_starts.len() as i64 - 1;
        if start > n_chars {
            return Ok(Value::Long(-1));
        }
        let end = if length == -1 { n_chars } else { (start + length).min(n_chars) };
        let window = &source[char_starts[start as usize]..char_starts[end as usize]];
        let found = regex.find_iter(window).nth(occurrence.max(1) as usize - 1);
        Ok(Value::Long(match found {
            Some(m) => start + window[..m.start()].chars().count() as i64,
            None => -1,
        }))
    })
}

/// The Unicode code points of a string, as an array of longs.
fn unicode_codepoints_from_string(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("unicode_codepoints_from_string", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let points = text(&v[0]).chars().map(|c| Dyn::Long(i64::from(u32::from(c)))).collect();
        Ok(Value::Dynamic(Dyn::Array(std::sync::Arc::new(points))))
    })
}

/// Code points (integers, or arrays of them) to a string; an argument that
/// is not a valid code point gives null.
fn unicode_codepoints_to_string(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("unicode_codepoints_to_string", args, 1, 32_767)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        let mut out = String::new();
        for value in v {
            let points: Vec<Option<i64>> = match value {
                Value::Dynamic(Dyn::Array(items)) => items.iter().map(Dyn::as_i64).collect(),
                other => vec![other.as_i64()],
            };
            for point in points {
                match point.and_then(|p| u32::try_from(p).ok()).and_then(char::from_u32) {
                    Some(c) => out.push(c),
                    None => return Ok(Value::Null),
                }
            }
        }
        Ok(Value::str(&out))
    })
}

/// `extract_all(regex, [captureGroups,] text)`: every match's groups, or the
/// groups `captureGroups` selects (by number or by name).
fn extract_all(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("extract_all", args, 2, 3)?;
    let regex = regex_arg("extract_all", &args[0])?;
    let groups = match args.len() {
        3 => selected_groups(&regex, &args[1])?,
        _ if regex.captures_len() <= 1 => vec![0],
        _ => (1..regex.captures_len()).collect(),
    };
    let source_index = args.len() - 1;
    map_rows(&args[source_index..], ctx, ScalarType::Dynamic, |v| {
        let source = text(&v[0]);
        let mut matches = Vec::new();
        for captures in regex.captures_iter(&source) {
            let group = |g: usize| Dyn::str(captures.get(g).map_or("", |m| m.as_str()));
            matches.push(match groups.as_slice() {
                [only] => group(*only),
                _ => Dyn::array(groups.iter().map(|g| group(*g)).collect()),
            });
        }
        Ok(if matches.is_empty() { Value::Null } else { Value::Dynamic(Dyn::array(matches)) })
    })
}

/// The group numbers `extract_all`'s `captureGroups` array names: numbers from
/// 1 to the regex's group count, or names of named groups.
fn selected_groups(regex: &regex::Regex, selection: &Datum) -> ExecResult<Vec<usize>> {
    let invalid = |what: String| {
        ExecError::runtime(format!(
            "`extract_all` capture group {what} is not a group of the regular expression (it has {})",
            regex.captures_len() - 1
        ))
    };
    let Some(Value::Dynamic(Dyn::Array(items))) = selection.as_scalar() else {
        return Err(ExecError::runtime("`extract_all` expects `captureGroups` to be a constant dynamic array"));
    };
    if items.is_empty() {
        return Err(ExecError::runtime("`extract_all` expects at least one capture group in `captureGroups`"));
    }
    items
        .iter()
        .map(|item| match item {
            Dyn::String(name) => regex
                .capture_names()
                .position(|candidate| candidate == Some(&**name))
                .ok_or_else(|| invalid(format!("`{name}`"))),
            other => match other.as_i64() {
                Some(number) if number >= 1 && (number as usize) < regex.captures_len() => Ok(number as usize),
                _ => Err(invalid(other.to_kql_string())),
            },
        })
        .collect()
}

/// `regex_quote(s)`: `s` with every character that is special in a regular
/// expression escaped, as RE2's `QuoteMeta` does: ASCII letters, digits, `_`
/// and non-ASCII characters stay, NUL becomes `\x00`, the rest get `\`.
fn regex_quote(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("regex_quote", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        let source = text(&v[0]);
        let mut out = String::with_capacity(source.len() * 2);
        for ch in source.chars() {
            match ch {
                '\0' => out.push_str("\\x00"),
                c if c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii() => out.push(c),
                c => {
                    out.push('\\');
                    out.push(c);
                }
            }
        }
        Ok(Value::str(&out))
    })
}

fn isempty(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("isempty", args, 1, 1)?;
    if let Datum::Column(Column::String(strings)) = &args[0] {
        return Ok(Datum::Column(Column::Bool(Prim::new(strings.iter().map(str::is_empty).collect()))));
    }
    map_rows(args, ctx, ScalarType::Bool, |v| Ok(Value::Bool(v[0].is_null() || text(&v[0]).is_empty())))
}

fn isnotempty(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("isnotempty", args, 1, 1)?;
    if let Datum::Column(Column::String(strings)) = &args[0] {
        return Ok(Datum::Column(Column::Bool(Prim::new(strings.iter().map(|s| !s.is_empty()).collect()))));
    }
    map_rows(args, ctx, ScalarType::Bool, |v| Ok(Value::Bool(!(v[0].is_null() || text(&v[0]).is_empty()))))
}

fn countof(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("countof", args, 2, 3)?;
    let is_regex = matches!(args.get(2).and_then(Datum::as_scalar), Some(Value::String(kind)) if &**kind == "regex");
    let regex = if is_regex { Some(regex_arg("countof", &args[1])?) } else { None };
    map_rows(&args[..2], ctx, ScalarType::Long, |v| {
        let source = text(&v[0]);
        Ok(Value::Long(match &regex {
            Some(regex) => regex.find_iter(&source).count() as i64,
            None => {
                let needle = text(&v[1]);
                if needle.is_empty() {
                    0
                } else {
                    // Overlapping occurrences, as Kusto counts them.
                    (0..source.len())
                        .filter(|i| source.is_char_boundary(*i) && source[*i..].starts_with(&needle))
                        .count() as i64
                }
            }
        }))
    })
}

fn strcmp(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("strcmp", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Int, |v| {
        Ok(Value::Int(match text(&v[0]).cmp(&text(&v[1])) {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => 1,
        }))
    })
}

/// Rewrites the RE2 syntax Kusto accepts into the `regex` crate's where the
/// two differ: in RE2 a `[` inside a character class is a literal (the
/// crate nests classes), `&&`/`~~`/`--` inside a class are literals (the
/// crate's set operations), and a `{` that does not start a valid
/// repetition (`{n}`, `{n,}`, `{n,m}` after something to repeat) is a
/// literal (the crate rejects it).
pub fn from_re2(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    // Whether the previous item can be repeated (not at a start, `(` or `|`).
    let mut repeatable = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                match chars.get(i + 1) {
                    // RE2 reads `\<` and `\>` as the literal characters;
                    // the crate reads them as word boundaries.
                    Some(next @ ('<' | '>')) => {
                        out.push(*next);
                        i += 1;
                    }
                    Some(next) => {
                        out.push(c);
                        out.push(*next);
                        i += 1;
                    }
                    None => out.push(c),
                }
                repeatable = true;
            }
            '[' => {
                i = copy_class(&chars, i, &mut out);
                repeatable = true;
                continue;
            }
            '{' => {
                let close = chars[i..].iter().position(|&c| c == '}').map(|p| i + p);
                let valid = close.is_some_and(|end| {
                    let body: String = chars[i + 1..end].iter().collect();
                    let mut parts = body.splitn(2, ',');
                    let low = parts.next().unwrap_or("");
                    let high = parts.next();
                    !low.is_empty()
                        && low.chars().all(|c| c.is_ascii_digit())
                        && high.is_none_or(|h| h.chars().all(|c| c.is_ascii_digit()))
                });
                if valid && repeatable {
                    let end = close.expect("valid");
                    out.extend(&chars[i..=end]);
                    i = end + 1;
                    continue;
                }
                out.push_str("\\{");
                repeatable = true;
            }
            '}' => {
                out.push_str("\\}");
                repeatable = true;
            }
            '(' | '|' => {
                out.push(c);
                // `(?flags)` and `(?P<name>` are copied as they are.
                repeatable = false;
            }
            _ => {
                out.push(c);
                repeatable = true;
            }
        }
        i += 1;
    }
    out
}

/// Copies the character class starting at `chars[start] == '['`; returns
/// the index after it.
fn copy_class(chars: &[char], start: usize, out: &mut String) -> usize {
    out.push('[');
    let mut i = start + 1;
    if chars.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    // A `]` first in the class is a literal.
    if chars.get(i) == Some(&']') {
        out.push_str("\\]");
        i += 1;
    }
    while i < chars.len() {
        let c = chars[i];
        match c {
            ']' => {
                out.push(']');
                return i + 1;
            }
            '\\' => {
                out.push(c);
                if let Some(next) = chars.get(i + 1) {
                    out.push(*next);
                    i += 1;
                }
            }
            '[' if chars.get(i + 1) == Some(&':') => {
                // A POSIX class such as `[:alpha:]`.
                match chars[i..].windows(2).position(|w| w == [':', ']']) {
                    Some(end) => {
                        out.extend(&chars[i..i + end + 2]);
                        i += end + 2;
                        continue;
                    }
                    None => out.push_str("\\["),
                }
            }
            '[' | '&' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '-' if chars.get(i + 1) == Some(&'-') => out.push_str("\\-"),
            _ => out.push(c),
        }
        i += 1;
    }
    // Unclosed: let the regex crate report it.
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn re2_literals_become_escapes_where_the_regex_crate_differs() {
        assert_eq!(from_re2("[[]"), r"[\[]");
        assert_eq!(from_re2(r"\d{1.3}"), r"\d\{1.3\}");
        assert_eq!(from_re2("{(.*)}"), r"\{(.*)\}");
        assert_eq!(from_re2(r"a{2,3}b{4}c{5,}"), r"a{2,3}b{4}c{5,}");
        assert_eq!(from_re2("[a&&b]"), r"[a\&\&b]");
        assert_eq!(from_re2("[[:alpha:]_]+"), "[[:alpha:]_]+");
        assert_eq!(from_re2(r"[^]a]"), r"[^\]a]");
        assert_eq!(from_re2(r"\[x\]"), r"\[x\]");
        assert_eq!(from_re2(r"a\<b\>"), "a<b>");
    }

    #[test]
    fn translated_patterns_match_as_in_re2() {
        assert!(compile_regex("[[]").unwrap().is_match("[::1]"));
        assert!(compile_regex(r"\d{1.3}").unwrap().is_match("5{1.3}"));
        assert!(compile_regex("{(.*)}").unwrap().is_match("{abc}"));
        assert!(compile_regex("(").is_err());
    }

    fn eval(name: &str, args: Vec<Value>) -> String {
        let datums: Vec<Datum> = args
            .into_iter()
            .map(|v| {
                let ty = v.scalar_type().unwrap_or(ScalarType::String);
                Datum::Scalar(v, ty)
            })
            .collect();
        let ctx = EvalCtx { rows: 1, now: 0 };
        let kernel = lookup(name).expect("a kernel");
        kernel(&datums, &ctx).expect("a result").get(0).to_kql_string()
    }

    #[test]
    fn indexof_regex_matches_the_docs() {
        let s = Value::str;
        let l = Value::Long;
        assert_eq!(eval("indexof_regex", vec![s("abcabc"), s("a.c")]), "0");
        assert_eq!(eval("indexof_regex", vec![s("abcabcdefg"), s("a.c"), l(0), l(9), l(2)]), "3");
        assert_eq!(eval("indexof_regex", vec![s("abcabc"), s("a.c"), l(1), l(-1), l(2)]), "-1");
        assert_eq!(eval("indexof_regex", vec![s("ababaa"), s("a.a"), l(0), l(-1), l(2)]), "-1");
        assert_eq!(eval("indexof_regex", vec![s("abcabc"), s("a|ab"), l(-1)]), "");
        assert_eq!(eval("indexof_regex", vec![s("ééabc"), s("b")]), "3");
        assert_eq!(eval("indexof_regex", vec![s(""), s("x")]), "-1");
    }

    #[test]
    fn regex_quote_escapes_every_special_character() {
        assert_eq!(eval("regex_quote", vec![Value::str("a.b*c(d)_é")]), r"a\.b\*c\(d\)_é");
        let quoted = eval("regex_quote", vec![Value::str(r"[x]+$^{1}|\?")]);
        assert!(compile_regex(&quoted).expect("a valid regex").is_match(r"[x]+$^{1}|\?"));
    }

    #[test]
    fn code_points_round_trip() {
        assert_eq!(eval("unicode_codepoints_from_string", vec![Value::str("Aé")]), "[65,233]");
        assert_eq!(eval("make_string", vec![Value::Long(75), Value::Long(117)]), "Ku");
        assert_eq!(eval("make_string", vec![Value::Long(-1)]), "");
    }

    #[test]
    fn extract_all_selects_capture_groups_by_number_and_name() {
        use crate::engine::functions::test_support::json;
        let s = Value::str;
        let id = "82b8be2d-dfa7";
        assert_eq!(eval("extract_all", vec![s(r"(\w)(\w+)(\w)"), json("[1,3]"), s(id)]), r#"[["8","d"],["d","7"]]"#);
        assert_eq!(eval("extract_all", vec![s(r"(\w)(\w+)(\w)"), s(id)]), r#"[["8","2b8be2","d"],["d","fa","7"]]"#);
        assert_eq!(eval("extract_all", vec![s(r"(?P<first>\w)(\w+)"), json(r#"["first"]"#), s(id)]), r#"["8","d"]"#);
        assert_eq!(eval("extract_all", vec![s(r"(\d+)"), s("a 12 b 3")]), r#"["12","3"]"#);
        assert_eq!(eval("extract_all", vec![s(r"(\d+)"), s("none")]), "");
    }

    #[test]
    fn extract_all_rejects_a_group_the_regex_does_not_have() {
        use crate::engine::functions::test_support::json;
        for selection in ["[3]", "[0]", r#"["missing"]"#, "[]"] {
            let args = [
                Datum::Scalar(Value::str(r"(\w)(\w)"), ScalarType::String),
                Datum::Scalar(json(selection), ScalarType::Dynamic),
                Datum::Scalar(Value::str("ab"), ScalarType::String),
            ];
            assert!(extract_all(&args, &EvalCtx { rows: 1, now: 0 }).is_err(), "{selection}");
        }
    }
}
