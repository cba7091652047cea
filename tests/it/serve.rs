//! The exam server driven over a real socket: the real `kaoshi` binary, a
//! temporary data directory, HTTP on loopback. The helpers are in
//! `tests/support/server.rs`.

pub use super::support::*;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;

fn keys_of(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                out.push(k.clone());
                keys_of(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| keys_of(x, out)),
        _ => {}
    }
}

/// A response from the paper's first choice item in displayed letters.
fn first_choice(paper: &Value) -> (usize, &'static str) {
    let item = paper["items"].as_array().expect("items").iter().find(|i| i["type"] == "single").expect("a single item");
    (item["pos"].as_u64().expect("pos") as usize, "B")
}

fn data_dir() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    (tmp, data)
}

#[test]
fn a_candidate_sits_the_exam_end_to_end() {
    let (_tmp, data) = data_dir();
    let server = Server::start(&data, &["--demo"]);
    let b = server.base.clone();
    let demo = demo(&data);
    assert!(demo.candidates.len() >= 30);
    let staff = staff_login(&b, "proctor", &demo.proctor);
    let (ticket, id) = demo.candidates[0].clone();

    let (code, _) =
        call("POST", &format!("{b}/api/seat/login"), None, Some(json!({"ticket": ticket, "id_number": "wrong"})));
    assert_eq!(code, 400, "a wrong id number is refused");
    let (token, login) = seat_login(&b, &ticket, &id);
    assert_eq!(login["status"], "awaiting_identity");
    let (code, _) = call("GET", &format!("{b}/api/seat/paper"), Some(&token), None);
    assert_eq!(code, 403, "no paper before identity approval");
    let (code, seat) = act(&b, &staff, "demo", &ticket, "approve", json!({}));
    assert_eq!((code, seat["status"].as_str()), (200, Some("ready")));

    let (code, paper) = call("GET", &format!("{b}/api/seat/paper"), Some(&token), None);
    assert_eq!(code, 200);
    assert_eq!(paper["items"].as_array().map(Vec::len), Some(90));
    let mut keys = Vec::new();
    keys_of(&paper, &mut keys);
    for forbidden in ["answer", "rubric", "reference", "key", "max_score", "option_order", "id", "ticket", "id_number"]
    {
        assert!(!keys.iter().any(|k| k == forbidden), "the paper payload carries `{forbidden}`");
    }
    let text = paper.to_string();
    assert!(!text.contains("\"T\"") && !text.contains("\"F\""), "no judge key anywhere");

    // Save, stale, replay, invalid.
    let (pos, letter) = first_choice(&paper);
    let save = |seq: u64, response: Value| {
        call(
            "PUT",
            &format!("{b}/api/seat/answers/{pos}"),
            Some(&token),
            Some(json!({"response": response, "seq": seq})),
        )
    };
    assert_eq!(save(1, json!(letter)).0, 200);
    assert_eq!(save(1, json!(letter)).0, 200, "a replayed save is acknowledged again");
    let (code, body) = save(1, json!("C"));
    assert_eq!(code, 409, "{body}");
    assert_eq!(save(2, json!("Z")).0, 400, "a letter outside the options is refused");
    assert_eq!(save(5, json!("D")).0, 200);
    let (code, body) = save(4, json!("A"));
    assert_eq!(code, 409, "an older seq never overwrites a newer save: {body}");
    assert_eq!(
        call("PUT", &format!("{b}/api/seat/answers/999"), Some(&token), Some(json!({"response": "A", "seq": 9}))).0,
        400
    );

    // The seat dies: log in on another machine; the old token is void; answers and time remain.
    let (token2, again) = seat_login(&b, &ticket, &id);
    assert_eq!(again["status"], "awaiting_identity");
    assert_eq!(
        call("GET", &format!("{b}/api/seat/answers"), Some(&token), None).0,
        401,
        "the old seat's token is void"
    );
    assert_eq!(act(&b, &staff, "demo", &ticket, "approve", json!({})).1["status"], "answering");
    let (_, saved) = call("GET", &format!("{b}/api/seat/answers"), Some(&token2), None);
    assert_eq!(saved["last_seq"], 5);
    assert_eq!(saved["answers"][0]["response"], "D");
    let remaining = saved["remaining_seconds"].as_i64().expect("remaining");
    assert!((5390..=5400).contains(&remaining), "{remaining}");

    // Submit; nothing after: the seat's token has ended, and the seat cannot log in again.
    let (code, body) = call("POST", &format!("{b}/api/seat/submit"), Some(&token2), None);
    assert_eq!((code, body["status"].as_str()), (200, Some("submitted")));
    let (code, body) =
        call("PUT", &format!("{b}/api/seat/answers/{pos}"), Some(&token2), Some(json!({"response": "A", "seq": 6})));
    assert_eq!((code, body["code"].as_str()), (401, Some("auth.seat_ended")), "{body}");
    let (code, body) = call("GET", &format!("{b}/api/seat/paper"), Some(&token2), None);
    assert_eq!(code, 401, "the paper is out of reach after hand-in: {body}");
    let (code, body) =
        call("POST", &format!("{b}/api/seat/login"), None, Some(json!({"ticket": ticket, "id_number": id})));
    assert_eq!((code, body["code"].as_str()), (409, Some("login.handed_in")), "{body}");
    let (_, seats) = call("GET", &format!("{b}/api/proctor/batches/demo/seats"), Some(&staff), None);
    let me = seats.as_array().expect("seats").iter().find(|s| s["ticket"] == ticket.as_str()).expect("seat");
    assert_eq!(me["status"], "submitted");
    assert!(me["score"].is_number(), "objective items are graded at hand-in: {me}");
}

#[test]
fn tokens_reach_only_what_their_role_and_seat_allow() {
    let (_tmp, data) = data_dir();
    let server = Server::start(&data, &["--demo"]);
    let b = server.base.clone();
    let demo = demo(&data);
    let staff = staff_login(&b, "proctor", &demo.proctor);
    let (ta, pa) = start_exam(&b, &staff, "demo", &demo.candidates[0].0, &demo.candidates[0].1);
    let (tb, pb) = start_exam(&b, &staff, "demo", &demo.candidates[1].0, &demo.candidates[1].1);
    assert_ne!(pa["items"], pb["items"], "neighbours get different papers");
    let (pos, _) = first_choice(&pa);
    assert_eq!(
        call("PUT", &format!("{b}/api/seat/answers/{pos}"), Some(&ta), Some(json!({"response": "A", "seq": 1}))).0,
        200
    );
    let (_, answers_b) = call("GET", &format!("{b}/api/seat/answers"), Some(&tb), None);
    assert_eq!(answers_b["answers"], json!([]), "seat B sees none of seat A's answers");

    assert_eq!(
        call("GET", &format!("{b}/api/proctor/batches/demo/seats"), Some(&ta), None).0,
        403,
        "a candidate is not a proctor"
    );
    assert_eq!(act(&b, &ta, "demo", &demo.candidates[1].0, "submit", json!({"reason": "x"})).0, 403);
    assert_eq!(call("GET", &format!("{b}/api/proctor/batches/demo/seats"), None, None).0, 401);
    assert_eq!(call("GET", &format!("{b}/api/seat/paper"), None, None).0, 401);
    assert_eq!(call("GET", &format!("{b}/api/seat/paper"), Some("00ff"), None).0, 401);
    assert_eq!(call("GET", &format!("{b}/api/seat/paper"), Some(&staff), None).0, 403, "a staff token is not a seat");
    assert_eq!(
        call("POST", &format!("{b}/api/staff/login"), None, Some(json!({"user": "proctor", "password": "nope"}))).0,
        400
    );
}

#[test]
fn acknowledged_saves_survive_kill_9() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let (people, key) = quick_batch(tmp.path(), &data, 24, 3600);
    let key_arg = key.to_str().expect("p").to_string();
    let server = Server::start(&data, &["--key-file", &key_arg]);
    let b = server.base.clone();
    let staff = staff_login(&b, "p1", "proctor-pass-1");
    let seats: Vec<(String, String)> =
        people.iter().map(|(t, id)| (t.clone(), start_exam(&b, &staff, "quick", t, id).0)).collect();

    // Every seat saves as fast as it can; each thread records what was acknowledged.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let handles: Vec<_> = seats
        .iter()
        .cloned()
        .map(|(ticket, token)| {
            let (b, stop) = (b.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut acked: Vec<(u64, usize, String)> = Vec::new();
                let mut seq = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) && seq < 100_000 {
                    seq += 1;
                    let pos = (seq as usize * 7) % 20; // judge items: "T"/"F"
                    let response = if seq % 2 == 0 { "T" } else { "F" };
                    let (code, _) = call(
                        "PUT",
                        &format!("{b}/api/seat/answers/{pos}"),
                        Some(&token),
                        Some(json!({"response": response, "seq": seq})),
                    );
                    match code {
                        200 => acked.push((seq, pos, response.to_string())),
                        0 => break, // the server is gone
                        other => panic!("seat {ticket}: unexpected status {other}"),
                    }
                }
                (ticket, token, acked)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    server.kill();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let results: Vec<_> = handles.into_iter().map(|h| h.join().expect("thread")).collect();
    let total: usize = results.iter().map(|r| r.2.len()).sum();
    assert!(total > 100, "the load was too light to prove anything: {total} saves");

    let server = Server::start(&data, &["--key-file", &key_arg]);
    let b = server.base.clone();
    let mut lost = 0;
    for (ticket, token, acked) in &results {
        let (code, saved) = call("GET", &format!("{b}/api/seat/answers"), Some(token), None);
        assert_eq!(code, 200, "{saved}");
        let last_seq = saved["last_seq"].as_u64().expect("last_seq");
        if let Some((max, _, _)) = acked.last() {
            assert!(last_seq >= *max, "seat {ticket}: sequence went backwards ({last_seq} < {max})");
        }
        let stored: std::collections::HashMap<usize, (u64, String)> = saved["answers"]
            .as_array()
            .expect("answers")
            .iter()
            .map(|a| {
                (
                    a["pos"].as_u64().expect("pos") as usize,
                    (a["seq"].as_u64().expect("seq"), a["response"].as_str().unwrap_or("").to_string()),
                )
            })
            .collect();
        let mut last_acked: std::collections::HashMap<usize, (u64, String)> = std::collections::HashMap::new();
        for (seq, pos, response) in acked {
            last_acked.insert(*pos, (*seq, response.clone()));
        }
        for (pos, (seq, response)) in last_acked {
            match stored.get(&pos) {
                Some((s, r)) if *s > seq || (*s == seq && *r == response) => {}
                _ => lost += 1,
            }
        }
        // The outage is not charged: the seat is paused until a proctor resumes it.
        assert_eq!(call("GET", &format!("{b}/api/seat/status"), Some(token), None).1["status"], "paused");
    }
    assert_eq!(lost, 0, "acknowledged saves lost after kill -9 (of {total} acknowledged)");
}

#[test]
fn sigterm_stops_the_server_within_5_s_with_a_console_stream_open() {
    let (_tmp, data) = data_dir();
    let server = Server::start(&data, &["--demo"]);
    let b = server.base.clone();
    let demo = demo(&data);
    let staff = staff_login(&b, "proctor", &demo.proctor);
    let (token, _) = start_exam(&b, &staff, "demo", &demo.candidates[0].0, &demo.candidates[0].1);
    assert_eq!(
        call("PUT", &format!("{b}/api/seat/answers/0"), Some(&token), Some(json!({"response": "T", "seq": 1}))).0,
        200
    );
    // A proctor console's event stream, held open.
    let addr = b.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
    std::io::Write::write_all(
        &mut stream,
        format!(
            "GET /api/proctor/batches/demo/stream HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {staff}\r\n\r\n"
        )
        .as_bytes(),
    )
    .expect("request");
    let mut first = [0u8; 64];
    let n = std::io::Read::read(&mut stream, &mut first).expect("stream answers");
    assert!(String::from_utf8_lossy(&first[..n]).contains("200"), "the stream is open");
    let took = server.terminate(Duration::from_secs(10));
    assert!(took < Duration::from_secs(5), "SIGTERM took {took:?} with a stream open");
    // Everything acknowledged is there after a restart.
    let server = Server::start(&data, &["--demo"]);
    let (token, _) = seat_login(&server.base, &demo.candidates[0].0, &demo.candidates[0].1);
    let _ = token;
    let store_answer = call(
        "GET",
        &format!("{}/api/proctor/batches/demo/seats", server.base),
        Some(&staff_login(&server.base, "proctor", &demo.proctor)),
        None,
    )
    .1;
    let me = store_answer
        .as_array()
        .expect("seats")
        .iter()
        .find(|s| s["ticket"] == demo.candidates[0].0.as_str())
        .cloned()
        .expect("seat");
    assert_eq!(me["last_seq"], 1, "{me}");
}
