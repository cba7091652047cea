//! Random cyclic drawing. Each cell (module × type) has an endless stream of
//! its items: cycle after cycle, each cycle a fresh permutation of the whole
//! cell, so an item comes back only after every other item of its cell has
//! been drawn. Paper `i` reads the stream at `[i·q, (i+1)·q)`: consecutive
//! papers read consecutive, disjoint windows.
//!
//! Within a cycle, items are interleaved round-robin over evaluation points
//! (importance X first), so a window covers as many distinct points as it can.
//!
//! Across a cycle boundary, the head of the new cycle avoids the tail of the
//! old one: no two stream positions closer than `2q` hold the same item (or
//! closer than `m` when the cell holds fewer than `2q` items). Neighbouring
//! windows are then disjoint whenever the cell is large enough. This makes
//! cycle `k` depend on cycle `k − 1`, so streams are generated in order from
//! cycle 0: still a pure function of (key, cell), just not random-access.

use super::rng::{keyed_rng, shuffle};
use crate::bank::Importance;
use std::collections::HashMap;

/// The items of one cell, grouped by evaluation point.
#[derive(Debug, Clone)]
pub(crate) struct CellItems {
    /// `(importance, items)` per point, in bank order.
    pub points: Vec<(Importance, Vec<u32>)>,
    /// Number of items.
    pub len: usize,
    /// Items one paper draws from the cell.
    pub quota: u32,
}

/// Permutation `k` of cell `c`, given permutation `k − 1`.
pub(crate) fn cycle(key: &[u8; 32], c: usize, k: u64, cell: &CellItems, prev: Option<&[u32]>) -> Vec<u32> {
    let mut rng = keyed_rng(key, b"cycle", c as u64, k);
    let mut order: Vec<Vec<u32>> = Vec::with_capacity(cell.points.len());
    for importance in [Importance::X, Importance::Y, Importance::Z] {
        let mut class: Vec<Vec<u32>> =
            cell.points.iter().filter(|(i, _)| *i == importance).map(|(_, items)| items.clone()).collect();
        shuffle(&mut rng, &mut class);
        for items in &mut class {
            shuffle(&mut rng, items);
        }
        order.extend(class);
    }
    let mut out = Vec::with_capacity(cell.len);
    let mut round = 0;
    while out.len() < cell.len {
        for items in &order {
            if let Some(&item) = items.get(round) {
                out.push(item);
            }
        }
        round += 1;
    }
    if let Some(prev) = prev {
        keep_apart(&mut out, prev, cell.quota as usize);
    }
    out
}

/// Reorders the head of `next` so that position `j` holds none of the last
/// `d − j` items of `prev`, with `d = min(2q, m) − 1`. Always possible: the
/// items forbidden at `j` are all still unplaced and fewer than those left.
fn keep_apart(next: &mut [u32], prev: &[u32], q: usize) {
    let m = next.len();
    let d = (2 * q).min(m).saturating_sub(1);
    let forbidden = |item: u32, j: usize| prev[m - (d - j)..].contains(&item);
    for j in 0..d {
        if forbidden(next[j], j) {
            if let Some(k) = (j + 1..m).find(|&k| !forbidden(next[k], j)) {
                next[j..=k].rotate_right(1);
            }
        }
    }
}

/// Read access to the cells' streams.
pub(crate) trait Streams {
    /// The item at position `p` of cell `c`'s stream.
    fn item_at(&mut self, c: usize, p: u64) -> u32;
}

/// Streams computed ahead for a whole batch: `flat[c][p]`.
pub(crate) struct Precomputed<'a> {
    pub flat: &'a [Vec<u32>],
}

impl Streams for Precomputed<'_> {
    fn item_at(&mut self, c: usize, p: u64) -> u32 {
        self.flat[c][p as usize]
    }
}

/// Streams computed on demand, cycle by cycle from the first (for a single paper).
pub(crate) struct OnDemand<'a> {
    pub key: &'a [u8; 32],
    pub cells: &'a [CellItems],
    pub cycles: HashMap<usize, Vec<Vec<u32>>>,
}

impl Streams for OnDemand<'_> {
    fn item_at(&mut self, c: usize, p: u64) -> u32 {
        let m = self.cells[c].len as u64;
        let (k, idx) = ((p / m) as usize, (p % m) as usize);
        let cycles = self.cycles.entry(c).or_default();
        while cycles.len() <= k {
            let next = cycle(self.key, c, cycles.len() as u64, &self.cells[c], cycles.last().map(Vec::as_slice));
            cycles.push(next);
        }
        cycles[k][idx]
    }
}

/// Precomputes `len` stream positions of every cell (in parallel).
pub(crate) fn precompute(key: &[u8; 32], cells: &[CellItems], lens: &[u64]) -> Vec<Vec<u32>> {
    use rayon::prelude::*;
    cells
        .par_iter()
        .enumerate()
        .map(|(c, cell)| {
            let m = cell.len as u64;
            if m == 0 || lens[c] == 0 {
                return Vec::new();
            }
            let cycles = lens[c].div_ceil(m);
            let mut flat: Vec<u32> = Vec::with_capacity((cycles * m) as usize);
            for k in 0..cycles {
                let start = flat.len();
                let prev = (k > 0).then(|| &flat[start - cell.len..start]);
                let next = cycle(key, c, k, cell, prev);
                flat.extend(next);
            }
            flat
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cycle_is_a_permutation_interleaved_by_point() {
        let cell = CellItems {
            points: vec![(Importance::Y, vec![0, 1, 2]), (Importance::X, vec![3, 4, 5]), (Importance::Z, vec![6])],
            len: 7,
            quota: 2,
        };
        let p = cycle(&[1; 32], 0, 0, &cell, None);
        let mut sorted = p.clone();
        sorted.sort();
        assert_eq!(sorted, (0..7).collect::<Vec<_>>());
        // First round: the X point, then Y, then Z.
        assert!((3..6).contains(&p[0]) && (0..3).contains(&p[1]) && p[2] == 6, "{p:?}");
        assert_ne!(cycle(&[1; 32], 0, 1, &cell, Some(&p)), p, "each cycle is reshuffled");
    }

    #[test]
    fn positions_closer_than_two_windows_never_repeat() {
        let cell = CellItems { points: vec![(Importance::X, (0..11).collect())], len: 11, quota: 4 };
        let mut stream: Vec<u32> = Vec::new();
        for k in 0..50 {
            let prev = (k > 0).then(|| stream[stream.len() - 11..].to_vec());
            stream.extend(cycle(&[9; 32], 3, k, &cell, prev.as_deref()));
        }
        for (p, w) in stream.windows(8).enumerate() {
            let mut v = w.to_vec();
            v.sort_unstable();
            v.dedup();
            assert_eq!(v.len(), 8, "repeat within 2q positions at {p}: {w:?}");
        }
    }
}
