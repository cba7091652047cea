//! Sealed banks (`.kbank`): the bank encrypted with AES-256-GCM under a random
//! data key, which is wrapped by a key-encryption key from a key file or a
//! passphrase. See [`format`] for the layout.
//!
//! The plaintext exists only in memory; every buffer holding it or a key is
//! zeroised when dropped.

mod error;
pub mod format;
mod key;
mod key_id;

pub use error::SealError;
pub use format::{Kdf, KeySlot, SealHeader, FORMAT_VERSION, MAGIC};
pub use key::{Argon2Params, Kek, KEY_LEN};
pub use key_id::KeyId;

use crate::bank::{Bank, BankSource};
use crate::hash::BankHash;
use crate::spec::PaperSpec;
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use zeroize::Zeroizing;

const CIPHER: &str = "AES-256-GCM";
const SALT_LEN: usize = 16;

/// What unlocks a sealed bank.
pub enum Unlock<'a> {
    /// A key-encryption key (from a key file).
    Key(&'a Kek),
    /// A passphrase; the salt and costs come from the file.
    Passphrase(&'a [u8]),
}

/// What locks a new seal (or a rekey).
pub enum Lock<'a> {
    /// A key-encryption key (from a key file).
    Key(&'a Kek),
    /// A passphrase with Argon2id costs.
    Passphrase {
        /// The passphrase.
        passphrase: &'a [u8],
        /// Argon2id costs.
        params: Argon2Params,
    },
}

/// Seals a bank source into `.kbank` bytes.
pub fn seal(
    source: &BankSource,
    lock: &Lock<'_>,
    rng: &mut impl rand_core::CryptoRngCore,
) -> Result<Vec<u8>, SealError> {
    let bank_bytes = Zeroizing::new(crate::hash::canonical_encoding(&source.bank));
    let hash = BankHash::of_encoded(&bank_bytes);
    let spec_bytes = Zeroizing::new(postcard::to_stdvec(&source.spec).unwrap_or_default());
    let mut body = Zeroizing::new(Vec::with_capacity(bank_bytes.len() + spec_bytes.len() + 16));
    body.extend_from_slice(&bank_bytes);
    body.extend_from_slice(&spec_bytes);

    let mut data_key = Zeroizing::new([0u8; KEY_LEN]);
    rng.fill_bytes(data_key.as_mut());
    let mut body_nonce = [0u8; 12];
    rng.fill_bytes(&mut body_nonce);

    let meta = &source.bank.meta;
    let header = SealHeader {
        bank_id: meta.id.clone(),
        bank_version: meta.version,
        title: meta.title.clone(),
        occupation_code: meta.occupation_code.clone(),
        occupation: meta.occupation.clone(),
        level: meta.level.code().to_string(),
        item_count: source.bank.items.len() as u64,
        content_hash: hash.to_hex(),
        cipher: CIPHER.to_string(),
        body_nonce: hex::encode(body_nonce),
        sealed_by: format!("kaoshi {}", env!("CARGO_PKG_VERSION")),
    };
    let aad = format::aad(&format::header_bytes(&header));
    let cipher = Aes256Gcm::new(data_key.as_ref().into());
    // In-place encryption only fails for bodies beyond GCM's 64 GiB limit.
    cipher
        .encrypt_in_place(Nonce::from_slice(&body_nonce), &aad, &mut *body)
        .map_err(|_| SealError::ContentMismatch("bank too large to encrypt".into()))?;
    let slot = make_slot(&data_key, &aad, lock, rng)?;
    Ok(format::join(&aad, &slot, &body))
}

fn make_slot(
    data_key: &[u8; KEY_LEN],
    aad: &[u8],
    lock: &Lock<'_>,
    rng: &mut impl rand_core::CryptoRngCore,
) -> Result<KeySlot, SealError> {
    let (kek, kdf) = match lock {
        Lock::Key(kek) => ((*kek).clone(), Kdf::KeyFile),
        Lock::Passphrase { passphrase, params } => {
            let mut salt = [0u8; SALT_LEN];
            rng.fill_bytes(&mut salt);
            let kek = Kek::from_passphrase(passphrase, &salt, *params)?;
            (kek, Kdf::Argon2id { params: *params, salt: hex::encode(salt) })
        }
    };
    let mut wrap_nonce = [0u8; 12];
    rng.fill_bytes(&mut wrap_nonce);
    let wrapped = kek.wrap(data_key, &wrap_nonce, aad);
    Ok(KeySlot {
        key_id: kek.id().to_string(),
        kdf,
        wrap_nonce: hex::encode(wrap_nonce),
        wrapped_key: hex::encode(wrapped),
    })
}

/// Reads the header of a sealed bank without a key (structure checked, not authenticity).
pub fn read_header(bytes: &[u8]) -> Result<(SealHeader, KeySlot), SealError> {
    let parts = format::split(bytes)?;
    Ok((parts.header, parts.slot))
}

/// Recovers the data key of a split file.
fn unlock_data_key(parts: &format::Parts<'_>, unlock: &Unlock<'_>) -> Result<Zeroizing<[u8; KEY_LEN]>, SealError> {
    unlock_slot(&parts.slot, parts.aad, unlock)
}

/// Wraps a data key that protects something other than a bank (the exam
/// store's personal data) under `lock`, exactly as a bank's data key is
/// wrapped; `label` is bound to the slot as associated data.
pub fn wrap_key(
    data_key: &[u8; KEY_LEN],
    label: &str,
    lock: &Lock<'_>,
    rng: &mut impl rand_core::CryptoRngCore,
) -> Result<KeySlot, SealError> {
    make_slot(data_key, label.as_bytes(), lock, rng)
}

/// Recovers a data key wrapped by [`wrap_key`] with the same `label`.
pub fn unwrap_key(slot: &KeySlot, label: &str, unlock: &Unlock<'_>) -> Result<Zeroizing<[u8; KEY_LEN]>, SealError> {
    unlock_slot(slot, label.as_bytes(), unlock)
}

fn unlock_slot(slot: &KeySlot, aad: &[u8], unlock: &Unlock<'_>) -> Result<Zeroizing<[u8; KEY_LEN]>, SealError> {
    let kek = match (unlock, &slot.kdf) {
        (Unlock::Key(kek), Kdf::KeyFile) => (*kek).clone(),
        (Unlock::Passphrase(pass), Kdf::Argon2id { params, salt }) => {
            if !params.within_limits() {
                return Err(SealError::HeaderDamaged(format!("key slot: Argon2 parameters out of range: {params:?}")));
            }
            let mut salt_bytes = vec![0u8; salt.len() / 2];
            format::lower_hex(salt, &mut salt_bytes, "key slot: salt")?;
            let salt = salt_bytes;
            Kek::from_passphrase(pass, &salt, *params)?
        }
        (Unlock::Key(_), Kdf::Argon2id { .. }) => return Err(SealError::NeedsPassphrase),
        (Unlock::Passphrase(_), Kdf::KeyFile) => return Err(SealError::NeedsKeyFile),
    };
    let sealed_with = slot.key_id()?;
    if kek.id() != sealed_with {
        return Err(SealError::WrongKey { sealed_with, given: kek.id() });
    }
    kek.unwrap_key(&slot.wrapped_key()?, &slot.wrap_nonce()?, aad).ok_or(SealError::HeaderTampered)
}

/// Decrypts and authenticates the body of a split file.
fn decrypt_body(parts: &format::Parts<'_>, data_key: &[u8; KEY_LEN]) -> Result<Zeroizing<Vec<u8>>, SealError> {
    if parts.header.cipher != CIPHER {
        return Err(SealError::HeaderDamaged(format!("unknown cipher `{}`", parts.header.cipher)));
    }
    let nonce = format::nonce(&parts.header.body_nonce, "header: body_nonce")?;
    let mut body = Zeroizing::new(parts.body.to_vec());
    Aes256Gcm::new(data_key.into())
        .decrypt_in_place(Nonce::from_slice(&nonce), parts.aad, &mut *body)
        .map_err(|_| SealError::BodyTampered)?;
    Ok(body)
}

/// Opens a sealed bank: authenticates header and body, decrypts, decodes and
/// checks the content hash.
pub fn open(bytes: &[u8], unlock: &Unlock<'_>) -> Result<BankSource, SealError> {
    let parts = format::split(bytes)?;
    let data_key = unlock_data_key(&parts, unlock)?;
    let body = decrypt_body(&parts, &data_key)?;
    let (bank, rest) = postcard::take_from_bytes::<Bank>(&body)
        .map_err(|e| SealError::ContentMismatch(format!("bank does not decode: {e}")))?;
    let bank_len = body.len() - rest.len();
    let spec: Option<PaperSpec> = postcard::from_bytes(rest)
        .map_err(|e| SealError::ContentMismatch(format!("paper spec does not decode: {e}")))?;
    let hash = BankHash::of_encoded(&body[..bank_len]);
    if hash.to_hex() != parts.header.content_hash {
        return Err(SealError::ContentMismatch(format!(
            "content hash is {hash}, the header says {}",
            parts.header.content_hash
        )));
    }
    if bank.items.len() as u64 != parts.header.item_count || bank.meta.id != parts.header.bank_id {
        return Err(SealError::ContentMismatch("bank id or item count differs from the header".into()));
    }
    Ok(BankSource { bank, spec })
}

/// Rewraps the data key under a new lock; the encrypted body is kept byte for
/// byte. The body is authenticated first so a damaged file is never rekeyed.
pub fn rekey(
    bytes: &[u8],
    old: &Unlock<'_>,
    new: &Lock<'_>,
    rng: &mut impl rand_core::CryptoRngCore,
) -> Result<Vec<u8>, SealError> {
    let parts = format::split(bytes)?;
    let data_key = unlock_data_key(&parts, old)?;
    decrypt_body(&parts, &data_key)?;
    let slot = make_slot(&data_key, parts.aad, new, rng)?;
    Ok(format::join(parts.aad, &slot, parts.body))
}
