//! A paper and its parts, and why papers could not be assembled.

use crate::bank::ItemType;
use serde::{Deserialize, Serialize};

/// Item types, as cell column indices.
pub(super) const TYPES: usize = 4;

pub(super) fn type_index(t: ItemType) -> usize {
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
    pub(super) len: u8,
    pub(super) order: [u8; 8],
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
