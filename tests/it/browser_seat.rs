//! The seat page as a candidate uses it, in Chromium: the waiting screen
//! with its start time, countdown and exam rules; navigator states told by
//! sign and label; flags kept on the server across machines; the review
//! before hand-in; list mode; shortcuts that can be switched off; 200 %
//! zoom; and a whole paper sat with the keyboard alone.

use super::browser::{
    acknowledge_rules, axe_clean, browser, browser_or_skip, browser_zoomed, click, js, press, shot, start_driver,
    type_into, until,
};
use super::serve::{act, batch_from_roster, call, quick_batch_of, staff_login, Server};
use fantoccini::key::Key;
use fantoccini::Client;
use serde_json::{json, Value};
use std::path::Path;

/// A second batch `later` in the same data directory, starting in ten
/// minutes, with one candidate `L0000`.
fn later_batch(tmp: &Path, data: &Path) -> (String, String) {
    let id = kaoshi_exam::identity::example_resident_id(900);
    let roster = format!("ticket,id_number,name,organisation,room,seat\nL0000,{id},晚场考生,单位,A,1\n");
    let start = (chrono::Utc::now() + chrono::Duration::minutes(10)).to_rfc3339();
    batch_from_roster(tmp, data, "later", &roster, &start, 5400);
    ("L0000".into(), id)
}

async fn login(c: &Client, base: &str, ticket: &str, id: &str) {
    c.goto(&format!("{base}/seat")).await.expect("seat page");
    type_into(c, "#ticket", ticket).await;
    type_into(c, "#idnum", id).await;
    click(c, "#loginBtn").await;
    until(c, "waiting", "!document.getElementById('viewWait').classList.contains('hidden')").await;
}

fn seat_token_flags(base: &str, token: &str) -> Value {
    call("GET", &format!("{base}/api/seat/answers"), Some(token), None).1["flagged"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_candidate_waits_reads_the_rules_flags_reviews_and_zooms() {
    if !browser_or_skip("a_candidate_waits_reads_the_rules_flags_reviews_and_zooms") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let (people, key) = quick_batch_of(tmp.path(), &data, 2, 3600, "electrician-4");
    let (late, late_id) = later_batch(tmp.path(), &data);
    let server = Server::start(&data, &["--key-file", key.to_str().expect("p")]);
    let base = server.base.clone();
    let proctor = staff_login(&base, "p1", "proctor-pass-1");
    let driver = start_driver();

    // Waiting for a batch that starts in ten minutes: a clock time, a countdown, the rules.
    let early = browser(driver.1, &tmp.path().join("early")).await;
    login(&early, &base, &late, &late_id).await;
    assert_eq!(act(&base, &proctor, "later", &late, "approve", json!({})).0, 200);
    until(&early, "the start time", "/考试将于 \\d\\d:\\d\\d 开始/.test(document.getElementById('waitText').textContent) && /距开考还有 (09|10):\\d\\d/.test(document.getElementById('countdown').textContent)").await;
    let first = js(&early, "return document.getElementById('countdown').textContent;").await;
    until(&early, "the countdown ticking", &format!("document.getElementById('countdown').textContent !== {first}"))
        .await;
    until(&early, "the rules", "document.querySelectorAll('#rulesList li').length === 7").await;
    click(&early, "#rulesBtn").await;
    until(
        &early,
        "a rule that the box be ticked",
        "document.getElementById('rulesErr').textContent.includes('请先勾选')",
    )
    .await;
    shot(&early, "seat-1-waiting-countdown-rules").await;
    acknowledge_rules(&early).await;
    let token = js(&early, "return localStorage.getItem('kaoshi.seat.token');").await;
    let (_, status) = call("GET", &format!("{base}/api/seat/status"), token.as_str(), None);
    assert_eq!(status["rules_acknowledged"], true, "{status}");
    early.close().await.expect("close");

    // A candidate of the running batch: rules, approval, the paper.
    let seat = browser(driver.1, &tmp.path().join("seat")).await;
    let (ticket, id) = people[0].clone();
    login(&seat, &base, &ticket, &id).await;
    acknowledge_rules(&seat).await;
    assert_eq!(act(&base, &proctor, "quick", &ticket, "approve", json!({})).0, 200);
    until(&seat, "the paper", "document.querySelectorAll('.nav button').length === 90").await;
    assert_eq!(js(&seat, "return document.activeElement.id;").await, "stem", "the question has the focus");

    // Item 1 answered and flagged, item 3 flagged only: told apart by sign and label.
    click(&seat, "#answerArea label.opt").await;
    click(&seat, "#flagBtn").await;
    click(&seat, "#nav2").await;
    until(&seat, "item 3", "document.getElementById('stem').textContent.startsWith('3.')").await;
    click(&seat, "#flagBtn").await;
    until(&seat, "states on the server", "document.getElementById('nav0').textContent === '1✓⚑' && document.getElementById('nav2').textContent === '3⚑' && document.getElementById('saveState').textContent.startsWith('已保存 ')").await;
    let labels =
        js(&seat, "return ['nav0','nav1','nav2'].map(id => document.getElementById(id).getAttribute('aria-label'));")
            .await;
    assert_eq!(labels, json!(["第1题，已作答，已标记", "第2题，未作答", "第3题，未作答，已标记"]));
    assert_eq!(js(&seat, "return document.getElementById('nav2').getAttribute('aria-current');").await, "true");
    let token = js(&seat, "return localStorage.getItem('kaoshi.seat.token');").await;
    let token = token.as_str().expect("token").to_string();
    until(&seat, "flags acknowledged", "!Object.keys(localStorage).some(k => k.startsWith('kaoshi.flags.'))").await;
    assert_eq!(seat_token_flags(&base, &token), json!([0, 2]));

    // Space on an option keeps the focus on it; shortcuts can be switched off.
    seat.execute("document.querySelector('#answerArea input').focus();", vec![]).await.expect("focus");
    press(&seat, " ").await;
    until(&seat, "chosen by Space", "document.querySelector('#answerArea input').checked").await;
    assert_eq!(js(&seat, "return document.activeElement === document.querySelector('#answerArea input');").await, true);
    // → on a focused option goes to the next item; it does not move the choice to the next option.
    press(&seat, &char::from(Key::Right).to_string()).await;
    until(&seat, "item 4 by →", "document.getElementById('stem').textContent.startsWith('4.')").await;
    press(&seat, &char::from(Key::Left).to_string()).await;
    until(&seat, "item 3 by ←", "document.getElementById('stem').textContent.startsWith('3.') && document.querySelector('#answerArea input').checked && !document.querySelectorAll('#answerArea input')[1].checked").await;
    seat.execute("document.getElementById('stem').focus();", vec![]).await.expect("focus");
    press(&seat, "m").await;
    until(&seat, "M unflags", "document.getElementById('nav2').textContent === '3✓'").await;
    click(&seat, "#keysBox summary").await;
    click(&seat, "#keysOn").await;
    seat.execute("document.getElementById('stem').focus();", vec![]).await.expect("focus");
    press(&seat, "m").await;
    press(&seat, "b").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        js(&seat, "return document.getElementById('nav2').textContent;").await,
        "3✓",
        "shortcuts off: M does nothing"
    );
    let shortcuts = js(&seat, "return document.getElementById('keysBox').textContent;").await;
    assert!(shortcuts.as_str().is_some_and(|t| t.contains("M：标记或取消标记")), "{shortcuts}");

    // The review: unanswered and flagged items, each a jump back.
    click(&seat, "#submitTop").await;
    until(&seat, "the review", "!document.getElementById('review').classList.contains('hidden')").await;
    let review = js(&seat, "return [document.getElementById('reviewSummary').textContent, [...document.querySelectorAll('#reviewFlagged button')].map(b => b.textContent), document.querySelectorAll('#reviewUnanswered button').length];").await;
    assert_eq!(review[0], "共 90 题：已作答 2 题，未作答 88 题，已标记 1 题。点击题号返回该题。");
    assert_eq!(review[1], json!(["第1题"]));
    assert_eq!(review[2], 88);
    shot(&seat, "seat-2-review").await;
    seat.execute(
        "[...document.querySelectorAll('#reviewUnanswered button')].find(b => b.textContent === '第2题').click();",
        vec![],
    )
    .await
    .expect("jump");
    until(&seat, "back at item 2", "!document.getElementById('single').classList.contains('hidden') && document.getElementById('stem').textContent.startsWith('2.') && document.activeElement.id === 'stem'").await;

    // List mode: section headings, flags per item, the navigator scrolls to an item.
    click(&seat, "#modeBtn").await;
    until(
        &seat,
        "list mode",
        "document.querySelectorAll('#list h2').length === 3 && document.querySelectorAll('#list .item').length === 90",
    )
    .await;
    click(&seat, "#nav80").await;
    until(&seat, "item 81 in sight", "(() => { const r = document.getElementById('item80').getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight && document.activeElement.id === 'item80'; })()").await;
    click(&seat, ".item[data-pos='80'] button.flagItem").await;
    until(&seat, "flagged in the list", "document.getElementById('nav80').classList.contains('flag') && document.querySelector(\".item[data-pos='80'] .flagged\").textContent === '⚑ 已标记'").await;
    shot(&seat, "seat-3-list-mode").await;
    until(&seat, "the list flag saved", "!Object.keys(localStorage).some(k => k.startsWith('kaoshi.flags.'))").await;

    // Another machine: the flags come from the server.
    let other = browser_zoomed(driver.1, &tmp.path().join("other"), 2.0).await;
    other.set_window_size(683, 384).await.expect("window");
    login(&other, &base, &ticket, &id).await;
    assert_eq!(act(&base, &proctor, "quick", &ticket, "approve", json!({})).0, 200);
    until(&other, "the paper on the other machine", "document.querySelectorAll('.nav button').length === 90").await;
    until(&other, "flags from the server", "document.getElementById('nav0').classList.contains('flag') && document.getElementById('nav80').classList.contains('flag') && !document.getElementById('nav2').classList.contains('flag')").await;
    until(&seat, "the first machine told", "document.getElementById('loginErr').textContent.includes('另一台机器')")
        .await;

    // 200 % zoom: one column, no sideways scrolling, the header on at most two lines with the clock and 交卷 in sight.
    let size = js(&other, "return [innerWidth, innerHeight];").await;
    assert!(size[0].as_i64().is_some_and(|w| w <= 700), "a 200 % view is about 683 CSS px wide: {size}");
    let layout = "(() => { const h = document.querySelector('header').getBoundingClientRect(), t = document.getElementById('title').getBoundingClientRect(), c = document.getElementById('clock').getBoundingClientRect(), s = document.getElementById('submitTop').getBoundingClientRect(); return document.documentElement.scrollWidth <= innerWidth && h.height <= innerHeight * 0.3 && t.height < 40 && c.bottom <= innerHeight && c.top >= 0 && s.bottom <= innerHeight && s.top >= 0 && c.width > 0 && s.width > 0; })()";
    until(&other, "the zoomed layout", layout).await;
    shot(&other, "seat-4-zoom-200").await;
    other
        .execute("document.getElementById('modeBtn').click(); window.scrollTo(0, document.body.scrollHeight);", vec![])
        .await
        .expect("scroll");
    until(&other, "the zoomed layout scrolled", layout).await;
    shot(&other, "seat-5-zoom-200-scrolled").await;

    seat.close().await.expect("close");
    other.close().await.expect("close");
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_paper_sat_with_the_keyboard_alone() {
    if !browser_or_skip("a_whole_paper_sat_with_the_keyboard_alone") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let (people, key) = quick_batch_of(tmp.path(), &data, 1, 3600, "chinese-cook-5");
    let server = Server::start(&data, &["--key-file", key.to_str().expect("p")]);
    let base = server.base.clone();
    let proctor = staff_login(&base, "p1", "proctor-pass-1");
    let driver = start_driver();
    let c = browser(driver.1, &tmp.path().join("seat")).await;
    let (ticket, id) = people[0].clone();
    let tab: String = char::from(Key::Tab).to_string();
    let enter: String = char::from(Key::Enter).to_string();
    let right: String = char::from(Key::Right).to_string();
    let shift_tab: String = [char::from(Key::Shift), char::from(Key::Tab)].iter().collect();
    let focused = "document.activeElement.id";
    // Tab until the element `id` has the focus; returns how many presses it took.
    async fn tab_to(c: &Client, tab: &str, id: &str, most: usize) {
        for _ in 0..most {
            press(c, tab).await;
            if js(c, "return document.activeElement.id;").await == id {
                return;
            }
        }
        panic!("{id} not reached in {most} Tab presses");
    }

    c.goto(&format!("{base}/seat")).await.expect("seat");
    assert_eq!(js(&c, &format!("return {focused};")).await, "ticket", "the ticket field has the focus");
    press(&c, &ticket).await;
    press(&c, &tab).await;
    press(&c, &id).await;
    press(&c, &enter).await;
    until(&c, "waiting", "document.querySelectorAll('#rulesList li').length === 7").await;
    tab_to(&c, &tab, "rulesCheck", 6).await;
    press(&c, " ").await;
    press(&c, &tab).await;
    press(&c, &enter).await;
    until(&c, "rules acknowledged", "!document.getElementById('rulesDone').classList.contains('hidden')").await;
    assert_eq!(act(&base, &proctor, "quick", &ticket, "approve", json!({})).0, 200);
    until(
        &c,
        "the paper",
        "document.querySelectorAll('.nav button').length === 52 && document.activeElement.id === 'stem'",
    )
    .await;

    // The skip link is the first thing Tab reaches; from it, the first option is two presses away.
    let first_stop = js(&c, "return [...document.querySelectorAll('a[href], button, input, textarea, select, [tabindex]:not([tabindex=\"-1\"])')].find(e => e.offsetParent !== null || e.id === 'skipLink').id;").await;
    assert_eq!(first_stop, "skipLink");
    c.execute("document.getElementById('skipLink').focus();", vec![]).await.expect("focus");
    press(&c, &enter).await;
    assert_eq!(js(&c, &format!("return {focused};")).await, "stem", "the skip link leads to the question");
    press(&c, &tab).await;
    let first =
        js(&c, "return document.activeElement.closest('#answerArea') !== null && document.activeElement.tagName;")
            .await;
    assert_eq!(first, "INPUT", "one Tab after the skip link reaches the first option");

    // Letters on a focused option choose too; back to the question for the arrows.
    c.execute("document.getElementById('skipLink').focus();", vec![]).await.expect("focus");
    press(&c, &enter).await;
    let items = js(&c, "return paper.items.map(it => it.type);").await;
    let items = items.as_array().expect("types").clone();
    for (pos, kind) in items.iter().enumerate() {
        match kind.as_str().expect("type") {
            "judge" => press(&c, if pos % 2 == 0 { "t" } else { "2" }).await,
            "single" => press(&c, "c").await,
            "short" => {
                // From the question forwards, from the buttons below backwards.
                for _ in 0..3 {
                    if js(&c, "return document.activeElement.tagName;").await == "TEXTAREA" {
                        break;
                    }
                    let back = js(&c, "return document.activeElement.closest('.bar') !== null;").await == true;
                    press(&c, if back { &shift_tab } else { &tab }).await;
                }
                assert_eq!(js(&c, "return document.activeElement.tagName;").await, "TEXTAREA");
                press(&c, "原料初加工应当保持清洁卫生，生熟分开。").await;
                press(&c, &tab).await;
            }
            other => panic!("unexpected item type {other}"),
        }
        if pos + 1 < items.len() {
            press(&c, &right).await;
            until(
                &c,
                "the next item",
                &format!("document.getElementById('stem').textContent.startsWith('{}.')", pos + 2),
            )
            .await;
        }
    }
    until(&c, "every answer saved", "document.getElementById('progress').textContent === '52 / 52' && document.getElementById('saveState').textContent.startsWith('已保存 ')").await;
    axe_clean(&c, "seat short-answer item").await;
    shot(&c, "seat-6-keyboard-short-answer").await;

    // To 交卷 backwards from the question, through the review, into the dialog.
    c.execute("document.getElementById('stem').focus();", vec![]).await.expect("focus");
    press(&c, &shift_tab).await;
    assert_eq!(js(&c, &format!("return {focused};")).await, "submitTop");
    press(&c, &enter).await;
    until(&c, "the review", "document.activeElement.id === 'reviewTitle'").await;
    tab_to(&c, &tab, "reviewSubmit", 4).await;
    press(&c, &enter).await;
    until(&c, "the dialog", "document.getElementById('confirm').open && document.activeElement.id === 'confirmNo'")
        .await;
    press(&c, &tab).await;
    press(&c, &enter).await;
    until(&c, "handed in", "!document.getElementById('viewDone').classList.contains('hidden') && document.getElementById('doneText').textContent.includes('52 题已作答')").await;
    assert_eq!(js(&c, &format!("return {focused};")).await, "nextCandidate");
    press(&c, &enter).await;
    until(
        &c,
        "the next candidate types at once",
        "document.activeElement.id === 'ticket' && !document.getElementById('viewLogin').classList.contains('hidden')",
    )
    .await;
    c.close().await.expect("close");
    drop(server);
}
