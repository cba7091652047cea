//! The event log's records: every state change, with who, what, when and
//! the hash chain (each record holds the hash of the one before), so an
//! edited, deleted or reordered record is detectable. Pure: appending is
//! [`crate::log::EventLog`]'s job.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What happened. Stored as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A seat or staff login.
    Login,
    /// The candidate opened the paper; the clock started.
    Start,
    /// An answer saved.
    AnswerSave,
    /// A proctor approved a seat's identity.
    Approve,
    /// A seat paused (by a proctor, or by a server restart).
    Pause,
    /// A seat resumed.
    Resume,
    /// Extra time granted.
    Extend,
    /// A candidate moved to another seat.
    Move,
    /// A violation recorded.
    Violation,
    /// A seat was silent for over 30 s while answering (掉线), from `from` to `to`.
    Disconnect,
    /// A paper handed in (by the candidate, a proctor or the timer).
    Submit,
    /// A sealed bank opened (decrypted in memory).
    BankOpen,
    /// A sealed bank refused to open.
    BankOpenRefused,
    /// A batch created.
    BatchCreate,
    /// A staff account added.
    StaffAdd,
    /// An independent mark.
    Mark,
    /// A leader's arbitration.
    Arbitration,
    /// A recheck decision.
    Recheck,
    /// Results published.
    Publish,
    /// An appeal filed.
    Appeal,
    /// A file exported.
    Export,
    /// An occupation registered.
    RegisterOccupation,
    /// Certificate data uploaded to the national platform.
    CertificateUpload,
    /// A leader or admin assigned a response to a marker.
    Assign,
    /// A staff member logged out.
    Logout,
    /// A proctor cleared a seat's login locks.
    Unlock,
    /// A staff account disabled or enabled.
    StaffDisable,
    /// A room record (考场记录) made for printing; its hash is the head it carries.
    RoomRecord,
    /// A batch closed: every seat handed in or absent.
    BatchClose,
    /// A roster changed before the start: a late candidate, a correction, a withdrawal.
    RosterChange,
    /// A candidate acknowledged the exam rules (考生须知) before the paper opened.
    RulesAcknowledged,
    /// A register file (organisation, scope, rooms, personnel) replaced from the console.
    RegisterChange,
    /// A quality supervisor's record (督导记录): room, category, finding.
    SupervisionFinding,
    /// A supervision finding closed with what was done (对账销号).
    SupervisionClose,
    /// A candidate answered the request to use the camera (人脸识别 consent).
    FaceConsent,
    /// An enrolment photo stored (its hash, never the image).
    FaceEnrol,
    /// A capture matched against the enrolment photo: distance, verdict,
    /// thresholds, model hashes and the capture's hash (never the image).
    FaceCheck,
    /// A proctor looked at a face-check alert and says what they found.
    FaceReview,
    /// A batch's photos and captures deleted (after publication, by retention).
    FaceDelete,
    /// A proctor refused a seat's identity: the login is void.
    IdentityRefuse,
}

impl EventKind {
    /// Kinds that make up the bank-use ledger (题库使用台账).
    pub const LEDGER: [EventKind; 4] =
        [EventKind::BankOpen, EventKind::BatchCreate, EventKind::Export, EventKind::Publish];

    /// The stored name (serde's).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Login => "login",
            EventKind::Start => "start",
            EventKind::AnswerSave => "answer_save",
            EventKind::Approve => "approve",
            EventKind::Pause => "pause",
            EventKind::Resume => "resume",
            EventKind::Extend => "extend",
            EventKind::Move => "move",
            EventKind::Violation => "violation",
            EventKind::Disconnect => "disconnect",
            EventKind::Submit => "submit",
            EventKind::BankOpen => "bank_open",
            EventKind::BankOpenRefused => "bank_open_refused",
            EventKind::BatchCreate => "batch_create",
            EventKind::StaffAdd => "staff_add",
            EventKind::Mark => "mark",
            EventKind::Arbitration => "arbitration",
            EventKind::Recheck => "recheck",
            EventKind::Publish => "publish",
            EventKind::Appeal => "appeal",
            EventKind::Export => "export",
            EventKind::RegisterOccupation => "register_occupation",
            EventKind::CertificateUpload => "certificate_upload",
            EventKind::Assign => "assign",
            EventKind::Logout => "logout",
            EventKind::Unlock => "unlock",
            EventKind::StaffDisable => "staff_disable",
            EventKind::RoomRecord => "room_record",
            EventKind::BatchClose => "batch_close",
            EventKind::RosterChange => "roster_change",
            EventKind::RulesAcknowledged => "rules_acknowledged",
            EventKind::RegisterChange => "register_change",
            EventKind::SupervisionFinding => "supervision_finding",
            EventKind::SupervisionClose => "supervision_close",
            EventKind::FaceConsent => "face_consent",
            EventKind::FaceEnrol => "face_enrol",
            EventKind::FaceCheck => "face_check",
            EventKind::FaceReview => "face_review",
            EventKind::FaceDelete => "face_delete",
            EventKind::IdentityRefuse => "identity_refuse",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who did it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A candidate at a seat (by ticket).
    Seat(String),
    /// A staff member (by user name).
    Staff(String),
    /// The server's timer (time-outs).
    Timer,
    /// The server itself (start-up, recovery).
    System,
    /// The command line.
    Cli,
    /// The demo set-up.
    Demo,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Seat(t) => write!(f, "seat:{t}"),
            Actor::Staff(u) => write!(f, "staff:{u}"),
            Actor::Timer => f.write_str("timer"),
            Actor::System => f.write_str("system"),
            Actor::Cli => f.write_str("cli"),
            Actor::Demo => f.write_str("demo"),
        }
    }
}

/// One event as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Event {
    /// Position in the log, from 1.
    pub seq: u64,
    /// Server time, Unix milliseconds.
    pub at: i64,
    /// Who: `seat:TICKET`, `staff:USER`, `timer`, `system`, `cli`, `demo`.
    pub actor: String,
    /// What.
    pub kind: EventKind,
    /// Batch concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    /// Ticket concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// Details: reasons, values.
    pub detail: serde_json::Value,
    /// Hash of the previous record (hex; zeros for the first).
    pub prev: String,
    /// Hash of this record.
    pub hash: String,
}

/// The hash of the first record's predecessor.
pub fn genesis() -> String {
    "0".repeat(64)
}

/// Hash of an event body: everything but `prev` and `hash`, as this JSON
/// object (the form every stored and archived event was hashed in).
pub fn body_hash_of(
    seq: u64,
    at: i64,
    actor: &str,
    kind: &str,
    batch: Option<&str>,
    ticket: Option<&str>,
    detail: &serde_json::Value,
) -> String {
    let body = serde_json::json!({
        "seq": seq, "at": at, "actor": actor, "kind": kind,
        "batch": batch, "ticket": ticket, "detail": detail,
    });
    hex::encode(blake3::derive_key("kaoshi event body v1", body.to_string().as_bytes()))
}

/// Hash of an event's body.
pub fn body_hash(e: &Event) -> String {
    body_hash_of(e.seq, e.at, &e.actor, e.kind.as_str(), e.batch.as_deref(), e.ticket.as_deref(), &e.detail)
}

/// Chain hash from the predecessor's hash and a body hash. Chaining over the
/// body hash lets an archive carry other batches' events as stubs
/// (`seq`, `prev`, `body_hash`, `hash`) and still prove continuity.
pub fn chain_hash(prev: &str, body_hash: &str) -> String {
    let mut h = blake3::Hasher::new_derive_key("kaoshi event v1");
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(body_hash.as_bytes());
    h.finalize().to_hex().to_string()
}

/// Hash of an event given its predecessor's hash.
pub fn event_hash(e: &Event) -> String {
    chain_hash(&e.prev, &body_hash(e))
}

/// The first place a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event log broken at record {seq}: {reason}")]
pub struct ChainBreak {
    /// Sequence number (or storage position) of the first bad record.
    pub seq: u64,
    /// What is wrong.
    pub reason: String,
}

/// Re-walks a chain given as `(storage key, raw record)` in key order:
/// every record decodes, sits under its own number, follows its
/// predecessor without a gap, names its predecessor's hash and hashes to
/// what it says. Returns the head `(seq, hash)`.
pub fn verify_chain(records: &[(u64, Vec<u8>)]) -> Result<(u64, String), ChainBreak> {
    let mut prev_seq = 0u64;
    let mut prev_hash = genesis();
    for (key, raw) in records {
        let e: Event = serde_json::from_slice(raw)
            .map_err(|err| ChainBreak { seq: *key, reason: format!("record does not decode: {err}") })?;
        if e.seq != *key {
            return Err(ChainBreak {
                seq: *key,
                reason: format!("stored under {key} but says it is record {} (moved or reordered)", e.seq),
            });
        }
        if e.seq != prev_seq + 1 {
            return Err(ChainBreak {
                seq: prev_seq + 1,
                reason: format!("missing (deleted?): the next record is {}", e.seq),
            });
        }
        if e.prev != prev_hash {
            return Err(ChainBreak {
                seq: e.seq,
                reason: "does not follow its predecessor (reordered or predecessor edited)".into(),
            });
        }
        if event_hash(&e) != e.hash {
            return Err(ChainBreak { seq: e.seq, reason: "content does not match its hash (edited)".into() });
        }
        prev_seq = e.seq;
        prev_hash = e.hash;
    }
    Ok((prev_seq, prev_hash))
}

/// A checkpoint of the chain head, for outsiders to hold.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Checkpoint {
    /// Head sequence number.
    pub seq: u64,
    /// Head hash.
    pub hash: String,
    /// When taken (Unix ms).
    pub at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_the_stored_names() {
        for kind in [EventKind::AnswerSave, EventKind::BankOpenRefused, EventKind::RegisterOccupation, EventKind::Move]
        {
            assert_eq!(serde_json::to_value(kind).ok(), Some(serde_json::Value::String(kind.as_str().into())));
        }
    }
}
