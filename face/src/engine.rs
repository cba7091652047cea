//! The loaded models: a small pool of dlib engines (a dlib network is not
//! safe to share between threads), each used by one caller at a time.

use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};

use image::RgbImage;

use crate::{picture, quality, Descriptor, FaceError};

pub const LANDMARKS_FILE: &str = "shape_predictor_5_face_landmarks.dat";
pub const NETWORK_FILE: &str = "dlib_face_recognition_resnet_model_v1.dat";

/// A face's box in the decoded (upright, possibly scaled) photo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
}

impl Rect {
    pub fn width(&self) -> u32 {
        (self.right - self.left + 1).max(0) as u32
    }
    pub fn height(&self) -> u32 {
        (self.bottom - self.top + 1).max(0) as u32
    }
}

#[derive(Clone, Debug)]
pub struct Face {
    pub rect: Rect,
    pub descriptor: Descriptor,
}

/// BLAKE3 of the two model files, for the event log: which weights judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelHashes {
    pub landmarks: String,
    pub network: String,
}

pub struct Models {
    dir: PathBuf,
    hashes: ModelHashes,
    pool: Mutex<Vec<ffi::Engine>>,
    returned: Condvar,
    size: usize,
}

impl Models {
    /// Loads `engines` copies of the models from `dir` (each ~100 MB of
    /// memory once loaded); calls beyond that many wait their turn.
    pub fn open(dir: &Path, engines: usize) -> Result<Models, FaceError> {
        let landmarks = dir.join(LANDMARKS_FILE);
        let network = dir.join(NETWORK_FILE);
        let hash = |path: &Path| -> Result<String, FaceError> {
            let bytes =
                std::fs::read(path).map_err(|e| FaceError::Models { path: path.to_path_buf(), why: e.to_string() })?;
            Ok(blake3::hash(&bytes).to_hex().to_string())
        };
        let hashes = ModelHashes { landmarks: hash(&landmarks)?, network: hash(&network)? };
        let size = engines.max(1);
        let mut pool = Vec::with_capacity(size);
        for _ in 0..size {
            pool.push(ffi::Engine::open(&landmarks, &network)?);
        }
        Ok(Models { dir: dir.to_path_buf(), hashes, pool: Mutex::new(pool), returned: Condvar::new(), size })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn hashes(&self) -> &ModelHashes {
        &self.hashes
    }

    /// How many photos can be described at the same time.
    pub fn engines(&self) -> usize {
        self.size
    }

    /// Every face in a JPEG or PNG, described.
    pub fn faces(&self, image: &[u8]) -> Result<Vec<Face>, FaceError> {
        let picture = picture::decode(image)?;
        self.faces_in(&picture, usize::MAX)
    }

    /// The one face in a photo: none or several is an error.
    pub fn face(&self, image: &[u8]) -> Result<Face, FaceError> {
        let picture = picture::decode(image)?;
        one(self.faces_in(&picture, 1)?)
    }

    /// The one face of an enrolment photo, which must also be large enough
    /// and in focus (see `MIN_FACE_PX`, `MIN_SHARPNESS`).
    pub fn enrolment(&self, image: &[u8]) -> Result<Face, FaceError> {
        let picture = picture::decode(image)?;
        let face = one(self.faces_in(&picture, 1)?)?;
        quality::check(&picture, &face.rect)?;
        Ok(face)
    }

    /// Describes at most `max` faces, but counts them all.
    fn faces_in(&self, picture: &RgbImage, max: usize) -> Result<Vec<Face>, FaceError> {
        let engine = self.take();
        let found = engine.faces(picture, max);
        self.give_back(engine);
        found
    }

    fn take(&self) -> ffi::Engine {
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(engine) = pool.pop() {
                return engine;
            }
            pool = self.returned.wait(pool).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn give_back(&self, engine: ffi::Engine) {
        self.pool.lock().unwrap_or_else(|p| p.into_inner()).push(engine);
        self.returned.notify_one();
    }
}

/// `faces_in` returns every face counted, described or not (an undescribed
/// face has an empty descriptor), so "several" names the real count.
fn one(mut faces: Vec<Face>) -> Result<Face, FaceError> {
    match faces.len() {
        0 => Err(FaceError::NoFace),
        1 => Ok(faces.remove(0)),
        n => Err(FaceError::Several(n)),
    }
}

#[cfg(kaoshi_dlib)]
#[allow(unsafe_code)]
mod ffi {
    use std::ffi::{c_char, c_int, c_long, c_void, CString};
    use std::path::Path;

    use image::RgbImage;

    use super::{Face, Rect};
    use crate::{Descriptor, FaceError, DESCRIPTOR_LEN};

    extern "C" {
        fn kf_open(landmarks: *const c_char, net: *const c_char, err: *mut c_char, err_len: usize) -> *mut c_void;
        fn kf_close(engine: *mut c_void);
        fn kf_faces(
            engine: *mut c_void,
            rgb: *const u8,
            width: c_long,
            height: c_long,
            max: c_int,
            rects: *mut i32,
            descs: *mut f32,
            err: *mut c_char,
            err_len: usize,
        ) -> c_int;
    }

    /// One loaded detector + landmark model + network. Owned by one thread
    /// at a time (the pool hands it out), hence `Send` but not `Sync`.
    pub struct Engine(*mut c_void);

    // SAFETY: dlib's objects have no thread affinity; they only must not be
    // used from two threads at once, which `&mut`-free exclusive ownership
    // through the pool guarantees.
    unsafe impl Send for Engine {}

    fn message(buf: &[u8]) -> String {
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    }

    fn c_path(path: &Path) -> Result<CString, FaceError> {
        CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| FaceError::Models { path: path.to_path_buf(), why: "the path contains a NUL byte".into() })
    }

    impl Engine {
        pub fn open(landmarks: &Path, network: &Path) -> Result<Engine, FaceError> {
            let (l, n) = (c_path(landmarks)?, c_path(network)?);
            let mut err = [0u8; 512];
            // SAFETY: both strings are NUL-terminated and outlive the call;
            // `err` is writable for its stated length.
            let handle = unsafe { kf_open(l.as_ptr(), n.as_ptr(), err.as_mut_ptr().cast(), err.len()) };
            if handle.is_null() {
                return Err(FaceError::Models {
                    path: network.parent().unwrap_or(network).to_path_buf(),
                    why: message(&err),
                });
            }
            Ok(Engine(handle))
        }

        pub fn faces(&self, picture: &RgbImage, max: usize) -> Result<Vec<Face>, FaceError> {
            // The detector counts every face; describing is the costly part,
            // so at most `max` (capped to keep the buffers small) are.
            let cap = max.min(16);
            let mut rects = vec![0i32; 4 * cap];
            let mut descs = vec![0f32; DESCRIPTOR_LEN * cap];
            let mut err = [0u8; 512];
            // SAFETY: `picture` holds width×height×3 bytes; `rects` and
            // `descs` hold room for `cap` faces, which the shim never exceeds.
            let n = unsafe {
                kf_faces(
                    self.0,
                    picture.as_raw().as_ptr(),
                    picture.width() as c_long,
                    picture.height() as c_long,
                    cap as c_int,
                    rects.as_mut_ptr(),
                    descs.as_mut_ptr(),
                    err.as_mut_ptr().cast(),
                    err.len(),
                )
            };
            if n < 0 {
                return Err(FaceError::Dlib(message(&err)));
            }
            let n = n as usize;
            let mut faces = Vec::with_capacity(n);
            for i in 0..n {
                let (rect, descriptor) = if i < cap {
                    let r = &rects[4 * i..4 * i + 4];
                    let mut d = [0f32; DESCRIPTOR_LEN];
                    d.copy_from_slice(&descs[DESCRIPTOR_LEN * i..DESCRIPTOR_LEN * (i + 1)]);
                    (Rect { left: r[0], top: r[1], right: r[2], bottom: r[3] }, Descriptor(d))
                } else {
                    (Rect { left: 0, top: 0, right: -1, bottom: -1 }, Descriptor([0.0; DESCRIPTOR_LEN]))
                };
                faces.push(Face { rect, descriptor });
            }
            Ok(faces)
        }
    }

    impl Drop for Engine {
        fn drop(&mut self) {
            // SAFETY: the handle came from kf_open and is closed once.
            unsafe { kf_close(self.0) }
        }
    }
}

#[cfg(not(kaoshi_dlib))]
mod ffi {
    use std::path::Path;

    use image::RgbImage;

    use super::Face;
    use crate::FaceError;

    pub struct Engine;

    impl Engine {
        pub fn open(_: &Path, _: &Path) -> Result<Engine, FaceError> {
            Err(FaceError::Unavailable)
        }
        pub fn faces(&self, _: &RgbImage, _: usize) -> Result<Vec<Face>, FaceError> {
            Err(FaceError::Unavailable)
        }
    }
}
