//! Writes a bank back as source text that parses to the same bank.

use super::model::{mask_letters, option_letter, Bank, ItemBody, ItemType, RubricPoint};
use super::source::BankSource;
use crate::spec::{PaperSpec, Scoring};
use serde::Serialize;
use std::fmt::Write;

/// The three files of a source directory.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceText {
    /// `bank.toml`.
    pub bank_toml: String,
    /// `paper.toml`, when the source has a spec.
    pub paper_toml: Option<String>,
    /// `items.jsonl`.
    pub items_jsonl: String,
}

/// Renders a source as text; `parse_source` of the result gives it back.
pub fn export(source: &BankSource) -> SourceText {
    SourceText {
        bank_toml: bank_toml(&source.bank),
        paper_toml: source.spec.as_ref().map(paper_toml),
        items_jsonl: items_jsonl(&source.bank),
    }
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn float(x: f64) -> String {
    format!("{x:?}")
}

fn bank_toml(bank: &Bank) -> String {
    let m = &bank.meta;
    let mut out = String::new();
    let _ = writeln!(out, "id = {}", quote(&m.id));
    let _ = writeln!(out, "title = {}", quote(&m.title));
    let _ = writeln!(out, "occupation_code = {}", quote(&m.occupation_code));
    let _ = writeln!(out, "occupation = {}", quote(&m.occupation));
    let _ = writeln!(out, "level = {}", quote(m.level.code()));
    let _ = writeln!(out, "version = {}", m.version);
    let _ = writeln!(out, "standard = {}", quote(&m.standard));
    for module in &bank.modules {
        out.push_str("\n[[modules]]\n");
        let _ = writeln!(out, "code = {}", quote(&module.code));
        let _ = writeln!(out, "name = {}", quote(&module.name));
        let _ = writeln!(out, "weight = {}", float(module.weight));
        out.push_str("points = [\n");
        for p in &module.points {
            let _ = writeln!(
                out,
                "  {{ code = {}, name = {}, importance = {} }},",
                quote(&p.code),
                quote(&p.name),
                quote(p.importance.letter())
            );
        }
        out.push_str("]\n");
    }
    out
}

fn paper_toml(spec: &PaperSpec) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "title = {}", quote(&spec.title));
    let _ = writeln!(out, "duration_minutes = {}", spec.duration_minutes);
    let _ = writeln!(out, "total_score = {}", float(spec.total_score));
    let _ = writeln!(out, "pass_score = {}", float(spec.pass_score));
    let _ = writeln!(out, "weight_tolerance = {}", float(spec.weight_tolerance));
    for s in &spec.sections {
        out.push_str("\n[[sections]]\n");
        let _ = writeln!(out, "type = {}", quote(s.item_type.code()));
        let _ = writeln!(out, "count = {}", s.count);
        let _ = writeln!(out, "score = {}", float(s.score));
        if s.item_type == ItemType::Multiple {
            let scoring = match s.scoring {
                Scoring::Exact => "exact",
                Scoring::Partial => "partial",
            };
            let _ = writeln!(out, "scoring = {}", quote(scoring));
        }
    }
    if let Some(d) = &spec.difficulty {
        out.push_str("\n[difficulty]\n");
        let _ = writeln!(out, "target = {}", float(d.target));
        let _ = writeln!(out, "tolerance = {}", float(d.tolerance));
    }
    out
}

/// The JSON shape of one `items.jsonl` line, fields in documented order.
#[derive(Serialize)]
struct ItemLine<'a> {
    id: &'a str,
    point: &'a str,
    #[serde(rename = "type")]
    item_type: &'static str,
    difficulty: u8,
    stem: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    options: Option<&'a [String]>,
    answer: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    rubric: Option<Vec<RubricLine<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enemy_group: Option<&'a str>,
    status: &'static str,
}

#[derive(Serialize)]
struct RubricLine<'a> {
    point: &'a str,
    score: f64,
}

fn items_jsonl(bank: &Bank) -> String {
    let mut out = String::with_capacity(bank.items.len() * 256);
    for item in &bank.items {
        let (options, answer, rubric, max_score) = match &item.body {
            ItemBody::Judge { answer } => (None, if *answer { "T" } else { "F" }.to_string(), None, None),
            ItemBody::Single { options, answer } => {
                (Some(options.as_slice()), option_letter(usize::from(*answer)).to_string(), None, None)
            }
            ItemBody::Multiple { options, answer } => (Some(options.as_slice()), mask_letters(*answer), None, None),
            ItemBody::Short { reference, rubric, max_score } => {
                let lines =
                    rubric.iter().map(|RubricPoint { point, score }| RubricLine { point, score: *score }).collect();
                (None, reference.clone(), Some(lines), Some(*max_score))
            }
        };
        let line = ItemLine {
            id: &item.id,
            point: &item.point,
            item_type: item.item_type().code(),
            difficulty: item.difficulty,
            stem: &item.stem,
            options,
            answer,
            rubric,
            max_score,
            enemy_group: item.enemy_group.as_deref(),
            status: item.status.code(),
        };
        // Serialising plain strings and numbers cannot fail.
        if let Ok(json) = serde_json::to_string(&line) {
            out.push_str(&json);
            out.push('\n');
        }
    }
    out
}
