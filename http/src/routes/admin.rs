//! The organisation's operations on a running server, for admins: sealed
//! banks, batches (create, list, close) and staff accounts.

use crate::auth::{Admins, Staff};
use crate::error::{ApiResult, AppError, Body};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use kaoshi_exam::error::{Code, Kind, Refusal};
use kaoshi_exam::service::{BankInfo, BatchRequest, BatchSummary, StaffRequest, StaffView};
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
    };
    let loaded = app.exam().create_batch(req, &who.user).await?;
    let b = &loaded.batch;
    Ok(Json(CreatedBatch {
        id: b.id.clone(),
        name: b.name.clone(),
        start: b.start,
        candidates: b.candidates,
        bank: b.bank_id.clone(),
        duration_seconds: b.duration_seconds,
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
