//! The organisation's operations on a running server: sealed banks and new
//! batches, for admins.

use crate::auth::{Admins, Staff};
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use kaoshi_exam::error::{Code, Kind, Refusal};
use kaoshi_exam::service::{BankInfo, BatchRequest};
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
