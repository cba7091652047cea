//! Headers on every response: nothing is cached (a seat machine keeps no
//! paper after hand-in), no page can be framed, types are not sniffed, no
//! referrer leaves, and only the server's own scripts run.

use axum::http::header::{self, HeaderName, HeaderValue};
use axum::response::Response;

/// The Content-Security-Policy of every response. Photos reach the proctor's
/// card as blobs fetched with the bearer token; the seat's camera preview is a
/// MediaStream.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; media-src 'self' blob: mediastream:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const HEADERS: [(HeaderName, &str); 5] = [
    (header::CACHE_CONTROL, "no-store"),
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
];

/// Sets the security headers on a response.
pub async fn secure(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}
