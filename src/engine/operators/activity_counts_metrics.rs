//! `evaluate activity_counts_metrics(IdColumn, TimelineColumn, Start, End,
//! Step [, dim1, dim2, ...])`: for each time window (and combination of
//! dimensions), the activity compared with all the windows before it.
//!
//! As documented: the output has `TimelineColumn` (the window start), the
//! dimensions, `count` (rows in the window), `dcount` (distinct ids in the
//! window), `new_dcount` (distinct ids not seen in any earlier window) and
//! `aggregated_dcount` (distinct ids from the first window to this one).
//! Windows count from `Start`; rows outside the windows of `Start` to `End`
//! take no part and a window without rows gives no row. Rows are ordered by
//! dimension group (first appearance) then window.
//!
//! `Step` may also be the string `week`, `month` or `year`, "in which case
//! all periods would be startofweek, startofmonth, or startofyear": windows
//! are then calendar weeks (from Sunday), months or years, each as long as
//! the calendar makes it, and the timeline column holds each one's start.
//! The page is silent on a `Start` inside a calendar unit, so the first
//! window is the whole unit holding `Start` (its rows before `Start`
//! included), as `startofweek`/`startofmonth`/`startofyear(Start)` gives it.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::engine::column::ColumnBuilder;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::keys::{FastSet, group_rows};
use crate::engine::operators::evaluate::{check_arity, column_argument};
use crate::engine::operators::timeline::{Bins, dimension_groups, leading_fields};
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::syntax::ast::{Expr, ScalarType};
use crate::text::Span;

const SYNTAX: &str = "activity_counts_metrics(IdColumn, TimelineColumn, Start, End, Step [, dim1, ...])";

/// Runs the plugin on `input`.
pub fn run<'q>(exec: &Executor<'q>, span: Span, args: &'q [Expr], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    check_arity(args, 5, "activity_counts_metrics", SYNTAX, span)?;
    let (_, ids) = column_argument(input, &args[0], "activity_counts_metrics")?;
    let (timeline_name, timeline) = column_argument(input, &args[1], "activity_counts_metrics")?;
    let (start, _) = exec.eval_scalar(&args[2], env)?;
    let (end, _) = exec.eval_scalar(&args[3], env)?;
    let (step, _) = exec.eval_scalar(&args[4], env)?;
    let bins = Bins::window(timeline.ty(), &step, Some(&start), "Step", args[4].span)?;
    let last_bin =
        bins.index(&end).ok_or_else(|| ExecError::runtime("`End` is not a timeline value").at(args[3].span))?;
    let (dimensions, groups) = dimension_groups(input, &args[5..], "activity_counts_metrics")?;
    let id_of_row = group_rows(&[ids.as_ref()], input.rows).group_of_row;
    // Per group and window: the rows and their distinct ids.
    let mut cells: Vec<BTreeMap<i64, (i64, FastSet<u32>)>> = vec![BTreeMap::new(); groups.len()];
    for (row, bin) in bins.indexes(&timeline).into_iter().enumerate() {
        let Some(bin) = bin.filter(|b| (0..=last_bin).contains(b)) else { continue };
        let cell = cells[groups.group_of_row[row] as usize].entry(bin).or_default();
        cell.0 += 1;
        cell.1.insert(id_of_row[row]);
    }
    let rows: usize = cells.iter().map(BTreeMap::len).sum();
    exec.check_rows(rows)?;
    let mut bin_out = ColumnBuilder::new(bins.ty(), rows);
    let mut counts: [ColumnBuilder; 4] = std::array::from_fn(|_| ColumnBuilder::new(ScalarType::Long, rows));
    let mut group_rows_out = Vec::with_capacity(rows);
    for (group, by_bin) in cells.iter().enumerate() {
        let mut seen: FastSet<u32> = FastSet::default();
        for (bin, (count, distinct)) in by_bin {
            let new = distinct.iter().filter(|id| seen.insert(**id)).count();
            bin_out.push(&bins.start(*bin));
            for (builder, value) in
                counts.iter_mut().zip([*count, distinct.len() as i64, new as i64, seen.len() as i64])
            {
                builder.push_long(Some(value));
            }
            group_rows_out.push(groups.first_rows[group]);
        }
    }
    let mut fields = leading_fields(timeline_name, bin_out.finish(), &dimensions, &group_rows_out);
    for (name, builder) in ["count", "dcount", "new_dcount", "aggregated_dcount"].into_iter().zip(counts) {
        fields.push(Field { name: name.to_string(), column: Arc::new(builder.finish()) });
    }
    Ok(Table::from_fields(fields, rows))
}

#[cfg(test)]
mod tests {
    use crate::engine::operators::test_support::{run_error, run_query};

    #[test]
    fn each_window_is_compared_with_all_earlier_ones() {
        let out = run_query(
            "datatable(u: string, t: long) ['a', 0, 'b', 0, 'a', 1, 'c', 1, 'c', 1, 'b', 3, 'z', 7] \
             | evaluate activity_counts_metrics(u, t, 0, 5, 1)",
        );
        assert_eq!(
            out,
            "t:long,count:long,dcount:long,new_dcount:long,aggregated_dcount:long\n0,2,2,2,2\n1,3,2,1,3\n3,1,1,0,3\n"
        );
    }

    #[test]
    fn empty_input_gives_no_rows() {
        let out =
            run_query("datatable(u: long, t: datetime) [] | evaluate activity_counts_metrics(u, t, now(), now(), 1d)");
        assert_eq!(out, "t:datetime,count:long,dcount:long,new_dcount:long,aggregated_dcount:long\n");
    }

    const HEADER: &str = "t:datetime,count:long,dcount:long,new_dcount:long,aggregated_dcount:long\n";

    #[test]
    fn a_month_step_follows_months_of_31_28_31_and_30_days() {
        // 2023: January 31 days, February 28, March 31, April 30. Each row
        // sits on the last instant or the first day of its month; May's row
        // is after `End`'s month.
        let out = run_query(
            "datatable(u: string, t: datetime) [\
             'a', datetime(2023-01-31 23:59:59), 'b', datetime(2023-02-01), 'a', datetime(2023-02-28 23:59:59),\
             'c', datetime(2023-03-01), 'c', datetime(2023-03-31 12:00), 'd', datetime(2023-04-30 23:00),\
             'e', datetime(2023-05-01)] \
             | evaluate activity_counts_metrics(u, t, datetime(2023-01-01), datetime(2023-04-30), 'month')",
        );
        assert_eq!(
            out,
            format!(
                "{HEADER}2023-01-01T00:00:00.0000000Z,1,1,1,1\n2023-02-01T00:00:00.0000000Z,2,2,1,2\n\
                 2023-03-01T00:00:00.0000000Z,2,1,1,3\n2023-04-01T00:00:00.0000000Z,1,1,1,4\n"
            )
        );
    }

    #[test]
    fn a_week_step_starts_on_sunday() {
        // 2023-01-01 and 2023-01-08 were Sundays, 2023-01-07 a Saturday.
        let out = run_query(
            "datatable(u: string, t: datetime) [\
             'a', datetime(2023-01-07 23:00), 'b', datetime(2023-01-08), 'a', datetime(2023-01-14), 'c', datetime(2023-01-15)] \
             | evaluate activity_counts_metrics(u, t, datetime(2023-01-01), datetime(2023-01-21), 'week')",
        );
        assert_eq!(
            out,
            format!(
                "{HEADER}2023-01-01T00:00:00.0000000Z,1,1,1,1\n2023-01-08T00:00:00.0000000Z,2,2,1,2\n\
                 2023-01-15T00:00:00.0000000Z,1,1,1,3\n"
            )
        );
    }

    #[test]
    fn a_year_step_and_a_start_inside_the_year() {
        // `Start` in mid-2020: the first window is all of 2020 (see the header).
        let out = run_query(
            "datatable(u: string, t: datetime) [\
             'a', datetime(2020-02-29), 'a', datetime(2020-12-31 23:00), 'b', datetime(2021-01-01), 'c', datetime(2022-06-01)] \
             | evaluate activity_counts_metrics(u, t, datetime(2020-07-01), datetime(2021-12-31), 'year')",
        );
        assert_eq!(
            out,
            format!("{HEADER}2020-01-01T00:00:00.0000000Z,2,1,1,1\n2021-01-01T00:00:00.0000000Z,1,1,1,2\n")
        );
    }

    #[test]
    fn an_unknown_calendar_step_names_the_accepted_ones() {
        let error =
            run_error("print u = 1, t = now() | evaluate activity_counts_metrics(u, t, now(), now(), 'fortnight')");
        assert!(error.contains("fortnight") && error.contains("`week`, `month` and `year`"), "{error}");
        let error = run_error("print u = 1, t = 5 | evaluate activity_counts_metrics(u, t, 0, 10, 'week')");
        assert!(error.contains("datetime timeline"), "{error}");
    }

    #[test]
    fn a_calendar_step_over_an_empty_table_or_null_times() {
        let out = run_query(
            "datatable(u: long, t: datetime) [] | evaluate activity_counts_metrics(u, t, now(), now(), 'month')",
        );
        assert_eq!(out, HEADER);
        let out = run_query(
            "datatable(u: long, t: datetime) [1, datetime(null), 2, datetime(2023-03-05)] \
             | evaluate activity_counts_metrics(u, t, datetime(2023-03-01), datetime(2023-03-31), 'month')",
        );
        assert_eq!(out, format!("{HEADER}2023-03-01T00:00:00.0000000Z,1,1,1,1\n"));
    }

    #[test]
    fn a_step_of_the_wrong_type_is_an_error() {
        let error = run_error("print u = 1, t = now() | evaluate activity_counts_metrics(u, t, now(), now(), 1)");
        assert!(error.contains("Step"), "{error}");
    }
}
