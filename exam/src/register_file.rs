//! The organisation's register files (organisation, scope, rooms, staff):
//! each optional in the data directory.

use std::path::Path;

/// Reads and parses an optional register file: `None` when it is absent;
/// otherwise the parse's own message, or the read error naming the file.
pub fn read_optional<T>(file: &Path, parse: impl Fn(&str, &str) -> Result<T, String>) -> Result<Option<T>, String> {
    match std::fs::read_to_string(file) {
        Ok(text) => parse(&file.display().to_string(), &text).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Err(not_utf8(file)),
        Err(e) => Err(format!("{}：{e}", file.display())),
    }
}

/// A register file in another encoding than UTF-8 (saved as GBK, say).
pub fn not_utf8(file: &Path) -> String {
    format!("{}：文件不是 UTF-8 编码，请用文本编辑器另存为 UTF-8", file.display())
}

/// Parses a register's TOML, or says in Chinese what is wrong and on which
/// line: `rooms.toml：格式错误：第 6 行：类型不对：…`.
pub fn parse_toml<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let at = line.map(|l| format!("第 {l} 行：")).unwrap_or_default();
        format!("{file}：格式错误：{at}{}", in_chinese(e.message()))
    })
}

/// The usual TOML and serde messages in Chinese; anything else as it is.
fn in_chinese(message: &str) -> String {
    let words = |s: &str| {
        [
            ("u32", "非负整数"),
            ("u64", "非负整数"),
            ("a string", "带引号的文本"),
            ("a boolean", "true 或 false"),
            ("a sequence", "列表 [ … ]"),
            ("a date", "日期"),
            ("integer", "整数"),
            ("string", "文本"),
            ("boolean", "true 或 false"),
            ("array", "列表"),
            ("table", "表"),
            ("YYYY-MM-DD", "YYYY-MM-DD"),
        ]
        .iter()
        .fold(s.to_string(), |acc, (en, zh)| acc.replace(en, zh))
    };
    let m = message.trim();
    if let Some(rest) = m.strip_prefix("invalid type: ") {
        return format!("类型不对：{}", words(&rest.replacen(", expected ", "，应为 ", 1)).replace("map", "表"));
    }
    if let Some(rest) = m.strip_prefix("invalid value: ") {
        return format!("取值无效：{}", words(&rest.replacen(", expected ", "，应为 ", 1)));
    }
    if m.contains("must be quoted") {
        return "文本须加引号（如 name = \"第1考场\"）".to_string();
    }
    if let Some(rest) = m.strip_prefix("missing field ") {
        return format!("缺少字段 {rest}");
    }
    if let Some(rest) = m.strip_prefix("unknown field ") {
        return format!("不认识的字段 {}", rest.replacen(", expected ", "，可用：", 1).replace("one of ", ""));
    }
    if let Some(rest) = m.strip_prefix("unknown variant ") {
        let (value, allowed) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return format!("取值 {value} 无效，可用：{}", allowed.replace("one of ", ""));
    }
    if m.starts_with("duplicate key") {
        return format!("键重复（{m}）");
    }
    if m.contains("a formatted date") {
        return "日期须写成带引号的 \"YYYY-MM-DD\"（如 \"2027-12-31\"）".to_string();
    }
    if m.contains("out of range") {
        return "日期不存在或数值超出范围".to_string();
    }
    if m.starts_with("input contains invalid characters") || m.contains("premature end of input") {
        return "日期无效（应为 \"YYYY-MM-DD\"，如 \"2027-12-31\"）".to_string();
    }
    format!("TOML 语法有误，请对照示例检查这一行（{m}）")
}

#[cfg(test)]
mod tests {
    use super::parse_toml;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Room {
        name: String,
        seats: u32,
    }

    #[test]
    fn toml_errors_are_told_in_chinese_with_the_line() {
        let e = parse_toml::<Room>("rooms.toml", "name = \"1\"\nseats = \"一百\"\n").expect_err("type");
        assert_eq!(e, "rooms.toml：格式错误：第 2 行：类型不对：文本 \"一百\"，应为 非负整数");
        let e = parse_toml::<Room>("rooms.toml", "name = \"1\"\n").expect_err("missing");
        assert!(e.contains("缺少字段 `seats`"), "{e}");
        let e = parse_toml::<Room>("rooms.toml", "name = \"1\"\nseats = 3\nsite = 1\n").expect_err("unknown");
        assert!(e.contains("第 3 行：不认识的字段 `site`"), "{e}");
        let e = parse_toml::<Room>("rooms.toml", "[room\n").expect_err("syntax");
        assert!(e.starts_with("rooms.toml：格式错误：第 1 行：TOML 语法有误"), "{e}");
        let e = parse_toml::<Room>("rooms.toml", "name = 第1考场\nseats = 3\n").expect_err("unquoted");
        assert_eq!(e, "rooms.toml：格式错误：第 1 行：文本须加引号（如 name = \"第1考场\"）");
        let e = parse_toml::<Room>("rooms.toml", "name = \"1\"\nseats = -3\n").expect_err("negative");
        assert!(e.contains("第 2 行：取值无效：整数 `-3`，应为 非负整数"), "{e}");
    }
}
