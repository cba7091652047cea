//! `kaoshi audit coverage`: what a bureau auditor runs on a bank.

use anyhow::{anyhow, Context, Result};
use clap::Subcommand;
use std::path::PathBuf;

/// `kaoshi audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Bank coverage against the standard and the paper spec.
    Coverage(CoverageArgs),
}

/// `kaoshi audit coverage`.
#[derive(Debug, clap::Args)]
pub struct CoverageArgs {
    /// A source directory or a sealed .kbank file.
    bank: PathBuf,
    #[command(flatten)]
    key: crate::keys::KeyArgs,
    /// Paper spec instead of the bank's paper.toml.
    #[arg(long, value_name = "paper.toml")]
    spec: Option<PathBuf>,
    /// Print the report as JSON (documented in the README).
    #[arg(long)]
    json: bool,
    /// Also write a self-contained HTML report with charts.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// A cell is thin below this many times what one paper draws.
    #[arg(long, default_value_t = 5.0)]
    thin_factor: f64,
    /// Papers in the trial batch used for the exposure figures (0: none).
    #[arg(long, default_value_t = 1000)]
    papers: u64,
}

/// Runs `kaoshi audit …`.
pub fn run(cmd: AuditCommand) -> Result<()> {
    match cmd {
        AuditCommand::Coverage(a) => coverage(a),
    }
}

/// `kaoshi audit coverage BANK [--spec] [--json] [--html FILE]`.
fn coverage(args: CoverageArgs) -> Result<()> {
    let CoverageArgs { bank, key, spec, json, html, thin_factor, papers } = args;
    let (bank, spec, html) = (bank.as_path(), spec.as_deref(), html.as_deref());
    let opts = kaoshi_engine::audit::CoverageOptions { thin_factor, papers, seed: 1 };
    let source = crate::bank_files::load_bank(bank, &key)?;
    let spec = match spec {
        Some(p) => Some(
            kaoshi_engine::bank::parse_spec_file(
                &std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
            )
            .map_err(|e| anyhow!("{}: {e}", p.display()))?,
        ),
        None => source.spec.clone(),
    };
    let report = kaoshi_engine::audit::coverage(&source.bank, spec.as_ref(), opts);
    if let Some(path) = html {
        kaoshi_exam::durable_file::write_atomic(path, crate::coverage_report::html(&report).as_bytes())?;
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let b = &report.bank;
    println!(
        "{} v{} · {} {} · {} active items of {}",
        b.id, b.version, b.occupation, b.occupation_code, b.active, b.items
    );
    for m in &report.modules {
        let uncovered = m.points.iter().filter(|p| p.active == 0).count();
        println!(
            "  module {} {}: weight {}%, {} items ({:.1}% of the bank), {} points ({} without items)",
            m.code,
            m.name,
            m.weight,
            m.active,
            m.bank_share,
            m.points.len(),
            uncovered
        );
    }
    if report.verdicts.is_empty() {
        println!("verdict: every module, point and cell meets the thresholds");
    }
    for v in &report.verdicts {
        println!("{}: {}", v.level, v.message);
    }
    if let Some(path) = html {
        println!("report written to {}", path.display());
    }
    Ok(())
}
