//! The bank content hash: BLAKE3 over the bank's canonical encoding. It names
//! a bank version everywhere else (papers, archives, the event log).

use crate::bank::Bank;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Key-derivation context: separates bank hashes from every other BLAKE3 use.
const CONTEXT: &str = "kaoshi bank content v1";

/// BLAKE3 hash of a bank's canonical encoding (postcard of [`Bank`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BankHash(pub [u8; 32]);

impl BankHash {
    /// Hash of a bank.
    pub fn of(bank: &Bank) -> BankHash {
        BankHash::of_encoded(&canonical_encoding(bank))
    }

    /// Hash of an already canonical encoding.
    pub fn of_encoded(encoded: &[u8]) -> BankHash {
        let mut hasher = blake3::Hasher::new_derive_key(CONTEXT);
        hasher.update(encoded);
        BankHash(*hasher.finalize().as_bytes())
    }

    /// Lower-case hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 hex digits.
    pub fn from_hex(s: &str) -> Option<BankHash> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(BankHash(out))
    }
}

impl fmt::Display for BankHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for BankHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BankHash({})", self.to_hex())
    }
}

/// The canonical encoding of a bank: postcard, fields in declaration order,
/// items in source order. Changing it changes every hash: bump [`CONTEXT`].
pub fn canonical_encoding(bank: &Bank) -> Vec<u8> {
    // Serialising owned strings, numbers and enums into a Vec cannot fail.
    postcard::to_stdvec(bank).unwrap_or_default()
}
