//! Organisation metrics for the bureau: exam-open rate (开考率), pass rate per
//! occupation and level with a reasonableness flag, and the certificate-data
//! upload ratio (上国网占比).

use crate::error::{Code, Refusal};
use crate::seat::{SeatRecord, Status};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Pass rates outside this band are flagged for a closer look.
pub const REASONABLE_PASS_RATE: (f64, f64) = (0.30, 0.95);

/// An occupation and level the organisation is registered (备案) to certify.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Registration {
    /// Occupation code.
    pub code: String,
    /// Occupation name.
    pub name: String,
    /// Level code.
    pub level: String,
}

impl Registration {
    /// Checks a registration's fields.
    pub fn check(&self) -> Result<(), Refusal> {
        if self.code.trim().is_empty()
            || self.name.trim().is_empty()
            || kaoshi_engine::bank::Level::from_code(&self.level).is_none()
        {
            return Err(Refusal::invalid(
                Code::OccupationInvalid,
                "职业需要填写职业编码、名称和等级代码（apprentice、5 … 1、special、chief）",
            ));
        }
        Ok(())
    }
}

/// What one batch contributes.
pub struct BatchFacts<'a> {
    /// Occupation code.
    pub occupation_code: &'a str,
    /// Occupation name.
    pub occupation: &'a str,
    /// Level code.
    pub level: &'a str,
    /// Its seats.
    pub seats: Vec<SeatRecord>,
    /// Whether its results are published.
    pub published: bool,
    /// Certificates uploaded to the national platform.
    pub uploaded: u64,
}

/// An occupation and level examined.
#[derive(Debug, Clone, Serialize)]
pub struct Examined {
    /// Occupation code.
    pub occupation_code: String,
    /// Level code.
    pub level: String,
}

/// Pass rate of one occupation and level.
#[derive(Debug, Clone, Serialize)]
pub struct PassRate {
    /// Occupation code.
    pub occupation_code: String,
    /// Occupation name.
    pub occupation: String,
    /// Level code.
    pub level: String,
    /// Candidates who handed in.
    pub sat: u64,
    /// Of them, passed.
    pub passed: u64,
    /// passed / sat.
    pub pass_rate: f64,
    /// Outside the reasonable band, and why.
    pub flag: Option<String>,
}

/// The bureau's figures.
#[derive(Debug, Clone, Serialize)]
pub struct Metrics {
    /// Registered occupations and levels.
    pub registered: Vec<Registration>,
    /// Those examined.
    pub examined: Vec<Examined>,
    /// Registered and examined / registered (`None` without registrations).
    pub exam_open_rate: Option<f64>,
    /// Per occupation and level.
    pub pass_rates: Vec<PassRate>,
    /// Certificates issued (passed candidates of published batches).
    pub certificates_issued: u64,
    /// Certificates uploaded.
    pub certificates_uploaded: u64,
    /// uploaded / issued (`None` when none were issued).
    pub upload_ratio: Option<f64>,
}

/// Computes the metrics from the registrations and every batch's facts.
pub fn compute(registered: Vec<Registration>, batches: Vec<BatchFacts<'_>>) -> Metrics {
    // (code, level) → (name, sat, passed)
    let mut by_occupation: BTreeMap<(String, String), (String, u64, u64)> = BTreeMap::new();
    let (mut issued, mut uploaded) = (0u64, 0u64);
    for b in batches {
        let entry = by_occupation
            .entry((b.occupation_code.to_string(), b.level.to_string()))
            .or_insert_with(|| (b.occupation.to_string(), 0, 0));
        let mut passed_here = 0;
        for seat in &b.seats {
            if seat.status == Status::Submitted {
                entry.1 += 1;
                if seat.result.as_ref().and_then(|r| r.passed) == Some(true) {
                    entry.2 += 1;
                    passed_here += 1;
                }
            }
        }
        if b.published {
            issued += passed_here;
            uploaded += b.uploaded;
        }
    }
    let examined: Vec<&(String, String)> = by_occupation.iter().filter(|(_, v)| v.1 > 0).map(|(k, _)| k).collect();
    let registered_examined =
        registered.iter().filter(|r| examined.iter().any(|(c, l)| *c == r.code && *l == r.level)).count();
    let (low, high) = REASONABLE_PASS_RATE;
    let pass_rates = by_occupation
        .iter()
        .filter(|(_, v)| v.1 > 0)
        .map(|((code, level), (name, sat, passed))| {
            let rate = *passed as f64 / *sat as f64;
            let band = format!("({:.0}–{:.0}%)", low * 100.0, high * 100.0);
            let flag = if rate < low {
                Some(format!("合格率 {:.0}% 低于合理区间 {band}", rate * 100.0))
            } else if rate > high {
                Some(format!("合格率 {:.0}% 高于合理区间 {band}", rate * 100.0))
            } else {
                None
            };
            PassRate {
                occupation_code: code.clone(),
                occupation: name.clone(),
                level: level.clone(),
                sat: *sat,
                passed: *passed,
                pass_rate: rate,
                flag,
            }
        })
        .collect();
    Metrics {
        examined: examined.iter().map(|(c, l)| Examined { occupation_code: c.clone(), level: l.clone() }).collect(),
        exam_open_rate: (!registered.is_empty()).then(|| registered_examined as f64 / registered.len() as f64),
        registered,
        pass_rates,
        certificates_issued: issued,
        certificates_uploaded: uploaded,
        upload_ratio: (issued > 0).then(|| uploaded as f64 / issued as f64),
    }
}
