//! The exam clock. Every rule that needs the time asks a [`Clock`]; the
//! server runs on [`SystemClock`], tests on [`ManualClock`].

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Server time in Unix milliseconds.
pub trait Clock: Send + Sync + 'static {
    /// Now, Unix ms.
    fn now_ms(&self) -> i64;
}

/// The wall clock read once at creation, then advanced by the monotonic
/// clock: a wall-clock jump while the server runs (NTP step, an operator's
/// `date`) neither gives nor takes exam time. Across restarts the time used
/// is persisted per seat and the outage is not charged.
#[derive(Debug)]
pub struct SystemClock {
    wall: i64,
    mono: Instant,
}

impl SystemClock {
    /// Anchors a clock at the current wall time.
    pub fn new() -> SystemClock {
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        SystemClock { wall, mono: Instant::now() }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        self.wall + self.mono.elapsed().as_millis() as i64
    }
}

/// A clock that moves only when told to (tests: no sleeps, no minute boundaries).
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock standing at `now` (Unix ms).
    pub fn new(now: i64) -> ManualClock {
        ManualClock(AtomicI64::new(now))
    }

    /// Moves the clock forward by `ms`.
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }

    /// Sets the clock.
    pub fn set(&self, now: i64) {
        self.0.store(now, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl<C: Clock> Clock for std::sync::Arc<C> {
    fn now_ms(&self) -> i64 {
        (**self).now_ms()
    }
}
