//! dlib's face models and face_recognition's reference photos for the face
//! tests, fetched by `.ci/fetch-face-models` into target/. Where they (or a
//! dlib build) are missing a test prints SKIPPED and passes, unless
//! `KAOSHI_REQUIRE_FACE` is set (as `.ci/run` does), where it fails.
#![allow(dead_code)]

use std::io::Cursor;
use std::path::PathBuf;

fn target() -> PathBuf {
    // Both the root package and http/ include this file: find the workspace's target/.
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = if here.join("face").is_dir() { here } else { here.join("..") };
    root.join("target")
}

/// The models directory, or `None` (with SKIPPED printed) when this machine
/// cannot match faces.
pub fn models(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("KAOSHI_FACE_MODELS").map(PathBuf::from).unwrap_or_else(|| target().join("face-models"));
    match kaoshi_face::Models::open(&dir, 1) {
        Ok(_) => Some(dir),
        Err(e) => {
            assert!(
                std::env::var_os("KAOSHI_REQUIRE_FACE").is_none(),
                "{test}: face matching unavailable and KAOSHI_REQUIRE_FACE is set: {e}"
            );
            eprintln!("SKIPPED {test}: {e} (run .ci/fetch-face-models; install libdlib-dev)");
            None
        }
    }
}

/// A reference photo's path (obama.jpg, obama2.jpg, obama3.jpg, biden.jpg).
pub fn photo_path(name: &str) -> PathBuf {
    target().join("face-test-images").join(name)
}

/// A reference photo's bytes.
pub fn photo(name: &str) -> Vec<u8> {
    let path = photo_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (run .ci/fetch-face-models)", path.display()))
}

/// A reference photo as a seat's webcam frames the candidate: the head and
/// shoulders (the top 4:3 of the portrait) in 640×480, JPEG.
pub fn capture(name: &str) -> Vec<u8> {
    let frame = webcam(name);
    let mut out = Vec::new();
    frame.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg).expect("jpeg");
    out
}

/// The top 4:3 of a portrait photo, scaled to 640×480: a candidate about
/// 60 cm from the screen's camera.
pub fn webcam(name: &str) -> image::RgbImage {
    let img = image::load_from_memory(&photo(name)).expect("reference photo").to_rgb8();
    let h = (img.width() * 3 / 4).min(img.height());
    let top = image::imageops::crop_imm(&img, 0, 0, img.width(), h).to_image();
    image::imageops::resize(&top, 640, 480, image::imageops::FilterType::Triangle)
}

/// A photo scaled into a w×h grey frame.
pub fn frame(name: &str, w: u32, h: u32) -> image::RgbImage {
    let img = image::load_from_memory(&photo(name)).expect("reference photo").to_rgb8();
    let scaled = image::imageops::resize(
        &img,
        (img.width() * h / img.height()).min(w),
        h.min(img.height() * w / img.width()),
        image::imageops::FilterType::Triangle,
    );
    let mut out = image::RgbImage::from_pixel(w, h, image::Rgb([96, 96, 96]));
    let (x, y) = ((w - scaled.width()) / 2, (h - scaled.height()) / 2);
    image::imageops::overlay(&mut out, &scaled, x as i64, y as i64);
    out
}

/// Two people in one JPEG (obama beside biden).
pub fn two_faces() -> Vec<u8> {
    let (a, b) = (frame("obama.jpg", 600, 600), frame("biden.jpg", 600, 600));
    let mut out = image::RgbImage::new(1200, 600);
    image::imageops::overlay(&mut out, &a, 0, 0);
    image::imageops::overlay(&mut out, &b, 600, 0);
    let mut bytes = Vec::new();
    out.write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Jpeg).expect("jpeg");
    bytes
}

/// A grey picture with no face in it, PNG.
pub fn no_face() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(320, 240, image::Rgb([180, 180, 180]));
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).expect("png");
    out
}

/// A Y4M (YUV4MPEG2, 4:2:0) one-frame video of a reference photo, for
/// Chromium's `--use-file-for-fake-video-capture`.
pub fn y4m(name: &str) -> Vec<u8> {
    let (w, h) = (640u32, 480u32);
    let rgb = webcam(name);
    let mut out = format!("YUV4MPEG2 W{w} H{h} F15:1 Ip A1:1 C420jpeg\nFRAME\n").into_bytes();
    let px = |x: u32, y: u32| {
        let p = rgb.get_pixel(x, y);
        (p[0] as f32, p[1] as f32, p[2] as f32)
    };
    for y in 0..h {
        for x in 0..w {
            let (r, g, b) = px(x, y);
            out.push((0.299 * r + 0.587 * g + 0.114 * b).round().clamp(0.0, 255.0) as u8);
        }
    }
    let mut u = Vec::new();
    let mut v = Vec::new();
    for y in (0..h).step_by(2) {
        for x in (0..w).step_by(2) {
            let (r, g, b) = px(x, y);
            u.push((128.0 - 0.168736 * r - 0.331264 * g + 0.5 * b).round().clamp(0.0, 255.0) as u8);
            v.push((128.0 + 0.5 * r - 0.418688 * g - 0.081312 * b).round().clamp(0.0, 255.0) as u8);
        }
    }
    out.extend(u);
    out.extend(v);
    out
}
