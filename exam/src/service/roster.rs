//! Roster changes before the start, each logged with a reason: a late
//! candidate gets the next paper of the batch's sequence, a correction
//! changes a candidate's details (not the ticket), a withdrawal removes the
//! candidate. Nothing changes once the batch has started or for a candidate
//! who has logged in.

use super::core::Exam;
use crate::batch::{new_seat, LoadedBatch, RosterLine};
use crate::error::{Code, ExamError, Refusal, Result};
use crate::events::{Actor, EventKind};
use crate::seat::{SeatRecord, Status};
use kaoshi_engine::assemble::Assembler;
use serde_json::json;

/// A change to a batch's roster.
#[derive(Debug, Clone)]
pub enum RosterChange {
    /// A late candidate.
    Add(RosterLine),
    /// New details for the candidate with this line's ticket.
    Correct(RosterLine),
    /// The candidate with this ticket leaves the batch.
    Withdraw(String),
}

fn locked(message: impl Into<String>) -> ExamError {
    Refusal::conflict(Code::RosterLocked, message).into()
}

impl Exam {
    /// One roster line checked as a roster file's line is.
    pub fn roster_line(&self, line: &RosterLine) -> Result<RosterLine> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let record = [
            &line.ticket,
            &line.id_number,
            &line.name,
            &line.organisation,
            &line.room,
            &line.seat,
            &line.id_type,
            &line.extra_time,
        ];
        // The review comes checked from the caller; the rest is checked as a roster line.
        let header = &crate::batch::ROSTER_COLUMNS[..record.len()];
        w.write_record(header).and_then(|()| w.write_record(record)).map_err(|e| ExamError::Internal(e.to_string()))?;
        let text = String::from_utf8(w.into_inner().map_err(|e| ExamError::Internal(e.to_string()))?)
            .map_err(|e| ExamError::Internal(e.to_string()))?;
        let today = chrono::DateTime::from_timestamp_millis(self.now()).unwrap_or_default().date_naive();
        // Named as the form's fields, not as a file's line.
        let mut lines = crate::batch::parse_roster(&text, "", today).map_err(|e| {
            ExamError::from(Refusal::invalid(Code::BatchInvalid, e.to_string().replace(" 第 2 行：", "")))
        })?;
        let mut checked = lines.pop().ok_or_else(|| ExamError::Internal("a roster line vanished".into()))?;
        checked.review = line.review.clone();
        Ok(checked)
    }

    /// The filing rules a line added to or corrected in the roster breaks,
    /// as at creation: its room and seat against the rooms register (and the
    /// room's capacity with it), its declaration against the batch's bank.
    /// In strict mode (not for a drill) a breach refuses the change.
    fn line_breaches(&self, loaded: &LoadedBatch, line: &RosterLine, seats: &[SeatRecord]) -> Result<Vec<String>> {
        let data = self.store.dir();
        let invalid = |e: String| ExamError::from(Refusal::invalid(Code::RegisterInvalid, e));
        let settings = crate::settings::load_settings(data).map_err(invalid)?;
        let mut out = Vec::new();
        if let Some(rooms) = crate::rooms::Register::load(data).map_err(invalid)? {
            out.extend(rooms.place_problem(&line.room, &line.seat));
            let others = seats.iter().filter(|s| s.room == line.room && s.ticket != line.ticket).count();
            if let Some(room) = rooms.room(&line.room).filter(|r| others as u32 + 1 > r.seats) {
                out.push(format!("{}安排了 {} 名考生，只有 {} 个座位", line.room, others + 1, room.seats));
            }
        }
        let meta = &loaded.source.bank.meta;
        out.extend(line.review.mismatch(&meta.occupation_code, &meta.occupation, meta.level.code()));
        if !out.is_empty() && settings.strict && !loaded.batch.drill {
            let message = format!("严格模式下不能修改名单：{}", out.join("；"));
            return Err(Refusal::conflict(Code::PlanBreach, message).into());
        }
        Ok(out)
    }

    /// Changes a batch's roster before its start; returns the seat added or
    /// corrected (none for a withdrawal) and the filing rules the change
    /// breaks (warnings; in strict mode a breach refuses it).
    pub async fn change_roster(
        &self,
        id: &str,
        change: RosterChange,
        reason: &str,
        user: &str,
    ) -> Result<(Option<SeatRecord>, Vec<String>)> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Refusal::invalid(Code::ReasonRequired, "修改考生名单需要填写原因").into());
        }
        let loaded = self.batch(id)?;
        let b = &loaded.batch;
        if b.closed.is_some() || self.now() >= b.start {
            return Err(locked(format!("批次 {id} 已开考，考生名单不能再修改")));
        }
        let seats = self.store.seats(id)?;
        let untouched = |s: &SeatRecord| s.status == Status::NotLoggedIn && !s.started;
        let place_taken = |line: &RosterLine, except: &str| {
            seats.iter().find(|s| s.ticket != except && s.room == line.room && s.seat == line.seat).map(|s| {
                Refusal::conflict(
                    Code::SeatTaken,
                    format!("{} {}号座位已安排给 {}（{}）", line.room, line.seat, s.name, s.ticket),
                )
            })
        };
        let actor = Actor::Staff(user.to_string());
        let mut warnings = Vec::new();
        let (detail, ticket, seat, papers) = match change {
            RosterChange::Add(line) => {
                let mut line = self.roster_line(&line)?;
                // Added without a review of its own: approved by whoever adds it (logged).
                if line.review.implicit {
                    line.review.implicit = false;
                    line.review.reviewer = user.to_string();
                }
                warnings = self.line_breaches(&loaded, &line, &seats)?;
                for other in self.store.batches()? {
                    if self.store.seat(&other.id, &line.ticket)?.is_some() {
                        return Err(Refusal::conflict(
                            Code::TicketInUse,
                            format!("准考证号 {} 已在批次 {} 中使用", line.ticket, other.id),
                        )
                        .into());
                    }
                }
                if let Some(r) = place_taken(&line, &line.ticket) {
                    return Err(r.into());
                }
                if let Some(s) = seats.iter().find(|s| s.id_number == line.id_number) {
                    return Err(Refusal::conflict(
                        Code::TicketInUse,
                        format!("该身份证件号码已用于本批次考生 {}（{}）", s.name, s.ticket),
                    )
                    .into());
                }
                let index = loaded.papers.len() as u64;
                let paper = Assembler::new(&loaded.source.bank, &b.spec, b.seed)
                    .and_then(|a| a.paper(index))
                    .map_err(|e| ExamError::Internal(format!("batch {id}: paper {index}: {e}")))?;
                self.store.put_paper(id, &paper)?;
                let mut seat = new_seat(&line, index, b.duration_seconds * 1000);
                seat.under_sixteen = !crate::filing::under_sixteen(std::slice::from_ref(&line), b.start).is_empty();
                let mut papers = loaded.papers.clone();
                papers.push(paper);
                (
                    json!({"action": "add", "name": line.name, "room": line.room, "seat": line.seat, "paper": index,
                        "review": line.review.outcome.name_zh(), "reviewer": line.review.reviewer}),
                    line.ticket,
                    Some(seat),
                    Some(papers),
                )
            }
            RosterChange::Correct(line) => {
                let line = self.roster_line(&line)?;
                let old = seats.iter().find(|s| s.ticket == line.ticket).ok_or_else(|| {
                    ExamError::from(Refusal::not_found(
                        Code::SeatNotFound,
                        format!("批次 {id} 中没有准考证号 {}", line.ticket),
                    ))
                })?;
                if !untouched(old) {
                    return Err(locked(format!("考生 {}（{}）已登录，信息不能再修改", old.name, old.ticket)));
                }
                if let Some(r) = place_taken(&line, &line.ticket) {
                    return Err(r.into());
                }
                let mut line = line;
                // A correction keeps what it does not give: the review on file, or its declaration.
                let kept = old.review.clone().unwrap_or_default();
                if line.review.implicit {
                    line.review = kept;
                } else {
                    if line.review.declared_occupation.is_empty() {
                        line.review.declared_occupation = kept.declared_occupation;
                    }
                    if line.review.declared_level.is_empty() {
                        line.review.declared_level = kept.declared_level;
                    }
                    if line.review.condition.is_empty() {
                        line.review.condition = kept.condition;
                    }
                }
                warnings = self.line_breaches(&loaded, &line, &seats)?;
                let mut seat = old.clone();
                seat.under_sixteen = !crate::filing::under_sixteen(std::slice::from_ref(&line), b.start).is_empty();
                let review = |s: &SeatRecord| s.review.as_ref().map(|r| r.outcome.name_zh());
                let id_changed = seat.id_number != line.id_number;
                if id_changed {
                    // Another identity number is another person: the old photo is not theirs.
                    self.store.remove_seat_faces(id, &seat.ticket)?;
                }
                let before = json!({"name": seat.name, "organisation": seat.organisation, "room": seat.room, "seat": seat.seat, "id_type": seat.id_type, "id_changed": id_changed, "review": review(&seat)});
                seat.review = Some(line.review.clone());
                (seat.name, seat.organisation, seat.room, seat.seat) =
                    (line.name, line.organisation, line.room, line.seat);
                (seat.id_number, seat.id_type) = (line.id_number, line.id_type);
                let after = json!({"name": seat.name, "organisation": seat.organisation, "room": seat.room, "seat": seat.seat, "id_type": seat.id_type, "review": review(&seat), "reviewer": line.review.reviewer});
                (json!({"action": "correct", "before": before, "after": after}), seat.ticket.clone(), Some(seat), None)
            }
            RosterChange::Withdraw(ticket) => {
                let old = seats.iter().find(|s| s.ticket == ticket).ok_or_else(|| {
                    ExamError::from(Refusal::not_found(
                        Code::SeatNotFound,
                        format!("批次 {id} 中没有准考证号 {ticket}"),
                    ))
                })?;
                if !untouched(old) {
                    return Err(locked(format!("考生 {}（{}）已登录，不能撤销", old.name, old.ticket)));
                }
                self.store.remove_seat(id, &ticket)?;
                // The photo was the withdrawn candidate's: a ticket used again is someone else.
                self.store.remove_seat_faces(id, &ticket)?;
                (
                    json!({"action": "withdraw", "name": old.name, "room": old.room, "seat": old.seat}),
                    ticket,
                    None,
                    None,
                )
            }
        };
        if let Some(seat) = &seat {
            self.store.put_seat(id, seat)?;
        }
        let mut batch = b.clone();
        batch.candidates = self.store.seats(id)?.len();
        self.store.put_batch(&batch)?;
        let mut detail = detail;
        detail["reason"] = json!(reason);
        if !warnings.is_empty() {
            detail["warnings"] = json!(warnings);
        }
        self.event(&actor, EventKind::RosterChange, Some(id), Some(&ticket), detail)?;
        let papers = papers.unwrap_or_else(|| loaded.papers.clone());
        self.open_batch(LoadedBatch { batch, source: loaded.source.clone(), papers });
        self.commit().await?;
        Ok((seat, warnings))
    }
}
