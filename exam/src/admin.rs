//! Organisation tasks on a store opened directly (the command line, the
//! demo, the load tool), outside a running service. The caller commits.

use crate::error::{ExamError, Result};
use crate::events::{Actor, EventKind};
use crate::log::{EventLog, NewEvent};
use crate::staff::Staff;
use crate::store::Store;
use serde_json::json;

/// Adds (or replaces) a staff account, logged as `staff_add`.
pub fn add_staff(store: &Store, log: &EventLog, at: i64, actor: &Actor, staff: &Staff) -> Result<()> {
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
