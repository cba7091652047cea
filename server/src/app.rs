//! The server's shared state and router.

use crate::batch::Batch;
use crate::error::AppError;
use crate::events::{EventLog, NewEvent};
use crate::seat::{SeatRecord, Status};
use crate::store::{tree, Store};
use crate::{api_proctor, api_seat, marking_api, metrics, results, web};
use anyhow::{Context, Result};
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::Router;
use kaoshi_engine::assemble::Paper;
use kaoshi_engine::grade::{grade, Graded};
use kaoshi_engine::seal::{self, Unlock};
use kaoshi_engine::BankSource;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Server time, Unix milliseconds. The only clock the exam uses.
///
/// Read once from the wall clock when the process starts, then advanced by
/// the monotonic clock: a wall-clock jump while the server runs (NTP step,
/// an operator's `date`) neither gives nor takes exam time. Across restarts
/// the time used is persisted per seat and the outage is not charged.
pub fn now_ms() -> i64 {
    static ANCHOR: std::sync::OnceLock<(i64, std::time::Instant)> = std::sync::OnceLock::new();
    let (wall, mono) = ANCHOR.get_or_init(|| {
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        (wall, std::time::Instant::now())
    });
    wall + mono.elapsed().as_millis() as i64
}

/// A batch with its bank open in memory.
pub struct LoadedBatch {
    /// The plan.
    pub batch: Batch,
    /// The decrypted bank (memory only).
    pub source: BankSource,
    /// Papers by index.
    pub papers: Vec<Paper>,
}

/// Everything handlers share.
pub struct App {
    /// Storage.
    pub store: Store,
    /// Event log.
    pub log: EventLog,
    /// Batches by id.
    pub batches: HashMap<String, Arc<LoadedBatch>>,
    locks: Vec<tokio::sync::Mutex<()>>,
    /// Failed logins per key in the current minute: (minute, count).
    pub failures: Mutex<HashMap<String, (i64, u32)>>,
}

/// Shared state type.
pub type AppState = Arc<App>;

impl App {
    /// Opens every batch's bank with `unlock`; a batch whose bank does not open is an error.
    pub fn load(store: Store, unlock: Option<&Unlock<'_>>) -> Result<App> {
        let log = EventLog::open(store.clone())?;
        let mut batches = HashMap::new();
        for (id, batch) in store.scan::<Batch>(tree::BATCHES, "")? {
            let sealed = store
                .get_raw(tree::BANKS, batch.bank_hash.as_bytes())?
                .with_context(|| format!("batch {id}: its sealed bank is missing from the store"))?;
            let unlock = unlock.with_context(|| {
                format!(
                    "batch {id} needs the key {} of bank {}: give --key-file or --passphrase-env",
                    batch.key_id, batch.bank_id
                )
            })?;
            let source = seal::open(&sealed, unlock)
                .with_context(|| format!("batch {id}: cannot open bank {}", batch.bank_id))?;
            let papers: Vec<Paper> =
                store.scan::<Paper>(tree::PAPERS, &format!("{id}/"))?.into_iter().map(|(_, p)| p).collect();
            log.append(
                now_ms(),
                NewEvent {
                    actor: "system",
                    kind: "bank_open",
                    batch: Some(&id),
                    ticket: None,
                    detail: serde_json::json!({"bank": batch.bank_id, "bank_hash": batch.bank_hash, "reason": "serve: deliver papers"}),
                },
            )?;
            batches.insert(id, Arc::new(LoadedBatch { batch, source, papers }));
        }
        Ok(App {
            store,
            log,
            batches,
            locks: (0..256).map(|_| tokio::sync::Mutex::new(())).collect(),
            failures: Mutex::default(),
        })
    }

    /// Serialises changes to one seat.
    pub async fn lock_seat(&self, batch: &str, ticket: &str) -> tokio::sync::MutexGuard<'_, ()> {
        let h = blake3::hash(format!("{batch}/{ticket}").as_bytes());
        let shard = usize::from(h.as_bytes()[0]);
        self.locks[shard].lock().await
    }

    /// A batch by id.
    pub fn batch(&self, id: &str) -> Result<Arc<LoadedBatch>, AppError> {
        self.batches.get(id).cloned().ok_or_else(|| AppError::NotFound(format!("batch {id}")))
    }

    /// A seat record.
    pub fn seat(&self, batch: &str, ticket: &str) -> Result<SeatRecord, AppError> {
        self.store
            .get::<SeatRecord>(tree::SEATS, &format!("{batch}/{ticket}"))?
            .ok_or_else(|| AppError::NotFound(format!("seat {ticket} in batch {batch}")))
    }

    /// Stores a seat record (not yet durable).
    pub fn put_seat(&self, batch: &str, seat: &SeatRecord) -> Result<(), AppError> {
        self.store.put(tree::SEATS, &format!("{batch}/{}", seat.ticket), seat)?;
        Ok(())
    }

    /// Appends an event (not yet durable).
    pub fn event(
        &self,
        actor: &str,
        kind: &str,
        batch: &str,
        ticket: Option<&str>,
        detail: serde_json::Value,
    ) -> Result<(), AppError> {
        self.log.append(now_ms(), NewEvent { actor, kind, batch: Some(batch), ticket, detail })?;
        Ok(())
    }

    /// The saved responses of a seat, by paper position.
    pub fn responses(&self, batch: &LoadedBatch, seat: &SeatRecord) -> Result<Vec<Option<String>>, AppError> {
        let len = batch.papers.get(seat.paper as usize).map_or(0, |p| p.items.len());
        let mut out = vec![None; len];
        for (key, saved) in
            self.store.scan::<api_seat::SavedAnswer>(tree::ANSWERS, &format!("{}/{}/", batch.batch.id, seat.ticket))?
        {
            if let Some(pos) = key.rsplit('/').next().and_then(|p| p.parse::<usize>().ok()) {
                if pos < len {
                    out[pos] = saved.response;
                }
            }
        }
        Ok(out)
    }

    /// Hands a seat in: stops the clock, grades the acknowledged answers, logs who and why.
    /// The caller holds the seat lock and makes the change durable.
    pub fn submit_seat(
        &self,
        batch: &LoadedBatch,
        seat: &mut SeatRecord,
        actor: &str,
        reason: &str,
    ) -> Result<(), AppError> {
        let now = now_ms();
        seat.stop_clock(now);
        seat.status = Status::Submitted;
        seat.submitted_at = Some(now);
        let responses = self.responses(batch, seat)?;
        let result: Option<Graded> = batch
            .papers
            .get(seat.paper as usize)
            .and_then(|paper| grade(&batch.source.bank, &batch.batch.spec, paper, &responses).ok());
        let score = result.as_ref().map(|r| r.score);
        seat.result = result;
        self.put_seat(&batch.batch.id, seat)?;
        crate::marking_api::open_marking(self, batch, seat)?;
        self.event(
            actor,
            "submit",
            &batch.batch.id,
            Some(&seat.ticket),
            serde_json::json!({"reason": reason, "objective_score": score}),
        )
    }

    /// Counts a failed login for `key` (a ticket, a user or an address);
    /// `Err` once `limit` failures were counted this minute.
    pub fn check_failures(&self, key: &str, failed: bool) -> Result<(), AppError> {
        let limit: u32 = if key.starts_with("ip:") { 30 } else { 10 };
        let minute = now_ms() / 60_000;
        let mut map = self.failures.lock().map_err(|_| anyhow::anyhow!("lock poisoned"))?;
        let entry = map.entry(key.to_string()).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        if entry.1 >= limit {
            return Err(AppError::TooMany("too many failed logins: wait a minute or ask a proctor".into()));
        }
        if failed {
            entry.1 += 1;
        }
        Ok(())
    }
}

/// After a restart: seats whose clock was running are paused with the time
/// up to the last heartbeat charged, so an outage costs nobody exam time.
pub fn recover_after_restart(app: &App) -> Result<usize> {
    let last_alive: i64 = app.store.get(tree::META, "last_alive")?.unwrap_or_else(now_ms);
    let mut paused = 0;
    for id in app.batches.keys() {
        for (_, mut seat) in app.store.scan::<SeatRecord>(tree::SEATS, &format!("{id}/"))? {
            if seat.running_since.is_some() {
                let last = last_alive.max(seat.last_seen);
                seat.recover(last);
                app.put_seat(id, &seat).map_err(|e| anyhow::anyhow!("{e}"))?;
                app.event(
                    "system",
                    "pause",
                    id,
                    Some(&seat.ticket),
                    serde_json::json!({"reason": "server restart: the outage is not charged", "charged_until": last}),
                )
                .map_err(|e| anyhow::anyhow!("{e}"))?;
                paused += 1;
            }
        }
    }
    app.store.flush()?;
    Ok(paused)
}

/// Background work: heartbeat and submission at time-out.
pub async fn run_timer(app: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut ticks: u64 = 0;
    loop {
        tick.tick().await;
        ticks += 1;
        let _ = app.store.put(tree::META, "last_alive", &now_ms());
        if ticks % 60 == 0 {
            // A checkpoint of the chain head a minute, for outsiders to hold.
            let _ = app.log.checkpoint(now_ms());
        }
        for (id, batch) in &app.batches {
            let Ok(seats) = app.store.scan::<SeatRecord>(tree::SEATS, &format!("{id}/")) else { continue };
            for (_, seat) in seats {
                if seat.status == Status::Answering && seat.remaining_ms(now_ms()) == 0 {
                    let _guard = app.lock_seat(id, &seat.ticket).await;
                    if let Ok(mut fresh) = app.seat(id, &seat.ticket) {
                        if fresh.status == Status::Answering && fresh.remaining_ms(now_ms()) == 0 {
                            let _ = app.submit_seat(batch, &mut fresh, "timer", "time is up");
                            let _ = app.store.durable().await;
                        }
                    }
                }
            }
        }
    }
}

/// Largest request body accepted (a short answer is at most 20,000 characters).
pub const MAX_BODY: usize = 128 * 1024;

/// Longest time a request may take (the event stream excepted).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The router.
pub fn router(app: AppState) -> Router {
    // The proctors' event stream is long-lived: it is outside the timeout.
    let stream = Router::new().route("/api/proctor/batches/{id}/stream", get(api_proctor::stream));
    Router::new()
        .route("/", get(web::index))
        .route("/seat", get(web::seat_page))
        .route("/proctor", get(web::proctor_page))
        .route("/api/seat/login", post(api_seat::login))
        .route("/api/seat/status", get(api_seat::status))
        .route("/api/seat/paper", get(api_seat::paper))
        .route("/api/seat/answers", get(api_seat::answers))
        .route("/api/seat/answers/{pos}", put(api_seat::save))
        .route("/api/seat/submit", post(api_seat::submit))
        .route("/api/staff/login", post(api_proctor::login))
        .route("/api/proctor/batches", get(api_proctor::batches))
        .route("/api/proctor/batches/{id}/seats", get(api_proctor::seats))
        .route("/api/proctor/batches/{id}/seats/{ticket}/{action}", post(api_proctor::action))
        .route("/marking", get(web::marking_page))
        .route("/api/marking/batches/{id}/next", get(marking_api::next))
        .route("/api/marking/batches/{id}/marks", post(marking_api::mark))
        .route("/api/marking/batches/{id}/arbitrations", get(marking_api::arbitrations))
        .route("/api/marking/batches/{id}/arbitrate", post(marking_api::arbitrate))
        .route("/api/marking/batches/{id}/recheck", get(marking_api::recheck_queue).post(marking_api::recheck))
        .route("/api/admin/batches/{id}/totals", get(results::get_totals))
        .route("/api/admin/batches/{id}/publish", post(results::publish))
        .route("/api/admin/batches/{id}/appeals", post(results::appeal))
        .route("/api/admin/batches/{id}/export/{file}", get(results::export))
        .route("/api/admin/batches/{id}/archive", get(results::archive))
        .route("/api/admin/batches/{id}/certificate-uploads", post(metrics::uploaded))
        .route("/api/admin/occupations", post(metrics::register))
        .route("/api/audit/metrics", get(metrics::metrics))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .merge(stream)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(app)
}
