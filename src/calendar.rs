//! `kaoshi calendar`: working days by China's holiday arrangements — the
//! shipped years (`calendar/`) and the organisation's own files in
//! `DATA/calendar/YYYY.toml`, which add a year or replace a shipped one.

use anyhow::{anyhow, Result};
use chrono::NaiveDate;
use clap::Subcommand;
use kaoshi_exam::calendar::Calendar;
use std::path::{Path, PathBuf};

/// `kaoshi calendar …`.
#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Print the date N working days after DATE (DATE itself not counted).
    AddWorkdays {
        /// A date, YYYY-MM-DD.
        date: String,
        /// How many working days.
        n: u32,
        /// A data directory whose calendar/ files add or replace years.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Print whether DATE is a working day, and why.
    IsWorkday {
        /// A date, YYYY-MM-DD.
        date: String,
        /// A data directory whose calendar/ files add or replace years.
        #[arg(long)]
        data: Option<PathBuf>,
    },
}

/// Runs a calendar command.
pub fn run(c: CalendarCommand) -> Result<()> {
    match c {
        CalendarCommand::AddWorkdays { date, n, data } => {
            let cal = load(data.as_deref())?;
            let from = parse_date(&date)?;
            let to = cal.add_workdays(from, n)?;
            warn_provisional(&cal, from, to);
            println!("{to}");
        }
        CalendarCommand::IsWorkday { date, data } => {
            let cal = load(data.as_deref())?;
            let d = parse_date(&date)?;
            warn_provisional(&cal, d, d);
            println!("{d} {}", cal.day(d)?.describe(d));
        }
    }
    Ok(())
}

fn parse_date(s: &str) -> Result<NaiveDate> {
    s.trim().parse().map_err(|_| anyhow!("日期“{s}”无效：请写成 YYYY-MM-DD，例如 2026-12-12"))
}

fn warn_provisional(cal: &Calendar, from: NaiveDate, to: NaiveDate) {
    for y in cal.provisional_between(from, to) {
        eprintln!("warning: {y} 年只有法定节假日，没有国务院办公厅的调休安排：结果可能与实际工作日不同（见 calendar/{y}.toml）");
    }
}

/// The shipped years plus `DATA/calendar/*.toml`.
pub fn load(data: Option<&Path>) -> Result<Calendar> {
    kaoshi_exam::calendar::load_dir(data).map_err(|e| anyhow!(e))
}
