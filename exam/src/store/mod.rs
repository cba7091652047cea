//! Storage: sled 0.34.7 behind this one module, the only one that names a
//! tree or builds a key. Records are JSON (readable with any sled tool, and
//! the layout every existing data directory has). sled's `flush` is the only
//! durability point: [`Store::commit`] waits for a flush that started after
//! the caller's writes, many waiters sharing one flush (group commit).

mod commit;
pub mod error;
pub mod face;
mod keys;
pub mod personal;

pub use error::StoreError;
use personal::PersonalKey;

use crate::answers::SavedAnswer;
use crate::batch::Batch;
use crate::events::Checkpoint;
use crate::marking::MarkingRecord;
use crate::metrics::Registration;
use crate::results::Publication;
use crate::seat::SeatRecord;
use crate::staff::{Session, Staff};
use commit::{Barrier, Committer, Progress};
use kaoshi_engine::assemble::Paper;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

type Result<T> = std::result::Result<T, StoreError>;

struct Trees {
    batches: sled::Tree,
    banks: sled::Tree,
    seats: sled::Tree,
    papers: sled::Tree,
    answers: sled::Tree,
    sessions: sled::Tree,
    staff: sled::Tree,
    events: sled::Tree,
    marking: sled::Tree,
    codes: sled::Tree,
    meta: sled::Tree,
}

/// The embedded database, with typed operations.
#[derive(Clone)]
pub struct Store {
    trees: Arc<Trees>,
    progress: Arc<Progress>,
    barrier: Arc<Mutex<Barrier>>,
    committer: Option<Committer>,
    /// The data key of identity numbers, once the organisation's key was given.
    personal: Arc<OnceLock<PersonalKey>>,
    /// Whether identity numbers are encrypted here (a wrapped key is stored).
    encrypted: Arc<AtomicBool>,
    /// The data directory (its settings and calendar files sit beside the store).
    dir: Arc<std::path::PathBuf>,
}

fn decode<T: DeserializeOwned>(tree: &'static str, key: &[u8], bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        tree,
        key: String::from_utf8_lossy(key).into_owned(),
        detail: e.to_string(),
    })
}

impl Store {
    /// Opens (or creates) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir { dir: dir.to_path_buf(), source })?;
        private_dir(dir).map_err(|source| StoreError::Dir { dir: dir.to_path_buf(), source })?;
        // A store closed a moment ago may still be releasing its file lock
        // (sled's flusher thread lets go of it last): wait for it briefly
        // before saying another process holds it.
        let mut attempts = 0;
        let db = loop {
            match sled::Config::new().path(dir.join("db")).open() {
                Ok(db) => break db,
                Err(e) if attempts < 40 && e.to_string().contains("could not acquire lock") => {
                    attempts += 1;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(source) => return Err(StoreError::Open { dir: dir.to_path_buf(), source }),
            }
        };
        let tree = |name: &str| db.open_tree(name);
        let trees = Trees {
            batches: tree("batches")?,
            banks: tree("banks")?,
            seats: tree("seats")?,
            papers: tree("papers")?,
            answers: tree("answers")?,
            sessions: tree("sessions")?,
            staff: tree("staff")?,
            events: tree("events")?,
            marking: tree("marking")?,
            codes: tree("codes")?,
            meta: tree("meta")?,
        };
        let barrier = Arc::new(Mutex::new(Barrier::new(db.clone(), &dir.join("db"))?));
        let encrypted = Arc::new(AtomicBool::new(trees.meta.contains_key(keys::PERSONAL_KEY)?));
        Ok(Store {
            trees: Arc::new(trees),
            progress: Arc::default(),
            barrier,
            committer: None,
            personal: Arc::default(),
            encrypted,
            dir: Arc::new(dir.to_path_buf()),
        })
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Opens the personal data with the organisation's key (the banks'): the
    /// stored data key is unwrapped, or on first use made and wrapped, and
    /// every identity number still in plaintext is encrypted. Returns how
    /// many were; the caller commits.
    pub fn unlock_personal(&self, unlock: &kaoshi_engine::seal::Unlock<'_>) -> Result<usize> {
        if self.personal.get().is_some() {
            return Ok(0);
        }
        let key = match self.get::<kaoshi_engine::seal::KeySlot>(&self.trees.meta, "meta", keys::PERSONAL_KEY)? {
            Some(slot) => PersonalKey::unwrap(&slot, unlock)?,
            None => {
                let key = PersonalKey::generate();
                self.put(&self.trees.meta, keys::PERSONAL_KEY, &key.wrap(unlock)?)?;
                self.encrypted.store(true, Ordering::SeqCst);
                key
            }
        };
        let _ = self.personal.set(key);
        let mut encrypted = 0;
        for batch in self.batches()? {
            let raw: Vec<(Vec<u8>, SeatRecord)> =
                self.scan(&self.trees.seats, "seats", &keys::batch_prefix(&batch.id))?;
            for (_, seat) in raw {
                if !seat.id_number.is_empty() && !personal::is_sealed(&seat.id_number) {
                    self.put_seat(&batch.id, &seat)?;
                    encrypted += 1;
                }
            }
        }
        Ok(encrypted)
    }

    /// A seat as read, with its identity number decrypted.
    fn open_seat(&self, batch: &str, mut seat: SeatRecord) -> Result<SeatRecord> {
        if personal::is_sealed(&seat.id_number) {
            let key = self.personal.get().ok_or_else(|| {
                StoreError::Personal(
                    "identity numbers in this data directory are encrypted: give the organisation's --key-file or --passphrase-env".into(),
                )
            })?;
            seat.id_number = key.open(batch, &seat.ticket, &seat.id_number)?;
        }
        Ok(seat)
    }

    /// Starts the group-commit thread (the server; the command line flushes in place).
    pub fn start_committer(&mut self) {
        self.committer = Some(Committer::start(self.barrier.clone(), self.progress.clone()));
    }

    /// Returns once every write made before the call is on stable storage:
    /// after a barrier (sled's flush, `fdatasync` of its log, `fsync` of new
    /// blob files) that started after those writes. With no committer
    /// (command-line use) it takes the barrier in place.
    pub async fn commit(&self) -> Result<()> {
        match &self.committer {
            Some(c) => c.wait(&self.progress).await,
            None => self.flush(),
        }
    }

    /// Takes the barrier synchronously (command-line use and shutdown).
    pub fn flush(&self) -> Result<()> {
        self.barrier.lock().unwrap_or_else(std::sync::PoisonError::into_inner).run(true)
    }

    /// Barriers taken and waiters they released since the store opened.
    pub fn commit_counts(&self) -> (u64, u64) {
        self.progress.counts()
    }

    fn get<T: DeserializeOwned>(&self, tree: &sled::Tree, name: &'static str, key: &[u8]) -> Result<Option<T>> {
        tree.get(key)?.map(|v| decode(name, key, &v)).transpose()
    }

    fn put<T: Serialize>(&self, tree: &sled::Tree, key: &[u8], value: &T) -> Result<()> {
        let bytes = serde_json::to_vec(value)?;
        let len = bytes.len();
        tree.insert(key, bytes)?;
        self.progress.wrote(len);
        Ok(())
    }

    fn remove(&self, tree: &sled::Tree, key: &[u8]) -> Result<()> {
        tree.remove(key)?;
        self.progress.wrote(0);
        Ok(())
    }

    fn scan<T: DeserializeOwned>(
        &self,
        tree: &sled::Tree,
        name: &'static str,
        prefix: &[u8],
    ) -> Result<Vec<(Vec<u8>, T)>> {
        tree.scan_prefix(prefix)
            .map(|entry| {
                let (k, v) = entry?;
                Ok((k.to_vec(), decode(name, &k, &v)?))
            })
            .collect()
    }

    // Batches and their sealed banks.

    /// A batch plan.
    pub fn batch(&self, id: &str) -> Result<Option<Batch>> {
        self.get(&self.trees.batches, "batches", id.as_bytes())
    }

    /// Every batch plan, by id.
    pub fn batches(&self) -> Result<Vec<Batch>> {
        Ok(self.scan(&self.trees.batches, "batches", b"")?.into_iter().map(|(_, b)| b).collect())
    }

    /// Stores a batch plan.
    pub fn put_batch(&self, batch: &Batch) -> Result<()> {
        self.put(&self.trees.batches, batch.id.as_bytes(), batch)
    }

    /// The content hashes of every stored sealed bank.
    pub fn bank_hashes(&self) -> Result<Vec<String>> {
        self.trees.banks.iter().keys().map(|k| Ok(String::from_utf8_lossy(&k?).into_owned())).collect()
    }

    /// A sealed bank file (still encrypted) by content hash.
    pub fn sealed_bank(&self, hash: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.trees.banks.get(hash.as_bytes())?.map(|v| v.to_vec()))
    }

    /// Stores a sealed bank file under its content hash.
    pub fn put_sealed_bank(&self, hash: &str, sealed: &[u8]) -> Result<()> {
        self.trees.banks.insert(hash.as_bytes(), sealed)?;
        self.progress.wrote(sealed.len());
        Ok(())
    }

    // Seats, papers and answers.

    /// A seat.
    pub fn seat(&self, batch: &str, ticket: &str) -> Result<Option<SeatRecord>> {
        self.get(&self.trees.seats, "seats", &keys::seat(batch, ticket))?.map(|s| self.open_seat(batch, s)).transpose()
    }

    /// Every seat of a batch, by ticket.
    pub fn seats(&self, batch: &str) -> Result<Vec<SeatRecord>> {
        self.scan(&self.trees.seats, "seats", &keys::batch_prefix(batch))?
            .into_iter()
            .map(|(_, s)| self.open_seat(batch, s))
            .collect()
    }

    /// Stores a seat, its identity number encrypted where the store is.
    pub fn put_seat(&self, batch: &str, seat: &SeatRecord) -> Result<()> {
        let key = keys::seat(batch, &seat.ticket);
        match self.personal.get() {
            Some(k) if !seat.id_number.is_empty() && !personal::is_sealed(&seat.id_number) => {
                let mut stored = seat.clone();
                stored.id_number = k.seal(batch, &seat.ticket, &seat.id_number);
                self.put(&self.trees.seats, &key, &stored)
            }
            None if self.encrypted.load(Ordering::SeqCst) && !personal::is_sealed(&seat.id_number) => {
                Err(StoreError::Personal(format!(
                    "seat {} of batch {batch}: identity numbers in this data directory are encrypted and the organisation's key was not given",
                    seat.ticket
                )))
            }
            _ => self.put(&self.trees.seats, &key, seat),
        }
    }

    /// Removes a seat (a withdrawal before the start).
    pub fn remove_seat(&self, batch: &str, ticket: &str) -> Result<()> {
        self.remove(&self.trees.seats, &keys::seat(batch, ticket))
    }

    /// Every paper of a batch, by index.
    pub fn papers(&self, batch: &str) -> Result<Vec<Paper>> {
        Ok(self.scan(&self.trees.papers, "papers", &keys::batch_prefix(batch))?.into_iter().map(|(_, p)| p).collect())
    }

    /// Stores a paper.
    pub fn put_paper(&self, batch: &str, paper: &Paper) -> Result<()> {
        self.put(&self.trees.papers, &keys::paper(batch, paper.index), paper)
    }

    /// The saved answer at one position.
    pub fn answer(&self, batch: &str, ticket: &str, pos: usize) -> Result<Option<SavedAnswer>> {
        self.get(&self.trees.answers, "answers", &keys::position(batch, ticket, pos))
    }

    /// Stores a saved answer.
    pub fn put_answer(&self, batch: &str, ticket: &str, pos: usize, answer: &SavedAnswer) -> Result<()> {
        self.put(&self.trees.answers, &keys::position(batch, ticket, pos), answer)
    }

    /// A seat's saved answers, by position.
    pub fn answers_of(&self, batch: &str, ticket: &str) -> Result<Vec<(usize, SavedAnswer)>> {
        self.scan(&self.trees.answers, "answers", &keys::seat_prefix(batch, ticket))?
            .into_iter()
            .filter_map(|(k, a)| keys::parse_position(&k).map(|(_, pos)| Ok((pos, a))))
            .collect()
    }

    /// Every saved answer of a batch: (ticket, position, answer), in key order.
    pub fn answers(&self, batch: &str) -> Result<Vec<(String, usize, SavedAnswer)>> {
        self.scan(&self.trees.answers, "answers", &keys::batch_prefix(batch))?
            .into_iter()
            .filter_map(|(k, a)| keys::parse_position(&k).map(|(ticket, pos)| Ok((ticket, pos, a))))
            .collect()
    }

    // Sessions and staff.

    /// A session by token hash.
    pub fn session(&self, hash: &str) -> Result<Option<Session>> {
        self.get(&self.trees.sessions, "sessions", hash.as_bytes())
    }

    /// Stores a session under its token hash.
    pub fn put_session(&self, hash: &str, session: &Session) -> Result<()> {
        self.put(&self.trees.sessions, hash.as_bytes(), session)
    }

    /// Every session, by token hash.
    pub fn sessions(&self) -> Result<Vec<(String, Session)>> {
        Ok(self
            .scan(&self.trees.sessions, "sessions", b"")?
            .into_iter()
            .map(|(k, s)| (String::from_utf8_lossy(&k).into_owned(), s))
            .collect())
    }

    /// Ends a session.
    pub fn remove_session(&self, hash: &str) -> Result<()> {
        self.remove(&self.trees.sessions, hash.as_bytes())
    }

    /// A staff account.
    pub fn staff(&self, user: &str) -> Result<Option<Staff>> {
        self.get(&self.trees.staff, "staff", user.as_bytes())
    }

    /// Every staff account, by user name.
    pub fn all_staff(&self) -> Result<Vec<Staff>> {
        Ok(self.scan(&self.trees.staff, "staff", b"")?.into_iter().map(|(_, s)| s).collect())
    }

    /// Stores a staff account.
    pub fn put_staff(&self, staff: &Staff) -> Result<()> {
        self.put(&self.trees.staff, staff.user.as_bytes(), staff)
    }

    // Marking.

    /// Every marking record of a batch, in key order (ticket, position).
    pub fn markings(&self, batch: &str) -> Result<Vec<MarkingRecord>> {
        Ok(self.scan(&self.trees.marking, "marking", &keys::batch_prefix(batch))?.into_iter().map(|(_, r)| r).collect())
    }

    /// One marking record.
    pub fn marking(&self, batch: &str, ticket: &str, pos: usize) -> Result<Option<MarkingRecord>> {
        self.get(&self.trees.marking, "marking", &keys::position(batch, ticket, pos))
    }

    /// Stores a marking record (under its candidate and position).
    pub fn put_marking(&self, batch: &str, record: &MarkingRecord) -> Result<()> {
        self.put(&self.trees.marking, &keys::position(batch, &record.ticket, record.pos), record)
    }

    /// The response (ticket, position) an anonymous code names in a batch.
    pub fn code_holder(&self, batch: &str, code: &str) -> Result<Option<(String, usize)>> {
        self.get(&self.trees.codes, "codes", &keys::code(batch, code))
    }

    /// Records which response an anonymous code names.
    pub fn put_code(&self, batch: &str, code: &str, ticket: &str, pos: usize) -> Result<()> {
        self.put(&self.trees.codes, &keys::code(batch, code), &(ticket, pos))
    }

    // Facts kept in the meta tree.

    /// A batch's publication.
    pub fn publication(&self, batch: &str) -> Result<Option<Publication>> {
        self.get(&self.trees.meta, "meta", &keys::publication(batch))
    }

    /// Stores a batch's publication.
    pub fn put_publication(&self, batch: &str, p: &Publication) -> Result<()> {
        self.put(&self.trees.meta, &keys::publication(batch), p)
    }

    /// A batch's supervision records (督导记录), numbered.
    pub fn findings(&self, batch: &str) -> Result<Vec<crate::supervision::Finding>> {
        Ok(self.get(&self.trees.meta, "meta", &keys::supervision(batch))?.unwrap_or_default())
    }

    /// Stores a batch's supervision records.
    pub fn put_findings(&self, batch: &str, findings: &[crate::supervision::Finding]) -> Result<()> {
        self.put(&self.trees.meta, &keys::supervision(batch), &findings)
    }

    /// Certificates of a batch uploaded to the national platform so far.
    pub fn uploads(&self, batch: &str) -> Result<u64> {
        Ok(self.get(&self.trees.meta, "meta", &keys::uploads(batch))?.unwrap_or(0))
    }

    /// Stores the upload count of a batch.
    pub fn put_uploads(&self, batch: &str, total: u64) -> Result<()> {
        self.put(&self.trees.meta, &keys::uploads(batch), &total)
    }

    /// The occupations and levels the organisation is registered for.
    pub fn registrations(&self) -> Result<Vec<Registration>> {
        Ok(self.get(&self.trees.meta, "meta", keys::REGISTRATIONS)?.unwrap_or_default())
    }

    /// Stores the registrations.
    pub fn put_registrations(&self, list: &[Registration]) -> Result<()> {
        self.put(&self.trees.meta, keys::REGISTRATIONS, &list)
    }

    /// The server's last sign of life (Unix ms).
    pub fn last_alive(&self) -> Result<Option<i64>> {
        self.get(&self.trees.meta, "meta", keys::LAST_ALIVE)
    }

    /// Records the server's last sign of life.
    pub fn put_last_alive(&self, at: i64) -> Result<()> {
        self.put(&self.trees.meta, keys::LAST_ALIVE, &at)
    }

    /// The newest checkpoint of the event chain.
    pub fn last_checkpoint(&self) -> Result<Option<Checkpoint>> {
        self.get(&self.trees.meta, "meta", keys::CHECKPOINT_LAST)
    }

    /// Records a checkpoint (and makes it the newest).
    pub fn put_checkpoint(&self, c: &Checkpoint) -> Result<()> {
        self.put(&self.trees.meta, &keys::checkpoint(c.seq), c)?;
        self.put(&self.trees.meta, keys::CHECKPOINT_LAST, c)
    }

    /// Every checkpoint, oldest first.
    pub fn checkpoints(&self) -> Result<Vec<Checkpoint>> {
        Ok(self
            .scan::<Checkpoint>(&self.trees.meta, "meta", keys::CHECKPOINT_PREFIX)?
            .into_iter()
            .filter(|(k, _)| k.as_slice() != keys::CHECKPOINT_LAST)
            .map(|(_, c)| c)
            .collect())
    }

    // The event log, as raw records keyed by sequence number.

    /// Appends (or overwrites) the raw record `seq`.
    pub fn put_event_raw(&self, seq: u64, record: &[u8]) -> Result<()> {
        self.trees.events.insert(keys::event(seq), record)?;
        self.progress.wrote(record.len());
        Ok(())
    }

    /// Removes the raw record `seq` (tests of tamper detection only).
    pub fn remove_event_raw(&self, seq: u64) -> Result<()> {
        self.remove(&self.trees.events, &keys::event(seq))
    }

    /// The last raw event record.
    pub fn last_event_raw(&self) -> Result<Option<Vec<u8>>> {
        Ok(self.trees.events.last()?.map(|(_, v)| v.to_vec()))
    }

    /// Every raw event record with the sequence number it is stored under.
    pub fn events_raw(&self) -> Result<Vec<(u64, Vec<u8>)>> {
        self.trees
            .events
            .iter()
            .map(|entry| {
                let (k, v) = entry?;
                let seq = keys::parse_event(&k).ok_or_else(|| StoreError::Corrupt {
                    tree: "events",
                    key: hex::encode(&k),
                    detail: format!("an event key of {} bytes", k.len()),
                })?;
                Ok((seq, v.to_vec()))
            })
            .collect()
    }
}

/// The data directory holds names, identity numbers and answers: only its
/// owner may enter it (a directory made by an older kaoshi is tightened too).
fn private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
        if mode != 0o700 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}
