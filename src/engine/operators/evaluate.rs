//! `evaluate plugin(...)`: the plugins that run locally (`bag_unpack`,
//! `narrow`, `pivot`); others report "not supported locally".

use std::sync::Arc;

use crate::engine::column::{Column, ColumnBuilder};
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::{Expr, ExprKind, ScalarType};

pub fn run<'q>(exec: &Executor<'q>, call: &'q Expr, input: Option<Arc<Table>>, env: &Env<'q>) -> ExecResult<Table> {
    let ExprKind::Call { target: None, name, args } = &call.kind else {
        return Err(ExecError::runtime("`evaluate` needs a plugin call"));
    };
    match (name.name.as_str(), input) {
        ("bag_unpack", Some(input)) => bag_unpack(exec, args, &input, env),
        ("narrow", Some(input)) => Ok(narrow(&input)),
        (plugin, _) => Err(ExecError::unsupported(format!("the `{plugin}` plugin"))),
    }
}

/// `bag_unpack(Column [, prefix])`: one column per property of the bags,
/// replacing the bag column.
fn bag_unpack<'q>(exec: &Executor<'q>, args: &'q [Expr], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    let Some(column_expr) = args.first() else {
        return Err(ExecError::runtime("`bag_unpack` needs a dynamic column"));
    };
    let ExprKind::Name(column_name) = &column_expr.kind else {
        return Err(ExecError::unsupported("`bag_unpack` of an expression").at(column_expr.span));
    };
    let prefix = match args.get(1) {
        Some(expr) if !matches!(expr.kind, ExprKind::NamedArg { .. }) => exec.eval_scalar(expr, env)?.0.to_kql_string(),
        _ => String::new(),
    };
    let Some(index) = input.index_of(&column_name.name) else {
        return Err(ExecError::runtime(format!("unknown column `{}`", column_name.name)).at(column_expr.span));
    };
    let column = &input.fields[index].column;
    let mut keys: Vec<String> = Vec::new();
    let bags: Vec<Dyn> = (0..input.rows)
        .map(|row| match column.get(row) {
            Value::Dynamic(d) => d,
            Value::String(s) => Dyn::parse_json(&s),
            _ => Dyn::Null,
        })
        .collect();
    for bag in &bags {
        if let Dyn::Bag(entries) = bag {
            for (key, _) in entries.iter() {
                if !keys.iter().any(|k| **k == **key) {
                    keys.push(key.to_string());
                }
            }
        }
    }
    let mut fields: Vec<Field> =
        input.fields.iter().enumerate().filter(|(i, _)| *i != index).map(|(_, f)| f.clone()).collect();
    for key in keys {
        let values: Vec<Dyn> = bags.iter().map(|bag| bag.get(&key).cloned().unwrap_or(Dyn::Null)).collect();
        let name = format!("{prefix}{key}");
        if fields.iter().any(|f| f.name == name) {
            return Err(ExecError::runtime(format!("`bag_unpack` would create column `{name}`, which already exists"))
                .with_help("pass a column prefix: `bag_unpack(Column, \"prefix_\")`"));
        }
        fields.push(Field { name, column: Arc::new(Column::Dynamic(values)) });
    }
    Ok(Table::from_fields(fields, input.rows))
}

/// `narrow()`: one row per (row, column) with `Row`, `Column`, `Value`.
fn narrow(input: &Table) -> Table {
    let mut row_builder = ColumnBuilder::new(ScalarType::Int, 0);
    let mut column_builder = ColumnBuilder::new(ScalarType::String, 0);
    let mut value_builder = ColumnBuilder::new(ScalarType::String, 0);
    for row in 0..input.rows {
        for field in &input.fields {
            row_builder.push(&Value::Int(row as i32));
            column_builder.push_str(&field.name);
            value_builder.push_str(&field.column.get(row).to_kql_string());
        }
    }
    Table::new(vec![
        ("Row".to_string(), row_builder.finish()),
        ("Column".to_string(), column_builder.finish()),
        ("Value".to_string(), value_builder.finish()),
    ])
}
