//! Banks on disk: source directories, sealed files, and atomic writes.

use crate::keys::KeyArgs;
use anyhow::{bail, Context, Result};
use kaoshi_engine::bank::{export, parse_source, BankSource, SourceFiles, BANK_FILE, ITEMS_FILE};
use kaoshi_engine::seal;
use kaoshi_engine::spec::PAPER_FILE;
use kaoshi_exam::durable_file::write_atomic;
use std::fs;
use std::path::Path;

/// Reads a file to a string, naming it on error.
fn read_text(path: &Path) -> Result<String> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    String::from_utf8(bytes)
        .map_err(|e| anyhow::anyhow!("{}: not UTF-8 (at byte {})", path.display(), e.utf8_error().valid_up_to()))
}

/// Reads and validates a source directory; every problem is in the error.
pub fn read_source_dir(dir: &Path) -> Result<BankSource, SourceDirError> {
    let read = |name: &str| read_text(&dir.join(name)).map_err(SourceDirError::Io);
    let bank_toml = read(BANK_FILE)?;
    let items_jsonl = read(ITEMS_FILE)?;
    let paper_path = dir.join(PAPER_FILE);
    let paper_toml = if paper_path.exists() { Some(read(PAPER_FILE)?) } else { None };
    let files = SourceFiles { bank_toml: &bank_toml, paper_toml: paper_toml.as_deref(), items_jsonl: &items_jsonl };
    parse_source(files).map_err(SourceDirError::Invalid)
}

/// Why a source directory could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceDirError {
    /// A file could not be read.
    #[error("{0:#}")]
    Io(anyhow::Error),
    /// The files hold problems.
    #[error(transparent)]
    Invalid(kaoshi_engine::SourceError),
}

/// Writes a source directory (creating it); refuses to overwrite a bank there.
pub fn write_source_dir(dir: &Path, source: &BankSource) -> Result<()> {
    if dir.join(BANK_FILE).exists() || dir.join(ITEMS_FILE).exists() {
        bail!("{} already holds a bank: choose an empty or new directory", dir.display());
    }
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let text = export(source);
    write_atomic(&dir.join(BANK_FILE), text.bank_toml.as_bytes())?;
    if let Some(paper) = &text.paper_toml {
        write_atomic(&dir.join(PAPER_FILE), paper.as_bytes())?;
    }
    write_atomic(&dir.join(ITEMS_FILE), text.items_jsonl.as_bytes())?;
    Ok(())
}

/// Loads BANK: a source directory, or a sealed `.kbank` opened with the key flags.
pub fn load_bank(path: &Path, key: &KeyArgs) -> Result<BankSource> {
    if path.is_dir() {
        return read_source_dir(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()));
    }
    let bytes = fs::read(path).with_context(|| format!("cannot read bank {}", path.display()))?;
    let secret = key.require(&format!("{} is a sealed bank and", path.display()))?;
    seal::open(&bytes, &secret.unlock()).with_context(|| format!("cannot open {}", path.display()))
}

/// Reads a whole file with both cores: the file is split into as many
/// ranges as rayon has threads, each read into its part of one buffer.
/// (A 90 MB papers.jsonl is copied and faulted in twice as fast.)
pub fn read_parallel(path: &Path) -> Result<Vec<u8>> {
    #[cfg(unix)]
    {
        use rayon::prelude::*;
        use std::os::unix::fs::FileExt;
        let file = fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        let len = usize::try_from(file.metadata()?.len()).context("file too large")?;
        let mut buf = vec![0u8; len];
        let part = len.div_ceil(rayon::current_num_threads().max(1)).max(1 << 20);
        buf.par_chunks_mut(part)
            .enumerate()
            .try_for_each(|(i, chunk)| file.read_exact_at(chunk, (i * part) as u64))
            .with_context(|| format!("cannot read {}", path.display()))?;
        Ok(buf)
    }
    #[cfg(not(unix))]
    {
        fs::read(path).with_context(|| format!("cannot read {}", path.display()))
    }
}
