//! The proctors' live seat list as server-sent events.
//!
//! Each batch with a watcher has one feed task that reads its seats once a
//! second and publishes them, each seat already serialised; every stream
//! sends only the seats that changed since it last looked. A stream is
//! opened with a single-use ticket (so no bearer token travels in a URL),
//! each session holds at most [`STREAMS_PER_SESSION`], and a stream ends
//! when its session expires or is revoked.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Streams one session may hold open.
pub const STREAMS_PER_SESSION: usize = 3;
/// How long a stream ticket may wait to be used.
pub const TICKET_TTL: Duration = Duration::from_secs(30);
/// Tickets held at most (unused ones expire).
const MAX_TICKETS: usize = 10_000;

/// One reading of a batch's seats: `(ticket, the seat as JSON)`.
pub type Snapshot = Vec<(String, String)>;

struct Ticket {
    token: String,
    batch: String,
    expires: Instant,
}

/// Feeds, tickets and open streams.
#[derive(Default)]
pub struct Streams {
    feeds: Mutex<HashMap<String, watch::Receiver<Arc<Snapshot>>>>,
    tickets: Mutex<HashMap<String, Ticket>>,
    open: Mutex<HashMap<String, usize>>,
}

/// A stream's place in its session's count; given back on drop.
pub struct Slot {
    streams: Arc<Streams>,
    session: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.streams.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = open.get_mut(&self.session) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.session);
            }
        }
    }
}

impl Streams {
    /// A single-use ticket for `batch`, standing for `token` for [`TICKET_TTL`].
    pub fn issue(&self, token: &str, batch: &str) -> String {
        let mut tickets = self.tickets.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        tickets.retain(|_, t| t.expires > now);
        if tickets.len() >= MAX_TICKETS {
            // Every one of them unused and young: the oldest goes.
            if let Some(k) = tickets.iter().min_by_key(|(_, t)| t.expires).map(|(k, _)| k.clone()) {
                tickets.remove(&k);
            }
        }
        let (ticket, _) = kaoshi_exam::staff::new_token();
        tickets.insert(
            ticket.clone(),
            Ticket { token: token.to_string(), batch: batch.to_string(), expires: now + TICKET_TTL },
        );
        ticket
    }

    /// The token a ticket stands for, once: a used, expired or unknown
    /// ticket, or one for another batch, is `None`.
    pub fn redeem(&self, ticket: &str, batch: &str) -> Option<String> {
        let mut tickets = self.tickets.lock().unwrap_or_else(PoisonError::into_inner);
        let t = tickets.remove(ticket)?;
        (t.expires > Instant::now() && t.batch == batch).then_some(t.token)
    }

    /// A place for one more stream of `session`, if it holds fewer than [`STREAMS_PER_SESSION`].
    pub fn hold(self: &Arc<Self>, session: &str) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let n = open.entry(session.to_string()).or_insert(0);
        if *n >= STREAMS_PER_SESSION {
            return None;
        }
        *n += 1;
        Some(Slot { streams: self.clone(), session: session.to_string() })
    }

    /// The feed of `batch`, started if no one watches it yet: `read` is
    /// called once a second for as long as anyone does.
    pub fn feed<F>(self: &Arc<Self>, batch: &str, read: F) -> watch::Receiver<Arc<Snapshot>>
    where
        F: Fn() -> Snapshot + Send + 'static,
    {
        let mut feeds = self.feeds.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(rx) = feeds.get(batch) {
            return rx.clone();
        }
        let (tx, rx) = watch::channel(Arc::new(read()));
        feeds.insert(batch.to_string(), rx.clone());
        let (streams, batch) = (self.clone(), batch.to_string());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                {
                    // The map's own receiver is the last one: no one watches.
                    let mut feeds = streams.feeds.lock().unwrap_or_else(PoisonError::into_inner);
                    if tx.receiver_count() <= 1 {
                        feeds.remove(&batch);
                        return;
                    }
                }
                tx.send_replace(Arc::new(read()));
            }
        });
        rx
    }

    /// Batches with a running feed (for tests and metrics).
    pub fn feeds(&self) -> usize {
        self.feeds.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

/// The seats of `now` that differ from `seen`, as one JSON array; `seen` is
/// brought up to date.
pub fn changes(now: &Snapshot, seen: &mut HashMap<String, String>) -> String {
    let mut out = String::from("[");
    for (ticket, json) in now {
        if seen.get(ticket) != Some(json) {
            if out.len() > 1 {
                out.push(',');
            }
            out.push_str(json);
            seen.insert(ticket.clone(), json.clone());
        }
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_are_single_use_and_bound_to_their_batch() {
        let s = Streams::default();
        let t = s.issue("tok", "b1");
        assert_eq!(s.redeem(&t, "b2"), None, "another batch");
        let t = s.issue("tok", "b1");
        assert_eq!(s.redeem(&t, "b1").as_deref(), Some("tok"));
        assert_eq!(s.redeem(&t, "b1"), None, "used");
        assert_eq!(s.redeem("made-up", "b1"), None);
    }

    #[test]
    fn a_session_holds_at_most_three_streams() {
        let s = Arc::new(Streams::default());
        let held: Vec<Slot> = (0..STREAMS_PER_SESSION).filter_map(|_| s.hold("h")).collect();
        assert_eq!(held.len(), STREAMS_PER_SESSION);
        assert!(s.hold("h").is_none());
        assert!(s.hold("other").is_some());
        drop(held);
        assert!(s.hold("h").is_some());
    }

    #[test]
    fn only_changed_seats_are_sent() {
        let mut seen = HashMap::new();
        let a = vec![("T1".to_string(), "{\"a\":1}".to_string()), ("T2".to_string(), "{\"b\":1}".to_string())];
        assert_eq!(changes(&a, &mut seen), "[{\"a\":1},{\"b\":1}]");
        assert_eq!(changes(&a, &mut seen), "[]");
        let b = vec![("T1".to_string(), "{\"a\":1}".to_string()), ("T2".to_string(), "{\"b\":2}".to_string())];
        assert_eq!(changes(&b, &mut seen), "[{\"b\":2}]");
    }
}
