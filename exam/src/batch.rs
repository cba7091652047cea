//! Batches (批次): the plan, the roster and one paper per candidate (created
//! by `admin::create_batch`). The bank is stored sealed; it is decrypted only
//! in memory.

use crate::error::{Code, ExamError, Refusal};
use crate::seat::{SeatRecord, Status};
use kaoshi_engine::assemble::Paper;
use kaoshi_engine::spec::PaperSpec;
use kaoshi_engine::BankSource;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// A batch plan as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    /// Id, `[a-z0-9-]`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Start time (Unix ms); papers open from then.
    pub start: i64,
    /// Assembly seed.
    pub seed: u64,
    /// Bank id.
    pub bank_id: String,
    /// Bank content hash (hex); the sealed file is stored under it.
    pub bank_hash: String,
    /// Id of the key the stored bank is sealed with.
    pub key_id: String,
    /// The spec the papers follow.
    pub spec: PaperSpec,
    /// Exam time, seconds.
    pub duration_seconds: i64,
    /// Candidates.
    pub candidates: usize,
    /// Created (Unix ms).
    pub created: i64,
    /// Largest gap between two marks of a short item that still agree, as a
    /// share of the item's max score (default 0.2).
    #[serde(default = "default_tolerance")]
    pub marking_tolerance: f64,
    /// Share of final marks sampled for recheck besides every arbitrated one (default 0.1).
    #[serde(default = "default_recheck")]
    pub recheck_share: f64,
}

/// The default marking tolerance.
pub fn default_tolerance() -> f64 {
    0.2
}

/// The default recheck share.
pub fn default_recheck() -> f64 {
    0.1
}

/// A batch with its bank open in memory.
pub struct LoadedBatch {
    /// The plan.
    pub batch: Batch,
    /// The decrypted bank (memory only).
    pub source: BankSource,
    /// Papers by index.
    pub papers: Vec<Paper>,
}

impl LoadedBatch {
    /// The paper of a seat.
    pub fn paper_of(&self, seat: &SeatRecord) -> Result<&Paper, Refusal> {
        self.papers
            .get(seat.paper as usize)
            .ok_or_else(|| Refusal::not_found(Code::PaperNotFound, format!("paper {}", seat.paper)))
    }
}

/// One roster line (roster.csv: ticket,id_number,name,organisation,room,seat).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RosterLine {
    /// 准考证号.
    pub ticket: String,
    /// 身份证件号.
    pub id_number: String,
    /// 姓名.
    pub name: String,
    /// 单位.
    pub organisation: String,
    /// 考场.
    pub room: String,
    /// 座位号.
    pub seat: String,
}

/// A batch that cannot be created as asked.
pub fn invalid(message: impl Into<String>) -> ExamError {
    Refusal::invalid(Code::BatchInvalid, message).into()
}

/// Parses roster.csv, naming the line of every problem.
pub fn parse_roster(text: &str, file: &str) -> Result<Vec<RosterLine>, ExamError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| invalid(format!("{file}: cannot read the header line: {e}")))?.clone();
    let expected = ["ticket", "id_number", "name", "organisation", "room", "seat"];
    if headers.iter().collect::<Vec<_>>() != expected {
        return Err(invalid(format!("{file} line 1: the header must be `{}`", expected.join(","))));
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut tickets = HashSet::new();
    let mut places = HashSet::new();
    for (i, record) in reader.deserialize::<RosterLine>().enumerate() {
        let line = i + 2;
        match record {
            Err(e) => problems.push(format!("{file} line {line}: {e}")),
            Ok(r) => {
                for (field, value) in [
                    ("ticket", &r.ticket),
                    ("id_number", &r.id_number),
                    ("name", &r.name),
                    ("room", &r.room),
                    ("seat", &r.seat),
                ] {
                    if value.is_empty() {
                        problems.push(format!("{file} line {line}, field `{field}`: must not be empty"));
                    }
                }
                if r.ticket.contains('/') {
                    problems.push(format!("{file} line {line}, field `ticket`: must not contain `/`"));
                }
                if !tickets.insert(r.ticket.clone()) {
                    problems.push(format!("{file} line {line}, field `ticket`: duplicate ticket {}", r.ticket));
                }
                if !places.insert((r.room.clone(), r.seat.clone())) {
                    problems.push(format!(
                        "{file} line {line}, field `seat`: room {} seat {} is taken twice",
                        r.room, r.seat
                    ));
                }
                out.push(r);
            }
        }
    }
    if out.is_empty() && problems.is_empty() {
        problems.push(format!("{file}: the roster has no candidates"));
    }
    if !problems.is_empty() {
        return Err(invalid(problems.join("; ")));
    }
    Ok(out)
}

/// Parses an RFC 3339 time (`2026-12-01T09:00:00+08:00`) to Unix ms.
pub fn parse_time(text: &str) -> Result<i64, ExamError> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .map_err(|e| invalid(format!("--start `{text}`: {e} (expected RFC 3339, e.g. 2026-12-01T09:00:00+08:00)")))
}

/// A roster line's seat before its candidate logs in.
pub fn new_seat(line: &RosterLine, paper: u64, duration_ms: i64) -> SeatRecord {
    SeatRecord {
        ticket: line.ticket.clone(),
        id_number: line.id_number.clone(),
        name: line.name.clone(),
        organisation: line.organisation.clone(),
        room: line.room.clone(),
        seat: line.seat.clone(),
        paper,
        status: Status::NotLoggedIn,
        started: false,
        duration_ms,
        extra_ms: 0,
        used_ms: 0,
        running_since: None,
        last_seq: 0,
        answered: 0,
        violations: 0,
        last_seen: 0,
        submitted_at: None,
        result: None,
        session: None,
    }
}
