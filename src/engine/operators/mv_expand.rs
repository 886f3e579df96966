//! `mv-expand`: one row per element of dynamic arrays (or property bag
//! entries), expanding several columns in parallel. A null value gives one
//! row with null; an empty array or bag gives no row.

use std::sync::Arc;

use crate::analysis::names::expression_name;
use crate::engine::column::{Column, ColumnBuilder, Prim};
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::operators::param_text;
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::operators::{ExpandItem, NamedParameter};
use crate::syntax::ast::{Expr, ExprKind, ScalarType};

pub fn run<'q>(
    exec: &Executor<'q>,
    params: &[NamedParameter],
    items: &'q [ExpandItem],
    limit: Option<&'q Expr>,
    input: &Table,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let array_mode =
        matches!(param_text(params, "bagexpansion").or_else(|| param_text(params, "kind")).as_deref(), Some("array"));
    let index_column = param_text(params, "with_itemindex");
    let limit = match limit {
        Some(expr) => crate::engine::operators::take::row_count(exec, expr, env)?,
        None => usize::MAX,
    };
    // Each item's elements per input row.
    let mut expanded: Vec<(String, Option<ScalarType>, Vec<Vec<Dyn>>)> = Vec::new();
    for item in items {
        let name = match &item.name {
            Some(name) => name.name.clone(),
            None => expression_name(&item.expr, false).unwrap_or_else(|| format!("Column{}", expanded.len() + 1)),
        };
        let ty = match &item.to_type {
            Some(expr) => match &expr.kind {
                ExprKind::TypeOf { scalar: Some(type_name), .. } => type_name.ty,
                _ => return Err(ExecError::unsupported("this `to typeof(...)` form").at(expr.span)),
            },
            None => None,
        };
        let datum = exec.eval_column(&item.expr, input, env)?;
        let mut per_row = Vec::with_capacity(input.rows);
        for row in 0..input.rows {
            let value = match datum.get(row) {
                Value::Dynamic(d) => d,
                Value::String(s) => crate::engine::value::parse_json_text(&s).unwrap_or(Dyn::String(s)),
                other => other.to_dyn(),
            };
            per_row.push(match value {
                Dyn::Null => vec![Dyn::Null],
                Dyn::Array(elements) => elements.iter().cloned().collect(),
                Dyn::Bag(entries) => entries
                    .iter()
                    .map(|(k, v)| {
                        if array_mode {
                            Dyn::array(vec![Dyn::String(k.clone()), v.clone()])
                        } else {
                            Dyn::Bag(Arc::new(vec![(k.clone(), v.clone())]))
                        }
                    })
                    .collect(),
                scalar => vec![scalar],
            });
        }
        expanded.push((name, ty, per_row));
    }
    let mut source_rows = Vec::new();
    let mut positions = Vec::new();
    for row in 0..input.rows {
        let count = expanded.iter().map(|(_, _, per_row)| per_row[row].len()).max().unwrap_or(0).min(limit);
        // Checked before growing: one huge array must not get past the budget.
        exec.check_rows(source_rows.len() + count)?;
        for position in 0..count {
            source_rows.push(row);
            positions.push(position);
        }
    }
    exec.check_rows(source_rows.len())?;
    let mut fields: Vec<Field> = input
        .fields
        .iter()
        .map(|f| Field { name: f.name.clone(), column: Arc::new(f.column.take(&source_rows)) })
        .collect();
    for (name, ty, per_row) in expanded {
        let mut builder = ColumnBuilder::new(ty.unwrap_or(ScalarType::Dynamic), source_rows.len());
        for (row, position) in source_rows.iter().zip(&positions) {
            let element = per_row[*row].get(*position).cloned().unwrap_or(Dyn::Null);
            builder.push(&match ty {
                None | Some(ScalarType::Dynamic) => Value::Dynamic(element),
                Some(_) => element.to_value(),
            });
        }
        let field = Field { name, column: Arc::new(builder.finish()) };
        match fields.iter().position(|f| f.name == field.name) {
            Some(index) => fields[index] = field,
            None => fields.push(field),
        }
    }
    if let Some(index_name) = index_column {
        let column = Column::Long(Prim::new(positions.iter().map(|p| *p as i64).collect()));
        fields.push(Field { name: index_name, column: Arc::new(column) });
    }
    Ok(Table::from_fields(fields, source_rows.len()))
}
