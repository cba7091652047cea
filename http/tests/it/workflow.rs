//! The certification workflow around a batch (issue 17): registers kept
//! from the console and checked in strict mode, the plan with its staff,
//! eligibility review, supervision with its rectification ledger, the plan
//! against what happened, and everything on the log and in the archive.

use super::{cook_bank, Room, T0};
use axum::http::StatusCode;
use kaoshi_engine::seal::{self, Kek, Lock};
use kaoshi_exam::events::{Event, EventKind};
use kaoshi_exam::identity::example_resident_id;
use kaoshi_exam::staff::Role;
use serde_json::{json, Value};

const STAFF: [(&str, Role, Option<&str>); 2] = [("m1", Role::Marker, None), ("s1", Role::Supervisor, None)];

/// A room with the cook bank (中式烹调师 4-03-02-01, level 5) uploaded; the admin's token and the bank's hash.
async fn console() -> (Room, String, String) {
    let room = Room::with_bank(1, 3600, kaoshi_exam::demo::sample_bank().expect("bank"), &STAFF);
    room.clock.set(T0);
    let ad = room.staff("ad").await;
    let sealed = seal::seal(&cook_bank(), &Lock::Key(&Kek::from_bytes([3; 32])), &mut rand_core::OsRng).expect("seal");
    let (code, bank) = room.upload("/api/admin/banks", &ad, sealed).await;
    assert_eq!(code, StatusCode::OK, "{bank}");
    let hash = bank["bank_hash"].as_str().expect("hash").to_string();
    (room, ad, hash)
}

fn batch(hash: &str, roster: &str, plan: Value) -> Value {
    json!({"id": "pm", "name": "烹调师五级", "bank_hash": hash, "start": "2026-04-01T09:00:00+08:00",
           "seed": 7, "roster_csv": roster, "plan": plan})
}

fn events(room: &Room) -> Vec<Event> {
    let raw = room.exam.store().events_raw().expect("events");
    raw.iter().filter_map(|(_, r)| serde_json::from_slice::<Event>(r).ok()).collect()
}

async fn put(room: &Room, ad: &str, name: &str, text: &str) -> (StatusCode, Value) {
    room.call("PUT", &format!("/api/admin/registers/{name}"), Some(ad), Some(json!({"text": text}))).await
}

async fn text_of(room: &Room, token: &str, path: &str) -> (StatusCode, String) {
    let resp = room.raw("GET", path, &[("authorization", &format!("Bearer {token}"))], None).await;
    let status = resp.status();
    let bytes = http_body_util::BodyExt::collect(resp.into_body()).await.expect("body").to_bytes();
    (status, String::from_utf8_lossy(&bytes).trim_start_matches('\u{feff}').to_string())
}

const SCOPE: &str = "[[registration]]\nnumber = \"皖评备2025-009\"\noccupation_code = \"4-03-02-01\"\noccupation = \"中式烹调师\"\nlevels = [\"5\", \"4\"]\nregistered = \"2025-03-01\"\n";
const ROOMS: &str = "[[room]]\nsite = \"第一考点\"\nname = \"第2考场\"\nseats = 30\n";
const PEOPLE: &str = r#"
[[person]]
name = "李监考"
user = "p1"
duties = ["proctor"]
certificate = "JK-001"
valid_until = "2027-12-31"

[[person]]
name = "王考评"
user = "m1"
duties = ["marker"]
certificate = "KP-001"
occupation_code = "4-03-02-01"
level = "3"
valid_until = "2026-03-31"

[[person]]
name = "赵督导"
user = "s1"
duties = ["supervisor"]
certificate = "DD-001"
valid_until = "2028-06-30"
"#;

fn roster(extra: &str) -> String {
    let mut text = String::from("ticket,id_number,name,organisation,room,seat,declared_occupation,declared_level\n");
    for i in 100..103u32 {
        text.push_str(&format!(
            "T{i:04},{},考生{i},单位1,第2考场,{:02},4-03-02-01,5\n",
            example_resident_id(i),
            i - 99
        ));
    }
    text.push_str(extra);
    text
}

#[tokio::test]
async fn strict_mode_refuses_a_plan_that_breaks_a_register_and_names_each_breach() {
    let (room, ad, hash) = console().await;
    let plan = json!({"proctors": ["p1"], "markers": ["m1"], "supervisors": ["s1"]});

    // A register that does not parse is refused, naming the file and the field; nothing is written.
    let (code, body) = put(&room, &ad, "scope", "[[registration]]\nnumber = \"x\"\n").await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("register.invalid")), "{body}");
    assert!(body["error"].as_str().is_some_and(|e| e.starts_with("scope.toml：格式错误")), "{body}");
    assert!(!room.exam.store().dir().join("scope.toml").exists());
    let (code, body) = put(&room, &ad, "shoes", "x = 1").await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("register.unknown")), "{body}");
    let p1 = room.staff("p1").await;
    assert_eq!(put(&room, &p1, "rooms", ROOMS).await.0, StatusCode::FORBIDDEN, "only an admin keeps registers");

    for (name, text) in [("organisation", "strict = true\n"), ("rooms", ROOMS), ("personnel", PEOPLE)] {
        let (code, view) = put(&room, &ad, name, text).await;
        assert_eq!((code, view["exists"].as_bool()), (StatusCode::OK, Some(true)), "{view}");
    }
    let scope_outside = SCOPE.replace("4-03-02-01", "4-07-05-04");
    assert_eq!(put(&room, &ad, "scope", &scope_outside).await.0, StatusCode::OK);

    // Seat 31 in a 30-seat room, a declaration of another level, an expired
    // marker and an occupation outside the scope: every one is named.
    let bad = roster(&format!("T0103,{},考生103,单位1,第2考场,31,4-03-02-01,4\n", example_resident_id(103)));
    let (code, body) = room.call("POST", "/api/admin/batches", Some(&ad), Some(batch(&hash, &bad, plan.clone()))).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::CONFLICT, Some("batch.plan_breach")), "{body}");
    let error = body["error"].as_str().expect("error");
    for named in [
        "职业（工种）4-03-02-01 五级/初级工 不在本机构的备案范围（scope.toml）内",
        "名单第 5 行：第2考场只有 30 个座位（1–30），没有“31”号",
        "王考评（m1） 的证书 KP-001 已于 2026-03-31 到期",
        "名单第 5 行：申报等级四级/中级工与本批次的五级/初级工不符",
    ] {
        assert!(error.contains(named), "{named} in {error}");
    }
    // Without a supervisor on the plan, and with someone not registered.
    let (_, body) = room
        .call("POST", "/api/admin/batches", Some(&ad), Some(batch(&hash, &roster(""), json!({"proctors": ["p9"]}))))
        .await;
    let error = body["error"].as_str().expect("error");
    assert!(error.contains("p9 不在人员登记（personnel.toml）中，不能安排为监考员"), "{error}");
    assert!(error.contains("计划安排的监考员 p9 没有工作人员账号"), "{error}");
    assert!(error.contains("认定计划没有安排质量督导员"), "{error}");

    // Fixed registers: the batch is created, without a warning.
    assert_eq!(put(&room, &ad, "scope", SCOPE).await.0, StatusCode::OK);
    assert_eq!(put(&room, &ad, "personnel", &PEOPLE.replace("2026-03-31", "2027-03-31")).await.0, StatusCode::OK);
    let (code, created) =
        room.call("POST", "/api/admin/batches", Some(&ad), Some(batch(&hash, &roster(""), plan.clone()))).await;
    assert_eq!(code, StatusCode::OK, "{created}");
    assert_eq!(created["warnings"], json!([]), "{created}");

    // A roster change is checked as the roster was: strict refuses a seat the room lacks.
    let line = json!({"ticket": "T0110", "id_number": example_resident_id(110), "name": "补报", "organisation": "单位1",
        "room": "第2考场", "seat": "31"});
    let change = json!({"action": "add", "reason": "补报", "line": line});
    let (code, body) = room.call("POST", "/api/admin/batches/pm/roster", Some(&ad), Some(change.clone())).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::CONFLICT, Some("batch.plan_breach")), "{body}");
    assert!(body["error"].as_str().is_some_and(|e| e.contains("没有“31”号")), "{body}");
    assert_eq!(put(&room, &ad, "organisation", "strict = false\n").await.0, StatusCode::OK);
    let (code, body) = room.call("POST", "/api/admin/batches/pm/roster", Some(&ad), Some(change)).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert!(body["warnings"][0].as_str().is_some_and(|w| w.contains("没有“31”号")), "warned when not strict: {body}");
    // A register that is not UTF-8 is named on the console, not a server error.
    std::fs::write(room.exam.store().dir().join("personnel.toml"), b"[[person]]\nname = \"\xcd\xf5\"\n").expect("gbk");
    let (code, view) = room.call("GET", "/api/admin/registers/personnel", Some(&ad), None).await;
    assert_eq!(code, StatusCode::OK, "{view}");
    assert!(view["problem"].as_str().is_some_and(|p| p.contains("不是 UTF-8 编码")), "{view}");
    let people = PEOPLE.replace("2026-03-31", "2027-03-31");
    std::fs::write(room.exam.store().dir().join("personnel.toml"), &people).expect("utf-8 again");

    // The console reads the registers back; the scope's registration runs three years.
    let (_, view) = room.call("GET", "/api/admin/registers/scope", Some(&ad), None).await;
    assert_eq!(view["content"]["registration"][0]["last_day"], "2028-02-29", "{view}");
    let (_, all) = room.call("GET", "/api/admin/registers", Some(&ad), None).await;
    assert_eq!(all.as_array().map(Vec::len), Some(4));

    // Every version of every register, and the plan as filed, are on the log.
    let log = events(&room);
    let changes: Vec<&Event> = log.iter().filter(|e| e.kind == EventKind::RegisterChange).collect();
    assert_eq!(changes.len(), 7, "four registers; the scope, the staff and the settings twice");
    assert!(changes.iter().any(|e| e.detail["text"] == SCOPE && e.actor == "staff:ad"));
    let create = log.iter().rev().find(|e| e.kind == EventKind::BatchCreate).expect("created");
    let filed = &create.detail["plan"];
    assert_eq!((filed["occupation_code"].as_str(), filed["level"].as_str()), (Some("4-03-02-01"), Some("5")));
    assert_eq!(filed["sites"], json!(["第一考点"]));
    assert_eq!(filed["rooms"], json!({"第2考场": 3}));
    assert_eq!(filed["staff"], plan);
    assert!(filed["modules"].as_array().is_some_and(|m| !m.is_empty()), "{filed}");
    assert_eq!(create.detail["review"]["approved_by_creator"]["count"], 3, "{}", create.detail);
    // What of the registers it was checked against goes with it (the archive holds other events as stubs).
    let used = &create.detail["registers"];
    assert_eq!(used["scope"][0]["number"], "皖评备2025-009", "{used}");
    assert_eq!(used["rooms"][0]["seats"], 30, "{used}");
    assert_eq!(used["personnel"].as_array().map(Vec::len), Some(3), "{used}");
    assert_eq!(used["settings"]["strict"], true, "{used}");

    // The staff ledger names each person's validity and the batches they are planned on.
    let (code, ledger) = text_of(&room, &ad, "/api/admin/registers/personnel/ledger.csv").await;
    assert_eq!(code, StatusCode::OK);
    assert!(ledger.lines().any(|l| l.starts_with("王考评,m1,考评员,KP-001,4-03-02-01,三级/高级工,2027-03-31,有效,专职,,pm（考评员）")), "{ledger}");
}

#[tokio::test]
async fn eligibility_supervision_and_the_plan_against_what_happened() {
    let (room, ad, hash) = console().await;
    let header = "ticket,id_number,name,organisation,room,seat,condition,review,reviewer\n";
    let mut text = String::from(header);
    for (i, review, reviewer) in [(100u32, "通过", "张审核"), (101, "不通过", "张审核"), (102, "待审", "")]
    {
        text.push_str(&format!(
            "T{i:04},{},考生{i},单位1,第2考场,{:02},从事本职业 2 年,{review},{reviewer}\n",
            example_resident_id(i),
            i - 99
        ));
    }
    // Born 2010-05-01: 15 on the exam day, 2026-04-01.
    let young = format!("34010420100501{:03}", 7);
    let young = format!("{young}{}", kaoshi_exam::identity::check_character(young.as_bytes()).expect("check"));
    text.push_str(&format!("T0103,{young},少年,单位1,第2考场,04,从事本职业 1 年,通过,张审核\n"));
    let plan = json!({"proctors": ["p1", "p2"], "markers": ["m1"], "supervisors": ["s1"]});
    let (code, created) = room.call("POST", "/api/admin/batches", Some(&ad), Some(batch(&hash, &text, plan))).await;
    assert!(
        created["warnings"].as_array().is_some_and(|w| w
            .iter()
            .any(|w| w.as_str().is_some_and(|w| w.starts_with("名单第 5 行：未满16周岁（少年，2010-05-01 出生）")))),
        "{created}"
    );
    assert_eq!(code, StatusCode::OK, "{created}");

    // Only an approved candidate logs in.
    let login = |i: u32| json!({"ticket": format!("T{i:04}"), "id_number": example_resident_id(i)});
    let (code, body) = room.call("POST", "/api/seat/login", None, Some(login(101))).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("login.not_eligible")), "{body}");
    assert!(body["error"].as_str().is_some_and(|e| e.starts_with("资格审核未通过")), "{body}");
    let (_, body) = room.call("POST", "/api/seat/login", None, Some(login(102))).await;
    assert!(body["error"].as_str().is_some_and(|e| e.starts_with("资格审核尚未完成")), "{body}");
    // The pending review is completed before the start: the candidate may come in.
    let line = json!({"ticket": "T0102", "id_number": example_resident_id(102), "name": "考生102", "organisation": "单位1",
        "room": "第2考场", "seat": "03", "review": {"outcome": "通过", "reviewer": "张审核", "condition": "从事本职业 2 年"}});
    let (code, body) = room
        .call(
            "POST",
            "/api/admin/batches/pm/roster",
            Some(&ad),
            Some(json!({"action": "correct", "reason": "补审", "line": line})),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    // A correction without a review of its own keeps the one on file: the rejected stay rejected.
    let line = json!({"ticket": "T0101", "id_number": example_resident_id(101), "name": "考生101", "organisation": "单位2",
        "room": "第2考场", "seat": "02"});
    let (code, body) = room
        .call(
            "POST",
            "/api/admin/batches/pm/roster",
            Some(&ad),
            Some(json!({"action": "correct", "reason": "单位更正", "line": line})),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let (_, body) = room.call("POST", "/api/seat/login", None, Some(login(101))).await;
    assert_eq!(body["code"], "login.not_eligible", "{body}");
    // The exam day: 2026-04-01, the start.
    room.clock.set(T0 + 30 * 86_400_000);
    let ad = room.staff("ad").await;
    for i in [100, 102] {
        let (code, body) = room.call("POST", "/api/seat/login", None, Some(login(i))).await;
        assert_eq!(code, StatusCode::OK, "{body}");
    }
    let p1 = room.staff("p1").await;
    let approve = "/api/proctor/batches/pm/seats/T0100/approve";
    assert_eq!(room.call("POST", approve, Some(&p1), Some(json!({}))).await.0, StatusCode::OK);

    // The supervisor watches read-only and files findings; a marker files none.
    let s1 = room.staff("s1").await;
    let (code, seats) = room.call("GET", "/api/proctor/batches/pm/seats", Some(&s1), None).await;
    assert_eq!(code, StatusCode::OK, "{seats}");
    let (code, body) =
        room.call("POST", "/api/proctor/batches/pm/seats/T0102/approve", Some(&s1), Some(json!({}))).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("auth.role")), "{body}");
    let finding = |category: &str| json!({"room": "第2考场", "category": category, "finding": "考场后门未关闭"});
    let path = "/api/supervision/batches/pm/findings";
    let (code, body) = room.call("POST", path, Some(&s1), Some(finding("好"))).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("supervision.invalid")), "{body}");
    let m1 = room.staff("m1").await;
    assert_eq!(room.call("POST", path, Some(&m1), Some(finding("设备与环境"))).await.0, StatusCode::FORBIDDEN);
    let (code, f) = room.call("POST", path, Some(&s1), Some(finding("设备与环境"))).await;
    assert_eq!((code, f["no"].as_u64()), (StatusCode::OK, Some(1)), "{f}");
    let close = "/api/supervision/batches/pm/findings/1/close";
    let (code, body) = room.call("POST", close, Some(&s1), Some(json!({"action": " "}))).await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{body}");
    let (code, closed) = room.call("POST", close, Some(&ad), Some(json!({"action": "已关门并安排专人值守"}))).await;
    assert_eq!((code, closed["closed"]["by"].as_str()), (StatusCode::OK, Some("ad")), "{closed}");
    let (code, body) = room.call("POST", close, Some(&s1), Some(json!({"action": "again"}))).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::CONFLICT, Some("supervision.closed")), "{body}");
    let (_, ledger) = room.call("GET", "/api/supervision/ledger", Some(&s1), None).await;
    assert_eq!(ledger.as_array().map(Vec::len), Some(1), "{ledger}");
    // Each table to those who may read it: the supervisor exports the supervision, a leader does not.
    assert_eq!(text_of(&room, &s1, "/api/admin/batches/pm/export/supervision.csv").await.0, StatusCode::OK);
    assert_eq!(text_of(&room, &s1, "/api/admin/batches/pm/export/plan.csv").await.0, StatusCode::FORBIDDEN);
    let (code, csv) = text_of(&room, &s1, "/api/supervision/ledger/ledger.csv").await;
    assert_eq!(code, StatusCode::OK);
    assert!(csv.contains("pm,1,") && csv.contains("已销号,已关门并安排专人值守,ad"), "{csv}");

    // The plan against what happened: p1 worked, p2 did not, m1 has marked nothing yet, s1 supervised.
    let (code, r) = room.call("GET", "/api/admin/batches/pm/plan", Some(&ad), None).await;
    assert_eq!(code, StatusCode::OK, "{r}");
    let line = |user: &str| r["report"]["staff"].as_array().and_then(|a| a.iter().find(|s| s["user"] == user)).cloned();
    assert_eq!(line("p1").map(|l| (l["planned"].clone(), l["worked"].clone())), Some((json!(true), json!(true))));
    assert_eq!(line("p2").map(|l| l["worked"].clone()), Some(json!(false)));
    assert_eq!(line("m1").map(|l| l["worked"].clone()), Some(json!(false)));
    assert_eq!(line("s1").map(|l| l["actions"].clone()), Some(json!(1)), "the closing was the admin's");
    assert_eq!((r["report"]["expected"].as_u64(), r["report"]["present"].as_u64()), (Some(3), Some(1)), "{r}");

    // The exports a bureau asks for.
    let export = |file: &str| format!("/api/admin/batches/pm/export/{file}");
    let (_, review) = text_of(&room, &ad, &export("review.csv")).await;
    assert!(review.contains("T0101,考生101,居民身份证"), "{review}");
    assert!(review.lines().any(|l| l.contains("T0101") && l.ends_with("从事本职业 2 年,不通过,张审核,")), "{review}");
    let (_, registrations) = text_of(&room, &ad, &export("registrations.csv")).await;
    assert!(
        registrations.lines().next().is_some_and(|h| h.starts_with("序号,准考证号,姓名,证件类型")),
        "{registrations}"
    );
    assert!(
        registrations
            .lines()
            .any(|l| l.contains("T0100") && l.contains("中式烹调师,4-03-02-01,五级/初级工,第2考场,01,通过")),
        "{registrations}"
    );
    let (_, planned) = text_of(&room, &ad, &export("plan.csv")).await;
    assert!(planned.contains("工作人员,监考员,p2,是,否,计划安排但无工作记录"), "{planned}");
    assert!(planned.contains("不参加,T0101,考生101,否,否,资格审核未通过"), "not expected, not absent: {planned}");
    assert!(planned.contains("缺考,T0103,少年"), "{planned}");
    let (_, supervision) = text_of(&room, &ad, &export("supervision.xlsx")).await;
    assert!(!supervision.is_empty());

    // The room record signs candidates in from their logins and approvals; it is logged whole.
    let (code, record) =
        room.call("POST", "/api/proctor/batches/pm/room-record", Some(&p1), Some(json!({"room": "第2考场"}))).await;
    assert_eq!(code, StatusCode::OK, "{record}");
    let first = &record["candidates"][0];
    assert_eq!(
        (first["ticket"].as_str(), first["approved_by"].as_str()),
        (Some("T0100"), Some("staff:p1")),
        "{record}"
    );
    assert!(first["signed_in_at"].is_i64() && record["candidates"][1]["signed_in_at"].is_null(), "{record}");
    let logged = events(&room).into_iter().rev().find(|e| e.kind == EventKind::RoomRecord).expect("room record");
    assert_eq!(logged.detail["record"]["candidates"][0]["approved_by"], "staff:p1");

    // The batch's archive carries the plan, the supervision and the room record with the log.
    let resp =
        room.raw("GET", "/api/admin/batches/pm/archive", &[("authorization", &format!("Bearer {ad}"))], None).await;
    let bytes = http_body_util::BodyExt::collect(resp.into_body()).await.expect("archive").to_bytes();
    let archive = String::from_utf8_lossy(&bytes);
    for kind in ["\"supervision_finding\"", "\"supervision_close\"", "\"room_record\"", "\"proctors\":[\"p1\",\"p2\"]"]
    {
        assert!(archive.contains(kind), "{kind} in the archive");
    }
}
