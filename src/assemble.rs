//! `kaoshi assemble`: papers for a batch, written as papers.jsonl.

use crate::bank_files::load_bank;
use crate::keys::KeyArgs;
use crate::progress::spinner;
use anyhow::{anyhow, Context, Result};
use kaoshi_engine::assemble::{batch_stats, Assembler};
use kaoshi_engine::bank::parse_spec_file;
use kaoshi_engine::BankHash;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

/// `kaoshi assemble`.
#[derive(Debug, clap::Args)]
pub struct AssembleArgs {
    /// A source directory or a sealed .kbank file.
    bank: PathBuf,
    #[command(flatten)]
    key: KeyArgs,
    /// Paper spec to use instead of the bank's paper.toml.
    #[arg(long, value_name = "paper.toml")]
    spec: Option<PathBuf>,
    /// Number of papers (candidates).
    #[arg(long)]
    count: u64,
    /// Batch seed: the same bank, spec and seed give the same papers.
    #[arg(long)]
    seed: u64,
    /// Where to write papers.jsonl.
    #[arg(short = 'o', value_name = "papers.jsonl")]
    output: PathBuf,
}

/// `kaoshi assemble BANK [--key-file] [--spec] --count N --seed S -o papers.jsonl`.
pub fn run(args: AssembleArgs) -> Result<()> {
    let AssembleArgs { bank: bank_path, key, spec, count, seed, output } = args;
    let source = load_bank(&bank_path, &key)?;
    let spec = match spec {
        Some(path) => {
            let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
            parse_spec_file(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?
        }
        None => source
            .spec
            .clone()
            .ok_or_else(|| anyhow!("{} has no paper.toml: give --spec paper.toml", bank_path.display()))?,
    };
    let bank = &source.bank;
    let bar = spinner(&format!("assembling {count} papers"));
    let started = Instant::now();
    let result = Assembler::new(bank, &spec, seed).and_then(|a| a.batch(count).map(|p| (a, p)));
    let elapsed = started.elapsed();
    bar.finish_and_clear();
    let (assembler, papers) = result?;
    let hash = BankHash::of(bank).to_hex();
    let mut out = Vec::with_capacity(papers.len() * 64 * spec.item_count());
    for paper in &papers {
        out.extend_from_slice(crate::papers::render(bank, &hash, seed, paper).as_bytes());
        out.push(b'\n');
    }
    kaoshi_exam::durable_file::write_atomic(&output, &out)?;
    let stats = batch_stats(bank.items.len(), &papers);
    let bound = assembler.exposure_bounds(count).iter().flatten().map(|(_, b)| *b).fold(0.0f64, f64::max);
    let mut line = std::io::stdout().lock();
    writeln!(
        line,
        "assembled {} papers of {} items from {} in {:.1} ms ({:.0} papers/s) → {}",
        stats.papers,
        stats.items_per_paper,
        bank.meta.id,
        elapsed.as_secs_f64() * 1000.0,
        count as f64 / elapsed.as_secs_f64().max(1e-9),
        output.display()
    )?;
    writeln!(
        line,
        "exposure: max {} (cyclic bound {bound:.1}), mean {:.1} over {} items used · overlap: mean {:.2}, max {} ({}) · neighbours: max {}, mean {:.2}",
        stats.max_exposure,
        stats.mean_exposure,
        stats.items_used,
        stats.mean_overlap,
        stats.max_overlap,
        if stats.max_overlap_exact { "all pairs" } else { "sampled pairs" },
        stats.max_neighbour_overlap,
        stats.mean_neighbour_overlap
    )?;
    Ok(())
}
