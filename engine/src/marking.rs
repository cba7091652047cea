//! Marking of `short` items by the national "2+1+1" rule, per response: two
//! independent marks; if they differ by more than the tolerance a third; if
//! the third is not within tolerance of either, the group leader (组长)
//! arbitrates. Plus recusal (回避), rotation (轮换) and recheck (复核).
//! Pure: callers supply who and when, and store the state.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Why a mark, arbitration or recheck was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MarkError {
    /// Outside `0..=max_score`.
    #[error("score {score} is outside 0–{max}")]
    OutOfRange {
        /// Given.
        score: f64,
        /// Highest allowed.
        max: f64,
    },
    /// Not a multiple of 0.5.
    #[error("score {0} is not a multiple of 0.5")]
    Granularity(f64),
    /// The marker marked this response already.
    #[error("{0} has already marked this response")]
    AlreadyMarked(String),
    /// No independent mark is wanted now.
    #[error("this response needs no further independent mark")]
    NotAwaitingMarks,
    /// No arbitration is wanted now.
    #[error("this response is not waiting for the group leader")]
    NotAwaitingLeader,
    /// A changed score needs a reason.
    #[error("a changed score needs a reason")]
    ReasonRequired,
    /// Recheck before the score is final.
    #[error("only a final score can be rechecked")]
    NotFinal,
}

/// Where a response stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Fewer than two marks.
    FirstPair,
    /// The first two differ by more than the tolerance.
    Third,
    /// The third is within tolerance of neither.
    Leader,
    /// Scored.
    Final,
}

/// How the final score was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// Mean of the two independent marks.
    MeanOfTwo,
    /// Mean of the third mark and the first-pair mark closest to it.
    ClosestPair,
    /// The group leader's score.
    Leader,
}

/// One independent mark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    /// Marker id.
    pub marker: String,
    /// Score given.
    pub score: f64,
    /// When (Unix ms, from the caller).
    pub at: i64,
}

/// A leader's decision or a recheck change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// Who.
    pub by: String,
    /// Score set.
    pub score: f64,
    /// Why.
    pub reason: String,
    /// When (Unix ms).
    pub at: i64,
}

/// The marking state of one response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseMarking {
    /// Highest mark.
    pub max_score: f64,
    /// Largest gap between two marks that still agree.
    pub tolerance: f64,
    /// Independent marks, in order (at most three).
    pub marks: Vec<Mark>,
    /// The leader's arbitration, if it came to that.
    pub arbitration: Option<Decision>,
    /// Recheck decisions (复核), in order.
    pub rechecks: Vec<Decision>,
}

fn check_score(score: f64, max: f64) -> Result<(), MarkError> {
    if !(0.0..=max).contains(&score) || !score.is_finite() {
        return Err(MarkError::OutOfRange { score, max });
    }
    if (score * 2.0).fract() != 0.0 {
        return Err(MarkError::Granularity(score));
    }
    Ok(())
}

/// Resolves marks and arbitration to a stage and, when final, a score and
/// the rule used. Pure: score totalling calls it again on stored marks.
pub fn resolve(marks: &[Mark], arbitration: Option<&Decision>, tolerance: f64) -> (Stage, Option<(f64, Resolution)>) {
    let agree = |a: f64, b: f64| (a - b).abs() <= tolerance + 1e-9;
    match marks {
        [] | [_] => (Stage::FirstPair, None),
        [a, b] if agree(a.score, b.score) => (Stage::Final, Some(((a.score + b.score) / 2.0, Resolution::MeanOfTwo))),
        [_, _] => (Stage::Third, None),
        [a, b, c, ..] => {
            let (da, db) = ((c.score - a.score).abs(), (c.score - b.score).abs());
            let closest = if da <= db { a } else { b };
            if agree(c.score, closest.score) {
                (Stage::Final, Some(((c.score + closest.score) / 2.0, Resolution::ClosestPair)))
            } else {
                match arbitration {
                    Some(d) => (Stage::Final, Some((d.score, Resolution::Leader))),
                    None => (Stage::Leader, None),
                }
            }
        }
    }
}

impl ResponseMarking {
    /// A response to be marked out of `max_score`.
    pub fn new(max_score: f64, tolerance: f64) -> ResponseMarking {
        ResponseMarking { max_score, tolerance, marks: Vec::new(), arbitration: None, rechecks: Vec::new() }
    }

    /// Current stage.
    pub fn stage(&self) -> Stage {
        resolve(&self.marks, self.arbitration.as_ref(), self.tolerance).0
    }

    /// Final score (after any recheck change), if final.
    pub fn final_score(&self) -> Option<f64> {
        let (_, resolved) = resolve(&self.marks, self.arbitration.as_ref(), self.tolerance);
        resolved.map(|(s, _)| self.rechecks.last().map_or(s, |r| r.score))
    }

    /// Whether `marker` may give an independent mark now.
    pub fn wants_mark_from(&self, marker: &str) -> bool {
        matches!(self.stage(), Stage::FirstPair | Stage::Third) && !self.marks.iter().any(|m| m.marker == marker)
    }

    /// Records an independent mark.
    pub fn add_mark(&mut self, marker: &str, score: f64, at: i64) -> Result<Stage, MarkError> {
        if !matches!(self.stage(), Stage::FirstPair | Stage::Third) {
            return Err(MarkError::NotAwaitingMarks);
        }
        if self.marks.iter().any(|m| m.marker == marker) {
            return Err(MarkError::AlreadyMarked(marker.to_string()));
        }
        check_score(score, self.max_score)?;
        self.marks.push(Mark { marker: marker.to_string(), score, at });
        Ok(self.stage())
    }

    /// The leader's final score.
    pub fn arbitrate(&mut self, leader: &str, score: f64, reason: &str, at: i64) -> Result<(), MarkError> {
        if self.stage() != Stage::Leader {
            return Err(MarkError::NotAwaitingLeader);
        }
        check_score(score, self.max_score)?;
        if reason.trim().is_empty() {
            return Err(MarkError::ReasonRequired);
        }
        self.arbitration = Some(Decision { by: leader.to_string(), score, reason: reason.to_string(), at });
        Ok(())
    }

    /// A recheck (复核): confirms the score (whatever it is: the mean of two
    /// marks may be 9.25), or changes it — in 0.5 steps, with a reason.
    pub fn recheck(&mut self, by: &str, score: f64, reason: &str, at: i64) -> Result<(), MarkError> {
        let current = self.final_score().ok_or(MarkError::NotFinal)?;
        let confirms = (score - current).abs() <= 1e-9;
        if !confirms {
            check_score(score, self.max_score)?;
            if reason.trim().is_empty() {
                return Err(MarkError::ReasonRequired);
            }
        }
        self.rechecks.push(Decision { by: by.to_string(), score, reason: reason.to_string(), at });
        Ok(())
    }

    /// Whether a recheck is due: every arbitrated response, plus a sample.
    pub fn needs_recheck(&self, sampled: bool) -> bool {
        self.final_score().is_some() && self.rechecks.is_empty() && (self.arbitration.is_some() || sampled)
    }
}

/// A marker, with what they must recuse from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Marker {
    /// Id.
    pub id: String,
    /// Their organisation: they never mark its candidates.
    pub organisation: Option<String>,
    /// Tickets of candidates they declared a relation to.
    pub relations: Vec<String>,
}

impl Marker {
    /// Whether the marker must recuse from a candidate.
    pub fn recused_from(&self, ticket: &str, organisation: &str) -> bool {
        self.organisation.as_deref() == Some(organisation) || self.relations.iter().any(|r| r == ticket)
    }
}

/// A response as the assigner sees it.
pub struct Task<'a> {
    /// The item (rotation is across items).
    pub item: &'a str,
    /// Candidate ticket (for recusal only; never shown to markers).
    pub ticket: &'a str,
    /// Candidate organisation.
    pub organisation: &'a str,
    /// Marking state.
    pub marking: &'a ResponseMarking,
}

/// Picks the next response for `marker`: never one they must recuse from or
/// marked already; third marks before first marks (unblock responses); then
/// the item this marker has marked least (rotation); then the fewest marks;
/// then queue order.
pub fn next_task(tasks: &[Task<'_>], marker: &Marker) -> Option<usize> {
    let mut per_item: HashMap<&str, usize> = HashMap::new();
    for t in tasks {
        if t.marking.marks.iter().any(|m| m.marker == marker.id) {
            *per_item.entry(t.item).or_default() += 1;
        }
    }
    tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| t.marking.wants_mark_from(&marker.id) && !marker.recused_from(t.ticket, t.organisation))
        .min_by_key(|(i, t)| {
            let third_first = u8::from(t.marking.stage() != Stage::Third);
            (third_first, per_item.get(t.item).copied().unwrap_or(0), t.marking.marks.len(), *i)
        })
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(scores: &[f64]) -> ResponseMarking {
        let mut r = ResponseMarking::new(10.0, 1.0);
        for (i, &s) in scores.iter().enumerate() {
            r.add_mark(&format!("m{i}"), s, 0).expect("mark");
        }
        r
    }

    #[test]
    fn two_marks_within_tolerance_give_their_mean() {
        let r = marked(&[6.0, 7.0]);
        assert_eq!(r.stage(), Stage::Final);
        assert_eq!(r.final_score(), Some(6.5));
        assert_eq!(resolve(&r.marks, None, 1.0).1.map(|x| x.1), Some(Resolution::MeanOfTwo));
    }

    #[test]
    fn two_marks_apart_call_for_a_third() {
        let r = marked(&[3.0, 8.0]);
        assert_eq!(r.stage(), Stage::Third);
        assert_eq!(r.final_score(), None);
    }

    #[test]
    fn a_third_close_to_one_gives_the_mean_of_the_closest_pair() {
        let r = marked(&[3.0, 8.0, 7.5]);
        assert_eq!(r.stage(), Stage::Final);
        assert_eq!(r.final_score(), Some(7.75));
        let r = marked(&[3.0, 8.0, 4.0]);
        assert_eq!(r.final_score(), Some(3.5));
    }

    #[test]
    fn a_third_close_to_neither_goes_to_the_leader() {
        let mut r = marked(&[2.0, 9.0, 5.5]);
        assert_eq!(r.stage(), Stage::Leader);
        assert_eq!(r.add_mark("m9", 5.0, 0), Err(MarkError::NotAwaitingMarks));
        assert_eq!(r.arbitrate("leader", 6.0, "", 0), Err(MarkError::ReasonRequired));
        r.arbitrate("leader", 6.0, "按评分标准第2、3要点给分", 0).expect("arbitrate");
        assert_eq!(r.stage(), Stage::Final);
        assert_eq!(r.final_score(), Some(6.0));
        assert_eq!(r.arbitrate("leader", 7.0, "again", 0), Err(MarkError::NotAwaitingLeader));
    }

    #[test]
    fn marks_are_bounded_independent_and_half_point_grained() {
        let mut r = ResponseMarking::new(10.0, 1.0);
        assert_eq!(r.add_mark("a", 11.0, 0), Err(MarkError::OutOfRange { score: 11.0, max: 10.0 }));
        assert_eq!(r.add_mark("a", -1.0, 0), Err(MarkError::OutOfRange { score: -1.0, max: 10.0 }));
        assert_eq!(r.add_mark("a", 2.3, 0), Err(MarkError::Granularity(2.3)));
        r.add_mark("a", 5.0, 0).expect("mark");
        assert_eq!(r.add_mark("a", 5.0, 0), Err(MarkError::AlreadyMarked("a".into())));
        assert!(!r.wants_mark_from("a"));
        assert!(r.wants_mark_from("b"));
    }

    #[test]
    fn a_changed_recheck_needs_a_reason() {
        let mut r = marked(&[6.0, 7.0]);
        assert!(r.needs_recheck(true));
        assert!(!r.needs_recheck(false), "only arbitrated responses and the sample");
        assert_eq!(r.recheck("leader", 5.0, " ", 0), Err(MarkError::ReasonRequired));
        r.recheck("leader", 6.5, "", 0).expect("confirming needs no reason");
        r.recheck("leader", 5.0, "第3要点未答到", 0).expect("change with reason");
        assert_eq!(r.final_score(), Some(5.0));
        assert!(!r.needs_recheck(true));
    }

    #[test]
    fn a_recheck_confirms_an_averaged_score_and_changes_only_in_half_points() {
        let mut r = ResponseMarking::new(10.0, 2.0);
        for (m, s) in [("a", 10.0), ("b", 7.0), ("c", 8.5)] {
            r.add_mark(m, s, 0).expect("mark");
        }
        assert_eq!(r.final_score(), Some(9.25), "the closest pair 10 and 8.5");
        r.recheck("leader", 9.25, "", 0).expect("confirming keeps 9.25");
        assert_eq!(r.final_score(), Some(9.25));
        assert_eq!(r.recheck("leader", 9.3, "改分", 0), Err(MarkError::Granularity(9.3)));
        r.recheck("leader", 9.5, "第2要点完整", 0).expect("a change in 0.5 steps");
        assert_eq!(r.final_score(), Some(9.5));
    }

    #[test]
    fn recusal_by_organisation_and_declared_relation() {
        let m = Marker { id: "m".into(), organisation: Some("甲公司".into()), relations: vec!["T9".into()] };
        assert!(m.recused_from("T1", "甲公司"));
        assert!(m.recused_from("T9", "乙公司"));
        assert!(!m.recused_from("T2", "乙公司"));
        let fresh = ResponseMarking::new(10.0, 1.0);
        let tasks = [
            Task { item: "Q1", ticket: "T1", organisation: "甲公司", marking: &fresh },
            Task { item: "Q1", ticket: "T9", organisation: "乙公司", marking: &fresh },
            Task { item: "Q1", ticket: "T2", organisation: "乙公司", marking: &fresh },
        ];
        assert_eq!(next_task(&tasks, &m), Some(2));
    }

    #[test]
    fn rotation_spreads_every_marker_over_the_items_and_every_response_gets_two_markers() {
        let markers: Vec<Marker> = (0..4)
            .map(|i| Marker { id: format!("m{i}"), organisation: Some(format!("org{i}")), relations: vec![] })
            .collect();
        let items = ["Q1", "Q2"];
        let mut state: Vec<(String, String, String, ResponseMarking)> = (0..40)
            .map(|k| {
                (items[k % 2].to_string(), format!("T{k}"), format!("org{}", k % 5), ResponseMarking::new(10.0, 2.0))
            })
            .collect();
        let mut round = 0;
        loop {
            let mut progressed = false;
            for m in &markers {
                let tasks: Vec<Task<'_>> =
                    state.iter().map(|(i, t, o, r)| Task { item: i, ticket: t, organisation: o, marking: r }).collect();
                if let Some(k) = next_task(&tasks, m) {
                    let score = f64::from((round + k as u32) % 3) * 2.0; // agreeing within tolerance
                    state[k].3.add_mark(&m.id, score, 0).expect("mark");
                    progressed = true;
                }
            }
            round += 1;
            if !progressed {
                break;
            }
        }
        for (item, ticket, org, r) in &state {
            assert!(r.stage() != Stage::FirstPair, "{item}/{ticket} has fewer than two marks");
            let who: std::collections::HashSet<&str> = r.marks.iter().map(|m| m.marker.as_str()).collect();
            assert_eq!(who.len(), r.marks.len(), "two marks from one marker");
            for mark in &r.marks {
                let m = markers.iter().find(|x| x.id == mark.marker).expect("marker");
                assert!(!m.recused_from(ticket, org), "{} marked a candidate of their own organisation", m.id);
            }
        }
        for m in &markers {
            let count =
                |item: &str| state.iter().filter(|s| s.0 == item && s.3.marks.iter().any(|x| x.marker == m.id)).count();
            let (a, b) = (count("Q1"), count("Q2"));
            assert!(a > 0 && b > 0, "{} marked only one item ({a}, {b})", m.id);
            assert!(a.abs_diff(b) <= 2, "{} is not rotated across items ({a}, {b})", m.id);
            assert!(a < 20 && b < 20, "{} marked one item for everyone", m.id);
        }
    }
}
