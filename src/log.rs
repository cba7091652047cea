//! `kaoshi log …`: verify the event chain, take and list checkpoints, and the bank-use ledger.

use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use kaoshi_exam::clock::{Clock, SystemClock};
use kaoshi_exam::events::{verify_chain, Event, EventKind};
use kaoshi_exam::log::EventLog;
use kaoshi_exam::witness::{ChainHashes, Witness};
use std::path::{Path, PathBuf};

/// `kaoshi log …`.
#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Re-walk the hash chain and name the first broken record.
    Verify {
        /// Data directory.
        #[arg(long, default_value = "./data")]
        data: PathBuf,
        /// A running server instead of the data directory (its witness is checked too).
        #[arg(long, value_name = "URL")]
        server: Option<String>,
        /// A head hash held from an earlier checkpoint: it must be on the chain.
        #[arg(long, value_name = "HASH")]
        head: Option<String>,
        /// A witness file (`serve --witness`): every checkpoint in it must be on the chain.
        #[arg(long, value_name = "FILE")]
        witness: Option<PathBuf>,
    },
    /// Take a checkpoint of the chain head and print it (to hand to an outsider).
    Head {
        /// Data directory.
        #[arg(long, default_value = "./data")]
        data: PathBuf,
        /// A running server instead of the data directory.
        #[arg(long, value_name = "URL")]
        server: Option<String>,
    },
    /// List the checkpoints taken.
    Checkpoints {
        /// Data directory.
        #[arg(long, default_value = "./data")]
        data: PathBuf,
        /// A running server instead of the data directory.
        #[arg(long, value_name = "URL")]
        server: Option<String>,
    },
    /// The bank-use ledger: who opened or exported which bank, when, why.
    Ledger {
        /// Data directory.
        #[arg(long, default_value = "./data")]
        data: PathBuf,
        /// A running server instead of the data directory.
        #[arg(long, value_name = "URL")]
        server: Option<String>,
    },
}

/// Runs `kaoshi log …`.
pub fn run(cmd: LogCommand) -> Result<()> {
    match cmd {
        LogCommand::Verify { server: Some(server), head, .. } => verify_remote(&server, head.as_deref()),
        LogCommand::Verify { data, head, witness, .. } => verify(&data, head.as_deref(), witness.as_deref()),
        LogCommand::Head { server: Some(server), .. } => {
            let c = crate::remote::Remote::connect(&server)?.post("/api/audit/log/head", &serde_json::json!({}))?;
            println!("{c}");
            Ok(())
        }
        LogCommand::Head { data, .. } => head(&data),
        LogCommand::Checkpoints { server: Some(server), .. } => {
            let list = crate::remote::Remote::connect(&server)?.get("/api/audit/log/checkpoints")?;
            for c in list.as_array().into_iter().flatten() {
                println!("{c}");
            }
            Ok(())
        }
        LogCommand::Checkpoints { data, .. } => checkpoints(&data),
        LogCommand::Ledger { server: Some(server), .. } => {
            let list = crate::remote::Remote::connect(&server)?.get("/api/audit/ledger")?;
            let events: Vec<Event> = serde_json::from_value(list)?;
            print_ledger(events);
            Ok(())
        }
        LogCommand::Ledger { data, .. } => ledger(&data),
    }
}

/// `kaoshi log verify --server URL [--head HASH]`: the server verifies its chain and witness.
fn verify_remote(server: &str, head: Option<&str>) -> Result<()> {
    let remote = crate::remote::Remote::connect(server)?;
    let path = match head {
        Some(h) => format!("/api/audit/log/verify?head={h}"),
        None => "/api/audit/log/verify".to_string(),
    };
    let check = remote.get(&path)?;
    if check["intact"] != true {
        bail!("{}", check["problem"].as_str().unwrap_or("the event log does not verify"));
    }
    println!("event log intact: {} records, head {}", check["records"], check["head"].as_str().unwrap_or(""));
    if let Some(h) = head {
        println!("checkpoint {h} is on the chain");
    }
    if let Some(w) = check["witness"].as_str() {
        println!("all {} checkpoints of {w} are on the chain", check["witnessed"]);
    }
    Ok(())
}

/// `kaoshi log verify --data DIR [--head HASH] [--witness FILE]`.
fn verify(data: &Path, head: Option<&str>, witness: Option<&Path>) -> Result<()> {
    let store = crate::remote::open_store(data)?;
    let chain = store.events_raw()?;
    let (seq, hash) = verify_chain(&chain)?;
    let hashes = ChainHashes::of(&chain);
    if let Some(expected) = head {
        hashes.holds_head(expected).map_err(|e| anyhow!(e))?;
    }
    let mut witnessed = 0;
    if let Some(file) = witness {
        let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
        let checkpoints = Witness::read(&text).map_err(|e| anyhow!("{}: {e}", file.display()))?;
        witnessed = hashes.holds_witnessed(&checkpoints).map_err(|e| anyhow!("{}: {e}", file.display()))?;
    }
    println!("event log intact: {seq} records, head {hash}");
    if let Some(h) = head {
        println!("checkpoint {h} is on the chain");
    }
    if let Some(file) = witness {
        println!("all {witnessed} checkpoints of {} are on the chain", file.display());
    }
    Ok(())
}

/// `kaoshi log head --data DIR`: records a checkpoint and prints it.
fn head(data: &Path) -> Result<()> {
    let store = crate::remote::open_store(data)?;
    let log = EventLog::open(store.clone())?;
    let at = SystemClock::new().now_ms();
    log.checkpoint(at)?;
    store.flush()?;
    let (seq, hash) = log.head();
    println!("{}", serde_json::json!({"seq": seq, "hash": hash, "at": at}));
    Ok(())
}

/// `kaoshi log checkpoints --data DIR`.
fn checkpoints(data: &Path) -> Result<()> {
    let store = crate::remote::open_store(data)?;
    for c in store.checkpoints()? {
        println!("{}", serde_json::to_string(&c)?);
    }
    Ok(())
}

/// `kaoshi log ledger --data DIR`: who used which bank, when, why.
fn ledger(data: &Path) -> Result<()> {
    let store = crate::remote::open_store(data)?;
    let log = EventLog::open(store)?;
    print_ledger(log.all()?.into_iter().filter(|e| EventKind::LEDGER.contains(&e.kind)).collect());
    Ok(())
}

fn print_ledger(events: Vec<Event>) {
    println!("seq\ttime\twho\twhat\tbatch\tdetail");
    for e in events {
        let time = chrono::DateTime::from_timestamp_millis(e.at).map(|t| t.to_rfc3339()).unwrap_or_default();
        println!("{}\t{time}\t{}\t{}\t{}\t{}", e.seq, e.actor, e.kind, e.batch.unwrap_or_default(), e.detail);
    }
}
