//! The registered scope (备案范围) in `DATA/scope.toml`: the occupations and
//! levels the organisation is registered to certify, each registration with
//! its number and validity. A batch outside the scope, or after the
//! registration has lapsed, breaks 鲁人社字〔2022〕93号 附件3 3.1 (评价机构在备案职业
//! (工种)、等级和地域范围内开展活动) and 6.2 (超出备案范围开展评价工作).
//! A registration runs 3 years unless it says otherwise (鲁人社字〔2022〕93号 一(三):
//! organisations are re-assessed at least every three years;
//! `scope_validity_years` in `organisation.toml`). Without the file nothing
//! is checked.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Years a registration runs when it names no end (鲁人社字〔2022〕93号 一(三)).
pub const DEFAULT_VALIDITY_YEARS: u32 = 3;

/// The file's name in the data directory.
pub const FILE: &str = "scope.toml";

/// The register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// The registrations.
    #[serde(default, rename = "registration")]
    pub registrations: Vec<Registration>,
}

/// One registration (备案) of an occupation at some levels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// Registration number (备案号).
    pub number: String,
    /// Occupation code, e.g. `4-07-05-04`.
    pub occupation_code: String,
    /// Occupation name.
    #[serde(default)]
    pub occupation: String,
    /// Level codes as banks write them (`5` … `1`).
    pub levels: Vec<String>,
    /// Registered on.
    pub registered: NaiveDate,
    /// Last valid day; by default `registered` plus the validity years, less a day.
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
}

impl Registration {
    /// The last day the registration is valid.
    pub fn last_day(&self, validity_years: u32) -> NaiveDate {
        self.valid_until.unwrap_or_else(|| {
            let years = self.registered.year().saturating_add(i32::try_from(validity_years).unwrap_or(i32::MAX));
            let end = self.registered.with_year(years).unwrap_or_else(|| {
                // 29 February: the anniversary is 1 March.
                NaiveDate::from_ymd_opt(years, 3, 1).unwrap_or(self.registered)
            });
            end.pred_opt().unwrap_or(end)
        })
    }
}

impl Scope {
    /// Parses `scope.toml`, naming the file and what is wrong.
    pub fn parse(file: &str, text: &str) -> Result<Scope, String> {
        let s: Scope = crate::register_file::parse_toml(file, text)?;
        for (i, r) in s.registrations.iter().enumerate() {
            let n = i + 1;
            if r.number.trim().is_empty() {
                return Err(format!("{file}：第 {n} 项备案缺少备案号（number）"));
            }
            if r.levels.is_empty() {
                return Err(format!("{file}：备案 {} 没有登记等级（levels）", r.number));
            }
            if let Some(bad) = r.levels.iter().find(|l| kaoshi_engine::bank::Level::from_code(l).is_none()) {
                return Err(format!("{file}：备案 {} 的等级“{bad}”无效（应为 5、4、3、2、1 等等级代码）", r.number));
            }
            if r.valid_until.is_some_and(|u| u < r.registered) {
                return Err(format!("{file}：备案 {} 的有效期（valid_until）早于备案日期", r.number));
            }
        }
        Ok(s)
    }

    /// `DATA/scope.toml`, or `None` when there is none.
    pub fn load(data: &Path) -> Result<Option<Scope>, String> {
        crate::register_file::read_optional(&data.join(FILE), Scope::parse)
    }

    /// Why a batch of `occupation_code` at `level` on `day` is outside the
    /// scope, if it is.
    pub fn breach(&self, occupation_code: &str, level: &str, day: NaiveDate, validity_years: u32) -> Option<String> {
        let covering: Vec<&Registration> = self
            .registrations
            .iter()
            .filter(|r| r.occupation_code == occupation_code && r.levels.iter().any(|l| l == level))
            .collect();
        if covering.is_empty() {
            return Some(format!(
                "职业（工种）{occupation_code} {} 不在本机构的备案范围（scope.toml）内（鲁人社字〔2022〕93号 附件3 3.1、6.2）",
                level_zh(level)
            ));
        }
        if covering.iter().any(|r| r.registered <= day && day <= r.last_day(validity_years)) {
            return None;
        }
        let r = covering[0];
        Some(if day < r.registered {
            format!("备案 {} 自 {} 起生效，考试日 {day} 尚未生效（scope.toml）", r.number, r.registered)
        } else {
            format!(
                "备案 {} 已于 {} 到期，考试日 {day} 不在有效期内（scope.toml；备案有效期 {validity_years} 年，鲁人社字〔2022〕93号 一(三)）",
                r.number,
                r.last_day(validity_years)
            )
        })
    }
}

/// A level code in words: `3` → 三级.
pub fn level_zh(code: &str) -> String {
    match kaoshi_engine::bank::Level::from_code(code) {
        Some(l) => l.name_zh().to_string(),
        None => format!("等级 {code}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    const TEXT: &str = "[[registration]]\nnumber = \"皖评备2024-017\"\noccupation_code = \"4-07-05-04\"\noccupation = \"养老护理员\"\nlevels = [\"5\", \"4\"]\nregistered = \"2024-03-01\"\n";

    #[test]
    fn a_batch_outside_the_scope_or_after_expiry_is_named() {
        let s = Scope::parse("scope.toml", TEXT).expect("scope");
        assert_eq!(s.registrations[0].last_day(3), day("2027-02-28"));
        assert_eq!(s.breach("4-07-05-04", "4", day("2026-12-18"), 3), None);
        let e = s.breach("4-07-05-04", "3", day("2026-12-18"), 3).expect("level outside");
        assert!(e.starts_with("职业（工种）4-07-05-04 三级/高级工 不在本机构的备案范围"), "{e}");
        assert!(s.breach("6-31-01-03", "4", day("2026-12-18"), 3).is_some(), "occupation outside");
        let e = s.breach("4-07-05-04", "4", day("2027-03-01"), 3).expect("lapsed");
        assert!(e.contains("备案 皖评备2024-017 已于 2027-02-28 到期"), "{e}");
        assert!(s.breach("4-07-05-04", "4", day("2024-02-29"), 3).expect("before").contains("尚未生效"));
        // An explicit end wins over the default validity.
        let s = Scope::parse("scope.toml", &format!("{TEXT}valid_until = \"2027-12-31\"\n")).expect("scope");
        assert_eq!(s.breach("4-07-05-04", "5", day("2027-06-01"), 3), None);
    }

    #[test]
    fn a_bad_register_is_named() {
        let e = Scope::parse("DATA/scope.toml", &TEXT.replace("[\"5\", \"4\"]", "[\"高级\"]")).expect_err("level");
        assert_eq!(e, "DATA/scope.toml：备案 皖评备2024-017 的等级“高级”无效（应为 5、4、3、2、1 等等级代码）");
        let e = Scope::parse("DATA/scope.toml", &TEXT.replace("2024-03-01", "2024-13-01")).expect_err("date");
        assert!(e.starts_with("DATA/scope.toml：格式错误"), "{e}");
        assert!(Scope::parse("s.toml", "[[registration]]\nnumber = \"x\"\n").is_err());
    }
}
