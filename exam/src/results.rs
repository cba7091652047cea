//! Results: a sheet's per-position scores from the raw data, score totalling
//! (统分复核) that recounts every sheet independently of the stored results,
//! and publication with its public-notice period (公示).
//!
//! Every result is reached through `Grader::result` (the engine's one
//! final-result function): at hand-in from the objective items, after a
//! mark with that position filled in, and in a recount or an archive
//! re-grade from the raw answers and marks. The recount is independent
//! because it starts from the raw data, not because it is other code.

use crate::batch::LoadedBatch;
use crate::calendar::{Calendar, CalendarError};
use crate::marking::MarkingRecord;
use crate::seat::{SeatRecord, Status};
use chrono::{FixedOffset, TimeZone};
use kaoshi_engine::assemble::Paper;
use kaoshi_engine::bank::{Bank, ItemBody};
use kaoshi_engine::grade::{encode_sheet, Graded, Grader, ResponseError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Working days results stay on public notice.
pub const NOTICE_WORKING_DAYS: u32 = 5;

/// A publication record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Publication {
    /// When (Unix ms).
    pub at: i64,
    /// Who.
    pub by: String,
    /// End of the public notice (Unix ms); results are final after it.
    pub notice_until: i64,
}

/// Per-position scores of a sheet from the raw data: objective items from the
/// responses (the key seen through the candidate's option order), short items
/// from `short(pos)` — their final marks, or `None` while unmarked.
pub fn sheet_scores(
    grader: &Grader<'_>,
    bank: &Bank,
    paper: &Paper,
    responses: &[Option<String>],
    short: impl Fn(usize) -> Option<f64>,
) -> Result<Vec<Option<f64>>, ResponseError> {
    let sheet = encode_sheet(bank, paper, responses)?;
    let mut items = grader.objective(paper, &sheet);
    for (pos, (it, slot)) in paper.items.iter().zip(items.iter_mut()).enumerate() {
        if matches!(bank.items[it.item as usize].body, ItemBody::Short { .. }) {
            *slot = short(pos);
        }
    }
    Ok(items)
}

/// A sheet's result with one position's final score filled in (after a mark,
/// an arbitration or a recheck), everything else as stored.
pub fn with_position(grader: &Grader<'_>, paper: &Paper, stored: &Graded, pos: usize, score: f64) -> Graded {
    let mut items = stored.items.clone();
    if let Some(slot) = items.get_mut(pos) {
        *slot = Some(score);
    }
    grader.result(paper, items)
}

/// A difference between a stored result and the recount.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mismatch {
    /// Candidate.
    pub ticket: String,
    /// Paper position, or `None` for the total.
    pub position: Option<usize>,
    /// What is stored.
    pub stored: Option<f64>,
    /// What the recount gives.
    pub recounted: Option<f64>,
}

fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-6,
        (None, None) => true,
        _ => false,
    }
}

/// Every difference between a stored result and recounted per-position scores.
pub fn differences(ticket: &str, stored: Option<&Graded>, recount: &Graded) -> Vec<Mismatch> {
    let mut out = Vec::new();
    for (pos, &recounted) in recount.items.iter().enumerate() {
        let kept = stored.and_then(|s| s.items.get(pos).copied().flatten());
        if !same(kept, recounted) {
            out.push(Mismatch { ticket: ticket.to_string(), position: Some(pos), stored: kept, recounted });
        }
    }
    let stored_total = stored.map(|s| s.score);
    if !same(stored_total, Some(recount.score)) {
        out.push(Mismatch {
            ticket: ticket.to_string(),
            position: None,
            stored: stored_total,
            recounted: Some(recount.score),
        });
    }
    out
}

/// What score totalling found.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Totals {
    /// Seats in the batch.
    pub seats: usize,
    /// Seats handed in.
    pub submitted: usize,
    /// Seats that never started (缺考).
    pub absent: usize,
    /// Seats still sitting.
    pub sitting: usize,
    /// Short responses without a final score.
    pub unmarked: usize,
    /// Responses due for recheck and not yet rechecked.
    pub recheck_due: usize,
    /// Differences between stored results and the independent recount.
    pub mismatches: Vec<Mismatch>,
}

/// Recounts every seat from the raw data — saved answers through the key,
/// marks through the 2+1+1 rule — and compares with the stored results.
/// `responses(seat)` gives a seat's saved responses by position.
pub fn recount(
    batch: &LoadedBatch,
    seats: &[SeatRecord],
    markings: Vec<MarkingRecord>,
    mut responses: impl FnMut(&SeatRecord) -> Vec<Option<String>>,
) -> Totals {
    let bank = &batch.source.bank;
    let grader = Grader::new(bank, &batch.batch.spec);
    let marks: HashMap<(String, usize), MarkingRecord> =
        markings.into_iter().map(|r| ((r.ticket.clone(), r.pos), r)).collect();
    let mut t = Totals::default();
    for seat in seats {
        t.seats += 1;
        match seat.status {
            Status::Submitted => t.submitted += 1,
            _ if !seat.started => {
                t.absent += 1;
                continue;
            }
            _ => {
                t.sitting += 1;
                continue;
            }
        }
        let Some(paper) = batch.papers.get(seat.paper as usize) else {
            t.mismatches.push(Mismatch { ticket: seat.ticket.clone(), position: None, stored: None, recounted: None });
            continue;
        };
        for (pos, it) in paper.items.iter().enumerate() {
            if let Some(r) = marks.get(&(seat.ticket.clone(), pos)) {
                if r.paper_score().is_none() {
                    t.unmarked += 1;
                }
                if r.due_for_recheck(batch.batch.recheck_share) {
                    t.recheck_due += 1;
                }
            } else if matches!(bank.items[it.item as usize].body, ItemBody::Short { .. }) {
                t.unmarked += 1;
            }
        }
        let short = |pos: usize| marks.get(&(seat.ticket.clone(), pos)).and_then(MarkingRecord::paper_score);
        match sheet_scores(&grader, bank, paper, &responses(seat), short) {
            Ok(items) => {
                t.mismatches.extend(differences(&seat.ticket, seat.result.as_ref(), &grader.result(paper, items)))
            }
            Err(_) => t.mismatches.push(Mismatch {
                ticket: seat.ticket.clone(),
                position: None,
                stored: seat.result.as_ref().map(|r| r.score),
                recounted: None,
            }),
        }
    }
    t
}

impl Totals {
    /// Why the results cannot be published yet (empty when they can).
    pub fn blockers(&self) -> Vec<String> {
        let mut blockers = Vec::new();
        if self.sitting > 0 {
            blockers.push(format!("{} 名考生仍在考试", self.sitting));
        }
        if self.unmarked > 0 {
            blockers.push(format!("{} 份简答题尚无最终得分", self.unmarked));
        }
        if self.recheck_due > 0 {
            blockers.push(format!("{} 份评分待复核", self.recheck_due));
        }
        if !self.mismatches.is_empty() {
            blockers.push(format!(
                "统分复核发现 {} 处不一致：{}",
                self.mismatches.len(),
                serde_json::to_string(&self.mismatches).unwrap_or_default()
            ));
        }
        blockers
    }
}

/// A Unix-ms time as China time, `2026-12-18 09:00`.
pub fn china_time(ms: i64) -> String {
    chrono::TimeZone::timestamp_millis_opt(&china(), ms)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// China standard time (UTC+8), the time of every date kaoshi shows or counts.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The end of the notice: `days` working days after `at` (China time, by
/// the holiday notices' calendar: holidays off, 调休 weekend days worked),
/// at the same time of day.
pub fn notice_end(at: i64, days: u32, calendar: &Calendar) -> Result<i64, CalendarError> {
    let Some(t) = china().timestamp_millis_opt(at).single() else { return Ok(at) };
    let end = calendar.add_workdays(t.date_naive(), days)?;
    Ok(at + (end - t.date_naive()).num_days() * 86_400_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notice_counts_working_days_by_the_holiday_calendar() {
        let c = Calendar::with(&[]).expect("calendar");
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).expect("time").timestamp_millis();
        // Published on 2026-09-30: the National Day holiday is skipped and Saturday 10-10 is worked.
        assert_eq!(notice_end(at("2026-09-30T15:00:00+08:00"), 5, &c), Ok(at("2026-10-13T15:00:00+08:00")));
        assert_eq!(notice_end(at("2026-12-11T10:00:00+08:00"), 5, &c), Ok(at("2026-12-18T10:00:00+08:00")));
        assert_eq!(notice_end(at("2028-03-01T10:00:00+08:00"), 5, &c), Err(CalendarError::NoYear(2028)));
    }
}
