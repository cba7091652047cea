//! The event log on a running server: verify the chain (and the witness
//! file against it), take and list checkpoints, the bank-use ledger.

use super::core::Exam;
use crate::error::Result;
use crate::events::{verify_chain, Checkpoint, Event, EventKind};
use crate::witness::{ChainHashes, Witness};
use serde::Serialize;

/// What a verification found.
#[derive(Debug, Clone, Serialize)]
pub struct LogCheck {
    /// Whether the chain and the witness hold.
    pub intact: bool,
    /// Records on the chain.
    pub records: u64,
    /// The head's hash.
    pub head: String,
    /// Checkpoints of the witness file found on the chain.
    pub witnessed: usize,
    /// The witness file, if any.
    pub witness: Option<String>,
    /// What is wrong, in the words of `kaoshi log verify`.
    pub problem: Option<String>,
}

impl Exam {
    /// Re-walks the chain and checks every checkpoint of the witness file
    /// against it, and `head` (a hash held outside) if given.
    pub fn verify_log(&self, head: Option<&str>) -> Result<LogCheck> {
        let chain = self.store.events_raw()?;
        let witness = self.witness_path().map(|p| p.display().to_string());
        let mut check =
            LogCheck { intact: true, records: 0, head: String::new(), witnessed: 0, witness, problem: None };
        match verify_chain(&chain) {
            Ok((seq, hash)) => (check.records, check.head) = (seq, hash),
            Err(b) => {
                check.intact = false;
                check.problem = Some(format!("event {}: {}", b.seq, b.reason));
                return Ok(check);
            }
        }
        let hashes = ChainHashes::of(&chain);
        if let Some(h) = head.map(str::trim).filter(|h| !h.is_empty()) {
            if let Err(problem) = hashes.holds_head(h) {
                (check.intact, check.problem) = (false, Some(problem));
                return Ok(check);
            }
        }
        let Some(path) = self.witness_path() else { return Ok(check) };
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let witnessed = Witness::read(&text).and_then(|list| hashes.holds_witnessed(&list));
        match witnessed {
            Ok(n) => check.witnessed = n,
            Err(e) => (check.intact, check.problem) = (false, Some(format!("{}: {e}", path.display()))),
        }
        Ok(check)
    }

    /// Every checkpoint taken, oldest first.
    pub fn checkpoints(&self) -> Result<Vec<Checkpoint>> {
        Ok(self.store.checkpoints()?)
    }

    /// The bank-use ledger (题库使用台账): every bank open, batch creation,
    /// export and publication.
    pub fn ledger(&self) -> Result<Vec<Event>> {
        Ok(self.log.all()?.into_iter().filter(|e| EventKind::LEDGER.contains(&e.kind)).collect())
    }
}
