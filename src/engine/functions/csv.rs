//! `parse_csv`: one record of comma-separated values as a string array.

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "parse_csv" => parse_csv,
        _ => return None,
    })
}

/// `parse_csv(text)`: the fields of the first record of `text`. A field in
/// double quotes may hold commas and line breaks, and `""` inside it is one
/// quote; an unquoted line break ends the record (later records are
/// ignored, as documented).
fn parse_csv(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("parse_csv", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        if v[0].is_null() {
            return Ok(Value::Null);
        }
        let fields = parse_record(&v[0].to_kql_string());
        Ok(Value::Dynamic(Dyn::array(fields.iter().map(|f| Dyn::str(f)).collect())))
    })
}

fn parse_record(text: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(ch) = chars.next() {
        match ch {
            '"' if quoted => {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            }
            '"' if field.is_empty() => quoted = true,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            '\r' | '\n' if !quoted => break,
            other => field.push(other),
        }
    }
    fields.push(field);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_keep_commas_quotes_and_line_breaks() {
        let fields = parse_record("aa,\"b,b,b\",cc,\"Escaping quotes: \"\"Title\"\"\",\"line1\nline2\"");
        assert_eq!(fields, ["aa", "b,b,b", "cc", "Escaping quotes: \"Title\"", "line1\nline2"]);
    }

    #[test]
    fn only_the_first_record_is_read() {
        assert_eq!(parse_record("record1,a,b,c\nrecord2,x,y,z"), ["record1", "a", "b", "c"]);
        assert_eq!(parse_record(""), [""]);
        assert_eq!(parse_record("a,"), ["a", ""]);
        assert_eq!(parse_record("\"unterminated,x"), ["unterminated,x"]);
    }
}
