//! `parse-kv`: extracts the listed keys from key/value text, in the three
//! documented modes: given delimiters (`pair_delimiter`, `kv_delimiter`,
//! optionally `greedy=true`), no delimiters (any non-alphanumeric character
//! delimits), or `regex` (two groups: key and value). Keys and values may be
//! quoted (`quote`, one or two characters, repeatable) with `escape`
//! characters inside quotes. Only listed keys are extracted, the first
//! occurrence wins, surrounding white space is ignored, and a missing key
//! gives null (an empty string for `string` columns).

use std::collections::HashMap;
use std::sync::Arc;

use crate::engine::column::ColumnBuilder;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::functions::conversion::convert_string;
use crate::engine::functions::string::compile_regex;
use crate::engine::operators::push_unique;
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::Value;
use crate::syntax::ast::operators::NamedParameter;
use crate::syntax::ast::{ColumnDecl, Expr, ScalarType};

/// How the text is split into keys and values.
enum Mode {
    Delimited { pair: String, kv: String, greedy: bool },
    Auto,
    Regex(regex::Regex),
}

struct Syntax {
    /// (open, close) quote characters.
    quotes: Vec<(char, char)>,
    escapes: Vec<char>,
}

pub fn run<'q>(
    exec: &Executor<'q>,
    source: &'q Expr,
    keys: &[ColumnDecl],
    with: &'q [NamedParameter],
    input: &Table,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let mut syntax = Syntax { quotes: Vec::new(), escapes: Vec::new() };
    let (mut pair, mut kv, mut greedy, mut regex) = (None, None, false, None);
    for param in with {
        let (value, _) = exec.eval_scalar(&param.value, env)?;
        let text = value.to_kql_string();
        let mut chars = text.chars();
        match param.name.name.as_str() {
            "pair_delimiter" => pair = Some(text),
            "kv_delimiter" => kv = Some(text),
            "greedy" => greedy = matches!(value, Value::Bool(true)),
            "regex" => regex = Some(compile_regex(&text).map_err(|e| e.at(param.value.span))?),
            "quote" => match (chars.next(), chars.next(), chars.next()) {
                (Some(open), None, _) => syntax.quotes.push((open, open)),
                (Some(open), Some(close), None) => syntax.quotes.push((open, close)),
                _ => {
                    return Err(ExecError::runtime("`quote` needs one or two characters")
                        .with_help("e.g. `quote='\"'` or `quote='()'`")
                        .at(param.value.span));
                }
            },
            "escape" => match (chars.next(), chars.next()) {
                (Some(escape), None) => syntax.escapes.push(escape),
                _ => return Err(ExecError::runtime("`escape` needs one character").at(param.value.span)),
            },
            other => {
                return Err(ExecError::runtime(format!("unknown parse-kv parameter `{other}`"))
                    .with_help("use pair_delimiter, kv_delimiter, quote, escape, greedy or regex")
                    .at(param.span));
            }
        }
    }
    let mode = match (regex, pair, kv) {
        (Some(regex), _, _) => {
            if regex.captures_len() != 3 {
                return Err(ExecError::runtime("the parse-kv `regex` needs exactly two capturing groups")
                    .with_help("the first group captures the key, the second the value"));
            }
            Mode::Regex(regex)
        }
        (None, Some(pair), Some(kv)) if !pair.is_empty() && !kv.is_empty() => Mode::Delimited { pair, kv, greedy },
        (None, None, None) => Mode::Auto,
        _ => {
            return Err(ExecError::runtime("parse-kv needs both `pair_delimiter` and `kv_delimiter`, or neither")
                .with_help("without delimiters, any non-alphanumeric character separates keys and values"));
        }
    };
    let text = exec.eval_column(source, input, env)?.into_column(input.rows);
    let wanted: Vec<(&str, ScalarType)> =
        keys.iter().map(|k| (k.name.name.as_str(), k.ty.ty.unwrap_or(ScalarType::String))).collect();
    let mut builders: Vec<ColumnBuilder> = wanted.iter().map(|(_, ty)| ColumnBuilder::new(*ty, input.rows)).collect();
    let mut found: HashMap<&str, String> = HashMap::new();
    for row in 0..input.rows {
        found.clear();
        let value = text.get(row);
        let value = value.to_kql_string();
        let mut record = |key: String, value: String| {
            if let Some((name, _)) = wanted.iter().find(|(name, _)| **name == key) {
                found.entry(name).or_insert(value);
            }
        };
        match &mode {
            Mode::Delimited { pair, kv, greedy } => delimited(&value, pair, kv, *greedy, &syntax, &mut record),
            Mode::Auto => auto(&value, &wanted, &syntax, &mut record),
            Mode::Regex(regex) => {
                for captures in regex.captures_iter(&value) {
                    let group = |i| captures.get(i).map_or("", |m| m.as_str()).trim().to_string();
                    record(group(1), group(2));
                }
            }
        }
        for ((name, ty), builder) in wanted.iter().zip(&mut builders) {
            match found.get(name) {
                Some(text) => builder.push(&convert_string(text, *ty)),
                None if *ty == ScalarType::String => builder.push_str(""),
                None => builder.push(&Value::Null),
            }
        }
    }
    let mut table = input.clone();
    for ((name, _), builder) in wanted.iter().zip(builders) {
        push_unique(&mut table.fields, Field { name: name.to_string(), column: Arc::new(builder.finish()) });
    }
    Ok(table)
}

/// Splits `text` at `delimiter` outside quotes.
fn split_outside_quotes<'t>(text: &'t str, delimiter: &str, syntax: &Syntax) -> Vec<&'t str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut index = 0;
    let mut close: Option<char> = None;
    let bytes = text.as_bytes();
    while index < text.len() {
        let c = text[index..].chars().next().expect("in bounds");
        match close {
            Some(end) => {
                if syntax.escapes.contains(&c) {
                    index += c.len_utf8();
                    if let Some(next) = text[index..].chars().next() {
                        index += next.len_utf8();
                    }
                    continue;
                }
                if c == end {
                    close = None;
                }
            }
            None => {
                if let Some((_, end)) = syntax.quotes.iter().find(|(open, _)| *open == c) {
                    close = Some(*end);
                } else if bytes[index..].starts_with(delimiter.as_bytes()) {
                    parts.push(&text[start..index]);
                    index += delimiter.len();
                    start = index;
                    continue;
                }
            }
        }
        index += c.len_utf8();
    }
    parts.push(&text[start..]);
    parts
}

/// Trims, and removes one pair of quotes (resolving escapes inside).
fn unquote(text: &str, syntax: &Syntax) -> String {
    let text = text.trim();
    let mut chars = text.chars();
    if let Some(first) = chars.next()
        && let Some((_, close)) = syntax.quotes.iter().find(|(open, _)| *open == first)
        && text.len() > first.len_utf8()
        && text.ends_with(*close)
    {
        let inner = &text[first.len_utf8()..text.len() - close.len_utf8()];
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if syntax.escapes.contains(&c) {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            } else {
                out.push(c);
            }
        }
        return out;
    }
    text.to_string()
}

fn delimited(text: &str, pair: &str, kv: &str, greedy: bool, syntax: &Syntax, record: &mut impl FnMut(String, String)) {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for segment in split_outside_quotes(text, pair, syntax) {
        let halves = split_outside_quotes(segment, kv, syntax);
        if halves.len() >= 2 {
            let key = halves[0];
            let value = &segment[key.len() + kv.len()..];
            pairs.push((key, value.to_string()));
        } else if greedy && let Some((_, value)) = pairs.last_mut() {
            // Greedy: text up to the next `key<kv>` belongs to the value.
            value.push_str(pair);
            value.push_str(segment);
        }
    }
    for (key, value) in pairs {
        record(unquote(key, syntax), unquote(&value, syntax));
    }
}

/// No delimiters given: a listed key, then non-alphanumeric characters, then
/// a quoted value or a run of alphanumeric characters.
fn auto(text: &str, wanted: &[(&str, ScalarType)], syntax: &Syntax, record: &mut impl FnMut(String, String)) {
    let is_word = |c: char| c.is_alphanumeric();
    for (key, _) in wanted {
        let mut from = 0;
        while let Some(found) = text[from..].find(key) {
            let start = from + found;
            let end = start + key.len();
            from = start + key.len().max(1);
            let before = text[..start].chars().next_back();
            let after = text[end..].chars().next();
            if before.is_some_and(is_word) || after.is_none_or(is_word) {
                continue;
            }
            let rest = &text[end..];
            let value_start = rest
                .char_indices()
                .find(|(_, c)| is_word(*c) || syntax.quotes.iter().any(|(open, _)| open == c))
                .map_or(rest.len(), |(i, _)| i);
            let rest = &rest[value_start..];
            let value = match rest.chars().next() {
                Some(c) if syntax.quotes.iter().any(|(open, _)| *open == c) => {
                    unquote(&rest[..quoted_len(rest, syntax)], syntax)
                }
                _ => rest.chars().take_while(|c| is_word(*c)).collect(),
            };
            record(key.to_string(), value);
            break;
        }
    }
}

/// The length of the quoted string at the start of `text` (to its closing quote).
fn quoted_len(text: &str, syntax: &Syntax) -> usize {
    let mut chars = text.char_indices();
    let Some((_, open)) = chars.next() else { return 0 };
    let close = syntax.quotes.iter().find(|(o, _)| *o == open).map_or(open, |(_, c)| *c);
    while let Some((i, c)) = chars.next() {
        if syntax.escapes.contains(&c) {
            chars.next();
        } else if c == close {
            return i + c.len_utf8();
        }
    }
    text.len()
}
