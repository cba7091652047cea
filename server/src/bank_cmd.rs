//! `kaoshi keygen` and `kaoshi bank …`.

use crate::bank_files::{load_bank, read_source_dir, write_atomic, write_source_dir, SourceDirError};
use crate::keys::{self, KeyArgs};
use crate::progress::spinner;
use anyhow::{anyhow, bail, Context, Result};
use kaoshi_engine::bank::{BankSource, ItemType, Status};
use kaoshi_engine::seal::{self, Kek};
use kaoshi_engine::synth::{synth as make_synth, SynthParams};
use kaoshi_engine::BankHash;
use std::path::Path;
use std::time::Instant;

/// `kaoshi keygen -o FILE`.
pub fn keygen(output: &Path) -> Result<()> {
    let kek = Kek::generate(&mut rand::rngs::OsRng);
    keys::write_key_file(output, &kek)?;
    println!("wrote key {} to {} (keep it apart from the banks it seals)", kek.id(), output.display());
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
pub fn check(dir: &Path) -> Result<()> {
    let started = Instant::now();
    let bar = spinner(&format!("checking {}", dir.display()));
    let result = read_checked(dir);
    bar.finish_and_clear();
    let source = result?;
    println!("ok: {} ({:.0} ms)", summary(&source), started.elapsed().as_secs_f64() * 1000.0);
    Ok(())
}

/// `kaoshi bank seal DIR -o FILE --key-file KEY`.
pub fn seal(dir: &Path, output: &Path, key: &KeyArgs) -> Result<()> {
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
pub fn open(file: &Path, key: &KeyArgs, export: Option<&Path>) -> Result<()> {
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
pub fn rekey(file: &Path, key: &KeyArgs, new_key_file: Option<&Path>, new_passphrase_env: Option<&str>) -> Result<()> {
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
pub fn synth(output: &Path, items: usize, modules: usize, seed: u64) -> Result<()> {
    let bar = spinner(&format!("synthesising {items} items"));
    let source = make_synth(SynthParams { items, modules, seed });
    bar.finish_and_clear();
    let source = source?;
    write_source_dir(output, &source)?;
    println!("wrote {} to {}", summary(&source), output.display());
    Ok(())
}
