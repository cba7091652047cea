//! The proctors' live seat list as server-sent events.
//!
//! Each batch with a watcher has one feed task that reads its seats once a
//! second (on the blocking pool) and publishes two ready-made JSON texts:
//! every seat, and the seats that changed since the last reading. A stream
//! that saw the previous reading sends the changes; one that fell behind
//! sends every seat — no stream serialises or compares anything itself. A stream is
//! opened with a single-use ticket (so no bearer token travels in a URL),
//! each session holds at most [`STREAMS_PER_SESSION`], and a stream ends
//! when its session expires or is revoked.

use bytes::Bytes;
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

/// One reading of a batch's seats: `(ticket, what tells a change, the seat as JSON)`.
pub type Seats = Vec<(String, String, String)>;

/// What the feed publishes each second: two server-sent events, framed.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Counts readings.
    pub version: u64,
    /// `event: seats` with every seat, as a JSON array.
    pub all: Bytes,
    /// `event: seats` with the seats that changed since reading `version - 1`.
    pub changed: Bytes,
}

impl Snapshot {
    /// What a stream that last sent `sent` sends now, if anything.
    pub fn for_stream(&self, sent: Option<u64>) -> Option<Bytes> {
        match sent {
            Some(v) if v == self.version => None,
            Some(v) if v + 1 == self.version => Some(self.changed.clone()),
            _ => Some(self.all.clone()),
        }
    }
}

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
        F: Fn() -> Seats + Send + Sync + 'static,
    {
        let mut feeds = self.feeds.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(rx) = feeds.get(batch) {
            return rx.clone();
        }
        let mut seen = HashMap::new();
        let first = publish(0, &read(), &mut seen);
        let (tx, rx) = watch::channel(Arc::new(first));
        feeds.insert(batch.to_string(), rx.clone());
        let (streams, batch, read) = (self.clone(), batch.to_string(), Arc::new(read));
        tokio::spawn(async move {
            for version in 1.. {
                tokio::time::sleep(Duration::from_secs(1)).await;
                {
                    // The map's own receiver is the last one: no one watches.
                    let mut feeds = streams.feeds.lock().unwrap_or_else(PoisonError::into_inner);
                    if tx.receiver_count() <= 1 {
                        feeds.remove(&batch);
                        return;
                    }
                }
                let reader = read.clone();
                let (snapshot, kept) = match tokio::task::spawn_blocking(move || {
                    let seats = reader();
                    let snapshot = publish(version, &seats, &mut seen);
                    (snapshot, seen)
                })
                .await
                {
                    Ok(done) => done,
                    Err(e) => {
                        tracing::error!(batch = %batch, error = %e, "the seat feed failed");
                        feeds_remove(&streams, &batch);
                        return;
                    }
                };
                seen = kept;
                tx.send_replace(Arc::new(snapshot));
            }
        });
        rx
    }

    /// Batches with a running feed (for tests and metrics).
    pub fn feeds(&self) -> usize {
        self.feeds.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

fn feeds_remove(streams: &Streams, batch: &str) {
    streams.feeds.lock().unwrap_or_else(PoisonError::into_inner).remove(batch);
}

/// Reading `version` of the seats: every seat, and those that differ from
/// `seen` (which is brought up to date).
fn publish(version: u64, seats: &Seats, seen: &mut HashMap<String, String>) -> Snapshot {
    let (mut all, mut changed) = (String::from("["), String::from("["));
    for (ticket, key, json) in seats {
        if all.len() > 1 {
            all.push(',');
        }
        all.push_str(json);
        if seen.get(ticket) != Some(key) {
            if changed.len() > 1 {
                changed.push(',');
            }
            changed.push_str(json);
            seen.insert(ticket.clone(), key.clone());
        }
    }
    all.push(']');
    changed.push(']');
    // serde_json writes no newline, so each array is one `data:` line.
    let event = |json: String| Bytes::from(format!("event: seats\ndata: {json}\n\n"));
    Snapshot { version, all: event(all), changed: event(changed) }
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
    fn a_stream_in_step_gets_the_changes_and_one_behind_gets_every_seat() {
        let mut seen = HashMap::new();
        let seat = |t: &str, v: u8| (t.to_string(), v.to_string(), format!("{{\"{t}\":{v}}}"));
        let first = publish(0, &vec![seat("T1", 1), seat("T2", 1)], &mut seen);
        assert_eq!(&*first.changed, b"event: seats\ndata: [{\"T1\":1},{\"T2\":1}]\n\n");
        let second = publish(1, &vec![seat("T1", 1), seat("T2", 2)], &mut seen);
        assert_eq!(&*second.changed, b"event: seats\ndata: [{\"T2\":2}]\n\n");
        assert_eq!(&*second.all, b"event: seats\ndata: [{\"T1\":1},{\"T2\":2}]\n\n");
        assert_eq!(second.for_stream(None).as_deref(), Some(&*second.all), "a new stream");
        assert_eq!(second.for_stream(Some(0)).as_deref(), Some(&*second.changed), "in step");
        assert_eq!(second.for_stream(Some(1)), None, "already sent");
        let third = publish(2, &vec![seat("T1", 1), seat("T2", 2)], &mut seen);
        assert_eq!(&*third.changed, b"event: seats\ndata: []\n\n");
        assert_eq!(third.for_stream(Some(0)).as_deref(), Some(&*third.all), "fell behind");
        // What changes is decided by the key, not the text (a clock's tick is not a change).
        let ticking =
            publish(3, &vec![(String::from("T1"), "1".into(), "{\"T1\":\"59s\"}".into()), seat("T2", 2)], &mut seen);
        assert_eq!(&*ticking.changed, b"event: seats\ndata: []\n\n");
        assert!(String::from_utf8_lossy(&ticking.all).contains("59s"), "every seat is sent as it is now");
    }
}
