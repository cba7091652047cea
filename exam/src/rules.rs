//! The exam rules (考生须知) a candidate reads and acknowledges before the
//! paper opens: the organisation must tell candidates the room rules and
//! how violations are handled before the exam (皖人社函〔2026〕169号 4(3)). The
//! acknowledgement is logged with the version of the text shown, so a
//! later change of wording is visible on the log.

/// The rules, one per line, as the seat page shows them.
pub const EXAM_RULES: [&str; 7] = [
    "考生凭准考证和有效身份证件参加考试，在指定考场、指定座位就座，接受监考员的身份核验。",
    "除必要文具外，不得携带手机、智能手表、耳机等电子设备和书籍资料进入考场；已带入的须关机后放在指定位置。",
    "考试期间保持安静，不得交头接耳、左顾右盼、传递物品，不得抄袭他人答案或协助他人作弊。",
    "不得擅自关闭、重启计算机或退出考试页面，不得使用与考试无关的软件；计算机或网络出现故障，请举手示意监考员，不要自行处理，已保存的答案不会丢失。",
    "答案在作答后自动保存，页面顶部显示保存状态和剩余时间；考试时间到，系统自动交卷。",
    "交卷后不能再修改答案；请在交卷前检查未作答和已标记的题目。",
    "违反考场规则的，由监考员记入考场记录，并视情节给予警告、暂停考试、终止考试或取消本次考试成绩等处理；替考、使用作弊器材等严重违纪的，按有关规定处理。",
];

/// The version of [`EXAM_RULES`]: a hash of the text, logged with each acknowledgement.
pub fn version() -> String {
    let text = EXAM_RULES.join("\n");
    hex::encode(&blake3::derive_key("kaoshi exam rules v1", text.as_bytes())[..8])
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_version_names_the_text() {
        let v = super::version();
        assert_eq!(v.len(), 16);
        assert_eq!(v, super::version(), "the same text, the same version");
        let other = hex::encode(&blake3::derive_key("kaoshi exam rules v1", "别的须知".as_bytes())[..8]);
        assert_ne!(v, other);
    }
}
