//! Saved answers.

use serde::{Deserialize, Serialize};

/// A saved answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedAnswer {
    /// The response in displayed letters (or text); `None` clears it.
    pub response: Option<String>,
    /// The seat's sequence number of this save.
    pub seq: u64,
    /// Server time of the save (Unix ms).
    pub at: i64,
}

/// A seat's responses by paper position (`None` where nothing is saved),
/// from its saved answers; positions beyond the paper are ignored.
pub fn by_position(len: usize, saved: impl IntoIterator<Item = (usize, SavedAnswer)>) -> Vec<Option<String>> {
    let mut out = vec![None; len];
    for (pos, a) in saved {
        if let Some(slot) = out.get_mut(pos) {
            *slot = a.response;
        }
    }
    out
}
