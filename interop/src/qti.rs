//! IMS QTI 2.1 and 3.0 items. Both versions are read by one code path: the
//! element tree folds `qti-choice-interaction`/`max-choices` (3.0) onto
//! `choiceInteraction`/`maxChoices` (2.1).
//!
//! Mapped: `choiceInteraction` with single cardinality (a two-option
//! true/false choice becomes a judge item) or multiple cardinality, and
//! `extendedTextInteraction` as a short item. Everything else is reported
//! as skipped with the interaction it uses.

use crate::conventions::{self, LOM_DIFFICULTY};
use crate::draft::{choice_body, short_body, Draft, Harvest, Location};
use crate::text::{flatten, Flat};
use crate::xml::{self, Element};
use kaoshi_engine::bank::{ItemType, RubricPoint, Status};

/// kaoshi's own per-item metadata in a content package manifest (written on
/// export, read back on import so a round trip loses nothing).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemMeta {
    /// kaoshi item id (QTI identifiers are more restricted).
    pub id: Option<String>,
    /// Evaluation point code.
    pub point: Option<String>,
    /// Difficulty 1–5 (from kaoshi metadata or LOM educational/difficulty).
    pub difficulty: Option<u8>,
    /// Enemy group.
    pub enemy_group: Option<String>,
    /// Active or retired.
    pub status: Option<Status>,
    /// The kaoshi type, so a single-choice item with options 对/错 stays single.
    pub item_type: Option<ItemType>,
}

/// Elements whose text is not part of the question as the candidate reads it.
const NOT_STEM: [&str; 9] = [
    "rubricBlock",
    "modalFeedback",
    "feedbackBlock",
    "feedbackInline",
    "templateBlock",
    "templateInline",
    "catalogInfo",
    "stylesheet",
    "companionMaterialsInfo",
];

/// Interactions and what kaoshi would need to carry them.
fn unsupported(name: &str) -> String {
    let what = match name {
        "orderInteraction" => "ordering",
        "textEntryInteraction" => "typed text matched against a key (fill in the blank)",
        "matchInteraction" | "associateInteraction" | "graphicAssociateInteraction" => "matching pairs",
        "gapMatchInteraction" | "graphicGapMatchInteraction" => "filling gaps by dragging",
        "inlineChoiceInteraction" => "choices inside the text",
        "hotspotInteraction" | "selectPointInteraction" | "graphicOrderInteraction" | "positionObjectInteraction" => {
            "answering on an image"
        }
        "hottextInteraction" => "selecting words in the text",
        "sliderInteraction" => "a slider value",
        "uploadInteraction"
        | "drawingInteraction"
        | "mediaInteraction"
        | "customInteraction"
        | "portableCustomInteraction"
        | "endAttemptInteraction" => "no key kaoshi can grade",
        _ => "no kaoshi item type",
    };
    format!("`{name}` ({what}) has no kaoshi item type")
}

/// Reads one `assessmentItem` document.
pub fn read_item(file: &str, text: &str, meta: &ItemMeta) -> Harvest {
    let mut harvest = Harvest::default();
    let root = match xml::document(file, text, "assessmentItem", "an assessment item") {
        Ok(root) => root,
        Err(skipped) => {
            harvest.skipped.push(skipped);
            return harvest;
        }
    };
    let label = root.attr("identifier").or(root.attr("title")).unwrap_or("");
    let location = Location::new(file, Some(root.line)).labelled(label);
    match read_root(&root, meta, &location, &mut harvest) {
        Ok(mut draft) => {
            draft.source_id = meta.id.clone().or_else(|| root.attr("identifier").map(str::to_string));
            draft.point = meta.point.clone();
            draft.difficulty = meta.difficulty;
            draft.enemy_group = meta.enemy_group.clone();
            draft.status = meta.status.unwrap_or(Status::Active);
            harvest.drafts.push(draft);
        }
        Err(reason) => harvest.skip(location, reason),
    }
    harvest
}

fn read_root(root: &Element, meta: &ItemMeta, location: &Location, harvest: &mut Harvest) -> Result<Draft, String> {
    let body = root.child("itemBody").ok_or("no itemBody")?;
    let interactions: Vec<&Element> =
        body.descendants().into_iter().filter(|e| e.name.ends_with("Interaction")).collect();
    let interaction = match interactions.as_slice() {
        [] => return Err("no interaction: nothing for the candidate to answer".into()),
        [one] => *one,
        many => {
            let names: Vec<&str> = many.iter().map(|e| e.name.as_str()).collect();
            return Err(format!(
                "{} interactions in one item ({}); kaoshi items have one question each",
                many.len(),
                names.join(", ")
            ));
        }
    };
    let declaration = interaction
        .attr("responseIdentifier")
        .and_then(|id| root.children_named("responseDeclaration").find(|d| d.attr("identifier") == Some(id)));
    let mut skip: Vec<&str> = NOT_STEM.to_vec();
    skip.push(interaction.name.as_str());
    let mut stem = flatten(body, &skip);
    if let Some(prompt) = interaction.child("prompt") {
        let p = flatten(prompt, &[]);
        stem = join(stem, p);
    }
    harvest.note_media(location, &stem.media);
    if stem.text.is_empty() {
        return Err("the question text is empty".into());
    }
    let item_body = match interaction.name.as_str() {
        "choiceInteraction" => {
            let keep_single = meta.item_type == Some(ItemType::Single);
            choice(root, interaction, declaration, keep_single, location, harvest)?
        }
        "extendedTextInteraction" => extended_text(root, body, declaration, location, harvest),
        other => return Err(unsupported(other)),
    };
    Ok(Draft::new(location.clone(), stem.text, item_body))
}

fn join(a: Flat, b: Flat) -> Flat {
    let text = match (a.text.is_empty(), b.text.is_empty()) {
        (true, _) => b.text,
        (_, true) => a.text,
        _ => format!("{}\n{}", a.text, b.text),
    };
    Flat { text, media: a.media.into_iter().chain(b.media).collect() }
}

fn correct_values(declaration: Option<&Element>) -> Vec<String> {
    declaration
        .and_then(|d| d.child("correctResponse"))
        .map(|c| c.children_named("value").map(|v| v.raw_text().trim().to_string()).collect())
        .unwrap_or_default()
}

fn choice(
    root: &Element,
    interaction: &Element,
    declaration: Option<&Element>,
    keep_single: bool,
    location: &Location,
    harvest: &mut Harvest,
) -> Result<kaoshi_engine::bank::ItemBody, String> {
    let declaration = declaration.ok_or("no responseDeclaration for the choice interaction")?;
    let multiple = match declaration.attr("cardinality") {
        Some("single") => false,
        Some("multiple") => true,
        other => return Err(format!("cardinality `{}` of a choice is not single or multiple", other.unwrap_or(""))),
    };
    let choices: Vec<&Element> = interaction.children_named("simpleChoice").collect();
    let mut options = Vec::with_capacity(choices.len());
    for c in &choices {
        let flat = flatten(c, &NOT_STEM);
        harvest.note_media(location, &flat.media);
        options.push(flat.text);
    }
    let keys = correct_values(Some(declaration));
    if keys.is_empty() {
        let custom = root.child("responseProcessing").is_some_and(|rp| rp.attr("template").is_none());
        return Err(if custom {
            "no correctResponse: the key exists only in custom responseProcessing, which kaoshi does not run".into()
        } else {
            "no correctResponse: the item declares no key".into()
        });
    }
    let mut correct = Vec::with_capacity(keys.len());
    for key in &keys {
        match choices.iter().position(|c| c.attr("identifier") == Some(key.as_str())) {
            Some(i) => correct.push(i),
            None => return Err(format!("correctResponse `{key}` is not one of the choices")),
        }
    }
    correct.sort_unstable();
    correct.dedup();
    if declaration.child("mapping").is_some() {
        harvest.note(
            location.clone(),
            "the source's per-choice score mapping is not carried; kaoshi scores by the paper section's rule",
        );
    }
    if interaction.attr("shuffle") == Some("true") {
        let fixed: Vec<&str> =
            choices.iter().filter(|c| c.attr("fixed") == Some("true")).filter_map(|c| c.attr("identifier")).collect();
        if !fixed.is_empty() {
            harvest.note(
                location.clone(),
                format!(
                    "choice(s) {} are fixed in place in the source; kaoshi shuffles every option",
                    fixed.join(", ")
                ),
            );
        }
    }
    choice_body(options, &correct, multiple, keep_single)
}

fn extended_text(
    root: &Element,
    body: &Element,
    declaration: Option<&Element>,
    location: &Location,
    harvest: &mut Harvest,
) -> kaoshi_engine::bank::ItemBody {
    let scorer = body.descendants().into_iter().find(|e| {
        e.name == "rubricBlock" && e.attr("view").is_some_and(|v| v.split_whitespace().any(|v| v == "scorer"))
    });
    // kaoshi's own export writes the rubric as <li data-score="n">.
    let rubric: Option<Vec<RubricPoint>> = scorer.and_then(|s| {
        let points: Vec<RubricPoint> = s
            .descendants()
            .into_iter()
            .filter(|e| e.name == "li")
            .filter_map(|li| {
                let score = li.attr("data-score")?.parse::<f64>().ok()?;
                Some(RubricPoint { point: flatten(li, &[]).text, score })
            })
            .collect();
        (!points.is_empty()).then_some(points)
    });
    let scorer_text = scorer.map(|s| flatten(s, &[]).text).filter(|t| !t.is_empty());
    let reference = correct_values(declaration).into_iter().next().filter(|r| !r.is_empty());
    let max_score = max_score(root).or_else(|| scorer_text.as_deref().and_then(stated_max));
    let reference = match (reference, &rubric) {
        (Some(r), _) => Some(r),
        // A foreign scorer rubric is the best reference the marker can get.
        (None, None) => scorer_text.inspect(|_| {
            harvest.note(location.clone(), "no reference answer; the scorer rubric block is used as the reference");
        }),
        (None, Some(_)) => None,
    };
    short_body(harvest, location, reference, rubric, max_score)
}

/// The highest score: a MAXSCORE outcome's default, or SCORE's normalMaximum.
fn max_score(root: &Element) -> Option<f64> {
    let outcomes: Vec<&Element> = root.children_named("outcomeDeclaration").collect();
    let from_default = outcomes.iter().find(|o| o.attr("identifier") == Some("MAXSCORE")).and_then(|o| {
        o.child("defaultValue").and_then(|d| d.child("value")).and_then(|v| v.raw_text().trim().parse().ok())
    });
    let from_normal = outcomes
        .iter()
        .find(|o| o.attr("identifier") == Some("SCORE"))
        .and_then(|o| o.attr("normalMaximum"))
        .and_then(|v| v.parse().ok());
    from_default.or(from_normal).filter(|m: &f64| *m > 0.0 && m.is_finite())
}

/// "Max Score: 3.0 points" in a rubric text.
fn stated_max(text: &str) -> Option<f64> {
    // ASCII lowering keeps byte offsets, so `at` indexes `text` too.
    let lower = text.to_ascii_lowercase();
    let at = lower.find("max score").or_else(|| lower.find("maximum score")).or_else(|| text.find("满分"))?;
    let rest = &text[at..];
    let start = rest.find(|c: char| c.is_ascii_digit())?;
    let num: String = rest[start..].chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    num.parse().ok().filter(|m: &f64| *m > 0.0)
}

/// Reads kaoshi metadata (and LOM difficulty) from a manifest resource's `<metadata>`.
pub fn resource_meta(resource: &Element) -> ItemMeta {
    let mut meta = ItemMeta::default();
    let Some(md) = resource.child("metadata") else { return meta };
    if let Some(k) = md.descendants().into_iter().find(|e| e.name == "kaoshiItem") {
        meta.id = k.attr("id").map(str::to_string);
        meta.point = k.attr("point").map(str::to_string);
        meta.difficulty = k.attr("difficulty").and_then(|d| conventions::difficulty(d).ok());
        meta.enemy_group = k.attr("enemyGroup").map(str::to_string);
        meta.item_type = k.attr("type").and_then(ItemType::from_code);
        meta.status = match k.attr("status") {
            Some("retired") => Some(Status::Retired),
            Some("active") => Some(Status::Active),
            _ => None,
        };
    }
    if meta.difficulty.is_none() {
        let lom = md.descendants().into_iter().find(|e| e.name == "difficulty");
        let value = lom.and_then(|d| d.find("value")).map(|v| v.raw_text().trim().to_lowercase());
        meta.difficulty = value.and_then(|v| LOM_DIFFICULTY.iter().position(|w| *w == v)).map(|i| i as u8 + 1);
    }
    meta
}
