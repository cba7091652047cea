//! `serve --demo`: the demo batch, its key and its credentials, created once.

use crate::keys;
use anyhow::{anyhow, Result};
use kaoshi_engine::seal::{self, Kek, Lock};
use kaoshi_exam::admin::add_staff;
use kaoshi_exam::admin::{create_batch, NewBatch};
use kaoshi_exam::clock::Clock;
use kaoshi_exam::demo::{random_password, roster, sample_bank, DEMO_BATCH};
use kaoshi_exam::durable_file::write_atomic;
use kaoshi_exam::events::Actor;
use kaoshi_exam::log::EventLog;
use kaoshi_exam::staff::{new_staff, Role};
use kaoshi_exam::store::Store;
use serde_json::json;
use std::path::Path;

/// Creates the demo batch once — the electrician sample bank sealed with a
/// demo key (`DATA/demo.key`), 30 candidates in one room, an admin and a
/// proctor, credentials in `DATA/demo.json` — and returns its key.
pub fn ensure(data: &Path, store: &Store, clock: &dyn Clock) -> Result<Kek> {
    let key_path = data.join("demo.key");
    if store.batch(DEMO_BATCH)?.is_some() {
        return keys::read_key_file(&key_path);
    }
    let kek = Kek::generate(&mut rand::rngs::OsRng);
    if key_path.exists() {
        std::fs::remove_file(&key_path)?;
    }
    keys::write_key_file(&key_path, &kek)?;
    let source = sample_bank()?;
    let sealed = seal::seal(&source, &Lock::Key(&kek), &mut rand::rngs::OsRng)?;
    let roster = roster();
    let log = EventLog::open(store.clone())?;
    let spec = source.spec.clone().ok_or_else(|| anyhow!("sample bank has no spec"))?;
    let now = clock.now_ms();
    store.unlock_personal(&kaoshi_engine::seal::Unlock::Key(&kek))?;
    create_batch(
        store,
        &log,
        NewBatch {
            id: DEMO_BATCH,
            name: "电工四级理论知识考试（演示批次）",
            start: now,
            seed: 20261123,
            sealed: &sealed,
            source: &source,
            spec: &spec,
            duration_seconds: None,
            roster: &roster,
            now,
            actor: &Actor::Demo,
            // The demo starts now: a breach of the filing lead time is logged, never refused.
            filing: Some(&kaoshi_exam::filing::Filing::load(data).map_err(|e| anyhow!(e))?.lenient()),
            plan: &Default::default(),
            drill: false,
        },
    )?;
    let staff = [("admin", Role::Admin, random_password(12)), ("proctor", Role::Proctor, random_password(12))];
    for (user, role, password) in &staff {
        let mut account = new_staff(user, *role, password, None, &[])?;
        if *role == Role::Proctor {
            account.batches = vec![DEMO_BATCH.to_string()];
        }
        add_staff(store, &log, now, &Actor::Cli, &account)?;
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
