//! `evaluate sliding_window_counts(IdColumn, TimelineColumn, Start, End,
//! LookbackWindow, Bin [, dim1, dim2, ...])`: for each bin from `Start` to
//! `End` (and combination of dimensions), the count and the distinct count
//! of ids over the lookback window that ends with that bin.
//!
//! As documented: the window is `LookbackWindow` rounded down to whole
//! bins, ending with the bin itself (a 3-day window of daily bins counts
//! that day and the two before); the output has `TimelineColumn` (the bin
//! start), the dimensions, `Count` and `dcount`. Bins count from `Start`;
//! rows outside the bins of `Start` to `End` take no part; a bin whose
//! window has no rows gives no row. Rows are ordered by dimension group
//! (first appearance) then bin. A `Bin` of `'week'` (from Sunday),
//! `'month'` or `'year'` makes calendar bins (startofweek, startofmonth,
//! startofyear, as the page says); how far their lookback reaches is at
//! [`lookback_reach`].

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
use crate::engine::value::Value;
use crate::syntax::ast::{Expr, ScalarType};
use crate::text::Span;

const SYNTAX: &str = "sliding_window_counts(IdColumn, TimelineColumn, Start, End, LookbackWindow, Bin [, dim1, ...])";

/// Runs the plugin on `input`.
pub fn run<'q>(exec: &Executor<'q>, span: Span, args: &'q [Expr], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    check_arity(args, 6, "sliding_window_counts", SYNTAX, span)?;
    let (_, ids) = column_argument(input, &args[0], "sliding_window_counts")?;
    let (timeline_name, timeline) = column_argument(input, &args[1], "sliding_window_counts")?;
    let (start, _) = exec.eval_scalar(&args[2], env)?;
    let (end, _) = exec.eval_scalar(&args[3], env)?;
    let (lookback, _) = exec.eval_scalar(&args[4], env)?;
    let (size, _) = exec.eval_scalar(&args[5], env)?;
    let bins = Bins::window(timeline.ty(), &size, Some(&start), "Bin", args[5].span)?;
    let last_bin =
        bins.index(&end).ok_or_else(|| ExecError::runtime("`End` is not a timeline value").at(args[3].span))?;
    let reach = lookback_reach(&bins, &lookback)
        .ok_or_else(|| ExecError::runtime("`LookbackWindow` must be at least one bin long").at(args[4].span))?;
    let (dimensions, groups) = dimension_groups(input, &args[6..], "sliding_window_counts")?;
    let id_of_row = group_rows(&[ids.as_ref()], input.rows).group_of_row;
    // Per group and output bin: the count and the distinct ids.
    let mut cells: Vec<BTreeMap<i64, (i64, FastSet<u32>)>> = vec![BTreeMap::new(); groups.len()];
    for (row, bin) in bins.indexes(&timeline).into_iter().enumerate() {
        let Some(bin) = bin.filter(|b| (0..=last_bin).contains(b)) else { continue };
        let group = &mut cells[groups.group_of_row[row] as usize];
        for covered in bin..=reach(bin).min(last_bin) {
            let cell = group.entry(covered).or_default();
            cell.0 += 1;
            cell.1.insert(id_of_row[row]);
        }
        exec.check_rows(group.len())?;
    }
    let rows: usize = cells.iter().map(BTreeMap::len).sum();
    exec.check_rows(rows)?;
    let mut bin_out = ColumnBuilder::new(bins.ty(), rows);
    let mut count_out = ColumnBuilder::new(ScalarType::Long, rows);
    let mut dcount_out = ColumnBuilder::new(ScalarType::Long, rows);
    let mut group_rows_out = Vec::with_capacity(rows);
    for (group, by_bin) in cells.iter().enumerate() {
        for (bin, (count, distinct)) in by_bin {
            bin_out.push(&bins.start(*bin));
            count_out.push_long(Some(*count));
            dcount_out.push_long(Some(distinct.len() as i64));
            group_rows_out.push(groups.first_rows[group]);
        }
    }
    let mut fields = leading_fields(timeline_name, bin_out.finish(), &dimensions, &group_rows_out);
    fields.push(Field { name: "Count".to_string(), column: Arc::new(count_out.finish()) });
    fields.push(Field { name: "dcount".to_string(), column: Arc::new(dcount_out.finish()) });
    Ok(Table::from_fields(fields, rows))
}

/// The last bin whose lookback window holds rows of bin `b`. Fixed bins:
/// `LookbackWindow` rounded down to whole bins, as documented. Calendar bins
/// (`week`, `month`, `year`), whose lengths vary and where the page is
/// silent: the units that end within `LookbackWindow` of the row's unit
/// start, and always the row's own unit. None when the window is shorter
/// than one fixed bin, or is not a length.
fn lookback_reach<'b>(bins: &'b Bins, lookback: &Value) -> Option<Box<dyn Fn(i64) -> i64 + 'b>> {
    if !bins.is_calendar() {
        let window = bins.count(lookback).filter(|w| *w > 0)?;
        return Some(Box::new(move |bin| bin.saturating_add(window - 1)));
    }
    let Value::TimeSpan(length) = lookback else { return None };
    let length = *length;
    if length <= 0 {
        return None;
    }
    Some(Box::new(move |bin| {
        let Value::DateTime(first) = bins.start(bin) else { return bin };
        let Some(limit) = first.checked_add(length) else { return bin };
        let mut last = bin;
        while matches!(bins.start(last + 2), Value::DateTime(end) if end <= limit) {
            last += 1;
        }
        last
    }))
}

#[cfg(test)]
mod tests {
    use crate::engine::operators::test_support::{run_error, run_query};

    const EVENTS: &str = "datatable(u: string, t: long) ['a', 0, 'b', 0, 'a', 1, 'c', 3, 'a', 9]";

    #[test]
    fn each_bin_counts_its_lookback_window() {
        let out = run_query(&format!("{EVENTS} | evaluate sliding_window_counts(u, t, 0, 5, 2, 1)"));
        assert_eq!(out, "t:long,Count:long,dcount:long\n0,2,2\n1,3,2\n2,1,1\n3,1,1\n4,1,1\n");
    }

    #[test]
    fn dimensions_slice_the_counts() {
        let out =
            run_query(&format!("{EVENTS} | extend k = u == 'a' | evaluate sliding_window_counts(u, t, 0, 1, 1, 1, k)"));
        assert_eq!(out, "t:long,k:bool,Count:long,dcount:long\n0,true,1,1\n1,true,1,1\n0,false,1,1\n");
    }

    #[test]
    fn empty_input_gives_no_rows() {
        let out = run_query(
            "datatable(u: string, t: datetime) [] | evaluate sliding_window_counts(u, t, now(), now(), 1d, 1d)",
        );
        assert_eq!(out, "t:datetime,Count:long,dcount:long\n");
    }

    #[test]
    fn a_window_shorter_than_a_bin_is_an_error() {
        let error = run_error(&format!("{EVENTS} | evaluate sliding_window_counts(u, t, 0, 5, 0, 1)"));
        assert!(error.contains("LookbackWindow"), "{error}");
    }

    #[test]
    fn calendar_months_reach_as_far_as_the_lookback_holds_whole_months() {
        // Rows on Jan 15 and Mar 3. A 60-day lookback from January's start
        // holds January and February (they end on Mar 1, 59 days on), so
        // the January row counts in both; from March's start it holds only
        // March (April ends 61 days on), so no April row.
        let out = run_query(
            "datatable(u: string, t: datetime) ['a', datetime(2023-01-15), 'b', datetime(2023-03-03)] \
             | evaluate sliding_window_counts(u, t, datetime(2023-01-01), datetime(2023-04-30), 60d, 'month')",
        );
        assert_eq!(
            out,
            "t:datetime,Count:long,dcount:long\n\
             2023-01-01T00:00:00.0000000Z,1,1\n\
             2023-02-01T00:00:00.0000000Z,1,1\n\
             2023-03-01T00:00:00.0000000Z,1,1\n"
        );
    }

    #[test]
    fn an_unknown_calendar_bin_names_the_accepted_ones() {
        let error = run_error(
            "datatable(u: string, t: datetime) ['a', datetime(2023-01-15)] \
             | evaluate sliding_window_counts(u, t, datetime(2023-01-01), datetime(2023-02-01), 7d, 'fortnight')",
        );
        assert!(error.contains("week") && error.contains("fortnight"), "{error}");
    }
}
