//! `evaluate rolling_percentile(ValueColumn, Percentile, IndexColumn,
//! BinSize, BinsPerWindow [, dim1, dim2, ...])`: for each bin of
//! `IndexColumn` (and combination of dimensions), the percentile of the
//! values in the window of `BinsPerWindow` bins that ends at that bin
//! (inclusive).
//!
//! As documented: the output has `IndexColumn` (the bin), the dimensions,
//! and `rolling_<BinsPerWindow>_percentile_<ValueColumn>_<Percentile>`, of
//! the value column's type. Kusto estimates the percentile; this computes it
//! exactly by nearest rank, as `percentile()` does here, which gives the
//! documented values. Bins are `bin(IndexColumn, BinSize)`; one row per bin
//! that has rows, ordered by dimension group (first appearance) then bin.
//! Rows with a null index or value take no part.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::engine::column::ColumnBuilder;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::functions::operators::compare;
use crate::engine::operators::evaluate::{check_arity, column_argument};
use crate::engine::operators::timeline::{Bins, dimension_groups, leading_fields};
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::Value;
use crate::syntax::ast::{Expr, ScalarType};
use crate::text::Span;

const SYNTAX: &str = "rolling_percentile(ValueColumn, Percentile, IndexColumn, BinSize, BinsPerWindow [, dim1, ...])";

/// Runs the plugin on `input`.
pub fn run<'q>(exec: &Executor<'q>, span: Span, args: &'q [Expr], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    check_arity(args, 5, "rolling_percentile", SYNTAX, span)?;
    let (value_name, values) = column_argument(input, &args[0], "rolling_percentile")?;
    let percent = match exec.eval_scalar(&args[1], env)?.0.as_f64() {
        Some(percent) if (0.0..=100.0).contains(&percent) => percent,
        _ => return Err(ExecError::runtime("the `Percentile` is a number from 0 to 100").at(args[1].span)),
    };
    let percent_text = exec.eval_scalar(&args[1], env)?.0.to_kql_string();
    let (index_name, index) = column_argument(input, &args[2], "rolling_percentile")?;
    let (size, _) = exec.eval_scalar(&args[3], env)?;
    let bins = Bins::new(index.ty(), &size, None, "BinSize", args[3].span)?;
    let (bins_per_window, _) = exec.eval_scalar(&args[4], env)?;
    let window = match (&bins_per_window, bins_per_window.as_i64()) {
        (Value::Int(_) | Value::Long(_), Some(window)) if window > 0 => window,
        _ => {
            return Err(ExecError::runtime("`BinsPerWindow` is a positive integer")
                .at(args[4].span)
                .with_help("for a 3-day window of daily bins, write `1d, 3`"));
        }
    };
    let (dimensions, groups) = dimension_groups(input, &args[5..], "rolling_percentile")?;
    // The values of each (group, bin).
    let mut cells: Vec<BTreeMap<i64, Vec<Value>>> = vec![BTreeMap::new(); groups.len()];
    for (row, bin) in bins.indexes(&index).into_iter().enumerate() {
        if let Some(bin) = bin
            && !values.is_null(row)
        {
            cells[groups.group_of_row[row] as usize].entry(bin).or_default().push(values.get(row));
        }
    }
    let value_ty = match values.ty() {
        ScalarType::Int => ScalarType::Long,
        other => other,
    };
    let output_rows: usize = cells.iter().map(BTreeMap::len).sum();
    exec.check_rows(output_rows)?;
    let mut bin_out = ColumnBuilder::new(bins.ty(), output_rows);
    let mut result_out = ColumnBuilder::new(value_ty, output_rows);
    let mut group_rows_out: Vec<usize> = Vec::with_capacity(output_rows);
    for (group, by_bin) in cells.iter().enumerate() {
        for &bin in by_bin.keys() {
            let mut window_values: Vec<&Value> =
                by_bin.range(bin.saturating_sub(window - 1)..=bin).flat_map(|(_, values)| values.iter()).collect();
            window_values.sort_by(|a, b| compare(a, b).unwrap_or(std::cmp::Ordering::Equal));
            let rank = ((percent / 100.0) * window_values.len() as f64).ceil() as usize;
            let chosen = window_values[rank.saturating_sub(1).min(window_values.len() - 1)];
            bin_out.push(&bins.start(bin));
            result_out.push(chosen);
            group_rows_out.push(groups.first_rows[group]);
        }
    }
    let mut fields = leading_fields(index_name, bin_out.finish(), &dimensions, &group_rows_out);
    let name = format!("rolling_{}_percentile_{value_name}_{percent_text}", bins_per_window.to_kql_string());
    crate::engine::operators::push_unique(&mut fields, Field { name, column: Arc::new(result_out.finish()) });
    Ok(Table::from_fields(fields, output_rows))
}

#[cfg(test)]
mod tests {
    use crate::engine::operators::test_support::{run_error, run_query};

    #[test]
    fn the_window_ends_at_each_bin() {
        let out = run_query("range x from 1 to 6 step 1 | evaluate rolling_percentile(x, 50, x, 2, 2)");
        // Bins 0 (1), 2 (2, 3), 4 (4, 5), 6 (6); windows of two bins.
        assert_eq!(out, "x:long,rolling_2_percentile_x_50:long\n0,1\n2,2\n4,3\n6,5\n");
    }

    #[test]
    fn dimensions_get_their_own_windows() {
        let out = run_query(
            "range x from 1 to 4 step 1 | extend k = x % 2 | evaluate rolling_percentile(x, 100, x, 10, 1, k)",
        );
        assert_eq!(out, "x:long,k:long,rolling_1_percentile_x_100:long\n0,1,3\n0,0,4\n");
    }

    #[test]
    fn empty_input_gives_no_rows() {
        let out = run_query("datatable(t: datetime, v: real) [] | evaluate rolling_percentile(v, 90, t, 1d, 7)");
        assert_eq!(out, "t:datetime,rolling_7_percentile_v_90:real\n");
    }

    #[test]
    fn a_bad_window_is_an_error() {
        let error = run_error("range x from 1 to 3 step 1 | evaluate rolling_percentile(x, 50, x, 1, 0)");
        assert!(error.contains("BinsPerWindow"), "{error}");
        let error = run_error("range x from 1 to 3 step 1 | evaluate rolling_percentile(x, 50, x)");
        assert!(error.contains("at least 5"), "{error}");
    }
}
