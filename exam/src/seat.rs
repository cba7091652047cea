//! A candidate's seat: identity, status and the server's exam clock, and the
//! seat state machine — [`SeatRecord::apply`] is the one place a seat
//! changes status. Pure: the caller loads the record, applies an
//! [`Action`] at a time it read from its clock, stores the new record and
//! logs the event the [`Change`] names.

use crate::error::{Code, Refusal};
use crate::events::EventKind;
use kaoshi_engine::grade::Graded;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Where a candidate is in the exam.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Has not logged in (or was moved and must log in again).
    NotLoggedIn,
    /// Logged in; a proctor must check identity (身份核验).
    AwaitingIdentity,
    /// Identity approved; the clock starts when the paper is opened.
    Ready,
    /// Answering; the clock runs.
    Answering,
    /// Paused by a proctor or by a server restart; the clock stands still.
    Paused,
    /// Handed in; nothing more is accepted.
    Submitted,
}

/// One roster line and its exam state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeatRecord {
    /// Ticket number (准考证号).
    pub ticket: String,
    /// Identity document number (a 居民身份证 number with an upper-case X).
    pub id_number: String,
    /// Identity document type (居民身份证 unless the roster says otherwise).
    #[serde(default = "default_id_type")]
    pub id_type: String,
    /// Name.
    pub name: String,
    /// Organisation (for marker recusal).
    pub organisation: String,
    /// Room.
    pub room: String,
    /// Seat in the room.
    pub seat: String,
    /// Index of the candidate's paper in the batch.
    pub paper: u64,
    /// Status.
    pub status: Status,
    /// Whether the clock was ever started.
    pub started: bool,
    /// Exam time allowed, ms.
    pub duration_ms: i64,
    /// Extra time granted, ms.
    pub extra_ms: i64,
    /// Time used in closed segments, ms.
    pub used_ms: i64,
    /// Start of the running segment (Unix ms), while the clock runs.
    pub running_since: Option<i64>,
    /// Highest save sequence number acknowledged.
    pub last_seq: u64,
    /// Positions with a non-empty saved answer.
    pub answered: u32,
    /// Violations recorded.
    pub violations: u32,
    /// Last request from the seat (Unix ms).
    pub last_seen: i64,
    /// When handed in (Unix ms).
    pub submitted_at: Option<i64>,
    /// Result at hand-in, completed as short answers are marked.
    pub result: Option<Graded>,
    /// Hash of the seat's current session token; older tokens are void.
    #[serde(default)]
    pub session: Option<String>,
    /// Exam time lost while the seat was disconnected (silent for over 30 s
    /// while answering), ms.
    #[serde(default)]
    pub offline_ms: i64,
    /// The part of `offline_ms` a proctor has credited back.
    #[serde(default)]
    pub offline_credited_ms: i64,
    /// The device of the latest login.
    #[serde(default)]
    pub device: Option<Device>,
    /// The device of the login a proctor last approved: a later login from
    /// another device is flagged on the approval card.
    #[serde(default)]
    pub approved_device: Option<Device>,
    /// Positions the candidate flagged for review (标记), ascending: kept
    /// with the answers so a login on another machine keeps them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flagged: Vec<u32>,
    /// When the candidate acknowledged the exam rules (Unix ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules_acknowledged: Option<i64>,
    /// The result of this exam is cancelled for a violation: category and
    /// reason. Exports show 0 / 不合格 with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled: Option<String>,
    /// Planned extra time from the roster (照顾延时), ms: already part of
    /// `duration_ms`, kept here to be shown apart from incident extensions.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub planned_extra_ms: i64,
    /// The eligibility review (none for seats stored before it existed:
    /// approved). A candidate not approved cannot log in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<crate::eligibility::Review>,
    /// Under 16 on the exam day: sits, but the certificate data cannot be
    /// uploaded (鲁人社字〔2022〕93号 3.8).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub under_sixteen: bool,
    /// Face checks (人脸识别): consent, the latest capture and its verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face: Option<crate::face::FaceState>,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

/// Where a login came from, as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// The peer address.
    pub address: String,
    /// The browser's User-Agent (at most 300 characters).
    pub agent: String,
}

impl Device {
    /// A device from what a request carried.
    pub fn new(address: &str, agent: &str) -> Device {
        Device { address: address.to_string(), agent: agent.chars().take(300).collect() }
    }
}

/// The document type when a roster names none.
pub fn default_id_type() -> String {
    "居民身份证".to_string()
}

/// A seat answering but silent for longer than this is disconnected (掉线).
pub const DISCONNECTED_AFTER_MS: i64 = 30_000;

/// Something that happens to a seat.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// The candidate logs in with a new session (another machine, a reload after a restart).
    Login {
        /// Hash of the new session token.
        session: String,
        /// Where the login came from.
        device: Option<Device>,
    },
    /// A proctor approves the candidate's identity.
    Approve {
        /// Optional note.
        reason: Option<String>,
    },
    /// A proctor refuses the identity of whoever logged in at the seat (the
    /// face or the document does not match): the login is void, the seat
    /// waits for the real candidate to log in.
    Refuse {
        /// Why (required).
        reason: Option<String>,
    },
    /// The seat shows a sign of life (its page polls its status).
    Heartbeat,
    /// The candidate opens the paper: the clock starts once the batch has begun.
    Open {
        /// Batch start (Unix ms).
        batch_start: i64,
    },
    /// An answer save with the seat's sequence number.
    Save {
        /// The save's sequence number.
        seq: u64,
        /// The position already holds this very save (a retry of an acknowledged save).
        replay: bool,
        /// Whether the position held an answer before.
        was_answered: bool,
        /// Whether it holds one after.
        answered: bool,
    },
    /// A proctor pauses the clock.
    Pause {
        /// Why (required).
        reason: Option<String>,
    },
    /// A proctor resumes.
    Resume {
        /// Optional note.
        reason: Option<String>,
    },
    /// A proctor grants extra time.
    Extend {
        /// Minutes, 1–240.
        minutes: Option<i64>,
        /// Why (required).
        reason: Option<String>,
        /// Most extra time a seat may have in all, ms.
        cap_ms: i64,
    },
    /// A proctor credits back the exam time lost while disconnected (补时),
    /// rounded up to whole minutes.
    CreditOffline {
        /// Why (defaults to the disconnection).
        reason: Option<String>,
        /// Most extra time a seat may have in all, ms.
        cap_ms: i64,
    },
    /// A proctor moves the candidate to another seat: they log in again there.
    Move {
        /// Target room.
        room: Option<String>,
        /// Target seat.
        seat: Option<String>,
        /// Why (required).
        reason: Option<String>,
    },
    /// A proctor records a violation.
    Violation {
        /// What happened (required).
        reason: Option<String>,
        /// One of [`VIOLATION_CATEGORIES`] (其他 when absent).
        category: Option<String>,
        /// One of [`VIOLATION_OUTCOMES`] (警告 when absent).
        outcome: Option<String>,
    },
    /// The candidate hands in.
    HandIn,
    /// A proctor forces a hand-in.
    ForceSubmit {
        /// Why (required).
        reason: Option<String>,
    },
    /// Time is up.
    Expire,
    /// The candidate flags a position for review, or clears its flag.
    Flag {
        /// Position on the paper (the caller checks it is on the paper).
        pos: u32,
        /// Flagged after.
        on: bool,
    },
    /// The candidate acknowledges the exam rules (考生须知), whose version is named.
    AcknowledgeRules {
        /// The version of the rules shown.
        version: String,
    },
    /// After a server outage: charge up to the last sign of life, then pause.
    Recover {
        /// Last sign of life (Unix ms).
        last_alive: i64,
    },
}

/// What an action did.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The seat afterwards.
    pub seat: SeatRecord,
    /// The event to log, if anything happened worth logging.
    pub event: Option<(EventKind, Value)>,
    /// The paper was handed in, for this reason: grade it, open marking and log `submit`.
    pub handed_in: Option<String>,
    /// A session hash that is void from now on.
    pub revoked: Option<String>,
    /// A replayed save: acknowledge again, write nothing.
    pub replay: bool,
    /// The seat had been disconnected from `.0` to `.1` (Unix ms); log it.
    pub disconnected: Option<(i64, i64)>,
}

impl Change {
    fn of(seat: SeatRecord) -> Change {
        Change { seat, event: None, handed_in: None, revoked: None, replay: false, disconnected: None }
    }

    fn logged(mut self, kind: EventKind, detail: Value) -> Change {
        self.event = Some((kind, detail));
        self
    }
}

/// Largest extension at once, minutes.
pub const MAX_EXTEND_MINUTES: i64 = 240;

/// Largest save sequence number: the largest integer a JavaScript page holds exactly (2^53 − 1).
pub const MAX_SEQ: u64 = (1 << 53) - 1;

fn required(reason: &Option<String>, action: &str) -> Result<String, Refusal> {
    reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .ok_or_else(|| Refusal::invalid(Code::ReasonRequired, format!("{action}需要填写原因")))
}

/// Violation categories (违纪类别).
pub const VIOLATION_CATEGORIES: [&str; 6] = ["夹带", "替考", "交头接耳", "使用通讯工具", "设备异常", "其他"];

/// Outcomes of a violation.
pub const VIOLATION_OUTCOMES: [&str; 2] = ["警告", CANCEL_RESULT];

/// The outcome that cancels the candidate's result of this exam.
pub const CANCEL_RESULT: &str = "取消本次考试成绩";

/// `value` if it is one of `list` (`default` when absent), or why not.
fn one_of(
    value: &Option<String>,
    list: &[&'static str],
    default: &'static str,
    what: &str,
) -> Result<&'static str, Refusal> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => {
            list.iter().find(|c| **c == v).copied().ok_or_else(|| {
                Refusal::invalid(Code::BadViolation, format!("{what}“{v}”无效：应为 {}", list.join("、")))
            })
        }
    }
}

fn optional(reason: &Option<String>) -> Option<&str> {
    reason.as_deref().map(str::trim).filter(|r| !r.is_empty())
}

fn place(value: &Option<String>, what: &str) -> Result<String, Refusal> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .ok_or_else(|| Refusal::invalid(Code::BadPlace, format!("调座需要填写{what}")))
}

impl SeatRecord {
    /// Why the candidate may not sit, in Chinese: 资格审核未通过 or 资格待审;
    /// `None` for an approved candidate (or one stored before reviews existed).
    pub fn not_eligible(&self) -> Option<&'static str> {
        use crate::eligibility::Outcome;
        match self.review.as_ref().map(|r| r.outcome) {
            Some(Outcome::Rejected) => Some("资格审核未通过"),
            Some(Outcome::Pending) => Some("资格待审"),
            _ => None,
        }
    }

    /// Whether the candidate was present (签到): identity approved in the
    /// room, or the clock ever started.
    pub fn present(&self) -> bool {
        self.started || self.approved_device.is_some() || matches!(self.status, Status::Ready)
    }

    /// Whether the latest login came from another device than the one a
    /// proctor last approved.
    pub fn new_device(&self) -> bool {
        self.approved_device.is_some() && self.device.is_some() && self.device != self.approved_device
    }

    /// Remaining time in ms at `now` (never negative).
    pub fn remaining_ms(&self, now: i64) -> i64 {
        let running = self.running_since.map_or(0, |s| (now - s).max(0));
        (self.duration_ms + self.extra_ms - self.used_ms - running).max(0)
    }

    /// Remaining whole seconds, for clients.
    pub fn remaining_seconds(&self, now: i64) -> i64 {
        (self.remaining_ms(now) + 999) / 1000
    }

    fn stop_clock(&mut self, now: i64) {
        if let Some(s) = self.running_since.take() {
            self.used_ms += (now - s).max(0);
        }
    }

    fn start_clock(&mut self, now: i64) {
        if self.running_since.is_none() {
            self.running_since = Some(now);
            self.started = true;
        }
    }

    /// Whether the clock has run out on an answering seat.
    pub fn time_is_up(&self, now: i64) -> bool {
        self.status == Status::Answering && self.remaining_ms(now) == 0
    }

    /// Status shown to proctors: an answering seat silent for 30 s is `disconnected`.
    pub fn shown_status(&self, now: i64) -> &'static str {
        match self.status {
            Status::Answering if now - self.last_seen > DISCONNECTED_AFTER_MS => "disconnected",
            Status::NotLoggedIn => "not_logged_in",
            Status::AwaitingIdentity => "awaiting_identity",
            Status::Ready => "ready",
            Status::Answering => "answering",
            Status::Paused => "paused",
            Status::Submitted => "submitted",
        }
    }

    /// The status in the words proctors read.
    pub fn status_zh(&self, now: i64) -> &'static str {
        match self.shown_status(now) {
            "disconnected" => "掉线",
            "not_logged_in" => "未登录",
            "awaiting_identity" => "待核验身份",
            "ready" => "已核验、待开考",
            "answering" => "答题中",
            "paused" => "已暂停",
            _ => "已交卷",
        }
    }

    /// Whether saves are accepted now; the refusal says why not.
    pub fn accepts_saves(&self) -> Result<(), Refusal> {
        match self.status {
            Status::Answering => Ok(()),
            Status::Submitted => Err(Refusal::conflict(Code::Submitted, "试卷已提交，不能再保存答案")),
            Status::Paused => Err(Refusal::conflict(Code::Paused, "考试已被监考员暂停，答案暂不能保存")),
            _ => Err(Refusal::forbidden(Code::NotStarted, "该考位的考试尚未开始")),
        }
    }

    fn wrong(&self, action: &str, now: i64) -> Refusal {
        Refusal::conflict(Code::WrongStatus, format!("无法{action}：该考位当前状态为“{}”", self.status_zh(now)))
    }

    /// Exam time lost so far that no proctor has credited back, ms.
    pub fn offline_uncredited_ms(&self) -> i64 {
        (self.offline_ms - self.offline_credited_ms).max(0)
    }

    /// A sign of life from the seat at `now`: a silence of over 30 s while
    /// answering is recorded as a disconnection (its time counted, since the
    /// clock kept running).
    fn seen(&mut self, now: i64) -> Option<(i64, i64)> {
        let gap = (self.status == Status::Answering && now - self.last_seen > DISCONNECTED_AFTER_MS)
            .then_some((self.last_seen, now));
        if let Some((from, to)) = gap {
            self.offline_ms += to - from;
        }
        self.last_seen = self.last_seen.max(now);
        gap
    }

    fn extend(&mut self, ms: i64, cap_ms: i64) -> Result<(), Refusal> {
        if self.extra_ms + ms > cap_ms {
            return Err(Refusal::conflict(
                Code::ExtensionCap,
                format!(
                    "累计延时不能超过 {} 分钟：已延时 {} 分钟，本次 {} 分钟",
                    cap_ms / 60_000,
                    self.extra_ms / 60_000,
                    ms / 60_000
                ),
            ));
        }
        self.extra_ms += ms;
        Ok(())
    }

    fn hand_in(mut self, now: i64, reason: String) -> Change {
        // A seat silent when its time ran out lost that time too.
        let gap = (self.status == Status::Answering && now - self.last_seen > DISCONNECTED_AFTER_MS)
            .then_some((self.last_seen, now));
        if let Some((from, to)) = gap {
            self.offline_ms += to - from;
        }
        self.stop_clock(now);
        self.status = Status::Submitted;
        self.submitted_at = Some(now);
        let mut change = Change::of(self);
        change.handed_in = Some(reason);
        change.disconnected = gap;
        change
    }

    /// The seat state machine: what `action` at `now` does to this seat, or why it is refused.
    pub fn apply(&self, action: &Action, now: i64) -> Result<Change, Refusal> {
        let mut s = self.clone();
        let from_seat = matches!(
            action,
            Action::Login { .. }
                | Action::Heartbeat
                | Action::Open { .. }
                | Action::Save { .. }
                | Action::HandIn
                | Action::Flag { .. }
                | Action::AcknowledgeRules { .. }
        );
        let gap = if from_seat { s.seen(now) } else { None };
        let mut change = self.apply_to(s, action, now)?;
        change.disconnected = change.disconnected.or(gap);
        Ok(change)
    }

    fn apply_to(&self, mut s: SeatRecord, action: &Action, now: i64) -> Result<Change, Refusal> {
        match action {
            Action::Heartbeat => Ok(Change::of(s)),
            Action::Login { session, device } => {
                if s.status == Status::Submitted {
                    return Err(Refusal::conflict(Code::LoginHandedIn, "试卷已提交，不能再次登录"));
                }
                let revoked = s.session.replace(session.clone());
                // A new login (another machine, a restart) stops the clock until identity is checked again.
                s.stop_clock(now);
                s.status = Status::AwaitingIdentity;
                s.device = device.clone();
                if let Some(face) = s.face.as_mut() {
                    face.new_login();
                }
                let detail = match device {
                    Some(d) => json!({"room": s.room, "seat": s.seat, "address": d.address, "agent": d.agent,
                                      "new_device": s.new_device()}),
                    None => json!({"room": s.room, "seat": s.seat}),
                };
                let mut change = Change::of(s).logged(EventKind::Login, detail);
                change.revoked = revoked;
                Ok(change)
            }
            Action::Approve { reason } => {
                if s.status != Status::AwaitingIdentity {
                    return Err(self.wrong("核验通过", now));
                }
                s.approved_device = s.device.clone();
                if s.started {
                    s.status = Status::Answering;
                    s.start_clock(now);
                } else {
                    s.status = Status::Ready;
                }
                Ok(Change::of(s)
                    .logged(EventKind::Approve, json!({"reason": optional(reason).unwrap_or("身份核验通过")})))
            }
            Action::Refuse { reason } => {
                if s.status != Status::AwaitingIdentity {
                    return Err(self.wrong("核验不通过", now));
                }
                let reason = required(reason, "核验不通过")?;
                let revoked = s.session.take();
                s.status = Status::NotLoggedIn;
                if let Some(face) = s.face.as_mut() {
                    face.refused();
                }
                let mut change = Change::of(s).logged(EventKind::IdentityRefuse, json!({"reason": reason}));
                change.revoked = revoked;
                Ok(change)
            }
            Action::Open { batch_start } => match s.status {
                Status::NotLoggedIn | Status::AwaitingIdentity => {
                    Err(Refusal::forbidden(Code::NotApproved, "身份尚未经监考员核验"))
                }
                Status::Paused => Err(Refusal::conflict(Code::Paused, "考试已被监考员暂停")),
                Status::Submitted => Err(Refusal::conflict(Code::Submitted, "试卷已提交")),
                Status::Ready if now < *batch_start => {
                    let wait = (batch_start - now + 999) / 1000;
                    Err(Refusal::forbidden(Code::NotStarted, format!("考试尚未开始，{wait} 秒后开始")))
                }
                Status::Ready => {
                    s.status = Status::Answering;
                    s.start_clock(now);
                    Ok(Change::of(s).logged(EventKind::Start, json!({})))
                }
                Status::Answering => Ok(Change::of(s)),
            },
            Action::Save { seq, replay, was_answered, answered } => {
                if *seq > MAX_SEQ {
                    return Err(Refusal::invalid(
                        Code::BadSeq,
                        format!("保存序号 {seq} 超出范围（最大 {MAX_SEQ}），答案未保存"),
                    ));
                }
                s.accepts_saves()?;
                if *seq <= s.last_seq {
                    // A replay of an acknowledged save is answered again; anything older is refused.
                    if *replay {
                        let mut change = Change::of(s);
                        change.replay = true;
                        return Ok(change);
                    }
                    return Err(Refusal::conflict(
                        Code::StaleSave,
                        format!("保存序号 {seq} 不大于已确认的序号 {}，本次未保存", s.last_seq),
                    ));
                }
                match (was_answered, answered) {
                    (false, true) => s.answered += 1,
                    (true, false) => s.answered = s.answered.saturating_sub(1),
                    _ => {}
                }
                s.last_seq = *seq;
                Ok(Change::of(s))
            }
            Action::Pause { reason } => {
                if s.status != Status::Answering {
                    return Err(self.wrong("暂停", now));
                }
                let reason = required(reason, "暂停")?;
                s.stop_clock(now);
                s.status = Status::Paused;
                Ok(Change::of(s).logged(EventKind::Pause, json!({"reason": reason})))
            }
            Action::Resume { reason } => {
                if s.status != Status::Paused {
                    return Err(self.wrong("恢复", now));
                }
                s.status = Status::Answering;
                s.start_clock(now);
                Ok(Change::of(s).logged(EventKind::Resume, json!({"reason": optional(reason).unwrap_or("恢复考试")})))
            }
            Action::Extend { minutes, reason, cap_ms } => {
                let minutes = minutes.filter(|m| (1..=MAX_EXTEND_MINUTES).contains(m)).ok_or_else(|| {
                    Refusal::invalid(Code::BadMinutes, format!("延时分钟数须在 1 到 {MAX_EXTEND_MINUTES} 之间"))
                })?;
                if s.status == Status::Submitted {
                    return Err(self.wrong("延时", now));
                }
                let reason = required(reason, "延时")?;
                s.extend(minutes * 60_000, *cap_ms)?;
                Ok(Change::of(s).logged(EventKind::Extend, json!({"minutes": minutes, "reason": reason})))
            }
            Action::CreditOffline { reason, cap_ms } => {
                if s.status == Status::Submitted {
                    return Err(self.wrong("补时", now));
                }
                let lost = s.offline_uncredited_ms();
                if lost == 0 {
                    return Err(Refusal::conflict(Code::NothingToCredit, "该考位没有未补的掉线时间"));
                }
                let minutes = (lost + 59_999) / 60_000;
                s.extend(minutes * 60_000, *cap_ms)?;
                s.offline_credited_ms = s.offline_ms;
                let reason = optional(reason).map_or_else(|| format!("补时：掉线 {minutes} 分钟"), str::to_string);
                let detail = json!({"minutes": minutes, "reason": reason, "offline_seconds": lost / 1000});
                Ok(Change::of(s).logged(EventKind::Extend, detail))
            }
            Action::Move { room, seat, reason } => {
                let room = place(room, "考场")?;
                let to = place(seat, "座位号")?;
                if s.status == Status::Submitted {
                    return Err(self.wrong("调座", now));
                }
                let reason = required(reason, "调座")?;
                let from = json!({"room": s.room, "seat": s.seat});
                s.stop_clock(now);
                s.room = room.clone();
                s.seat = to.clone();
                let revoked = s.session.take();
                s.status = Status::NotLoggedIn;
                let detail = json!({"from": from, "to": {"room": room, "seat": to}, "reason": reason});
                let mut change = Change::of(s).logged(EventKind::Move, detail);
                change.revoked = revoked;
                Ok(change)
            }
            Action::Violation { reason, category, outcome } => {
                let reason = required(reason, "记录违纪")?;
                let category = one_of(category, &VIOLATION_CATEGORIES, "其他", "违纪类别")?;
                let outcome = one_of(outcome, &VIOLATION_OUTCOMES, "警告", "处理结果")?;
                s.violations += 1;
                if outcome == CANCEL_RESULT {
                    s.cancelled = Some(format!("{category}：{reason}"));
                }
                let detail = json!({"reason": reason, "category": category, "outcome": outcome});
                Ok(Change::of(s).logged(EventKind::Violation, detail))
            }
            Action::HandIn => match s.status {
                Status::Submitted => Ok(Change::of(s)),
                Status::Answering | Status::Paused => Ok(s.hand_in(now, "考生交卷".into())),
                _ => Err(Refusal::forbidden(Code::NotStarted, "该考位的考试尚未开始")),
            },
            Action::ForceSubmit { reason } => {
                // A started candidate waiting for identity again (a re-login) can be handed in too.
                if s.status == Status::Submitted || !s.started {
                    return Err(self.wrong("强制交卷", now));
                }
                let reason = required(reason, "强制交卷")?;
                Ok(s.hand_in(now, format!("监考员强制交卷：{reason}")))
            }
            Action::Expire => {
                if !s.time_is_up(now) {
                    return Ok(Change::of(s));
                }
                Ok(s.hand_in(now, "考试时间到，自动交卷".into()))
            }
            Action::Flag { pos, on } => {
                if !matches!(s.status, Status::Answering | Status::Paused) {
                    return Err(s.accepts_saves().err().unwrap_or_else(|| self.wrong("标记", now)));
                }
                match (s.flagged.binary_search(pos), on) {
                    (Err(at), true) => s.flagged.insert(at, *pos),
                    (Ok(at), false) => {
                        s.flagged.remove(at);
                    }
                    _ => {}
                }
                Ok(Change::of(s))
            }
            Action::AcknowledgeRules { version } => {
                if matches!(s.status, Status::NotLoggedIn | Status::Submitted) {
                    return Err(self.wrong("确认考生须知", now));
                }
                if s.rules_acknowledged.is_some() {
                    return Ok(Change::of(s));
                }
                s.rules_acknowledged = Some(now);
                Ok(Change::of(s).logged(EventKind::RulesAcknowledged, json!({"rules": version})))
            }
            Action::Recover { last_alive } => {
                let Some(since) = s.running_since.take() else { return Ok(Change::of(s)) };
                let charged_until = (*last_alive).max(s.last_seen);
                s.used_ms += (charged_until - since).max(0);
                if s.status == Status::Answering {
                    s.status = Status::Paused;
                }
                let detail = json!({"reason": "服务器重启：停机时间不计入考试时间", "charged_until": charged_until});
                Ok(Change::of(s).logged(EventKind::Pause, detail))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seat(status: Status) -> SeatRecord {
        SeatRecord {
            ticket: "T1".into(),
            id_number: "X".into(),
            name: "张三".into(),
            organisation: "O".into(),
            room: "1".into(),
            seat: "1".into(),
            paper: 0,
            status,
            started: false,
            duration_ms: 60_000,
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
            id_type: default_id_type(),
            offline_ms: 0,
            offline_credited_ms: 0,
            device: None,
            approved_device: None,
            flagged: Vec::new(),
            rules_acknowledged: None,
            cancelled: None,
            planned_extra_ms: 0,
            review: None,
            under_sixteen: false,
            face: None,
        }
    }

    fn ok(s: &SeatRecord, a: Action, now: i64) -> SeatRecord {
        s.apply(&a, now).unwrap_or_else(|e| panic!("{a:?} refused: {e}")).seat
    }

    fn reason(r: &str) -> Option<String> {
        Some(r.to_string())
    }

    #[test]
    fn a_login_from_another_device_than_the_approved_one_is_flagged_and_none_after_hand_in() {
        let (a, b) = (Device::new("10.0.0.5", "Chrome"), Device::new("10.0.0.9", "Firefox"));
        let login = |s: &SeatRecord, d: &Device, now| {
            s.apply(&Action::Login { session: format!("h{now}"), device: Some(d.clone()) }, now).expect("login").seat
        };
        let s = login(&seat(Status::NotLoggedIn), &a, 0);
        assert!(!s.new_device(), "a first login has nothing to differ from");
        let s = ok(&s, Action::Approve { reason: None }, 1);
        let s = login(&s, &a, 2);
        assert!(!s.new_device(), "the approved machine again");
        let s = login(&s, &b, 3);
        assert!(s.new_device(), "another machine with the same ticket and number");
        let s = login(&s, &b, 4);
        assert!(s.new_device(), "a second login from it is still not the approved machine");
        let s = ok(&s, Action::Approve { reason: None }, 5);
        assert!(!s.new_device(), "approved after the proctor looked");
        let mut handed_in = s.clone();
        handed_in.status = Status::Submitted;
        let refused = handed_in.apply(&Action::Login { session: "h9".into(), device: None }, 9).expect_err("refused");
        assert_eq!(refused.code, Code::LoginHandedIn);
    }

    #[test]
    fn login_approval_and_opening_start_the_clock_once_the_batch_begins() {
        let s = seat(Status::NotLoggedIn);
        let change = s.apply(&Action::Login { session: "h1".into(), device: None }, 0).expect("login");
        assert_eq!((change.seat.status, change.revoked.clone()), (Status::AwaitingIdentity, None));
        let s = change.seat;
        assert_eq!(s.apply(&Action::Open { batch_start: 0 }, 0).expect_err("refused").code, Code::NotApproved);
        let s = ok(&s, Action::Approve { reason: None }, 0);
        assert_eq!(s.status, Status::Ready);
        let early = s.apply(&Action::Open { batch_start: 10_000 }, 1_000).expect_err("refused");
        assert_eq!((early.code, early.message.as_str()), (Code::NotStarted, "考试尚未开始，9 秒后开始"));
        let s = ok(&s, Action::Open { batch_start: 10_000 }, 10_000);
        assert_eq!((s.status, s.remaining_ms(40_000)), (Status::Answering, 30_000));
        // A second login stops the clock and voids the first session.
        let change = s.apply(&Action::Login { session: "h2".into(), device: None }, 20_000).expect("login");
        assert_eq!(change.revoked.as_deref(), Some("h1"));
        assert_eq!((change.seat.status, change.seat.remaining_ms(90_000)), (Status::AwaitingIdentity, 50_000));
        let s = ok(&change.seat, Action::Approve { reason: None }, 90_000);
        assert_eq!((s.status, s.remaining_ms(100_000)), (Status::Answering, 40_000), "approval resumes a started exam");
    }

    #[test]
    fn pauses_and_extensions_shape_the_remaining_time() {
        let s = ok(&seat(Status::Ready), Action::Open { batch_start: 0 }, 1_000);
        assert_eq!(s.remaining_ms(11_000), 50_000);
        assert_eq!(s.apply(&Action::Pause { reason: None }, 11_000).expect_err("refused").code, Code::ReasonRequired);
        let s = ok(&s, Action::Pause { reason: reason("如厕") }, 11_000);
        assert_eq!(s.remaining_ms(99_000), 50_000, "paused time is not charged");
        assert_eq!(
            s.apply(&Action::Pause { reason: reason("x") }, 99_000).expect_err("refused").code,
            Code::WrongStatus
        );
        assert_eq!(s.accepts_saves().expect_err("refused").code, Code::Paused);
        let cap_ms = 60_000;
        let s = ok(&s, Action::Extend { minutes: Some(1), reason: reason("设备故障"), cap_ms }, 99_000);
        for bad in [None, Some(0), Some(241)] {
            let e = s.apply(&Action::Extend { minutes: bad, reason: reason("x"), cap_ms }, 0).expect_err("refused");
            assert_eq!(e.code, Code::BadMinutes);
        }
        let capped = s.apply(&Action::Extend { minutes: Some(1), reason: reason("再补"), cap_ms }, 0).expect_err("cap");
        assert_eq!(capped.code, Code::ExtensionCap, "{}", capped.message);
        let s = ok(&s, Action::Resume { reason: None }, 99_000);
        assert_eq!(s.remaining_ms(109_000), 100_000);
        assert_eq!(s.remaining_ms(10_000_000), 0);
        assert!(s.time_is_up(10_000_000));
    }

    #[test]
    fn saves_need_a_rising_seq_and_replays_are_answered_again() {
        let s = ok(&seat(Status::Ready), Action::Open { batch_start: 0 }, 0);
        let save = |s: &SeatRecord, seq, replay, was, now| {
            s.apply(&Action::Save { seq, replay, was_answered: was, answered: true }, now)
        };
        let s = save(&s, 1, false, false, 0).expect("save").seat;
        assert_eq!((s.last_seq, s.answered), (1, 1));
        assert!(save(&s, 1, true, true, 0).expect("replay").replay);
        assert_eq!(save(&s, 1, false, true, 0).expect_err("refused").code, Code::StaleSave);
        let s = save(&s, 5, false, true, 0).expect("save").seat;
        assert_eq!((s.last_seq, s.answered), (5, 1), "a changed answer is still one answered position");
        let cleared = s.apply(&Action::Save { seq: 6, replay: false, was_answered: true, answered: false }, 0);
        assert_eq!(cleared.expect("clear").seat.answered, 0);
    }

    #[test]
    fn seq_beyond_what_a_page_can_count_is_refused() {
        let s = ok(&seat(Status::Ready), Action::Open { batch_start: 0 }, 0);
        for seq in [MAX_SEQ + 1, u64::MAX] {
            let e = s.apply(&Action::Save { seq, replay: false, was_answered: false, answered: true }, 0);
            assert_eq!(e.expect_err("refused").code, Code::BadSeq);
        }
        assert!(s.apply(&Action::Save { seq: MAX_SEQ, replay: false, was_answered: false, answered: true }, 0).is_ok());
    }

    #[test]
    fn a_silence_while_answering_is_a_recorded_disconnection_that_a_proctor_can_credit() {
        let s = ok(&seat(Status::Ready), Action::Open { batch_start: 0 }, 0);
        let quiet = s.apply(&Action::Heartbeat, 30_000).expect("beat");
        assert_eq!((quiet.disconnected, quiet.seat.offline_ms), (None, 0), "30 s is not yet a disconnection");
        let back = quiet.seat.apply(&Action::Heartbeat, 125_000).expect("beat");
        assert_eq!(back.disconnected, Some((30_000, 125_000)));
        assert_eq!(back.seat.offline_ms, 95_000);
        let cap_ms = 3_600_000;
        let e = seat(Status::Paused).apply(&Action::CreditOffline { reason: None, cap_ms }, 0).expect_err("nothing");
        assert_eq!(e.code, Code::NothingToCredit);
        let credited = back.seat.apply(&Action::CreditOffline { reason: None, cap_ms }, 130_000).expect("credit");
        assert_eq!(credited.seat.extra_ms, 120_000, "95 s lost, rounded up to 2 minutes");
        let (kind, detail) = credited.event.clone().expect("logged");
        assert_eq!((kind, detail["reason"].as_str()), (EventKind::Extend, Some("补时：掉线 2 分钟")));
        let again = credited.seat.apply(&Action::CreditOffline { reason: None, cap_ms }, 131_000).expect_err("done");
        assert_eq!(again.code, Code::NothingToCredit, "credited once");
        // A paused seat's silence costs nothing: no disconnection.
        let paused = ok(&s, Action::Pause { reason: reason("x") }, 1_000);
        assert_eq!(paused.apply(&Action::Heartbeat, 500_000).expect("beat").disconnected, None);
        // A seat silent when its time runs out lost that time too.
        let gone = s.apply(&Action::Expire, 60_000).expect("expire");
        assert_eq!(gone.disconnected, Some((0, 60_000)));
    }

    #[test]
    fn a_move_voids_the_session_and_asks_for_a_new_login() {
        let mut s = ok(&seat(Status::Ready), Action::Open { batch_start: 0 }, 0);
        s.session = Some("h".into());
        assert_eq!(
            s.apply(&Action::Move { room: None, seat: reason("2"), reason: reason("x") }, 0).expect_err("refused").code,
            Code::BadPlace
        );
        let change = s
            .apply(&Action::Move { room: reason("2"), seat: reason("07"), reason: reason("机器故障") }, 5_000)
            .expect("move");
        assert_eq!(change.revoked.as_deref(), Some("h"));
        assert_eq!(
            (change.seat.status, change.seat.room.as_str(), change.seat.seat.as_str()),
            (Status::NotLoggedIn, "2", "07")
        );
        assert_eq!(change.seat.remaining_ms(1_000_000), 55_000);
    }

    #[test]
    fn hand_in_by_candidate_proctor_or_time() {
        let s = ok(&seat(Status::Ready), Action::Open { batch_start: 0 }, 0);
        assert_eq!(s.apply(&Action::Expire, 59_999).expect("early").handed_in, None);
        let c = s.apply(&Action::Expire, 60_000).expect("expire");
        assert_eq!((c.seat.status, c.handed_in.as_deref()), (Status::Submitted, Some("考试时间到，自动交卷")));
        assert_eq!(s.apply(&Action::ForceSubmit { reason: None }, 0).expect_err("refused").code, Code::ReasonRequired);
        let c = s.apply(&Action::ForceSubmit { reason: reason("作弊") }, 0).expect("force");
        assert_eq!(c.handed_in.as_deref(), Some("监考员强制交卷：作弊"));
        let done = c.seat;
        assert_eq!(done.apply(&Action::HandIn, 0).expect("again").handed_in, None, "handing in twice is a no-op");
        assert_eq!(done.accepts_saves().expect_err("refused").code, Code::Submitted);
        assert_eq!(seat(Status::Ready).apply(&Action::HandIn, 0).expect_err("refused").code, Code::NotStarted);
    }

    #[test]
    fn recovery_charges_up_to_the_last_heartbeat_only() {
        let s = ok(&seat(Status::Ready), Action::Open { batch_start: 0 }, 0);
        let s = ok(&s, Action::Recover { last_alive: 20_000 }, 500_000);
        assert_eq!(s.status, Status::Paused);
        assert_eq!(s.remaining_ms(500_000), 40_000);
    }

    #[test]
    fn flags_are_kept_sorted_once_each_and_only_while_the_exam_runs() {
        let s = ok(&seat(Status::Ready), Action::Open { batch_start: 0 }, 0);
        let s = ok(&s, Action::Flag { pos: 7, on: true }, 1);
        let s = ok(&s, Action::Flag { pos: 2, on: true }, 2);
        let s = ok(&s, Action::Flag { pos: 7, on: true }, 3);
        assert_eq!(s.flagged, vec![2, 7]);
        let s = ok(&s, Action::Flag { pos: 2, on: false }, 4);
        let s = ok(&s, Action::Flag { pos: 9, on: false }, 5);
        assert_eq!(s.flagged, vec![7]);
        let c = s.apply(&Action::Flag { pos: 1, on: true }, 6).expect("flag");
        assert_eq!(c.event, None, "a flag is the candidate's note, not an exam event");
        let paused = ok(&s, Action::Pause { reason: reason("断电") }, 7);
        assert_eq!(ok(&paused, Action::Flag { pos: 1, on: true }, 8).flagged, vec![1, 7]);
        let refused = seat(Status::Ready).apply(&Action::Flag { pos: 1, on: true }, 0).expect_err("not started");
        assert_eq!(refused.code, Code::NotStarted);
        let done = ok(&s, Action::HandIn, 9);
        assert_eq!(done.apply(&Action::Flag { pos: 1, on: true }, 10).expect_err("handed in").code, Code::Submitted);
    }

    #[test]
    fn the_rules_are_acknowledged_once_and_logged_once() {
        let ack = || Action::AcknowledgeRules { version: "v1".into() };
        let waiting = seat(Status::AwaitingIdentity);
        let c = waiting.apply(&ack(), 5).expect("ack");
        assert_eq!(c.seat.rules_acknowledged, Some(5));
        assert_eq!(c.event, Some((EventKind::RulesAcknowledged, json!({"rules": "v1"}))));
        let again = c.seat.apply(&ack(), 9).expect("again");
        assert_eq!((again.seat.rules_acknowledged, again.event), (Some(5), None));
        assert_eq!(seat(Status::NotLoggedIn).apply(&ack(), 0).expect_err("no login").code, Code::WrongStatus);
        assert_eq!(seat(Status::Submitted).apply(&ack(), 0).expect_err("handed in").code, Code::WrongStatus);
    }

    #[test]
    fn a_violation_has_a_category_and_an_outcome_and_may_cancel_the_result() {
        let s = ok(&seat(Status::Ready), Action::Open { batch_start: 0 }, 0);
        let v = |category: Option<&str>, outcome: Option<&str>| Action::Violation {
            reason: reason("桌上有纸条"),
            category: category.map(str::to_string),
            outcome: outcome.map(str::to_string),
        };
        let c = s.apply(&v(None, None), 1).expect("defaults");
        assert_eq!(c.event.map(|e| e.1), Some(json!({"reason": "桌上有纸条", "category": "其他", "outcome": "警告"})));
        assert_eq!((c.seat.violations, c.seat.cancelled), (1, None));
        let c = s.apply(&v(Some("夹带"), Some("取消本次考试成绩")), 1).expect("cancel");
        assert_eq!(c.seat.cancelled.as_deref(), Some("夹带：桌上有纸条"));
        let e = s.apply(&v(Some("作弊"), None), 1).expect_err("unknown category");
        assert_eq!(e.code, Code::BadViolation);
        assert!(e.message.contains("违纪类别“作弊”无效"), "{}", e.message);
        assert_eq!(s.apply(&v(None, Some("开除")), 1).expect_err("unknown outcome").code, Code::BadViolation);
    }
}
