//! Occupation registration, certificate-upload records and the bureau's metrics.

use crate::auth::{Admins, Auditors, Staff};
use crate::error::{ApiResult, Body};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use kaoshi_exam::metrics::{Metrics, Registration};
use serde::{Deserialize, Serialize};

/// `POST /api/admin/occupations {"code","name","level"}`: registers an occupation and level.
pub async fn register(
    State(exam): State<AppState>,
    who: Staff<Admins>,
    Body(r): Body<Registration>,
) -> ApiResult<Json<Vec<Registration>>> {
    Ok(Json(exam.register_occupation(&who.user, r).await?))
}

/// Upload body.
#[derive(Deserialize)]
pub struct UploadBody {
    count: u64,
    reference: String,
}

/// The batch's uploads so far.
#[derive(Serialize)]
pub struct UploadAnswer {
    uploaded: u64,
}

/// `POST /api/admin/batches/{id}/certificate-uploads {"count","reference"}`:
/// records certificate data uploaded to the national platform.
pub async fn uploaded(
    State(exam): State<AppState>,
    who: Staff<Admins>,
    Path(id): Path<String>,
    Body(body): Body<UploadBody>,
) -> ApiResult<Json<UploadAnswer>> {
    let uploaded = exam.record_upload(&id, &who.user, body.count, &body.reference).await?;
    Ok(Json(UploadAnswer { uploaded }))
}

/// `GET /api/audit/metrics` (auditor, admin).
pub async fn metrics(State(exam): State<AppState>, _: Staff<Auditors>) -> ApiResult<Json<Metrics>> {
    Ok(Json(exam.metrics()?))
}
