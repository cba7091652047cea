//! The organisation console in headless Chromium: an admin creates the
//! afternoon batch from the console (roster upload) while a candidate of the
//! morning batch is answering; a candidate of the new batch logs in and
//! sits; the admin downloads results.xlsx and the archive from the page; the
//! morning's candidate was never paused.

use super::browser::{browser, browser_downloading, browser_or_skip, click, shot, start_driver, type_into, until};
use super::serve::{act, call, demo, start_exam, Server};
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_runs_the_afternoon_batch_from_the_console_while_the_morning_sits() {
    if !browser_or_skip("an_admin_runs_the_afternoon_batch_from_the_console_while_the_morning_sits") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let server = Server::start(&data, &["--demo"]);
    let base = server.base.clone();
    let d = demo(&data);
    let admin_pw = d.admin.clone();
    let proctor = super::serve::staff_login(&base, "proctor", &d.proctor);

    // The morning: a demo candidate is answering.
    let (ticket, id) = d.candidates[0].clone();
    let (morning, paper) = start_exam(&base, &proctor, "demo", &ticket, &id);
    let item = &paper["items"][0];
    let (pos, response) = (item["pos"].as_u64().expect("pos"), if item["type"] == "judge" { "T" } else { "A" });
    let save = |seq: u64| {
        call(
            "PUT",
            &format!("{base}/api/seat/answers/{pos}"),
            Some(&morning),
            Some(json!({"response": response, "seq": seq})),
        )
    };
    assert_eq!(save(1).0, 200);

    let driver = start_driver();
    let downloads = tmp.path().join("downloads");
    std::fs::create_dir_all(&downloads).expect("downloads");
    let console = browser_downloading(driver.1, &tmp.path().join("admin-profile"), &downloads).await;
    console.goto(&format!("{base}/admin")).await.expect("console");
    type_into(&console, "#user", "admin").await;
    type_into(&console, "#pass", &admin_pw).await;
    click(&console, "#loginBtn").await;
    until(&console, "batch list", "[...document.querySelectorAll('#batchTable tbody td')].some(td => td.textContent === 'demo') && document.getElementById('bBank').options.length === 1").await;
    shot(&console, "console-1-batches").await;

    // The afternoon batch, from the console: a roster file, the stored bank, a start a minute ago.
    let roster = tmp.path().join("afternoon.csv");
    let people: Vec<(String, String)> =
        (0..2u32).map(|i| (format!("P{i:04}"), kaoshi_exam::identity::example_resident_id(200 + i))).collect();
    let mut text = String::from("ticket,id_number,name,organisation,room,seat\n");
    for (i, (t, n)) in people.iter().enumerate() {
        text.push_str(&format!("{t},{n},下午考生{i},单位,第2考场,{:02}\n", i + 1));
    }
    std::fs::write(&roster, text).expect("roster");
    type_into(&console, "#bName", "电工四级下午批次").await;
    type_into(&console, "#bId", "pm").await;
    type_into(&console, "#bSeed", "11").await;
    console
        .execute(
            "const t = new Date(Date.now() - 60000 + 8 * 3600000).toISOString().slice(0, 16); document.getElementById('bStart').value = t;",
            vec![],
        )
        .await
        .expect("start time");
    console
        .find(fantoccini::Locator::Css("#bRoster"))
        .await
        .expect("roster input")
        .send_keys(roster.to_str().expect("path"))
        .await
        .expect("choose the roster file");
    click(&console, "#batchBtn").await;
    until(
        &console,
        "batch created",
        "document.getElementById('msg').textContent.includes('已创建批次 pm（2 名考生）')",
    )
    .await;
    until(
        &console,
        "new batch listed",
        "[...document.querySelectorAll('#batchTable tbody td')].some(td => td.textContent === 'pm')",
    )
    .await;
    shot(&console, "console-2-batch-created").await;

    // A candidate of the new batch sits at a seat.
    let seat = browser(driver.1, &tmp.path().join("seat-profile")).await;
    seat.goto(&format!("{base}/seat")).await.expect("seat page");
    type_into(&seat, "#ticket", &people[0].0).await;
    type_into(&seat, "#idnum", &people[0].1).await;
    click(&seat, "#loginBtn").await;
    until(&seat, "waiting view", "!document.getElementById('viewWait').classList.contains('hidden')").await;
    super::browser::acknowledge_rules(&seat).await;
    let admin = super::serve::staff_login(&base, "admin", &admin_pw);
    let (code, body) = act(&base, &admin, "pm", &people[0].0, "approve", json!({}));
    assert_eq!(code, 200, "{body}");
    until(&seat, "exam view", "!document.getElementById('exam').classList.contains('hidden')").await;
    click(&seat, "#answerArea label.opt").await;
    until(&seat, "saved", "document.getElementById('saveState').textContent.startsWith('已保存 ')").await;
    shot(&seat, "console-3-afternoon-seat").await;
    assert_eq!(save(2).0, 200, "the morning candidate keeps saving");

    // The morning candidate was never paused, and now hands in.
    let (_, status) = call("GET", &format!("{base}/api/seat/status"), Some(&morning), None);
    assert_eq!(status["status"], "answering", "{status}");
    let (code, _) = call("POST", &format!("{base}/api/seat/submit"), Some(&morning), None);
    assert_eq!(code, 200);

    // Results published and downloaded from the page, with the archive.
    click(&console, "#tab-results").await;
    console
        .execute(
            "const s = document.getElementById('rBatch'); s.value = 'demo'; s.dispatchEvent(new Event('change'));",
            vec![],
        )
        .await
        .expect("pick batch");
    until(
        &console,
        "totals",
        "document.getElementById('totals').textContent.includes('考生 30，已交卷 1，缺考 29，仍在作答 0')",
    )
    .await;
    click(&console, "#downloads button[data-file='results.xlsx']").await;
    until(
        &console,
        "results refused before publication",
        "document.getElementById('msg').textContent === '下载失败：成绩公布后才能导出'",
    )
    .await;
    console.execute("window.confirm = () => true;", vec![]).await.expect("confirm");
    click(&console, "#publishBtn").await;
    until(&console, "published", "document.getElementById('msg').textContent === '成绩已公布。' && document.getElementById('totals').textContent.includes('公布')").await;
    click(&console, "#downloads button[data-file='results.xlsx']").await;
    until(&console, "results downloaded", "document.getElementById('msg').textContent.includes('已下载') && document.getElementById('msg').textContent.includes('.xlsx')").await;
    click(&console, "#downloads button[data-file='archive']").await;
    until(&console, "archive downloaded", "document.getElementById('msg').textContent.includes('已下载') && document.getElementById('msg').textContent.includes('.kar')").await;
    shot(&console, "console-4-results").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let (xlsx, kar) = loop {
        let names: Vec<String> = std::fs::read_dir(&downloads)
            .expect("downloads")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let find = |ext: &str| names.iter().find(|n| n.ends_with(ext)).map(|n| downloads.join(n));
        if let (Some(x), Some(k)) = (find(".xlsx"), find(".kar")) {
            break (x, k);
        }
        assert!(Instant::now() < deadline, "downloads did not arrive: {names:?}");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(std::fs::read(&xlsx).expect("xlsx").starts_with(b"PK"), "results.xlsx is a workbook");
    let archive = std::fs::read_to_string(&kar).expect("archive");
    assert!(archive.lines().next().is_some_and(|l| l.contains("\"format\":\"kaoshi-archive\"")), "an archive");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kaoshi"))
        .args(["archive", "verify"])
        .arg(&kar)
        .output()
        .expect("verify");
    assert!(out.status.success(), "the downloaded archive verifies: {}", String::from_utf8_lossy(&out.stderr));
    let events = call("GET", &format!("{base}/api/audit/ledger"), Some(&admin), None).1;
    assert!(
        events.as_array().is_some_and(|l| l.iter().any(|e| e["kind"] == "batch_create" && e["batch"] == "pm")),
        "{events}"
    );

    // Staff and audit tabs render.
    click(&console, "#tab-staff").await;
    until(
        &console,
        "staff list",
        "[...document.querySelectorAll('#staffTable tbody td')].some(td => td.textContent === 'proctor')",
    )
    .await;
    click(&console, "#tab-audit").await;
    click(&console, "#verifyBtn").await;
    until(&console, "log verified", "document.getElementById('verifyOut').textContent.startsWith('事件日志完整')")
        .await;
    shot(&console, "console-5-audit").await;

    console.close().await.expect("close");
    seat.close().await.expect("close");
    drop(server);
}
