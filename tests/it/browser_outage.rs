//! In Chromium, what an exam day does to a candidate's answers and clock: the
//! server stops mid-exam while the candidate answers, restarts (every seat
//! paused), the proctor resumes — the answer given during the outage stays
//! pending (never shown as saved) until the server acknowledges it; the clock
//! stands still while paused; a seat silent for over 30 s shows its lost time
//! on the proctor's card, and one click credits it.

use super::browser::{browser, browser_or_skip, click, shot, start_driver, type_into, until};
use super::serve::free_port;
use super::serve::{act, call, demo, staff_login, Server};
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_loses_no_answer_a_pause_stops_the_clock_and_a_disconnection_is_credited() {
    if !browser_or_skip("an_outage_loses_no_answer_a_pause_stops_the_clock_and_a_disconnection_is_credited") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let addr = format!("127.0.0.1:{}", free_port());
    let server = Server::start_at(&data, &addr, &["--demo"]);
    let base = server.base.clone();
    let demo = demo(&data);
    let (ticket, id) = demo.candidates[7].clone();
    let driver = start_driver();
    let seat = browser(driver.1, &tmp.path().join("seat")).await;

    seat.goto(&format!("{base}/seat")).await.expect("seat page");
    type_into(&seat, "#ticket", &ticket).await;
    type_into(&seat, "#idnum", &id).await;
    click(&seat, "#loginBtn").await;
    until(&seat, "waiting", "!document.getElementById('viewWait').classList.contains('hidden')").await;
    super::browser::acknowledge_rules(&seat).await;
    let proctor = staff_login(&base, "proctor", &demo.proctor);
    assert_eq!(act(&base, &proctor, "demo", &ticket, "approve", json!({})).0, 200);
    until(&seat, "exam", "document.querySelectorAll('.nav button').length === 90").await;
    click(&seat, "#answerArea label.opt").await;
    until(&seat, "first save", "document.getElementById('saveState').textContent.startsWith('已保存')").await;

    // The server stops; the candidate answers item 2 meanwhile.
    server.kill();
    click(&seat, "#nextBtn").await;
    click(&seat, "#answerArea label.opt:last-child").await;
    until(&seat, "a failed save", "document.getElementById('saveState').classList.contains('failed')").await;
    until(&seat, "the restart message", "document.getElementById('saveState').textContent.includes('服务器正在重启')")
        .await;
    let nav: Value = seat
        .execute(
            "return [document.getElementById('nav1').className, document.getElementById('progress').textContent];",
            vec![],
        )
        .await
        .expect("nav");
    assert!(nav[0].as_str().is_some_and(|c| c.contains("pend") && !c.contains("done")), "{nav}");
    assert_eq!(nav[1], "1 / 90（1 题待保存）", "the counter shows only what the server holds");
    shot(&seat, "outage-1-server-down").await;

    // Restart: the seat is paused; the answer stays pending and the clock stands still.
    let server = Server::start_at(&data, &addr, &["--demo"]);
    until(&seat, "paused", "document.getElementById('waitText').textContent.includes('暂停')").await;
    let pending: Value = seat.execute("return localStorage.length;", vec![]).await.expect("storage");
    assert!(pending.as_u64().is_some_and(|n| n >= 2), "the pending answer is kept in the browser: {pending}");
    let clock = |c: &fantoccini::Client| {
        let c = c.clone();
        async move { c.execute("return document.getElementById('clock').textContent;", vec![]).await.expect("clock") }
    };
    let before = clock(&seat).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(clock(&seat).await, before, "a paused clock does not tick");
    assert!(before.as_str().is_some_and(|t| t.contains("已暂停")), "{before}");
    shot(&seat, "outage-2-paused").await;
    let token: String = seat
        .execute("return localStorage.getItem('kaoshi.seat.token');", vec![])
        .await
        .expect("token")
        .as_str()
        .expect("a token")
        .to_string();
    let (_, held) = call("GET", &format!("{base}/api/seat/answers"), Some(&token), None);
    assert_eq!(held["answers"].as_array().map(Vec::len), Some(1), "the server holds only the first answer: {held}");

    // The proctor resumes: the pending answer is sent with a fresh seq and acknowledged.
    let proctor = staff_login(&base, "proctor", &demo.proctor);
    assert_eq!(act(&base, &proctor, "demo", &ticket, "resume", json!({})).0, 200);
    until(&seat, "the pending answer saved", "document.getElementById('progress').textContent === '2 / 90' && document.getElementById('nav1').classList.contains('done') && document.getElementById('saveState').textContent.startsWith('已保存')").await;
    let (_, held) = call("GET", &format!("{base}/api/seat/answers"), Some(&token), None);
    assert_eq!(held["answers"].as_array().map(Vec::len), Some(2), "{held}");
    let ticking = clock(&seat).await;
    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert_ne!(clock(&seat).await, ticking, "the clock runs again");
    shot(&seat, "outage-3-resumed").await;

    // The seat goes silent for over 30 s (the page is gone), then comes back.
    seat.goto("about:blank").await.expect("away");
    tokio::time::sleep(Duration::from_secs(33)).await;
    seat.goto(&format!("{base}/seat")).await.expect("back");
    until(&seat, "back in the exam", "document.querySelectorAll('.nav button').length === 90").await;
    let console = browser(driver.1, &tmp.path().join("console")).await;
    console.goto(&format!("{base}/proctor")).await.expect("console");
    type_into(&console, "#user", "proctor").await;
    type_into(&console, "#pass", &demo.proctor).await;
    click(&console, "#loginBtn").await;
    let card = format!(".seatcard[data-ticket='{ticket}']");
    until(
        &console,
        "offline time on the card",
        &format!(
            "document.querySelector(\"{card}\") && document.querySelector(\"{card}\").textContent.includes('掉线未补')"
        ),
    )
    .await;
    click(&console, &card).await;
    until(
        &console,
        "the credit button",
        "[...document.querySelectorAll('#actions button')].some(b => b.textContent.startsWith('补时：掉线 1 分钟'))",
    )
    .await;
    shot(&console, "outage-4-console-offline").await;
    console
        .execute("[...document.querySelectorAll('#actions button')].find(b => b.textContent.startsWith('补时：掉线')).click();", vec![])
        .await
        .expect("credit");
    until(&console, "credited", "document.getElementById('detail').textContent.includes('已延时 1 分钟') && document.getElementById('detail').textContent.includes('已补时')").await;
    shot(&console, "outage-5-console-credited").await;
    let events = call("GET", &format!("{base}/api/proctor/batches/demo/seats"), Some(&proctor), None).1;
    let me = events.as_array().expect("seats").iter().find(|s| s["ticket"] == ticket.as_str()).cloned().expect("seat");
    assert_eq!((me["extra_seconds"].as_i64(), me["offline_uncredited_seconds"].as_i64()), (Some(60), Some(0)), "{me}");
    seat.close().await.expect("close");
    console.close().await.expect("close");
    drop(server);
}
