//! Audit: the event log's hash chain catches an edited, a deleted and a
//! reordered record, and a rewritten history behind a held checkpoint.

use kaoshi_server::events::{EventLog, NewEvent};
use kaoshi_server::store::{tree, Store};
use serde_json::json;
use std::path::Path;
use std::process::{Command, Output};

fn kaoshi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaoshi")).args(args).output().expect("run")
}

/// A store with `n` events.
fn log_with(dir: &Path, n: usize) {
    let store = Store::open(dir).expect("store");
    let log = EventLog::open(store.clone()).expect("log");
    for i in 0..n {
        log.append(
            1_700_000_000_000 + i as i64,
            NewEvent {
                actor: "staff:p1",
                kind: "pause",
                batch: Some("b"),
                ticket: Some("T1"),
                detail: json!({"reason": format!("第{i}次")}),
            },
        )
        .expect("append");
    }
    store.flush().expect("flush");
}

fn verify(dir: &Path, head: Option<&str>) -> (bool, String) {
    let d = dir.to_str().expect("p");
    let mut args = vec!["log", "verify", "--data", d];
    if let Some(h) = head {
        args.extend(["--head", h]);
    }
    let o = kaoshi(&args);
    (o.status.success(), format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)))
}

fn raw(dir: &Path, seq: u64) -> Vec<u8> {
    Store::open(dir).expect("store").get_raw(tree::EVENTS, &seq.to_be_bytes()).expect("get").expect("record")
}

fn put(dir: &Path, seq: u64, bytes: &[u8]) {
    let store = Store::open(dir).expect("store");
    store.put_raw(tree::EVENTS, &seq.to_be_bytes(), bytes).expect("put");
    store.flush().expect("flush");
}

#[test]
fn an_intact_log_verifies() {
    let tmp = tempfile::tempdir().expect("tmp");
    log_with(tmp.path(), 12);
    let (ok, out) = verify(tmp.path(), None);
    assert!(ok, "{out}");
    assert!(out.contains("event log intact: 12 records"), "{out}");
}

#[test]
fn an_edited_record_is_named() {
    let tmp = tempfile::tempdir().expect("tmp");
    log_with(tmp.path(), 12);
    let edited = String::from_utf8(raw(tmp.path(), 5)).expect("utf8").replace("第4次", "第9次");
    put(tmp.path(), 5, edited.as_bytes());
    let (ok, out) = verify(tmp.path(), None);
    assert!(!ok);
    assert!(out.contains("event log broken at record 5: content does not match its hash (edited)"), "{out}");
}

#[test]
fn a_deleted_record_is_named() {
    let tmp = tempfile::tempdir().expect("tmp");
    log_with(tmp.path(), 12);
    let store = Store::open(tmp.path()).expect("store");
    store.remove_raw(tree::EVENTS, &4u64.to_be_bytes()).expect("remove");
    store.flush().expect("flush");
    drop(store);
    let (ok, out) = verify(tmp.path(), None);
    assert!(!ok);
    assert!(out.contains("event log broken at record 4: missing (deleted?)"), "{out}");
}

#[test]
fn reordered_records_are_named() {
    let tmp = tempfile::tempdir().expect("tmp");
    log_with(tmp.path(), 12);
    let (three, four) = (raw(tmp.path(), 3), raw(tmp.path(), 4));
    put(tmp.path(), 3, &four);
    put(tmp.path(), 4, &three);
    let (ok, out) = verify(tmp.path(), None);
    assert!(!ok);
    assert!(out.contains("event log broken at record 3"), "{out}");
}

#[test]
fn a_rewritten_history_fails_against_a_held_checkpoint() {
    let tmp = tempfile::tempdir().expect("tmp");
    log_with(tmp.path(), 6);
    let head = kaoshi(&["log", "head", "--data", tmp.path().to_str().expect("p")]);
    assert!(head.status.success());
    let held: serde_json::Value = serde_json::from_slice(&head.stdout).expect("json");
    let held = held["hash"].as_str().expect("hash").to_string();
    assert!(verify(tmp.path(), Some(&held)).0);

    // Someone rebuilds a consistent chain with other content: it verifies on
    // its own, but not against the checkpoint an outsider holds.
    let other = tempfile::tempdir().expect("tmp");
    {
        let store = Store::open(other.path()).expect("store");
        let log = EventLog::open(store.clone()).expect("log");
        for i in 0..6 {
            log.append(
                1_700_000_000_000 + i,
                NewEvent {
                    actor: "staff:p1",
                    kind: "pause",
                    batch: Some("b"),
                    ticket: Some("T1"),
                    detail: json!({"reason": "改写"}),
                },
            )
            .expect("append");
        }
        store.flush().expect("flush");
    }
    assert!(verify(other.path(), None).0, "a rebuilt chain is internally consistent");
    let (ok, out) = verify(other.path(), Some(&held));
    assert!(!ok);
    assert!(out.contains("does not contain the checkpoint"), "{out}");
}

#[test]
fn the_ledger_lists_bank_use() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    super::serve::quick_batch(tmp.path(), &data, 2, 600);
    let o = kaoshi(&["log", "ledger", "--data", data.to_str().expect("p")]);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("bank_open") && out.contains("electrician-4") && out.contains("batch create: assemble papers"),
        "{out}"
    );
}
