//! Moodle XML (`<quiz><question type="…">`), as Moodle's question bank
//! exports it. Categories become modules and evaluation points (the last
//! level of `$course$/…/module/point`); hidden questions come in retired.

use crate::draft::{choice_body, short_body, Draft, Harvest, Location};
use crate::text::flatten_html;
use crate::xml::{self, Element};
use kaoshi_engine::bank::{ItemBody, Status};

/// Reads a Moodle XML file.
pub fn read_moodle(file: &str, text: &str) -> Harvest {
    let mut harvest = Harvest::default();
    let root = match xml::document(file, text, "quiz", "<quiz>") {
        Ok(root) => root,
        Err(skipped) => {
            harvest.skipped.push(skipped);
            return harvest;
        }
    };
    let mut category: Option<(Option<String>, String)> = None;
    for (n, q) in root.children_named("question").enumerate() {
        let kind = q.attr("type").unwrap_or("");
        let name = q.child("name").map(text_of).unwrap_or_default();
        let location = Location::new(file, Some(q.line)).labelled(if name.is_empty() {
            format!("question {}", n + 1)
        } else {
            name.clone()
        });
        if kind == "category" {
            category = q.child("category").map(text_of).map(|path| split_category(&path));
            continue;
        }
        match read_question(q, kind, &location, &mut harvest) {
            Ok(mut draft) => {
                if let Some((module, point)) = &category {
                    draft.module = module.clone().or(Some(point.clone()));
                    draft.point = Some(point.clone());
                }
                let idnumber = q.child("idnumber").map(text_of).filter(|s| !s.is_empty());
                draft.source_id = idnumber;
                if q.child("hidden").map(text_of).as_deref() == Some("1") {
                    draft.status = Status::Retired;
                }
                harvest.drafts.push(draft);
            }
            Err(reason) => harvest.skip(location, reason),
        }
    }
    harvest
}

/// A category path as Moodle (and GIFT's `$CATEGORY:`) writes it:
/// `$course$/Electrical/A01 Safety` → (Some("Electrical"), "A01 Safety").
pub fn split_category(path: &str) -> (Option<String>, String) {
    let parts: Vec<&str> = path
        .split('/')
        .map(str::trim)
        .filter(|p| !(p.is_empty() || p.starts_with('$') && p.ends_with('$') || *p == "top"))
        .collect();
    match parts.as_slice() {
        [] => (None, crate::build::UNSORTED_POINT.to_string()),
        [one] => (None, one.to_string()),
        [.., module, point] => (Some(module.to_string()), point.to_string()),
    }
}

/// The `<text>` of an element (`<name><text>…</text></name>`), trimmed.
fn text_of(e: &Element) -> String {
    e.child("text").map(|t| t.raw_text()).unwrap_or_else(|| e.raw_text()).trim().to_string()
}

/// Rich text of a Moodle field, flattened; media noted.
fn rich(e: Option<&Element>, location: &Location, harvest: &mut Harvest) -> String {
    let Some(e) = e else { return String::new() };
    let raw = text_of(e);
    let flat = match e.attr("format") {
        Some("html") | Some("moodle_auto_format") | None => flatten_html(&raw),
        // plain_text and markdown are shown as written
        _ => crate::text::Flat { text: raw.trim().to_string(), media: Vec::new() },
    };
    harvest.note_media(location, &flat.media);
    flat.text
}

fn read_question(q: &Element, kind: &str, location: &Location, harvest: &mut Harvest) -> Result<Draft, String> {
    let stem = rich(q.child("questiontext"), location, harvest);
    let body = match kind {
        "truefalse" => {
            let mut key = None;
            for a in q.children_named("answer") {
                if fraction(a)? >= 100.0 {
                    key = match text_of(a).to_lowercase().as_str() {
                        "true" => Some(true),
                        "false" => Some(false),
                        other => return Err(format!("true/false answer `{other}` is neither true nor false")),
                    };
                }
            }
            ItemBody::Judge { answer: key.ok_or("no answer of the true/false question earns full marks")? }
        }
        "multichoice" => {
            let single = q.child("single").map(text_of).map(|s| s == "true" || s == "1").unwrap_or(true);
            let answers: Vec<&Element> = q.children_named("answer").collect();
            let mut options = Vec::with_capacity(answers.len());
            let mut correct = Vec::new();
            let mut weights = Vec::new();
            for (i, a) in answers.iter().enumerate() {
                let f = fraction(a)?;
                options.push(rich(Some(a), location, harvest));
                let is_key = if single { f >= 100.0 } else { f > 0.0 };
                if is_key {
                    correct.push(i);
                    weights.push(f);
                }
            }
            if single && correct.is_empty() && answers.iter().any(|a| fraction(a).is_ok_and(|f| f > 0.0)) {
                return Err(
                    "no answer earns full marks (only partial credit): a single-choice item needs one key".into()
                );
            }
            if !single && weights.windows(2).any(|w| (w[0] - w[1]).abs() > 0.01) {
                harvest.note(
                    location.clone(),
                    "correct answers carry unequal credit in the source; kaoshi scores by the paper section's rule",
                );
            }
            choice_body(options, &correct, !single, false)?
        }
        "essay" => {
            let reference = rich(q.child("graderinfo"), location, harvest);
            let grade = q.child("defaultgrade").map(text_of).and_then(|g| g.parse::<f64>().ok());
            let reference = (!reference.is_empty()).then_some(reference);
            short_body(harvest, location, reference, None, grade)
        }
        "shortanswer" => {
            return Err("short answer (typed text matched against accepted answers) has no kaoshi item type".into())
        }
        "numerical" => return Err("numerical (a typed number) has no kaoshi item type".into()),
        "matching" | "ddmatch" => return Err("matching has no kaoshi item type".into()),
        "multianswer" | "cloze" => return Err("embedded answers (cloze) have no kaoshi item type".into()),
        "description" => return Err("a description is text without a question".into()),
        "calculated" | "calculatedsimple" | "calculatedmulti" => {
            return Err(format!("`{kind}` (questions from a formula) has no kaoshi item type"))
        }
        "" => return Err("question without a type".into()),
        other => return Err(format!("question type `{other}` has no kaoshi item type")),
    };
    if stem.is_empty() {
        return Err("the question text is empty".into());
    }
    Ok(Draft::new(location.clone(), stem, body))
}

fn fraction(a: &Element) -> Result<f64, String> {
    let raw = a.attr("fraction").unwrap_or("0");
    raw.trim().parse::<f64>().map_err(|_| format!("answer fraction `{raw}` is not a number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories() {
        assert_eq!(split_category("$course$/Iota/Kappa/Lambda"), (Some("Kappa".into()), "Lambda".into()));
        assert_eq!(split_category("$course$/Iota"), (None, "Iota".into()));
        assert_eq!(split_category("$course$/top/电工/A01"), (Some("电工".into()), "A01".into()));
    }
}
