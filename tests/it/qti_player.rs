//! Another QTI tool opens kaoshi's export: the items of a QTI 3.0 package
//! written by `bank export` are loaded into Cito's QTI 3 player
//! (@citolab/qti-components, fetched by `.ci/fetch-qti-player`) in headless
//! Chromium; the player must render every choice, and scoring the bank's key
//! with the package's own response processing must give full marks while a
//! wrong answer gives none.

use super::browser::{browser, shot, start_driver, until};
use fantoccini::Locator;
use kaoshi_engine::bank::{option_letter, Item, ItemBody};
use serde_json::{json, Value};
use std::path::PathBuf;

/// The player, or `None` with a visible skip (a failure under `KAOSHI_REQUIRE_BROWSER`).
fn player() -> Option<PathBuf> {
    let path = std::env::var_os("KAOSHI_QTI_PLAYER")
        .map(PathBuf::from)
        .unwrap_or_else(|| super::root().join("target/qti-player/index.global.js"));
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("KAOSHI_REQUIRE_BROWSER").is_none(),
        "QTI player not found at {}: run .ci/fetch-qti-player (.ci/run does)",
        path.display()
    );
    eprintln!("SKIPPED the QTI player test: {} is missing (run .ci/fetch-qti-player; .ci/run does)", path.display());
    None
}

/// The candidate's answer as QTI choice identifiers: the key, or a wrong one.
fn answer(item: &Item, right: bool) -> Vec<String> {
    match &item.body {
        ItemBody::Judge { answer } => vec![if *answer == right { "T" } else { "F" }.to_string()],
        ItemBody::Single { answer, .. } => {
            let i = if right { usize::from(*answer) } else { (usize::from(*answer) + 1) % item.options().len() };
            vec![option_letter(i).to_string()]
        }
        ItemBody::Multiple { answer, .. } => (0..item.options().len())
            .filter(|i| (answer & (1 << i) != 0) == right || (!right && *i == 0 && answer & 1 != 0))
            .map(|i| option_letter(i).to_string())
            .collect(),
        ItemBody::Short { .. } => Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qti3_player_renders_and_scores_the_exported_items() {
    let Some(player) = player() else { return };
    if !super::browser::browser_or_skip("a_qti3_player_renders_and_scores_the_exported_items") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::copy(&player, dir.path().join("player.js")).expect("copy player");
    std::fs::copy(player.with_file_name("item.css"), dir.path().join("item.css")).expect("copy stylesheet");
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><meta charset=\"utf-8\"><link rel=\"stylesheet\" href=\"item.css\">\
         <script src=\"player.js\"></script><div id=\"host\" style=\"padding:24px\"></div>",
    )
    .expect("page");

    // A judge, a single, a multiple and a short item from each sample bank.
    let mut cases: Vec<(Item, String)> = Vec::new();
    for name in ["electrician-4", "chinese-cook-5"] {
        let source = super::parse_dir(&super::sample(name)).expect("sample");
        let files = kaoshi_interop::qti_export::package_files(&source);
        for kind in kaoshi_engine::bank::ItemType::ALL {
            if let Some(item) = source.bank.items.iter().find(|i| i.item_type() == kind) {
                let xml = files.get(&format!("items/{}.xml", item.id)).expect("item file");
                cases.push((item.clone(), String::from_utf8(xml.clone()).expect("utf8")));
            }
        }
    }
    assert_eq!(cases.len(), 6, "electrician-4: judge, single, multiple; chinese-cook-5: judge, single, short");

    let driver = start_driver();
    let profile = tempfile::tempdir().expect("profile");
    let c = browser(driver.1, profile.path()).await;
    c.goto(&format!("file://{}", dir.path().join("index.html").display())).await.expect("open page");
    until(&c, "player loaded", "customElements.get('qti-assessment-item')").await;

    for (item, xml) in &cases {
        // The player's own loader: parse as XML, transform to its elements.
        c.execute(
            "document.getElementById('host').innerHTML = QtiComponents.qtiTransformItem().parse(arguments[0]).html();",
            vec![json!(xml)],
        )
        .await
        .expect("load item");
        until(&c, "item rendered", "document.querySelector('qti-assessment-item') && document.querySelector('qti-assessment-item').shadowRoot !== undefined").await;
        let rendered: Value = c
            .execute(
                "const item = document.querySelector('qti-assessment-item');
                 return { choices: [...item.querySelectorAll('qti-simple-choice')].map(c => c.textContent.trim()),
                          text: !!item.querySelector('qti-extended-text-interaction'),
                          shown: document.body.innerText,
                          height: item.querySelector('qti-item-body').getBoundingClientRect().height };",
                vec![],
            )
            .await
            .expect("inspect");
        let shown = rendered["shown"].as_str().unwrap_or_default();
        assert!(
            shown.contains(item.stem.lines().next().unwrap_or_default()),
            "{}: the stem is on screen: {shown}",
            item.id
        );
        assert!(
            rendered["height"].as_f64().unwrap_or(0.0) > 50.0,
            "{}: the item body takes space on the page",
            item.id
        );
        if item.id == "E4-00014" {
            // As a candidate would: click the key's choices, then let the player score.
            for id in answer(item, true) {
                let css = format!("qti-simple-choice[identifier='{id}']");
                c.find(Locator::Css(&css)).await.expect("choice").click().await.expect("click");
            }
            let _ = shot(&c, "qti-player-multiple").await;
            let score: Value = c
                .execute(
                    "const item = document.querySelector('qti-assessment-item'); item.processResponse(); return item.getOutcome('SCORE').value;",
                    vec![],
                )
                .await
                .expect("score");
            assert_eq!(
                score.as_str().and_then(|s| s.parse::<f64>().ok()).or(score.as_f64()),
                Some(1.0),
                "clicked key: {score}"
            );
        }
        match &item.body {
            ItemBody::Short { .. } => {
                assert_eq!(rendered["text"], json!(true), "{}: extended text interaction", item.id);
                continue;
            }
            ItemBody::Judge { .. } => assert_eq!(rendered["choices"], json!(["正确", "错误"]), "{}", item.id),
            _ => assert_eq!(rendered["choices"], json!(item.options()), "{}: every option rendered", item.id),
        }
        for right in [true, false] {
            let response = answer(item, right);
            let score: Value = c
                .execute(
                    "const item = document.querySelector('qti-assessment-item');
                     const ids = arguments[0];
                     item.updateResponseVariable('RESPONSE', item.querySelector('qti-choice-interaction').getAttribute('max-choices') === '1' ? ids[0] : ids);
                     item.processResponse();
                     return item.getOutcome('SCORE').value;",
                    vec![json!(response)],
                )
                .await
                .expect("score");
            let score: f64 = score.as_str().and_then(|s| s.parse().ok()).or(score.as_f64()).unwrap_or(-1.0);
            if score != if right { 1.0 } else { 0.0 } {
                let _ = shot(&c, &format!("qti-player-{}", item.id)).await;
            }
            assert_eq!(score, if right { 1.0 } else { 0.0 }, "{} answered {response:?}", item.id);
        }
    }
    let _ = shot(&c, "qti-player-last-item").await;
    c.close().await.expect("close");
}
