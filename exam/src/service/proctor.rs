//! Staff login and what a proctor does: the seat list and the actions on a seat.

use super::core::Exam;
use crate::batch::LoadedBatch;
use crate::error::{Code, Refusal, Result};
use crate::events::{Actor, EventKind};
use crate::seat::{Action, SeatRecord};
use crate::staff::{new_token, verify_password, Session, Staff, STAFF_SESSION_MS};
use std::sync::Arc;

impl Exam {
    /// A staff member logs in from `address`; returns the token and the account.
    pub async fn staff_login(&self, user: &str, password: &str, address: &str) -> Result<(String, Staff)> {
        let ip = format!("ip:{address}");
        let by_user = format!("staff:{user}");
        self.check_failures(&ip, false)?;
        self.check_failures(&by_user, false)?;
        let staff = self.store.staff(user)?;
        let Some(staff) = staff.filter(|s| verify_password(password, &s.password_hash)) else {
            self.check_failures(&ip, true)?;
            self.check_failures(&by_user, true)?;
            return Err(Refusal::invalid(Code::LoginWrong, "用户名或密码不正确").into());
        };
        let (token, hash) = new_token();
        let expires = self.now() + STAFF_SESSION_MS;
        self.store.put_session(&hash, &Session::Staff { user: staff.user.clone(), role: staff.role, expires })?;
        self.event(
            &Actor::Staff(staff.user.clone()),
            EventKind::Login,
            None,
            None,
            serde_json::json!({"role": staff.role}),
        )?;
        self.commit().await?;
        Ok((token, staff))
    }

    /// Every seat of a batch, by ticket.
    pub fn seats(&self, id: &str) -> Result<(Arc<LoadedBatch>, Vec<SeatRecord>)> {
        let batch = self.batch(id)?;
        let seats = self.store.seats(id)?;
        Ok((batch, seats))
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
        let cap = batch.batch.extension_cap_ms();
        let action = match action {
            Action::Extend { minutes, reason, .. } => Action::Extend { minutes, reason, cap_ms: cap },
            Action::CreditOffline { reason, .. } => Action::CreditOffline { reason, cap_ms: cap },
            other => other,
        };
        if let Action::Move { room: Some(room), seat: Some(place), .. } = &action {
            let (room, place) = (room.trim(), place.trim());
            if let Some(holder) =
                self.store.seats(id)?.into_iter().find(|s| s.ticket != ticket && s.room == room && s.seat == place)
            {
                return Err(Refusal::conflict(
                    Code::SeatTaken,
                    format!("{room} {place}号座位已有考生 {}（准考证号 {}），不能调入", holder.name, holder.ticket),
                )
                .into());
            }
        }
        let guard = self.lock_seat(id, ticket).await;
        let seat = self.seat(id, ticket)?;
        let seat = self.apply(&batch, &seat, &action, &Actor::Staff(user.to_string()))?;
        drop(guard);
        self.commit().await?;
        Ok((batch, seat))
    }
}
