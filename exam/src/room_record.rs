//! The room record (考场记录): what happened in one exam room of a batch —
//! who was expected, who sat, who was absent, every pause, extension, move,
//! violation, disconnection and forced hand-in — printed at the end of the
//! batch for the proctors' and the supervisor's signatures. It carries the
//! head of the event chain at the moment it was made, so that the paper on
//! file vouches for the history an archive must later reach
//! (`archive verify --head`).

use crate::batch::Batch;
use crate::events::{Event, EventKind};
use crate::seat::{SeatRecord, Status};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashSet;

/// One candidate's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// Ticket number.
    pub ticket: String,
    /// Name.
    pub name: String,
    /// Seat in the room.
    pub seat: String,
    /// 未登录 / 待核验 / 待开考 / 答题中 / 已暂停 / 已交卷 (the words of the proctor console).
    pub status: &'static str,
    /// Whether the candidate was present: identity approved in the room
    /// (签到) or the clock ever started.
    pub sat: bool,
    /// When handed in (Unix ms).
    pub submitted_at: Option<i64>,
    /// Violations recorded.
    pub violations: u32,
    /// Extra time granted for incidents, minutes.
    pub extra_minutes: i64,
    /// Planned extra time from the roster (照顾延时), minutes.
    pub planned_extra_minutes: i64,
    /// Time the seat was silent while answering, seconds.
    pub offline_seconds: i64,
    /// Sign-in (签到): the first login at a seat (Unix ms).
    pub signed_in_at: Option<i64>,
    /// The last identity approval (Unix ms) and by whom.
    pub approved_at: Option<i64>,
    /// Who approved it (`staff:USER`).
    pub approved_by: Option<String>,
}

/// Something a proctor did or saw in the room.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    /// When (Unix ms).
    pub at: i64,
    /// The candidate's ticket.
    pub ticket: String,
    /// The candidate's name.
    pub name: String,
    /// The event kind (`pause`, `extend`, …).
    pub kind: &'static str,
    /// What happened, in Chinese, with the reason given.
    pub text: String,
    /// Who: `staff:USER`, `timer`, `system`.
    pub by: String,
}

/// The counts at the head of the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// 应考: candidates seated in the room.
    pub expected: usize,
    /// 实考: who started the exam.
    pub sat: usize,
    /// 缺考: who never started.
    pub absent: usize,
    /// 已交卷.
    pub submitted: usize,
    /// Violations recorded in the room.
    pub violations: u32,
}

/// The batch as the record's heading names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Heading {
    /// Batch id.
    pub batch: String,
    /// Batch name.
    pub batch_name: String,
    /// Scheduled start (Unix ms).
    pub start: i64,
    /// Exam time, minutes.
    pub duration_minutes: i64,
}

impl From<&Batch> for Heading {
    fn from(b: &Batch) -> Heading {
        Heading {
            batch: b.id.clone(),
            batch_name: b.name.clone(),
            start: b.start,
            duration_minutes: b.duration_seconds / 60,
        }
    }
}

/// The record of one room, without its head (the service adds it once the
/// record is logged).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoomRecord {
    /// The batch.
    #[serde(flatten)]
    pub heading: Heading,
    /// The room.
    pub room: String,
    /// The counts.
    pub counts: Counts,
    /// One line per candidate seated in the room, by seat.
    pub candidates: Vec<Line>,
    /// Incidents in time order, including candidates moved out of the room.
    pub incidents: Vec<Incident>,
    /// When the room ended: the last hand-in, once nobody who started is still answering.
    pub ended_at: Option<i64>,
}

/// The status as the record prints it.
pub fn status_text(s: Status) -> &'static str {
    match s {
        Status::NotLoggedIn => "未登录",
        Status::AwaitingIdentity => "待核验",
        Status::Ready => "待开考",
        Status::Answering => "答题中",
        Status::Paused => "已暂停",
        Status::Submitted => "已交卷",
    }
}

/// Builds the record of `room` from the batch's seats and its events.
pub fn build(heading: Heading, room: &str, seats: &[SeatRecord], events: &[Event]) -> RoomRecord {
    let mut here: Vec<&SeatRecord> = seats.iter().filter(|s| s.room == room).collect();
    here.sort_by(|a, b| seat_order(&a.seat).cmp(&seat_order(&b.seat)).then_with(|| a.ticket.cmp(&b.ticket)));
    // Sign-in comes from the logins and identity approvals on the log.
    let mut signed_in: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
    let mut approved: std::collections::HashMap<&str, (i64, &str)> = std::collections::HashMap::new();
    for e in events.iter().filter(|e| e.batch.as_deref() == Some(heading.batch.as_str())) {
        let Some(ticket) = e.ticket.as_deref() else { continue };
        match e.kind {
            EventKind::Login => {
                signed_in.entry(ticket).or_insert(e.at);
            }
            EventKind::Approve => {
                approved.insert(ticket, (e.at, e.actor.as_str()));
            }
            _ => {}
        }
    }
    let candidates: Vec<Line> = here
        .iter()
        .map(|s| Line {
            ticket: s.ticket.clone(),
            name: s.name.clone(),
            seat: s.seat.clone(),
            status: s.not_eligible().unwrap_or_else(|| status_text(s.status)),
            sat: s.present(),
            submitted_at: s.submitted_at,
            violations: s.violations,
            extra_minutes: s.extra_ms / 60_000,
            planned_extra_minutes: s.planned_extra_ms / 60_000,
            offline_seconds: s.offline_ms / 1000,
            signed_in_at: signed_in.get(s.ticket.as_str()).copied(),
            approved_at: approved.get(s.ticket.as_str()).map(|a| a.0),
            approved_by: approved.get(s.ticket.as_str()).map(|a| a.1.to_string()),
        })
        .collect();
    // A candidate not approved (资格审核) is listed, but neither expected nor absent.
    let eligible = |c: &&Line| here.iter().any(|s| s.ticket == c.ticket && s.not_eligible().is_none());
    let counts = Counts {
        expected: candidates.iter().filter(eligible).count(),
        sat: candidates.iter().filter(|c| c.sat).count(),
        absent: candidates.iter().filter(eligible).filter(|c| !c.sat).count(),
        submitted: here.iter().filter(|s| s.status == Status::Submitted).count(),
        violations: candidates.iter().map(|c| c.violations).sum(),
    };
    let in_room: HashSet<&str> = here.iter().map(|s| s.ticket.as_str()).collect();
    let name_of = |ticket: &str| seats.iter().find(|s| s.ticket == ticket).map(|s| s.name.clone()).unwrap_or_default();
    let incidents = events
        .iter()
        .filter(|e| e.batch.as_deref() == Some(heading.batch.as_str()))
        .filter_map(|e| {
            let ticket = e.ticket.as_deref()?;
            let moved_out = e.kind == EventKind::Move && e.detail["from"]["room"].as_str() == Some(room);
            if !in_room.contains(ticket) && !moved_out {
                return None;
            }
            let text = describe(e)?;
            Some(Incident {
                at: e.at,
                ticket: ticket.to_string(),
                name: name_of(ticket),
                kind: e.kind.as_str(),
                text,
                by: e.actor.clone(),
            })
        })
        .collect();
    let still_sitting = here.iter().any(|s| s.started && s.status != Status::Submitted);
    let ended_at = if still_sitting { None } else { here.iter().filter_map(|s| s.submitted_at).max() };
    RoomRecord { heading, room: room.to_string(), counts, candidates, incidents, ended_at }
}

/// One seat's history as its proctor reads it: the room record's incidents
/// and the seat's logins, approvals, start, rules acknowledgement and hand-in.
pub fn seat_history(batch: &str, seat: &SeatRecord, events: &[Event]) -> Vec<Incident> {
    events
        .iter()
        .filter(|e| e.batch.as_deref() == Some(batch) && e.ticket.as_deref() == Some(seat.ticket.as_str()))
        .filter_map(|e| {
            let text = describe(e).or_else(|| describe_routine(e))?;
            Some(Incident {
                at: e.at,
                ticket: seat.ticket.clone(),
                name: seat.name.clone(),
                kind: e.kind.as_str(),
                text,
                by: e.actor.clone(),
            })
        })
        .collect()
}

/// The text of a seat's routine events, which the room record leaves out.
fn describe_routine(e: &Event) -> Option<String> {
    let d = &e.detail;
    Some(match e.kind {
        EventKind::Login => match d["address"].as_str() {
            Some(address) => {
                format!("登录（{address}）{}", if d["new_device"] == true { "，与核验时的设备不同" } else { "" })
            }
            None => "登录".to_string(),
        },
        EventKind::Approve => match d["reason"].as_str().filter(|r| *r != "身份核验通过") {
            Some(note) => format!("身份核验通过（{note}）"),
            None => "身份核验通过".to_string(),
        },
        EventKind::RulesAcknowledged => "确认考生须知".to_string(),
        EventKind::FaceConsent => match (d["consent"].as_bool(), d["why"].as_str()) {
            (_, Some("no_camera")) => "无摄像头，人工核验".to_string(),
            (Some(true), _) => "同意人脸识别".to_string(),
            _ => "不同意人脸识别，人工核验".to_string(),
        },
        EventKind::FaceCheck => face_check(d),
        EventKind::Start => "开始答题".to_string(),
        EventKind::Submit => match e.actor.as_str() {
            "timer" => "考试时间到，自动交卷".to_string(),
            _ => "考生交卷".to_string(),
        },
        _ => return None,
    })
}

/// "人脸比对（登录）：一致（距离 0.34）", or why there is no verdict.
fn face_check(d: &Value) -> String {
    let when = if d["why"] == "recheck" { "人脸复核" } else { "登录人脸比对" };
    match (d["verdict"].as_str(), d["distance"].as_f64()) {
        (Some(v), Some(distance)) => {
            let v = if d["why"] == "recheck" && v == "mismatch" { "不一致" } else { crate::face::verdict_zh(v) };
            format!("{when}：{v}（距离 {distance:.2}）")
        }
        _ => format!("{when}：{}", d["problem"].as_str().unwrap_or("无结果")),
    }
}

/// Seats "2" before "10"; names that are not numbers after, by text.
fn seat_order(seat: &str) -> (u64, &str) {
    (seat.trim().parse().unwrap_or(u64::MAX), seat)
}

/// The incident text of an event, or `None` for events the record leaves out.
fn describe(e: &Event) -> Option<String> {
    let d = &e.detail;
    let reason = |v: &Value| v["reason"].as_str().map(|r| format!("（{r}）")).unwrap_or_default();
    Some(match e.kind {
        EventKind::Pause => format!("暂停{}", reason(d)),
        EventKind::Resume => format!("恢复{}", reason(d)),
        EventKind::Extend => format!("延时 {} 分钟{}", d["minutes"].as_u64().unwrap_or(0), reason(d)),
        EventKind::Move => format!(
            "调座：{} {}号 → {} {}号{}",
            d["from"]["room"].as_str().unwrap_or("?"),
            d["from"]["seat"].as_str().unwrap_or("?"),
            d["to"]["room"].as_str().unwrap_or("?"),
            d["to"]["seat"].as_str().unwrap_or("?"),
            reason(d)
        ),
        EventKind::Violation => match (d["category"].as_str(), d["outcome"].as_str()) {
            (Some(category), Some(outcome)) => format!("违纪：{category}{}，{outcome}", reason(d)),
            _ => format!("违纪{}", reason(d)),
        },
        EventKind::Disconnect => format!("掉线 {} 秒", d["seconds"].as_i64().unwrap_or(0)),
        EventKind::Unlock => format!("解除登录锁定{}", reason(d)),
        // A re-check that does not match is a possible 替考: an incident.
        EventKind::FaceCheck if d["why"] == "recheck" && d["verdict"] == "mismatch" => {
            format!("{}，疑似替考", face_check(d))
        }
        EventKind::FaceReview => format!("人脸复核告警已核对{}", reason(d)),
        EventKind::IdentityRefuse => format!("身份核验不通过{}", reason(d)),
        // The candidate's own hand-in and the timer's are in the counts; a
        // proctor's forced hand-in is an incident.
        EventKind::Submit if e.actor.starts_with("staff:") => d["reason"].as_str().unwrap_or("强制交卷").to_string(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(seq: u64, kind: EventKind, ticket: &str, actor: &str, detail: Value) -> Event {
        Event {
            seq,
            at: seq as i64 * 1000,
            actor: actor.into(),
            kind,
            batch: Some("b".into()),
            ticket: Some(ticket.into()),
            detail,
            prev: String::new(),
            hash: String::new(),
        }
    }

    fn seat(ticket: &str, room: &str, place: &str) -> SeatRecord {
        serde_json::from_value(json!({
            "ticket": ticket, "id_number": "X", "name": format!("考生{ticket}"), "organisation": "O",
            "room": room, "seat": place, "paper": 0, "status": "not_logged_in", "started": false,
            "duration_ms": 60_000, "extra_ms": 0, "used_ms": 0, "running_since": null, "last_seq": 0,
            "answered": 0, "violations": 0, "last_seen": 0, "submitted_at": null, "result": null,
        }))
        .expect("a seat record")
    }

    #[test]
    fn a_room_counts_its_candidates_and_lists_what_happened_there() {
        let heading = Heading { batch: "b".into(), batch_name: "批次".into(), start: 0, duration_minutes: 90 };
        let mut seats: Vec<SeatRecord> =
            ["10", "2", "3"].iter().enumerate().map(|(i, place)| seat(&format!("T{i}"), "第1考场", place)).collect();
        seats.push(seat("T9", "第2考场", "1"));
        seats[0].started = true;
        // Approved and waiting for the start: present (签到), though the clock never ran.
        seats[2].status = Status::Ready;
        seats[0].violations = 1;
        let events = vec![
            event(1, EventKind::Violation, "T0", "staff:p1", json!({"reason": "夹带"})),
            event(2, EventKind::Extend, "T0", "staff:p1", json!({"minutes": 5, "reason": "机器故障"})),
            event(3, EventKind::AnswerSave, "T0", "seat:T0", json!({"pos": 1})),
            event(
                4,
                EventKind::Move,
                "T9",
                "staff:p1",
                json!({"from": {"room": "第1考场", "seat": "7"}, "to": {"room": "第2考场", "seat": "1"}, "reason": "机器故障"}),
            ),
            event(5, EventKind::Violation, "T9", "staff:p2", json!({"reason": "在别的考场"})),
            event(6, EventKind::Submit, "T1", "timer", json!({"reason": "考试时间到，自动交卷"})),
            event(7, EventKind::Submit, "T2", "staff:p1", json!({"reason": "监考员强制交卷：作弊"})),
        ];
        let r = build(heading.clone(), "第1考场", &seats, &events);
        assert_eq!(r.candidates.iter().map(|c| c.seat.as_str()).collect::<Vec<_>>(), ["2", "3", "10"]);
        assert_eq!(r.counts, Counts { expected: 3, sat: 2, absent: 1, submitted: 0, violations: 1 });
        let texts: Vec<&str> = r.incidents.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "违纪（夹带）",
                "延时 5 分钟（机器故障）",
                "调座：第1考场 7号 → 第2考场 1号（机器故障）",
                "监考员强制交卷：作弊"
            ],
            "saves, the timer's hand-in and what happened to a moved-out candidate in the other room stay out"
        );
        assert_eq!(
            build(heading.clone(), "第2考场", &seats, &events).incidents.len(),
            2,
            "the move and the violation there"
        );
        assert_eq!(r.ended_at, None, "T0 is still answering");
        seats[0].status = Status::Submitted;
        seats[0].submitted_at = Some(9_000);
        seats[1].submitted_at = Some(7_000);
        assert_eq!(build(heading, "第1考场", &seats, &events).ended_at, Some(9_000), "the last hand-in");
        // Signed in by the login, approved by the proctor.
        let events = [
            event(1, EventKind::Login, "T0", "seat:T0", json!({})),
            event(2, EventKind::Login, "T0", "seat:T0", json!({})),
            event(3, EventKind::Approve, "T0", "staff:p1", json!({})),
        ];
        let heading = Heading { batch: "b".into(), batch_name: "批次".into(), start: 0, duration_minutes: 90 };
        let r = build(heading, "第1考场", &seats, &events);
        let t0 = r.candidates.iter().find(|c| c.ticket == "T0").expect("T0");
        assert_eq!((t0.signed_in_at, t0.approved_by.as_deref()), (Some(1000), Some("staff:p1")), "the first login");
    }
}
