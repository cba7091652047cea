//! Exam-day integrity on the seat and proctor side: sequence numbers a page
//! can count, disconnections recorded and credited, a cap on extensions,
//! moves onto a taken seat, identity numbers with a lower-case x.

use super::{Room, T0};
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_seq_beyond_2_pow_53_is_refused_and_does_not_lock_the_seat_out() {
    let room = Room::new(1, 3600);
    room.clock.set(T0);
    let p = room.staff("p1").await;
    let (token, _) = room.sit(&p, 0).await;
    for seq in [json!(9_007_199_254_740_992u64), json!(u64::MAX)] {
        let (code, body) =
            room.call("PUT", "/api/seat/answers/0", Some(&token), Some(json!({"response": "T", "seq": seq}))).await;
        assert_eq!((code, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("save.seq")), "{body}");
    }
    let (code, _) =
        room.call("PUT", "/api/seat/answers/0", Some(&token), Some(json!({"response": "T", "seq": 1}))).await;
    assert_eq!(code, StatusCode::OK, "the seat still saves");
}

#[tokio::test]
async fn a_disconnection_is_recorded_shown_and_credited_once() {
    let room = Room::new(2, 3600);
    room.clock.set(T0);
    let p = room.staff("p1").await;
    let (token, _) = room.sit(&p, 0).await;
    room.clock.advance(10_000);
    assert_eq!(room.remaining(&token).await, 3590);
    room.clock.advance(150_000); // the cable is out for 150 s
    let (_, seats) = room.call("GET", "/api/proctor/batches/b/seats", Some(&p), None).await;
    assert_eq!(seats[0]["status"], "disconnected");
    assert_eq!(room.remaining(&token).await, 3440, "the clock kept running: the paper stayed on screen");
    let (_, seats) = room.call("GET", "/api/proctor/batches/b/seats", Some(&p), None).await;
    assert_eq!((seats[0]["status"].as_str(), seats[0]["offline_seconds"].as_i64()), (Some("answering"), Some(150)));
    assert_eq!(seats[0]["offline_uncredited_seconds"], 150);
    let events = room.exam.log().all().expect("events");
    let d = events.iter().find(|e| e.kind == kaoshi_exam::events::EventKind::Disconnect).expect("logged");
    assert_eq!(d.detail["seconds"], 150);

    let (code, seat) = room.act(&p, 0, "credit_offline", json!({})).await;
    assert_eq!(code, StatusCode::OK, "{seat}");
    assert_eq!((seat["extra_seconds"].as_i64(), seat["offline_uncredited_seconds"].as_i64()), (Some(180), Some(0)));
    assert_eq!(room.remaining(&token).await, 3620, "150 s lost, 3 minutes credited");
    let extend =
        room.exam.log().all().expect("events").into_iter().rfind(|e| e.kind == kaoshi_exam::events::EventKind::Extend);
    assert_eq!(extend.map(|e| e.detail["reason"].clone()), Some(json!("补时：掉线 3 分钟")));
    let (code, body) = room.act(&p, 0, "credit_offline", json!({})).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::CONFLICT, Some("action.nothing_to_credit")));
}

#[tokio::test]
async fn extensions_are_capped_at_the_papers_duration() {
    let room = Room::new(1, 3600);
    room.clock.set(T0);
    let p = room.staff("p1").await;
    room.sit(&p, 0).await;
    for _ in 0..2 {
        let (code, body) = room.act(&p, 0, "extend", json!({"minutes": 30, "reason": "停电"})).await;
        assert_eq!(code, StatusCode::OK, "{body}");
    }
    let (code, body) = room.act(&p, 0, "extend", json!({"minutes": 1, "reason": "停电"})).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::CONFLICT, Some("action.extension_cap")), "{body}");
    assert!(body["error"].as_str().is_some_and(|e| e.contains("60 分钟")), "{body}");
}

#[tokio::test]
async fn a_move_onto_a_taken_seat_names_who_sits_there() {
    let room = Room::new(3, 3600);
    room.clock.set(T0);
    let p = room.staff("p1").await;
    room.sit(&p, 0).await;
    let (code, body) = room.act(&p, 0, "move", json!({"room": "第1考场", "seat": "02", "reason": "机器故障"})).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::CONFLICT, Some("action.seat_taken")), "{body}");
    assert!(body["error"].as_str().is_some_and(|e| e.contains("考生1") && e.contains("T0001")), "{body}");
    // "2" is seat 02 too.
    let (code, body) = room.act(&p, 0, "move", json!({"room": "第1考场", "seat": "2", "reason": "机器故障"})).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::CONFLICT, Some("action.seat_taken")), "{body}");
    let (code, body) = room.act(&p, 0, "move", json!({"room": "第1考场", "seat": "31", "reason": "机器故障"})).await;
    assert_eq!((code, body["seat"].as_str()), (StatusCode::OK, Some("31")));
    // A free seat typed without its zero is written as the room writes its seats.
    let (code, body) = room.act(&p, 2, "move", json!({"room": "第1考场", "seat": "5", "reason": "机器故障"})).await;
    assert_eq!((code, body["seat"].as_str()), (StatusCode::OK, Some("05")), "{body}");
}

#[tokio::test]
async fn an_identity_number_ending_in_x_logs_in_typed_either_way() {
    let room = Room::new(12, 3600);
    let (i, id) = (0..12u32)
        .map(|i| (i, kaoshi_exam::identity::example_resident_id(i)))
        .find(|(_, id)| id.ends_with('X'))
        .expect("one of twelve ends in X");
    for typed in [id.clone(), id.to_lowercase()] {
        let body = json!({"ticket": format!("T{i:04}"), "id_number": typed});
        let (code, answer) = room.call("POST", "/api/seat/login", None, Some(body)).await;
        assert_eq!(code, StatusCode::OK, "{answer}");
    }
}

#[tokio::test]
async fn with_a_rooms_register_in_strict_mode_a_move_goes_only_to_a_registered_seat() {
    let room = Room::new(2, 3600);
    room.clock.set(T0);
    let p = room.staff("p1").await;
    room.sit(&p, 0).await;
    let dir = room.exam.store().dir().to_path_buf();
    std::fs::write(dir.join("rooms.toml"), "[[room]]\nsite = \"合肥考点\"\nname = \"第1考场\"\nseats = 40\n")
        .expect("rooms");
    // Not strict: the register does not stop a move.
    let (code, body) = room.act(&p, 0, "move", json!({"room": "第1考场", "seat": "99", "reason": "机器故障"})).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    std::fs::write(dir.join("organisation.toml"), "strict = true\n").expect("settings");
    let (code, body) = room.act(&p, 1, "move", json!({"room": "第1考场", "seat": "41", "reason": "机器故障"})).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("action.place")), "{body}");
    assert!(body["error"].as_str().is_some_and(|e| e.contains("第1考场只有 40 个座位（1–40），没有“41”号")), "{body}");
    let (code, body) = room.act(&p, 1, "move", json!({"room": "第9考场", "seat": "1", "reason": "机器故障"})).await;
    assert!(
        code == StatusCode::BAD_REQUEST && body["error"].as_str().is_some_and(|e| e.contains("不在考点考场登记")),
        "{body}"
    );
    let (code, body) = room.act(&p, 1, "move", json!({"room": "第1考场", "seat": "40", "reason": "机器故障"})).await;
    assert_eq!(code, StatusCode::OK, "{body}");
}
