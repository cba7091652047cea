//! The records of kaoshi-archive version 1, frozen. These types are the
//! archive format: they change only by adding a new version beside them, so
//! an archive written today verifies with every later kaoshi. They mirror
//! what kaoshi 0.1.0 wrote (tests/fixtures/archive/golden-v1.kar). Field
//! meanings are those of the service records they are written from (see the
//! README's archive section); they are not repeated per field here.
#![allow(missing_docs)]

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Section `batch`: the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    pub id: String,
    pub name: String,
    pub start: i64,
    pub seed: u64,
    pub bank_id: String,
    pub bank_hash: String,
    pub key_id: String,
    pub spec: Spec,
    pub duration_seconds: i64,
    pub candidates: usize,
    pub created: i64,
    #[serde(default = "default_tolerance")]
    pub marking_tolerance: f64,
    #[serde(default = "default_recheck")]
    pub recheck_share: f64,
}

fn default_tolerance() -> f64 {
    0.2
}

fn default_recheck() -> f64 {
    0.1
}

/// The paper spec inside [`Batch`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    pub title: String,
    pub duration_minutes: u32,
    pub total_score: f64,
    pub pass_score: f64,
    pub weight_tolerance: f64,
    pub sections: Vec<Section>,
    pub difficulty: Option<Difficulty>,
}

/// A section: `item_type` is `Judge`, `Single`, `Multiple` or `Short`;
/// `scoring` is `Exact` or `Partial`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub item_type: String,
    pub count: u32,
    pub score: f64,
    pub scoring: String,
}

/// A difficulty target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difficulty {
    pub target: f64,
    pub tolerance: f64,
}

/// Section `bank`: the sealed bank, still encrypted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bank {
    pub bank_hash: String,
    pub kbank_hex: String,
}

/// Section `seat`: a roster line and its final exam state (no session).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seat {
    pub ticket: String,
    pub id_number: String,
    pub name: String,
    pub organisation: String,
    pub room: String,
    pub seat: String,
    pub paper: u64,
    /// `not_logged_in`, `awaiting_identity`, `ready`, `answering`, `paused` or `submitted`.
    pub status: String,
    pub started: bool,
    pub duration_ms: i64,
    pub extra_ms: i64,
    pub used_ms: i64,
    pub running_since: Option<i64>,
    pub last_seq: u64,
    pub answered: u32,
    pub violations: u32,
    pub last_seen: i64,
    pub submitted_at: Option<i64>,
    pub result: Option<Result>,
}

/// A stored result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Result {
    pub score: f64,
    pub passed: Option<bool>,
    pub modules: BTreeMap<String, f64>,
    pub items: Vec<Option<f64>>,
}

/// Section `paper`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paper {
    pub index: u64,
    pub items: Vec<PaperItem>,
}

/// A paper position: bank item index, section, and the option order (the
/// first `len` entries of `order`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaperItem {
    pub item: u32,
    pub section: u16,
    pub option_order: OptionOrder,
}

/// Displayed option k is original option `order[k]`, for k < len.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionOrder {
    pub len: u8,
    pub order: [u8; 8],
}

/// Section `answer`: a saved answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub ticket: String,
    pub pos: usize,
    pub response: Option<String>,
    pub seq: u64,
    pub at: i64,
}

/// Section `marking`: a short response's marks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Marking {
    pub code: String,
    pub ticket: String,
    pub organisation: String,
    pub pos: usize,
    pub item: u32,
    pub section_score: f64,
    #[serde(default)]
    pub appealed: bool,
    pub marking: Marks,
}

/// The 2+1+1 state of a response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Marks {
    pub max_score: f64,
    pub tolerance: f64,
    pub marks: Vec<Mark>,
    pub arbitration: Option<Decision>,
    pub rechecks: Vec<Decision>,
}

/// An independent mark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    pub marker: String,
    pub score: f64,
    pub at: i64,
}

/// An arbitration or a recheck.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub by: String,
    pub score: f64,
    pub reason: String,
    pub at: i64,
}

/// Section `publication`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Publication {
    pub at: i64,
    pub by: String,
    pub notice_until: i64,
}

/// Section `event`: an event of this batch in full, or another batch's as a
/// stub that still proves the chain's continuity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Event {
    /// Another batch's event.
    Stub(Stub),
    /// This batch's event.
    Full(FullEvent),
}

/// A full event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FullEvent {
    pub seq: u64,
    pub at: i64,
    pub actor: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    pub detail: serde_json::Value,
    pub prev: String,
    pub hash: String,
}

/// A stub: `stub` is always `true`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stub {
    pub seq: u64,
    pub prev: String,
    pub body_hash: String,
    pub hash: String,
    pub stub: bool,
}

/// Section `checkpoint`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: u64,
    pub hash: String,
    pub at: i64,
}
