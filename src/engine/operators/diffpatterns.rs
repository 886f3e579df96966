//! `evaluate diffpatterns(SplitColumn, SplitValueA, SplitValueB [, WeightColumn,
//! Threshold, MaxDimensions, CustomWildcard, ...])`: the patterns of values
//! whose share of the rows differs most between two sets of the input.
//!
//! As documented: set A is the rows where `tostring(SplitColumn) ==
//! SplitValueA`, set B where it equals `SplitValueB` (other rows are left
//! out). Each optional argument may be `~` for its default: `WeightColumn`,
//! a numeric column counting each row that many times (default 1; kqlab
//! counts a null weight as 0 and rejects negative ones); `Threshold`, the
//! least difference of shares a pattern must show, between 0.015 and 1,
//! default 0.05; `MaxDimensions`, the most values a pattern is built from,
//! default unlimited (the values all its rows share come on top, as `basket`
//! reads "uncorrelated dimensions"); then custom wildcards, one per type (see
//! [`segments`](crate::engine::operators::segments)). The result is
//! `SegmentId`, `CountA`, `CountB`, `PercentA` (100 × CountA / |A|),
//! `PercentB`, `PercentDiffAB` (|PercentA − PercentB|), then the input's
//! columns without the split column, holding the pattern's values or the
//! wildcards (as in the documented example, whose `Damage` split column is
//! not in the output; the weight column always holds the wildcard).
//!
//! The search is not documented beyond "a small set of patterns that capture
//! different portions of the data". kqlab's:
//!
//! 1. Every column but the split and weight columns is a dimension; a
//!    pattern fixes the values of some dimensions. The difference of a
//!    pattern is |share of A − share of B| (shares by weight).
//! 2. A pattern's difference is at most its larger share, and a pattern with
//!    more values matches fewer rows, so every pattern whose share of A or of
//!    B reaches `Threshold` is enumerated level by level (Apriori), and no
//!    other can qualify. A value that all rows of a shorter pattern already
//!    have (a correlated dimension) adds no restriction: patterns made with
//!    it are skipped, which keeps constant and correlated columns from
//!    multiplying the search.
//! 3. A pattern qualifies when its difference reaches `Threshold` and each
//!    of its values sharpens it: removing any one value gives a smaller
//!    difference. So (Hail, DamageCrops 0) is reported rather than (Hail)
//!    when the damaged hail rows with crop damage are in B, as in the
//!    documented example, and (Thunderstorm Wind) alone when adding
//!    DamageCrops 0 would blur it.
//! 4. The qualifying patterns are taken by descending difference as shown
//!    (two decimals; then larger CountA + CountB, then fewer values); one
//!    that fixes a subset or a superset of the values of a pattern already
//!    taken is dropped, so the result is a few patterns, which may overlap in
//!    rows, as documented.
//!    Each is shown with the values all its rows share (its closure), as
//!    `basket` does; `SegmentId` numbers them from 0 in that order, which is
//!    the order of the documented example (PercentDiffAB descending).
//! 5. The percentages are rounded to two decimals, as in the documented
//!    output (2278 of 4574 rows show as 49.8, 93 of 1310 as 7.1).
//!
//! When set A or set B is empty there is nothing to compare and the result
//! has no rows. kqlab counts exactly where Kusto may sample, so patterns
//! near the threshold can differ; the plugin is deterministic.

use std::collections::HashMap;
use std::sync::Arc;

use crate::diagnostics::Code;
use crate::engine::column::ColumnBuilder;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::operators::segments::{
    Dimensions, Item, Segment, close, count_argument, encode_dimensions, fraction_argument, intersect, is_subset,
    joins, pattern_columns, weight_argument, wildcard_arguments, without,
};
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::Value;
use crate::syntax::ast::{Expr, ExprKind, ScalarType};
use crate::text::Span;

/// The documented default and range of `Threshold`.
const DEFAULT_THRESHOLD: f64 = 0.05;
const MIN_THRESHOLD: f64 = 0.015;
/// Shares that differ by less are equal (rounding of the weights' sums).
const EPSILON: f64 = 1e-9;

/// Runs the plugin on `input`.
pub fn run<'q>(exec: &Executor<'q>, span: Span, args: &'q [Expr], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    let [split_arg, value_a, value_b, rest @ ..] = args else {
        return Err(ExecError::new(
            Code::WrongArgumentCount,
            format!("`diffpatterns` takes at least 3 arguments, got {}", args.len()),
        )
        .at(span)
        .with_help("write `evaluate diffpatterns(SplitColumn, SplitValueA, SplitValueB)`"));
    };
    let ExprKind::Name(split_name) = &split_arg.kind else {
        return Err(ExecError::runtime("the `diffpatterns` SplitColumn must be a column name").at(split_arg.span));
    };
    let split_column = input.index_of(&split_name.name).ok_or_else(|| {
        ExecError::new(Code::UnknownColumn, format!("unknown column `{}`", split_name.name)).at(split_arg.span)
    })?;
    let value_a = exec.eval_scalar(value_a, env)?.0.to_kql_string();
    let value_b = exec.eval_scalar(value_b, env)?.0.to_kql_string();
    if value_a == value_b {
        return Err(ExecError::runtime(format!(
            "the `diffpatterns` SplitValueA and SplitValueB are both \"{value_a}\"; they must name two different sets"
        ))
        .at(span));
    }
    // The dimensions are the columns without the split column.
    let kept: Vec<Field> =
        input.fields.iter().enumerate().filter(|(index, _)| *index != split_column).map(|(_, f)| f.clone()).collect();
    let projected = Table::from_fields(kept, input.rows);
    if let Some(weight) = rest.first()
        && let ExprKind::Name(ident) = &weight.kind
        && ident.name == split_name.name
    {
        return Err(ExecError::runtime("the `diffpatterns` weight column cannot be the split column").at(weight.span));
    }
    let weight_column = weight_argument(exec, rest.first(), &projected, "diffpatterns", env)?;
    let threshold =
        fraction_argument(exec, rest.get(1), env, (DEFAULT_THRESHOLD, MIN_THRESHOLD), "diffpatterns", "threshold")?;
    let max_dimensions = count_argument(exec, rest.get(2), env, usize::MAX, "diffpatterns", "MaxDimensions")?;
    let wildcards = wildcard_arguments(exec, rest.get(3..).unwrap_or_default(), env)?;
    let split = &input.fields[split_column].column;
    let sides: Vec<Option<Side>> = (0..input.rows)
        .map(|row| {
            let text = split.get(row).to_kql_string();
            if text == value_a {
                Some(Side::A)
            } else if text == value_b {
                Some(Side::B)
            } else {
                None
            }
        })
        .collect();
    let mut dimensions = encode_dimensions(&projected, weight_column, "diffpatterns")?;
    dimensions.active_rows.retain(|row| sides[*row as usize].is_some());
    let sets = Sets::new(&dimensions, &sides);
    let patterns = find_patterns(exec, &dimensions, &sets, threshold, max_dimensions)?;
    exec.check_rows(patterns.len())?;
    Ok(patterns_table(&projected, &dimensions, &sets, &patterns, &wildcards))
}

/// The set of a row.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Side {
    A,
    B,
}

/// Each row's set and the sets' total weights.
struct Sets<'s> {
    sides: &'s [Option<Side>],
    weights: &'s [f64],
    total_a: f64,
    total_b: f64,
}

impl<'s> Sets<'s> {
    fn new(dimensions: &'s Dimensions, sides: &'s [Option<Side>]) -> Sets<'s> {
        let mut sets = Sets { sides, weights: &dimensions.weights, total_a: 0.0, total_b: 0.0 };
        let (total_a, total_b) = sets.weigh(&dimensions.active_rows);
        (sets.total_a, sets.total_b) = (total_a, total_b);
        sets
    }

    /// The weight of `rows` in A and in B.
    fn weigh(&self, rows: &[u32]) -> (f64, f64) {
        let (mut a, mut b) = (0.0, 0.0);
        for &row in rows {
            match self.sides[row as usize] {
                Some(Side::A) => a += self.weights[row as usize],
                Some(Side::B) => b += self.weights[row as usize],
                None => {}
            }
        }
        (a, b)
    }

    /// The shares of A and B of weights (a, b).
    fn shares(&self, (a, b): (f64, f64)) -> (f64, f64) {
        (a / self.total_a, b / self.total_b)
    }

    fn difference(&self, weights: (f64, f64)) -> f64 {
        let (a, b) = self.shares(weights);
        (a - b).abs()
    }
}

/// A pattern during the search: its values, its rows and their weights in A and B.
struct Candidate {
    items: Vec<Item>,
    rows: Vec<u32>,
    weights: (f64, f64),
}

/// A reported pattern: the values shown (with the closure) and its weights in A and B.
struct Pattern {
    items: Vec<Item>,
    weights: (f64, f64),
}

/// Steps 1 to 4 of the module documentation.
fn find_patterns(
    exec: &Executor<'_>,
    dimensions: &Dimensions,
    sets: &Sets<'_>,
    threshold: f64,
    max_dimensions: usize,
) -> ExecResult<Vec<Pattern>> {
    if dimensions.is_empty() || sets.total_a <= 0.0 || sets.total_b <= 0.0 {
        return Ok(Vec::new());
    }
    let frequent = |weights: (f64, f64)| {
        let (a, b) = sets.shares(weights);
        a.max(b) + EPSILON >= threshold
    };
    // Step 2: every kept pattern with its weights (the empty one matches every row).
    let all_rows = dimensions.active_rows.len();
    let mut found: HashMap<Vec<Item>, ((f64, f64), usize)> = HashMap::new();
    found.insert(Vec::new(), ((sets.total_a, sets.total_b), all_rows));
    let mut level: Vec<Candidate> = Vec::new();
    for (dimension, values) in dimensions.value_of_row.iter().enumerate() {
        let mut rows_of_value: Vec<Vec<u32>> = vec![Vec::new(); dimensions.row_of_value[dimension].len()];
        for &row in &dimensions.active_rows {
            rows_of_value[values[row as usize] as usize].push(row);
        }
        for (value, rows) in rows_of_value.into_iter().enumerate() {
            let weights = sets.weigh(&rows);
            // A value on every row restricts nothing.
            if rows.len() < all_rows && frequent(weights) {
                level.push(Candidate { items: vec![(dimension, value as u32)], rows, weights });
            }
        }
    }
    let mut qualifying: Vec<Candidate> = Vec::new();
    let mut size = 1;
    while !level.is_empty() {
        exec.check_cancelled()?;
        exec.check_rows(level.len())?;
        for candidate in &level {
            found.insert(candidate.items.clone(), (candidate.weights, candidate.rows.len()));
        }
        // Step 3.
        for candidate in &level {
            let difference = sets.difference(candidate.weights);
            let sharpened = (0..candidate.items.len()).all(|skip| {
                let subset = without(&candidate.items, skip);
                found.get(&subset).is_some_and(|(weights, _)| sets.difference(*weights) + EPSILON < difference)
            });
            if difference + EPSILON >= threshold && sharpened {
                qualifying.push(Candidate {
                    items: candidate.items.clone(),
                    rows: candidate.rows.clone(),
                    weights: candidate.weights,
                });
            }
        }
        if size >= max_dimensions {
            break;
        }
        level = next_level(exec, &level, &found, sets, &frequent)?;
        size += 1;
    }
    // Step 4.
    qualifying.sort_by(|x, y| {
        let total = |c: &Candidate| c.weights.0 + c.weights.1;
        // Differences equal to the shown precision tie (0.6 − 0.2 is not 0.4 in floating point).
        let shown = |c: &Candidate| percent(sets.difference(c.weights));
        shown(y)
            .total_cmp(&shown(x))
            .then(total(y).total_cmp(&total(x)))
            .then(x.items.len().cmp(&y.items.len()))
            .then(x.items.cmp(&y.items))
    });
    let mut chosen: Vec<&Candidate> = Vec::new();
    for candidate in &qualifying {
        let related = chosen
            .iter()
            .any(|taken| is_subset(&taken.items, &candidate.items) || is_subset(&candidate.items, &taken.items));
        if !related {
            chosen.push(candidate);
        }
    }
    let mut patterns: Vec<Pattern> = Vec::new();
    for candidate in chosen {
        let items = close(dimensions, &candidate.items, &candidate.rows);
        if !patterns.iter().any(|p| p.items == items) {
            patterns.push(Pattern { items, weights: candidate.weights });
        }
    }
    Ok(patterns)
}

/// The patterns with one value more than those of `level` (sorted by their
/// items, as built): every sub-pattern must have been kept, the new value
/// must restrict the rows of each of them, and a share must reach the
/// threshold.
fn next_level(
    exec: &Executor<'_>,
    level: &[Candidate],
    found: &HashMap<Vec<Item>, ((f64, f64), usize)>,
    sets: &Sets<'_>,
    frequent: &dyn Fn((f64, f64)) -> bool,
) -> ExecResult<Vec<Candidate>> {
    let mut next = Vec::new();
    for (index, first) in level.iter().enumerate() {
        for (second, items) in joins(level, index, |candidate: &Candidate| &candidate.items) {
            let rows = intersect(&first.rows, &second.rows);
            // A sub-pattern with the same rows means one value adds no
            // restriction; a missing one means a sub-pattern was infrequent
            // or had such a value itself.
            let restricts = (0..items.len())
                .all(|skip| found.get(&without(&items, skip)).is_some_and(|(_, sub_rows)| *sub_rows > rows.len()));
            if !restricts {
                continue;
            }
            let weights = sets.weigh(&rows);
            if frequent(weights) {
                next.push(Candidate { items, rows, weights });
            }
        }
        if next.len() % 1024 == 0 {
            exec.check_cancelled()?;
            exec.check_rows(next.len())?;
        }
    }
    Ok(next)
}

/// Step 5: a share as a percentage rounded to two decimals.
fn percent(share: f64) -> f64 {
    (share * 10_000.0).round() / 100.0
}

/// The result table.
fn patterns_table(
    projected: &Table,
    dimensions: &Dimensions,
    sets: &Sets<'_>,
    patterns: &[Pattern],
    wildcards: &[(ScalarType, Value)],
) -> Table {
    let rows = patterns.len();
    let mut ids = ColumnBuilder::new(ScalarType::Long, rows);
    let mut counts_a = ColumnBuilder::new(ScalarType::Long, rows);
    let mut counts_b = ColumnBuilder::new(ScalarType::Long, rows);
    let mut percents_a = ColumnBuilder::new(ScalarType::Real, rows);
    let mut percents_b = ColumnBuilder::new(ScalarType::Real, rows);
    let mut differences = ColumnBuilder::new(ScalarType::Real, rows);
    for (index, pattern) in patterns.iter().enumerate() {
        let (share_a, share_b) = sets.shares(pattern.weights);
        ids.push_long(Some(index as i64));
        counts_a.push_long(Some(pattern.weights.0.round() as i64));
        counts_b.push_long(Some(pattern.weights.1.round() as i64));
        percents_a.push(&Value::Real(percent(share_a)));
        percents_b.push(&Value::Real(percent(share_b)));
        differences.push(&Value::Real(percent((share_a - share_b).abs())));
    }
    let field =
        |name: &str, builder: ColumnBuilder| Field { name: name.to_string(), column: Arc::new(builder.finish()) };
    let mut fields = vec![
        field("SegmentId", ids),
        field("CountA", counts_a),
        field("CountB", counts_b),
        field("PercentA", percents_a),
        field("PercentB", percents_b),
        field("PercentDiffAB", differences),
    ];
    let segments: Vec<Segment> =
        patterns.iter().map(|p| Segment { items: p.items.clone(), weight: p.weights.0 + p.weights.1 }).collect();
    fields.extend(pattern_columns(projected, dimensions, &segments, wildcards));
    Table::from_fields(fields, rows)
}

#[cfg(test)]
mod tests {
    use crate::engine::operators::test_support::{run_error, run_query};

    /// A: 6 rows of (Hail, 0), 2 of (Wind, 0), 2 of (Rain, 0).
    /// B: 1 (Hail, 0), 3 (Hail, 5), 5 (Wind, 0), 1 (Wind, 5).
    const STORMS: &str = r#"datatable(Split:string, Event:string, Crops:long)
        [
            "A", "Hail", 0, "A", "Hail", 0, "A", "Hail", 0, "A", "Hail", 0, "A", "Hail", 0, "A", "Hail", 0,
            "A", "Wind", 0, "A", "Wind", 0, "A", "Rain", 0, "A", "Rain", 0,
            "B", "Hail", 0, "B", "Hail", 5, "B", "Hail", 5, "B", "Hail", 5,
            "B", "Wind", 0, "B", "Wind", 0, "B", "Wind", 0, "B", "Wind", 0, "B", "Wind", 0, "B", "Wind", 5,
            "C", "Hail", 5,
        ]"#;

    #[test]
    fn a_sharpening_value_joins_the_pattern_and_a_blurring_one_does_not() {
        // (Hail, 0) is 60% of A and 10% of B, sharper than Hail alone (60%
        // against 40%) or Crops 0 alone (100% against 60%), which it hides.
        // Wind alone is 20% against 60%; (Wind, 0) would blur it to 20%
        // against 50%. Crops 5 (B only) and Rain (A only, shown with the
        // Crops 0 all its rows share) follow. Set C is left out.
        let out = run_query(&format!("{STORMS} | evaluate diffpatterns(Split, \"A\", \"B\")"));
        assert_eq!(
            out,
            "SegmentId:long,CountA:long,CountB:long,PercentA:real,PercentB:real,PercentDiffAB:real,Event:string,Crops:long\n\
             0,6,1,60,10,50,Hail,0\n\
             1,2,6,20,60,40,Wind,\n\
             2,0,4,0,40,40,,5\n\
             3,2,0,20,0,20,Rain,0\n"
        );
    }

    #[test]
    fn threshold_max_dimensions_and_wildcards_apply() {
        // A threshold of 0.45 keeps only (Hail, 0); with one dimension at
        // most it cannot be found, and the single values reach 0.4 at best.
        let strict = run_query(&format!("{STORMS} | evaluate diffpatterns(Split, \"A\", \"B\", \"~\", 0.45)"));
        assert_eq!(strict.lines().skip(1).collect::<Vec<_>>(), vec!["0,6,1,60,10,50,Hail,0"]);
        let one =
            run_query(&format!("{STORMS} | evaluate diffpatterns(Split, \"A\", \"B\", \"~\", 0.3, 1, '*', long(-1))"));
        assert_eq!(
            one.lines().skip(1).collect::<Vec<_>>(),
            vec!["0,10,6,100,60,40,*,0", "1,2,6,20,60,40,Wind,-1", "2,0,4,0,40,40,*,5"]
        );
    }

    #[test]
    fn weights_count_rows_and_an_empty_set_gives_no_patterns() {
        let weighted = run_query(
            r#"datatable(S:string, Host:string, N:long) ["a", "x", 9, "a", "y", 1, "b", "x", 1, "b", "y", 1]
            | evaluate diffpatterns(S, "a", "b", N)"#,
        );
        // x: 90% of a against 50% of b. The weight column holds its wildcard.
        assert_eq!(
            weighted,
            "SegmentId:long,CountA:long,CountB:long,PercentA:real,PercentB:real,PercentDiffAB:real,Host:string,N:long\n\
             0,9,1,90,50,40,x,\n\
             1,1,1,10,50,40,y,\n"
        );
        let empty = run_query(r#"datatable(S:string, Host:string) ["a", "x"] | evaluate diffpatterns(S, "a", "b")"#);
        assert_eq!(empty.lines().count(), 1, "{empty}");
        let no_rows = run_query(r#"datatable(S:string, Host:string) [] | evaluate diffpatterns(S, "a", "b")"#);
        assert_eq!(no_rows.lines().count(), 1, "{no_rows}");
    }

    #[test]
    fn split_values_compare_as_strings_and_nulls_are_values() {
        // The split column is a long; null hosts form their own pattern.
        let out = run_query(
            r#"datatable(Code:long, Host:string) [0, "x", 0, "x", 0, "", 1, "", 1, "", 1, "x"]
            | evaluate diffpatterns(Code, "0", "1", "~", "~", "~", "*")"#,
        );
        assert_eq!(
            out.lines().skip(1).collect::<Vec<_>>(),
            vec!["0,2,1,66.67,33.33,33.33,x", "1,1,2,33.33,66.67,33.33,"]
        );
    }

    #[test]
    fn bad_arguments_are_clear_errors() {
        let error = |args: &str| run_error(&format!("{STORMS} | evaluate diffpatterns({args})"));
        assert!(error(r#"Split, "A", "B", "~", 0.01"#).contains("between 0.015 and 1"));
        assert!(error(r#"Split, "A", "B", "~", "~", 0"#).contains("MaxDimensions"));
        assert!(error(r#"Split, "A", "A""#).contains("two different sets"));
        assert!(error(r#"Split, "A", "B", Event"#).contains("must be numeric"));
        assert!(error(r#"Split, "A", "B", Split"#).contains("cannot be the split column"));
        assert!(error(r#"Nope, "A", "B""#).contains("unknown column"));
    }
}
