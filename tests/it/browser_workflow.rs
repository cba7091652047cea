//! The certification workflow's pages in headless Chromium: an admin keeps
//! the rooms and staff registers on the console (a bad file is refused on
//! the page, naming what is wrong); a quality supervisor watches the room
//! read-only, files a finding and closes it with what was done.

use super::browser::{axe_clean, browser, browser_or_skip, click, js, shot, start_driver, type_into, until};
use super::serve::{call, demo, staff_login, Server};
use serde_json::json;

const ROOMS: &str = "minimum_seats = 30\n\n[[room]]\nsite = \"第一考点\"\nname = \"第1考场\"\nseats = 100\n";
const PEOPLE: &str = "[[person]]\nname = \"赵督导\"\nuser = \"s1\"\nduties = [\"supervisor\"]\ncertificate = \"DD-001\"\nvalid_until = \"2020-06-30\"\n";

async fn set_text(c: &fantoccini::Client, css: &str, text: &str) {
    let script = format!("document.querySelector({css:?}).value = {text:?};");
    js(c, &script).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_keeps_the_registers_and_a_supervisor_files_and_closes_a_finding() {
    if !browser_or_skip("an_admin_keeps_the_registers_and_a_supervisor_files_and_closes_a_finding") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let server = Server::start(&data, &["--demo"]);
    let base = server.base.clone();
    let d = demo(&data);
    let driver = start_driver();

    // The admin: the rooms register, first with a mistake, then right.
    let admin = browser(driver.1, &tmp.path().join("admin")).await;
    admin.goto(&format!("{base}/admin")).await.expect("console");
    type_into(&admin, "#user", "admin").await;
    type_into(&admin, "#pass", &d.admin).await;
    click(&admin, "#loginBtn").await;
    until(&admin, "the console", "!document.getElementById('console').classList.contains('hidden')").await;
    click(&admin, "#tab-rooms").await;
    until(
        &admin,
        "the rooms register",
        "document.querySelector('#panel-rooms .state').textContent.includes('未建立 rooms.toml')",
    )
    .await;
    click(&admin, "#panel-rooms .example").await;
    let example = js(&admin, "return document.getElementById('text-rooms').value").await;
    assert!(example.as_str().is_some_and(|t| t.contains("[[room]]")), "{example}");
    set_text(&admin, "#text-rooms", &ROOMS.replace("seats = 100", "seats = \"一百\"")).await;
    click(&admin, "#panel-rooms button[type=submit]").await;
    until(
        &admin,
        "the refusal",
        "document.querySelector('#panel-rooms .err').textContent.includes('rooms.toml：格式错误：第 6 行：类型不对')",
    )
    .await;
    shot(&admin, "workflow-1-rooms-refused").await;
    assert!(!data.join("rooms.toml").exists(), "a refused file is not written");
    set_text(&admin, "#text-rooms", ROOMS).await;
    click(&admin, "#panel-rooms button[type=submit]").await;
    until(&admin, "saved", "document.getElementById('msg').textContent.includes('已保存 rooms.toml')").await;
    let row = js(
        &admin,
        "return [...document.querySelectorAll('#panel-rooms .view tbody td')].map(td => td.textContent).join('|')",
    )
    .await;
    assert_eq!(row, "第一考点|第1考场|100|是", "the register as a table");
    assert_eq!(std::fs::read_to_string(data.join("rooms.toml")).expect("written"), ROOMS);
    shot(&admin, "workflow-2-rooms").await;
    axe_clean(&admin, "console: rooms register").await;

    // The staff register shows an expired certificate as such.
    click(&admin, "#tab-personnel").await;
    until(
        &admin,
        "the staff register",
        "document.querySelector('#panel-personnel .state').textContent.includes('personnel.toml')",
    )
    .await;
    set_text(&admin, "#text-personnel", PEOPLE).await;
    click(&admin, "#panel-personnel button[type=submit]").await;
    until(&admin, "staff saved", "document.getElementById('msg').textContent.includes('已保存 personnel.toml')").await;
    let row = js(
        &admin,
        "return [...document.querySelectorAll('#panel-personnel .view tbody td')].map(td => td.textContent).join('|')",
    )
    .await;
    assert_eq!(row, "赵督导|s1|质量督导员|DD-001|||2020-06-30|已过期|专职|", "{row}");
    shot(&admin, "workflow-3-personnel").await;
    click(&admin, "#tab-organisation").await;
    until(
        &admin,
        "the settings",
        "document.querySelector('#panel-organisation .view tbody').textContent.includes('鲁人社字〔2020〕50号 四(一)')",
    )
    .await;
    axe_clean(&admin, "console: settings").await;

    // A supervisor account for the demo batch.
    let token = staff_login(&base, "admin", &d.admin);
    let body = json!({"user": "s1", "role": "supervisor", "password": "督导员的密码-1", "batches": ["demo"]});
    let (code, saved) = call("POST", &format!("{base}/api/admin/staff"), Some(&token), Some(body));
    assert_eq!(code, 200, "{saved}");

    // The supervisor watches the room: tiles, no actions.
    let sup = browser(driver.1, &tmp.path().join("supervisor")).await;
    sup.goto(&format!("{base}/proctor")).await.expect("proctor console");
    type_into(&sup, "#user", "s1").await;
    type_into(&sup, "#pass", "督导员的密码-1").await;
    click(&sup, "#loginBtn").await;
    until(&sup, "the grid", "document.querySelectorAll('#grid .seatcard').length > 0").await;
    click(&sup, "#grid .seatcard").await;
    until(&sup, "read-only", "document.getElementById('actions').textContent.includes('只读')").await;
    let buttons = js(&sup, "return document.querySelectorAll('#actions button').length").await;
    assert_eq!(buttons, 0, "a supervisor is offered no action");
    let record = js(&sup, "return document.getElementById('recordBox').classList.contains('hidden')").await;
    assert_eq!(record, false, "the supervisor signs the room record, and may make it");
    shot(&sup, "workflow-4-supervisor-grid").await;

    // Then files a finding and closes it.
    click(&sup, "#supervisionLink").await;
    until(&sup, "the supervision page", "!document.getElementById('console').classList.contains('hidden') && document.getElementById('fCategory').options.length === 7").await;
    js(&sup, "document.getElementById('fCategory').value = '考场纪律';").await;
    type_into(&sup, "#fText", "第3排两名考生交谈，监考员未及时制止").await;
    click(&sup, "#findingForm button[type=submit]").await;
    until(&sup, "the finding", "document.querySelector('#findingTable tbody').textContent.includes('待整改')").await;
    axe_clean(&sup, "supervision: an open finding").await;
    type_into(&sup, "#close-1", "已对监考员提醒，并调整两名考生座位").await;
    click(&sup, "#findingTable button[type=submit]").await;
    until(&sup, "closed", "document.querySelector('#ledgerTable tbody').textContent.includes('已销号')").await;
    let ledger = js(&sup, "return document.querySelector('#ledgerTable tbody tr').textContent").await;
    let ledger = ledger.as_str().unwrap_or_default().to_string();
    assert!(
        ledger.contains("demo")
            && ledger.contains("考场纪律")
            && ledger.contains("已对监考员提醒")
            && ledger.contains("s1"),
        "{ledger}"
    );
    shot(&sup, "workflow-5-supervision").await;
    js(&sup, "document.getElementById('openOnly').click();").await;
    until(
        &sup,
        "nothing open",
        "document.querySelector('#ledgerTable tbody').textContent.includes('没有待整改的问题')",
    )
    .await;
    let _ = admin.close().await;
    let _ = sup.close().await;
}
