//! The seat API: what a candidate's machine calls. A seat token reaches only
//! its own seat: there is no parameter that names another candidate.

use crate::auth::Candidate;
use crate::error::{ApiResult, Body};
use crate::state::AppState;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::header::USER_AGENT;
use axum::http::HeaderMap;
use axum::Json;
use kaoshi_engine::bank::ItemBody;
use kaoshi_exam::batch::LoadedBatch;
use kaoshi_exam::seat::{Device, SeatRecord, Status};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

/// `POST /api/seat/login` body.
#[derive(Debug, Deserialize)]
pub struct LoginBody {
    /// Ticket number.
    pub ticket: String,
    /// Identity document number.
    pub id_number: String,
}

/// `PUT /api/seat/answers/{pos}` body.
#[derive(Debug, Deserialize)]
pub struct SaveBody {
    /// The response (displayed letters or text); `None` clears.
    pub response: Option<String>,
    /// The seat's sequence number.
    pub seq: u64,
}

/// A seat's status.
#[derive(Serialize)]
pub struct StatusBody {
    status: Status,
    remaining_seconds: i64,
    ticket: String,
    name: String,
    room: String,
    seat: String,
    batch: String,
    batch_name: String,
    title: String,
    duration_seconds: i64,
    answered: u32,
    starts_in_seconds: i64,
    starts_at: i64,
    rules_acknowledged: bool,
}

impl StatusBody {
    fn of(batch: &LoadedBatch, seat: &SeatRecord, now: i64) -> StatusBody {
        StatusBody {
            status: seat.status,
            remaining_seconds: seat.remaining_seconds(now),
            ticket: seat.ticket.clone(),
            name: seat.name.clone(),
            room: seat.room.clone(),
            seat: seat.seat.clone(),
            batch: batch.batch.id.clone(),
            batch_name: batch.batch.name.clone(),
            title: batch.batch.spec.title.clone(),
            duration_seconds: seat.duration_ms / 1000,
            answered: seat.answered,
            starts_in_seconds: ((batch.batch.start - now).max(0) + 999) / 1000,
            starts_at: batch.batch.start,
            rules_acknowledged: seat.rules_acknowledged.is_some(),
        }
    }
}

/// The login answer: the status and the seat's token.
#[derive(Serialize)]
pub struct LoginAnswer {
    #[serde(flatten)]
    status: StatusBody,
    token: String,
}

/// `POST /api/seat/login`: the device (address and browser) is recorded for
/// the proctor's approval card.
pub async fn login(
    State(exam): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Body(body): Body<LoginBody>,
) -> ApiResult<Json<LoginAnswer>> {
    let agent = headers.get(USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let device = Device::new(&peer.ip().to_string(), agent);
    let (batch, seat, token) = exam.seat_login(&body.ticket, &body.id_number, &device).await?;
    Ok(Json(LoginAnswer { status: StatusBody::of(&batch, &seat, exam.now()), token }))
}

/// `GET /api/seat/status`.
pub async fn status(State(exam): State<AppState>, me: Candidate) -> ApiResult<Json<StatusBody>> {
    let seat = exam.seat_status(&me.batch, &me.ticket).await?;
    Ok(Json(StatusBody::of(&me.batch, &seat, exam.now())))
}

/// A section heading of the paper.
#[derive(Serialize)]
pub struct SectionBody {
    #[serde(rename = "type")]
    item_type: &'static str,
    name: &'static str,
    count: u32,
    score: f64,
}

/// One item as the candidate sees it: no key, no id, options in their order.
#[derive(Serialize)]
pub struct ItemBodyOut {
    pos: usize,
    section: u16,
    #[serde(rename = "type")]
    item_type: &'static str,
    stem: String,
    options: Vec<String>,
    score: f64,
}

/// The paper.
#[derive(Serialize)]
pub struct PaperBody {
    title: String,
    total_score: f64,
    duration_seconds: i64,
    remaining_seconds: i64,
    sections: Vec<SectionBody>,
    items: Vec<ItemBodyOut>,
}

/// `GET /api/seat/paper`: stems and options in the candidate's order, never keys.
pub async fn paper(State(exam): State<AppState>, me: Candidate) -> ApiResult<Json<PaperBody>> {
    let seat = exam.open_paper(&me.batch, &me.ticket).await?;
    let paper = me.batch.paper_of(&seat)?;
    let bank = &me.batch.source.bank;
    let spec = &me.batch.batch.spec;
    let items = paper
        .items
        .iter()
        .enumerate()
        .map(|(pos, it)| {
            let item = &bank.items[it.item as usize];
            let options = match &item.body {
                ItemBody::Single { options, .. } | ItemBody::Multiple { options, .. } => {
                    it.option_order.as_slice().iter().map(|&o| options[usize::from(o)].clone()).collect()
                }
                _ => Vec::new(),
            };
            ItemBodyOut {
                pos,
                section: it.section,
                item_type: item.item_type().code(),
                stem: item.stem.clone(),
                options,
                score: spec.sections[usize::from(it.section)].score,
            }
        })
        .collect();
    let sections = spec
        .sections
        .iter()
        .map(|s| SectionBody {
            item_type: s.item_type.code(),
            name: s.item_type.name_zh(),
            count: s.count,
            score: s.score,
        })
        .collect();
    Ok(Json(PaperBody {
        title: spec.title.clone(),
        total_score: spec.total_score,
        duration_seconds: seat.duration_ms / 1000,
        remaining_seconds: seat.remaining_seconds(exam.now()),
        sections,
        items,
    }))
}

/// A saved answer.
#[derive(Serialize)]
pub struct AnswerOut {
    pos: usize,
    response: Option<String>,
    seq: u64,
    at: i64,
}

/// The seat's saved answers.
#[derive(Serialize)]
pub struct AnswersBody {
    answers: Vec<AnswerOut>,
    last_seq: u64,
    status: Status,
    remaining_seconds: i64,
    flagged: Vec<u32>,
}

/// `GET /api/seat/answers`.
pub async fn answers(State(exam): State<AppState>, me: Candidate) -> ApiResult<Json<AnswersBody>> {
    let (seat, saved) = exam.saved_answers(&me.batch, &me.ticket)?;
    let answers =
        saved.into_iter().map(|(pos, a)| AnswerOut { pos, response: a.response, seq: a.seq, at: a.at }).collect();
    Ok(Json(AnswersBody {
        answers,
        last_seq: seat.last_seq,
        status: seat.status,
        remaining_seconds: seat.remaining_seconds(exam.now()),
        flagged: seat.flagged,
    }))
}

/// `PUT /api/seat/flags/{pos}` body.
#[derive(Debug, Deserialize)]
pub struct FlagBody {
    /// Flagged for review after the call.
    pub flagged: bool,
}

/// The positions flagged after a flag call.
#[derive(Serialize)]
pub struct FlagsBody {
    pos: usize,
    flagged: Vec<u32>,
}

/// `PUT /api/seat/flags/{pos}`: flags are kept with the answers, so a login
/// on another machine keeps them; 200 once durable.
pub async fn flag(
    State(exam): State<AppState>,
    me: Candidate,
    Path(pos): Path<usize>,
    Body(body): Body<FlagBody>,
) -> ApiResult<Json<FlagsBody>> {
    let seat = exam.flag(&me.batch, &me.ticket, pos, body.flagged).await?;
    Ok(Json(FlagsBody { pos, flagged: seat.flagged }))
}

/// The exam rules and their version.
#[derive(Serialize)]
pub struct RulesBody {
    version: String,
    rules: &'static [&'static str],
    acknowledged: bool,
}

/// `GET /api/seat/rules`: the exam rules (考生须知) the seat shows before the paper.
pub async fn rules(State(exam): State<AppState>, me: Candidate) -> ApiResult<Json<RulesBody>> {
    let seat = exam.seat(&me.batch.batch.id, &me.ticket)?;
    Ok(Json(RulesBody {
        version: kaoshi_exam::rules::version(),
        rules: &kaoshi_exam::rules::EXAM_RULES,
        acknowledged: seat.rules_acknowledged.is_some(),
    }))
}

/// `POST /api/seat/rules`: the candidate acknowledges the rules; logged once
/// as `rules_acknowledged` with the version shown.
pub async fn acknowledge_rules(State(exam): State<AppState>, me: Candidate) -> ApiResult<Json<StatusBody>> {
    let seat = exam.acknowledge_rules(&me.batch, &me.ticket).await?;
    Ok(Json(StatusBody::of(&me.batch, &seat, exam.now())))
}

/// A save's acknowledgement.
#[derive(Serialize)]
pub struct SavedBody {
    pos: usize,
    seq: u64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    replay: bool,
    remaining_seconds: i64,
}

/// `PUT /api/seat/answers/{pos}`: 200 only once the save is on disk.
pub async fn save(
    State(exam): State<AppState>,
    me: Candidate,
    Path(pos): Path<usize>,
    Body(body): Body<SaveBody>,
) -> ApiResult<Json<SavedBody>> {
    let saved = exam.save_answer(&me.batch, &me.ticket, pos, body.response, body.seq).await?;
    Ok(Json(SavedBody {
        pos,
        seq: body.seq,
        replay: saved.replay,
        remaining_seconds: saved.seat.remaining_seconds(saved.at),
    }))
}

/// After a hand-in.
#[derive(Serialize)]
pub struct SubmitBody {
    status: Status,
    answered: u32,
}

/// `POST /api/seat/submit`.
pub async fn submit(State(exam): State<AppState>, me: Candidate) -> ApiResult<Json<SubmitBody>> {
    let seat = exam.hand_in(&me.batch, &me.ticket).await?;
    Ok(Json(SubmitBody { status: seat.status, answered: seat.answered }))
}
