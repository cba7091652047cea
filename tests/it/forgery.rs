//! History rewrites, as someone with the files would try them: a signed
//! archive names the organisation that wrote it; an archive with one record
//! edited and its hashes recomputed fails its cross-checks; one whose event
//! chain was re-hashed as well fails against a head held outside (the
//! witness file, the room record) and its signature; a witness file catches
//! a rewritten store chain.

use crate::marking::marked_batch;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn kaoshi(args: &[&str]) -> (bool, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_kaoshi")).args(args).output().expect("run");
    (o.status.success(), format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)))
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// The forger's rewrite (see `kaoshi_fuzzing::forge_archive`).
fn forge(archive: &str, edit: impl FnMut(&str, &mut Value)) -> String {
    kaoshi_fuzzing::forge_archive(archive, edit).expect("an archive")
}

/// Changes every "A" answer of `ticket` to "B" in the answer records;
/// with `events`, in their answer_save events as well.
fn change_answer(ticket: &str, events: bool) -> impl FnMut(&str, &mut Value) + '_ {
    let mut changed: Vec<u64> = Vec::new();
    move |section, data| match section {
        "answer" if data["ticket"] == ticket && data["response"] == json!("A") => {
            data["response"] = json!("B");
            changed.push(data["pos"].as_u64().expect("pos"));
        }
        "event"
            if events
                && data["kind"] == "answer_save"
                && data["ticket"] == ticket
                && changed.contains(&data["detail"]["pos"].as_u64().expect("pos")) =>
        {
            data["detail"]["response"] = json!("B");
        }
        _ => {}
    }
}

#[test]
fn signatures_cross_checks_outside_heads_and_the_witness_catch_rewritten_history() {
    let m = marked_batch();
    let (data, key) = (m.data.clone(), m.key.clone());
    let tmp = m._tmp.path().to_path_buf();
    // A graceful stop leaves a last checkpoint in the witness beside the data directory.
    m.server.terminate(Duration::from_secs(10));
    let witness = tmp.join("data-checkpoints.jsonl");
    let witnessed = std::fs::read_to_string(&witness).expect("the server wrote a witness file");
    let head: Value = serde_json::from_str(witnessed.lines().last().expect("a checkpoint")).expect("json");
    let head = head["hash"].as_str().expect("hash").to_string();
    let (ok, out) = kaoshi(&["log", "verify", "--data", p(&data), "--witness", p(&witness)]);
    assert!(ok && out.contains("checkpoints of") && out.contains("are on the chain"), "{out}");

    // Signing keys: the organisation's and somebody else's.
    let (org, other) = (tmp.join("org.sign"), tmp.join("other.sign"));
    for k in [&org, &other] {
        let (ok, out) = kaoshi(&["keygen", "--signing", "-o", p(k)]);
        assert!(ok && out.contains("wrote signing key"), "{out}");
    }
    let (ok, out) = kaoshi(&["keygen", "--signing", "-o", p(&org)]);
    assert!(!ok && out.contains("never overwrite"), "a key is never overwritten: {out}");
    let (org_pub, other_pub) = (tmp.join("org.sign.pub"), tmp.join("other.sign.pub"));
    let key_id = std::fs::read_to_string(&org_pub).expect("pub");
    assert!(key_id.starts_with("kaoshi-signing-public-key v1"), "{key_id}");

    let (signed, unsigned) = (tmp.join("signed.kar"), tmp.join("unsigned.kar"));
    let (ok, out) = kaoshi(&[
        "archive",
        "export",
        "--data",
        p(&data),
        "--batch",
        "quick",
        "-o",
        p(&signed),
        "--signing-key",
        p(&org),
        "--key-file",
        &key,
    ]);
    assert!(ok && out.contains("signed with key"), "{out}");
    let (ok, out) =
        kaoshi(&["archive", "export", "--data", p(&data), "--batch", "quick", "-o", p(&unsigned), "--key-file", &key]);
    assert!(ok, "{out}");

    // Who wrote it.
    let (ok, out) = kaoshi(&["archive", "verify", p(&signed), "--public-key", p(&org_pub), "--key-file", &key]);
    assert!(ok && out.contains("signed by the organisation's key"), "{out}");
    assert!(out.contains("every answer is its last logged save"), "{out}");
    let (ok, out) = kaoshi(&["archive", "verify", p(&signed), "--public-key", p(&other_pub)]);
    assert!(!ok && out.contains("not by the organisation's key"), "another key's archive is refused: {out}");
    let (ok, out) = kaoshi(&["archive", "verify", p(&unsigned), "--public-key", p(&org_pub)]);
    assert!(!ok && out.contains("is not signed"), "an unsigned archive is refused when a key is expected: {out}");
    let (ok, out) = kaoshi(&["archive", "verify", p(&unsigned)]);
    assert!(ok && out.contains("not signed"), "{out}");

    // The outside head is in the archived chain; a made-up one is not.
    let (ok, out) = kaoshi(&["archive", "verify", p(&unsigned), "--head", &head]);
    assert!(ok && out.contains(&format!("the outside head {head} is event")), "{out}");
    let (ok, out) = kaoshi(&["archive", "verify", p(&unsigned), "--head", &"ab".repeat(32)]);
    assert!(!ok && out.contains("is not in this archive's event chain"), "{out}");

    let original = std::fs::read_to_string(&unsigned).expect("archive");
    let write = |name: &str, text: &str| {
        let f = tmp.join(name);
        std::fs::write(&f, text).expect("write");
        f
    };
    // A forger's rewrite that changes nothing verifies: the helper itself is faithful.
    let (ok, out) =
        kaoshi(&["archive", "verify", p(&write("same.kar", &forge(&original, |_, _| {}))), "--key-file", &key]);
    assert!(ok, "an unchanged rewrite must verify, or the forgery checks below prove nothing: {out}");

    // One answer changed and the hashes recomputed: the answer no longer is its logged save.
    let partial = write("partial.kar", &forge(&original, change_answer("T0001", false)));
    let (ok, out) = kaoshi(&["archive", "verify", p(&partial)]);
    assert!(!ok && out.contains("the answer was changed"), "{out}");

    // The answer and its event changed, the chain and checkpoints re-hashed:
    // consistent in itself, so only what is held outside can tell.
    let rechained = forge(&original, change_answer("T0001", true));
    assert_ne!(rechained, original);
    let full = write("rechained.kar", &rechained);
    let (ok, out) = kaoshi(&["archive", "verify", p(&full)]);
    assert!(ok, "a fully re-hashed archive is consistent in itself: {out}");
    let (ok, out) = kaoshi(&["archive", "verify", p(&full), "--head", &head]);
    assert!(!ok && out.contains("is not in this archive's event chain"), "the witnessed head catches it: {out}");
    let (ok, out) = kaoshi(&["archive", "verify", p(&full), "--key-file", &key]);
    assert!(!ok && out.contains("re-grading gives"), "the stored result no longer matches the answers: {out}");
    let signed_text = std::fs::read_to_string(&signed).expect("signed");
    let forged_signed = write("forged-signed.kar", &forge(&signed_text, change_answer("T0001", true)));
    let (ok, out) = kaoshi(&["archive", "verify", p(&forged_signed)]);
    assert!(!ok && out.contains("the file was changed after signing"), "{out}");

    // A witness that names a different hash for an event: the store's chain is not the witnessed one.
    let mut lines: Vec<Value> = witnessed.lines().map(|l| serde_json::from_str(l).expect("checkpoint")).collect();
    lines.last_mut().expect("one")["hash"] = json!("cd".repeat(32));
    let bad: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let bad_witness = write("bad-witness.jsonl", &bad);
    let (ok, out) = kaoshi(&["log", "verify", "--data", p(&data), "--witness", p(&bad_witness)]);
    assert!(!ok && out.contains("the history was rewritten"), "{out}");
    let (ok, out) =
        kaoshi(&["log", "verify", "--data", p(&data), "--witness", p(&write("junk.jsonl", "{\"seq\":1}\n"))]);
    assert!(!ok && out.contains("line 1"), "{out}");
}

mod crafted {
    use proptest::prelude::*;
    use serde_json::{json, Value};

    fn golden() -> &'static str {
        include_str!("../fixtures/archive/golden-v1.kar")
    }

    /// Values a crafted archive puts where the reader expects indices, counts and scores.
    fn hostile() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(json!(u64::MAX)),
            Just(json!(i64::MIN)),
            Just(json!(-1)),
            Just(json!(0)),
            Just(json!(1e308)),
            Just(json!(f64::MIN_POSITIVE)),
            Just(json!(null)),
            Just(json!("")),
            Just(json!([])),
            Just(json!({})),
            (0u64..10_000).prop_map(|n| json!(n)),
            (-5.0f64..200.0).prop_map(|x| json!(x)),
        ]
    }

    /// Replaces the `pick`-th scalar or array found in `v` (depth first) with `with`.
    fn replace_nth(v: &mut Value, pick: &mut usize, with: &Value) -> bool {
        match v {
            Value::Object(map) => map.values_mut().any(|x| replace_nth(x, pick, with)),
            Value::Array(items) if !items.is_empty() && *pick > 0 => {
                *pick -= 1;
                items.iter_mut().any(|x| replace_nth(x, pick, with))
            }
            _ => {
                if *pick == 0 {
                    *v = with.clone();
                    return true;
                }
                *pick -= 1;
                false
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        /// An archive with any field of any record replaced by a hostile
        /// value, its hashes recomputed, verifies or is refused with an
        /// error — it never panics (the re-grading included: the key is given).
        #[test]
        fn crafted_archives_are_refused_not_panicked_on(record in 0usize..2_000, field in 0usize..64, with in hostile()) {
            let (records, mut n) = (golden().lines().count() - 2, 0);
            let forged = kaoshi_fuzzing::forge_archive(golden(), |_, data| {
                if n == record % records {
                    let mut pick = field;
                    replace_nth(data, &mut pick, &with);
                }
                n += 1;
            })
            .expect("the golden archive");
            let key = kaoshi_fuzzing::archive_key();
            let unlock = kaoshi_engine::seal::Unlock::Key(&key);
            let outcome = std::panic::catch_unwind(|| {
                kaoshi_exam::archive::verify(forged.as_bytes(), Some(&unlock), kaoshi_exam::archive::Expect::default()).map(|_| ())
            });
            prop_assert!(outcome.is_ok(), "verify panicked on record {} field {} = {}", record % records, field, with);
        }
    }
}
