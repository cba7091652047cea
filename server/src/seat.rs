//! A candidate's seat: identity, status and the server's exam clock.
//! Pure state transitions; handlers load, call, store.

use kaoshi_engine::grade::Graded;
use serde::{Deserialize, Serialize};

/// Where a candidate is in the exam.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Has not logged in (or was moved and must log in again).
    NotLoggedIn,
    /// Logged in; a proctor must check identity (身份核验).
    AwaitingIdentity,
    /// Identity approved; the clock starts when the paper is opened.
    Ready,
    /// Answering; the clock runs.
    Answering,
    /// Paused by a proctor or by a server restart; the clock stands still.
    Paused,
    /// Handed in; nothing more is accepted.
    Submitted,
}

/// One roster line and its exam state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeatRecord {
    /// Ticket number (准考证号).
    pub ticket: String,
    /// Identity document number.
    pub id_number: String,
    /// Name.
    pub name: String,
    /// Organisation (for marker recusal).
    pub organisation: String,
    /// Room.
    pub room: String,
    /// Seat in the room.
    pub seat: String,
    /// Index of the candidate's paper in the batch.
    pub paper: u64,
    /// Status.
    pub status: Status,
    /// Whether the clock was ever started.
    pub started: bool,
    /// Exam time allowed, ms.
    pub duration_ms: i64,
    /// Extra time granted, ms.
    pub extra_ms: i64,
    /// Time used in closed segments, ms.
    pub used_ms: i64,
    /// Start of the running segment (Unix ms), while the clock runs.
    pub running_since: Option<i64>,
    /// Highest save sequence number acknowledged.
    pub last_seq: u64,
    /// Positions with a non-empty saved answer.
    pub answered: u32,
    /// Violations recorded.
    pub violations: u32,
    /// Last request from the seat (Unix ms).
    pub last_seen: i64,
    /// When handed in (Unix ms).
    pub submitted_at: Option<i64>,
    /// Objective result at hand-in.
    pub result: Option<Graded>,
    /// Hash of the seat's current session token; older tokens are void.
    #[serde(default)]
    pub session: Option<String>,
}

impl SeatRecord {
    /// Remaining time in ms at `now` (never negative).
    pub fn remaining_ms(&self, now: i64) -> i64 {
        let running = self.running_since.map_or(0, |s| (now - s).max(0));
        (self.duration_ms + self.extra_ms - self.used_ms - running).max(0)
    }

    /// Remaining whole seconds, for clients.
    pub fn remaining_seconds(&self, now: i64) -> i64 {
        (self.remaining_ms(now) + 999) / 1000
    }

    /// Stops the clock, banking the running segment.
    pub fn stop_clock(&mut self, now: i64) {
        if let Some(s) = self.running_since.take() {
            self.used_ms += (now - s).max(0);
        }
    }

    /// Starts the clock.
    pub fn start_clock(&mut self, now: i64) {
        if self.running_since.is_none() {
            self.running_since = Some(now);
            self.started = true;
        }
    }

    /// After a server outage: bank time up to the last sign of life, then
    /// pause, so the outage is not charged; a proctor resumes the seat.
    pub fn recover(&mut self, last_alive: i64) {
        if let Some(s) = self.running_since.take() {
            self.used_ms += (last_alive - s).max(0);
            if self.status == Status::Answering {
                self.status = Status::Paused;
            }
        }
    }

    /// Status shown to proctors: an answering seat silent for 30 s is `disconnected`.
    pub fn shown_status(&self, now: i64) -> &'static str {
        match self.status {
            Status::Answering if now - self.last_seen > 30_000 => "disconnected",
            Status::NotLoggedIn => "not_logged_in",
            Status::AwaitingIdentity => "awaiting_identity",
            Status::Ready => "ready",
            Status::Answering => "answering",
            Status::Paused => "paused",
            Status::Submitted => "submitted",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seat() -> SeatRecord {
        SeatRecord {
            ticket: "T1".into(),
            id_number: "X".into(),
            name: "张三".into(),
            organisation: "O".into(),
            room: "1".into(),
            seat: "1".into(),
            paper: 0,
            status: Status::Answering,
            started: false,
            duration_ms: 60_000,
            extra_ms: 0,
            used_ms: 0,
            running_since: None,
            last_seq: 0,
            answered: 0,
            violations: 0,
            last_seen: 0,
            submitted_at: None,
            result: None,
            session: None,
        }
    }

    #[test]
    fn pauses_and_extensions_shape_the_remaining_time() {
        let mut s = seat();
        s.start_clock(1_000);
        assert_eq!(s.remaining_ms(11_000), 50_000);
        s.stop_clock(11_000);
        assert_eq!(s.remaining_ms(99_000), 50_000, "paused time is not charged");
        s.extra_ms += 30_000;
        s.start_clock(99_000);
        assert_eq!(s.remaining_ms(109_000), 70_000);
        assert_eq!(s.remaining_ms(10_000_000), 0);
    }

    #[test]
    fn recovery_charges_up_to_the_last_heartbeat_only() {
        let mut s = seat();
        s.start_clock(0);
        s.recover(20_000);
        assert_eq!(s.status, Status::Paused);
        assert_eq!(s.remaining_ms(500_000), 40_000);
    }
}
