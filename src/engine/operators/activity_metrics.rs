//! `evaluate activity_metrics(IdColumn, TimelineColumn, [Start, End,]
//! Window [, dim1, dim2, ...])`: for each time window (and combination of
//! dimensions), the distinct ids compared with the window just before it.
//!
//! As documented (activity-metrics-plugin.md): `dcount_values` is the
//! number of distinct ids in the window, `dcount_newvalues` those that did
//! not appear in the previous window, `retention_rate` the returning ids
//! (distinct ids minus new ones) divided by the previous window's distinct
//! ids, and `churn_rate` the ids lost (the previous window's ids minus the
//! returning ones) divided by the previous window's ids, so the two add up
//! to 1. The first window has no previous one: both rates are NaN there, as
//! in the documented output (and so in any window after an empty one).
//!
//! Windows count from `Start` (from 0, as `bin()` does, without `Start` and
//! `End`); rows outside the windows of `Start` to `End` take no part, and a
//! window without rows gives no row. The columns are those Kusto.Language
//! declares: the timeline (window start), the dimensions, then the four
//! metrics; rows are ordered by dimension group (first appearance) then
//! window.
//!
//! `Window` may also be the string `week`, `month` or `year`, "in which case
//! all periods will be startofweek, startofmonth, or startofyear
//! respectively": windows are then calendar weeks (from Sunday), months or
//! years, each as long as the calendar makes it, the timeline column holds
//! each one's start, and the previous window is the previous calendar unit.
//! The page is silent on a `Start` inside a calendar unit, so the first
//! window is the whole unit holding `Start` (its rows before `Start`
//! included), as `startofweek`/`startofmonth`/`startofyear(Start)` gives it.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::engine::column::ColumnBuilder;
use crate::engine::error::ExecResult;
use crate::engine::exec::Executor;
use crate::engine::keys::FastSet;
use crate::engine::operators::evaluate::{check_arity, column_argument};
use crate::engine::operators::timeline::{
    Bins, dimension_groups, distinct_ids_per_window, is_column_argument, leading_fields,
};
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::Value;
use crate::syntax::ast::{Expr, ScalarType};
use crate::text::Span;

const SYNTAX: &str = "activity_metrics(IdColumn, TimelineColumn, [Start, End,] Window [, dim1, ...])";

/// Runs the plugin on `input`.
pub fn run<'q>(exec: &Executor<'q>, span: Span, args: &'q [Expr], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    check_arity(args, 3, "activity_metrics", SYNTAX, span)?;
    let (_, ids) = column_argument(input, &args[0], "activity_metrics")?;
    let (timeline_name, timeline) = column_argument(input, &args[1], "activity_metrics")?;
    // `Start, End, Window` when the fourth and fifth arguments are not
    // columns (dimensions), else `Window` alone.
    let with_range = args.len() >= 5 && !is_column_argument(input, &args[3]) && !is_column_argument(input, &args[4]);
    let (range, window_index) = if with_range {
        let (start, _) = exec.eval_scalar(&args[2], env)?;
        let (end, _) = exec.eval_scalar(&args[3], env)?;
        (Some((start, end)), 4)
    } else {
        (None, 2)
    };
    let (window, _) = exec.eval_scalar(&args[window_index], env)?;
    let bins = Bins::window(
        timeline.ty(),
        &window,
        range.as_ref().map(|(start, _)| start),
        "Window",
        args[window_index].span,
    )?;
    let (dimensions, groups) = dimension_groups(input, &args[window_index + 1..], "activity_metrics")?;
    let end = range.as_ref().map(|(_, end)| (end, args[3].span));
    let cells = distinct_ids_per_window(&bins, &timeline, &ids, &groups, input.rows, end)?;
    let rows: usize = cells.iter().map(BTreeMap::len).sum();
    exec.check_rows(rows)?;
    let mut bin_out = ColumnBuilder::new(bins.ty(), rows);
    let mut dcounts = ColumnBuilder::new(ScalarType::Long, rows);
    let mut new_dcounts = ColumnBuilder::new(ScalarType::Long, rows);
    let mut retention = ColumnBuilder::new(ScalarType::Real, rows);
    let mut churn = ColumnBuilder::new(ScalarType::Real, rows);
    let mut group_rows_out = Vec::with_capacity(rows);
    let empty = FastSet::default();
    for (group, by_bin) in cells.iter().enumerate() {
        for (bin, distinct) in by_bin {
            let previous = by_bin.get(&(bin - 1)).unwrap_or(&empty);
            let new = distinct.iter().filter(|id| !previous.contains(id)).count();
            let returning = (distinct.len() - new) as f64;
            let at_start = previous.len() as f64;
            bin_out.push(&bins.start(*bin));
            dcounts.push_long(Some(distinct.len() as i64));
            new_dcounts.push_long(Some(new as i64));
            // 0/0 is NaN, as in the documented first window.
            retention.push(&Value::Real(returning / at_start));
            churn.push(&Value::Real((at_start - returning) / at_start));
            group_rows_out.push(groups.first_rows[group]);
        }
    }
    let mut fields = leading_fields(timeline_name, bin_out.finish(), &dimensions, &group_rows_out);
    for (name, builder) in [
        ("dcount_values", dcounts),
        ("dcount_newvalues", new_dcounts),
        ("retention_rate", retention),
        ("churn_rate", churn),
    ] {
        fields.push(Field { name: name.to_string(), column: Arc::new(builder.finish()) });
    }
    Ok(Table::from_fields(fields, rows))
}

#[cfg(test)]
mod tests {
    use crate::engine::operators::test_support::{run_error, run_query};

    #[test]
    fn each_window_is_compared_with_the_one_before() {
        // Window 0: a, b. Window 1: a, c (c new; a returns: 1 of 2).
        // Window 3 follows an empty window: everything is new, rates NaN.
        let out = run_query(
            "datatable(u: string, t: long) ['a', 0, 'b', 0, 'a', 1, 'c', 1, 'c', 1, 'b', 3, 'z', 7] \
             | evaluate activity_metrics(u, t, 0, 5, 1)",
        );
        assert_eq!(
            out,
            "t:long,dcount_values:long,dcount_newvalues:long,retention_rate:real,churn_rate:real\n\
             0,2,2,NaN,NaN\n1,2,1,0.5,0.5\n3,1,1,NaN,NaN\n"
        );
    }

    #[test]
    fn without_start_and_end_every_row_counts_and_dimensions_split() {
        let out = run_query(
            "datatable(u: long, t: datetime, d: string) \
             [1, datetime(2017-01-02), 'x', 2, datetime(2017-01-03), 'x', 1, datetime(2017-01-09), 'x', 1, datetime(2017-01-09), 'y'] \
             | evaluate activity_metrics(u, t, 7d, d)",
        );
        // Weeks as `bin(t, 7d)` gives them: from Monday (0001-01-01 was one).
        assert_eq!(
            out,
            "t:datetime,d:string,dcount_values:long,dcount_newvalues:long,retention_rate:real,churn_rate:real\n\
             2017-01-02T00:00:00.0000000Z,x,2,2,NaN,NaN\n\
             2017-01-09T00:00:00.0000000Z,x,1,0,0.5,0.5\n\
             2017-01-09T00:00:00.0000000Z,y,1,1,NaN,NaN\n"
        );
    }

    #[test]
    fn empty_input_and_null_ids() {
        let out = run_query("datatable(u: long, t: long) [] | evaluate activity_metrics(u, t, 0, 10, 1)");
        assert_eq!(out, "t:long,dcount_values:long,dcount_newvalues:long,retention_rate:real,churn_rate:real\n");
        // A row with a null timeline has no window and takes no part.
        let out =
            run_query("datatable(u: long, t: long) [1, 0, 2, long(null)] | evaluate activity_metrics(u, t, 0, 10, 1)");
        assert_eq!(
            out,
            "t:long,dcount_values:long,dcount_newvalues:long,retention_rate:real,churn_rate:real\n0,1,1,NaN,NaN\n"
        );
    }

    const HEADER: &str = "t:datetime,dcount_values:long,dcount_newvalues:long,retention_rate:real,churn_rate:real\n";

    #[test]
    fn a_month_window_compares_each_month_with_the_one_before() {
        // 2023: January 31 days, February 28, March 31, April 30; rows on
        // the months' edges. March follows February: b returns (1 of 2).
        let out = run_query(
            "datatable(u: string, t: datetime) [\
             'a', datetime(2023-01-31 23:59:59), 'a', datetime(2023-02-01), 'b', datetime(2023-02-28 23:59:59),\
             'b', datetime(2023-03-01), 'c', datetime(2023-03-31 23:00), 'c', datetime(2023-04-30), 'd', datetime(2023-05-01)] \
             | evaluate activity_metrics(u, t, datetime(2023-01-01), datetime(2023-04-30), 'month')",
        );
        assert_eq!(
            out,
            format!(
                "{HEADER}2023-01-01T00:00:00.0000000Z,1,1,NaN,NaN\n2023-02-01T00:00:00.0000000Z,2,1,1,0\n\
                 2023-03-01T00:00:00.0000000Z,2,1,0.5,0.5\n2023-04-01T00:00:00.0000000Z,1,0,0.5,0.5\n"
            )
        );
    }

    #[test]
    fn a_week_window_starts_on_sunday_without_start_and_end() {
        // 2023-01-08 was a Sunday: the Saturday before is the previous week.
        let out = run_query(
            "datatable(u: long, t: datetime) [1, datetime(2023-01-07), 2, datetime(2023-01-07), 1, datetime(2023-01-08), 1, datetime(2023-01-14 23:00)] \
             | evaluate activity_metrics(u, t, 'week')",
        );
        assert_eq!(
            out,
            format!("{HEADER}2023-01-01T00:00:00.0000000Z,2,2,NaN,NaN\n2023-01-08T00:00:00.0000000Z,1,0,0.5,0.5\n")
        );
    }

    #[test]
    fn a_year_window_and_a_start_inside_the_year() {
        // `Start` in mid-2020: the first window is all of 2020 (see the header).
        let out = run_query(
            "datatable(u: long, t: datetime) [1, datetime(2020-02-29), 2, datetime(2020-12-31), 1, datetime(2021-12-31 23:00)] \
             | evaluate activity_metrics(u, t, datetime(2020-07-01), datetime(2021-06-30), 'year')",
        );
        assert_eq!(
            out,
            format!("{HEADER}2020-01-01T00:00:00.0000000Z,2,2,NaN,NaN\n2021-01-01T00:00:00.0000000Z,1,0,0.5,0.5\n")
        );
    }

    #[test]
    fn a_calendar_window_over_an_empty_table_or_null_times() {
        let out = run_query("datatable(u: long, t: datetime) [] | evaluate activity_metrics(u, t, 'year')");
        assert_eq!(out, HEADER);
        let out = run_query(
            "datatable(u: long, t: datetime) [1, datetime(null)] \
             | evaluate activity_metrics(u, t, datetime(2023-01-01), datetime(2023-12-31), 'month')",
        );
        assert_eq!(out, HEADER);
    }

    #[test]
    fn unknown_calendar_windows_and_bad_steps_are_errors() {
        let error = run_error("print u = 1, t = now() | evaluate activity_metrics(u, t, now(), now(), 'fortnight')");
        assert!(error.contains("fortnight") && error.contains("`week`, `month` and `year`"), "{error}");
        let error = run_error("print u = 1, t = now() | evaluate activity_metrics(u, t, now(), now(), 1)");
        assert!(error.contains("Window"), "{error}");
    }
}
