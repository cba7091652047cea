//! The event log: every state change, appended with a hash chain (each record
//! holds the hash of the one before), so an edited, deleted or reordered
//! record is detectable.

use crate::store::{tree, Store};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// One event as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Event {
    /// Position in the log, from 1.
    pub seq: u64,
    /// Server time, Unix milliseconds.
    pub at: i64,
    /// Who: `seat:TICKET`, `staff:USER`, `timer`, `system`, `cli`.
    pub actor: String,
    /// What, e.g. `answer_save`, `pause`, `bank_open`.
    pub kind: String,
    /// Batch concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    /// Ticket concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// Details: reasons, values.
    pub detail: serde_json::Value,
    /// Hash of the previous record (hex; zeros for the first).
    pub prev: String,
    /// Hash of this record.
    pub hash: String,
}

/// Hash of an event's body (everything but `prev` and `hash`).
pub fn body_hash(e: &Event) -> String {
    let body = serde_json::json!({
        "seq": e.seq, "at": e.at, "actor": e.actor, "kind": e.kind,
        "batch": e.batch, "ticket": e.ticket, "detail": e.detail,
    });
    blake3::derive_key("kaoshi event body v1", body.to_string().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Chain hash from the predecessor's hash and a body hash. Chaining over the
/// body hash lets an archive carry other batches' events as stubs
/// (`seq`, `prev`, `body_hash`, `hash`) and still prove continuity.
pub fn chain_hash(prev: &str, body_hash: &str) -> String {
    let mut h = blake3::Hasher::new_derive_key("kaoshi event v1");
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(body_hash.as_bytes());
    h.finalize().to_hex().to_string()
}

/// Hash of an event given its predecessor's hash.
pub fn event_hash(e: &Event) -> String {
    chain_hash(&e.prev, &body_hash(e))
}

/// Appends events in order, keeping the chain head.
pub struct EventLog {
    store: Store,
    head: Mutex<(u64, String)>,
}

/// What to append.
pub struct NewEvent<'a> {
    /// Who.
    pub actor: &'a str,
    /// What.
    pub kind: &'a str,
    /// Batch concerned.
    pub batch: Option<&'a str>,
    /// Ticket concerned.
    pub ticket: Option<&'a str>,
    /// Details.
    pub detail: serde_json::Value,
}

impl EventLog {
    /// Opens the log and finds its head.
    pub fn open(store: Store) -> Result<EventLog> {
        let head = match store.last_raw(tree::EVENTS)? {
            Some((_, v)) => {
                let e: Event = serde_json::from_slice(&v).context("corrupt last event")?;
                (e.seq, e.hash)
            }
            None => (0, "0".repeat(64)),
        };
        Ok(EventLog { store, head: Mutex::new(head) })
    }

    /// Appends an event at time `at` (not yet durable).
    pub fn append(&self, at: i64, new: NewEvent<'_>) -> Result<Event> {
        let mut head = self.head.lock().map_err(|_| anyhow::anyhow!("event log lock poisoned"))?;
        let mut e = Event {
            seq: head.0 + 1,
            at,
            actor: new.actor.to_string(),
            kind: new.kind.to_string(),
            batch: new.batch.map(str::to_string),
            ticket: new.ticket.map(str::to_string),
            detail: new.detail,
            prev: head.1.clone(),
            hash: String::new(),
        };
        e.hash = event_hash(&e);
        self.store.put_raw(tree::EVENTS, &e.seq.to_be_bytes(), &serde_json::to_vec(&e)?)?;
        *head = (e.seq, e.hash.clone());
        Ok(e)
    }

    /// Every event, in order.
    pub fn all(&self) -> Result<Vec<Event>> {
        self.store
            .scan_raw(tree::EVENTS)?
            .into_iter()
            .map(|(_, v)| serde_json::from_slice(&v).context("corrupt event"))
            .collect()
    }
}

/// The first place a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event log broken at record {seq}: {reason}")]
pub struct ChainBreak {
    /// Sequence number (or storage position) of the first bad record.
    pub seq: u64,
    /// What is wrong.
    pub reason: String,
}

/// Re-walks a chain given as `(storage key, raw record)` in key order:
/// every record decodes, sits under its own number, follows its
/// predecessor without a gap, names its predecessor's hash and hashes to
/// what it says. Returns the head `(seq, hash)`.
pub fn verify_chain(records: &[(u64, Vec<u8>)]) -> Result<(u64, String), ChainBreak> {
    let mut prev_seq = 0u64;
    let mut prev_hash = "0".repeat(64);
    for (key, raw) in records {
        let e: Event = serde_json::from_slice(raw)
            .map_err(|err| ChainBreak { seq: *key, reason: format!("record does not decode: {err}") })?;
        if e.seq != *key {
            return Err(ChainBreak {
                seq: *key,
                reason: format!("stored under {key} but says it is record {} (moved or reordered)", e.seq),
            });
        }
        if e.seq != prev_seq + 1 {
            return Err(ChainBreak {
                seq: prev_seq + 1,
                reason: format!("missing (deleted?): the next record is {}", e.seq),
            });
        }
        if e.prev != prev_hash {
            return Err(ChainBreak {
                seq: e.seq,
                reason: "does not follow its predecessor (reordered or predecessor edited)".into(),
            });
        }
        if event_hash(&e) != e.hash {
            return Err(ChainBreak { seq: e.seq, reason: "content does not match its hash (edited)".into() });
        }
        prev_seq = e.seq;
        prev_hash = e.hash;
    }
    Ok((prev_seq, prev_hash))
}

/// The raw chain of a store, keyed by sequence number.
pub fn raw_chain(store: &Store) -> Result<Vec<(u64, Vec<u8>)>> {
    store
        .scan_raw(tree::EVENTS)?
        .into_iter()
        .map(|(k, v)| {
            let key: [u8; 8] =
                k.as_slice().try_into().map_err(|_| anyhow::anyhow!("event key of {} bytes", k.len()))?;
            Ok((u64::from_be_bytes(key), v))
        })
        .collect()
}

/// A checkpoint of the chain head, for outsiders to hold.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Checkpoint {
    /// Head sequence number.
    pub seq: u64,
    /// Head hash.
    pub hash: String,
    /// When taken (Unix ms).
    pub at: i64,
}

impl EventLog {
    /// The current head `(seq, hash)`.
    pub fn head(&self) -> Result<(u64, String)> {
        let head = self.head.lock().map_err(|_| anyhow::anyhow!("event log lock poisoned"))?;
        Ok(head.clone())
    }

    /// Records a checkpoint of the head if the chain grew since the last one.
    pub fn checkpoint(&self, at: i64) -> Result<Option<Checkpoint>> {
        let (seq, hash) = self.head()?;
        let last: Option<Checkpoint> = self.store.get(tree::META, "checkpoint/last")?;
        if seq == 0 || last.as_ref().is_some_and(|c| c.seq == seq) {
            return Ok(None);
        }
        let c = Checkpoint { seq, hash, at };
        self.store.put(tree::META, &format!("checkpoint/{seq:020}"), &c)?;
        self.store.put(tree::META, "checkpoint/last", &c)?;
        Ok(Some(c))
    }
}
