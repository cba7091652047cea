//! The demo: the electrician sample bank embedded in the binary and a
//! roster of 30 candidates in one room.

use crate::batch::RosterLine;
use crate::error::{ExamError, Result};
use kaoshi_engine::bank::{parse_source, SourceFiles};
use kaoshi_engine::BankSource;
use rand::RngCore;

/// The demo batch's id.
pub const DEMO_BATCH: &str = "demo";

/// The electrician sample bank (`question-banks/electrician-4`), embedded.
pub fn sample_bank() -> Result<BankSource> {
    parse_source(SourceFiles {
        bank_toml: include_str!("../../question-banks/electrician-4/bank.toml"),
        paper_toml: Some(include_str!("../../question-banks/electrician-4/paper.toml")),
        items_jsonl: include_str!("../../question-banks/electrician-4/items.jsonl"),
    })
    .map_err(|e| ExamError::Internal(format!("embedded sample bank: {e}")))
}

/// Thirty candidates of three organisations in 第1考场 with random identity numbers.
pub fn roster() -> Vec<RosterLine> {
    const NAMES: [&str; 30] = [
        "王伟", "李娜", "张敏", "刘洋", "陈静", "杨磊", "赵丽", "黄强", "周杰", "吴芳", "徐涛", "孙燕", "马超", "朱琳",
        "胡斌", "郭敏", "何勇", "高洁", "林峰", "罗欣", "郑浩", "梁雪", "谢军", "宋佳", "唐亮", "许婷", "韩冰", "冯刚",
        "邓莉", "曹阳",
    ];
    const ORGS: [&str; 3] = ["合肥供电维修公司", "芜湖机电安装公司", "安庆建设集团"];
    NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| RosterLine {
            ticket: format!("2026112300{:03}", i + 1),
            id_number: random_resident_id(),
            id_type: crate::seat::default_id_type(),
            name: (*name).to_string(),
            organisation: ORGS[i % ORGS.len()].to_string(),
            room: "第1考场".to_string(),
            seat: format!("{:02}", i + 1),
            extra_time: String::new(),
            review: Default::default(),
        })
        .collect()
}

/// A random, well-formed 居民身份证 number (合肥市蜀山区, born in the 1990s).
pub fn random_resident_id() -> String {
    let mut r = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut r);
    let date = format!("199{}{:02}{:02}", r[0] % 10, 1 + r[1] % 12, 1 + r[2] % 28);
    let serial = format!("{:03}", u16::from_le_bytes([r[3], r[4]]) % 1000);
    let first17 = format!("340104{date}{serial}");
    let check = crate::identity::check_character(first17.as_bytes()).unwrap_or('0');
    format!("{first17}{check}")
}

/// A random password of `len` characters (no look-alike letters).
pub fn random_password(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = vec![0u8; len];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect()
}
