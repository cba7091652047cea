//! A source directory's three texts, parsed and validated together.

use super::blueprint::{parse_blueprint, BANK_FILE};
use super::items::{parse_items, ITEMS_FILE};
use super::model::Bank;
use crate::diag::{Diagnostic, SourceError};
use crate::spec::{parse_spec, PaperSpec, PAPER_FILE};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// What a bank source directory holds: the bank and, usually, its paper spec.
/// This is also what a sealed file carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BankSource {
    /// The bank.
    pub bank: Bank,
    /// The paper spec shipped with the bank (`paper.toml`), if any.
    pub spec: Option<PaperSpec>,
}

/// The texts of a source directory, read by the caller.
#[derive(Debug, Clone, Copy)]
pub struct SourceFiles<'a> {
    /// `bank.toml`.
    pub bank_toml: &'a str,
    /// `paper.toml`, when present.
    pub paper_toml: Option<&'a str>,
    /// `items.jsonl`.
    pub items_jsonl: &'a str,
}

/// Parses and validates a whole source, reporting every problem of every file.
pub fn parse_source(files: SourceFiles<'_>) -> Result<BankSource, SourceError> {
    let mut diags: Vec<Diagnostic> = Vec::new();
    let blueprint = parse_blueprint(files.bank_toml).map_err(|mut d| diags.append(&mut d)).ok();
    let points: Option<HashSet<&str>> = blueprint
        .as_ref()
        .map(|(_, modules)| modules.iter().flat_map(|m| &m.points).map(|p| p.code.as_str()).collect());
    let items = parse_items(files.items_jsonl, points.as_ref()).map_err(|mut d| diags.append(&mut d)).ok();
    let spec = match files.paper_toml {
        None => Some(None),
        Some(text) => parse_spec(text).map(Some).map_err(|mut d| diags.append(&mut d)).ok(),
    };
    match (blueprint, items, spec) {
        (Some((meta, modules)), Some(items), Some(spec)) if diags.is_empty() => {
            Ok(BankSource { bank: Bank { meta, modules, items }, spec })
        }
        _ => Err(SourceError::new(diags)),
    }
}

/// Parses a lone `paper.toml` (the `--spec` override).
pub fn parse_spec_file(text: &str) -> Result<PaperSpec, SourceError> {
    parse_spec(text).map_err(SourceError::new)
}

/// File names of a source directory, in the order they are documented.
pub const SOURCE_FILES: [&str; 3] = [BANK_FILE, PAPER_FILE, ITEMS_FILE];
