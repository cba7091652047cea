//! The router: the only file that names every handler, with the layers
//! every request passes (trace, security headers, body limit, timeout).

use crate::routes::{admin, audit, bureau, face, marking, proctor, registers, results, seat, supervision};
use crate::state::{App, AppState};
use crate::web;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::Router;
use kaoshi_exam::Exam;
use std::sync::Arc;
use std::time::Duration;
use tower_http::trace::TraceLayer;

/// Largest request body accepted (a short answer is at most 20,000 characters).
pub const MAX_BODY: usize = 128 * 1024;

/// Largest upload: a sealed bank, or a batch with its roster.
pub const MAX_UPLOAD: usize = 256 * 1024 * 1024;

/// Longest time an upload may take (a large bank over a slow link).
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(600);

/// Longest time a request may take (the event stream excepted).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The router over an exam service.
pub fn router(exam: Arc<Exam>) -> Router {
    router_for(App::new(exam))
}

/// The router over a state made beforehand (tests look into its streams).
pub fn router_for(app: AppState) -> Router {
    // The proctors' event stream is long-lived: it is outside the timeout.
    let stream = Router::new().route("/api/proctor/batches/{id}/stream", get(proctor::stream));
    // Banks and rosters are large: their own body limit and timeout.
    let uploads = Router::new()
        .route("/api/admin/banks", get(admin::banks).post(admin::upload_bank))
        .route("/api/admin/batches", get(admin::batches).post(admin::create_batch))
        .route("/api/admin/roster", post(admin::roster_file))
        .route("/api/admin/registers/{name}", get(registers::one).put(registers::replace))
        .route("/api/admin/batches/{id}/photos", get(face::overview).post(face::upload_zip))
        .route("/api/admin/batches/{id}/seats/{ticket}/photo", put(face::upload_one))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            UPLOAD_TIMEOUT,
        ));
    // A capture from a seat's camera: up to 1 MiB, within the usual timeout.
    let captures = Router::new()
        .route("/api/seat/capture", post(face::capture))
        .layer(DefaultBodyLimit::max(kaoshi_exam::face::MAX_PHOTO_BYTES))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ));
    Router::new()
        .route("/", get(web::index))
        .route("/seat", get(web::seat_page))
        .route("/proctor", get(web::proctor_page))
        .route("/marking", get(web::marking_page))
        .route("/admin", get(web::admin_page))
        .route("/supervision", get(web::supervision_page))
        .route("/assets/{name}", get(web::asset))
        .route("/api/seat/login", post(seat::login))
        .route("/api/seat/status", get(seat::status))
        .route("/api/seat/paper", get(seat::paper))
        .route("/api/seat/answers", get(seat::answers))
        .route("/api/seat/answers/{pos}", put(seat::save))
        .route("/api/seat/submit", post(seat::submit))
        .route("/api/seat/flags/{pos}", put(seat::flag))
        .route("/api/seat/rules", get(seat::rules).post(seat::acknowledge_rules))
        .route("/api/seat/face", get(face::seat_face).post(face::consent))
        .route("/api/staff/login", post(proctor::login))
        .route("/api/staff/logout", post(proctor::logout))
        .route("/api/proctor/batches", get(proctor::batches))
        .route("/api/proctor/batches/{id}/seats", get(proctor::seats))
        .route("/api/proctor/batches/{id}/stream-ticket", post(proctor::stream_ticket))
        .route("/api/proctor/batches/{id}/seats/{ticket}/history", get(proctor::history))
        .route("/api/proctor/batches/{id}/seats/{ticket}/photo", get(face::photo))
        .route("/api/proctor/batches/{id}/seats/{ticket}/capture", get(face::capture_image))
        .route("/api/proctor/batches/{id}/seats/{ticket}/alert", get(face::alert))
        .route("/api/proctor/batches/{id}/seats/{ticket}/{action}", post(proctor::action))
        .route("/api/proctor/batches/{id}/room-record", post(proctor::room_record))
        .route("/api/marking/batches/{id}/next", get(marking::next))
        .route("/api/marking/batches/{id}/marks", post(marking::mark))
        .route("/api/marking/batches/{id}/arbitrations", get(marking::arbitrations))
        .route("/api/marking/batches/{id}/arbitrate", post(marking::arbitrate))
        .route("/api/marking/batches/{id}/recheck", get(marking::recheck_queue).post(marking::recheck))
        .route("/api/marking/batches/{id}/waiting", get(marking::waiting))
        .route("/api/marking/batches/{id}/assign", post(marking::assign))
        .route("/api/admin/batches/{id}/totals", get(results::totals))
        .route("/api/admin/batches/{id}/publish", post(results::publish))
        .route("/api/admin/batches/{id}/appeals", post(results::appeal))
        .route("/api/admin/batches/{id}/export/{file}", get(results::export))
        .route("/api/admin/batches/{id}/archive", get(results::archive))
        .route("/api/admin/batches/{id}/certificate-uploads", post(bureau::uploaded))
        .route("/api/admin/batches/{id}/close", post(admin::close_batch))
        .route("/api/admin/batches/{id}/roster", post(admin::change_roster))
        .route("/api/admin/staff", get(admin::staff).post(admin::save_staff))
        .route("/api/admin/staff/{user}/{action}", post(admin::staff_switch))
        .route("/api/admin/occupations", post(bureau::register))
        .route("/api/admin/registers", get(registers::all))
        .route("/api/admin/registers/personnel/{file}", get(registers::personnel_ledger))
        .route("/api/admin/batches/{id}/plan", get(registers::plan))
        .route("/api/admin/batches/{id}/face", put(face::settings))
        .route("/api/supervision/batches/{id}/findings", get(supervision::findings).post(supervision::record))
        .route("/api/supervision/batches/{id}/findings/{no}/close", post(supervision::close))
        .route("/api/supervision/ledger", get(supervision::ledger))
        .route("/api/supervision/ledger/{file}", get(supervision::ledger_file))
        .route("/api/audit/log/verify", get(audit::verify))
        .route("/api/audit/log/head", post(audit::head))
        .route("/api/audit/log/checkpoints", get(audit::checkpoints))
        .route("/api/audit/ledger", get(audit::ledger))
        .route("/api/audit/metrics", get(bureau::metrics))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .merge(stream)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .merge(uploads)
        .merge(captures)
        .layer(axum::middleware::map_response(crate::error::plain_errors))
        .layer(axum::middleware::map_response(crate::headers::secure))
        .layer(TraceLayer::new_for_http())
        .with_state(app)
}
