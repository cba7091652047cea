//! Score totalling, publication, appeals, exports and the archive.

use crate::auth::{Admins, Archivists, Exporters, Readers, Staff};
use crate::error::{ApiResult, Body};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kaoshi_exam::results::{Publication, Totals};
use kaoshi_exam::service::ExportFile;
use serde::{Deserialize, Serialize};

/// Totals with the publication state.
#[derive(Serialize)]
pub struct TotalsBody {
    #[serde(flatten)]
    totals: Totals,
    publication: Option<Publication>,
    #[serde(rename = "final")]
    is_final: bool,
}

/// `GET /api/admin/batches/{id}/totals`.
pub async fn totals(
    State(exam): State<AppState>,
    _: Staff<Readers>,
    Path(id): Path<String>,
) -> ApiResult<Json<TotalsBody>> {
    let (totals, publication, is_final) = exam.totals(&id)?;
    Ok(Json(TotalsBody { totals, publication, is_final }))
}

/// `POST /api/admin/batches/{id}/publish`: blocked by any sitting seat,
/// unmarked response, due recheck or totalling mismatch.
pub async fn publish(
    State(exam): State<AppState>,
    who: Staff<Admins>,
    Path(id): Path<String>,
) -> ApiResult<Json<Publication>> {
    Ok(Json(exam.publish(&id, &who.user).await?))
}

/// Appeal body.
#[derive(Deserialize)]
pub struct AppealBody {
    ticket: String,
    reason: String,
}

/// Answers reopened by an appeal.
#[derive(Serialize)]
pub struct AppealAnswer {
    rechecks: usize,
}

/// `POST /api/admin/batches/{id}/appeals {"ticket","reason"}`: during the
/// notice, sends the candidate's marked answers back to recheck.
pub async fn appeal(
    State(exam): State<AppState>,
    who: Staff<Admins>,
    Path(id): Path<String>,
    Body(body): Body<AppealBody>,
) -> ApiResult<Json<AppealAnswer>> {
    let rechecks = exam.appeal(&id, &who.user, &body.ticket, &body.reason).await?;
    Ok(Json(AppealAnswer { rechecks }))
}

pub(crate) fn download(file: ExportFile) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", file.name);
    ([(header::CONTENT_TYPE, file.mime.to_string()), (header::CONTENT_DISPOSITION, disposition)], file.bytes)
        .into_response()
}

/// `GET /api/admin/batches/{id}/export/{file}`: `results.csv|xlsx`,
/// `certificates.csv|xlsx` (after publication), `items.csv|xlsx`.
pub async fn export(
    State(exam): State<AppState>,
    who: Staff<Exporters>,
    Path((id, file)): Path<(String, String)>,
) -> ApiResult<Response> {
    use kaoshi_exam::exports::Table;
    use kaoshi_exam::staff::Role;
    // Each table to those who may read it: supervision records to their
    // supervisors, the plan and the registration papers to admins and auditors.
    let (table, _) = Table::parse(&file)?;
    let may: &[Role] = match table {
        Table::Supervision => &[Role::Admin, Role::Auditor, Role::Supervisor],
        Table::Plan | Table::Registrations | Table::Review => &[Role::Admin, Role::Auditor],
        Table::Results | Table::Certificates | Table::Items => &[Role::Admin, Role::Leader, Role::Auditor],
    };
    if !may.contains(&who.role) {
        let message = format!("“{}”角色无权导出{}", who.role.name_zh(), table.sheet());
        return Err(kaoshi_exam::Refusal::forbidden(kaoshi_exam::Code::WrongRole, message).into());
    }
    Ok(download(exam.export(&id, &who.user, &file).await?))
}

/// `GET /api/admin/batches/{id}/archive` (admin, auditor): the batch archive.
pub async fn archive(
    State(exam): State<AppState>,
    who: Staff<Archivists>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(download(exam.archive(&id, &who.user).await?))
}
