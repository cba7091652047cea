//! Group commit with a real barrier. sled's own flush writes its log with
//! `sync_file_range`, which neither empties the drive's write cache nor makes
//! the file's new length durable, and it writes large values as blob files
//! with no sync at all (sled issue #1452). So a commit here is: sled's flush,
//! then `fdatasync` of sled's log file, then `fsync` of every blob file
//! written since the last commit and of the blob directory. A waiter is
//! released only by a barrier that started after its writes; everyone
//! waiting when a barrier starts shares it; a caller with nothing written
//! since the last barrier does not wait at all.

use super::error::StoreError;
use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use tokio::sync::oneshot;

type Waiter = oneshot::Sender<Result<(), String>>;

/// Values at least this long may become sled blob files (sled's own
/// threshold is a quarter segment, 128 KiB by default: this errs low).
pub(super) const BLOB_CANDIDATE: usize = 8 * 1024;

/// Counts writes and barriers; shared by every clone of the store.
#[derive(Debug, Default)]
pub(super) struct Progress {
    written: AtomicU64,
    durable: AtomicU64,
    large: AtomicBool,
    barriers: AtomicU64,
    waiters: AtomicU64,
}

impl Progress {
    /// Called after every write reaches sled; `len` is the value's length.
    pub(super) fn wrote(&self, len: usize) {
        if len >= BLOB_CANDIDATE {
            self.large.store(true, Ordering::SeqCst);
        }
        self.written.fetch_add(1, Ordering::SeqCst);
    }

    fn is_durable(&self) -> bool {
        self.durable.load(Ordering::SeqCst) >= self.written.load(Ordering::SeqCst)
    }

    /// Barriers taken and waiters released so far (for load reports).
    pub(super) fn counts(&self) -> (u64, u64) {
        (self.barriers.load(Ordering::SeqCst), self.waiters.load(Ordering::SeqCst))
    }
}

/// The files a barrier makes durable.
#[derive(Debug)]
pub(super) struct Barrier {
    db: sled::Db,
    dir: PathBuf,
    log: File,
    synced_blobs: HashSet<OsString>,
}

fn io(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Flush(format!("{what} {}: {e}", path.display()))
}

impl Barrier {
    /// The barrier over the sled database in `dir` (the `db` directory).
    pub(super) fn new(db: sled::Db, dir: &Path) -> Result<Barrier, StoreError> {
        let log_path = dir.join("db");
        let log = File::open(&log_path).map_err(|e| io("cannot open", &log_path, e))?;
        // The directory entries of the store's files, made durable once.
        for d in [dir, dir.parent().unwrap_or(dir)] {
            sync_dir(d)?;
        }
        let mut b = Barrier { db, dir: dir.to_path_buf(), log, synced_blobs: HashSet::new() };
        b.sync_blobs()?;
        Ok(b)
    }

    /// sled's flush, then `fdatasync` of its log, then the new blob files.
    pub(super) fn run(&mut self, large: bool) -> Result<(), StoreError> {
        self.db.flush()?;
        self.log.sync_data().map_err(|e| io("fdatasync", &self.dir.join("db"), e))?;
        if large {
            self.sync_blobs()?;
        }
        Ok(())
    }

    fn sync_blobs(&mut self) -> Result<(), StoreError> {
        let blobs = self.dir.join("blobs");
        let Ok(entries) = std::fs::read_dir(&blobs) else { return Ok(()) };
        let mut new = false;
        for entry in entries.flatten() {
            let name = entry.file_name();
            if self.synced_blobs.contains(&name) {
                continue;
            }
            let path = entry.path();
            File::open(&path).and_then(|f| f.sync_all()).map_err(|e| io("fsync", &path, e))?;
            self.synced_blobs.insert(name);
            new = true;
        }
        if new {
            sync_dir(&blobs)?;
        }
        Ok(())
    }
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| io("fsync", dir, e))
}

/// The committer's queue; the barriers run on a thread of their own, never
/// on the async workers.
#[derive(Clone, Debug)]
pub(super) struct Committer {
    tx: mpsc::Sender<Waiter>,
}

impl Committer {
    /// Starts the committer thread.
    pub(super) fn start(barrier: Arc<Mutex<Barrier>>, progress: Arc<Progress>) -> Committer {
        let (tx, rx) = mpsc::channel::<Waiter>();
        let spawned = std::thread::Builder::new().name("kaoshi-commit".into()).spawn(move || {
            while let Ok(first) = rx.recv() {
                // Everyone waiting now wrote before this barrier starts: one barrier covers them all.
                let mut waiters = vec![first];
                waiters.extend(rx.try_iter());
                let mark = progress.written.load(Ordering::SeqCst);
                let large = progress.large.swap(false, Ordering::SeqCst);
                let result = barrier
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .run(large)
                    .map_err(|e| e.to_string());
                match &result {
                    Ok(()) => {
                        progress.durable.fetch_max(mark, Ordering::SeqCst);
                        progress.barriers.fetch_add(1, Ordering::SeqCst);
                        progress.waiters.fetch_add(waiters.len() as u64, Ordering::SeqCst);
                    }
                    Err(e) => {
                        if large {
                            progress.large.store(true, Ordering::SeqCst);
                        }
                        tracing::error!(error = %e, waiters = waiters.len(), "group commit: the barrier failed");
                    }
                }
                for w in waiters {
                    let _ = w.send(result.clone());
                }
            }
            tracing::debug!("group commit: the queue closed, the committer stops");
        });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the committer thread: commits will fail");
        }
        Committer { tx }
    }

    /// Waits for a barrier that started after this call.
    pub(super) async fn wait(&self, progress: &Progress) -> Result<(), StoreError> {
        if progress.is_durable() {
            return Ok(());
        }
        let (done, wait) = oneshot::channel();
        self.tx.send(done).map_err(|_| StoreError::CommitStopped)?;
        wait.await.map_err(|_| StoreError::CommitStopped)?.map_err(StoreError::Flush)
    }
}
