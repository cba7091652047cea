//! Face checks (人脸识别) over HTTP: enrolment photos from the console, the
//! seat's consent and captures, and the images for a batch's proctors,
//! supervisors and admins. Images never appear in another response, a log
//! line or an export.

use crate::auth::{Admins, Candidate, FaceViewers, Staff};
use crate::error::{ApiResult, Body};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kaoshi_exam::face::{FaceSettings, FaceState, SeatFace, CONSENT_VERSION, DEFAULT_RETENTION_DAYS};
use kaoshi_exam::service::{Enrolled, PhotoReport};
use kaoshi_exam::store::face::FaceKind;
use serde::{Deserialize, Serialize};

/// `POST /api/admin/batches/{id}/photos`: a zip of photos named by ticket or
/// identity number; one outcome per file and the candidates still missing one.
pub async fn upload_zip(
    State(exam): State<AppState>,
    who: Staff<Admins>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<PhotoReport>> {
    Ok(Json(exam.enrol_photos(&id, &body, &who.user).await?))
}

/// `PUT /api/admin/batches/{id}/seats/{ticket}/photo`: one JPEG or PNG.
pub async fn upload_one(
    State(exam): State<AppState>,
    who: Staff<Admins>,
    Path((id, ticket)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<Enrolled>> {
    exam.enrol_photo(&id, &ticket, body.to_vec(), &who.user, &format!("{ticket} 的照片")).await?;
    let all = exam.enrolments(&id)?;
    let one = all.into_iter().find(|e| e.ticket == ticket);
    one.map(Json).ok_or_else(|| kaoshi_exam::Refusal::not_found(kaoshi_exam::Code::SeatNotFound, "没有这个考生").into())
}

/// What the console shows of a batch's face checks.
#[derive(Serialize)]
pub struct FaceOverview {
    /// Automatic matching is on (the server has the models).
    matching: bool,
    settings: FaceSettings,
    seats: Vec<Enrolled>,
}

/// `GET /api/admin/batches/{id}/photos`: who has an enrolment photo, and the settings.
pub async fn overview(
    State(exam): State<AppState>,
    _: Staff<Admins>,
    Path(id): Path<String>,
) -> ApiResult<Json<FaceOverview>> {
    let batch = exam.batch(&id)?;
    Ok(Json(FaceOverview {
        matching: exam.face_models().is_some(),
        settings: batch.batch.face,
        seats: exam.enrolments(&id)?,
    }))
}

/// `PUT /api/admin/batches/{id}/face` `{"recheck_minutes", "match_max", "mismatch_min"}`.
pub async fn settings(
    State(exam): State<AppState>,
    who: Staff<Admins>,
    Path(id): Path<String>,
    Body(settings): Body<FaceSettings>,
) -> ApiResult<Json<FaceSettings>> {
    Ok(Json(exam.set_face_settings(&id, settings, &who.user).await?))
}

/// `GET /api/proctor/batches/{id}/seats/{ticket}/photo`: the enrolment photo.
pub async fn photo(
    state: State<AppState>,
    who: Staff<FaceViewers>,
    path: Path<(String, String)>,
) -> ApiResult<Response> {
    image(state, who, path, FaceKind::Enrolment)
}

/// `GET /api/proctor/batches/{id}/seats/{ticket}/capture`: the latest capture.
pub async fn capture_image(
    state: State<AppState>,
    who: Staff<FaceViewers>,
    path: Path<(String, String)>,
) -> ApiResult<Response> {
    image(state, who, path, FaceKind::Capture)
}

/// `GET /api/proctor/batches/{id}/seats/{ticket}/alert`: the capture behind an open alert.
pub async fn alert(
    state: State<AppState>,
    who: Staff<FaceViewers>,
    path: Path<(String, String)>,
) -> ApiResult<Response> {
    image(state, who, path, FaceKind::Alert)
}

/// An image to a batch's proctor (of its room), supervisor or admin; never cached.
fn image(
    State(exam): State<AppState>,
    who: Staff<FaceViewers>,
    Path((id, ticket)): Path<(String, String)>,
    kind: FaceKind,
) -> ApiResult<Response> {
    who.in_room(&exam.seat(&id, &ticket)?.room)?;
    let bytes = exam.face_image(&id, &ticket, kind)?;
    let mime = if bytes.starts_with(b"\x89PNG") { "image/png" } else { "image/jpeg" };
    Ok(([(CONTENT_TYPE, mime), (CACHE_CONTROL, "no-store")], bytes).into_response())
}

/// What the seat page needs to ask for the camera.
#[derive(Serialize)]
pub struct SeatFaceBody {
    /// Automatic matching is on (otherwise the proctor compares by eye).
    matching: bool,
    /// Mean minutes between re-captures while answering (0: none).
    recheck_minutes: u32,
    /// Days after publication at which photos and captures are deleted.
    retention_days: u32,
    /// The consent text's version (logged with the answer).
    consent_version: &'static str,
    /// Consent, why there is no capture, how many were taken — never a verdict.
    state: Option<SeatFace>,
    /// Photos can be stored (the server has the organisation's key).
    storable: bool,
}

/// `GET /api/seat/face`.
pub async fn seat_face(State(exam): State<AppState>, me: Candidate) -> ApiResult<Json<SeatFaceBody>> {
    let seat = exam.seat_status(&me.batch, &me.ticket).await?;
    let retention_days = match kaoshi_exam::settings::load_settings(exam.store().dir()) {
        Ok(s) => s.face_retention_days,
        Err(e) => {
            tracing::error!(error = %e, "organisation.toml does not parse: the seat is told the default retention");
            DEFAULT_RETENTION_DAYS
        }
    };
    Ok(Json(SeatFaceBody {
        matching: exam.face_models().is_some(),
        recheck_minutes: me.batch.batch.face.recheck_minutes,
        retention_days,
        consent_version: CONSENT_VERSION,
        state: seat.face.as_ref().map(FaceState::for_seat),
        storable: exam.store().personal_ready(),
    }))
}

/// `POST /api/seat/face` body.
#[derive(Deserialize)]
pub struct ConsentBody {
    consent: bool,
    /// `declined` or `no_camera`.
    why: Option<String>,
}

/// `POST /api/seat/face` `{"consent": true}` or `{"consent": false, "why": "declined"|"no_camera"}`.
pub async fn consent(
    State(exam): State<AppState>,
    me: Candidate,
    Body(body): Body<ConsentBody>,
) -> ApiResult<Json<Option<SeatFace>>> {
    let seat = exam.face_consent(&me.batch, &me.ticket, body.consent, body.why.as_deref()).await?;
    Ok(Json(seat.face.as_ref().map(FaceState::for_seat)))
}

/// What a capture's upload answers: it is stored; the verdict follows.
#[derive(Serialize)]
pub struct Captured {
    capture: u32,
    /// `login` or `recheck`, as the server decided from the seat's status.
    why: &'static str,
}

/// `POST /api/seat/capture`, a JPEG or PNG body (≤ 1 MiB; `?why=` is
/// accepted and ignored: the server decides from the seat's status): stored,
/// then matched off the async workers; the verdict reaches the proctor's
/// card, never the candidate.
pub async fn capture(State(app): State<AppState>, me: Candidate, body: Bytes) -> ApiResult<Json<Captured>> {
    let (n, why) = app.face_capture(&me.batch, &me.ticket, &body).await?;
    let exam = app.exam().clone();
    let (id, ticket, bytes) = (me.batch.batch.id.clone(), me.ticket.clone(), body.to_vec());
    tokio::spawn(async move {
        if let Err(e) = exam.face_check(&id, &ticket, n, bytes, why).await {
            tracing::error!(batch = %id, %ticket, error = %e, "face check failed");
        }
    });
    Ok(Json(Captured { capture: n, why }))
}
