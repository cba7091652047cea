//! `kaoshi-load`: a bounded load run against a real `kaoshi serve` on
//! loopback. It prepares a batch of N seats (50 rooms × 100 by default),
//! starts the server, then: synchronized login + identity approval + paper
//! fetch, autosaves at a set interval for a set time, synchronized submit.
//! It prints throughput and latency percentiles per phase and stops by itself.
//!
//! Each room's seats connect from their own loopback address (127.1.0.1,
//! 127.1.0.2, …), as rooms behind their own NAT would. During autosave it
//! can also attack: `--slowloris N` half-open connections from 127.0.0.2,
//! `--login-storm N` tasks logging staff in without pause, `--streams N`
//! proctor event streams, `--face-storm N` candidates logging in at the same
//! second with a camera capture each; the server's CPU time over the phase
//! is reported.

mod client;
mod face;

use client::{call, client_from, HttpClient};

use anyhow::{anyhow, bail, Context, Result};
use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use kaoshi_engine::seal::{self, Kek, Lock};
use kaoshi_exam::admin::add_staff;
use kaoshi_exam::admin::{create_batch, NewBatch};
use kaoshi_exam::batch::RosterLine;
use kaoshi_exam::clock::{Clock, SystemClock};
use kaoshi_exam::demo::sample_bank;
use kaoshi_exam::events::Actor;
use kaoshi_exam::log::EventLog;
use kaoshi_exam::staff::{new_staff, Role};
use kaoshi_exam::store::Store;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Load-run parameters.
#[derive(Debug, Parser)]
#[command(name = "kaoshi-load", about = "Drive simulated exam seats against a real kaoshi server on loopback")]
struct Args {
    /// Seats (candidates).
    #[arg(long, default_value_t = 5000)]
    seats: usize,
    /// Seconds between two saves of one seat.
    #[arg(long, default_value_t = 60.0)]
    interval: f64,
    /// Seconds of autosaving.
    #[arg(long, default_value_t = 600)]
    duration: u64,
    /// Keep the data directory here instead of a temporary one.
    #[arg(long)]
    keep: Option<PathBuf>,
    /// The kaoshi binary (default: next to this one).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Half-open connections from 127.0.0.2, each sending a header byte every 5 s, during autosave.
    #[arg(long, default_value_t = 0)]
    slowloris: usize,
    /// Tasks logging a staff member in back to back during autosave.
    #[arg(long, default_value_t = 0)]
    login_storm: usize,
    /// Proctor event streams (three per staff session) open during autosave.
    #[arg(long, default_value_t = 0)]
    streams: usize,
    /// A second batch of this many candidates created through the API 5 s into autosave.
    #[arg(long, default_value_t = 0)]
    create_batch: usize,
    /// Candidates (beyond --seats) who log in at the same second 5 s into
    /// autosave, consent and send a capture each (needs --face-models,
    /// --face-photo, --face-capture).
    #[arg(long, default_value_t = 0)]
    face_storm: usize,
    /// dlib's face models, given to the server.
    #[arg(long)]
    face_models: Option<PathBuf>,
    /// The storm candidates' enrolment photo.
    #[arg(long)]
    face_photo: Option<PathBuf>,
    /// What their cameras send (a 640×480 JPEG).
    #[arg(long)]
    face_capture: Option<PathBuf>,
}

/// The address room `room` connects from.
fn room_address(room: usize) -> std::net::IpAddr {
    std::net::IpAddr::from([127, 1, (room / 250) as u8, (room % 250 + 1) as u8])
}

/// The server's CPU time so far (user + system), from /proc.
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Latencies and errors of one phase.
#[derive(Default)]
struct Phase {
    latencies: Vec<Duration>,
    errors: usize,
}

impl Phase {
    fn merge(&mut self, other: Phase) {
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
    }

    fn report(&mut self, name: &str, wall: Duration) {
        self.latencies.sort_unstable();
        let n = self.latencies.len();
        let pct = |p: f64| {
            self.latencies
                .get(((n as f64 * p).ceil() as usize).saturating_sub(1).min(n.saturating_sub(1)))
                .copied()
                .unwrap_or_default()
        };
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{name:<34} {n:>7} ok {:>5} errors  wall {:>7.2} s  {:>8.0}/s  p50 {:>6.1} ms  p90 {:>6.1} ms  p99 {:>6.1} ms  max {:>7.1} ms",
            self.errors,
            wall.as_secs_f64(),
            n as f64 / wall.as_secs_f64().max(1e-9),
            ms(pct(0.50)),
            ms(pct(0.90)),
            ms(pct(0.99)),
            ms(pct(1.0)),
        );
    }
}

/// Runs the load tool; prints `error: …` and fails on error.
fn main() -> ExitCode {
    let args = Args::parse();
    let result = tokio::runtime::Runtime::new().map_err(anyhow::Error::from).and_then(|rt| rt.block_on(run(args)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

/// Writes the run's key file, readable only by its owner.
fn write_key(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    std::io::Write::write_all(&mut options.open(path)?, bytes)?;
    Ok(())
}

fn prepare(data: &std::path::Path, seats: usize, duration_seconds: i64) -> Result<PathBuf> {
    let store = Store::open(data)?;
    let log = EventLog::open(store.clone())?;
    let key_path = data.join("load.key");
    let kek = Kek::generate(&mut rand::rngs::OsRng);
    write_key(&key_path, kek.as_bytes())?;
    let source = sample_bank()?;
    let sealed = seal::seal(&source, &Lock::Key(&kek), &mut rand::rngs::OsRng)?;
    let roster: Vec<RosterLine> = (0..seats)
        .map(|i| RosterLine {
            ticket: format!("L{i:06}"),
            id_number: kaoshi_exam::identity::example_resident_id(i as u32),
            id_type: "居民身份证".into(),
            name: format!("考生{i}"),
            organisation: format!("单位{}", i % 7),
            room: format!("R{:02}", i / 100 + 1),
            seat: format!("{:03}", i % 100 + 1),
            extra_time: String::new(),
            review: Default::default(),
        })
        .collect();
    let spec = source.spec.clone().ok_or_else(|| anyhow!("sample bank has no spec"))?;
    create_batch(
        &store,
        &log,
        NewBatch {
            id: "load",
            name: "load run",
            start: 0,
            seed: 7,
            sealed: &sealed,
            source: &source,
            spec: &spec,
            duration_seconds: Some(duration_seconds),
            roster: &roster,
            now: SystemClock::new().now_ms(),
            actor: &Actor::Cli,
            filing: None,
            plan: &Default::default(),
            drill: false,
        },
    )?;
    let now = SystemClock::new().now_ms();
    add_staff(&store, &log, now, &Actor::Cli, &new_staff("load", Role::Proctor, "load-password", None, &[])?)?;
    add_staff(&store, &log, now, &Actor::Cli, &new_staff("load-admin", Role::Admin, "load-password", None, &[])?)?;
    store.flush()?;
    Ok(key_path)
}

async fn run(args: Args) -> Result<()> {
    if args.seats == 0 || args.interval <= 0.0 {
        bail!("--seats and --interval must be positive");
    }
    let data =
        args.keep.clone().unwrap_or_else(|| std::env::temp_dir().join(format!("kaoshi-load-{}", std::process::id())));
    if data.join("db").exists() {
        bail!("{} already holds a store: give an empty --keep directory", data.display());
    }
    let prepared = Instant::now();
    if args.face_storm > 0 && (args.face_models.is_none() || args.face_photo.is_none() || args.face_capture.is_none()) {
        bail!("--face-storm needs --face-models, --face-photo and --face-capture");
    }
    let key = prepare(&data, args.seats + args.face_storm, args.duration as i64 + 3600)?;
    println!(
        "prepared {} seats (batch `load`, {} rooms) in {:.1} s",
        args.seats,
        args.seats.div_ceil(100),
        prepared.elapsed().as_secs_f64()
    );

    let server_bin = match &args.server {
        Some(p) => p.clone(),
        None => std::env::current_exe()?.with_file_name("kaoshi"),
    };
    let mut server = Command::new(&server_bin);
    server.args(["serve", "--data"]).arg(&data).args(["--addr", "127.0.0.1:0", "--key-file"]).arg(&key);
    if let Some(models) = &args.face_models {
        server.arg("--face-models").arg(models);
    }
    let mut child =
        server.stdout(Stdio::piped()).spawn().with_context(|| format!("cannot start {}", server_bin.display()))?;
    let stdout = child.stdout.take().ok_or_else(|| anyhow!("no server stdout"))?;
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().ok_or_else(|| anyhow!("the server printed nothing"))??;
    let base = first
        .strip_prefix("kaoshi serving on ")
        .ok_or_else(|| anyhow!("unexpected server output: {first}"))?
        .to_string();
    let report = std::thread::spawn(move || {
        lines.map_while(Result::ok).filter(|l| l.starts_with("stopped:")).collect::<Vec<_>>()
    });
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let run = Instant::now();
    let outcome = drive(&args, &base, child.id()).await;
    // SIGTERM: the server reports its durability barriers as it stops.
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
    for line in report.join().unwrap_or_default() {
        println!("server {line}, over {:.0} s of run", run.elapsed().as_secs_f64());
    }
    if args.keep.is_none() {
        let _ = std::fs::remove_dir_all(&data);
    }
    outcome
}

async fn drive(args: &Args, base: &str, server_pid: u32) -> Result<()> {
    let client = client_from(std::net::IpAddr::from([127, 0, 0, 1]));
    let rooms: Vec<HttpClient> = (0..args.seats.div_ceil(100)).map(|r| client_from(room_address(r))).collect();
    let (code, body, _) = call(
        &client,
        "POST",
        &format!("{base}/api/staff/login"),
        None,
        Some(json!({"user": "load", "password": "load-password"})),
    )
    .await?;
    if code != 200 {
        bail!("staff login failed: {body}");
    }
    let staff = Arc::new(body["token"].as_str().unwrap_or_default().to_string());
    let base = Arc::new(base.to_string());

    // Phase 1: everyone logs in at once, the proctor approves, the paper opens.
    let started = Instant::now();
    let tasks: Vec<_> = (0..args.seats)
        .map(|i| {
            // The room's proctor approves from the room's address too.
            let (client, base, staff) = (rooms[i / 100].clone(), base.clone(), staff.clone());
            let proctor = client.clone();
            tokio::spawn(async move {
                let mut phase = Phase::default();
                let ticket = format!("L{i:06}");
                let login = call(
                    &client,
                    "POST",
                    &format!("{base}/api/seat/login"),
                    None,
                    Some(json!({"ticket": ticket, "id_number": kaoshi_exam::identity::example_resident_id(i as u32)})),
                )
                .await;
                let Ok((200, body, lat)) = login else {
                    phase.errors += 1;
                    return (phase, None);
                };
                phase.latencies.push(lat);
                let token = body["token"].as_str().unwrap_or_default().to_string();
                let approve = call(
                    &proctor,
                    "POST",
                    &format!("{base}/api/proctor/batches/load/seats/{ticket}/approve"),
                    Some(&staff),
                    Some(json!({})),
                )
                .await;
                match approve {
                    Ok((200, _, lat)) => phase.latencies.push(lat),
                    _ => phase.errors += 1,
                }
                match call(&client, "GET", &format!("{base}/api/seat/paper"), Some(&token), None).await {
                    Ok((200, paper, lat)) => {
                        phase.latencies.push(lat);
                        let judges: Vec<u64> = paper["items"]
                            .as_array()
                            .map(|a| {
                                a.iter()
                                    .filter(|it| it["type"] == "judge")
                                    .filter_map(|it| it["pos"].as_u64())
                                    .collect()
                            })
                            .unwrap_or_default();
                        (phase, Some((token, judges)))
                    }
                    _ => {
                        phase.errors += 1;
                        (phase, None)
                    }
                }
            })
        })
        .collect();
    let mut start_phase = Phase::default();
    let mut seats = Vec::new();
    for t in tasks {
        let (phase, seat) = t.await?;
        start_phase.merge(phase);
        seats.extend(seat);
    }
    start_phase.report("login + approve + paper (all seats)", started.elapsed());

    // The storm's enrolment photos, before the saves begin.
    if args.face_storm > 0 {
        let photo = std::fs::read(args.face_photo.as_ref().expect("checked"))
            .with_context(|| format!("{:?}", args.face_photo))?;
        let took = face::enrol(&client, &base, args.seats, args.face_storm, &photo).await?;
        println!("enrolment photos: {} uploaded and checked in {:.1} s", args.face_storm, took.as_secs_f64());
    }

    // Phase 2: autosave every `interval` seconds, spread evenly, for `duration` seconds.
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.duration);
    let interval = Duration::from_secs_f64(args.interval);
    let n = seats.len().max(1);
    let mut attacks = Attacks::start(args, &base, &client).await?;
    if args.face_storm > 0 {
        let read = |p: &Option<PathBuf>| std::fs::read(p.as_ref().expect("checked")).with_context(|| format!("{p:?}"));
        let capture = read(&args.face_capture)?;
        let storm = face::storm(face::Storm {
            rooms: rooms.clone(),
            client: client.clone(),
            base: base.to_string(),
            staff: staff.to_string(),
            seats: args.seats,
            n: args.face_storm,
            capture,
            delay: Duration::from_secs(5),
        });
        attacks.face = Some(tokio::spawn(storm));
    }
    let cpu_before = cpu_time(server_pid);
    let tasks: Vec<_> = seats
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, (token, judges))| {
            let (client, base) = (rooms[i / 100].clone(), base.clone());
            tokio::spawn(async move {
                let mut phase = Phase::default();
                let offset = interval.mul_f64(i as f64 / n as f64);
                let mut next = tokio::time::Instant::from_std(started + offset);
                let mut seq = 0u64;
                while next.into_std() < deadline && !judges.is_empty() {
                    tokio::time::sleep_until(next).await;
                    seq += 1;
                    let pos = judges[(seq as usize + i) % judges.len()];
                    let response = if seq % 2 == 0 { "T" } else { "F" };
                    match call(
                        &client,
                        "PUT",
                        &format!("{base}/api/seat/answers/{pos}"),
                        Some(&token),
                        Some(json!({"response": response, "seq": seq})),
                    )
                    .await
                    {
                        Ok((200, _, lat)) => phase.latencies.push(lat),
                        _ => phase.errors += 1,
                    }
                    next += interval;
                }
                phase
            })
        })
        .collect();
    let mut save_phase = Phase::default();
    for t in tasks {
        save_phase.merge(t.await?);
    }
    let wall = started.elapsed();
    save_phase.report(&format!("autosave every {} s (durable)", args.interval), wall);
    if let (Some(a), Some(b)) = (cpu_before, cpu_time(server_pid)) {
        println!("server CPU during autosave: {:.0} % of one core", (b - a).as_secs_f64() / wall.as_secs_f64() * 100.0);
    }
    attacks.stop().await;

    // Phase 3: everyone hands in at once.
    let started = Instant::now();
    let tasks: Vec<_> = seats
        .into_iter()
        .enumerate()
        .map(|(i, (token, _))| {
            let (client, base) = (rooms[i / 100].clone(), base.clone());
            tokio::spawn(async move {
                let mut phase = Phase::default();
                match call(&client, "POST", &format!("{base}/api/seat/submit"), Some(&token), None).await {
                    Ok((200, _, lat)) => phase.latencies.push(lat),
                    _ => phase.errors += 1,
                }
                phase
            })
        })
        .collect();
    let mut submit_phase = Phase::default();
    for t in tasks {
        submit_phase.merge(t.await?);
    }
    submit_phase.report("submit (all seats)", started.elapsed());
    Ok(())
}

/// What attacks the server while the seats save.
struct Attacks {
    stop: Arc<std::sync::atomic::AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<(&'static str, usize, usize)>>,
    face: Option<tokio::task::JoinHandle<(usize, usize, String)>>,
}

impl Attacks {
    async fn start(args: &Args, base: &str, client: &HttpClient) -> Result<Attacks> {
        use std::sync::atomic::{AtomicBool, Ordering};
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        let addr: std::net::SocketAddr = base.trim_start_matches("http://").parse()?;
        for _ in 0..args.slowloris {
            let stop = stop.clone();
            tasks.push(tokio::spawn(async move {
                use tokio::io::AsyncWriteExt;
                // (kind, connections made, connections the server closed)
                let (mut made, mut closed) = (0, 0);
                while !stop.load(Ordering::Relaxed) {
                    let Ok(socket) = tokio::net::TcpSocket::new_v4() else { break };
                    if socket.bind(std::net::SocketAddr::from(([127, 0, 0, 2], 0))).is_err() {
                        break;
                    }
                    let Ok(mut stream) = socket.connect(addr).await else {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        continue;
                    };
                    made += 1;
                    let _ = stream.write_all(b"GET /seat HTTP/1.1\r\nHost: exam\r\nX-Slow: ").await;
                    while !stop.load(Ordering::Relaxed) {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        if stream.write_all(b"a").await.is_err() {
                            closed += 1;
                            break;
                        }
                    }
                }
                ("slowloris", made, closed)
            }));
        }
        if args.create_batch > 0 {
            let (client, base, n) = (client.clone(), base.to_string(), args.create_batch);
            tasks.push(tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(5)).await;
                let failed = ("batch create", 0, 1);
                let body = json!({"user": "load-admin", "password": "load-password"});
                let Ok((200, login, _)) =
                    call(&client, "POST", &format!("{base}/api/staff/login"), None, Some(body)).await
                else {
                    return failed;
                };
                let token = login["token"].as_str().unwrap_or_default().to_string();
                let Ok((200, banks, _)) =
                    call(&client, "GET", &format!("{base}/api/admin/banks"), Some(&token), None).await
                else {
                    return failed;
                };
                let mut roster = String::from("ticket,id_number,name,organisation,room,seat\n");
                for i in 0..n {
                    let id = kaoshi_exam::identity::example_resident_id(500_000 + i as u32);
                    roster.push_str(&format!("B{i:06},{id},考生{i},单位,B{:02},{:03}\n", i / 100 + 1, i % 100 + 1));
                }
                let body = json!({"id": "second", "name": "second batch", "bank_hash": banks[0]["bank_hash"],
                    "start": "2026-01-01T09:00:00+08:00", "seed": 3, "roster_csv": roster});
                let began = Instant::now();
                let done = call(&client, "POST", &format!("{base}/api/admin/batches"), Some(&token), Some(body)).await;
                let ms = began.elapsed().as_millis() as usize;
                match done {
                    Ok((200, created, _)) => ("batch create", created["candidates"].as_u64().unwrap_or(0) as usize, ms),
                    Ok((code, body, _)) => {
                        eprintln!("batch create refused: {code} {body}");
                        failed
                    }
                    Err(e) => {
                        eprintln!("batch create failed: {e}");
                        failed
                    }
                }
            }));
        }
        for _ in 0..args.login_storm {
            let (stop, client, base) = (stop.clone(), client.clone(), base.to_string());
            tasks.push(tokio::spawn(async move {
                let (mut ok, mut failed) = (0, 0);
                while !stop.load(Ordering::Relaxed) {
                    let body = json!({"user": "load", "password": "load-password"});
                    match call(&client, "POST", &format!("{base}/api/staff/login"), None, Some(body)).await {
                        Ok((200, _, _)) => ok += 1,
                        _ => failed += 1,
                    }
                }
                ("staff logins", ok, failed)
            }));
        }
        for s in 0..args.streams.div_ceil(3) {
            let body = json!({"user": "load", "password": "load-password"});
            let (code, login, _) = call(client, "POST", &format!("{base}/api/staff/login"), None, Some(body)).await?;
            if code != 200 {
                bail!("staff login for streams failed: {login}");
            }
            let token = login["token"].as_str().unwrap_or_default().to_string();
            for _ in 0..(args.streams - s * 3).min(3) {
                let (stop, client, base, token) = (stop.clone(), client.clone(), base.to_string(), token.clone());
                tasks.push(tokio::spawn(async move {
                    let url = format!("{base}/api/proctor/batches/load/stream");
                    let Ok(req) = hyper::Request::get(&url)
                        .header("authorization", format!("Bearer {token}"))
                        .body(Full::new(Bytes::new()))
                    else {
                        return ("streams", 0, 1);
                    };
                    let Ok(resp) = client.request(req).await else { return ("streams", 0, 1) };
                    if resp.status() != 200 {
                        return ("streams", 0, 1);
                    }
                    let mut body = resp.into_body();
                    let mut events = 0;
                    while !stop.load(Ordering::Relaxed) {
                        match tokio::time::timeout(Duration::from_secs(1), body.frame()).await {
                            Ok(Some(Ok(_))) => events += 1,
                            Ok(_) => break,
                            Err(_) => {}
                        }
                    }
                    ("stream frames", events, 0)
                }));
            }
        }
        Ok(Attacks { stop, tasks, face: None })
    }

    async fn stop(self) {
        if let Some(face) = self.face {
            match face.await {
                Ok((verdicts, ms, counts)) => {
                    println!(
                        "face storm: {verdicts} verdicts, the last {:.1} s after the storm began ({counts})",
                        ms as f64 / 1000.0
                    )
                }
                Err(e) => println!("face storm failed: {e}"),
            }
        }
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut totals: std::collections::BTreeMap<&str, (usize, usize)> = std::collections::BTreeMap::new();
        for t in self.tasks {
            if let Ok(Ok((kind, a, b))) = tokio::time::timeout(Duration::from_secs(8), t).await {
                let e = totals.entry(kind).or_default();
                e.0 += a;
                e.1 += b;
            }
        }
        for (kind, (a, b)) in totals {
            match kind {
                "slowloris" => println!("slowloris: {a} half-open connections made, {b} closed by the server"),
                "staff logins" => println!("login storm: {a} staff logins, {b} refused or failed"),
                "batch create" if a > 0 => println!("batch created through the API: {a} candidates in {b} ms"),
                "batch create" => println!("batch create through the API failed"),
                _ => println!("{kind}: {a} received, {b} streams refused"),
            }
        }
    }
}
