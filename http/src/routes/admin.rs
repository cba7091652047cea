//! The organisation's operations on a running server, for admins: sealed
//! banks, batches (create, list, close) and staff accounts.

use crate::auth::{Admins, Staff};
use crate::error::{ApiResult, AppError, Body};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use kaoshi_exam::batch::RosterLine;
use kaoshi_exam::error::{Code, Kind, Refusal};
use kaoshi_exam::service::{BankInfo, BatchRequest, BatchSummary, RosterChange, StaffRequest, StaffView};
use kaoshi_exam::staff::Role;
use serde::{Deserialize, Serialize};

/// `GET /api/admin/banks`: every stored sealed bank.
pub async fn banks(State(exam): State<AppState>, _: Staff<Admins>) -> ApiResult<Json<Vec<BankInfo>>> {
    Ok(Json(exam.banks()?))
}

/// `POST /api/admin/banks` with a `.kbank` file as the body: stored once it
/// opens with the organisation's key.
pub async fn upload_bank(
    State(app): State<AppState>,
    who: Staff<Admins>,
    body: axum::body::Bytes,
) -> ApiResult<Json<BankInfo>> {
    Ok(Json(app.exam().upload_bank(body.to_vec(), &who.user).await?))
}

/// `POST /api/admin/batches` body.
#[derive(Deserialize)]
pub struct NewBatchBody {
    id: Option<String>,
    name: String,
    bank_hash: String,
    /// RFC 3339.
    start: String,
    seed: u64,
    duration_seconds: Option<i64>,
    /// A `paper.toml` (the bank's own when absent).
    spec_toml: Option<String>,
    /// roster.csv as text.
    roster_csv: String,
    /// A drill: the filing rules warn even in strict mode.
    #[serde(default)]
    drill: bool,
    /// The staff the plan puts on the batch: `proctors`, `markers`, `supervisors`.
    #[serde(default)]
    plan: kaoshi_exam::plan::Plan,
}

/// A created batch.
#[derive(Serialize)]
pub struct CreatedBatch {
    id: String,
    name: String,
    start: i64,
    candidates: usize,
    bank: String,
    duration_seconds: i64,
    /// Filing rules the start breaks, logged with the batch (not strict mode).
    warnings: Vec<String>,
}

fn invalid(message: String) -> AppError {
    Refusal::new(Kind::Invalid, Code::BatchInvalid, message).into()
}

/// `POST /api/admin/batches`: creates a batch while others are being sat.
pub async fn create_batch(
    State(app): State<AppState>,
    who: Staff<Admins>,
    body: axum::body::Bytes,
) -> ApiResult<Json<CreatedBatch>> {
    let body: NewBatchBody = serde_json::from_slice(&body).map_err(|e| {
        AppError::from(Refusal::new(Kind::Invalid, Code::RequestInvalid, format!("请求内容格式不正确：{e}")))
    })?;
    let start = kaoshi_exam::batch::parse_time(body.start.trim())?;
    let roster = app.parse_roster(&body.roster_csv)?;
    if body.name.trim().is_empty() {
        return Err(invalid("请填写批次名称".into()));
    }
    let req = BatchRequest {
        id: body.id,
        name: body.name.trim().to_string(),
        bank_hash: body.bank_hash.trim().to_string(),
        start,
        seed: body.seed,
        duration_seconds: body.duration_seconds,
        spec_toml: body.spec_toml.filter(|s| !s.trim().is_empty()),
        roster,
        drill: body.drill,
        plan: body.plan,
    };
    let (loaded, warnings) = app.exam().create_batch(req, &who.user).await?;
    let b = &loaded.batch;
    Ok(Json(CreatedBatch {
        id: b.id.clone(),
        name: b.name.clone(),
        start: b.start,
        candidates: b.candidates,
        bank: b.bank_id.clone(),
        duration_seconds: b.duration_seconds,
        warnings,
    }))
}

/// `GET /api/admin/batches`: every batch, open or closed, with live counts.
pub async fn batches(State(exam): State<AppState>, _: Staff<Admins>) -> ApiResult<Json<Vec<BatchSummary>>> {
    Ok(Json(exam.batch_summaries()?))
}

/// `POST /api/admin/batches/{id}/close`.
pub async fn close_batch(
    State(exam): State<AppState>,
    who: Staff<Admins>,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    exam.close_batch(&id, &who.user).await?;
    Ok(Json(serde_json::json!({"closed": true})))
}

/// `GET /api/admin/staff`: every account (no password hashes).
pub async fn staff(State(exam): State<AppState>, _: Staff<Admins>) -> ApiResult<Json<Vec<StaffView>>> {
    Ok(Json(exam.staff_list()?))
}

/// `POST /api/admin/staff` body: an account to add or change.
#[derive(Deserialize)]
pub struct StaffBody {
    user: String,
    role: String,
    password: Option<String>,
    organisation: Option<String>,
    #[serde(default)]
    relations: Vec<String>,
    #[serde(default)]
    batches: Vec<String>,
    #[serde(default)]
    rooms: Vec<String>,
}

/// `POST /api/admin/staff`: adds or changes an account (a missing password keeps the old one).
pub async fn save_staff(
    State(exam): State<AppState>,
    who: Staff<Admins>,
    Body(body): Body<StaffBody>,
) -> ApiResult<Json<StaffView>> {
    let role = Role::from_name(body.role.trim())?;
    let req = StaffRequest {
        user: body.user,
        role,
        password: body.password,
        organisation: body.organisation,
        relations: body.relations,
        batches: body.batches,
        rooms: body.rooms,
    };
    Ok(Json(exam.save_staff(req, &who.user).await?))
}

/// `POST /api/admin/staff/{user}/disable` and `…/enable`.
pub async fn staff_switch(
    State(exam): State<AppState>,
    who: Staff<Admins>,
    Path((user, action)): Path<(String, String)>,
) -> ApiResult<Json<StaffView>> {
    let disabled = match action.as_str() {
        "disable" => true,
        "enable" => false,
        other => return Err(Refusal::not_found(Code::UnknownAction, format!("没有“{other}”这项操作")).into()),
    };
    Ok(Json(exam.staff_disabled(&user, disabled, &who.user).await?))
}

/// `POST /api/admin/roster` with a roster file (CSV or XLSX) as the body:
/// its roster.csv text, checked, for `POST /api/admin/batches`.
pub async fn roster_file(
    State(exam): State<AppState>,
    _: Staff<Admins>,
    body: axum::body::Bytes,
) -> ApiResult<Json<serde_json::Value>> {
    let text = kaoshi_exam::roster_file::roster_text(&body)?;
    let lines = exam.parse_roster(&text)?.len();
    Ok(Json(serde_json::json!({"roster_csv": text, "lines": lines})))
}

/// A roster line in a change.
#[derive(Deserialize)]
pub struct LineBody {
    ticket: String,
    id_number: String,
    name: String,
    #[serde(default)]
    organisation: String,
    room: String,
    seat: String,
    id_type: Option<String>,
    /// Planned extra time: minutes or a factor (`1.5x`).
    #[serde(default)]
    extra_time: Option<String>,
    /// The eligibility review; absent: approved by whoever makes the change.
    #[serde(default)]
    review: Option<ReviewBody>,
}

/// A roster line's eligibility review, as the roster's columns have it.
#[derive(Deserialize)]
pub struct ReviewBody {
    #[serde(default)]
    declared_occupation: String,
    #[serde(default)]
    declared_level: String,
    #[serde(default)]
    condition: String,
    /// 通过 / 不通过 / 待审.
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    reviewer: String,
}

/// `POST /api/admin/batches/{id}/roster` body.
#[derive(Deserialize)]
pub struct RosterBody {
    /// `add`, `correct` or `withdraw`.
    action: String,
    #[serde(default)]
    reason: String,
    line: Option<LineBody>,
    ticket: Option<String>,
}

/// `POST /api/admin/batches/{id}/roster`: a late candidate, a correction or
/// a withdrawal before the start, logged with its reason.
pub async fn change_roster(
    State(exam): State<AppState>,
    who: Staff<Admins>,
    Path(id): Path<String>,
    Body(body): Body<RosterBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let line = || -> Result<RosterLine, AppError> {
        let l = body.line.as_ref().ok_or_else(|| invalid("请提供考生信息（line）".into()))?;
        Ok(RosterLine {
            ticket: l.ticket.trim().to_string(),
            id_number: l.id_number.trim().to_string(),
            name: l.name.trim().to_string(),
            organisation: l.organisation.trim().to_string(),
            room: l.room.trim().to_string(),
            seat: l.seat.trim().to_string(),
            id_type: l.id_type.clone().filter(|t| !t.trim().is_empty()).unwrap_or_else(|| "居民身份证".into()),
            extra_time: l.extra_time.clone().unwrap_or_default().trim().to_string(),
            review: match &l.review {
                None => kaoshi_exam::eligibility::Review::default(),
                Some(r) => kaoshi_exam::eligibility::Review::from_cells(
                    [&r.declared_occupation, &r.declared_level, &r.condition, &r.outcome, &r.reviewer]
                        .map(String::as_str),
                    true,
                )
                .map_err(invalid)?,
            },
        })
    };
    let change = match body.action.as_str() {
        "add" => RosterChange::Add(line()?),
        "correct" => RosterChange::Correct(line()?),
        "withdraw" => RosterChange::Withdraw(
            body.ticket
                .clone()
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| invalid("请提供准考证号（ticket）".into()))?,
        ),
        other => return Err(Refusal::not_found(Code::UnknownAction, format!("没有“{other}”这项名单操作")).into()),
    };
    let (seat, warnings) = exam.change_roster(&id, change, &body.reason, &who.user).await?;
    Ok(Json(serde_json::json!({
        "changed": true,
        "warnings": warnings,
        "seat": seat.map(|s| serde_json::json!({"ticket": s.ticket, "name": s.name, "room": s.room, "seat": s.seat})),
    })))
}
