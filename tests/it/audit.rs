//! Audit: the event log's hash chain catches an edited, a deleted and a
//! reordered record, and a rewritten history behind a held checkpoint.

use kaoshi_exam::events::{Actor, EventKind};
use kaoshi_exam::log::{EventLog, NewEvent};
use kaoshi_exam::store::Store;
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
                actor: &Actor::Staff("p1".into()),
                kind: EventKind::Pause,
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
    let events = Store::open(dir).expect("store").events_raw().expect("events");
    events.into_iter().find(|(s, _)| *s == seq).expect("record").1
}

fn put(dir: &Path, seq: u64, bytes: &[u8]) {
    let store = Store::open(dir).expect("store");
    store.put_event_raw(seq, bytes).expect("put");
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
    store.remove_event_raw(4).expect("remove");
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
                    actor: &Actor::Staff("p1".into()),
                    kind: EventKind::Pause,
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

mod coverage {
    use kaoshi_engine::audit::{coverage, CoverageOptions};
    use kaoshi_engine::bank::Status;
    use kaoshi_engine::synth::{synth, SynthParams};
    use std::process::Command;

    #[test]
    fn a_rich_bank_has_no_thin_cell_and_a_thin_one_is_named() {
        let rich = synth(SynthParams { items: 20_000, modules: 6, seed: 3 }).expect("synth");
        let report =
            coverage(&rich.bank, rich.spec.as_ref(), CoverageOptions { papers: 200, ..CoverageOptions::default() });
        assert!(report.verdicts.iter().all(|v| v.level != "thin" && v.level != "fail"), "{:#?}", report.verdicts);
        assert!(report.modules.iter().flat_map(|m| &m.cells).all(|c| c.papers_before_repeat >= 5.0));
        let exposure = report.exposure.expect("exposure");
        assert_eq!(exposure.papers, 200);
        assert_eq!(exposure.histogram.iter().sum::<usize>(), exposure.items_used);

        let thin = super::super::parse_dir(&super::super::sample("chinese-cook-5")).expect("bank");
        let report = coverage(&thin.bank, thin.spec.as_ref(), CoverageOptions::default());
        let e = report.verdicts.iter().find(|v| v.subject == "module E single").expect("module E singles are thin");
        assert_eq!(e.level, "thin");
        assert_eq!(e.message, "module E (热菜制作): 15 single items, a paper draws 8 → an item repeats every 1 papers: thin (want ≥ 5× per paper)");
    }

    #[test]
    fn an_uncovered_core_point_fails_and_an_infeasible_spec_is_reported() {
        let mut source = super::super::parse_dir(&super::super::sample("electrician-4")).expect("bank");
        for item in source.bank.items.iter_mut().filter(|i| i.point == "A01") {
            item.status = Status::Retired;
        }
        let report =
            coverage(&source.bank, source.spec.as_ref(), CoverageOptions { papers: 0, ..CoverageOptions::default() });
        let v = report.verdicts.iter().find(|v| v.subject == "point A01").expect("A01");
        assert_eq!(v.level, "fail");
        assert!(v.message.contains("importance X"), "{}", v.message);
        assert_eq!(report.verdicts[0].level, "fail", "failures come first");

        let cook_spec = super::super::parse_dir(&super::super::sample("chinese-cook-5")).expect("b").spec;
        let report = coverage(&source.bank, cook_spec.as_ref(), CoverageOptions::default());
        assert_eq!(report.spec.as_ref().map(|s| s.feasible), Some(false));
        assert!(
            report.verdicts.iter().any(|v| v.level == "fail" && v.message.contains("type short")),
            "{:#?}",
            report.verdicts
        );
        assert!(report.exposure.is_none());
    }

    #[test]
    fn the_cli_writes_json_and_a_self_contained_html_report() {
        let tmp = tempfile::tempdir().expect("tmp");
        let html = tmp.path().join("report.html");
        let out = Command::new(env!("CARGO_BIN_EXE_kaoshi"))
            .args([
                "audit",
                "coverage",
                super::super::sample("electrician-4").to_str().expect("p"),
                "--json",
                "--papers",
                "100",
                "--html",
                html.to_str().expect("p"),
            ])
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        for key in ["bank", "modules", "difficulty", "spec", "verdicts", "exposure"] {
            assert!(json.get(key).is_some(), "--json lacks `{key}`");
        }
        assert_eq!(json["bank"]["id"], "electrician-4");
        assert_eq!(json["modules"][0]["cells"][0]["item_type"], "single");
        let module_a: u64 = json["modules"][0]["by_difficulty"]
            .as_array()
            .expect("by_difficulty")
            .iter()
            .filter_map(serde_json::Value::as_u64)
            .sum();
        assert_eq!(json["modules"][0]["active"].as_u64(), Some(module_a));
        let page = std::fs::read_to_string(&html).expect("html");
        assert!(
            page.contains("<svg") && page.matches("<svg").count() >= 4,
            "charts: weights, points, difficulty, exposure"
        );
        let without_namespace = page.replace("http://www.w3.org/2000/svg", "");
        assert!(!without_namespace.contains("http"), "no external assets");
        assert!(!page.contains("<script") && !page.contains("<link"), "self-contained");
    }
}

mod archive {
    use std::process::Command;

    fn kaoshi(args: &[&str]) -> (bool, String) {
        let o = Command::new(env!("CARGO_BIN_EXE_kaoshi")).args(args).output().expect("run");
        (o.status.success(), format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)))
    }

    #[test]
    fn an_archive_verifies_regrades_and_fails_on_any_changed_byte() {
        let m = super::super::marking::marked_batch();
        let (data, key) = (m.data.clone(), m.key.clone());
        m.server.kill();
        let file = m._tmp.path().join("quick.kar");
        let (ok, out) = kaoshi(&[
            "archive",
            "export",
            "--data",
            data.to_str().expect("p"),
            "--batch",
            "quick",
            "-o",
            file.to_str().expect("p"),
            "--key-file",
            &key,
        ]);
        assert!(ok, "{out}");
        let f = file.to_str().expect("p");
        let (ok, out) = kaoshi(&["archive", "verify", f, "--key-file", &key]);
        assert!(ok, "{out}");
        assert!(out.contains("re-graded 2 answer sheets from the archive: every stored result reproduced"), "{out}");
        let (ok, out) = kaoshi(&["archive", "verify", f]);
        assert!(ok && out.contains("not re-graded"), "{out}");

        let original = std::fs::read(&file).expect("read");
        let text = String::from_utf8(original.clone()).expect("utf8");
        assert!(text
            .lines()
            .next()
            .is_some_and(|l| l.contains("\"format\":\"kaoshi-archive\"") && l.contains("\"version\":3")));
        for section in
            ["\"section\":\"answer\"", "\"section\":\"marking\"", "\"section\":\"event\"", "\"section\":\"bank\""]
        {
            assert!(text.contains(section), "the archive lacks {section}");
        }
        // One changed byte anywhere — an answer, a score, the manifest — fails.
        let answer = text.find("\"section\":\"answer\"").expect("answer") + 40;
        for pos in [answer, original.len() / 3, original.len() / 2, original.len() - 20] {
            let mut damaged = original.clone();
            damaged[pos] = if damaged[pos] == b'1' { b'2' } else { b'1' };
            let bad = m._tmp.path().join(format!("bad-{pos}.kar"));
            std::fs::write(&bad, &damaged).expect("write");
            let (ok, out) = kaoshi(&["archive", "verify", bad.to_str().expect("p"), "--key-file", &key]);
            assert!(!ok, "a changed byte at {pos} went unnoticed: {out}");
            assert!(out.lines().last().is_some_and(|l| l.starts_with("error: ")), "{out}");
        }
    }
}

/// An archive written by kaoshi 0.1.0 before the server restructure
/// (tests/fixtures/archive/make_golden.py): every later kaoshi must verify it
/// and re-grade every sheet with its key.
#[test]
fn the_golden_v1_archive_keeps_verifying() {
    let dir = super::root().join("tests/fixtures/archive");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kaoshi"))
        .args(["archive", "verify"])
        .arg(dir.join("golden-v1.kar"))
        .arg("--key-file")
        .arg(dir.join("golden.key"))
        .output()
        .expect("run kaoshi");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("archive of batch golden intact"), "{stdout}");
    assert!(stdout.contains("re-graded 2 answer sheets"), "{stdout}");
}
