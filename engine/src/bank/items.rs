//! `items.jsonl`: one item per line. Lines are parsed in parallel; cross-line
//! rules (duplicate ids, unknown points) are checked afterwards in line order.

use super::model::{Item, ItemBody, ItemType, RubricPoint, Status};
use crate::diag::Diagnostic;
use rayon::prelude::*;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// File name of the items in a source directory.
pub const ITEMS_FILE: &str = "items.jsonl";

const FIELDS: [&str; 11] =
    ["id", "point", "type", "difficulty", "stem", "options", "answer", "rubric", "max_score", "enemy_group", "status"];

/// Parses `items.jsonl`. `points`, when known, are the valid point codes;
/// without them (a broken `bank.toml`) unknown points are not reported.
pub fn parse_items(text: &str, points: Option<&HashSet<&str>>) -> Result<Vec<Item>, Vec<Diagnostic>> {
    let lines: Vec<(usize, &str)> =
        text.lines().enumerate().map(|(i, l)| (i + 1, l)).filter(|(_, l)| !l.trim().is_empty()).collect();
    let parsed: Vec<(usize, Result<Item, Vec<Diagnostic>>)> =
        lines.par_iter().map(|&(n, l)| (n, parse_line(n, l))).collect();

    let mut diags = Vec::new();
    let mut items = Vec::with_capacity(parsed.len());
    let mut ids: HashMap<String, usize> = HashMap::with_capacity(parsed.len());
    for (line, result) in parsed {
        match result {
            Ok(item) => {
                let mut ok = true;
                if let Some(first) = ids.get(&item.id) {
                    diags.push(err(line, "id", format!("duplicate item id `{}` (first on line {first})", item.id)));
                    ok = false;
                } else {
                    ids.insert(item.id.clone(), line);
                }
                if let Some(points) = points {
                    if !points.contains(item.point.as_str()) {
                        diags.push(err(
                            line,
                            "point",
                            format!("unknown evaluation point `{}` (not in bank.toml)", item.point),
                        ));
                        ok = false;
                    }
                }
                if ok {
                    items.push(item);
                }
            }
            Err(mut d) => diags.append(&mut d),
        }
    }
    if diags.is_empty() {
        Ok(items)
    } else {
        Err(diags)
    }
}

fn err(line: usize, field: &str, message: impl Into<String>) -> Diagnostic {
    let field = (!field.is_empty()).then_some(field);
    Diagnostic::new(ITEMS_FILE, Some(line), field, message)
}

/// Collects the problems of one line.
struct Line {
    no: usize,
    diags: Vec<Diagnostic>,
}

impl Line {
    fn error(&mut self, field: &str, message: impl Into<String>) {
        self.diags.push(err(self.no, field, message));
    }

    fn string(&mut self, obj: &Map<String, Value>, key: &str, required: bool) -> Option<String> {
        match obj.get(key) {
            None | Some(Value::Null) => {
                if required {
                    self.error(key, "missing required field");
                }
                None
            }
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                self.error(key, format!("expected a string, found {}", json_type(other)));
                None
            }
        }
    }

    fn text(&mut self, obj: &Map<String, Value>, key: &str) -> Option<String> {
        let s = self.string(obj, key, true)?;
        if s.trim().is_empty() {
            self.error(key, "must not be empty");
            return None;
        }
        Some(s)
    }

    fn number(&mut self, obj: &Map<String, Value>, key: &str) -> Option<f64> {
        match obj.get(key) {
            None | Some(Value::Null) => {
                self.error(key, "missing required field");
                None
            }
            Some(Value::Number(n)) => n.as_f64().filter(|x| x.is_finite()),
            Some(other) => {
                self.error(key, format!("expected a number, found {}", json_type(other)));
                None
            }
        }
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn parse_line(no: usize, text: &str) -> Result<Item, Vec<Diagnostic>> {
    let mut l = Line { no, diags: Vec::new() };
    let obj: Map<String, Value> = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(obj)) => obj,
        Ok(other) => {
            l.error("", format!("each line must be a JSON object, found {}", json_type(&other)));
            return Err(l.diags);
        }
        Err(e) => {
            let message = e.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message);
            l.error("", format!("invalid JSON at column {}: {message}", e.column()));
            return Err(l.diags);
        }
    };
    for key in obj.keys() {
        if !FIELDS.contains(&key.as_str()) {
            l.error(key, format!("unknown field (expected one of: {})", FIELDS.join(", ")));
        }
    }

    let id = l.text(&obj, "id").and_then(|id| {
        if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            l.error("id", format!("`{id}` must not contain spaces or control characters"));
            None
        } else {
            Some(id)
        }
    });
    let point = l.text(&obj, "point");
    let item_type = l.string(&obj, "type", true).and_then(|t| {
        let parsed = ItemType::from_code(&t);
        if parsed.is_none() {
            l.error("type", format!("unknown type `{t}` (expected judge, single, multiple or short)"));
        }
        parsed
    });
    let difficulty = match obj.get("difficulty") {
        None | Some(Value::Null) => {
            l.error("difficulty", "missing required field");
            None
        }
        Some(Value::Number(n)) => match n.as_u64() {
            Some(d @ 1..=5) => Some(d as u8),
            _ => {
                l.error("difficulty", format!("must be an integer from 1 (easy) to 5 (hard), got {n}"));
                None
            }
        },
        Some(other) => {
            l.error("difficulty", format!("expected an integer 1–5, found {}", json_type(other)));
            None
        }
    };
    let stem = l.text(&obj, "stem");
    let enemy_group = l.string(&obj, "enemy_group", false).and_then(|g| {
        if g.trim().is_empty() {
            l.error("enemy_group", "must not be empty when given");
            None
        } else {
            Some(g)
        }
    });
    let status = match l.string(&obj, "status", false).as_deref() {
        None => Some(Status::Active),
        Some("active") => Some(Status::Active),
        Some("retired") => Some(Status::Retired),
        Some(other) => {
            l.error("status", format!("unknown status `{other}` (expected active or retired)"));
            None
        }
    };
    let body = item_type.and_then(|t| parse_body(&mut l, &obj, t));

    match (id, point, difficulty, stem, enemy_group, status, body) {
        (Some(id), Some(point), Some(difficulty), Some(stem), enemy_group, Some(status), Some(body))
            if l.diags.is_empty() =>
        {
            Ok(Item { id, point, difficulty, stem, enemy_group, status, body })
        }
        _ => Err(l.diags),
    }
}

fn parse_body(l: &mut Line, obj: &Map<String, Value>, t: ItemType) -> Option<ItemBody> {
    let forbid = |l: &mut Line, key: &str| {
        if obj.get(key).is_some_and(|v| !v.is_null()) {
            l.error(key, format!("not allowed on a {t} item"));
        }
    };
    match t {
        ItemType::Judge => {
            forbid(l, "options");
            forbid(l, "rubric");
            forbid(l, "max_score");
            match l.string(obj, "answer", true)?.as_str() {
                "T" => Some(ItemBody::Judge { answer: true }),
                "F" => Some(ItemBody::Judge { answer: false }),
                other => {
                    l.error("answer", format!("a judge answer is \"T\" or \"F\", got `{other}`"));
                    None
                }
            }
        }
        ItemType::Single | ItemType::Multiple => {
            forbid(l, "rubric");
            forbid(l, "max_score");
            let min = if t == ItemType::Single { 2 } else { 3 };
            let options = parse_options(l, obj, t, min);
            let answer = l.string(obj, "answer", true);
            let (options, answer) = (options?, answer?);
            let mask = parse_letters(l, &answer, options.len(), t)?;
            Some(if t == ItemType::Single {
                ItemBody::Single { options, answer: mask.trailing_zeros() as u8 }
            } else {
                ItemBody::Multiple { options, answer: mask }
            })
        }
        ItemType::Short => {
            forbid(l, "options");
            let reference = l.text(obj, "answer");
            let max_score = l.number(obj, "max_score").and_then(|m| {
                if m > 0.0 {
                    Some(m)
                } else {
                    l.error("max_score", format!("must be greater than 0, got {m}"));
                    None
                }
            });
            let rubric = parse_rubric(l, obj);
            let (reference, max_score, rubric) = (reference?, max_score?, rubric?);
            let total: f64 = rubric.iter().map(|p| p.score).sum();
            if (total - max_score).abs() > 1e-9 {
                l.error("rubric", format!("rubric scores add up to {total}, but max_score is {max_score}"));
                return None;
            }
            Some(ItemBody::Short { reference, rubric, max_score })
        }
    }
}

fn parse_options(l: &mut Line, obj: &Map<String, Value>, t: ItemType, min: usize) -> Option<Vec<String>> {
    let values = match obj.get("options") {
        None | Some(Value::Null) => {
            l.error("options", format!("a {t} item needs {min}–8 options"));
            return None;
        }
        Some(Value::Array(a)) => a,
        Some(other) => {
            l.error("options", format!("expected an array of strings, found {}", json_type(other)));
            return None;
        }
    };
    if values.len() < min || values.len() > 8 {
        l.error("options", format!("a {t} item needs {min}–8 options, found {}", values.len()));
        return None;
    }
    let mut options = Vec::with_capacity(values.len());
    let mut seen = HashSet::new();
    for (i, v) in values.iter().enumerate() {
        let letter = super::model::option_letter(i);
        match v {
            Value::String(s) if s.trim().is_empty() => l.error("options", format!("option {letter} is empty")),
            Value::String(s) => {
                if !seen.insert(s.trim()) {
                    l.error("options", format!("option {letter} repeats an earlier option: `{s}`"));
                }
                options.push(s.clone());
            }
            other => l.error("options", format!("option {letter} must be a string, found {}", json_type(other))),
        }
    }
    (options.len() == values.len() && seen.len() == values.len()).then_some(options)
}

/// Parses answer letters into a bitmask over `n` options.
fn parse_letters(l: &mut Line, answer: &str, n: usize, t: ItemType) -> Option<u8> {
    let last = super::model::option_letter(n - 1);
    let mut mask = 0u8;
    let mut prev: Option<u8> = None;
    for c in answer.chars() {
        let idx = match c {
            'A'..='H' => c as u8 - b'A',
            _ => {
                l.error("answer", format!("`{c}` is not an option letter (expected A–{last})"));
                return None;
            }
        };
        if usize::from(idx) >= n {
            l.error("answer", format!("answer letter {c} is out of range: the item has {n} options (A–{last})"));
            return None;
        }
        if prev.is_some_and(|p| p >= idx) {
            l.error("answer", format!("letters must be in order without repeats, got `{answer}`"));
            return None;
        }
        prev = Some(idx);
        mask |= 1 << idx;
    }
    let count = mask.count_ones();
    match t {
        ItemType::Single if count != 1 => {
            l.error("answer", format!("a single item has exactly one correct letter, got `{answer}`"));
            None
        }
        ItemType::Multiple if count < 2 => {
            l.error("answer", format!("a multiple item needs two or more correct letters, got `{answer}`"));
            None
        }
        _ => Some(mask),
    }
}

fn parse_rubric(l: &mut Line, obj: &Map<String, Value>) -> Option<Vec<RubricPoint>> {
    let values = match obj.get("rubric") {
        Some(Value::Array(a)) if !a.is_empty() => a,
        Some(Value::Array(_)) | None | Some(Value::Null) => {
            l.error("rubric", "a short item needs a rubric: a list of {\"point\", \"score\"}");
            return None;
        }
        Some(other) => {
            l.error("rubric", format!("expected an array, found {}", json_type(other)));
            return None;
        }
    };
    let mut rubric = Vec::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        let field = format!("rubric[{i}]");
        let Value::Object(p) = v else {
            l.error(&field, format!("expected an object {{\"point\", \"score\"}}, found {}", json_type(v)));
            continue;
        };
        if let Some(extra) = p.keys().find(|k| *k != "point" && *k != "score") {
            l.error(&field, format!("unknown field `{extra}` (expected point, score)"));
        }
        let point = match p.get("point") {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
            _ => {
                l.error(&format!("{field}.point"), "must be a non-empty string");
                None
            }
        };
        let score = match p.get("score").and_then(Value::as_f64) {
            Some(s) if s > 0.0 && s.is_finite() => Some(s),
            _ => {
                l.error(&format!("{field}.score"), "must be a number greater than 0");
                None
            }
        };
        if let (Some(point), Some(score)) = (point, score) {
            rubric.push(RubricPoint { point, score });
        }
    }
    (rubric.len() == values.len()).then_some(rubric)
}
