//! Objective grading through each candidate's option order, and `kaoshi grade`.

use kaoshi_engine::assemble::{Assembler, OptionOrder, Paper, PaperItem};
use kaoshi_engine::bank::{ItemBody, ItemType};
use kaoshi_engine::grade::{encode_response, grade, Grader};
use kaoshi_engine::spec::Scoring;
use std::path::Path;
use std::process::Command;

fn sample() -> kaoshi_engine::BankSource {
    super::parse_dir(&super::sample("electrician-4")).expect("bank")
}

/// The letters a candidate saw for the key of `it`.
fn displayed_key(bank: &kaoshi_engine::Bank, it: &PaperItem) -> String {
    let order = it.option_order.as_slice();
    match &bank.items[it.item as usize].body {
        ItemBody::Judge { answer } => (if *answer { "T" } else { "F" }).to_string(),
        ItemBody::Single { answer, .. } => {
            let k = order.iter().position(|&o| o == *answer).expect("key shown");
            char::from(b'A' + k as u8).to_string()
        }
        ItemBody::Multiple { answer, .. } => {
            (0..order.len()).filter(|&k| answer & (1 << order[k]) != 0).map(|k| char::from(b'A' + k as u8)).collect()
        }
        ItemBody::Short { .. } => String::new(),
    }
}

#[test]
fn the_key_in_each_candidates_letters_scores_full_marks() {
    let source = sample();
    let spec = source.spec.clone().expect("spec");
    let papers = Assembler::new(&source.bank, &spec, 3).expect("ok").batch(50).expect("papers");
    for paper in &papers {
        let key: Vec<Option<String>> = paper.items.iter().map(|it| Some(displayed_key(&source.bank, it))).collect();
        let g = grade(&source.bank, &spec, paper, &key).expect("grade");
        assert_eq!(g.score, 100.0);
        assert_eq!(g.passed, Some(true));
        let modules: f64 = g.modules.values().sum();
        assert_eq!(modules, 100.0);
        for (code, s) in &g.modules {
            let weight = source.bank.modules.iter().find(|m| &m.code == code).expect("module").weight;
            assert!((s - weight).abs() <= spec.weight_tolerance, "module {code}: {s} vs weight {weight}");
        }
        let blank = vec![None; paper.items.len()];
        let g = grade(&source.bank, &spec, paper, &blank).expect("grade");
        assert_eq!((g.score, g.passed), (0.0, Some(false)));
    }
}

#[test]
fn letters_are_read_through_the_option_order() {
    let source = sample();
    let mut spec = source.spec.clone().expect("spec");
    let bank = &source.bank;
    let single = bank.items.iter().position(|i| i.item_type() == ItemType::Single).expect("single") as u32;
    let ItemBody::Single { answer, .. } = bank.items[single as usize].body else { unreachable!() };
    // Shown reversed: displayed k is original 3 − k.
    let it =
        PaperItem { item: single, section: 1, option_order: OptionOrder::from_slice(&[3, 2, 1, 0]).expect("order") };
    let right = char::from(b'A' + (3 - answer)).to_string();
    let wrong = char::from(b'A' + answer).to_string();
    let g = Grader::new(bank, &spec);
    let enc = |t: &str| encode_response(bank, &it, 0, Some(t)).expect("encode");
    assert_eq!(g.item_score(&it, enc(&right)), Some(1.0));
    if answer != 3 - answer {
        assert_eq!(g.item_score(&it, enc(&wrong)), Some(0.0));
    }
    assert!(encode_response(bank, &it, 7, Some("AB")).is_err(), "two letters on a single item");
    assert!(encode_response(bank, &it, 7, Some("E")).expect_err("range").to_string().starts_with("position 7:"));

    // Multiple, exact and partial.
    let multiple = bank.items.iter().position(|i| i.item_type() == ItemType::Multiple).expect("multiple") as u32;
    let it = PaperItem {
        item: multiple,
        section: 2,
        option_order: OptionOrder::from_slice(&[0, 1, 2, 3, 4][..bank.items[multiple as usize].options().len()])
            .expect("o"),
    };
    let key = displayed_key(bank, &it);
    let first = &key[..1];
    let g = Grader::new(bank, &spec);
    assert_eq!(g.item_score(&it, encode_response(bank, &it, 0, Some(&key)).expect("k")), Some(2.0));
    assert_eq!(g.item_score(&it, encode_response(bank, &it, 0, Some(first)).expect("k")), Some(0.0), "exact scoring");
    spec.sections[2].scoring = Scoring::Partial;
    let g = Grader::new(bank, &spec);
    assert_eq!(
        g.item_score(&it, encode_response(bank, &it, 0, Some(first)).expect("k")),
        Some(1.0),
        "partial: a subset of the key"
    );
    let outside = (b'A'..b'A' + bank.items[multiple as usize].options().len() as u8)
        .map(char::from)
        .find(|c| !key.contains(*c))
        .expect("a wrong option");
    let mixed: String = {
        let mut v: Vec<char> = format!("{first}{outside}").chars().collect();
        v.sort_unstable();
        v.into_iter().collect()
    };
    assert_eq!(
        g.item_score(&it, encode_response(bank, &it, 0, Some(&mixed)).expect("k")),
        Some(0.0),
        "a wrong choice earns nothing"
    );
}

#[test]
fn short_items_wait_for_markers() {
    let source = super::parse_dir(&super::sample("chinese-cook-5")).expect("bank");
    let spec = source.spec.clone().expect("spec");
    let paper: Paper = Assembler::new(&source.bank, &spec, 1).expect("ok").paper(0).expect("paper");
    let responses: Vec<Option<String>> =
        paper.items.iter().map(|it| (usize::from(it.section) == 2).then(|| "答案文字".to_string())).collect();
    let g = grade(&source.bank, &spec, &paper, &responses).expect("grade");
    assert_eq!(g.passed, None, "no pass/fail before marking");
    assert_eq!(g.items.iter().filter(|s| s.is_none()).count(), 2);
}

fn kaoshi(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kaoshi")).args(args).current_dir(dir).output().expect("run")
}

#[test]
fn grade_cli_writes_results_or_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = tmp.path();
    let bank = super::sample("electrician-4").display().to_string();
    assert!(kaoshi(&["assemble", &bank, "--count", "3", "--seed", "9", "-o", "papers.jsonl"], p).status.success());
    let source = sample();
    let spec = source.spec.clone().expect("spec");
    let papers = Assembler::new(&source.bank, &spec, 9).expect("ok").batch(3).expect("papers");
    let mut lines = String::new();
    for paper in &papers {
        let mut key: Vec<Option<String>> = paper.items.iter().map(|it| Some(displayed_key(&source.bank, it))).collect();
        key[0] = None;
        lines.push_str(&serde_json::json!({"index": paper.index, "responses": key}).to_string());
        lines.push('\n');
    }
    std::fs::write(p.join("responses.jsonl"), &lines).expect("w");
    let o = kaoshi(
        &[
            "grade",
            "--bank",
            &bank,
            "--papers",
            "papers.jsonl",
            "--responses",
            "responses.jsonl",
            "-o",
            "results.jsonl",
        ],
        p,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let results: Vec<serde_json::Value> = std::fs::read_to_string(p.join("results.jsonl"))
        .expect("r")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["score"], 99.0);
    assert_eq!(results[0]["passed"], true);
    assert_eq!(results[0]["items"][0], 0.0);
    assert_eq!(results[0]["items"].as_array().map(Vec::len), Some(90));

    // A broken line is an error naming it, and no results file is written.
    let broken =
        lines.replacen("\"responses\":[", "\"responses\":[\"Z\",", 1).replace("{\"index\":2", "{\"index\":2,,");
    std::fs::write(p.join("bad.jsonl"), broken).expect("w");
    let o = kaoshi(
        &["grade", "--bank", &bank, "--papers", "papers.jsonl", "--responses", "bad.jsonl", "-o", "out.jsonl"],
        p,
    );
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.jsonl line 1") || err.contains("bad.jsonl line 3"), "{err}");
    assert!(!p.join("out.jsonl").exists(), "no partial results file");
}
