//! The bank as kaoshi holds it in memory: meta, blueprint (modules and
//! evaluation points) and items. Invalid states are unrepresentable where the
//! type system allows it: an item's answer lives in the variant of its type.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

/// A question bank for one occupation at one level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bank {
    /// Who the bank is for and which version it is.
    pub meta: BankMeta,
    /// The blueprint: the standard's weighted modules, in source order.
    pub modules: Vec<Module>,
    /// Items in source order.
    pub items: Vec<Item>,
}

/// The identity of a bank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BankMeta {
    /// Stable id, `[a-z0-9-]+`.
    pub id: String,
    /// Human title.
    pub title: String,
    /// Occupation code from the occupational classification, e.g. `6-31-01-03`.
    pub occupation_code: String,
    /// Occupation (职业/工种) name.
    pub occupation: String,
    /// Skill level.
    pub level: Level,
    /// Bank version, ≥ 1.
    pub version: u32,
    /// The national occupational standard the blueprint follows.
    pub standard: String,
}

/// Skill levels of the "new eight levels" ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Level {
    /// 学徒工
    Apprentice,
    /// 五级/初级工
    Five,
    /// 四级/中级工
    Four,
    /// 三级/高级工
    Three,
    /// 二级/技师
    Two,
    /// 一级/高级技师
    One,
    /// 特级技师
    Special,
    /// 首席技师
    Chief,
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Level; 8] = [
        Level::Apprentice,
        Level::Five,
        Level::Four,
        Level::Three,
        Level::Two,
        Level::One,
        Level::Special,
        Level::Chief,
    ];

    /// The code used in `bank.toml`.
    pub fn code(self) -> &'static str {
        match self {
            Level::Apprentice => "apprentice",
            Level::Five => "5",
            Level::Four => "4",
            Level::Three => "3",
            Level::Two => "2",
            Level::One => "1",
            Level::Special => "special",
            Level::Chief => "chief",
        }
    }

    /// The Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            Level::Apprentice => "学徒工",
            Level::Five => "五级/初级工",
            Level::Four => "四级/中级工",
            Level::Three => "三级/高级工",
            Level::Two => "二级/技师",
            Level::One => "一级/高级技师",
            Level::Special => "特级技师",
            Level::Chief => "首席技师",
        }
    }

    /// Parses a `bank.toml` level code.
    pub fn from_code(code: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.code() == code)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name_zh())
    }
}

/// A weighted module of the standard's theory weight table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Module {
    /// Unique code in the bank, e.g. `A`.
    pub code: String,
    /// Name, e.g. 职业道德.
    pub name: String,
    /// Percentage of the theory score; the modules' weights sum to 100.
    pub weight: f64,
    /// Evaluation points (鉴定点) of the module.
    pub points: Vec<Point>,
}

/// An evaluation point (鉴定点).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Unique code in the bank, e.g. `A01`.
    pub code: String,
    /// Name.
    pub name: String,
    /// Importance: X core, Y general, Z minor.
    pub importance: Importance,
}

/// Importance of an evaluation point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Importance {
    /// Core (核心要素).
    X,
    /// General (一般要素).
    Y,
    /// Minor (辅助要素).
    Z,
}

impl Importance {
    /// The letter used in the source.
    pub fn letter(self) -> &'static str {
        match self {
            Importance::X => "X",
            Importance::Y => "Y",
            Importance::Z => "Z",
        }
    }
}

/// The four item types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ItemType {
    /// True/false (判断题).
    Judge,
    /// Single choice (单项选择题).
    Single,
    /// Multiple choice (多项选择题).
    Multiple,
    /// Short answer, marked by people (简答题).
    Short,
}

impl ItemType {
    /// Every type, in the usual paper order.
    pub const ALL: [ItemType; 4] = [ItemType::Judge, ItemType::Single, ItemType::Multiple, ItemType::Short];

    /// The code used in the source files.
    pub fn code(self) -> &'static str {
        match self {
            ItemType::Judge => "judge",
            ItemType::Single => "single",
            ItemType::Multiple => "multiple",
            ItemType::Short => "short",
        }
    }

    /// The Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            ItemType::Judge => "判断题",
            ItemType::Single => "单项选择题",
            ItemType::Multiple => "多项选择题",
            ItemType::Short => "简答题",
        }
    }

    /// Parses a type code.
    pub fn from_code(code: &str) -> Option<ItemType> {
        ItemType::ALL.into_iter().find(|t| t.code() == code)
    }

    /// Whether the type has options the candidate chooses from.
    pub fn is_choice(self) -> bool {
        matches!(self, ItemType::Single | ItemType::Multiple)
    }
}

impl fmt::Display for ItemType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Whether an item may be drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    /// In use.
    Active,
    /// Kept for the record, never drawn.
    Retired,
}

impl Status {
    /// The code used in the source files.
    pub fn code(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Retired => "retired",
        }
    }
}

/// One question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Unique id in the bank.
    pub id: String,
    /// Code of the evaluation point the item tests; its module is the point's.
    pub point: String,
    /// Difficulty, 1 (easy) to 5 (hard).
    pub difficulty: u8,
    /// The question text.
    pub stem: String,
    /// Items of one enemy group never share a paper.
    pub enemy_group: Option<String>,
    /// Active or retired.
    pub status: Status,
    /// Type-specific content and key.
    pub body: ItemBody,
}

impl Item {
    /// The item's type.
    pub fn item_type(&self) -> ItemType {
        self.body.item_type()
    }

    /// Options of a choice item, empty otherwise.
    pub fn options(&self) -> &[String] {
        match &self.body {
            ItemBody::Single { options, .. } | ItemBody::Multiple { options, .. } => options,
            _ => &[],
        }
    }
}

/// The type-specific part of an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ItemBody {
    /// True/false with its key.
    Judge {
        /// `true` for "T".
        answer: bool,
    },
    /// Single choice: 2–8 options, one correct.
    Single {
        /// Option texts in source order (A, B, …).
        options: Vec<String>,
        /// Index of the correct option.
        answer: u8,
    },
    /// Multiple choice: 3–8 options, two or more correct.
    Multiple {
        /// Option texts in source order.
        options: Vec<String>,
        /// Bit `i` set when option `i` is correct.
        answer: u8,
    },
    /// Short answer, marked against a rubric.
    Short {
        /// The reference answer shown to markers.
        reference: String,
        /// Scoring points; their scores add up to `max_score`.
        rubric: Vec<RubricPoint>,
        /// Highest mark.
        max_score: f64,
    },
}

impl ItemBody {
    /// The type this body belongs to.
    pub fn item_type(&self) -> ItemType {
        match self {
            ItemBody::Judge { .. } => ItemType::Judge,
            ItemBody::Single { .. } => ItemType::Single,
            ItemBody::Multiple { .. } => ItemType::Multiple,
            ItemBody::Short { .. } => ItemType::Short,
        }
    }
}

/// One scoring point of a short item's rubric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RubricPoint {
    /// What earns the score.
    pub point: String,
    /// The score it earns.
    pub score: f64,
}

/// Letters for option indices: 0 → A.
pub fn option_letter(index: usize) -> char {
    (b'A' + index as u8) as char
}

/// Renders a multiple-choice key bitmask as letters in order ("ACD").
pub fn mask_letters(mask: u8) -> String {
    (0..8).filter(|i| mask & (1 << i) != 0).map(option_letter).collect()
}

impl Bank {
    /// Index of the module each point belongs to.
    pub fn point_modules(&self) -> HashMap<&str, usize> {
        self.modules
            .iter()
            .enumerate()
            .flat_map(|(m, module)| module.points.iter().map(move |p| (p.code.as_str(), m)))
            .collect()
    }

    /// Items that may be drawn.
    pub fn active_items(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.status == Status::Active)
    }
}
