//! `kaoshi batch create`: a batch in a data directory (the server stopped)
//! or on a running server (`--server`).

use crate::bank_files::load_bank;
use crate::keys::KeyArgs;
use anyhow::{anyhow, Context, Result};
use clap::Subcommand;
use kaoshi_engine::bank::parse_spec_file;
use kaoshi_engine::seal;
use kaoshi_exam::admin::{create_batch, NewBatch};
use kaoshi_exam::batch;
use kaoshi_exam::clock::{Clock, SystemClock};
use kaoshi_exam::events::Actor;
use kaoshi_exam::log::EventLog;
use std::path::PathBuf;

/// `kaoshi batch …`.
#[derive(Debug, Subcommand)]
pub enum BatchCommand {
    /// Create a batch: store the bank sealed, assemble a paper per candidate.
    Create(Box<CreateArgs>),
    /// Enrolment photos for face checks, from a directory or a zip, to a running server.
    Photos(crate::photos::PhotosArgs),
}

/// `kaoshi batch create`.
#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// Data directory.
    #[arg(long, default_value = "./data")]
    data: PathBuf,
    /// A running server instead of the data directory: the bank is uploaded
    /// (a source directory sealed with the key first) and the server creates
    /// the batch; its candidates can log in at once.
    #[arg(long, value_name = "URL")]
    server: Option<String>,
    /// Bank: a source directory (sealed with the key for storage) or a .kbank.
    #[arg(long)]
    bank: PathBuf,
    #[command(flatten)]
    key: KeyArgs,
    /// roster.csv: ticket,id_number,name,organisation,room,seat (optional columns in the README).
    #[arg(long)]
    roster: PathBuf,
    /// Batch name.
    #[arg(long)]
    name: String,
    /// Start time, RFC 3339 (2026-12-01T09:00:00+08:00).
    #[arg(long)]
    start: String,
    /// Assembly seed.
    #[arg(long)]
    seed: u64,
    /// Batch id ([a-z0-9-]); default from the current time.
    #[arg(long)]
    id: Option<String>,
    /// Paper spec instead of the bank's paper.toml.
    #[arg(long)]
    spec: Option<PathBuf>,
    /// Exam time in seconds instead of the spec's duration (drills, tests).
    #[arg(long)]
    duration_seconds: Option<i64>,
    /// A drill: the filing rules (start not past, filed ahead) warn even in strict mode.
    #[arg(long)]
    drill: bool,
    /// The plan's proctors (监考员): staff accounts, comma-separated.
    #[arg(long, default_value = "")]
    proctors: String,
    /// The plan's markers (考评员): staff accounts, comma-separated.
    #[arg(long, default_value = "")]
    markers: String,
    /// The plan's quality supervisors (质量督导员): staff accounts, comma-separated.
    #[arg(long, default_value = "")]
    supervisors: String,
}

impl CreateArgs {
    fn plan(&self) -> kaoshi_exam::plan::Plan {
        kaoshi_exam::plan::Plan::from_lists(&self.proctors, &self.markers, &self.supervisors)
    }
}

/// Runs `kaoshi batch …`.
pub fn run(cmd: BatchCommand) -> Result<()> {
    match cmd {
        BatchCommand::Create(a) => create(*a),
        BatchCommand::Photos(a) => crate::photos::run(a),
    }
}

/// `kaoshi batch create --data DIR --bank BANK [--key-file K] --roster roster.csv --name N --start TIME --seed S`.
fn create(a: CreateArgs) -> Result<()> {
    if let Some(server) = &a.server {
        return create_remote(&a, server);
    }
    let clock = SystemClock::new();
    let start = batch::parse_time(&a.start)?;
    let text = std::fs::read_to_string(&a.roster).with_context(|| format!("cannot read {}", a.roster.display()))?;
    let today = chrono::Utc::now().with_timezone(&kaoshi_exam::results::china()).date_naive();
    let roster = batch::parse_roster(&text, &a.roster.display().to_string(), today)?;
    let secret = a.key.require("storing a bank for a batch")?;
    let store = crate::remote::open_store(&a.data)?;
    let log = EventLog::open(store.clone())?;
    let (source, sealed) = if a.bank.is_dir() {
        let source = load_bank(&a.bank, &a.key)?;
        let sealed = seal::seal(&source, &secret.lock(), &mut rand::rngs::OsRng)?;
        (source, sealed)
    } else {
        let sealed = std::fs::read(&a.bank).with_context(|| format!("cannot read {}", a.bank.display()))?;
        let opened = kaoshi_exam::admin::open_bank_logged(
            &log,
            clock.now_ms(),
            &Actor::Cli,
            &sealed,
            &secret.unlock(),
            &a.bank.display().to_string(),
            "batch create",
        );
        store.flush()?;
        (opened?, sealed)
    };
    let spec = match &a.spec {
        Some(p) => {
            parse_spec_file(&std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?)
                .map_err(|e| anyhow!("{}: {e}", p.display()))?
        }
        None => source.spec.clone().ok_or_else(|| anyhow!("the bank has no paper.toml: give --spec"))?,
    };
    let id = a.id.clone().unwrap_or_else(|| chrono::Local::now().format("batch-%Y%m%d-%H%M%S").to_string());
    let now = clock.now_ms();
    // Identity numbers are stored encrypted under the organisation's key.
    store.unlock_personal(&secret.unlock())?;
    let filing = kaoshi_exam::filing::Filing::load(&a.data).map_err(|e| anyhow!(e))?;
    let filing = if a.drill { filing.lenient() } else { filing };
    let (batch, warnings) = create_batch(
        &store,
        &log,
        NewBatch {
            id: &id,
            name: &a.name,
            start,
            seed: a.seed,
            sealed: &sealed,
            source: &source,
            spec: &spec,
            duration_seconds: a.duration_seconds,
            roster: &roster,
            now,
            actor: &Actor::Cli,
            filing: Some(&filing),
            plan: &a.plan(),
            drill: a.drill,
        },
    )?;
    store.flush()?;
    for w in &warnings {
        eprintln!("warning: {w}（已记入事件日志）");
    }
    println!(
        "created batch {} ({}): {} candidates, {} papers from {}",
        batch.id, batch.name, batch.candidates, batch.candidates, batch.bank_id
    );
    Ok(())
}

/// `kaoshi batch create --server URL …`: the same batch, made by a running server.
fn create_remote(a: &CreateArgs, server: &str) -> Result<()> {
    let remote = crate::remote::Remote::connect(server)?;
    // Asked first so that a refusal is read as one, not as a connection the
    // server closed in the middle of a large upload.
    remote.get("/api/admin/banks")?;
    let sealed = if a.bank.is_dir() {
        let secret = a.key.require("sealing a source bank for the server")?;
        let source = load_bank(&a.bank, &a.key)?;
        seal::seal(&source, &secret.lock(), &mut rand::rngs::OsRng)?
    } else {
        std::fs::read(&a.bank).with_context(|| format!("cannot read {}", a.bank.display()))?
    };
    let bank = remote.upload("/api/admin/banks", &sealed)?;
    let roster = std::fs::read_to_string(&a.roster).with_context(|| format!("cannot read {}", a.roster.display()))?;
    let spec = a
        .spec
        .as_ref()
        .map(|p| std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display())))
        .transpose()?;
    let body = serde_json::json!({
        "id": a.id, "name": a.name, "bank_hash": bank["bank_hash"], "start": a.start, "seed": a.seed,
        "duration_seconds": a.duration_seconds, "spec_toml": spec, "roster_csv": roster, "drill": a.drill,
        "plan": a.plan(),
    });
    let b = remote.post("/api/admin/batches", &body)?;
    for w in b["warnings"].as_array().into_iter().flatten() {
        eprintln!("warning: {}（已记入事件日志）", w.as_str().unwrap_or_default());
    }
    let (id, n) = (b["id"].as_str().unwrap_or_default(), b["candidates"].as_u64().unwrap_or(0));
    println!(
        "created batch {id} ({}): {n} candidates, {n} papers from {}",
        b["name"].as_str().unwrap_or_default(),
        b["bank"].as_str().unwrap_or_default()
    );
    Ok(())
}
