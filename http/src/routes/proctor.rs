//! Staff login and the proctor console API: the live seat list and the
//! actions on a seat. Every action is on the event log with who and why.

use crate::auth::{AnyStaff, Proctors, Staff, StreamStaff};
use crate::error::{optional_json, ApiResult, Body};
use crate::state::AppState;
use axum::extract::{ConnectInfo, Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use kaoshi_exam::error::{Code, Refusal};
use kaoshi_exam::seat::{Action, SeatRecord};
use kaoshi_exam::staff::Role;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

/// `POST /api/staff/login` body.
#[derive(Deserialize)]
pub struct LoginBody {
    user: String,
    password: String,
}

/// A staff login's answer.
#[derive(Serialize)]
pub struct LoginAnswer {
    token: String,
    role: Role,
    user: String,
}

/// `POST /api/staff/login`.
pub async fn login(
    State(exam): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Body(body): Body<LoginBody>,
) -> ApiResult<Json<LoginAnswer>> {
    let (token, staff) = exam.staff_login(&body.user, &body.password, &peer.ip().to_string()).await?;
    Ok(Json(LoginAnswer { token, role: staff.role, user: staff.user }))
}

/// A batch in the list.
#[derive(Serialize)]
pub struct BatchBody {
    id: String,
    name: String,
    start: i64,
    candidates: usize,
    bank: String,
    title: String,
    duration_seconds: i64,
}

/// `GET /api/proctor/batches`.
pub async fn batches(State(exam): State<AppState>, _: Staff<AnyStaff>) -> Json<Vec<BatchBody>> {
    Json(
        exam.batches()
            .iter()
            .map(|b| {
                let x = &b.batch;
                BatchBody {
                    id: x.id.clone(),
                    name: x.name.clone(),
                    start: x.start,
                    candidates: x.candidates,
                    bank: x.bank_id.clone(),
                    title: x.spec.title.clone(),
                    duration_seconds: x.duration_seconds,
                }
            })
            .collect(),
    )
}

/// A seat as the proctor sees it.
#[derive(Serialize, Clone, PartialEq)]
pub struct SeatView {
    ticket: String,
    name: String,
    organisation: String,
    room: String,
    seat: String,
    status: &'static str,
    answered: u32,
    total: usize,
    remaining_seconds: i64,
    violations: u32,
    last_seq: u64,
    score: Option<f64>,
    offline_seconds: i64,
    offline_uncredited_seconds: i64,
    extra_seconds: i64,
}

impl SeatView {
    fn of(seat: &SeatRecord, total: usize, now: i64) -> SeatView {
        SeatView {
            ticket: seat.ticket.clone(),
            name: seat.name.clone(),
            organisation: seat.organisation.clone(),
            room: seat.room.clone(),
            seat: seat.seat.clone(),
            status: seat.shown_status(now),
            answered: seat.answered,
            total,
            remaining_seconds: seat.remaining_seconds(now),
            violations: seat.violations,
            last_seq: seat.last_seq,
            score: seat.result.as_ref().map(|r| r.score),
            offline_seconds: seat.offline_ms / 1000,
            offline_uncredited_seconds: seat.offline_uncredited_ms() / 1000,
            extra_seconds: seat.extra_ms / 1000,
        }
    }
}

fn seat_views(exam: &AppState, id: &str) -> ApiResult<Vec<SeatView>> {
    let (batch, seats) = exam.seats(id)?;
    let now = exam.now();
    let total = batch.batch.spec.item_count();
    Ok(seats.iter().map(|s| SeatView::of(s, total, now)).collect())
}

/// `GET /api/proctor/batches/{id}/seats`.
pub async fn seats(
    State(exam): State<AppState>,
    _: Staff<Proctors>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<SeatView>>> {
    Ok(Json(seat_views(&exam, &id)?))
}

/// `GET /api/proctor/batches/{id}/stream`: server-sent events, one `seats`
/// event with every seat first, then the seats that changed, each second.
pub async fn stream(
    State(exam): State<AppState>,
    _: StreamStaff<Proctors>,
    Path(id): Path<String>,
) -> ApiResult<Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>>> {
    exam.batch(&id)?;
    let state: (AppState, String, HashMap<String, SeatView>, bool) = (exam, id, HashMap::new(), true);
    let s = futures_util::stream::unfold(state, |(exam, id, mut last, first)| async move {
        if !first {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let views = seat_views(&exam, &id).unwrap_or_default();
        let changed: Vec<SeatView> = views
            .into_iter()
            .filter(|v| {
                let differs = last.get(&v.ticket) != Some(v);
                if differs {
                    last.insert(v.ticket.clone(), v.clone());
                }
                differs
            })
            .collect();
        let data = serde_json::to_string(&changed).unwrap_or_else(|_| "[]".into());
        let event = Event::default().event("seats").data(data);
        Some((Ok(event), (exam, id, last, false)))
    });
    Ok(Sse::new(s).keep_alive(KeepAlive::default()))
}

/// Body of a seat action.
#[derive(Deserialize, Default)]
pub struct ActionBody {
    reason: Option<String>,
    minutes: Option<i64>,
    room: Option<String>,
    seat: Option<String>,
}

fn action_of(name: &str, body: ActionBody) -> Result<Action, Refusal> {
    let reason = body.reason;
    Ok(match name {
        "approve" => Action::Approve { reason },
        "pause" => Action::Pause { reason },
        "resume" => Action::Resume { reason },
        "extend" => Action::Extend { minutes: body.minutes, reason, cap_ms: 0 },
        "credit_offline" => Action::CreditOffline { reason, cap_ms: 0 },
        "move" => Action::Move { room: body.room, seat: body.seat, reason },
        "violation" => Action::Violation { reason },
        "submit" => Action::ForceSubmit { reason },
        other => return Err(Refusal::not_found(Code::UnknownAction, format!("没有“{other}”这项操作"))),
    })
}

/// `POST /api/proctor/batches/{id}/seats/{ticket}/{action}`: approve, pause,
/// resume, extend, move, violation, submit.
pub async fn action(
    State(exam): State<AppState>,
    who: Staff<Proctors>,
    Path((id, ticket, name)): Path<(String, String, String)>,
    body: axum::body::Bytes,
) -> ApiResult<Json<SeatView>> {
    let action = action_of(&name, optional_json(&body)?)?;
    let (batch, seat) = exam.seat_action(&id, &ticket, action, &who.user).await?;
    Ok(Json(SeatView::of(&seat, batch.batch.spec.item_count(), exam.now())))
}
