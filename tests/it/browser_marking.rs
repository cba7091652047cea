//! The marking page in Chromium: a marker sees their progress and marks by
//! the rubric, with checks and messages beside the work; the leader's
//! arbitration card shows the rubric beside the marks and checks the
//! reason; the header names the user. axe checks each state.

use super::browser::{axe_clean, browser, browser_or_skip, click, js, shot, start_driver, type_into, until};
use super::serve::{add_staff, call, quick_batch_of, staff_login, start_exam, Server};
use fantoccini::Client;
use serde_json::json;

async fn log_in(c: &Client, base: &str, user: &str) {
    c.goto(&format!("{base}/marking")).await.expect("marking page");
    type_into(c, "#user", user).await;
    type_into(c, "#pass", "secret-pass-1").await;
    click(c, "#loginBtn").await;
    until(c, "logged in", "document.getElementById('viewLogin').classList.contains('hidden')").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_marker_marks_by_the_rubric_and_the_leader_arbitrates_beside_it() {
    if !browser_or_skip("a_marker_marks_by_the_rubric_and_the_leader_arbitrates_beside_it") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let (people, key) = quick_batch_of(tmp.path(), &data, 1, 3600, "chinese-cook-5");
    for (user, role) in [("m1", "marker"), ("m2", "marker"), ("m3", "marker"), ("lead", "leader")] {
        add_staff(&data, user, role, "secret-pass-1", None);
    }
    let server = Server::start(&data, &["--key-file", key.to_str().expect("p")]);
    let b = server.base.clone();
    let proctor = staff_login(&b, "p1", "proctor-pass-1");
    let (token, paper) = start_exam(&b, &proctor, "quick", &people[0].0, &people[0].1);
    let shorts: Vec<u64> = paper["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["type"] == "short")
        .map(|i| i["pos"].as_u64().expect("pos"))
        .collect();
    for (seq, pos) in shorts.iter().enumerate() {
        let body = json!({"response": "保持原料新鲜，生熟分开，低温冷藏。", "seq": seq + 1});
        assert_eq!(call("PUT", &format!("{b}/api/seat/answers/{pos}"), Some(&token), Some(body)).0, 200);
    }
    assert_eq!(call("POST", &format!("{b}/api/seat/submit"), Some(&token), None).0, 200);

    // The marker: who is logged in, how far the marking is, the rubric.
    let driver = start_driver();
    let c = browser(driver.1, &tmp.path().join("marker")).await;
    log_in(&c, &b, "m1").await;
    until(&c, "a task", "document.getElementById('submitMark') && document.getElementById('progress').textContent === '我已评 0 份 · 待评 2 份（我可评 2 份）· 已定分 0 / 2 份'").await;
    assert_eq!(js(&c, "return document.getElementById('me').textContent;").await, "m1（考评员）");
    axe_clean(&c, "marking task").await;
    c.execute("const i = document.querySelector('#task table input'); i.value = String(Number(i.max) + 1); i.dispatchEvent(new Event('input'));", vec![]).await.expect("too much");
    click(&c, "#submitMark").await;
    until(&c, "the point checked beside the button", "document.getElementById('markMsg').textContent.startsWith('第 1 个要点') && document.getElementById('markMsg').classList.contains('bad')").await;
    shot(&c, "marking-1-rubric-check").await;
    for _ in 0..2 {
        let code = js(&c, "return document.querySelector('#task .code').textContent;").await;
        c.execute("document.querySelectorAll('#task table input').forEach(i => { i.value = i.max; i.dispatchEvent(new Event('input')); });", vec![]).await.expect("full marks");
        click(&c, "#submitMark").await;
        until(&c, "submitted", &format!("document.getElementById('markMsg') ? document.getElementById('markMsg').textContent === '已提交 ' + {code} + '。' : document.getElementById('msg').textContent === '已提交 ' + {code} + '。'")).await;
    }
    until(&c, "my count", "document.getElementById('progress').textContent.startsWith('我已评 2 份')").await;

    // Two more markers disagree through the API: the responses go to the leader.
    for (user, score) in [("m2", 0.0), ("m3", 5.0)] {
        let t = staff_login(&b, user, "secret-pass-1");
        loop {
            let (_, next) = call("GET", &format!("{b}/api/marking/batches/quick/next"), Some(&t), None);
            let Some(code) = next["task"]["code"].as_str() else { break };
            let body = json!({"code": code, "score": score});
            let (status, r) = call("POST", &format!("{b}/api/marking/batches/quick/marks"), Some(&t), Some(body));
            assert_eq!(status, 200, "{r}");
        }
    }

    // The leader: the rubric on the arbitration card, the reason checked there, the result at the head of the list.
    let l = browser(driver.1, &tmp.path().join("leader")).await;
    log_in(&l, &b, "lead").await;
    assert_eq!(js(&l, "return document.getElementById('me').textContent;").await, "lead（阅卷组长）");
    click(&l, "#tabs button[data-tab='arbitrate']").await;
    until(&l, "arbitration cards", "document.querySelectorAll('#leaderList article').length === 2 && document.querySelector('#leaderList article table caption').textContent === '评分标准' && document.querySelectorAll('#leaderList article table tr').length > 2").await;
    axe_clean(&l, "marking arbitration").await;
    l.execute("document.getElementById('score0').value = '6';", vec![]).await.expect("score");
    l.execute("document.querySelector('#leaderList article button.primary').click();", vec![])
        .await
        .expect("arbitrate");
    until(
        &l,
        "the reason checked on the card",
        "document.querySelector('#leaderList article .note').textContent === '请填写仲裁理由。'",
    )
    .await;
    shot(&l, "marking-2-arbitration").await;
    type_into(&l, "#reason0", "两评差距过大，按评分要点复核").await;
    l.execute("document.querySelector('#leaderList article button.primary').click();", vec![])
        .await
        .expect("arbitrate");
    until(&l, "arbitrated", "/^已处理 .+（6 分）。$/.test(document.getElementById('leaderMsg').textContent) && document.querySelectorAll('#leaderList article').length === 1").await;
    c.close().await.expect("close");
    l.close().await.expect("close");
    drop(server);
}
