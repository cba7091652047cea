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
    /// Most extra time one seat may be given in all, seconds (default: the
    /// exam's duration).
    #[serde(default)]
    pub max_extension_seconds: Option<i64>,
    /// The batch's secret for anonymous response codes (hex); it never leaves
    /// the server (archives do not carry it).
    #[serde(default)]
    pub code_secret: Option<String>,
    /// When the batch was closed (every seat handed in or absent): its bank
    /// and papers leave memory and are reopened only for marking and results.
    #[serde(default)]
    pub closed: Option<i64>,
}

impl Batch {
    /// Most extra time one seat may be given in all, ms.
    pub fn extension_cap_ms(&self) -> i64 {
        self.max_extension_seconds.unwrap_or(self.duration_seconds) * 1000
    }
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

/// One roster line (roster.csv: ticket,id_number,name,organisation,room,seat[,id_type]).
#[derive(Debug, Clone, PartialEq)]
pub struct RosterLine {
    /// 准考证号.
    pub ticket: String,
    /// 身份证件号 (normalised: a 居民身份证's check `x` upper-cased).
    pub id_number: String,
    /// 证件类型 (居民身份证 unless the roster has an `id_type` column).
    pub id_type: String,
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

/// The roster's columns: the six required ones, then the optional ones.
pub const ROSTER_COLUMNS: [&str; 7] = ["ticket", "id_number", "name", "organisation", "room", "seat", "id_type"];

/// Parses roster.csv, naming the line of every problem: empty fields,
/// duplicate tickets, a seat taken twice, identity numbers that are not
/// well formed (a 居民身份证 number is checked in full; `today` bounds birth
/// dates). Columns may come in any order; `id_type` is optional.
pub fn parse_roster(text: &str, file: &str, today: chrono::NaiveDate) -> Result<Vec<RosterLine>, ExamError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| invalid(format!("{file} 第 1 行：无法读取表头：{e}")))?.clone();
    let mut column = [None; 7];
    for (k, h) in headers.iter().enumerate() {
        match ROSTER_COLUMNS.iter().position(|c| *c == h) {
            Some(c) if column[c].is_none() => column[c] = Some(k),
            Some(_) => return Err(invalid(format!("{file} 第 1 行：列 `{h}` 重复"))),
            None => {
                return Err(invalid(format!(
                    "{file} 第 1 行：不认识的列 `{h}`（表头须为 {}，可加 id_type）",
                    ROSTER_COLUMNS[..6].join(",")
                )))
            }
        }
    }
    if let Some(missing) = ROSTER_COLUMNS[..6].iter().zip(&column).find(|(_, c)| c.is_none()).map(|(n, _)| n) {
        return Err(invalid(format!(
            "{file} 第 1 行：缺少列 `{missing}`（表头须为 {}，可加 id_type）",
            ROSTER_COLUMNS[..6].join(",")
        )));
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut tickets = HashSet::new();
    let mut people = HashSet::new();
    let mut places = HashSet::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("{file} 第 {line} 行：{e}"));
                continue;
            }
        };
        let field = |c: usize| column[c].and_then(|k| record.get(k)).unwrap_or("").to_string();
        let id_type = Some(field(6)).filter(|t| !t.is_empty()).unwrap_or_else(crate::seat::default_id_type);
        let r = RosterLine {
            ticket: field(0),
            id_number: crate::identity::normalize(&id_type, &field(1)),
            name: field(2),
            organisation: field(3),
            room: field(4),
            seat: field(5),
            id_type,
        };
        let mut bad = |what: String| problems.push(format!("{file} 第 {line} 行：{what}"));
        for (name, value) in [
            ("准考证号（ticket）", &r.ticket),
            ("身份证件号码（id_number）", &r.id_number),
            ("姓名（name）", &r.name),
            ("考场（room）", &r.room),
            ("座位号（seat）", &r.seat),
        ] {
            if value.is_empty() {
                bad(format!("{name}不能为空"));
            }
        }
        if r.ticket.contains('/') {
            bad("准考证号不能含有 `/`".into());
        }
        if !r.id_number.is_empty() {
            if let Some(p) = crate::identity::problem(&r.id_type, &r.id_number, today) {
                bad(p);
            }
        }
        if !r.ticket.is_empty() && !tickets.insert(r.ticket.clone()) {
            bad(format!("准考证号 {} 重复", r.ticket));
        }
        if !r.id_number.is_empty() && !people.insert(r.id_number.clone()) {
            bad(format!("身份证件号码 {} 重复：同一考生只能有一个准考证号", r.id_number));
        }
        if !places.insert((r.room.clone(), r.seat.clone())) {
            bad(format!("{} {}号座位被安排了两次", r.room, r.seat));
        }
        out.push(r);
    }
    if out.is_empty() && problems.is_empty() {
        problems.push(format!("{file}：名单中没有考生"));
    }
    if !problems.is_empty() {
        return Err(invalid(problems.join("；")));
    }
    Ok(out)
}

/// Parses an RFC 3339 time (`2026-12-01T09:00:00+08:00`) to Unix ms.
pub fn parse_time(text: &str) -> Result<i64, ExamError> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .map_err(|e| invalid(format!("--start `{text}`：{e}（应为 RFC 3339 时间，例如 2026-12-01T09:00:00+08:00）")))
}

/// A roster line's seat before its candidate logs in.
pub fn new_seat(line: &RosterLine, paper: u64, duration_ms: i64) -> SeatRecord {
    SeatRecord {
        ticket: line.ticket.clone(),
        id_number: line.id_number.clone(),
        id_type: line.id_type.clone(),
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
        offline_ms: 0,
        device: None,
        approved_device: None,
        flagged: Vec::new(),
        rules_acknowledged: None,
        cancelled: None,
        offline_credited_ms: 0,
    }
}
