//! End-to-end and cross-crate tests of kaoshi, one module per area.

mod access;
mod arb;
mod assemble;
mod audit;
mod browser;
mod cli;
mod corrupt;
mod crash;
mod fuzz_corpus;
mod grade;
mod interop;
mod interop_cli;
mod marking;
mod qti_player;
mod roundtrip;
mod samples;
mod seal;
mod serve;
mod validation;

use std::path::{Path, PathBuf};

/// The workspace root (where `question-banks/` lives).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A sample bank's source directory.
pub fn sample(name: &str) -> PathBuf {
    root().join("question-banks").join(name)
}

/// Reads and parses a source directory through the engine.
pub fn parse_dir(dir: &Path) -> Result<kaoshi_engine::BankSource, kaoshi_engine::SourceError> {
    let read = |n: &str| std::fs::read_to_string(dir.join(n)).unwrap_or_default();
    let bank = read("bank.toml");
    let items = read("items.jsonl");
    let paper = dir.join("paper.toml").exists().then(|| read("paper.toml"));
    kaoshi_engine::parse_source(kaoshi_engine::SourceFiles {
        bank_toml: &bank,
        paper_toml: paper.as_deref(),
        items_jsonl: &items,
    })
}
