//! The engine's API tests: bank validation, sealing, assembly and round
//! trips, on the sample banks and on random banks.

mod arb;
mod assemble;
mod minimal;
mod roundtrip;
mod samples;
mod seal;
mod validation;

use std::path::{Path, PathBuf};

/// A sample bank's source directory (`question-banks/` at the workspace root).
pub fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../question-banks").join(name)
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
