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
//! (first appearance) then bin. The `week`/`month`/`year` string bins are
//! not supported locally.

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
    if let Value::String(text) = &size {
        return Err(ExecError::unsupported(format!("`sliding_window_counts` with the `{text}` bin")).at(args[5].span));
    }
    let bins = Bins::new(timeline.ty(), &size, Some(&start), "Bin", args[5].span)?;
    let last_bin =
        bins.index(&end).ok_or_else(|| ExecError::runtime("`End` is not a timeline value").at(args[3].span))?;
    let window = bins
        .count(&lookback)
        .filter(|w| *w > 0)
        .ok_or_else(|| ExecError::runtime("`LookbackWindow` must be at least one bin long").at(args[4].span))?;
    let (dimensions, groups) = dimension_groups(input, &args[6..], "sliding_window_counts")?;
    let id_of_row = group_rows(&[ids.as_ref()], input.rows).group_of_row;
    // Per group and output bin: the count and the distinct ids.
    let mut cells: Vec<BTreeMap<i64, (i64, FastSet<u32>)>> = vec![BTreeMap::new(); groups.len()];
    for (row, bin) in bins.indexes(&timeline).into_iter().enumerate() {
        let Some(bin) = bin.filter(|b| (0..=last_bin).contains(b)) else { continue };
        let group = &mut cells[groups.group_of_row[row] as usize];
        for covered in bin..=(bin + window - 1).min(last_bin) {
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
}
