//! Quality supervision (质量督导): records per batch and the rectification
//! ledger across batches.

use crate::auth::{Staff, SupervisionReaders, Supervisors};
use crate::error::{ApiResult, Body};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use kaoshi_exam::exports::Format;
use kaoshi_exam::service::ExportFile;
use kaoshi_exam::supervision::{Finding, CATEGORIES};
use kaoshi_exam::{Code, Refusal};
use serde::{Deserialize, Serialize};

/// A batch's records with the categories to file under and its rooms.
#[derive(Serialize)]
pub struct FindingsBody {
    categories: &'static [&'static str],
    rooms: Vec<String>,
    /// Places besides the rooms (全场, 阅卷场).
    whole: &'static [&'static str],
    findings: Vec<Finding>,
}

/// `GET /api/supervision/batches/{id}/findings`.
pub async fn findings(
    State(exam): State<AppState>,
    _: Staff<SupervisionReaders>,
    Path(id): Path<String>,
) -> ApiResult<Json<FindingsBody>> {
    let findings = exam.findings(&id)?;
    let rooms = exam.rooms_of(&id)?;
    Ok(Json(FindingsBody { categories: &CATEGORIES, rooms, whole: &kaoshi_exam::supervision::WHOLE, findings }))
}

/// A new record.
#[derive(Deserialize)]
pub struct NewFinding {
    room: String,
    category: String,
    finding: String,
}

/// `POST /api/supervision/batches/{id}/findings {"room","category","finding"}`.
pub async fn record(
    State(exam): State<AppState>,
    who: Staff<Supervisors>,
    Path(id): Path<String>,
    Body(body): Body<NewFinding>,
) -> ApiResult<Json<Finding>> {
    Ok(Json(exam.record_finding(&id, &body.room, &body.category, &body.finding, &who.user).await?))
}

/// Closing a record.
#[derive(Deserialize)]
pub struct Closing {
    action: String,
}

/// `POST /api/supervision/batches/{id}/findings/{no}/close {"action"}`: 对账销号.
pub async fn close(
    State(exam): State<AppState>,
    who: Staff<Supervisors>,
    Path((id, no)): Path<(String, u32)>,
    Body(body): Body<Closing>,
) -> ApiResult<Json<Finding>> {
    Ok(Json(exam.close_finding(&id, no, &body.action, &who.user).await?))
}

/// `GET /api/supervision/ledger`: every record of the batches the caller works on.
pub async fn ledger(State(exam): State<AppState>, who: Staff<SupervisionReaders>) -> ApiResult<Json<Vec<Finding>>> {
    Ok(Json(exam.supervision_ledger(|b| who.works_on(b))?))
}

/// `GET /api/supervision/ledger/{file}`: the ledger as `ledger.csv` or `ledger.xlsx`.
pub async fn ledger_file(
    State(exam): State<AppState>,
    who: Staff<SupervisionReaders>,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    let format = match file.as_str() {
        "ledger.csv" => Format::Csv,
        "ledger.xlsx" => Format::Xlsx,
        _ => {
            return Err(Refusal::not_found(
                Code::UnknownExport,
                format!("没有导出文件 {file}（可用 ledger.csv、ledger.xlsx）"),
            )
            .into())
        }
    };
    let rows = kaoshi_exam::supervision::rows(&exam.supervision_ledger(|b| who.works_on(b))?);
    let bytes = format.write("督导记录及整改台账", &rows)?;
    Ok(crate::routes::results::download(ExportFile { name: format!("supervision-{file}"), mime: format.mime(), bytes }))
}
