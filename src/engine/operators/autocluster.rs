//! `evaluate autocluster([SizeWeight, WeightColumn, NumSeeds, CustomWildcard, ...])`:
//! a few segments (patterns of shared values) that describe much of the input.
//!
//! Arguments, as documented (each may be `~` for its default): `SizeWeight`,
//! between 0 and 1, default 0.5, the balance between generic (high
//! coverage) and informative (many shared values) segments; `WeightColumn`,
//! a numeric column giving each row's weight, default 1; `NumSeeds`, the
//! number of initial local search points, default 25; then custom
//! wildcards, one per type (see [`segments`](crate::engine::operators::segments)).
//!
//! Kusto documents the outline only: the plugin is "largely based on the
//! Seed-Expand algorithm" of *Algorithms for Telemetry Data Mining using
//! Discrete Attributes*, which searches locally from seeds for segments that
//! maximise a score, the score being a weighted geometric mean of a
//! normalised generic score and an informative score with weights
//! `SizeWeight` and `1 - SizeWeight`. kqlab implements that outline so:
//!
//! 1. Every column but the weight column is a dimension (d of them).
//! 2. The score of a segment fixing k values and matching rows of weight w
//!    (out of a total W) is `(w / W)^SizeWeight × (k / d)^(1 - SizeWeight)`:
//!    coverage as the generic score, the share of fixed dimensions as the
//!    informative score.
//! 3. The seeds are the `NumSeeds` most frequent distinct rows (by weight,
//!    ties in input order), each a segment fixing every dimension.
//! 4. Expansion: from a seed, repeatedly turn into a wildcard the value
//!    whose removal raises the score most, while the score rises and at
//!    least one value stays fixed. Each seed ends at a local maximum.
//! 5. The local maxima, each once, are taken by descending score; one that
//!    fixes a subset or a superset of the values of a segment already taken
//!    is dropped, so the result is a few different segments (which may
//!    still overlap in rows, as documented). `SegmentId` numbers them from 0.
//!
//! Where kqlab differs from Kusto: the exact scores, their normalisation,
//! the choice of seeds and the final selection are not published, so the
//! segments (and their number) can differ from Kusto's on the same data.
//! On data built to match the documented example's counts
//! (`tests/data/run/ok_autocluster.kql`), Kusto documents (Hail, NO),
//! (Thunderstorm Wind, YES) and (TEXAS) for `SizeWeight` 0.6; kqlab finds
//! the single segment (NO), which covers 78% of the rows, because its score
//! rewards coverage more than Kusto's does. With `SizeWeight` 0.2 kqlab's
//! first segment is the documented first one, (Hail, NO). The plugin is deterministic: the
//! same input always gives the same segments.

use std::collections::HashMap;

use crate::engine::error::ExecResult;
use crate::engine::exec::Executor;
use crate::engine::operators::segments::{
    Dimensions, Segment, count_argument, encode_dimensions, fraction_argument, is_subset, segments_table,
    weight_argument, wildcard_arguments,
};
use crate::engine::scope::Env;
use crate::engine::table::Table;
use crate::syntax::ast::Expr;

/// The documented defaults.
const DEFAULT_SIZE_WEIGHT: f64 = 0.5;
const DEFAULT_SEEDS: usize = 25;

/// Runs the plugin on `input`.
pub fn run<'q>(exec: &Executor<'q>, args: &'q [Expr], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    let size_weight =
        fraction_argument(exec, args.first(), env, (DEFAULT_SIZE_WEIGHT, 0.0), "autocluster", "SizeWeight")?;
    let weight_column = weight_argument(exec, args.get(1), input, "autocluster", env)?;
    let seeds = count_argument(exec, args.get(2), env, DEFAULT_SEEDS, "autocluster", "NumSeeds")?;
    let wildcards = wildcard_arguments(exec, args.get(3..).unwrap_or_default(), env)?;
    let dimensions = encode_dimensions(input, weight_column, "autocluster")?;
    let segments = find_segments(exec, &dimensions, size_weight, seeds)?;
    exec.check_rows(segments.len())?;
    Ok(segments_table(input, &dimensions, &segments, &wildcards))
}

/// Steps 2 to 5 of the module documentation.
fn find_segments(
    exec: &Executor<'_>,
    dimensions: &Dimensions,
    size_weight: f64,
    seed_count: usize,
) -> ExecResult<Vec<Segment>> {
    if dimensions.is_empty() || dimensions.total_weight <= 0.0 {
        return Ok(Vec::new());
    }
    let scoring = Scoring { size_weight, total_weight: dimensions.total_weight, dimensions: dimensions.len() };
    let mut maxima: Vec<Segment> = Vec::new();
    for seed in seeds(dimensions, seed_count) {
        exec.check_cancelled()?;
        let segment = expand(dimensions, &scoring, seed);
        if !maxima.iter().any(|found| found.items == segment.items) {
            maxima.push(segment);
        }
    }
    maxima.sort_by(|a, b| {
        scoring.score(b).total_cmp(&scoring.score(a)).then(b.weight.total_cmp(&a.weight)).then(a.items.cmp(&b.items))
    });
    let mut chosen: Vec<Segment> = Vec::new();
    for segment in maxima {
        let related = chosen
            .iter()
            .any(|taken| is_subset(&taken.items, &segment.items) || is_subset(&segment.items, &taken.items));
        if !related {
            chosen.push(segment);
        }
    }
    Ok(chosen)
}

/// Step 2: the score of a segment.
struct Scoring {
    size_weight: f64,
    total_weight: f64,
    dimensions: usize,
}

impl Scoring {
    fn score(&self, segment: &Segment) -> f64 {
        self.score_of(segment.weight, segment.items.len())
    }

    fn score_of(&self, weight: f64, fixed: usize) -> f64 {
        let coverage = weight / self.total_weight;
        let informative = fixed as f64 / self.dimensions as f64;
        coverage.powf(self.size_weight) * informative.powf(1.0 - self.size_weight)
    }
}

/// Step 3: the most frequent distinct rows, as segments fixing every dimension.
fn seeds(dimensions: &Dimensions, seed_count: usize) -> Vec<Segment> {
    let mut by_pattern: HashMap<Vec<u32>, (f64, u32)> = HashMap::new();
    for &row in &dimensions.active_rows {
        let pattern: Vec<u32> = dimensions.value_of_row.iter().map(|values| values[row as usize]).collect();
        let entry = by_pattern.entry(pattern).or_insert((0.0, row));
        entry.0 += dimensions.weights[row as usize];
    }
    let mut patterns: Vec<(Vec<u32>, (f64, u32))> = by_pattern.into_iter().collect();
    patterns.sort_by(|a, b| b.1.0.total_cmp(&a.1.0).then(a.1.1.cmp(&b.1.1)));
    patterns
        .into_iter()
        .take(seed_count)
        .map(|(pattern, (weight, _))| Segment { items: pattern.into_iter().enumerate().collect(), weight })
        .collect()
}

/// Step 4: hill-climbing from `segment` by turning values into wildcards.
fn expand(dimensions: &Dimensions, scoring: &Scoring, mut segment: Segment) -> Segment {
    while segment.items.len() > 1 {
        // The weight of the segment without each of its values: the rows
        // that differ from it in that value only join it.
        let mut weight_without = vec![segment.weight; segment.items.len()];
        for &row in &dimensions.active_rows {
            let mut mismatch = None;
            let mut mismatches = 0;
            for (index, (dimension, value)) in segment.items.iter().enumerate() {
                if dimensions.value_of_row[*dimension][row as usize] != *value {
                    mismatches += 1;
                    mismatch = Some(index);
                    if mismatches > 1 {
                        break;
                    }
                }
            }
            if let (1, Some(index)) = (mismatches, mismatch) {
                weight_without[index] += dimensions.weights[row as usize];
            }
        }
        let current = scoring.score(&segment);
        let fixed = segment.items.len() - 1;
        let best = (0..segment.items.len()).map(|index| (index, scoring.score_of(weight_without[index], fixed))).fold(
            None,
            |best: Option<(usize, f64)>, candidate| match best {
                Some(best) if best.1 >= candidate.1 => Some(best),
                _ => Some(candidate),
            },
        );
        match best {
            Some((index, score)) if score > current => {
                segment.weight = weight_without[index];
                segment.items.remove(index);
            }
            _ => break,
        }
    }
    segment
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

    fn clusters(table: &Table, size_weight: f64, seeds: usize) -> Vec<(usize, f64)> {
        let (database, options) = (Database::new(), Options::default());
        let exec = Executor::new(&database, &options, None);
        let dimensions = encode_dimensions(table, None, "autocluster").expect("dimensions");
        let segments = find_segments(&exec, &dimensions, size_weight, seeds).expect("segments");
        segments.iter().map(|s| (s.items.len(), s.weight)).collect()
    }

    #[test]
    fn a_shared_pair_of_values_wins_over_the_varying_column() {
        // Six rows share (A=x, B=q) and vary in C; the two other rows share
        // nothing, so each stays a whole row.
        let table = Table::new(vec![
            ("A".to_string(), strings(&["x", "x", "x", "x", "x", "x", "y", "z"])),
            ("B".to_string(), strings(&["q", "q", "q", "q", "q", "q", "r", "s"])),
            ("C".to_string(), strings(&["1", "2", "3", "4", "5", "6", "7", "8"])),
        ]);
        assert_eq!(clusters(&table, 0.5, 25), vec![(2, 6.0), (3, 1.0), (3, 1.0)]);
    }

    #[test]
    fn size_weight_one_keeps_only_coverage_and_zero_only_shared_values() {
        let table = Table::new(vec![
            ("A".to_string(), strings(&["x", "x", "x", "y"])),
            ("B".to_string(), strings(&["q", "r", "s", "t"])),
        ]);
        // Coverage only: the most common single value.
        assert_eq!(clusters(&table, 1.0, 25)[0], (1, 3.0));
        // Shared values only: the seeds stay whole rows.
        assert!(clusters(&table, 0.0, 25).iter().all(|(fixed, _)| *fixed == 2));
    }

    #[test]
    fn subsets_are_recognised() {
        assert!(is_subset(&[(0, 1)], &[(0, 1), (2, 3)]));
        assert!(!is_subset(&[(1, 1)], &[(0, 1), (2, 3)]));
    }
}
