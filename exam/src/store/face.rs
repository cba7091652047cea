//! Biometric data of seats (人脸识别): enrolment photos, their descriptors
//! and the captures taken at the seat. Every value is sealed under the
//! personal data key (AES-256-GCM, bound to batch, ticket and kind), so it
//! cannot be stored at all before the organisation's key was given. Kept in
//! the `meta` tree under `face/{batch}/{ticket}/{kind}`; archives and exports
//! never read this prefix, and deletion after publication removes it whole.

use super::{keys, Result, Store, StoreError};

/// What a stored biometric value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaceKind {
    /// The enrolment photo (登记照片), JPEG or PNG as uploaded.
    Enrolment,
    /// Its 128-d descriptor (512 bytes).
    EnrolmentDescriptor,
    /// The latest capture at the seat.
    Capture,
    /// The capture behind the latest mismatch alert, kept for the proctor.
    Alert,
}

impl FaceKind {
    /// Every kind, in declaration order.
    pub const ALL: [FaceKind; 4] =
        [FaceKind::Enrolment, FaceKind::EnrolmentDescriptor, FaceKind::Capture, FaceKind::Alert];

    /// The stored name (the last part of the key).
    pub fn as_str(self) -> &'static str {
        match self {
            FaceKind::Enrolment => "enrolment",
            FaceKind::EnrolmentDescriptor => "enrolment.descriptor",
            FaceKind::Capture => "capture",
            FaceKind::Alert => "alert",
        }
    }
}

impl Store {
    fn personal_key(&self) -> Result<&super::PersonalKey> {
        self.personal.get().ok_or_else(|| {
            StoreError::Personal(
                "photos are personal data and are stored encrypted: give the organisation's --key-file or --passphrase-env"
                    .into(),
            )
        })
    }

    /// Whether biometric data can be stored (the personal-data key is open).
    pub fn personal_ready(&self) -> bool {
        self.personal.get().is_some()
    }

    /// Removes every biometric value of one seat (a withdrawal, a changed identity).
    pub fn remove_seat_faces(&self, batch: &str, ticket: &str) -> Result<()> {
        for kind in FaceKind::ALL {
            self.remove_face(batch, ticket, kind)?;
        }
        Ok(())
    }

    /// Stores a biometric value, sealed.
    pub fn put_face(&self, batch: &str, ticket: &str, kind: FaceKind, plain: &[u8]) -> Result<()> {
        let sealed = self.personal_key()?.seal_bytes(batch, ticket, kind.as_str(), plain);
        let len = sealed.len();
        self.trees.meta.insert(keys::face(batch, ticket, kind.as_str()), sealed)?;
        self.progress.wrote(len);
        Ok(())
    }

    /// A biometric value, opened.
    pub fn face(&self, batch: &str, ticket: &str, kind: FaceKind) -> Result<Option<Vec<u8>>> {
        let Some(sealed) = self.trees.meta.get(keys::face(batch, ticket, kind.as_str()))? else { return Ok(None) };
        Ok(Some(self.personal_key()?.open_bytes(batch, ticket, kind.as_str(), &sealed)?))
    }

    /// Whether a seat has a value of this kind (no key needed).
    pub fn has_face(&self, batch: &str, ticket: &str, kind: FaceKind) -> Result<bool> {
        Ok(self.trees.meta.contains_key(keys::face(batch, ticket, kind.as_str()))?)
    }

    /// Removes one value.
    pub fn remove_face(&self, batch: &str, ticket: &str, kind: FaceKind) -> Result<()> {
        self.remove(&self.trees.meta, &keys::face(batch, ticket, kind.as_str()))
    }

    /// Removes every biometric value of a batch; returns how many values of
    /// each kind went, in [`FaceKind`] order.
    pub fn remove_faces(&self, batch: &str) -> Result<[usize; 4]> {
        let mut counts = [0usize; 4];
        let prefix = keys::face_batch(batch);
        let stored: Vec<sled::IVec> = self.trees.meta.scan_prefix(&prefix).keys().collect::<sled::Result<_>>()?;
        for key in stored {
            let kind = key.rsplit(|&b| b == b'/').next().unwrap_or_default();
            if let Some(i) = FaceKind::ALL.iter().position(|k| k.as_str().as_bytes() == kind) {
                counts[i] += 1;
            }
            self.trees.meta.remove(&key)?;
        }
        self.progress.wrote(0);
        Ok(counts)
    }

    /// How many values a batch holds (zero once deleted).
    pub fn face_count(&self, batch: &str) -> usize {
        self.trees.meta.scan_prefix(keys::face_batch(batch)).count()
    }
}
