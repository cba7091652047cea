//! Deterministic randomness: every random choice of assembly comes from a
//! ChaCha8 stream keyed by the batch key and a label, never from thread order.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A ChaCha8 generator for `(label, a, b)` under the batch key.
pub(crate) fn keyed_rng(key: &[u8; 32], label: &[u8], a: u64, b: u64) -> ChaCha8Rng {
    let mut h = blake3::Hasher::new_keyed(key);
    h.update(label);
    h.update(&a.to_le_bytes());
    h.update(&b.to_le_bytes());
    ChaCha8Rng::from_seed(*h.finalize().as_bytes())
}

/// A number in `0..n` (n > 0).
pub(crate) fn below(rng: &mut impl RngCore, n: usize) -> usize {
    ((u64::from(rng.next_u32()) * n as u64) >> 32) as usize
}

/// Fisher–Yates.
pub(crate) fn shuffle<T>(rng: &mut impl RngCore, v: &mut [T]) {
    for i in (1..v.len()).rev() {
        let j = below(rng, i + 1);
        v.swap(i, j);
    }
}
