//! `kaoshi archive export|verify`.

use crate::keys::KeyArgs;
use anyhow::{anyhow, Context, Result};
use clap::Subcommand;
use kaoshi_exam::clock::{Clock, SystemClock};
use kaoshi_exam::events::{Actor, EventKind};
use kaoshi_exam::log::{EventLog, NewEvent};
use std::path::{Path, PathBuf};

/// `kaoshi archive …`.
#[derive(Debug, Subcommand)]
pub enum ArchiveCommand {
    /// Write one file with everything about a batch and a manifest of hashes.
    Export {
        /// Data directory.
        #[arg(long, default_value = "./data")]
        data: PathBuf,
        /// A running server instead of the data directory (it signs with its own signing key).
        #[arg(long, value_name = "URL")]
        server: Option<String>,
        /// Batch id.
        #[arg(long)]
        batch: String,
        /// The archive file.
        #[arg(short = 'o', value_name = "FILE")]
        output: PathBuf,
        /// The organisation's signing key (`kaoshi keygen --signing`): the archive is signed.
        #[arg(long, value_name = "FILE")]
        signing_key: Option<PathBuf>,
        /// The organisation's key: the store keeps identity numbers encrypted under it.
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Check an archive's hashes, event chain, records against events and
    /// signature; with the bank key, re-grade it.
    Verify {
        /// The archive file.
        file: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        /// The organisation's public key: the archive must be signed with its key.
        #[arg(long, value_name = "FILE.pub")]
        public_key: Option<PathBuf>,
        /// A head hash held outside (the room record, a witness file): the archived chain must reach it.
        #[arg(long, value_name = "HASH")]
        head: Option<String>,
    },
}

/// Runs `kaoshi archive …`.
pub fn run(cmd: ArchiveCommand) -> Result<()> {
    match cmd {
        ArchiveCommand::Export { server: Some(server), batch, output, .. } => {
            let bytes =
                crate::remote::Remote::connect(&server)?.download(&format!("/api/admin/batches/{batch}/archive"))?;
            kaoshi_exam::durable_file::write_atomic(&output, &bytes)?;
            println!("archived batch {batch} ({} bytes) from {server} to {}", bytes.len(), output.display());
            Ok(())
        }
        ArchiveCommand::Export { data, batch, output, signing_key, key, .. } => {
            export(&data, &batch, &output, signing_key.as_deref(), &key)
        }
        ArchiveCommand::Verify { file, key, public_key, head } => {
            verify(&file, &key, public_key.as_deref(), head.as_deref())
        }
    }
}

/// `kaoshi archive export --data DIR --batch ID -o FILE [--signing-key FILE] [--key-file KEY | --passphrase-env VAR]`.
fn export(data: &Path, batch: &str, output: &Path, signing_key: Option<&Path>, key: &KeyArgs) -> Result<()> {
    let signer = signing_key.map(crate::keys::read_signing_key).transpose()?;
    let secret = key.load()?;
    let store = crate::remote::open_store(data)?;
    if let Some(secret) = &secret {
        store.unlock_personal(&secret.unlock())?;
    }
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
    log.checkpoint(now)?;
    store.flush()?;
    let bytes = kaoshi_exam::archive::export(&store, batch, now, signer.as_ref())?;
    kaoshi_exam::durable_file::write_atomic(output, &bytes)?;
    let signed = signer.map(|k| format!(", signed with key {}", k.public().key_id())).unwrap_or_default();
    println!("archived batch {batch} ({} bytes{signed}) to {}", bytes.len(), output.display());
    Ok(())
}

/// `kaoshi archive verify FILE [--key-file KEY | --passphrase-env VAR] [--public-key FILE.pub] [--head HASH]`.
fn verify(file: &Path, key: &KeyArgs, public_key: Option<&Path>, head: Option<&str>) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let secret = key.load()?;
    let public = public_key.map(crate::keys::read_public_key).transpose()?;
    let unlock = secret.as_ref().map(crate::keys::Secret::unlock);
    let expect = kaoshi_exam::archive::Expect { signer: public.as_ref(), head };
    let v = kaoshi_exam::archive::verify(&bytes, unlock.as_ref(), expect)
        .with_context(|| format!("{} does not verify", file.display()))?;
    let counts: Vec<String> = v.counts.iter().map(|(s, n)| format!("{s} {n}")).collect();
    println!(
        "archive of batch {} intact: {}; event segment {} events (+{} stubs) chained",
        v.batch,
        counts.join(", "),
        v.events.0,
        v.events.1
    );
    println!(
        "every answer is its last logged save ({}), every mark, arbitration and recheck is on the log ({}), {} checkpoint(s) lie on the chain",
        v.answers_logged, v.marks_logged, v.checkpoints
    );
    match (&v.signed_by, public_key) {
        (Some(id), Some(_)) => println!("signed by the organisation's key {id}"),
        (Some(id), None) => println!("signed by key {id} (give --public-key to check it is the organisation's)"),
        (None, _) => println!("not signed: its hashes show it is consistent, not who wrote it"),
    }
    if let (Some(h), Some(seq)) = (head, v.head_at) {
        println!("the outside head {h} is event {seq} of the archived chain");
    }
    match v.regraded {
        Some(n) => println!("re-graded {n} answer sheets from the archive: every stored result reproduced"),
        None => println!("results not re-graded: give the bank's --key-file or --passphrase-env to re-grade"),
    }
    Ok(())
}
