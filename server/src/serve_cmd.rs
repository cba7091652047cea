//! `kaoshi serve`, `kaoshi batch create`, `kaoshi staff add`.

use crate::app::{self, now_ms, App};
use crate::auth::{self, Staff, ROLES};
use crate::bank_files::{load_bank, write_atomic};
use crate::batch::{self, NewBatch, RosterLine};
use crate::events::{EventLog, NewEvent};
use crate::keys::{self, KeyArgs, Secret};
use crate::store::{tree, Store};
use anyhow::{anyhow, bail, Context, Result};
use kaoshi_engine::bank::{parse_source, parse_spec_file, SourceFiles};
use kaoshi_engine::seal::{self, Kek, Lock};
use rand::RngCore;
use serde_json::json;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

/// The demo batch's id.
pub const DEMO_BATCH: &str = "demo";

/// `kaoshi batch create`.
pub struct BatchArgs<'a> {
    /// Data directory.
    pub data: &'a Path,
    /// Bank (dir or .kbank).
    pub bank: &'a Path,
    /// Key flags.
    pub key: &'a KeyArgs,
    /// roster.csv.
    pub roster: &'a Path,
    /// Name.
    pub name: &'a str,
    /// RFC 3339 start.
    pub start: &'a str,
    /// Seed.
    pub seed: u64,
    /// Id (default from the time).
    pub id: Option<&'a str>,
    /// Spec override.
    pub spec: Option<&'a Path>,
    /// Exam time override.
    pub duration_seconds: Option<i64>,
}

/// `kaoshi batch create --data DIR --bank BANK [--key-file K] --roster roster.csv --name N --start TIME --seed S`.
pub fn batch_create(a: BatchArgs<'_>) -> Result<()> {
    let start = batch::parse_time(a.start)?;
    let roster = batch::read_roster(a.roster)?;
    let secret = a.key.require("storing a bank for a batch")?;
    let store = Store::open(a.data)?;
    let log = EventLog::open(store.clone())?;
    let (source, sealed) = if a.bank.is_dir() {
        let source = load_bank(a.bank, a.key)?;
        let sealed = seal::seal(&source, &secret.lock(), &mut rand::rngs::OsRng)?;
        (source, sealed)
    } else {
        let sealed = std::fs::read(a.bank).with_context(|| format!("cannot read {}", a.bank.display()))?;
        let opened = crate::bank_files::open_logged(
            &log,
            &sealed,
            &secret.unlock(),
            "cli",
            &a.bank.display().to_string(),
            "batch create",
        );
        store.flush()?;
        (opened?, sealed)
    };
    let spec = match a.spec {
        Some(p) => {
            parse_spec_file(&std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?)
                .map_err(|e| anyhow!("{}: {e}", p.display()))?
        }
        None => source.spec.clone().ok_or_else(|| anyhow!("the bank has no paper.toml: give --spec"))?,
    };
    let id = a.id.map(str::to_string).unwrap_or_else(|| chrono::Local::now().format("batch-%Y%m%d-%H%M%S").to_string());
    let batch = batch::create(
        &store,
        &log,
        NewBatch {
            id: &id,
            name: a.name,
            start,
            seed: a.seed,
            sealed: &sealed,
            source: &source,
            spec: &spec,
            duration_seconds: a.duration_seconds,
            roster: &roster,
            now: now_ms(),
            actor: "cli",
        },
    )?;
    println!(
        "created batch {} ({}): {} candidates, {} papers from {}",
        batch.id, batch.name, batch.candidates, batch.candidates, batch.bank_id
    );
    Ok(())
}

/// `kaoshi staff add --data DIR --user U --role R --password-env VAR [--organisation O] [--relation TICKET]…`.
pub fn staff_add(
    data: &Path,
    user: &str,
    role: &str,
    password_env: &str,
    organisation: Option<&str>,
    relations: &[String],
) -> Result<()> {
    if !ROLES.contains(&role) {
        bail!("unknown role `{role}` (expected one of {})", ROLES.join(", "));
    }
    let password =
        std::env::var(password_env).map_err(|_| anyhow!("environment variable {password_env} is not set"))?;
    if password.chars().count() < 8 {
        bail!("the password must have at least 8 characters");
    }
    let store = Store::open(data)?;
    add_staff(&store, user, role, &password)?;
    if organisation.is_some() || !relations.is_empty() {
        let mut staff: Staff = store.get(tree::STAFF, user)?.ok_or_else(|| anyhow!("staff {user} vanished"))?;
        staff.organisation = organisation.map(str::to_string);
        staff.relations = relations.to_vec();
        store.put(tree::STAFF, user, &staff)?;
    }
    store.flush()?;
    println!("added {role} {user}");
    Ok(())
}

/// Adds (or replaces) a staff account with an Argon2id password hash.
pub fn add_staff(store: &Store, user: &str, role: &str, password: &str) -> Result<()> {
    let staff = Staff {
        user: user.to_string(),
        role: role.to_string(),
        password_hash: auth::hash_password(password)?,
        organisation: None,
        relations: Vec::new(),
    };
    store.put(tree::STAFF, user, &staff)?;
    EventLog::open(store.clone())?.append(
        now_ms(),
        NewEvent {
            actor: "cli",
            kind: "staff_add",
            batch: None,
            ticket: None,
            detail: json!({"user": user, "role": role}),
        },
    )?;
    Ok(())
}

fn random_text(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = vec![0u8; len];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect()
}

/// The electrician sample bank, embedded in the binary.
pub fn sample_bank() -> Result<kaoshi_engine::BankSource> {
    parse_source(SourceFiles {
        bank_toml: include_str!("../../question-banks/electrician-4/bank.toml"),
        paper_toml: Some(include_str!("../../question-banks/electrician-4/paper.toml")),
        items_jsonl: include_str!("../../question-banks/electrician-4/items.jsonl"),
    })
    .map_err(|e| anyhow!("embedded sample bank: {e}"))
}

/// Creates the demo batch once: the electrician sample bank sealed with a
/// demo key, 30 candidates in one room, an admin and a proctor.
fn ensure_demo(data: &Path, store: &Store) -> Result<Kek> {
    let key_path = data.join("demo.key");
    if store.get::<batch::Batch>(tree::BATCHES, DEMO_BATCH)?.is_some() {
        return keys::read_key_file(&key_path);
    }
    let kek = Kek::generate(&mut rand::rngs::OsRng);
    if key_path.exists() {
        std::fs::remove_file(&key_path)?;
    }
    keys::write_key_file(&key_path, &kek)?;
    let source = sample_bank()?;
    let sealed = seal::seal(&source, &Lock::Key(&kek), &mut rand::rngs::OsRng)?;
    const NAMES: [&str; 30] = [
        "王伟", "李娜", "张敏", "刘洋", "陈静", "杨磊", "赵丽", "黄强", "周杰", "吴芳", "徐涛", "孙燕", "马超", "朱琳",
        "胡斌", "郭敏", "何勇", "高洁", "林峰", "罗欣", "郑浩", "梁雪", "谢军", "宋佳", "唐亮", "许婷", "韩冰", "冯刚",
        "邓莉", "曹阳",
    ];
    const ORGS: [&str; 3] = ["合肥供电维修公司", "芜湖机电安装公司", "安庆建设集团"];
    let roster: Vec<RosterLine> = NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut digits = [0u8; 8];
            rand::rngs::OsRng.fill_bytes(&mut digits);
            let tail: String = digits.iter().map(|d| char::from(b'0' + d % 10)).collect();
            RosterLine {
                ticket: format!("2026112300{:03}", i + 1),
                id_number: format!("3401041990{tail}"),
                name: (*name).to_string(),
                organisation: ORGS[i % ORGS.len()].to_string(),
                room: "第1考场".to_string(),
                seat: format!("{:02}", i + 1),
            }
        })
        .collect();
    let log = EventLog::open(store.clone())?;
    let spec = source.spec.clone().ok_or_else(|| anyhow!("sample bank has no spec"))?;
    batch::create(
        store,
        &log,
        NewBatch {
            id: DEMO_BATCH,
            name: "电工四级理论知识考试（演示批次）",
            start: now_ms(),
            seed: 20261123,
            sealed: &sealed,
            source: &source,
            spec: &spec,
            duration_seconds: None,
            roster: &roster,
            now: now_ms(),
            actor: "demo",
        },
    )?;
    let staff = [("admin", "admin", random_text(12)), ("proctor", "proctor", random_text(12))];
    for (user, role, password) in &staff {
        add_staff(store, user, role, password)?;
    }
    store.flush()?;
    let demo = json!({
        "batch": DEMO_BATCH,
        "candidates": roster.iter().map(|r| json!({"ticket": r.ticket, "id_number": r.id_number, "name": r.name, "room": r.room, "seat": r.seat})).collect::<Vec<_>>(),
        "staff": staff.iter().map(|(u, r, p)| json!({"user": u, "password": p, "role": r})).collect::<Vec<_>>(),
    });
    write_atomic(&data.join("demo.json"), serde_json::to_string_pretty(&demo)?.as_bytes())?;
    Ok(kek)
}

/// `kaoshi serve [--data DIR] [--addr ADDR] [--demo]`.
pub fn serve(data: &Path, addr: &str, demo: bool, key: &KeyArgs) -> Result<()> {
    let addr: SocketAddr = addr.parse().map_err(|e| anyhow!("--addr `{addr}`: {e}"))?;
    let mut store = Store::open(data)?;
    let demo_key = if demo { Some(ensure_demo(data, &store)?) } else { None };
    let secret: Option<Secret> = match demo_key {
        Some(k) if key.key_file.is_none() && key.passphrase_env.is_none() => Some(Secret::Key(k)),
        _ => key.load()?,
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        store.start_committer();
        let unlock = secret.as_ref().map(Secret::unlock);
        let app = App::load(store.clone(), unlock.as_ref())?;
        let paused = app::recover_after_restart(&app)?;
        let app = Arc::new(app);
        tokio::spawn(app::run_timer(app.clone()));
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr()?;
        println!("kaoshi serving on http://{local}");
        if paused > 0 {
            println!("{paused} seats were answering when the server stopped: they are paused; a proctor resumes them");
        }
        if demo {
            print_demo(data, local);
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
        axum::serve(listener, app::router(app.clone()).into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown())
            .await?;
        app.store.flush()?;
        Ok(())
    })
}

fn print_demo(data: &Path, addr: SocketAddr) {
    let path = data.join("demo.json");
    let Ok(text) = std::fs::read_to_string(&path) else { return };
    let Ok(demo) = serde_json::from_str::<serde_json::Value>(&text) else { return };
    println!("demo batch `{DEMO_BATCH}`: 30 candidates in 第1考场; credentials in {}", path.display());
    println!("  seat page:       http://{addr}/seat");
    println!("  proctor console: http://{addr}/proctor");
    for s in demo["staff"].as_array().into_iter().flatten() {
        println!(
            "  staff   {} / {} ({})",
            s["user"].as_str().unwrap_or(""),
            s["password"].as_str().unwrap_or(""),
            s["role"].as_str().unwrap_or("")
        );
    }
    for c in demo["candidates"].as_array().into_iter().flatten().take(3) {
        println!(
            "  candidate ticket {} / id number {}",
            c["ticket"].as_str().unwrap_or(""),
            c["id_number"].as_str().unwrap_or("")
        );
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
