//! A candidate's saves through the API: sequence numbers, replays, bad
//! positions and letters, another machine's login, hand-in.

use super::{Room, T0};
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn saves_are_ordered_replayed_and_checked() {
    let room = Room::new(2, 3600);
    room.clock.set(T0);
    let p = room.staff("p1").await;
    let (token, paper) = room.sit(&p, 0).await;
    let pos = paper["items"].as_array().expect("items").iter().position(|i| i["type"] == "single").expect("single");
    let save = |seq: u64, response: &str| {
        let body = json!({"response": response, "seq": seq});
        let room = &room;
        let token = token.clone();
        async move { room.call("PUT", &format!("/api/seat/answers/{pos}"), Some(&token), Some(body)).await }
    };
    assert_eq!(save(1, "B").await.0, StatusCode::OK);
    let (code, body) = save(1, "B").await;
    assert_eq!((code, body["replay"].as_bool()), (StatusCode::OK, Some(true)), "a replay is acknowledged again");
    let (code, body) = save(1, "C").await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::CONFLICT, Some("save.stale")));
    let (code, body) = save(2, "Z").await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("save.response")));
    assert_eq!(save(5, "D").await.0, StatusCode::OK);
    assert_eq!(save(4, "A").await.0, StatusCode::CONFLICT, "an older seq never overwrites a newer save");
    let (code, body) =
        room.call("PUT", "/api/seat/answers/999", Some(&token), Some(json!({"response": "A", "seq": 9}))).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("save.position")));

    // Another machine: the old token is void, answers and time stay.
    room.clock.advance(30_000);
    let token2 = room.seat_login(0).await;
    assert_eq!(room.call("GET", "/api/seat/answers", Some(&token), None).await.0, StatusCode::UNAUTHORIZED);
    room.clock.advance(120_000);
    let (_, waiting) = room.call("GET", "/api/seat/status", Some(&token2), None).await;
    assert_eq!(waiting["status"], "awaiting_identity", "the waiting page polls its status");
    assert_eq!(room.act(&p, 0, "approve", json!({})).await.1["status"], "answering");
    let (_, saved) = room.call("GET", "/api/seat/answers", Some(&token2), None).await;
    assert_eq!((saved["last_seq"].as_u64(), saved["answers"][0]["response"].as_str()), (Some(5), Some("D")));
    assert_eq!(saved["remaining_seconds"], 3570, "the re-login pause is not charged");

    let (code, body) = room.call("POST", "/api/seat/submit", Some(&token2), None).await;
    assert_eq!((code, body["status"].as_str()), (StatusCode::OK, Some("submitted")));
    let (code, _) = room
        .call("PUT", &format!("/api/seat/answers/{pos}"), Some(&token2), Some(json!({"response": "A", "seq": 6})))
        .await;
    assert_eq!(code, StatusCode::UNAUTHORIZED, "the seat's session ended at hand-in");
}

#[tokio::test]
async fn errors_carry_a_stable_code_and_500s_say_nothing_inside() {
    let room = Room::new(1, 3600);
    let (code, body) =
        room.call("POST", "/api/seat/login", None, Some(json!({"ticket": "T0000", "id_number": "wrong"}))).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("login.wrong")));
    let (code, body) = room.call("GET", "/api/seat/paper", None, None).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("auth.unauthorized")));
    let p = room.staff("p1").await;
    let (code, body) = room.call("GET", "/api/admin/batches/b/totals", Some(&p), None).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("auth.role")));
    let (code, body) = room.call("GET", "/api/proctor/batches/nope/seats", Some(&p), None).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("batch.not_found")));
    // Below the handlers: the same JSON, in Chinese.
    let (code, body) = room.call("GET", "/api/nothing/here", None, None).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("request.not_found")));
    let (code, body) = room.call("POST", "/api/seat/login", None, Some(json!({"ticket": 5}))).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("request.invalid")), "{body}");
    let token = room.seat_login(0).await;
    let (code, body) =
        room.call("PUT", "/api/seat/answers/x", Some(&token), Some(json!({"response": "T", "seq": 1}))).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("request.invalid")), "{body}");
}

#[tokio::test]
async fn flags_follow_the_candidate_to_another_machine_and_the_rules_are_acknowledged_once() {
    let room = Room::new(1, 3600);
    room.clock.set(T0);
    let p = room.staff("p1").await;
    let token = room.seat_login(0).await;
    let (code, rules) = room.call("GET", "/api/seat/rules", Some(&token), None).await;
    assert_eq!((code, rules["acknowledged"].as_bool()), (StatusCode::OK, Some(false)));
    assert!(rules["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .any(|r| r.as_str().expect("text").contains("违反考场规则")));
    let (code, status) = room.call("POST", "/api/seat/rules", Some(&token), None).await;
    assert_eq!((code, status["rules_acknowledged"].as_bool()), (StatusCode::OK, Some(true)));
    assert_eq!(room.call("POST", "/api/seat/rules", Some(&token), None).await.0, StatusCode::OK, "again is fine");
    let (code, body) = room.call("PUT", "/api/seat/flags/3", Some(&token), Some(json!({"flagged": true}))).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("seat.not_started")), "{body}");

    room.act(&p, 0, "approve", json!({})).await;
    assert_eq!(room.call("GET", "/api/seat/paper", Some(&token), None).await.0, StatusCode::OK);
    for (pos, on) in [(3, true), (1, true), (3, true), (5, true), (1, false)] {
        let (code, body) =
            room.call("PUT", &format!("/api/seat/flags/{pos}"), Some(&token), Some(json!({"flagged": on}))).await;
        assert_eq!(code, StatusCode::OK, "{body}");
    }
    let (code, body) = room.call("PUT", "/api/seat/flags/999", Some(&token), Some(json!({"flagged": true}))).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("save.position")));

    // Another machine: the flags come back with the answers.
    let token2 = room.seat_login(0).await;
    room.act(&p, 0, "approve", json!({})).await;
    let (_, saved) = room.call("GET", "/api/seat/answers", Some(&token2), None).await;
    assert_eq!(saved["flagged"], json!([3, 5]));
    let (_, status) = room.call("GET", "/api/seat/status", Some(&token2), None).await;
    assert_eq!(status["rules_acknowledged"], true, "acknowledged once for the exam, not per login");
    let acks = room
        .exam
        .log()
        .all()
        .expect("events")
        .into_iter()
        .filter(|e| e.kind == kaoshi_exam::events::EventKind::RulesAcknowledged)
        .map(|e| e.detail["rules"].clone())
        .collect::<Vec<_>>();
    assert_eq!(acks, vec![json!(kaoshi_exam::rules::version())], "logged once, with the version shown");
}
