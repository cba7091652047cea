//! `kaoshi grade`: papers.jsonl + responses.jsonl → results.jsonl.

use crate::bank_files::{load_bank, write_atomic};
use crate::keys::KeyArgs;
use anyhow::{anyhow, bail, Context, Result};
use kaoshi_engine::assemble::{OptionOrder, Paper, PaperItem};
use kaoshi_engine::bank::Bank;
use kaoshi_engine::grade::{grade_with, Grader};
use kaoshi_engine::spec::PaperSpec;
use kaoshi_engine::BankHash;
use rayon::prelude::*;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PaperLine {
    index: u64,
    bank: String,
    bank_hash: String,
    seed: u64,
    items: Vec<ItemLine>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemLine {
    id: String,
    section: u16,
    #[serde(default)]
    option_order: Option<Vec<u8>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResponseLine {
    index: u64,
    responses: Vec<Option<String>>,
}

/// Reads papers.jsonl against `bank`, naming the line of every problem.
pub fn read_papers(text: &str, file: &str, bank: &Bank, spec: &PaperSpec) -> Result<Vec<Paper>> {
    let ids: HashMap<&str, u32> = bank.items.iter().enumerate().map(|(i, it)| (it.id.as_str(), i as u32)).collect();
    let hash = BankHash::of(bank).to_hex();
    let mut papers = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let line_no = n + 1;
        let p: PaperLine = serde_json::from_str(line).map_err(|e| anyhow!("{file} line {line_no}: {e}"))?;
        if p.bank != bank.meta.id || p.bank_hash != hash {
            bail!(
                "{file} line {line_no}: paper {} was assembled from bank {} ({}), not this bank {} ({hash})",
                p.index,
                p.bank,
                p.bank_hash,
                bank.meta.id
            );
        }
        let _ = p.seed;
        if p.items.len() != spec.item_count() {
            bail!("{file} line {line_no}: {} items, the spec has {}", p.items.len(), spec.item_count());
        }
        let mut items = Vec::with_capacity(p.items.len());
        for (pos, it) in p.items.iter().enumerate() {
            let item = *ids
                .get(it.id.as_str())
                .ok_or_else(|| anyhow!("{file} line {line_no}, item {pos}: unknown item id `{}`", it.id))?;
            let section = spec
                .sections
                .get(usize::from(it.section))
                .ok_or_else(|| anyhow!("{file} line {line_no}, item {pos}: no section {}", it.section))?;
            let b = &bank.items[item as usize];
            if b.item_type() != section.item_type {
                bail!(
                    "{file} line {line_no}, item {pos}: {} is a {} item in a {} section",
                    it.id,
                    b.item_type(),
                    section.item_type
                );
            }
            let order = it.option_order.clone().unwrap_or_default();
            let mut sorted = order.clone();
            sorted.sort_unstable();
            if sorted != (0..b.options().len() as u8).collect::<Vec<_>>() {
                bail!(
                    "{file} line {line_no}, item {pos}: option_order {order:?} is not a permutation of {}'s {} options",
                    it.id,
                    b.options().len()
                );
            }
            let option_order = OptionOrder::from_slice(&order)
                .ok_or_else(|| anyhow!("{file} line {line_no}, item {pos}: too many options"))?;
            items.push(PaperItem { item, section: it.section, option_order });
        }
        papers.push(Paper { index: p.index, items });
    }
    Ok(papers)
}

/// `kaoshi grade --bank BANK [--key-file] [--spec] --papers papers.jsonl --responses responses.jsonl -o results.jsonl`.
pub fn grade(
    bank_path: &Path,
    key: &KeyArgs,
    spec_path: Option<&Path>,
    papers_path: &Path,
    responses_path: &Path,
    output: &Path,
) -> Result<()> {
    let source = load_bank(bank_path, key)?;
    let spec = match spec_path {
        Some(p) => kaoshi_engine::bank::parse_spec_file(
            &std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
        )
        .map_err(|e| anyhow!("{}: {e}", p.display()))?,
        None => source.spec.clone().ok_or_else(|| anyhow!("{} has no paper.toml: give --spec", bank_path.display()))?,
    };
    let bank = &source.bank;
    let read = |p: &Path| std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()));
    let papers = read_papers(&read(papers_path)?, &papers_path.display().to_string(), bank, &spec)?;
    let by_index: HashMap<u64, &Paper> = papers.iter().map(|p| (p.index, p)).collect();
    let file = responses_path.display().to_string();
    let text = read(responses_path)?;
    let lines: Vec<(usize, &str)> =
        text.lines().enumerate().map(|(i, l)| (i + 1, l)).filter(|(_, l)| !l.trim().is_empty()).collect();
    let started = Instant::now();
    let grader = Grader::new(bank, &spec);
    let results: Vec<Result<String>> = lines
        .par_iter()
        .map(|&(line_no, line)| {
            let r: ResponseLine = serde_json::from_str(line).map_err(|e| anyhow!("{file} line {line_no}: {e}"))?;
            let paper = by_index
                .get(&r.index)
                .ok_or_else(|| anyhow!("{file} line {line_no}: no paper with index {}", r.index))?;
            let g =
                grade_with(&grader, bank, paper, &r.responses).map_err(|e| anyhow!("{file} line {line_no}: {e}"))?;
            Ok(json!({"index": r.index, "score": g.score, "passed": g.passed, "modules": g.modules, "items": g.items})
                .to_string())
        })
        .collect();
    let mut out = String::new();
    for r in results {
        out.push_str(&r?);
        out.push('\n');
    }
    write_atomic(output, out.as_bytes())?;
    println!(
        "graded {} answer sheets in {:.1} ms → {}",
        lines.len(),
        started.elapsed().as_secs_f64() * 1000.0,
        output.display()
    );
    Ok(())
}
