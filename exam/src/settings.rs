//! The organisation's settings (`DATA/organisation.toml`): strictness and
//! every number a rule takes from a seed, each naming the seed it follows.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// Working days a plan is filed ahead when the organisation sets none
/// (鲁人社字〔2020〕50号 四(一); 池人社发〔2024〕4号 第十五条 asks for 10).
pub const DEFAULT_LEAD_WORKDAYS: u32 = 5;

/// The organisation's settings (`DATA/organisation.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Strict: every rule refuses. Not strict: a breach is a warning, logged.
    #[serde(default)]
    pub strict: bool,
    /// Working days between filing a plan and its start.
    #[serde(default = "default_lead")]
    pub filing_lead_workdays: u32,
    /// Lowest skill level a marker holds (鲁人社字〔2022〕93号 附件1: 三级及以上).
    #[serde(default = "default_marker_level")]
    pub marker_min_level: String,
    /// Most organisations a part-timer serves (鲁人社字〔2022〕93号 附件1: 不得与3家及以上).
    #[serde(default = "default_part_time")]
    pub max_part_time_organisations: u32,
    /// Years a registration of the scope runs when it names no end (鲁人社字〔2022〕93号 一(三)).
    #[serde(default = "default_validity")]
    pub scope_validity_years: u32,
    /// Days after publication at which enrolment photos and captures are deleted.
    #[serde(default = "default_face_retention")]
    pub face_retention_days: u32,
}

fn default_face_retention() -> u32 {
    crate::face::DEFAULT_RETENTION_DAYS
}

fn default_lead() -> u32 {
    DEFAULT_LEAD_WORKDAYS
}

fn default_marker_level() -> String {
    "3".into()
}

fn default_part_time() -> u32 {
    2
}

fn default_validity() -> u32 {
    crate::scope::DEFAULT_VALIDITY_YEARS
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            strict: false,
            filing_lead_workdays: DEFAULT_LEAD_WORKDAYS,
            marker_min_level: default_marker_level(),
            max_part_time_organisations: default_part_time(),
            scope_validity_years: default_validity(),
            face_retention_days: default_face_retention(),
        }
    }
}

/// The file's name in the data directory.
pub const FILE: &str = "organisation.toml";

/// Parses `organisation.toml`; the message names the file and what is wrong.
pub fn parse_settings(file: &str, text: &str) -> Result<Settings, String> {
    let s: Settings = crate::register_file::parse_toml(file, text)?;
    if !(1..=50).contains(&s.scope_validity_years) {
        return Err(format!("{file}：scope_validity_years 应为 1–50 年，不是 {}", s.scope_validity_years));
    }
    if !(1..=3650).contains(&s.face_retention_days) {
        return Err(format!("{file}：face_retention_days 应为 1–3650 天，不是 {}", s.face_retention_days));
    }
    if s.filing_lead_workdays > 60 {
        return Err(format!("{file}：filing_lead_workdays 应为 0–60 个工作日，不是 {}", s.filing_lead_workdays));
    }
    if s.max_part_time_organisations == 0 {
        return Err(format!("{file}：max_part_time_organisations 至少为 1"));
    }
    if kaoshi_engine::bank::Level::from_code(&s.marker_min_level).is_none() {
        return Err(format!("{file}：marker_min_level“{}”不是等级代码（如 3）", s.marker_min_level));
    }
    Ok(s)
}

/// `DATA/organisation.toml`, or the defaults when there is none.
pub fn load_settings(data: &Path) -> Result<Settings, String> {
    Ok(crate::register_file::read_optional(&data.join(FILE), parse_settings)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_default_to_lenient_and_a_bad_file_is_named() {
        assert_eq!(parse_settings("o.toml", ""), Ok(Settings::default()));
        assert_eq!(
            parse_settings("o.toml", "strict = true\nfiling_lead_workdays = 10\n"),
            Ok(Settings { strict: true, filing_lead_workdays: 10, ..Settings::default() })
        );
        let e = parse_settings("DATA/organisation.toml", "strict = \"yes\"\n").expect_err("bad");
        assert!(e.starts_with("DATA/organisation.toml：格式错误"), "{e}");
        assert!(parse_settings("o.toml", "lead = 3\n").is_err(), "unknown keys are refused");
        let e = parse_settings("o.toml", "scope_validity_years = 2147483647\n").expect_err("bound");
        assert_eq!(e, "o.toml：scope_validity_years 应为 1–50 年，不是 2147483647");
        assert!(parse_settings("o.toml", "filing_lead_workdays = 61\n").is_err());
        assert!(parse_settings("o.toml", "max_part_time_organisations = 0\n").is_err());
    }
}
