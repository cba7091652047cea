//! The organisation's registers (settings, scope, rooms, staff) and a
//! batch's plan against what happened.

use crate::auth::{Admins, Archivists, Staff};
use crate::error::{ApiResult, AppError, Body};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use kaoshi_exam::exports::Format;
use kaoshi_exam::service::{ExportFile, Register, RegisterView};
use kaoshi_exam::{Code, Refusal};
use serde::{Deserialize, Serialize};

/// `GET /api/admin/registers`: every register as it is on disk.
pub async fn all(State(exam): State<AppState>, _: Staff<Admins>) -> ApiResult<Json<Vec<RegisterView>>> {
    let views: Result<Vec<_>, _> = Register::ALL.into_iter().map(|r| exam.register(r)).collect();
    Ok(Json(views?))
}

/// `GET /api/admin/registers/{name}`.
pub async fn one(
    State(exam): State<AppState>,
    _: Staff<Admins>,
    Path(name): Path<String>,
) -> ApiResult<Json<RegisterView>> {
    Ok(Json(exam.register(Register::from_name(&name)?)?))
}

/// `PUT /api/admin/registers/{name}` body.
#[derive(Deserialize)]
pub struct ReplaceBody {
    /// The file's new text (TOML); empty removes it.
    text: String,
}

/// `PUT /api/admin/registers/{name} {"text"}`: replaces the register once
/// it parses; logged with its text.
pub async fn replace(
    State(exam): State<AppState>,
    who: Staff<Admins>,
    Path(name): Path<String>,
    Body(body): Body<ReplaceBody>,
) -> ApiResult<Json<RegisterView>> {
    let which = Register::from_name(&name)?;
    Ok(Json(exam.replace_register(which, &body.text, &who.user).await?))
}

fn format_of(file: &str, stem: &str) -> Result<Format, AppError> {
    match file.strip_prefix(stem) {
        Some(".csv") => Ok(Format::Csv),
        Some(".xlsx") => Ok(Format::Xlsx),
        _ => {
            Err(Refusal::not_found(Code::UnknownExport, format!("没有导出文件 {file}（可用 {stem}.csv、{stem}.xlsx）"))
                .into())
        }
    }
}

/// `GET /api/admin/registers/personnel/{file}`: the staff ledger (人员台账),
/// `ledger.csv` or `ledger.xlsx`.
pub async fn personnel_ledger(
    State(exam): State<AppState>,
    _: Staff<Admins>,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    let format = format_of(&file, "ledger")?;
    let rows = exam.personnel_ledger()?;
    let bytes = format.write("人员台账", &rows)?;
    Ok(crate::routes::results::download(ExportFile { name: format!("personnel-{file}"), mime: format.mime(), bytes }))
}

/// A batch's plan with what happened.
#[derive(Serialize)]
pub struct PlanBody {
    plan: kaoshi_exam::plan::Plan,
    report: kaoshi_exam::plan::Report,
}

/// `GET /api/admin/batches/{id}/plan` (admin, auditor): the staff the plan
/// named against who worked, and the candidates present and absent.
pub async fn plan(
    State(exam): State<AppState>,
    _: Staff<Archivists>,
    Path(id): Path<String>,
) -> ApiResult<Json<PlanBody>> {
    let report = exam.plan_report(&id)?;
    let plan = exam.batch_plan(&id)?;
    Ok(Json(PlanBody { plan, report }))
}
