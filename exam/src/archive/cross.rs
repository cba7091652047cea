//! Cross-checks inside an archive: the records must agree with the event
//! segment that logged them. Every answer is the last `answer_save` of its
//! position, every mark, arbitration and recheck is an event by the same
//! person with the same score, and every checkpoint names an event of the
//! segment. So editing one record — a candidate's answers, a mark — is
//! caught even when the forger recomputed the archive's unkeyed hashes;
//! rewriting the events too is caught by an outside head or the signature.

use super::error::{invalid, Result};
use super::v2;
use std::collections::{BTreeMap, HashMap};

/// The events of the segment by hash, for `--head`.
pub(super) fn find_head(events: &[v2::Event], head: &str) -> Option<u64> {
    events.iter().find_map(|e| match e {
        v2::Event::Full(f) if f.hash == head => Some(f.seq),
        v2::Event::Stub(s) if s.hash == head => Some(s.seq),
        _ => None,
    })
}

fn full(events: &[v2::Event]) -> impl Iterator<Item = &v2::FullEvent> {
    events.iter().filter_map(|e| match e {
        v2::Event::Full(f) => Some(f),
        v2::Event::Stub(_) => None,
    })
}

/// Every archived answer is the last `answer_save` event of its position
/// (response and sequence number), and every saved position has its answer.
pub(super) fn answers(answers: &[v2::Answer], events: &[v2::Event]) -> Result<usize> {
    let mut last: HashMap<(&str, usize), (Option<&str>, u64, u64)> = HashMap::new();
    for e in full(events).filter(|e| e.kind == "answer_save") {
        let (Some(ticket), Some(pos)) = (e.ticket.as_deref(), e.detail["pos"].as_u64()) else {
            return Err(invalid(format!("event {}: an answer_save without ticket or position", e.seq)));
        };
        let Ok(pos) = usize::try_from(pos) else {
            return Err(invalid(format!("event {}: position {pos} is out of range", e.seq)));
        };
        let response = e.detail["response"].as_str().filter(|r| !r.is_empty());
        last.insert((ticket, pos), (response, e.detail["seq"].as_u64().unwrap_or(0), e.seq));
    }
    for a in answers {
        let Some((response, seq, event)) = last.remove(&(a.ticket.as_str(), a.pos)) else {
            return Err(invalid(format!(
                "answer of {} at position {}: no answer_save event logged it (the answer was added)",
                a.ticket, a.pos
            )));
        };
        if response != a.response.as_deref().filter(|r| !r.is_empty()) || seq != a.seq {
            return Err(invalid(format!(
                "answer of {} at position {}: the archive holds {:?} (seq {}), event {event} logged {:?} (seq {seq}): the answer was changed",
                a.ticket, a.pos, a.response, a.seq, response
            )));
        }
    }
    if let Some(((ticket, pos), (_, _, event))) = last.into_iter().min_by_key(|(_, v)| v.2) {
        return Err(invalid(format!(
            "event {event} logged an answer of {ticket} at position {pos} that the archive does not hold (the answer was removed)"
        )));
    }
    Ok(answers.len())
}

/// `(kind, who, code, score in half points)`, counted.
type Decisions<'a> = BTreeMap<(&'a str, String, &'a str, i64), i64>;

fn half_points(score: f64) -> i64 {
    (score * 2.0).round() as i64
}

/// Every mark, arbitration and recheck of the marking records is an event
/// by the same person with the same score, and the other way round (a
/// recheck an appeal cleared excepted; blank answers' automatic zeros are
/// the system's).
pub(super) fn marks(markings: &[v2::Marking], events: &[v2::Event]) -> Result<usize> {
    let ticket_of: HashMap<&str, &str> = markings.iter().map(|m| (m.code.as_str(), m.ticket.as_str())).collect();
    let mut logged: Decisions = BTreeMap::new();
    for e in full(events) {
        let kind = match e.kind.as_str() {
            "mark" | "arbitration" | "recheck" => e.kind.as_str(),
            "appeal" => {
                // An appeal clears the rechecks of the candidate's responses.
                let ticket = e.ticket.as_deref();
                logged.retain(|(k, _, code, _), _| !(*k == "recheck" && ticket_of.get(code).copied() == ticket));
                continue;
            }
            _ => continue,
        };
        if e.actor == "system" {
            continue;
        }
        let (Some(code), Some(score)) = (e.detail["code"].as_str(), e.detail["score"].as_f64()) else {
            return Err(invalid(format!("event {}: a {kind} without code or score", e.seq)));
        };
        let who = e.actor.strip_prefix("staff:").unwrap_or(&e.actor).to_string();
        *logged.entry((kind, who, code, half_points(score))).or_default() += 1;
    }
    let mut recorded: Decisions = BTreeMap::new();
    let mut count = 0;
    for m in markings {
        let code = m.code.as_str();
        for k in &m.marking.marks {
            *recorded.entry(("mark", k.marker.clone(), code, half_points(k.score))).or_default() += 1;
        }
        if let Some(a) = &m.marking.arbitration {
            *recorded.entry(("arbitration", a.by.clone(), code, half_points(a.score))).or_default() += 1;
        }
        for r in &m.marking.rechecks {
            *recorded.entry(("recheck", r.by.clone(), code, half_points(r.score))).or_default() += 1;
        }
        count += m.marking.marks.len() + m.marking.rechecks.len() + usize::from(m.marking.arbitration.is_some());
    }
    if logged != recorded {
        let differs = recorded
            .iter()
            .find(|(k, n)| logged.get(k) != Some(n))
            .map(|(k, _)| (k, "the archive holds it, no event logged it"))
            .or_else(|| {
                logged
                    .iter()
                    .find(|(k, n)| recorded.get(k) != Some(n))
                    .map(|(k, _)| (k, "an event logged it, the archive does not hold it"))
            });
        let detail = differs.map_or_else(String::new, |((kind, who, code, half), why)| {
            format!(": {kind} of response {code} by {who}, {} points — {why}", *half as f64 / 2.0)
        });
        return Err(invalid(format!("the marking records do not match the marking events{detail}")));
    }
    Ok(count)
}

/// Every archived checkpoint names an event of the segment, with its hash.
/// (Archives before version 3 kept the store's last checkpoint, often past
/// the segment: those are not checked.)
pub(super) fn checkpoints(checkpoints: &[v2::Checkpoint], events: &[v2::Event], version: u64) -> Result<usize> {
    let by_seq: HashMap<u64, &str> = events
        .iter()
        .map(|e| match e {
            v2::Event::Full(f) => (f.seq, f.hash.as_str()),
            v2::Event::Stub(s) => (s.seq, s.hash.as_str()),
        })
        .collect();
    let mut checked = 0;
    for c in checkpoints {
        match by_seq.get(&c.seq) {
            Some(h) if *h == c.hash => checked += 1,
            Some(h) => {
                return Err(invalid(format!(
                    "checkpoint at event {} says {}, the chain has {h}: the chain was rewritten",
                    c.seq, c.hash
                )))
            }
            None if version < 3 => {}
            None => return Err(invalid(format!("checkpoint at event {} lies outside the archived segment", c.seq))),
        }
    }
    Ok(checked)
}
