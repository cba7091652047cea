//! Which connections are let in: at most `per_address` open connections from
//! one address and `total` in all, so that one client (or one machine on the
//! exam LAN) cannot take the descriptors every seat needs to save.
//!
//! An admission is held for as long as its connection is open and gives its
//! place back when dropped.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// How many connections may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// From one address. A room of 100 seats behind one NAT address, each
    /// browser keeping up to 6 connections, needs 600.
    pub per_address: usize,
    /// In all: kept below the process's descriptor limit, which the store,
    /// its log and the listener also use.
    pub total: usize,
}

impl Caps {
    /// Descriptors kept back from connections for the store, files and the listener.
    pub const RESERVED_DESCRIPTORS: u64 = 256;

    /// The default per-address cap.
    pub const PER_ADDRESS: usize = 1_000;

    /// Caps for a process allowed `descriptors` open files.
    pub fn for_descriptors(descriptors: u64) -> Caps {
        let total = descriptors.saturating_sub(Self::RESERVED_DESCRIPTORS).clamp(64, 1 << 20) as usize;
        Caps { per_address: Self::PER_ADDRESS.min(total), total }
    }
}

/// Why a connection was turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Its address holds `per_address` connections already.
    Address,
    /// The server holds `total` connections already.
    Full,
}

#[derive(Debug, Default)]
struct Counts {
    by_address: HashMap<IpAddr, usize>,
    total: usize,
}

/// Counts open connections per address and in all.
#[derive(Debug, Clone)]
pub struct Gate {
    caps: Caps,
    counts: Arc<Mutex<Counts>>,
}

/// A connection's place; given back on drop.
#[derive(Debug)]
pub struct Admission {
    address: IpAddr,
    counts: Arc<Mutex<Counts>>,
}

impl Gate {
    /// A gate with these caps.
    pub fn new(caps: Caps) -> Gate {
        Gate { caps, counts: Arc::default() }
    }

    /// The caps.
    pub fn caps(&self) -> Caps {
        self.caps
    }

    /// Lets a connection from `address` in, or says why not.
    pub fn admit(&self, address: IpAddr) -> Result<Admission, Refused> {
        let mut counts = self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if counts.total >= self.caps.total {
            return Err(Refused::Full);
        }
        let held = counts.by_address.entry(address).or_insert(0);
        if *held >= self.caps.per_address {
            return Err(Refused::Address);
        }
        *held += 1;
        counts.total += 1;
        Ok(Admission { address, counts: self.counts.clone() })
    }

    /// Open connections: in all, and from the address holding most.
    pub fn open(&self) -> (usize, usize) {
        let counts = self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        (counts.total, counts.by_address.values().copied().max().unwrap_or(0))
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        counts.total = counts.total.saturating_sub(1);
        if let Some(held) = counts.by_address.get_mut(&self.address) {
            *held -= 1;
            if *held == 0 {
                // The table holds only addresses with open connections: it cannot grow without bound.
                counts.by_address.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    #[test]
    fn one_address_cannot_take_every_place() {
        let gate = Gate::new(Caps { per_address: 2, total: 3 });
        let a1 = gate.admit(ip(1));
        let a2 = gate.admit(ip(1));
        assert!(a1.is_ok() && a2.is_ok());
        assert_eq!(gate.admit(ip(1)).err(), Some(Refused::Address));
        let b = gate.admit(ip(2));
        assert!(b.is_ok());
        assert_eq!(gate.admit(ip(3)).err(), Some(Refused::Full));
        drop(a1);
        assert!(gate.admit(ip(1)).is_ok(), "a closed connection gives its place back");
        drop((a2, b));
        assert_eq!(gate.open(), (0, 0));
        assert!(gate.counts.lock().map(|c| c.by_address.is_empty()).unwrap_or(false));
    }

    #[test]
    fn caps_stay_below_the_descriptor_limit() {
        let caps = Caps::for_descriptors(1024);
        assert_eq!(caps.total, 768);
        assert_eq!(caps.per_address, 768);
        let caps = Caps::for_descriptors(65_536);
        assert_eq!((caps.total, caps.per_address), (65_280, 1_000));
        assert_eq!(Caps::for_descriptors(10).total, 64);
    }
}
