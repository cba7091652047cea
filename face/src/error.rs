use std::path::PathBuf;

/// What can go wrong finding or describing a face. The messages are the CLI's
/// (`error: A.jpg: no face found`); the server maps each variant to its own
/// Chinese message.
#[derive(Debug, thiserror::Error)]
pub enum FaceError {
    #[error("face matching is not available: this kaoshi was built without dlib (install libdlib-dev and rebuild)")]
    Unavailable,
    #[error("{path}: {why}")]
    Models { path: PathBuf, why: String },
    #[error("not a readable JPEG or PNG image: {0}")]
    Image(String),
    #[error("no face found")]
    NoFace,
    #[error("{0} faces found, expected exactly one")]
    Several(usize),
    #[error("the face is {px} pixels wide, at least {min} are needed")]
    TooSmall { px: u32, min: u32 },
    #[error("the face is blurred (sharpness {score:.0}, at least {min:.0} is needed)")]
    Blurred { score: f64, min: f64 },
    #[error("dlib failed: {0}")]
    Dlib(String),
}
