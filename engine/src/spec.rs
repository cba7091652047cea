//! `paper.toml`: the paper spec (组卷方案) — duration, sections in paper
//! order, scores, pass line, weight tolerance, optional difficulty target.

use crate::bank::model::ItemType;
use crate::bank::toml_fields::TomlReader;
use crate::diag::Diagnostic;
use serde::{Deserialize, Serialize};

/// File name of the paper spec in a source directory.
pub const PAPER_FILE: &str = "paper.toml";

/// Total score when `total_score` is not given.
pub const DEFAULT_TOTAL: f64 = 100.0;
/// Pass line when `pass_score` is not given.
pub const DEFAULT_PASS: f64 = 60.0;

/// A paper spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaperSpec {
    /// Title printed on the paper.
    pub title: String,
    /// Exam duration.
    pub duration_minutes: u32,
    /// Full marks; the section scores add up to it.
    pub total_score: f64,
    /// Pass line.
    pub pass_score: f64,
    /// Largest allowed gap, in score points, between a module's share of a
    /// paper and its weight.
    pub weight_tolerance: f64,
    /// Sections in paper order.
    pub sections: Vec<Section>,
    /// Mean difficulty target, when asked.
    pub difficulty: Option<DifficultyTarget>,
}

impl PaperSpec {
    /// Items on one paper.
    pub fn item_count(&self) -> usize {
        self.sections.iter().map(|s| s.count as usize).sum()
    }
}

/// One section: `count` items of one type, each worth `score`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Item type of the section.
    pub item_type: ItemType,
    /// Items in the section.
    pub count: u32,
    /// Score of each item.
    pub score: f64,
    /// How `multiple` items are scored.
    pub scoring: Scoring,
}

/// How a multiple-choice answer earns its score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scoring {
    /// Full score for exactly the key, else 0.
    Exact,
    /// A non-empty subset of the key with no wrong choice earns half.
    Partial,
}

/// Target mean difficulty of a paper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DifficultyTarget {
    /// Mean item difficulty on the 1–5 scale.
    pub target: f64,
    /// Allowed distance of a paper's mean from `target`.
    pub tolerance: f64,
}

const SCORE_EPSILON: f64 = 1e-6;

/// Parses `paper.toml`, collecting every problem.
pub fn parse_spec(text: &str) -> Result<PaperSpec, Vec<Diagnostic>> {
    let (mut r, root) = TomlReader::parse(PAPER_FILE, text);
    let Some(root) = root else {
        return Err(r.diags);
    };
    r.deny_unknown(
        &root,
        &["title", "duration_minutes", "pass_score", "total_score", "weight_tolerance", "sections", "difficulty"],
        "",
    );
    let title = r.text(&root, "title", "").map(|t| t.0);
    let duration = r.integer(&root, "duration_minutes", "", true).and_then(|(m, span)| match u32::try_from(m) {
        Ok(m) if (1..=1440).contains(&m) => Some(m),
        _ => {
            r.error(span, "duration_minutes", format!("must be between 1 and 1440 minutes, got {m}"));
            None
        }
    });
    let total = positive(&mut r, &root, "total_score", DEFAULT_TOTAL);
    let pass = match r.number(&root, "pass_score", "", false) {
        None => Some(DEFAULT_PASS),
        Some((p, span)) if p <= 0.0 || total.is_some_and(|t| p > t) => {
            r.error(span, "pass_score", format!("must be above 0 and at most the total score, got {p}"));
            None
        }
        Some((p, _)) => Some(p),
    };
    let tolerance = match r.number(&root, "weight_tolerance", "", true) {
        Some((t, span)) if !(0.0..=100.0).contains(&t) => {
            r.error(span, "weight_tolerance", format!("must be between 0 and 100 score points, got {t}"));
            None
        }
        other => other.map(|t| t.0),
    };
    let sections = parse_sections(&mut r, &root, total);
    let difficulty = parse_difficulty(&mut r, &root);

    match (title, duration, total, pass, tolerance, sections, difficulty) {
        (
            Some(title),
            Some(duration_minutes),
            Some(total_score),
            Some(pass_score),
            Some(weight_tolerance),
            Some(sections),
            Some(difficulty),
        ) if r.diags.is_empty() => {
            Ok(PaperSpec { title, duration_minutes, total_score, pass_score, weight_tolerance, sections, difficulty })
        }
        _ => Err(r.diags),
    }
}

fn positive(r: &mut TomlReader, root: &crate::bank::toml_fields::Table<'_>, key: &str, default: f64) -> Option<f64> {
    match r.number(root, key, "", false) {
        None => Some(default),
        Some((v, span)) if v <= 0.0 => {
            r.error(span, key, format!("must be greater than 0, got {v}"));
            None
        }
        Some((v, _)) => Some(v),
    }
}

fn parse_sections(
    r: &mut TomlReader,
    root: &crate::bank::toml_fields::Table<'_>,
    total: Option<f64>,
) -> Option<Vec<Section>> {
    let (array, span) = r.array(root, "sections", "", true)?;
    if array.is_empty() {
        r.error(span, "sections", "a paper needs at least one section");
        return None;
    }
    let mut sections = Vec::new();
    let mut complete = true;
    for (i, table) in r.tables_in(array, "sections") {
        let path = format!("sections[{i}]");
        r.deny_unknown(&table, &["type", "count", "score", "scoring"], &path);
        let item_type = r.string(&table, "type", &path, true).and_then(|(t, span)| {
            let parsed = ItemType::from_code(&t);
            if parsed.is_none() {
                r.error(
                    span,
                    &format!("{path}.type"),
                    format!("unknown type `{t}` (expected judge, single, multiple or short)"),
                );
            }
            parsed
        });
        let count = r.integer(&table, "count", &path, true).and_then(|(c, span)| match u32::try_from(c) {
            Ok(c) if (1..=1000).contains(&c) => Some(c),
            _ => {
                r.error(span, &format!("{path}.count"), format!("must be between 1 and 1000, got {c}"));
                None
            }
        });
        let score = r.number(&table, "score", &path, true).and_then(|(s, span)| {
            if s > 0.0 {
                Some(s)
            } else {
                r.error(span, &format!("{path}.score"), format!("must be greater than 0, got {s}"));
                None
            }
        });
        let scoring = match r.string(&table, "scoring", &path, false) {
            None => Some(Scoring::Exact),
            Some((s, span)) => match (s.as_str(), item_type) {
                (_, Some(t)) if t != ItemType::Multiple => {
                    r.error(
                        span,
                        &format!("{path}.scoring"),
                        format!("only multiple sections take `scoring`, this one is {t}"),
                    );
                    None
                }
                ("exact", _) => Some(Scoring::Exact),
                ("partial", _) => Some(Scoring::Partial),
                (other, _) => {
                    r.error(
                        span,
                        &format!("{path}.scoring"),
                        format!("unknown scoring `{other}` (expected exact or partial)"),
                    );
                    None
                }
            },
        };
        match (item_type, count, score, scoring) {
            (Some(item_type), Some(count), Some(score), Some(scoring)) => {
                sections.push(Section { item_type, count, score, scoring })
            }
            _ => complete = false,
        }
    }
    if !complete {
        return None;
    }
    let sum: f64 = sections.iter().map(|s| f64::from(s.count) * s.score).sum();
    if let Some(total) = total {
        if (sum - total).abs() > SCORE_EPSILON {
            r.error(span, "sections", format!("section scores add up to {sum}, expected the total score {total}"));
            return None;
        }
    }
    Some(sections)
}

fn parse_difficulty(
    r: &mut TomlReader,
    root: &crate::bank::toml_fields::Table<'_>,
) -> Option<Option<DifficultyTarget>> {
    let Some(table) = r.table(root, "difficulty", "") else {
        return Some(None);
    };
    r.deny_unknown(&table, &["target", "tolerance"], "difficulty");
    let target = r.number(&table, "target", "difficulty", true).and_then(|(t, span)| {
        if (1.0..=5.0).contains(&t) {
            Some(t)
        } else {
            r.error(span, "difficulty.target", format!("must be on the 1–5 scale, got {t}"));
            None
        }
    });
    let tolerance = r.number(&table, "tolerance", "difficulty", true).and_then(|(t, span)| {
        if t > 0.0 {
            Some(t)
        } else {
            r.error(span, "difficulty.tolerance", format!("must be greater than 0, got {t}"));
            None
        }
    });
    Some(Some(DifficultyTarget { target: target?, tolerance: tolerance? }))
}
