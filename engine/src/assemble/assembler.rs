//! The assembler: everything assembly needs about a bank and spec, prepared
//! once per batch (building papers from it is `build`'s job).

use super::feasibility;
use super::paper::{type_index, AssembleError, TYPES};
use super::stream::CellItems;
use crate::bank::{Bank, ItemBody, Status};
use crate::hash::BankHash;
use crate::spec::PaperSpec;
use std::collections::HashMap;

/// Everything assembly needs about a bank and spec, prepared once per batch.
pub struct Assembler<'a> {
    pub(super) bank: &'a Bank,
    pub(super) spec: &'a PaperSpec,
    pub(super) key: [u8; 32],
    /// Cell `m * TYPES + t`: active items of module `m` and type `t`.
    pub(super) cells: Vec<CellItems>,
    /// Items each cell gives one paper.
    pub(super) cell_quota: Vec<u32>,
    /// `section_quota[m][s]`.
    pub(super) section_quota: Vec<Vec<u32>>,
    pub(super) difficulty: Vec<u8>,
    /// Enemy group id per item, 0 for none.
    pub(super) group: Vec<u32>,
    /// The cell each enemy group is counted in (index = group id).
    pub(super) group_home: Vec<u32>,
    /// Choice-item option counts (0 for judge and short).
    pub(super) option_count: Vec<u8>,
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
