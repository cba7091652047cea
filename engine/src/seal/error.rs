//! Why a sealed bank could not be opened, sealed or rekeyed.

use super::key_id::KeyId;

/// Why a sealed bank could not be opened, sealed or rekeyed. Each cause has
/// its own variant so a person can tell a wrong key from a damaged file.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The file does not start with the kaoshi magic.
    #[error("not a kaoshi sealed bank (the file does not start with KAOSHIBK)")]
    NotSealedBank,
    /// A format version this build cannot read.
    #[error("sealed bank format version {found} is not supported (this kaoshi reads version {supported})")]
    UnsupportedVersion {
        /// Version in the file.
        found: u16,
        /// Version this build reads.
        supported: u16,
    },
    /// The file ends early.
    #[error("file is truncated: the {what} needs {expected} bytes, the file has {actual}")]
    Truncated {
        /// Which part is cut.
        what: String,
        /// Bytes needed up to the end of that part.
        expected: u64,
        /// Bytes in the file.
        actual: u64,
    },
    /// Bytes after the body.
    #[error("file has {extra} unexpected bytes after the encrypted body")]
    TrailingBytes {
        /// Count of extra bytes.
        extra: u64,
    },
    /// The header or key slot cannot be read.
    #[error("header is damaged: {0}")]
    HeaderDamaged(String),
    /// The key given is not the one the bank was sealed with.
    #[error("wrong key: the bank was sealed with key {sealed_with}, the key given is {given}")]
    WrongKey {
        /// Key id in the file.
        sealed_with: KeyId,
        /// Id of the key given.
        given: KeyId,
    },
    /// A key file was given for a passphrase-sealed bank.
    #[error("the bank was sealed with a passphrase, not a key file")]
    NeedsPassphrase,
    /// A passphrase was given for a key-file-sealed bank.
    #[error("the bank was sealed with a key file, not a passphrase")]
    NeedsKeyFile,
    /// The header or key slot was altered after sealing.
    #[error("header has been tampered with: it no longer matches its authentication tag")]
    HeaderTampered,
    /// The encrypted body was altered after sealing.
    #[error("encrypted body has been tampered with or damaged: authentication failed")]
    BodyTampered,
    /// The body decrypted but is not what the header describes.
    #[error("bank content does not match the header: {0}")]
    ContentMismatch(String),
    /// Argon2 refused the parameters.
    #[error("passphrase key derivation failed: {0}")]
    Kdf(String),
}
