//! Appending to the event log: one writer at a time holds the chain head.

use crate::events::{event_hash, genesis, Checkpoint, Event, EventKind};
use crate::store::{Store, StoreError};
use std::sync::Mutex;

/// What to append.
pub struct NewEvent<'a> {
    /// Who.
    pub actor: &'a crate::events::Actor,
    /// What.
    pub kind: EventKind,
    /// Batch concerned.
    pub batch: Option<&'a str>,
    /// Ticket concerned.
    pub ticket: Option<&'a str>,
    /// Details.
    pub detail: serde_json::Value,
}

/// Appends events in order, keeping the chain head.
pub struct EventLog {
    store: Store,
    head: Mutex<(u64, String)>,
}

fn corrupt_last(detail: String) -> StoreError {
    StoreError::Corrupt { tree: "events", key: "last".into(), detail }
}

impl EventLog {
    /// Opens the log and finds its head.
    pub fn open(store: Store) -> Result<EventLog, StoreError> {
        let head = match store.last_event_raw()? {
            Some(raw) => {
                let e: Event = serde_json::from_slice(&raw).map_err(|e| corrupt_last(e.to_string()))?;
                (e.seq, e.hash)
            }
            None => (0, genesis()),
        };
        Ok(EventLog { store, head: Mutex::new(head) })
    }

    fn head_lock(&self) -> std::sync::MutexGuard<'_, (u64, String)> {
        // A panic while holding the head cannot leave it half-updated: it is
        // replaced only after the record is stored.
        self.head.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Appends an event at time `at` (not yet durable: the caller commits).
    pub fn append(&self, at: i64, new: NewEvent<'_>) -> Result<Event, StoreError> {
        let mut head = self.head_lock();
        let mut e = Event {
            seq: head.0 + 1,
            at,
            actor: new.actor.to_string(),
            kind: new.kind,
            batch: new.batch.map(str::to_string),
            ticket: new.ticket.map(str::to_string),
            detail: new.detail,
            prev: head.1.clone(),
            hash: String::new(),
        };
        e.hash = event_hash(&e);
        self.store.put_event_raw(e.seq, &serde_json::to_vec(&e)?)?;
        *head = (e.seq, e.hash.clone());
        Ok(e)
    }

    /// The current head `(seq, hash)`.
    pub fn head(&self) -> (u64, String) {
        self.head_lock().clone()
    }

    /// Records a checkpoint of the head if the chain grew since the last one.
    pub fn checkpoint(&self, at: i64) -> Result<Option<Checkpoint>, StoreError> {
        let (seq, hash) = self.head();
        let last = self.store.last_checkpoint()?;
        if seq == 0 || last.as_ref().is_some_and(|c| c.seq == seq) {
            return Ok(None);
        }
        let c = Checkpoint { seq, hash, at };
        self.store.put_checkpoint(&c)?;
        Ok(Some(c))
    }

    /// Every event, in order.
    pub fn all(&self) -> Result<Vec<Event>, StoreError> {
        self.store
            .events_raw()?
            .into_iter()
            .map(|(seq, raw)| {
                serde_json::from_slice(&raw).map_err(|e| StoreError::Corrupt {
                    tree: "events",
                    key: seq.to_string(),
                    detail: e.to_string(),
                })
            })
            .collect()
    }
}
