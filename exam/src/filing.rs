//! Filing a batch's plan (认定计划备案) ahead of the exam: an organisation
//! files its plan a number of working days before the start — 10 in seed 001
//! 第十五条, 5 in seed 003 四(一) — so a batch may not start in the past or
//! inside that lead time. **Strictness is a setting**: a registered
//! organisation runs strict (a breach refuses the batch); a new data
//! directory, `serve --demo` and drills are not (a breach is a warning,
//! printed and logged with the batch), so a newcomer can still create a
//! batch that starts now.
//!
//! Settings live in `DATA/organisation.toml`; the working days come from
//! [`crate::calendar`] (the shipped years and `DATA/calendar/*.toml`).

use crate::calendar::{Calendar, CalendarError};
use crate::results::china;
use chrono::{Datelike, NaiveDate, TimeZone};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Working days a plan is filed ahead when the organisation sets none
/// (seed 003 四(一); seed 001 第十五条 asks for 10).
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
    /// Lowest skill level a marker holds (seed 004 附件1: 三级及以上).
    #[serde(default = "default_marker_level")]
    pub marker_min_level: String,
    /// Most organisations a part-timer serves (seed 004 附件1: 不得与3家及以上).
    #[serde(default = "default_part_time")]
    pub max_part_time_organisations: u32,
    /// Years a registration of the scope runs when it names no end (seed 004 一(三)).
    #[serde(default = "default_validity")]
    pub scope_validity_years: u32,
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
        }
    }
}

/// The file's name in the data directory.
pub const FILE: &str = "organisation.toml";

/// Parses `organisation.toml`; the message names the file and what is wrong.
pub fn parse_settings(file: &str, text: &str) -> Result<Settings, String> {
    let s: Settings = toml::from_str(text).map_err(|e| format!("{file}：格式错误：{}", e.message()))?;
    if kaoshi_engine::bank::Level::from_code(&s.marker_min_level).is_none() {
        return Err(format!("{file}：marker_min_level“{}”不是等级代码（如 3）", s.marker_min_level));
    }
    Ok(s)
}

/// `DATA/organisation.toml`, or the defaults when there is none.
pub fn load_settings(data: &Path) -> Result<Settings, String> {
    Ok(crate::rooms::read_optional(&data.join(FILE), parse_settings)?.unwrap_or_default())
}

/// The settings and the working-day calendar a batch is checked against.
#[derive(Debug, Clone)]
pub struct Filing {
    /// The organisation's settings.
    pub settings: Settings,
    /// Working days.
    pub calendar: Calendar,
    /// The sites and rooms register, when the organisation keeps one.
    pub rooms: Option<crate::rooms::Register>,
    /// The registered scope, when the organisation keeps one.
    pub scope: Option<crate::scope::Scope>,
    /// The staff register, when the organisation keeps one.
    pub personnel: Option<crate::personnel::Personnel>,
}

impl Filing {
    /// Reads `DATA/organisation.toml` (defaults when absent) and `DATA/calendar/`.
    pub fn load(data: &Path) -> Result<Filing, String> {
        Ok(Filing {
            settings: load_settings(data)?,
            calendar: crate::calendar::load_dir(Some(data))?,
            rooms: crate::rooms::Register::load(data)?,
            scope: crate::scope::Scope::load(data)?,
            personnel: crate::personnel::Personnel::load(data)?,
        })
    }

    /// Not strict whatever the file says: the demo and drills.
    pub fn lenient(mut self) -> Filing {
        self.settings.strict = false;
        self
    }
}

/// The China date of a Unix-ms time.
pub fn day_of(ms: i64) -> NaiveDate {
    china().timestamp_millis_opt(ms).single().map(|t| t.date_naive()).unwrap_or_default()
}

/// What is wrong with a start at `start` (Unix ms) filed at `now`: the
/// start is past, or inside the filing lead time (naming the earliest date
/// it could start). Empty when the start is fine.
pub fn start_breaches(start: i64, now: i64, filing: &Filing) -> Result<Vec<String>, CalendarError> {
    let mut out = Vec::new();
    let when = china().timestamp_millis_opt(start).single().map(|t| t.format("%Y-%m-%d %H:%M").to_string());
    let when = when.unwrap_or_default();
    if start < now {
        out.push(format!("开考时间 {when} 已经过去"));
    }
    let lead = filing.settings.filing_lead_workdays;
    let earliest = filing.calendar.add_workdays(day_of(now), lead)?;
    if day_of(start) < earliest {
        out.push(format!(
            "认定计划须在开考前 {lead} 个工作日备案（organisation.toml 的 filing_lead_workdays；seed 003 四(一) 为 5 个、seed 001 第十五条为 10 个工作日），今天备案最早可于 {earliest} 开考，开考时间 {when} 太早"
        ));
    }
    Ok(out)
}

/// Candidates under 16 on the exam date: they sit, but their certificate
/// data cannot be uploaded (seed 004 3.8 lists 未满16周岁 among the reasons),
/// so each is named as a warning in any mode: the line's index and the warning.
pub fn under_sixteen(roster: &[crate::batch::RosterLine], start: i64) -> Vec<(usize, String)> {
    let exam_day = day_of(start);
    roster
        .iter()
        .enumerate()
        .filter(|(_, r)| r.id_type == crate::seat::default_id_type())
        .filter_map(|(i, r)| {
            let birth = crate::identity::birth_date(&r.id_number)?;
            let sixteen =
                birth.with_year(birth.year() + 16).or_else(|| birth.succ_opt()?.with_year(birth.year() + 16))?;
            (exam_day < sixteen).then(|| {
                let w = format!(
                    "名单第 {} 行：未满16周岁（{}，{birth} 出生），可以参加考试，但证书数据不能上传（seed 004 3.8）",
                    i + 2,
                    r.name
                );
                (i, w)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s).expect("time").timestamp_millis()
    }

    fn filing(lead: u32) -> Filing {
        Filing {
            settings: Settings { strict: true, filing_lead_workdays: lead, ..Settings::default() },
            calendar: Calendar::with(&[]).expect("calendar"),
            rooms: None,
            scope: None,
            personnel: None,
        }
    }

    #[test]
    fn a_start_inside_the_lead_time_names_the_earliest_date() {
        // Saturday 2026-12-12: five working days on is Friday 2026-12-18.
        let now = at("2026-12-12T10:00:00+08:00");
        let f = filing(5);
        assert_eq!(start_breaches(at("2026-12-18T09:00:00+08:00"), now, &f), Ok(vec![]));
        let b = start_breaches(at("2026-12-17T09:00:00+08:00"), now, &f).expect("checked");
        assert_eq!(b.len(), 1, "{b:?}");
        assert!(b[0].contains("最早可于 2026-12-18 开考") && b[0].contains("2026-12-17 09:00 太早"), "{b:?}");
        let b = start_breaches(at("2026-12-01T09:00:00+08:00"), now, &f).expect("checked");
        assert!(b[0].contains("开考时间 2026-12-01 09:00 已经过去"), "{b:?}");
        assert_eq!(b.len(), 2);
        // Around National Day, ten working days reach further.
        let now = at("2026-09-28T10:00:00+08:00");
        let b = start_breaches(at("2026-10-12T09:00:00+08:00"), now, &filing(10)).expect("checked");
        assert!(b[0].contains("最早可于 2026-10-16 开考"), "{b:?}");
    }

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
    }

    #[test]
    fn a_candidate_under_sixteen_on_the_exam_day_is_named_not_refused() {
        let line = |n: &str, id: &str| crate::batch::RosterLine {
            ticket: n.into(),
            id_number: id.into(),
            id_type: crate::seat::default_id_type(),
            name: n.into(),
            organisation: String::new(),
            room: "1".into(),
            seat: "1".into(),
            extra_time: String::new(),
            review: Default::default(),
        };
        // Born 2010-12-03: 16 on 2026-12-03, not on 2026-12-02.
        let young = format!("11010120101203{:03}", 12);
        let young = format!("{young}{}", crate::identity::check_character(young.as_bytes()).expect("check"));
        let roster = [line("成年", &crate::identity::example_resident_id(1)), line("少年", &young)];
        let w = under_sixteen(&roster, at("2026-12-02T09:00:00+08:00"));
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].0, 1);
        assert!(w[0].1.starts_with("名单第 3 行：未满16周岁（少年，2010-12-03 出生）"), "{w:?}");
        assert!(under_sixteen(&roster, at("2026-12-03T09:00:00+08:00")).is_empty(), "sixteen on the day");
    }
}
