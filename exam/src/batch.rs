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
    /// The staff the plan puts on the batch (认定计划).
    #[serde(default)]
    pub plan: crate::plan::Plan,
    /// Who created it: the implicit reviewer of a roster without review columns.
    #[serde(default)]
    pub created_by: String,
    /// A drill (演练): the filing rules only warned, whatever the settings.
    #[serde(default)]
    pub drill: bool,
    /// Face checks: re-capture interval and verdict thresholds.
    #[serde(default)]
    pub face: crate::face::FaceSettings,
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

/// One roster line (roster.csv: ticket,id_number,name,organisation,room,seat
/// and the optional columns of [`ROSTER_COLUMNS`]).
#[derive(Debug, Clone, Default, PartialEq)]
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
    /// Planned extra time (照顾延时), as the roster's `extra_time` wrote it:
    /// minutes (`30`) or a factor of the duration (`1.5x`); empty for none.
    pub extra_time: String,
    /// The declaration and its eligibility review (approved by the batch's
    /// creator when the roster has no review columns).
    pub review: crate::eligibility::Review,
}

/// A batch that cannot be created as asked.
pub fn invalid(message: impl Into<String>) -> ExamError {
    Refusal::invalid(Code::BatchInvalid, message).into()
}

/// The roster's columns: the six required ones, then the optional ones
/// (the last five are [`crate::eligibility::COLUMNS`]).
pub const ROSTER_COLUMNS: [&str; 13] = [
    "ticket",
    "id_number",
    "name",
    "organisation",
    "room",
    "seat",
    "id_type",
    "extra_time",
    "declared_occupation",
    "declared_level",
    "condition",
    "review",
    "reviewer",
];

const OPTIONAL: &str = "id_type、extra_time、declared_occupation、declared_level、condition、review、reviewer";

/// Most planned extra time, minutes, and the largest factor.
pub const MAX_PLANNED_MINUTES: i64 = 240;
const MAX_PLANNED_FACTOR: f64 = 3.0;

/// The planned extra time of `text` for an exam of `duration_ms`, ms; why not when malformed.
pub fn planned_extra_ms(text: &str, duration_ms: i64) -> Result<i64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(0);
    }
    let bad = || {
        format!("照顾延时（extra_time）“{t}”无效：应为 1–{MAX_PLANNED_MINUTES} 的分钟数（如 30）或考试时长的倍数（如 1.5x，至多 {MAX_PLANNED_FACTOR}x）")
    };
    if let Some(f) = t.strip_suffix(['x', 'X', '倍']).or_else(|| t.strip_prefix('×')) {
        let f: f64 = f.trim().parse().map_err(|_| bad())?;
        if !(1.0..=MAX_PLANNED_FACTOR).contains(&f) {
            return Err(bad());
        }
        // Whole minutes, rounded up: the candidate never gets less than the factor.
        let extra = (duration_ms as f64 * (f - 1.0) / 60_000.0).ceil() as i64;
        return Ok(extra * 60_000);
    }
    let m: i64 = t.parse().map_err(|_| bad())?;
    if !(0..=MAX_PLANNED_MINUTES).contains(&m) {
        return Err(bad());
    }
    Ok(m * 60_000)
}

/// Parses roster.csv, naming the line of every problem: empty fields,
/// duplicate tickets, a seat taken twice, identity numbers that are not
/// well formed (a 居民身份证 number is checked in full; `today` bounds birth
/// dates). Columns may come in any order; `id_type` is optional.
pub fn parse_roster(text: &str, file: &str, today: chrono::NaiveDate) -> Result<Vec<RosterLine>, ExamError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| invalid(format!("{file} 第 1 行：无法读取表头：{e}")))?.clone();
    let mut column = [None; ROSTER_COLUMNS.len()];
    for (k, h) in headers.iter().enumerate() {
        match ROSTER_COLUMNS.iter().position(|c| *c == h) {
            Some(c) if column[c].is_none() => column[c] = Some(k),
            Some(_) => return Err(invalid(format!("{file} 第 1 行：列 `{h}` 重复"))),
            None => {
                return Err(invalid(format!(
                    "{file} 第 1 行：不认识的列 `{h}`（表头须为 {}，可加 {OPTIONAL}）",
                    ROSTER_COLUMNS[..6].join(",")
                )))
            }
        }
    }
    if let Some(missing) = ROSTER_COLUMNS[..6].iter().zip(&column).find(|(_, c)| c.is_none()).map(|(n, _)| n) {
        return Err(invalid(format!(
            "{file} 第 1 行：缺少列 `{missing}`（表头须为 {}，可加 {OPTIONAL}）",
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
        let cells = [field(8), field(9), field(10), field(11), field(12)];
        let review = crate::eligibility::Review::from_cells(cells.each_ref().map(String::as_str), column[11].is_some())
            .unwrap_or_else(|e| {
                problems.push(format!("{file} 第 {line} 行：{e}"));
                Default::default()
            });
        let r = RosterLine {
            ticket: field(0),
            id_number: crate::identity::normalize(&id_type, &field(1)),
            name: field(2),
            organisation: field(3),
            room: field(4),
            seat: field(5),
            id_type,
            extra_time: field(7),
            review,
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
        // Checked against a duration of an hour here; the batch applies its own.
        if let Err(e) = planned_extra_ms(&r.extra_time, 3_600_000) {
            bad(e);
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
    // Planned extra time is part of the candidate's exam time from the start,
    // apart from extensions granted for incidents (and from their cap).
    let planned = planned_extra_ms(&line.extra_time, duration_ms).unwrap_or(0);
    let duration_ms = duration_ms + planned;
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
        planned_extra_ms: planned,
        offline_credited_ms: 0,
        review: Some(line.review.clone()),
        under_sixteen: false,
        face: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planned_extra_time_is_minutes_or_a_factor_of_the_duration() {
        let hour = 3_600_000;
        assert_eq!(planned_extra_ms("", hour), Ok(0));
        assert_eq!(planned_extra_ms("30", hour), Ok(30 * 60_000));
        assert_eq!(planned_extra_ms("1.5x", 90 * 60_000), Ok(45 * 60_000));
        assert_eq!(planned_extra_ms("×1.25", hour), Ok(15 * 60_000));
        assert_eq!(planned_extra_ms("1.1倍", 95 * 60_000), Ok(10 * 60_000), "9.5 minutes round up to 10");
        for bad in ["-5", "241", "0.5x", "4x", "半小时"] {
            let e = planned_extra_ms(bad, hour).expect_err(bad);
            assert!(e.contains(&format!("“{bad}”无效")), "{e}");
        }
    }

    #[test]
    fn a_rosters_extra_time_column_is_read_and_checked_by_line() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        let id = |i| crate::identity::example_resident_id(i);
        let text = format!(
            "ticket,id_number,name,organisation,room,seat,extra_time\nT1,{},甲,单位,1,01,30\nT2,{},乙,单位,1,02,\n",
            id(1),
            id(2)
        );
        let lines = parse_roster(&text, "roster.csv", today).expect("roster");
        assert_eq!((lines[0].extra_time.as_str(), lines[1].extra_time.as_str()), ("30", ""));
        let seat = new_seat(&lines[0], 0, 90 * 60_000);
        assert_eq!((seat.duration_ms, seat.planned_extra_ms, seat.extra_ms), (120 * 60_000, 30 * 60_000, 0));
        let text = format!("ticket,id_number,name,organisation,room,seat,extra_time\nT1,{},甲,单位,1,01,很多\n", id(1));
        let e = parse_roster(&text, "roster.csv", today).expect_err("bad extra time").to_string();
        assert!(e.contains("roster.csv 第 2 行：照顾延时（extra_time）“很多”无效"), "{e}");
    }
}
