//! Marking over HTTP: two markers and a leader through a disagreement to
//! arbitration, recusal, recheck, score totalling, publication, exports, and
//! a tampered stored mark caught by totalling.

use super::serve::{add_staff, call, quick_batch_of, staff_login, start_exam, Server};
use serde_json::json;
use std::collections::HashMap;

pub struct Marked {
    pub _tmp: tempfile::TempDir,
    pub data: std::path::PathBuf,
    pub key: String,
    pub server: Server,
    pub leader: String,
    pub admin: String,
}

/// Two candidates (organisations 单位0 and 单位1) hand in short answers; three
/// markers (m1 of 单位0) and a leader mark everything.
pub fn marked_batch() -> Marked {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let (people, key) = quick_batch_of(tmp.path(), &data, 2, 3600, "chinese-cook-5");
    add_staff(&data, "m1", "marker", "secret-pass-1", Some("单位0"));
    add_staff(&data, "m2", "marker", "secret-pass-1", None);
    add_staff(&data, "m3", "marker", "secret-pass-1", None);
    add_staff(&data, "lead", "leader", "secret-pass-1", None);
    add_staff(&data, "lead2", "leader", "secret-pass-1", None);
    add_staff(&data, "boss", "admin", "secret-pass-1", None);
    let key = key.to_str().expect("p").to_string();
    let server = Server::start(&data, &["--key-file", &key]);
    let b = server.base.clone();
    let proctor = staff_login(&b, "p1", "proctor-pass-1");
    for (ticket, id) in &people {
        let (token, paper) = start_exam(&b, &proctor, "quick", ticket, id);
        let mut seq = 0;
        for item in paper["items"].as_array().expect("items") {
            seq += 1;
            let response = if item["type"] == "short" {
                json!("保持原料新鲜，生熟分开，低温冷藏，烧熟煮透。")
            } else if item["type"] == "judge" {
                json!("T")
            } else {
                json!("A")
            };
            let pos = item["pos"].as_u64().expect("pos");
            assert_eq!(
                call(
                    "PUT",
                    &format!("{b}/api/seat/answers/{pos}"),
                    Some(&token),
                    Some(json!({"response": response, "seq": seq}))
                )
                .0,
                200
            );
        }
        assert_eq!(call("POST", &format!("{b}/api/seat/submit"), Some(&token), None).0, 200);
    }

    let markers: Vec<(String, String)> =
        ["m1", "m2", "m3"].iter().map(|m| (m.to_string(), staff_login(&b, m, "secret-pass-1"))).collect();
    // The first response a marker sees is made contentious; the rest agree.
    let mut contentious: Option<String> = None;
    let mut given: HashMap<String, Vec<(String, f64)>> = HashMap::new();
    loop {
        let mut progressed = false;
        for (name, token) in &markers {
            let (code, next) = call("GET", &format!("{b}/api/marking/batches/quick/next"), Some(token), None);
            assert_eq!(code, 200, "{next}");
            let task = &next["task"];
            if task.is_null() {
                continue;
            }
            for forbidden in ["ticket", "name", "organisation", "marks", "id_number"] {
                assert!(task.get(forbidden).is_none(), "a marker sees `{forbidden}`: {task}");
            }
            assert!(task["rubric"].as_array().is_some_and(|r| !r.is_empty()), "{task}");
            let c = task["code"].as_str().expect("code").to_string();
            let contentious_code = contentious.get_or_insert_with(|| c.clone()).clone();
            let score = if c == contentious_code {
                match given.get(&c).map_or(0, Vec::len) {
                    0 => 2.0,
                    1 => 9.0,
                    _ => 5.5,
                }
            } else {
                6.0 + given.get(&c).map_or(0, Vec::len) as f64 * 0.5
            };
            let (code, body) = call(
                "POST",
                &format!("{b}/api/marking/batches/quick/marks"),
                Some(token),
                Some(json!({"code": c, "score": score})),
            );
            assert_eq!(code, 200, "{body}");
            given.entry(c).or_default().push((name.clone(), score));
            progressed = true;
        }
        if !progressed {
            break;
        }
    }
    let contentious = contentious.expect("something to mark");
    assert_eq!(given.len(), 4, "two short answers for each of two candidates");
    assert_eq!(given[&contentious].len(), 3, "the disagreement called for a third mark");
    for (code, marks) in &given {
        let who: std::collections::HashSet<&str> = marks.iter().map(|m| m.0.as_str()).collect();
        assert_eq!(who.len(), marks.len(), "{code}: a marker marked twice");
    }
    // Out of range is refused.
    assert_eq!(
        call(
            "POST",
            &format!("{b}/api/marking/batches/quick/marks"),
            Some(&markers[0].1),
            Some(json!({"code": contentious, "score": 11.0}))
        )
        .0,
        409
    );

    let leader = staff_login(&b, "lead", "secret-pass-1");
    assert_eq!(
        call("GET", &format!("{b}/api/marking/batches/quick/arbitrations"), Some(&markers[0].1), None).0,
        403,
        "a marker is not the leader"
    );
    let (_, waiting) = call("GET", &format!("{b}/api/marking/batches/quick/arbitrations"), Some(&leader), None);
    let waiting = waiting.as_array().expect("list").clone();
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0]["code"], contentious.as_str());
    assert_eq!(waiting[0]["marks"], json!([2.0, 9.0, 5.5]));
    let arbitrate = |reason: &str| {
        call(
            "POST",
            &format!("{b}/api/marking/batches/quick/arbitrate"),
            Some(&leader),
            Some(json!({"code": contentious, "score": 6.0, "reason": reason})),
        )
    };
    assert_eq!(arbitrate("").0, 400, "arbitration needs a reason");
    let (code, body) = arbitrate("依评分标准：防止污染、杀灭病原菌两点完整");
    assert_eq!((code, body["final_score"].as_f64()), (200, Some(6.0)));

    // Recheck: the arbitrated one is in the queue — of another leader than
    // the arbitrator; a changed score needs a reason.
    let (_, queue) = call("GET", &format!("{b}/api/marking/batches/quick/recheck"), Some(&leader), None);
    let queue = queue.as_array().expect("queue").clone();
    assert!(!queue.iter().any(|t| t["code"] == contentious.as_str()), "the arbitrator does not recheck: {queue:?}");
    let (code, body) = call(
        "POST",
        &format!("{b}/api/marking/batches/quick/recheck"),
        Some(&leader),
        Some(json!({"code": contentious, "score": 6.0, "reason": ""})),
    );
    assert_eq!((code, body["code"].as_str()), (403, Some("marking.recused")), "{body}");
    let leader2 = staff_login(&b, "lead2", "secret-pass-1");
    let (_, queue2) = call("GET", &format!("{b}/api/marking/batches/quick/recheck"), Some(&leader2), None);
    assert!(queue2.as_array().expect("queue").iter().any(|t| t["code"] == contentious.as_str()), "{queue2}");
    let (code, body) = call(
        "POST",
        &format!("{b}/api/marking/batches/quick/recheck"),
        Some(&leader2),
        Some(json!({"code": contentious, "score": 6.0, "reason": ""})),
    );
    assert_eq!(code, 200, "{body}");
    if queue.is_empty() {
        let admin = staff_login(&b, "boss", "secret-pass-1");
        return Marked { _tmp: tmp, data, key, server, leader, admin };
    }
    let first = &queue[0];
    let changed = first["final_score"].as_f64().expect("score") - 0.5;
    assert_eq!(
        call(
            "POST",
            &format!("{b}/api/marking/batches/quick/recheck"),
            Some(&leader),
            Some(json!({"code": first["code"], "score": changed, "reason": ""}))
        )
        .0,
        400
    );
    for t in &queue {
        let (code, body) = call(
            "POST",
            &format!("{b}/api/marking/batches/quick/recheck"),
            Some(&leader),
            Some(json!({"code": t["code"], "score": t["final_score"], "reason": ""})),
        );
        assert_eq!(code, 200, "{body}");
    }
    let admin = staff_login(&b, "boss", "secret-pass-1");
    Marked { _tmp: tmp, data, key, server, leader, admin }
}

#[test]
fn two_markers_and_a_leader_through_arbitration_to_publication() {
    let m = marked_batch();
    let b = m.server.base.clone();
    let (code, totals) = call("GET", &format!("{b}/api/admin/batches/quick/totals"), Some(&m.leader), None);
    assert_eq!(code, 200);
    assert_eq!(
        (totals["submitted"].as_u64(), totals["unmarked"].as_u64(), totals["recheck_due"].as_u64()),
        (Some(2), Some(0), Some(0)),
        "{totals}"
    );
    assert_eq!(totals["mismatches"], json!([]));
    assert_eq!(
        call("GET", &format!("{b}/api/admin/batches/quick/export/results.csv"), Some(&m.admin), None).0,
        409,
        "no results before publication"
    );
    assert_eq!(
        call("POST", &format!("{b}/api/admin/batches/quick/publish"), Some(&m.leader), None).0,
        403,
        "only an admin publishes"
    );
    let (code, publication) = call("POST", &format!("{b}/api/admin/batches/quick/publish"), Some(&m.admin), None);
    assert_eq!(code, 200, "{publication}");
    let days =
        (publication["notice_until"].as_i64().expect("until") - publication["at"].as_i64().expect("at")) / 86_400_000;
    assert!((5..=7).contains(&days), "five working days of public notice: {days} calendar days");

    let get = |file: &str| {
        ureq::get(&format!("{b}/api/admin/batches/quick/export/{file}"))
            .set("Authorization", &format!("Bearer {}", m.admin))
            .call()
            .expect(file)
    };
    let csv = get("results.csv").into_string().expect("text");
    assert!(csv.starts_with('\u{FEFF}'), "a BOM for spreadsheet programs");
    assert!(csv.contains("认定结果汇总表") || csv.contains("准考证号"), "{csv}");
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.contains("T0000") && csv.contains("中式烹调师"), "{csv}");
    let mut xlsx = Vec::new();
    std::io::Read::read_to_end(&mut get("certificates.xlsx").into_reader(), &mut xlsx).expect("read");
    assert_eq!(&xlsx[..2], b"PK", "an xlsx file is a zip");
    let items = get("items.csv").into_string().expect("text");
    assert!(items.lines().next().is_some_and(|h| h.contains("难度(得分率P)") && h.contains("区分度(D)")), "{items}");
    assert!(items.lines().count() > 40, "a row per item drawn");

    // Bureau metrics: exam-open rate, pass rate with its flag, upload ratio.
    for (code, name, level) in [("4-03-02-01", "中式烹调师", "5"), ("6-31-01-03", "电工", "4")] {
        let (c, body) = call(
            "POST",
            &format!("{b}/api/admin/occupations"),
            Some(&m.admin),
            Some(json!({"code": code, "name": name, "level": level})),
        );
        assert_eq!(c, 200, "{body}");
    }
    let (c, metrics) = call("GET", &format!("{b}/api/audit/metrics"), Some(&m.admin), None);
    assert_eq!(c, 200, "{metrics}");
    assert_eq!(metrics["exam_open_rate"], 0.5, "one of two registered occupations examined: {metrics}");
    let cook = metrics["pass_rates"]
        .as_array()
        .expect("rates")
        .iter()
        .find(|r| r["occupation_code"] == "4-03-02-01")
        .cloned()
        .expect("cook");
    assert_eq!(cook["sat"], 2);
    let rate = cook["pass_rate"].as_f64().expect("rate");
    assert_eq!(cook["flag"].is_string(), !(0.30..=0.95).contains(&rate), "{cook}");
    let issued = metrics["certificates_issued"].as_u64().expect("issued");
    if issued > 0 {
        assert_eq!(
            call(
                "POST",
                &format!("{b}/api/admin/batches/quick/certificate-uploads"),
                Some(&m.admin),
                Some(json!({"count": issued, "reference": "GW-2026-001"}))
            )
            .0,
            200
        );
        assert_eq!(call("GET", &format!("{b}/api/audit/metrics"), Some(&m.admin), None).1["upload_ratio"], 1.0);
    } else {
        assert!(metrics["upload_ratio"].is_null());
    }
    assert_eq!(
        call("GET", &format!("{b}/api/audit/metrics"), Some(&m.leader), None).0,
        403,
        "metrics are for auditors"
    );
    let mut archive = Vec::new();
    let resp = ureq::get(&format!("{b}/api/admin/batches/quick/archive"))
        .set("Authorization", &format!("Bearer {}", m.admin))
        .call()
        .expect("archive");
    std::io::Read::read_to_end(&mut resp.into_reader(), &mut archive).expect("archive");
    let verified = kaoshi_exam::archive::verify(&archive, None, kaoshi_exam::archive::Expect::default())
        .expect("the downloaded archive verifies");
    assert_eq!(verified.batch, "quick");

    // An appeal during the notice sends the candidate's marks back to recheck.
    let (code, body) = call(
        "POST",
        &format!("{b}/api/admin/batches/quick/appeals"),
        Some(&m.admin),
        Some(json!({"ticket": "T0001", "reason": "考生对简答题得分有异议"})),
    );
    assert_eq!((code, body["rechecks"].as_u64()), (200, Some(2)));
    let leader2 = staff_login(&b, "lead2", "secret-pass-1");
    let mut reopened = std::collections::HashSet::new();
    for token in [&m.leader, &leader2] {
        let (_, queue) = call("GET", &format!("{b}/api/marking/batches/quick/recheck"), Some(token), None);
        for t in queue.as_array().expect("queue") {
            if t["appealed"] == true {
                reopened.insert(t["code"].as_str().expect("code").to_string());
            }
        }
    }
    assert_eq!(reopened.len(), 2, "both of T0001's answers are back in a leader's recheck queue");
    // Published: no more independent marks or arbitrations; a recheck only of an appealed response.
    let (code, body) = call(
        "POST",
        &format!("{b}/api/marking/batches/quick/marks"),
        Some(&m.leader),
        Some(json!({"code": reopened.iter().next().expect("a code"), "score": 1.0})),
    );
    assert_eq!((code, body["code"].as_str()), (409, Some("marking.closed")), "{body}");
}

#[test]
fn a_tampered_stored_mark_is_caught_by_score_totalling() {
    let m = marked_batch();
    let Marked { _tmp, data, key, server, admin, .. } = m;
    server.kill();
    {
        let store = kaoshi_exam::store::Store::open(&data).expect("store");
        let mut record = store
            .markings("quick")
            .expect("scan")
            .into_iter()
            .find(|r| r.marking.arbitration.is_none() && r.marking.rechecks.is_empty())
            .expect("a record");
        record.marking.marks[0].score += 2.0;
        store.put_marking("quick", &record).expect("put");
        store.flush().expect("flush");
    }
    let server = Server::start(&data, &["--key-file", &key]);
    let b = server.base.clone();
    let (_, totals) = call("GET", &format!("{b}/api/admin/batches/quick/totals"), Some(&admin), None);
    let mismatches = totals["mismatches"].as_array().expect("list");
    assert!(!mismatches.is_empty(), "the edited mark went unnoticed: {totals}");
    let (code, body) = call("POST", &format!("{b}/api/admin/batches/quick/publish"), Some(&admin), None);
    assert_eq!(code, 409);
    assert!(body["error"].as_str().is_some_and(|e| e.contains("统分复核发现")), "{body}");
}
