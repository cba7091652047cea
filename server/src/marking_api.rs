//! Marking of short answers over HTTP: markers see an anonymous code, the
//! stem, the response, the reference answer and the rubric — never the
//! candidate or another mark; the group leader arbitrates and rechecks.

use crate::api_proctor::staff_of;
use crate::app::{now_ms, AppState, LoadedBatch};
use crate::auth::{self, Staff};
use crate::error::AppError;
use crate::seat::SeatRecord;
use crate::store::tree;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use kaoshi_engine::bank::ItemBody;
use kaoshi_engine::marking::{next_task, MarkError, Marker, ResponseMarking, Stage, Task};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// One short response under marking.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MarkingRecord {
    /// Anonymous code shown to markers.
    pub code: String,
    /// Candidate (never shown to markers).
    pub ticket: String,
    /// Candidate organisation (for recusal).
    pub organisation: String,
    /// Position on the paper.
    pub pos: usize,
    /// Bank item index.
    pub item: u32,
    /// Paper score of the item (marks are scaled from the rubric's max score to it).
    pub section_score: f64,
    /// An appeal asked for a recheck.
    #[serde(default)]
    pub appealed: bool,
    /// The 2+1+1 state.
    pub marking: ResponseMarking,
}

/// The anonymous code of a response: stable, unguessable without the batch.
pub fn anonymous_code(batch: &str, ticket: &str, pos: usize) -> String {
    let h = blake3::derive_key("kaoshi anonymous response code v1", format!("{batch}/{ticket}/{pos}").as_bytes());
    format!("{:02X}{:02X}-{:02X}{:02X}", h[0], h[1], h[2], h[3])
}

/// Creates marking records for a seat's short answers at hand-in.
pub fn open_marking(app: &crate::app::App, batch: &LoadedBatch, seat: &SeatRecord) -> Result<(), AppError> {
    let Some(paper) = batch.papers.get(seat.paper as usize) else { return Ok(()) };
    for (pos, it) in paper.items.iter().enumerate() {
        let item = &batch.source.bank.items[it.item as usize];
        let ItemBody::Short { max_score, .. } = &item.body else { continue };
        let key = format!("{}/{}/{pos:05}", batch.batch.id, seat.ticket);
        if app.store.get::<MarkingRecord>(tree::MARKING, &key)?.is_some() {
            continue;
        }
        let tolerance = (max_score * batch.batch.marking_tolerance * 2.0).round() / 2.0;
        let record = MarkingRecord {
            code: anonymous_code(&batch.batch.id, &seat.ticket, pos),
            ticket: seat.ticket.clone(),
            organisation: seat.organisation.clone(),
            pos,
            item: it.item,
            section_score: batch.batch.spec.sections[usize::from(it.section)].score,
            appealed: false,
            marking: ResponseMarking::new(*max_score, tolerance),
        };
        app.store.put(tree::MARKING, &key, &record)?;
    }
    Ok(())
}

/// Every marking record of a batch, with its key.
pub fn records(app: &AppState, batch: &str) -> Result<Vec<(String, MarkingRecord)>, AppError> {
    Ok(app.store.scan::<MarkingRecord>(tree::MARKING, &format!("{batch}/"))?)
}

/// Whether a final mark falls in the recheck sample.
pub fn sampled(code: &str, share: f64) -> bool {
    let h = blake3::hash(code.as_bytes());
    f64::from(h.as_bytes()[0]) < share * 256.0
}

impl MarkingRecord {
    /// Whether the leader must recheck it: arbitrated, appealed, or in the
    /// sample of `share`, and not rechecked yet.
    pub fn due_for_recheck(&self, share: f64) -> bool {
        self.marking.needs_recheck(self.appealed || sampled(&self.code, share))
    }

    /// The final mark, resolved afresh from the stored marks by the 2+1+1
    /// rule (and any recheck), scaled from the rubric's max score to the
    /// item's paper score; `None` until final.
    pub fn paper_score(&self) -> Option<f64> {
        self.marking.final_score().map(|mark| mark / self.marking.max_score * self.section_score)
    }
}

fn find(app: &AppState, batch: &str, code: &str) -> Result<(String, MarkingRecord), AppError> {
    records(app, batch)?
        .into_iter()
        .find(|(_, r)| r.code == code)
        .ok_or_else(|| AppError::NotFound(format!("response {code}")))
}

fn mark_error(e: MarkError) -> AppError {
    match e {
        MarkError::OutOfRange { .. } | MarkError::Granularity(_) | MarkError::ReasonRequired => {
            AppError::BadRequest(e.to_string())
        }
        _ => AppError::Conflict(e.to_string()),
    }
}

/// Writes a response's final score into the seat's stored result.
pub fn settle(app: &AppState, batch: &LoadedBatch, record: &MarkingRecord) -> Result<(), AppError> {
    let Some(score) = record.paper_score() else { return Ok(()) };
    let mut seat = app.seat(&batch.batch.id, &record.ticket)?;
    let Some(result) = seat.result.as_mut() else { return Ok(()) };
    if let Some(slot) = result.items.get_mut(record.pos) {
        *slot = Some(score);
    }
    let bank = &batch.source.bank;
    let point_module = bank.point_modules();
    let paper = batch.papers.get(seat.paper as usize).ok_or_else(|| AppError::NotFound("paper".into()))?;
    result.modules.values_mut().for_each(|v| *v = 0.0);
    for (it, s) in paper.items.iter().zip(&result.items) {
        if let (Some(s), Some(&m)) = (s, point_module.get(bank.items[it.item as usize].point.as_str())) {
            *result.modules.entry(bank.modules[m].code.clone()).or_default() += s;
        }
    }
    result.score = result.items.iter().flatten().sum();
    result.passed =
        result.items.iter().all(Option::is_some).then_some(result.score >= batch.batch.spec.pass_score - 1e-9);
    app.put_seat(&batch.batch.id, &seat)
}

fn marker_of(app: &AppState, user: &str) -> Result<Marker, AppError> {
    let staff: Staff = app.store.get(tree::STAFF, user)?.ok_or(AppError::Unauthorized)?;
    Ok(Marker { id: staff.user, organisation: staff.organisation, relations: staff.relations })
}

fn task_json(app: &AppState, batch: &LoadedBatch, r: &MarkingRecord, with_marks: bool) -> Result<Value, AppError> {
    let item = &batch.source.bank.items[r.item as usize];
    let (reference, rubric) = match &item.body {
        ItemBody::Short { reference, rubric, .. } => {
            (reference.clone(), rubric.iter().map(|p| json!({"point": p.point, "score": p.score})).collect::<Vec<_>>())
        }
        _ => (String::new(), Vec::new()),
    };
    let answer: Option<crate::api_seat::SavedAnswer> =
        app.store.get(tree::ANSWERS, &format!("{}/{}/{:05}", batch.batch.id, r.ticket, r.pos))?;
    let mut v = json!({
        "code": r.code, "stem": item.stem, "response": answer.and_then(|a| a.response).unwrap_or_default(),
        "reference": reference, "rubric": rubric, "max_score": r.marking.max_score, "stage": r.marking.stage(),
    });
    if with_marks {
        v["marks"] = json!(r.marking.marks.iter().map(|m| m.score).collect::<Vec<_>>());
        v["final_score"] = json!(r.marking.final_score());
        v["arbitrated"] = json!(r.marking.arbitration.is_some());
        v["appealed"] = json!(r.appealed);
    }
    Ok(v)
}

const MARKERS: &[&str] = &["marker", "leader", "admin"];
const LEADERS: &[&str] = &["leader", "admin"];

/// `GET /api/marking/batches/{id}/next`: the next response for this marker, or `{"task": null}`.
pub async fn next(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let user = staff_of(&app, auth::bearer(&headers), MARKERS)?;
    let batch = app.batch(&id)?;
    let marker = marker_of(&app, &user)?;
    let all = records(&app, &id)?;
    let ids: Vec<String> = all.iter().map(|(_, r)| batch.source.bank.items[r.item as usize].id.clone()).collect();
    let tasks: Vec<Task<'_>> = all
        .iter()
        .zip(&ids)
        .map(|((_, r), item)| Task { item, ticket: &r.ticket, organisation: &r.organisation, marking: &r.marking })
        .collect();
    let remaining = all.iter().filter(|(_, r)| matches!(r.marking.stage(), Stage::FirstPair | Stage::Third)).count();
    match next_task(&tasks, &marker) {
        Some(k) => Ok(Json(json!({"task": task_json(&app, &batch, &all[k].1, false)?, "waiting": remaining}))),
        None => Ok(Json(json!({"task": null, "waiting": remaining}))),
    }
}

/// Mark body.
#[derive(Deserialize)]
pub struct MarkBody {
    code: String,
    score: f64,
    #[serde(default)]
    reason: String,
}

/// `POST /api/marking/batches/{id}/marks {"code","score"}`.
pub async fn mark(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<MarkBody>,
) -> Result<Json<Value>, AppError> {
    let user = staff_of(&app, auth::bearer(&headers), MARKERS)?;
    let batch = app.batch(&id)?;
    let marker = marker_of(&app, &user)?;
    let (key, _) = find(&app, &id, &body.code)?;
    let (stage, final_score) = {
        let ticket = key.split('/').nth(1).unwrap_or_default().to_string();
        let _guard = app.lock_seat(&id, &ticket).await;
        let mut r: MarkingRecord =
            app.store.get(tree::MARKING, &key)?.ok_or_else(|| AppError::NotFound(body.code.clone()))?;
        if marker.recused_from(&r.ticket, &r.organisation) {
            return Err(AppError::Forbidden("you must recuse yourself from this response".into()));
        }
        let stage = r.marking.add_mark(&user, body.score, now_ms()).map_err(mark_error)?;
        app.store.put(tree::MARKING, &key, &r)?;
        settle(&app, &batch, &r)?;
        app.event(
            &format!("staff:{user}"),
            "mark",
            &id,
            Some(&r.ticket),
            json!({"code": r.code, "pos": r.pos, "score": body.score, "stage": stage}),
        )?;
        (stage, r.marking.final_score())
    };
    app.store.durable().await?;
    Ok(Json(json!({"stage": stage, "final_score": final_score})))
}

/// `GET /api/marking/batches/{id}/arbitrations`: responses waiting for the leader.
pub async fn arbitrations(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    leader_list(&app, &headers, &id, |r, _| r.marking.stage() == Stage::Leader)
}

/// The responses a leader sees for which `wanted` holds, with their marks.
fn leader_list(
    app: &AppState,
    headers: &HeaderMap,
    id: &str,
    wanted: impl Fn(&MarkingRecord, &LoadedBatch) -> bool,
) -> Result<Json<Value>, AppError> {
    staff_of(app, auth::bearer(headers), LEADERS)?;
    let batch = app.batch(id)?;
    let list: Result<Vec<Value>, AppError> = records(app, id)?
        .iter()
        .filter(|(_, r)| wanted(r, &batch))
        .map(|(_, r)| task_json(app, &batch, r, true))
        .collect();
    Ok(Json(json!(list?)))
}

/// `POST /api/marking/batches/{id}/arbitrate {"code","score","reason"}`.
pub async fn arbitrate(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<MarkBody>,
) -> Result<Json<Value>, AppError> {
    let user = staff_of(&app, auth::bearer(&headers), LEADERS)?;
    decide(&app, &id, &user, body, "arbitration").await
}

/// `GET /api/marking/batches/{id}/recheck`: every arbitrated response, the sample, and appeals.
pub async fn recheck_queue(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    leader_list(&app, &headers, &id, |r, batch| r.due_for_recheck(batch.batch.recheck_share))
}

/// `POST /api/marking/batches/{id}/recheck {"code","score","reason"}`: a changed score needs a reason.
pub async fn recheck(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<MarkBody>,
) -> Result<Json<Value>, AppError> {
    let user = staff_of(&app, auth::bearer(&headers), LEADERS)?;
    decide(&app, &id, &user, body, "recheck").await
}

async fn decide(app: &AppState, id: &str, user: &str, body: MarkBody, kind: &str) -> Result<Json<Value>, AppError> {
    let batch = app.batch(id)?;
    let (key, _) = find(app, id, &body.code)?;
    let ticket = key.split('/').nth(1).unwrap_or_default().to_string();
    let final_score = {
        let _guard = app.lock_seat(id, &ticket).await;
        let mut r: MarkingRecord =
            app.store.get(tree::MARKING, &key)?.ok_or_else(|| AppError::NotFound(body.code.clone()))?;
        let before = r.marking.final_score();
        match kind {
            "arbitration" => r.marking.arbitrate(user, body.score, &body.reason, now_ms()),
            _ => r.marking.recheck(user, body.score, &body.reason, now_ms()),
        }
        .map_err(mark_error)?;
        r.appealed = false;
        app.store.put(tree::MARKING, &key, &r)?;
        settle(app, &batch, &r)?;
        app.event(
            &format!("staff:{user}"),
            kind,
            id,
            Some(&r.ticket),
            json!({"code": r.code, "pos": r.pos, "before": before, "score": body.score, "reason": body.reason}),
        )?;
        r.marking.final_score()
    };
    app.store.durable().await?;
    Ok(Json(json!({"final_score": final_score})))
}
