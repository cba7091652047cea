//! The interop crate's API tests: real files from other tools, the Chinese
//! spreadsheet template, and round trips through QTI 3.0.

#[path = "../../../engine/tests/it/arb.rs"]
mod arb;
mod interop;

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
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
