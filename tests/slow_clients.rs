//! One client trickling half-sent requests must not stop the seats from
//! saving. A test binary of its own: Cargo runs test binaries one after
//! another, so the latencies measured here are not other tests' load.

#[allow(dead_code)]
#[path = "support/server.rs"]
mod support;

use serde_json::json;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{call, quick_batch, staff_login, start_exam, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ATTACK_CONNECTIONS: usize = 2_000;
const SEATS: usize = 50;

/// What happened to one half-open connection.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fate {
    /// Closed by the server within a second of connecting (over a cap).
    Refused,
    /// Closed by the server after this long, while still trickling.
    Closed(Duration),
    /// Still open when the run ended.
    Open,
    /// The connection could not be made at all.
    Failed,
}

/// Connects from 127.0.0.2, sends half a request line and then one header
/// byte every two seconds for `run`.
async fn trickle(server: SocketAddr, run: Duration) -> Fate {
    let Ok(socket) = tokio::net::TcpSocket::new_v4() else { return Fate::Failed };
    if socket.bind(SocketAddr::from((Ipv4Addr::new(127, 0, 0, 2), 0))).is_err() {
        return Fate::Failed;
    }
    let Ok(mut stream) = socket.connect(server).await else { return Fate::Failed };
    let started = Instant::now();
    if stream.write_all(b"GET /seat HTTP/1.1\r\nHost: exam\r\nX-Slow: ").await.is_err() {
        return Fate::Refused;
    }
    let mut buf = [0u8; 256];
    while started.elapsed() < run {
        tokio::select! {
            read = stream.read(&mut buf) => {
                // The server never answers a half-sent request: any read end is a close.
                let _ = read;
                let after = started.elapsed();
                return if after < Duration::from_secs(1) { Fate::Refused } else { Fate::Closed(after) };
            }
            () = tokio::time::sleep(Duration::from_secs(2)) => {
                if stream.write_all(b"a").await.is_err() {
                    let after = started.elapsed();
                    return if after < Duration::from_secs(1) { Fate::Refused } else { Fate::Closed(after) };
                }
            }
        }
    }
    Fate::Open
}

#[test]
fn two_thousand_half_open_connections_from_one_address_leave_seats_saving() {
    // The save latencies measured here are the server's under the attack, not
    // the kernel writing back what earlier test binaries left dirty: every
    // acknowledged save waits for an fdatasync, which queues behind that.
    let _ = std::process::Command::new("sync").status();
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let (people, key) = quick_batch(tmp.path(), &data, SEATS, 3600);
    let server = Server::start(&data, &["--key-file", key.to_str().expect("utf8")]);
    let base = server.base.clone();
    let addr: SocketAddr = base.trim_start_matches("http://").parse().expect("address");
    let proctor = staff_login(&base, "p1", "proctor-pass-1");
    let seats: Vec<(String, u64)> = people
        .iter()
        .map(|(ticket, id)| {
            let (token, paper) = start_exam(&base, &proctor, "quick", ticket, id);
            let pos = paper["items"]
                .as_array()
                .and_then(|items| items.iter().find(|i| i["type"] == "judge"))
                .and_then(|i| i["pos"].as_u64())
                .expect("a judge item");
            (token, pos)
        })
        .collect();

    // The attack: 2,000 connections from one address, none ever finishing its headers.
    let run = Duration::from_secs(16);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("rt");
    let attack = runtime.spawn(async move {
        let tasks: Vec<_> = (0..ATTACK_CONNECTIONS).map(|_| tokio::spawn(trickle(addr, run))).collect();
        let mut fates = Vec::new();
        for t in tasks {
            fates.push(t.await.unwrap_or(Fate::Failed));
        }
        fates
    });
    std::thread::sleep(Duration::from_secs(1));

    // Meanwhile every seat saves five times a second, and a new login from
    // another address gets in.
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let errors = Arc::new(Mutex::new(Vec::new()));
    let saving = Duration::from_secs(12);
    let threads: Vec<_> = seats
        .into_iter()
        .map(|(token, pos)| {
            let (base, latencies, errors) = (base.clone(), latencies.clone(), errors.clone());
            std::thread::spawn(move || {
                let started = Instant::now();
                let mut seq = 0;
                while started.elapsed() < saving {
                    seq += 1;
                    let answer = if seq % 2 == 0 { "T" } else { "F" };
                    let t = Instant::now();
                    let (code, body) = call(
                        "PUT",
                        &format!("{base}/api/seat/answers/{pos}"),
                        Some(&token),
                        Some(json!({"response": answer, "seq": seq})),
                    );
                    let took = t.elapsed();
                    if code == 200 {
                        latencies.lock().expect("lock").push(took);
                    } else {
                        errors.lock().expect("lock").push(format!("{code} {body}"));
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(3));
    let login_started = Instant::now();
    let fresh = staff_login(&base, "p1", "proctor-pass-1");
    let login_took = login_started.elapsed();
    assert!(!fresh.is_empty());
    for t in threads {
        t.join().expect("seat thread");
    }
    let fates = runtime.block_on(attack).expect("attack");

    let errors = errors.lock().expect("lock").clone();
    assert!(errors.is_empty(), "saves failed during the attack: {errors:?}");
    let mut latencies = latencies.lock().expect("lock").clone();
    latencies.sort_unstable();
    let n = latencies.len();
    assert!(n >= SEATS * 40, "only {n} saves in 12 s");
    let p99 = latencies[(n * 99).div_ceil(100) - 1];
    let refused = fates.iter().filter(|f| **f == Fate::Refused).count();
    let failed = fates.iter().filter(|f| **f == Fate::Failed).count();
    let open = fates.iter().filter(|f| **f == Fate::Open).count();
    let closed: Vec<Duration> = fates
        .iter()
        .filter_map(|f| match f {
            Fate::Closed(d) => Some(*d),
            _ => None,
        })
        .collect();
    let latest_close = closed.iter().max().copied().unwrap_or_default();
    println!(
        "{n} saves by {SEATS} seats under {ATTACK_CONNECTIONS} half-open connections from one address: \
         p50 {:?}, p99 {p99:?}, max {:?}; connections refused at once {refused}, closed by the header-read \
         timeout {} (latest after {latest_close:?}), still open {open}, not made {failed}; a new staff login took {login_took:?}",
        latencies[n / 2],
        latencies[n - 1],
        closed.len()
    );
    assert!(p99 <= Duration::from_millis(100), "save p99 {p99:?} under the attack");
    assert_eq!(open, 0, "half-open connections outlived the header-read timeout");
    assert_eq!(failed, 0, "the attack could not connect at all: the test proves nothing");
    assert!(
        refused >= ATTACK_CONNECTIONS - 1_000,
        "the per-address cap let in {} connections",
        ATTACK_CONNECTIONS - refused
    );
    assert!(latest_close <= Duration::from_secs(12), "a trickling connection stayed open {latest_close:?}");
    assert!(closed.iter().all(|d| *d >= Duration::from_secs(9)), "a connection was closed before its timeout");
}
