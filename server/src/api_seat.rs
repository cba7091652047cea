//! The seat API: what a candidate's machine calls. A seat token reaches only
//! its own seat: there is no parameter that names another candidate.

use crate::app::{now_ms, AppState, LoadedBatch};
use crate::auth::{self, Session};
use crate::error::AppError;
use crate::seat::{SeatRecord, Status};
use crate::store::tree;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::HeaderMap;
use axum::Json;
use kaoshi_engine::bank::ItemBody;
use kaoshi_engine::grade::parse_response;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;

/// A saved answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedAnswer {
    /// The response in displayed letters (or text); `None` clears it.
    pub response: Option<String>,
    /// The seat's sequence number of this save.
    pub seq: u64,
    /// Server time of the save (Unix ms).
    pub at: i64,
}

/// Login body.
#[derive(Deserialize)]
pub struct LoginBody {
    ticket: String,
    id_number: String,
}

/// Save body.
#[derive(Deserialize)]
pub struct SaveBody {
    /// The response (displayed letters or text); `None` clears.
    pub response: Option<String>,
    /// The seat's sequence number.
    pub seq: u64,
}

/// The batch and ticket of a seat token; older tokens of the seat are void.
fn seat_of(app: &AppState, headers: &HeaderMap) -> Result<(Arc<LoadedBatch>, String), AppError> {
    let token = auth::bearer(headers).ok_or(AppError::Unauthorized)?;
    match auth::session(&app.store, token)? {
        Some((hash, Session::Seat { batch, ticket })) => {
            let loaded = app.batch(&batch)?;
            let seat = app.seat(&batch, &ticket)?;
            if seat.session.as_deref() != Some(hash.as_str()) {
                return Err(AppError::Unauthorized);
            }
            Ok((loaded, ticket))
        }
        Some((_, Session::Staff { expires, .. })) if expires < now_ms() => Err(AppError::Unauthorized),
        Some(_) => Err(AppError::Forbidden("a staff token cannot act as a seat".into())),
        None => Err(AppError::Unauthorized),
    }
}

fn status_json(batch: &LoadedBatch, seat: &SeatRecord, now: i64) -> Value {
    json!({
        "status": seat.status, "remaining_seconds": seat.remaining_seconds(now),
        "ticket": seat.ticket, "name": seat.name, "room": seat.room, "seat": seat.seat,
        "batch": batch.batch.id, "batch_name": batch.batch.name, "title": batch.batch.spec.title,
        "duration_seconds": seat.duration_ms / 1000, "answered": seat.answered,
        "starts_in_seconds": ((batch.batch.start - now).max(0) + 999) / 1000,
    })
}

/// Submits a seat whose time is up; returns whether it did.
fn expire_if_due(app: &AppState, batch: &LoadedBatch, seat: &mut SeatRecord) -> Result<bool, AppError> {
    if seat.status == Status::Answering && seat.remaining_ms(now_ms()) == 0 {
        app.submit_seat(batch, seat, "timer", "time is up")?;
        return Ok(true);
    }
    Ok(false)
}

/// `POST /api/seat/login`.
pub async fn login(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(body): Json<LoginBody>,
) -> Result<Json<Value>, AppError> {
    let ip = format!("ip:{}", peer.ip());
    app.check_failures(&ip, false)?;
    app.check_failures(&format!("ticket:{}", body.ticket), false)?;
    let found = app.batches.values().find_map(|b| app.seat(&b.batch.id, &body.ticket).ok().map(|s| (b.clone(), s)));
    let Some((batch, _)) = found.filter(|(_, s)| s.id_number == body.id_number) else {
        app.check_failures(&ip, true)?;
        app.check_failures(&format!("ticket:{}", body.ticket), true)?;
        return Err(AppError::BadRequest("ticket number or identity number is wrong".into()));
    };
    let id = batch.batch.id.clone();
    let _guard = app.lock_seat(&id, &body.ticket).await;
    let mut seat = app.seat(&id, &body.ticket)?;
    let now = now_ms();
    let (token, hash) = auth::new_token();
    if let Some(old) = seat.session.take() {
        app.store.remove(tree::SESSIONS, &old)?;
    }
    seat.session = Some(hash.clone());
    seat.last_seen = now;
    if seat.status != Status::Submitted {
        // A new login (another machine, a restart) pauses the clock until identity is checked again.
        seat.stop_clock(now);
        seat.status = Status::AwaitingIdentity;
    }
    app.store.put(tree::SESSIONS, &hash, &Session::Seat { batch: id.clone(), ticket: seat.ticket.clone() })?;
    app.put_seat(&id, &seat)?;
    app.event(
        &format!("seat:{}", seat.ticket),
        "login",
        &id,
        Some(&seat.ticket),
        json!({"room": seat.room, "seat": seat.seat}),
    )?;
    drop(_guard);
    app.store.durable().await?;
    let mut out = status_json(&batch, &seat, now);
    out["token"] = json!(token);
    Ok(Json(out))
}

/// `GET /api/seat/status`.
pub async fn status(State(app): State<AppState>, headers: HeaderMap) -> Result<Json<Value>, AppError> {
    let (batch, ticket) = seat_of(&app, &headers)?;
    let _guard = app.lock_seat(&batch.batch.id, &ticket).await;
    let mut seat = app.seat(&batch.batch.id, &ticket)?;
    seat.last_seen = now_ms();
    let expired = expire_if_due(&app, &batch, &mut seat)?;
    app.put_seat(&batch.batch.id, &seat)?;
    drop(_guard);
    if expired {
        app.store.durable().await?;
    }
    Ok(Json(status_json(&batch, &seat, now_ms())))
}

/// `GET /api/seat/paper`: stems and options in the candidate's order, never keys.
pub async fn paper(State(app): State<AppState>, headers: HeaderMap) -> Result<Json<Value>, AppError> {
    let (batch, ticket) = seat_of(&app, &headers)?;
    let id = batch.batch.id.clone();
    let _guard = app.lock_seat(&id, &ticket).await;
    let mut seat = app.seat(&id, &ticket)?;
    let now = now_ms();
    seat.last_seen = now;
    match seat.status {
        Status::NotLoggedIn | Status::AwaitingIdentity => {
            return Err(AppError::Forbidden("identity not yet approved by a proctor".into()))
        }
        Status::Paused => return Err(AppError::Conflict("the exam is paused by a proctor".into())),
        Status::Submitted => return Err(AppError::Conflict("the paper has been handed in".into())),
        Status::Ready => {
            if now < batch.batch.start {
                let wait = (batch.batch.start - now + 999) / 1000;
                return Err(AppError::Forbidden(format!("the exam starts in {wait} s")));
            }
            seat.status = Status::Answering;
            seat.start_clock(now);
            app.put_seat(&id, &seat)?;
            app.event(&format!("seat:{ticket}"), "start", &id, Some(&ticket), json!({}))?;
            drop(_guard);
            app.store.durable().await?;
        }
        Status::Answering => {
            if expire_if_due(&app, &batch, &mut seat)? {
                drop(_guard);
                app.store.durable().await?;
                return Err(AppError::Conflict("time is up: the paper has been handed in".into()));
            }
            app.put_seat(&id, &seat)?;
        }
    }
    let paper = batch.papers.get(seat.paper as usize).ok_or_else(|| AppError::NotFound("paper".into()))?;
    let bank = &batch.source.bank;
    let spec = &batch.batch.spec;
    let items: Vec<Value> = paper
        .items
        .iter()
        .enumerate()
        .map(|(pos, it)| {
            let item = &bank.items[it.item as usize];
            let options: Vec<&str> = match &item.body {
                ItemBody::Single { options, .. } | ItemBody::Multiple { options, .. } => {
                    it.option_order.as_slice().iter().map(|&o| options[usize::from(o)].as_str()).collect()
                }
                _ => Vec::new(),
            };
            json!({"pos": pos, "section": it.section, "type": item.item_type().code(), "stem": item.stem, "options": options,
                   "score": spec.sections[usize::from(it.section)].score})
        })
        .collect();
    let sections: Vec<Value> = spec
        .sections
        .iter()
        .map(|s| json!({"type": s.item_type.code(), "name": s.item_type.name_zh(), "count": s.count, "score": s.score}))
        .collect();
    Ok(Json(json!({
        "title": spec.title, "total_score": spec.total_score, "duration_seconds": seat.duration_ms / 1000,
        "remaining_seconds": seat.remaining_seconds(now_ms()), "sections": sections, "items": items,
    })))
}

/// `GET /api/seat/answers`.
pub async fn answers(State(app): State<AppState>, headers: HeaderMap) -> Result<Json<Value>, AppError> {
    let (batch, ticket) = seat_of(&app, &headers)?;
    let seat = app.seat(&batch.batch.id, &ticket)?;
    let saved: Vec<Value> = app
        .store
        .scan::<SavedAnswer>(tree::ANSWERS, &format!("{}/{}/", batch.batch.id, ticket))?
        .into_iter()
        .filter_map(|(k, a)| {
            let pos: usize = k.rsplit('/').next()?.parse().ok()?;
            Some(json!({"pos": pos, "response": a.response, "seq": a.seq, "at": a.at}))
        })
        .collect();
    Ok(Json(
        json!({"answers": saved, "last_seq": seat.last_seq, "status": seat.status, "remaining_seconds": seat.remaining_seconds(now_ms())}),
    ))
}

/// `PUT /api/seat/answers/{pos}`: 200 only once the save is on disk.
pub async fn save(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(pos): Path<usize>,
    Json(body): Json<SaveBody>,
) -> Result<Json<Value>, AppError> {
    let (batch, ticket) = seat_of(&app, &headers)?;
    let id = batch.batch.id.clone();
    let guard = app.lock_seat(&id, &ticket).await;
    let mut seat = app.seat(&id, &ticket)?;
    let now = now_ms();
    seat.last_seen = now;
    if expire_if_due(&app, &batch, &mut seat)? {
        drop(guard);
        app.store.durable().await?;
        return Err(AppError::Conflict("time is up: the paper has been handed in".into()));
    }
    match seat.status {
        Status::Answering => {}
        Status::Submitted => return Err(AppError::Conflict("the paper has been handed in: no more saves".into())),
        Status::Paused => return Err(AppError::Conflict("the exam is paused by a proctor".into())),
        _ => return Err(AppError::Forbidden("the exam has not started for this seat".into())),
    }
    let paper = batch.papers.get(seat.paper as usize).ok_or_else(|| AppError::NotFound("paper".into()))?;
    let it = paper.items.get(pos).ok_or_else(|| {
        AppError::BadRequest(format!("position {pos} is not on the paper ({} items)", paper.items.len()))
    })?;
    let response = body.response.filter(|r| !r.is_empty());
    if let Some(r) = &response {
        parse_response(&batch.source.bank, it, pos, r).map_err(|e| AppError::BadRequest(e.to_string()))?;
    }
    let key = format!("{id}/{ticket}/{pos:05}");
    let previous: Option<SavedAnswer> = app.store.get(tree::ANSWERS, &key)?;
    if body.seq <= seat.last_seq {
        // A replay of an acknowledged save is answered again; anything older is refused.
        let replay = previous.as_ref().is_some_and(|p| p.seq == body.seq && p.response == response);
        drop(guard);
        if replay {
            app.store.durable().await?;
            return Ok(Json(
                json!({"pos": pos, "seq": body.seq, "replay": true, "remaining_seconds": seat.remaining_seconds(now)}),
            ));
        }
        return Err(AppError::Conflict(format!(
            "stale save: seq {} is not above the last acknowledged seq {}",
            body.seq, seat.last_seq
        )));
    }
    let was_answered = previous.as_ref().is_some_and(|p| p.response.is_some());
    match (was_answered, response.is_some()) {
        (false, true) => seat.answered += 1,
        (true, false) => seat.answered = seat.answered.saturating_sub(1),
        _ => {}
    }
    seat.last_seq = body.seq;
    app.store.put(tree::ANSWERS, &key, &SavedAnswer { response: response.clone(), seq: body.seq, at: now })?;
    app.put_seat(&id, &seat)?;
    app.event(
        &format!("seat:{ticket}"),
        "answer_save",
        &id,
        Some(&ticket),
        json!({"pos": pos, "seq": body.seq, "response": response}),
    )?;
    drop(guard);
    app.store.durable().await?;
    Ok(Json(json!({"pos": pos, "seq": body.seq, "remaining_seconds": seat.remaining_seconds(now)})))
}

/// `POST /api/seat/submit`.
pub async fn submit(State(app): State<AppState>, headers: HeaderMap) -> Result<Json<Value>, AppError> {
    let (batch, ticket) = seat_of(&app, &headers)?;
    let id = batch.batch.id.clone();
    let guard = app.lock_seat(&id, &ticket).await;
    let mut seat = app.seat(&id, &ticket)?;
    match seat.status {
        Status::Submitted => {}
        Status::Answering | Status::Paused => {
            app.submit_seat(&batch, &mut seat, &format!("seat:{ticket}"), "candidate handed in")?
        }
        _ => return Err(AppError::Forbidden("the exam has not started for this seat".into())),
    }
    drop(guard);
    app.store.durable().await?;
    Ok(Json(json!({"status": seat.status})))
}
