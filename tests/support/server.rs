//! Driving the real `kaoshi` binary from tests: a server on a free loopback
//! port, JSON calls, logins, and batches made through the command line.
//! Shared by the `it` test binary and the ones that must run alone.

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
    pub admin: String,
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
    let password = |role: &str| {
        d["staff"]
            .as_array()
            .expect("staff")
            .iter()
            .find(|s| s["role"] == role)
            .and_then(|s| s["password"].as_str())
            .unwrap_or_else(|| panic!("no {role} in demo.json"))
            .to_string()
    };
    Demo { candidates, proctor: password("proctor"), admin: password("admin") }
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
    let bank = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("question-banks").join(bank_name);
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

/// Creates batch `id` in `data` from a roster's text, sealed with the key
/// [`quick_batch_of`] made in `tmp`, starting at `start` (RFC 3339).
pub fn batch_from_roster(tmp: &Path, data: &Path, id: &str, roster: &str, start: &str, duration_seconds: u32) {
    let path = tmp.join(format!("{id}-roster.csv"));
    std::fs::write(&path, roster).expect("roster");
    let bank = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("question-banks/electrician-4");
    let out = Command::new(env!("CARGO_BIN_EXE_kaoshi"))
        .args(["batch", "create", "--data"])
        .arg(data)
        .arg("--bank")
        .arg(&bank)
        .arg("--key-file")
        .arg(tmp.join("org.key"))
        .arg("--roster")
        .arg(&path)
        .args(["--name", id, "--start", start, "--seed", "8", "--id", id])
        .args(["--duration-seconds", &duration_seconds.to_string()])
        .output()
        .expect("batch create");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A loopback port free now (for a server restarted on the same address).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port()
}
