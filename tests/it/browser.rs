//! End to end in headless Chromium (Debian `chromium` + `chromium-driver`;
//! `.ci/run` installs them): a candidate logs in, a proctor approves in a
//! second browser, the candidate answers, reloads, answers survive, hands
//! in, and the console shows it. Screenshots go to `target/screenshots/`.

use super::serve::{demo, Server};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(super) struct Driver(Child, pub(super) u16);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether a browser test can run here. Where Chromium or chromedriver is
/// missing it prints a visible skip and returns false — unless
/// `KAOSHI_REQUIRE_BROWSER` is set (as `.ci/run` does), where it fails.
pub(super) fn browser_or_skip(test: &str) -> bool {
    let driver = Command::new("chromedriver").arg("--version").output().is_ok_and(|o| o.status.success());
    let chromium = std::path::Path::new("/usr/bin/chromium").exists();
    if driver && chromium {
        return true;
    }
    let missing = if driver { "/usr/bin/chromium" } else { "chromedriver" };
    assert!(
        std::env::var_os("KAOSHI_REQUIRE_BROWSER").is_none(),
        "{test}: {missing} is not installed and KAOSHI_REQUIRE_BROWSER is set"
    );
    eprintln!("SKIPPED {test}: {missing} is not installed (apt-get install chromium chromium-driver; .ci/run does)");
    false
}

pub(super) fn start_driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver not found: install Debian's chromium and chromium-driver (.ci/run does)");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Driver(child, port)
}

pub(super) async fn browser(port: u16, profile: &std::path::Path) -> Client {
    browser_with(port, profile, json!({}), &[]).await
}

/// A browser at a screen zoom of `factor` (2.0 is 200 %: a 1366×768 window
/// is 683×384 CSS pixels, as a candidate who zooms in sees it).
pub(super) async fn browser_zoomed(port: u16, profile: &std::path::Path, factor: f64) -> Client {
    browser_with(port, profile, json!({}), &[format!("--force-device-scale-factor={factor}")]).await
}

/// A browser that saves downloads into `dir` without asking.
pub(super) async fn browser_downloading(port: u16, profile: &std::path::Path, dir: &std::path::Path) -> Client {
    let prefs = json!({"download.default_directory": dir.display().to_string(), "download.prompt_for_download": false});
    browser_with(port, profile, prefs, &[]).await
}

pub(super) async fn browser_with(port: u16, profile: &std::path::Path, prefs: Value, extra: &[String]) -> Client {
    let mut args = vec![
        "--headless=new".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--window-size=1366,900".into(),
        format!("--user-data-dir={}", profile.display()),
        "--lang=zh-CN".into(),
    ];
    args.extend(extra.iter().cloned());
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), json!({"binary": "/usr/bin/chromium", "prefs": prefs, "args": args}));
    // chromedriver speaks plain HTTP on loopback: no TLS stack needed.
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("connect to chromedriver")
}

/// Polls a JavaScript expression until it is truthy (20 s at most).
pub(super) async fn until(c: &Client, what: &str, expr: &str) {
    until_within(c, what, expr, Duration::from_secs(20)).await;
}

/// [`until`] with a deadline of its own (waiting out an exam clock).
pub(super) async fn until_within(c: &Client, what: &str, expr: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let v: Value = c.execute(&format!("return !!({expr});"), vec![]).await.expect("execute");
        if v == json!(true) {
            return;
        }
        if Instant::now() > deadline {
            let _ = shot(c, &format!("timeout-{}", what.replace(' ', "-"))).await;
            panic!("timed out waiting for {what}: {expr}");
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

pub(super) async fn shot(c: &Client, name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, c.screenshot().await.expect("screenshot")).expect("write screenshot");
    path
}

pub(super) async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).click().await.expect("click");
}

/// A script's value (a failing script fails the test, naming it).
pub(super) async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.unwrap_or_else(|e| panic!("{script}: {e}"))
}

/// axe-core finds no WCAG A/AA violation in the page as it is now.
pub(super) async fn axe_clean(c: &Client, state: &str) {
    if let Some(axe) = super::a11y::axe_source() {
        let found = super::a11y::violations(c, &axe, state).await;
        assert!(found.is_empty(), "{}", found.join("\n"));
    }
}

/// Keys sent to whatever has focus, as a keyboard would.
pub(super) async fn press(c: &Client, keys: &str) {
    c.active_element().await.expect("focused element").send_keys(keys).await.expect("keys");
}

pub(super) async fn type_into(c: &Client, css: &str, text: &str) {
    c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).send_keys(text).await.expect("type");
}

/// On the waiting screen: reads the exam rules (考生须知), ticks the box and confirms.
pub(super) async fn acknowledge_rules(c: &Client) {
    until(c, "the exam rules", "document.querySelectorAll('#rulesList li').length > 0 && !document.getElementById('rulesForm').classList.contains('hidden')").await;
    click(c, "#rulesCheck").await;
    click(c, "#rulesBtn").await;
    until(c, "the rules acknowledged", "!document.getElementById('rulesDone').classList.contains('hidden') || !document.getElementById('exam').classList.contains('hidden')").await;
}

/// From the paper to the confirmation: 交卷 opens the review, which leads to the dialog.
pub(super) async fn review_and_confirm(c: &Client) {
    click(c, "#submitBtn").await;
    until(c, "the review", "!document.getElementById('review').classList.contains('hidden')").await;
    click(c, "#reviewSubmit").await;
    until(c, "confirm dialog", "document.getElementById('confirm').open").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn candidate_and_proctor_in_a_real_browser() {
    if !browser_or_skip("candidate_and_proctor_in_a_real_browser") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let server = Server::start(&data, &["--demo"]);
    let base = server.base.clone();
    let demo = demo(&data);
    let (ticket, id) = demo.candidates[4].clone();
    let driver = start_driver();
    let seat = browser(driver.1, &tmp.path().join("seat-profile")).await;
    let console = browser(driver.1, &tmp.path().join("console-profile")).await;

    // The candidate logs in and waits for the identity check.
    seat.goto(&format!("{base}/seat")).await.expect("seat page");
    type_into(&seat, "#ticket", &ticket).await;
    type_into(&seat, "#idnum", &id).await;
    click(&seat, "#loginBtn").await;
    until(&seat, "waiting view", "!document.getElementById('viewWait').classList.contains('hidden')").await;
    shot(&seat, "1-seat-awaiting-identity").await;
    acknowledge_rules(&seat).await;

    // The proctor sees the seat waiting and approves it.
    console.goto(&format!("{base}/proctor")).await.expect("console");
    type_into(&console, "#user", "proctor").await;
    type_into(&console, "#pass", &demo.proctor).await;
    click(&console, "#loginBtn").await;
    let card = format!(".seatcard[data-ticket='{ticket}']");
    until(
        &console,
        "awaiting card",
        &format!(
            "document.querySelector(\"{card}\") && document.querySelector(\"{card}\").textContent.includes('待核验')"
        ),
    )
    .await;
    shot(&console, "2-console-awaiting").await;
    click(&console, &card).await;
    until(
        &console,
        "device on the approval card",
        "document.getElementById('detail').textContent.includes('登录设备：127.0.0.1 · Chrome')",
    )
    .await;
    until(
        &console,
        "approve button",
        "[...document.querySelectorAll('#actions button')].some(b => b.textContent === '核验通过')",
    )
    .await;
    console
        .execute(
            "[...document.querySelectorAll('#actions button')].find(b => b.textContent === '核验通过').click();",
            vec![],
        )
        .await
        .expect("approve");

    // The paper opens; answer the first two items.
    until(&seat, "exam view", "!document.getElementById('exam').classList.contains('hidden') && document.querySelectorAll('.nav button').length === 90").await;
    click(&seat, "#answerArea label.opt").await;
    until(&seat, "first save", "document.getElementById('saveState').textContent.startsWith('已保存 ')").await;
    click(&seat, "#nextBtn").await;
    until(&seat, "item 2", "document.getElementById('stem').textContent.startsWith('2.')").await;
    click(&seat, "#answerArea label.opt:last-child").await;
    until(&seat, "second save", "document.getElementById('progress').textContent === '2 / 90' && document.getElementById('saveState').textContent.startsWith('已保存 ')").await;
    shot(&seat, "3-seat-answering").await;

    // Reload: the answers come back from the server.
    seat.refresh().await.expect("reload");
    until(&seat, "answers after reload", "document.getElementById('progress') && document.getElementById('progress').textContent === '2 / 90' && document.getElementById('nav0').classList.contains('done') && document.getElementById('nav1').classList.contains('done')").await;
    shot(&seat, "4-seat-after-reload").await;

    // The console shows two answered items, live.
    until(&console, "answered count", &format!("document.querySelector(\"{card}\").textContent.includes('已答 2/90')"))
        .await;
    // The stream does not resend a seat because its clock ran on: the console counts down itself.
    let shown = format!("document.querySelector(\"{card}\").children[1].textContent");
    let before = console.execute(&format!("return {shown};"), vec![]).await.expect("remaining");
    until(
        &console,
        "the console's clock counting down",
        &format!("{shown} !== {before} && /^答题 1:\\d\\d:\\d\\d$/.test({shown})"),
    )
    .await;

    // Hand in with confirmation.
    review_and_confirm(&seat).await;
    until(&seat, "confirm dialog", "document.getElementById('confirm').open && document.getElementById('confirmText').textContent.includes('还有 88 题未作答')").await;
    shot(&seat, "5-seat-confirm").await;
    click(&seat, "#confirmYes").await;
    until(&seat, "handed in", "!document.getElementById('viewDone').classList.contains('hidden')").await;
    shot(&seat, "6-seat-submitted").await;
    // Nothing of the exam stays on the seat machine: no token, no paper, no answers.
    let left = seat
        .execute(
            "return Object.keys(localStorage).filter(k => k.startsWith('kaoshi.')).concat(document.getElementById('stem').textContent ? ['stem'] : []);",
            vec![],
        )
        .await
        .expect("storage");
    assert_eq!(left, json!([]), "left on the seat machine after hand-in");
    seat.refresh().await.expect("reload");
    until(&seat, "login after reload", "!document.getElementById('viewLogin').classList.contains('hidden')").await;
    until(&console, "submitted card", &format!("document.querySelector(\"{card}\").textContent.includes('已交卷')"))
        .await;
    shot(&console, "7-console-submitted").await;

    // The room record for signatures: the candidate handed in, the chain head printed.
    let room = console
        .execute(&format!("return document.querySelector(\"{card}\").closest('.room').dataset.room;"), vec![])
        .await
        .expect("room");
    let room = room.as_str().expect("room name").to_string();
    console
        .execute("const s = document.getElementById('roomSel'); s.value = arguments[0];", vec![json!(room)])
        .await
        .expect("pick room");
    click(&console, "#recordBtn").await;
    until(
        &console,
        "room record",
        &format!(
            "!document.getElementById('record').classList.contains('hidden') && document.getElementById('recordTitle').textContent === '考场记录 · {room}' && [...document.querySelectorAll('#recordCandidates tbody tr')].some(r => r.textContent.includes('{ticket}') && r.textContent.includes('已交卷')) && /--head [0-9a-f]{{64}}$/.test(document.getElementById('recordChain').textContent)"
        ),
    )
    .await;
    let counts = console
        .execute("return [...document.querySelectorAll('#recordCounts tbody td')].map(td => td.textContent);", vec![])
        .await
        .expect("counts");
    assert_eq!(counts[3], json!("1"), "one candidate of the room handed in: {counts}");
    shot(&console, "8-room-record").await;
    click(&console, "#closeRecord").await;
    until(&console, "back to the console", "!document.getElementById('console').classList.contains('hidden')").await;
    click(&console, "#logoutBtn").await;
    until(&console, "logged out", "!document.getElementById('viewLogin').classList.contains('hidden') && !sessionStorage.getItem('kaoshi.staff.token')").await;

    seat.close().await.expect("close");
    console.close().await.expect("close");
    drop(server);
}
