//! Face checks walked in headless Chromium with its fake camera playing a
//! Y4M made from a reference photo: the admin enrols photos in the console,
//! a candidate consents and is photographed, the proctor sees both photos,
//! the distance and the verdict on the card; another candidate declines and
//! the card says to check by eye. Screenshots go to `target/screenshots/`.

use super::browser::{
    axe_clean, browser, browser_or_skip, browser_with, click, js, shot, start_driver, type_into, until,
};
use super::serve::{demo, Server};
use crate::support_faces as faces;
use serde_json::json;
use std::io::Write;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proctor_sees_the_verdict_of_a_real_camera_capture() {
    let test = "the_proctor_sees_the_verdict_of_a_real_camera_capture";
    if !browser_or_skip(test) {
        return;
    }
    let Some(models) = faces::models(test) else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let server = Server::start(&data, &["--demo", "--face-models", models.to_str().expect("utf8")]);
    let base = server.base.clone();
    let demo = demo(&data);
    let (ticket, id) = demo.candidates[2].clone();
    let (other, other_id) = demo.candidates[3].clone();

    // The photos, as an organisation has them: a zip named by ticket, and one by identity number.
    let zip_path = tmp.path().join("照片.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).expect("zip"));
    zip.start_file(format!("{ticket}.jpg"), zip::write::SimpleFileOptions::default()).expect("entry");
    zip.write_all(&faces::photo("obama.jpg")).expect("write");
    zip.start_file(format!("{other_id}.png"), zip::write::SimpleFileOptions::default()).expect("entry");
    zip.write_all(&faces::no_face()).expect("write");
    zip.finish().expect("zip");
    let camera = tmp.path().join("camera.y4m");
    std::fs::write(&camera, faces::y4m("obama2.jpg")).expect("y4m");

    let driver = start_driver();
    let admin = browser(driver.1, &tmp.path().join("admin-profile")).await;
    admin.goto(&format!("{base}/admin")).await.expect("console");
    type_into(&admin, "#user", "admin").await;
    type_into(&admin, "#pass", &demo.admin).await;
    click(&admin, "#loginBtn").await;
    until(&admin, "the console", "!document.getElementById('tab-face').closest('.hidden')").await;
    click(&admin, "#tab-face").await;
    until(&admin, "the face tab", "document.getElementById('faceSummary').textContent.includes('共 30 名考生')").await;
    assert!(js(&admin, "return document.getElementById('faceMatching').textContent")
        .await
        .to_string()
        .contains("已启用"));
    admin
        .find(fantoccini::Locator::Css("#fZip"))
        .await
        .expect("file input")
        .send_keys(zip_path.to_str().expect("utf8"))
        .await
        .expect("choose zip");
    click(&admin, "#fZipBtn").await;
    until(&admin, "the upload report", "document.querySelectorAll('#faceReport tbody tr').length === 2").await;
    let report = js(&admin, "return document.getElementById('faceReport').textContent").await.to_string();
    assert!(report.contains("✓ 已登记") && report.contains("未检测到人脸"), "{report}");
    until(&admin, "the summary", "document.getElementById('faceSummary').textContent.includes('已登记照片 1 人')")
        .await;
    shot(&admin, "face-1-console-photos").await;
    axe_clean(&admin, "the console's face tab").await;
    admin.close().await.expect("close");

    // The candidate consents; Chromium's fake camera plays obama2.
    let fake = [
        "--use-fake-ui-for-media-stream".to_string(),
        "--use-fake-device-for-media-stream".to_string(),
        format!("--use-file-for-fake-video-capture={}", camera.display()),
    ];
    let seat = browser_with(driver.1, &tmp.path().join("seat-profile"), json!({}), &fake).await;
    seat.goto(&format!("{base}/seat")).await.expect("seat page");
    type_into(&seat, "#ticket", &ticket).await;
    type_into(&seat, "#idnum", &id).await;
    click(&seat, "#loginBtn").await;
    until(&seat, "the consent request", "!document.getElementById('faceBox').classList.contains('hidden') && !document.getElementById('faceButtons').classList.contains('hidden')").await;
    let text = js(&seat, "return document.getElementById('faceBox').textContent").await.to_string();
    assert!(text.contains("成绩公布 90 天后删除") && text.contains("人工核验"), "the PIPL notice: {text}");
    shot(&seat, "face-2-seat-consent").await;
    axe_clean(&seat, "the consent request").await;
    click(&seat, "#faceAgree").await;
    until(&seat, "the capture taken", "document.getElementById('faceState').textContent.includes('现场照片已拍摄')")
        .await;
    shot(&seat, "face-3-seat-captured").await;

    // A second candidate declines.
    let seat2 = browser(driver.1, &tmp.path().join("seat2-profile")).await;
    seat2.goto(&format!("{base}/seat")).await.expect("seat page");
    type_into(&seat2, "#ticket", &other).await;
    type_into(&seat2, "#idnum", &other_id).await;
    click(&seat2, "#loginBtn").await;
    until(&seat2, "the consent request", "!document.getElementById('faceButtons').classList.contains('hidden')").await;
    click(&seat2, "#faceDecline").await;
    until(&seat2, "declined", "document.getElementById('faceState').textContent.includes('人工核验')").await;

    // The proctor's card: both photos, the distance and the verdict.
    let console = browser(driver.1, &tmp.path().join("console-profile")).await;
    console.goto(&format!("{base}/proctor")).await.expect("console");
    type_into(&console, "#user", "proctor").await;
    type_into(&console, "#pass", &demo.proctor).await;
    click(&console, "#loginBtn").await;
    let card = format!(".seatcard[data-ticket='{ticket}']");
    until(&console, "the seat", &format!("document.querySelector(\"{card}\")")).await;
    click(&console, &card).await;
    until(&console, "the verdict", "document.querySelector('.facecard .verdict') && document.querySelector('.facecard .verdict').textContent.includes('✓ 一致')").await;
    until(
        &console,
        "both photos shown",
        "[...document.querySelectorAll('.facecard img')].every(i => i.complete && i.naturalWidth > 0)",
    )
    .await;
    let verdict = js(&console, "return document.querySelector('.facecard .verdict').textContent").await.to_string();
    assert!(verdict.contains("登录人脸比对") && verdict.contains("距离 0."), "{verdict}");
    shot(&console, "face-4-proctor-card-match").await;
    axe_clean(&console, "the proctor's card with the face check").await;
    click(&console, &format!(".seatcard[data-ticket='{other}']")).await;
    until(
        &console,
        "the declined card",
        "document.querySelector('.facecard .verdict').textContent.includes('考生未同意人脸识别')",
    )
    .await;
    until(&console, "no photo", "document.querySelector('.facecard').textContent.includes('尚无现场照片')").await;
    shot(&console, "face-5-proctor-card-declined").await;

    // Approve the first: the seat moves on; refuse the second with a reason.
    click(&console, &card).await;
    until(
        &console,
        "approve",
        "[...document.querySelectorAll('#actions button')].some(b => b.textContent === '核验通过')",
    )
    .await;
    js(
        &console,
        "[...document.querySelectorAll('#actions button')].find(b => b.textContent === '核验通过').click(); return 1;",
    )
    .await;
    until(&seat, "the rules after approval", "document.getElementById('faceBox').classList.contains('hidden') && document.querySelectorAll('#rulesList li').length > 0").await;
    click(&console, &format!(".seatcard[data-ticket='{other}']")).await;
    until(
        &console,
        "refuse",
        "[...document.querySelectorAll('#actions button')].some(b => b.textContent === '核验不通过')",
    )
    .await;
    js(&console, "[...document.querySelectorAll('#actions button')].find(b => b.textContent === '核验不通过').click(); return 1;").await;
    until(&console, "the refuse dialog", "document.getElementById('actDialog').open").await;
    type_into(&console, "#actReason", "本人未到场，证件照片与现场人员不符").await;
    click(&console, "#actOk").await;
    until(
        &console,
        "refused",
        &format!("document.querySelector(\".seatcard[data-ticket='{other}']\").textContent.includes('未登录')"),
    )
    .await;
    until(&seat2, "the login voided", "!document.getElementById('viewLogin').classList.contains('hidden') && document.getElementById('loginErr').textContent.includes('未通过身份核验')").await;
    shot(&seat2, "face-6-seat-refused").await;
    for c in [seat, seat2, console] {
        // Release the fake camera before the browser goes, or Chromium lingers.
        let _ = c.close().await;
    }
}
