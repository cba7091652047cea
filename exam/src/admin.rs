//! Organisation tasks on a store opened directly (the command line, the
//! demo, the load tool), outside a running service. The caller commits.

use crate::batch::{default_recheck, default_tolerance, invalid, new_seat, Batch, RosterLine};
use crate::error::{Code, ExamError, Refusal, Result};
use crate::events::{Actor, EventKind};
use crate::log::{EventLog, NewEvent};
use crate::staff::Staff;
use crate::store::Store;
use kaoshi_engine::assemble::{Assembler, Paper};
use kaoshi_engine::seal;
use kaoshi_engine::spec::PaperSpec;
use kaoshi_engine::{BankHash, BankSource};
use serde_json::json;

/// Adds (or replaces) a staff account, logged as `staff_add`. Replacing an
/// account (a new role, password or assignment) ends its sessions.
pub fn add_staff(store: &Store, log: &EventLog, at: i64, actor: &Actor, staff: &Staff) -> Result<()> {
    let mut staff = staff.clone();
    if let Some(old) = store.staff(&staff.user)? {
        staff.epoch = old.epoch + 1;
    }
    let staff = &staff;
    store.put_staff(staff)?;
    log.append(
        at,
        NewEvent {
            actor,
            kind: EventKind::StaffAdd,
            batch: None,
            ticket: None,
            detail: json!({"user": staff.user, "role": staff.role}),
        },
    )?;
    Ok(())
}

/// Disables (or enables) a staff account, logged as `staff_disable`; its
/// sessions end.
pub fn set_staff_disabled(
    store: &Store,
    log: &EventLog,
    at: i64,
    actor: &Actor,
    user: &str,
    disabled: bool,
) -> Result<()> {
    let mut staff =
        store.staff(user)?.ok_or_else(|| Refusal::not_found(Code::StaffInvalid, format!("没有工作人员账号 {user}")))?;
    staff.disabled = disabled;
    staff.epoch += 1;
    store.put_staff(&staff)?;
    let detail = json!({"user": user, "disabled": disabled});
    log.append(at, NewEvent { actor, kind: EventKind::StaffDisable, batch: None, ticket: None, detail })?;
    Ok(())
}

/// Opens sealed bank bytes and puts the attempt on the event log either way
/// (the bank-use ledger): `bank_open` (who, which bank, why) or
/// `bank_open_refused` (who, what, the error). `what` names the file.
pub fn open_bank_logged(
    log: &EventLog,
    at: i64,
    actor: &Actor,
    bytes: &[u8],
    unlock: &kaoshi_engine::seal::Unlock<'_>,
    what: &str,
    reason: &str,
) -> Result<kaoshi_engine::BankSource> {
    let (kind, detail, result) = match kaoshi_engine::seal::open(bytes, unlock) {
        Ok(source) => {
            let hash = kaoshi_engine::BankHash::of(&source.bank).to_hex();
            let detail = json!({"bank": source.bank.meta.id, "bank_hash": hash, "file": what, "reason": reason});
            (EventKind::BankOpen, detail, Ok(source))
        }
        Err(e) => {
            let detail = json!({"file": what, "reason": reason, "error": e.to_string()});
            (EventKind::BankOpenRefused, detail, Err(ExamError::Internal(format!("cannot open {what}: {e}"))))
        }
    };
    log.append(at, NewEvent { actor, kind, batch: None, ticket: None, detail })?;
    result
}

/// Everything `create` needs.
pub struct NewBatch<'a> {
    /// Id.
    pub id: &'a str,
    /// Name.
    pub name: &'a str,
    /// Start (Unix ms).
    pub start: i64,
    /// Seed.
    pub seed: u64,
    /// The sealed bank file's bytes.
    pub sealed: &'a [u8],
    /// The opened bank.
    pub source: &'a BankSource,
    /// Spec to follow.
    pub spec: &'a PaperSpec,
    /// Exam time override, seconds.
    pub duration_seconds: Option<i64>,
    /// Roster.
    pub roster: &'a [RosterLine],
    /// Now (Unix ms).
    pub now: i64,
    /// Who creates it.
    pub actor: &'a Actor,
    /// The filing rules to check the start against (none: not checked).
    pub filing: Option<&'a crate::filing::Filing>,
}

/// Assembles the roster's papers (in parallel) and stores the batch; the
/// caller commits. Returns the batch and the filing rules it breaks (in
/// strict mode a breach refuses it instead), which are logged with it.
pub fn create_batch(store: &Store, log: &EventLog, new: NewBatch<'_>) -> Result<(Batch, Vec<String>)> {
    if new.id.is_empty() || !new.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err(invalid(format!("批次编号 `{}` 只能由 a-z、0-9 和 `-` 组成", new.id)));
    }
    if store.batch(new.id)?.is_some() {
        return Err(Refusal::conflict(Code::BatchExists, format!("批次 {} 已存在", new.id)).into());
    }
    // A ticket names one candidate in the whole data directory: a login finds its batch by it.
    let mut taken = Vec::new();
    for other in store.batches()? {
        for (line, r) in new.roster.iter().enumerate() {
            if store.seat(&other.id, &r.ticket)?.is_some() {
                taken.push(format!("名单第 {} 行：准考证号 {} 已在批次 {} 中使用", line + 2, r.ticket, other.id));
            }
        }
    }
    if !taken.is_empty() {
        return Err(Refusal::conflict(Code::TicketInUse, taken.join("；")).into());
    }
    let warnings = match new.filing {
        Some(f) => {
            let mut w = crate::filing::start_breaches(new.start, new.now, f).map_err(|e| invalid(e.to_string()))?;
            w.extend(f.rooms.iter().flat_map(|r| r.roster_problems(new.roster)));
            w
        }
        None => Vec::new(),
    };
    if !warnings.is_empty() && new.filing.is_some_and(|f| f.settings.strict) {
        return Err(Refusal::conflict(Code::PlanLate, format!("严格模式下不能创建：{}", warnings.join("；"))).into());
    }
    let mut warnings = warnings;
    warnings.extend(crate::filing::under_sixteen(new.roster, new.start));
    let (_, slot) = seal::read_header(new.sealed).map_err(|e| invalid(format!("题库文件不是加密题库：{e}")))?;
    let bank = &new.source.bank;
    let hash = BankHash::of(bank).to_hex();
    let papers: Vec<Paper> = Assembler::new(bank, new.spec, new.seed)
        .and_then(|a| a.batch(new.roster.len() as u64))
        .map_err(|e| invalid(e.to_string()))?;
    let duration_seconds = new.duration_seconds.unwrap_or(i64::from(new.spec.duration_minutes) * 60);
    if duration_seconds <= 0 {
        return Err(invalid("考试时长必须大于 0"));
    }
    let batch = Batch {
        id: new.id.to_string(),
        name: new.name.to_string(),
        start: new.start,
        seed: new.seed,
        bank_id: bank.meta.id.clone(),
        bank_hash: hash.clone(),
        key_id: slot.key_id,
        spec: new.spec.clone(),
        duration_seconds,
        candidates: new.roster.len(),
        created: new.now,
        marking_tolerance: default_tolerance(),
        recheck_share: default_recheck(),
        max_extension_seconds: None,
        code_secret: Some(new_secret()),
        closed: None,
    };
    store.put_sealed_bank(&hash, new.sealed)?;
    for (paper, line) in papers.iter().zip(new.roster) {
        store.put_paper(new.id, paper)?;
        store.put_seat(new.id, &new_seat(line, paper.index, duration_seconds * 1000))?;
    }
    store.put_batch(&batch)?;
    let mut detail = serde_json::json!({
        "name": new.name, "bank": bank.meta.id, "bank_hash": hash, "seed": new.seed,
        "papers": papers.len(), "reason": "batch create: assemble papers",
    });
    if !warnings.is_empty() {
        detail["warnings"] = serde_json::json!(warnings);
    }
    for kind in [EventKind::BankOpen, EventKind::BatchCreate] {
        log.append(
            new.now,
            NewEvent { actor: new.actor, kind, batch: Some(new.id), ticket: None, detail: detail.clone() },
        )?;
    }
    Ok((batch, warnings))
}

/// A new random secret (hex) for a batch's anonymous response codes.
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}
