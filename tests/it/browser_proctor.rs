//! The proctor console with a room of 100 seats, in Chromium at 1366×768:
//! every seat on one screen, rooms in number order, pills that filter,
//! bulk approval and resumption with a confirmation, tiles updated in
//! place while clicks land, dialogs that check their fields in Chinese, a
//! seat's history with reasons and times, and a banner when the live
//! connection drops.

use super::browser::{axe_clean, browser, browser_or_skip, click, js, shot, start_driver, type_into, until};
use super::serve::{act, batch_from_roster, call, quick_batch_of, seat_login, staff_login, Server};
use fantoccini::Client;
use serde_json::json;

/// 100 candidates: 40 in 第1考场, 30 in 第2考场, 30 in 第10考场.
fn hundred() -> (String, Vec<(String, String, String)>) {
    let mut roster = String::from("ticket,id_number,name,organisation,room,seat\n");
    let mut people = Vec::new();
    for i in 0..100u32 {
        let (room, seat) = match i {
            0..40 => ("第1考场", i + 1),
            40..70 => ("第2考场", i - 39),
            _ => ("第10考场", i - 69),
        };
        let (ticket, id) = (format!("R{i:04}"), kaoshi_exam::identity::example_resident_id(1000 + i));
        roster.push_str(&format!("{ticket},{id},考生{i},单位{},{room},{seat:02}\n", i % 4));
        people.push((ticket, id, room.to_string()));
    }
    (roster, people)
}

async fn open_dialog_for(c: &Client, ticket: &str, button: &str) {
    click(c, &format!(".seatcard[data-ticket='{ticket}']")).await;
    until(c, "the seat's actions", &format!("document.getElementById('detail').textContent.includes('{ticket}') && [...document.querySelectorAll('#actions button')].some(b => b.textContent === '{button}')")).await;
    c.execute(
        "[...document.querySelectorAll('#actions button')].find(b => b.textContent === arguments[0]).click();",
        vec![json!(button)],
    )
    .await
    .expect("action");
    until(c, "the dialog", "document.getElementById('actDialog').open").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proctor_runs_a_hundred_seats_on_one_screen() {
    if !browser_or_skip("a_proctor_runs_a_hundred_seats_on_one_screen") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let (_, key) = quick_batch_of(tmp.path(), &data, 1, 3600, "electrician-4");
    let (roster, people) = hundred();
    batch_from_roster(tmp.path(), &data, "big", &roster, "2026-01-01T09:00:00+08:00", 5400);
    let addr = format!("127.0.0.1:{}", super::serve::free_port());
    let args = ["--key-file", key.to_str().expect("p")];
    let server = Server::start_at(&data, &addr, &args);
    let base = server.base.clone();
    let proctor = staff_login(&base, "p1", "proctor-pass-1");
    let driver = start_driver();
    let c = browser(driver.1, &tmp.path().join("console")).await;
    c.set_window_size(1366, 768).await.expect("window");
    c.goto(&format!("{base}/proctor")).await.expect("console");
    type_into(&c, "#user", "p1").await;
    type_into(&c, "#pass", "proctor-pass-1").await;
    click(&c, "#loginBtn").await;
    until(&c, "the batch list", "document.getElementById('batchSel').options.length === 2").await;
    c.execute("const s = document.getElementById('batchSel'); s.value = 'big'; s.onchange();", vec![])
        .await
        .expect("batch");
    until(&c, "100 seats", "document.querySelectorAll('.seatcard').length === 100").await;

    // Rooms by number; 100 seats on one screen.
    let rooms = js(&c, "return [...document.querySelectorAll('#grid .room')].map(r => r.dataset.room);").await;
    assert_eq!(rooms, json!(["第1考场", "第2考场", "第10考场"]));
    let fit = js(&c, "return [Math.max(...[...document.querySelectorAll('.seatcard')].map(b => b.getBoundingClientRect().bottom)), innerHeight, document.documentElement.scrollHeight];").await;
    shot(&c, "proctor-1-hundred-seats").await;
    assert!(fit[0].as_f64() <= fit[1].as_f64(), "every seat within the first screen: {fit}");

    // 30 candidates log in; the pill filters to them; one bulk approval with a confirmation.
    let mut tokens = Vec::new();
    for (ticket, id, _) in &people[..30] {
        tokens.push(seat_login(&base, ticket, id).0);
    }
    until(
        &c,
        "30 waiting",
        "[...document.querySelectorAll('#filters button')].some(b => b.textContent === '待核验 30')",
    )
    .await;
    c.execute(
        "[...document.querySelectorAll('#filters button')].find(b => b.textContent === '待核验 30').click();",
        vec![],
    )
    .await
    .expect("filter");
    until(&c, "only the waiting seats shown", "[...document.querySelectorAll('.seatcard')].filter(b => b.offsetParent !== null).length === 30 && document.querySelectorAll('#grid .room:not(.hide)').length === 1").await;
    click(&c, "#bulkApprove").await;
    until(&c, "the bulk confirmation", "document.getElementById('actDialog').open && document.querySelectorAll('#actList li').length === 30 && document.getElementById('actText').textContent.includes('逐一核对')").await;
    shot(&c, "proctor-2-bulk-approve").await;
    axe_clean(&c, "proctor bulk confirmation").await;
    click(&c, "#actOk").await;
    until(&c, "all approved", "!document.getElementById('actDialog').open && document.getElementById('msg').textContent === '已完成 30 名考生。'").await;
    let (_, listed) = call("GET", &format!("{base}/api/proctor/batches/big/seats"), Some(&proctor), None);
    let ready = listed.as_array().expect("seats").iter().filter(|s| s["status"] == "ready").count();
    assert_eq!(ready, 30, "approved on the server");
    c.execute("[...document.querySelectorAll('#filters button')][0].click();", vec![]).await.expect("all");
    until(
        &c,
        "every seat again",
        "[...document.querySelectorAll('.seatcard')].filter(b => b.offsetParent !== null).length === 100",
    )
    .await;

    // The seats open their papers and keep saving while the proctor clicks around: every click lands, no tile is rebuilt.
    for t in &tokens {
        assert_eq!(call("GET", &format!("{base}/api/seat/paper"), Some(t), None).0, 200);
    }
    c.execute("window.tile0 = document.querySelector(\".seatcard[data-ticket='R0000']\");", vec![])
        .await
        .expect("mark");
    let saver = {
        let (base, tokens) = (base.clone(), tokens.clone());
        std::thread::spawn(move || {
            for round in 1..=6u64 {
                for (i, t) in tokens.iter().enumerate().take(20) {
                    let body = json!({"response": "T", "seq": round});
                    call(
                        "PUT",
                        &format!("{base}/api/seat/answers/{}", round - 1 + (i as u64 % 2)),
                        Some(t),
                        Some(body),
                    );
                }
                std::thread::sleep(std::time::Duration::from_millis(150));
            }
        })
    };
    for (ticket, _, _) in people.iter().take(24).skip(4) {
        click(&c, &format!(".seatcard[data-ticket='{ticket}']")).await;
        let shown = js(&c, "return document.querySelector('#detail h3').textContent;").await;
        assert!(shown.as_str().is_some_and(|t| t.contains(ticket.as_str())), "the click on {ticket} landed: {shown}");
    }
    saver.join().expect("saver");
    assert_eq!(
        js(&c, "return window.tile0 === document.querySelector(\".seatcard[data-ticket='R0000']\");").await,
        true,
        "updated in place"
    );
    until(&c, "remaining time as the seat shows it", "/^答题 1:\\d\\d:\\d\\d$/.test(document.querySelector(\".seatcard[data-ticket='R0000']\").children[1].textContent)").await;

    // Dialogs check their fields; the seat's history shows reasons and times; an old message goes with a new seat.
    open_dialog_for(&c, "R0001", "暂停").await;
    click(&c, "#actOk").await;
    until(&c, "a reason is required", "document.getElementById('actErr').textContent === '请填写暂停原因。' && document.getElementById('actDialog').open").await;
    axe_clean(&c, "proctor action dialog with an error").await;
    type_into(&c, "#actReason", "核对证件").await;
    click(&c, "#actOk").await;
    until(&c, "paused", "!document.getElementById('actDialog').open && document.querySelector(\".seatcard[data-ticket='R0001']\").textContent.startsWith('02 考生1暂停 1:')").await;
    open_dialog_for(&c, "R0002", "延时").await;
    c.execute("document.getElementById('actMinutes').value = '0';", vec![]).await.expect("minutes");
    type_into(&c, "#actReason", "机器故障").await;
    click(&c, "#actOk").await;
    until(
        &c,
        "minutes checked",
        "document.getElementById('actErr').textContent === '延长分钟数须为 1 到 240 之间的整数。'",
    )
    .await;
    click(&c, "#actCancel").await;
    open_dialog_for(&c, "R0003", "记录违纪").await;
    c.execute("document.getElementById('actCategory').value = '使用通讯工具';", vec![]).await.expect("category");
    type_into(&c, "#actReason", "偷看手机").await;
    click(&c, "#actOk").await;
    until(&c, "the violation in the history", "[...document.querySelectorAll('#history li')].some(li => /^\\d\\d:\\d\\d:\\d\\d 违纪：使用通讯工具（偷看手机），警告（p1）$/.test(li.textContent)) && document.querySelector(\".seatcard[data-ticket='R0003']\").textContent.includes('⚠1')").await;
    assert!(js(&c, "return document.getElementById('msg').textContent;")
        .await
        .as_str()
        .is_some_and(|m| m.starts_with("已记录违纪：考生3（第1考场 04号）")));
    shot(&c, "proctor-3-violation-history").await;
    axe_clean(&c, "proctor seat history, 100 seats").await;
    click(&c, ".seatcard[data-ticket='R0004']").await;
    until(&c, "the old message gone", "document.getElementById('msg').textContent === '' && document.querySelector('#detail h3').textContent.includes('R0004')").await;

    // Bulk resumption of paused seats.
    for (ticket, _, _) in &people[5..8] {
        assert_eq!(act(&base, &proctor, "big", ticket, "pause", json!({"reason": "停电"})).0, 200);
    }
    until(&c, "four paused", "document.getElementById('bulkResume').textContent === '批量恢复（4）' && !document.getElementById('bulkResume').classList.contains('hidden')").await;
    click(&c, "#bulkResume").await;
    until(
        &c,
        "the resume confirmation",
        "document.getElementById('actDialog').open && document.querySelectorAll('#actList li').length === 4",
    )
    .await;
    click(&c, "#actOk").await;
    until(&c, "resumed", "document.getElementById('msg').textContent === '已完成 4 名考生。' && document.getElementById('bulkResume').classList.contains('hidden')").await;

    // The live connection drops: a banner says so; it goes when the server is back.
    drop(server);
    until(&c, "the lost-connection banner", "!document.getElementById('banner').classList.contains('hidden') && document.getElementById('banner').textContent.includes('实时连接已断开') && document.getElementById('live').classList.contains('hidden')").await;
    shot(&c, "proctor-4-connection-lost").await;
    axe_clean(&c, "proctor connection lost").await;
    let server = Server::start_at(&data, &addr, &args);
    until(&c, "reconnected", "document.getElementById('banner').classList.contains('hidden') && !document.getElementById('live').classList.contains('hidden')").await;
    c.close().await.expect("close");
    drop(server);
}
