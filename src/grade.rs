//! `kaoshi grade`: papers.jsonl + responses.jsonl → results.jsonl, on the
//! engine's byte path: lines are parsed in parallel without copying their
//! strings, each sheet is encoded one byte per position and scored through
//! the same result function the server uses at hand-in.

use crate::bank_files::{load_bank, write_atomic};
use crate::keys::KeyArgs;
use anyhow::{anyhow, bail, Context, Result};
use kaoshi_engine::assemble::{OptionOrder, Paper, PaperItem};
use kaoshi_engine::bank::Bank;
use kaoshi_engine::grade::{encode_response, Grader};
use kaoshi_engine::spec::PaperSpec;
use kaoshi_engine::BankHash;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `kaoshi grade`.
#[derive(Debug, clap::Args)]
pub struct GradeArgs {
    /// A source directory or a sealed .kbank file.
    #[arg(long)]
    bank: PathBuf,
    #[command(flatten)]
    key: KeyArgs,
    /// Paper spec instead of the bank's paper.toml.
    #[arg(long, value_name = "paper.toml")]
    spec: Option<PathBuf>,
    /// papers.jsonl from `kaoshi assemble`.
    #[arg(long)]
    papers: PathBuf,
    /// responses.jsonl: {"index", "responses": [...]} per line.
    #[arg(long)]
    responses: PathBuf,
    /// Where to write results.jsonl.
    #[arg(short = 'o', value_name = "results.jsonl")]
    output: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PaperLine<'a> {
    index: u64,
    #[serde(borrow)]
    bank: Cow<'a, str>,
    #[serde(borrow)]
    bank_hash: Cow<'a, str>,
    #[allow(dead_code)]
    seed: u64,
    #[serde(borrow)]
    items: Vec<ItemLine<'a>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemLine<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    section: u16,
    #[serde(default)]
    option_order: Option<OrderLine>,
}

/// An option order of at most 8 entries, read without allocating.
struct OrderLine(OptionOrder, usize);

impl<'de> Deserialize<'de> for OrderLine {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = OrderLine;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an option order: at most 8 option indices")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<OrderLine, A::Error> {
                let mut order = [0u8; 8];
                let mut n = 0;
                while let Some(k) = seq.next_element::<u8>()? {
                    if n == order.len() {
                        return Err(serde::de::Error::custom("more than 8 options"));
                    }
                    order[n] = k;
                    n += 1;
                }
                let oo =
                    OptionOrder::from_slice(&order[..n]).ok_or_else(|| serde::de::Error::custom("too many options"))?;
                Ok(OrderLine(oo, n))
            }
        }
        d.deserialize_seq(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResponseLine<'a> {
    index: u64,
    #[serde(borrow)]
    responses: Vec<Option<Cow<'a, str>>>,
}

#[derive(Serialize)]
struct ResultLine<'a> {
    index: u64,
    score: f64,
    passed: Option<bool>,
    modules: &'a BTreeMap<String, f64>,
    items: &'a [Option<f64>],
}

/// Non-blank lines with their 1-based numbers.
fn numbered(text: &str) -> Vec<(usize, &str)> {
    text.lines().enumerate().map(|(i, l)| (i + 1, l)).filter(|(_, l)| !l.trim().is_empty()).collect()
}

/// Reads papers.jsonl against `bank`, naming the line of the first problem.
fn read_papers(text: &str, file: &str, bank: &Bank, spec: &PaperSpec) -> Result<Vec<Paper>> {
    let ids: HashMap<&str, u32> = bank.items.iter().enumerate().map(|(i, it)| (it.id.as_str(), i as u32)).collect();
    let hash = BankHash::of(bank).to_hex();
    numbered(text)
        .par_iter()
        .map(|&(line_no, line)| {
            let p: PaperLine<'_> = serde_json::from_str(line).map_err(|e| anyhow!("{file} line {line_no}: {e}"))?;
            if p.bank != bank.meta.id || p.bank_hash != hash {
                bail!(
                    "{file} line {line_no}: paper {} was assembled from bank {} ({}), not this bank {} ({hash})",
                    p.index,
                    p.bank,
                    p.bank_hash,
                    bank.meta.id
                );
            }
            if p.items.len() != spec.item_count() {
                bail!("{file} line {line_no}: {} items, the spec has {}", p.items.len(), spec.item_count());
            }
            let mut items = Vec::with_capacity(p.items.len());
            for (pos, it) in p.items.iter().enumerate() {
                let item = *ids
                    .get(it.id.as_ref())
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
                let option_order = it.option_order.as_ref().map_or_else(OptionOrder::default, |o| o.0);
                let order = option_order.as_slice();
                let options = b.options().len();
                let permutation = order.len() == options && (0..options as u8).all(|k| order.contains(&k));
                if !permutation {
                    let len = it.option_order.as_ref().map_or(0, |o| o.1);
                    bail!(
                        "{file} line {line_no}, item {pos}: option_order {:?} is not a permutation of {}'s {} options",
                        &order[..len.min(order.len())],
                        it.id,
                        options
                    );
                }
                items.push(PaperItem { item, section: it.section, option_order });
            }
            Ok(Paper { index: p.index, items })
        })
        .collect()
}

/// Scores one responses.jsonl line and renders its results.jsonl line.
fn grade_line(grader: &Grader<'_>, bank: &Bank, by_index: &HashMap<u64, &Paper>, line: &str) -> Result<String, String> {
    let r: ResponseLine<'_> = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let paper = by_index.get(&r.index).ok_or_else(|| format!("no paper with index {}", r.index))?;
    if r.responses.len() != paper.items.len() {
        let position = r.responses.len().min(paper.items.len());
        return Err(format!(
            "position {position}: {} responses for a paper of {} items",
            r.responses.len(),
            paper.items.len()
        ));
    }
    let sheet = paper
        .items
        .iter()
        .zip(&r.responses)
        .enumerate()
        .map(|(pos, (it, resp))| encode_response(bank, it, pos, resp.as_deref()))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|e| e.to_string())?;
    let g = grader.result(paper, grader.objective(paper, &sheet));
    let out = ResultLine { index: r.index, score: g.score, passed: g.passed, modules: &g.modules, items: &g.items };
    serde_json::to_string(&out).map_err(|e| e.to_string())
}

fn read_spec(path: Option<&Path>, source: &kaoshi_engine::BankSource, bank_path: &Path) -> Result<PaperSpec> {
    match path {
        Some(p) => kaoshi_engine::bank::parse_spec_file(
            &std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
        )
        .map_err(|e| anyhow!("{}: {e}", p.display())),
        None => source.spec.clone().ok_or_else(|| anyhow!("{} has no paper.toml: give --spec", bank_path.display())),
    }
}

/// `kaoshi grade --bank BANK [--key-file] [--spec] --papers papers.jsonl --responses responses.jsonl -o results.jsonl`.
pub fn run(args: GradeArgs) -> Result<()> {
    let started = Instant::now();
    let source = load_bank(&args.bank, &args.key)?;
    let spec = read_spec(args.spec.as_deref(), &source, &args.bank)?;
    let bank = &source.bank;
    let read = |p: &Path| std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()));
    let (papers_text, responses_text) = rayon::join(|| read(&args.papers), || read(&args.responses));
    let papers = read_papers(&papers_text?, &args.papers.display().to_string(), bank, &spec)?;
    let by_index: HashMap<u64, &Paper> = papers.iter().map(|p| (p.index, p)).collect();
    let file = args.responses.display().to_string();
    let responses_text = responses_text?;
    let lines = numbered(&responses_text);
    let grader = Grader::new(bank, &spec);
    let results: Vec<String> = lines
        .par_iter()
        .map(|&(line_no, line)| {
            grade_line(&grader, bank, &by_index, line).map_err(|e| {
                if e.starts_with("position ") {
                    anyhow!("{file} line {line_no}, {e}")
                } else {
                    anyhow!("{file} line {line_no}: {e}")
                }
            })
        })
        .collect::<Result<_>>()?;
    let mut out = String::with_capacity(results.iter().map(|r| r.len() + 1).sum());
    for r in results {
        out.push_str(&r);
        out.push('\n');
    }
    write_atomic(&args.output, out.as_bytes())?;
    println!(
        "graded {} answer sheets in {:.1} ms → {}",
        lines.len(),
        started.elapsed().as_secs_f64() * 1000.0,
        args.output.display()
    );
    Ok(())
}
