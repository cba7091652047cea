//! What can go wrong exporting or verifying an archive.

/// What can go wrong exporting or verifying.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The file does not verify (or is not an archive).
    #[error("{0}")]
    Invalid(String),
    /// The batch to export does not exist or is incomplete.
    #[error("{0}")]
    Missing(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

pub(super) fn invalid(message: impl Into<String>) -> ArchiveError {
    ArchiveError::Invalid(message.into())
}

pub(super) type Result<T> = std::result::Result<T, ArchiveError>;
