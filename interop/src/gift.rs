//! GIFT, Moodle's plain-text question format: `::name:: text {answers}`,
//! questions separated by blank lines, `//` comments, `$CATEGORY:` lines,
//! `\` escaping `~ = # { } :`.

use crate::draft::{choice_body, short_body, Draft, Harvest, Location};
use crate::text::flatten_html;
use kaoshi_engine::bank::ItemBody;

/// One question's raw text and the line it starts on.
struct Block {
    line: usize,
    text: String,
    category: Option<String>,
}

/// Reads a GIFT file.
pub fn read_gift(file: &str, text: &str) -> Harvest {
    let mut harvest = Harvest::default();
    for block in blocks(text) {
        let location = Location::new(file, Some(block.line));
        match question(&block, &location, &mut harvest) {
            Ok(Some(draft)) => harvest.drafts.push(draft),
            Ok(None) => {}
            Err((location, reason)) => harvest.skip(location, reason),
        }
    }
    harvest
}

/// Splits into questions: blank lines separate them, except inside `{…}`.
fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut category: Option<String> = None;
    let mut current: Option<Block> = None;
    let mut depth = 0usize;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_start_matches('\u{feff}');
        let trimmed = line.trim();
        if depth == 0 && trimmed.starts_with("//") {
            continue;
        }
        if depth == 0 && trimmed.is_empty() {
            if let Some(b) = current.take() {
                out.push(b);
            }
            continue;
        }
        if depth == 0 && current.is_none() {
            if let Some(cat) = trimmed.strip_prefix("$CATEGORY:") {
                category = Some(cat.trim().to_string());
                continue;
            }
        }
        let block =
            current.get_or_insert_with(|| Block { line: i + 1, text: String::new(), category: category.clone() });
        if !block.text.is_empty() {
            block.text.push('\n');
        }
        block.text.push_str(line);
        depth = brace_depth(&block.text);
    }
    out.extend(current);
    out
}

/// Unclosed `{` count, escapes respected.
fn brace_depth(s: &str) -> usize {
    let mut depth = 0usize;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    depth
}

/// Position of the first unescaped `c` at or after `from`.
fn find_unescaped(s: &str, c: char, from: usize) -> Option<usize> {
    let mut escaped = false;
    for (i, ch) in s[from..].char_indices() {
        if escaped {
            escaped = false;
        } else if ch == '\\' {
            escaped = true;
        } else if ch == c {
            return Some(from + i);
        }
    }
    None
}

/// Resolves GIFT escapes.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some(next) => out.push(next),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Drops a leading `[html]`/`[plain]`/`[markdown]`/`[moodle]` and flattens.
fn rich(s: &str, location: &Location, harvest: &mut Harvest) -> String {
    let s = s.trim();
    let (format, body) = match s.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((f @ ("html" | "plain" | "markdown" | "moodle"), rest)) => (f, rest),
        _ => ("moodle", s),
    };
    let text = unescape(body);
    if format == "html" || format == "moodle" {
        let flat = flatten_html(&text);
        harvest.note_media(location, &flat.media);
        flat.text
    } else {
        text.trim().to_string()
    }
}

type Fail = (Location, String);

fn question(block: &Block, location: &Location, harvest: &mut Harvest) -> Result<Option<Draft>, Fail> {
    let mut text = block.text.trim();
    let mut location = location.clone();
    if let Some(rest) = text.strip_prefix("::") {
        if let Some(end) = find_unescaped(rest, ':', 0).filter(|&e| rest[e..].starts_with("::")) {
            location = location.labelled(unescape(&rest[..end]));
            text = rest[end + 2..].trim_start();
        }
    }
    let fail = |reason: &str| Err((location.clone(), reason.to_string()));
    let Some(open) = find_unescaped(text, '{', 0) else {
        return fail("a description (text without an answer block) is not a question");
    };
    let Some(close) = find_unescaped(text, '}', open) else {
        return fail("the answer block `{` is never closed");
    };
    let before = &text[..open];
    let answers = text[open + 1..close].trim();
    let after = text[close + 1..].trim();
    // "Grant is {…} in Grant's tomb." — a missing-word question: the blank stays in the stem.
    let stem_raw = if after.is_empty() {
        before.to_string()
    } else {
        let gap = if after.starts_with(|c: char| c.is_alphanumeric()) { " " } else { "" };
        format!("{} ____{gap}{after}", before.trim_end())
    };
    let stem = rich(&stem_raw, &location, harvest);
    let body = match answer_block(answers, &location, harvest) {
        Ok(body) => body,
        Err(reason) => return Err((location, reason)),
    };
    if stem.is_empty() {
        return fail("the question text is empty");
    }
    let mut draft = Draft::new(location, stem, body);
    if let Some(cat) = &block.category {
        let (module, point) = crate::moodle::split_category(cat);
        draft.module = module;
        draft.point = Some(point);
    }
    Ok(Some(draft))
}

/// One `=`/`~` answer: its credit (100 for `=`), text, feedback dropped.
struct Answer {
    credit: f64,
    text: String,
    right: bool,
}

fn answer_block(block: &str, location: &Location, harvest: &mut Harvest) -> Result<ItemBody, String> {
    let without_feedback = match find_unescaped(block, '#', 0) {
        Some(i) if !block.starts_with('#') => block[..i].trim(),
        _ => block,
    };
    match without_feedback.trim() {
        "" if block.is_empty() => {
            return Ok(short_body(harvest, location, None, None, None));
        }
        "T" | "TRUE" => return Ok(ItemBody::Judge { answer: true }),
        "F" | "FALSE" => return Ok(ItemBody::Judge { answer: false }),
        _ => {}
    }
    if block.starts_with('#') {
        return Err("numerical (a typed number) has no kaoshi item type".into());
    }
    let answers = split_answers(block)?;
    if answers.iter().any(|a| a.text.contains("->")) {
        return Err("matching has no kaoshi item type".into());
    }
    if answers.iter().all(|a| a.right) {
        return Err("short answer (typed text matched against accepted answers) has no kaoshi item type".into());
    }
    let full: Vec<usize> = answers.iter().enumerate().filter(|(_, a)| a.credit >= 100.0).map(|(i, _)| i).collect();
    let partial: Vec<usize> = answers.iter().enumerate().filter(|(_, a)| a.credit > 0.0).map(|(i, _)| i).collect();
    let options: Vec<String> = answers.iter().map(|a| rich(&a.text, location, harvest)).collect();
    if full.len() == 1 {
        if partial.len() > 1 {
            harvest
                .note(location.clone(), "partial credit for wrong options is not carried; the `=` answer is the key");
        }
        choice_body(options, &full, false, false)
    } else if full.is_empty() && partial.len() >= 2 {
        let credits: Vec<f64> = partial.iter().map(|&i| answers[i].credit).collect();
        if credits.windows(2).any(|w| (w[0] - w[1]).abs() > 0.01) {
            harvest.note(
                location.clone(),
                "correct answers carry unequal credit in the source; kaoshi scores by the paper section's rule",
            );
        }
        choice_body(options, &partial, true, false)
    } else if full.len() > 1 {
        Err(format!("{} answers earn full marks: neither a single-choice key nor a multiple-response key", full.len()))
    } else {
        Err("no answer earns credit: the question has no key".into())
    }
}

fn split_answers(block: &str) -> Result<Vec<Answer>, String> {
    let mut starts = Vec::new();
    let mut escaped = false;
    for (i, c) in block.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '=' || c == '~' {
            starts.push(i);
        }
    }
    if starts.first() != Some(&0) && !block[..starts.first().copied().unwrap_or(block.len())].trim().is_empty() {
        return Err(format!("cannot read the answer block `{}`", block.trim()));
    }
    let mut answers = Vec::with_capacity(starts.len());
    for (k, &s) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(block.len());
        let right = block[s..].starts_with('=');
        let mut body = block[s + 1..end].trim();
        let mut credit = if right { 100.0 } else { 0.0 };
        if let Some(rest) = body.strip_prefix('%') {
            let (pct, rest) = rest.split_once('%').ok_or_else(|| format!("unclosed credit in `{body}`"))?;
            credit = pct.trim().parse().map_err(|_| format!("credit `%{pct}%` is not a number"))?;
            body = rest.trim();
        }
        let text = match find_unescaped(body, '#', 0) {
            Some(i) => body[..i].trim(),
            None => body,
        };
        answers.push(Answer { credit, text: text.to_string(), right });
    }
    Ok(answers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Harvest {
        read_gift("t.gift", text)
    }

    #[test]
    fn types() {
        let h = one("::Q1::Grant is buried in Grant's tomb.{F}\n\nWho?{~Grant ~Jefferson =no one}\n\n::E:: Essay {}\n");
        assert_eq!(h.drafts.len(), 3, "{:?}", h.skipped);
        assert_eq!(h.drafts[0].body, ItemBody::Judge { answer: false });
        assert_eq!(h.drafts[0].location.label.as_deref(), Some("Q1"));
        assert!(matches!(h.drafts[1].body, ItemBody::Single { answer: 2, .. }));
        assert!(matches!(h.drafts[2].body, ItemBody::Short { .. }));
        let h = one("Two? {~%50%Grant ~%50%Grant's wife ~%-50%No one}");
        assert!(matches!(h.drafts[0].body, ItemBody::Multiple { answer: 0b011, .. }), "{:?}", h);
        let h = one("Which answer equals 5? {\n ~ \\= 2 + 2\n = \\= 2 + 3\n ~ \\= 2 + 4 }");
        assert_eq!(
            h.drafts[0].body.clone(),
            ItemBody::Single { options: vec!["= 2 + 2".into(), "= 2 + 3".into(), "= 2 + 4".into()], answer: 1 }
        );
    }

    #[test]
    fn skipped_with_reasons() {
        let h = one("When? {#1822:1}\n\nMatch {=a -> b =c -> d}\n\nWho? {=no one =nobody}\n\nJust text\n");
        let reasons: Vec<&str> = h.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(reasons.len(), 4);
        assert!(
            reasons[0].contains("numerical") && reasons[1].contains("matching") && reasons[2].contains("short answer")
        );
        assert!(reasons[3].contains("description"));
        assert_eq!(h.skipped[1].location.line, Some(3));
    }
}
