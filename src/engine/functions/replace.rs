//! Replacing text: `replace_string`, `replace_strings`, `replace_regex`
//! (and its deprecated alias `replace`) and `translate`.

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::string::{regex_arg, text};
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "replace_string" => replace_string,
        "replace_strings" => replace_strings,
        "replace_regex" | "replace" => replace_regex,
        "translate" => translate,
        _ => return None,
    })
}

fn replace_string(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("replace_string", args, 3, 3)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        let needle = text(&v[1]);
        let source = text(&v[0]);
        Ok(Value::str(&if needle.is_empty() { source } else { source.replace(&needle, &text(&v[2])) }))
    })
}

/// Rewrites .NET/RE2 `\1` style replacement references to the regex crate's `${1}`.
fn replacement(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' if chars.peek().is_some_and(char::is_ascii_digit) => {
                let digit = chars.next().unwrap_or('0');
                out.push_str(&format!("${{{digit}}}"));
            }
            '$' if chars.peek().is_some_and(char::is_ascii_digit) => {
                let digit = chars.next().unwrap_or('0');
                out.push_str(&format!("${{{digit}}}"));
            }
            '$' => out.push_str("$$"),
            other => out.push(other),
        }
    }
    out
}

fn replace_regex(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("replace_regex", args, 3, 3)?;
    let regex = regex_arg("replace_regex", &args[1])?;
    map_rows(&[args[0].clone(), args[2].clone()], ctx, ScalarType::String, |v| {
        Ok(Value::str(&regex.replace_all(&text(&v[0]), replacement(&text(&v[1])).as_str())))
    })
}

/// `translate(searchList, replacementList, source)`: each character of
/// `source` found in `searchList` becomes the character at the same place in
/// `replacementList` (its last character when the list is shorter), or is
/// removed when `replacementList` is empty.
fn translate(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("translate", args, 3, 3)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        let search: Vec<char> = text(&v[0]).chars().collect();
        let replacement: Vec<char> = text(&v[1]).chars().collect();
        let translated: String = text(&v[2])
            .chars()
            .filter_map(|c| match search.iter().position(|s| *s == c) {
                Some(index) => replacement.get(index).or(replacement.last()).copied(),
                None => Some(c),
            })
            .collect();
        Ok(Value::str(&translated))
    })
}

/// `replace_strings(text, lookups, rewrites)`: replaces every match of each
/// lookup with the rewrite at the same index. Matches do not overlap and an
/// earlier lookup takes precedence: the text is cut at the first lookup's
/// matches, and the later lookups only apply to the pieces between them. A
/// lookup that is not a (non-empty) string is ignored; a rewrite that is not
/// a string keeps the matched text as it is.
fn replace_strings(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("replace_strings", args, 3, 3)?;
    map_rows(args, ctx, ScalarType::String, |v| {
        let (Value::Dynamic(Dyn::Array(lookups)), Value::Dynamic(Dyn::Array(rewrites))) = (&v[1], &v[2]) else {
            return Ok(Value::str(&text(&v[0])));
        };
        let pairs: Vec<(&str, Option<&str>)> = lookups
            .iter()
            .enumerate()
            .filter_map(|(index, lookup)| match lookup {
                Dyn::String(needle) if !needle.is_empty() => Some((
                    &**needle,
                    match rewrites.get(index) {
                        Some(Dyn::String(rewrite)) => Some(&**rewrite),
                        _ => None,
                    },
                )),
                _ => None,
            })
            .collect();
        let mut out = String::new();
        replace_in(&text(&v[0]), &pairs, &mut out);
        Ok(Value::str(&out))
    })
}

fn replace_in(source: &str, pairs: &[(&str, Option<&str>)], out: &mut String) {
    let Some(((needle, rewrite), rest)) = pairs.split_first() else {
        out.push_str(source);
        return;
    };
    let mut pieces = source.split(needle);
    if let Some(first) = pieces.next() {
        replace_in(first, rest, out);
    }
    for piece in pieces {
        out.push_str(rewrite.unwrap_or(needle));
        replace_in(piece, rest, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn json(text: &str) -> Value {
        Value::Dynamic(Dyn::parse_json(text))
    }

    #[test]
    fn translate_matches_the_docs() {
        let s = Value::str;
        assert_eq!(eval("translate", vec![s("abc"), s("x"), s("abc")]), "xxx");
        assert_eq!(eval("translate", vec![s("abc"), s(""), s("ab")]), "");
        assert_eq!(eval("translate", vec![s("krasp"), s("otsku"), s("spark")]), "kusto");
        assert_eq!(eval("translate", vec![s("é"), s("e"), s("café")]), "cafe");
    }

    #[test]
    fn replace_strings_gives_earlier_lookups_precedence() {
        let message = Value::str("This is an example of using replace_strings()");
        assert_eq!(
            eval("replace_strings", vec![message.clone(), json(r#"["This","is"]"#), json(r#"["This","was"]"#)]),
            "This was an example of using replace_strings()"
        );
        assert_eq!(
            eval("replace_strings", vec![message.clone(), json(r#"["is","This"]"#), json(r#"["was","This"]"#)]),
            "Thwas was an example of using replace_strings()"
        );
        assert_eq!(
            eval("replace_strings", vec![message, json(r#"["This","is"]"#), json(r#"[12345,"was"]"#)]),
            "This was an example of using replace_strings()"
        );
        let cat = Value::str("a cat into a dog");
        assert_eq!(
            eval("replace_strings", vec![cat.clone(), json(r#"["cat","dog"]"#), json(r#"["dog","pigeon"]"#)]),
            "a dog into a pigeon"
        );
        assert_eq!(
            eval("replace_strings", vec![cat.clone(), json(r#"["",1,"cat"]"#), json(r#"["x","y","z"]"#)]),
            "a z into a dog"
        );
        assert_eq!(eval("replace_strings", vec![cat, Value::Null, json("[]")]), "a cat into a dog");
    }
}
