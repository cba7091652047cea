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

fn ticket(i: usize) -> String {
    format!("T{i:04}")
}

fn id_number(i: usize) -> String {
    kaoshi_exam::identity::example_resident_id(i as u32)
}

#[tokio::test]
async fn a_locked_ticket_stays_open_to_its_owner_elsewhere_and_a_proctor_clears_it() {
    let room = Room::new(2, 3600);
    let login = |address: [u8; 4], id: String| {
        let body = serde_json::json!({"ticket": ticket(0), "id_number": id});
        let room = &room;
        async move { room.call_from(address, "Chrome/156", "POST", "/api/seat/login", Some(body)).await }
    };
    for _ in 0..6 {
        assert_eq!(login([10, 0, 0, 66], "110101199001010000".into()).await.0, StatusCode::BAD_REQUEST);
    }
    let (code, body) = login([10, 0, 0, 66], id_number(0)).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("login.too_many")));
    // The candidate at the real seat is not locked out by someone guessing elsewhere.
    assert_eq!(login([10, 0, 0, 5], id_number(0)).await.0, StatusCode::OK);
    // The proctor sees the failures and clears them.
    let p = room.staff("p1").await;
    let (_, seats) = room.call("GET", "/api/proctor/batches/b/seats", Some(&p), None).await;
    assert_eq!(seats[0]["login_failures"], 6);
    assert!(seats[0]["login_locked_seconds"].as_i64().unwrap_or(0) > 0, "{}", seats[0]);
    let (code, seat) = room.act(&p, 0, "unlock", serde_json::json!({})).await;
    assert_eq!((code, seat["login_failures"].as_u64()), (StatusCode::OK, Some(0)), "{seat}");
    assert_eq!(login([10, 0, 0, 66], id_number(0)).await.0, StatusCode::OK);
    let unlocks = room.exam.log().all().expect("log");
    assert!(unlocks.iter().any(|e| e.kind == kaoshi_exam::events::EventKind::Unlock && e.actor == "staff:p1"));
}

#[tokio::test]
async fn the_approval_card_shows_the_device_and_flags_a_new_one() {
    let room = Room::new(1, 3600);
    room.clock.set(T0 + 1000);
    let p = room.staff("p1").await;
    let body = serde_json::json!({"ticket": ticket(0), "id_number": id_number(0)});
    let seat_pc = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
    let (code, _) = room.call_from([10, 0, 1, 21], seat_pc, "POST", "/api/seat/login", Some(body.clone())).await;
    assert_eq!(code, StatusCode::OK);
    let (_, seats) = room.call("GET", "/api/proctor/batches/b/seats", Some(&p), None).await;
    assert_eq!(
        (seats[0]["device_address"].as_str(), seats[0]["device_browser"].as_str(), seats[0]["new_device"].as_bool()),
        (Some("10.0.1.21"), Some("Chrome 156 · Windows"), Some(false))
    );
    assert_eq!(room.act(&p, 0, "approve", serde_json::json!({})).await.0, StatusCode::OK);
    // Someone else with the ticket and number, on a laptop in the corridor.
    let laptop = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    let (code, _) = room.call_from([10, 0, 9, 99], laptop, "POST", "/api/seat/login", Some(body)).await;
    assert_eq!(code, StatusCode::OK);
    let (_, seats) = room.call("GET", "/api/proctor/batches/b/seats", Some(&p), None).await;
    assert_eq!(seats[0]["status"], "awaiting_identity", "the seat waits for the proctor again");
    assert_eq!(
        (seats[0]["device_address"].as_str(), seats[0]["device_browser"].as_str(), seats[0]["new_device"].as_bool()),
        (Some("10.0.9.99"), Some("Firefox 128 · Linux"), Some(true))
    );
}

#[tokio::test]
async fn staff_sessions_end_at_logout_role_change_password_change_and_disabling() {
    use kaoshi_exam::admin::{add_staff, set_staff_disabled};
    use kaoshi_exam::events::Actor;
    use kaoshi_exam::log::EventLog;
    use kaoshi_exam::staff::{new_staff, Role};
    let room = Room::new(1, 3600);
    let store = room.exam.store().clone();
    let log = EventLog::open(store.clone()).expect("log");
    let list = |token: String| {
        let room = &room;
        async move { room.call("GET", "/api/proctor/batches", Some(&token), None).await }
    };
    // Logout.
    let ad = room.staff("ad").await;
    assert_eq!(list(ad.clone()).await.0, StatusCode::OK);
    assert_eq!(room.call("POST", "/api/staff/logout", Some(&ad), None).await.0, StatusCode::OK);
    let (code, body) = list(ad).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED, "{body}");
    // A demotion: the admin's token must not keep registering occupations.
    let ad = room.staff("ad").await;
    let demoted = new_staff("ad", Role::Marker, "secret-pass-1", None, &[]).expect("staff");
    add_staff(&store, &log, T0, &Actor::Cli, &demoted).expect("demote");
    let (code, body) = room
        .call(
            "POST",
            "/api/admin/occupations",
            Some(&ad),
            Some(serde_json::json!({"code": "X", "name": "电工", "level": "4"})),
        )
        .await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("auth.revoked")), "{body}");
    // A new password.
    let p = room.staff("p1").await;
    let renewed = new_staff("p1", Role::Proctor, "another-pass-2", None, &[]).expect("staff");
    add_staff(&store, &log, T0, &Actor::Cli, &renewed).expect("password");
    assert_eq!(list(p).await.0, StatusCode::UNAUTHORIZED);
    // Disabled: the session ends and no new one begins.
    let (code, body) = room
        .call("POST", "/api/staff/login", None, Some(serde_json::json!({"user": "p1", "password": "another-pass-2"})))
        .await;
    assert_eq!(code, StatusCode::OK);
    let p = body["token"].as_str().expect("token").to_string();
    set_staff_disabled(&store, &log, T0, &Actor::Cli, "p1", true).expect("disable");
    assert_eq!(list(p).await.0, StatusCode::UNAUTHORIZED);
    let (code, body) = room
        .call("POST", "/api/staff/login", None, Some(serde_json::json!({"user": "p1", "password": "another-pass-2"})))
        .await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("login.disabled")));
    // Every ended session is forgotten, expired ones too.
    let live = room.staff("ad").await;
    room.clock.advance(13 * 3600 * 1000);
    assert_eq!(list(live).await.0, StatusCode::UNAUTHORIZED, "12 hours at most");
    let purged = room.exam.purge_sessions().expect("purge");
    assert!(purged >= 4, "{purged} sessions purged");
    assert!(store.sessions().expect("sessions").is_empty());
}

#[tokio::test]
async fn a_staff_member_sees_and_reaches_only_the_batches_they_work_on() {
    use kaoshi_exam::admin::add_staff;
    use kaoshi_exam::events::Actor;
    use kaoshi_exam::log::EventLog;
    use kaoshi_exam::staff::{new_staff, Role};
    let room = Room::new(1, 3600);
    let store = room.exam.store().clone();
    let log = EventLog::open(store.clone()).expect("log");
    let mut other = new_staff("p2", Role::Proctor, "secret-pass-1", None, &[]).expect("staff");
    other.batches = vec!["afternoon".into()];
    add_staff(&store, &log, T0, &Actor::Cli, &other).expect("add");
    let p2 = room.staff("p2").await;
    let (code, list) = room.call("GET", "/api/proctor/batches", Some(&p2), None).await;
    assert_eq!((code, list.clone()), (StatusCode::OK, serde_json::json!([])), "{list}");
    for (method, path) in [
        ("GET", "/api/proctor/batches/b/seats"),
        ("POST", "/api/proctor/batches/b/stream-ticket"),
        ("POST", "/api/proctor/batches/b/seats/T0000/pause"),
    ] {
        let (code, body) = room.call(method, path, Some(&p2), Some(serde_json::json!({"reason": "x"}))).await;
        assert_eq!(
            (code, body["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("auth.not_on_batch")),
            "{method} {path}"
        );
    }
    // One who works on every batch (no assignment) and the admin see it.
    for user in ["p1", "ad"] {
        let t = room.staff(user).await;
        let (_, list) = room.call("GET", "/api/proctor/batches", Some(&t), None).await;
        assert_eq!(list.as_array().map(Vec::len), Some(1), "{user}");
    }
}

#[tokio::test]
async fn unknown_users_and_wrong_passwords_take_the_same_time() {
    let room = Room::new(1, 3600);
    let times = |user: &'static str| {
        let room = &room;
        async move {
            let mut t = Vec::new();
            for _ in 0..5 {
                let started = std::time::Instant::now();
                let body = serde_json::json!({"user": user, "password": "not-the-password"});
                let (code, _) = room.call_from([10, 1, 1, 1], "x", "POST", "/api/staff/login", Some(body)).await;
                assert_eq!(code, StatusCode::BAD_REQUEST);
                t.push(started.elapsed());
            }
            t.sort();
            t[2]
        }
    };
    let (unknown, wrong) = (times("nobody-here").await, times("ad").await);
    let ratio = unknown.as_secs_f64() / wrong.as_secs_f64();
    assert!((0.6..1.6).contains(&ratio), "unknown user {unknown:?}, wrong password {wrong:?}");
}

/// Reads the next server-sent event's data from a streaming body, or `None`
/// when the stream ends or nothing comes within `wait`.
async fn next_event(body: &mut axum::body::Body, wait: std::time::Duration) -> Option<String> {
    use http_body_util::BodyExt;
    let deadline = tokio::time::Instant::now() + wait;
    let mut text = String::new();
    loop {
        let frame = tokio::time::timeout_at(deadline, body.frame()).await.ok()??.ok()?;
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
            if let Some(line) = text.lines().find(|l| l.starts_with("data:")) {
                if text.contains("\n\n") {
                    return Some(line.trim_start_matches("data:").trim().to_string());
                }
            }
        }
    }
}

async fn open_stream(room: &Room, token: &str) -> axum::http::Response<axum::body::Body> {
    let (code, body) = room.call("POST", "/api/proctor/batches/b/stream-ticket", Some(token), None).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let ticket = body["ticket"].as_str().expect("ticket").to_string();
    room.raw("GET", &format!("/api/proctor/batches/b/stream?ticket={ticket}"), &[], None).await
}

#[tokio::test]
async fn streams_open_with_single_use_tickets_share_one_feed_and_end_with_their_session() {
    let room = Room::new(3, 3600);
    let p = room.staff("p1").await;
    // The bearer token in the URL is no longer accepted.
    let resp = room.raw("GET", &format!("/api/proctor/batches/b/stream?token={p}"), &[], None).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    // A ticket opens one stream, once.
    let (_, body) = room.call("POST", "/api/proctor/batches/b/stream-ticket", Some(&p), None).await;
    let ticket = body["ticket"].as_str().expect("ticket").to_string();
    let first = room.raw("GET", &format!("/api/proctor/batches/b/stream?ticket={ticket}"), &[], None).await;
    assert_eq!(first.status(), StatusCode::OK);
    let again = room.raw("GET", &format!("/api/proctor/batches/b/stream?ticket={ticket}"), &[], None).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED, "a used ticket");
    let mut first = first.into_body();
    let seats = next_event(&mut first, std::time::Duration::from_secs(5)).await.expect("first event");
    let seats: serde_json::Value = serde_json::from_str(&seats).expect("json");
    assert_eq!(seats.as_array().map(Vec::len), Some(3), "every seat first");
    // Three streams per session; all of them read one feed.
    let second = open_stream(&room, &p).await;
    let third = open_stream(&room, &p).await;
    assert_eq!((second.status(), third.status()), (StatusCode::OK, StatusCode::OK));
    let fourth = open_stream(&room, &p).await;
    assert_eq!(fourth.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(room.state.streams.feeds(), 1, "one feed for the batch, however many watch it");
    // A change reaches the stream as that seat alone.
    room.clock.set(T0 + 1000);
    room.seat_login(1).await;
    let changed = next_event(&mut first, std::time::Duration::from_secs(5)).await.expect("a change");
    let changed: serde_json::Value = serde_json::from_str(&changed).expect("json");
    assert_eq!(changed.as_array().map(Vec::len), Some(1), "{changed}");
    assert_eq!(changed[0]["ticket"], "T0001");
    // Logging out ends every stream of the session.
    assert_eq!(room.call("POST", "/api/staff/logout", Some(&p), None).await.0, StatusCode::OK);
    room.seat_login(2).await;
    let mut ended = false;
    for _ in 0..10 {
        if next_event(&mut first, std::time::Duration::from_secs(3)).await.is_none() {
            ended = true;
            break;
        }
    }
    assert!(ended, "the stream outlived its session");
    drop((first, second, third));
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(room.state.streams.feeds(), 0, "the feed stops when no one watches");
}
