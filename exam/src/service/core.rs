//! The service itself: state, sessions, the seat-change path, commit, the timer.

use crate::batch::{Batch, LoadedBatch};
use crate::clock::Clock;
use crate::error::{Code, ExamError, Kind, Refusal, Result};
use crate::events::{Actor, EventKind};
use crate::log::{EventLog, NewEvent};
use crate::seat::{Action, Change, SeatRecord};
use crate::staff::{token_hash, Role, Session};
use crate::store::Store;
use crate::throttle::Held;
use kaoshi_engine::assemble::Paper;
use kaoshi_engine::seal::{self, Unlock};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// A staff member's session, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffSession {
    /// User name.
    pub user: String,
    /// Role.
    pub role: Role,
    /// Batches assigned (empty: every batch).
    pub batches: Vec<String>,
    /// Rooms assigned (empty: every room of those batches).
    pub rooms: Vec<String>,
}

impl StaffSession {
    /// Whether the staff member works on `batch` (admins, auditors and the
    /// chief proctor work on every batch).
    pub fn works_on(&self, batch: &str) -> bool {
        matches!(self.role, Role::Admin | Role::Auditor | Role::ChiefProctor)
            || self.batches.is_empty()
            || self.batches.iter().any(|b| b == batch)
    }

    /// Whether the staff member watches and acts in `room` (a proctor only
    /// in the rooms assigned, if any).
    pub fn works_in(&self, room: &str) -> bool {
        let rooms = self.watched_rooms();
        rooms.is_empty() || rooms.iter().any(|r| r == room)
    }

    /// The rooms the staff member watches (empty: every room): a proctor's
    /// assigned rooms; everyone else sees every room.
    pub fn watched_rooms(&self) -> &[String] {
        if self.role == Role::Proctor {
            &self.rooms
        } else {
            &[]
        }
    }
}

/// The exam service.
pub struct Exam {
    pub(super) store: Store,
    pub(super) log: EventLog,
    clock: Arc<dyn Clock>,
    batches: RwLock<HashMap<String, Arc<LoadedBatch>>>,
    locks: Vec<tokio::sync::Mutex<()>>,
    pub(super) throttle: Mutex<crate::throttle::Throttle>,
    /// Password hashing runs on the blocking pool, this many at a time, so
    /// that a storm of staff logins leaves the cores to the seats.
    pub(super) hashing: tokio::sync::Semaphore,
    /// Signs archives, when the organisation gave its key to the server.
    pub(super) signing_key: Option<crate::signing::SigningKey>,
    /// Where each checkpoint also goes, outside the store.
    witness: Option<crate::witness::Witness>,
    /// The organisation's key, for banks uploaded while the server runs.
    pub(super) key: Option<crate::org_key::OrgKey>,
    /// Closed batches reopened for marking and results, newest last (a few at most).
    pub(super) reopened: Mutex<std::collections::VecDeque<Arc<LoadedBatch>>>,
    /// Responses assigned to markers: (batch, code) → lease.
    pub(super) leases: Mutex<HashMap<(String, String), crate::marking::Lease>>,
    /// Face matching (人脸识别), when the server was given the models.
    pub(super) face: Option<Arc<kaoshi_face::Models>>,
    /// Matching runs on the blocking pool, one call per loaded engine.
    pub(super) face_permits: tokio::sync::Semaphore,
}

/// Closed batches kept open in memory after being reopened.
const REOPENED: usize = 2;

/// Concurrent password checks: half the cores, at least one.
fn hashing_permits() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

/// A batch put into service: its sealed bank opened in memory (the open on
/// the ledger with `reason`) and its papers read.
fn open_bank(
    store: &Store,
    log: &EventLog,
    now: i64,
    batch: Batch,
    unlock: &Unlock<'_>,
    reason: &str,
) -> Result<LoadedBatch> {
    let sealed = store.sealed_bank(&batch.bank_hash)?.ok_or_else(|| bank_missing(&batch))?;
    let source = seal::open(&sealed, unlock)
        .map_err(|e| ExamError::Internal(format!("batch {}: cannot open bank {}: {e}", batch.id, batch.bank_id)))?;
    let detail = serde_json::json!({"bank": batch.bank_id, "bank_hash": batch.bank_hash, "reason": reason});
    let event =
        NewEvent { actor: &Actor::System, kind: EventKind::BankOpen, batch: Some(&batch.id), ticket: None, detail };
    log.append(now, event)?;
    let papers: Vec<Paper> = store.papers(&batch.id)?;
    Ok(LoadedBatch { batch, source, papers })
}

/// A batch whose bank could not be opened at start.
fn bank_missing(batch: &Batch) -> ExamError {
    ExamError::Internal(format!("batch {}: its sealed bank is missing from the store", batch.id))
}

impl Exam {
    /// Opens every batch's bank with `unlock` (each open is on the ledger);
    /// a batch whose bank does not open is an error.
    pub fn load(store: Store, clock: Arc<dyn Clock>, unlock: Option<&Unlock<'_>>) -> Result<Exam> {
        let log = EventLog::open(store.clone())?;
        if let Some(unlock) = unlock {
            let encrypted = store.unlock_personal(unlock)?;
            if encrypted > 0 {
                tracing::info!(seats = encrypted, "identity numbers found in plaintext are now encrypted");
            }
        }
        let mut batches = HashMap::new();
        for batch in store.batches()?.into_iter().filter(|b| b.closed.is_none()) {
            let unlock = unlock.ok_or_else(|| {
                ExamError::Internal(format!(
                    "batch {} needs the key {} of bank {}: give --key-file or --passphrase-env",
                    batch.id, batch.key_id, batch.bank_id
                ))
            })?;
            let mut batch = batch;
            if batch.code_secret.is_none() {
                // A batch from before keyed codes: it gets its secret now; codes already issued stay.
                batch.code_secret = Some(crate::admin::new_secret());
                store.put_batch(&batch)?;
            }
            for r in store.markings(&batch.id)? {
                if store.code_holder(&batch.id, &r.code)?.is_none() {
                    store.put_code(&batch.id, &r.code, &r.ticket, r.pos)?;
                }
            }
            let loaded = open_bank(&store, &log, clock.now_ms(), batch, unlock, "serve: deliver papers")?;
            batches.insert(loaded.batch.id.clone(), Arc::new(loaded));
        }
        Ok(Exam {
            store,
            log,
            clock,
            batches: RwLock::new(batches),
            locks: (0..256).map(|_| tokio::sync::Mutex::new(())).collect(),
            throttle: Mutex::default(),
            signing_key: None,
            witness: None,
            key: None,
            reopened: Mutex::default(),
            hashing: tokio::sync::Semaphore::new(hashing_permits()),
            leases: Mutex::default(),
            face: None,
            face_permits: tokio::sync::Semaphore::new(1),
        })
    }

    /// Signs every archive the server exports with `key`.
    pub fn with_signing_key(mut self, key: crate::signing::SigningKey) -> Exam {
        self.signing_key = Some(key);
        self
    }

    /// Keeps the organisation's key to open banks uploaded later.
    pub fn with_key(mut self, key: crate::org_key::OrgKey) -> Exam {
        self.key = Some(key);
        self
    }

    /// Puts a batch into service (opened bank, papers in memory).
    pub(super) fn open_batch(&self, loaded: LoadedBatch) -> Arc<LoadedBatch> {
        let loaded = Arc::new(loaded);
        self.batches
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(loaded.batch.id.clone(), loaded.clone());
        loaded
    }

    /// The witness file, if checkpoints also go to one.
    pub fn witness_path(&self) -> Option<&std::path::Path> {
        self.witness.as_ref().map(crate::witness::Witness::path)
    }

    /// Appends every checkpoint to `witness` too (a file outside the store).
    pub fn with_witness(mut self, witness: crate::witness::Witness) -> Exam {
        self.witness = Some(witness);
        self
    }

    /// Takes a checkpoint of the chain head (if it grew) and hands it to the
    /// witness; returns the newest checkpoint.
    pub fn take_checkpoint(&self) -> Result<Option<crate::events::Checkpoint>> {
        if let Some(c) = self.log.checkpoint(self.now())? {
            if let Some(w) = &self.witness {
                if let Err(e) = w.append(&c) {
                    // The store holds it; an unreachable witness must not stop the exam.
                    tracing::error!(error = %e, file = %w.path().display(), "cannot append the checkpoint outside the store");
                }
            }
        }
        Ok(self.store.last_checkpoint()?)
    }

    /// Now, by the exam clock.
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The store (for exports of whole data directories and tests).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The event log.
    pub fn log(&self) -> &EventLog {
        &self.log
    }

    /// Waits until everything written so far is durable: the one place an
    /// acknowledgement waits for the disk.
    pub async fn commit(&self) -> Result<()> {
        self.store.commit().await.map_err(|e| {
            tracing::error!(error = %e, "commit failed: the change is not acknowledged");
            ExamError::from(e)
        })
    }

    /// Serialises changes to one seat (and its marking records).
    pub(super) async fn lock_seat(&self, batch: &str, ticket: &str) -> tokio::sync::MutexGuard<'_, ()> {
        let h = blake3::hash(format!("{batch}/{ticket}").as_bytes());
        self.locks[usize::from(h.as_bytes()[0])].lock().await
    }

    pub(super) fn batch_map(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Arc<LoadedBatch>>> {
        self.batches.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A batch by id: an open one from memory, a closed one reopened.
    pub fn batch(&self, id: &str) -> Result<Arc<LoadedBatch>> {
        if let Some(b) = self.batch_map().get(id) {
            return Ok(b.clone());
        }
        self.reopen(id)
    }

    /// A closed batch's bank and papers, opened again for marking and
    /// results; the last [`REOPENED`] stay in memory.
    fn reopen(&self, id: &str) -> Result<Arc<LoadedBatch>> {
        let missing = || -> ExamError { Refusal::not_found(Code::BatchNotFound, format!("没有批次 {id}")).into() };
        {
            let cache = self.reopened.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(b) = cache.iter().find(|b| b.batch.id == id) {
                return Ok(b.clone());
            }
        }
        let batch = self.store.batch(id)?.filter(|b| b.closed.is_some()).ok_or_else(missing)?;
        let key = self.key.as_ref().ok_or_else(|| {
            ExamError::Internal(format!("batch {id} is closed and the server has no key to reopen its bank"))
        })?;
        let reason = "closed batch reopened: marking and results";
        let loaded = Arc::new(open_bank(&self.store, &self.log, self.now(), batch, &key.unlock(), reason)?);
        let mut cache = self.reopened.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        cache.push_back(loaded.clone());
        while cache.len() > REOPENED {
            cache.pop_front();
        }
        Ok(loaded)
    }

    /// Takes a batch out of memory (it was closed).
    pub(super) fn release_batch(&self, id: &str) {
        self.batches.write().unwrap_or_else(std::sync::PoisonError::into_inner).remove(id);
    }

    /// Every open batch, by id.
    pub fn batches(&self) -> Vec<Arc<LoadedBatch>> {
        let mut list: Vec<_> = self.batch_map().values().cloned().collect();
        list.sort_by(|a, b| a.batch.id.cmp(&b.batch.id));
        list
    }

    /// A seat record.
    pub fn seat(&self, batch: &str, ticket: &str) -> Result<SeatRecord> {
        self.store.seat(batch, ticket)?.ok_or_else(|| {
            Refusal::not_found(Code::SeatNotFound, format!("批次 {batch} 中没有准考证号 {ticket}")).into()
        })
    }

    /// A seat's saved responses by paper position.
    pub fn responses(&self, batch: &LoadedBatch, seat: &SeatRecord) -> Result<Vec<Option<String>>> {
        let len = batch.papers.get(seat.paper as usize).map_or(0, |p| p.items.len());
        Ok(crate::answers::by_position(len, self.store.answers_of(&batch.batch.id, &seat.ticket)?))
    }

    /// Appends an event now (the caller commits).
    pub(super) fn event(
        &self,
        actor: &Actor,
        kind: EventKind,
        batch: Option<&str>,
        ticket: Option<&str>,
        detail: serde_json::Value,
    ) -> Result<()> {
        self.log.append(self.now(), NewEvent { actor, kind, batch, ticket, detail })?;
        Ok(())
    }

    /// Stores what an action did to a seat: the record, a revoked session,
    /// the event, and for a hand-in the grading, marking records and the
    /// `submit` event. The caller holds the seat lock and commits.
    pub(super) fn settle_change(&self, batch: &LoadedBatch, actor: &Actor, change: &mut Change) -> Result<()> {
        let id = &batch.batch.id;
        if let Some(old) = &change.revoked {
            self.store.remove_session(old)?;
        }
        if let Some((from, to)) = change.disconnected {
            let detail = serde_json::json!({"from": from, "to": to, "seconds": (to - from) / 1000});
            self.event(actor, EventKind::Disconnect, Some(id), Some(&change.seat.ticket), detail)?;
        }
        if let Some(reason) = change.handed_in.clone() {
            let responses = self.responses(batch, &change.seat)?;
            let records = crate::marking::records_for(batch, &change.seat, &responses);
            let blank: Vec<usize> = records.iter().filter(|r| r.blank).map(|r| r.pos).collect();
            self.hand_in_result(batch, &mut change.seat, &responses, &blank);
            self.store.put_seat(id, &change.seat)?;
            let score = change.seat.result.as_ref().map(|r| r.score);
            for mut record in records {
                if self.store.marking(id, &record.ticket, record.pos)?.is_some() {
                    continue;
                }
                record.code = self.unique_code(batch, &record.ticket, record.pos)?;
                self.store.put_marking(id, &record)?;
                self.store.put_code(id, &record.code, &record.ticket, record.pos)?;
                if record.blank {
                    let detail = serde_json::json!({"code": record.code, "pos": record.pos, "score": 0.0,
                                                    "reason": "空白作答，自动计 0 分，不送评"});
                    self.event(&Actor::System, EventKind::Mark, Some(id), Some(&record.ticket), detail)?;
                }
            }
            self.event(
                actor,
                EventKind::Submit,
                Some(id),
                Some(&change.seat.ticket),
                serde_json::json!({"reason": reason, "objective_score": score}),
            )?;
        } else {
            self.store.put_seat(id, &change.seat)?;
        }
        if let Some((kind, detail)) = change.event.take() {
            self.event(actor, kind, Some(id), Some(&change.seat.ticket), detail)?;
        }
        Ok(())
    }

    /// Grades a handed-in seat's acknowledged answers: objective items now,
    /// blank short answers 0, other short answers wait for their marks.
    pub(super) fn hand_in_result(
        &self,
        batch: &LoadedBatch,
        seat: &mut SeatRecord,
        responses: &[Option<String>],
        blank: &[usize],
    ) {
        seat.result = batch.papers.get(seat.paper as usize).and_then(|paper| {
            let bank = &batch.source.bank;
            let grader = kaoshi_engine::grade::Grader::new(bank, &batch.batch.spec);
            crate::results::sheet_scores(&grader, bank, paper, responses, |pos| blank.contains(&pos).then_some(0.0))
                .ok()
                .map(|items| grader.result(paper, items))
        });
    }

    /// An anonymous code for a response, unique in its batch (checked against
    /// the batch's code index; a collision moves to the next attempt).
    pub(super) fn unique_code(&self, batch: &LoadedBatch, ticket: &str, pos: usize) -> Result<String> {
        let id = &batch.batch.id;
        let key = batch
            .batch
            .code_secret
            .as_deref()
            .and_then(crate::marking::secret_key)
            .ok_or_else(|| ExamError::Internal(format!("batch {id} has no code secret")))?;
        for attempt in 0..64 {
            let code = crate::marking::anonymous_code(&key, id, ticket, pos, attempt);
            match self.store.code_holder(id, &code)? {
                None => return Ok(code),
                Some((t, p)) if t == ticket && p == pos => return Ok(code),
                Some(_) => tracing::warn!(batch = %id, attempt, "anonymous code collision: trying the next"),
            }
        }
        Err(ExamError::Internal(format!("batch {id}: no unique anonymous code in 64 attempts")))
    }

    /// Applies `action` to a seat, stores and logs the change; the caller holds the lock and commits.
    pub(super) fn apply(
        &self,
        batch: &LoadedBatch,
        seat: &SeatRecord,
        action: &Action,
        actor: &Actor,
    ) -> Result<SeatRecord> {
        let mut change = seat.apply(action, self.now())?;
        self.settle_change(batch, actor, &mut change)?;
        Ok(change.seat)
    }

    /// The seat of a seat token; older tokens of the seat are void, and a
    /// seat's token ends at hand-in and 24 hours after its login at the latest.
    pub fn seat_session(&self, token: Option<&str>) -> Result<(Arc<LoadedBatch>, String)> {
        let token = token.ok_or_else(Refusal::unauthorized)?;
        let hash = token_hash(token);
        match self.store.session(&hash)? {
            Some(Session::Seat { batch, ticket, issued }) => {
                let loaded = self.batch(&batch)?;
                let seat = self.seat(&batch, &ticket)?;
                if seat.session.as_deref() != Some(hash.as_str()) {
                    return Err(Refusal::unauthorized().into());
                }
                if seat.submitted_at.is_some() {
                    return Err(
                        Refusal::new(Kind::Unauthorized, Code::SeatSessionEnded, "试卷已提交，本次登录已结束").into()
                    );
                }
                if crate::staff::seat_session_expired(issued, self.now()) {
                    return Err(Refusal::new(
                        Kind::Unauthorized,
                        Code::SeatSessionEnded,
                        "本场考试已结束，本次登录已失效",
                    )
                    .into());
                }
                Ok((loaded, ticket))
            }
            Some(Session::Staff { expires, .. }) if expires < self.now() => Err(Refusal::unauthorized().into()),
            Some(Session::Staff { .. }) => {
                Err(Refusal::forbidden(Code::StaffTokenAtSeat, "工作人员的登录不能用于考位").into())
            }
            None => Err(Refusal::unauthorized().into()),
        }
    }

    /// The staff member of a token, if their role is one of `allowed`. A
    /// session ends at its expiry, at logout, and when its account changes
    /// (role, password) or is disabled.
    pub fn staff_session(&self, token: Option<&str>, allowed: &[Role]) -> Result<StaffSession> {
        let token = token.ok_or_else(Refusal::unauthorized)?;
        match self.store.session(&token_hash(token))? {
            Some(Session::Staff { user, role, expires, epoch }) => {
                if expires < self.now() {
                    return Err(Refusal::unauthorized().into());
                }
                let account = self.store.staff(&user)?.filter(|a| !a.disabled && a.epoch == epoch && a.role == role);
                let Some(account) = account else {
                    return Err(Refusal::new(
                        Kind::Unauthorized,
                        Code::SessionRevoked,
                        "登录已失效（已退出，或账号的角色、密码已更改，或账号已停用），请重新登录",
                    )
                    .into());
                };
                if !allowed.contains(&role) {
                    return Err(
                        Refusal::forbidden(Code::WrongRole, format!("“{}”角色无权进行此操作", role.name_zh())).into()
                    );
                }
                Ok(StaffSession { user, role, batches: account.batches, rooms: account.rooms })
            }
            Some(Session::Seat { .. }) => {
                Err(Refusal::forbidden(Code::SeatTokenAtStaff, "考生的登录不能用于工作人员功能").into())
            }
            None => Err(Refusal::unauthorized().into()),
        }
    }

    /// Ends a staff session (logout).
    pub async fn staff_logout(&self, token: &str) -> Result<()> {
        let hash = token_hash(token);
        if let Some(Session::Staff { user, .. }) = self.store.session(&hash)? {
            self.store.remove_session(&hash)?;
            self.event(&Actor::Staff(user), EventKind::Logout, None, None, serde_json::json!({}))?;
            self.commit().await?;
        }
        Ok(())
    }

    /// Forgets sessions that can no longer be used: expired or revoked
    /// staff sessions, seat sessions replaced by a newer login, ended by
    /// hand-in or past the exam day. Returns how many.
    pub fn purge_sessions(&self) -> Result<usize> {
        let now = self.now();
        let mut gone = Vec::new();
        for (hash, session) in self.store.sessions()? {
            let live = match &session {
                Session::Staff { user, role, expires, epoch } => {
                    *expires >= now
                        && self.store.staff(user)?.is_some_and(|a| !a.disabled && a.epoch == *epoch && a.role == *role)
                }
                Session::Seat { batch, ticket, issued } => {
                    let seat = self.store.seat(batch, ticket)?;
                    !crate::staff::seat_session_expired(*issued, now)
                        && seat.is_some_and(|s| s.session.as_deref() == Some(hash.as_str()) && s.submitted_at.is_none())
                }
            };
            if !live {
                gone.push(hash);
            }
        }
        for hash in &gone {
            self.store.remove_session(hash)?;
        }
        Ok(gone.len())
    }

    /// Refuses a login held back by earlier failures (see [`crate::throttle`]).
    pub(super) fn login_allowed(
        &self,
        kind: crate::throttle::Credential,
        credential: &str,
        address: IpAddr,
    ) -> Result<()> {
        let throttle = self.throttle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        throttle.check(kind, credential, address, self.now()).map_err(|held| {
            let message = match held {
                Held::Credential(ms) => {
                    format!("登录失败次数过多，请 {} 秒后再试，或请监考员解除锁定", (ms + 999) / 1000)
                }
                Held::Address(ms) => {
                    format!("本机所在网络登录失败次数过多，请 {} 分钟后再试，或请监考员协助", (ms + 59_999) / 60_000)
                }
            };
            Refusal::new(Kind::TooMany, Code::LoginTooMany, message).into()
        })
    }

    /// Records a login's outcome.
    pub(super) fn login_outcome(&self, kind: crate::throttle::Credential, credential: &str, address: IpAddr, ok: bool) {
        let mut throttle = self.throttle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if ok {
            throttle.succeeded(kind, credential, address);
        } else if let Some(lock) = throttle.failed(kind, credential, address, self.now()) {
            tracing::warn!(%address, lock_seconds = lock / 1000, "login locked after repeated failures");
        }
    }

    /// A seat's failed logins and how long its longest lock still runs (ms).
    pub fn login_lock(&self, ticket: &str) -> (u32, i64) {
        let throttle = self.throttle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        throttle.state(crate::throttle::Credential::Ticket, ticket, self.now())
    }

    /// After a restart: seats whose clock was running are paused with the
    /// time up to the last heartbeat charged, so an outage costs nobody exam
    /// time. Returns how many were paused.
    pub fn recover_after_restart(&self) -> Result<usize> {
        let last_alive = self.store.last_alive()?.unwrap_or_else(|| self.now());
        let mut paused = 0;
        for batch in self.batches() {
            for seat in self.store.seats(&batch.batch.id)? {
                if seat.running_since.is_some() {
                    self.apply(&batch, &seat, &Action::Recover { last_alive }, &Actor::System)?;
                    paused += 1;
                }
            }
        }
        let gone = self.purge_sessions()?;
        if gone > 0 {
            tracing::info!(gone, "ended sessions forgotten at start");
        }
        self.store.flush()?;
        Ok(paused)
    }

    /// One second of background work: the heartbeat, a checkpoint of the
    /// chain head every `checkpoint_every` ticks, and hand-in of seats whose
    /// time is up. Errors are logged, never dropped.
    pub async fn tick(&self, n: u64, checkpoint_every: u64) {
        if let Err(e) = self.store.put_last_alive(self.now()) {
            tracing::error!(error = %e, "timer: cannot record the heartbeat");
        }
        if n % 3600 == 0 {
            match self.purge_sessions() {
                Ok(0) => {}
                Ok(gone) => tracing::info!(gone, "ended sessions forgotten"),
                Err(e) => tracing::error!(error = %e, "timer: cannot purge sessions"),
            }
        }
        if n % 3600 == 1 {
            // Biometric data past its retention (at start, then hourly).
            if let Err(e) = self.delete_expired_faces().await {
                tracing::error!(error = %e, "timer: cannot delete expired photos and captures");
            }
        }
        if checkpoint_every > 0 && n % checkpoint_every == 0 {
            // A checkpoint of the chain head a minute, for outsiders to hold.
            if let Err(e) = self.take_checkpoint() {
                tracing::error!(error = %e, "timer: cannot take a checkpoint");
            }
        }
        for batch in self.batches() {
            let id = &batch.batch.id;
            let seats = match self.store.seats(id) {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(batch = %id, error = %e, "timer: cannot read the seats");
                    continue;
                }
            };
            for seat in seats.into_iter().filter(|s| s.time_is_up(self.now())) {
                if let Err(e) = self.expire(&batch, &seat.ticket).await {
                    tracing::error!(batch = %id, ticket = %seat.ticket, error = %e, "timer: cannot hand in at time-out");
                }
            }
        }
    }

    async fn expire(&self, batch: &LoadedBatch, ticket: &str) -> Result<()> {
        let guard = self.lock_seat(&batch.batch.id, ticket).await;
        let fresh = self.seat(&batch.batch.id, ticket)?;
        if fresh.time_is_up(self.now()) {
            self.apply(batch, &fresh, &Action::Expire, &Actor::Timer)?;
        }
        drop(guard);
        self.commit().await
    }

    /// Runs [`Exam::tick`] every second, a checkpoint every minute, until the runtime stops.
    pub async fn run_timer(self: Arc<Self>) {
        let pending = self.pending_face_checks();
        if !pending.is_empty() {
            let exam = self.clone();
            tokio::spawn(async move {
                for (batch, ticket, n, why) in pending {
                    if let Err(e) = exam.finish_face_check(&batch, &ticket, n, &why).await {
                        tracing::error!(%batch, %ticket, error = %e, "cannot match a capture left from before the restart");
                    }
                }
            });
        }
        let mut every = tokio::time::interval(Duration::from_secs(1));
        let mut n: u64 = 0;
        loop {
            every.tick().await;
            n += 1;
            self.tick(n, 60).await;
        }
    }
}
