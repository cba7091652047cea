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
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

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
    /// The staff the plan puts on the batch.
    pub plan: &'a crate::plan::Plan,
    /// A drill (演练): marked on the batch and its log record.
    pub drill: bool,
}

/// The filing rules a batch breaks, each named: the start, the registered
/// scope, the rooms, the staff on the plan, the candidates' declarations.
/// Whether the start is among them comes second (it has its own code).
fn plan_breaches(store: &Store, new: &NewBatch<'_>, f: &crate::filing::Filing) -> Result<(Vec<String>, bool)> {
    let mut out = crate::filing::start_breaches(new.start, new.now, f).map_err(|e| invalid(e.to_string()))?;
    let late = !out.is_empty();
    let meta = &new.source.bank.meta;
    let (occupation_code, level) = (meta.occupation_code.as_str(), meta.level.code());
    let day = crate::filing::day_of(new.start);
    if let Some(scope) = &f.scope {
        out.extend(scope.breach(occupation_code, level, day, f.settings.scope_validity_years));
    }
    out.extend(f.rooms.iter().flat_map(|r| r.roster_problems(new.roster)));
    if let Some(people) = &f.personnel {
        use crate::personnel::{Duty, Exam};
        let plan: Vec<_> = Duty::ALL.iter().map(|d| (*d, new.plan.of(*d))).collect();
        out.extend(people.assignment_breaches(&plan, Exam { occupation_code, level, day }, &f.settings));
    }
    out.extend(account_breaches(store, new.plan)?);
    for (i, line) in new.roster.iter().enumerate() {
        if let Some(m) = line.review.mismatch(occupation_code, &meta.occupation, level) {
            out.push(format!("名单第 {} 行：{m}", i + 2));
        }
    }
    Ok((out, late))
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
    let (mut warnings, late) = match new.filing {
        Some(f) => plan_breaches(store, &new, f)?,
        None => (Vec::new(), false),
    };
    if !warnings.is_empty() && new.filing.is_some_and(|f| f.settings.strict) {
        let code = if late { Code::PlanLate } else { Code::PlanBreach };
        return Err(Refusal::conflict(code, format!("严格模式下不能创建：{}", warnings.join("；"))).into());
    }
    let young = crate::filing::under_sixteen(new.roster, new.start);
    warnings.extend(young.iter().map(|(_, w)| w.clone()));
    warnings.extend(not_approved(new.roster));
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
        plan: new.plan.clone(),
        created_by: new.actor.to_string(),
        drill: new.drill,
        face: Default::default(),
    };
    store.put_sealed_bank(&hash, new.sealed)?;
    for (i, (paper, line)) in papers.iter().zip(new.roster).enumerate() {
        store.put_paper(new.id, paper)?;
        let mut seat = new_seat(line, paper.index, duration_seconds * 1000);
        seat.under_sixteen = young.iter().any(|(k, _)| *k == i);
        store.put_seat(new.id, &seat)?;
    }
    store.put_batch(&batch)?;
    let mut detail = serde_json::json!({
        "name": new.name, "bank": bank.meta.id, "bank_hash": hash, "seed": new.seed,
        "papers": papers.len(), "reason": "batch create: assemble papers",
    });
    if !warnings.is_empty() {
        detail["warnings"] = serde_json::json!(warnings);
    }
    let rooms = new.filing.and_then(|f| f.rooms.as_ref());
    let filed = filed(new.source, new.start, duration_seconds, new.roster, rooms, new.plan);
    detail["plan"] = serde_json::json!(filed);
    if let Some(f) = new.filing {
        detail["registers"] = registers_used(f, &new);
    }
    detail["review"] = review_summary(new.roster, new.actor);
    if new.drill {
        detail["drill"] = json!(true);
    }
    for kind in [EventKind::BankOpen, EventKind::BatchCreate] {
        log.append(
            new.now,
            NewEvent { actor: new.actor, kind, batch: Some(new.id), ticket: None, detail: detail.clone() },
        )?;
    }
    Ok((batch, warnings))
}

/// The plan as filed (认定计划备案, 池人社发〔2024〕4号 第十五条1): the batch's outline with its staff.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Filed {
    /// Occupation code and name.
    pub occupation_code: String,
    /// Occupation.
    pub occupation: String,
    /// Level code.
    pub level: String,
    /// Start (Unix ms).
    pub start: i64,
    /// Exam time, seconds.
    pub duration_seconds: i64,
    /// Sites (from the rooms register; empty without one).
    pub sites: Vec<String>,
    /// Rooms with their candidates.
    pub rooms: BTreeMap<String, usize>,
    /// Modules of the paper with their weights (考核模块构成).
    pub modules: Vec<(String, f64)>,
    /// Candidates.
    pub candidates: usize,
    /// Staff.
    pub staff: crate::plan::Plan,
}

/// Builds the filed plan of a batch about to be created.
fn filed(
    source: &kaoshi_engine::BankSource,
    start: i64,
    duration_seconds: i64,
    roster: &[RosterLine],
    rooms: Option<&crate::rooms::Register>,
    staff: &crate::plan::Plan,
) -> Filed {
    let meta = &source.bank.meta;
    let mut per_room: BTreeMap<String, usize> = BTreeMap::new();
    for line in roster {
        *per_room.entry(line.room.clone()).or_default() += 1;
    }
    let sites: BTreeSet<String> =
        per_room.keys().filter_map(|r| rooms.and_then(|reg| reg.room(r)).map(|room| room.site.clone())).collect();
    let modules = source.bank.modules.iter().map(|m| (format!("{} {}", m.code, m.name), m.weight)).collect();
    Filed {
        occupation_code: meta.occupation_code.clone(),
        occupation: meta.occupation.clone(),
        level: meta.level.code().to_string(),
        start,
        duration_seconds,
        sites: sites.into_iter().collect(),
        rooms: per_room,
        modules,
        candidates: roster.len(),
        staff: staff.clone(),
    }
}

/// The plan's people must have staff accounts, enabled, in a role that does the duty.
fn account_breaches(store: &Store, plan: &crate::plan::Plan) -> Result<Vec<String>> {
    use crate::personnel::Duty;
    use crate::staff::Role;
    let mut out = Vec::new();
    for duty in Duty::ALL {
        let fits: &[Role] = match duty {
            Duty::Proctor => &[Role::Proctor, Role::ChiefProctor],
            Duty::Marker => &[Role::Marker, Role::Leader],
            Duty::Supervisor => &[Role::Supervisor],
        };
        for user in plan.of(duty) {
            match store.staff(user)? {
                None => out.push(format!("计划安排的{} {user} 没有工作人员账号", duty.name_zh())),
                Some(s) if s.disabled => out.push(format!("计划安排的{} {user} 的账号已停用", duty.name_zh())),
                Some(s) if !fits.contains(&s.role) => {
                    out.push(format!("{user} 的账号角色是{}，不能安排为{}", s.role.name_zh(), duty.name_zh()))
                }
                Some(_) => {}
            }
        }
    }
    Ok(out)
}

/// What of the registers the batch was checked against — the settings, the
/// scope's registrations of its occupation, its rooms, the people on its
/// plan — so that its archive (which holds other events only as stubs)
/// shows them.
fn registers_used(f: &crate::filing::Filing, new: &NewBatch<'_>) -> serde_json::Value {
    let code = &new.source.bank.meta.occupation_code;
    let scope: Vec<_> = f.scope.iter().flat_map(|s| &s.registrations).filter(|r| &r.occupation_code == code).collect();
    let rooms: Vec<_> =
        f.rooms.iter().flat_map(|r| &r.rooms).filter(|room| new.roster.iter().any(|l| l.room == room.name)).collect();
    let people: Vec<_> = f.personnel.iter().flat_map(|p| &p.people).filter(|p| new.plan.names(&p.user)).collect();
    json!({"settings": f.settings, "scope": scope, "rooms": rooms, "personnel": people})
}

/// The roster's eligibility review as the batch's log records it: counts,
/// each candidate not approved, and who approved a roster without review
/// columns (the batch's creator).
fn review_summary(roster: &[RosterLine], actor: &Actor) -> serde_json::Value {
    use crate::eligibility::Outcome;
    let count = |o: Outcome| roster.iter().filter(|r| r.review.outcome == o).count();
    let implicit = roster.iter().filter(|r| r.review.implicit).count();
    let not_approved: Vec<_> = roster
        .iter()
        .filter(|r| r.review.outcome != Outcome::Approved)
        .map(|r| json!({"ticket": r.ticket, "outcome": r.review.outcome, "reviewer": r.review.reviewer}))
        .collect();
    let mut v = json!({
        "approved": count(Outcome::Approved), "rejected": count(Outcome::Rejected),
        "pending": count(Outcome::Pending), "not_approved": not_approved,
    });
    if implicit > 0 {
        v["approved_by_creator"] = json!({"count": implicit, "by": actor.to_string(),
            "why": "名单未含审核列，视为批次创建人审核通过"});
    }
    v
}

/// Candidates the eligibility review did not approve, named: they are on
/// the roster but cannot log in (not a breach: said in any mode).
fn not_approved(roster: &[RosterLine]) -> Option<String> {
    use crate::eligibility::Outcome;
    let named = |o: Outcome| -> Vec<String> {
        roster.iter().filter(|r| r.review.outcome == o).map(|r| format!("{}（{}）", r.name, r.ticket)).collect()
    };
    let (rejected, pending) = (named(Outcome::Rejected), named(Outcome::Pending));
    if rejected.is_empty() && pending.is_empty() {
        return None;
    }
    let list = |v: &[String]| if v.len() > 10 { format!("{} 等", v[..10].join("、")) } else { v.join("、") };
    let mut parts = Vec::new();
    if !rejected.is_empty() {
        parts.push(format!("资格审核未通过 {} 人：{}", rejected.len(), list(&rejected)));
    }
    if !pending.is_empty() {
        parts.push(format!("资格待审 {} 人（review 列为空或“待审”）：{}", pending.len(), list(&pending)));
    }
    Some(format!("{}；这些考生在审核通过前不能登录考试", parts.join("；")))
}

/// A new random secret (hex) for a batch's anonymous response codes.
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}
