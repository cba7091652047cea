//! Eligibility review (资格审核): what a candidate declared on applying —
//! document, occupation and level, the condition met (years of work, a
//! previous certificate) — and the organisation's review of it with the
//! reviewer (鲁人社字〔2022〕93号 附件3 3.2: 严格…审核考生报名条件). A candidate not
//! approved cannot log in. The registration summary (报名汇总表) and the
//! review form (申报审核表) are among the archive's papers (池人社发〔2024〕4号 第十六条).
//!
//! A roster without the review columns counts as reviewed and approved by
//! whoever created the batch; the batch's log says so.

use serde::{Deserialize, Serialize};

/// The review's outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 通过.
    #[default]
    Approved,
    /// 不通过.
    Rejected,
    /// 待审: not reviewed yet.
    Pending,
}

impl Outcome {
    /// Reads a roster cell: 通过/approved, 不通过/rejected, 待审/pending (or empty).
    pub fn parse(cell: &str) -> Option<Outcome> {
        match cell.trim() {
            "通过" | "审核通过" | "approved" => Some(Outcome::Approved),
            "不通过" | "审核不通过" | "rejected" => Some(Outcome::Rejected),
            "" | "待审" | "待审核" | "pending" => Some(Outcome::Pending),
            _ => None,
        }
    }

    /// The Chinese word.
    pub fn name_zh(self) -> &'static str {
        match self {
            Outcome::Approved => "通过",
            Outcome::Rejected => "不通过",
            Outcome::Pending => "待审",
        }
    }
}

/// What the candidate declared and how it was reviewed. The default is a
/// roster line without review columns: approved by the batch's creator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// Declared occupation code (申报职业); empty: the batch's.
    #[serde(default)]
    pub declared_occupation: String,
    /// Declared level code (申报等级); empty: the batch's.
    #[serde(default)]
    pub declared_level: String,
    /// The condition met (申报条件), as the application states it.
    #[serde(default)]
    pub condition: String,
    /// The review's outcome.
    #[serde(default)]
    pub outcome: Outcome,
    /// Who reviewed it (审核人).
    #[serde(default)]
    pub reviewer: String,
    /// Whether the roster had no review columns (approved by the batch's creator).
    #[serde(default)]
    pub implicit: bool,
}

impl Default for Review {
    fn default() -> Review {
        Review {
            declared_occupation: String::new(),
            declared_level: String::new(),
            condition: String::new(),
            outcome: Outcome::Approved,
            reviewer: String::new(),
            implicit: true,
        }
    }
}

/// The roster's eligibility columns, in the order the README lists them.
pub const COLUMNS: [&str; 5] = ["declared_occupation", "declared_level", "condition", "review", "reviewer"];

impl Review {
    /// A review from a roster line's cells; `has_review` says whether the
    /// roster has a `review` column at all. The error names the cell.
    pub fn from_cells(cells: [&str; 5], has_review: bool) -> Result<Review, String> {
        let [occupation, level, condition, review, reviewer] = cells.map(str::trim);
        let outcome = if has_review {
            Outcome::parse(review)
                .ok_or_else(|| format!("审核结果（review）“{review}”无效：应为 通过、不通过 或 待审"))?
        } else {
            Outcome::Approved
        };
        if !level.is_empty() && kaoshi_engine::bank::Level::from_code(level).is_none() {
            return Err(format!("申报等级（declared_level）“{level}”无效（应为 5、4、3、2、1 等等级代码）"));
        }
        if has_review && outcome != Outcome::Pending && reviewer.is_empty() {
            return Err(format!("审核结果为“{}”，但没有填写审核人（reviewer）", outcome.name_zh()));
        }
        Ok(Review {
            declared_occupation: occupation.to_string(),
            declared_level: level.to_string(),
            condition: condition.to_string(),
            outcome,
            reviewer: reviewer.to_string(),
            implicit: !has_review,
        })
    }

    /// Why a declaration does not fit the batch (its occupation's code and
    /// name — a roster may write either — and its level code).
    pub fn mismatch(&self, occupation_code: &str, occupation: &str, level: &str) -> Option<String> {
        let declared = self.declared_occupation.as_str();
        if !declared.is_empty() && declared != occupation_code && declared != occupation {
            return Some(format!("申报职业“{declared}”与本批次的 {occupation}（{occupation_code}）不符"));
        }
        if !self.declared_level.is_empty() && self.declared_level != level {
            return Some(format!(
                "申报等级{}与本批次的{}不符",
                crate::scope::level_zh(&self.declared_level),
                crate::scope::level_zh(level)
            ));
        }
        None
    }
}

/// The note an under-16 candidate carries to the certificate upload.
pub const UNDER_SIXTEEN: &str = "未满16周岁，证书数据不能上传（鲁人社字〔2022〕93号 3.8）";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_cells_are_read_and_checked() {
        let r = Review::from_cells(["4-07-05-04", "4", "从事本职业4年", "通过", "张审核"], true).expect("review");
        assert_eq!((r.outcome, r.reviewer.as_str(), r.implicit), (Outcome::Approved, "张审核", false));
        assert_eq!(r.mismatch("4-07-05-04", "养老护理员", "4"), None);
        assert_eq!(
            r.mismatch("4-07-05-04", "养老护理员", "3").as_deref(),
            Some("申报等级四级/中级工与本批次的三级/高级工不符")
        );
        let e = r.mismatch("6-31-01-03", "电工", "4").expect("occupation");
        assert_eq!(e, "申报职业“4-07-05-04”与本批次的 电工（6-31-01-03）不符");
        let by_name = Review { declared_occupation: "电工".into(), ..Review::default() };
        assert_eq!(by_name.mismatch("6-31-01-03", "电工", "4"), None, "the name is as good as the code");
        let pending = Review::from_cells(["", "", "", "", ""], true).expect("pending");
        assert_eq!(pending.outcome, Outcome::Pending);
        let e = Review::from_cells(["", "", "", "不通过", ""], true).expect_err("no reviewer");
        assert_eq!(e, "审核结果为“不通过”，但没有填写审核人（reviewer）");
        let e = Review::from_cells(["", "", "", "可以", "x"], true).expect_err("bad outcome");
        assert!(e.starts_with("审核结果（review）“可以”无效"), "{e}");
        let implicit = Review::from_cells(["", "", "", "", ""], false).expect("implicit");
        assert_eq!((implicit.outcome, implicit.implicit), (Outcome::Approved, true));
        assert!(Review::from_cells(["", "高级", "", "", ""], false).is_err());
    }
}
