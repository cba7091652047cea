//! Identity documents on a roster: the 居民身份证 number checked in full
//! (GB 11643-1999: 18 characters, a real birth date, the ISO 7064 MOD 11-2
//! check character), other documents checked for form only.

use chrono::{Datelike, NaiveDate};

/// The document types a roster may name in `id_type`.
pub const TYPES: [&str; 6] = [
    "居民身份证",
    "护照",
    "港澳居民来往内地通行证",
    "台湾居民来往大陆通行证",
    "外国人永久居留身份证",
    "港澳台居民居住证",
];

/// The check character of the first 17 digits of a 居民身份证 number.
pub fn check_character(first17: &[u8]) -> Option<char> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    Some(b"10X98765432"[(sum % 11) as usize] as char)
}

/// A document number as stored: trimmed, a 居民身份证's check `x` upper-cased.
pub fn normalize(id_type: &str, number: &str) -> String {
    let n = number.trim();
    if id_type == TYPES[0] {
        n.to_ascii_uppercase()
    } else {
        n.to_string()
    }
}

/// A well-formed 居民身份证 number for test and demo rosters: the n-th of a
/// sequence (合肥市蜀山区, born from 1990-01-01 on, a day per thousand).
pub fn example_resident_id(n: u32) -> String {
    let born = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap_or_default() + chrono::Days::new(u64::from(n / 1000));
    let first17 = format!("340104{}{:03}", born.format("%Y%m%d"), n % 1000);
    let check = check_character(first17.as_bytes()).unwrap_or('0');
    format!("{first17}{check}")
}

/// The birth date in a 居民身份证 number.
pub fn birth_date(number: &str) -> Option<NaiveDate> {
    let d = number.get(6..14)?;
    NaiveDate::from_ymd_opt(d.get(0..4)?.parse().ok()?, d.get(4..6)?.parse().ok()?, d.get(6..8)?.parse().ok()?)
}

/// What is wrong with a document number, in the words a roster clerk reads;
/// `None` when it is well formed. `today` bounds a birth date.
pub fn problem(id_type: &str, number: &str, today: NaiveDate) -> Option<String> {
    let n = normalize(id_type, number);
    let form = |ok: bool, what: &str| (!ok).then(|| format!("{id_type}号码 `{n}` {what}"));
    match id_type {
        "居民身份证" => {
            let b = n.as_bytes();
            if b.len() != 18 {
                return Some(format!("居民身份证号码 `{n}` 应为 18 位（现为 {} 位）", n.chars().count()));
            }
            if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
                return Some(format!("居民身份证号码 `{n}` 前 17 位须为数字，末位为数字或 X"));
            }
            match birth_date(&n) {
                Some(d) if d <= today && d.year() >= 1900 => {}
                _ => return Some(format!("居民身份证号码 `{n}` 中的出生日期 {} 不是有效日期", &n[6..14])),
            }
            let want = check_character(&b[..17])?;
            (want != char::from(b[17])).then(|| format!("居民身份证号码 `{n}` 校验位应为 {want}，号码有误"))
        }
        "护照" => {
            form((5..=20).contains(&n.len()) && n.bytes().all(|c| c.is_ascii_alphanumeric()), "应为 5–20 位字母或数字")
        }
        "港澳居民来往内地通行证" => form(
            matches!(n.as_bytes().first(), Some(b'H' | b'M'))
                && matches!(n.len(), 9 | 11)
                && n.bytes().skip(1).all(|c| c.is_ascii_digit()),
            "应为 H 或 M 加 8 位或 10 位数字",
        ),
        "台湾居民来往大陆通行证" => {
            form(matches!(n.len(), 8 | 10) && n.bytes().all(|c| c.is_ascii_digit()), "应为 8 位或 10 位数字")
        }
        "外国人永久居留身份证" => form(
            matches!(n.len(), 15 | 18) && n.bytes().all(|c| c.is_ascii_alphanumeric()),
            "应为 15 位或 18 位字母或数字",
        ),
        "港澳台居民居住证" => form(
            n.len() == 18
                && n.bytes().take(17).all(|c| c.is_ascii_digit())
                && check_character(&n.as_bytes()[..17]) == n.chars().last(),
            "应为 18 位（编码规则同居民身份证）",
        ),
        other => Some(format!("证件类型“{other}”不认识（可用：{}）", TYPES.join("、"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap_or_default()
    }

    #[test]
    fn resident_id_numbers_are_checked_in_full() {
        // The standard's own example: 11010519491231002X.
        assert_eq!(problem("居民身份证", "11010519491231002X", today()), None);
        assert_eq!(problem("居民身份证", "11010519491231002x", today()), None, "a lower-case x is accepted");
        assert_eq!(normalize("居民身份证", " 11010519491231002x "), "11010519491231002X");
        let wrong = problem("居民身份证", "110105194912310021", today()).unwrap_or_default();
        assert!(wrong.contains("校验位应为 X"), "{wrong}");
        assert!(problem("居民身份证", "11010519491331002X", today()).is_some_and(|p| p.contains("出生日期")));
        assert!(problem("居民身份证", "11010520300101002X", today()).is_some(), "born in the future");
        assert!(problem("居民身份证", "1101051949123100", today()).is_some_and(|p| p.contains("18 位")));
        assert!(problem("居民身份证", "ID000001", today()).is_some());
    }

    #[test]
    fn example_numbers_are_well_formed_and_distinct() {
        let ids: std::collections::HashSet<String> = (0..5000).map(example_resident_id).collect();
        assert_eq!(ids.len(), 5000);
        assert!(ids.iter().all(|id| problem("居民身份证", id, today()).is_none()));
    }

    #[test]
    fn other_documents_are_checked_for_form() {
        assert_eq!(problem("护照", "E12345678", today()), None);
        assert_eq!(problem("港澳居民来往内地通行证", "H12345678", today()), None);
        assert!(problem("港澳居民来往内地通行证", "X12345678", today()).is_some());
        assert_eq!(problem("台湾居民来往大陆通行证", "12345678", today()), None);
        assert!(problem("驾驶证", "1234", today()).is_some_and(|p| p.contains("不认识")));
    }
}
