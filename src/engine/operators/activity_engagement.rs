//! `evaluate activity_engagement(IdColumn, TimelineColumn, [Start, End,]
//! InnerActivityWindow, OuterActivityWindow [, dim1, dim2, ...])`: the
//! ratio of distinct ids in each inner window to distinct ids in the outer
//! window around it (DAU/WAU, DAU/MAU).
//!
//! As documented (activity-engagement-plugin.md): for each inner-scope
//! window, `dcount_activities_inner` is the distinct ids in it,
//! `dcount_activities_outer` the distinct ids in the outer-scope window and
//! `activity_ratio` their ratio. The page calls the outer window sliding
//! without saying where it lies; here it is the `OuterActivityWindow` that
//! ends where the inner window ends (the week up to and including the day,
//! for DAU/WAU), the usual reading of those ratios.
//!
//! Inner windows count from `Start` (from 0, as `bin()` does, without
//! `Start` and `End`); rows outside `Start` to `End`'s windows take no part
//! (so the first outer windows are partial) and an inner window without
//! rows gives no row. Columns as Kusto.Language declares them: the
//! timeline, the dimensions, the two counts and the ratio; rows by
//! dimension group (first appearance) then window.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::engine::column::ColumnBuilder;
use crate::engine::error::{ExecError, ExecResult};
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

const SYNTAX: &str = "activity_engagement(IdColumn, TimelineColumn, [Start, End,] InnerActivityWindow, OuterActivityWindow [, dim1, ...])";

/// Runs the plugin on `input`.
pub fn run<'q>(exec: &Executor<'q>, span: Span, args: &'q [Expr], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    check_arity(args, 4, "activity_engagement", SYNTAX, span)?;
    let (_, ids) = column_argument(input, &args[0], "activity_engagement")?;
    let (timeline_name, timeline) = column_argument(input, &args[1], "activity_engagement")?;
    let with_range = args.len() >= 6 && !is_column_argument(input, &args[4]) && !is_column_argument(input, &args[5]);
    let (range, inner_index) = if with_range {
        let (start, _) = exec.eval_scalar(&args[2], env)?;
        let (end, _) = exec.eval_scalar(&args[3], env)?;
        (Some((start, end)), 4)
    } else {
        (None, 2)
    };
    let (inner, _) = exec.eval_scalar(&args[inner_index], env)?;
    let (outer, _) = exec.eval_scalar(&args[inner_index + 1], env)?;
    let origin = range.as_ref().map(|(start, _)| start);
    let bins = Bins::new(timeline.ty(), &inner, origin, "InnerActivityWindow", args[inner_index].span)?;
    let outer_span = args[inner_index + 1].span;
    // Outer windows are tracked on a grid fine enough for both windows: the
    // inner window's size must divide the outer one's.
    let outer_bins = bins.count(&outer).filter(|count| *count >= 1 && same_kind(&inner, &outer)).ok_or_else(|| {
        ExecError::runtime("`OuterActivityWindow` must be at least `InnerActivityWindow`, of the same type")
            .at(outer_span)
    })?;
    if bins.count(&outer).is_some_and(|count| !is_multiple(&inner, &outer, count)) {
        return Err(ExecError::unsupported(
            "`activity_engagement` with an outer window that is not a whole number of inner windows",
        )
        .at(outer_span));
    }
    let (dimensions, groups) = dimension_groups(input, &args[inner_index + 2..], "activity_engagement")?;
    let end = range.as_ref().map(|(_, end)| (end, args[3].span));
    let cells = distinct_ids_per_window(&bins, &timeline, &ids, &groups, input.rows, end)?;
    let rows: usize = cells.iter().map(BTreeMap::len).sum();
    exec.check_rows(rows)?;
    let mut bin_out = ColumnBuilder::new(bins.ty(), rows);
    let mut inner_counts = ColumnBuilder::new(ScalarType::Long, rows);
    let mut outer_counts = ColumnBuilder::new(ScalarType::Long, rows);
    let mut ratios = ColumnBuilder::new(ScalarType::Real, rows);
    let mut group_rows_out = Vec::with_capacity(rows);
    for (group, by_bin) in cells.iter().enumerate() {
        for (bin, distinct) in by_bin {
            let mut outer_ids: FastSet<u32> = FastSet::default();
            for (_, ids) in by_bin.range(bin - outer_bins + 1..=*bin) {
                outer_ids.extend(ids.iter());
            }
            bin_out.push(&bins.start(*bin));
            inner_counts.push_long(Some(distinct.len() as i64));
            outer_counts.push_long(Some(outer_ids.len() as i64));
            ratios.push(&Value::Real(distinct.len() as f64 / outer_ids.len() as f64));
            group_rows_out.push(groups.first_rows[group]);
        }
    }
    let mut fields = leading_fields(timeline_name, bin_out.finish(), &dimensions, &group_rows_out);
    for (name, builder) in [
        ("dcount_activities_inner", inner_counts),
        ("dcount_activities_outer", outer_counts),
        ("activity_ratio", ratios),
    ] {
        fields.push(Field { name: name.to_string(), column: Arc::new(builder.finish()) });
    }
    Ok(Table::from_fields(fields, rows))
}

/// Both windows timespans, or both numbers.
fn same_kind(inner: &Value, outer: &Value) -> bool {
    matches!(inner, Value::TimeSpan(_)) == matches!(outer, Value::TimeSpan(_))
}

/// Whether `outer` is `count` times `inner`.
fn is_multiple(inner: &Value, outer: &Value, count: i64) -> bool {
    match (inner, outer) {
        (Value::TimeSpan(inner), Value::TimeSpan(outer)) => inner.checked_mul(count) == Some(*outer),
        _ => match (inner.as_f64(), outer.as_f64()) {
            (Some(inner), Some(outer)) => (inner * count as f64 - outer).abs() <= f64::EPSILON * outer.abs(),
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::operators::test_support::{run_error, run_query};

    #[test]
    fn daily_over_weekly_users() {
        // Day 0: a, b; day 1: a; day 7: c. Outer = the 7 days ending with the day.
        let out = run_query(
            "datatable(u: string, t: datetime) \
             ['a', datetime(2017-01-01), 'b', datetime(2017-01-01 10:00), 'a', datetime(2017-01-02), 'c', datetime(2017-01-08)] \
             | evaluate activity_engagement(u, t, datetime(2017-01-01), datetime(2017-01-31), 1d, 7d)",
        );
        assert_eq!(
            out,
            "t:datetime,dcount_activities_inner:long,dcount_activities_outer:long,activity_ratio:real\n\
             2017-01-01T00:00:00.0000000Z,2,2,1\n\
             2017-01-02T00:00:00.0000000Z,1,2,0.5\n\
             2017-01-08T00:00:00.0000000Z,1,2,0.5\n"
        );
    }

    #[test]
    fn without_start_and_end_with_a_dimension() {
        let out = run_query(
            "datatable(u: long, t: long, d: string) [1, 0, 'x', 2, 1, 'x', 3, 1, 'y'] \
             | evaluate activity_engagement(u, t, 1, 2, d)",
        );
        assert_eq!(
            out,
            "t:long,d:string,dcount_activities_inner:long,dcount_activities_outer:long,activity_ratio:real\n\
             0,x,1,1,1\n1,x,1,2,0.5\n1,y,1,1,1\n"
        );
    }

    #[test]
    fn empty_input_and_bad_windows() {
        let out = run_query("datatable(u: long, t: long) [] | evaluate activity_engagement(u, t, 1, 7)");
        assert_eq!(out, "t:long,dcount_activities_inner:long,dcount_activities_outer:long,activity_ratio:real\n");
        let error = run_error("print u = 1, t = 1 | evaluate activity_engagement(u, t, 2, 1)");
        assert!(error.contains("OuterActivityWindow"), "{error}");
        let error = run_error("print u = 1, t = 1 | evaluate activity_engagement(u, t, 2, 3)");
        assert!(error.contains("whole number"), "{error}");
    }
}
