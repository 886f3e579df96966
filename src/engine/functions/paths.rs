//! File paths and command lines: `parse_path` and `parse_command_line`.

use std::sync::Arc;

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "parse_path" => parse_path_kernel,
        "parse_command_line" => parse_command_line_kernel,
        _ => return None,
    })
}

/// The parts of a Windows or Unix path, a UNC share or a `file://` URL:
/// Scheme, RootPath (a drive), DirectoryPath, DirectoryName, Filename,
/// Extension and AlternateDataStreamName (after a `:` in the file name).
pub fn parse_path(path: &str) -> Dyn {
    let (scheme, rest) = match path.split_once("://") {
        Some((scheme, rest))
            if !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            (scheme, rest)
        }
        _ => ("", path),
    };
    let bytes = rest.as_bytes();
    let root = if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' { &rest[..2] } else { "" };
    let (directory, file) = match rest.rfind(['/', '\\']) {
        Some(separator) => (&rest[..separator], &rest[separator + 1..]),
        None if !root.is_empty() => (root, &rest[2..]),
        None => ("", rest),
    };
    let directory_name = match directory.rfind(['/', '\\']) {
        Some(separator) => &directory[separator + 1..],
        None if directory == root => "",
        None => directory,
    };
    let (filename, stream) = file.split_once(':').unwrap_or((file, ""));
    let extension = filename.rsplit_once('.').map_or("", |(_, extension)| extension);
    let field = |name: &str, value: &str| (Arc::from(name), Dyn::str(value));
    Dyn::bag(vec![
        field("Scheme", scheme),
        field("RootPath", root),
        field("DirectoryPath", directory),
        field("DirectoryName", directory_name),
        field("Filename", filename),
        field("Extension", extension),
        field("AlternateDataStreamName", stream),
    ])
}

fn parse_path_kernel(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("parse_path", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| Ok(Value::Dynamic(parse_path(&v[0].to_kql_string()))))
}

/// Splits a command line the way Windows' `CommandLineToArgvW` does. The
/// program name (first argument) ends at the first space or tab, or at the
/// closing quote when quoted, with no backslash escapes. In the other
/// arguments, `2n` backslashes before a quote give `n` backslashes and the
/// quote toggles quoting; `2n+1` give `n` and a literal quote; `""` inside
/// quotes is a literal quote that ends the quoting; other backslashes are literal.
pub fn parse_command_line(line: &str) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    let mut args = Vec::new();
    let mut index = 0;
    // The program name.
    let mut program = String::new();
    if chars.first() == Some(&'"') {
        index = 1;
        while index < chars.len() && chars[index] != '"' {
            program.push(chars[index]);
            index += 1;
        }
        index += 1;
    } else {
        while index < chars.len() && chars[index] != ' ' && chars[index] != '\t' {
            program.push(chars[index]);
            index += 1;
        }
    }
    if chars.is_empty() {
        return args;
    }
    args.push(program);
    loop {
        while index < chars.len() && (chars[index] == ' ' || chars[index] == '\t') {
            index += 1;
        }
        if index >= chars.len() {
            break;
        }
        let mut arg = String::new();
        let mut quoted = false;
        while index < chars.len() {
            let c = chars[index];
            if !quoted && (c == ' ' || c == '\t') {
                break;
            }
            if c == '\\' {
                let start = index;
                while index < chars.len() && chars[index] == '\\' {
                    index += 1;
                }
                let backslashes = index - start;
                if index < chars.len() && chars[index] == '"' {
                    arg.extend(std::iter::repeat_n('\\', backslashes / 2));
                    if backslashes % 2 == 1 {
                        arg.push('"');
                        index += 1;
                    }
                } else {
                    arg.extend(std::iter::repeat_n('\\', backslashes));
                }
                continue;
            }
            if c == '"' {
                if quoted && chars.get(index + 1) == Some(&'"') {
                    arg.push('"');
                    index += 2;
                    quoted = false;
                    continue;
                }
                quoted = !quoted;
                index += 1;
                continue;
            }
            arg.push(c);
            index += 1;
        }
        args.push(arg);
    }
    args
}

/// `parse_command_line(command_line, "windows")`; another parser type gives null.
fn parse_command_line_kernel(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("parse_command_line", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        if !v[1].to_kql_string().eq_ignore_ascii_case("windows") {
            return Ok(Value::Null);
        }
        let parts = parse_command_line(&v[0].to_kql_string());
        Ok(Value::Dynamic(Dyn::Array(Arc::new(parts.iter().map(|p| Dyn::str(p)).collect()))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_json(path: &str) -> String {
        parse_path(path).to_json()
    }

    #[test]
    fn parse_path_matches_the_docs() {
        assert_eq!(
            path_json(r"C:\temp\file.txt"),
            r#"{"Scheme":"","RootPath":"C:","DirectoryPath":"C:\\temp","DirectoryName":"temp","Filename":"file.txt","Extension":"txt","AlternateDataStreamName":""}"#
        );
        assert_eq!(
            path_json("file://C:/temp/file.txt:some.exe"),
            r#"{"Scheme":"file","RootPath":"C:","DirectoryPath":"C:/temp","DirectoryName":"temp","Filename":"file.txt","Extension":"txt","AlternateDataStreamName":"some.exe"}"#
        );
        assert_eq!(
            path_json(r"\\shared\users\temp\file.txt.gz"),
            r#"{"Scheme":"","RootPath":"","DirectoryPath":"\\\\shared\\users\\temp","DirectoryName":"temp","Filename":"file.txt.gz","Extension":"gz","AlternateDataStreamName":""}"#
        );
        assert_eq!(parse_path("temp\\file.txt").get("DirectoryName"), Some(&Dyn::str("temp")));
        assert_eq!(parse_path("/usr/lib/temp/file.txt").get("DirectoryPath"), Some(&Dyn::str("/usr/lib/temp")));
    }

    #[test]
    fn parse_path_edge_cases() {
        assert_eq!(parse_path("").get("Filename"), Some(&Dyn::str("")));
        assert_eq!(parse_path("C:file").get("Filename"), Some(&Dyn::str("file")));
        assert_eq!(parse_path("/dir/naïve.txt").get("Extension"), Some(&Dyn::str("txt")));
    }

    #[test]
    fn command_line_follows_windows_rules() {
        assert_eq!(parse_command_line("echo \"hello world!\""), vec!["echo", "hello world!"]);
        assert_eq!(parse_command_line(r#""C:\Program Files\a.exe" -x"#), vec![r"C:\Program Files\a.exe", "-x"]);
        assert_eq!(parse_command_line(r#"a b\\"c d" e\"f g\h"#), vec!["a", r#"b\c d"#, r#"e"f"#, r"g\h"]);
        // `""` inside quotes is a quote and ends the quoted part (as in the
        // pre-2008 C runtime, which CommandLineToArgvW follows).
        assert_eq!(parse_command_line(r#"a "x""y" z"#), vec!["a", r#"x"y z"#]);
        assert_eq!(parse_command_line("  "), vec![""]);
        assert!(parse_command_line("").is_empty());
        assert_eq!(parse_command_line("prog\t é"), vec!["prog", "é"]);
    }
}
