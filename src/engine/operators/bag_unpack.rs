//! `evaluate bag_unpack(Column [, OutputColumnPrefix] [, columnsConflict]
//! [, ignoredProperties]) [: OutputSchema]`: one column per top-level slot of
//! the property bags in `Column`, which is removed.
//!
//! As documented: the new columns are named after the slots (with the
//! prefix), typed as the slot's values when they all have one type and
//! `dynamic` otherwise; `columnsConflict` says what happens when a slot's
//! name is an input column already (`error`, the default; `replace_source`;
//! `keep_source`); `ignoredProperties` is a dynamic array of slot names to
//! skip. With an output schema, the output is exactly the declared columns
//! (after the input's other columns when the schema starts with `*`),
//! converted to the declared types.
//!
//! Taken from the documented examples: the new columns come in ascending
//! ordinal order of their names, and `replace_source` puts the new values in
//! the source column's place.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::engine::column::{Column, ColumnBuilder};
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::functions::conversion::convert;
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::operators::OutputSchema;
use crate::syntax::ast::{Expr, ExprKind, ScalarType};

/// What to do when an unpacked slot has the name of an input column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColumnsConflict {
    Error,
    ReplaceSource,
    KeepSource,
}

/// The plugin's arguments, evaluated.
struct Options {
    prefix: String,
    conflict: ColumnsConflict,
    ignored: Vec<String>,
}

/// Runs the plugin on `input`.
pub fn run<'q>(
    exec: &Executor<'q>,
    args: &'q [Expr],
    schema: Option<&OutputSchema>,
    input: &Table,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let Some(column_expr) = args.first() else {
        return Err(ExecError::runtime("`bag_unpack` needs the dynamic column to unpack")
            .with_help("write `evaluate bag_unpack(Column)`"));
    };
    let ExprKind::Name(column_name) = &column_expr.kind else {
        return Err(ExecError::runtime("`bag_unpack` unpacks a column: give its name").at(column_expr.span));
    };
    let Some(index) = input.index_of(&column_name.name) else {
        return Err(ExecError::new(
            crate::diagnostics::Code::UnknownColumn,
            format!("unknown column `{}`", column_name.name),
        )
        .at(column_expr.span));
    };
    let options = read_options(exec, &args[1..], env)?;
    let column = &input.fields[index].column;
    let bags: Vec<Dyn> = (0..input.rows)
        .map(|row| match column.get(row) {
            Value::Dynamic(d) => d,
            Value::String(s) => Dyn::parse_json(&s),
            _ => Dyn::Null,
        })
        .collect();
    let others = input.fields.iter().enumerate().filter(|(i, _)| *i != index).map(|(_, f)| f.clone());
    if let Some(schema) = schema {
        let mut fields: Vec<Field> = if schema.wildcard { others.collect() } else { Vec::new() };
        for declared in &schema.columns {
            let ty = declared.ty.ty.unwrap_or(ScalarType::Dynamic);
            let name = declared.name.name.strip_prefix(&options.prefix).unwrap_or(&declared.name.name);
            let mut builder = ColumnBuilder::new(ty, bags.len());
            for bag in &bags {
                let value = bag.get(name).cloned().unwrap_or(Dyn::Null);
                builder.push(&convert(&Value::Dynamic(value), ty));
            }
            fields.retain(|f| f.name != declared.name.name);
            fields.push(Field { name: declared.name.name.clone(), column: Arc::new(builder.finish()) });
        }
        return Ok(Table::from_fields(fields, input.rows));
    }
    // Slot names in ascending order, as the documented outputs list them.
    let mut slots: BTreeMap<String, ()> = BTreeMap::new();
    for bag in &bags {
        if let Dyn::Bag(entries) = bag {
            for (key, _) in entries.iter() {
                if !options.ignored.iter().any(|ignored| **ignored == **key) {
                    slots.insert(key.to_string(), ());
                }
            }
        }
    }
    let mut fields: Vec<Field> = others.collect();
    exec.check_rows(input.rows)?;
    for key in slots.into_keys() {
        let values: Vec<Dyn> = bags.iter().map(|bag| bag.get(&key).cloned().unwrap_or(Dyn::Null)).collect();
        let name = format!("{}{key}", options.prefix);
        let column = Arc::new(slot_column(values));
        match (fields.iter().position(|f| f.name == name), options.conflict) {
            (None, _) => fields.push(Field { name, column }),
            (Some(existing), ColumnsConflict::ReplaceSource) => fields[existing].column = column,
            (Some(_), ColumnsConflict::KeepSource) => {}
            (Some(_), ColumnsConflict::Error) => {
                return Err(ExecError::runtime(format!(
                    "`bag_unpack` would create column `{name}`, which already exists"
                ))
                .at(column_expr.span)
                .with_help(
                    "pass `columnsConflict='replace_source'` or `'keep_source'`, or a column prefix: `bag_unpack(Column, \"prefix_\")`",
                ));
            }
        }
    }
    Ok(Table::from_fields(fields, input.rows))
}

/// The optional arguments: positional in the documented order, or named.
fn read_options<'q>(exec: &Executor<'q>, args: &'q [Expr], env: &Env<'q>) -> ExecResult<Options> {
    const NAMES: [&str; 3] = ["OutputColumnPrefix", "columnsConflict", "ignoredProperties"];
    let mut options = Options { prefix: String::new(), conflict: ColumnsConflict::Error, ignored: Vec::new() };
    for (position, arg) in args.iter().enumerate() {
        let (slot, value_expr) = match &arg.kind {
            ExprKind::NamedArg { name, value } => match NAMES.iter().position(|n| n.eq_ignore_ascii_case(&name.name)) {
                Some(slot) => (slot, value.as_ref()),
                None => {
                    return Err(ExecError::runtime(format!("`bag_unpack` has no parameter `{}`", name.name))
                        .at(arg.span)
                        .with_help(
                            "its parameters are `OutputColumnPrefix`, `columnsConflict` and `ignoredProperties`",
                        ));
                }
            },
            _ if position < NAMES.len() => (position, arg),
            _ => return Err(ExecError::runtime("`bag_unpack` takes at most four arguments").at(arg.span)),
        };
        let (value, _) = exec.eval_scalar(value_expr, env)?;
        match slot {
            0 => options.prefix = value.to_kql_string(),
            1 => {
                options.conflict = match value.to_kql_string().as_str() {
                    "error" => ColumnsConflict::Error,
                    "replace_source" => ColumnsConflict::ReplaceSource,
                    "keep_source" => ColumnsConflict::KeepSource,
                    other => {
                        return Err(ExecError::runtime(format!("invalid `columnsConflict` value `{other}`"))
                            .at(arg.span)
                            .with_help("use `error`, `replace_source` or `keep_source`"));
                    }
                }
            }
            _ => match value {
                Value::Dynamic(Dyn::Array(items)) => {
                    options.ignored = items.iter().map(|item| item.to_kql_string()).collect();
                }
                Value::Dynamic(Dyn::Null) | Value::Null => {}
                _ => {
                    return Err(ExecError::runtime("`ignoredProperties` is a dynamic array of property names")
                        .at(arg.span)
                        .with_help("write `ignoredProperties=dynamic(['a', 'b'])`"));
                }
            },
        }
    }
    Ok(options)
}

/// A slot's values as a column: of the values' type when they all have one
/// (nulls aside), `dynamic` otherwise.
fn slot_column(values: Vec<Dyn>) -> Column {
    let mut common: Option<ScalarType> = None;
    let mut uniform = true;
    for value in &values {
        let ty = match value {
            Dyn::Null => continue,
            Dyn::Bool(_) => ScalarType::Bool,
            Dyn::Long(_) => ScalarType::Long,
            Dyn::Real(_) => ScalarType::Real,
            Dyn::Decimal(_) => ScalarType::Decimal,
            Dyn::String(_) => ScalarType::String,
            Dyn::DateTime(_) => ScalarType::DateTime,
            Dyn::TimeSpan(_) => ScalarType::TimeSpan,
            Dyn::Guid(_) => ScalarType::Guid,
            Dyn::Array(_) | Dyn::Bag(_) => ScalarType::Dynamic,
        };
        match common {
            None => common = Some(ty),
            Some(seen) if seen != ty => uniform = false,
            Some(_) => {}
        }
    }
    match common {
        Some(ty) if uniform && ty != ScalarType::Dynamic => {
            let mut builder = ColumnBuilder::new(ty, values.len());
            for value in &values {
                builder.push(&value.to_value());
            }
            builder.finish()
        }
        _ => Column::Dynamic(values.into()),
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::operators::test_support::run_query;

    const PEOPLE: &str = r#"datatable(Name: string, d: dynamic) [
        "James", dynamic({"Name": "John", "Age": 20}),
        "David", dynamic({"Age": 40}),
    ]"#;

    #[test]
    fn slots_become_typed_columns_in_name_order() {
        let out = run_query(r#"print d = dynamic({"b": 1, "a": "x"}) | evaluate bag_unpack(d)"#);
        assert_eq!(out, "a:string,b:long\nx,1\n");
    }

    #[test]
    fn a_slot_with_mixed_types_is_dynamic() {
        let out = run_query(
            r#"datatable(d: dynamic) [dynamic({"a": 1}), dynamic({"a": "x"}), dynamic({})] | evaluate bag_unpack(d)"#,
        );
        assert_eq!(out, "a:dynamic\n1\nx\n\n");
    }

    #[test]
    fn the_prefix_is_added_to_every_name() {
        let out = run_query(r#"print d = dynamic({"a": 1}) | evaluate bag_unpack(d, "p_")"#);
        assert_eq!(out, "p_a:long\n1\n");
    }

    #[test]
    fn a_conflicting_name_is_an_error_by_default() {
        let error = crate::engine::operators::test_support::run_error(&format!("{PEOPLE} | evaluate bag_unpack(d)"));
        assert!(error.contains("`Name`"), "{error}");
    }

    #[test]
    fn replace_source_and_keep_source_resolve_conflicts() {
        let replaced = run_query(&format!("{PEOPLE} | evaluate bag_unpack(d, columnsConflict='replace_source')"));
        assert_eq!(replaced, "Name:string,Age:long\nJohn,20\n,40\n");
        let kept = run_query(&format!("{PEOPLE} | evaluate bag_unpack(d, columnsConflict='keep_source')"));
        assert_eq!(kept, "Name:string,Age:long\nJames,20\nDavid,40\n");
    }

    #[test]
    fn ignored_properties_are_skipped() {
        let out = run_query(
            r#"print d = dynamic({"a": 1, "b": 2}) | evaluate bag_unpack(d, ignoredProperties=dynamic(['b']))"#,
        );
        assert_eq!(out, "a:long\n1\n");
    }

    #[test]
    fn an_output_schema_picks_and_converts_the_columns() {
        let query = r#"datatable(d: dynamic, k: string) [dynamic({"a": "7", "b": 2}), "x"]"#;
        let out = run_query(&format!("{query} | evaluate bag_unpack(d) : (*, a: long, c: string)"));
        assert_eq!(out, "k:string,a:long,c:string\nx,7,\n");
        let out = run_query(&format!("{query} | evaluate bag_unpack(d) : (b: int)"));
        assert_eq!(out, "b:int\n2\n");
    }

    #[test]
    fn empty_input_and_null_bags_give_no_columns() {
        assert_eq!(run_query("datatable(d: dynamic) [] | evaluate bag_unpack(d)"), "\n");
        assert_eq!(run_query("print d = dynamic(null), k = 1 | evaluate bag_unpack(d)"), "k:long\n1\n");
    }

    #[test]
    fn a_bad_columns_conflict_value_is_reported() {
        let error = crate::engine::operators::test_support::run_error(
            "print d = dynamic({}) | evaluate bag_unpack(d, columnsConflict='merge')",
        );
        assert!(error.contains("columnsConflict"), "{error}");
    }
}
