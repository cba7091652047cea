//! Marking records: one per short response, opened at hand-in, holding the
//! anonymous code markers see and the 2+1+1 state (`kaoshi_engine::marking`).

use crate::batch::LoadedBatch;
use crate::seat::SeatRecord;
use kaoshi_engine::bank::ItemBody;
use kaoshi_engine::marking::ResponseMarking;
use serde::{Deserialize, Serialize};

/// One short response under marking.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MarkingRecord {
    /// Anonymous code shown to markers.
    pub code: String,
    /// Candidate (never shown to markers).
    pub ticket: String,
    /// Candidate organisation (for recusal).
    pub organisation: String,
    /// Position on the paper.
    pub pos: usize,
    /// Bank item index.
    pub item: u32,
    /// Paper score of the item (marks are scaled from the rubric's max score to it).
    pub section_score: f64,
    /// An appeal asked for a recheck.
    #[serde(default)]
    pub appealed: bool,
    /// Nothing was written: scored 0 at hand-in, never sent to markers.
    #[serde(default)]
    pub blank: bool,
    /// The 2+1+1 state.
    pub marking: ResponseMarking,
}

/// The anonymous code of a response: 64 bits of a BLAKE3 keyed hash under
/// the batch's secret (which never leaves the server), so nobody can work
/// out whose answer a code is. `attempt` moves past a collision within the
/// batch. Shown as `XXXX-XXXX-XXXX-XXXX`.
pub fn anonymous_code(secret: &[u8; 32], batch: &str, ticket: &str, pos: usize, attempt: u32) -> String {
    let h = blake3::keyed_hash(secret, format!("kaoshi response code v2/{batch}/{ticket}/{pos}/{attempt}").as_bytes());
    let b = h.as_bytes();
    format!("{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7])
}

/// The 32-byte key of a batch's code secret (hex); `None` if it is not one.
pub fn secret_key(hex_secret: &str) -> Option<[u8; 32]> {
    let mut key = [0u8; 32];
    hex::decode_to_slice(hex_secret, &mut key).ok()?;
    Some(key)
}

/// A response assigned to a marker until `until` (Unix ms).
#[derive(Debug, Clone, PartialEq)]
pub struct Lease {
    /// Marker.
    pub marker: String,
    /// Expiry.
    pub until: i64,
}

/// Whether a final mark falls in the recheck sample.
pub fn sampled(code: &str, share: f64) -> bool {
    let h = blake3::hash(code.as_bytes());
    f64::from(h.as_bytes()[0]) < share * 256.0
}

/// The marking records a seat's short answers need at hand-in, without their
/// codes (the service gives each a code unique in the batch). A blank
/// response (`responses[pos]` empty) is final at 0 and goes to no marker.
pub fn records_for(batch: &LoadedBatch, seat: &SeatRecord, responses: &[Option<String>]) -> Vec<MarkingRecord> {
    let Some(paper) = batch.papers.get(seat.paper as usize) else { return Vec::new() };
    paper
        .items
        .iter()
        .enumerate()
        .filter_map(|(pos, it)| {
            let ItemBody::Short { max_score, .. } = &batch.source.bank.items[it.item as usize].body else {
                return None;
            };
            let tolerance = (max_score * batch.batch.marking_tolerance * 2.0).round() / 2.0;
            let blank = responses.get(pos).cloned().flatten().is_none_or(|r| r.trim().is_empty());
            Some(MarkingRecord {
                code: String::new(),
                ticket: seat.ticket.clone(),
                organisation: seat.organisation.clone(),
                pos,
                item: it.item,
                section_score: batch.batch.spec.sections[usize::from(it.section)].score,
                appealed: false,
                blank,
                marking: ResponseMarking::new(*max_score, tolerance),
            })
        })
        .collect()
}

impl MarkingRecord {
    /// Whether the leader must recheck it: arbitrated, appealed, or in the
    /// sample of `share`, and not rechecked yet.
    pub fn due_for_recheck(&self, share: f64) -> bool {
        !self.blank && self.marking.needs_recheck(self.appealed || sampled(&self.code, share))
    }

    /// Whether it still waits for independent marks.
    pub fn wants_marks(&self) -> bool {
        !self.blank
            && matches!(
                self.marking.stage(),
                kaoshi_engine::marking::Stage::FirstPair | kaoshi_engine::marking::Stage::Third
            )
    }

    /// Whether it waits for the leader's arbitration.
    pub fn wants_leader(&self) -> bool {
        !self.blank && self.marking.stage() == kaoshi_engine::marking::Stage::Leader
    }

    /// The final mark, resolved afresh from the stored marks by the 2+1+1
    /// rule (and any recheck), scaled from the rubric's max score to the
    /// item's paper score; `None` until final.
    pub fn paper_score(&self) -> Option<f64> {
        if self.blank {
            return Some(0.0);
        }
        self.marking.final_score().map(|mark| mark / self.marking.max_score * self.section_score)
    }
}
