//! What storage can fail with.

use std::path::PathBuf;

/// What storage can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data directory cannot be created.
    #[error("cannot create data directory {dir}: {source}")]
    Dir {
        /// Directory.
        dir: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// sled refused to open (most often: another process holds it).
    #[error("cannot open the store in {dir} (is another kaoshi using it?): {source}")]
    Open {
        /// Directory.
        dir: PathBuf,
        /// Cause.
        source: sled::Error,
    },
    /// sled failed.
    #[error("storage: {0}")]
    Sled(#[from] sled::Error),
    /// A stored record does not decode.
    #[error("corrupt record {tree}/{key}: {detail}")]
    Corrupt {
        /// Tree.
        tree: &'static str,
        /// Key (printable form).
        key: String,
        /// What is wrong.
        detail: String,
    },
    /// A record does not encode.
    #[error("cannot encode a record: {0}")]
    Encode(#[from] serde_json::Error),
    /// The flush failed.
    #[error("flush failed: {0}")]
    Flush(String),
    /// Personal data cannot be read or written: no key, a wrong key, a damaged value.
    #[error("{0}")]
    Personal(String),
    /// The commit task is gone.
    #[error("the commit task has stopped")]
    CommitStopped,
}

impl From<super::personal::PersonalError> for StoreError {
    fn from(e: super::personal::PersonalError) -> StoreError {
        StoreError::Personal(e.0)
    }
}
