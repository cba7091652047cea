//! What a candidate's seat does: log in, read its status, open the paper,
//! save answers, hand in. A seat session reaches only its own seat.

use super::core::Exam;
use crate::answers::SavedAnswer;
use crate::batch::LoadedBatch;
use crate::error::{Code, Kind, Refusal, Result};
use crate::events::{Actor, EventKind};
use crate::seat::{Action, SeatRecord};
use crate::staff::{new_token, Session};
use kaoshi_engine::grade::parse_response;
use std::sync::Arc;

/// What a save did.
#[derive(Debug, Clone)]
pub struct Saved {
    /// The seat afterwards.
    pub seat: SeatRecord,
    /// It repeated an acknowledged save.
    pub replay: bool,
    /// When it was recorded (the time its remaining time is told at).
    pub at: i64,
}

impl Exam {
    /// A candidate logs in with ticket and identity number from `address`;
    /// returns the batch, the seat and the new session token.
    pub async fn seat_login(
        &self,
        ticket: &str,
        id_number: &str,
        address: &str,
    ) -> Result<(Arc<LoadedBatch>, SeatRecord, String)> {
        let ip = format!("ip:{address}");
        let by_ticket = format!("ticket:{ticket}");
        self.check_failures(&ip, false)?;
        self.check_failures(&by_ticket, false)?;
        let found = self.batches().into_iter().find_map(|b| self.seat(&b.batch.id, ticket).ok().map(|s| (b, s)));
        let Some((batch, _)) = found.filter(|(_, s)| s.id_number == id_number) else {
            self.check_failures(&ip, true)?;
            self.check_failures(&by_ticket, true)?;
            return Err(Refusal::invalid(Code::LoginWrong, "ticket number or identity number is wrong").into());
        };
        let id = batch.batch.id.clone();
        let guard = self.lock_seat(&id, ticket).await;
        let seat = self.seat(&id, ticket)?;
        let (token, hash) = new_token();
        self.store.put_session(&hash, &Session::Seat { batch: id.clone(), ticket: ticket.to_string() })?;
        let seat = self.apply(&batch, &seat, &Action::Login { session: hash }, &Actor::Seat(ticket.to_string()))?;
        drop(guard);
        self.commit().await?;
        Ok((batch, seat, token))
    }

    /// Hands in a seat whose time is up; `true` if it did (the caller commits).
    fn expire_if_due(&self, batch: &LoadedBatch, seat: &mut SeatRecord) -> Result<bool> {
        if !seat.time_is_up(self.now()) {
            return Ok(false);
        }
        *seat = self.apply(batch, seat, &Action::Expire, &Actor::Timer)?;
        Ok(true)
    }

    fn time_up() -> Refusal {
        Refusal::conflict(Code::TimeUp, "time is up: the paper has been handed in")
    }

    /// The seat's status (a sign of life: hands in if time is up).
    pub async fn seat_status(&self, batch: &LoadedBatch, ticket: &str) -> Result<SeatRecord> {
        let id = &batch.batch.id;
        let guard = self.lock_seat(id, ticket).await;
        let mut seat = self.seat(id, ticket)?;
        seat.last_seen = self.now();
        let expired = self.expire_if_due(batch, &mut seat)?;
        self.store.put_seat(id, &seat)?;
        drop(guard);
        if expired {
            self.commit().await?;
        }
        Ok(seat)
    }

    /// Opens the paper: starts the clock once identity is approved and the
    /// batch has begun. Returns the seat; its paper is `batch.paper_of(seat)`.
    pub async fn open_paper(&self, batch: &LoadedBatch, ticket: &str) -> Result<SeatRecord> {
        let id = &batch.batch.id;
        let guard = self.lock_seat(id, ticket).await;
        let mut seat = self.seat(id, ticket)?;
        seat.last_seen = self.now();
        if self.expire_if_due(batch, &mut seat)? {
            drop(guard);
            self.commit().await?;
            return Err(Self::time_up().into());
        }
        let mut change = seat.apply(&Action::Open { batch_start: batch.batch.start }, self.now())?;
        let started = change.event.is_some();
        self.settle_change(batch, &Actor::Seat(ticket.to_string()), &mut change)?;
        drop(guard);
        if started {
            self.commit().await?;
        }
        batch.paper_of(&change.seat)?;
        Ok(change.seat)
    }

    /// The seat and its saved answers by position.
    pub fn saved_answers(&self, batch: &LoadedBatch, ticket: &str) -> Result<(SeatRecord, Vec<(usize, SavedAnswer)>)> {
        let seat = self.seat(&batch.batch.id, ticket)?;
        let answers = self.store.answers_of(&batch.batch.id, ticket)?;
        Ok((seat, answers))
    }

    /// Saves an answer; returns once it is durable.
    pub async fn save_answer(
        &self,
        batch: &LoadedBatch,
        ticket: &str,
        pos: usize,
        response: Option<String>,
        seq: u64,
    ) -> Result<Saved> {
        let id = &batch.batch.id;
        let actor = Actor::Seat(ticket.to_string());
        let guard = self.lock_seat(id, ticket).await;
        let mut seat = self.seat(id, ticket)?;
        let now = self.now();
        seat.last_seen = now;
        if self.expire_if_due(batch, &mut seat)? {
            drop(guard);
            self.commit().await?;
            return Err(Self::time_up().into());
        }
        seat.accepts_saves()?;
        let paper = batch.paper_of(&seat)?;
        let it = paper.items.get(pos).ok_or_else(|| {
            Refusal::invalid(
                Code::NotOnPaper,
                format!("position {pos} is not on the paper ({} items)", paper.items.len()),
            )
        })?;
        let response = response.filter(|r| !r.is_empty());
        if let Some(r) = &response {
            parse_response(&batch.source.bank, it, pos, r)
                .map_err(|e| Refusal::new(Kind::Invalid, Code::BadResponse, e.to_string()))?;
        }
        let previous = self.store.answer(id, ticket, pos)?;
        let replay = previous.as_ref().is_some_and(|p| p.seq == seq && p.response == response);
        let action = Action::Save {
            seq,
            replay,
            was_answered: previous.as_ref().is_some_and(|p| p.response.is_some()),
            answered: response.is_some(),
        };
        let change = seat.apply(&action, now)?;
        if !change.replay {
            self.store.put_answer(id, ticket, pos, &SavedAnswer { response: response.clone(), seq, at: now })?;
            self.store.put_seat(id, &change.seat)?;
            self.event(
                &actor,
                EventKind::AnswerSave,
                Some(id),
                Some(ticket),
                serde_json::json!({"pos": pos, "seq": seq, "response": response}),
            )?;
        }
        drop(guard);
        self.commit().await?;
        Ok(Saved { replay: change.replay, seat: change.seat, at: now })
    }

    /// The candidate hands in.
    pub async fn hand_in(&self, batch: &LoadedBatch, ticket: &str) -> Result<SeatRecord> {
        let id = &batch.batch.id;
        let guard = self.lock_seat(id, ticket).await;
        let seat = self.seat(id, ticket)?;
        let seat = self.apply(batch, &seat, &Action::HandIn, &Actor::Seat(ticket.to_string()))?;
        drop(guard);
        self.commit().await?;
        Ok(seat)
    }
}
