//! Fixed-size bins over a timeline column, shared by the plugins that count
//! or aggregate per step (`rolling_percentile`, `sliding_window_counts`,
//! `activity_counts_metrics`, `active_users_count`, `session_count`): each row's bin as a
//! whole number, and back from a bin number to the value that starts it;
//! and the dimension columns those plugins group by and repeat in their
//! output.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::engine::column::Column;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::keys::{FastSet, Groups, group_rows};
use crate::engine::operators::evaluate::column_argument;
use crate::engine::table::{Field, Table};
use crate::engine::value::Value;
use crate::syntax::ast::{Expr, ScalarType};
use crate::text::Span;

/// The dimension columns named by `args` (the plugin's trailing
/// arguments), and the rows of `input` grouped by their values.
pub fn dimension_groups(input: &Table, args: &[Expr], plugin: &str) -> ExecResult<(Vec<Field>, Groups)> {
    let mut dimensions: Vec<Field> = Vec::new();
    for arg in args {
        let (name, column) = column_argument(input, arg, plugin)?;
        dimensions.push(Field { name, column });
    }
    let dimension_columns: Vec<&Column> = dimensions.iter().map(|f| f.column.as_ref()).collect();
    let groups = group_rows(&dimension_columns, input.rows);
    Ok((dimensions, groups))
}

/// Whether `arg` names a column of `input`: how the plugins with optional
/// arguments (`activity_metrics`' `Start, End`, `new_activity_metrics`'
/// cohort) tell an optional constant from the first dimension, as
/// Kusto.Language does.
pub fn is_column_argument(input: &Table, arg: &Expr) -> bool {
    matches!(&arg.kind, crate::syntax::ast::ExprKind::Name(ident) if input.column(&ident.name).is_some())
}

/// The leading output columns: the timeline column `name` holding the bin
/// starts, then each dimension's value for each output row, taken from
/// `source_rows` (the first input row of the output row's group). A
/// dimension that repeats a name already there is left out.
pub fn leading_fields(name: String, bin_starts: Column, dimensions: &[Field], source_rows: &[usize]) -> Vec<Field> {
    let mut fields = vec![Field { name, column: Arc::new(bin_starts) }];
    for dimension in dimensions {
        crate::engine::operators::push_unique(
            &mut fields,
            Field { name: dimension.name.clone(), column: Arc::new(dimension.column.take(source_rows)) },
        );
    }
    fields
}

/// Bins of `size` counted from `origin` on a timeline of type `ty`.
#[derive(Debug, Clone, Copy)]
pub struct Bins {
    ty: ScalarType,
    size: Step,
    origin: Step,
}

/// A position or length on the timeline: ticks or integers exactly, reals as reals.
#[derive(Debug, Clone, Copy)]
enum Step {
    Whole(i64),
    Real(f64),
}

impl Bins {
    /// Bins for a timeline of type `ty`; `what` names the size parameter in errors.
    pub fn new(ty: ScalarType, size: &Value, origin: Option<&Value>, what: &str, span: Span) -> ExecResult<Bins> {
        let whole = |value: &Value| match value {
            Value::DateTime(t) | Value::TimeSpan(t) => Some(*t),
            Value::Int(_) | Value::Long(_) => value.as_i64(),
            _ => None,
        };
        let bad = |message: String| {
            Err(ExecError::runtime(message)
                .at(span)
                .with_help("a datetime or timespan timeline takes a timespan step, a numeric one a number"))
        };
        match ty {
            ScalarType::DateTime | ScalarType::TimeSpan | ScalarType::Int | ScalarType::Long => {
                let time_step = matches!(size, Value::TimeSpan(_));
                let time_line = matches!(ty, ScalarType::DateTime | ScalarType::TimeSpan);
                let Some(size) = whole(size).filter(|s| *s > 0 && time_step == time_line) else {
                    return bad(format!("`{what}` must be a positive step for a `{}` timeline", ty.name()));
                };
                let origin = origin.and_then(whole).unwrap_or(0);
                Ok(Bins { ty, size: Step::Whole(size), origin: Step::Whole(origin) })
            }
            ScalarType::Real => {
                let Some(size) = size.as_f64().filter(|s| *s > 0.0) else {
                    return bad(format!("`{what}` must be a positive number"));
                };
                let origin = origin.and_then(Value::as_f64).unwrap_or(0.0);
                Ok(Bins { ty, size: Step::Real(size), origin: Step::Real(origin) })
            }
            other => bad(format!("the timeline must be a datetime, timespan or number, not `{}`", other.name())),
        }
    }

    /// The bin number of every row (null for a null or non-numeric value).
    pub fn indexes(&self, column: &Column) -> Vec<Option<i64>> {
        (0..column.len()).map(|row| self.index(&column.get(row))).collect()
    }

    /// The bin number of one value.
    pub fn index(&self, value: &Value) -> Option<i64> {
        match (self.size, self.origin) {
            (Step::Whole(size), Step::Whole(origin)) => {
                let x = match value {
                    Value::DateTime(t) | Value::TimeSpan(t) => *t,
                    Value::Int(_) | Value::Long(_) => value.as_i64()?,
                    _ => return None,
                };
                Some(x.checked_sub(origin)?.div_euclid(size))
            }
            (Step::Real(size), Step::Real(origin)) => {
                let x = value.as_f64()?;
                let index = ((x - origin) / size).floor();
                index.is_finite().then_some(index as i64)
            }
            _ => None,
        }
    }

    /// How many bins `length` covers, rounded down (a lookback window).
    pub fn count(&self, length: &Value) -> Option<i64> {
        match self.size {
            Step::Whole(size) => match length {
                Value::DateTime(t) | Value::TimeSpan(t) => Some(t.div_euclid(size)),
                other => Some(other.as_i64()?.div_euclid(size)),
            },
            Step::Real(size) => Some((length.as_f64()? / size).floor() as i64),
        }
    }

    /// The value that starts bin `index`.
    pub fn start(&self, index: i64) -> Value {
        match (self.size, self.origin) {
            (Step::Whole(size), Step::Whole(origin)) => {
                let x = index.saturating_mul(size).saturating_add(origin);
                match self.ty {
                    ScalarType::DateTime => Value::DateTime(x),
                    ScalarType::TimeSpan => Value::TimeSpan(x),
                    _ => Value::Long(x),
                }
            }
            (Step::Real(size), Step::Real(origin)) => Value::Real(index as f64 * size + origin),
            _ => Value::Null,
        }
    }

    /// The type of the bin starts (`int` timelines give `long` bins).
    pub fn ty(&self) -> ScalarType {
        match self.ty {
            ScalarType::Int => ScalarType::Long,
            other => other,
        }
    }
}

/// The distinct ids of each group's rows per window (`activity_metrics`,
/// `activity_engagement`): the rows whose window is from the first to
/// `End`'s (every window when the plugin has no `End`), their ids numbered.
pub fn distinct_ids_per_window(
    bins: &Bins,
    timeline: &Column,
    ids: &Column,
    groups: &Groups,
    rows: usize,
    end: Option<(&Value, Span)>,
) -> ExecResult<Vec<BTreeMap<i64, FastSet<u32>>>> {
    let last_bin = match end {
        Some((end, span)) => {
            Some(bins.index(end).ok_or_else(|| ExecError::runtime("`End` is not a timeline value").at(span))?)
        }
        None => None,
    };
    let id_of_row = group_rows(&[ids], rows).group_of_row;
    let mut cells: Vec<BTreeMap<i64, FastSet<u32>>> = vec![BTreeMap::new(); groups.len()];
    for (row, bin) in bins.indexes(timeline).into_iter().enumerate() {
        let Some(bin) = bin.filter(|bin| last_bin.is_none_or(|last| (0..=last).contains(bin))) else { continue };
        cells[groups.group_of_row[row] as usize].entry(bin).or_default().insert(id_of_row[row]);
    }
    Ok(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_bins_count_from_the_origin() {
        let day = 864_000_000_000;
        let bins = Bins::new(
            ScalarType::DateTime,
            &Value::TimeSpan(7 * day),
            Some(&Value::DateTime(3 * day)),
            "Bin",
            Span::empty(0),
        )
        .expect("bins");
        assert_eq!(bins.index(&Value::DateTime(9 * day)), Some(0));
        assert_eq!(bins.index(&Value::DateTime(10 * day)), Some(1));
        assert_eq!(bins.index(&Value::DateTime(2 * day)), Some(-1));
        assert_eq!(bins.start(1), Value::DateTime(10 * day));
        assert_eq!(bins.count(&Value::TimeSpan(15 * day)), Some(2));
    }

    #[test]
    fn a_non_positive_or_mistyped_step_is_an_error() {
        assert!(Bins::new(ScalarType::Long, &Value::Long(0), None, "Bin", Span::empty(0)).is_err());
        assert!(Bins::new(ScalarType::String, &Value::Long(1), None, "Bin", Span::empty(0)).is_err());
    }

    #[test]
    fn nulls_have_no_bin() {
        let bins = Bins::new(ScalarType::Real, &Value::Real(0.5), None, "Bin", Span::empty(0)).expect("bins");
        assert_eq!(bins.index(&Value::Null), None);
        assert_eq!(bins.index(&Value::Real(1.2)), Some(2));
    }
}
