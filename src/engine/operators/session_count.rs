//! `evaluate session_count(IdColumn, TimelineColumn, Start, End, Bin,
//! LookBackWindow [, dim1, dim2, ...])`: for each bin from `Start` to `End`
//! (and combination of dimensions), how many sessions were active in it.
//!
//! As documented (session-count-plugin.md): an id's appearance belongs to
//! an existing session when the id appeared within `LookBackWindow` before
//! it, and starts a new session when it did not; a session is active in a
//! bin of `Bin` when its id appears in that bin ("active as long as user
//! appears at least once at a timeframe of [Bin] time slots"); the output
//! has `TimelineColumn` (the bin start), the dimensions and
//! `count_sessions` (long).
//!
//! The page gives no output to check against, so these rules are ours,
//! chosen to match the sibling plugins: the lookback window ending at an
//! appearance excludes its start, as `active_users_count`'s documented
//! example shows (with a window of 41, appearances 41 apart are two
//! sessions, 40 apart one); appearances at the same time are one session
//! whatever the window; one id can have several sessions in a bin when the
//! window is shorter than the bin, and each counts; appearances before
//! `Start` count towards the lookback but only bins from `Start` to `End`
//! are output; a bin without an active session gives no row; rows with a
//! null id or time take no part. Bins count from `Start`; rows are ordered
//! by dimension group (first appearance) then bin.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::engine::column::ColumnBuilder;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::keys::group_rows;
use crate::engine::operators::evaluate::{check_arity, column_argument};
use crate::engine::operators::timeline::{Bins, dimension_groups, leading_fields};
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::Value;
use crate::syntax::ast::{Expr, ScalarType};
use crate::text::Span;

/// One appearance of an id: its time on the timeline and its bin.
type Appearance = (f64, Option<i64>);

const SYNTAX: &str = "session_count(IdColumn, TimelineColumn, Start, End, Bin, LookBackWindow [, dim1, ...])";

/// Runs the plugin on `input`.
pub fn run<'q>(exec: &Executor<'q>, span: Span, args: &'q [Expr], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    check_arity(args, 6, "session_count", SYNTAX, span)?;
    let (_, ids) = column_argument(input, &args[0], "session_count")?;
    let (timeline_name, timeline) = column_argument(input, &args[1], "session_count")?;
    let scalar = |index: usize| exec.eval_scalar(&args[index], env).map(|(value, _)| value);
    let (start, end, step, lookback) = (scalar(2)?, scalar(3)?, scalar(4)?, scalar(5)?);
    let bins = Bins::new(timeline.ty(), &step, Some(&start), "Bin", args[4].span)?;
    let last_bin =
        bins.index(&end).ok_or_else(|| ExecError::runtime("`End` is not a timeline value").at(args[3].span))?;
    // Times as positions on the timeline, to measure gaps between appearances.
    let position = |value: &Value| match value {
        Value::DateTime(t) | Value::TimeSpan(t) => Some(*t as f64),
        other => other.as_f64(),
    };
    let time_line = matches!(timeline.ty(), ScalarType::DateTime | ScalarType::TimeSpan);
    let lookback = match (&lookback, time_line) {
        (Value::TimeSpan(_), true) => position(&lookback),
        (Value::DateTime(_) | Value::TimeSpan(_), false) => None,
        (_, false) => lookback.as_f64(),
        (_, true) => None,
    };
    let Some(lookback) = lookback.filter(|l| *l >= 0.0) else {
        return Err(ExecError::runtime("`LookBackWindow` must be a non-negative length of the timeline")
            .at(args[5].span)
            .with_help("a datetime or timespan timeline takes a timespan window, a numeric one a number"));
    };
    let (dimensions, groups) = dimension_groups(input, &args[6..], "session_count")?;
    let id_of_row = group_rows(&[ids.as_ref()], input.rows).group_of_row;
    // Each (group, id)'s appearances: (time, bin).
    let mut appearances: HashMap<(u32, u32), Vec<Appearance>> = HashMap::new();
    for (row, id) in id_of_row.iter().enumerate() {
        if ids.get(row).is_null() {
            continue;
        }
        let value = timeline.get(row);
        let Some(time) = position(&value) else { continue };
        appearances.entry((groups.group_of_row[row], *id)).or_default().push((time, bins.index(&value)));
    }
    // Per group and bin: the number of active sessions.
    let mut cells: Vec<BTreeMap<i64, i64>> = vec![BTreeMap::new(); groups.len()];
    for ((group, _), mut times) in appearances {
        times.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut previous: Option<f64> = None;
        // The bin the current session was last counted in.
        let mut counted_bin: Option<i64> = None;
        for (time, bin) in times {
            let existing = previous.is_some_and(|p| time == p || time - p < lookback);
            if !existing {
                counted_bin = None;
            }
            previous = Some(time);
            let Some(bin) = bin.filter(|b| (0..=last_bin).contains(b)) else { continue };
            if counted_bin != Some(bin) {
                *cells[group as usize].entry(bin).or_default() += 1;
                counted_bin = Some(bin);
            }
        }
        exec.check_rows(cells[group as usize].len())?;
    }
    let rows: usize = cells.iter().map(BTreeMap::len).sum();
    exec.check_rows(rows)?;
    let mut bin_out = ColumnBuilder::new(bins.ty(), rows);
    let mut count_out = ColumnBuilder::new(ScalarType::Long, rows);
    let mut group_rows_out = Vec::with_capacity(rows);
    for (group, by_bin) in cells.iter().enumerate() {
        for (bin, count) in by_bin {
            bin_out.push(&bins.start(*bin));
            count_out.push_long(Some(*count));
            group_rows_out.push(groups.first_rows[group]);
        }
    }
    let mut fields = leading_fields(timeline_name, bin_out.finish(), &dimensions, &group_rows_out);
    fields.push(Field { name: "count_sessions".to_string(), column: Arc::new(count_out.finish()) });
    Ok(Table::from_fields(fields, rows))
}

#[cfg(test)]
mod tests {
    use crate::engine::operators::test_support::{run_error, run_query};

    #[test]
    fn a_gap_of_the_lookback_window_starts_a_new_session() {
        // `a` at 0, 2, 4 (gaps of 2 < 3: one session), `b` at 0, 3, 7 (gaps
        // of 3 and 4: three sessions); one bin of 10 holds them all.
        let out = run_query(
            "datatable(u: string, t: long) ['a', 0, 'a', 2, 'a', 4, 'b', 0, 'b', 3, 'b', 7] \
             | evaluate session_count(u, t, 0, 9, 10, 3)",
        );
        assert_eq!(out, "t:long,count_sessions:long\n0,4\n");
    }

    #[test]
    fn a_session_counts_in_each_bin_it_is_active_in() {
        // One session of `a` over bins 0 and 2 (not 1: no appearance there).
        let out = run_query(
            "datatable(u: string, t: long) ['a', 1, 'a', 4, 'a', 5, 'a', 2] \
             | evaluate session_count(u, t, 0, 5, 2, 10)",
        );
        assert_eq!(out, "t:long,count_sessions:long\n0,1\n2,1\n4,1\n");
    }

    #[test]
    fn appearances_before_start_continue_a_session_and_after_end_are_ignored() {
        // `a` at -1 then 1: one session, counted in bin 0 only; 20 is past `End`.
        let out = run_query(
            "datatable(u: string, t: long) ['a', -1, 'a', 1, 'a', 20] | evaluate session_count(u, t, 0, 9, 10, 5)",
        );
        assert_eq!(out, "t:long,count_sessions:long\n0,1\n");
    }

    #[test]
    fn dimensions_slice_the_counts_and_null_ids_are_skipped() {
        let out = run_query(
            "datatable(u: long, k: string, t: datetime) \
             [1, 'x', datetime(2024-01-01), 2, 'x', datetime(2024-01-01 01:00), long(null), 'x', datetime(2024-01-01), \
              1, 'y', datetime(2024-01-02)] \
             | evaluate session_count(u, t, datetime(2024-01-01), datetime(2024-01-02), 1d, 1h, k)",
        );
        assert_eq!(
            out,
            "t:datetime,k:string,count_sessions:long\n2024-01-01T00:00:00.0000000Z,x,2\n2024-01-02T00:00:00.0000000Z,y,1\n"
        );
    }

    #[test]
    fn the_page_example_runs() {
        // The page's query (its output is only a chart): ids 1 to 40 keep
        // one session throughout; ids 41 to 50, 41 or more apart, start a
        // new session at each appearance.
        let out = run_query(
            "let _data = range Timeline from 1 to 9999 step 1 | extend __key = 1 \
             | join kind=inner (range Id from 1 to 50 step 1 | extend __key=1) on __key \
             | where Timeline % Id == 0 | project Timeline, Id; \
             _data | evaluate session_count(Id, Timeline, 1, 10000, 100, 41) | take 2",
        );
        // Bin [1, 101): ids 1..40 (one session each) and ids 41..50, each
        // appearing twice (41, 82; 42, 84; ...; 50, 100): 40 + 2 * 10.
        assert_eq!(out, "Timeline:long,count_sessions:long\n1,60\n101,60\n");
    }

    #[test]
    fn empty_input_gives_no_rows() {
        let out =
            run_query("datatable(u: string, t: datetime) [] | evaluate session_count(u, t, now(), now(), 1d, 1d)");
        assert_eq!(out, "t:datetime,count_sessions:long\n");
    }

    #[test]
    fn invalid_arguments_are_errors() {
        let error = run_error("print u = 1, t = now() | evaluate session_count(u, t, now())");
        assert!(error.contains("at least 6"), "{error}");
        let error = run_error("print u = 1, t = 5 | evaluate session_count(u, t, 0, 10, 1, -1)");
        assert!(error.contains("LookBackWindow"), "{error}");
        let error = run_error("print u = 1, t = now() | evaluate session_count(u, t, now(), now(), 1d, 5)");
        assert!(error.contains("LookBackWindow"), "{error}");
        let error = run_error("print u = 1, t = 5 | evaluate session_count(u, t, 0, 10, 0, 1)");
        assert!(error.contains("Bin"), "{error}");
    }
}
