//! What the organisation does on a running server: store sealed banks and
//! create batches while other batches are being sat. Heavy work (opening a
//! bank, assembling papers) runs on the blocking pool so that seats keep
//! their cores; every step is on the event log.

use super::core::Exam;
use crate::admin::{create_batch, NewBatch};
use crate::batch::{LoadedBatch, RosterLine};
use crate::error::{Code, ExamError, Refusal, Result};
use crate::events::{Actor, EventKind};
use crate::seat::Status;
use kaoshi_engine::hash::BankHash;
use kaoshi_engine::seal;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A stored sealed bank, as its header describes it.
#[derive(Debug, Clone, Serialize)]
pub struct BankInfo {
    /// Content hash (the store's key).
    pub bank_hash: String,
    /// Bank id.
    pub bank_id: String,
    /// Bank version.
    pub version: u32,
    /// Title.
    pub title: String,
    /// Occupation code and name.
    pub occupation_code: String,
    /// Occupation.
    pub occupation: String,
    /// Level code.
    pub level: String,
    /// Items.
    pub items: u64,
    /// The key it is sealed under.
    pub key_id: String,
    /// Size of the sealed file.
    pub sealed_bytes: usize,
    /// Batches using it.
    pub batches: Vec<String>,
}

/// A batch to create on the running server.
#[derive(Debug, Clone)]
pub struct BatchRequest {
    /// Id (default: `batch-YYYYMMDD-HHMMSS` by the server's clock).
    pub id: Option<String>,
    /// Name.
    pub name: String,
    /// The stored bank's content hash.
    pub bank_hash: String,
    /// Start (Unix ms).
    pub start: i64,
    /// Seed.
    pub seed: u64,
    /// Exam time override, seconds.
    pub duration_seconds: Option<i64>,
    /// A `paper.toml` instead of the bank's own.
    pub spec_toml: Option<String>,
    /// The roster, parsed.
    pub roster: Vec<RosterLine>,
    /// A drill: the filing rules warn even in strict mode.
    pub drill: bool,
    /// The staff the plan puts on the batch.
    pub plan: crate::plan::Plan,
}

/// Why a sealed bank does not open, for the people at the console.
fn seal_zh(e: &seal::SealError) -> String {
    use seal::SealError as E;
    match e {
        E::WrongKey { sealed_with, given } => {
            format!("该题库用密钥 {sealed_with} 加密，服务器启动时提供的机构密钥是 {given}")
        }
        E::NeedsPassphrase => "该题库用口令加密，服务器启动时提供的是密钥文件".into(),
        E::NeedsKeyFile => "该题库用密钥文件加密，服务器启动时提供的是口令".into(),
        E::HeaderTampered | E::BodyTampered => "文件内容校验失败：文件已损坏或被改动".into(),
        E::NotSealedBank | E::Truncated { .. } | E::TrailingBytes { .. } | E::HeaderDamaged(_) => {
            "不是完整的 kaoshi 加密题库文件".into()
        }
        E::UnsupportedVersion { .. } => "题库文件格式版本过新，请升级 kaoshi".into(),
        other => format!("题库内容无法解析（{other}）"),
    }
}

fn refused(message: impl Into<String>) -> ExamError {
    Refusal::invalid(Code::BatchInvalid, message).into()
}

impl Exam {
    fn org_key(&self) -> Result<&crate::org_key::OrgKey> {
        self.key
            .as_ref()
            .ok_or_else(|| refused("服务器启动时没有提供机构密钥（--key-file 或 --passphrase-env），无法打开题库"))
    }

    /// A roster.csv's lines, checked as at `batch create` (identity numbers
    /// against today's date by the exam clock).
    pub fn parse_roster(&self, text: &str) -> Result<Vec<RosterLine>> {
        let today = chrono::DateTime::from_timestamp_millis(self.now()).unwrap_or_default().date_naive();
        crate::batch::parse_roster(text, "roster.csv", today)
    }

    /// Every stored sealed bank.
    pub fn banks(&self) -> Result<Vec<BankInfo>> {
        let batches = self.store.batches()?;
        let mut out = Vec::new();
        for hash in self.store.bank_hashes()? {
            let Some(sealed) = self.store.sealed_bank(&hash)? else { continue };
            let (h, slot) = seal::read_header(&sealed)
                .map_err(|e| ExamError::Internal(format!("stored bank {hash} does not read: {e}")))?;
            out.push(BankInfo {
                batches: batches.iter().filter(|b| b.bank_hash == hash).map(|b| b.id.clone()).collect(),
                bank_hash: hash,
                bank_id: h.bank_id,
                version: h.bank_version,
                title: h.title,
                occupation_code: h.occupation_code,
                occupation: h.occupation,
                level: h.level,
                items: h.item_count,
                key_id: slot.key_id,
                sealed_bytes: sealed.len(),
            });
        }
        Ok(out)
    }

    /// Stores an uploaded sealed bank once it opens with the organisation's
    /// key (the open is on the ledger); returns it as listed.
    pub async fn upload_bank(self: &Arc<Self>, sealed: Vec<u8>, user: &str) -> Result<BankInfo> {
        seal::read_header(&sealed).map_err(|_| refused("上传的文件不是 kaoshi 加密题库（.kbank），或文件已损坏"))?;
        self.org_key()?;
        let exam = self.clone();
        let (hash, bank_id) = tokio::task::spawn_blocking(move || -> Result<(String, String)> {
            let key = exam.org_key()?;
            let source =
                seal::open(&sealed, &key.unlock()).map_err(|e| refused(format!("题库无法打开：{}", seal_zh(&e))))?;
            let hash = BankHash::of(&source.bank).to_hex();
            exam.store.put_sealed_bank(&hash, &sealed)?;
            Ok((hash, source.bank.meta.id.clone()))
        })
        .await
        .map_err(|e| ExamError::Internal(format!("bank upload: {e}")))??;
        let detail = serde_json::json!({"bank": bank_id, "bank_hash": hash, "reason": "bank upload: stored on the running server"});
        self.event(&Actor::Staff(user.to_string()), EventKind::BankOpen, None, None, detail)?;
        self.commit().await?;
        self.banks()?
            .into_iter()
            .find(|b| b.bank_hash == hash)
            .ok_or_else(|| ExamError::Internal(format!("bank {hash} vanished after upload")))
    }

    /// Creates a batch on the running server: opens its bank, assembles a
    /// paper per roster line and puts it into service at once (its
    /// candidates can log in from the start).
    /// Returns the batch and the filing rules its start breaks (warnings:
    /// in strict mode a breach refuses the batch).
    pub async fn create_batch(
        self: &Arc<Self>,
        req: BatchRequest,
        user: &str,
    ) -> Result<(Arc<LoadedBatch>, Vec<String>)> {
        self.org_key()?;
        let filing = crate::filing::Filing::load(self.store.dir()).map_err(refused)?;
        let filing = if req.drill { filing.lenient() } else { filing };
        let sealed = self
            .store
            .sealed_bank(&req.bank_hash)?
            .ok_or_else(|| refused(format!("没有内容哈希为 {} 的题库，请先上传", req.bank_hash)))?;
        let id = req.id.clone().filter(|i| !i.trim().is_empty()).unwrap_or_else(|| {
            // Named by China time, as the command line names it by local time.
            let local =
                chrono::DateTime::from_timestamp_millis(self.now()).unwrap_or_default() + chrono::Duration::hours(8);
            local.format("batch-%Y%m%d-%H%M%S").to_string()
        });
        let exam = self.clone();
        let actor = Actor::Staff(user.to_string());
        let loaded = tokio::task::spawn_blocking(move || -> Result<(LoadedBatch, Vec<String>)> {
            let key = exam.org_key()?;
            let source =
                seal::open(&sealed, &key.unlock()).map_err(|e| refused(format!("题库无法打开：{}", seal_zh(&e))))?;
            let spec = match &req.spec_toml {
                Some(text) => kaoshi_engine::bank::parse_spec_file(text)
                    .map_err(|e| refused(format!("试卷规格（paper.toml）有误：{e}")))?,
                None => source.spec.clone().ok_or_else(|| refused("该题库没有自带试卷规格，请上传 paper.toml"))?,
            };
            let batch = create_batch(
                &exam.store,
                &exam.log,
                NewBatch {
                    id: &id,
                    name: &req.name,
                    start: req.start,
                    seed: req.seed,
                    sealed: &sealed,
                    source: &source,
                    spec: &spec,
                    duration_seconds: req.duration_seconds,
                    roster: &req.roster,
                    now: exam.now(),
                    actor: &actor,
                    filing: Some(&filing),
                    plan: &req.plan,
                    drill: req.drill,
                },
            )?;
            let papers = exam.store.papers(&batch.0.id)?;
            Ok((LoadedBatch { batch: batch.0, source, papers }, batch.1))
        })
        .await
        .map_err(|e| ExamError::Internal(format!("batch create: {e}")))??;
        let (loaded, warnings) = loaded;
        let loaded = self.open_batch(loaded);
        self.commit().await?;
        Ok((loaded, warnings))
    }

    /// Closes a batch once every candidate who started has handed in (the
    /// rest are absent): its bank and papers leave memory; marking and
    /// results reopen them when asked.
    pub async fn close_batch(&self, id: &str, user: &str) -> Result<()> {
        let loaded = self.batch(id)?;
        if loaded.batch.closed.is_some() {
            return Ok(());
        }
        let seats = self.store.seats(id)?;
        let busy: Vec<&str> =
            seats.iter().filter(|s| s.started && s.status != Status::Submitted).map(|s| s.ticket.as_str()).collect();
        if !busy.is_empty() {
            return Err(Refusal::conflict(
                Code::BatchBusy,
                format!(
                    "还有 {} 位已开考的考生未交卷（{}），不能关闭批次",
                    busy.len(),
                    busy.iter().take(5).copied().collect::<Vec<_>>().join("、")
                ),
            )
            .into());
        }
        // A candidate still waiting at a seat (never started) is logged out.
        for mut seat in seats.iter().filter(|s| s.session.is_some()).cloned() {
            if let Some(hash) = seat.session.take() {
                self.store.remove_session(&hash)?;
            }
            self.store.put_seat(id, &seat)?;
        }
        let mut batch = loaded.batch.clone();
        batch.closed = Some(self.now());
        self.store.put_batch(&batch)?;
        let absent = seats.iter().filter(|s| !s.started).count();
        let detail = serde_json::json!({"submitted": seats.len() - absent, "absent": absent});
        self.event(&Actor::Staff(user.to_string()), EventKind::BatchClose, Some(id), None, detail)?;
        self.release_batch(id);
        self.commit().await?;
        Ok(())
    }

    /// Every batch in the store, open or closed, with its live counts.
    pub fn batch_summaries(&self) -> Result<Vec<BatchSummary>> {
        let now = self.now();
        let mut out = Vec::new();
        for b in self.store.batches()? {
            let mut statuses: BTreeMap<&'static str, usize> = BTreeMap::new();
            for s in self.store.seats(&b.id)? {
                *statuses.entry(s.shown_status(now)).or_default() += 1;
            }
            let markings = self.store.markings(&b.id)?;
            let publication = self.store.publication(&b.id)?;
            out.push(BatchSummary {
                submitted: statuses.get("submitted").copied().unwrap_or(0),
                statuses,
                responses: markings.len(),
                marked: markings.iter().filter(|m| m.paper_score().is_some()).count(),
                published: publication.map(|p| p.at),
                id: b.id,
                name: b.name,
                start: b.start,
                duration_seconds: b.duration_seconds,
                candidates: b.candidates,
                bank: b.bank_id,
                title: b.spec.title,
                closed: b.closed,
                drill: b.drill,
            });
        }
        Ok(out)
    }
}

/// A batch as the organisation console lists it.
#[derive(Debug, Clone, Serialize)]
pub struct BatchSummary {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Start (Unix ms).
    pub start: i64,
    /// Exam time, seconds.
    pub duration_seconds: i64,
    /// Candidates.
    pub candidates: usize,
    /// Bank id.
    pub bank: String,
    /// Paper title.
    pub title: String,
    /// When closed.
    pub closed: Option<i64>,
    /// A drill (演练).
    pub drill: bool,
    /// Seats by status as the proctors see it.
    pub statuses: BTreeMap<&'static str, usize>,
    /// Seats handed in.
    pub submitted: usize,
    /// Short responses to mark.
    pub responses: usize,
    /// Of which with a final mark.
    pub marked: usize,
    /// When results were published.
    pub published: Option<i64>,
}
