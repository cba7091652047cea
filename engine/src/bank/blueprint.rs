//! `bank.toml`: the bank's identity and its blueprint (weighted modules and
//! evaluation points).

use super::model::{BankMeta, Importance, Level, Module, Point};
use super::toml_fields::TomlReader;
use crate::diag::Diagnostic;
use std::collections::HashMap;

/// File name of the blueprint in a source directory.
pub const BANK_FILE: &str = "bank.toml";

/// How far the module weights may stray from 100 in total (rounding in the standard's tables).
const WEIGHT_SUM_EPSILON: f64 = 0.01;

/// Parses `bank.toml`, collecting every problem.
pub fn parse_blueprint(text: &str) -> Result<(BankMeta, Vec<Module>), Vec<Diagnostic>> {
    let (mut r, root) = TomlReader::parse(BANK_FILE, text);
    let Some(root) = root else {
        return Err(r.diags);
    };
    r.deny_unknown(
        &root,
        &["id", "title", "occupation_code", "occupation", "level", "version", "standard", "modules"],
        "",
    );

    let id = r.text(&root, "id", "").and_then(|(id, span)| {
        if id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            Some(id)
        } else {
            r.error(span, "id", format!("`{id}` may hold only a-z, 0-9 and `-`"));
            None
        }
    });
    let title = r.text(&root, "title", "").map(|t| t.0);
    let occupation_code = r.text(&root, "occupation_code", "").and_then(|(code, span)| {
        let ok = code.split('-').all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
        if ok {
            Some(code)
        } else {
            r.error(span, "occupation_code", format!("`{code}` is not an occupation code like 6-31-01-03"));
            None
        }
    });
    let occupation = r.text(&root, "occupation", "").map(|t| t.0);
    let level = r.string(&root, "level", "", true).and_then(|(code, span)| {
        let level = Level::from_code(&code);
        if level.is_none() {
            let all: Vec<_> = Level::ALL.iter().map(|l| format!("\"{}\"", l.code())).collect();
            r.error(span, "level", format!("unknown level `{code}` (expected one of {})", all.join(", ")));
        }
        level
    });
    let version = r.integer(&root, "version", "", true).and_then(|(v, span)| match u32::try_from(v) {
        Ok(v) if v >= 1 => Some(v),
        _ => {
            r.error(span, "version", format!("must be a whole number ≥ 1, got {v}"));
            None
        }
    });
    let standard = r.text(&root, "standard", "").map(|t| t.0);
    let modules = parse_modules(&mut r, &root);

    match (id, title, occupation_code, occupation, level, version, standard, modules) {
        (
            Some(id),
            Some(title),
            Some(occupation_code),
            Some(occupation),
            Some(level),
            Some(version),
            Some(standard),
            Some(modules),
        ) if r.diags.is_empty() => {
            let meta = BankMeta { id, title, occupation_code, occupation, level, version, standard };
            Ok((meta, modules))
        }
        _ => Err(r.diags),
    }
}

fn parse_modules(r: &mut TomlReader, root: &super::toml_fields::Table<'_>) -> Option<Vec<Module>> {
    let (array, span) = r.array(root, "modules", "", true)?;
    if array.is_empty() {
        r.error(span, "modules", "a bank needs at least one module");
        return None;
    }
    let mut modules = Vec::new();
    let mut module_codes: HashMap<String, usize> = HashMap::new();
    let mut point_codes: HashMap<String, usize> = HashMap::new();
    let mut weight_sum = 0.0;
    let mut complete = true;
    for (i, table) in r.tables_in(array, "modules") {
        let path = format!("modules[{i}]");
        r.deny_unknown(&table, &["code", "name", "weight", "points"], &path);
        let code = r.text(&table, "code", &path).and_then(|(code, span)| {
            let line = r.line_of(span.start);
            if let Some(first) = module_codes.insert(code.clone(), line) {
                r.error(
                    span,
                    &format!("{path}.code"),
                    format!("duplicate module code `{code}` (first on line {first})"),
                );
                None
            } else {
                Some(code)
            }
        });
        let name = r.text(&table, "name", &path).map(|t| t.0);
        let weight = r.number(&table, "weight", &path, true).and_then(|(w, span)| {
            if (0.0..=100.0).contains(&w) {
                weight_sum += w;
                Some(w)
            } else {
                r.error(span, &format!("{path}.weight"), format!("must be between 0 and 100, got {w}"));
                None
            }
        });
        let points = parse_points(r, &table, &path, weight.unwrap_or(0.0), &mut point_codes);
        match (code, name, weight, points) {
            (Some(code), Some(name), Some(weight), Some(points)) => modules.push(Module { code, name, weight, points }),
            _ => complete = false,
        }
    }
    if complete && (weight_sum - 100.0).abs() > WEIGHT_SUM_EPSILON {
        r.error(span, "modules", format!("module weights sum to {weight_sum}, expected 100"));
        return None;
    }
    complete.then_some(modules)
}

fn parse_points(
    r: &mut TomlReader,
    module: &super::toml_fields::Table<'_>,
    path: &str,
    weight: f64,
    seen: &mut HashMap<String, usize>,
) -> Option<Vec<Point>> {
    let Some((array, span)) = r.array(module, "points", path, weight > 0.0) else {
        return if weight > 0.0 { None } else { Some(Vec::new()) };
    };
    if array.is_empty() && weight > 0.0 {
        r.error(span, &format!("{path}.points"), "a module with weight > 0 needs at least one evaluation point");
        return None;
    }
    let mut points = Vec::new();
    let mut complete = true;
    for (j, table) in r.tables_in(array, &format!("{path}.points")) {
        let ppath = format!("{path}.points[{j}]");
        r.deny_unknown(&table, &["code", "name", "importance"], &ppath);
        let code = r.text(&table, "code", &ppath).and_then(|(code, span)| {
            let line = r.line_of(span.start);
            if let Some(first) = seen.insert(code.clone(), line) {
                r.error(
                    span,
                    &format!("{ppath}.code"),
                    format!("duplicate point code `{code}` (first on line {first})"),
                );
                None
            } else {
                Some(code)
            }
        });
        let name = r.text(&table, "name", &ppath).map(|t| t.0);
        let importance = r.string(&table, "importance", &ppath, true).and_then(|(imp, span)| match imp.as_str() {
            "X" => Some(Importance::X),
            "Y" => Some(Importance::Y),
            "Z" => Some(Importance::Z),
            other => {
                r.error(
                    span,
                    &format!("{ppath}.importance"),
                    format!("unknown importance `{other}` (expected X, Y or Z)"),
                );
                None
            }
        });
        match (code, name, importance) {
            (Some(code), Some(name), Some(importance)) => points.push(Point { code, name, importance }),
            _ => complete = false,
        }
    }
    complete.then_some(points)
}
