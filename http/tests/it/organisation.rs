//! The organisation's work on a running server: a bank uploaded and a batch
//! created while another batch is being sat, its candidates able to sit at once.

use super::{cook_bank, Room, T0};
use axum::http::StatusCode;
use kaoshi_engine::seal::{self, Kek, Lock};
use kaoshi_exam::identity::example_resident_id;
use serde_json::json;

fn roster(range: std::ops::Range<u32>) -> String {
    let mut text = String::from("ticket,id_number,name,organisation,room,seat\n");
    for i in range {
        text.push_str(&format!("T{i:04},{},下午考生{i},单位1,第2考场,{:02}\n", example_resident_id(i), i % 100 + 1));
    }
    text
}

#[tokio::test]
async fn an_admin_uploads_a_bank_and_creates_a_batch_while_another_is_being_sat() {
    let room = Room::new(2, 3600);
    room.clock.set(T0);
    let p = room.staff("p1").await;
    let (sitting, _) = room.sit(&p, 0).await;
    let ad = room.staff("ad").await;

    let sealed = seal::seal(&cook_bank(), &Lock::Key(&Kek::from_bytes([3; 32])), &mut rand_core::OsRng).expect("seal");
    let (code, bank) = room.upload("/api/admin/banks", &ad, sealed).await;
    assert_eq!(code, StatusCode::OK, "{bank}");
    assert_eq!(bank["bank_id"], cook_bank().bank.meta.id);
    let foreign = seal::seal(&cook_bank(), &Lock::Key(&Kek::from_bytes([4; 32])), &mut rand_core::OsRng).expect("seal");
    let (code, body) = room.upload("/api/admin/banks", &ad, foreign).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("batch.invalid")), "{body}");
    assert!(body["error"].as_str().is_some_and(|e| e.contains("题库无法打开")), "{body}");
    let (code, body) = room.upload("/api/admin/banks", &ad, b"not a bank".to_vec()).await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{body}");
    let (code, body) = room.upload("/api/admin/banks", &p, b"x".to_vec()).await;
    assert_eq!(code, StatusCode::FORBIDDEN, "a proctor stores no bank: {body}");
    let (_, banks) = room.call("GET", "/api/admin/banks", Some(&ad), None).await;
    assert_eq!(banks.as_array().map(Vec::len), Some(2), "the morning's bank and the new one: {banks}");

    let hash = bank["bank_hash"].as_str().expect("hash");
    let new = |roster: String| {
        json!({"id": "pm", "name": "下午批次", "bank_hash": hash, "start": "2026-03-02T14:00:00+08:00",
               "seed": 7, "roster_csv": roster})
    };
    let mut bad = roster(100..102);
    bad.push_str("T0102,123,错号,单位1,第2考场,03\n");
    let (code, body) = room.call("POST", "/api/admin/batches", Some(&ad), Some(new(bad))).await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().is_some_and(|e| e.contains("第 4 行")), "the bad line is named: {body}");
    let (code, body) = room.call("POST", "/api/admin/batches", Some(&ad), Some(new(roster(0..1)))).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::CONFLICT, Some("batch.ticket_in_use")), "{body}");
    let (code, created) = room.call("POST", "/api/admin/batches", Some(&ad), Some(new(roster(100..103)))).await;
    assert_eq!(code, StatusCode::OK, "{created}");
    assert_eq!((created["id"].as_str(), created["candidates"].as_u64()), (Some("pm"), Some(3)));

    // The new batch is in service at once: its candidate logs in and sits after its start.
    room.clock.set(T0 + 5 * 3_600_000);
    let login = json!({"ticket": "T0101", "id_number": example_resident_id(101)});
    let (code, seat) = room.call("POST", "/api/seat/login", None, Some(login)).await;
    assert_eq!((code, seat["status"].as_str()), (StatusCode::OK, Some("awaiting_identity")), "{seat}");
    let token = seat["token"].as_str().expect("token");
    let (code, _) = room.call("POST", "/api/proctor/batches/pm/seats/T0101/approve", Some(&p), Some(json!({}))).await;
    assert_eq!(code, StatusCode::OK);
    let (code, paper) = room.call("GET", "/api/seat/paper", Some(token), None).await;
    assert_eq!(code, StatusCode::OK, "{paper}");
    assert!(paper["items"].as_array().is_some_and(|i| !i.is_empty()));

    // The morning's candidate was never paused.
    let (_, status) = room.call("GET", "/api/seat/status", Some(&sitting), None).await;
    assert_eq!(status["status"], "submitted", "the morning batch ran its course (time up), unpaused: {status}");
    let events = room.exam.store().events_raw().expect("events");
    let paused = events
        .iter()
        .filter_map(|(_, raw)| serde_json::from_slice::<kaoshi_exam::events::Event>(raw).ok())
        .any(|e| e.kind == kaoshi_exam::events::EventKind::Pause);
    assert!(!paused, "no seat was paused");
}
