//! The organisation's signing key (Ed25519): archives are signed with it,
//! so that a bureau can tell who produced an archive and that nobody
//! changed it since — the unkeyed hashes inside an archive only show that
//! it is consistent, which a forger can also arrange.
//!
//! Key files are short text files: a first line naming the kind and
//! version, then `key-id:` and the key in hex. The secret one is written
//! 0600 and never leaves the organisation; the public one is given to
//! bureaus and auditors.

use ed25519_dalek::{Signer, Verifier};
use std::fmt;

const SECRET_KIND: &str = "kaoshi-signing-key v1";
const PUBLIC_KIND: &str = "kaoshi-signing-public-key v1";

/// Why a key file or a signature is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    /// The file is not a key of the kind asked for.
    #[error("line 1: not a {0} (expected the line `{0}`)")]
    Kind(&'static str),
    /// A line is missing or malformed.
    #[error("line {line}: {problem}")]
    Line {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// The key id does not belong to the key.
    #[error("line 2: the key id {stated} does not belong to this key (it is {actual})")]
    KeyId {
        /// The file's.
        stated: String,
        /// The key's.
        actual: String,
    },
}

/// The organisation's secret signing key.
pub struct SigningKey(ed25519_dalek::SigningKey);

/// A public key that checks signatures.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({})", self.public().key_id())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.key_id())
    }
}

fn field<'a>(text: &'a str, line: usize, name: &str) -> Result<&'a str, SigningError> {
    text.lines()
        .nth(line - 1)
        .and_then(|l| l.trim().strip_prefix(name))
        .map(str::trim)
        .ok_or_else(|| SigningError::Line { line, problem: format!("expected `{name} …`") })
}

fn hex32(text: &str, line: usize) -> Result<[u8; 32], SigningError> {
    let bytes = hex::decode(text).map_err(|e| SigningError::Line { line, problem: format!("not hex: {e}") })?;
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| SigningError::Line { line, problem: format!("{} bytes, expected 32", b.len()) })
}

impl SigningKey {
    /// A new random key.
    pub fn generate() -> SigningKey {
        SigningKey(ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng))
    }

    /// The public half.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// Signs `message`; the signature in hex.
    pub fn sign(&self, message: &[u8]) -> String {
        hex::encode(self.0.sign(message).to_bytes())
    }

    /// The key file's text.
    pub fn to_file(&self) -> String {
        format!("{SECRET_KIND}\nkey-id: {}\nsecret: {}\n", self.public().key_id(), hex::encode(self.0.to_bytes()))
    }

    /// A key from its file's text.
    pub fn from_file(text: &str) -> Result<SigningKey, SigningError> {
        if text.lines().next().map(str::trim) != Some(SECRET_KIND) {
            return Err(SigningError::Kind(SECRET_KIND));
        }
        let stated = field(text, 2, "key-id:")?;
        let key = SigningKey(ed25519_dalek::SigningKey::from_bytes(&hex32(field(text, 3, "secret:")?, 3)?));
        let actual = key.public().key_id();
        if stated != actual {
            return Err(SigningError::KeyId { stated: stated.to_string(), actual });
        }
        Ok(key)
    }
}

impl PublicKey {
    /// The key id: 16 hex digits of a BLAKE3 hash of the key.
    pub fn key_id(&self) -> String {
        hex::encode(&blake3::derive_key("kaoshi signing key id v1", self.0.as_bytes())[..8])
    }

    /// The key in hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.as_bytes())
    }

    /// A key from hex.
    pub fn from_hex(text: &str) -> Result<PublicKey, SigningError> {
        let bytes = hex32(text, 1)?;
        ed25519_dalek::VerifyingKey::from_bytes(&bytes)
            .map(PublicKey)
            .map_err(|e| SigningError::Line { line: 1, problem: format!("not an Ed25519 public key: {e}") })
    }

    /// The public key file's text.
    pub fn to_file(&self) -> String {
        format!("{PUBLIC_KIND}\nkey-id: {}\npublic: {}\n", self.key_id(), self.to_hex())
    }

    /// A key from its file's text.
    pub fn from_file(text: &str) -> Result<PublicKey, SigningError> {
        if text.lines().next().map(str::trim) != Some(PUBLIC_KIND) {
            return Err(SigningError::Kind(PUBLIC_KIND));
        }
        let stated = field(text, 2, "key-id:")?;
        let key = PublicKey::from_hex(field(text, 3, "public:")?)
            .map_err(|e| SigningError::Line { line: 3, problem: e.to_string() })?;
        if stated != key.key_id() {
            return Err(SigningError::KeyId { stated: stated.to_string(), actual: key.key_id() });
        }
        Ok(key)
    }

    /// Whether `signature` (hex) is this key's over `message`.
    pub fn verifies(&self, message: &[u8], signature: &str) -> bool {
        let Ok(bytes) = hex::decode(signature) else { return false };
        let Ok(bytes) = <[u8; 64]>::try_from(bytes.as_slice()) else { return false };
        self.0.verify(message, &ed25519_dalek::Signature::from_bytes(&bytes)).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_their_files_and_signatures_check() {
        let key = SigningKey::generate();
        let again = SigningKey::from_file(&key.to_file()).expect("secret file");
        assert_eq!(again.public(), key.public());
        let public = PublicKey::from_file(&key.public().to_file()).expect("public file");
        let sig = key.sign(b"archive hash");
        assert!(public.verifies(b"archive hash", &sig));
        assert!(!public.verifies(b"another hash", &sig));
        assert!(!SigningKey::generate().public().verifies(b"archive hash", &sig));
        assert!(!public.verifies(b"archive hash", "zz"));
    }

    #[test]
    fn bad_key_files_name_the_line() {
        let key = SigningKey::generate();
        assert_eq!(PublicKey::from_file(&key.to_file()).err(), Some(SigningError::Kind(PUBLIC_KIND)));
        let text = key.to_file().replace("secret: ", "secret: 00");
        assert!(matches!(SigningKey::from_file(&text), Err(SigningError::Line { line: 3, .. })));
        let other = SigningKey::generate().public().key_id();
        let text = key.public().to_file().replace(&key.public().key_id(), &other);
        assert!(matches!(PublicKey::from_file(&text), Err(SigningError::KeyId { .. })));
    }
}
