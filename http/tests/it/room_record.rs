//! The room record (考场记录): counts, candidates and incidents of one room,
//! logged, with the head of the event chain it was logged at — a checkpoint
//! taken at once, so the printed head is witnessed.

use super::{Room, T0};
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_room_record_counts_the_room_lists_its_incidents_and_carries_the_logged_head() {
    let room = Room::new(4, 3600);
    room.clock.set(T0);
    let p = room.staff("p1").await;
    for i in 0..3 {
        room.sit(&p, i).await;
    }
    room.clock.advance(60_000);
    assert_eq!(room.act(&p, 0, "violation", json!({"reason": "夹带纸条"})).await.0, StatusCode::OK);
    assert_eq!(room.act(&p, 1, "extend", json!({"minutes": 5, "reason": "机器故障"})).await.0, StatusCode::OK);
    let moved = room.act(&p, 2, "move", json!({"room": "第2考场", "seat": "01", "reason": "显示器故障"})).await;
    assert_eq!(moved.0, StatusCode::OK, "{}", moved.1);
    assert_eq!(room.act(&p, 1, "submit", json!({"reason": "考生身体不适"})).await.0, StatusCode::OK);

    let path = "/api/proctor/batches/b/room-record";
    let (code, r) = room.call("POST", path, Some(&p), Some(json!({"room": "第1考场"}))).await;
    assert_eq!(code, StatusCode::OK, "{r}");
    assert_eq!(r["counts"], json!({"expected": 3, "sat": 2, "absent": 1, "submitted": 1, "violations": 1}), "{r}");
    let seats: Vec<&str> =
        r["candidates"].as_array().expect("lines").iter().map(|c| c["ticket"].as_str().expect("t")).collect();
    assert_eq!(seats, ["T0000", "T0001", "T0003"], "the moved candidate sits in the other room now");
    let texts: Vec<&str> =
        r["incidents"].as_array().expect("incidents").iter().map(|i| i["text"].as_str().expect("text")).collect();
    assert_eq!(
        texts,
        [
            "违纪：其他（夹带纸条），警告",
            "延时 5 分钟（机器故障）",
            "调座：第1考场 03号 → 第2考场 01号（显示器故障）",
            "掉线 60 秒",
            "监考员强制交卷：考生身体不适"
        ],
        "T0001 was silent for the minute before its forced hand-in"
    );
    assert_eq!(
        (r["batch"].as_str(), r["batch_name"].as_str(), r["by"].as_str()),
        (Some("b"), Some("测试批次"), Some("p1"))
    );

    // The head is the logged record itself, and it is the newest checkpoint.
    let events = room.exam.store().events_raw().expect("events");
    let (_, last) = events.last().expect("an event");
    let last: kaoshi_exam::events::Event = serde_json::from_slice(last).expect("event");
    assert_eq!(last.kind, kaoshi_exam::events::EventKind::RoomRecord);
    assert_eq!(
        (last.seq, last.hash.as_str()),
        (r["head"]["seq"].as_u64().expect("seq"), r["head"]["hash"].as_str().expect("hash"))
    );
    assert_eq!(last.detail["expected"], 3);
    let checkpoint = room.exam.store().last_checkpoint().expect("read").expect("a checkpoint");
    assert_eq!((checkpoint.seq, checkpoint.hash), (last.seq, last.hash));

    let (code, body) = room.call("POST", path, Some(&p), Some(json!({"room": "第9考场"}))).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("room.not_found")));
    let (code, _) = room.call("POST", path, None, Some(json!({"room": "第1考场"}))).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_seats_history_tells_its_proctor_what_happened_with_reasons_and_times() {
    let room = Room::new(2, 3600);
    room.clock.set(T0);
    let p = room.staff("p1").await;
    room.sit(&p, 0).await;
    room.clock.advance(10_000);
    assert_eq!(
        room.act(&p, 0, "violation", json!({"reason": "偷看手机", "category": "使用通讯工具"})).await.0,
        StatusCode::OK
    );
    room.clock.advance(10_000);
    assert_eq!(room.act(&p, 0, "pause", json!({"reason": "核对证件"})).await.0, StatusCode::OK);
    let (code, h) = room.call("GET", "/api/proctor/batches/b/seats/T0000/history", Some(&p), None).await;
    assert_eq!(code, StatusCode::OK, "{h}");
    let lines: Vec<(String, String, i64)> = h
        .as_array()
        .expect("history")
        .iter()
        .map(|e| {
            (
                e["text"].as_str().expect("text").into(),
                e["by"].as_str().expect("by").into(),
                e["at"].as_i64().expect("at"),
            )
        })
        .collect();
    let texts: Vec<&str> = lines.iter().map(|l| l.0.as_str()).collect();
    assert_eq!(texts[texts.len() - 2..], ["违纪：使用通讯工具（偷看手机），警告", "暂停（核对证件）"], "{h}");
    assert!(texts[0].starts_with("登录"), "{h}");
    assert!(texts.contains(&"开始答题"), "{h}");
    assert_eq!(lines[lines.len() - 2].1, "staff:p1");
    assert_eq!(lines[lines.len() - 1].2 - lines[lines.len() - 2].2, 10_000, "each with its time");
    let (code, h) = room.call("GET", "/api/proctor/batches/b/seats/T0001/history", Some(&p), None).await;
    assert_eq!((code, h), (StatusCode::OK, json!([])), "nothing happened to the other seat");
    let (code, body) = room.call("GET", "/api/proctor/batches/b/seats/NOPE/history", Some(&p), None).await;
    assert_eq!(code, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn a_violation_that_cancels_the_result_shows_0_and_fail_with_why_in_the_results() {
    let room = Room::new(2, 3600);
    room.clock.set(T0);
    let p = room.staff("p1").await;
    for i in 0..2 {
        let (token, _) = room.sit(&p, i).await;
        let (code, body) =
            room.call("PUT", "/api/seat/answers/0", Some(&token), Some(json!({"response": "T", "seq": 1}))).await;
        assert_eq!(code, StatusCode::OK, "{body}");
        assert_eq!(room.call("POST", "/api/seat/submit", Some(&token), None).await.0, StatusCode::OK);
    }
    let bad = json!({"reason": "袖中夹带小抄", "category": "作弊"});
    let (code, body) = room.act(&p, 0, "violation", bad).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("action.violation")), "{body}");
    assert!(body["error"].as_str().is_some_and(|e| e.contains("夹带、替考")), "the list is named: {body}");
    let cancel = json!({"reason": "袖中夹带小抄", "category": "夹带", "outcome": "取消本次考试成绩"});
    let (code, seat) = room.act(&p, 0, "violation", cancel).await;
    assert_eq!((code, seat["cancelled"].as_str()), (StatusCode::OK, Some("夹带：袖中夹带小抄")), "{seat}");
    let admin = room.staff("ad").await;
    let (code, body) = room.call("POST", "/api/admin/batches/b/publish", Some(&admin), None).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let res = room
        .raw("GET", "/api/admin/batches/b/export/results.csv", &[("authorization", &format!("Bearer {admin}"))], None)
        .await;
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20).await.expect("body");
    let csv = String::from_utf8(bytes.to_vec()).expect("utf8");
    let header = csv.lines().find(|l| l.contains("准考证号")).expect("header");
    assert!(header.ends_with("理论知识成绩,结果,备注"), "{header}");
    let row = csv.lines().find(|l| l.contains("T0000")).expect("row");
    assert!(row.ends_with(",0.0,不合格,取消本次考试成绩（夹带：袖中夹带小抄）"), "{row}");
    let other = csv.lines().find(|l| l.contains("T0001")).expect("row");
    assert!(other.ends_with(",不合格,") || other.ends_with(",合格,"), "no note for the other: {other}");
}
