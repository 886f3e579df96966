//! `evaluate active_users_count(IdColumn, TimelineColumn, Start, End,
//! LookbackWindow, Period, ActivePeriods, Bin [, dim1, dim2, ...])`: for
//! each bin from `Start` to `End` (and combination of dimensions), the
//! distinct count of ids that were active in it.
//!
//! As documented: an appearance of an id counts when, in the lookback
//! window that ends at it, the id appears in at least `ActivePeriods`
//! distinct periods of length `Period`; appearances before `Start` count
//! towards the lookback but only appearances in the bins of `Start` to `End`
//! are counted. The output has `TimelineColumn` (the bin start), the
//! dimensions and `dcount`; a bin without active ids gives no row.
//!
//! Taken from the documented example: the lookback window excludes its
//! start (an 8-day window at July 8 covers July 1 (exclusive) to July 8),
//! periods are `bin(TimelineColumn, Period)`, bins count from `Start`. Rows
//! are ordered by dimension group (first appearance) then bin.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::engine::column::ColumnBuilder;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::keys::{FastSet, group_rows};
use crate::engine::operators::evaluate::{check_arity, column_argument};
use crate::engine::operators::timeline::{Bins, dimension_groups, leading_fields};
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::Value;
use crate::syntax::ast::{Expr, ScalarType};
use crate::text::Span;

/// One appearance of an id: its time, its period and its bin.
type Appearance = (f64, Option<i64>, Option<i64>);

const SYNTAX: &str = "active_users_count(IdColumn, TimelineColumn, Start, End, LookbackWindow, Period, ActivePeriods, Bin [, dim1, ...])";

/// Runs the plugin on `input`.
pub fn run<'q>(exec: &Executor<'q>, span: Span, args: &'q [Expr], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    check_arity(args, 8, "active_users_count", SYNTAX, span)?;
    let (_, ids) = column_argument(input, &args[0], "active_users_count")?;
    let (timeline_name, timeline) = column_argument(input, &args[1], "active_users_count")?;
    let scalar = |index: usize| exec.eval_scalar(&args[index], env).map(|(value, _)| value);
    let (start, end, lookback, period, active_periods, step) =
        (scalar(2)?, scalar(3)?, scalar(4)?, scalar(5)?, scalar(6)?, scalar(7)?);
    if let Value::String(text) = &step {
        return Err(ExecError::unsupported(format!("`active_users_count` with the `{text}` bin")).at(args[7].span));
    }
    let bins = Bins::new(timeline.ty(), &step, Some(&start), "Bin", args[7].span)?;
    let periods = Bins::new(timeline.ty(), &period, None, "Period", args[5].span)?;
    let last_bin =
        bins.index(&end).ok_or_else(|| ExecError::runtime("`End` is not a timeline value").at(args[3].span))?;
    let Some(active_periods) = active_periods.as_f64().filter(|n| *n >= 0.0) else {
        return Err(ExecError::runtime("`ActivePeriods` is a non-negative number").at(args[6].span));
    };
    // The lookback as a position on the timeline, to compare appearances.
    let position = |value: &Value| match value {
        Value::DateTime(t) | Value::TimeSpan(t) => Some(*t as f64),
        other => other.as_f64(),
    };
    let Some(lookback) = position(&lookback).filter(|l| *l >= 0.0) else {
        return Err(ExecError::runtime("`LookbackWindow` is a non-negative length of time").at(args[4].span));
    };
    let (dimensions, groups) = dimension_groups(input, &args[8..], "active_users_count")?;
    let id_of_row = group_rows(&[ids.as_ref()], input.rows).group_of_row;
    // Each (group, id)'s appearances: (time, period, bin), in time order.
    let mut appearances: HashMap<(u32, u32), Vec<Appearance>> = HashMap::new();
    for (row, id) in id_of_row.iter().enumerate() {
        let value = timeline.get(row);
        let Some(time) = position(&value) else { continue };
        appearances.entry((groups.group_of_row[row], *id)).or_default().push((
            time,
            periods.index(&value),
            bins.index(&value),
        ));
    }
    let mut cells: Vec<BTreeMap<i64, FastSet<u32>>> = vec![BTreeMap::new(); groups.len()];
    for ((group, id), mut times) in appearances {
        times.sort_by(|a, b| a.0.total_cmp(&b.0));
        // The periods in the window (`first`, `last`], with their counts.
        let mut in_window: HashMap<Option<i64>, usize> = HashMap::new();
        let (mut first, mut last) = (0, 0);
        for current in 0..times.len() {
            let (time, _, bin) = times[current];
            while last < times.len() && times[last].0 <= time {
                *in_window.entry(times[last].1).or_default() += 1;
                last += 1;
            }
            while first < last && times[first].0 <= time - lookback {
                let period = times[first].1;
                if let Some(count) = in_window.get_mut(&period) {
                    *count -= 1;
                    if *count == 0 {
                        in_window.remove(&period);
                    }
                }
                first += 1;
            }
            let Some(bin) = bin.filter(|b| (0..=last_bin).contains(b)) else { continue };
            if in_window.len() as f64 >= active_periods {
                cells[group as usize].entry(bin).or_default().insert(id);
            }
        }
    }
    let rows: usize = cells.iter().map(BTreeMap::len).sum();
    exec.check_rows(rows)?;
    let mut bin_out = ColumnBuilder::new(bins.ty(), rows);
    let mut dcount_out = ColumnBuilder::new(ScalarType::Long, rows);
    let mut group_rows_out = Vec::with_capacity(rows);
    for (group, by_bin) in cells.iter().enumerate() {
        for (bin, active) in by_bin {
            bin_out.push(&bins.start(*bin));
            dcount_out.push_long(Some(active.len() as i64));
            group_rows_out.push(groups.first_rows[group]);
        }
    }
    let mut fields = leading_fields(timeline_name, bin_out.finish(), &dimensions, &group_rows_out);
    fields.push(Field { name: "dcount".to_string(), column: Arc::new(dcount_out.finish()) });
    Ok(Table::from_fields(fields, rows))
}

#[cfg(test)]
mod tests {
    use crate::engine::operators::test_support::{run_error, run_query};

    #[test]
    fn an_id_counts_once_active_in_enough_periods_of_its_lookback() {
        // `a` appears at 0, 1, 2 (3 periods within a lookback of 3 at time 2),
        // `b` at 0 and 5 (never 2 periods within 3).
        let out = run_query(
            "datatable(u: string, t: long) ['a', 0, 'a', 1, 'a', 2, 'b', 0, 'b', 5, 'a', 6] \
             | evaluate active_users_count(u, t, 0, 10, 3, 1, 2, 5)",
        );
        assert_eq!(out, "t:long,dcount:long\n0,1\n");
    }

    #[test]
    fn the_lookback_window_excludes_its_start() {
        let query =
            "datatable(u: string, t: long) ['a', 0, 'a', 3] | evaluate active_users_count(u, t, 0, 10, LOOK, 1, 2, 10)";
        assert_eq!(run_query(&query.replace("LOOK", "3")), "t:long,dcount:long\n");
        assert_eq!(run_query(&query.replace("LOOK", "4")), "t:long,dcount:long\n0,1\n");
    }

    #[test]
    fn empty_input_gives_no_rows() {
        let out = run_query(
            "datatable(u: string, t: datetime) [] | evaluate active_users_count(u, t, now(), now(), 8d, 1d, 3, 7d)",
        );
        assert_eq!(out, "t:datetime,dcount:long\n");
    }

    #[test]
    fn too_few_arguments_is_an_error() {
        let error = run_error("print u = 1, t = now() | evaluate active_users_count(u, t, now())");
        assert!(error.contains("at least 8"), "{error}");
    }
}
