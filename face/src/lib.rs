//! Face matching for identity checks at the seat (人脸识别).
//!
//! dlib's frontal-face HOG detector finds faces, its 5-point landmark model
//! aligns each to a 150×150 chip and its face-recognition ResNet turns the
//! chip into a 128-d descriptor; two photos of the same person lie within
//! about 0.6 of each other (LFW 99.38 %). The weights are dlib's CC0 `.dat`
//! files, read from a directory the operator installs (see the README); this
//! crate never downloads anything.

mod descriptor;
mod engine;
mod error;
mod picture;
mod quality;

pub use descriptor::{Descriptor, Thresholds, Verdict, DESCRIPTOR_LEN};
pub use engine::{Face, ModelHashes, Models, Rect, LANDMARKS_FILE, NETWORK_FILE};
pub use error::FaceError;
pub use quality::{MIN_FACE_PX, MIN_SHARPNESS};

/// Whether `image` is a JPEG or PNG that decodes: the check a server without
/// the models still makes of an enrolment photo.
pub fn readable(image: &[u8]) -> Result<(), FaceError> {
    picture::decode(image).map(|_| ())
}
