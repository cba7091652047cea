//! 1,200 corrupted sealed banks — truncated, bit-flipped, spliced, overwritten,
//! opened with the wrong key — each refused with a plain error and an event.

use kaoshi_engine::seal::{self, Kek, Lock, Unlock};
use kaoshi_exam::admin::open_bank_logged;
use kaoshi_exam::events::{Actor, EventKind};
use kaoshi_exam::log::EventLog;
use kaoshi_exam::store::Store;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;

fn sealed(name: &str, key: &Kek, seed: u64) -> Vec<u8> {
    let source = super::parse_dir(&super::sample(name)).expect("bank");
    seal::seal(&source, &Lock::Key(key), &mut ChaCha8Rng::seed_from_u64(seed)).expect("seal")
}

#[test]
fn every_corrupted_bank_is_refused_with_a_plain_error_and_an_event() {
    let key = Kek::from_bytes([5; 32]);
    let other_key = Kek::from_bytes([6; 32]);
    let a = sealed("chinese-cook-5", &key, 1);
    let b = sealed("electrician-4", &key, 2);
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let mut below = |n: usize| (rng.next_u64() % n as u64) as usize;
    let mut variants: Vec<(String, Vec<u8>, bool)> = Vec::new(); // (kind, bytes, use the wrong key)
    for _ in 0..240 {
        variants.push(("truncated".into(), a[..below(a.len())].to_vec(), false));
        let mut flipped = a.clone();
        let pos = below(a.len());
        flipped[pos] ^= 1 << below(8);
        variants.push(("bit flip".into(), flipped, false));
        let cut = 1 + below(a.len().min(b.len()) - 2);
        let mut spliced = a[..cut].to_vec();
        spliced.extend_from_slice(&b[cut..]);
        if spliced != a && spliced != b {
            variants.push(("spliced".into(), spliced, false));
        }
        let mut overwritten = a.clone();
        let start = below(a.len());
        let end = (start + 1 + below(64)).min(a.len());
        for x in &mut overwritten[start..end] {
            *x = x.wrapping_add(1 + (below(255) as u8));
        }
        variants.push(("overwritten".into(), overwritten, false));
        variants.push(("wrong key".into(), if below(2) == 0 { a.clone() } else { b.clone() }, true));
    }
    assert!(variants.len() >= 1000, "{} variants", variants.len());

    let tmp = tempfile::tempdir().expect("tmp");
    let store = Store::open(tmp.path()).expect("store");
    let log = EventLog::open(store.clone()).expect("log");
    let mut kinds_of_error = BTreeSet::new();
    for (i, (kind, bytes, wrong)) in variants.iter().enumerate() {
        let unlock = if *wrong { Unlock::Key(&other_key) } else { Unlock::Key(&key) };
        let name = format!("variant-{i}.kbank");
        match open_bank_logged(&log, 0, &Actor::Cli, bytes, &unlock, &name, "corruption battery") {
            Ok(_) => panic!("{kind} variant {i} was accepted"),
            Err(e) => {
                let msg = format!("{e:#}");
                assert!(msg.starts_with(&format!("cannot open {name}: ")), "{msg}");
                assert!(!msg.contains('\n') && msg.len() < 300, "not a plain one-line error: {msg}");
                let cause = msg.trim_start_matches(&format!("cannot open {name}: "));
                kinds_of_error
                    .insert(cause.split(':').next().unwrap_or(cause).split(" (").next().unwrap_or(cause).to_string());
            }
        }
    }
    for expected in ["file is truncated", "wrong key", "encrypted body has been tampered with or damaged"] {
        assert!(kinds_of_error.iter().any(|k| k.starts_with(expected)), "never saw `{expected}`: {kinds_of_error:?}");
    }
    assert!(kinds_of_error.len() >= 4, "{kinds_of_error:?}");
    let refused = log.all().expect("events").into_iter().filter(|e| e.kind == EventKind::BankOpenRefused).count();
    assert_eq!(refused, variants.len(), "one event per refused bank");
}
