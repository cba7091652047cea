//! `kaoshi archive export|verify`.

use crate::keys::KeyArgs;
use anyhow::{anyhow, Context, Result};
use clap::Subcommand;
use kaoshi_exam::clock::{Clock, SystemClock};
use kaoshi_exam::events::{Actor, EventKind};
use kaoshi_exam::log::{EventLog, NewEvent};
use kaoshi_exam::store::Store;
use std::path::{Path, PathBuf};

/// `kaoshi archive …`.
#[derive(Debug, Subcommand)]
pub enum ArchiveCommand {
    /// Write one file with everything about a batch and a manifest of hashes.
    Export {
        /// Data directory.
        #[arg(long, default_value = "./data")]
        data: PathBuf,
        /// Batch id.
        #[arg(long)]
        batch: String,
        /// The archive file.
        #[arg(short = 'o', value_name = "FILE")]
        output: PathBuf,
    },
    /// Check an archive's hashes and event chain; with the key, re-grade it.
    Verify {
        /// The archive file.
        file: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
    },
}

/// Runs `kaoshi archive …`.
pub fn run(cmd: ArchiveCommand) -> Result<()> {
    match cmd {
        ArchiveCommand::Export { data, batch, output } => export(&data, &batch, &output),
        ArchiveCommand::Verify { file, key } => verify(&file, &key),
    }
}

/// `kaoshi archive export --data DIR --batch ID -o FILE`.
fn export(data: &Path, batch: &str, output: &Path) -> Result<()> {
    let store = Store::open(data)?;
    let log = EventLog::open(store.clone())?;
    let now = SystemClock::new().now_ms();
    store.batch(batch)?.ok_or_else(|| anyhow!("no batch {batch} in {}", data.display()))?;
    log.append(
        now,
        NewEvent {
            actor: &Actor::Cli,
            kind: EventKind::Export,
            batch: Some(batch),
            ticket: None,
            detail: serde_json::json!({"file": "archive", "to": output.display().to_string()}),
        },
    )?;
    store.flush()?;
    let bytes = kaoshi_exam::archive::export(&store, batch, now)?;
    crate::durable_file::write_atomic(output, &bytes)?;
    println!("archived batch {batch} ({} bytes) to {}", bytes.len(), output.display());
    Ok(())
}

/// `kaoshi archive verify FILE [--key-file KEY | --passphrase-env VAR]`.
fn verify(file: &Path, key: &KeyArgs) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let secret = key.load()?;
    let unlock = secret.as_ref().map(crate::keys::Secret::unlock);
    let v = kaoshi_exam::archive::verify(&bytes, unlock.as_ref())
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
