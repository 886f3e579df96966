//! `evaluate new_activity_metrics(IdColumn, TimelineColumn, Start, End,
//! Window [, Cohort] [, dim1, dim2, ...] [, Lookback])`: retention and churn
//! of each cohort of new ids (the ids first seen in a window) in every
//! window from it to `End`.
//!
//! As documented (new-activity-metrics-plugin.md, whose worked example the
//! tests reproduce): for a `from` window and a `to` window at or after it,
//! - the cohort is the ids of `from` not seen in any earlier window (nor in
//!   the `Lookback` table's column named like `IdColumn`);
//! - `dcount_new_values` is the number of ids of `to` not seen in any window
//!   up to and including `from` (for `to` = `from`: the cohort's size);
//! - `dcount_retained_values` / `dcount_churn_values` are the cohort's ids
//!   seen / not seen in `to`;
//! - `retention_rate` and `churn_rate` are those divided by the cohort's
//!   size (NaN for an empty cohort, 0/0).
//!
//! Every window of `Start` to `End` is a `from` and a `to`, with or without
//! rows (the documented output has a row for an empty last day), unless
//! `Cohort` picks the one `from` window holding that value. Rows outside the
//! windows take no part. Columns as Kusto.Language declares them:
//! `from_<Timeline>`, `to_<Timeline>`, the dimensions, then the metrics
//! (`dcount_churn_values` a `long`); rows by dimension group (first
//! appearance), `from`, `to`.
//!
//! `Window` may also be the string `week`, `month` or `year`, "in which case
//! all periods will be startofweek/startofmonth/startofyear accordingly":
//! windows are then calendar weeks (from Sunday), months or years, each as
//! long as the calendar makes it, and `from_`/`to_` hold each one's start.
//! The page adds: "When using startofweek, make sure start time is a Sunday,
//! otherwise first cohort will be empty (since startofweek is considered a
//! Sunday)". So when `Start` is inside a calendar unit, the first window
//! starts at `Start` itself and holds no rows (the rows of that unit have
//! its calendar start, before `Start`, and take no part); the next windows
//! are the following calendar units. The page says so of weeks only; its
//! reason holds for `startofmonth` and `startofyear` alike, so months and
//! years are treated the same way.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::engine::column::{Column, ColumnBuilder, concat};
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::keys::{FastSet, group_rows};
use crate::engine::operators::evaluate::{check_arity, column_argument};
use crate::engine::operators::timeline::{Bins, dimension_groups, is_column_argument};
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::Value;
use crate::syntax::ast::{Expr, ExprKind, ScalarType};
use crate::text::Span;

const SYNTAX: &str =
    "new_activity_metrics(IdColumn, TimelineColumn, Start, End, Window [, Cohort] [, dim1, ...] [, Lookback])";

/// Windows up to this many are computed (the output has about n²/2 rows).
const MAX_WINDOWS: i64 = 100_000;

/// Runs the plugin on `input`.
pub fn run<'q>(exec: &Executor<'q>, span: Span, args: &'q [Expr], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    check_arity(args, 5, "new_activity_metrics", SYNTAX, span)?;
    let (id_name, ids) = column_argument(input, &args[0], "new_activity_metrics")?;
    let (timeline_name, timeline) = column_argument(input, &args[1], "new_activity_metrics")?;
    let (start, _) = exec.eval_scalar(&args[2], env)?;
    let (end, _) = exec.eval_scalar(&args[3], env)?;
    let (window, _) = exec.eval_scalar(&args[4], env)?;
    let bins = Bins::window(timeline.ty(), &window, Some(&start), "Window", args[4].span)?;
    // A calendar window with `Start` off its boundary: the first window
    // starts at `Start` and is empty (see the header).
    let unaligned_start = bins.is_calendar() && bins.start(0) != start;
    let window_start = |bin: i64| if unaligned_start && bin == 0 { start.clone() } else { bins.start(bin) };
    let last_bin =
        bins.index(&end).ok_or_else(|| ExecError::runtime("`End` is not a timeline value").at(args[3].span))?;
    if last_bin >= MAX_WINDOWS {
        return Err(
            ExecError::runtime(format!("`new_activity_metrics` over more than {MAX_WINDOWS} windows")).at(args[4].span)
        );
    }
    // The optional arguments: a cohort (a constant), dimensions (columns),
    // and a lookback table (the last argument, when it is not a column).
    let mut rest = &args[5..];
    let mut lookback: Option<Arc<Column>> = None;
    if let Some(last) = rest.last().filter(|arg| !is_column_argument(input, arg) && names_table(arg)) {
        let table = exec.eval_table(last, env)?;
        let column = table
            .column(&id_name)
            .ok_or_else(|| ExecError::runtime(format!("the lookback table has no `{id_name}` column")).at(last.span))?;
        lookback = Some(column.clone());
        rest = &rest[..rest.len() - 1];
    }
    // Ids as numbers, the same for equal values of the input and the
    // lookback table: group the two columns as one. Null ids take no part.
    let lookback_rows = lookback.as_ref().map_or(0, |column| column.len());
    let all_ids = match &lookback {
        Some(column) => {
            let ty = if column.ty() == ids.ty() { ids.ty() } else { ScalarType::Dynamic };
            Arc::new(concat(ty, &[ids.as_ref(), column.as_ref()]))
        }
        None => ids.clone(),
    };
    let id_numbers = group_rows(&[all_ids.as_ref()], input.rows + lookback_rows).group_of_row;
    let is_null_id: Vec<bool> = (0..input.rows + lookback_rows).map(|row| all_ids.get(row).is_null()).collect();
    let lookback_ids: FastSet<u32> =
        (input.rows..input.rows + lookback_rows).filter(|row| !is_null_id[*row]).map(|row| id_numbers[row]).collect();
    let mut cohort_bin: Option<i64> = None;
    if let Some(first) = rest.first().filter(|arg| !is_column_argument(input, arg)) {
        let (cohort, _) = exec.eval_scalar(first, env)?;
        cohort_bin = Some(
            bins.index(&cohort).ok_or_else(|| ExecError::runtime("`Cohort` is not a timeline value").at(first.span))?,
        );
        rest = &rest[1..];
    }
    let (dimensions, groups) = dimension_groups(input, rest, "new_activity_metrics")?;
    // Per group and window: the distinct ids.
    let mut cells: Vec<BTreeMap<i64, FastSet<u32>>> = vec![BTreeMap::new(); groups.len()];
    for (row, bin) in bins.indexes(&timeline).into_iter().enumerate() {
        let Some(bin) = bin.filter(|b| (0..=last_bin).contains(b) && !(unaligned_start && *b == 0)) else {
            continue;
        };
        if is_null_id[row] {
            continue;
        }
        cells[groups.group_of_row[row] as usize].entry(bin).or_default().insert(id_numbers[row]);
    }
    let from_bins: Vec<i64> = match cohort_bin {
        Some(bin) if (0..=last_bin).contains(&bin) => vec![bin],
        Some(_) => Vec::new(),
        None => (0..=last_bin).collect(),
    };
    let pairs: usize = from_bins.iter().map(|from| (last_bin - from + 1) as usize).sum();
    let rows = pairs * groups.len();
    exec.check_rows(rows)?;
    let mut from_out = ColumnBuilder::new(bins.ty(), rows);
    let mut to_out = ColumnBuilder::new(bins.ty(), rows);
    let mut metrics: [ColumnBuilder; 3] = std::array::from_fn(|_| ColumnBuilder::new(ScalarType::Long, rows));
    let mut rates: [ColumnBuilder; 2] = std::array::from_fn(|_| ColumnBuilder::new(ScalarType::Real, rows));
    let mut group_rows_out = Vec::with_capacity(rows);
    let empty = FastSet::default();
    for (group, by_bin) in cells.iter().enumerate() {
        let ids_in = |bin: i64| by_bin.get(&bin).unwrap_or(&empty);
        for &from in &from_bins {
            // Every id seen before `from`, then up to and including it.
            let mut seen: FastSet<u32> = lookback_ids.clone();
            seen.extend(by_bin.range(..from).flat_map(|(_, ids)| ids.iter()));
            let cohort: Vec<u32> = ids_in(from).iter().filter(|id| !seen.contains(id)).copied().collect();
            seen.extend(ids_in(from).iter());
            for to in from..=last_bin {
                let (new, retained) = if to == from {
                    (cohort.len(), cohort.len())
                } else {
                    let to_ids = ids_in(to);
                    (
                        to_ids.iter().filter(|id| !seen.contains(id)).count(),
                        cohort.iter().filter(|id| to_ids.contains(id)).count(),
                    )
                };
                let churned = cohort.len() - retained;
                from_out.push(&window_start(from));
                to_out.push(&window_start(to));
                for (builder, value) in metrics.iter_mut().zip([new, retained, churned]) {
                    builder.push_long(Some(value as i64));
                }
                let size = cohort.len() as f64;
                rates[0].push(&Value::Real(retained as f64 / size));
                rates[1].push(&Value::Real(churned as f64 / size));
                group_rows_out.push(groups.first_rows[group]);
            }
        }
    }
    let mut fields = vec![
        Field { name: format!("from_{timeline_name}"), column: Arc::new(from_out.finish()) },
        Field { name: format!("to_{timeline_name}"), column: Arc::new(to_out.finish()) },
    ];
    for dimension in &dimensions {
        let column: Column = dimension.column.take(&group_rows_out);
        crate::engine::operators::push_unique(
            &mut fields,
            Field { name: dimension.name.clone(), column: Arc::new(column) },
        );
    }
    let names = ["dcount_new_values", "dcount_retained_values", "dcount_churn_values", "retention_rate", "churn_rate"];
    let builders = metrics.into_iter().chain(rates);
    for (name, builder) in names.into_iter().zip(builders) {
        fields.push(Field { name: name.to_string(), column: Arc::new(builder.finish()) });
    }
    Ok(Table::from_fields(fields, rows))
}

/// Whether an argument can be the lookback table: a name (of a `let` table
/// or a loaded one) or a tabular expression in parentheses.
fn names_table(arg: &Expr) -> bool {
    matches!(&arg.kind, ExprKind::Name(_) | ExprKind::Pipe { .. } | ExprKind::Paren(_))
}

#[cfg(test)]
mod tests {
    use crate::engine::operators::test_support::{run_error, run_query};

    /// The documented `Users` table: who was seen on which day of
    /// 2019-11-01 to 2019-11-05.
    const USERS: &str = "let Users = datatable(Timestamp: datetime, user: long) [\
        datetime(2019-11-01), 0, datetime(2019-11-01), 2, datetime(2019-11-01), 3, datetime(2019-11-01), 4,\
        datetime(2019-11-02), 0, datetime(2019-11-02), 1, datetime(2019-11-02), 3, datetime(2019-11-02), 4, datetime(2019-11-02), 5,\
        datetime(2019-11-03), 0, datetime(2019-11-03), 2, datetime(2019-11-03), 4, datetime(2019-11-03), 5,\
        datetime(2019-11-04), 0, datetime(2019-11-04), 1, datetime(2019-11-04), 2, datetime(2019-11-04), 3,\
        datetime(2019-11-05), 0, datetime(2019-11-05), 1, datetime(2019-11-05), 2, datetime(2019-11-05), 3, datetime(2019-11-05), 4];\
        let StartDate = datetime(2019-11-01 00:00:00);\
        let EndDate = datetime(2019-11-07 00:00:00);";

    #[test]
    fn reproduces_the_documented_example() {
        let out = run_query(&format!(
            "{USERS} Users | evaluate new_activity_metrics(user, Timestamp, StartDate, EndDate-1tick, 1d) \
             | where from_Timestamp < datetime(2019-11-03 00:00:00.0000000) \
             | project from = format_datetime(from_Timestamp, 'MM-dd'), to = format_datetime(to_Timestamp, 'MM-dd'), \
               dcount_new_values, dcount_retained_values, dcount_churn_values, retention_rate, churn_rate"
        ));
        assert_eq!(
            out,
            "from:string,to:string,dcount_new_values:long,dcount_retained_values:long,dcount_churn_values:long,retention_rate:real,churn_rate:real\n\
             11-01,11-01,4,4,0,1,0\n\
             11-01,11-02,2,3,1,0.75,0.25\n\
             11-01,11-03,1,3,1,0.75,0.25\n\
             11-01,11-04,1,3,1,0.75,0.25\n\
             11-01,11-05,1,4,0,1,0\n\
             11-01,11-06,0,0,4,0,1\n\
             11-02,11-02,2,2,0,1,0\n\
             11-02,11-03,0,1,1,0.5,0.5\n\
             11-02,11-04,0,1,1,0.5,0.5\n\
             11-02,11-05,0,1,1,0.5,0.5\n\
             11-02,11-06,0,0,2,0,1\n"
        );
    }

    #[test]
    fn a_cohort_and_a_lookback_table() {
        // Only the 11-02 cohort; the lookback knows user 1, so its cohort is {5}.
        let out = run_query(&format!(
            "{USERS} let Seen = datatable(user: long) [1]; \
             Users | evaluate new_activity_metrics(user, Timestamp, StartDate, datetime(2019-11-03), 1d, datetime(2019-11-02 10:00), Seen) \
             | project to = format_datetime(to_Timestamp, 'MM-dd'), dcount_retained_values, dcount_churn_values, retention_rate"
        ));
        assert_eq!(
            out,
            "to:string,dcount_retained_values:long,dcount_churn_values:long,retention_rate:real\n11-02,1,0,1\n11-03,1,0,1\n"
        );
    }

    #[test]
    fn empty_cohorts_have_nan_rates_and_dimensions_split() {
        let out = run_query(
            "datatable(u: long, t: long, d: string) [1, 0, 'a', 1, 1, 'a', 2, 1, 'b'] \
             | evaluate new_activity_metrics(u, t, 0, 1, 1, d)",
        );
        assert_eq!(
            out,
            "from_t:long,to_t:long,d:string,dcount_new_values:long,dcount_retained_values:long,dcount_churn_values:long,retention_rate:real,churn_rate:real\n\
             0,0,a,1,1,0,1,0\n0,1,a,0,1,0,1,0\n1,1,a,0,0,0,NaN,NaN\n\
             0,0,b,0,0,0,NaN,NaN\n0,1,b,1,0,0,NaN,NaN\n1,1,b,1,1,0,1,0\n"
        );
    }

    #[test]
    fn empty_input_and_bad_windows() {
        let out = run_query("datatable(u: long, t: long) [] | evaluate new_activity_metrics(u, t, 0, 1, 1)");
        assert_eq!(
            out,
            "from_t:long,to_t:long,dcount_new_values:long,dcount_retained_values:long,dcount_churn_values:long,retention_rate:real,churn_rate:real\n"
        );
        let error =
            run_error("print u = 1, t = now() | evaluate new_activity_metrics(u, t, now(), now(), 'fortnight')");
        assert!(error.contains("fortnight") && error.contains("`week`, `month` and `year`"), "{error}");
        let error = run_error("print u = 1, t = 3 | evaluate new_activity_metrics(u, t, 0, 5, 'month')");
        assert!(error.contains("datetime timeline"), "{error}");
    }

    /// Each output row as `from,to,new,retained,churned,retention`, the
    /// windows as dates.
    const PROJECT: &str = "| project from = format_datetime(from_t, 'yyyy-MM-dd'), to = format_datetime(to_t, 'yyyy-MM-dd'), \
        dcount_new_values, dcount_retained_values, dcount_churn_values, retention_rate";
    const HEADER: &str = "from:string,to:string,dcount_new_values:long,dcount_retained_values:long,dcount_churn_values:long,retention_rate:real\n";

    #[test]
    fn a_month_window_follows_months_of_31_28_31_and_30_days() {
        // 2023: January 31 days, February 28, March 31, April 30; rows on
        // the months' edges. User 4 comes after `End`'s month.
        let out = run_query(&format!(
            "datatable(u: long, t: datetime) [\
             1, datetime(2023-01-31 23:59:59), 2, datetime(2023-02-01), 2, datetime(2023-02-28 23:59:59),\
             1, datetime(2023-03-01), 3, datetime(2023-03-31 23:00), 2, datetime(2023-04-30), 4, datetime(2023-05-01)] \
             | evaluate new_activity_metrics(u, t, datetime(2023-01-01), datetime(2023-04-30), 'month') {PROJECT}"
        ));
        assert_eq!(
            out,
            format!(
                "{HEADER}2023-01-01,2023-01-01,1,1,0,1\n2023-01-01,2023-02-01,1,0,1,0\n\
                 2023-01-01,2023-03-01,1,1,0,1\n2023-01-01,2023-04-01,1,0,1,0\n\
                 2023-02-01,2023-02-01,1,1,0,1\n2023-02-01,2023-03-01,1,0,1,0\n2023-02-01,2023-04-01,0,1,0,1\n\
                 2023-03-01,2023-03-01,1,1,0,1\n2023-03-01,2023-04-01,0,0,1,0\n\
                 2023-04-01,2023-04-01,0,0,0,NaN\n"
            )
        );
    }

    #[test]
    fn a_week_window_from_a_sunday() {
        // 2023-01-01 and 2023-01-08 were Sundays, 2023-01-07 a Saturday.
        let out = run_query(&format!(
            "datatable(u: long, t: datetime) [1, datetime(2023-01-07 23:00), 2, datetime(2023-01-08), 1, datetime(2023-01-14)] \
             | evaluate new_activity_metrics(u, t, datetime(2023-01-01), datetime(2023-01-14), 'week') {PROJECT}"
        ));
        assert_eq!(
            out,
            format!(
                "{HEADER}2023-01-01,2023-01-01,1,1,0,1\n2023-01-01,2023-01-08,1,1,0,1\n2023-01-08,2023-01-08,1,1,0,1\n"
            )
        );
    }

    #[test]
    fn a_week_window_from_another_day_has_an_empty_first_cohort() {
        // `Start` on Wednesday 2023-01-04: as the page warns, the first
        // cohort is empty, and user 1's Thursday row takes no part.
        let out = run_query(&format!(
            "datatable(u: long, t: datetime) [1, datetime(2023-01-05), 2, datetime(2023-01-08), 1, datetime(2023-01-09)] \
             | evaluate new_activity_metrics(u, t, datetime(2023-01-04), datetime(2023-01-14), 'week') {PROJECT}"
        ));
        assert_eq!(
            out,
            format!(
                "{HEADER}2023-01-04,2023-01-04,0,0,0,NaN\n2023-01-04,2023-01-08,2,0,0,NaN\n2023-01-08,2023-01-08,2,2,0,1\n"
            )
        );
    }

    #[test]
    fn a_year_window() {
        let out = run_query(&format!(
            "datatable(u: long, t: datetime) [1, datetime(2020-12-31 23:00), 2, datetime(2021-01-01), 1, datetime(2021-06-01)] \
             | evaluate new_activity_metrics(u, t, datetime(2020-01-01), datetime(2021-12-31), 'year') {PROJECT}"
        ));
        assert_eq!(
            out,
            format!(
                "{HEADER}2020-01-01,2020-01-01,1,1,0,1\n2020-01-01,2021-01-01,1,1,0,1\n2021-01-01,2021-01-01,1,1,0,1\n"
            )
        );
    }

    #[test]
    fn a_calendar_window_over_an_empty_table_or_null_times() {
        let out = run_query(&format!(
            "datatable(u: long, t: datetime) [] \
             | evaluate new_activity_metrics(u, t, datetime(2023-01-01), datetime(2023-02-28), 'week') {PROJECT}"
        ));
        assert_eq!(out, HEADER);
        // A row with a null time is in no window: the one window has an empty cohort.
        let out = run_query(&format!(
            "datatable(u: long, t: datetime) [1, datetime(null)] \
             | evaluate new_activity_metrics(u, t, datetime(2023-01-01), datetime(2023-01-31), 'month') {PROJECT}"
        ));
        assert_eq!(out, format!("{HEADER}2023-01-01,2023-01-01,0,0,0,NaN\n"));
    }
}
