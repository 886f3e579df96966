//! Bins over a timeline column, shared by the plugins that count or
//! aggregate per step (`rolling_percentile`, `sliding_window_counts`,
//! `activity_counts_metrics`, `active_users_count`, `session_count`): each
//! row's bin as a whole number, and back from a bin number to the value that
//! starts it; and the dimension columns those plugins group by and repeat in
//! their output.
//!
//! Bins are of a fixed size, or, for the activity plugins' `'week'`,
//! `'month'` and `'year'` windows, calendar weeks (from Sunday), months or
//! years: a row's bin is its `startofweek`/`startofmonth`/`startofyear`, and
//! bin `n` after the first starts at `startof…(origin, n)`, so months of 28
//! to 31 days and leap years follow the calendar.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::engine::column::Column;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::functions::datetime::{Unit, start_ticks};
use crate::engine::keys::{FastSet, Groups, group_rows};
use crate::engine::operators::evaluate::column_argument;
use crate::engine::table::{Field, Table};
use crate::engine::time::{self, TICKS_PER_DAY};
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

/// Bins of a fixed size or calendar units on a timeline of type `ty`,
/// numbered from the one holding the origin (bin 0).
#[derive(Debug, Clone, Copy)]
pub struct Bins {
    ty: ScalarType,
    kind: Kind,
}

/// How a [`Bins`] cuts its timeline.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Bins of `size` counted from `origin`.
    Fixed { size: Step, origin: Step },
    /// Calendar weeks, months or years: `origin` is the start of bin 0 (a
    /// calendar boundary, in ticks) and `origin_number` its [`unit_number`].
    Calendar { unit: Unit, origin: i64, origin_number: i64 },
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
                Ok(Bins { ty, kind: Kind::Fixed { size: Step::Whole(size), origin: Step::Whole(origin) } })
            }
            ScalarType::Real => {
                let Some(size) = size.as_f64().filter(|s| *s > 0.0) else {
                    return bad(format!("`{what}` must be a positive number"));
                };
                let origin = origin.and_then(Value::as_f64).unwrap_or(0.0);
                Ok(Bins { ty, kind: Kind::Fixed { size: Step::Real(size), origin: Step::Real(origin) } })
            }
            other => bad(format!("the timeline must be a datetime, timespan or number, not `{}`", other.name())),
        }
    }

    /// Bins for an activity plugin's window (`Step` or `Window`): a step as
    /// [`Bins::new`] takes, or one of the strings `week`, `month` and `year`,
    /// "in which case all periods will be startofweek, startofmonth, or
    /// startofyear" (activity-metrics-plugin.md). Bin 0 is then the calendar
    /// unit holding `origin` (`Start`), or the one holding 0001-01-01 without
    /// it. The pages spell the strings in lower case and say nothing of other
    /// spellings, so only those three are taken.
    pub fn window(ty: ScalarType, size: &Value, origin: Option<&Value>, what: &str, span: Span) -> ExecResult<Bins> {
        let Value::String(text) = size else { return Bins::new(ty, size, origin, what, span) };
        let unit = match text.as_ref() {
            "week" => Unit::Week,
            "month" => Unit::Month,
            "year" => Unit::Year,
            other => {
                return Err(ExecError::runtime(format!(
                    "`{what}` must be a step or one of the strings `week`, `month` and `year`, not `{other}`"
                ))
                .at(span)
                .with_help(
                    "a calendar window is `'week'`, `'month'` or `'year'`; any other window is a timespan or a number",
                ));
            }
        };
        if ty != ScalarType::DateTime {
            return Err(ExecError::runtime(format!(
                "a `{text}` `{what}` needs a datetime timeline, not `{}`",
                ty.name()
            ))
            .at(span)
            .with_help("calendar windows are startofweek, startofmonth or startofyear of a datetime column"));
        }
        let origin_ticks = match origin {
            None => 0,
            Some(Value::DateTime(ticks)) => *ticks,
            Some(_) => {
                return Err(ExecError::runtime(format!("a `{text}` `{what}` needs a datetime `Start`")).at(span));
            }
        };
        let calendar = start_ticks(origin_ticks, unit, 0)
            .and_then(|origin| Some(Kind::Calendar { unit, origin, origin_number: unit_number(origin, unit)? }));
        let Some(kind) = calendar else {
            return Err(ExecError::runtime(format!("`Start` is outside the calendar for a `{text}` `{what}`")).at(span));
        };
        Ok(Bins { ty, kind })
    }

    /// Whether the bins are calendar weeks, months or years.
    pub fn is_calendar(&self) -> bool {
        matches!(self.kind, Kind::Calendar { .. })
    }

    /// The bin number of every row (null for a null or non-numeric value).
    pub fn indexes(&self, column: &Column) -> Vec<Option<i64>> {
        (0..column.len()).map(|row| self.index(&column.get(row))).collect()
    }

    /// The bin number of one value.
    pub fn index(&self, value: &Value) -> Option<i64> {
        let (size, origin) = match self.kind {
            Kind::Fixed { size, origin } => (size, origin),
            Kind::Calendar { unit, origin_number, .. } => {
                let Value::DateTime(ticks) = value else { return None };
                return unit_number(*ticks, unit)?.checked_sub(origin_number);
            }
        };
        match (size, origin) {
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
    /// None for calendar bins, whose lengths vary.
    pub fn count(&self, length: &Value) -> Option<i64> {
        let Kind::Fixed { size, .. } = self.kind else { return None };
        match size {
            Step::Whole(size) => match length {
                Value::DateTime(t) | Value::TimeSpan(t) => Some(t.div_euclid(size)),
                other => Some(other.as_i64()?.div_euclid(size)),
            },
            Step::Real(size) => Some((length.as_f64()? / size).floor() as i64),
        }
    }

    /// The value that starts bin `index`.
    pub fn start(&self, index: i64) -> Value {
        let (size, origin) = match self.kind {
            Kind::Fixed { size, origin } => (size, origin),
            Kind::Calendar { unit, origin, .. } => {
                return start_ticks(origin, unit, index).map_or(Value::Null, Value::DateTime);
            }
        };
        match (size, origin) {
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

/// The number of the calendar `unit` holding `ticks`, counted so that
/// consecutive units have consecutive numbers: weeks (from Sunday, as
/// `startofweek`) since the one holding 0001-01-01, months as `12 * year +
/// month`, years as the year.
fn unit_number(ticks: i64, unit: Unit) -> Option<i64> {
    let civil = time::civil(ticks);
    Some(match unit {
        Unit::Day => ticks.div_euclid(TICKS_PER_DAY),
        Unit::Week => start_ticks(ticks, Unit::Week, 0)?.div_euclid(7 * TICKS_PER_DAY),
        Unit::Month => civil.year * 12 + civil.month - 1,
        Unit::Year => civil.year,
    })
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

    /// Ticks of midnight on `year-month-day`.
    fn date(year: i64, month: i64, day: i64) -> Value {
        let days = crate::syntax::literal::days_from_civil(year, month, day).expect("a date");
        Value::DateTime(days * TICKS_PER_DAY)
    }

    #[test]
    fn month_bins_follow_the_calendar() {
        let start = date(2023, 1, 15);
        let bins = Bins::window(ScalarType::DateTime, &Value::str("month"), Some(&start), "Window", Span::empty(0))
            .expect("bins");
        // Bin 0 is January, holding `Start`; then February (28 days), March.
        assert_eq!(bins.start(0), date(2023, 1, 1));
        assert_eq!(bins.start(1), date(2023, 2, 1));
        assert_eq!(bins.start(2), date(2023, 3, 1));
        assert_eq!(bins.index(&date(2023, 1, 31)), Some(0));
        assert_eq!(bins.index(&date(2023, 2, 28)), Some(1));
        assert_eq!(bins.index(&date(2023, 3, 1)), Some(2));
        assert_eq!(bins.index(&date(2022, 12, 31)), Some(-1));
        assert_eq!(bins.count(&Value::TimeSpan(40 * TICKS_PER_DAY)), None);
    }

    #[test]
    fn week_bins_start_on_sunday() {
        // 2023-01-04 was a Wednesday; its week began on Sunday 2023-01-01.
        let bins =
            Bins::window(ScalarType::DateTime, &Value::str("week"), None, "Window", Span::empty(0)).expect("bins");
        let week = bins.index(&date(2023, 1, 4)).expect("a bin");
        assert_eq!(bins.start(week), date(2023, 1, 1));
        assert_eq!(bins.index(&date(2023, 1, 7)), Some(week));
        assert_eq!(bins.index(&date(2023, 1, 8)), Some(week + 1));
        assert_eq!(bins.index(&date(2022, 12, 31)), Some(week - 1));
    }

    #[test]
    fn calendar_windows_need_a_known_name_and_a_datetime_timeline() {
        let error = Bins::window(ScalarType::DateTime, &Value::str("fortnight"), None, "Step", Span::empty(0))
            .expect_err("an unknown window");
        assert!(error.message.contains("`week`, `month` and `year`"), "{}", error.message);
        assert!(error.message.contains("fortnight"), "{}", error.message);
        let error = Bins::window(ScalarType::Long, &Value::str("year"), None, "Step", Span::empty(0))
            .expect_err("a numeric timeline");
        assert!(error.message.contains("datetime timeline"), "{}", error.message);
        // Fixed steps still refuse strings.
        assert!(Bins::new(ScalarType::DateTime, &Value::str("week"), None, "Bin", Span::empty(0)).is_err());
    }

    #[test]
    fn nulls_have_no_bin() {
        let bins = Bins::new(ScalarType::Real, &Value::Real(0.5), None, "Bin", Span::empty(0)).expect("bins");
        assert_eq!(bins.index(&Value::Null), None);
        assert_eq!(bins.index(&Value::Real(1.2)), Some(2));
    }
}
