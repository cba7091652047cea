//! The exam rules through the HTTP API, in process: the router over a real
//! sled store in a temporary directory, driven with `oneshot` requests, on a
//! manual clock — no sockets, no sleeps, nothing that depends on the time of day.

mod clock;
mod face;
#[path = "../../../tests/support/faces.rs"]
mod faces;
mod flow;
mod integrity;
mod marking;
mod organisation;
mod room_record;
mod security;
mod workflow;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use kaoshi_engine::seal::{self, Kek, Lock, Unlock};
use kaoshi_exam::admin::{add_staff, create_batch, NewBatch};
use kaoshi_exam::batch::RosterLine;
use kaoshi_exam::clock::ManualClock;
use kaoshi_exam::demo::sample_bank;
use kaoshi_exam::events::Actor;
use kaoshi_exam::log::EventLog;
use kaoshi_exam::staff::{new_staff, Role};
use kaoshi_exam::store::Store;
use kaoshi_exam::Exam;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

/// 2026-03-02 09:00 China time, a Monday.
pub const T0: i64 = 1_772_413_200_000;

/// A batch `b` of `n` candidates (tickets T0000…, identity numbers ID000000…)
/// starting at [`T0`] with `duration_seconds`, a proctor `p1`, an admin `ad`.
pub struct Room {
    pub _tmp: tempfile::TempDir,
    pub clock: Arc<ManualClock>,
    pub exam: Arc<Exam>,
    pub app: Router,
    pub state: kaoshi_http::AppState,
}

/// The chinese-cook-5 sample bank (two short items per paper).
pub fn cook_bank() -> kaoshi_engine::BankSource {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../question-banks/chinese-cook-5");
    let read = |n: &str| std::fs::read_to_string(dir.join(n)).expect("sample bank file");
    let (bank, paper, items) = (read("bank.toml"), read("paper.toml"), read("items.jsonl"));
    kaoshi_engine::parse_source(kaoshi_engine::SourceFiles {
        bank_toml: &bank,
        paper_toml: Some(&paper),
        items_jsonl: &items,
    })
    .expect("cook bank")
}

/// Whether a text has Chinese characters in it.
pub fn chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

impl Room {
    pub fn new(n: usize, duration_seconds: i64) -> Room {
        Room::with_bank(n, duration_seconds, sample_bank().expect("sample bank"), &[])
    }

    /// A room over `source`, with extra staff `(user, role, organisation)`.
    pub fn with_bank(
        n: usize,
        duration_seconds: i64,
        source: kaoshi_engine::BankSource,
        extra: &[(&str, Role, Option<&str>)],
    ) -> Room {
        Room::build(n, duration_seconds, source, extra, None)
    }

    /// A room whose server matches faces with the models in `models`.
    pub fn with_face(n: usize, extra: &[(&str, Role, Option<&str>)], models: &std::path::Path) -> Room {
        let models = Arc::new(kaoshi_face::Models::open(models, 1).expect("face models"));
        Room::build(n, 3600, sample_bank().expect("sample bank"), extra, Some(models))
    }

    fn build(
        n: usize,
        duration_seconds: i64,
        source: kaoshi_engine::BankSource,
        extra: &[(&str, Role, Option<&str>)],
        face: Option<Arc<kaoshi_face::Models>>,
    ) -> Room {
        let tmp = tempfile::tempdir().expect("tmp");
        let store = Store::open(tmp.path()).expect("store");
        let log = EventLog::open(store.clone()).expect("log");
        let key = Kek::from_bytes([3; 32]);
        let sealed = seal::seal(&source, &Lock::Key(&key), &mut rand_core_rng()).expect("seal");
        let roster: Vec<RosterLine> = (0..n)
            .map(|i| RosterLine {
                ticket: format!("T{i:04}"),
                id_number: kaoshi_exam::identity::example_resident_id(i as u32),
                id_type: "居民身份证".into(),
                name: format!("考生{i}"),
                organisation: format!("单位{}", i % 3),
                room: "第1考场".into(),
                seat: format!("{:02}", i + 1),
                extra_time: String::new(),
                review: Default::default(),
            })
            .collect();
        let spec = source.spec.clone().expect("spec");
        create_batch(
            &store,
            &log,
            NewBatch {
                id: "b",
                name: "测试批次",
                start: T0,
                seed: 5,
                sealed: &sealed,
                source: &source,
                spec: &spec,
                duration_seconds: Some(duration_seconds),
                roster: &roster,
                now: T0 - 3_600_000,
                actor: &Actor::Cli,
                filing: None,
                plan: &Default::default(),
                drill: false,
            },
        )
        .expect("batch");
        let base = [("p1", Role::Proctor, None), ("ad", Role::Admin, None)];
        for (user, role, org) in base.iter().chain(extra) {
            let staff = new_staff(user, *role, "secret-pass-1", *org, &[]).expect("staff");
            add_staff(&store, &log, T0, &Actor::Cli, &staff).expect("add");
        }
        drop(log);
        let clock = Arc::new(ManualClock::new(T0 - 600_000));
        let mut exam = Exam::load(store, clock.clone(), Some(&Unlock::Key(&key))).expect("load");
        if let Some(models) = face {
            exam = exam.with_face(models);
        }
        let exam = Arc::new(exam.with_key(kaoshi_exam::org_key::OrgKey::Key(key)));
        let state = kaoshi_http::App::new(exam.clone());
        let app =
            kaoshi_http::router_for(state.clone()).layer(MockConnectInfo(SocketAddr::from(([10, 0, 0, 7], 5000))));
        Room { _tmp: tmp, clock, exam, app, state }
    }

    /// One request; status and JSON body.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(path).header("content-type", "application/json");
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
        let resp = self.app.clone().oneshot(req.body(body).expect("request")).await.expect("response");
        let status = resp.status();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if !status.is_success() {
            // Every refusal a person can see is in Chinese and carries a stable code.
            let message = body["error"].as_str().unwrap_or_default();
            assert!(chinese(message), "{method} {path}: a refusal without a Chinese message: {body}");
            assert!(body["code"].is_string(), "{method} {path}: a refusal without a code: {body}");
        }
        (status, body)
    }

    /// A JSON request from another machine: its address and browser.
    pub async fn call_from(
        &self,
        address: [u8; 4],
        agent: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json")
            .header("user-agent", agent)
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
            .expect("request");
        req.extensions_mut().insert(axum::extract::ConnectInfo(SocketAddr::from((address, 40000))));
        let resp = self.app.clone().oneshot(req).await.expect("response");
        let status = resp.status();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// One request with headers; the whole response.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> axum::http::Response<Body> {
        let mut req = Request::builder().method(method).uri(path).header("content-type", "application/json");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
        self.app.clone().oneshot(req.body(body).expect("request")).await.expect("response")
    }

    /// A request with a raw body (an uploaded file).
    pub async fn upload(&self, path: &str, token: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        self.send_bytes("POST", path, token, bytes).await
    }

    /// A request of `method` with a raw body.
    pub async fn send_bytes(&self, method: &str, path: &str, token: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/octet-stream")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::from(bytes))
            .expect("request");
        let resp = self.app.clone().oneshot(req).await.expect("response");
        let status = resp.status();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    pub async fn staff(&self, user: &str) -> String {
        let (code, body) =
            self.call("POST", "/api/staff/login", None, Some(json!({"user": user, "password": "secret-pass-1"}))).await;
        assert_eq!(code, StatusCode::OK, "{body}");
        body["token"].as_str().expect("token").to_string()
    }

    pub async fn seat_login(&self, i: usize) -> String {
        let body =
            json!({"ticket": format!("T{i:04}"), "id_number": kaoshi_exam::identity::example_resident_id(i as u32)});
        let (code, body) = self.call("POST", "/api/seat/login", None, Some(body)).await;
        assert_eq!(code, StatusCode::OK, "{body}");
        body["token"].as_str().expect("token").to_string()
    }

    pub async fn act(&self, proctor: &str, i: usize, action: &str, body: Value) -> (StatusCode, Value) {
        self.call("POST", &format!("/api/proctor/batches/b/seats/T{i:04}/{action}"), Some(proctor), Some(body)).await
    }

    /// Logs candidate `i` in, approves and opens the paper (the clock must be past [`T0`]).
    pub async fn sit(&self, proctor: &str, i: usize) -> (String, Value) {
        let token = self.seat_login(i).await;
        assert_eq!(self.act(proctor, i, "approve", json!({})).await.0, StatusCode::OK);
        let (code, paper) = self.call("GET", "/api/seat/paper", Some(&token), None).await;
        assert_eq!(code, StatusCode::OK, "{paper}");
        (token, paper)
    }

    pub async fn remaining(&self, token: &str) -> i64 {
        self.call("GET", "/api/seat/status", Some(token), None).await.1["remaining_seconds"]
            .as_i64()
            .expect("remaining")
    }
}

fn rand_core_rng() -> impl rand_core::CryptoRng + rand_core::RngCore {
    rand_core::OsRng
}
