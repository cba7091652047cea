//! Score totalling, publication, appeals, exports and the archive.

use super::core::Exam;
use crate::error::{Code, Refusal, Result};
use crate::events::{Actor, EventKind};
use crate::exports::{item_stats, result_tables, Table};
use crate::results::{notice_end, recount, Publication, Totals, NOTICE_WORKING_DAYS};
use serde_json::json;

fn heading(batch: &crate::batch::LoadedBatch) -> crate::exports::Heading<'_> {
    let meta = &batch.source.bank.meta;
    crate::exports::Heading {
        occupation_code: &meta.occupation_code,
        occupation: &meta.occupation,
        level: meta.level.code(),
        creator: &batch.batch.created_by,
    }
}

/// A file to hand out.
#[derive(Debug, Clone)]
pub struct ExportFile {
    /// File name for the download (`batch-results.csv`).
    pub name: String,
    /// MIME type.
    pub mime: &'static str,
    /// Contents.
    pub bytes: Vec<u8>,
}

impl Exam {
    /// Recounts the batch; with its publication and whether the results are final.
    pub fn totals(&self, id: &str) -> Result<(Totals, Option<Publication>, bool)> {
        let batch = self.batch(id)?;
        let seats = self.store.seats(id)?;
        let markings = self.store.markings(id)?;
        let mut failed = None;
        let t = recount(&batch, &seats, markings, |seat| {
            self.responses(&batch, seat).unwrap_or_else(|e| {
                failed = Some(e);
                Vec::new()
            })
        });
        if let Some(e) = failed {
            return Err(e);
        }
        let publication = self.store.publication(id)?;
        let fin = publication.as_ref().is_some_and(|p| self.now() > p.notice_until);
        Ok((t, publication, fin))
    }

    /// Publishes the results: blocked by any sitting seat, unmarked
    /// response, due recheck or totalling mismatch.
    pub async fn publish(&self, id: &str, user: &str) -> Result<Publication> {
        self.batch(id)?;
        if self.store.publication(id)?.is_some() {
            return Err(Refusal::conflict(Code::AlreadyPublished, "成绩已经公布").into());
        }
        let (t, _, _) = self.totals(id)?;
        let blockers = t.blockers();
        if !blockers.is_empty() {
            return Err(
                Refusal::conflict(Code::PublishBlocked, format!("暂不能公布成绩：{}", blockers.join("；"))).into()
            );
        }
        let at = self.now();
        let calendar = crate::calendar::load_dir(Some(self.store.dir()))
            .map_err(|e| Refusal::conflict(Code::PublishBlocked, format!("暂不能公布成绩：{e}")))?;
        let notice_until = notice_end(at, NOTICE_WORKING_DAYS, &calendar)
            .map_err(|e| Refusal::conflict(Code::PublishBlocked, format!("暂不能公布成绩：公示期无法计算：{e}")))?;
        let publication = Publication { at, by: user.to_string(), notice_until };
        self.store.put_publication(id, &publication)?;
        self.event(
            &Actor::Staff(user.to_string()),
            EventKind::Publish,
            Some(id),
            None,
            json!({"notice_until": publication.notice_until, "submitted": t.submitted, "absent": t.absent}),
        )?;
        self.commit().await?;
        Ok(publication)
    }

    /// During the notice, sends a candidate's marked answers back to recheck;
    /// returns how many.
    pub async fn appeal(&self, id: &str, user: &str, ticket: &str, reason: &str) -> Result<usize> {
        let publication = self
            .store
            .publication(id)?
            .ok_or_else(|| Refusal::conflict(Code::NotPublished, "成绩公布后才能受理申诉"))?;
        if self.now() > publication.notice_until {
            return Err(Refusal::conflict(Code::NoticeEnded, "公示期已满，成绩已最终确定").into());
        }
        if reason.trim().is_empty() {
            return Err(Refusal::invalid(Code::AppealReasonRequired, "申诉需要填写理由").into());
        }
        self.seat(id, ticket)?;
        let mut reopened = 0;
        for mut r in self.store.markings(id)? {
            if r.ticket == ticket && r.marking.final_score().is_some() {
                r.appealed = true;
                r.marking.rechecks.clear();
                self.store.put_marking(id, &r)?;
                reopened += 1;
            }
        }
        self.event(
            &Actor::Staff(user.to_string()),
            EventKind::Appeal,
            Some(id),
            Some(ticket),
            json!({"reason": reason, "rechecks": reopened}),
        )?;
        self.commit().await?;
        Ok(reopened)
    }

    /// An export file: `results.csv|xlsx`, `certificates.csv|xlsx` (after
    /// publication), `items`, `registrations`, `review`, `supervision`,
    /// `plan` (`.csv|.xlsx`). Logged.
    pub async fn export(&self, id: &str, user: &str, file: &str) -> Result<ExportFile> {
        let batch = self.batch(id)?;
        let (table, format) = Table::parse(file)?;
        if table.after_publication() && self.store.publication(id)?.is_none() {
            return Err(Refusal::conflict(Code::NotPublished, "成绩公布后才能导出").into());
        }
        let seats = self.store.seats(id)?;
        let rows = match table {
            Table::Results => result_tables(&batch, &seats).0,
            Table::Certificates => result_tables(&batch, &seats).1,
            Table::Items => {
                let mut failed = None;
                let rows = item_stats(&batch, &seats, |seat| {
                    self.responses(&batch, seat).unwrap_or_else(|e| {
                        failed = Some(e);
                        Vec::new()
                    })
                })?;
                if let Some(e) = failed {
                    return Err(e);
                }
                rows
            }
            Table::Registrations => crate::exports::registrations(&seats, &heading(&batch)),
            Table::Review => crate::exports::review_form(&seats, &heading(&batch)),
            Table::Supervision => crate::supervision::rows(&self.store.findings(id)?),
            Table::Plan => self.plan_report(id)?.rows(),
        };
        let bytes = format.write(table.sheet(), &rows)?;
        self.event(
            &Actor::Staff(user.to_string()),
            EventKind::Export,
            Some(id),
            None,
            json!({"file": file, "rows": rows.len() - 1}),
        )?;
        self.commit().await?;
        Ok(ExportFile { name: format!("{id}-{file}"), mime: format.mime(), bytes })
    }

    /// The batch archive (logged as an export).
    pub async fn archive(&self, id: &str, user: &str) -> Result<ExportFile> {
        self.batch(id)?;
        self.event(&Actor::Staff(user.to_string()), EventKind::Export, Some(id), None, json!({"file": "archive"}))?;
        self.take_checkpoint()?;
        let bytes = crate::archive::export(&self.store, id, self.now(), self.signing_key.as_ref())
            .map_err(|e| crate::error::ExamError::Internal(format!("archive of {id}: {e}")))?;
        self.commit().await?;
        Ok(ExportFile { name: format!("{id}.kar"), mime: "application/x-ndjson", bytes })
    }
}
