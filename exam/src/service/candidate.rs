//! What a candidate's seat does: log in, read its status, open the paper,
//! save answers, hand in. A seat session reaches only its own seat.

use super::core::Exam;
use crate::answers::SavedAnswer;
use crate::batch::LoadedBatch;
use crate::error::{Code, Kind, Refusal, Result};
use crate::events::{Actor, EventKind};
use crate::seat::{Action, Device, SeatRecord};
use crate::staff::{new_token, Session};
use crate::throttle::Credential;
use kaoshi_engine::grade::parse_response;
use std::net::IpAddr;
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
    /// A candidate logs in with ticket and identity number from `device`;
    /// returns the batch, the seat and the new session token. Failures are
    /// counted per ticket and address (see [`crate::throttle`]).
    pub async fn seat_login(
        &self,
        ticket: &str,
        id_number: &str,
        device: &Device,
    ) -> Result<(Arc<LoadedBatch>, SeatRecord, String)> {
        let address: IpAddr = device.address.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        self.login_allowed(Credential::Ticket, ticket, address)?;
        let found = self.batches().into_iter().find_map(|b| self.seat(&b.batch.id, ticket).ok().map(|s| (b, s)));
        let matches = |s: &SeatRecord| {
            crate::identity::normalize(&s.id_type, &s.id_number) == crate::identity::normalize(&s.id_type, id_number)
        };
        let found = found.filter(|(_, s)| matches(s));
        self.login_outcome(Credential::Ticket, ticket, address, found.is_some());
        let Some((batch, _)) = found else {
            return Err(Refusal::invalid(Code::LoginWrong, "准考证号或身份证件号码不正确").into());
        };
        let id = batch.batch.id.clone();
        if self.store.publication(&id)?.is_some() && !self.seat(&id, ticket)?.started {
            // Published results count this candidate absent: they stay absent.
            return Err(Refusal::conflict(Code::LoginPublished, "本批次成绩已公布，未参加考试的考生不能再入场").into());
        }
        if let Some(r) = self.seat(&id, ticket)?.review.filter(|r| r.outcome != crate::eligibility::Outcome::Approved) {
            let why = match r.outcome {
                crate::eligibility::Outcome::Pending => "资格审核尚未完成",
                _ => "资格审核未通过",
            };
            return Err(
                Refusal::forbidden(Code::NotEligible, format!("{why}，不能参加本次考试，请联系考务人员")).into()
            );
        }
        let guard = self.lock_seat(&id, ticket).await;
        let seat = self.seat(&id, ticket)?;
        let (token, hash) = new_token();
        let login = Action::Login { session: hash.clone(), device: Some(device.clone()) };
        let seat = self.apply(&batch, &seat, &login, &Actor::Seat(ticket.to_string()))?;
        self.store
            .put_session(&hash, &Session::Seat { batch: id.clone(), ticket: ticket.to_string(), issued: self.now() })?;
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
        Refusal::conflict(Code::TimeUp, "考试时间已到，试卷已自动提交")
    }

    /// The seat's status (a sign of life: hands in if time is up, records a disconnection).
    pub async fn seat_status(&self, batch: &LoadedBatch, ticket: &str) -> Result<SeatRecord> {
        let id = &batch.batch.id;
        let guard = self.lock_seat(id, ticket).await;
        let mut seat = self.seat(id, ticket)?;
        let logged = if self.expire_if_due(batch, &mut seat)? {
            true
        } else {
            let mut change = seat.apply(&Action::Heartbeat, self.now())?;
            let logged = change.disconnected.is_some();
            self.settle_change(batch, &Actor::Seat(ticket.to_string()), &mut change)?;
            seat = change.seat;
            logged
        };
        drop(guard);
        if logged {
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
        if self.expire_if_due(batch, &mut seat)? {
            drop(guard);
            self.commit().await?;
            return Err(Self::time_up().into());
        }
        let mut change = seat.apply(&Action::Open { batch_start: batch.batch.start }, self.now())?;
        let started = change.event.is_some() || change.disconnected.is_some();
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
        if self.expire_if_due(batch, &mut seat)? {
            drop(guard);
            self.commit().await?;
            return Err(Self::time_up().into());
        }
        seat.accepts_saves()?;
        let paper = batch.paper_of(&seat)?;
        let it = paper.items.get(pos).ok_or_else(|| {
            Refusal::invalid(Code::NotOnPaper, format!("试卷没有第 {} 题（共 {} 题）", pos + 1, paper.items.len()))
        })?;
        let response = response.filter(|r| !r.is_empty());
        if let Some(r) = &response {
            parse_response(&batch.source.bank, it, pos, r).map_err(|_| response_refusal(batch, it, pos))?;
        }
        let previous = self.store.answer(id, ticket, pos)?;
        let replay = previous.as_ref().is_some_and(|p| p.seq == seq && p.response == response);
        let action = Action::Save {
            seq,
            replay,
            was_answered: previous.as_ref().is_some_and(|p| p.response.is_some()),
            answered: response.is_some(),
        };
        let mut change = seat.apply(&action, now)?;
        if change.replay {
            if change.disconnected.is_some() {
                self.settle_change(batch, &actor, &mut change)?;
            }
        } else {
            self.store.put_answer(id, ticket, pos, &SavedAnswer { response: response.clone(), seq, at: now })?;
            self.settle_change(batch, &actor, &mut change)?;
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

    /// Flags a position for review or clears its flag; returns once durable.
    pub async fn flag(&self, batch: &LoadedBatch, ticket: &str, pos: usize, on: bool) -> Result<SeatRecord> {
        let id = &batch.batch.id;
        let guard = self.lock_seat(id, ticket).await;
        let seat = self.seat(id, ticket)?;
        let len = batch.paper_of(&seat)?.items.len();
        if pos >= len {
            return Err(Refusal::invalid(Code::NotOnPaper, format!("试卷没有第 {} 题（共 {len} 题）", pos + 1)).into());
        }
        let pos = u32::try_from(pos).map_err(|_| Refusal::invalid(Code::NotOnPaper, "题号超出范围"))?;
        let seat = self.apply(batch, &seat, &Action::Flag { pos, on }, &Actor::Seat(ticket.to_string()))?;
        drop(guard);
        self.commit().await?;
        Ok(seat)
    }

    /// The candidate acknowledges the exam rules (考生须知); logged once.
    pub async fn acknowledge_rules(&self, batch: &LoadedBatch, ticket: &str) -> Result<SeatRecord> {
        let id = &batch.batch.id;
        let guard = self.lock_seat(id, ticket).await;
        let seat = self.seat(id, ticket)?;
        let action = Action::AcknowledgeRules { version: crate::rules::version() };
        let seat = self.apply(batch, &seat, &action, &Actor::Seat(ticket.to_string()))?;
        drop(guard);
        self.commit().await?;
        Ok(seat)
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

/// Why a response does not fit its item, in the candidate's words.
fn response_refusal(batch: &LoadedBatch, it: &kaoshi_engine::assemble::PaperItem, pos: usize) -> Refusal {
    use kaoshi_engine::bank::ItemBody;
    let n = pos + 1;
    let last = |options: &[String]| char::from(b'A' + options.len().saturating_sub(1) as u8);
    let message = match &batch.source.bank.items[it.item as usize].body {
        ItemBody::Judge { .. } => format!("第 {n} 题是判断题，答案只能是 T（正确）或 F（错误）"),
        ItemBody::Single { options, .. } => format!("第 {n} 题是单选题，答案须是一个选项字母（A–{}）", last(options)),
        ItemBody::Multiple { options, .. } => {
            format!("第 {n} 题是多选题，答案须是按顺序排列、不重复的选项字母（A–{}）", last(options))
        }
        ItemBody::Short { .. } => format!("第 {n} 题的作答超过 20000 字"),
    };
    Refusal::new(Kind::Invalid, Code::BadResponse, message)
}
