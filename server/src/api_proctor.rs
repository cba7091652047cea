//! Staff login and the proctor console API: the live seat list and the
//! actions on a seat. Every action is on the event log with who and why.

use crate::app::{now_ms, AppState};
use crate::auth::{self, Session, Staff};
use crate::error::AppError;
use crate::seat::{SeatRecord, Status};
use crate::store::tree;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

const STAFF_SESSION_MS: i64 = 12 * 3600 * 1000;

/// Staff login body.
#[derive(Deserialize)]
pub struct LoginBody {
    user: String,
    password: String,
}

/// The staff user of a token if their role is one of `roles`.
pub fn staff_of(app: &AppState, token: Option<&str>, roles: &[&str]) -> Result<String, AppError> {
    let token = token.ok_or(AppError::Unauthorized)?;
    match auth::session(&app.store, token)? {
        Some((_, Session::Staff { user, role, expires })) => {
            if expires < now_ms() {
                return Err(AppError::Unauthorized);
            }
            if !roles.contains(&role.as_str()) {
                return Err(AppError::Forbidden(format!("role {role} cannot do this")));
            }
            Ok(user)
        }
        Some(_) => Err(AppError::Forbidden("a seat token cannot use the staff API".into())),
        None => Err(AppError::Unauthorized),
    }
}

const PROCTORS: &[&str] = &["admin", "proctor"];

/// `POST /api/staff/login`.
pub async fn login(
    State(app): State<AppState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    Json(body): Json<LoginBody>,
) -> Result<Json<Value>, AppError> {
    let ip = format!("ip:{}", peer.ip());
    app.check_failures(&ip, false)?;
    app.check_failures(&format!("staff:{}", body.user), false)?;
    let staff: Option<Staff> = app.store.get(tree::STAFF, &body.user)?;
    let Some(staff) = staff.filter(|s| auth::verify_password(&body.password, &s.password_hash)) else {
        app.check_failures(&ip, true)?;
        app.check_failures(&format!("staff:{}", body.user), true)?;
        return Err(AppError::BadRequest("user name or password is wrong".into()));
    };
    let (token, hash) = auth::new_token();
    let expires = now_ms() + STAFF_SESSION_MS;
    app.store.put(
        tree::SESSIONS,
        &hash,
        &Session::Staff { user: staff.user.clone(), role: staff.role.clone(), expires },
    )?;
    app.log.append(
        now_ms(),
        crate::events::NewEvent {
            actor: &format!("staff:{}", staff.user),
            kind: "login",
            batch: None,
            ticket: None,
            detail: json!({"role": staff.role}),
        },
    )?;
    app.store.durable().await?;
    Ok(Json(json!({"token": token, "role": staff.role, "user": staff.user})))
}

/// `GET /api/proctor/batches`.
pub async fn batches(State(app): State<AppState>, headers: HeaderMap) -> Result<Json<Value>, AppError> {
    staff_of(&app, auth::bearer(&headers), &crate::auth::ROLES)?;
    let mut list: Vec<Value> = app
        .batches
        .values()
        .map(|b| {
            let x = &b.batch;
            json!({"id": x.id, "name": x.name, "start": x.start, "candidates": x.candidates, "bank": x.bank_id,
                   "title": x.spec.title, "duration_seconds": x.duration_seconds})
        })
        .collect();
    list.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    Ok(Json(json!(list)))
}

fn seat_view(seat: &SeatRecord, total: usize, now: i64) -> Value {
    json!({
        "ticket": seat.ticket, "name": seat.name, "organisation": seat.organisation, "room": seat.room, "seat": seat.seat,
        "status": seat.shown_status(now), "answered": seat.answered, "total": total,
        "remaining_seconds": seat.remaining_seconds(now), "violations": seat.violations, "last_seq": seat.last_seq,
        "score": seat.result.as_ref().map(|r| r.score),
    })
}

fn seat_views(app: &AppState, id: &str) -> Result<Vec<Value>, AppError> {
    let batch = app.batch(id)?;
    let now = now_ms();
    let total = batch.batch.spec.item_count();
    Ok(app
        .store
        .scan::<SeatRecord>(tree::SEATS, &format!("{id}/"))?
        .iter()
        .map(|(_, s)| seat_view(s, total, now))
        .collect())
}

/// `GET /api/proctor/batches/{id}/seats`.
pub async fn seats(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    staff_of(&app, auth::bearer(&headers), PROCTORS)?;
    Ok(Json(json!(seat_views(&app, &id)?)))
}

/// Query of the stream (EventSource cannot send headers).
#[derive(Deserialize)]
pub struct StreamQuery {
    token: Option<String>,
}

/// `GET /api/proctor/batches/{id}/stream`: server-sent events, one `seats`
/// event with every seat first, then the seats that changed, each second.
pub async fn stream(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<StreamQuery>,
) -> Result<Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>>, AppError> {
    let token = auth::bearer(&headers).map(str::to_string).or(q.token);
    staff_of(&app, token.as_deref(), PROCTORS)?;
    app.batch(&id)?;
    let state: (AppState, String, HashMap<String, Value>, bool) = (app, id, HashMap::new(), true);
    let s = futures_util::stream::unfold(state, |(app, id, mut last, first)| async move {
        if !first {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let views = seat_views(&app, &id).unwrap_or_default();
        let changed: Vec<Value> = views
            .into_iter()
            .filter(|v| {
                let key = v["ticket"].as_str().unwrap_or_default().to_string();
                let differs = last.get(&key) != Some(v);
                if differs {
                    last.insert(key, v.clone());
                }
                differs
            })
            .collect();
        let event = Event::default().event("seats").data(json!(changed).to_string());
        Some((Ok(event), (app, id, last, false)))
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

/// `POST /api/proctor/batches/{id}/seats/{ticket}/{action}`: approve, pause,
/// resume, extend, move, violation, submit.
pub async fn action(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((id, ticket, action)): Path<(String, String, String)>,
    body: Option<Json<ActionBody>>,
) -> Result<Json<Value>, AppError> {
    let user = staff_of(&app, auth::bearer(&headers), PROCTORS)?;
    let body = body.map(|b| b.0).unwrap_or_default();
    let batch = app.batch(&id)?;
    let reason = body.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    let need_reason = || reason.ok_or_else(|| AppError::BadRequest(format!("{action} needs a reason")));
    let guard = app.lock_seat(&id, &ticket).await;
    let mut seat = app.seat(&id, &ticket)?;
    let now = now_ms();
    let actor = format!("staff:{user}");
    let wrong = |what: &str| AppError::Conflict(format!("cannot {action}: the seat is {}", what));
    let detail = match action.as_str() {
        "approve" => {
            if seat.status != Status::AwaitingIdentity {
                return Err(wrong(seat.shown_status(now)));
            }
            if seat.started {
                seat.status = Status::Answering;
                seat.start_clock(now);
            } else {
                seat.status = Status::Ready;
            }
            json!({"reason": reason.unwrap_or("identity checked")})
        }
        "pause" => {
            if seat.status != Status::Answering {
                return Err(wrong(seat.shown_status(now)));
            }
            seat.stop_clock(now);
            seat.status = Status::Paused;
            json!({"reason": need_reason()?})
        }
        "resume" => {
            if seat.status != Status::Paused {
                return Err(wrong(seat.shown_status(now)));
            }
            seat.status = Status::Answering;
            seat.start_clock(now);
            json!({"reason": reason.unwrap_or("resume")})
        }
        "extend" => {
            let minutes = body
                .minutes
                .filter(|m| (1..=240).contains(m))
                .ok_or_else(|| AppError::BadRequest("extend needs minutes between 1 and 240".into()))?;
            if seat.status == Status::Submitted {
                return Err(wrong("submitted"));
            }
            seat.extra_ms += minutes * 60_000;
            json!({"minutes": minutes, "reason": need_reason()?})
        }
        "move" => {
            let room = body
                .room
                .clone()
                .filter(|r| !r.trim().is_empty())
                .ok_or_else(|| AppError::BadRequest("move needs a room".into()))?;
            let place = body
                .seat
                .clone()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| AppError::BadRequest("move needs a seat".into()))?;
            if seat.status == Status::Submitted {
                return Err(wrong("submitted"));
            }
            let reason = need_reason()?;
            let from = json!({"room": seat.room, "seat": seat.seat});
            seat.stop_clock(now);
            seat.room = room.clone();
            seat.seat = place.clone();
            if let Some(old) = seat.session.take() {
                app.store.remove(tree::SESSIONS, &old)?;
            }
            seat.status = Status::NotLoggedIn;
            json!({"from": from, "to": {"room": room, "seat": place}, "reason": reason})
        }
        "violation" => {
            seat.violations += 1;
            json!({"reason": need_reason()?})
        }
        "submit" => {
            if !matches!(seat.status, Status::Answering | Status::Paused) {
                return Err(wrong(seat.shown_status(now)));
            }
            let reason = need_reason()?.to_string();
            app.submit_seat(&batch, &mut seat, &actor, &format!("forced by proctor: {reason}"))?;
            drop(guard);
            app.store.durable().await?;
            return Ok(Json(seat_view(&seat, batch.batch.spec.item_count(), now)));
        }
        other => return Err(AppError::NotFound(format!("action {other}"))),
    };
    app.put_seat(&id, &seat)?;
    app.event(&actor, &action, &id, Some(&ticket), detail)?;
    drop(guard);
    app.store.durable().await?;
    Ok(Json(seat_view(&seat, batch.batch.spec.item_count(), now)))
}
