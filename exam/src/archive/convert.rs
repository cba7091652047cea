//! Between the service's records and the frozen v1 archive records.

use super::error::{invalid, Result};
use super::v2;
use crate::batch::Batch;
use crate::events::Event;
use crate::marking::MarkingRecord;
use crate::seat::SeatRecord;
use kaoshi_engine::assemble::{OptionOrder, Paper, PaperItem};
use kaoshi_engine::bank::{Bank, ItemType};
use kaoshi_engine::grade::Graded;
use kaoshi_engine::marking::{Decision, Mark, ResponseMarking};
use kaoshi_engine::spec::{DifficultyTarget, PaperSpec, Scoring, Section};

fn type_name(t: ItemType) -> &'static str {
    match t {
        ItemType::Judge => "Judge",
        ItemType::Single => "Single",
        ItemType::Multiple => "Multiple",
        ItemType::Short => "Short",
    }
}

fn scoring_name(s: Scoring) -> &'static str {
    match s {
        Scoring::Exact => "Exact",
        Scoring::Partial => "Partial",
    }
}

pub(super) fn batch(b: &Batch) -> v2::Batch {
    let spec = &b.spec;
    v2::Batch {
        id: b.id.clone(),
        name: b.name.clone(),
        start: b.start,
        seed: b.seed,
        bank_id: b.bank_id.clone(),
        bank_hash: b.bank_hash.clone(),
        key_id: b.key_id.clone(),
        spec: v2::Spec {
            title: spec.title.clone(),
            duration_minutes: spec.duration_minutes,
            total_score: spec.total_score,
            pass_score: spec.pass_score,
            weight_tolerance: spec.weight_tolerance,
            sections: spec
                .sections
                .iter()
                .map(|s| v2::Section {
                    item_type: type_name(s.item_type).into(),
                    count: s.count,
                    score: s.score,
                    scoring: scoring_name(s.scoring).into(),
                })
                .collect(),
            difficulty: spec.difficulty.as_ref().map(|d| v2::Difficulty { target: d.target, tolerance: d.tolerance }),
        },
        duration_seconds: b.duration_seconds,
        candidates: b.candidates,
        created: b.created,
        marking_tolerance: b.marking_tolerance,
        recheck_share: b.recheck_share,
    }
}

pub(super) fn spec_from(s: &v2::Spec) -> Result<PaperSpec> {
    let sections = s
        .sections
        .iter()
        .map(|x| {
            let item_type = [ItemType::Judge, ItemType::Single, ItemType::Multiple, ItemType::Short]
                .into_iter()
                .find(|t| type_name(*t) == x.item_type)
                .ok_or_else(|| invalid(format!("batch spec: unknown item type `{}`", x.item_type)))?;
            let scoring = [Scoring::Exact, Scoring::Partial]
                .into_iter()
                .find(|t| scoring_name(*t) == x.scoring)
                .ok_or_else(|| invalid(format!("batch spec: unknown scoring `{}`", x.scoring)))?;
            Ok(Section { item_type, count: x.count, score: x.score, scoring })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(PaperSpec {
        title: s.title.clone(),
        duration_minutes: s.duration_minutes,
        total_score: s.total_score,
        pass_score: s.pass_score,
        weight_tolerance: s.weight_tolerance,
        sections,
        difficulty: s.difficulty.as_ref().map(|d| DifficultyTarget { target: d.target, tolerance: d.tolerance }),
    })
}

fn result(g: &Graded) -> v2::Result {
    v2::Result { score: g.score, passed: g.passed, modules: g.modules.clone(), items: g.items.clone() }
}

pub(super) fn graded_from(r: &v2::Result) -> Graded {
    Graded { score: r.score, passed: r.passed, modules: r.modules.clone(), items: r.items.clone() }
}

pub(super) fn seat(s: &SeatRecord) -> v2::Seat {
    let status = serde_json::to_value(s.status).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    v2::Seat {
        ticket: s.ticket.clone(),
        id_number: s.id_number.clone(),
        name: s.name.clone(),
        organisation: s.organisation.clone(),
        room: s.room.clone(),
        seat: s.seat.clone(),
        paper: s.paper,
        status,
        started: s.started,
        duration_ms: s.duration_ms,
        extra_ms: s.extra_ms,
        used_ms: s.used_ms,
        running_since: s.running_since,
        last_seq: s.last_seq,
        answered: s.answered,
        violations: s.violations,
        last_seen: s.last_seen,
        submitted_at: s.submitted_at,
        result: s.result.as_ref().map(result),
        id_type: s.id_type.clone(),
        offline_ms: s.offline_ms,
        offline_credited_ms: s.offline_credited_ms,
    }
}

pub(super) fn paper(p: &Paper) -> v2::Paper {
    v2::Paper {
        index: p.index,
        items: p
            .items
            .iter()
            .map(|it| {
                let slice = it.option_order.as_slice();
                let mut order = [0u8; 8];
                order[..slice.len()].copy_from_slice(slice);
                v2::PaperItem {
                    item: it.item,
                    section: it.section,
                    option_order: v2::OptionOrder { len: slice.len() as u8, order },
                }
            })
            .collect(),
    }
}

/// An archived paper as the engine's, after checking every index against the bank and spec.
pub(super) fn paper_from(p: &v2::Paper, bank: &Bank, spec: &PaperSpec) -> Result<Paper> {
    check_indices(bank, spec, p)?;
    let items = p
        .items
        .iter()
        .map(|it| {
            let order = it.option_order.order.get(..usize::from(it.option_order.len)).unwrap_or_default();
            let option_order = OptionOrder::from_slice(order)
                .ok_or_else(|| invalid(format!("paper {}: an option order is too long", p.index)))?;
            Ok(PaperItem { item: it.item, section: it.section, option_order })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Paper { index: p.index, items })
}

pub(super) fn marking(r: &MarkingRecord) -> v2::Marking {
    let decision = |d: &Decision| v2::Decision { by: d.by.clone(), score: d.score, reason: d.reason.clone(), at: d.at };
    let m = &r.marking;
    v2::Marking {
        code: r.code.clone(),
        ticket: r.ticket.clone(),
        organisation: r.organisation.clone(),
        pos: r.pos,
        item: r.item,
        section_score: r.section_score,
        appealed: r.appealed,
        blank: r.blank,
        marking: v2::Marks {
            max_score: m.max_score,
            tolerance: m.tolerance,
            marks: m.marks.iter().map(|k| v2::Mark { marker: k.marker.clone(), score: k.score, at: k.at }).collect(),
            arbitration: m.arbitration.as_ref().map(decision),
            rechecks: m.rechecks.iter().map(decision).collect(),
        },
    }
}

/// The archived response's final paper score, resolved afresh by the 2+1+1 rule.
pub(super) fn paper_score(m: &v2::Marking) -> Option<f64> {
    let decision = |d: &v2::Decision| Decision { by: d.by.clone(), score: d.score, reason: d.reason.clone(), at: d.at };
    let record = MarkingRecord {
        code: m.code.clone(),
        ticket: m.ticket.clone(),
        organisation: m.organisation.clone(),
        pos: m.pos,
        item: m.item,
        section_score: m.section_score,
        appealed: m.appealed,
        blank: m.blank,
        marking: ResponseMarking {
            max_score: m.marking.max_score,
            tolerance: m.marking.tolerance,
            marks: m
                .marking
                .marks
                .iter()
                .map(|k| Mark { marker: k.marker.clone(), score: k.score, at: k.at })
                .collect(),
            arbitration: m.marking.arbitration.as_ref().map(decision),
            rechecks: m.marking.rechecks.iter().map(decision).collect(),
        },
    };
    record.paper_score()
}

pub(super) fn event(e: &Event) -> v2::FullEvent {
    v2::FullEvent {
        seq: e.seq,
        at: e.at,
        actor: e.actor.clone(),
        kind: e.kind.as_str().to_string(),
        batch: e.batch.clone(),
        ticket: e.ticket.clone(),
        detail: e.detail.clone(),
        prev: e.prev.clone(),
        hash: e.hash.clone(),
    }
}

/// Checks that a paper's positions exist in the bank and the spec.
fn check_indices(bank: &Bank, spec: &PaperSpec, paper: &v2::Paper) -> Result<()> {
    for (pos, it) in paper.items.iter().enumerate() {
        let item = bank.items.get(it.item as usize).ok_or_else(|| {
            invalid(format!("paper {} position {pos}: item {} is not in the bank", paper.index, it.item))
        })?;
        let section = spec.sections.get(usize::from(it.section)).ok_or_else(|| {
            invalid(format!("paper {} position {pos}: section {} is not in the spec", paper.index, it.section))
        })?;
        if item.item_type() != section.item_type {
            return Err(invalid(format!(
                "paper {} position {pos}: a {} item in a {} section",
                paper.index,
                item.item_type(),
                section.item_type
            )));
        }
        let order = it.option_order.order.get(..usize::from(it.option_order.len)).unwrap_or_default();
        let mut sorted = order.to_vec();
        sorted.sort_unstable();
        if sorted != (0..item.options().len() as u8).collect::<Vec<_>>() {
            return Err(invalid(format!(
                "paper {} position {pos}: the option order is not a permutation",
                paper.index
            )));
        }
    }
    Ok(())
}
