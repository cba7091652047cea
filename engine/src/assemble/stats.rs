//! Exposure and overlap of a batch: how evenly items are used and how much
//! any two papers, and neighbouring papers, share.

use super::paper::Paper;
use serde::Serialize;

/// Papers up to which the largest overlap of any two papers is computed
/// exactly; above it a fixed sample of pairs is used.
const EXACT_PAIRS_UP_TO: usize = 2000;
const SAMPLED_PAIRS: usize = 200_000;

/// Exposure and overlap figures of a batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchStats {
    /// Papers in the batch.
    pub papers: usize,
    /// Items per paper.
    pub items_per_paper: usize,
    /// Distinct items drawn at least once.
    pub items_used: usize,
    /// Most uses of one item.
    pub max_exposure: u32,
    /// Mean uses of the items drawn at least once.
    pub mean_exposure: f64,
    /// Mean items shared by two papers (exact, over all pairs).
    pub mean_overlap: f64,
    /// Most items shared by two papers.
    pub max_overlap: usize,
    /// Whether `max_overlap` is over all pairs (else over a fixed sample).
    pub max_overlap_exact: bool,
    /// Most items shared by papers `i` and `i + 1` (neighbouring seats).
    pub max_neighbour_overlap: usize,
    /// Mean items shared by papers `i` and `i + 1`.
    pub mean_neighbour_overlap: f64,
    /// Uses of each bank item (index as in `bank.items`).
    #[serde(skip)]
    pub exposure: Vec<u32>,
}

fn overlap(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Computes the figures for `papers` drawn from a bank of `bank_items` items.
pub fn batch_stats(bank_items: usize, papers: &[Paper]) -> BatchStats {
    use rayon::prelude::*;
    let mut exposure = vec![0u32; bank_items];
    let sorted: Vec<Vec<u32>> = papers
        .iter()
        .map(|p| {
            let mut v: Vec<u32> = p.items.iter().map(|it| it.item).collect();
            v.sort_unstable();
            v
        })
        .collect();
    for p in &sorted {
        for &it in p {
            exposure[it as usize] += 1;
        }
    }
    let n = papers.len();
    let used: Vec<u32> = exposure.iter().copied().filter(|&e| e > 0).collect();
    let pairs = (n * n.saturating_sub(1) / 2) as f64;
    let shared: f64 = exposure.iter().map(|&e| f64::from(e) * f64::from(e.saturating_sub(1)) / 2.0).sum();
    let neighbours: Vec<usize> = sorted.windows(2).map(|w| overlap(&w[0], &w[1])).collect();
    let exact = n <= EXACT_PAIRS_UP_TO;
    let max_overlap = if exact {
        (0..n)
            .into_par_iter()
            .map(|a| ((a + 1)..n).map(|b| overlap(&sorted[a], &sorted[b])).max().unwrap_or(0))
            .max()
            .unwrap_or(0)
    } else {
        // A fixed pseudo-random sample of pairs (SplitMix64), the same every run.
        (0..SAMPLED_PAIRS)
            .into_par_iter()
            .map(|k| {
                let mut z = (k as u64).wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                let a = (z % n as u64) as usize;
                let b = ((z >> 32) % n as u64) as usize;
                if a == b {
                    0
                } else {
                    overlap(&sorted[a], &sorted[b])
                }
            })
            .max()
            .unwrap_or(0)
    };
    BatchStats {
        papers: n,
        items_per_paper: papers.first().map_or(0, |p| p.items.len()),
        items_used: used.len(),
        max_exposure: used.iter().copied().max().unwrap_or(0),
        mean_exposure: if used.is_empty() {
            0.0
        } else {
            used.iter().map(|&e| f64::from(e)).sum::<f64>() / used.len() as f64
        },
        mean_overlap: if pairs > 0.0 { shared / pairs } else { 0.0 },
        max_overlap,
        max_overlap_exact: exact,
        max_neighbour_overlap: neighbours.iter().copied().max().unwrap_or(0),
        mean_neighbour_overlap: if neighbours.is_empty() {
            0.0
        } else {
            neighbours.iter().sum::<usize>() as f64 / neighbours.len() as f64
        },
        exposure,
    }
}
