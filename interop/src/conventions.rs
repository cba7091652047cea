//! How Chinese question-bank templates (and their English cousins) write
//! types, keys and difficulty: `单选题`, `√`/`×`, `对`/`错`, `A,C,D`, `ACD`,
//! `较难`. One place so every reader understands the same spellings.

use kaoshi_engine::bank::{ItemType, RubricPoint};

/// Folds full-width ASCII (`ＡＣＤ`, `，`) to half-width and trims.
pub fn half_width(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Reads an item type as templates write it.
pub fn item_type(s: &str) -> Option<ItemType> {
    let t = half_width(s).to_lowercase();
    let t = t.trim_end_matches('题');
    match t {
        "判断" | "是非" | "对错" | "judge" | "tf" | "truefalse" | "true/false" | "true-false" => {
            Some(ItemType::Judge)
        }
        "单选" | "单项选择" | "单项" | "单择" | "single" | "single choice" | "radio" => {
            Some(ItemType::Single)
        }
        "多选" | "多项选择" | "多项" | "不定项选择" | "multiple" | "multiple choice" | "multi" | "checkbox" => {
            Some(ItemType::Multiple)
        }
        "简答" | "问答" | "论述" | "主观" | "short" | "essay" | "short answer" => Some(ItemType::Short),
        _ => None,
    }
}

/// The spellings [`item_type`] understands, for error messages.
pub const TYPE_SPELLINGS: &str = "判断题, 单选题, 多选题, 简答题 (or judge, single, multiple, short)";

/// Reads a true/false key: `√ ✓ 对 正确 是 T TRUE Y 1` or `× ✗ 错 错误 否 F FALSE N 0`.
pub fn judge_answer(s: &str) -> Option<bool> {
    let a = half_width(s).to_lowercase();
    match a.as_str() {
        "√" | "✓" | "✔" | "对" | "正确" | "是" | "t" | "true" | "y" | "yes" | "1" | "a" => Some(true),
        "×" | "✗" | "✘" | "x" | "错" | "错误" | "否" | "f" | "false" | "n" | "no" | "0" | "b" => Some(false),
        _ => None,
    }
}

/// Whether an option text says "true" (`Some(true)`), "false" (`Some(false)`) or neither.
pub fn truth_word(s: &str) -> Option<bool> {
    let a = half_width(s).to_lowercase();
    let a = a.trim_end_matches(['.', '。']);
    match a {
        "√" | "✓" | "对" | "正确" | "true" | "t" | "yes" => Some(true),
        "×" | "✗" | "错" | "错误" | "false" | "f" | "no" => Some(false),
        _ => None,
    }
}

/// Reads option letters (`A,C,D`, `ACD`, `A、C、D`, `a c d`, `ＡＣＤ`) into a
/// bitmask over `n` options; the reason when they cannot be read.
pub fn letters(s: &str, n: usize) -> Result<u8, String> {
    let mut mask = 0u8;
    let text = half_width(s).to_uppercase();
    if text.is_empty() {
        return Err("the answer is empty".into());
    }
    for c in text.chars() {
        match c {
            'A'..='H' => {
                let i = c as u8 - b'A';
                if usize::from(i) >= n {
                    let last = char::from_u32('A' as u32 + n.clamp(1, 26) as u32 - 1).unwrap_or('?');
                    return Err(format!("answer `{s}` names option {c}, but the item has {n} options (A–{last})"));
                }
                if mask & (1 << i) != 0 {
                    return Err(format!("answer `{s}` names option {c} twice"));
                }
                mask |= 1 << i;
            }
            ',' | '、' | ';' | ' ' | '/' | '|' | '+' | '，' | '；' | '.' | '。' => {}
            other => return Err(format!("answer `{s}`: `{other}` is not an option letter")),
        }
    }
    Ok(mask)
}

/// Reads a difficulty: `1`–`5`, or `易 较易 中 较难 难` (also `容易 中等 一般 困难`).
pub fn difficulty(s: &str) -> Result<u8, String> {
    let d = half_width(s);
    if let Ok(n) = d.parse::<f64>() {
        if n.fract() == 0.0 && (1.0..=5.0).contains(&n) {
            return Ok(n as u8);
        }
        return Err(format!("difficulty `{s}` is not 1–5"));
    }
    match d.as_str() {
        "易" | "容易" | "简单" | "很容易" | "easy" | "very easy" => Ok(1),
        "较易" | "较容易" | "较简单" => Ok(2),
        "中" | "中等" | "一般" | "适中" | "medium" => Ok(3),
        "较难" | "较困难" | "difficult" => Ok(4),
        "难" | "困难" | "很难" | "hard" | "very difficult" => Ok(5),
        _ => Err(format!("difficulty `{s}` is not 1–5 nor one of 易, 较易, 中, 较难, 难")),
    }
}

/// LOM `educational/difficulty` words, easiest first (also used on export).
pub const LOM_DIFFICULTY: [&str; 5] = ["very easy", "easy", "medium", "difficult", "very difficult"];

/// Reads a scoring rubric written as `要点一(4分)；要点二(6分)` or
/// `point: 4` lines; `None` when a segment carries no score.
pub fn rubric(s: &str) -> Option<Vec<RubricPoint>> {
    let mut points = Vec::new();
    for seg in s.split(['；', ';', '\n']).map(str::trim).filter(|x| !x.is_empty()) {
        let seg = half_width(seg);
        let (text, score) = split_score(&seg)?;
        points.push(RubricPoint { point: text, score });
    }
    (!points.is_empty()).then_some(points)
}

fn split_score(seg: &str) -> Option<(String, f64)> {
    let body = seg.trim_end_matches(['。', '.']);
    // "text(4分)" / "text(4)" / "text 4分"
    let (head, tail) = if let Some(open) = body.rfind('(') {
        let inner = body[open + 1..].trim_end_matches(')');
        (body[..open].trim(), inner)
    } else if let Some((head, tail)) = body.rsplit_once([':', '：']) {
        (head.trim(), tail.trim())
    } else {
        let cut = body.trim_end_matches('分').trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
        (cut.trim(), &body[cut.len()..])
    };
    let score: f64 = tail.trim().trim_end_matches('分').trim_end_matches("points").trim().parse().ok()?;
    (score > 0.0 && score.is_finite() && !head.is_empty()).then(|| (head.to_string(), score))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_conventions() {
        for (s, v) in [("√", true), ("×", false), ("对", true), ("错", false), ("正确", true), ("F", false)] {
            assert_eq!(judge_answer(s), Some(v), "{s}");
        }
        assert_eq!(judge_answer("maybe"), None);
        assert_eq!(letters("A,C,D", 4), Ok(0b1101));
        assert_eq!(letters("ACD", 4), Ok(0b1101));
        assert_eq!(letters("ＡＣＤ", 5), Ok(0b1101));
        assert_eq!(letters("c、a", 4), Ok(0b101));
        assert_eq!(letters("B.", 4), Ok(0b10));
        assert!(letters("AE", 4).expect_err("out of range").contains("4 options (A–D)"));
        assert!(letters("AA", 4).expect_err("repeat").contains("twice"));
        assert!(letters("A?", 4).is_err());
    }

    #[test]
    fn types_difficulty_rubric() {
        assert_eq!(item_type("单项选择题"), Some(ItemType::Single));
        assert_eq!(item_type("多选"), Some(ItemType::Multiple));
        assert_eq!(item_type("判断题"), Some(ItemType::Judge));
        assert_eq!(item_type("简答题"), Some(ItemType::Short));
        assert_eq!(item_type("填空题"), None);
        assert_eq!(difficulty("较难"), Ok(4));
        assert_eq!(difficulty("3"), Ok(3));
        assert_eq!(difficulty("3.0"), Ok(3));
        assert!(difficulty("0.35").is_err());
        assert_eq!(rubric("要点：3分").map(|r| r[0].score), Some(3.0));
        let r = rubric("说出原因(4分)；给出措施（6分）").expect("rubric");
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].point.as_str(), r[0].score, r[1].score), ("说出原因", 4.0, 6.0));
        assert_eq!(rubric("no score here"), None);
    }
}
