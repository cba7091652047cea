//! What the exam service refuses, and why. A [`Refusal`] is a rule saying
//! no: it carries a [`Kind`] (the HTTP crate turns it into a status code), a
//! stable machine [`Code`] for clients and scripts, and the message a person
//! reads. Anything else that goes wrong is an [`ExamError::Store`] or
//! [`ExamError::Internal`].

use crate::store::error::StoreError;

/// The family of a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// No valid session.
    Unauthorized,
    /// A valid session that may not do this.
    Forbidden,
    /// No such thing.
    NotFound,
    /// Does not fit the current state.
    Conflict,
    /// The request itself is wrong.
    Invalid,
    /// Too many attempts.
    TooMany,
}

macro_rules! codes {
    ($($variant:ident = $name:literal: $doc:literal,)*) => {
        /// Stable machine codes of refusals (documented in the README).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $(#[doc = $doc] $variant,)*
        }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as clients see it.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// What the code means.
            pub fn doc(self) -> &'static str {
                match self { $(Code::$variant => $doc,)* }
            }
        }
    };
}

codes! {
    Unauthorized = "auth.unauthorized": "no session, or the session has ended",
    WrongRole = "auth.role": "the session's role may not do this",
    StaffTokenAtSeat = "auth.staff_at_seat": "a staff session used on a seat endpoint",
    SeatTokenAtStaff = "auth.seat_at_staff": "a seat session used on a staff endpoint",
    SessionRevoked = "auth.revoked": "the staff session ended: logged out, or the account's role or password changed, or it was disabled",
    SeatSessionEnded = "auth.seat_ended": "the seat's session ended: the paper was handed in, or the exam day is over",
    NotOnBatch = "auth.not_on_batch": "the staff member is not assigned to this batch",
    StreamTicket = "auth.stream_ticket": "the event-stream ticket is unknown, used or expired: ask for a new one",
    TooManyStreams = "auth.too_many_streams": "this session holds the most event streams allowed (3)",
    LoginWrong = "login.wrong": "ticket and identity number, or user name and password, do not match",
    LoginTooMany = "login.too_many": "too many failed logins: this ticket or user from this address (locked 30 s, doubling to 15 min), or this address altogether (200 in 10 min)",
    LoginDisabled = "login.disabled": "the staff account is disabled",
    LoginHandedIn = "login.handed_in": "the paper was handed in: the seat cannot log in again",
    LoginPublished = "login.published": "results were published: a candidate who never started cannot sit any more",
    BatchNotFound = "batch.not_found": "no such batch",
    BatchInvalid = "batch.invalid": "a batch cannot be created as asked (id, roster, duration, bank, spec)",
    BatchExists = "batch.exists": "a batch with this id exists",
    PlanLate = "batch.plan_late": "strict mode: the start is past or inside the filing lead time (the earliest date is named)",
    PlanBreach = "batch.plan_breach": "strict mode: the plan breaks a filing rule — registered scope, rooms register, staff register, a candidate's declaration (each named)",
    BatchBusy = "batch.busy": "a batch cannot be closed while a candidate who started has not handed in",
    BatchClosed = "batch.closed": "the batch is closed: nothing more happens at its seats",
    RosterLocked = "roster.locked": "the roster changes only before the start, and only for a candidate who has not logged in",
    TicketInUse = "batch.ticket_in_use": "a roster ticket is already used by another batch in this data directory",
    NotInRoom = "auth.not_in_room": "a proctor acted on or watched a room they are not assigned to",
    SeatNotFound = "seat.not_found": "no such seat (ticket) in the batch",
    NoSuchRoom = "room.not_found": "no candidate is seated in that room",
    PaperNotFound = "paper.not_found": "the seat's paper is missing",
    NotApproved = "seat.not_approved": "identity not yet approved by a proctor",
    NotEligible = "login.not_eligible": "the candidate's eligibility review (资格审核) is not approved: rejected or pending",
    NotStarted = "seat.not_started": "the exam has not started (for this seat, or the batch start is ahead)",
    Paused = "seat.paused": "the seat is paused by a proctor",
    Submitted = "seat.submitted": "the paper has been handed in",
    TimeUp = "seat.time_up": "time is up: the paper was handed in",
    NotOnPaper = "save.position": "the position is not on the paper",
    BadResponse = "save.response": "the response does not fit the item",
    StaleSave = "save.stale": "the save's seq is not above the last acknowledged one",
    BadSeq = "save.seq": "the save's seq is above 2^53 − 1 (what a page can count exactly)",
    ReasonRequired = "action.reason_required": "the action needs a reason",
    WrongStatus = "action.wrong_status": "the action does not fit the seat's status",
    BadMinutes = "action.minutes": "an extension's minutes are out of range",
    ExtensionCap = "action.extension_cap": "the seat's extensions would exceed their cap (by default the paper's duration)",
    NothingToCredit = "action.nothing_to_credit": "the seat has no uncredited disconnection time",
    SeatTaken = "action.seat_taken": "a move onto a seat another candidate holds",
    BadPlace = "action.place": "a move needs a room and a seat",
    BadViolation = "action.violation": "a violation's category or outcome is not one of the list",
    UnknownAction = "action.unknown": "no such seat action",
    Recused = "marking.recused": "the marker must recuse from this response",
    ResponseNotFound = "marking.not_found": "no response with this code",
    MarkOutOfRange = "marking.out_of_range": "the score is outside 0 to the item's maximum",
    MarkGranularity = "marking.granularity": "the score is not a multiple of 0.5",
    MarkReasonRequired = "marking.reason_required": "an arbitration or a changed score needs a reason",
    AlreadyMarked = "marking.already_marked": "this marker has marked the response already",
    NotAwaitingMarks = "marking.not_awaiting_marks": "the response needs no further independent mark",
    NotAwaitingLeader = "marking.not_awaiting_leader": "the response is not waiting for the group leader",
    NotFinal = "marking.not_final": "only a final score can be rechecked",
    NotAssigned = "marking.not_assigned": "the response is not (or no longer) assigned to this marker: fetch the next one",
    RubricPoint = "marking.rubric_point": "a rubric point's score is out of range, or the points do not add up to the score",
    MarkingClosed = "marking.closed": "results are published (or final): marks change only for a response an appeal reopened",
    UnknownMarker = "marking.unknown_marker": "no marker by that user name",
    AlreadyPublished = "results.published": "the results are already published",
    PublishBlocked = "results.blocked": "publication is blocked (sitting seats, unmarked answers, due rechecks, totalling differences)",
    NotPublished = "results.not_published": "this needs the results to be published first",
    NoticeEnded = "results.final": "the public notice has ended: results are final",
    AppealReasonRequired = "appeal.reason_required": "an appeal needs a reason",
    UnknownExport = "export.unknown": "no such export file or format",
    OccupationInvalid = "occupation.invalid": "an occupation needs a code, a name and a level code",
    UploadReferenceRequired = "upload.reference_required": "an upload record needs the platform's reference",
    StaffInvalid = "staff.invalid": "a staff account cannot be added as asked",
    RegisterInvalid = "register.invalid": "a register file (organisation, scope, rooms, personnel) does not parse: the file and what is wrong are named",
    UnknownRegister = "register.unknown": "no such register",
    FindingInvalid = "supervision.invalid": "a supervision record needs a room, a category from the list and a finding; closing one needs what was done",
    FindingNotFound = "supervision.not_found": "no such supervision record",
    FindingClosed = "supervision.closed": "the supervision record is already closed (对账销号)",
    FacePhoto = "face.photo": "a photo or capture is not usable: not a JPEG or PNG, no face or several, the face too small or blurred (named), or over 1 MiB",
    FaceSettings = "face.settings": "face-check settings out of range: recheck minutes 0–240 (0: none), thresholds in (0, 2] with match ≤ mismatch",
    FaceTooSoon = "face.too_soon": "a capture within 10 s of the seat's last one: the page waits and sends it again",
    FaceNoKey = "face.no_key": "the server was started without the organisation's key: photos cannot be stored encrypted",
    FaceNotFound = "face.not_found": "the seat has no such photo or capture (none taken, or deleted after publication)",
    RequestInvalid = "request.invalid": "the request body is not the JSON the endpoint takes",
    RequestTooLarge = "request.too_large": "the request body is over the endpoint's limit: 128 KiB, a capture 1 MiB, an upload (bank, roster, photo zip) 256 MiB",
    RequestTimeout = "request.timeout": "the request took over 30 s (an upload: 10 min)",
    RequestNotFound = "request.not_found": "no such page or endpoint",
}

/// A rule said no.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    /// Family (status code).
    pub kind: Kind,
    /// Stable code.
    pub code: Code,
    /// What a person reads.
    pub message: String,
}

impl Refusal {
    /// A refusal of `kind`.
    pub fn new(kind: Kind, code: Code, message: impl Into<String>) -> Refusal {
        Refusal { kind, code, message: message.into() }
    }

    /// The request does not fit the current state.
    pub fn conflict(code: Code, message: impl Into<String>) -> Refusal {
        Refusal::new(Kind::Conflict, code, message)
    }

    /// The request itself is wrong.
    pub fn invalid(code: Code, message: impl Into<String>) -> Refusal {
        Refusal::new(Kind::Invalid, code, message)
    }

    /// Not allowed for this session.
    pub fn forbidden(code: Code, message: impl Into<String>) -> Refusal {
        Refusal::new(Kind::Forbidden, code, message)
    }

    /// No such thing.
    pub fn not_found(code: Code, message: impl Into<String>) -> Refusal {
        Refusal::new(Kind::NotFound, code, message)
    }

    /// No valid session.
    pub fn unauthorized() -> Refusal {
        Refusal::new(Kind::Unauthorized, Code::Unauthorized, "未登录，或登录已失效，请重新登录")
    }
}

/// Everything an exam-service operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ExamError {
    /// A rule refused.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something else broke on our side.
    #[error("{0}")]
    Internal(String),
}

impl ExamError {
    /// The refusal, if a rule refused.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            ExamError::Refused(r) => Some(r),
            _ => None,
        }
    }
}

impl From<kaoshi_engine::marking::MarkError> for Refusal {
    fn from(e: kaoshi_engine::marking::MarkError) -> Refusal {
        use kaoshi_engine::marking::MarkError as M;
        let code = match &e {
            M::OutOfRange { .. } => Code::MarkOutOfRange,
            M::Granularity(_) => Code::MarkGranularity,
            M::ReasonRequired => Code::MarkReasonRequired,
            M::AlreadyMarked(_) => Code::AlreadyMarked,
            M::NotAwaitingMarks => Code::NotAwaitingMarks,
            M::NotAwaitingLeader => Code::NotAwaitingLeader,
            M::NotFinal => Code::NotFinal,
        };
        let kind = match &e {
            M::OutOfRange { .. } | M::Granularity(_) | M::ReasonRequired => Kind::Invalid,
            _ => Kind::Conflict,
        };
        let message = match &e {
            M::OutOfRange { score, max } => format!("分数 {score} 不在 0–{max} 之间"),
            M::Granularity(score) => format!("分数 {score} 不是 0.5 的倍数"),
            M::ReasonRequired => "仲裁或改分需要填写理由".to_string(),
            M::AlreadyMarked(who) => format!("{who} 已评过这份答卷"),
            M::NotAwaitingMarks => "这份答卷不再需要独立评分".to_string(),
            M::NotAwaitingLeader => "这份答卷不在等待组长仲裁".to_string(),
            M::NotFinal => "只有已有最终得分的答卷才能复核".to_string(),
        };
        Refusal::new(kind, code, message)
    }
}

impl From<kaoshi_engine::marking::MarkError> for ExamError {
    fn from(e: kaoshi_engine::marking::MarkError) -> ExamError {
        ExamError::Refused(e.into())
    }
}

/// Result of an exam-service operation.
pub type Result<T, E = ExamError> = std::result::Result<T, E>;
