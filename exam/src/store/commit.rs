//! Group commit: many writers wait for one flush. A waiter is released only
//! by a flush that started after its writes; a caller with nothing written
//! since the last flush is not made to wait at all.

use super::error::StoreError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

type Waiter = oneshot::Sender<Result<(), String>>;

/// Counts writes and flushes; shared by every clone of the store.
#[derive(Debug, Default)]
pub(super) struct Progress {
    written: AtomicU64,
    durable: AtomicU64,
}

impl Progress {
    /// Called after every write reaches sled.
    pub(super) fn wrote(&self) {
        self.written.fetch_add(1, Ordering::SeqCst);
    }

    fn is_durable(&self) -> bool {
        self.durable.load(Ordering::SeqCst) >= self.written.load(Ordering::SeqCst)
    }
}

/// The committer's queue.
#[derive(Clone, Debug)]
pub(super) struct Committer {
    tx: mpsc::UnboundedSender<Waiter>,
}

impl Committer {
    /// Starts the committer task on the current tokio runtime.
    pub(super) fn start(db: sled::Db, progress: Arc<Progress>) -> Committer {
        let (tx, mut rx) = mpsc::unbounded_channel::<Waiter>();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                // Everyone waiting now wrote before this flush starts: one flush covers them all.
                let mut waiters = vec![first];
                while let Ok(w) = rx.try_recv() {
                    waiters.push(w);
                }
                let mark = progress.written.load(Ordering::SeqCst);
                let result = db.flush_async().await.map(|_| ()).map_err(|e| e.to_string());
                match &result {
                    Ok(()) => {
                        progress.durable.fetch_max(mark, Ordering::SeqCst);
                    }
                    Err(e) => tracing::error!(error = %e, waiters = waiters.len(), "group commit: flush failed"),
                }
                for w in waiters {
                    let _ = w.send(result.clone());
                }
            }
            tracing::warn!("group commit: the queue closed, the committer stops");
        });
        Committer { tx }
    }

    /// Waits for a flush that started after this call.
    pub(super) async fn wait(&self, progress: &Progress) -> Result<(), StoreError> {
        if progress.is_durable() {
            return Ok(());
        }
        let (done, wait) = oneshot::channel();
        self.tx.send(done).map_err(|_| StoreError::CommitStopped)?;
        wait.await.map_err(|_| StoreError::CommitStopped)?.map_err(StoreError::Flush)
    }
}
