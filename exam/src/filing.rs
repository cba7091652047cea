//! Filing a batch's plan (认定计划备案) ahead of the exam: an organisation
//! files its plan a number of working days before the start — 10 in seed 001
//! 第十五条, 5 in 鲁人社字〔2020〕50号 四(一) — so a batch may not start in the past or
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
use crate::settings::{load_settings, Settings};
use chrono::{Datelike, NaiveDate, TimeZone};
use std::path::Path;

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
            "认定计划须在开考前 {lead} 个工作日备案（organisation.toml 的 filing_lead_workdays；鲁人社字〔2020〕50号 四(一) 为 5 个、池人社发〔2024〕4号 第十五条为 10 个工作日），今天备案最早可于 {earliest} 开考，开考时间 {when} 太早"
        ));
    }
    Ok(out)
}

/// Candidates under 16 on the exam date: they sit, but their certificate
/// data cannot be uploaded (鲁人社字〔2022〕93号 3.8 lists 未满16周岁 among the reasons),
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
                    "名单第 {} 行：未满16周岁（{}，{birth} 出生），可以参加考试，但证书数据不能上传（鲁人社字〔2022〕93号 3.8）",
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
