//! What every reader produces: items as the source gave them (before ids and
//! evaluation points are settled against a blueprint), the entries that could
//! not be mapped, and notes about what changed on the way.

use kaoshi_engine::bank::{ItemBody, ItemType, Status};
use std::fmt;

/// Where in the input something was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file (for a package: the file inside it; for a workbook: `book.xlsx[sheet]`).
    pub file: String,
    /// 1-based line (or spreadsheet row), when known.
    pub line: Option<usize>,
    /// The entry's own name in the source (QTI identifier, Moodle question name), when it has one.
    pub label: Option<String>,
}

impl Location {
    /// A place in `file` at `line`.
    pub fn new(file: &str, line: Option<usize>) -> Self {
        Location { file: file.to_string(), line, label: None }
    }

    /// The same place, naming the entry.
    pub fn labelled(mut self, label: impl Into<String>) -> Self {
        let label = label.into();
        if !label.trim().is_empty() {
            self.label = Some(label.trim().to_string());
        }
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if let Some(label) = &self.label {
            write!(f, " ({label})")?;
        }
        Ok(())
    }
}

/// An item read from a source, not yet placed in a bank.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// Where it came from.
    pub location: Location,
    /// The id the source gives it, if any (kept when valid and unique).
    pub source_id: Option<String>,
    /// Evaluation point as the source names it: a code or a name.
    pub point: Option<String>,
    /// Module as the source names it (a category, a 模块 column), used when no blueprint is given.
    pub module: Option<String>,
    /// Difficulty 1–5, when the source gives one.
    pub difficulty: Option<u8>,
    /// Question text.
    pub stem: String,
    /// Enemy group, when the source gives one.
    pub enemy_group: Option<String>,
    /// Active or retired.
    pub status: Status,
    /// Type, options and key.
    pub body: ItemBody,
}

impl Draft {
    /// A draft with nothing but text and body.
    pub fn new(location: Location, stem: String, body: ItemBody) -> Self {
        Draft {
            location,
            source_id: None,
            point: None,
            module: None,
            difficulty: None,
            stem,
            enemy_group: None,
            status: Status::Active,
            body,
        }
    }

    /// The draft's type.
    pub fn item_type(&self) -> ItemType {
        self.body.item_type()
    }
}

/// An entry of the source that did not become an item, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Where it is.
    pub location: Location,
    /// Why it could not be mapped.
    pub reason: String,
}

/// Something about an imported item the user should check (media left
/// behind, a default filled in, partial credit not carried).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Where it is.
    pub location: Location,
    /// What to check.
    pub message: String,
}

/// What a reader found in one input.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Harvest {
    /// Items that map onto kaoshi's types.
    pub drafts: Vec<Draft>,
    /// Entries that do not, each with its reason.
    pub skipped: Vec<Skipped>,
    /// Notes on imported items.
    pub notes: Vec<Note>,
    /// A blueprint shipped inside the input (a kaoshi QTI package), as `bank.toml` text.
    pub blueprint: Option<String>,
    /// A paper spec shipped inside the input, as `paper.toml` text.
    pub paper: Option<String>,
}

impl Harvest {
    /// Records a skipped entry.
    pub fn skip(&mut self, location: Location, reason: impl Into<String>) {
        self.skipped.push(Skipped { location, reason: reason.into() });
    }

    /// Records a note.
    pub fn note(&mut self, location: Location, message: impl Into<String>) {
        self.notes.push(Note { location, message: message.into() });
    }

    /// Appends another harvest (another file of the same import).
    pub fn absorb(&mut self, other: Harvest) {
        self.drafts.extend(other.drafts);
        self.skipped.extend(other.skipped);
        self.notes.extend(other.notes);
        self.blueprint = self.blueprint.take().or(other.blueprint);
        self.paper = self.paper.take().or(other.paper);
    }

    /// Notes each piece of media a text referred to.
    pub fn note_media(&mut self, location: &Location, media: &[String]) {
        for m in media {
            self.note(
                location.clone(),
                format!("{m} is not carried (kaoshi items are text); the item shows its alt text or nothing"),
            );
        }
    }
}

/// Highest mark given to a short item whose source states none.
pub const DEFAULT_MAX_SCORE: f64 = 10.0;
/// Reference answer of a short item whose source gives none.
pub const NO_REFERENCE: &str = "（来源未提供参考答案，请补充）";
/// The one rubric point of a short item whose source gives no scoring points.
pub const WHOLE_ANSWER: &str = "按参考答案整体评分";

/// A choice item from options and the indices of the correct ones. A
/// two-option single choice whose options read true/false becomes a judge item
/// unless `keep_single` (the source says it is a single-choice item).
pub fn choice_body(
    options: Vec<String>,
    correct: &[usize],
    multiple: bool,
    keep_single: bool,
) -> Result<ItemBody, String> {
    if options.len() > 8 {
        return Err(format!("{} options; kaoshi choice items have at most 8", options.len()));
    }
    if correct.is_empty() {
        return Err("no option is marked correct".into());
    }
    if !multiple && !keep_single && options.len() == 2 && correct.len() == 1 {
        let truth: Vec<Option<bool>> = options.iter().map(|o| crate::conventions::truth_word(o)).collect();
        if let [Some(a), Some(b)] = truth[..] {
            if a != b {
                return Ok(ItemBody::Judge { answer: truth[correct[0]] == Some(true) });
            }
        }
    }
    let mask = correct.iter().fold(0u8, |m, &i| m | (1 << i));
    if multiple {
        if correct.len() < 2 {
            return Err("a multiple-response item with a single correct option: kaoshi's multiple items have two or more (re-type it as single choice if that is meant)".into());
        }
        Ok(ItemBody::Multiple { options, answer: mask })
    } else {
        if correct.len() > 1 {
            return Err(format!("{} options are marked correct in a single-choice item", correct.len()));
        }
        Ok(ItemBody::Single { options, answer: correct[0] as u8 })
    }
}

/// A short item, filling documented defaults (and noting each) where the source is silent.
pub fn short_body(
    harvest: &mut Harvest,
    location: &Location,
    reference: Option<String>,
    rubric: Option<Vec<kaoshi_engine::bank::RubricPoint>>,
    max_score: Option<f64>,
) -> ItemBody {
    let max_score = match (max_score, &rubric) {
        (Some(m), _) if m > 0.0 && m.is_finite() => m,
        (_, Some(r)) => r.iter().map(|p| p.score).sum(),
        _ => {
            harvest.note(location.clone(), format!("no highest mark given; max_score set to {DEFAULT_MAX_SCORE}"));
            DEFAULT_MAX_SCORE
        }
    };
    let reference = match reference.map(|r| r.trim().to_string()).filter(|r| !r.is_empty()) {
        Some(r) => r,
        None => {
            harvest
                .note(location.clone(), "no reference answer in the source; markers need one before the bank is used");
            NO_REFERENCE.to_string()
        }
    };
    let rubric = rubric.unwrap_or_else(|| {
        harvest.note(
            location.clone(),
            format!("no scoring points in the source; one point `{WHOLE_ANSWER}` worth {max_score}"),
        );
        vec![kaoshi_engine::bank::RubricPoint { point: WHOLE_ANSWER.into(), score: max_score }]
    });
    ItemBody::Short { reference, rubric, max_score }
}
