//! Tables to KQL `datatable` text: the fixture that makes a rule run
//! unchanged against sample data, locally or inlined into a remote query.
//! Every value is written as a literal that parses back to the same value
//! and type (typed nulls, escaped strings, `dynamic` trees with their typed
//! scalars, non-finite reals).

use std::fmt::Write as _;

use crate::engine::table::Table;
use crate::engine::time::{format_datetime, format_timespan};
use crate::engine::value::{Dyn, Value, format_guid};
use crate::syntax::ast::ScalarType;

/// `datatable(Col:type, ...) [v, v, ..., v, v, ...]`, one row per line.
pub fn write_datatable(table: &Table) -> String {
    let mut out = String::from("datatable(");
    for (index, field) in table.fields.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{}:{}", column_name(&field.name), field.column.ty().name());
    }
    out.push_str(") [");
    for row in 0..table.rows {
        out.push_str("\n    ");
        for (index, field) in table.fields.iter().enumerate() {
            write_literal(&mut out, &field.column.get(row), field.column.ty());
            if index + 1 < table.fields.len() || row + 1 < table.rows {
                out.push(',');
                if index + 1 < table.fields.len() {
                    out.push(' ');
                }
            }
        }
    }
    out.push_str(if table.rows > 0 { "\n]" } else { "]" });
    out
}

/// `let NAME = datatable(...) [...];` binding a fixture to a table name.
pub fn write_let(name: &str, table: &Table) -> String {
    format!("let {} = {};\n", column_name(name), write_datatable(table))
}

/// A name as KQL accepts it: bare when it is an identifier, else `['...']`.
fn column_name(name: &str) -> String {
    if crate::syntax::lexer::is_identifier(name) && crate::syntax::parser::RESERVED_WORDS.binary_search(&name).is_err()
    {
        name.to_string()
    } else {
        format!("['{}']", name.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

/// The literal of `value` in a column of type `ty`.
pub fn write_literal(out: &mut String, value: &Value, ty: ScalarType) {
    if value.is_null() && ty != ScalarType::String {
        let _ = write!(out, "{}(null)", ty.name());
        return;
    }
    match value {
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "int({i})");
        }
        Value::Long(i) => {
            let _ = write!(out, "long({i})");
        }
        Value::Real(r) => write_real(out, *r),
        Value::Decimal(d) => {
            let _ = write!(out, "decimal({})", d.normalize());
        }
        Value::DateTime(t) => {
            let _ = write!(out, "datetime({})", format_datetime(*t));
        }
        Value::TimeSpan(t) => {
            let _ = write!(out, "timespan({})", format_timespan(*t));
        }
        Value::Guid(g) => {
            let _ = write!(out, "guid({})", format_guid(*g));
        }
        Value::String(s) => write_string(out, s),
        Value::Null => out.push_str("\"\""),
        Value::Dynamic(d) => {
            out.push_str("dynamic(");
            write_dynamic(out, d);
            out.push(')');
        }
    }
}

fn write_real(out: &mut String, value: f64) {
    if value.is_nan() {
        out.push_str("real(nan)");
    } else if value.is_infinite() {
        out.push_str(if value > 0.0 { "real(+inf)" } else { "real(-inf)" });
    } else {
        // `{:?}` is the shortest text that reads back as the same number.
        let _ = write!(out, "real({value:?})");
    }
}

/// `text` as a KQL string literal (escaped as in [`write_literal`]).
pub fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    write_string(&mut out, text);
    out
}

/// A string literal: `"..."` with `\\`, `\"`, `\n`, `\r`, `\t` and `\uXXXX`
/// for other control characters; everything else as it is.
fn write_string(out: &mut String, text: &str) {
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A `dynamic(...)` body: JSON-like, with Kusto's typed scalars inside.
fn write_dynamic(out: &mut String, value: &Dyn) {
    match value {
        Dyn::Null => out.push_str("null"),
        Dyn::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Dyn::Long(i) => {
            let _ = write!(out, "{i}");
        }
        Dyn::Real(r) if r.is_finite() => {
            let _ = write!(out, "{r:?}");
        }
        Dyn::Real(r) => write_real(out, *r),
        Dyn::Decimal(d) => {
            let _ = write!(out, "decimal({})", d.normalize());
        }
        Dyn::String(s) => write_string(out, s),
        Dyn::DateTime(t) => {
            let _ = write!(out, "datetime({})", format_datetime(*t));
        }
        Dyn::TimeSpan(t) => {
            let _ = write!(out, "timespan({})", format_timespan(*t));
        }
        Dyn::Guid(g) => {
            let _ = write!(out, "guid({})", format_guid(*g));
        }
        Dyn::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                write_dynamic(out, item);
            }
            out.push(']');
        }
        Dyn::Bag(entries) => {
            out.push('{');
            for (index, (key, item)) in entries.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                write_string(out, key);
                out.push_str(": ");
                write_dynamic(out, item);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::column::Column;
    use crate::engine::table::Database;

    fn round_trip(table: &Table) -> Table {
        let text = write_datatable(table);
        let parse = crate::syntax::parse(&text);
        assert!(parse.diagnostics.is_empty(), "{text}\n{:?}", parse.diagnostics);
        let tables = crate::engine::execute(&parse.query, &Database::new(), &Default::default(), None)
            .unwrap_or_else(|e| panic!("{text}\n{}", e.message));
        (*tables[0]).clone()
    }

    #[test]
    fn every_type_and_awkward_value_survives_the_round_trip() {
        let rows = |ty: ScalarType, values: &[Value]| Column::from_values(ty, values);
        let table = Table::new(vec![
            ("Flag".into(), rows(ScalarType::Bool, &[Value::Bool(true), Value::Null, Value::Bool(false)])),
            ("Small".into(), rows(ScalarType::Int, &[Value::Int(-5), Value::Null, Value::Int(i32::MAX)])),
            ("Big".into(), rows(ScalarType::Long, &[Value::Long(i64::MIN), Value::Long(0), Value::Null])),
            (
                "Ratio".into(),
                rows(ScalarType::Real, &[Value::Real(0.1), Value::Real(f64::NAN), Value::Real(f64::NEG_INFINITY)]),
            ),
            (
                "When".into(),
                rows(
                    ScalarType::DateTime,
                    &[Value::DateTime(638_000_000_000_001_234), Value::Null, Value::DateTime(0)],
                ),
            ),
            (
                "Took".into(),
                rows(ScalarType::TimeSpan, &[Value::TimeSpan(-36_000_000_123), Value::TimeSpan(1), Value::Null]),
            ),
            (
                "Id".into(),
                rows(
                    ScalarType::Guid,
                    &[Value::Guid(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef), Value::Null, Value::Guid(0)],
                ),
            ),
            (
                "Text".into(),
                rows(
                    ScalarType::String,
                    &[Value::str("quote \" back \\ tab\t nl\n é \u{1}"), Value::str(""), Value::str("@'x'")],
                ),
            ),
            (
                "Details".into(),
                rows(
                    ScalarType::Dynamic,
                    &[
                        Value::Dynamic(Dyn::parse_json(r#"{"a":[1,2.5,"x",null,{"b":true}],"c":"\"q\""}"#)),
                        Value::Dynamic(Dyn::Null),
                        Value::Dynamic(Dyn::array(vec![Dyn::DateTime(5), Dyn::Guid(7), Dyn::Real(f64::NAN)])),
                    ],
                ),
            ),
            ("Odd name-1".into(), rows(ScalarType::String, &[Value::str("a"), Value::str("b"), Value::str("c")])),
        ]);
        let back = round_trip(&table);
        assert_eq!(back.schema(), table.schema());
        for row in 0..table.rows {
            for (a, b) in table.row(row).iter().zip(back.row(row)) {
                let same = match (a, &b) {
                    (Value::Real(x), Value::Real(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
                    (Value::Dynamic(x), Value::Dynamic(y)) => x.to_json() == y.to_json(),
                    _ => *a == b,
                };
                assert!(same, "row {row}: {a:?} came back as {b:?}\n{}", write_datatable(&table));
            }
        }
    }

    #[test]
    fn an_empty_table_keeps_its_columns() {
        let table = Table::empty(&[("A".into(), ScalarType::Long), ("B".into(), ScalarType::String)]);
        assert_eq!(write_datatable(&table), "datatable(A:long, B:string) []");
        assert_eq!(round_trip(&table).schema(), table.schema());
    }
}
