//! The seat page's time and hand-overs in Chromium: the clock and 交卷 stay
//! in sight when the page scrolls, the last minute is announced, an
//! extension is announced, time-up says the paper was handed in
//! automatically, "下一位考生" clears the screen, and a login elsewhere
//! explains itself and stops the polling.

use super::browser::{browser, browser_or_skip, click, shot, start_driver, type_into, until, until_within};
use super::serve::{act, quick_batch, seat_login, staff_login, Server};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warnings_extensions_time_up_and_hand_overs_at_a_seat() {
    if !browser_or_skip("warnings_extensions_time_up_and_hand_overs_at_a_seat") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let (people, key) = quick_batch(tmp.path(), &data, 2, 70);
    let server = Server::start(&data, &["--key-file", key.to_str().expect("p")]);
    let base = server.base.clone();
    let proctor = staff_login(&base, "p1", "proctor-pass-1");
    let driver = start_driver();
    let seat = browser(driver.1, &tmp.path().join("seat")).await;
    seat.goto(&format!("{base}/seat")).await.expect("seat");
    type_into(&seat, "#ticket", &people[0].0).await;
    type_into(&seat, "#idnum", &people[0].1).await;
    click(&seat, "#loginBtn").await;
    until(&seat, "waiting", "!document.getElementById('viewWait').classList.contains('hidden')").await;
    super::browser::acknowledge_rules(&seat).await;
    assert_eq!(act(&base, &proctor, "quick", &people[0].0, "approve", json!({})).0, 200);
    until(&seat, "exam", "!document.getElementById('exam').classList.contains('hidden')").await;

    // Scrolled to the bottom, the clock and 交卷 are still on screen.
    seat.execute("document.getElementById('modeBtn').click(); window.scrollTo(0, document.body.scrollHeight);", vec![])
        .await
        .expect("scroll");
    until(
        &seat,
        "clock and hand-in in sight",
        "window.scrollY > 500 && ['clock', 'submitTop', 'saveState'].every(id => { const r = document.getElementById(id).getBoundingClientRect(); return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight; })",
    )
    .await;
    shot(&seat, "time-1-scrolled").await;
    until(
        &seat,
        "one-minute warning",
        "document.getElementById('notice').textContent.includes('距离考试结束还有 1 分钟')",
    )
    .await;
    shot(&seat, "time-2-last-minute").await;
    assert_eq!(
        act(&base, &proctor, "quick", &people[0].0, "extend", json!({"minutes": 1, "reason": "机器故障"})).0,
        200
    );
    until(
        &seat,
        "extension announced",
        "document.getElementById('notice').textContent.includes('延长考试时间 1 分钟')",
    )
    .await;
    until_within(
        &seat,
        "time up",
        "!document.getElementById('viewDone').classList.contains('hidden') && document.getElementById('doneText').textContent.startsWith('考试时间到，试卷已自动提交')",
        std::time::Duration::from_secs(120),
    )
    .await;
    shot(&seat, "time-3-auto-submitted").await;
    click(&seat, "#nextCandidate").await;
    until(&seat, "next candidate", "!document.getElementById('viewLogin').classList.contains('hidden') && document.getElementById('who').textContent === '' && document.getElementById('clock').classList.contains('hidden')").await;

    // Another machine takes over the second candidate: this one explains and stops polling.
    type_into(&seat, "#ticket", &people[1].0).await;
    type_into(&seat, "#idnum", &people[1].1).await;
    click(&seat, "#loginBtn").await;
    until(&seat, "waiting", "!document.getElementById('viewWait').classList.contains('hidden')").await;
    seat_login(&base, &people[1].0, &people[1].1);
    until(&seat, "taken over", "!document.getElementById('viewLogin').classList.contains('hidden') && document.getElementById('loginErr').textContent.includes('另一台机器')").await;
    shot(&seat, "time-4-logged-in-elsewhere").await;
    let polls = seat
        .execute(
            "return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/seat/status')).length;",
            vec![],
        )
        .await
        .expect("count");
    tokio::time::sleep(std::time::Duration::from_secs(11)).await;
    let later = seat
        .execute(
            "return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/seat/status')).length;",
            vec![],
        )
        .await
        .expect("count");
    assert_eq!(polls, later, "a logged-out page does not keep polling");
    seat.close().await.expect("close");
    drop(server);
}
