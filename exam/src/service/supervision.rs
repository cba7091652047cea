//! Supervision records on a running server: a supervisor files findings
//! for a batch; a supervisor or an admin closes them with what was done.
//! Each step is on the event log (and so in the batch's archive).

use super::core::Exam;
use crate::error::Result;
use crate::events::{Actor, EventKind};
use crate::supervision::{close, new_finding, Finding};
use serde_json::json;

fn no_batch(id: &str) -> crate::error::ExamError {
    crate::error::Refusal::not_found(crate::error::Code::BatchNotFound, format!("没有批次 {id}")).into()
}

impl Exam {
    /// A batch's supervision records.
    pub fn findings(&self, id: &str) -> Result<Vec<Finding>> {
        self.store.batch(id)?.ok_or_else(|| no_batch(id))?;
        Ok(self.store.findings(id)?)
    }

    /// Every batch's supervision records: the rectification ledger (整改台账).
    pub fn supervision_ledger(&self, batches: impl Fn(&str) -> bool) -> Result<Vec<Finding>> {
        let mut out = Vec::new();
        for b in self.store.batches()?.into_iter().filter(|b| batches(&b.id)) {
            out.extend(self.store.findings(&b.id)?);
        }
        Ok(out)
    }

    /// Files a supervision record for batch `id`.
    pub async fn record_finding(
        &self,
        id: &str,
        room: &str,
        category: &str,
        finding: &str,
        user: &str,
    ) -> Result<Finding> {
        let _lock = self.lock_seat(id, "#supervision").await;
        let mut all = self.findings(id)?;
        let rooms = self.rooms_of(id)?;
        if !rooms.iter().any(|r| r == room.trim()) && !crate::supervision::WHOLE.contains(&room.trim()) {
            let message = format!(
                "本批次没有考场“{room}”（可用：{}、{}）",
                rooms.join("、"),
                crate::supervision::WHOLE.join("、")
            );
            return Err(crate::error::Refusal::invalid(crate::error::Code::FindingInvalid, message).into());
        }
        let f = new_finding(&all, id, self.now(), room, category, finding, user)?;
        all.push(f.clone());
        self.store.put_findings(id, &all)?;
        let detail = json!({"no": f.no, "room": f.room, "category": f.category, "finding": f.finding});
        self.event(&Actor::Staff(user.to_string()), EventKind::SupervisionFinding, Some(id), None, detail)?;
        self.commit().await?;
        Ok(f)
    }

    /// Closes supervision record `no` of batch `id` with what was done (对账销号).
    pub async fn close_finding(&self, id: &str, no: u32, action: &str, user: &str) -> Result<Finding> {
        let _lock = self.lock_seat(id, "#supervision").await;
        let mut all = self.findings(id)?;
        let f = close(&mut all, no, self.now(), user, action)?;
        self.store.put_findings(id, &all)?;
        let action = f.closed.as_ref().map(|c| c.action.clone()).unwrap_or_default();
        let detail = json!({"no": no, "action": action});
        self.event(&Actor::Staff(user.to_string()), EventKind::SupervisionClose, Some(id), None, detail)?;
        self.commit().await?;
        Ok(f)
    }

    /// The rooms of a batch, in the roster's order.
    pub fn rooms_of(&self, id: &str) -> Result<Vec<String>> {
        self.store.batch(id)?.ok_or_else(|| no_batch(id))?;
        let mut rooms: Vec<String> = Vec::new();
        for s in self.store.seats(id)? {
            if !rooms.contains(&s.room) {
                rooms.push(s.room);
            }
        }
        Ok(rooms)
    }

    /// The staff a batch's plan names.
    pub fn batch_plan(&self, id: &str) -> Result<crate::plan::Plan> {
        Ok(self.store.batch(id)?.ok_or_else(|| no_batch(id))?.plan)
    }

    /// The batch's plan against what happened (计划与实际).
    pub fn plan_report(&self, id: &str) -> Result<crate::plan::Report> {
        let batch = self.store.batch(id)?.ok_or_else(|| no_batch(id))?;
        let seats = self.store.seats(id)?;
        let events: Vec<_> = self.log.all()?.into_iter().filter(|e| e.batch.as_deref() == Some(id)).collect();
        Ok(crate::plan::report(&batch.plan, &seats, &events))
    }
}
