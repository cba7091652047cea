//! One error type for every handler; status codes are decided here. A
//! refusal carries its stable code and message; anything else is a 500 with
//! a generic message, the detail going to the log.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kaoshi_exam::{ExamError, Kind, Refusal};
use serde::Serialize;

/// What a request can fail with.
#[derive(Debug)]
pub struct AppError(pub ExamError);

impl From<ExamError> for AppError {
    fn from(e: ExamError) -> AppError {
        AppError(e)
    }
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> AppError {
        AppError(ExamError::Refused(r))
    }
}

/// The body of every error response.
#[derive(Serialize)]
struct ErrorBody<'a> {
    error: String,
    code: &'a str,
}

fn status(kind: Kind) -> StatusCode {
    match kind {
        Kind::Unauthorized => StatusCode::UNAUTHORIZED,
        Kind::Forbidden => StatusCode::FORBIDDEN,
        Kind::NotFound => StatusCode::NOT_FOUND,
        Kind::Conflict => StatusCode::CONFLICT,
        Kind::Invalid => StatusCode::BAD_REQUEST,
        Kind::TooMany => StatusCode::TOO_MANY_REQUESTS,
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self.0 {
            ExamError::Refused(r) => {
                let error = match r.kind {
                    Kind::Forbidden => format!("not allowed: {}", r.message),
                    Kind::NotFound => format!("not found: {}", r.message),
                    _ => r.message.clone(),
                };
                (status(r.kind), Json(ErrorBody { error, code: r.code.as_str() })).into_response()
            }
            other => {
                tracing::error!(error = %other, "request failed");
                let body = ErrorBody { error: "internal error: see the server log".into(), code: "internal" };
                (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
            }
        }
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, AppError>;
