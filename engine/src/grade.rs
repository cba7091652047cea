//! Objective scoring: a candidate's responses, in the letters they saw, are
//! mapped back through their paper's option order and scored against the key.
//! `short` items are left unscored here; markers score them.

use crate::assemble::{Paper, PaperItem};
use crate::bank::{Bank, ItemBody};
use crate::spec::{PaperSpec, Scoring};
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
            let order = it.option_order.as_slice();
            let mut mask = 0u8;
            let mut prev: Option<usize> = None;
            for c in text.chars() {
                let k = (c as u32).wrapping_sub('A' as u32) as usize;
                if !c.is_ascii_uppercase() || k >= options.len() {
                    return Err(err(format!("`{c}` is not one of the {} option letters", options.len())));
                }
                if prev.is_some_and(|p| p >= k) {
                    return Err(err(format!("letters must be in order without repeats, got `{text}`")));
                }
                prev = Some(k);
                let original = order.get(k).map_or(k, |&o| usize::from(o));
                mask |= 1 << original;
            }
            if mask == 0 || (single && mask.count_ones() != 1) {
                return Err(err(format!(
                    "expected {} letter, got `{text}`",
                    if single { "one" } else { "at least one" }
                )));
            }
            Ok(Answer::Choice(mask))
        }
        ItemBody::Short { .. } => {
            if text.chars().count() > 20_000 {
                return Err(err("a short answer is limited to 20,000 characters".into()));
            }
            Ok(Answer::Text(text.to_string()))
        }
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

/// Scores one item's answer; `None` for short items (marked by people).
pub fn score_item(bank: &Bank, spec: &PaperSpec, it: &PaperItem, answer: Option<&Answer>) -> Option<f64> {
    let section = &spec.sections[usize::from(it.section)];
    let full = section.score;
    let item = &bank.items[it.item as usize];
    match (&item.body, answer) {
        (ItemBody::Short { .. }, _) => None,
        (_, None) => Some(0.0),
        (ItemBody::Judge { answer: key }, Some(Answer::Judge(a))) => Some(if a == key { full } else { 0.0 }),
        (ItemBody::Single { answer: key, .. }, Some(Answer::Choice(mask))) => {
            Some(if *mask == 1 << key { full } else { 0.0 })
        }
        (ItemBody::Multiple { answer: key, .. }, Some(Answer::Choice(mask))) => Some(if mask == key {
            full
        } else if section.scoring == Scoring::Partial && mask & !key == 0 && *mask != 0 {
            full / 2.0
        } else {
            0.0
        }),
        _ => Some(0.0),
    }
}

/// Scores a paper's objective items from responses in displayed letters.
pub fn grade(
    bank: &Bank,
    spec: &PaperSpec,
    paper: &Paper,
    responses: &[Option<String>],
) -> Result<Graded, ResponseError> {
    if responses.len() != paper.items.len() {
        return Err(ResponseError {
            position: responses.len().min(paper.items.len()),
            message: format!("{} responses for a paper of {} items", responses.len(), paper.items.len()),
        });
    }
    let point_module = bank.point_modules();
    let mut modules: BTreeMap<String, f64> = bank.modules.iter().map(|m| (m.code.clone(), 0.0)).collect();
    let mut items = Vec::with_capacity(paper.items.len());
    let mut score = 0.0;
    let mut unmarked = false;
    for (pos, (it, response)) in paper.items.iter().zip(responses).enumerate() {
        let answer = response.as_deref().map(|r| parse_response(bank, it, pos, r)).transpose()?;
        let s = score_item(bank, spec, it, answer.as_ref());
        if let Some(s) = s {
            score += s;
            let item = &bank.items[it.item as usize];
            if let Some(&m) = point_module.get(item.point.as_str()) {
                *modules.entry(bank.modules[m].code.clone()).or_default() += s;
            }
        } else {
            unmarked = true;
        }
        items.push(s);
    }
    let passed = (!unmarked).then_some(score >= spec.pass_score - 1e-9);
    Ok(Graded { score, passed, modules, items })
}
