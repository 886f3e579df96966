//! `make-series agg [default=d], ... on Axis [from a] [to b] step s [by keys]`:
//! per key, arrays of aggregate values over equal-width bins of the axis.

use std::sync::Arc;

use crate::analysis::names::expression_name;
use crate::engine::column::Column;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::functions::aggregates::Grouping;
use crate::engine::operators::push_unique;
use crate::engine::operators::summarize::{eval_aggregate_expr, group_by};
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::operators::{Assignment, SeriesAggregate, SeriesRange};
use crate::syntax::ast::{Expr, ScalarType};

/// Numeric position of an axis value (ticks for datetime and timespan).
fn axis_number(value: &Value) -> Option<f64> {
    match value {
        Value::DateTime(t) | Value::TimeSpan(t) => Some(*t as f64),
        other => other.as_f64(),
    }
}

/// What a `make-series` operator asks for.
pub struct Spec<'q> {
    pub aggregates: &'q [SeriesAggregate],
    pub on: &'q Expr,
    pub range: Option<&'q SeriesRange>,
    pub by: &'q [Assignment],
    /// `kind=nonempty`: one row of defaults when the input is empty.
    pub nonempty: bool,
}

pub fn run<'q>(exec: &Executor<'q>, spec: Spec<'q>, input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    let Spec { aggregates, on, range, by, nonempty } = spec;
    let (from, to, step) = match range {
        Some(SeriesRange::FromTo { from, to, step }) => (from.as_ref(), to.as_ref(), step),
        Some(SeriesRange::InRange { start, stop, step }) => (Some(start), Some(stop), step),
        None => return Err(ExecError::runtime("`make-series` needs `step`")),
    };
    let axis = exec.eval_column(on, input, env)?;
    let axis_ty = axis.ty();
    let (step_value, _) = exec.eval_scalar(step, env)?;
    let step_number = axis_number(&step_value)
        .filter(|s| *s > 0.0)
        .ok_or_else(|| ExecError::runtime("`step` must be positive").at(step.span))?;
    let bound = |expr: Option<&'q Expr>| -> ExecResult<Option<f64>> {
        match expr {
            Some(expr) => Ok(axis_number(&exec.eval_scalar(expr, env)?.0)),
            None => Ok(None),
        }
    };
    let values: Vec<Option<f64>> = (0..input.rows).map(|row| axis_number(&axis.get(row))).collect();
    let min = values.iter().flatten().copied().fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.min(v))));
    let max = values.iter().flatten().copied().fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
    let start = match bound(from)? {
        Some(start) => start,
        None => match min {
            Some(min) => (min / step_number).floor() * step_number,
            None => 0.0,
        },
    };
    let bins = match bound(to)? {
        Some(end) => ((end - start) / step_number).ceil().max(0.0) as usize,
        None => match max {
            Some(max) => ((max - start) / step_number).floor().max(-1.0) as usize + 1,
            None => 0,
        },
    };
    exec.check_rows(bins)?;
    // Groups by key; rows outside the range go to a discard group.
    let (key_fields, groups) = group_by(exec, by, input, env, &mut 0)?;
    // An empty input makes an empty result, with or without `by`, unless
    // `kind=nonempty` asks for one row of defaults (with null keys).
    let group_count = match input.rows {
        0 => usize::from(nonempty),
        _ if by.is_empty() => 1,
        _ => groups.len(),
    };
    let cells = group_count * bins;
    exec.check_rows(cells)?;
    let discard = cells as u32;
    let mut cell_of_row = Vec::with_capacity(input.rows);
    let mut filled = vec![false; cells + 1];
    for (row, value) in values.iter().enumerate() {
        let cell = match value {
            Some(v) if *v >= start => {
                let bin = ((v - start) / step_number).floor() as usize;
                if bin < bins {
                    groups.group_of_row.get(row).copied().unwrap_or(0) * bins as u32 + bin as u32
                } else {
                    discard
                }
            }
            _ => discard,
        };
        filled[cell as usize] = true;
        cell_of_row.push(cell);
    }
    let grouping = Grouping { group_of_row: &cell_of_row, groups: cells + 1, rows: input.rows };
    let mut fields: Vec<Field> = key_fields
        .iter()
        .map(|f| {
            let column = match input.rows {
                0 => Column::nulls(f.column.ty(), group_count),
                _ => f.column.take(&groups.first_rows),
            };
            Field { name: f.name.clone(), column: Arc::new(column) }
        })
        .collect();
    for series in aggregates {
        let assignment = &series.assignment;
        let column = eval_aggregate_expr(exec, &assignment.value, input, env, &grouping)?;
        let default = match &series.default {
            Some(expr) => exec.eval_scalar(expr, env)?.0,
            None => Value::Long(0),
        };
        let default = match (&default, column.ty()) {
            (Value::Long(0), ScalarType::Real) => Value::Real(0.0),
            _ => default,
        };
        let arrays: Vec<Dyn> = (0..group_count)
            .map(|group| {
                Dyn::array(
                    (0..bins)
                        .map(|bin| {
                            let cell = group * bins + bin;
                            if filled[cell] && !column.is_null(cell) {
                                column.get(cell).to_dyn()
                            } else {
                                default.to_dyn()
                            }
                        })
                        .collect(),
                )
            })
            .collect();
        let name = match assignment.names.first() {
            Some(name) => name.name.clone(),
            None => expression_name(&assignment.value, true).unwrap_or_else(|| format!("Column{}", fields.len() + 1)),
        };
        push_unique(&mut fields, Field { name, column: Arc::new(Column::Dynamic(arrays.into())) });
    }
    let axis_values: Vec<Dyn> = (0..bins)
        .map(|bin| {
            let position = start + bin as f64 * step_number;
            match axis_ty {
                ScalarType::DateTime => Dyn::DateTime(position as i64),
                ScalarType::TimeSpan => Dyn::TimeSpan(position as i64),
                ScalarType::Int | ScalarType::Long if position.fract() == 0.0 => Dyn::Long(position as i64),
                _ => Dyn::Real(position),
            }
        })
        .collect();
    let axis_name = expression_name(on, false).unwrap_or_else(|| "Column1".to_string());
    let axis_column = Column::Dynamic(vec![Dyn::array(axis_values); group_count].into());
    push_unique(&mut fields, Field { name: axis_name, column: Arc::new(axis_column) });
    Ok(Table::from_fields(fields, group_count))
}
