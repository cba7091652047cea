//! Personal data at rest: candidates' identity numbers are stored encrypted
//! (AES-256-GCM) under a data key of the data directory, and that key is
//! wrapped by the organisation's key — the key file or passphrase the banks
//! are sealed with — exactly as a bank's data key is (a key slot in the
//! `meta` tree). Whoever copies the data directory without the key gets
//! ciphertext; the server and the commands given the key see plaintext in
//! memory only.
//!
//! A stored value is `enc1:` + hex(nonce ‖ ciphertext ‖ tag), with the batch
//! and ticket as associated data, so a value cannot be moved to another
//! seat. Plaintext values from data directories written before this are
//! read as they are and encrypted when the key is first given.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use kaoshi_engine::seal::{self, Argon2Params, KeySlot, Lock, Unlock, KEY_LEN};
use rand::RngCore;
use zeroize::Zeroizing;

/// The label the key slot is bound to.
pub(super) const LABEL: &str = "kaoshi personal data v1";
const PREFIX: &str = "enc1:";

/// Personal data cannot be read or written: no key, a wrong key, a damaged value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PersonalError(pub String);

/// The data key for personal data.
pub struct PersonalKey(Zeroizing<[u8; KEY_LEN]>);

impl std::fmt::Debug for PersonalKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PersonalKey(…)")
    }
}

/// Whether a stored value is encrypted.
pub fn is_sealed(value: &str) -> bool {
    value.starts_with(PREFIX)
}

fn aad(batch: &str, ticket: &str) -> Vec<u8> {
    format!("{batch}\n{ticket}").into_bytes()
}

/// A biometric value's associated data: its seat and its kind.
fn kind_aad(batch: &str, ticket: &str, what: &str) -> Vec<u8> {
    format!("{batch}\n{ticket}\n{what}").into_bytes()
}

impl PersonalKey {
    /// A new random key.
    pub fn generate() -> PersonalKey {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        rand::rngs::OsRng.fill_bytes(key.as_mut());
        PersonalKey(key)
    }

    /// The key wrapped by the organisation's key (a passphrase gets Argon2id's default costs).
    pub fn wrap(&self, unlock: &Unlock<'_>) -> Result<KeySlot, PersonalError> {
        let lock = match unlock {
            Unlock::Key(kek) => Lock::Key(kek),
            Unlock::Passphrase(p) => Lock::Passphrase { passphrase: p, params: Argon2Params::default() },
        };
        seal::wrap_key(&self.0, LABEL, &lock, &mut rand::rngs::OsRng).map_err(|e| PersonalError(e.to_string()))
    }

    /// The key from its slot.
    pub fn unwrap(slot: &KeySlot, unlock: &Unlock<'_>) -> Result<PersonalKey, PersonalError> {
        seal::unwrap_key(slot, LABEL, unlock).map(PersonalKey).map_err(|e| {
            PersonalError(format!(
                "the identity numbers in this data directory are encrypted under key {}: {e}",
                slot.key_id
            ))
        })
    }

    /// nonce ‖ AES-256-GCM(plain) under `aad`, with a fresh random nonce.
    fn encrypt(&self, aad: &[u8], plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let cipher = Aes256Gcm::new(self.0.as_ref().into());
        // Encryption only fails beyond GCM's 64 GiB limit.
        let sealed = cipher.encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad }).unwrap_or_default();
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        bytes
    }

    /// What [`PersonalKey::encrypt`] sealed, or `None` when it does not open.
    fn decrypt(&self, aad: &[u8], stored: &[u8]) -> Option<Vec<u8>> {
        if stored.len() < 12 {
            return None;
        }
        let (nonce, sealed) = stored.split_at(12);
        Aes256Gcm::new(self.0.as_ref().into()).decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad }).ok()
    }

    /// Encrypts a seat's identity number.
    pub fn seal(&self, batch: &str, ticket: &str, plain: &str) -> String {
        format!("{PREFIX}{}", hex::encode(self.encrypt(&aad(batch, ticket), plain.as_bytes())))
    }

    /// Encrypts a seat's biometric data (a photo, a capture, a descriptor):
    /// nonce ‖ ciphertext ‖ tag, bound to the seat and to what it is, so an
    /// enrolment photo cannot be swapped for a capture or moved to another seat.
    pub fn seal_bytes(&self, batch: &str, ticket: &str, what: &str, plain: &[u8]) -> Vec<u8> {
        self.encrypt(&kind_aad(batch, ticket, what), plain)
    }

    /// Decrypts what [`PersonalKey::seal_bytes`] sealed.
    pub fn open_bytes(&self, batch: &str, ticket: &str, what: &str, stored: &[u8]) -> Result<Vec<u8>, PersonalError> {
        self.decrypt(&kind_aad(batch, ticket, what), stored)
            .ok_or_else(|| PersonalError(format!("seat {ticket} of batch {batch}: its {what} does not decrypt")))
    }

    /// Decrypts a seat's identity number; plaintext passes through.
    pub fn open(&self, batch: &str, ticket: &str, stored: &str) -> Result<String, PersonalError> {
        let Some(hex_part) = stored.strip_prefix(PREFIX) else { return Ok(stored.to_string()) };
        let wrong = || PersonalError(format!("seat {ticket} of batch {batch}: its identity number does not decrypt"));
        let bytes = hex::decode(hex_part).map_err(|_| wrong())?;
        let plain = self.decrypt(&aad(batch, ticket), &bytes).ok_or_else(wrong)?;
        String::from_utf8(plain).map_err(|_| wrong())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaoshi_engine::seal::Kek;

    #[test]
    fn identity_numbers_round_trip_bound_to_their_seat_and_key() {
        let kek = Kek::from_bytes([9; 32]);
        let key = PersonalKey::generate();
        let slot = key.wrap(&Unlock::Key(&kek)).expect("wrap");
        let again = PersonalKey::unwrap(&slot, &Unlock::Key(&kek)).expect("unwrap");
        let sealed = key.seal("b", "T1", "11010519491231002X");
        assert!(is_sealed(&sealed) && !sealed.contains("1101051949"));
        assert_ne!(sealed, key.seal("b", "T1", "11010519491231002X"), "a fresh nonce each time");
        assert_eq!(again.open("b", "T1", &sealed).expect("open"), "11010519491231002X");
        assert!(again.open("b", "T2", &sealed).is_err(), "moved to another seat");
        assert!(PersonalKey::generate().open("b", "T1", &sealed).is_err(), "another data key");
        assert_eq!(again.open("b", "T1", "plain").expect("legacy"), "plain");
        let other = Kek::from_bytes([8; 32]);
        let err = PersonalKey::unwrap(&slot, &Unlock::Key(&other)).expect_err("wrong key");
        assert!(err.to_string().contains("encrypted under key"), "{err}");
    }

    #[test]
    fn biometric_bytes_are_bound_to_their_seat_and_kind() {
        let key = PersonalKey::generate();
        let photo = b"\xff\xd8 a jpeg".to_vec();
        let sealed = key.seal_bytes("b", "T1", "enrolment", &photo);
        assert!(!sealed.windows(6).any(|w| w == b"a jpeg"));
        assert_eq!(key.open_bytes("b", "T1", "enrolment", &sealed).expect("open"), photo);
        assert!(key.open_bytes("b", "T1", "capture", &sealed).is_err(), "swapped for a capture");
        assert!(key.open_bytes("b", "T2", "enrolment", &sealed).is_err(), "moved to another seat");
        assert!(key.open_bytes("b", "T1", "enrolment", &sealed[..5]).is_err(), "truncated");
    }
}
