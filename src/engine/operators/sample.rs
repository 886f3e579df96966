//! `sample N`: up to N random rows of the input.
//!
//! Kusto's `sample` is non-deterministic. kqlab draws the rows with a
//! fixed-seed generator ([`SAMPLE_SEED`]), so the same query on the same data
//! gives the same rows every time (fixtures and rule tests stay stable). The
//! chosen rows keep their input order. With N at least the row count, every
//! row is returned.

use crate::engine::error::ExecResult;
use crate::engine::exec::Executor;
use crate::engine::operators::take::row_count;
use crate::engine::scope::Env;
use crate::engine::table::Table;
use crate::syntax::ast::Expr;

/// The seed of the row generator: any fixed value keeps results reproducible.
pub const SAMPLE_SEED: u64 = 0x6b71_6c61_6273_616d;

pub fn run<'q>(exec: &Executor<'q>, count: &'q Expr, input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    let wanted = row_count(exec, count, env)?;
    if wanted >= input.rows {
        return Ok(input.clone());
    }
    Ok(input.take(&sample_indexes(input.rows, wanted, SAMPLE_SEED)))
}

/// `wanted` distinct row indexes below `rows`, drawn uniformly with a
/// partial Fisher-Yates shuffle, in ascending order.
pub fn sample_indexes(rows: usize, wanted: usize, seed: u64) -> Vec<usize> {
    let wanted = wanted.min(rows);
    let mut generator = SplitMix64 { state: seed };
    // A sparse shuffle: only the swapped positions are stored, so sampling
    // 10 rows of 10 million does not allocate 10 million indexes.
    let mut swapped: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    let mut chosen = Vec::with_capacity(wanted);
    for position in 0..wanted {
        let span = (rows - position) as u64;
        let pick = position + (generator.next() % span) as usize;
        let at_pick = *swapped.get(&pick).unwrap_or(&pick);
        let at_position = *swapped.get(&position).unwrap_or(&position);
        swapped.insert(pick, at_position);
        chosen.push(at_pick);
    }
    chosen.sort_unstable();
    chosen
}

/// Sebastiano Vigna's SplitMix64: small, fast and good enough for sampling.
struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::sample_indexes;

    #[test]
    fn sample_indexes_are_distinct_sorted_and_in_range() {
        let picked = sample_indexes(1000, 50, 7);
        assert_eq!(picked.len(), 50);
        assert!(picked.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(picked.iter().all(|index| *index < 1000));
    }

    #[test]
    fn sample_indexes_are_reproducible_for_a_seed() {
        assert_eq!(sample_indexes(100, 5, 1), sample_indexes(100, 5, 1));
        assert_ne!(sample_indexes(100, 5, 1), sample_indexes(100, 5, 2));
    }

    #[test]
    fn sample_indexes_take_everything_when_asked_for_more() {
        assert_eq!(sample_indexes(4, 10, 3), vec![0, 1, 2, 3]);
    }
}
