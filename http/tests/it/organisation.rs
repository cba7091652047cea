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
    // Strict mode refuses a start inside the filing lead time (T0 is 2026-03-02 09:00, the start that afternoon).
    std::fs::write(room.exam.store().dir().join("organisation.toml"), "strict = true\n").expect("settings");
    let (code, body) = room.call("POST", "/api/admin/batches", Some(&ad), Some(new(roster(100..103)))).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::CONFLICT, Some("batch.plan_late")), "{body}");
    assert!(body["error"].as_str().is_some_and(|e| e.contains("最早可于 2026-03-09 开考")), "{body}");
    std::fs::remove_file(room.exam.store().dir().join("organisation.toml")).expect("lenient again");
    let (code, created) = room.call("POST", "/api/admin/batches", Some(&ad), Some(new(roster(100..103)))).await;
    assert_eq!(code, StatusCode::OK, "{created}");
    assert_eq!((created["id"].as_str(), created["candidates"].as_u64()), (Some("pm"), Some(3)));
    assert!(
        created["warnings"][0].as_str().is_some_and(|w| w.contains("5 个工作日")),
        "warned, not refused: {created}"
    );

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

#[tokio::test]
async fn staff_are_managed_rooms_scope_proctors_and_a_closed_batch_leaves_memory() {
    let room = Room::new(3, 600);
    room.clock.set(T0);
    let ad = room.staff("ad").await;
    // Seat 2 moves to room 2 so that two rooms exist.
    let p = room.staff("p1").await;
    let (code, _) = room.act(&p, 2, "move", json!({"room": "第2考场", "seat": "01", "reason": "机器故障"})).await;
    assert_eq!(code, StatusCode::OK);

    let account =
        json!({"user": "p2", "role": "proctor", "password": "secret-pass-2", "batches": ["b"], "rooms": ["第2考场"]});
    let (code, staff) = room.call("POST", "/api/admin/staff", Some(&ad), Some(account)).await;
    assert_eq!(code, StatusCode::OK, "{staff}");
    assert_eq!((staff["role_name"].as_str(), staff["rooms"][0].as_str()), (Some("监考员"), Some("第2考场")));
    assert!(staff.get("password_hash").is_none());
    let (code, body) =
        room.call("POST", "/api/admin/staff", Some(&ad), Some(json!({"user": "x", "role": "proctor"}))).await;
    assert_eq!(
        (code, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("staff.invalid")),
        "a new account needs a password"
    );
    let (code, _) = room
        .call("POST", "/api/admin/staff", Some(&ad), Some(json!({"user": "x", "role": "king", "password": "12345678"})))
        .await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "no such role");
    let (code, _) = room
        .call("POST", "/api/admin/staff", Some(&p), Some(json!({"user": "y", "role": "admin", "password": "12345678"})))
        .await;
    assert_eq!(code, StatusCode::FORBIDDEN, "a proctor makes no accounts");

    // p2 sees and acts only in room 2.
    let (code, login) =
        room.call("POST", "/api/staff/login", None, Some(json!({"user": "p2", "password": "secret-pass-2"}))).await;
    assert_eq!(code, StatusCode::OK, "{login}");
    let p2 = login["token"].as_str().expect("token").to_string();
    let (_, seats) = room.call("GET", "/api/proctor/batches/b/seats", Some(&p2), None).await;
    let tickets: Vec<&str> =
        seats.as_array().expect("seats").iter().map(|s| s["ticket"].as_str().expect("t")).collect();
    assert_eq!(tickets, ["T0002"], "only room 2");
    let (code, body) = room.act(&p2, 0, "violation", json!({"reason": "x"})).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("auth.not_in_room")));
    let (code, body) =
        room.call("POST", "/api/proctor/batches/b/room-record", Some(&p2), Some(json!({"room": "第1考场"}))).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("auth.not_in_room")));
    assert_eq!(room.act(&p2, 2, "violation", json!({"reason": "夹带"})).await.0, StatusCode::OK);
    // Nor moves anyone into a room that is not theirs.
    let (code, body) = room.act(&p2, 2, "move", json!({"room": "第1考场", "seat": "30", "reason": "x"})).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("auth.not_in_room")), "{body}");

    // An auditor watches read-only.
    let (code, _) = room
        .call(
            "POST",
            "/api/admin/staff",
            Some(&ad),
            Some(json!({"user": "au", "role": "auditor", "password": "secret-pass-3"})),
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    let (_, login) =
        room.call("POST", "/api/staff/login", None, Some(json!({"user": "au", "password": "secret-pass-3"}))).await;
    let au = login["token"].as_str().expect("token").to_string();
    let (code, seats) = room.call("GET", "/api/proctor/batches/b/seats", Some(&au), None).await;
    assert_eq!((code, seats.as_array().map(Vec::len)), (StatusCode::OK, Some(3)));
    assert_eq!(room.act(&au, 0, "violation", json!({"reason": "x"})).await.0, StatusCode::FORBIDDEN);

    // Disabling ends the session; an admin cannot disable themselves.
    let (code, _) = room.call("POST", "/api/admin/staff/p2/disable", Some(&ad), None).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(room.call("GET", "/api/proctor/batches/b/seats", Some(&p2), None).await.0, StatusCode::UNAUTHORIZED);
    let (code, _) = room.call("POST", "/api/admin/staff/ad/disable", Some(&ad), None).await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    // The last admin keeps the role: not by their own hand, not by anyone's.
    let demote = json!({"user": "ad", "role": "proctor"});
    let (code, body) = room.call("POST", "/api/admin/staff", Some(&ad), Some(demote)).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("staff.invalid")), "{body}");
    let (code, _) = room
        .call(
            "POST",
            "/api/admin/staff",
            Some(&ad),
            Some(json!({"user": "ad2", "role": "admin", "password": "secret-pass-9"})),
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    let (_, login) =
        room.call("POST", "/api/staff/login", None, Some(json!({"user": "ad2", "password": "secret-pass-9"}))).await;
    let ad2 = login["token"].as_str().expect("token").to_string();
    let (code, _) = room.call("POST", "/api/admin/staff/ad2/disable", Some(&ad), None).await;
    assert_eq!(code, StatusCode::OK, "another admin remains");
    let (code, body) =
        room.call("POST", "/api/admin/staff", Some(&ad2), Some(json!({"user": "ad", "role": "proctor"}))).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED, "ad2 was disabled: {body}");
    let (_, list) = room.call("GET", "/api/admin/staff", Some(&ad), None).await;
    assert!(list.as_array().expect("list").iter().any(|s| s["user"] == "p2" && s["disabled"] == true));

    // Close: refused while a started candidate has not handed in; then the batch leaves memory.
    let (token, _) = room.sit(&p, 0).await;
    let (code, body) = room.call("POST", "/api/admin/batches/b/close", Some(&ad), None).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::CONFLICT, Some("batch.busy")), "{body}");
    assert_eq!(room.call("POST", "/api/seat/submit", Some(&token), None).await.0, StatusCode::OK);
    let (_, summary) = room.call("GET", "/api/admin/batches", Some(&ad), None).await;
    assert_eq!((summary[0]["submitted"].as_u64(), summary[0]["statuses"]["submitted"].as_u64()), (Some(1), Some(1)));
    let waiting = room.seat_login(1).await;
    let (code, _) = room.call("POST", "/api/admin/batches/b/close", Some(&ad), None).await;
    assert_eq!(code, StatusCode::OK);
    let (code, _) = room.call("GET", "/api/seat/status", Some(&waiting), None).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED, "a candidate still waiting is logged out at the close");
    assert!(room.exam.batches().is_empty(), "the closed batch's bank and papers left memory");
    let (_, summary) = room.call("GET", "/api/admin/batches", Some(&ad), None).await;
    assert!(summary[0]["closed"].is_i64(), "{summary}");
    let (code, body) = room.act(&p, 1, "violation", json!({"reason": "x"})).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::CONFLICT, Some("batch.closed")));
    // Results still work: the bank is reopened for them.
    let (code, totals) = room.call("GET", "/api/admin/batches/b/totals", Some(&ad), None).await;
    assert_eq!(code, StatusCode::OK, "{totals}");

    // The log, for auditors.
    let (code, check) = room.call("GET", "/api/audit/log/verify", Some(&au), None).await;
    assert_eq!((code, check["intact"].as_bool()), (StatusCode::OK, Some(true)), "{check}");
    let (code, head) = room.call("POST", "/api/audit/log/head", Some(&au), None).await;
    assert_eq!(code, StatusCode::OK);
    let (_, list) = room.call("GET", "/api/audit/log/checkpoints", Some(&au), None).await;
    assert_eq!(list.as_array().and_then(|l| l.last()).map(|c| c["hash"].clone()), Some(head["hash"].clone()));
    let (_, ledger) = room.call("GET", "/api/audit/ledger", Some(&au), None).await;
    assert!(ledger.as_array().expect("ledger").iter().any(|e| e["kind"] == "batch_create"));
    assert_eq!(room.call("GET", "/api/audit/ledger", Some(&p), None).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_roster_changes_before_the_start_with_a_reason_and_a_workbook_roster_is_read() {
    let room = Room::new(3, 600);
    let ad = room.staff("ad").await;
    let path = "/api/admin/batches/b/roster";
    let line = |ticket: &str, i: u32, seat: &str| json!({"ticket": ticket, "id_number": example_resident_id(i), "name": format!("补报考生{i}"), "organisation": "单位9", "room": "第1考场", "seat": seat});
    let (code, body) =
        room.call("POST", path, Some(&ad), Some(json!({"action": "add", "line": line("T0100", 100, "50")}))).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("action.reason_required")));
    let (code, body) = room
        .call(
            "POST",
            path,
            Some(&ad),
            Some(json!({"action": "add", "reason": "补报", "line": line("T0100", 100, "01")})),
        )
        .await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::CONFLICT, Some("action.seat_taken")), "{body}");
    let (code, body) = room
        .call(
            "POST",
            path,
            Some(&ad),
            Some(json!({"action": "add", "reason": "补报", "line": line("T0001", 100, "50")})),
        )
        .await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::CONFLICT, Some("batch.ticket_in_use")), "{body}");
    let (code, body) = room
        .call(
            "POST",
            path,
            Some(&ad),
            Some(json!({"action": "add", "reason": "补报名，经审核", "line": line("T0100", 100, "50")})),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let (code, body) = room.call("POST", path, Some(&ad), Some(json!({"action": "correct", "reason": "姓名录错", "line": {"ticket": "T0001", "id_number": example_resident_id(1), "name": "更正姓名", "room": "第1考场", "seat": "02"}}))).await;
    assert_eq!((code, body["seat"]["name"].as_str()), (StatusCode::OK, Some("更正姓名")), "{body}");
    let (code, _) = room
        .call("POST", path, Some(&ad), Some(json!({"action": "withdraw", "reason": "考生申请撤销", "ticket": "T0002"})))
        .await;
    assert_eq!(code, StatusCode::OK);
    // A candidate who logged in is not corrected.
    room.seat_login(0).await;
    let (code, body) =
        room.call("POST", path, Some(&ad), Some(json!({"action": "withdraw", "reason": "x", "ticket": "T0000"}))).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::CONFLICT, Some("roster.locked")));

    let (_, batches) = room.call("GET", "/api/admin/batches", Some(&ad), None).await;
    assert_eq!(batches[0]["candidates"], 3, "one added, one withdrawn: {batches}");
    // At the start the roster is fixed; the late candidate sits with a paper of their own.
    room.clock.set(T0);
    let (code, body) =
        room.call("POST", path, Some(&ad), Some(json!({"action": "withdraw", "reason": "x", "ticket": "T0001"}))).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::CONFLICT, Some("roster.locked")));
    let p = room.staff("p1").await;
    let (token, paper) = room.sit(&p, 100).await;
    assert!(!token.is_empty() && paper["items"].as_array().is_some_and(|i| !i.is_empty()));
    let login = json!({"ticket": "T0002", "id_number": example_resident_id(2)});
    assert_eq!(room.call("POST", "/api/seat/login", None, Some(login)).await.0, StatusCode::BAD_REQUEST, "withdrawn");
    let events = room.exam.store().events_raw().expect("events");
    let changes = events
        .iter()
        .filter_map(|(_, raw)| serde_json::from_slice::<kaoshi_exam::events::Event>(raw).ok())
        .filter(|e| e.kind == kaoshi_exam::events::EventKind::RosterChange)
        .map(|e| {
            (
                e.detail["action"].as_str().unwrap_or("").to_string(),
                e.detail["reason"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect::<Vec<_>>();
    assert_eq!(changes.len(), 3, "{changes:?}");
    assert_eq!(changes[0], ("add".to_string(), "补报名，经审核".to_string()));

    // A roster kept as a workbook.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["ticket", "id_number", "name", "organisation", "room", "seat"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("cell");
    }
    for r in 1..=2u32 {
        let row = [
            format!("X{r:04}"),
            example_resident_id(300 + r),
            format!("表格考生{r}"),
            "单位".into(),
            "第3考场".into(),
            format!("{r:02}"),
        ];
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r, c as u16, v).expect("cell");
        }
    }
    let bytes = book.save_to_buffer().expect("xlsx");
    let (code, body) = room.upload("/api/admin/roster", &ad, bytes).await;
    assert_eq!((code, body["lines"].as_u64()), (StatusCode::OK, Some(2)), "{body}");
    assert!(body["roster_csv"].as_str().is_some_and(|t| t.contains("X0002") && t.contains("表格考生2")));
    let (code, body) = room.upload("/api/admin/roster", &ad, "ticket,name\nA,b\n".as_bytes().to_vec()).await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{body}");
}
