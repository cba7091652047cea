//! `kaoshi face compare`: the CLI contract of the face matching.

use crate::support_faces as faces;
use std::process::Command;

fn compare(a: &std::path::Path, b: &std::path::Path, models: &std::path::Path, json: bool) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kaoshi"));
    cmd.args(["face", "compare"]).arg(a).arg(b).arg("--face-models").arg(models);
    if json {
        cmd.arg("--json");
    }
    cmd.output().expect("run kaoshi")
}

#[test]
fn face_compare_prints_distance_verdict_and_faces() {
    let Some(models) = faces::models("face_compare_prints_distance_verdict_and_faces") else { return };
    let out = compare(&faces::photo_path("obama.jpg"), &faces::photo_path("obama2.jpg"), &models, true);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("{\"distance\":"), "keys in the documented order: {text}");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let d = v["distance"].as_f64().expect("distance");
    assert!((0.2..=0.5).contains(&d), "{d}");
    assert_eq!(v["verdict"], "match");
    assert_eq!(v["faces"], serde_json::json!([1, 1]));

    let out = compare(&faces::photo_path("obama.jpg"), &faces::photo_path("biden.jpg"), &models, true);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["verdict"], "mismatch", "{v}");
    assert!(v["distance"].as_f64().expect("distance") > 0.6);

    let out = compare(&faces::photo_path("obama.jpg"), &faces::photo_path("obama3.jpg"), &models, false);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("distance 0.") && text.trim_end().ends_with("match"), "{text}");
}

#[test]
fn face_compare_names_the_photo_without_exactly_one_face() {
    let Some(models) = faces::models("face_compare_names_the_photo_without_exactly_one_face") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let blank = dir.path().join("A.png");
    std::fs::write(&blank, faces::no_face()).expect("write");
    let out = compare(&blank, &faces::photo_path("obama.jpg"), &models, true);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim(), format!("error: {}: no face found", blank.display()));

    let two = dir.path().join("two.jpg");
    std::fs::write(&two, faces::two_faces()).expect("write");
    let out = compare(&faces::photo_path("obama.jpg"), &two, &models, false);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("two.jpg: 2 faces found"), "{err}");

    let out = compare(&faces::photo_path("obama.jpg"), &dir.path().join("missing.jpg"), &models, false);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.jpg"));

    let out = compare(&faces::photo_path("obama.jpg"), &faces::photo_path("obama2.jpg"), dir.path(), false);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("shape_predictor_5_face_landmarks.dat"));
}

#[test]
fn batch_photos_uploads_a_directory_and_names_each_file() {
    let Some(models) = faces::models("batch_photos_uploads_a_directory_and_names_each_file") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let server = crate::serve::Server::start(&data, &["--demo", "--face-models", models.to_str().expect("utf8")]);
    let demo = crate::serve::demo(&data);
    let photos = tmp.path().join("照片");
    std::fs::create_dir(&photos).expect("dir");
    std::fs::write(photos.join(format!("{}.jpg", demo.candidates[0].0)), faces::photo("obama.jpg")).expect("write");
    std::fs::write(photos.join(format!("{}.png", demo.candidates[1].1)), faces::no_face()).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_kaoshi"))
        .args(["batch", "photos", "--server", &server.base, "--batch", "demo"])
        .arg(&photos)
        .env("KAOSHI_USER", "admin")
        .env("KAOSHI_PASSWORD", &demo.admin)
        .env("KAOSHI_TOKEN_FILE", tmp.path().join("tokens.json"))
        .output()
        .expect("run kaoshi");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "one photo has no face: {text}");
    assert!(text.contains(&format!("{}.jpg ({}): 已登记", demo.candidates[0].0, demo.candidates[0].0)), "{text}");
    assert!(text.contains("未检测到人脸"), "{text}");
    assert!(text.contains("已登记 1 张；仍缺照片 29 人"), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("error: 1 个文件未登记"));
}
