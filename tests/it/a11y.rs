//! Accessibility as a test: axe-core (fetched by `.ci/fetch-axe`, pinned by
//! version and hash) runs in Chromium over every page state a candidate,
//! proctor, marker or admin sees; every WCAG 2.0/2.1/2.2 A and AA rule must
//! pass.

use super::browser::{browser, browser_or_skip, click, start_driver, type_into, until};
use super::serve::{demo, Server};
use fantoccini::Client;
use serde_json::Value;

const AXE_TAGS: &str = "['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22a','wcag22aa']";

/// axe-core's script, or a skip where it was not fetched (a failure under
/// `KAOSHI_REQUIRE_BROWSER`, as in CI).
pub(super) fn axe_source() -> Option<String> {
    let path = super::root().join("target/axe/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(e) => {
            assert!(
                std::env::var_os("KAOSHI_REQUIRE_BROWSER").is_none(),
                "{}: {e} (run python3 .ci/fetch-axe)",
                path.display()
            );
            eprintln!("SKIPPED a11y: {} missing (python3 .ci/fetch-axe)", path.display());
            None
        }
    }
}

/// The violations axe finds on the page as it is now, one line each.
pub(super) async fn violations(c: &Client, axe: &str, state: &str) -> Vec<String> {
    c.execute(axe, vec![]).await.expect("inject axe");
    let script = format!(
        "const done = arguments[0]; axe.run(document, {{runOnly: {{type: 'tag', values: {AXE_TAGS}}}, resultTypes: ['violations']}}).then(r => done(r.violations.map(v => ({{id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').split('\\n').slice(1, 2).join(''))}}))));"
    );
    let found: Value = c.execute_async(&script, vec![]).await.expect("axe.run");
    found
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            format!(
                "{state}: {} ({}) {} — {}",
                v["id"].as_str().unwrap_or(""),
                v["impact"].as_str().unwrap_or(""),
                v["help"].as_str().unwrap_or(""),
                v["nodes"]
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_state_passes_wcag_a_and_aa() {
    if !browser_or_skip("every_page_state_passes_wcag_a_and_aa") {
        return;
    }
    let Some(axe) = axe_source() else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let server = Server::start(&data, &["--demo"]);
    let base = server.base.clone();
    let d = demo(&data);
    let driver = start_driver();
    let c = browser(driver.1, &tmp.path().join("profile")).await;
    let mut found = Vec::new();

    c.goto(&format!("{base}/")).await.expect("index");
    found.extend(violations(&c, &axe, "index").await);

    c.goto(&format!("{base}/seat")).await.expect("seat");
    found.extend(violations(&c, &axe, "seat login").await);
    let (ticket, id) = d.candidates[1].clone();
    type_into(&c, "#ticket", &ticket).await;
    type_into(&c, "#idnum", &id).await;
    click(&c, "#loginBtn").await;
    until(&c, "waiting", "!document.getElementById('viewWait').classList.contains('hidden')").await;
    until(&c, "the rules", "document.querySelectorAll('#rulesList li').length > 0").await;
    found.extend(violations(&c, &axe, "seat waiting with the exam rules").await);
    super::browser::acknowledge_rules(&c).await;
    found.extend(violations(&c, &axe, "seat waiting, rules acknowledged").await);
    let proctor = super::serve::staff_login(&base, "proctor", &d.proctor);
    super::serve::act(&base, &proctor, "demo", &ticket, "approve", serde_json::json!({}));
    until(&c, "exam", "!document.getElementById('exam').classList.contains('hidden')").await;
    // An item of each type, answered and flagged, in single and list mode.
    for kind in ["judge", "single", "multiple"] {
        c.execute(
            "const pos = paper.items.find(it => it.type === arguments[0]).pos; jump(pos);",
            vec![serde_json::json!(kind)],
        )
        .await
        .expect("jump");
        until(&c, kind, "document.querySelector('#answerArea input, #answerArea textarea')").await;
        found.extend(violations(&c, &axe, &format!("seat {kind} item")).await);
    }
    click(&c, "#flagBtn").await;
    c.execute("jump(0);", vec![]).await.expect("first");
    click(&c, "#answerArea label.opt").await;
    until(&c, "saved", "document.getElementById('saveState').textContent.startsWith('已保存 ') && document.querySelector('.nav button.flag')").await;
    found.extend(violations(&c, &axe, "seat answered and flagged").await);
    click(&c, "#modeBtn").await;
    until(&c, "list mode", "!document.getElementById('list').classList.contains('hidden')").await;
    found.extend(violations(&c, &axe, "seat list mode").await);
    click(&c, "#modeBtn").await;
    click(&c, "#submitBtn").await;
    until(&c, "the review", "!document.getElementById('review').classList.contains('hidden')").await;
    found.extend(violations(&c, &axe, "seat review").await);
    click(&c, "#reviewSubmit").await;
    until(&c, "confirm dialog", "document.getElementById('confirm').open").await;
    found.extend(violations(&c, &axe, "seat hand-in dialog").await);
    click(&c, "#confirmYes").await;
    until(&c, "handed in", "!document.getElementById('viewDone').classList.contains('hidden')").await;
    found.extend(violations(&c, &axe, "seat done").await);

    for (page, user, password) in [
        ("proctor", "proctor", d.proctor.as_str()),
        ("marking", "admin", d.admin.as_str()),
        ("admin", "admin", d.admin.as_str()),
    ] {
        c.goto(&format!("{base}/{page}")).await.expect("page");
        found.extend(violations(&c, &axe, &format!("{page} login")).await);
        type_into(&c, "#user", user).await;
        type_into(&c, "#pass", password).await;
        click(&c, "#loginBtn").await;
        until(&c, "logged in", "document.getElementById('viewLogin').classList.contains('hidden')").await;
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        found.extend(violations(&c, &axe, page).await);
        if page == "admin" {
            for tab in ["banks", "staff", "results", "audit"] {
                click(&c, &format!("#tab-{tab}")).await;
                tokio::time::sleep(std::time::Duration::from_millis(800)).await;
                found.extend(violations(&c, &axe, &format!("admin {tab}")).await);
            }
        }
        let _ = c.execute("sessionStorage.clear();", vec![]).await;
    }
    c.close().await.expect("close");
    drop(server);
    assert!(found.is_empty(), "{} WCAG violations:\n{}", found.len(), found.join("\n"));
}
