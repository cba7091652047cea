//! A witness of the event chain outside the store: every checkpoint is
//! appended (and fsynced) to a file the organisation points at another
//! disk, a share or a machine it does not administer, so that rewriting the
//! store's history cannot also rewrite what was witnessed.
//!
//! Each line is a checkpoint as JSON: `{"seq","hash","at"}`.

use crate::events::{Checkpoint, Event};
use std::collections::HashMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// An append-only checkpoint file.
#[derive(Debug)]
pub struct Witness {
    path: PathBuf,
    lock: Mutex<()>,
}

impl Witness {
    /// A witness appending to `path` (created if missing; its folder must exist).
    pub fn new(path: &Path) -> std::io::Result<Witness> {
        // Opened once now so that a wrong path is an error at start, not at the first checkpoint.
        OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Witness { path: path.to_path_buf(), lock: Mutex::new(()) })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a checkpoint and makes it durable.
    pub fn append(&self, c: &Checkpoint) -> std::io::Result<()> {
        let _one_at_a_time = self.lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut f = OpenOptions::new().create(true).append(true).open(&self.path)?;
        let line = serde_json::json!({"seq": c.seq, "hash": c.hash, "at": c.at}).to_string();
        f.write_all(format!("{line}\n").as_bytes())?;
        f.sync_data()
    }

    /// Every checkpoint in a witness file's text, with the line of any that
    /// does not read.
    pub fn read(text: &str) -> Result<Vec<Checkpoint>, String> {
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(n, l)| serde_json::from_str(l).map_err(|e| format!("line {}: not a checkpoint: {e}", n + 1)))
            .collect()
    }
}

/// The hashes of a chain's events by number, to check what was held
/// outside the store against it: an outside head, a witness file.
pub struct ChainHashes(HashMap<u64, String>);

impl ChainHashes {
    /// The hashes of the events of a chain given as stored records.
    pub fn of(chain: &[(u64, Vec<u8>)]) -> ChainHashes {
        ChainHashes(
            chain
                .iter()
                .filter_map(|(_, raw)| serde_json::from_slice::<Event>(raw).ok())
                .map(|e| (e.seq, e.hash))
                .collect(),
        )
    }

    /// A head hash held outside must be an event of the chain.
    pub fn holds_head(&self, head: &str) -> Result<(), String> {
        if self.0.values().any(|h| h == head) {
            return Ok(());
        }
        Err(format!("the chain does not contain the checkpoint {head}: the history it vouched for was rewritten"))
    }

    /// Every witnessed checkpoint must be the chain's event of that number;
    /// returns how many were.
    pub fn holds_witnessed(&self, checkpoints: &[Checkpoint]) -> Result<usize, String> {
        let last = self.0.keys().max().copied().unwrap_or(0);
        for c in checkpoints {
            match self.0.get(&c.seq) {
                Some(h) if *h == c.hash => {}
                Some(h) => {
                    return Err(format!(
                        "the witness holds event {} as {}, the chain has {h}: the history was rewritten",
                        c.seq, c.hash
                    ))
                }
                None => {
                    return Err(format!(
                        "the witness holds event {}, the chain ends at {last}: events were removed",
                        c.seq
                    ))
                }
            }
        }
        Ok(checkpoints.len())
    }
}
