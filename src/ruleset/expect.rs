//! Comparing a rule's result with a test case's expectations, and showing
//! the difference as a readable table diff.

use std::fmt::Write as _;

use similar::{ChangeTag, TextDiff};
use yaml_serde::Value as Yaml;

use crate::engine::output::cell_text;
use crate::engine::table::Table;
use crate::engine::value::Value;
use crate::ruleset::document::{Document, Kind};
use crate::ruleset::test_file::{Expect, ExpectedRow};
use crate::ruleset::yaml_map::Step;

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// One line: what was expected and what happened.
    pub message: String,
    /// Lines that show it: a diff or the rows returned.
    pub detail: Option<String>,
}

impl Failure {
    /// A failure before any expectation could be checked (inputs, query errors).
    pub fn setup(message: String) -> Failure {
        Failure { message, detail: None }
    }
}

/// Most rows shown in a failure.
const SHOWN_ROWS: usize = 20;

/// Checks every expectation of a case against the rule's result.
pub fn check_expectations(document: &Document, expect: &Expect, table: &Table) -> Vec<Failure> {
    let mut failures = Vec::new();
    if let Some(fires) = expect.fires {
        let (fired, trigger) = fired(document, table.rows);
        if fired != fires {
            let message = if fires {
                format!(
                    "expected the rule to fire, but it did not: {} row{} ({trigger})",
                    table.rows,
                    plural(table.rows)
                )
            } else {
                format!("expected no alert, but the rule fired: {} row{} ({trigger})", table.rows, plural(table.rows))
            };
            let detail = (table.rows > 0).then(|| crate::engine::output::text(table, SHOWN_ROWS));
            failures.push(Failure { message, detail });
        }
    }
    if let Some(rows) = expect.rows
        && rows != table.rows
    {
        failures.push(Failure {
            message: format!("expected {rows} row{}, got {}", plural(rows), table.rows),
            detail: (table.rows > 0).then(|| crate::engine::output::text(table, SHOWN_ROWS)),
        });
    }
    for (patterns, must_appear) in [(&expect.contains, true), (&expect.excludes, false)] {
        let mismatched: Vec<&ExpectedRow> =
            patterns.iter().filter(|pattern| find_row(table, pattern).is_some() != must_appear).collect();
        if mismatched.is_empty() {
            continue;
        }
        let missing_columns: Vec<&str> = mismatched
            .iter()
            .flat_map(|p| p.cells.iter().map(|(c, _)| c.as_str()))
            .filter(|c| table.index_of(c).is_none())
            .collect();
        let message = if must_appear {
            format!("{} expected row{} not in the result", mismatched.len(), plural(mismatched.len()))
        } else {
            format!(
                "{} row{} that must not appear {} in the result",
                mismatched.len(),
                plural(mismatched.len()),
                if mismatched.len() == 1 { "is" } else { "are" }
            )
        };
        let mut detail = row_diff(table, &mismatched, must_appear);
        if !missing_columns.is_empty() {
            let _ = write!(
                detail,
                "\nnote: the result has no column {}",
                missing_columns.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
            );
        }
        failures.push(Failure { message, detail: Some(detail) });
    }
    if let Some(golden) = &expect.golden {
        let actual = crate::engine::output::csv(table);
        match std::fs::read_to_string(golden) {
            Ok(expected) if normalize_newlines(&expected) == actual => {}
            Ok(expected) => failures.push(Failure {
                message: format!("the result differs from `{}`", golden.display()),
                detail: Some(unified_diff(&normalize_newlines(&expected), &actual)),
            }),
            Err(_) if std::env::var_os("KQLAB_BLESS").is_some() => {
                if let Err(error) = std::fs::write(golden, &actual) {
                    failures.push(Failure::setup(format!("cannot write `{}`: {error}", golden.display())));
                }
            }
            Err(error) => failures.push(Failure {
                message: format!("cannot read the golden file `{}`: {error}", golden.display()),
                detail: Some("create it from the current result with KQLAB_BLESS=1 kqlab test".into()),
            }),
        }
    }
    failures
}

/// Whether the result makes the rule alert, and how that was decided.
pub fn fired(document: &Document, rows: usize) -> (bool, String) {
    if document.kind != Kind::Scheduled {
        return (rows > 0, "alerts on any row".into());
    }
    let operator = document.string(&[Step::Key("triggerOperator")]).unwrap_or_else(|| "gt".into());
    let threshold = document.value(&[Step::Key("triggerThreshold")]).and_then(Yaml::as_u64).unwrap_or(0) as usize;
    let fired = match operator.as_str() {
        "lt" | "LessThan" => rows < threshold,
        "eq" | "Equal" => rows == threshold,
        "ne" | "NotEqual" => rows != threshold,
        _ => rows > threshold,
    };
    (fired, format!("trigger: rows {operator} {threshold}"))
}

/// The first row matching every cell of `pattern`.
pub fn find_row(table: &Table, pattern: &ExpectedRow) -> Option<usize> {
    let columns: Option<Vec<usize>> = pattern.cells.iter().map(|(name, _)| table.index_of(name)).collect();
    let columns = columns?;
    (0..table.rows).find(|&row| {
        pattern
            .cells
            .iter()
            .zip(&columns)
            .all(|((_, expected), &column)| cell_matches(&table.fields[column].column.get(row), expected))
    })
}

/// Whether a result cell equals an expected YAML value: equal text, or the
/// same datetime, number, boolean or JSON value.
pub fn cell_matches(cell: &Value, expected: &Yaml) -> bool {
    let expected_text = match expected {
        Yaml::Null => return cell.is_null() || matches!(cell, Value::String(s) if s.is_empty()),
        Yaml::Bool(flag) => return matches!(cell, Value::Bool(b) if b == flag) || cell_text(cell) == flag.to_string(),
        Yaml::Number(number) => number.to_string(),
        Yaml::String(text) => text.clone(),
        other => serde_json::to_string(other).unwrap_or_default(),
    };
    let actual = cell_text(cell);
    if actual == expected_text {
        return true;
    }
    match cell {
        Value::DateTime(ticks) => crate::syntax::literal::parse_datetime(&expected_text) == Some(*ticks),
        Value::TimeSpan(ticks) => crate::syntax::literal::parse_timespan(&expected_text) == Some(*ticks),
        Value::Int(_) | Value::Long(_) | Value::Real(_) | Value::Decimal(_) => {
            match (actual.parse::<f64>(), expected_text.parse::<f64>()) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            }
        }
        Value::Guid(_) => actual.eq_ignore_ascii_case(&expected_text),
        Value::Dynamic(_) => {
            match (serde_json::from_str::<serde_json::Value>(&actual), serde_json::to_value(expected)) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            }
        }
        _ => false,
    }
}

/// Expected rows against the result's rows, as a diff over the expected
/// rows' columns (`-` expected, `+` returned).
fn row_diff(table: &Table, patterns: &[&ExpectedRow], must_appear: bool) -> String {
    let mut columns: Vec<&str> = Vec::new();
    for pattern in patterns {
        for (name, _) in &pattern.cells {
            if !columns.contains(&name.as_str()) {
                columns.push(name);
            }
        }
    }
    let expected_lines: Vec<String> = patterns
        .iter()
        .map(|pattern| {
            columns
                .iter()
                .map(|column| {
                    let value = pattern.cells.iter().find(|(name, _)| name == column).map(|(_, v)| yaml_text(v));
                    format!("{column}={}", value.unwrap_or_else(|| "*".into()))
                })
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect();
    let indexes: Vec<Option<usize>> = columns.iter().map(|c| table.index_of(c)).collect();
    let actual_lines: Vec<String> = (0..table.rows.min(SHOWN_ROWS))
        .map(|row| {
            columns
                .iter()
                .zip(&indexes)
                .map(|(column, index)| {
                    let value = index
                        .map(|i| cell_text(&table.fields[i].column.get(row)))
                        .unwrap_or_else(|| "(no column)".into());
                    format!("{column}={}", value.replace('\n', "\\n"))
                })
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect();
    let mut out = String::new();
    if must_appear {
        let _ = writeln!(out, "--- expected rows (listed columns)\n+++ returned rows ({} in all)", table.rows);
        let expected = expected_lines.join("\n") + "\n";
        let actual = if actual_lines.is_empty() { String::new() } else { actual_lines.join("\n") + "\n" };
        out.push_str(&unified_body(&expected, &actual));
    } else {
        let _ = writeln!(out, "rows that must not appear:");
        for line in &expected_lines {
            let _ = writeln!(out, "  ! {line}");
        }
    }
    if table.rows > SHOWN_ROWS {
        let _ = writeln!(out, "  … {} more rows", table.rows - SHOWN_ROWS);
    }
    out.trim_end().to_string()
}

/// A line diff of two texts with `-`/`+`/` ` markers, as a whole unified diff.
fn unified_diff(expected: &str, actual: &str) -> String {
    format!("--- expected\n+++ actual\n{}", unified_body(expected, actual)).trim_end().to_string()
}

/// The lines of a diff of two texts, each marked `-` (only in `expected`),
/// `+` (only in `actual`) or ` ` (in both); every line ends with `\n`.
pub fn unified_body(expected: &str, actual: &str) -> String {
    let diff = TextDiff::from_lines(expected, actual);
    let mut out = String::new();
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            ChangeTag::Delete => '-',
            ChangeTag::Insert => '+',
            ChangeTag::Equal => ' ',
        };
        let _ = write!(out, "{sign} {}", change.value());
        if !change.value().ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

fn yaml_text(value: &Yaml) -> String {
    match value {
        Yaml::String(text) => text.clone(),
        Yaml::Number(number) => number.to_string(),
        Yaml::Bool(flag) => flag.to_string(),
        Yaml::Null => "null".into(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

fn normalize_newlines(text: &str) -> String {
    text.replace("\r\n", "\n")
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use yaml_serde::Value as Yaml;

    use super::cell_matches;
    use crate::engine::value::Value;

    #[test]
    fn cells_match_by_meaning_not_only_text() {
        let ticks = crate::syntax::literal::parse_datetime("2024-03-01T10:00:00Z").expect("a datetime");
        assert!(cell_matches(&Value::DateTime(ticks), &Yaml::String("2024-03-01 10:00".into())));
        assert!(cell_matches(&Value::Long(15), &Yaml::Number(15.into())));
        assert!(cell_matches(&Value::Real(1.5), &Yaml::String("1.50".into())));
        assert!(!cell_matches(&Value::str("bob"), &Yaml::String("alice".into())));
        assert!(cell_matches(&Value::Null, &Yaml::Null));
    }
}
