//! Staff login and what a proctor does: the seat list and the actions on a seat.

use super::core::Exam;
use crate::batch::LoadedBatch;
use crate::error::{Code, ExamError, Refusal, Result};
use crate::events::{Actor, EventKind};
use crate::room_record;
use crate::seat::{Action, SeatRecord};
use crate::staff::{new_token, verify_password, Session, Staff, STAFF_SESSION_MS};
use crate::throttle::Credential;
use std::net::IpAddr;
use std::sync::Arc;

impl Exam {
    /// A staff member logs in from `address`; returns the token and the
    /// account. The password is checked on the blocking pool (a few at a
    /// time), against a dummy hash when the user does not exist.
    pub async fn staff_login(&self, user: &str, password: &str, address: IpAddr) -> Result<(String, Staff)> {
        self.login_allowed(Credential::User, user, address)?;
        let staff = self.store.staff(user)?;
        let ok = {
            let _permit = self.hashing.acquire().await.map_err(|e| ExamError::Internal(e.to_string()))?;
            let (password, hash) = (password.to_string(), staff.as_ref().map(|s| s.password_hash.clone()));
            tokio::task::spawn_blocking(move || verify_password(&password, hash.as_deref()))
                .await
                .map_err(|e| ExamError::Internal(format!("password check failed: {e}")))?
        };
        self.login_outcome(Credential::User, user, address, ok);
        let Some(staff) = staff.filter(|_| ok) else {
            return Err(Refusal::invalid(Code::LoginWrong, "用户名或密码不正确").into());
        };
        if staff.disabled {
            return Err(Refusal::forbidden(Code::LoginDisabled, "该账号已停用，请联系管理员").into());
        }
        let (token, hash) = new_token();
        let expires = self.now() + STAFF_SESSION_MS;
        let session = Session::Staff { user: staff.user.clone(), role: staff.role, expires, epoch: staff.epoch };
        self.store.put_session(&hash, &session)?;
        self.event(
            &Actor::Staff(staff.user.clone()),
            EventKind::Login,
            None,
            None,
            serde_json::json!({"role": staff.role, "address": address.to_string()}),
        )?;
        self.commit().await?;
        Ok((token, staff))
    }

    /// A proctor clears a seat's login locks (a candidate who mistyped).
    pub async fn unlock_seat_login(&self, id: &str, ticket: &str, user: &str, reason: Option<&str>) -> Result<usize> {
        self.seat(id, ticket)?;
        let cleared = {
            let mut throttle = self.throttle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            throttle.clear(Credential::Ticket, ticket)
        };
        let reason = reason.map(str::trim).filter(|r| !r.is_empty()).unwrap_or("监考员解除登录锁定");
        let detail = serde_json::json!({"cleared": cleared, "reason": reason});
        self.event(&Actor::Staff(user.to_string()), EventKind::Unlock, Some(id), Some(ticket), detail)?;
        self.commit().await?;
        Ok(cleared)
    }

    /// Every seat of a batch, by ticket.
    pub fn seats(&self, id: &str) -> Result<(Arc<LoadedBatch>, Vec<SeatRecord>)> {
        let batch = self.batch(id)?;
        let seats = self.store.seats(id)?;
        Ok((batch, seats))
    }

    /// What happened to one seat, oldest first (see [`room_record::seat_history`]).
    pub fn seat_history(&self, id: &str, ticket: &str) -> Result<Vec<room_record::Incident>> {
        let seat = self.seat(id, ticket)?;
        let events = self.log.all()?;
        Ok(room_record::seat_history(id, &seat, &events))
    }

    /// A proctor acts on a seat: approve, pause, resume, extend, move,
    /// violation or a forced hand-in. Logged with who and why.
    pub async fn seat_action(
        &self,
        id: &str,
        ticket: &str,
        action: Action,
        user: &str,
    ) -> Result<(Arc<LoadedBatch>, SeatRecord)> {
        let batch = self.batch(id)?;
        if batch.batch.closed.is_some() {
            return Err(Refusal::conflict(Code::BatchClosed, format!("批次 {id} 已关闭，考位不能再操作")).into());
        }
        let cap = batch.batch.extension_cap_ms();
        let action = match action {
            Action::Extend { minutes, reason, .. } => Action::Extend { minutes, reason, cap_ms: cap },
            Action::CreditOffline { reason, .. } => Action::CreditOffline { reason, cap_ms: cap },
            other => other,
        };
        let mut action = action;
        if let Action::Move { room: Some(room), seat: Some(place), reason } = &action {
            let (room, place) = (room.trim().to_string(), place.trim().to_string());
            let seats = self.store.seats(id)?;
            // "1" is seat 01 of a room numbered 01, 02, …: written as the room writes it.
            let place = room_style(seats.iter().filter(|s| s.room == room).map(|s| s.seat.as_str()), &place);
            // In strict mode a move goes only to a seat the rooms register has:
            // only that register and the settings are read (not the calendar,
            // the scope or the staff register, which a move has no use for).
            let bad_place = |e: String| ExamError::from(Refusal::invalid(Code::BadPlace, e));
            let settings = crate::settings::load_settings(self.store.dir()).map_err(bad_place)?;
            let rooms = crate::rooms::Register::load(self.store.dir()).map_err(bad_place)?;
            if let Some(problem) = rooms.as_ref().and_then(|r| r.place_problem(&room, &place)) {
                if settings.strict {
                    return Err(Refusal::invalid(Code::BadPlace, format!("不能调座：{problem}")).into());
                }
            }
            if let Some(holder) =
                seats.iter().find(|s| s.ticket != ticket && s.room == room && same_seat(&s.seat, &place))
            {
                return Err(Refusal::conflict(
                    Code::SeatTaken,
                    format!("{room} {place}号座位已有考生 {}（准考证号 {}），不能调入", holder.name, holder.ticket),
                )
                .into());
            }
            action = Action::Move { room: Some(room), seat: Some(place), reason: reason.clone() };
        }
        let guard = self.lock_seat(id, ticket).await;
        let seat = self.seat(id, ticket)?;
        let seat = self.apply(&batch, &seat, &action, &Actor::Staff(user.to_string()))?;
        drop(guard);
        self.commit().await?;
        Ok((batch, seat))
    }

    /// The room record (考场记录) of `room`, to print at the end of the
    /// batch: logged as an event whose hash the record carries as its head,
    /// which is checkpointed (and so witnessed outside the store) at once.
    pub async fn room_record(&self, id: &str, room: &str, user: &str) -> Result<RoomSheet> {
        let batch = self.batch(id)?;
        let room = room.trim();
        let seats = self.store.seats(id)?;
        if !seats.iter().any(|s| s.room == room) {
            return Err(Refusal::not_found(Code::NoSuchRoom, format!("本批次没有考场“{room}”")).into());
        }
        let events = self.log.all()?;
        let record = room_record::build((&batch.batch).into(), room, &seats, &events);
        let detail = serde_json::json!({
            "room": room,
            "expected": record.counts.expected,
            "sat": record.counts.sat,
            "absent": record.counts.absent,
            "submitted": record.counts.submitted,
            "violations": record.counts.violations,
            "incidents": record.incidents.len(),
            // The whole record, sign-in sheet included, goes into the archive with the log.
            "record": record,
        });
        let logged = self.log.append(
            self.now(),
            crate::log::NewEvent {
                actor: &Actor::Staff(user.to_string()),
                kind: EventKind::RoomRecord,
                batch: Some(id),
                ticket: None,
                detail,
            },
        )?;
        self.take_checkpoint()?;
        self.commit().await?;
        Ok(RoomSheet { record, head: Head { seq: logged.seq, hash: logged.hash, at: logged.at }, by: user.to_string() })
    }
}

/// The chain head a room record carries.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Head {
    /// Event number.
    pub seq: u64,
    /// Its chain hash: give it to `archive verify --head`.
    pub hash: String,
    /// When (Unix ms).
    pub at: i64,
}

/// A room record as made for printing.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RoomSheet {
    /// The record.
    #[serde(flatten)]
    pub record: room_record::RoomRecord,
    /// The head of the chain with the record logged.
    pub head: Head,
    /// Who made it.
    pub by: String,
}

/// Whether two seat numbers name one seat: "1" and "01" do.
fn same_seat(a: &str, b: &str) -> bool {
    match (a.parse::<u32>(), b.parse::<u32>()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// A typed seat number in the style of the room's numbers: zero-padded to
/// their width when they all are.
fn room_style<'a>(room: impl Iterator<Item = &'a str>, place: &str) -> String {
    let Ok(n) = place.parse::<u32>() else { return place.to_string() };
    let widths: Vec<usize> = room.filter(|s| s.parse::<u32>().is_ok()).map(str::len).collect();
    match widths.first() {
        Some(&w) if widths.iter().all(|&x| x == w) && w > place.len() => format!("{n:0w$}"),
        _ => place.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{room_style, same_seat};

    #[test]
    fn seat_numbers_compare_as_numbers_and_follow_the_rooms_style() {
        assert!(same_seat("01", "1") && same_seat("1", "001") && !same_seat("01", "10") && same_seat("A1", "A1"));
        assert_eq!(room_style(["01", "02", "30"].into_iter(), "1"), "01");
        assert_eq!(room_style(["1", "2", "30"].into_iter(), "7"), "7");
        assert_eq!(room_style(["01", "02"].into_iter(), "A3"), "A3");
        assert_eq!(room_style(std::iter::empty(), "5"), "5");
    }
}
