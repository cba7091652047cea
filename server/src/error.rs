//! One error type for every handler; status codes are decided here.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// What a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No valid token.
    #[error("not logged in, or the session has ended")]
    Unauthorized,
    /// Valid token, wrong role or someone else's resource.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// No such thing.
    #[error("not found: {0}")]
    NotFound(String),
    /// The request does not fit the current state (stale save, after submit, paused).
    #[error("{0}")]
    Conflict(String),
    /// The request itself is wrong.
    #[error("{0}")]
    BadRequest(String),
    /// Too many attempts.
    #[error("{0}")]
    TooMany(String),
    /// Something broke on our side.
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        (status, Json(serde_json::json!({ "error": self.to_string() }))).into_response()
    }
}
