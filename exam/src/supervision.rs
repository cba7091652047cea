//! Quality supervision (质量督导): a supervisor assigned to a batch watches
//! the rooms (the live seat grid, read-only) and records what they find —
//! time, room, category, finding. Each finding stays open in the
//! rectification ledger (整改台账) until it is closed with what was done
//! (对账销号, 皖人社函〔2026〕169号 5(1): 督导记录完整准确…过往问题建立专门台账、对账销号，
//! 全部整改到位). The records are among the archive's papers (内部督导记录表,
//! 池人社发〔2024〕4号 第十六条).

use crate::error::{Code, Refusal};
use serde::{Deserialize, Serialize};

/// The categories a finding is filed under.
pub const CATEGORIES: [&str; 7] = ["考务组织", "考场纪律", "身份核验", "监考履职", "设备与环境", "阅卷评分", "其他"];

/// Places a finding may name besides the batch's rooms.
pub const WHOLE: [&str; 2] = ["全场", "阅卷场"];

/// Longest finding or action, characters.
pub const MAX_TEXT: usize = 2_000;

/// One supervision record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Number within the batch, from 1.
    pub no: u32,
    /// Batch.
    pub batch: String,
    /// When recorded (Unix ms).
    pub at: i64,
    /// Room (or 全场 / 阅卷场).
    pub room: String,
    /// One of [`CATEGORIES`].
    pub category: String,
    /// What was found, and the rectification asked for.
    pub finding: String,
    /// The supervisor.
    pub by: String,
    /// How it was closed, once it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<Closure>,
}

/// A finding closed (销号).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    /// When (Unix ms).
    pub at: i64,
    /// Who closed it.
    pub by: String,
    /// What was done.
    pub action: String,
}

fn refused(message: impl Into<String>) -> Refusal {
    Refusal::invalid(Code::FindingInvalid, message)
}

fn text(value: &str, what: &str) -> Result<String, Refusal> {
    let v = value.trim();
    if v.is_empty() {
        return Err(refused(format!("请填写{what}")));
    }
    if v.chars().count() > MAX_TEXT {
        return Err(refused(format!("{what}不能超过 {MAX_TEXT} 字")));
    }
    Ok(v.to_string())
}

/// A new finding, checked: the next number after `existing`.
pub fn new_finding(
    existing: &[Finding],
    batch: &str,
    at: i64,
    room: &str,
    category: &str,
    finding: &str,
    by: &str,
) -> Result<Finding, Refusal> {
    if !CATEGORIES.contains(&category.trim()) {
        return Err(refused(format!("督导类别“{category}”不在列表中（可用：{}）", CATEGORIES.join("、"))));
    }
    Ok(Finding {
        no: existing.iter().map(|f| f.no).max().unwrap_or(0) + 1,
        batch: batch.to_string(),
        at,
        room: text(room, "考场")?,
        category: category.trim().to_string(),
        finding: text(finding, "督导发现")?,
        by: by.to_string(),
        closed: None,
    })
}

/// Closes finding `no` with what was done.
pub fn close(findings: &mut [Finding], no: u32, at: i64, by: &str, action: &str) -> Result<Finding, Refusal> {
    let f = findings
        .iter_mut()
        .find(|f| f.no == no)
        .ok_or_else(|| Refusal::not_found(Code::FindingNotFound, format!("没有第 {no} 号督导记录")))?;
    if f.closed.is_some() {
        return Err(Refusal::conflict(Code::FindingClosed, format!("第 {no} 号督导记录已销号")));
    }
    f.closed = Some(Closure { at, by: by.to_string(), action: text(action, "整改情况")? });
    Ok(f.clone())
}

/// The records and the rectification ledger as one table (内部督导记录表及整改台账).
pub fn rows(findings: &[Finding]) -> Vec<Vec<String>> {
    let time = |ms: i64| crate::results::china_time(ms);
    let mut rows =
        vec![["批次", "序号", "时间", "考场", "类别", "督导发现", "督导员", "状态", "整改情况", "销号人", "销号时间"]
            .map(String::from)
            .to_vec()];
    for f in findings {
        let (state, action, by, at) = match &f.closed {
            Some(c) => ("已销号", c.action.clone(), c.by.clone(), time(c.at)),
            None => ("待整改", String::new(), String::new(), String::new()),
        };
        rows.push(vec![
            f.batch.clone(),
            f.no.to_string(),
            time(f.at),
            f.room.clone(),
            f.category.clone(),
            f.finding.clone(),
            f.by.clone(),
            state.to_string(),
            action,
            by,
            at,
        ]);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_is_checked_numbered_and_closed_once() {
        let mut all = Vec::new();
        let f = new_finding(&all, "b", 1_000, "第1考场", "考场纪律", "第3排考生交谈，监考员未制止", "s1").expect("ok");
        assert_eq!((f.no, f.closed.is_none()), (1, true));
        all.push(f);
        let e = new_finding(&all, "b", 1, "第1考场", "好", "x", "s1").expect_err("category");
        assert_eq!(e.code, Code::FindingInvalid);
        assert!(e.message.contains("督导类别“好”不在列表中"), "{e}");
        assert!(new_finding(&all, "b", 1, " ", "其他", "x", "s1").is_err(), "room needed");
        assert!(new_finding(&all, "b", 1, "1", "其他", &"长".repeat(MAX_TEXT + 1), "s1").is_err());
        all.push(new_finding(&all, "b", 2_000, "第2考场", "其他", "门未关", "s1").expect("second"));
        assert_eq!(all[1].no, 2);
        let e = close(&mut all, 1, 3_000, "admin", " ").expect_err("action needed");
        assert_eq!(e.message, "请填写整改情况");
        let c = close(&mut all, 1, 3_000, "admin", "已对监考员批评教育并调整座位").expect("closed");
        assert_eq!(c.closed.as_ref().map(|c| c.by.as_str()), Some("admin"));
        assert_eq!(close(&mut all, 1, 4_000, "admin", "again").expect_err("twice").code, Code::FindingClosed);
        assert_eq!(close(&mut all, 9, 4_000, "admin", "x").expect_err("missing").code, Code::FindingNotFound);
        let r = rows(&all);
        assert_eq!(
            (r[1][7].as_str(), r[1][8].as_str(), r[2][7].as_str()),
            ("已销号", "已对监考员批评教育并调整座位", "待整改")
        );
    }
}
