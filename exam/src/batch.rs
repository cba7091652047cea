//! Batches (批次): the plan, the roster and one paper per candidate, created
//! from a bank. The bank is stored sealed; it is decrypted only in memory.

use crate::error::{Code, ExamError, Refusal};
use crate::events::{Actor, EventKind};
use crate::log::{EventLog, NewEvent};
use crate::seat::{SeatRecord, Status};
use crate::store::Store;
use kaoshi_engine::assemble::{Assembler, Paper};
use kaoshi_engine::seal;
use kaoshi_engine::spec::PaperSpec;
use kaoshi_engine::{BankHash, BankSource};
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

fn default_tolerance() -> f64 {
    0.2
}

fn default_recheck() -> f64 {
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

fn invalid(message: impl Into<String>) -> ExamError {
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

/// Everything `create` needs.
pub struct NewBatch<'a> {
    /// Id.
    pub id: &'a str,
    /// Name.
    pub name: &'a str,
    /// Start (Unix ms).
    pub start: i64,
    /// Seed.
    pub seed: u64,
    /// The sealed bank file's bytes.
    pub sealed: &'a [u8],
    /// The opened bank.
    pub source: &'a BankSource,
    /// Spec to follow.
    pub spec: &'a PaperSpec,
    /// Exam time override, seconds.
    pub duration_seconds: Option<i64>,
    /// Roster.
    pub roster: &'a [RosterLine],
    /// Now (Unix ms).
    pub now: i64,
    /// Who creates it.
    pub actor: &'a Actor,
}

/// Assembles the roster's papers (in parallel) and stores the batch; the caller commits.
pub fn create(store: &Store, log: &EventLog, new: NewBatch<'_>) -> Result<Batch, ExamError> {
    if new.id.is_empty() || !new.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err(invalid(format!("batch id `{}` may hold only a-z, 0-9 and `-`", new.id)));
    }
    if store.batch(new.id)?.is_some() {
        return Err(Refusal::conflict(Code::BatchExists, format!("batch {} already exists", new.id)).into());
    }
    let (_, slot) =
        seal::read_header(new.sealed).map_err(|e| invalid(format!("the bank is not a sealed bank: {e}")))?;
    let bank = &new.source.bank;
    let hash = BankHash::of(bank).to_hex();
    let papers: Vec<Paper> = Assembler::new(bank, new.spec, new.seed)
        .and_then(|a| a.batch(new.roster.len() as u64))
        .map_err(|e| invalid(e.to_string()))?;
    let duration_seconds = new.duration_seconds.unwrap_or(i64::from(new.spec.duration_minutes) * 60);
    if duration_seconds <= 0 {
        return Err(invalid("the exam duration must be positive"));
    }
    let batch = Batch {
        id: new.id.to_string(),
        name: new.name.to_string(),
        start: new.start,
        seed: new.seed,
        bank_id: bank.meta.id.clone(),
        bank_hash: hash.clone(),
        key_id: slot.key_id,
        spec: new.spec.clone(),
        duration_seconds,
        candidates: new.roster.len(),
        created: new.now,
        marking_tolerance: default_tolerance(),
        recheck_share: default_recheck(),
    };
    store.put_sealed_bank(&hash, new.sealed)?;
    for (paper, line) in papers.iter().zip(new.roster) {
        store.put_paper(new.id, paper)?;
        store.put_seat(new.id, &new_seat(line, paper.index, duration_seconds * 1000))?;
    }
    store.put_batch(&batch)?;
    let detail = serde_json::json!({
        "name": new.name, "bank": bank.meta.id, "bank_hash": hash, "seed": new.seed,
        "papers": papers.len(), "reason": "batch create: assemble papers",
    });
    for kind in [EventKind::BankOpen, EventKind::BatchCreate] {
        log.append(
            new.now,
            NewEvent { actor: new.actor, kind, batch: Some(new.id), ticket: None, detail: detail.clone() },
        )?;
    }
    Ok(batch)
}

fn new_seat(line: &RosterLine, paper: u64, duration_ms: i64) -> SeatRecord {
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
