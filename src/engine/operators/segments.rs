//! What `basket`, `autocluster` and `diffpatterns` share: their optional arguments (`~`
//! for a default, the weight column, the custom wildcards), the input's
//! dimensions as value ids, and the result table, one row per segment.
//!
//! A *segment* (Kusto's "pattern") fixes the values of some columns, the
//! others are wildcards. The result table is `SegmentId`, `Count`, `Percent`
//! and then every input column, holding the segment's value or the wildcard
//! of the column's type: by default null, and an empty string for strings
//! (as documented); a custom wildcard argument replaces the default of the
//! columns of its own type.

use std::sync::Arc;

use crate::engine::column::ColumnBuilder;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::keys::group_rows;
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::Value;
use crate::syntax::ast::{Expr, ExprKind, ScalarType};

/// A fixed value: (dimension index, value id in that dimension).
pub type Item = (usize, u32);

/// A segment: its fixed values (sorted by dimension) and the total weight of
/// the rows it matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub items: Vec<Item>,
    pub weight: f64,
}

/// The input's dimensions (every column but the weight column), each value
/// replaced by a small id, and the weight of each row.
pub struct Dimensions {
    /// For each dimension: the input column index.
    pub column_of_dimension: Vec<usize>,
    /// For each dimension: the value id of each row.
    pub value_of_row: Vec<Vec<u32>>,
    /// For each dimension: a row holding each value id.
    pub row_of_value: Vec<Vec<usize>>,
    /// The weight of each row (1 without a weight column; null weights are 0).
    pub weights: Vec<f64>,
    /// The rows with a positive weight, the only ones that count.
    pub active_rows: Vec<u32>,
    pub total_weight: f64,
}

/// Encodes `input`'s columns but `weight_column` as dimensions.
pub fn encode_dimensions(input: &Table, weight_column: Option<usize>, plugin: &str) -> ExecResult<Dimensions> {
    let weights: Vec<f64> = match weight_column {
        None => vec![1.0; input.rows],
        Some(index) => {
            let column = &input.fields[index].column;
            let mut weights = Vec::with_capacity(input.rows);
            for row in 0..input.rows {
                let weight = column.get(row).as_f64().unwrap_or(0.0);
                if weight < 0.0 || !weight.is_finite() {
                    return Err(ExecError::runtime(format!(
                        "the `{plugin}` weight column `{}` holds {weight} on row {row}; weights must be finite and not negative",
                        input.fields[index].name
                    )));
                }
                weights.push(weight);
            }
            weights
        }
    };
    let mut dimensions = Dimensions {
        column_of_dimension: Vec::new(),
        value_of_row: Vec::new(),
        row_of_value: Vec::new(),
        active_rows: (0..input.rows as u32).filter(|row| weights[*row as usize] > 0.0).collect(),
        total_weight: weights.iter().sum(),
        weights,
    };
    for (index, field) in input.fields.iter().enumerate() {
        if Some(index) == weight_column {
            continue;
        }
        let groups = group_rows(&[field.column.as_ref()], input.rows);
        dimensions.column_of_dimension.push(index);
        dimensions.value_of_row.push(groups.group_of_row);
        dimensions.row_of_value.push(groups.first_rows);
    }
    Ok(dimensions)
}

impl Dimensions {
    pub fn len(&self) -> usize {
        self.column_of_dimension.len()
    }

    pub fn is_empty(&self) -> bool {
        self.column_of_dimension.is_empty()
    }
}

/// True for the `~` argument, which stands for a parameter's default.
pub fn is_default<'q>(exec: &Executor<'q>, arg: &'q Expr, env: &Env<'q>) -> ExecResult<bool> {
    Ok(match &arg.kind {
        ExprKind::Name(_) => false,
        _ => matches!(exec.eval_scalar(arg, env)?.0, Value::String(text) if &*text == "~"),
    })
}

/// A constant numeric argument, or `None` for `~` (the default).
pub fn number_argument<'q>(exec: &Executor<'q>, arg: Option<&'q Expr>, env: &Env<'q>) -> ExecResult<Option<f64>> {
    let Some(arg) = arg else { return Ok(None) };
    if is_default(exec, arg, env)? {
        return Ok(None);
    }
    let value = exec.eval_scalar(arg, env)?.0;
    match value {
        Value::Int(_) | Value::Long(_) | Value::Real(_) | Value::Decimal(_) => Ok(value.as_f64()),
        other => Err(ExecError::runtime(format!(
            "a number or `~` is expected here, not {}",
            other.scalar_type().map_or("null".to_string(), |ty| format!("a `{}`", ty.name()))
        ))
        .at(arg.span)),
    }
}

/// A number argument from `least` to 1, named `what` in the error (`~` or no
/// argument: `default`).
pub fn fraction_argument<'q>(
    exec: &Executor<'q>,
    arg: Option<&'q Expr>,
    env: &Env<'q>,
    (default, least): (f64, f64),
    plugin: &str,
    what: &str,
) -> ExecResult<f64> {
    let value = number_argument(exec, arg, env)?.unwrap_or(default);
    match arg {
        Some(arg) if !(least..=1.0).contains(&value) => {
            Err(ExecError::runtime(format!("the `{plugin}` {what} must be between {least} and 1, not {value}"))
                .at(arg.span))
        }
        _ => Ok(value),
    }
}

/// A whole-number argument of at least 1, named `what` in the error (`~` or
/// no argument: `default`).
pub fn count_argument<'q>(
    exec: &Executor<'q>,
    arg: Option<&'q Expr>,
    env: &Env<'q>,
    default: usize,
    plugin: &str,
    what: &str,
) -> ExecResult<usize> {
    match (number_argument(exec, arg, env)?, arg) {
        (None, _) | (_, None) => Ok(default),
        (Some(n), _) if n >= 1.0 && n.fract() == 0.0 => Ok(n as usize),
        (Some(n), Some(arg)) => {
            Err(ExecError::runtime(format!("the `{plugin}` {what} must be a whole number of at least 1, not {n}"))
                .at(arg.span))
        }
    }
}

/// The weight column argument: a numeric column of `input`, or `None` for
/// `~` or no argument.
pub fn weight_argument<'q>(
    exec: &Executor<'q>,
    arg: Option<&'q Expr>,
    input: &Table,
    plugin: &str,
    env: &Env<'q>,
) -> ExecResult<Option<usize>> {
    let Some(arg) = arg else { return Ok(None) };
    let ExprKind::Name(ident) = &arg.kind else {
        if is_default(exec, arg, env)? {
            return Ok(None);
        }
        return Err(ExecError::runtime(format!("the `{plugin}` weight is a column name or `~`")).at(arg.span));
    };
    let index = input.index_of(&ident.name).ok_or_else(|| {
        ExecError::new(crate::diagnostics::Code::UnknownColumn, format!("unknown column `{}`", ident.name)).at(arg.span)
    })?;
    let ty = input.fields[index].column.ty();
    if !matches!(ty, ScalarType::Int | ScalarType::Long | ScalarType::Real | ScalarType::Decimal) {
        return Err(ExecError::runtime(format!(
            "the `{plugin}` weight column `{}` must be numeric, not `{}`",
            ident.name,
            ty.name()
        ))
        .at(arg.span));
    }
    Ok(Some(index))
}

/// The custom wildcards: one value per type (`~` arguments are skipped; a
/// later wildcard of a type replaces an earlier one).
pub fn wildcard_arguments<'q>(
    exec: &Executor<'q>,
    args: &'q [Expr],
    env: &Env<'q>,
) -> ExecResult<Vec<(ScalarType, Value)>> {
    let mut wildcards: Vec<(ScalarType, Value)> = Vec::new();
    for arg in args {
        if is_default(exec, arg, env)? {
            continue;
        }
        let (value, ty) = exec.eval_scalar(arg, env)?;
        wildcards.retain(|(existing, _)| *existing != ty);
        wildcards.push((ty, value));
    }
    Ok(wildcards)
}

/// The result table: `SegmentId`, `Count`, `Percent`, then `input`'s
/// columns with each segment's values or the wildcards.
pub fn segments_table(
    input: &Table,
    dimensions: &Dimensions,
    segments: &[Segment],
    wildcards: &[(ScalarType, Value)],
) -> Table {
    let mut segment_ids = ColumnBuilder::new(ScalarType::Long, segments.len());
    let mut counts = ColumnBuilder::new(ScalarType::Long, segments.len());
    let mut percents = ColumnBuilder::new(ScalarType::Real, segments.len());
    for (index, segment) in segments.iter().enumerate() {
        segment_ids.push_long(Some(index as i64));
        counts.push_long(Some(segment.weight.round() as i64));
        let percent =
            if dimensions.total_weight > 0.0 { 100.0 * segment.weight / dimensions.total_weight } else { 0.0 };
        percents.push(&Value::Real(percent));
    }
    let mut fields = vec![
        Field { name: "SegmentId".to_string(), column: Arc::new(segment_ids.finish()) },
        Field { name: "Count".to_string(), column: Arc::new(counts.finish()) },
        Field { name: "Percent".to_string(), column: Arc::new(percents.finish()) },
    ];
    fields.extend(pattern_columns(input, dimensions, segments, wildcards));
    Table::from_fields(fields, segments.len())
}

/// `input`'s columns, one row per segment: the segment's value where it
/// fixes the column's dimension, else the wildcard of the column's type.
pub fn pattern_columns(
    input: &Table,
    dimensions: &Dimensions,
    segments: &[Segment],
    wildcards: &[(ScalarType, Value)],
) -> Vec<Field> {
    let mut fields = Vec::with_capacity(input.fields.len());
    for (index, field) in input.fields.iter().enumerate() {
        let ty = field.column.ty();
        let wildcard = match wildcards.iter().find(|(wildcard_type, _)| *wildcard_type == ty) {
            Some((_, value)) => value.clone(),
            None if ty == ScalarType::String => Value::str(""),
            None => Value::Null,
        };
        let dimension = dimensions.column_of_dimension.iter().position(|column| *column == index);
        let mut builder = ColumnBuilder::new(ty, segments.len());
        for segment in segments {
            let fixed = dimension.and_then(|dimension| {
                segment.items.iter().find(|(d, _)| *d == dimension).map(|(_, value)| (dimension, *value))
            });
            match fixed {
                Some((dimension, value)) => {
                    builder.push(&field.column.get(dimensions.row_of_value[dimension][value as usize]))
                }
                None => builder.push(&wildcard),
            }
        }
        fields.push(Field { name: field.name.clone(), column: Arc::new(builder.finish()) });
    }
    fields
}

/// Apriori's join step for the pattern at `index` of a level sorted by its
/// items: the patterns after it that share all its values but the last, and
/// whose last value fixes another dimension, each with the joined items.
pub fn joins<'a, C>(
    level: &'a [C],
    index: usize,
    items_of: fn(&C) -> &[Item],
) -> impl Iterator<Item = (&'a C, Vec<Item>)> + 'a {
    let first = items_of(&level[index]);
    let (prefix, last) = first.split_at(first.len() - 1);
    let last = last[0];
    level[index + 1..].iter().take_while(move |second| &items_of(second)[..first.len() - 1] == prefix).filter_map(
        move |second| {
            let other = *items_of(second).last()?;
            // One value per dimension.
            (other.0 != last.0).then(|| {
                let mut items = first.to_vec();
                items.push(other);
                (second, items)
            })
        },
    )
}

/// `items` without the one at `skip`.
pub fn without(items: &[Item], skip: usize) -> Vec<Item> {
    items.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, item)| *item).collect()
}

/// True when every item of `small` is in `large` (both sorted).
pub fn is_subset(small: &[Item], large: &[Item]) -> bool {
    small.iter().all(|item| large.binary_search(item).is_ok())
}

/// The pattern `items` plus every value its rows all share.
pub fn close(dimensions: &Dimensions, items: &[Item], rows: &[u32]) -> Vec<Item> {
    let mut closure = items.to_vec();
    let Some(&first_row) = rows.first() else { return closure };
    for (dimension, values) in dimensions.value_of_row.iter().enumerate() {
        if items.iter().any(|(d, _)| *d == dimension) {
            continue;
        }
        let value = values[first_row as usize];
        if rows.iter().all(|row| values[*row as usize] == value) {
            closure.push((dimension, value));
        }
    }
    closure.sort_unstable();
    closure
}

/// The rows in both sorted lists.
pub fn intersect(left: &[u32], right: &[u32]) -> Vec<u32> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < left.len() && j < right.len() {
        match left[i].cmp(&right[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(left[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}
