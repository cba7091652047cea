//! Storage: sled 0.34.7 behind this one module. sled's `flush` is the only
//! durability point; [`Store::durable`] waits for a flush that started after
//! the caller's writes, and many waiters share one flush (group commit).

use anyhow::{Context, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::Path;
use tokio::sync::{mpsc, oneshot};

/// Named trees of the store.
pub mod tree {
    /// Batch plans: `id` → `Batch`.
    pub const BATCHES: &str = "batches";
    /// Sealed bank files by content hash (still encrypted).
    pub const BANKS: &str = "banks";
    /// Seat records: `batch/ticket` → `SeatRecord`.
    pub const SEATS: &str = "seats";
    /// Papers: `batch/index` → `Paper`.
    pub const PAPERS: &str = "papers";
    /// Answers: `batch/ticket/pos` → `SavedAnswer`.
    pub const ANSWERS: &str = "answers";
    /// Sessions: token → `Session`.
    pub const SESSIONS: &str = "sessions";
    /// Staff accounts: user → `Staff`.
    pub const STAFF: &str = "staff";
    /// The event log: big-endian sequence number → `Event`.
    pub const EVENTS: &str = "events";
    /// Marking of short answers: `batch/ticket/pos` → `MarkingRecord`.
    pub const MARKING: &str = "marking";
    /// Small facts such as the last heartbeat.
    pub const META: &str = "meta";
}

type Waiter = oneshot::Sender<Result<(), String>>;

/// The embedded database.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    commits: Option<mpsc::UnboundedSender<Waiter>>,
}

impl Store {
    /// Opens (or creates) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create data directory {}", dir.display()))?;
        let db = sled::Config::new()
            .path(dir.join("db"))
            .open()
            .with_context(|| format!("cannot open the store in {} (is another kaoshi using it?)", dir.display()))?;
        Ok(Store { db, commits: None })
    }

    /// Starts the group-commit task; call once inside the server's runtime.
    pub fn start_committer(&mut self) {
        let (tx, mut rx) = mpsc::unbounded_channel::<Waiter>();
        let db = self.db.clone();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                // Everyone waiting now wrote before this flush starts: one flush covers them all.
                let mut waiters = vec![first];
                while let Ok(w) = rx.try_recv() {
                    waiters.push(w);
                }
                let result = db.flush_async().await.map(|_| ()).map_err(|e| e.to_string());
                for w in waiters {
                    let _ = w.send(result.clone());
                }
            }
        });
        self.commits = Some(tx);
    }

    /// Returns once every write made before the call is on disk.
    pub async fn durable(&self) -> Result<()> {
        match &self.commits {
            Some(tx) => {
                let (done, wait) = oneshot::channel();
                tx.send(done).map_err(|_| anyhow::anyhow!("the commit task has stopped"))?;
                wait.await
                    .map_err(|_| anyhow::anyhow!("the commit task has stopped"))?
                    .map_err(|e| anyhow::anyhow!("flush failed: {e}"))
            }
            None => self.flush(),
        }
    }

    /// Flushes synchronously (command-line use).
    pub fn flush(&self) -> Result<()> {
        self.db.flush().context("flush failed")?;
        Ok(())
    }

    fn tree(&self, name: &str) -> Result<sled::Tree> {
        self.db.open_tree(name).with_context(|| format!("cannot open tree {name}"))
    }

    /// Reads a JSON value.
    pub fn get<T: DeserializeOwned>(&self, tree: &str, key: &str) -> Result<Option<T>> {
        match self.tree(tree)?.get(key.as_bytes())? {
            Some(bytes) => {
                Ok(Some(serde_json::from_slice(&bytes).with_context(|| format!("corrupt record {tree}/{key}"))?))
            }
            None => Ok(None),
        }
    }

    /// Writes a JSON value (not yet durable: see [`Store::durable`]).
    pub fn put<T: Serialize>(&self, tree: &str, key: &str, value: &T) -> Result<()> {
        self.tree(tree)?.insert(key.as_bytes(), serde_json::to_vec(value)?)?;
        Ok(())
    }

    /// Writes raw bytes.
    pub fn put_raw(&self, tree: &str, key: &[u8], value: &[u8]) -> Result<()> {
        self.tree(tree)?.insert(key, value)?;
        Ok(())
    }

    /// Reads raw bytes.
    pub fn get_raw(&self, tree: &str, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.tree(tree)?.get(key)?.map(|v| v.to_vec()))
    }

    /// Removes a raw key.
    pub fn remove_raw(&self, tree: &str, key: &[u8]) -> Result<()> {
        self.tree(tree)?.remove(key)?;
        Ok(())
    }

    /// Removes a key.
    pub fn remove(&self, tree: &str, key: &str) -> Result<()> {
        self.tree(tree)?.remove(key.as_bytes())?;
        Ok(())
    }

    /// All JSON values whose key starts with `prefix`, in key order.
    pub fn scan<T: DeserializeOwned>(&self, tree: &str, prefix: &str) -> Result<Vec<(String, T)>> {
        let mut out = Vec::new();
        for entry in self.tree(tree)?.scan_prefix(prefix.as_bytes()) {
            let (k, v) = entry?;
            let key = String::from_utf8_lossy(&k).into_owned();
            let value = serde_json::from_slice(&v).with_context(|| format!("corrupt record {tree}/{key}"))?;
            out.push((key, value));
        }
        Ok(out)
    }

    /// All raw entries of a tree, in key order.
    pub fn scan_raw(&self, tree: &str) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut out = Vec::new();
        for entry in self.tree(tree)?.iter() {
            let (k, v) = entry?;
            out.push((k.to_vec(), v.to_vec()));
        }
        Ok(out)
    }

    /// The last raw entry of a tree.
    pub fn last_raw(&self, tree: &str) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        Ok(self.tree(tree)?.last()?.map(|(k, v)| (k.to_vec(), v.to_vec())))
    }
}
