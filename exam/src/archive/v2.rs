//! The records of kaoshi-archive version 2: version 1's, plus what kaoshi
//! learned to keep since — a seat's document type and disconnection time,
//! and blank short answers scored 0 without marking. Frozen like v1: a
//! later change adds a version beside this one. A version-1 record reads as
//! the version-2 record with the new fields at their defaults.
#![allow(missing_docs)]

use super::v1;
use serde::{Deserialize, Serialize};

pub use v1::{
    Answer, Bank, Batch, Checkpoint, Decision, Difficulty, Event, FullEvent, Mark, Marks, OptionOrder, Paper,
    PaperItem, Publication, Result, Section, Spec, Stub,
};

/// Section `seat`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seat {
    pub ticket: String,
    pub id_number: String,
    pub id_type: String,
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
    pub offline_ms: i64,
    pub offline_credited_ms: i64,
}

impl From<v1::Seat> for Seat {
    fn from(s: v1::Seat) -> Seat {
        Seat {
            ticket: s.ticket,
            id_number: s.id_number,
            id_type: "居民身份证".into(),
            name: s.name,
            organisation: s.organisation,
            room: s.room,
            seat: s.seat,
            paper: s.paper,
            status: s.status,
            started: s.started,
            duration_ms: s.duration_ms,
            extra_ms: s.extra_ms,
            used_ms: s.used_ms,
            running_since: s.running_since,
            last_seq: s.last_seq,
            answered: s.answered,
            violations: s.violations,
            last_seen: s.last_seen,
            submitted_at: s.submitted_at,
            result: s.result,
            offline_ms: 0,
            offline_credited_ms: 0,
        }
    }
}

/// Section `marking`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Marking {
    pub code: String,
    pub ticket: String,
    pub organisation: String,
    pub pos: usize,
    pub item: u32,
    pub section_score: f64,
    pub appealed: bool,
    /// Nothing was written: final at 0 without marking.
    pub blank: bool,
    pub marking: Marks,
}

impl From<v1::Marking> for Marking {
    fn from(m: v1::Marking) -> Marking {
        Marking {
            code: m.code,
            ticket: m.ticket,
            organisation: m.organisation,
            pos: m.pos,
            item: m.item,
            section_score: m.section_score,
            appealed: m.appealed,
            blank: false,
            marking: m.marking,
        }
    }
}
