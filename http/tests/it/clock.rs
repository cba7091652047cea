//! The exam clock: pauses, extensions, the batch start, time-out hand-in and
//! restart recovery, on a manual clock.

use super::{Room, T0};
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn pause_and_extension_shape_the_remaining_time() {
    let room = Room::new(3, 3600);
    room.clock.set(T0);
    let p = room.staff("p1").await;
    let (token, _) = room.sit(&p, 2).await;
    room.clock.advance(10_000);
    assert_eq!(room.remaining(&token).await, 3590);

    assert_eq!(room.act(&p, 2, "pause", json!({})).await.0, StatusCode::BAD_REQUEST, "a pause needs a reason");
    assert_eq!(room.act(&p, 2, "pause", json!({"reason": "考生如厕"})).await.0, StatusCode::OK);
    room.clock.advance(600_000);
    assert_eq!(room.remaining(&token).await, 3590, "paused time is not charged");
    let (code, body) = room.call("GET", "/api/seat/paper", Some(&token), None).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::CONFLICT, Some("seat.paused")), "no paper while paused");
    let save = json!({"response": "T", "seq": 1});
    let (code, body) = room.call("PUT", "/api/seat/answers/0", Some(&token), Some(save)).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::CONFLICT, Some("seat.paused")), "no save while paused");
    assert_eq!(room.act(&p, 2, "resume", json!({})).await.0, StatusCode::OK);
    room.clock.advance(1_000);
    assert_eq!(room.remaining(&token).await, 3589);

    assert_eq!(room.act(&p, 2, "extend", json!({"minutes": 5})).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(room.act(&p, 2, "extend", json!({"minutes": 0, "reason": "x"})).await.0, StatusCode::BAD_REQUEST);
    let (code, seat) = room.act(&p, 2, "extend", json!({"minutes": 5, "reason": "设备故障补时"})).await;
    assert_eq!((code, seat["remaining_seconds"].as_i64()), (StatusCode::OK, Some(3889)));
    let (_, seat) = room.act(&p, 2, "violation", json!({"reason": "交头接耳"})).await;
    assert_eq!(seat["violations"], 1);
}

#[tokio::test]
async fn the_paper_opens_at_the_batch_start_and_not_before() {
    let room = Room::new(1, 3600);
    let p = room.staff("p1").await;
    let token = room.seat_login(0).await;
    let (code, _) = room.call("GET", "/api/seat/paper", Some(&token), None).await;
    assert_eq!(code, StatusCode::FORBIDDEN, "no paper before identity approval");
    assert_eq!(room.act(&p, 0, "approve", json!({})).await.0, StatusCode::OK);
    let (code, body) = room.call("GET", "/api/seat/paper", Some(&token), None).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("seat.not_started")), "{body}");
    assert_eq!(room.call("GET", "/api/seat/status", Some(&token), None).await.1["starts_in_seconds"], 600);
    room.clock.set(T0);
    let (code, paper) = room.call("GET", "/api/seat/paper", Some(&token), None).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(paper["remaining_seconds"], 3600, "the clock starts when the paper opens");
}

#[tokio::test]
async fn time_out_hands_in_the_last_acknowledged_answers() {
    let room = Room::new(3, 60);
    room.clock.set(T0);
    let p = room.staff("p1").await;
    let (token, paper) = room.sit(&p, 0).await;
    let pos = paper["items"].as_array().expect("items").iter().position(|i| i["type"] == "single").expect("single");
    let (code, _) = room
        .call("PUT", &format!("/api/seat/answers/{pos}"), Some(&token), Some(json!({"response": "B", "seq": 1})))
        .await;
    assert_eq!(code, StatusCode::OK);
    room.clock.advance(40_000);
    assert_eq!(room.remaining(&token).await, 20, "the page polls its status");
    room.clock.advance(19_999);
    room.exam.tick(1, 60).await;
    let (_, seats) = room.call("GET", "/api/proctor/batches/b/seats", Some(&p), None).await;
    assert_eq!(seats[0]["status"], "answering", "one millisecond is left");
    room.clock.advance(1);
    room.exam.tick(2, 60).await;
    let (_, seats) = room.call("GET", "/api/proctor/batches/b/seats", Some(&p), None).await;
    assert_eq!(seats[0]["status"], "submitted", "{seats}");
    assert_eq!(seats[0]["answered"], 1);
    assert!(seats[0]["score"].is_number(), "graded at hand-in: {}", seats[0]);
    let (code, body) = room
        .call("PUT", &format!("/api/seat/answers/{pos}"), Some(&token), Some(json!({"response": "A", "seq": 2})))
        .await;
    assert_eq!(
        (code, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("auth.seat_ended")),
        "a hand-in by the timer ends the seat's session too"
    );
    let submits: Vec<_> = room
        .exam
        .log()
        .all()
        .expect("events")
        .into_iter()
        .filter(|e| e.kind == kaoshi_exam::events::EventKind::Submit)
        .collect();
    assert_eq!((submits.len(), submits[0].actor.as_str()), (1, "timer"));
    assert_eq!(submits[0].detail["reason"], "考试时间到，自动交卷");
}

#[tokio::test]
async fn a_restart_charges_time_only_up_to_the_last_heartbeat() {
    let room = Room::new(2, 3600);
    room.clock.set(T0);
    let p = room.staff("p1").await;
    let (token, _) = room.sit(&p, 1).await;
    room.clock.advance(20_000);
    room.exam.tick(1, 60).await; // the heartbeat at T0 + 20 s
    room.clock.advance(300_000); // the server is down for five minutes
    assert_eq!(room.exam.recover_after_restart().expect("recover"), 1);
    let status = room.call("GET", "/api/seat/status", Some(&token), None).await.1;
    assert_eq!((status["status"].as_str(), status["remaining_seconds"].as_i64()), (Some("paused"), Some(3580)));
    assert_eq!(room.act(&p, 1, "resume", json!({})).await.0, StatusCode::OK);
    room.clock.advance(1_000);
    assert_eq!(room.remaining(&token).await, 3579, "resuming charges nothing for the outage");
}
