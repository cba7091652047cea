//! Paper assembly (组卷): a different paper for every candidate, each meeting
//! every hard rule of the spec, items used evenly across the batch (random
//! cyclic drawing), neighbours sharing as few items as the bank allows.
//!
//! Paper `i` is a pure function of (bank content hash, spec, batch seed, i):
//! [`Assembler::paper`] computes one alone, [`Assembler::batch`] computes
//! many in parallel, and both give the same papers.

mod build;
mod feasibility;
mod quota;
mod rng;
mod stats;
mod stream;

pub use stats::{batch_stats, BatchStats};

use crate::bank::{Bank, ItemBody, ItemType, Status};
use crate::hash::BankHash;
use crate::spec::PaperSpec;
use build::Repairs;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use stream::{CellItems, OnDemand, Precomputed};

/// Item types, as cell column indices.
const TYPES: usize = 4;

fn type_index(t: ItemType) -> usize {
    match t {
        ItemType::Judge => 0,
        ItemType::Single => 1,
        ItemType::Multiple => 2,
        ItemType::Short => 3,
    }
}

/// Why papers could not be assembled.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AssembleError {
    /// The bank cannot satisfy the spec; found before any paper is made.
    #[error("the bank cannot satisfy the paper spec: {}", .0.join("; "))]
    Infeasible(Vec<String>),
    /// One paper could not be completed (a defect: feasibility should prevent it).
    #[error("paper {index} could not be completed: {reason}")]
    Stuck {
        /// Paper index.
        index: u64,
        /// What could not be met.
        reason: String,
    },
}

/// One candidate's paper: items in paper order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paper {
    /// Index in the batch (the seat order of the roster).
    pub index: u64,
    /// Items in paper order.
    pub items: Vec<PaperItem>,
}

/// One item on a paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperItem {
    /// Index of the item in `bank.items`.
    pub item: u32,
    /// Index of the section in the spec.
    pub section: u16,
    /// Displayed option `k` is original option `order[k]`; empty for judge and short items.
    pub option_order: OptionOrder,
}

/// A permutation of at most 8 options, stored inline (no allocation per item).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OptionOrder {
    len: u8,
    order: [u8; 8],
}

impl OptionOrder {
    /// The permutation as a slice.
    pub fn as_slice(&self) -> &[u8] {
        &self.order[..usize::from(self.len)]
    }

    /// From a slice of at most 8 indices.
    pub fn from_slice(s: &[u8]) -> Option<OptionOrder> {
        if s.len() > 8 {
            return None;
        }
        let mut order = [0u8; 8];
        order[..s.len()].copy_from_slice(s);
        Some(OptionOrder { len: s.len() as u8, order })
    }
}

/// Everything assembly needs about a bank and spec, prepared once per batch.
pub struct Assembler<'a> {
    bank: &'a Bank,
    spec: &'a PaperSpec,
    key: [u8; 32],
    /// Cell `m * TYPES + t`: active items of module `m` and type `t`.
    cells: Vec<CellItems>,
    /// Items each cell gives one paper.
    cell_quota: Vec<u32>,
    /// `section_quota[m][s]`.
    section_quota: Vec<Vec<u32>>,
    difficulty: Vec<u8>,
    /// Enemy group id per item, 0 for none.
    group: Vec<u32>,
    /// The cell each enemy group is counted in (index = group id).
    group_home: Vec<u32>,
    /// Choice-item option counts (0 for judge and short).
    option_count: Vec<u8>,
}

impl<'a> Assembler<'a> {
    /// Prepares assembly for a batch, or says exactly why the bank cannot
    /// satisfy the spec.
    pub fn new(bank: &'a Bank, spec: &'a PaperSpec, seed: u64) -> Result<Assembler<'a>, AssembleError> {
        let point_module = bank.point_modules();
        let modules = bank.modules.len();
        let mut cell_points: Vec<HashMap<&str, Vec<u32>>> = vec![HashMap::new(); modules * TYPES];
        let mut group_ids: HashMap<&str, u32> = HashMap::new();
        let mut group = vec![0u32; bank.items.len()];
        let mut difficulty = Vec::with_capacity(bank.items.len());
        let mut option_count = Vec::with_capacity(bank.items.len());
        for (i, item) in bank.items.iter().enumerate() {
            difficulty.push(item.difficulty);
            option_count.push(match &item.body {
                ItemBody::Single { options, .. } | ItemBody::Multiple { options, .. } => options.len() as u8,
                _ => 0,
            });
            if item.status != Status::Active {
                continue;
            }
            let Some(&m) = point_module.get(item.point.as_str()) else { continue };
            let c = m * TYPES + type_index(item.item_type());
            cell_points[c].entry(item.point.as_str()).or_default().push(i as u32);
            if let Some(g) = &item.enemy_group {
                let next = group_ids.len() as u32 + 1;
                group[i] = *group_ids.entry(g.as_str()).or_insert(next);
            }
        }
        let cells: Vec<CellItems> = (0..modules * TYPES)
            .map(|c| {
                let module = &bank.modules[c / TYPES];
                let points: Vec<_> = module
                    .points
                    .iter()
                    .filter_map(|p| cell_points[c].get(p.code.as_str()).map(|items| (p.importance, items.clone())))
                    .collect();
                let len = points.iter().map(|(_, v)| v.len()).sum();
                CellItems { points, len, quota: 0 }
            })
            .collect();
        let group_home = feasibility::home_cells(&cells, &group, group_ids.len());
        let section_quota = feasibility::check(bank, spec, &cells, &group, &group_home, &difficulty)?;
        let mut cells = cells;
        let mut cell_quota = vec![0u32; modules * TYPES];
        for (m, row) in section_quota.iter().enumerate() {
            for (s, &q) in row.iter().enumerate() {
                let c = m * TYPES + type_index(spec.sections[s].item_type);
                cell_quota[c] += q;
                cells[c].quota += q;
            }
        }
        Ok(Assembler {
            bank,
            spec,
            key: batch_key(bank, spec, seed),
            cells,
            cell_quota,
            section_quota,
            difficulty,
            group,
            group_home,
            option_count,
        })
    }

    /// The bank being drawn from.
    pub fn bank(&self) -> &Bank {
        self.bank
    }

    /// Items module `m` gives section `s` on every paper.
    pub fn section_quota(&self) -> &[Vec<u32>] {
        &self.section_quota
    }

    /// Paper `i`. It depends on (bank hash, spec, seed, i) only; computing
    /// it replays the repairs of papers `0..i` (cheap: only papers that need
    /// a repair do work).
    pub fn paper(&self, i: u64) -> Result<Paper, AssembleError> {
        let mut streams = OnDemand { key: &self.key, cells: &self.cells, cycles: HashMap::new() };
        let mut repairs = Repairs::new(self.bank.items.len(), self.group_home.len());
        let mut previous: Option<Vec<u32>> = None;
        for j in 0..=i {
            let mut slots = self.window(j, &mut streams);
            self.repair(j, &mut slots, previous.as_deref(), &mut streams, &mut repairs)?;
            previous = Some(slots);
        }
        Ok(self.compose(i, previous.as_deref().unwrap_or_default(), &self.cell_start()))
    }

    /// Papers `0..n`: windows and composition in parallel, repairs in paper
    /// order. Identical to calling [`Assembler::paper`] for each index.
    pub fn batch(&self, n: u64) -> Result<Vec<Paper>, AssembleError> {
        let lens: Vec<u64> = self
            .cells
            .iter()
            .zip(&self.cell_quota)
            .map(|(cell, &q)| if q == 0 { 0 } else { (n + 3) * u64::from(q) + 3 * cell.len as u64 })
            .collect();
        let flat = stream::precompute(&self.key, &self.cells, &lens);
        let mut windows: Vec<Vec<u32>> =
            (0..n).into_par_iter().map(|i| self.window(i, &mut Precomputed { flat: &flat })).collect();
        let mut repairs = Repairs::new(self.bank.items.len(), self.group_home.len());
        for i in 0..windows.len() {
            let (done, rest) = windows.split_at_mut(i);
            let previous = done.last().map(Vec::as_slice);
            self.repair(i as u64, &mut rest[0], previous, &mut Precomputed { flat: &flat }, &mut repairs)?;
        }
        let starts = self.cell_start();
        Ok(windows.par_iter().enumerate().map(|(i, slots)| self.compose(i as u64, slots, &starts)).collect())
    }

    /// The largest use of any item of each cell that the cyclic bound allows
    /// for a batch of `n`: 1.05 × (⌈n·q/m⌉ + 1); `None` for cells not drawn.
    pub fn exposure_bounds(&self, n: u64) -> Vec<Option<(Vec<u32>, f64)>> {
        self.cells
            .iter()
            .zip(&self.cell_quota)
            .map(|(cell, &q)| {
                (q > 0).then(|| {
                    let items: Vec<u32> = cell.points.iter().flat_map(|(_, v)| v.iter().copied()).collect();
                    let draws = n * u64::from(q);
                    (items, 1.05 * (draws.div_ceil(cell.len as u64) + 1) as f64)
                })
            })
            .collect()
    }
}

/// The batch key: every random choice derives from it.
fn batch_key(bank: &Bank, spec: &PaperSpec, seed: u64) -> [u8; 32] {
    let mut h = blake3::Hasher::new_derive_key("kaoshi assemble v1");
    h.update(&BankHash::of(bank).0);
    h.update(&postcard::to_stdvec(spec).unwrap_or_default());
    h.update(&seed.to_le_bytes());
    *h.finalize().as_bytes()
}
