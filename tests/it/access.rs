//! The access-control matrix: every endpoint called as every role — candidate,
//! proctor, marker, leader, auditor, admin, no token, expired token — with the
//! expected allow or deny for each cell. No response to a candidate carries an
//! answer key, a reference answer or a rubric.

use super::serve::{add_staff, call, quick_batch, seat_login, staff_login, Server};
use kaoshi_exam::staff::{token_hash, Role, Session};
use kaoshi_exam::store::Store;
use serde_json::{json, Value};

fn keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => m.iter().for_each(|(k, x)| {
            out.push(k.clone());
            keys(x, out);
        }),
        Value::Array(a) => a.iter().for_each(|x| keys(x, out)),
        _ => {}
    }
}

#[test]
fn every_endpoint_as_every_role() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let (people, key) = quick_batch(tmp.path(), &data, 3, 3600);
    for (user, role) in
        [("mk", "marker"), ("ld", "leader"), ("au", "auditor"), ("ad", "admin"), ("cp", "chief_proctor")]
    {
        add_staff(&data, user, role, "access-pass-1", None);
    }
    // A proctor of room B only (every candidate of the batch sits in room A).
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kaoshi"))
        .args(["staff", "add", "--data", data.to_str().expect("p"), "--user", "rb", "--role", "proctor"])
        .args(["--password-env", "RB_PW", "--batch", "quick", "--room", "B"])
        .env("RB_PW", "access-pass-1")
        .output()
        .expect("staff add");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // A staff session that expired yesterday.
    let expired = "ab".repeat(32);
    {
        let store = Store::open(&data).expect("store");
        let session = Session::Staff { user: "ad".into(), role: Role::Admin, expires: 1, epoch: 0 };
        store.put_session(&token_hash(&expired), &session).expect("put");
        store.flush().expect("flush");
    }
    let server = Server::start(&data, &["--key-file", key.to_str().expect("p")]);
    let b = server.base.clone();
    let proctor = staff_login(&b, "p1", "proctor-pass-1");
    let (candidate, _) = seat_login(&b, &people[0].0, &people[0].1);
    assert_eq!(
        call(
            "POST",
            &format!("{b}/api/proctor/batches/quick/seats/{}/approve", people[0].0),
            Some(&proctor),
            Some(json!({}))
        )
        .0,
        200
    );
    let tokens: Vec<(&str, Option<String>)> = vec![
        ("candidate", Some(candidate)),
        ("proctor", Some(proctor.clone())),
        ("marker", Some(staff_login(&b, "mk", "access-pass-1"))),
        ("leader", Some(staff_login(&b, "ld", "access-pass-1"))),
        ("auditor", Some(staff_login(&b, "au", "access-pass-1"))),
        ("chief", Some(staff_login(&b, "cp", "access-pass-1"))),
        ("room_proctor", Some(staff_login(&b, "rb", "access-pass-1"))),
        ("admin", Some(staff_login(&b, "ad", "access-pass-1"))),
        ("none", None),
        ("expired", Some(expired)),
    ];
    let other = &people[1].0;
    let staff_all: &[&str] = &["proctor", "marker", "leader", "auditor", "admin", "chief", "room_proctor"];
    let watchers: &[&str] = &["proctor", "admin", "chief", "auditor", "room_proctor"];
    let acting: &[&str] = &["proctor", "admin", "chief"];
    // (method, path, body, roles allowed)
    let matrix: Vec<(&str, String, Option<Value>, &[&str])> = vec![
        ("GET", "/api/seat/status".into(), None, &["candidate"]),
        ("GET", "/api/seat/paper".into(), None, &["candidate"]),
        ("GET", "/api/seat/answers".into(), None, &["candidate"]),
        ("PUT", "/api/seat/answers/0".into(), Some(json!({"response": "T", "seq": 1})), &["candidate"]),
        ("PUT", "/api/seat/flags/0".into(), Some(json!({"flagged": true})), &["candidate"]),
        ("GET", "/api/seat/rules".into(), None, &["candidate"]),
        ("POST", "/api/seat/rules".into(), None, &["candidate"]),
        ("GET", "/api/proctor/batches".into(), None, staff_all),
        ("GET", "/api/proctor/batches/quick/seats".into(), None, watchers),
        ("GET", "/api/proctor/batches/quick/stream".into(), None, watchers),
        ("POST", "/api/proctor/batches/quick/stream-ticket".into(), Some(json!({})), watchers),
        ("POST", "/api/proctor/batches/quick/room-record".into(), Some(json!({"room": "A"})), acting),
        // A proctor of another room is refused this room's seat.
        (
            "GET",
            format!("/api/proctor/batches/quick/seats/{other}/history"),
            None,
            &["proctor", "admin", "chief", "auditor"],
        ),
        (
            "POST",
            format!("/api/proctor/batches/quick/seats/{other}/violation"),
            Some(json!({"reason": "检查"})),
            acting,
        ),
        (
            "POST",
            format!("/api/proctor/batches/quick/seats/{other}/extend"),
            Some(json!({"minutes": 1, "reason": "检查"})),
            acting,
        ),
        ("GET", "/api/marking/batches/quick/next".into(), None, &["marker", "leader", "admin"]),
        (
            "POST",
            "/api/marking/batches/quick/marks".into(),
            Some(json!({"code": "0000-0000", "score": 1.0})),
            &["marker", "leader", "admin"],
        ),
        ("GET", "/api/marking/batches/quick/arbitrations".into(), None, &["leader", "admin"]),
        (
            "POST",
            "/api/marking/batches/quick/arbitrate".into(),
            Some(json!({"code": "0000-0000", "score": 1.0, "reason": "x"})),
            &["leader", "admin"],
        ),
        ("GET", "/api/marking/batches/quick/recheck".into(), None, &["leader", "admin"]),
        (
            "POST",
            "/api/marking/batches/quick/recheck".into(),
            Some(json!({"code": "0000-0000", "score": 1.0, "reason": "x"})),
            &["leader", "admin"],
        ),
        ("GET", "/api/admin/batches/quick/totals".into(), None, &["admin", "leader", "auditor"]),
        ("POST", "/api/admin/batches/quick/publish".into(), None, &["admin"]),
        ("POST", "/api/admin/batches/quick/appeals".into(), Some(json!({"ticket": other, "reason": "x"})), &["admin"]),
        ("GET", "/api/admin/batches/quick/export/items.csv".into(), None, &["admin", "leader", "auditor"]),
        ("GET", "/api/admin/batches/quick/archive".into(), None, &["admin", "auditor"]),
        (
            "POST",
            "/api/admin/batches/quick/certificate-uploads".into(),
            Some(json!({"count": 1, "reference": "x"})),
            &["admin"],
        ),
        (
            "POST",
            "/api/admin/occupations".into(),
            Some(json!({"code": "6-31-01-03", "name": "电工", "level": "4"})),
            &["admin"],
        ),
        ("GET", "/api/audit/metrics".into(), None, &["auditor", "admin"]),
        ("GET", "/api/admin/banks".into(), None, &["admin"]),
        ("POST", "/api/admin/banks".into(), Some(json!({"not": "a bank"})), &["admin"]),
        ("GET", "/api/admin/batches".into(), None, &["admin"]),
        ("POST", "/api/admin/batches".into(), Some(json!({"name": "x"})), &["admin"]),
        ("POST", "/api/admin/roster".into(), Some(json!({"x": 1})), &["admin"]),
        (
            "POST",
            "/api/admin/batches/quick/roster".into(),
            Some(json!({"action": "withdraw", "ticket": "nobody", "reason": "x"})),
            &["admin"],
        ),
        ("GET", "/api/admin/staff".into(), None, &["admin"]),
        (
            "POST",
            "/api/admin/staff".into(),
            Some(json!({"user": "zz", "role": "marker", "password": "access-pass-9"})),
            &["admin"],
        ),
        ("POST", "/api/admin/staff/zz/disable".into(), None, &["admin"]),
        ("GET", "/api/audit/log/verify".into(), None, &["auditor", "admin"]),
        ("POST", "/api/audit/log/head".into(), None, &["auditor", "admin"]),
        ("GET", "/api/audit/log/checkpoints".into(), None, &["auditor", "admin"]),
        ("GET", "/api/audit/ledger".into(), None, &["auditor", "admin"]),
        // Last: it closes the batch.
        ("POST", "/api/admin/batches/quick/close".into(), None, &["admin"]),
    ];
    let mut failures = Vec::new();
    for (method, path, body, allowed) in &matrix {
        for (role, token) in &tokens {
            let (status, response) =
                if path.ends_with("/stream") || path.ends_with("/archive") || path.ends_with(".csv") {
                    // Streams and files: the status line is what matters.
                    let mut req =
                        ureq::request(method, &format!("{b}{path}")).timeout(std::time::Duration::from_secs(5));
                    if let Some(t) = token {
                        req = req.set("Authorization", &format!("Bearer {t}"));
                    }
                    match req.call() {
                        Ok(r) => (r.status(), Value::Null),
                        Err(ureq::Error::Status(code, r)) => (code, r.into_json().unwrap_or(Value::Null)),
                        Err(e) => panic!("{method} {path} as {role}: {e}"),
                    }
                } else {
                    call(method, &format!("{b}{path}"), token.as_deref(), body.clone())
                };
            let allow = allowed.contains(role);
            let ok = match (allow, *role) {
                (true, _) => status != 401 && status != 403 && status != 0,
                (false, "none" | "expired") => status == 401,
                (false, _) => status == 403,
            };
            if !ok {
                failures.push(format!(
                    "{method} {path} as {role}: status {status} (expected {}) {response}",
                    if allow { "allowed" } else { "denied" }
                ));
            }
            if *role == "candidate" {
                let mut k = Vec::new();
                keys(&response, &mut k);
                for forbidden in ["answer", "rubric", "reference", "max_score", "option_order"] {
                    if k.iter().any(|x| x == forbidden) {
                        failures.push(format!("{method} {path} showed a candidate `{forbidden}`"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} cells wrong:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn oversized_bodies_and_login_floods_are_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let (people, key) = quick_batch(tmp.path(), &data, 2, 3600);
    let server = Server::start(&data, &["--key-file", key.to_str().expect("p")]);
    let b = server.base.clone();
    // A body over the limit is refused once the limit is reached: 413, the
    // rest is never read (the sender may see the connection close).
    {
        use std::io::{Read, Write};
        let addr = b.trim_start_matches("http://").to_string();
        let mut s = std::net::TcpStream::connect(&addr).expect("connect");
        let mut w = s.try_clone().expect("clone");
        let writer = std::thread::spawn(move || {
            let _ = write!(w, "POST /api/seat/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n");
            let _ = w.write_all(&vec![b' '; 1_000_000]);
        });
        s.set_read_timeout(Some(std::time::Duration::from_secs(10))).expect("timeout");
        let mut head = [0u8; 64];
        let n = s.read(&mut head).expect("read");
        let line = String::from_utf8_lossy(&head[..n]).to_string();
        assert!(line.starts_with("HTTP/1.1 413"), "{line}");
        drop(s);
        let _ = writer.join();
    }
    assert_eq!(call("GET", &format!("{b}/api/seat/status"), None, None).0, 401, "the server is still serving");
    let login = |ticket: &str, id: &str| {
        call("POST", &format!("{b}/api/seat/login"), None, Some(json!({"ticket": ticket, "id_number": id})))
    };
    // Five wrong numbers for a ticket are free; the sixth locks the ticket
    // from this address for 30 s, the right number included.
    for _ in 0..6 {
        assert_eq!(login(&people[0].0, "wrong").0, 400);
    }
    let (code, body) = login(&people[0].0, &people[0].1);
    assert_eq!(code, 429, "{body}");
    assert!(body["error"].as_str().unwrap_or("").contains("秒后再试"), "{body}");
    // Another ticket from the same address still logs in.
    assert_eq!(login(&people[1].0, &people[1].1).0, 200);
    // The proctor clears the lock and the candidate gets in.
    let proctor = super::serve::staff_login(&b, "p1", "proctor-pass-1");
    let (code, seat) = call(
        "POST",
        &format!("{b}/api/proctor/batches/quick/seats/{}/unlock", people[0].0),
        Some(&proctor),
        Some(json!({})),
    );
    assert_eq!((code, seat["login_locked_seconds"].as_i64()), (200, Some(0)), "{seat}");
    assert_eq!(login(&people[0].0, &people[0].1).0, 200);
    // An address spraying numbers over many tickets stops at 200 failures in ten minutes.
    let mut first_limited = None;
    for i in 0..210 {
        if login(&format!("X{i}"), "y").0 == 429 && first_limited.is_none() {
            first_limited = Some(i);
        }
    }
    assert_eq!(first_limited, Some(194), "the address limit: 200 failures, the six above included");
    assert_eq!(login(&people[1].0, &people[1].1).0, 429, "the whole address waits");
}
