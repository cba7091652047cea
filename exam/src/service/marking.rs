//! What markers and the group leader do. Markers see an anonymous code, the
//! stem, the response, the reference answer and the rubric — never the
//! candidate or another mark.

use super::core::Exam;
use crate::batch::LoadedBatch;
use crate::error::{Code, ExamError, Refusal, Result};
use crate::events::{Actor, EventKind};
use crate::marking::MarkingRecord;
use crate::results::with_position;
use crate::staff::Staff;
use kaoshi_engine::grade::Grader;
use kaoshi_engine::marking::{next_task, Marker, Stage, Task as EngineTask};
use serde_json::json;

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

impl Exam {
    fn marker(&self, user: &str) -> Result<Marker> {
        let staff: Staff = self.store.staff(user)?.ok_or_else(Refusal::unauthorized)?;
        Ok(Marker { id: staff.user, organisation: staff.organisation, relations: staff.relations })
    }

    fn task(&self, batch: &LoadedBatch, record: MarkingRecord) -> Result<Task> {
        let response = self.store.answer(&batch.batch.id, &record.ticket, record.pos)?.and_then(|a| a.response);
        Ok(Task { record, response })
    }

    fn find(&self, batch: &str, code: &str) -> Result<MarkingRecord> {
        self.store
            .markings(batch)?
            .into_iter()
            .find(|r| r.code == code)
            .ok_or_else(|| Refusal::not_found(Code::ResponseNotFound, format!("response {code}")).into())
    }

    /// The next response for this marker (or none), and how many responses still wait for marks.
    pub fn next_for_marker(&self, id: &str, user: &str) -> Result<(Option<Task>, usize)> {
        let batch = self.batch(id)?;
        let marker = self.marker(user)?;
        let all = self.store.markings(id)?;
        let ids: Vec<&str> = all.iter().map(|r| batch.source.bank.items[r.item as usize].id.as_str()).collect();
        let tasks: Vec<EngineTask<'_>> = all
            .iter()
            .zip(&ids)
            .map(|(r, item)| EngineTask { item, ticket: &r.ticket, organisation: &r.organisation, marking: &r.marking })
            .collect();
        let waiting = all.iter().filter(|r| matches!(r.marking.stage(), Stage::FirstPair | Stage::Third)).count();
        let next = next_task(&tasks, &marker).map(|k| all[k].clone());
        Ok((next.map(|r| self.task(&batch, r)).transpose()?, waiting))
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

    /// An independent mark.
    pub async fn mark(&self, id: &str, user: &str, code: &str, score: f64) -> Result<MarkingRecord> {
        let batch = self.batch(id)?;
        let marker = self.marker(user)?;
        let found = self.find(id, code)?;
        let record = {
            let _guard = self.lock_seat(id, &found.ticket).await;
            let mut r = self
                .store
                .marking(id, &found.ticket, found.pos)?
                .ok_or_else(|| Refusal::not_found(Code::ResponseNotFound, code.to_string()))?;
            if marker.recused_from(&r.ticket, &r.organisation) {
                return Err(Refusal::forbidden(Code::Recused, "you must recuse yourself from this response").into());
            }
            let stage = r.marking.add_mark(user, score, self.now())?;
            self.store.put_marking(id, &r)?;
            self.settle_mark(&batch, &r)?;
            self.event(
                &Actor::Staff(user.to_string()),
                EventKind::Mark,
                Some(id),
                Some(&r.ticket),
                json!({"code": r.code, "pos": r.pos, "score": score, "stage": stage}),
            )?;
            r
        };
        self.commit().await?;
        Ok(record)
    }

    /// The responses on one of the leader's lists.
    pub fn leader_list(&self, id: &str, list: LeaderList) -> Result<Vec<Task>> {
        let batch = self.batch(id)?;
        self.store
            .markings(id)?
            .into_iter()
            .filter(|r| match list {
                LeaderList::Arbitrations => r.marking.stage() == Stage::Leader,
                LeaderList::Recheck => r.due_for_recheck(batch.batch.recheck_share),
            })
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
        let found = self.find(id, code)?;
        let record = {
            let _guard = self.lock_seat(id, &found.ticket).await;
            let mut r = self
                .store
                .marking(id, &found.ticket, found.pos)?
                .ok_or_else(|| Refusal::not_found(Code::ResponseNotFound, code.to_string()))?;
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
}
