//! The web pages: plain HTML, CSS and JavaScript embedded in the binary.

use axum::response::Html;

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
