//! Key-encryption keys: from a 32-byte key file or an Argon2id passphrase,
//! their public ids, and wrapping of the per-seal data key.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use serde::{Deserialize, Serialize};
use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::error::SealError;
use super::key_id::KeyId;

/// Length of every key kaoshi uses (AES-256).
pub const KEY_LEN: usize = 32;

/// A key-encryption key; zeroised on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Kek([u8; KEY_LEN]);

impl Kek {
    /// A key from exactly 32 bytes.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Kek {
        Kek(bytes)
    }

    /// A new random key.
    pub fn generate(rng: &mut impl rand_core::CryptoRngCore) -> Kek {
        let mut bytes = [0u8; KEY_LEN];
        rng.fill_bytes(&mut bytes);
        Kek(bytes)
    }

    /// Derives a key from a passphrase with Argon2id.
    pub fn from_passphrase(passphrase: &[u8], salt: &[u8], params: Argon2Params) -> Result<Kek, SealError> {
        let p = argon2::Params::new(params.memory_kib, params.iterations, params.parallelism, Some(KEY_LEN))
            .map_err(|e| SealError::Kdf(e.to_string()))?;
        let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, p);
        let mut out = [0u8; KEY_LEN];
        argon.hash_password_into(passphrase, salt, &mut out).map_err(|e| SealError::Kdf(e.to_string()))?;
        Ok(Kek(out))
    }

    /// The raw bytes, for writing a key file.
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// The key's public id: safe to print, names the key in headers and logs.
    pub fn id(&self) -> KeyId {
        let digest = blake3::derive_key("kaoshi key id v1", &self.0);
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest[..8]);
        KeyId(id)
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new((&self.0).into())
    }

    /// Encrypts the data key, bound to `aad` (the sealed file's header).
    pub(crate) fn wrap(&self, data_key: &[u8; KEY_LEN], nonce: &[u8; 12], aad: &[u8]) -> Vec<u8> {
        // AES-GCM encryption of 32 bytes with a 12-byte nonce cannot fail.
        self.cipher().encrypt(Nonce::from_slice(nonce), Payload { msg: data_key, aad }).unwrap_or_default()
    }

    /// Decrypts the data key; `None` if the wrapped key or `aad` was altered.
    pub(crate) fn unwrap_key(&self, wrapped: &[u8], nonce: &[u8; 12], aad: &[u8]) -> Option<Zeroizing<[u8; KEY_LEN]>> {
        let plain =
            Zeroizing::new(self.cipher().decrypt(Nonce::from_slice(nonce), Payload { msg: wrapped, aad }).ok()?);
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        if plain.len() != KEY_LEN {
            return None;
        }
        key.copy_from_slice(&plain);
        Some(key)
    }
}

impl fmt::Debug for Kek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Kek({})", self.id())
    }
}

/// Argon2id cost parameters, stored in the file so they can change over the years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Argon2Params {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Argon2Params {
    /// Limits accepted from a file, so a crafted header cannot ask for 1 TiB.
    pub(crate) const MAX_MEMORY_KIB: u32 = 4 * 1024 * 1024;
    pub(crate) const MAX_ITERATIONS: u32 = 64;
    pub(crate) const MAX_PARALLELISM: u32 = 64;

    pub(crate) fn within_limits(&self) -> bool {
        self.memory_kib <= Self::MAX_MEMORY_KIB
            && (1..=Self::MAX_ITERATIONS).contains(&self.iterations)
            && (1..=Self::MAX_PARALLELISM).contains(&self.parallelism)
    }
}

impl Default for Argon2Params {
    /// 64 MiB, 3 passes, 1 lane: about half a second on a small server.
    fn default() -> Self {
        Argon2Params { memory_kib: 64 * 1024, iterations: 3, parallelism: 1 }
    }
}
