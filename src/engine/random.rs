//! Random numbers for `rand()` and `new_guid()`: a SplitMix64 stream per
//! query, seeded from `Options::seed` (the same seed gives the same values
//! in the same query) or, without one, from the standard library's
//! randomly keyed hasher. The engine runs a query on one thread, so the
//! stream is thread-local.

use std::cell::Cell;
use std::hash::{BuildHasher, Hasher};

thread_local! {
    static STATE: Cell<u64> = const { Cell::new(0x9E37_79B9_7F4A_7C15) };
}

/// Starts the stream of the query about to run.
pub fn start(seed: Option<u64>) {
    let seed = seed.unwrap_or_else(|| {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(0);
        hasher.finish()
    });
    STATE.with(|state| state.set(seed));
}

/// The next 64 random bits (SplitMix64).
pub fn next_u64() -> u64 {
    STATE.with(|state| {
        let next = state.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        state.set(next);
        let mut z = next;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_stream() {
        start(Some(42));
        let first: Vec<u64> = (0..4).map(|_| next_u64()).collect();
        start(Some(42));
        let second: Vec<u64> = (0..4).map(|_| next_u64()).collect();
        assert_eq!(first, second);
        start(Some(43));
        assert_ne!(next_u64(), first[0]);
        assert_ne!(first[0], first[1]);
    }
}
