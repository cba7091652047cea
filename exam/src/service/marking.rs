//! What markers and the group leader do. Markers see an anonymous code, the
//! stem, the response, the reference answer and the rubric — never the
//! candidate or another mark — and mark only what they were assigned. The
//! leader arbitrates and rechecks, never their own marks, their own
//! organisation's candidates or a candidate they declared a relation to.

use super::core::Exam;
use crate::batch::LoadedBatch;
use crate::error::{Code, ExamError, Refusal, Result};
use crate::events::{Actor, EventKind};
use crate::marking::{Lease, MarkingRecord};
use crate::results::with_position;
use crate::staff::{Role, Staff};
use kaoshi_engine::bank::ItemBody;
use kaoshi_engine::grade::Grader;
use kaoshi_engine::marking::{next_task, Marker, Task as EngineTask};
use serde::Serialize;
use serde_json::json;

/// How long a response stays assigned to the marker who fetched it.
pub const LEASE_MS: i64 = 20 * 60 * 1000;

/// A response to mark or decide on: its record and the candidate's answer.
#[derive(Debug, Clone)]
pub struct Task {
    /// The record (the HTTP layer shows only what a marker may see).
    pub record: MarkingRecord,
    /// The saved response text.
    pub response: Option<String>,
}

/// The leader's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaderList {
    /// Responses waiting for arbitration.
    Arbitrations,
    /// Responses due for recheck (every arbitrated one, the sample, appeals).
    Recheck,
}

/// A leader's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decide {
    Arbitration,
    Recheck,
}

/// What the marker's next fetch found.
#[derive(Debug, Clone)]
pub struct Next {
    /// The response assigned to this marker, if any.
    pub task: Option<Task>,
    /// Responses of the batch still waiting for independent marks.
    pub waiting: usize,
    /// Of them, those this marker could mark now (not recused, not marked
    /// by them, not assigned to someone else).
    pub available: usize,
    /// Responses this marker has marked in the batch.
    pub mine: usize,
    /// Responses of the batch with a final score.
    pub done: usize,
    /// Responses of the batch to mark in all.
    pub total: usize,
}

/// A response waiting for marks, and why it waits.
#[derive(Debug, Clone, Serialize)]
pub struct Waiting {
    /// Anonymous code.
    pub code: String,
    /// Marks so far.
    pub marks: usize,
    /// The marker it is assigned to, if any.
    pub assigned_to: Option<String>,
    /// Markers who could mark it.
    pub eligible: Vec<String>,
    /// Why it waits, in words.
    pub reason: String,
}

impl Exam {
    fn marker(&self, user: &str) -> Result<Marker> {
        let staff: Staff = self.store.staff(user)?.ok_or_else(Refusal::unauthorized)?;
        Ok(Marker { id: staff.user, organisation: staff.organisation, relations: staff.relations })
    }

    fn task(&self, batch: &LoadedBatch, record: MarkingRecord) -> Result<Task> {
        let response = self.store.answer(&batch.batch.id, &record.ticket, record.pos)?.and_then(|a| a.response);
        Ok(Task { record, response })
    }

    /// The record a code names (through the batch's code index).
    fn find(&self, batch: &str, code: &str) -> Result<MarkingRecord> {
        let missing = || Refusal::not_found(Code::ResponseNotFound, format!("没有编号为 {code} 的答卷"));
        let (ticket, pos) = self.store.code_holder(batch, code)?.ok_or_else(missing)?;
        Ok(self.store.marking(batch, &ticket, pos)?.ok_or_else(missing)?)
    }

    fn leases(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<(String, String), Lease>> {
        self.leases.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The live lease on a response, if any.
    fn lease_of(&self, batch: &str, code: &str) -> Option<Lease> {
        let now = self.now();
        self.leases().get(&(batch.to_string(), code.to_string())).filter(|l| l.until > now).cloned()
    }

    /// Refuses a change to a response once the results are published: marks
    /// and arbitrations always; a recheck unless an appeal during the notice
    /// reopened the response. Once the notice has ended nothing changes.
    fn check_open(&self, batch: &str, record: &MarkingRecord, recheck: bool) -> Result<()> {
        let Some(p) = self.store.publication(batch)? else { return Ok(()) };
        if self.now() > p.notice_until {
            return Err(Refusal::conflict(Code::MarkingClosed, "公示期已满，成绩已最终确定，不能再修改").into());
        }
        if !(recheck && record.appealed) {
            return Err(
                Refusal::conflict(Code::MarkingClosed, "成绩已公布：只有公示期内经申诉重新开启的答卷才能复核").into()
            );
        }
        Ok(())
    }

    /// The response assigned to this marker — the one they hold, or a new
    /// one by the engine's rotation and recusal rules — with the counts the
    /// marking page shows.
    pub fn next_for_marker(&self, id: &str, user: &str) -> Result<Next> {
        let batch = self.batch(id)?;
        let marker = self.marker(user)?;
        let every = self.store.markings(id)?;
        let mine = every.iter().filter(|r| r.marking.marks.iter().any(|m| m.marker == user)).count();
        let done = every.iter().filter(|r| r.marking.final_score().is_some()).count();
        let total = every.len();
        let all: Vec<MarkingRecord> = every.into_iter().filter(MarkingRecord::wants_marks).collect();
        let now = self.now();
        let mut leases = self.leases();
        leases.retain(|_, l| l.until > now);
        let taken_by_other =
            |r: &MarkingRecord| leases.get(&(id.to_string(), r.code.clone())).is_some_and(|l| l.marker != user);
        let open: Vec<&MarkingRecord> = all
            .iter()
            .filter(|r| {
                !taken_by_other(r)
                    && r.marking.wants_mark_from(user)
                    && !marker.recused_from(&r.ticket, &r.organisation)
            })
            .collect();
        let held = open.iter().find(|r| leases.get(&(id.to_string(), r.code.clone())).is_some());
        let chosen = match held {
            Some(r) => Some((*r).clone()),
            None => {
                let ids: Vec<&str> =
                    open.iter().map(|r| batch.source.bank.items[r.item as usize].id.as_str()).collect();
                let tasks: Vec<EngineTask<'_>> = open
                    .iter()
                    .zip(&ids)
                    .map(|(r, item)| EngineTask {
                        item,
                        ticket: &r.ticket,
                        organisation: &r.organisation,
                        marking: &r.marking,
                    })
                    .collect();
                next_task(&tasks, &marker).map(|k| open[k].clone())
            }
        };
        if let Some(r) = &chosen {
            leases.insert((id.to_string(), r.code.clone()), Lease { marker: user.to_string(), until: now + LEASE_MS });
        }
        let available = open.len();
        drop(leases);
        let task = chosen.map(|r| self.task(&batch, r)).transpose()?;
        Ok(Next { task, waiting: all.len(), available, mine, done, total })
    }

    /// Writes a response's final score into the seat's stored result.
    fn settle_mark(&self, batch: &LoadedBatch, record: &MarkingRecord) -> Result<()> {
        let Some(score) = record.paper_score() else { return Ok(()) };
        let mut seat = self.seat(&batch.batch.id, &record.ticket)?;
        let Some(stored) = seat.result.as_ref() else { return Ok(()) };
        let paper = batch.paper_of(&seat)?;
        let grader = Grader::new(&batch.source.bank, &batch.batch.spec);
        seat.result = Some(with_position(&grader, paper, stored, record.pos, score));
        self.store.put_seat(&batch.batch.id, &seat)?;
        Ok(())
    }

    /// Checks per-point scores against the item's rubric: each point within
    /// 0 … its score in 0.5 steps, and together the mark.
    fn check_points(batch: &LoadedBatch, record: &MarkingRecord, score: f64, points: &[f64]) -> Result<()> {
        let ItemBody::Short { rubric, .. } = &batch.source.bank.items[record.item as usize].body else { return Ok(()) };
        let bad = |m: String| -> Result<()> { Err(Refusal::invalid(Code::RubricPoint, m).into()) };
        if points.len() != rubric.len() {
            return bad(format!("评分要点有 {} 个，给出了 {} 个要点分", rubric.len(), points.len()));
        }
        for (k, (given, point)) in points.iter().zip(rubric).enumerate() {
            if !given.is_finite() || *given < 0.0 || *given > point.score + 1e-9 || (given * 2.0).fract() != 0.0 {
                return bad(format!(
                    "第 {} 个要点“{}”满分 {} 分，给分 {given} 不在 0–{} 之间或不是 0.5 的倍数",
                    k + 1,
                    point.point,
                    point.score,
                    point.score
                ));
            }
        }
        let sum: f64 = points.iter().sum();
        if (sum - score).abs() > 1e-9 {
            return bad(format!("各要点得分合计 {sum} 分，与总分 {score} 分不一致"));
        }
        Ok(())
    }

    /// An independent mark on the response assigned to this marker;
    /// `points`, when given, are the per-point scores of the rubric.
    pub async fn mark(&self, id: &str, user: &str, code: &str, score: f64, points: Option<&[f64]>) -> Result<()> {
        let batch = self.batch(id)?;
        let marker = self.marker(user)?;
        let found = self.find(id, code)?;
        {
            let _guard = self.lock_seat(id, &found.ticket).await;
            let mut r = self.find(id, code)?;
            self.check_open(id, &r, false)?;
            if marker.recused_from(&r.ticket, &r.organisation) {
                return Err(Refusal::forbidden(Code::Recused, "您须回避这份答卷").into());
            }
            if self.lease_of(id, code).is_none_or(|l| l.marker != user) {
                return Err(Refusal::conflict(
                    Code::NotAssigned,
                    "这份答卷没有分配给您，或分配已超时收回：请领取下一份",
                )
                .into());
            }
            if let Some(points) = points {
                Self::check_points(&batch, &r, score, points)?;
            }
            let stage = r.marking.add_mark(user, score, self.now()).map_err(ExamError::from)?;
            self.store.put_marking(id, &r)?;
            self.settle_mark(&batch, &r)?;
            self.event(
                &Actor::Staff(user.to_string()),
                EventKind::Mark,
                Some(id),
                Some(&r.ticket),
                json!({"code": r.code, "pos": r.pos, "score": score, "points": points, "stage": stage}),
            )?;
            self.leases().remove(&(id.to_string(), code.to_string()));
        }
        self.commit().await
    }

    /// Why a leader may not decide on a response: they marked it, or must
    /// recuse from the candidate, or (for a recheck) arbitrated it.
    fn leader_recusal(leader: &Marker, r: &MarkingRecord, recheck: bool) -> Option<&'static str> {
        if r.marking.marks.iter().any(|m| m.marker == leader.id) {
            Some("您评过这份答卷，不能再仲裁或复核")
        } else if leader.recused_from(&r.ticket, &r.organisation) {
            Some("您须回避这份答卷（同单位或声明关系）")
        } else if recheck && r.marking.arbitration.as_ref().is_some_and(|a| a.by == leader.id) {
            Some("这份答卷由您仲裁，复核须由另一位组长进行")
        } else {
            None
        }
    }

    /// The responses on one of the leader's lists that `user` may decide on.
    pub fn leader_list(&self, id: &str, user: &str, list: LeaderList) -> Result<Vec<Task>> {
        let batch = self.batch(id)?;
        let leader = self.marker(user)?;
        self.store
            .markings(id)?
            .into_iter()
            .filter(|r| match list {
                LeaderList::Arbitrations => r.wants_leader(),
                LeaderList::Recheck => r.due_for_recheck(batch.batch.recheck_share),
            })
            .filter(|r| Self::leader_recusal(&leader, r, list == LeaderList::Recheck).is_none())
            .map(|r| self.task(&batch, r))
            .collect()
    }

    /// The leader's arbitration.
    pub async fn arbitrate(&self, id: &str, user: &str, code: &str, score: f64, reason: &str) -> Result<MarkingRecord> {
        self.decide(id, user, code, score, reason, Decide::Arbitration).await
    }

    /// A recheck: confirms the score, or changes it with a reason.
    pub async fn recheck(&self, id: &str, user: &str, code: &str, score: f64, reason: &str) -> Result<MarkingRecord> {
        self.decide(id, user, code, score, reason, Decide::Recheck).await
    }

    async fn decide(
        &self,
        id: &str,
        user: &str,
        code: &str,
        score: f64,
        reason: &str,
        kind: Decide,
    ) -> Result<MarkingRecord> {
        let batch = self.batch(id)?;
        let leader = self.marker(user)?;
        let found = self.find(id, code)?;
        let record = {
            let _guard = self.lock_seat(id, &found.ticket).await;
            let mut r = self.find(id, code)?;
            self.check_open(id, &r, kind == Decide::Recheck)?;
            if let Some(why) = Self::leader_recusal(&leader, &r, kind == Decide::Recheck) {
                return Err(Refusal::forbidden(Code::Recused, why).into());
            }
            let before = r.marking.final_score();
            let now = self.now();
            match kind {
                Decide::Arbitration => r.marking.arbitrate(user, score, reason, now),
                Decide::Recheck => r.marking.recheck(user, score, reason, now),
            }
            .map_err(ExamError::from)?;
            r.appealed = false;
            self.store.put_marking(id, &r)?;
            self.settle_mark(&batch, &r)?;
            let event = match kind {
                Decide::Arbitration => EventKind::Arbitration,
                Decide::Recheck => EventKind::Recheck,
            };
            self.event(
                &Actor::Staff(user.to_string()),
                event,
                Some(id),
                Some(&r.ticket),
                json!({"code": r.code, "pos": r.pos, "before": before, "score": score, "reason": reason}),
            )?;
            r
        };
        self.commit().await?;
        Ok(record)
    }

    /// The markers (and leaders, who mark too) of the data directory.
    fn markers(&self) -> Result<Vec<Marker>> {
        Ok(self
            .store
            .all_staff()?
            .into_iter()
            .filter(|s| matches!(s.role, Role::Marker | Role::Leader))
            .map(|s| Marker { id: s.user, organisation: s.organisation, relations: s.relations })
            .collect())
    }

    /// Every response still waiting for marks, with whom it could go to and why it waits.
    pub fn waiting(&self, id: &str) -> Result<Vec<Waiting>> {
        self.batch(id)?;
        let markers = self.markers()?;
        let now = self.now();
        let mut out = Vec::new();
        for r in self.store.markings(id)?.into_iter().filter(MarkingRecord::wants_marks) {
            let eligible: Vec<String> = markers
                .iter()
                .filter(|m| r.marking.wants_mark_from(&m.id) && !m.recused_from(&r.ticket, &r.organisation))
                .map(|m| m.id.clone())
                .collect();
            let assigned = self.lease_of(id, &r.code);
            let recused = markers.iter().filter(|m| m.recused_from(&r.ticket, &r.organisation)).count();
            let marked = r.marking.marks.len();
            let reason = match (&assigned, eligible.is_empty()) {
                (Some(l), _) => format!("已分配给 {}，{} 分钟内未评将收回", l.marker, (l.until - now + 59_999) / 60_000),
                (None, true) => format!(
                    "没有可评的考评员：共 {} 人，{recused} 人须回避（同单位或声明关系），{marked} 人已评过；请增加考评员后分配",
                    markers.len()
                ),
                (None, false) => format!("待领取：{} 人可评", eligible.len()),
            };
            out.push(Waiting {
                code: r.code,
                marks: marked,
                assigned_to: assigned.map(|l| l.marker),
                eligible,
                reason,
            });
        }
        Ok(out)
    }

    /// A leader or admin assigns a waiting response to a marker who may mark it.
    pub async fn assign(&self, id: &str, by: &str, code: &str, marker: &str) -> Result<()> {
        self.batch(id)?;
        let r = self.find(id, code)?;
        self.check_open(id, &r, false)?;
        let m = self
            .markers()?
            .into_iter()
            .find(|m| m.id == marker)
            .ok_or_else(|| Refusal::not_found(Code::UnknownMarker, format!("没有名为 {marker} 的考评员")))?;
        if !r.wants_marks() {
            return Err(Refusal::conflict(Code::NotAwaitingMarks, "这份答卷不再需要评分").into());
        }
        if m.recused_from(&r.ticket, &r.organisation) {
            return Err(Refusal::forbidden(Code::Recused, format!("{marker} 须回避这份答卷，不能分配给他")).into());
        }
        if !r.marking.wants_mark_from(marker) {
            return Err(Refusal::conflict(Code::AlreadyMarked, format!("{marker} 已评过这份答卷")).into());
        }
        self.leases().insert(
            (id.to_string(), code.to_string()),
            Lease { marker: marker.to_string(), until: self.now() + LEASE_MS },
        );
        self.event(
            &Actor::Staff(by.to_string()),
            EventKind::Assign,
            Some(id),
            Some(&r.ticket),
            json!({"code": code, "marker": marker}),
        )?;
        self.commit().await
    }
}
