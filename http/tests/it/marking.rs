//! Marking integrity: keyed anonymous codes, marks that tell a marker
//! nothing, assignment, recusal of the leader, blank answers, rubric points,
//! and no change after publication.

use super::{cook_bank, Room, T0};
use axum::http::StatusCode;
use kaoshi_exam::staff::Role;
use serde_json::{json, Value};

/// Hands in candidate `i` of a cook-bank room: every objective item
/// answered, short answers with `short` (or blank).
async fn hand_in(room: &Room, proctor: &str, i: usize, short: &str) {
    let (token, paper) = room.sit(proctor, i).await;
    let mut seq = 0;
    for item in paper["items"].as_array().expect("items") {
        seq += 1;
        let response = match item["type"].as_str() {
            Some("short") if short.is_empty() => continue,
            Some("short") => json!(short),
            Some("judge") => json!("T"),
            _ => json!("A"),
        };
        let pos = item["pos"].as_u64().expect("pos");
        let (code, body) = room
            .call(
                "PUT",
                &format!("/api/seat/answers/{pos}"),
                Some(&token),
                Some(json!({"response": response, "seq": seq})),
            )
            .await;
        assert_eq!(code, StatusCode::OK, "{body}");
    }
    assert_eq!(room.call("POST", "/api/seat/submit", Some(&token), None).await.0, StatusCode::OK);
}

fn marking_room(extra: &[(&str, Role, Option<&str>)]) -> Room {
    Room::with_bank(3, 3600, cook_bank(), extra)
}

async fn next(room: &Room, token: &str) -> Value {
    let (code, body) = room.call("GET", "/api/marking/batches/b/next", Some(token), None).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    body
}

async fn mark(room: &Room, token: &str, code: &str, score: f64) -> (StatusCode, Value) {
    room.call("POST", "/api/marking/batches/b/marks", Some(token), Some(json!({"code": code, "score": score}))).await
}

#[tokio::test]
async fn codes_are_keyed_64_bit_and_marks_reveal_nothing_and_only_the_assigned_response_is_marked() {
    let room = marking_room(&[("m1", Role::Marker, None), ("m2", Role::Marker, None)]);
    room.clock.set(T0);
    let p = room.staff("p1").await;
    hand_in(&room, &p, 0, "生熟分开，低温冷藏。").await;
    let (m1, m2) = (room.staff("m1").await, room.staff("m2").await);
    let first = next(&room, &m1).await;
    let code = first["task"]["code"].as_str().expect("a task").to_string();
    assert_eq!(code.len(), 19, "XXXX-XXXX-XXXX-XXXX: 64 bits: {code}");
    assert!(code.chars().all(|c| c == '-' || c.is_ascii_hexdigit()), "{code}");
    let again = next(&room, &m1).await;
    assert_eq!(again["task"]["code"], code.as_str(), "the same response until it is marked");
    let other = next(&room, &m2).await;
    assert_ne!(other["task"]["code"], code.as_str(), "an assigned response goes to nobody else");
    let (status, body) = mark(&room, &m2, &code, 6.0).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("marking.not_assigned")), "{body}");
    let (status, body) = mark(&room, &m1, &code, 6.0).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"taken": true})), "a mark says only that it was taken");
}

#[tokio::test]
async fn rubric_points_are_capped_and_must_add_up() {
    let room = marking_room(&[("m1", Role::Marker, None)]);
    room.clock.set(T0);
    let p = room.staff("p1").await;
    hand_in(&room, &p, 0, "作答").await;
    let m1 = room.staff("m1").await;
    let task = next(&room, &m1).await["task"].clone();
    let code = task["code"].as_str().expect("code");
    let rubric: Vec<f64> =
        task["rubric"].as_array().expect("rubric").iter().map(|p| p["score"].as_f64().unwrap_or(0.0)).collect();
    let mut over = rubric.clone();
    over[0] += 1.0;
    let total: f64 = over.iter().sum();
    let (status, body) = room
        .call(
            "POST",
            "/api/marking/batches/b/marks",
            Some(&m1),
            Some(json!({"code": code, "score": total, "points": over})),
        )
        .await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("marking.rubric_point")), "{body}");
    let (status, body) = room
        .call(
            "POST",
            "/api/marking/batches/b/marks",
            Some(&m1),
            Some(json!({"code": code, "score": 1.0, "points": rubric})),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("marking.rubric_point")),
        "points must add up"
    );
    let sum: f64 = rubric.iter().sum();
    let (status, body) = room
        .call(
            "POST",
            "/api/marking/batches/b/marks",
            Some(&m1),
            Some(json!({"code": code, "score": sum, "points": rubric})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let n = next(&room, &m1).await;
    assert_eq!(
        (n["mine"].as_u64(), n["done"].as_u64()),
        (Some(1), Some(0)),
        "one mark of mine, no final score yet: {n}"
    );
    assert!(n["total"].as_u64() >= Some(1), "{n}");
}

#[tokio::test]
async fn blank_short_answers_score_zero_without_a_marker() {
    let room = marking_room(&[("m1", Role::Marker, None)]);
    room.clock.set(T0);
    let p = room.staff("p1").await;
    hand_in(&room, &p, 0, "").await;
    let m1 = room.staff("m1").await;
    let n = next(&room, &m1).await;
    assert_eq!((n["task"].is_null(), n["waiting"].as_u64()), (true, Some(0)), "{n}");
    let (_, totals) = room.call("GET", "/api/admin/batches/b/totals", Some(&room.staff("ad").await), None).await;
    assert_eq!((totals["unmarked"].as_u64(), totals["mismatches"].clone()), (Some(0), json!([])), "{totals}");
    let (_, seats) = room.call("GET", "/api/proctor/batches/b/seats", Some(&p), None).await;
    assert!(seats[0]["score"].is_number());
    let zero = room
        .exam
        .log()
        .all()
        .expect("events")
        .into_iter()
        .filter(|e| e.kind == kaoshi_exam::events::EventKind::Mark)
        .count();
    assert_eq!(zero, 2, "each blank answer's 0 is on the log");
}

/// Two candidates of 单位0 and 单位1 hand in; the markers named mark.
async fn marked(room: &Room, names: &[&str], scores: &dyn Fn(&str, usize) -> f64) -> Vec<String> {
    let p = room.staff("p1").await;
    hand_in(room, &p, 0, "生熟分开，低温冷藏，烧熟煮透。").await;
    hand_in(room, &p, 1, "低温冷藏。").await;
    let mut codes = std::collections::BTreeSet::new();
    let mut markers = Vec::new();
    for name in names {
        markers.push((*name, room.staff(name).await));
    }
    loop {
        let mut progressed = false;
        for (name, token) in &markers {
            let n = next(room, token).await;
            let Some(code) = n["task"]["code"].as_str() else { continue };
            codes.insert(code.to_string());
            let done = (mark(room, token, code, scores(name, codes.len())).await).0;
            assert_eq!(done, StatusCode::OK);
            progressed = true;
        }
        if !progressed {
            break;
        }
    }
    codes.into_iter().collect()
}

#[tokio::test]
async fn a_leader_never_decides_on_their_own_marks_their_organisation_or_their_own_arbitration() {
    let extra = [
        ("m0", Role::Marker, Some("单位0")),
        ("m1", Role::Marker, None),
        ("m2", Role::Marker, None),
        ("m3", Role::Marker, None),
        ("l0", Role::Leader, Some("单位0")),
        ("l1", Role::Leader, None),
        ("l2", Role::Leader, None),
    ];
    let room = marking_room(&extra);
    room.clock.set(T0);
    // Everyone disagrees wildly: every response goes to the leader.
    marked(&room, &["m0", "m1", "m2", "m3"], &|name, _| match name {
        "m0" | "m3" => 0.0,
        "m1" => 10.0,
        _ => 5.0,
    })
    .await;
    let (l0, l1, l2) = (room.staff("l0").await, room.staff("l1").await, room.staff("l2").await);
    let list = |t: String| {
        let room = &room;
        async move { room.call("GET", "/api/marking/batches/b/arbitrations", Some(&t), None).await.1 }
    };
    let for_l1 = list(l1.clone()).await;
    let for_l0 = list(l0.clone()).await;
    assert!(!for_l1.as_array().expect("list").is_empty(), "{for_l1}");
    assert!(
        for_l0.as_array().expect("list").len() < for_l1.as_array().expect("list").len(),
        "l0 (单位0) does not see 单位0's candidate: {for_l0}"
    );
    let code = for_l1[0]["code"].as_str().expect("code").to_string();
    let decide = |who: String, kind: &'static str, score: f64| {
        let room = &room;
        let code = code.clone();
        async move {
            room.call(
                "POST",
                &format!("/api/marking/batches/b/{kind}"),
                Some(&who),
                Some(json!({"code": code, "score": score, "reason": "依评分标准"})),
            )
            .await
        }
    };
    assert_eq!(decide(l1.clone(), "arbitrate", 6.0).await.0, StatusCode::OK);
    let (status, body) = decide(l1.clone(), "recheck", 6.0).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("marking.recused")),
        "the arbitrator does not recheck"
    );
    let (status, body) = decide(l2.clone(), "recheck", 9.25).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("marking.granularity")), "{body}");
    assert_eq!(decide(l2, "recheck", 6.0).await.0, StatusCode::OK, "another leader confirms");
}

#[tokio::test]
async fn a_recheck_confirms_an_averaged_score() {
    let room = marking_room(&[
        ("m0", Role::Marker, None),
        ("m1", Role::Marker, None),
        ("m2", Role::Marker, None),
        ("l1", Role::Leader, None),
    ]);
    room.clock.set(T0);
    // 10, 7, 8.5: the closest pair is 10 and 8.5 → 9.25; sample everything for recheck.
    let codes = marked(&room, &["m0", "m1", "m2"], &|name, _| match name {
        "m0" => 10.0,
        "m1" => 7.0,
        _ => 8.5,
    })
    .await;
    assert!(!codes.is_empty());
    let l1 = room.staff("l1").await;
    let (_, queue) = room.call("GET", "/api/marking/batches/b/recheck", Some(&l1), None).await;
    let confirmed = queue.as_array().expect("queue").iter().find(|t| t["final_score"] == 9.25).cloned();
    if let Some(t) = confirmed {
        let body = json!({"code": t["code"], "score": 9.25, "reason": ""});
        let (status, answer) = room.call("POST", "/api/marking/batches/b/recheck", Some(&l1), Some(body)).await;
        assert_eq!((status, answer["final_score"].as_f64()), (StatusCode::OK, Some(9.25)), "{answer}");
    }
}

#[tokio::test]
async fn when_recusal_leaves_nobody_the_leader_sees_why_and_assigns() {
    let room = marking_room(&[
        ("m0", Role::Marker, Some("单位0")),
        ("l1", Role::Leader, Some("单位0")),
        ("m9", Role::Marker, None),
    ]);
    room.clock.set(T0);
    let p = room.staff("p1").await;
    hand_in(&room, &p, 0, "作答").await;
    let m0 = room.staff("m0").await;
    let n = next(&room, &m0).await;
    assert_eq!((n["waiting"].as_u64(), n["available"].as_u64(), n["task"].is_null()), (Some(2), Some(0), true), "{n}");
    let admin = room.staff("ad").await;
    let (status, waiting) = room.call("GET", "/api/marking/batches/b/waiting", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK);
    let w = &waiting[0];
    assert_eq!(w["eligible"], json!(["m9"]), "{w}");
    let code = w["code"].as_str().expect("code");
    let (status, body) = room
        .call("POST", "/api/marking/batches/b/assign", Some(&admin), Some(json!({"code": code, "marker": "m0"})))
        .await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("marking.recused")));
    let (status, _) = room
        .call("POST", "/api/marking/batches/b/assign", Some(&admin), Some(json!({"code": code, "marker": "m9"})))
        .await;
    assert_eq!(status, StatusCode::OK);
    let m9 = room.staff("m9").await;
    assert_eq!(next(&room, &m9).await["task"]["code"], code, "the assigned response is m9's");
}

#[tokio::test]
async fn after_publication_marks_are_refused_unless_an_appeal_reopened_them() {
    let room = marking_room(&[
        ("m0", Role::Marker, None),
        ("m1", Role::Marker, None),
        ("m2", Role::Marker, None),
        ("l1", Role::Leader, None),
        ("l2", Role::Leader, None),
    ]);
    room.clock.set(T0);
    marked(&room, &["m0", "m1", "m2"], &|_, _| 6.0).await;
    let admin = room.staff("ad").await;
    for l in ["l1", "l2"] {
        let t = room.staff(l).await;
        let (_, queue) = room.call("GET", "/api/marking/batches/b/recheck", Some(&t), None).await;
        for item in queue.as_array().expect("queue") {
            room.call(
                "POST",
                "/api/marking/batches/b/recheck",
                Some(&t),
                Some(json!({"code": item["code"], "score": item["final_score"], "reason": ""})),
            )
            .await;
        }
    }
    let (status, body) = room.call("POST", "/api/admin/batches/b/publish", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The candidate counted absent in the published results stays absent.
    let login = json!({"ticket": "T0002", "id_number": kaoshi_exam::identity::example_resident_id(2)});
    let (status, body) = room.call("POST", "/api/seat/login", None, Some(login)).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("login.published")), "{body}");
    let l1 = room.staff("l1").await;
    let waiting = room.exam.store().markings("b").expect("records");
    let code = waiting[0].code.clone();
    let body = json!({"code": code, "score": 1.0, "reason": "改分"});
    let (status, answer) = room.call("POST", "/api/marking/batches/b/recheck", Some(&l1), Some(body.clone())).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::CONFLICT, Some("marking.closed")), "{answer}");
    let ticket = waiting[0].ticket.clone();
    let (status, _) = room
        .call(
            "POST",
            "/api/admin/batches/b/appeals",
            Some(&admin),
            Some(json!({"ticket": ticket, "reason": "考生申诉"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, answer) = room.call("POST", "/api/marking/batches/b/recheck", Some(&l1), Some(body.clone())).await;
    assert_eq!(status, StatusCode::OK, "an appealed response is rechecked: {answer}");
    room.clock.advance(30 * 86_400_000); // the notice is over: results are final
    let l1 = room.staff("l1").await;
    let (status, answer) = room.call("POST", "/api/marking/batches/b/recheck", Some(&l1), Some(body)).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::CONFLICT, Some("marking.closed")));
}
