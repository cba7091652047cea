//! The working-day calendar (工作日): China's statutory holidays and the
//! weekend days worked in their place (调休上班), one file per year from the
//! State Council's annual notice. Filing deadlines before a batch and
//! notice periods after it count working days, not calendar days.
//!
//! Pure: years are parsed from text; the caller reads the files (the ones
//! shipped in `calendar/`, and an organisation's own in `DATA/calendar/`,
//! which replace a shipped year of the same number).

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// The years kaoshi ships: file name and text.
pub const SHIPPED: [(&str, &str); 3] = [
    ("calendar/2025.toml", include_str!("../../calendar/2025.toml")),
    ("calendar/2026.toml", include_str!("../../calendar/2026.toml")),
    ("calendar/2027.toml", include_str!("../../calendar/2027.toml")),
];

/// Why a calendar cannot answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarError {
    /// A year file does not parse or contradicts itself.
    File {
        /// The file.
        file: String,
        /// What is wrong, in Chinese.
        reason: String,
    },
    /// A date falls in a year no file covers.
    NoYear(i32),
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CalendarError::File { file, reason } => write!(f, "{file}：{reason}"),
            CalendarError::NoYear(y) => write!(
                f,
                "没有 {y} 年的节假日安排：请按国务院办公厅 {y} 年放假调休通知整理 calendar/{y}.toml，放入数据目录的 calendar/ 下（格式见 README）"
            ),
        }
    }
}

impl std::error::Error for CalendarError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    year: i32,
    source: String,
    status: Status,
    #[serde(default)]
    holiday: Vec<HolidayFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayFile {
    name: String,
    from: NaiveDate,
    to: NaiveDate,
    #[serde(default)]
    workdays: Vec<NaiveDate>,
}

/// Whether a year's file follows the State Council's notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// From the annual notice.
    Official,
    /// The statutory days only, before the notice: adjusted working days are missing.
    Provisional,
}

/// One year's days off and days worked.
#[derive(Debug, Clone)]
pub struct Year {
    /// Where the year comes from (the notice).
    pub source: String,
    /// Official or provisional.
    pub status: Status,
    off: BTreeMap<NaiveDate, String>,
    worked: BTreeMap<NaiveDate, String>,
}

/// What kind of day a date is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Day {
    /// Monday to Friday, no holiday.
    Weekday,
    /// A weekend day worked in place of a holiday (调休上班), for the named holiday.
    Worked(String),
    /// Saturday or Sunday.
    Weekend,
    /// A day off of the named holiday.
    Holiday(String),
}

impl Day {
    /// Whether one works that day.
    pub fn is_workday(&self) -> bool {
        matches!(self, Day::Weekday | Day::Worked(_))
    }

    /// The day in words: "工作日", "工作日（春节调休上班）", "非工作日（周六）", "非工作日（国庆节）".
    pub fn describe(&self, date: NaiveDate) -> String {
        match self {
            Day::Weekday => "工作日".to_string(),
            Day::Worked(h) => format!("工作日（{h}调休上班）"),
            Day::Weekend => format!("非工作日（{}）", weekday_zh(date.weekday())),
            Day::Holiday(h) => format!("非工作日（{h}）"),
        }
    }
}

fn weekday_zh(w: Weekday) -> &'static str {
    ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][w.num_days_from_monday() as usize]
}

/// Parses one year's file.
pub fn parse_year(file: &str, text: &str) -> Result<(i32, Year), CalendarError> {
    let bad = |reason: String| CalendarError::File { file: file.to_string(), reason };
    let y: YearFile = toml::from_str(text).map_err(|e| bad(format!("格式错误：{}", e.message())))?;
    let mut year = Year { source: y.source, status: y.status, off: BTreeMap::new(), worked: BTreeMap::new() };
    for h in &y.holiday {
        if h.to < h.from {
            return Err(bad(format!("“{}”的结束日期 {} 早于开始日期 {}", h.name, h.to, h.from)));
        }
        let mut d = h.from;
        while d <= h.to {
            if d.year() != y.year {
                return Err(bad(format!("“{}”的日期 {d} 不在 {} 年", h.name, y.year)));
            }
            year.off.insert(d, h.name.clone());
            d = d.succ_opt().expect("a date after a holiday");
        }
        for w in &h.workdays {
            if !matches!(w.weekday(), Weekday::Sat | Weekday::Sun) {
                return Err(bad(format!("“{}”的调休上班日 {w} 是{}，不是周末", h.name, weekday_zh(w.weekday()))));
            }
            if year.off.contains_key(w) {
                return Err(bad(format!("“{}”的调休上班日 {w} 同时是放假日", h.name)));
            }
            year.worked.insert(*w, h.name.clone());
        }
    }
    Ok((y.year, year))
}

/// Working days over the years it has files for.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    years: BTreeMap<i32, Year>,
}

impl Calendar {
    /// The shipped years, then `extra` files `(name, text)` that add a year or replace one.
    pub fn with(extra: &[(String, String)]) -> Result<Calendar, CalendarError> {
        let mut c = Calendar::default();
        let shipped = SHIPPED.iter().map(|(f, t)| (f.to_string(), t.to_string()));
        for (file, text) in shipped.chain(extra.iter().cloned()) {
            let (y, year) = parse_year(&file, &text)?;
            c.years.insert(y, year);
        }
        Ok(c)
    }

    /// The year a date falls in.
    pub fn year(&self, y: i32) -> Result<&Year, CalendarError> {
        self.years.get(&y).ok_or(CalendarError::NoYear(y))
    }

    /// What kind of day `date` is.
    pub fn day(&self, date: NaiveDate) -> Result<Day, CalendarError> {
        let year = self.year(date.year())?;
        Ok(if let Some(h) = year.worked.get(&date) {
            Day::Worked(h.clone())
        } else if let Some(h) = year.off.get(&date) {
            Day::Holiday(h.clone())
        } else if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            Day::Weekend
        } else {
            Day::Weekday
        })
    }

    /// The date `n` working days after `date` (not counting `date` itself);
    /// `date` itself when `n` is 0.
    pub fn add_workdays(&self, date: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut d = date;
        let mut left = n;
        while left > 0 {
            d = d.succ_opt().ok_or(CalendarError::NoYear(i32::MAX))?;
            if self.day(d)?.is_workday() {
                left -= 1;
            }
        }
        Ok(d)
    }

    /// The provisional years among those a span of dates touches.
    pub fn provisional_between(&self, from: NaiveDate, to: NaiveDate) -> Vec<i32> {
        (from.year()..=to.year())
            .filter(|y| self.years.get(y).is_some_and(|year| year.status == Status::Provisional))
            .collect()
    }
}

/// The shipped years plus `DATA/calendar/*.toml` (in name order), when a data directory is given.
pub fn load_dir(data: Option<&std::path::Path>) -> Result<Calendar, String> {
    let mut extra = Vec::new();
    if let Some(dir) = data.map(|d| d.join("calendar")).filter(|d| d.is_dir()) {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}：{e}", dir.display()))?;
        let mut files: Vec<std::path::PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).map_err(|e| format!("{}：{e}", f.display()))?;
            extra.push((f.display().to_string(), text));
        }
    }
    Calendar::with(&extra).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn the_issues_example_and_the_2026_notice() {
        let c = Calendar::with(&[]).expect("shipped years");
        assert_eq!(c.add_workdays(date("2026-12-12"), 5).expect("count"), date("2026-12-18"));
        assert_eq!(c.day(date("2026-10-10")).expect("day"), Day::Worked("国庆节".into()));
        assert_eq!(c.day(date("2026-10-05")).expect("day"), Day::Holiday("国庆节".into()));
        assert_eq!(c.day(date("2026-02-14")).expect("day").describe(date("2026-02-14")), "工作日（春节调休上班）");
        assert_eq!(c.day(date("2026-12-12")).expect("day").describe(date("2026-12-12")), "非工作日（周六）");
        // Across the Spring Festival: 2026-02-13 (Fri) + 1 is the worked Saturday 02-14, + 2 skips the holiday to 02-24.
        assert_eq!(c.add_workdays(date("2026-02-13"), 1).expect("count"), date("2026-02-14"));
        assert_eq!(c.add_workdays(date("2026-02-13"), 2).expect("count"), date("2026-02-24"));
        assert_eq!(c.add_workdays(date("2025-09-30"), 1).expect("count"), date("2025-10-09"));
        assert_eq!(c.add_workdays(date("2026-03-02"), 0).expect("count"), date("2026-03-02"));
    }

    #[test]
    fn a_year_without_a_file_is_named_and_an_organisation_can_add_one() {
        let c = Calendar::with(&[]).expect("shipped");
        let e = c.add_workdays(date("2027-12-28"), 5).expect_err("2028 is not shipped");
        assert_eq!(e, CalendarError::NoYear(2028));
        assert!(e.to_string().contains("没有 2028 年的节假日安排"), "{e}");
        let own = "year = 2028\nsource = \"本机构整理\"\nstatus = \"official\"\n[[holiday]]\nname = \"元旦\"\nfrom = \"2028-01-01\"\nto = \"2028-01-03\"\n";
        let c = Calendar::with(&[("DATA/calendar/2028.toml".into(), own.into())]).expect("own year");
        assert_eq!(c.add_workdays(date("2027-12-31"), 1).expect("count"), date("2028-01-04"));
        assert_eq!(c.provisional_between(date("2026-12-01"), date("2027-01-10")), vec![2027]);
    }

    #[test]
    fn a_bad_file_is_refused_naming_what_is_wrong() {
        let cases = [
            ("year = 2028\nsource = \"x\"\nstatus = \"draft\"\n", "格式错误"),
            (
                "year = 2028\nsource = \"x\"\nstatus = \"official\"\n[[holiday]]\nname = \"春节\"\nfrom = \"2028-01-28\"\nto = \"2028-01-26\"\n",
                "“春节”的结束日期 2028-01-26 早于开始日期 2028-01-28",
            ),
            (
                "year = 2028\nsource = \"x\"\nstatus = \"official\"\n[[holiday]]\nname = \"春节\"\nfrom = \"2028-01-26\"\nto = \"2028-01-28\"\nworkdays = [\"2028-01-24\"]\n",
                "调休上班日 2028-01-24 是周一，不是周末",
            ),
            (
                "year = 2028\nsource = \"x\"\nstatus = \"official\"\n[[holiday]]\nname = \"元旦\"\nfrom = \"2027-12-31\"\nto = \"2028-01-01\"\n",
                "不在 2028 年",
            ),
        ];
        for (text, want) in cases {
            let e = parse_year("calendar/2028.toml", text).expect_err(want);
            let shown = e.to_string();
            assert!(shown.starts_with("calendar/2028.toml：") && shown.contains(want), "{shown}");
        }
    }

    #[test]
    fn every_shipped_worked_day_is_a_weekend_and_every_holiday_in_its_year() {
        for (file, text) in SHIPPED {
            let (y, year) = parse_year(file, text).unwrap_or_else(|e| panic!("{e}"));
            assert!(file.contains(&y.to_string()), "{file} holds {y}");
            assert!(!year.source.is_empty());
        }
    }
}
