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
    /// The 2+1+1 state.
    pub marking: ResponseMarking,
}

/// The anonymous code of a response: stable, unguessable without the batch.
pub fn anonymous_code(batch: &str, ticket: &str, pos: usize) -> String {
    let h = blake3::derive_key("kaoshi anonymous response code v1", format!("{batch}/{ticket}/{pos}").as_bytes());
    format!("{:02X}{:02X}-{:02X}{:02X}", h[0], h[1], h[2], h[3])
}

/// Whether a final mark falls in the recheck sample.
pub fn sampled(code: &str, share: f64) -> bool {
    let h = blake3::hash(code.as_bytes());
    f64::from(h.as_bytes()[0]) < share * 256.0
}

/// The marking records a seat's short answers need at hand-in.
pub fn records_for(batch: &LoadedBatch, seat: &SeatRecord) -> Vec<MarkingRecord> {
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
            Some(MarkingRecord {
                code: anonymous_code(&batch.batch.id, &seat.ticket, pos),
                ticket: seat.ticket.clone(),
                organisation: seat.organisation.clone(),
                pos,
                item: it.item,
                section_score: batch.batch.spec.sections[usize::from(it.section)].score,
                appealed: false,
                marking: ResponseMarking::new(*max_score, tolerance),
            })
        })
        .collect()
}

impl MarkingRecord {
    /// Whether the leader must recheck it: arbitrated, appealed, or in the
    /// sample of `share`, and not rechecked yet.
    pub fn due_for_recheck(&self, share: f64) -> bool {
        self.marking.needs_recheck(self.appealed || sampled(&self.code, share))
    }

    /// The final mark, resolved afresh from the stored marks by the 2+1+1
    /// rule (and any recheck), scaled from the rubric's max score to the
    /// item's paper score; `None` until final.
    pub fn paper_score(&self) -> Option<f64> {
        self.marking.final_score().map(|mark| mark / self.marking.max_score * self.section_score)
    }
}
