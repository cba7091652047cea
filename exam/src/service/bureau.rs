//! Registrations, certificate-upload records and the bureau's metrics.

use super::core::Exam;
use crate::error::{Code, Refusal, Result};
use crate::events::{Actor, EventKind};
use crate::metrics::{compute, BatchFacts, Metrics, Registration};
use serde_json::json;

impl Exam {
    /// Registers an occupation and level; returns every registration.
    pub async fn register_occupation(&self, user: &str, r: Registration) -> Result<Vec<Registration>> {
        r.check()?;
        let mut list = self.store.registrations()?;
        if !list.contains(&r) {
            list.push(r.clone());
            list.sort();
        }
        self.store.put_registrations(&list)?;
        self.event(&Actor::Staff(user.to_string()), EventKind::RegisterOccupation, None, None, json!(r))?;
        self.commit().await?;
        Ok(list)
    }

    /// Records certificate data uploaded to the national platform; returns the batch's total.
    pub async fn record_upload(&self, id: &str, user: &str, count: u64, reference: &str) -> Result<u64> {
        self.batch(id)?;
        if self.store.publication(id)?.is_none() {
            return Err(Refusal::conflict(Code::NotPublished, "成绩公布后才能记录证书上传").into());
        }
        if reference.trim().is_empty() {
            return Err(Refusal::invalid(Code::UploadReferenceRequired, "上传记录需要填写平台回执编号").into());
        }
        let total = self.store.uploads(id)? + count;
        self.store.put_uploads(id, total)?;
        self.event(
            &Actor::Staff(user.to_string()),
            EventKind::CertificateUpload,
            Some(id),
            None,
            json!({"count": count, "reference": reference, "total": total}),
        )?;
        self.commit().await?;
        Ok(total)
    }

    /// The bureau's metrics over every batch.
    pub fn metrics(&self) -> Result<Metrics> {
        let batches = self.batches();
        let mut facts = Vec::new();
        for b in &batches {
            let meta = &b.source.bank.meta;
            facts.push(BatchFacts {
                occupation_code: &meta.occupation_code,
                occupation: &meta.occupation,
                level: meta.level.code(),
                seats: self.store.seats(&b.batch.id)?,
                published: self.store.publication(&b.batch.id)?.is_some(),
                uploaded: self.store.uploads(&b.batch.id)?,
            });
        }
        // The registered scope (scope.toml) counts as registered too.
        let mut registered = self.store.registrations()?;
        if let Ok(Some(scope)) = crate::scope::Scope::load(self.store.dir()) {
            for r in scope.registrations {
                for level in r.levels {
                    let reg = Registration { code: r.occupation_code.clone(), name: r.occupation.clone(), level };
                    if !registered.contains(&reg) {
                        registered.push(reg);
                    }
                }
            }
        }
        Ok(compute(registered, facts))
    }
}
