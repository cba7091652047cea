//! `kaoshi log …` and `kaoshi audit …`: what a bureau auditor runs.

use crate::events::{raw_chain, verify_chain, Checkpoint, Event, EventLog};
use crate::store::{tree, Store};
use anyhow::{anyhow, bail, Context, Result};
use std::path::Path;

/// `kaoshi log verify --data DIR [--head HASH]`.
pub fn log_verify(data: &Path, head: Option<&str>) -> Result<()> {
    let store = Store::open(data)?;
    let chain = raw_chain(&store)?;
    let (seq, hash) = verify_chain(&chain)?;
    if let Some(expected) = head {
        let found =
            chain.iter().filter_map(|(_, raw)| serde_json::from_slice::<Event>(raw).ok()).any(|e| e.hash == expected);
        if !found {
            bail!("the chain does not contain the checkpoint {expected}: the history it vouched for was rewritten");
        }
    }
    println!("event log intact: {seq} records, head {hash}");
    if let Some(h) = head {
        println!("checkpoint {h} is on the chain");
    }
    Ok(())
}

/// `kaoshi log head --data DIR`: records a checkpoint and prints it.
pub fn log_head(data: &Path) -> Result<()> {
    let store = Store::open(data)?;
    let log = EventLog::open(store.clone())?;
    let at = crate::app::now_ms();
    log.checkpoint(at)?;
    store.flush()?;
    let (seq, hash) = log.head()?;
    println!("{}", serde_json::json!({"seq": seq, "hash": hash, "at": at}));
    Ok(())
}

/// `kaoshi log checkpoints --data DIR`.
pub fn log_checkpoints(data: &Path) -> Result<()> {
    let store = Store::open(data)?;
    for (key, c) in store.scan::<Checkpoint>(tree::META, "checkpoint/")? {
        if key != "checkpoint/last" {
            println!("{}", serde_json::to_string(&c)?);
        }
    }
    Ok(())
}

/// Kinds of event that make up the bank-use ledger (题库使用台账).
pub const LEDGER_KINDS: [&str; 4] = ["bank_open", "batch_create", "export", "publish"];

/// `kaoshi log ledger --data DIR`: who used which bank, when, why.
pub fn log_ledger(data: &Path) -> Result<()> {
    let store = Store::open(data)?;
    let log = EventLog::open(store)?;
    println!("seq\ttime\twho\twhat\tbatch\tdetail");
    for e in log.all()?.into_iter().filter(|e| LEDGER_KINDS.contains(&e.kind.as_str())) {
        let time = chrono::DateTime::from_timestamp_millis(e.at).map(|t| t.to_rfc3339()).unwrap_or_default();
        println!("{}\t{time}\t{}\t{}\t{}\t{}", e.seq, e.actor, e.kind, e.batch.unwrap_or_default(), e.detail);
    }
    Ok(())
}

/// `kaoshi audit coverage BANK [--spec] [--json] [--html FILE]`.
pub fn coverage(
    bank: &Path,
    key: &crate::keys::KeyArgs,
    spec: Option<&Path>,
    json: bool,
    html: Option<&Path>,
    opts: kaoshi_engine::audit::CoverageOptions,
) -> Result<()> {
    let source = crate::bank_files::load_bank(bank, key)?;
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
        crate::bank_files::write_atomic(path, crate::coverage_report::html(&report).as_bytes())?;
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

/// `kaoshi archive export --data DIR --batch ID -o FILE`.
pub fn archive_export(data: &Path, batch: &str, output: &Path) -> Result<()> {
    let store = Store::open(data)?;
    let log = EventLog::open(store.clone())?;
    let now = crate::app::now_ms();
    store
        .get::<crate::batch::Batch>(tree::BATCHES, batch)?
        .ok_or_else(|| anyhow!("no batch {batch} in {}", data.display()))?;
    log.append(
        now,
        crate::events::NewEvent {
            actor: "cli",
            kind: "export",
            batch: Some(batch),
            ticket: None,
            detail: serde_json::json!({"file": "archive", "to": output.display().to_string()}),
        },
    )?;
    store.flush()?;
    let bytes = crate::archive::export(&store, batch, now)?;
    crate::bank_files::write_atomic(output, &bytes)?;
    println!("archived batch {batch} ({} bytes) to {}", bytes.len(), output.display());
    Ok(())
}

/// `kaoshi archive verify FILE [--key-file KEY | --passphrase-env VAR]`.
pub fn archive_verify(file: &Path, key: &crate::keys::KeyArgs) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let secret = key.load()?;
    let unlock = secret.as_ref().map(crate::keys::Secret::unlock);
    let v = crate::archive::verify(&bytes, unlock.as_ref())
        .with_context(|| format!("{} does not verify", file.display()))?;
    let counts: Vec<String> = v.counts.iter().map(|(s, n)| format!("{s} {n}")).collect();
    println!(
        "archive of batch {} intact: {}; event segment {} events (+{} stubs) chained",
        v.batch,
        counts.join(", "),
        v.events.0,
        v.events.1
    );
    match v.regraded {
        Some(n) => println!("re-graded {n} answer sheets from the archive: every stored result reproduced"),
        None => println!("results not re-graded: give the bank's --key-file or --passphrase-env to re-grade"),
    }
    Ok(())
}
