//! Face checks (人脸识别) through the API with dlib's real models: photos
//! enrolled from a zip with an outcome per file, captures at login and
//! during the exam matched off the async workers, the proctor's decision,
//! alerts, settings, privacy at rest and in the log, deletion after
//! publication.

use crate::faces;
use crate::Room;
use axum::http::StatusCode;
use http_body_util::BodyExt;
use kaoshi_exam::staff::Role;
use serde_json::{json, Value};
use std::io::Write;
use tower::ServiceExt;

fn zip_of(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        out.start_file(*name, zip::write::SimpleFileOptions::default()).expect("zip entry");
        out.write_all(bytes).expect("zip write");
    }
    out.finish().expect("zip").into_inner()
}

/// Waits (real time: matching runs on the blocking pool) until seat `i`'s
/// latest capture is matched; returns its face state.
async fn verdict(room: &Room, i: usize) -> Value {
    for _ in 0..600 {
        let seat = room.exam.seat("b", &format!("T{i:04}")).expect("seat");
        if let Some(face) = seat.face.filter(|f| !f.pending && f.captures > 0) {
            return serde_json::to_value(face).expect("json");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no verdict for T{i:04} within 30 s");
}

async fn capture(room: &Room, token: &str, why: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    room.send_bytes("POST", &format!("/api/seat/capture?why={why}"), token, bytes).await
}

async fn image(room: &Room, token: &str, ticket: &str, what: &str) -> (StatusCode, Vec<u8>) {
    let req = axum::http::Request::builder()
        .uri(format!("/api/proctor/batches/b/seats/{ticket}/{what}"))
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .expect("request");
    let resp = room.app.clone().oneshot(req).await.expect("response");
    let status = resp.status();
    (status, resp.into_body().collect().await.expect("body").to_bytes().to_vec())
}

#[tokio::test]
async fn photos_captures_verdicts_and_the_proctors_decision() {
    let Some(models) = faces::models("photos_captures_verdicts_and_the_proctors_decision") else { return };
    let room = Room::with_face(4, &[("au", Role::Auditor, None), ("sv", Role::Supervisor, None)], &models);
    let admin = room.staff("ad").await;
    let proctor = room.staff("p1").await;
    let id1 = kaoshi_exam::identity::example_resident_id(1);

    // Enrolment from a zip: by ticket, by identity number; every other file named.
    let zip = zip_of(&[
        ("photos/T0000.jpg", faces::photo("obama.jpg")),
        (&format!("photos/{id1}.JPG"), faces::photo("biden.jpg")),
        ("photos/T0002.png", faces::no_face()),
        ("photos/T0003.jpg", faces::two_faces()),
        ("photos/T9999.jpg", faces::photo("obama3.jpg")),
        ("photos/名单.txt", b"not a photo".to_vec()),
    ]);
    let (code, report) = room.upload("/api/admin/batches/b/photos", &admin, zip).await;
    assert_eq!(code, StatusCode::OK, "{report}");
    assert_eq!(report["stored"], 2, "{report}");
    let outcome = |file: &str| report["photos"].as_array().expect("photos").iter().find(|p| p["file"] == file).cloned();
    assert_eq!(outcome("photos/T0000.jpg").expect("T0000")["ok"], true);
    assert_eq!(outcome(&format!("photos/{id1}.JPG")).expect("by id")["ticket"], "T0001");
    let no_face = outcome("photos/T0002.png").expect("T0002");
    assert!(no_face["error"].as_str().expect("error").contains("未检测到人脸"), "{no_face}");
    let two = outcome("photos/T0003.jpg").expect("T0003");
    assert!(two["error"].as_str().expect("error").contains("检测到 2 张人脸"), "{two}");
    assert!(outcome("photos/T9999.jpg").expect("T9999")["error"].as_str().expect("error").contains("没有准考证号"));
    assert!(outcome("photos/名单.txt").expect("txt")["error"].as_str().expect("error").contains(".jpg"));
    assert_eq!(report["missing"], json!(["T0002", "T0003"]));
    // One photo from the console replaces nothing else.
    let (code, one) = room.send_bytes("PUT", "/api/admin/batches/b/seats/T0002/photo", &admin, faces::no_face()).await;
    assert_eq!((code, one["code"].as_str()), (StatusCode::BAD_REQUEST, Some("face.photo")), "{one}");

    // The seat: consent first, then a capture; the verdict reaches the proctor.
    let seat0 = room.seat_login(0).await;
    let (_, face) = room.call("GET", "/api/seat/face", Some(&seat0), None).await;
    assert_eq!((face["matching"].as_bool(), face["recheck_minutes"].as_u64()), (Some(true), Some(15)), "{face}");
    assert_eq!(face["retention_days"], 90);
    let (code, refused) = capture(&room, &seat0, "login", faces::capture("obama2.jpg")).await;
    assert_eq!(code, StatusCode::CONFLICT, "no capture before consent: {refused}");
    let (code, _) = room.call("POST", "/api/seat/face", Some(&seat0), Some(json!({"consent": true}))).await;
    assert_eq!(code, StatusCode::OK);
    let shot = faces::capture("obama2.jpg");
    let (code, body) = capture(&room, &seat0, "login", shot.clone()).await;
    assert_eq!((code, body["capture"].as_u64()), (StatusCode::OK, Some(1)), "{body}");
    let face = verdict(&room, 0).await;
    assert_eq!(face["verdict"], "match", "{face}");
    assert!(face["distance"].as_f64().expect("distance") < 0.5);
    let (_, seats) = room.call("GET", "/api/proctor/batches/b/seats", Some(&proctor), None).await;
    assert_eq!(seats[0]["face"]["verdict"], "match", "{}", seats[0]);
    // The candidate never learns the verdict; an auditor watching the grid does not see it either.
    let (_, own) = room.call("GET", "/api/seat/face", Some(&seat0), None).await;
    assert_eq!(own["state"], json!({"consent": true, "declined": null, "captures": 1}), "{own}");
    let (_, watched) = room.call("GET", "/api/proctor/batches/b/seats", Some(&room.staff("au").await), None).await;
    assert!(watched[0]["face"].is_null(), "{}", watched[0]);
    // A second capture within 10 s is refused, whatever the page says it is for.
    let (code, body) = capture(&room, &seat0, "recheck", faces::capture("biden.jpg")).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("face.too_soon")), "{body}");
    // The images, to the batch's proctors, supervisors and admins only.
    let (code, photo) = image(&room, &proctor, "T0000", "photo").await;
    assert_eq!(code, StatusCode::OK, "{}", String::from_utf8_lossy(&photo[..photo.len().min(300)]));
    assert!(photo == faces::photo("obama.jpg"));
    let (code, live) = image(&room, &proctor, "T0000", "capture").await;
    assert_eq!((code, live == shot), (StatusCode::OK, true));
    let supervisor = room.staff("sv").await;
    let (code, body) = image(&room, &supervisor, "T0000", "photo").await;
    assert_eq!(code, StatusCode::OK, "{}", String::from_utf8_lossy(&body[..body.len().min(300)]));
    let auditor = room.staff("au").await;
    assert_eq!(image(&room, &auditor, "T0000", "photo").await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        image(&room, &seat0, "T0000", "photo").await.0,
        StatusCode::FORBIDDEN,
        "a seat token on a staff endpoint"
    );
    assert_eq!(image(&room, &proctor, "T0000", "alert").await.0, StatusCode::NOT_FOUND);

    // Someone else at seat 1: mismatch at login; the proctor refuses, the login is void.
    let seat1 = room.seat_login(1).await;
    room.call("POST", "/api/seat/face", Some(&seat1), Some(json!({"consent": true}))).await;
    capture(&room, &seat1, "login", faces::capture("obama2.jpg")).await;
    let face = verdict(&room, 1).await;
    assert_eq!((face["verdict"].as_str(), face["alert"].as_bool()), (Some("mismatch"), Some(false)), "{face}");
    let (code, body) = room.act(&proctor, 1, "refuse", json!({})).await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("action.reason_required")));
    let (code, body) = room.act(&proctor, 1, "refuse", json!({"reason": "人脸与登记照片不符，本人未到"})).await;
    assert_eq!((code, body["status"].as_str()), (StatusCode::OK, Some("not_logged_in")), "{body}");
    // Whoever logs in next is asked for consent afresh, and the old verdict is gone.
    assert_eq!((body["face"]["consent"].as_bool(), body["face"].get("verdict")), (None, None), "{body}");
    assert_eq!(room.call("GET", "/api/seat/status", Some(&seat1), None).await.0, StatusCode::UNAUTHORIZED);

    // A seat without a camera says so; the proctor decides by eye.
    let seat3 = room.seat_login(3).await;
    let body = json!({"consent": false, "why": "no_camera"});
    let (_, state) = room.call("POST", "/api/seat/face", Some(&seat3), Some(body)).await;
    assert_eq!(state["declined"], "no_camera", "{state}");

    // A new login at seat 0 (another machine): the earlier verdict no longer stands.
    let seat0 = room.seat_login(0).await;
    let (_, seats) = room.call("GET", "/api/proctor/batches/b/seats", Some(&proctor), None).await;
    assert_eq!(seats[0]["face"]["problem"], "等待本次登录的现场照片", "{}", seats[0]);
    room.clock.set(crate::T0 + 30_000);
    capture(&room, &seat0, "login", faces::capture("obama3.jpg")).await;
    assert_eq!(verdict(&room, 0).await["verdict"], "match");

    // During the exam: a re-check by someone else raises an alert, and nothing else.
    room.clock.set(crate::T0 + 60_000);
    assert_eq!(room.act(&proctor, 0, "approve", json!({})).await.0, StatusCode::OK);
    assert_eq!(room.call("GET", "/api/seat/paper", Some(&seat0), None).await.0, StatusCode::OK);
    capture(&room, &seat0, "recheck", faces::capture("biden.jpg")).await;
    let face = verdict(&room, 0).await;
    assert_eq!((face["verdict"].as_str(), face["alert"].as_bool()), (Some("mismatch"), Some(true)), "{face}");
    let seat = room.exam.seat("b", "T0000").expect("seat");
    assert_eq!(seat.status, kaoshi_exam::seat::Status::Answering, "an alert never pauses");
    assert_eq!(image(&room, &proctor, "T0000", "alert").await.0, StatusCode::OK);
    let (code, _) = room.act(&proctor, 0, "face_review", json!({})).await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert_eq!(room.act(&proctor, 2, "face_review", json!({"reason": "x"})).await.0, StatusCode::CONFLICT, "no alert");
    let (code, body) = room.act(&proctor, 0, "face_review", json!({"reason": "已当面核对身份证，确为本人"})).await;
    assert_eq!((code, body["face"]["alert"].as_bool()), (StatusCode::OK, Some(false)), "{body}");
    let (_, history) = room.call("GET", "/api/proctor/batches/b/seats/T0000/history", Some(&proctor), None).await;
    let text = history.to_string();
    assert!(
        text.contains("人脸复核：不一致") && text.contains("疑似替考") && text.contains("已当面核对身份证"),
        "{text}"
    );

    // The log has distances, verdicts, thresholds, model hashes and capture hashes — never an image.
    let events = room.exam.log().all().expect("events");
    let checks: Vec<_> = events.iter().filter(|e| e.kind == kaoshi_exam::events::EventKind::FaceCheck).collect();
    assert_eq!(checks.len(), 4);
    let first = &checks[0].detail;
    assert_eq!(first["capture_hash"], blake3::hash(&shot).to_hex().to_string());
    assert_eq!(first["thresholds"], json!({"match_max": 0.5, "mismatch_min": 0.6}));
    assert_eq!(first["models"]["network"].as_str().map(str::len), Some(64));
    for e in &events {
        let text = serde_json::to_string(&e.detail).expect("json");
        assert!(text.len() < 1000, "an image in the log? {:?}", e.kind);
        assert!(!text.contains(&id1), "an identity number on the log: {text}");
    }

    // At rest, a photo is ciphertext: no stretch of it is anywhere in the data directory.
    room.exam.store().flush().expect("flush");
    let needle = &faces::photo("obama.jpg")[5000..5064];
    for entry in std::fs::read_dir(room.exam.store().dir()).expect("dir").flatten() {
        if let Ok(bytes) = std::fs::read(entry.path()) {
            assert!(!bytes.windows(needle.len()).any(|w| w == needle), "{} holds the photo", entry.path().display());
        }
    }
}

#[tokio::test]
async fn thresholds_per_batch_and_deletion_after_publication() {
    let Some(models) = faces::models("thresholds_per_batch_and_deletion_after_publication") else { return };
    let room = Room::with_face(1, &[], &models);
    let admin = room.staff("ad").await;
    let body = json!({"recheck_minutes": 5, "match_max": 0.7, "mismatch_min": 0.6});
    let (code, err) = room.call("PUT", "/api/admin/batches/b/face", Some(&admin), Some(body)).await;
    assert_eq!((code, err["code"].as_str()), (StatusCode::BAD_REQUEST, Some("face.settings")), "{err}");
    let body = json!({"recheck_minutes": 5, "match_max": 0.2, "mismatch_min": 0.6});
    let (code, _) = room.call("PUT", "/api/admin/batches/b/face", Some(&admin), Some(body)).await;
    assert_eq!(code, StatusCode::OK);
    let (code, _) =
        room.send_bytes("PUT", "/api/admin/batches/b/seats/T0000/photo", &admin, faces::photo("obama.jpg")).await;
    assert_eq!(code, StatusCode::OK);
    let (_, overview) = room.call("GET", "/api/admin/batches/b/photos", Some(&admin), None).await;
    assert_eq!((overview["matching"].as_bool(), overview["seats"][0]["photo"].as_bool()), (Some(true), Some(true)));

    let seat = room.seat_login(0).await;
    assert_eq!(room.call("GET", "/api/seat/face", Some(&seat), None).await.1["recheck_minutes"], 5);
    room.call("POST", "/api/seat/face", Some(&seat), Some(json!({"consent": true}))).await;
    capture(&room, &seat, "login", faces::capture("obama2.jpg")).await;
    let face = verdict(&room, 0).await;
    assert_eq!(face["verdict"], "uncertain", "0.34 is above this batch's 0.2: {face}");

    // Published, then 90 days on: photos and captures go, logged; not before.
    let proctor = room.staff("p1").await;
    room.clock.set(crate::T0 + 60_000);
    room.act(&proctor, 0, "approve", json!({})).await;
    room.call("GET", "/api/seat/paper", Some(&seat), None).await;
    let (code, body) = room.call("POST", "/api/seat/submit", Some(&seat), None).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let (code, body) = room.call("POST", "/api/admin/batches/b/publish", Some(&admin), None).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    room.clock.set(crate::T0 + 89 * 86_400_000);
    assert!(room.exam.delete_expired_faces().await.expect("sweep").is_empty());
    let proctor = room.staff("p1").await;
    assert_eq!(image(&room, &proctor, "T0000", "photo").await.0, StatusCode::OK);
    room.clock.set(crate::T0 + 91 * 86_400_000);
    assert_eq!(room.exam.delete_expired_faces().await.expect("sweep"), vec!["b".to_string()]);
    let admin = room.staff("ad").await;
    let (code, body) = room.call("GET", "/api/admin/batches/b/photos", Some(&admin), None).await;
    assert_eq!((code, body["seats"][0]["photo"].as_bool()), (StatusCode::OK, Some(false)));
    let deleted = room.exam.log().all().expect("events");
    let deleted = deleted.iter().find(|e| e.kind == kaoshi_exam::events::EventKind::FaceDelete).expect("logged");
    assert_eq!(deleted.detail["enrolment_photos"], 1);
    assert_eq!(deleted.detail["captures"], 1);
    assert_eq!(deleted.detail["retention_days"], 90);
}

#[tokio::test]
async fn without_models_photos_are_compared_by_eye() {
    let room = Room::new(1, 3600);
    let admin = room.staff("ad").await;
    // No models: a photo is still checked to be an image, and stored.
    let (code, err) =
        room.send_bytes("PUT", "/api/admin/batches/b/seats/T0000/photo", &admin, b"GIF89a".to_vec()).await;
    assert_eq!((code, err["code"].as_str()), (StatusCode::BAD_REQUEST, Some("face.photo")), "{err}");
    let png = faces::no_face();
    let (code, _) = room.send_bytes("PUT", "/api/admin/batches/b/seats/T0000/photo", &admin, png).await;
    assert_eq!(code, StatusCode::OK);
    let seat = room.seat_login(0).await;
    assert_eq!(room.call("GET", "/api/seat/face", Some(&seat), None).await.1["matching"], false);
    room.call("POST", "/api/seat/face", Some(&seat), Some(json!({"consent": true}))).await;
    let (code, _) = capture(&room, &seat, "login", faces::no_face()).await;
    assert_eq!(code, StatusCode::OK);
    let face = verdict(&room, 0).await;
    assert_eq!((face["problem"].as_str(), face.get("verdict")), (Some("未启用自动比对"), None), "{face}");
    let (code, _) = capture(&room, &seat, "login", vec![0u8; kaoshi_exam::face::MAX_PHOTO_BYTES + 1]).await;
    assert_eq!(code, StatusCode::PAYLOAD_TOO_LARGE);

    // A batch closed and never published (a drill) keeps no photos for ever:
    // they go 90 days after the close; its settings no longer change.
    let (code, body) = room.call("POST", "/api/admin/batches/b/close", Some(&admin), None).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let body = json!({"recheck_minutes": 5, "match_max": 0.5, "mismatch_min": 0.6});
    let (code, _) = room.call("PUT", "/api/admin/batches/b/face", Some(&admin), Some(body)).await;
    assert!(code == StatusCode::CONFLICT || code == StatusCode::NOT_FOUND, "{code}");
    room.clock.set(crate::T0 + 89 * 86_400_000);
    assert!(room.exam.delete_expired_faces().await.expect("sweep").is_empty());
    room.clock.set(crate::T0 + 91 * 86_400_000);
    assert_eq!(room.exam.delete_expired_faces().await.expect("sweep"), vec!["b".to_string()]);
    assert_eq!(room.exam.store().face_count("b"), 0);
}
