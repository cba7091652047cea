//! Objective scoring. A candidate's responses, in the letters they saw, are
//! encoded one byte per position and compared with the key mapped into that
//! candidate's option order. `short` items are left unscored here: markers
//! score them (see [`crate::marking`]).

use crate::assemble::{Paper, PaperItem};
use crate::bank::{Bank, ItemBody};
use crate::spec::{PaperSpec, Scoring};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A response that does not fit its item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("position {position}: {message}")]
pub struct ResponseError {
    /// 0-based position on the paper.
    pub position: usize,
    /// What is wrong.
    pub message: String,
}

/// A checked response to one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// True or false.
    Judge(bool),
    /// Bitmask of original option indices chosen.
    Choice(u8),
    /// Free text of a short item.
    Text(String),
}

/// Encoded response byte: nothing given.
pub const UNANSWERED: u8 = 0;
/// Encoded judge response "T".
pub const JUDGE_TRUE: u8 = 1;
/// Encoded judge response "F".
pub const JUDGE_FALSE: u8 = 2;
/// Encoded short-item response (scored by markers).
pub const TEXT: u8 = 0x80;

/// Checks a response (as displayed to the candidate) against its item and
/// maps choice letters back to original options.
pub fn parse_response(bank: &Bank, it: &PaperItem, position: usize, text: &str) -> Result<Answer, ResponseError> {
    let err = |message: String| ResponseError { position, message };
    let item = &bank.items[it.item as usize];
    match &item.body {
        ItemBody::Judge { .. } => match text {
            "T" => Ok(Answer::Judge(true)),
            "F" => Ok(Answer::Judge(false)),
            other => Err(err(format!("a judge answer is \"T\" or \"F\", got `{other}`"))),
        },
        ItemBody::Single { options, .. } | ItemBody::Multiple { options, .. } => {
            let single = matches!(item.body, ItemBody::Single { .. });
            let displayed = displayed_mask(text, options.len()).map_err(err)?;
            if single && displayed.count_ones() != 1 {
                return Err(err(format!("expected one letter, got `{text}`")));
            }
            let order = it.option_order.as_slice();
            let original = (0..8)
                .filter(|k| displayed & (1 << k) != 0)
                .fold(0u8, |m, k| m | 1 << order.get(k).copied().unwrap_or(k as u8));
            Ok(Answer::Choice(original))
        }
        ItemBody::Short { .. } => {
            if text.chars().count() > 20_000 {
                return Err(err("a short answer is limited to 20,000 characters".into()));
            }
            Ok(Answer::Text(text.to_string()))
        }
    }
}

/// Letters in order without repeats → bitmask of displayed positions.
fn displayed_mask(text: &str, options: usize) -> Result<u8, String> {
    let mut mask = 0u8;
    let mut prev: Option<usize> = None;
    for c in text.chars() {
        let k = (c as u32).wrapping_sub('A' as u32) as usize;
        if !c.is_ascii_uppercase() || k >= options {
            return Err(format!("`{c}` is not one of the {options} option letters"));
        }
        if prev.is_some_and(|p| p >= k) {
            return Err(format!("letters must be in order without repeats, got `{text}`"));
        }
        prev = Some(k);
        mask |= 1 << k;
    }
    if mask == 0 {
        return Err("no letter given".into());
    }
    Ok(mask)
}

/// Encodes a response for the fast path: checks it like [`parse_response`]
/// and keeps choice letters as displayed.
pub fn encode_response(bank: &Bank, it: &PaperItem, position: usize, text: Option<&str>) -> Result<u8, ResponseError> {
    let Some(text) = text.filter(|t| !t.is_empty()) else { return Ok(UNANSWERED) };
    let item = &bank.items[it.item as usize];
    match &item.body {
        ItemBody::Judge { .. } => match parse_response(bank, it, position, text)? {
            Answer::Judge(true) => Ok(JUDGE_TRUE),
            _ => Ok(JUDGE_FALSE),
        },
        ItemBody::Single { options, .. } | ItemBody::Multiple { options, .. } => {
            // The checks of `parse_response`, without mapping to the original order.
            let displayed =
                displayed_mask(text, options.len()).map_err(|message| ResponseError { position, message })?;
            if matches!(item.body, ItemBody::Single { .. }) && displayed.count_ones() != 1 {
                return Err(ResponseError { position, message: format!("expected one letter, got `{text}`") });
            }
            Ok(displayed)
        }
        ItemBody::Short { .. } => {
            parse_response(bank, it, position, text)?;
            Ok(TEXT)
        }
    }
}

const JUDGE: u8 = 0;
const CHOICE: u8 = 1;
const SHORT: u8 = 2;

/// Keys and module indices of a bank, laid out for scoring many sheets.
pub struct Grader<'a> {
    spec: &'a PaperSpec,
    kind: Vec<u8>,
    key: Vec<u8>,
    module: Vec<u8>,
    module_codes: Vec<String>,
}

/// Objective total and module subtotals of one sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetScore {
    /// Sum of objective item scores.
    pub total: f64,
    /// Score per module, in bank module order.
    pub modules: Vec<f64>,
}

impl<'a> Grader<'a> {
    /// Prepares scoring for `bank` under `spec`.
    pub fn new(bank: &Bank, spec: &'a PaperSpec) -> Grader<'a> {
        let point_module = bank.point_modules();
        let mut g = Grader {
            spec,
            kind: Vec::with_capacity(bank.items.len()),
            key: Vec::with_capacity(bank.items.len()),
            module: Vec::with_capacity(bank.items.len()),
            module_codes: bank.modules.iter().map(|m| m.code.clone()).collect(),
        };
        for item in &bank.items {
            let (kind, key) = match &item.body {
                ItemBody::Judge { answer } => (JUDGE, if *answer { JUDGE_TRUE } else { JUDGE_FALSE }),
                ItemBody::Single { answer, .. } => (CHOICE, 1 << answer),
                ItemBody::Multiple { answer, .. } => (CHOICE, *answer),
                ItemBody::Short { .. } => (SHORT, 0),
            };
            g.kind.push(kind);
            g.key.push(key);
            g.module.push(point_module.get(item.point.as_str()).map_or(0, |&m| m as u8));
        }
        g
    }

    /// Module codes, in the order of [`SheetScore::modules`].
    pub fn module_codes(&self) -> &[String] {
        &self.module_codes
    }

    /// Score of one item; `None` for short items.
    #[inline]
    pub fn item_score(&self, it: &PaperItem, response: u8) -> Option<f64> {
        let i = it.item as usize;
        let section = &self.spec.sections[usize::from(it.section)];
        let full = section.score;
        match self.kind[i] {
            SHORT => None,
            _ if response == UNANSWERED => Some(0.0),
            JUDGE => Some(if response == self.key[i] { full } else { 0.0 }),
            _ => {
                // The key as the candidate saw it: displayed k is original order[k].
                let order = it.option_order.as_slice();
                let key = self.key[i];
                let shown = order.iter().enumerate().fold(0u8, |m, (k, &o)| m | ((key >> o) & 1) << k);
                Some(if response == shown {
                    full
                } else if section.scoring == Scoring::Partial && response & !shown == 0 {
                    full / 2.0
                } else {
                    0.0
                })
            }
        }
    }

    /// Objective total and module subtotals of one encoded sheet.
    pub fn score(&self, paper: &Paper, sheet: &[u8]) -> SheetScore {
        let mut modules = vec![0.0; self.module_codes.len()];
        let mut total = 0.0;
        for (it, &r) in paper.items.iter().zip(sheet) {
            if let Some(s) = self.item_score(it, r) {
                total += s;
                modules[usize::from(self.module[it.item as usize])] += s;
            }
        }
        SheetScore { total, modules }
    }

    /// Scores many sheets in parallel: `sheets[k]` is on `papers[paper_of[k]]`,
    /// each sheet `width` bytes of the flat buffer.
    pub fn score_all(&self, papers: &[Paper], paper_of: &[usize], sheets: &[u8], width: usize) -> Vec<SheetScore> {
        paper_of
            .par_iter()
            .enumerate()
            .map(|(k, &p)| self.score(&papers[p], &sheets[k * width..(k + 1) * width]))
            .collect()
    }
}

/// The objective result of one paper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Graded {
    /// Sum of the scored items (objective items only until marking is done).
    pub score: f64,
    /// Pass or fail; `None` while short items await marking.
    pub passed: Option<bool>,
    /// Score per module code.
    pub modules: BTreeMap<String, f64>,
    /// Score per paper position; `None` for short items.
    pub items: Vec<Option<f64>>,
}

/// Whether `score` passes under `spec`: the one pass rule.
pub fn passes(spec: &PaperSpec, score: f64) -> bool {
    score >= spec.pass_score - 1e-9
}

impl Grader<'_> {
    /// Objective item scores of one encoded sheet, per paper position;
    /// `None` for short items (markers score them).
    pub fn objective(&self, paper: &Paper, sheet: &[u8]) -> Vec<Option<f64>> {
        paper.items.iter().zip(sheet).map(|(it, &r)| self.item_score(it, r)).collect()
    }

    /// The result of a paper from its per-position scores (objective items
    /// from [`Grader::objective`], short items from their final marks or
    /// `None` while unmarked): total, module subtotals and pass, which waits
    /// until every position is scored. Hand-in, marking, score totalling and
    /// archive re-grading all reach a result through this one function.
    pub fn result(&self, paper: &Paper, items: Vec<Option<f64>>) -> Graded {
        let t = self.tally(paper, &items);
        let modules = self.module_codes.iter().cloned().zip(t.modules).collect();
        Graded { score: t.score, passed: t.passed, modules, items }
    }

    /// [`Grader::result`] without building the module map: the total, the
    /// pass and the module subtotals in [`Grader::module_codes`] order.
    pub fn tally(&self, paper: &Paper, items: &[Option<f64>]) -> Tally {
        let mut modules = vec![0.0; self.module_codes.len()];
        let mut score = 0.0;
        for (it, s) in paper.items.iter().zip(items) {
            if let Some(s) = s {
                score += s;
                modules[usize::from(self.module[it.item as usize])] += s;
            }
        }
        let complete = items.len() == paper.items.len() && items.iter().all(Option::is_some);
        Tally { score, passed: complete.then(|| passes(self.spec, score)), modules }
    }
}

/// A sheet's total, pass and module subtotals (see [`Grader::tally`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    /// Sum of the scored items.
    pub score: f64,
    /// Pass or fail; `None` while any position is unscored.
    pub passed: Option<bool>,
    /// Score per module, in [`Grader::module_codes`] order.
    pub modules: Vec<f64>,
}

/// Encodes a sheet of responses in displayed letters, one byte per position.
pub fn encode_sheet(bank: &Bank, paper: &Paper, responses: &[Option<String>]) -> Result<Vec<u8>, ResponseError> {
    if responses.len() != paper.items.len() {
        return Err(ResponseError {
            position: responses.len().min(paper.items.len()),
            message: format!("{} responses for a paper of {} items", responses.len(), paper.items.len()),
        });
    }
    paper
        .items
        .iter()
        .zip(responses)
        .enumerate()
        .map(|(pos, (it, r))| encode_response(bank, it, pos, r.as_deref()))
        .collect()
}

/// Scores a paper's objective items from responses in displayed letters.
pub fn grade(
    bank: &Bank,
    spec: &PaperSpec,
    paper: &Paper,
    responses: &[Option<String>],
) -> Result<Graded, ResponseError> {
    grade_with(&Grader::new(bank, spec), bank, paper, responses)
}

/// [`grade`] with a prepared [`Grader`]: the sheet is encoded, then scored on
/// the byte path.
pub fn grade_with(
    g: &Grader<'_>,
    bank: &Bank,
    paper: &Paper,
    responses: &[Option<String>],
) -> Result<Graded, ResponseError> {
    let sheet = encode_sheet(bank, paper, responses)?;
    Ok(g.result(paper, g.objective(paper, &sheet)))
}
