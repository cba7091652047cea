//! Importing a 20,000-item bank from the spreadsheet template (CSV) and from a
//! QTI 3.0 package, and exporting the package; the baseline is the engine's
//! own `bank check` of the same items as `items.jsonl` (the floor: import
//! ends with that validation).
//!
//! Run: `cargo bench --bench import`. Numbers for the README come from here.

use criterion::{criterion_group, criterion_main, Criterion};
use kaoshi_engine::bank::{
    export, mask_letters, option_letter, parse_source, BankSource, ItemBody, SourceFiles, Status,
};
use kaoshi_engine::synth::{synth, SynthParams};
use kaoshi_interop::{build, qti_export, read, Format, Input, Options};
use std::fmt::Write;
use std::hint::black_box;

/// The bank as a 题库导入模板 CSV with a 鉴定点 column.
fn template_csv(source: &BankSource) -> String {
    let mut out =
        String::from("题型,题干,选项A,选项B,选项C,选项D,选项E,选项F,选项G,选项H,答案,难度,鉴定点,评分要点,分值,状态\n");
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    for item in &source.bank.items {
        let (kind, options, answer) = match &item.body {
            ItemBody::Judge { answer } => ("判断题", &[][..], if *answer { "√" } else { "×" }.to_string()),
            ItemBody::Single { options, answer } => {
                ("单选题", &options[..], option_letter(usize::from(*answer)).to_string())
            }
            ItemBody::Multiple { options, answer } => ("多选题", &options[..], mask_letters(*answer)),
            ItemBody::Short { reference, .. } => ("简答题", &[][..], quote(reference)),
        };
        let _ = write!(out, "{kind},{}", quote(&item.stem));
        for i in 0..8 {
            let _ = write!(out, ",{}", options.get(i).map(|o| quote(o)).unwrap_or_default());
        }
        let (rubric, max) = match &item.body {
            ItemBody::Short { rubric, max_score, .. } => {
                let points: Vec<String> = rubric.iter().map(|p| format!("{}({}分)", p.point, p.score)).collect();
                (quote(&points.join("；")), max_score.to_string())
            }
            _ => (String::new(), String::new()),
        };
        let status = if item.status == Status::Retired { "停用" } else { "启用" };
        let _ = writeln!(out, ",{answer},{},{},{rubric},{max},{status}", item.difficulty, item.point);
    }
    out
}

fn import_20k(c: &mut Criterion) {
    let source = synth(SynthParams { items: 20_000, modules: 8, seed: 1 }).expect("synth");
    let blueprint = export(&source).bank_toml;
    let csv = template_csv(&source).into_bytes();
    let options = Options { blueprint: Some(blueprint), bank_id: "bench".into(), ..Options::default() };
    let imported =
        build(read(Format::Csv, &Input::File { name: "b.csv".into(), bytes: csv.clone() }).expect("csv"), &options)
            .expect("import");
    assert!(imported.skipped.is_empty(), "{:?}", imported.skipped.first());
    assert_eq!(imported.source.bank.items.len(), source.bank.items.len());
    let text = export(&imported.source);
    let zip = qti_export::package_zip(&imported.source).expect("zip");

    let mut group = c.benchmark_group("import_20k");
    group.sample_size(10);
    group.bench_function("csv template → bank (read + place + validate)", |b| {
        b.iter(|| {
            let h = read(Format::Csv, &Input::File { name: "b.csv".into(), bytes: csv.clone() }).expect("csv");
            black_box(build(h, &options).expect("import"))
        })
    });
    group.bench_function("QTI 3.0 package → bank", |b| {
        b.iter(|| {
            let h = read(Format::Qti, &Input::File { name: "p.zip".into(), bytes: zip.clone() }).expect("zip");
            black_box(build(h, &options).expect("import"))
        })
    });
    group.bench_function("bank → QTI 3.0 package (zip)", |b| {
        b.iter(|| black_box(qti_export::package_zip(&imported.source).expect("zip")))
    });
    group.bench_function("baseline: bank check of the same items.jsonl", |b| {
        b.iter(|| {
            let files = SourceFiles { bank_toml: &text.bank_toml, paper_toml: None, items_jsonl: &text.items_jsonl };
            black_box(parse_source(files).expect("valid"))
        })
    });
    group.finish();
}

criterion_group!(benches, import_20k);
criterion_main!(benches);
