//! `evaluate basket([Threshold, WeightColumn, MaxDimensions, CustomWildcard, ...])`:
//! the frequent patterns of the input, found with the Apriori algorithm.
//!
//! Arguments, as documented (each may be `~` for its default): `Threshold`,
//! the least share of the rows (by weight) a pattern must match, between
//! 0.015 and 1, default 0.05; `WeightColumn`, a numeric column giving each
//! row's weight, default 1 (kqlab counts a null weight as 0 and rejects
//! negative ones); `MaxDimensions`, the most "uncorrelated dimensions" per
//! pattern, default 5; then custom wildcards, one per type (see
//! [`segments`](crate::engine::operators::segments)).
//!
//! The algorithm:
//!
//! 1. Every column but the weight column is a dimension; a pattern fixes
//!    the values of some dimensions. Apriori finds every pattern of up to
//!    `MaxDimensions` values whose rows weigh at least `Threshold` × the
//!    total: frequent single values first, then patterns of k + 1 values
//!    built from two frequent patterns of k values that differ in their last
//!    value, kept when all their k-value sub-patterns are frequent and their
//!    own rows weigh enough.
//! 2. Each frequent pattern is extended with every value that all its rows
//!    share (its closure): the correlated dimensions, which add no
//!    restriction. So only closed patterns are returned, once each. This is
//!    what the documented example shows: `Damage == "NO"` implies
//!    `DamageCrops == 0` there, and the output has the pattern
//!    (`NO`, `0`) but not (`NO`) alone, nor (`Hail`, `NO`) without `0`.
//! 3. Patterns are sorted by `Count` × number of fixed values, descending
//!    (then by `Count`, then by their values): the order of the documented
//!    example, whose eight rows have products 9148, 6834, 5675, 4742, 2558,
//!    2468, 1310 and 1291. `SegmentId` numbers them from 0.
//!
//! Where kqlab can differ from Kusto: Kusto samples the rows to find the
//! initial frequent values, so its patterns near the threshold can vary
//! between runs; kqlab counts exactly. The sort order and the reading of
//! "uncorrelated dimensions" as "values before the closure" are inferred
//! from the documented example, not documented. `Percent` is not rounded.
//! A null value is a value like any other (the documentation's advice to
//! pick a custom wildcard when the default is "a good value in the data"
//! implies that).

use std::collections::{HashMap, HashSet};

use crate::engine::error::ExecResult;
use crate::engine::exec::Executor;
use crate::engine::operators::segments::{
    Dimensions, Item, Segment, close, count_argument, encode_dimensions, fraction_argument, intersect, joins,
    segments_table, weight_argument, wildcard_arguments, without,
};
use crate::engine::scope::Env;
use crate::engine::table::Table;
use crate::syntax::ast::Expr;

/// The documented default and range of `Threshold`.
const DEFAULT_THRESHOLD: f64 = 0.05;
const MIN_THRESHOLD: f64 = 0.015;
/// The documented default of `MaxDimensions`.
const DEFAULT_MAX_DIMENSIONS: usize = 5;

/// Runs the plugin on `input`.
pub fn run<'q>(exec: &Executor<'q>, args: &'q [Expr], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    let threshold =
        fraction_argument(exec, args.first(), env, (DEFAULT_THRESHOLD, MIN_THRESHOLD), "basket", "threshold")?;
    let weight_column = weight_argument(exec, args.get(1), input, "basket", env)?;
    let max_dimensions = count_argument(exec, args.get(2), env, DEFAULT_MAX_DIMENSIONS, "basket", "MaxDimensions")?;
    let wildcards = wildcard_arguments(exec, args.get(3..).unwrap_or_default(), env)?;
    let dimensions = encode_dimensions(input, weight_column, "basket")?;
    let segments = frequent_closed_patterns(exec, &dimensions, threshold, max_dimensions)?;
    exec.check_rows(segments.len())?;
    Ok(segments_table(input, &dimensions, &segments, &wildcards))
}

/// A frequent pattern during the search, with the rows it matches.
struct Candidate {
    items: Vec<Item>,
    rows: Vec<u32>,
    weight: f64,
}

/// Steps 1 to 3 of the module documentation.
fn frequent_closed_patterns(
    exec: &Executor<'_>,
    dimensions: &Dimensions,
    threshold: f64,
    max_dimensions: usize,
) -> ExecResult<Vec<Segment>> {
    if dimensions.is_empty() || dimensions.total_weight <= 0.0 {
        return Ok(Vec::new());
    }
    let least_weight = threshold * dimensions.total_weight;
    let weigh = |rows: &[u32]| rows.iter().map(|row| dimensions.weights[*row as usize]).sum::<f64>();

    // Frequent single values.
    let mut level: Vec<Candidate> = Vec::new();
    for (dimension, values) in dimensions.value_of_row.iter().enumerate() {
        let mut rows_of_value: Vec<Vec<u32>> = vec![Vec::new(); dimensions.row_of_value[dimension].len()];
        for &row in &dimensions.active_rows {
            rows_of_value[values[row as usize] as usize].push(row);
        }
        for (value, rows) in rows_of_value.into_iter().enumerate() {
            let weight = weigh(&rows);
            if weight >= least_weight {
                level.push(Candidate { items: vec![(dimension, value as u32)], rows, weight });
            }
        }
    }
    let mut closed: HashMap<Vec<Item>, f64> = HashMap::new();
    let mut found_order: Vec<Vec<Item>> = Vec::new();
    let mut size = 1;
    while !level.is_empty() {
        exec.check_cancelled()?;
        exec.check_rows(level.len())?;
        for candidate in &level {
            let closure = close(dimensions, &candidate.items, &candidate.rows);
            if !closed.contains_key(&closure) {
                closed.insert(closure.clone(), candidate.weight);
                found_order.push(closure);
            }
        }
        if size == max_dimensions {
            break;
        }
        level = next_level(exec, &level, least_weight, &weigh)?;
        size += 1;
    }
    let mut segments: Vec<Segment> =
        found_order.into_iter().map(|items| Segment { weight: closed[&items], items }).collect();
    segments.sort_by(|a, b| {
        let score = |s: &Segment| s.weight * s.items.len() as f64;
        score(b).total_cmp(&score(a)).then(b.weight.total_cmp(&a.weight)).then(a.items.cmp(&b.items))
    });
    Ok(segments)
}

/// The frequent patterns with one value more than those of `level` (which
/// are sorted by their items, as built).
fn next_level(
    exec: &Executor<'_>,
    level: &[Candidate],
    least_weight: f64,
    weigh: &dyn Fn(&[u32]) -> f64,
) -> ExecResult<Vec<Candidate>> {
    let frequent: HashSet<&[Item]> = level.iter().map(|c| c.items.as_slice()).collect();
    let mut next = Vec::new();
    for (index, first) in level.iter().enumerate() {
        for (second, items) in joins(level, index, |candidate: &Candidate| &candidate.items) {
            // Every sub-pattern one value shorter must be frequent (Apriori).
            let all_subsets_frequent =
                (0..items.len() - 2).all(|skip| frequent.contains(without(&items, skip).as_slice()));
            if !all_subsets_frequent {
                continue;
            }
            let rows = intersect(&first.rows, &second.rows);
            let weight = weigh(&rows);
            if weight >= least_weight {
                next.push(Candidate { items, rows, weight });
            }
        }
        if next.len() % 1024 == 0 {
            exec.check_cancelled()?;
            exec.check_rows(next.len())?;
        }
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Options;
    use crate::engine::column::Column;
    use crate::engine::table::Database;
    use crate::engine::value::Value;
    use crate::syntax::ast::ScalarType;

    fn strings(values: &[&str]) -> Column {
        let values: Vec<Value> = values.iter().map(|v| Value::str(v)).collect();
        Column::from_values(ScalarType::String, &values)
    }

    /// Patterns as "A=x B=y count" lines.
    fn patterns(table: &Table, threshold: f64, max_dimensions: usize) -> Vec<String> {
        let (database, options) = (Database::new(), Options::default());
        let exec = Executor::new(&database, &options, None);
        let dimensions = encode_dimensions(table, None, "basket").expect("dimensions");
        let segments = frequent_closed_patterns(&exec, &dimensions, threshold, max_dimensions).expect("patterns");
        segments
            .iter()
            .map(|segment| {
                let mut line: Vec<String> = segment
                    .items
                    .iter()
                    .map(|(dimension, value)| {
                        let field = &table.fields[dimensions.column_of_dimension[*dimension]];
                        let row = dimensions.row_of_value[*dimension][*value as usize];
                        format!("{}={}", field.name, field.column.get(row).to_kql_string())
                    })
                    .collect();
                line.push(segment.weight.to_string());
                line.join(" ")
            })
            .collect()
    }

    #[test]
    fn only_closed_patterns_are_returned_by_count_times_size() {
        // B=q always comes with A=x, so (A=x, B=q) is returned and (B=q) is not.
        let table = Table::new(vec![
            ("A".to_string(), strings(&["x", "x", "x", "y"])),
            ("B".to_string(), strings(&["q", "q", "r", "r"])),
        ]);
        assert_eq!(patterns(&table, 0.5, 5), vec!["A=x B=q 2", "A=x 3", "B=r 2"]);
    }

    #[test]
    fn max_dimensions_limits_the_generating_pattern_not_the_closure() {
        // (A=x, B=q) shares no other value and needs both to be generated;
        // (A=y) and (B=r) bring their correlated value with one.
        let table = Table::new(vec![
            ("A".to_string(), strings(&["x", "x", "x", "x", "y", "y"])),
            ("B".to_string(), strings(&["q", "q", "r", "r", "q", "q"])),
            ("C".to_string(), strings(&["k", "m", "n", "o", "p", "s"])),
        ]);
        assert_eq!(patterns(&table, 0.3, 1), vec!["A=x 4", "B=q 4", "A=x B=r 2", "A=y B=q 2"]);
        assert_eq!(patterns(&table, 0.3, 2), vec!["A=x 4", "B=q 4", "A=x B=q 2", "A=x B=r 2", "A=y B=q 2"]);
    }

    #[test]
    fn intersect_keeps_the_common_rows() {
        assert_eq!(intersect(&[1, 3, 5, 7], &[2, 3, 4, 7, 9]), vec![3, 7]);
        assert!(intersect(&[], &[1]).is_empty());
    }
}
