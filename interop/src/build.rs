//! Turns a harvest into a bank: settles ids, places every item on an
//! evaluation point of the blueprint (given, shipped in the input, or drafted
//! from the source's categories), fills documented defaults, and runs every
//! item through the engine's own validation so the written directory passes
//! `kaoshi bank check`.

use crate::draft::{Draft, Harvest, Location, Note, Skipped};
use crate::text::{normalize, normalize_line};
use kaoshi_engine::bank::{
    export, parse_blueprint, parse_source, Bank, BankMeta, BankSource, Importance, Item, ItemBody, ItemType, Level,
    Module, Point, SourceFiles, ITEMS_FILE,
};
use kaoshi_engine::diag::SourceError;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Difficulty given to items whose source has none.
pub const DEFAULT_DIFFICULTY: u8 = 3;
/// Point used for items that name none, when no blueprint is given.
pub const UNSORTED_POINT: &str = "未分类";
/// Module used for points whose source names no module, when no blueprint is given.
pub const UNSORTED_MODULE: &str = "导入";

/// How to build the bank.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `bank.toml` text to place items against (`--blueprint`); overrides one shipped in the input.
    pub blueprint: Option<String>,
    /// Evaluation point for items whose source names none (`--point`).
    pub default_point: Option<String>,
    /// Bank id for a drafted blueprint (`[a-z0-9-]`).
    pub bank_id: String,
    /// What was imported, for the drafted blueprint's title.
    pub source_name: String,
}

/// The bank and the full account of the import.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The bank (and a paper spec when the input shipped one).
    pub source: BankSource,
    /// Entries that did not become items, with reasons.
    pub skipped: Vec<Skipped>,
    /// Notes on imported items.
    pub notes: Vec<Note>,
    /// Whether bank.toml was drafted from the source (no blueprint given or shipped).
    pub drafted_blueprint: bool,
}

impl Imported {
    /// Items imported per type, in the usual order.
    pub fn counts(&self) -> Vec<(ItemType, usize)> {
        ItemType::ALL
            .into_iter()
            .map(|t| (t, self.source.bank.items.iter().filter(|i| i.item_type() == t).count()))
            .collect()
    }
}

/// Why no bank could be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BuildError {
    /// The blueprint given (or shipped) is invalid.
    #[error("blueprint: {0}")]
    Blueprint(SourceError),
    /// The `--point` names no point of the blueprint.
    #[error("--point `{0}` is not an evaluation point of the blueprint (neither a code nor a name)")]
    UnknownDefaultPoint(String),
    /// Nothing could be imported.
    #[error("no item could be imported ({} entries skipped)", .skipped.len())]
    Nothing {
        /// Everything that was skipped, with reasons.
        skipped: Vec<Skipped>,
    },
    /// The assembled bank failed the engine's checks: a defect in the importer.
    #[error("internal error: the imported bank does not validate: {0}")]
    Internal(SourceError),
}

/// Builds the bank from what the readers found.
pub fn build(harvest: Harvest, options: &Options) -> Result<Imported, BuildError> {
    let Harvest { mut drafts, mut skipped, mut notes, blueprint: shipped, paper } = harvest;
    drafts.iter_mut().for_each(normalize_texts);
    let given = options.blueprint.clone().or(shipped);
    let drafted_blueprint = given.is_none();
    let (meta, modules, placed) = match given {
        Some(text) => {
            let (meta, modules) = parse_blueprint(&text).map_err(|d| BuildError::Blueprint(SourceError::new(d)))?;
            let placed = place_on_blueprint(drafts, &modules, options, &mut skipped)?;
            (meta, modules, placed)
        }
        None => draft_blueprint(drafts, options),
    };
    let items = settle(placed, &mut notes);
    note_duplicates(&items, &mut notes);
    let spec = paper.and_then(|text| match kaoshi_engine::bank::parse_spec_file(&text) {
        Ok(spec) => Some(spec),
        Err(e) => {
            notes.push(Note {
                location: Location::new("paper.toml", None),
                message: format!("the paper spec shipped with the input is invalid and was not imported: {e}"),
            });
            None
        }
    });
    let (locations, items): (Vec<Location>, Vec<Item>) = items.into_iter().unzip();
    let source = BankSource { bank: Bank { meta, modules, items }, spec };
    let source = validate(source, locations, &mut skipped)?;
    Ok(Imported { source, skipped, notes, drafted_blueprint })
}

/// Puts every text of a draft in the one plain form: stems and reference
/// answers keep their lines ([`normalize`]), options and rubric points are one line.
fn normalize_texts(draft: &mut Draft) {
    draft.stem = normalize(&draft.stem);
    match &mut draft.body {
        ItemBody::Single { options, .. } | ItemBody::Multiple { options, .. } => {
            options.iter_mut().for_each(|o| *o = normalize_line(o));
        }
        ItemBody::Short { reference, rubric, .. } => {
            *reference = normalize(reference);
            rubric.iter_mut().for_each(|p| p.point = normalize_line(&p.point));
        }
        ItemBody::Judge { .. } => {}
    }
}

/// A draft with its point code settled.
struct Placed {
    draft: Draft,
    point: String,
}

fn place_on_blueprint(
    drafts: Vec<Draft>,
    modules: &[Module],
    options: &Options,
    skipped: &mut Vec<Skipped>,
) -> Result<Vec<Placed>, BuildError> {
    // Looked up once per item: by code, by name (the first point of that
    // name), or by the code that starts `A01 职业道德基本知识`.
    let mut by_code: HashMap<&str, &str> = HashMap::new();
    let mut by_name: HashMap<&str, &str> = HashMap::new();
    for p in modules.iter().flat_map(|m| &m.points) {
        by_code.insert(&p.code, &p.code);
        by_name.entry(&p.name).or_insert(&p.code);
    }
    let resolve = |given: &str| -> Option<String> {
        let given = given.trim();
        let first_word = given.split_whitespace().next().unwrap_or("");
        by_code.get(given).or_else(|| by_name.get(given)).or_else(|| by_code.get(first_word)).map(|c| c.to_string())
    };
    let default = match &options.default_point {
        Some(p) => Some(resolve(p).ok_or_else(|| BuildError::UnknownDefaultPoint(p.clone()))?),
        None => None,
    };
    let mut placed = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let point = match &draft.point {
            Some(given) => match resolve(given) {
                Some(code) => code,
                None => {
                    skipped.push(Skipped {
                        location: draft.location.clone(),
                        reason: format!(
                            "evaluation point `{given}` is not in the blueprint (neither a code nor a name)"
                        ),
                    });
                    continue;
                }
            },
            None => match &default {
                Some(code) => code.clone(),
                None => {
                    skipped.push(Skipped {
                        location: draft.location.clone(),
                        reason: "the source names no evaluation point; give one with --point".into(),
                    });
                    continue;
                }
            },
        };
        placed.push(Placed { draft, point });
    }
    Ok(placed)
}

/// Whether a source name can serve as a code as it is.
fn code_like(s: &str) -> bool {
    !s.is_empty() && s.len() <= 24 && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Drafts bank.toml from the source: one module per module name (category
/// parent, 模块 column), one point per point name, weights by item share.
fn draft_blueprint(drafts: Vec<Draft>, options: &Options) -> (BankMeta, Vec<Module>, Vec<Placed>) {
    // module name → point names, in first-seen order. A point is keyed by
    // its module too: the same leaf name under two categories is two points.
    let mut order: Vec<(String, Vec<String>)> = Vec::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut counts: HashMap<String, usize> = HashMap::new();
    // A row that names a point but no module joins the point's first module.
    let mut first_module: HashMap<String, String> = HashMap::new();
    let mut keyed = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let point = draft.point.clone().or_else(|| options.default_point.clone()).unwrap_or(UNSORTED_POINT.into());
        let module = match &draft.module {
            Some(m) => m.clone(),
            None => first_module.get(&point).cloned().unwrap_or(UNSORTED_MODULE.into()),
        };
        first_module.entry(point.clone()).or_insert_with(|| module.clone());
        if seen.insert((module.clone(), point.clone())) {
            match order.iter_mut().find(|(m, _)| *m == module) {
                Some((_, points)) => points.push(point.clone()),
                None => order.push((module.clone(), vec![point.clone()])),
            }
        }
        *counts.entry(module.clone()).or_default() += 1;
        keyed.push(((module, point), draft));
    }
    let mut used = HashSet::new();
    let mut code_for = |name: &str, prefix: &str, n: usize| -> String {
        let code = if code_like(name) && !used.contains(name) { name.to_string() } else { format!("{prefix}{n:03}") };
        let mut code = code;
        while used.contains(&code) {
            code.push('_');
        }
        used.insert(code.clone());
        code
    };
    let total: usize = counts.values().sum();
    // Weights in hundredths of a percent so they add up to exactly 100.
    let mut units: Vec<u64> =
        order.iter().map(|(m, _)| ((counts[m] as f64 / total as f64) * 10_000.0).round().max(1.0) as u64).collect();
    let sum: u64 = units.iter().sum();
    if let Some(biggest) = (0..units.len()).max_by_key(|&i| units[i]) {
        units[biggest] = (units[biggest] + 10_000).saturating_sub(sum);
    }
    let mut codes: HashMap<(String, String), String> = HashMap::new();
    let mut modules = Vec::with_capacity(order.len());
    for (i, (module, points)) in order.iter().enumerate() {
        let code = code_for(module, "M", i + 1);
        let points = points
            .iter()
            .enumerate()
            .map(|(j, p)| {
                let pcode = code_for(p, &format!("{code}-P"), j + 1);
                codes.insert((module.clone(), p.clone()), pcode.clone());
                Point { code: pcode, name: p.clone(), importance: Importance::Y }
            })
            .collect();
        modules.push(Module { code, name: module.clone(), weight: units[i] as f64 / 100.0, points });
    }
    let meta = BankMeta {
        id: options.bank_id.clone(),
        title: format!("导入题库：{}", options.source_name),
        occupation_code: "0-00-00-00".into(),
        occupation: "待定".into(),
        level: Level::Five,
        version: 1,
        standard: "待定：按国家职业技能标准补全模块、权重与鉴定点".into(),
    };
    let placed = keyed.into_iter().map(|(key, draft)| Placed { point: codes[&key].clone(), draft }).collect();
    (meta, modules, placed)
}

fn valid_id(id: &str) -> bool {
    !id.trim().is_empty() && id.len() <= 64 && !id.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Gives every item a unique id and a difficulty; returns items with the
/// location they came from.
fn settle(placed: Vec<Placed>, notes: &mut Vec<Note>) -> Vec<(Location, Item)> {
    let mut used: HashMap<String, Location> = HashMap::new();
    let reserved: HashSet<String> =
        placed.iter().filter_map(|p| p.draft.source_id.clone()).filter(|id| valid_id(id)).collect();
    let mut next = 1usize;
    let mut fresh = |used: &HashMap<String, Location>| loop {
        let id = format!("I{next:05}");
        next += 1;
        if !used.contains_key(&id) && !reserved.contains(&id) {
            return id;
        }
    };
    let mut no_difficulty: BTreeMap<String, (Location, usize)> = BTreeMap::new();
    let mut items = Vec::with_capacity(placed.len());
    for Placed { draft, point } in placed {
        let id = match draft.source_id.as_deref().map(str::trim) {
            Some(sid) if valid_id(sid) && !used.contains_key(sid) => sid.to_string(),
            Some(sid) if valid_id(sid) => {
                let mut n = 2;
                let id = loop {
                    let candidate = format!("{sid}-{n}");
                    if !used.contains_key(&candidate) && !reserved.contains(&candidate) {
                        break candidate;
                    }
                    n += 1;
                };
                let first = &used[sid];
                notes.push(Note {
                    location: draft.location.clone(),
                    message: format!("id `{sid}` is already used by {first}; this item is `{id}`"),
                });
                id
            }
            Some(sid) => {
                let id = fresh(&used);
                notes.push(Note {
                    location: draft.location.clone(),
                    message: format!("id `{sid}` cannot be a kaoshi id (spaces or too long); this item is `{id}`"),
                });
                id
            }
            None => fresh(&used),
        };
        used.insert(id.clone(), draft.location.clone());
        let difficulty = draft.difficulty.unwrap_or_else(|| {
            let entry = no_difficulty.entry(draft.location.file.clone()).or_insert((draft.location.clone(), 0));
            entry.1 += 1;
            DEFAULT_DIFFICULTY
        });
        let item = Item {
            id,
            point,
            difficulty,
            stem: draft.stem,
            enemy_group: draft.enemy_group,
            status: draft.status,
            body: draft.body,
        };
        items.push((draft.location, item));
    }
    for (_, (location, n)) in no_difficulty {
        let location = Location { line: None, label: None, ..location };
        notes.push(Note {
            location,
            message: format!(
                "{n} item(s) give no difficulty; set to {DEFAULT_DIFFICULTY} (中) — review before sealing"
            ),
        });
    }
    items
}

/// Notes items that repeat an earlier item's question (type, stem and
/// options): banks merged from several sources often hold the same item twice.
fn note_duplicates(items: &[(Location, Item)], notes: &mut Vec<Note>) {
    let mut first: HashMap<(ItemType, &str, &[String]), (&str, &Location)> = HashMap::new();
    for (location, item) in items {
        let key = (item.item_type(), item.stem.as_str(), item.options());
        match first.get(&key) {
            Some((id, at)) => notes.push(Note {
                location: location.clone(),
                message: format!(
                    "same question as `{id}` ({at}); kept as `{}` — retire one if they are duplicates",
                    item.id
                ),
            }),
            None => {
                first.insert(key, (item.id.as_str(), location));
            }
        }
    }
}

/// Runs the bank through the engine's own parser, exactly as `bank check`
/// will read the directory: items it refuses are skipped with the engine's
/// reasons and the rest checked again. Anything else refused is our defect.
fn validate(
    mut source: BankSource,
    mut locations: Vec<Location>,
    skipped: &mut Vec<Skipped>,
) -> Result<BankSource, BuildError> {
    // Refused items are dropped and the rest parsed again; a bank refused a
    // third time, or for anything but its items, is our defect.
    let mut attempt = 0;
    loop {
        if source.bank.items.is_empty() {
            return Err(BuildError::Nothing { skipped: std::mem::take(skipped) });
        }
        let text = export(&source);
        let files = SourceFiles {
            bank_toml: &text.bank_toml,
            paper_toml: text.paper_toml.as_deref(),
            items_jsonl: &text.items_jsonl,
        };
        let error = match parse_source(files) {
            Ok(parsed) => return Ok(parsed),
            Err(e) if attempt == 2 => return Err(BuildError::Internal(e)),
            Err(e) => e,
        };
        let mut reasons: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for d in &error.diagnostics {
            match d.line {
                Some(line) if d.file == ITEMS_FILE && line >= 1 => {
                    let field = d.field.as_ref().map(|f| format!("{f}: ")).unwrap_or_default();
                    reasons.entry(line - 1).or_default().push(format!("{field}{}", d.message));
                }
                _ => return Err(BuildError::Internal(error)),
            }
        }
        let items = std::mem::take(&mut source.bank.items);
        let mut kept = Vec::with_capacity(items.len());
        let mut kept_at = Vec::with_capacity(items.len());
        for (i, (location, item)) in locations.into_iter().zip(items).enumerate() {
            match reasons.remove(&i) {
                Some(r) => skipped.push(Skipped { location, reason: r.join("; ") }),
                None => {
                    kept.push(item);
                    kept_at.push(location);
                }
            }
        }
        source.bank.items = kept;
        locations = kept_at;
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(line: usize, options: &[&str]) -> Draft {
        let body = ItemBody::Single { options: options.iter().map(|o| o.to_string()).collect(), answer: 0 };
        Draft::new(Location::new("t.csv", Some(line)), format!("question {line}"), body)
    }

    #[test]
    fn items_the_engine_refuses_are_skipped_with_its_reason() {
        let harvest =
            Harvest { drafts: vec![draft(2, &["甲", "乙"]), draft(3, &["甲", " 甲"])], ..Harvest::default() };
        let options = Options { bank_id: "t".into(), ..Options::default() };
        let imported = build(harvest, &options).expect("one item survives");
        assert_eq!(imported.source.bank.items.len(), 1);
        assert_eq!(imported.skipped.len(), 1);
        assert_eq!(imported.skipped[0].location.line, Some(3));
        assert!(imported.skipped[0].reason.contains("repeats an earlier option"), "{}", imported.skipped[0].reason);
        let weights: f64 = imported.source.bank.modules.iter().map(|m| m.weight).sum();
        assert_eq!(weights, 100.0);
        let at = |module: Option<&str>, point: &str| {
            let mut d = draft(9, &["甲", "乙"]);
            d.module = module.map(String::from);
            d.point = Some(point.into());
            d
        };
        let drafts = vec![at(Some("电工基础"), "第一章"), at(Some("安全"), "第一章"), at(None, "第一章")];
        let imported = build(Harvest { drafts, ..Harvest::default() }, &options).expect("bank");
        let modules: Vec<(&str, usize)> =
            imported.source.bank.modules.iter().map(|m| (m.name.as_str(), m.points.len())).collect();
        assert_eq!(modules, [("电工基础", 1), ("安全", 1)], "one 第一章 per module");
        let points: Vec<&str> = imported.source.bank.items.iter().map(|i| i.point.as_str()).collect();
        assert_eq!(points[0], points[2], "a row without a module joins the point's first module");
        assert_ne!(points[0], points[1]);
        let only_bad = Harvest { drafts: vec![draft(3, &["甲", "甲"])], ..Harvest::default() };
        assert!(matches!(build(only_bad, &options), Err(BuildError::Nothing { skipped }) if skipped.len() == 1));
    }
}
