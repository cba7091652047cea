//! The exam server driven over a real socket: the real `kaoshi` binary, a
//! temporary data directory, HTTP on loopback.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `kaoshi serve`.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Server {
    /// Starts the server on a free port and waits until it listens.
    pub fn start(data: &Path, extra: &[&str]) -> Server {
        Server::start_at(data, "127.0.0.1:0", extra)
    }

    /// Starts the server on `addr` (a restart on the port the pages know).
    pub fn start_at(data: &Path, addr: &str, extra: &[&str]) -> Server {
        let mut args = vec!["serve", "--data", data.to_str().expect("utf8 path"), "--addr", addr];
        args.extend_from_slice(extra);
        let mut child = Command::new(env!("CARGO_BIN_EXE_kaoshi"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start kaoshi serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().expect("server printed nothing").expect("read");
        let base = first
            .strip_prefix("kaoshi serving on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .to_string();
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, base }
    }

    /// SIGTERM, then how long the process took to exit (at most `limit`; killed after).
    pub fn terminate(mut self, limit: Duration) -> Duration {
        let started = Instant::now();
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        while self.child.try_wait().ok().flatten().is_none() {
            if started.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return started.elapsed();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        started.elapsed()
    }

    /// SIGKILL: no shutdown, no flush.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP call; returns status and JSON body (4xx/5xx included).
pub fn call(method: &str, url: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let mut req = ureq::request(method, url).timeout(Duration::from_secs(20));
    if let Some(t) = token {
        req = req.set("Authorization", &format!("Bearer {t}"));
    }
    let result = match body {
        Some(b) => req.send_json(b),
        None => req.call(),
    };
    match result {
        Ok(resp) => {
            let status = resp.status();
            (status, resp.into_json().unwrap_or(Value::Null))
        }
        Err(ureq::Error::Status(code, resp)) => (code, resp.into_json().unwrap_or(Value::Null)),
        Err(e) => (0, json!({"transport": e.to_string()})),
    }
}

/// The demo's credentials.
pub struct Demo {
    pub candidates: Vec<(String, String)>,
    pub proctor: String,
}

pub fn demo(data: &Path) -> Demo {
    let d: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("demo.json")).expect("demo.json")).expect("json");
    let candidates = d["candidates"]
        .as_array()
        .expect("candidates")
        .iter()
        .map(|c| (c["ticket"].as_str().expect("t").to_string(), c["id_number"].as_str().expect("i").to_string()))
        .collect();
    let proctor = d["staff"]
        .as_array()
        .expect("staff")
        .iter()
        .find(|s| s["role"] == "proctor")
        .and_then(|s| s["password"].as_str())
        .expect("proctor")
        .to_string();
    Demo { candidates, proctor }
}

pub fn staff_login(base: &str, user: &str, password: &str) -> String {
    let (code, body) =
        call("POST", &format!("{base}/api/staff/login"), None, Some(json!({"user": user, "password": password})));
    assert_eq!(code, 200, "{body}");
    body["token"].as_str().expect("token").to_string()
}

pub fn seat_login(base: &str, ticket: &str, id: &str) -> (String, Value) {
    let (code, body) =
        call("POST", &format!("{base}/api/seat/login"), None, Some(json!({"ticket": ticket, "id_number": id})));
    assert_eq!(code, 200, "{body}");
    (body["token"].as_str().expect("token").to_string(), body)
}

pub fn act(base: &str, staff: &str, batch: &str, ticket: &str, action: &str, body: Value) -> (u16, Value) {
    call("POST", &format!("{base}/api/proctor/batches/{batch}/seats/{ticket}/{action}"), Some(staff), Some(body))
}

/// Logs a candidate in, approves identity and opens the paper.
pub fn start_exam(base: &str, staff: &str, batch: &str, ticket: &str, id: &str) -> (String, Value) {
    let (token, _) = seat_login(base, ticket, id);
    let (code, body) = act(base, staff, batch, ticket, "approve", json!({}));
    assert_eq!(code, 200, "{body}");
    let (code, paper) = call("GET", &format!("{base}/api/seat/paper"), Some(&token), None);
    assert_eq!(code, 200, "{paper}");
    (token, paper)
}

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

    // Submit; nothing after.
    let (code, body) = call("POST", &format!("{b}/api/seat/submit"), Some(&token2), None);
    assert_eq!((code, body["status"].as_str()), (200, Some("submitted")));
    let (code, body) =
        call("PUT", &format!("{b}/api/seat/answers/{pos}"), Some(&token2), Some(json!({"response": "A", "seq": 6})));
    assert_eq!(code, 409, "{body}");
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

fn write_roster(path: &Path, n: usize) -> Vec<(String, String)> {
    let mut text = String::from("ticket,id_number,name,organisation,room,seat\n");
    let mut out = Vec::new();
    for i in 0..n {
        let (t, id) = (format!("T{i:04}"), kaoshi_exam::identity::example_resident_id(i as u32));
        text.push_str(&format!("{t},{id},考生{i},单位{},A,{}\n", i % 3, i + 1));
        out.push((t, id));
    }
    std::fs::write(path, text).expect("roster");
    out
}

/// A data directory with a batch `quick` of `n` candidates and a proctor `p1`.
pub fn quick_batch(tmp: &Path, data: &Path, n: usize, duration_seconds: u32) -> (Vec<(String, String)>, PathBuf) {
    quick_batch_of(tmp, data, n, duration_seconds, "electrician-4")
}

/// [`quick_batch`] from a named sample bank.
pub fn quick_batch_of(
    tmp: &Path,
    data: &Path,
    n: usize,
    duration_seconds: u32,
    bank_name: &str,
) -> (Vec<(String, String)>, PathBuf) {
    let key = tmp.join("org.key");
    let run = |args: &[&str], env: Option<(&str, &str)>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kaoshi"));
        cmd.args(args);
        if let Some((k, v)) = env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    run(&["keygen", "-o", key.to_str().expect("p")], None);
    let roster = tmp.join("roster.csv");
    let people = write_roster(&roster, n);
    let bank = super::sample(bank_name);
    let duration = duration_seconds.to_string();
    run(
        &[
            "batch",
            "create",
            "--data",
            data.to_str().expect("p"),
            "--bank",
            bank.to_str().expect("p"),
            "--key-file",
            key.to_str().expect("p"),
            "--roster",
            roster.to_str().expect("p"),
            "--name",
            "测试批次",
            "--start",
            "2026-01-01T09:00:00+08:00",
            "--seed",
            "5",
            "--id",
            "quick",
            "--duration-seconds",
            &duration,
        ],
        None,
    );
    run(
        &[
            "staff",
            "add",
            "--data",
            data.to_str().expect("p"),
            "--user",
            "p1",
            "--role",
            "proctor",
            "--password-env",
            "KAOSHI_TEST_PW",
        ],
        Some(("KAOSHI_TEST_PW", "proctor-pass-1")),
    );
    (people, key)
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

/// Adds a staff account through the CLI, optionally with an organisation.
pub fn add_staff(data: &Path, user: &str, role: &str, password: &str, organisation: Option<&str>) {
    let mut args = vec![
        "staff",
        "add",
        "--data",
        data.to_str().expect("p"),
        "--user",
        user,
        "--role",
        role,
        "--password-env",
        "KAOSHI_TEST_STAFF_PW",
    ];
    if let Some(o) = organisation {
        args.extend(["--organisation", o]);
    }
    let out = Command::new(env!("CARGO_BIN_EXE_kaoshi"))
        .args(&args)
        .env("KAOSHI_TEST_STAFF_PW", password)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
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
        format!("GET /api/proctor/batches/demo/stream?token={staff} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes(),
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
