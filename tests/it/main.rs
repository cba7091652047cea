//! End-to-end tests of kaoshi: the real binary, the real server on loopback,
//! real browsers. The engine's and interop's API tests live beside their crates.

mod a11y;
mod access;
mod architecture;
mod at_rest;
mod audit;
mod browser;
mod browser_console;
mod browser_face;
mod browser_marking;
mod browser_outage;
mod browser_proctor;
mod browser_seat;
mod browser_time;
mod browser_workflow;
mod cli;
mod corrupt;
mod crash;
mod durability;
mod face_cli;
mod forgery;
mod fuzz_corpus;
mod grade;
mod interop_cli;
mod marking;
#[path = "../../engine/tests/it/minimal.rs"]
mod minimal;
mod qti_player;
mod readme;
mod remote;
mod roster;
mod serve;
#[path = "../support/server.rs"]
mod support;
#[path = "../support/faces.rs"]
mod support_faces;
mod tls;

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

/// Files written by other tools (tests/fixtures/interop/README.md).
pub fn interop_fixtures() -> PathBuf {
    root().join("tests/fixtures/interop")
}

/// The usual 题库导入模板 with every convention and a few broken rows.
pub const TEMPLATE: &str = include_str!("../fixtures/interop/template.csv");
