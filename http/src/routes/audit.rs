//! The event log for auditors and admins: verification, checkpoints, the ledger.

use crate::auth::{Auditors, Staff};
use crate::error::ApiResult;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use kaoshi_exam::events::{Checkpoint, Event};
use kaoshi_exam::service::LogCheck;

/// `?head=HASH` of a verification.
#[derive(serde::Deserialize)]
pub struct VerifyQuery {
    head: Option<String>,
}

/// `GET /api/audit/log/verify[?head=HASH]`: the chain re-walked, the
/// witness and an outside head checked against it.
pub async fn verify(
    State(exam): State<AppState>,
    _: Staff<Auditors>,
    axum::extract::Query(q): axum::extract::Query<VerifyQuery>,
) -> ApiResult<Json<LogCheck>> {
    Ok(Json(exam.verify_log(q.head.as_deref())?))
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
