//! Security properties of the HTTP surface: headers, sessions, logins, streams.

use super::{Room, T0};
use axum::http::StatusCode;

#[tokio::test]
async fn every_response_forbids_caching_framing_sniffing_referrers_and_inline_script() {
    let room = Room::new(2, 3600);
    room.clock.set(T0 + 1000);
    let proctor = room.staff("p1").await;
    let (seat, _) = room.sit(&proctor, 0).await;
    let bearer = |t: &str| format!("Bearer {t}");
    let (seat_auth, proctor_auth) = (bearer(&seat), bearer(&proctor));
    type Case<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>);
    let cases: Vec<Case> = vec![
        ("GET", "/", vec![]),
        ("GET", "/seat", vec![]),
        ("GET", "/proctor", vec![]),
        ("GET", "/marking", vec![]),
        ("GET", "/assets/seat.js", vec![]),
        ("GET", "/assets/seat.css", vec![]),
        ("GET", "/assets/nothing.js", vec![]),
        ("GET", "/api/seat/paper", vec![("authorization", seat_auth.as_str())]),
        ("GET", "/api/seat/answers", vec![("authorization", seat_auth.as_str())]),
        ("GET", "/api/seat/status", vec![]),
        ("GET", "/api/proctor/batches/b/seats", vec![("authorization", proctor_auth.as_str())]),
        ("GET", "/api/no/such/path", vec![]),
    ];
    for (method, path, headers) in cases {
        let resp = room.raw(method, path, &headers, None).await;
        let h = resp.headers();
        let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        assert_eq!(get("cache-control"), "no-store", "{method} {path}");
        assert_eq!(get("x-frame-options"), "DENY", "{method} {path}");
        assert_eq!(get("x-content-type-options"), "nosniff", "{method} {path}");
        assert_eq!(get("referrer-policy"), "no-referrer", "{method} {path}");
        let csp = get("content-security-policy");
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{method} {path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{method} {path}: {csp}");
    }
}

#[tokio::test]
async fn pages_carry_no_inline_script_and_their_assets_are_served() {
    let room = Room::new(1, 3600);
    for page in ["/", "/seat", "/proctor", "/marking"] {
        let resp = room.raw("GET", page, &[], None).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let bytes = http_body_util::BodyExt::collect(resp.into_body()).await.expect("body").to_bytes();
        let html = String::from_utf8_lossy(&bytes).to_string();
        for (at, _) in html.match_indices("<script") {
            let tag = &html[at..html[at..].find('>').map_or(html.len(), |e| at + e)];
            assert!(tag.contains(" src=\"/assets/"), "{page}: inline script {tag}");
        }
        assert!(!html.contains("<style"), "{page}: inline style");
        assert!(!html.contains(" onclick=") && !html.contains(" onload="), "{page}: inline handler");
        for (at, _) in html.match_indices("/assets/") {
            let end = html[at..].find('"').map_or(html.len(), |e| at + e);
            let resp = room.raw("GET", &html[at..end], &[], None).await;
            assert_eq!(resp.status(), StatusCode::OK, "{page} needs {}", &html[at..end]);
        }
    }
}
