//! `kaoshi keygen` and `kaoshi bank …`.

use crate::bank_files::{load_bank, read_source_dir, write_source_dir, SourceDirError};
use crate::keys::{self, KeyArgs};
use crate::progress::spinner;
use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand};
use kaoshi_engine::bank::{BankSource, ItemType, Status};
use kaoshi_engine::seal::{self, Kek};
use kaoshi_engine::synth::{synth as make_synth, SynthParams};
use kaoshi_engine::BankHash;
use kaoshi_exam::durable_file::write_atomic;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `kaoshi keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Where to write the key (never overwritten).
    #[arg(short = 'o', value_name = "FILE")]
    output: PathBuf,
    /// An Ed25519 signing key for archives instead of a bank key; its
    /// public half goes to FILE.pub.
    #[arg(long)]
    signing: bool,
}

/// `kaoshi bank …`.
#[derive(Debug, Subcommand)]
pub enum BankCommand {
    /// Validate a source directory and report every problem.
    Check {
        /// Source directory (bank.toml, paper.toml, items.jsonl).
        dir: PathBuf,
    },
    /// Encrypt a source directory into a sealed .kbank file.
    Seal {
        /// Source directory.
        dir: PathBuf,
        /// The sealed file to write.
        #[arg(short = 'o', value_name = "FILE.kbank")]
        output: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Authenticate and decrypt a sealed bank; optionally export it as a source directory.
    Open {
        /// The sealed file.
        file: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        /// Write the plaintext source directory here.
        #[arg(long, value_name = "DIR")]
        export: Option<PathBuf>,
    },
    /// Rewrap a sealed bank's data key under a new key without re-encrypting it.
    Rekey {
        /// The sealed file (rewritten in place, atomically).
        file: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        /// The new key file.
        #[arg(long, value_name = "NEW")]
        new_key_file: Option<PathBuf>,
        /// Environment variable holding the new passphrase.
        #[arg(long, value_name = "VAR", conflicts_with = "new_key_file")]
        new_passphrase_env: Option<String>,
    },
    /// Import a bank from a spreadsheet, QTI, Moodle XML or GIFT into a new source directory.
    Import(crate::interop::ImportArgs),
    /// Export a bank as an IMS QTI 3.0 content package (.zip, or a directory).
    Export(crate::interop::ExportArgs),
    /// Write a deterministic synthetic bank for scale tests.
    Synth {
        /// Directory to create.
        #[arg(short = 'o', value_name = "DIR")]
        output: PathBuf,
        /// Number of items.
        #[arg(long)]
        items: usize,
        /// Number of modules.
        #[arg(long, default_value_t = 6)]
        modules: usize,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// Runs `kaoshi bank …`.
pub fn run(cmd: BankCommand) -> Result<()> {
    match cmd {
        BankCommand::Check { dir } => check(&dir),
        BankCommand::Seal { dir, output, key } => seal(&dir, &output, &key),
        BankCommand::Open { file, key, export } => open(&file, &key, export.as_deref()),
        BankCommand::Rekey { file, key, new_key_file, new_passphrase_env } => {
            rekey(&file, &key, new_key_file.as_deref(), new_passphrase_env.as_deref())
        }
        BankCommand::Synth { output, items, modules, seed } => synth(&output, items, modules, seed),
        BankCommand::Import(args) => crate::interop::import(&args),
        BankCommand::Export(args) => crate::interop::export(&args),
    }
}

/// `kaoshi keygen -o FILE`.
pub fn keygen(args: KeygenArgs) -> Result<()> {
    if args.signing {
        let key = kaoshi_exam::signing::SigningKey::generate();
        let mut public = args.output.clone().into_os_string();
        public.push(".pub");
        let public = PathBuf::from(public);
        if public.exists() {
            anyhow::bail!("{} already exists: kaoshi never overwrites a key", public.display());
        }
        keys::write_new_secret(&args.output, key.to_file().as_bytes())?;
        kaoshi_exam::durable_file::write_atomic(&public, key.public().to_file().as_bytes())?;
        println!(
            "wrote signing key {} to {} (keep it with the organisation's keys) and its public key to {} (give it to bureaus and auditors)",
            key.public().key_id(),
            args.output.display(),
            public.display()
        );
        return Ok(());
    }
    let kek = Kek::generate(&mut rand::rngs::OsRng);
    keys::write_key_file(&args.output, &kek)?;
    println!("wrote key {} to {} (keep it apart from the banks it seals)", kek.id(), args.output.display());
    Ok(())
}

/// One line describing a bank: id, version, occupation, counts, hash.
pub fn summary(source: &BankSource) -> String {
    let bank = &source.bank;
    let m = &bank.meta;
    let mut by_type = [0usize; 4];
    let mut retired = 0;
    for item in &bank.items {
        if item.status == Status::Retired {
            retired += 1;
        } else {
            by_type[ItemType::ALL.iter().position(|t| *t == item.item_type()).unwrap_or(0)] += 1;
        }
    }
    let points: usize = bank.modules.iter().map(|m| m.points.len()).sum();
    let types: Vec<String> = ItemType::ALL.iter().zip(by_type).map(|(t, n)| format!("{t} {n}")).collect();
    format!(
        "{} v{} · {} {} ({}) · {} modules, {} points, {} items ({}; {} retired) · paper spec: {} · content hash {}",
        m.id,
        m.version,
        m.occupation,
        m.level,
        m.occupation_code,
        bank.modules.len(),
        points,
        bank.items.len(),
        types.join(", "),
        retired,
        if source.spec.is_some() { "yes" } else { "none" },
        BankHash::of(bank)
    )
}

/// Reads a source directory, printing every diagnostic before failing.
fn read_checked(dir: &Path) -> Result<BankSource> {
    match read_source_dir(dir) {
        Ok(source) => Ok(source),
        Err(SourceDirError::Invalid(e)) => {
            for d in &e.diagnostics {
                eprintln!("{}: {d}", dir.display());
            }
            let n = e.diagnostics.len();
            bail!("{}: {n} problem{} found, bank refused", dir.display(), if n == 1 { "" } else { "s" })
        }
        Err(e @ SourceDirError::Io(_)) => Err(anyhow!(e)),
    }
}

/// `kaoshi bank check DIR`.
fn check(dir: &Path) -> Result<()> {
    let started = Instant::now();
    let bar = spinner(&format!("checking {}", dir.display()));
    let result = read_checked(dir);
    bar.finish_and_clear();
    let source = result?;
    println!("ok: {} ({:.0} ms)", summary(&source), started.elapsed().as_secs_f64() * 1000.0);
    Ok(())
}

/// `kaoshi bank seal DIR -o FILE --key-file KEY`.
fn seal(dir: &Path, output: &Path, key: &KeyArgs) -> Result<()> {
    let secret = key.require("sealing")?;
    let source = read_checked(dir)?;
    let bar = spinner(&format!("sealing {}", dir.display()));
    let started = Instant::now();
    let sealed = seal::seal(&source, &secret.lock(), &mut rand::rngs::OsRng);
    bar.finish_and_clear();
    let sealed = sealed?;
    write_atomic(output, &sealed)?;
    println!(
        "sealed {} → {} ({} bytes, {:.0} ms)",
        summary(&source),
        output.display(),
        sealed.len(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    Ok(())
}

/// `kaoshi bank open FILE --key-file KEY [--export DIR]`.
fn open(file: &Path, key: &KeyArgs, export: Option<&Path>) -> Result<()> {
    if file.is_dir() {
        bail!("{} is a directory: `bank open` takes a sealed .kbank file", file.display());
    }
    let bar = spinner(&format!("opening {}", file.display()));
    let started = Instant::now();
    let source = load_bank(file, key);
    bar.finish_and_clear();
    let source = source?;
    println!("opened {} ({:.0} ms)", summary(&source), started.elapsed().as_secs_f64() * 1000.0);
    if let Some(dir) = export {
        write_source_dir(dir, &source)?;
        println!("exported the plaintext source to {} — it is no longer sealed: keep it secure", dir.display());
    }
    Ok(())
}

/// `kaoshi bank rekey FILE --key-file OLD --new-key-file NEW`.
fn rekey(file: &Path, key: &KeyArgs, new_key_file: Option<&Path>, new_passphrase_env: Option<&str>) -> Result<()> {
    let old = key.require("rekeying")?;
    let new = keys::load(new_key_file, new_passphrase_env)?
        .ok_or_else(|| anyhow!("rekeying needs a new key: give --new-key-file NEW or --new-passphrase-env VAR"))?;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let rekeyed = seal::rekey(&bytes, &old.unlock(), &new.lock(), &mut rand::rngs::OsRng)
        .with_context(|| format!("cannot rekey {}", file.display()))?;
    write_atomic(file, &rekeyed)?;
    let (_, slot) = seal::read_header(&rekeyed)?;
    println!("rekeyed {}: now sealed with key {}", file.display(), slot.key_id);
    Ok(())
}

/// `kaoshi bank synth -o DIR --items N [--modules M] [--seed S]`.
fn synth(output: &Path, items: usize, modules: usize, seed: u64) -> Result<()> {
    let bar = spinner(&format!("synthesising {items} items"));
    let source = make_synth(SynthParams { items, modules, seed });
    bar.finish_and_clear();
    let source = source?;
    write_source_dir(output, &source)?;
    println!("wrote {} to {}", summary(&source), output.display());
    Ok(())
}
