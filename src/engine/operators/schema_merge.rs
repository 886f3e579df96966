//! `evaluate schema_merge([PreserveOrder])`: merges table schemas given in
//! `getschema`'s format (`ColumnName`, `ColumnOrdinal`, `DataType`,
//! `ColumnType`, one row per column, schemas one after another) into one
//! schema in the same format.
//!
//! As documented: the merged schema has every column of every schema; a
//! column new in a later schema is placed after the columns it follows
//! there; with `PreserveOrder` (the default), a column whose ordinal differs
//! from the one it had in the first schema it appeared in is an error row
//! (ordinal -1, `ERROR(columns are out of order)`), and the others are
//! numbered in order. A new schema starts where the ordinals stop
//! increasing.
//!
//! Not documented, so chosen here: types are reduced to a common type by
//! widening numbers (`int` → `long` → `real`); other differing types give an
//! error row in the same form (`ERROR(types mismatch)`).

use crate::engine::column::{Column, ColumnBuilder};
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::scope::Env;
use crate::engine::table::Table;
use crate::engine::value::Value;
use crate::syntax::ast::{Expr, ExprKind, ScalarType};

/// One column of the merged schema.
struct Merged {
    name: String,
    first_ordinal: i64,
    column_type: String,
    data_type: String,
    error: Option<&'static str>,
}

/// Runs the plugin on `input`.
pub fn run<'q>(exec: &Executor<'q>, args: &'q [Expr], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    let preserve_order = match args {
        [] => true,
        [arg] => {
            let value = match &arg.kind {
                ExprKind::NamedArg { value, .. } => value.as_ref(),
                _ => arg,
            };
            match exec.eval_scalar(value, env)?.0 {
                Value::Bool(flag) => flag,
                other => {
                    return Err(ExecError::runtime(format!(
                        "`PreserveOrder` is a bool, not `{}`",
                        other.to_kql_string()
                    ))
                    .at(arg.span));
                }
            }
        }
        [_, extra, ..] => return Err(ExecError::runtime("`schema_merge` takes at most one argument").at(extra.span)),
    };
    let column = |name: &str| {
        input.column(name).cloned().ok_or_else(|| {
            ExecError::runtime(format!("the `schema_merge` input has no column `{name}`"))
                .with_help("its input is the output of `getschema`, e.g. `union (T1 | getschema), (T2 | getschema)`")
        })
    };
    let (names, ordinals, data_types, column_types) =
        (column("ColumnName")?, column("ColumnOrdinal")?, column("DataType")?, column("ColumnType")?);
    let mut merged: Vec<Merged> = Vec::new();
    // Where the current schema's next new column goes, and its last ordinal.
    let mut insert_at = 0;
    let mut previous_ordinal: Option<i64> = None;
    for row in 0..input.rows {
        let name = names.get(row).to_kql_string();
        let ordinal = ordinals.get(row).as_i64().unwrap_or(-1);
        if previous_ordinal.is_none_or(|previous| ordinal <= previous) {
            insert_at = 0;
        }
        previous_ordinal = Some(ordinal);
        let column_type = column_types.get(row).to_kql_string();
        let data_type = data_types.get(row).to_kql_string();
        match merged.iter().position(|m| m.name == name) {
            Some(index) => {
                let existing = &mut merged[index];
                if preserve_order && existing.first_ordinal != ordinal {
                    existing.error.get_or_insert("columns are out of order");
                }
                match widest(&existing.column_type, &column_type) {
                    Some(widened) if widened != existing.column_type => {
                        existing.column_type = widened.to_string();
                        existing.data_type = data_type;
                    }
                    Some(_) => {}
                    None => {
                        existing.error.get_or_insert("types mismatch");
                    }
                }
                insert_at = insert_at.max(index + 1);
            }
            None => {
                merged.insert(insert_at, Merged { name, first_ordinal: ordinal, column_type, data_type, error: None });
                insert_at += 1;
            }
        }
    }
    let mut name_out = ColumnBuilder::new(ScalarType::String, merged.len());
    let mut ordinal_out = ColumnBuilder::new(ScalarType::Int, merged.len());
    let mut data_type_out = ColumnBuilder::new(ScalarType::String, merged.len());
    let mut column_type_out = ColumnBuilder::new(ScalarType::String, merged.len());
    let mut next_ordinal = 0;
    for column in &merged {
        name_out.push_str(&column.name);
        match column.error {
            Some(error) => {
                ordinal_out.push(&Value::Int(-1));
                data_type_out.push_str(&format!("ERROR(unknown CSL type:ERROR({error}))"));
                column_type_out.push_str(&format!("ERROR({error})"));
            }
            None => {
                ordinal_out.push(&Value::Int(next_ordinal));
                next_ordinal += 1;
                data_type_out.push_str(&column.data_type);
                column_type_out.push_str(&column.column_type);
            }
        }
    }
    let output: Vec<(String, Column)> = vec![
        ("ColumnName".to_string(), name_out.finish()),
        ("ColumnOrdinal".to_string(), ordinal_out.finish()),
        ("DataType".to_string(), data_type_out.finish()),
        ("ColumnType".to_string(), column_type_out.finish()),
    ];
    Ok(Table::new(output))
}

/// The common type of two column types: equal ones, or the wider number.
fn widest<'t>(left: &'t str, right: &'t str) -> Option<&'t str> {
    const NUMBERS: [&str; 3] = ["int", "long", "real"];
    if left == right {
        return Some(left);
    }
    let rank = |ty: &str| NUMBERS.iter().position(|n| *n == ty);
    match (rank(left), rank(right)) {
        (Some(a), Some(b)) => Some(if a >= b { left } else { right }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::operators::test_support::{run_error, run_query};

    const SCHEMAS: &str = "let s1 = datatable(Uri: string, Status: int)[] | getschema;
        let s2 = datatable(Uri: string, Referrer: string, Status: int)[] | getschema;";

    #[test]
    fn a_new_column_goes_after_the_ones_it_follows() {
        let out = run_query(&format!("{SCHEMAS} union s1, s2 | evaluate schema_merge(PreserveOrder = false)"));
        assert_eq!(
            out,
            "ColumnName:string,ColumnOrdinal:int,DataType:string,ColumnType:string\n\
             Uri,0,System.String,string\nReferrer,1,System.String,string\nStatus,2,System.Int32,int\n"
        );
    }

    #[test]
    fn a_moved_column_is_an_error_when_order_is_preserved() {
        let out = run_query(&format!("{SCHEMAS} union s1, s2 | evaluate schema_merge()"));
        assert!(
            out.ends_with(
                "Status,-1,ERROR(unknown CSL type:ERROR(columns are out of order)),ERROR(columns are out of order)\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn numbers_widen_and_other_types_clash() {
        assert_eq!(widest("int", "long"), Some("long"));
        assert_eq!(widest("real", "int"), Some("real"));
        assert_eq!(widest("string", "int"), None);
    }

    #[test]
    fn empty_input_gives_an_empty_schema() {
        let out = run_query("datatable(x: int)[] | getschema | where false | evaluate schema_merge()");
        assert_eq!(out, "ColumnName:string,ColumnOrdinal:int,DataType:string,ColumnType:string\n");
    }

    #[test]
    fn input_not_from_getschema_is_an_error() {
        let error = run_error("print x = 1 | evaluate schema_merge()");
        assert!(error.contains("ColumnName"), "{error}");
    }
}
