//! Failed logins, counted so that guessing is slow without locking the right
//! person out.
//!
//! Failures are counted per credential (a ticket or a user name) *and
//! address*: five are free, then each further one locks that pair for twice
//! as long as the last (30 s up to 15 min). The right credential from
//! another address is not held back, and a proctor can clear a seat's locks.
//! Each address may fail [`ADDRESS_FAILURES`] times in ten minutes across all
//! credentials: enough for a room of 100 seats behind one NAT address to
//! mistype, too few to spray identity numbers over many tickets.
//!
//! The table holds at most [`MAX_ENTRIES`] pairs of fixed size (credentials
//! are hashed, so long ones cost no more), evicting the stalest when full.

use std::collections::HashMap;
use std::net::IpAddr;

/// Failures of one credential from one address before the first lock.
pub const FREE_FAILURES: u32 = 5;
/// The first lock; each further failure doubles it.
pub const FIRST_LOCK_MS: i64 = 30_000;
/// The longest lock.
pub const MAX_LOCK_MS: i64 = 15 * 60_000;
/// Failures one address may have in [`ADDRESS_WINDOW_MS`].
pub const ADDRESS_FAILURES: u32 = 200;
/// The window of the address limit.
pub const ADDRESS_WINDOW_MS: i64 = 10 * 60_000;
/// Pairs and addresses remembered at most.
pub const MAX_ENTRIES: usize = 100_000;
/// A pair with no failure for this long is forgotten.
const FORGET_AFTER_MS: i64 = 30 * 60_000;

/// What a login names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Credential {
    /// A seat's ticket.
    Ticket,
    /// A staff user name.
    User,
}

type CredentialId = [u8; 16];

fn credential_id(kind: Credential, credential: &str) -> CredentialId {
    let context = match kind {
        Credential::Ticket => "kaoshi login throttle ticket v1",
        Credential::User => "kaoshi login throttle user v1",
    };
    let mut id = [0u8; 16];
    id.copy_from_slice(&blake3::derive_key(context, credential.as_bytes())[..16]);
    id
}

#[derive(Debug, Clone, Copy, Default)]
struct Pair {
    failures: u32,
    locked_until: i64,
    last: i64,
}

#[derive(Debug, Clone, Copy, Default)]
struct Window {
    start: i64,
    failures: u32,
}

/// Why a login is held back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// This credential from this address, for this many more milliseconds.
    Credential(i64),
    /// Every login from this address, for this many more milliseconds.
    Address(i64),
}

/// The failure table: per credential, its addresses (usually one or two).
#[derive(Debug, Default)]
pub struct Throttle {
    pairs: HashMap<CredentialId, Vec<(IpAddr, Pair)>>,
    pair_count: usize,
    addresses: HashMap<IpAddr, Window>,
}

impl Throttle {
    /// Whether a login of `credential` from `address` may be tried now.
    pub fn check(&self, kind: Credential, credential: &str, address: IpAddr, now: i64) -> Result<(), Held> {
        if let Some(w) = self.addresses.get(&address) {
            if w.failures >= ADDRESS_FAILURES && now < w.start + ADDRESS_WINDOW_MS {
                return Err(Held::Address(w.start + ADDRESS_WINDOW_MS - now));
            }
        }
        let pair = self.pairs.get(&credential_id(kind, credential)).and_then(|v| v.iter().find(|(a, _)| *a == address));
        match pair {
            Some((_, p)) if p.locked_until > now => Err(Held::Credential(p.locked_until - now)),
            _ => Ok(()),
        }
    }

    /// Counts a failure; returns the lock it started, if any.
    pub fn failed(&mut self, kind: Credential, credential: &str, address: IpAddr, now: i64) -> Option<i64> {
        self.make_room(now);
        let w = self.addresses.entry(address).or_default();
        if now >= w.start + ADDRESS_WINDOW_MS {
            *w = Window { start: now, failures: 0 };
        }
        w.failures = w.failures.saturating_add(1);
        let list = self.pairs.entry(credential_id(kind, credential)).or_default();
        let at = match list.iter().position(|(a, _)| *a == address) {
            Some(at) => at,
            None => {
                list.push((address, Pair::default()));
                self.pair_count += 1;
                list.len() - 1
            }
        };
        let p = &mut list[at].1;
        p.failures = p.failures.saturating_add(1);
        p.last = now;
        (p.failures > FREE_FAILURES).then(|| {
            let doublings = (p.failures - FREE_FAILURES - 1).min(16);
            let lock = (FIRST_LOCK_MS << doublings).min(MAX_LOCK_MS);
            p.locked_until = now + lock;
            lock
        })
    }

    /// A successful login: the pair starts afresh.
    pub fn succeeded(&mut self, kind: Credential, credential: &str, address: IpAddr) {
        let id = credential_id(kind, credential);
        if let Some(list) = self.pairs.get_mut(&id) {
            let before = list.len();
            list.retain(|(a, _)| *a != address);
            self.pair_count -= before - list.len();
            if list.is_empty() {
                self.pairs.remove(&id);
            }
        }
    }

    /// Clears every lock of a credential, from every address (a proctor
    /// helping a candidate who mistyped).
    pub fn clear(&mut self, kind: Credential, credential: &str) -> usize {
        let cleared = self.pairs.remove(&credential_id(kind, credential)).map_or(0, |v| v.len());
        self.pair_count -= cleared;
        cleared
    }

    /// A credential's failures over every address and how long its longest lock still runs.
    pub fn state(&self, kind: Credential, credential: &str, now: i64) -> (u32, i64) {
        self.pairs.get(&credential_id(kind, credential)).map_or((0, 0), |v| {
            v.iter().fold((0, 0), |(n, lock), (_, p)| (n + p.failures, lock.max(p.locked_until - now)))
        })
    }

    /// Entries held (pairs, addresses).
    pub fn len(&self) -> (usize, usize) {
        (self.pair_count, self.addresses.len())
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.pair_count == 0 && self.addresses.is_empty()
    }

    /// Keeps pairs for which `keep` holds; recounts.
    fn retain_pairs(&mut self, keep: impl Fn(&Pair) -> bool) {
        self.pairs.retain(|_, v| {
            v.retain(|(_, p)| keep(p));
            !v.is_empty()
        });
        self.pair_count = self.pairs.values().map(Vec::len).sum();
    }

    /// Keeps the table within [`MAX_ENTRIES`]: forgets what has expired, and
    /// when that is not enough, the sixteenth that failed longest ago (in
    /// one pass, so that a flood costs one scan per few thousand failures).
    fn make_room(&mut self, now: i64) {
        if self.pair_count >= MAX_ENTRIES {
            self.retain_pairs(|p| p.locked_until > now || now - p.last < FORGET_AFTER_MS);
            if self.pair_count >= MAX_ENTRIES {
                let cutoff = oldest_sixteenth(self.pairs.values().flatten().map(|(_, p)| p.last));
                self.retain_pairs(|p| p.last > cutoff);
            }
        }
        if self.addresses.len() >= MAX_ENTRIES {
            self.addresses.retain(|_, w| now < w.start + ADDRESS_WINDOW_MS);
            if self.addresses.len() >= MAX_ENTRIES {
                let cutoff = oldest_sixteenth(self.addresses.values().map(|w| w.start));
                self.addresses.retain(|_, w| w.start > cutoff);
            }
        }
    }
}

/// The time at or before which the oldest sixteenth of `times` lie.
fn oldest_sixteenth(times: impl Iterator<Item = i64>) -> i64 {
    let mut times: Vec<i64> = times.collect();
    let k = times.len() / 16;
    *times.select_nth_unstable(k).1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    #[test]
    fn guessing_slows_down_but_the_right_person_elsewhere_gets_in() {
        let mut t = Throttle::default();
        for n in 0..FREE_FAILURES {
            assert_eq!(t.check(Credential::Ticket, "T1", ip(1), n.into()), Ok(()));
            assert_eq!(t.failed(Credential::Ticket, "T1", ip(1), n.into()), None);
        }
        assert_eq!(t.failed(Credential::Ticket, "T1", ip(1), 10), Some(30_000));
        assert_eq!(t.check(Credential::Ticket, "T1", ip(1), 20), Err(Held::Credential(29_990)));
        // The same ticket from the candidate's real seat, and another ticket here, are not held.
        assert_eq!(t.check(Credential::Ticket, "T1", ip(2), 20), Ok(()));
        assert_eq!(t.check(Credential::Ticket, "T2", ip(1), 20), Ok(()));
        // Each further failure doubles the lock, up to 15 minutes.
        assert_eq!(t.failed(Credential::Ticket, "T1", ip(1), 40_000), Some(60_000));
        assert_eq!(t.failed(Credential::Ticket, "T1", ip(1), 200_000), Some(120_000));
        for n in 0..20 {
            t.failed(Credential::Ticket, "T1", ip(1), 400_000 + n);
        }
        assert_eq!(t.failed(Credential::Ticket, "T1", ip(1), 500_000), Some(MAX_LOCK_MS));
        assert_eq!(t.state(Credential::Ticket, "T1", 500_000), (29, MAX_LOCK_MS));
        // A proctor clears it.
        assert_eq!(t.clear(Credential::Ticket, "T1"), 1);
        assert_eq!(t.check(Credential::Ticket, "T1", ip(1), 500_001), Ok(()));
        // A user name is another credential than a ticket of the same text.
        assert_eq!(t.check(Credential::User, "T1", ip(1), 0), Ok(()));
    }

    #[test]
    fn a_room_behind_one_address_may_mistype_but_not_spray() {
        let mut t = Throttle::default();
        // 100 candidates mistyping their numbers once or twice each: never held.
        for seat in 0..100 {
            for _ in 0..((seat % 2) + 1) {
                let ticket = format!("T{seat}");
                assert_eq!(t.check(Credential::Ticket, &ticket, ip(9), 1000), Ok(()));
                t.failed(Credential::Ticket, &ticket, ip(9), 1000);
            }
        }
        assert_eq!(t.check(Credential::Ticket, "T0", ip(9), 1000), Ok(()));
        // Spraying many tickets from one address stops at the address limit.
        for n in 150..(150 + ADDRESS_FAILURES) {
            t.failed(Credential::Ticket, &format!("X{n}"), ip(9), 2000);
        }
        assert!(matches!(t.check(Credential::Ticket, "T0", ip(9), 3000), Err(Held::Address(_))));
        assert_eq!(t.check(Credential::Ticket, "T0", ip(8), 3000), Ok(()), "other rooms are not held");
        assert_eq!(t.check(Credential::Ticket, "T0", ip(9), 1000 + ADDRESS_WINDOW_MS), Ok(()), "the window passes");
    }

    #[test]
    fn the_table_stays_bounded_however_long_the_credentials() {
        let mut t = Throttle::default();
        let long = "x".repeat(2_000);
        for n in 0..(MAX_ENTRIES + 500) {
            let address = IpAddr::from((n as u32).to_be_bytes());
            t.failed(Credential::Ticket, &format!("{long}{n}"), address, n as i64);
        }
        let (pairs, addresses) = t.len();
        assert!(pairs <= MAX_ENTRIES && addresses <= MAX_ENTRIES, "{pairs} pairs, {addresses} addresses");
        assert!(!t.is_empty());
    }
}
