//! Staff login and the proctor console API: the live seat list and the
//! actions on a seat. Every action is on the event log with who and why.

use crate::auth::{AnyStaff, Proctors, Roles, RoomRecorders, Staff, Watchers};
use crate::error::{optional_json, ApiResult, AppError, Body};
use crate::state::AppState;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use kaoshi_exam::error::{Code, Kind, Refusal};
use kaoshi_exam::seat::{Action, SeatRecord};
use kaoshi_exam::staff::token_hash;
use kaoshi_exam::staff::Role;
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::net::SocketAddr;

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
    let (token, staff) = exam.staff_login(&body.user, &body.password, peer.ip()).await?;
    Ok(Json(LoginAnswer { token, role: staff.role, user: staff.user }))
}

/// `POST /api/staff/logout`: ends the caller's session.
pub async fn logout(State(exam): State<AppState>, headers: HeaderMap) -> ApiResult<Json<serde_json::Value>> {
    if let Some(token) = crate::auth::bearer_of(&headers) {
        exam.staff_logout(token).await?;
    }
    Ok(Json(serde_json::json!({"logged_out": true})))
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
    closed: Option<i64>,
}

/// `GET /api/proctor/batches`: the batches the caller works on, open and
/// closed (markers mark after a batch closes).
pub async fn batches(State(exam): State<AppState>, who: Staff<AnyStaff>) -> ApiResult<Json<Vec<BatchBody>>> {
    Ok(Json(
        exam.store()
            .batches()
            .map_err(kaoshi_exam::ExamError::from)?
            .into_iter()
            .filter(|b| who.works_on(&b.id))
            .map(|x| BatchBody {
                id: x.id,
                name: x.name,
                start: x.start,
                candidates: x.candidates,
                bank: x.bank_id,
                title: x.spec.title,
                duration_seconds: x.duration_seconds,
                closed: x.closed,
            })
            .collect(),
    ))
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
    planned_extra_seconds: i64,
    device_address: Option<String>,
    device_browser: Option<String>,
    new_device: bool,
    login_failures: u32,
    login_locked_seconds: i64,
    cancelled: Option<String>,
    /// 资格审核未通过 / 资格待审: the candidate cannot log in.
    not_eligible: Option<&'static str>,
    /// Face checks (人脸识别): consent, the latest capture's verdict, an alert.
    face: Option<kaoshi_exam::face::FaceState>,
}

impl SeatView {
    fn of(seat: &SeatRecord, total: usize, now: i64, lock: (u32, i64)) -> SeatView {
        SeatView::shown(seat, total, now, lock, true)
    }

    /// The seat as `who` may see it: face checks only for a batch's proctors,
    /// supervisors and admins (auditors watch the grid without them).
    fn shown(seat: &SeatRecord, total: usize, now: i64, lock: (u32, i64), face: bool) -> SeatView {
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
            planned_extra_seconds: seat.planned_extra_ms / 1000,
            device_address: seat.device.as_ref().map(|d| d.address.clone()),
            device_browser: seat.device.as_ref().map(|d| crate::agent::describe(&d.agent)),
            new_device: seat.new_device(),
            login_failures: lock.0,
            login_locked_seconds: (lock.1.max(0) + 999) / 1000,
            cancelled: seat.cancelled.clone(),
            not_eligible: seat.not_eligible(),
            face: seat.face.clone().filter(|_| face),
        }
    }
}

/// Whether a role sees face checks (see [`crate::auth::FaceViewers`]).
fn sees_faces(role: kaoshi_exam::staff::Role) -> bool {
    use crate::auth::Roles;
    crate::auth::FaceViewers::ROLES.contains(&role)
}

fn seat_views(exam: &AppState, id: &str, rooms: &[String], face: bool) -> ApiResult<Vec<SeatView>> {
    let (batch, seats) = exam.seats(id)?;
    let now = exam.now();
    let total = batch.batch.spec.item_count();
    Ok(seats
        .iter()
        .filter(|s| in_rooms(rooms, &s.room))
        .map(|s| SeatView::shown(s, total, now, exam.login_lock(&s.ticket), face))
        .collect())
}

/// Whether `room` is among `rooms` (empty: every room).
fn in_rooms(rooms: &[String], room: &str) -> bool {
    rooms.is_empty() || rooms.iter().any(|r| r == room)
}

/// `GET /api/proctor/batches/{id}/seats`: the seats of the caller's rooms
/// (every seat for the chief proctor, admins and auditors).
pub async fn seats(
    State(exam): State<AppState>,
    who: Staff<Watchers>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<SeatView>>> {
    Ok(Json(seat_views(&exam, &id, who.rooms(), sees_faces(who.role))?))
}

/// `POST /api/proctor/batches/{id}/stream-ticket`: a single-use ticket that
/// opens the batch's event stream within 30 s (`EventSource` cannot send an
/// `Authorization` header, and a bearer token does not belong in a URL).
pub async fn stream_ticket(
    State(app): State<AppState>,
    _: Staff<Watchers>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<serde_json::Value>> {
    app.batch(&id)?;
    let token = crate::auth::bearer_of(&headers).unwrap_or_default();
    let ticket = app.streams.issue(token, &id);
    Ok(Json(serde_json::json!({"ticket": ticket, "expires_in_seconds": crate::stream::TICKET_TTL.as_secs()})))
}

/// `?ticket=` of the stream.
#[derive(Deserialize)]
pub struct StreamQuery {
    ticket: Option<String>,
}

/// `GET /api/proctor/batches/{id}/stream?ticket=…` (or with the bearer
/// token in the header): server-sent events, one `seats` event with every
/// seat first, then the seats that changed, each second. The stream ends
/// when the session does.
pub async fn stream(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<StreamQuery>,
    headers: HeaderMap,
) -> ApiResult<axum::response::Response> {
    let token = match (crate::auth::bearer_of(&headers), query.ticket) {
        (Some(token), _) => token.to_string(),
        (None, Some(ticket)) => app.streams.redeem(&ticket, &id).ok_or_else(|| {
            Refusal::new(Kind::Unauthorized, Code::StreamTicket, "实时画面的凭据无效或已过期，请刷新页面")
        })?,
        (None, None) => return Err(Refusal::unauthorized().into()),
    };
    let batch = id.clone();
    let allowed = move |app: &AppState, token: &str| -> Result<(Vec<String>, bool), AppError> {
        let who = app.staff_session(Some(token), Watchers::ROLES)?;
        if !who.works_on(&batch) {
            return Err(Refusal::forbidden(Code::NotOnBatch, format!("你没有被安排参与批次 {batch} 的工作")).into());
        }
        Ok((who.watched_rooms().to_vec(), sees_faces(who.role)))
    };
    let (rooms, face) = allowed(&app, &token)?;
    app.batch(&id)?;
    let slot = app.streams.hold(&token_hash(&token)).ok_or_else(|| {
        Refusal::new(Kind::TooMany, Code::TooManyStreams, "同一登录打开的实时画面过多（最多 3 个），请关闭其他窗口")
    })?;
    // One feed per batch, set of rooms and sight of faces: proctors of a room share theirs.
    let feed = {
        let (exam, id, key) = (app.exam().clone(), id.clone(), format!("{id}\n{face}\n{}", rooms.join("\n")));
        app.streams.feed(&key, move || snapshot(&exam, &id, &rooms, face))
    };
    let state = (app, token, feed, None, slot);
    let events = futures_util::stream::unfold(state, move |(app, token, mut feed, mut sent, slot)| {
        let allowed = allowed.clone();
        async move {
            loop {
                if sent.is_some() && feed.changed().await.is_err() {
                    return None;
                }
                // A logout, a changed account or an expired session ends the stream.
                allowed(&app, &token).ok()?;
                let snapshot = feed.borrow_and_update().clone();
                let Some(event) = snapshot.for_stream(sent) else { continue };
                sent = Some(snapshot.version);
                return Some((Ok::<_, Infallible>(event), (app, token, feed, sent, slot)));
            }
        }
    });
    // The feed's events are framed once per tick and shared by every
    // stream (a reference count, not a copy); the feed ticks each second,
    // so an empty event doubles as the keep-alive.
    axum::response::Response::builder()
        .header(axum::http::header::CONTENT_TYPE, "text/event-stream")
        .body(axum::body::Body::from_stream(events))
        .map_err(|e| AppError::from(kaoshi_exam::ExamError::Internal(format!("stream: {e}"))))
}

/// Every seat of a batch as the stream sends it.
fn snapshot(exam: &kaoshi_exam::Exam, id: &str, rooms: &[String], face: bool) -> crate::stream::Seats {
    let Ok((batch, seats)) = exam.seats(id) else { return Vec::new() };
    let (now, total) = (exam.now(), batch.batch.spec.item_count());
    seats
        .iter()
        .filter(|s| in_rooms(rooms, &s.room))
        .map(|s| {
            let mut view = SeatView::shown(s, total, now, exam.login_lock(&s.ticket), face);
            let json = serde_json::to_string(&view).unwrap_or_else(|_| "{}".into());
            // A running clock changes `remaining_seconds` every second while
            // its end stays put: compare the end, so that a seat is sent
            // again when something happened to it, not because time passed
            // (the page counts down itself).
            if s.running_since.is_some() {
                view.remaining_seconds = -(now + s.remaining_ms(now));
            }
            let key = serde_json::to_string(&view).unwrap_or_default();
            (s.ticket.clone(), key, json)
        })
        .collect()
}

/// Body of a seat action.
#[derive(Deserialize, Default)]
pub struct ActionBody {
    reason: Option<String>,
    minutes: Option<i64>,
    room: Option<String>,
    seat: Option<String>,
    category: Option<String>,
    outcome: Option<String>,
}

fn action_of(name: &str, body: ActionBody) -> Result<Action, Refusal> {
    let reason = body.reason;
    Ok(match name {
        "approve" => Action::Approve { reason },
        "refuse" => Action::Refuse { reason },
        "pause" => Action::Pause { reason },
        "resume" => Action::Resume { reason },
        "extend" => Action::Extend { minutes: body.minutes, reason, cap_ms: 0 },
        "credit_offline" => Action::CreditOffline { reason, cap_ms: 0 },
        "move" => Action::Move { room: body.room, seat: body.seat, reason },
        "violation" => Action::Violation { reason, category: body.category, outcome: body.outcome },
        "submit" => Action::ForceSubmit { reason },
        other => return Err(Refusal::not_found(Code::UnknownAction, format!("没有“{other}”这项操作"))),
    })
}

/// `POST /api/proctor/batches/{id}/seats/{ticket}/{action}`: approve, refuse
/// (identity not confirmed: the login is void), pause, resume, extend,
/// credit_offline, move, violation, submit, unlock (clears the seat's login
/// locks), face_review (a face-check alert looked at).
pub async fn action(
    State(exam): State<AppState>,
    who: Staff<Proctors>,
    Path((id, ticket, name)): Path<(String, String, String)>,
    body: axum::body::Bytes,
) -> ApiResult<Json<SeatView>> {
    let body: ActionBody = optional_json(&body)?;
    who.in_room(&exam.seat(&id, &ticket)?.room)?;
    if name == "face_review" {
        exam.face_review(&id, &ticket, &who.user, body.reason.as_deref()).await?;
        let (batch, seat) = (exam.batch(&id)?, exam.seat(&id, &ticket)?);
        return Ok(Json(SeatView::of(&seat, batch.batch.spec.item_count(), exam.now(), exam.login_lock(&ticket))));
    }
    if name == "unlock" {
        exam.unlock_seat_login(&id, &ticket, &who.user, body.reason.as_deref()).await?;
        let (batch, seat) = (exam.batch(&id)?, exam.seat(&id, &ticket)?);
        return Ok(Json(SeatView::of(&seat, batch.batch.spec.item_count(), exam.now(), exam.login_lock(&ticket))));
    }
    if let Some(room) = body.room.as_deref().filter(|_| name == "move") {
        who.in_room(room.trim())?;
    }
    let action = action_of(&name, body)?;
    let (batch, seat) = exam.seat_action(&id, &ticket, action, &who.user).await?;
    Ok(Json(SeatView::of(&seat, batch.batch.spec.item_count(), exam.now(), exam.login_lock(&seat.ticket))))
}

/// `GET /api/proctor/batches/{id}/seats/{ticket}/history`: what happened to
/// one seat — logins, approvals, pauses, extensions, moves, violations with
/// their reasons, disconnections, hand-in — with times and who.
pub async fn history(
    State(exam): State<AppState>,
    who: Staff<Watchers>,
    Path((id, ticket)): Path<(String, String)>,
) -> ApiResult<Json<Vec<kaoshi_exam::room_record::Incident>>> {
    who.in_room(&exam.seat(&id, &ticket)?.room)?;
    Ok(Json(exam.seat_history(&id, &ticket)?))
}

/// Body of `POST …/room-record`.
#[derive(Deserialize)]
pub struct RoomBody {
    room: String,
}

/// `POST /api/proctor/batches/{id}/room-record` `{"room": R}`: the room
/// record (考场记录) to print and sign, with the head of the event chain it
/// was logged at.
pub async fn room_record(
    State(exam): State<AppState>,
    who: Staff<RoomRecorders>,
    Path(id): Path<String>,
    Body(body): Body<RoomBody>,
) -> ApiResult<Json<kaoshi_exam::service::RoomSheet>> {
    who.in_room(body.room.trim())?;
    Ok(Json(exam.room_record(&id, &body.room, &who.user).await?))
}
