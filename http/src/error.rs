//! One error type for every handler; status codes are decided here. A
//! refusal carries its stable code and message; anything else is a 500 with
//! a generic message, the detail going to the log.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kaoshi_exam::{Code, ExamError, Kind, Refusal};
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
                (status(r.kind), Json(ErrorBody { error: r.message.clone(), code: r.code.as_str() })).into_response()
            }
            other => {
                tracing::error!(error = %other, "request failed");
                let body =
                    ErrorBody { error: "服务器内部错误，详情见服务器日志".into(), code: "internal" };
                (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
            }
        }
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, AppError>;

/// A JSON request body; a body that is not the JSON the endpoint takes is a
/// 400 with a Chinese message and the code `request.invalid`.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequest<S> for Body<T> {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match <Json<T> as axum::extract::FromRequest<S>>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(AppError::from(Refusal::new(Kind::Invalid, Code::RequestTooLarge, "请求内容超过 128 KiB"))
                    .into_too_large())
            }
            Err(e) => Err(AppError::from(Refusal::new(
                Kind::Invalid,
                Code::RequestInvalid,
                format!("请求内容格式不正确：{}", e.body_text()),
            ))
            .into_response()),
        }
    }
}

impl AppError {
    fn into_too_large(self) -> Response {
        let mut r = self.into_response();
        *r.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
        r
    }
}

/// Errors raised below the handlers — an unknown path, a request over the
/// time limit, a body over the size limit — as the same JSON body with a
/// Chinese message.
pub async fn plain_errors(response: Response) -> Response {
    let json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let (code, message) = match response.status() {
        _ if json => return response,
        StatusCode::NOT_FOUND => (Code::RequestNotFound, "没有这个页面或接口"),
        StatusCode::REQUEST_TIMEOUT => {
            (Code::RequestTimeout, "请求超时未完成（一般请求 30 秒，上传题库、名单或照片压缩包 10 分钟）")
        }
        StatusCode::PAYLOAD_TOO_LARGE => {
            (Code::RequestTooLarge, "请求内容过大（一般请求 128 KiB，现场照片 1 MiB，上传文件 256 MiB）")
        }
        StatusCode::BAD_REQUEST
        | StatusCode::METHOD_NOT_ALLOWED
        | StatusCode::UNSUPPORTED_MEDIA_TYPE
        | StatusCode::UNPROCESSABLE_ENTITY => (Code::RequestInvalid, "请求方式或内容格式不正确"),
        _ => return response,
    };
    let status = response.status();
    (status, Json(ErrorBody { error: message.to_string(), code: code.as_str() })).into_response()
}

/// An optional JSON body: empty means `T::default()`.
pub fn optional_json<T: serde::de::DeserializeOwned + Default>(bytes: &[u8]) -> Result<T, AppError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes).map_err(|e| {
        AppError::from(Refusal::new(Kind::Invalid, Code::RequestInvalid, format!("请求内容格式不正确：{e}")))
    })
}
