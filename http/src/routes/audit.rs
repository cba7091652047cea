//! The event log for auditors and admins: verification, checkpoints, the ledger.

use crate::auth::{Auditors, Staff};
use crate::error::ApiResult;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use kaoshi_exam::events::{Checkpoint, Event};
use kaoshi_exam::service::LogCheck;

/// `GET /api/audit/log/verify`: the chain re-walked and the witness checked against it.
pub async fn verify(State(exam): State<AppState>, _: Staff<Auditors>) -> ApiResult<Json<LogCheck>> {
    Ok(Json(exam.verify_log()?))
}

/// `POST /api/audit/log/head`: takes a checkpoint of the head (also into the witness) and returns it.
pub async fn head(State(exam): State<AppState>, _: Staff<Auditors>) -> ApiResult<Json<Option<Checkpoint>>> {
    let c = exam.take_checkpoint()?;
    exam.commit().await?;
    Ok(Json(c))
}

/// `GET /api/audit/log/checkpoints`.
pub async fn checkpoints(State(exam): State<AppState>, _: Staff<Auditors>) -> ApiResult<Json<Vec<Checkpoint>>> {
    Ok(Json(exam.checkpoints()?))
}

/// `GET /api/audit/ledger`: the bank-use ledger (题库使用台账).
pub async fn ledger(State(exam): State<AppState>, _: Staff<Auditors>) -> ApiResult<Json<Vec<Event>>> {
    Ok(Json(exam.ledger()?))
}
