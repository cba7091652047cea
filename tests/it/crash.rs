//! Crash loop: the real server under load, killed with SIGKILL at
//! pseudo-random moments, 20 rounds. After every restart every acknowledged
//! save is present, sequence numbers never go backwards, and each seat
//! resumes with the remaining time it had — the outage is not charged.

use super::serve::{act, call, quick_batch, staff_login, start_exam, Server};
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Rounds in CI; a longer documented run sets `KAOSHI_CRASH_ROUNDS`.
const ROUNDS: usize = 20;
const SEATS: usize = 12;

fn rounds() -> usize {
    std::env::var("KAOSHI_CRASH_ROUNDS").ok().and_then(|r| r.parse().ok()).filter(|&r| r >= ROUNDS).unwrap_or(ROUNDS)
}

struct Ack {
    seq: u64,
    pos: usize,
    response: &'static str,
    remaining: i64,
    at: Instant,
}

#[test]
fn acknowledged_saves_and_remaining_time_survive_repeated_kill_9() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let (people, key) = quick_batch(tmp.path(), &data, SEATS, 3600);
    let key = key.to_str().expect("p").to_string();
    let mut server = Server::start(&data, &["--key-file", &key]);
    let proctor = staff_login(&server.base, "p1", "proctor-pass-1");
    let seats: Vec<(String, String)> =
        people.iter().map(|(t, id)| (t.clone(), start_exam(&server.base, &proctor, "quick", t, id).0)).collect();
    let mut last_seq: HashMap<String, u64> = HashMap::new();
    let mut total_acked = 0usize;

    let rounds = rounds();
    for round in 0..rounds {
        let b = server.base.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let handles: Vec<_> = seats
            .iter()
            .cloned()
            .map(|(ticket, token)| {
                let (b, stop) = (b.clone(), stop.clone());
                let mut seq = last_seq.get(&ticket).copied().unwrap_or(0);
                std::thread::spawn(move || {
                    let mut acked = Vec::new();
                    while !stop.load(Ordering::Relaxed) {
                        seq += 1;
                        let pos = (seq as usize * 7) % 20;
                        let response = if seq % 2 == 0 { "T" } else { "F" };
                        let (code, body) = call(
                            "PUT",
                            &format!("{b}/api/seat/answers/{pos}"),
                            Some(&token),
                            Some(json!({"response": response, "seq": seq})),
                        );
                        match code {
                            200 => acked.push(Ack {
                                seq,
                                pos,
                                response,
                                remaining: body["remaining_seconds"].as_i64().unwrap_or(0),
                                at: Instant::now(),
                            }),
                            0 => break,
                            other => panic!("round {round}, seat {ticket}: status {other}: {body}"),
                        }
                    }
                    (ticket, acked)
                })
            })
            .collect();
        // Kill at a pseudo-random moment of the load.
        std::thread::sleep(Duration::from_millis(150 + (round as u64 * 7919) % 450));
        let killed_at = Instant::now();
        server.kill();
        stop.store(true, Ordering::Relaxed);
        let results: Vec<(String, Vec<Ack>)> = handles.into_iter().map(|h| h.join().expect("seat thread")).collect();

        server = Server::start(&data, &["--key-file", &key]);
        let b = server.base.clone();
        for ((ticket, acked), (_, token)) in results.iter().zip(&seats) {
            total_acked += acked.len();
            let (code, saved) = call("GET", &format!("{b}/api/seat/answers"), Some(token), None);
            assert_eq!(code, 200, "round {round}: {saved}");
            let stored_last = saved["last_seq"].as_u64().expect("last_seq");
            let before = last_seq.get(ticket).copied().unwrap_or(0);
            assert!(
                stored_last >= before,
                "round {round}, seat {ticket}: seq went backwards ({stored_last} < {before})"
            );
            if let Some(a) = acked.last() {
                assert!(
                    stored_last >= a.seq,
                    "round {round}, seat {ticket}: acknowledged seq {} lost (stored {stored_last})",
                    a.seq
                );
            }
            let stored: HashMap<usize, (u64, String)> = saved["answers"]
                .as_array()
                .expect("answers")
                .iter()
                .map(|x| {
                    (
                        x["pos"].as_u64().expect("pos") as usize,
                        (x["seq"].as_u64().expect("seq"), x["response"].as_str().unwrap_or_default().to_string()),
                    )
                })
                .collect();
            let mut newest: HashMap<usize, &Ack> = HashMap::new();
            for a in acked {
                newest.insert(a.pos, a);
            }
            for (pos, a) in newest {
                let ok = stored.get(&pos).is_some_and(|(s, r)| *s > a.seq || (*s == a.seq && r == a.response));
                assert!(ok, "round {round}, seat {ticket}: acknowledged save seq {} at position {pos} lost", a.seq);
            }
            // Paused by the restart, charged only up to the last sign of life.
            let (_, status) = call("GET", &format!("{b}/api/seat/status"), Some(token), None);
            assert_eq!(status["status"], "paused", "round {round}");
            let remaining = status["remaining_seconds"].as_i64().expect("remaining");
            if let Some(a) = acked.last() {
                let since_ack = killed_at.saturating_duration_since(a.at).as_secs() as i64;
                assert!(remaining <= a.remaining, "round {round}: time went back ({remaining} > {})", a.remaining);
                assert!(
                    remaining >= a.remaining - since_ack - 2,
                    "round {round}, seat {ticket}: the outage was charged ({remaining} < {} − {since_ack} − 2)",
                    a.remaining
                );
            }
            last_seq.insert(ticket.clone(), stored_last);
        }
        // The proctor resumes every seat; the outage stays uncharged.
        for (ticket, token) in &seats {
            let paused = call("GET", &format!("{b}/api/seat/status"), Some(token), None).1["remaining_seconds"]
                .as_i64()
                .expect("r");
            let (code, seat) = act(&b, &proctor, "quick", ticket, "resume", json!({}));
            assert_eq!(code, 200, "{seat}");
            let resumed = seat["remaining_seconds"].as_i64().expect("r");
            assert!((paused - 1..=paused).contains(&resumed), "resuming charged time: {paused} → {resumed}");
        }
    }
    assert!(total_acked > rounds * SEATS, "too few saves to prove anything: {total_acked}");
}
