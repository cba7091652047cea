//! The web pages: plain HTML, CSS and JavaScript embedded in the binary.
//! Scripts and styles are files of their own (`/assets/…`) so that the
//! Content-Security-Policy can forbid inline script.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

/// `GET /`.
pub async fn index() -> Html<&'static str> {
    Html(include_str!("web/index.html"))
}

/// `GET /seat`: the candidate's page.
pub async fn seat_page() -> Html<&'static str> {
    Html(include_str!("web/seat.html"))
}

/// `GET /proctor`: the proctor console.
pub async fn proctor_page() -> Html<&'static str> {
    Html(include_str!("web/proctor.html"))
}

/// `GET /marking`: markers and the group leader.
pub async fn marking_page() -> Html<&'static str> {
    Html(include_str!("web/marking.html"))
}

/// `GET /admin`: the organisation console.
pub async fn admin_page() -> Html<&'static str> {
    Html(include_str!("web/admin.html"))
}

/// `GET /supervision`: quality supervisors' records and the rectification ledger.
pub async fn supervision_page() -> Html<&'static str> {
    Html(include_str!("web/supervision.html"))
}

/// Every asset: name, content type, body.
const ASSETS: &[(&str, &str, &str)] = &[
    ("index.css", "text/css; charset=utf-8", include_str!("web/index.css")),
    ("seat.css", "text/css; charset=utf-8", include_str!("web/seat.css")),
    ("seat.js", "text/javascript; charset=utf-8", include_str!("web/seat.js")),
    ("seat-face.js", "text/javascript; charset=utf-8", include_str!("web/seat-face.js")),
    ("proctor.css", "text/css; charset=utf-8", include_str!("web/proctor.css")),
    ("proctor.js", "text/javascript; charset=utf-8", include_str!("web/proctor.js")),
    ("proctor-face.js", "text/javascript; charset=utf-8", include_str!("web/proctor-face.js")),
    ("marking.css", "text/css; charset=utf-8", include_str!("web/marking.css")),
    ("marking.js", "text/javascript; charset=utf-8", include_str!("web/marking.js")),
    ("admin.css", "text/css; charset=utf-8", include_str!("web/admin.css")),
    ("admin.js", "text/javascript; charset=utf-8", include_str!("web/admin.js")),
    ("admin-face.js", "text/javascript; charset=utf-8", include_str!("web/admin-face.js")),
    ("registers.js", "text/javascript; charset=utf-8", include_str!("web/registers.js")),
    ("supervision.js", "text/javascript; charset=utf-8", include_str!("web/supervision.js")),
];

/// `GET /assets/{name}`: a page's script or style sheet.
pub async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, kind, body)) => ([(header::CONTENT_TYPE, *kind)], *body).into_response(),
        None => (StatusCode::NOT_FOUND, "没有这个文件").into_response(),
    }
}
