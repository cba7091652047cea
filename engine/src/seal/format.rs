//! The byte layout of a `.kbank` file (format version 1):
//!
//! ```text
//! magic        8 bytes  "KAOSHIBK"
//! version      u16 LE   1
//! header_len   u32 LE
//! header       JSON     bank identity, content hash, cipher, body nonce
//! slot_len     u32 LE
//! slot         JSON     key id, KDF parameters, wrapped data key
//! body_len     u64 LE
//! body         AES-256-GCM ciphertext and 16-byte tag
//! ```
//! Everything up to and including `header` is the associated data of both the
//! body and the wrapped key, so it cannot change unnoticed; the key slot sits
//! outside it so `rekey` can replace the slot and keep the body.

use super::error::SealError;
use super::key::Argon2Params;
use super::key_id::KeyId;
use serde::{Deserialize, Serialize};

/// First bytes of every sealed bank.
pub const MAGIC: &[u8; 8] = b"KAOSHIBK";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;

/// Identity of the sealed bank, readable without the key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealHeader {
    /// Bank id.
    pub bank_id: String,
    /// Bank version.
    pub bank_version: u32,
    /// Bank title.
    pub title: String,
    /// Occupation code.
    pub occupation_code: String,
    /// Occupation name.
    pub occupation: String,
    /// Level code as in `bank.toml`.
    pub level: String,
    /// Number of items.
    pub item_count: u64,
    /// Bank content hash, hex.
    pub content_hash: String,
    /// Always `AES-256-GCM` in format 1.
    pub cipher: String,
    /// Nonce of the body, hex.
    pub body_nonce: String,
    /// The kaoshi version that sealed it.
    pub sealed_by: String,
}

/// How the key-encryption key is obtained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Kdf {
    /// A 32-byte key file, used as is.
    KeyFile,
    /// A passphrase through Argon2id.
    Argon2id {
        /// Cost parameters.
        #[serde(flatten)]
        params: Argon2Params,
        /// Salt, hex.
        salt: String,
    },
}

/// The replaceable key slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySlot {
    /// Id of the key-encryption key, hex.
    pub key_id: String,
    /// Where the key-encryption key comes from.
    pub kdf: Kdf,
    /// Nonce of the wrapped data key, hex.
    pub wrap_nonce: String,
    /// The data key encrypted under the key-encryption key, hex.
    pub wrapped_key: String,
}

impl KeySlot {
    pub(crate) fn key_id(&self) -> Result<KeyId, SealError> {
        let mut id = [0u8; 8];
        lower_hex(&self.key_id, &mut id, "key slot: key_id")?;
        Ok(KeyId(id))
    }

    pub(crate) fn wrap_nonce(&self) -> Result<[u8; 12], SealError> {
        nonce(&self.wrap_nonce, "key slot: wrap_nonce")
    }

    pub(crate) fn wrapped_key(&self) -> Result<Vec<u8>, SealError> {
        let mut out = vec![0u8; self.wrapped_key.len() / 2];
        lower_hex(&self.wrapped_key, &mut out, "key slot: wrapped_key")?;
        Ok(out)
    }
}

/// Decodes lower-case hex only, so that no two spellings of the key slot
/// mean the same thing: any changed byte of a sealed file is an error.
pub(crate) fn lower_hex(text: &str, out: &mut [u8], what: &str) -> Result<(), SealError> {
    let lower = text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !lower || hex::decode_to_slice(text, out).is_err() {
        return Err(SealError::HeaderDamaged(format!("{what} is not {} lower-case hex digits", out.len() * 2)));
    }
    Ok(())
}

pub(crate) fn nonce(hex_text: &str, what: &str) -> Result<[u8; 12], SealError> {
    let mut out = [0u8; 12];
    lower_hex(hex_text, &mut out, what)?;
    Ok(out)
}

/// A sealed file split into its parts, borrowed from the file's bytes.
pub(crate) struct Parts<'a> {
    /// Magic, version, header length and header: the associated data.
    pub aad: &'a [u8],
    pub header: SealHeader,
    pub slot: KeySlot,
    pub body: &'a [u8],
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: u64, what: &str) -> Result<&'a [u8], SealError> {
        let end = usize::try_from(n).ok().and_then(|n| self.pos.checked_add(n));
        match end {
            Some(end) if end <= self.bytes.len() => {
                let out = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(out)
            }
            _ => Err(SealError::Truncated {
                what: what.to_string(),
                expected: (self.pos as u64).saturating_add(n),
                actual: self.bytes.len() as u64,
            }),
        }
    }

    fn u16(&mut self, what: &str) -> Result<u16, SealError> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, what: &str) -> Result<u32, SealError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self, what: &str) -> Result<u64, SealError> {
        let b = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
}

/// Splits a file into its parts, checking structure only (no key needed).
pub(crate) fn split(bytes: &[u8]) -> Result<Parts<'_>, SealError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(SealError::NotSealedBank);
    }
    let mut c = Cursor { bytes, pos: MAGIC.len() };
    let version = c.u16("format version")?;
    if version != FORMAT_VERSION {
        return Err(SealError::UnsupportedVersion { found: version, supported: FORMAT_VERSION });
    }
    let header_len = c.u32("header length")?;
    let header_bytes = c.take(u64::from(header_len), "header")?;
    let aad = &bytes[..c.pos];
    let slot_len = c.u32("key slot length")?;
    let slot_bytes = c.take(u64::from(slot_len), "key slot")?;
    let body_len = c.u64("body length")?;
    let body = c.take(body_len, "body")?;
    if c.pos != bytes.len() {
        return Err(SealError::TrailingBytes { extra: (bytes.len() - c.pos) as u64 });
    }
    let header: SealHeader =
        serde_json::from_slice(header_bytes).map_err(|e| SealError::HeaderDamaged(format!("header: {e}")))?;
    let slot: KeySlot =
        serde_json::from_slice(slot_bytes).map_err(|e| SealError::HeaderDamaged(format!("key slot: {e}")))?;
    Ok(Parts { aad, header, slot, body })
}

/// Serialises a header.
pub(crate) fn header_bytes(header: &SealHeader) -> Vec<u8> {
    // Serialising this plain struct cannot fail.
    serde_json::to_vec(header).unwrap_or_default()
}

/// The associated data for a header: everything before the key slot.
pub(crate) fn aad(header_bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(14 + header_bytes.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(header_bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(header_bytes);
    out
}

/// Writes a file from its associated data (see [`aad`]), key slot and body.
pub(crate) fn join(aad: &[u8], slot: &KeySlot, body: &[u8]) -> Vec<u8> {
    let slot = serde_json::to_vec(slot).unwrap_or_default();
    let mut out = Vec::with_capacity(aad.len() + 12 + slot.len() + body.len());
    out.extend_from_slice(aad);
    out.extend_from_slice(&(slot.len() as u32).to_le_bytes());
    out.extend_from_slice(&slot);
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(body);
    out
}
