//! A batch's plan (认定计划) as filed with the bureau — 池人社发〔2024〕4号 第十五条1:
//! 认定批次概况、实施认定的时间地点、考核模块构成情况、参加认定人员信息以及
//! 监考员、考评员、质量督导员安排情况 (鲁人社字〔2020〕50号 四(一) the same, 5 working
//! days ahead) — and, after the batch, the plan against what happened: who
//! really proctored, marked and supervised, who sat and who was absent.

use crate::events::{Event, EventKind};
use crate::seat::SeatRecord;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What a person may be put on a plan as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Duty {
    /// 监考员.
    Proctor,
    /// 考评员 (marks short answers).
    Marker,
    /// 质量督导员.
    Supervisor,
}

impl Duty {
    /// Every duty, in a plan's order.
    pub const ALL: [Duty; 3] = [Duty::Proctor, Duty::Marker, Duty::Supervisor];

    /// The Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            Duty::Proctor => "监考员",
            Duty::Marker => "考评员",
            Duty::Supervisor => "质量督导员",
        }
    }
}

/// The staff a plan puts on the batch, by account name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// 监考员.
    #[serde(default)]
    pub proctors: Vec<String>,
    /// 考评员 (markers).
    #[serde(default)]
    pub markers: Vec<String>,
    /// 质量督导员.
    #[serde(default)]
    pub supervisors: Vec<String>,
}

impl Plan {
    /// Parses comma- (or 、-) separated account lists, as forms and the command line give them.
    pub fn from_lists(proctors: &str, markers: &str, supervisors: &str) -> Plan {
        let list = |s: &str| -> Vec<String> {
            s.split([',', '，', '、', ' ']).map(str::trim).filter(|u| !u.is_empty()).map(String::from).collect()
        };
        Plan { proctors: list(proctors), markers: list(markers), supervisors: list(supervisors) }
    }

    /// The accounts put on the plan as `duty`.
    pub fn of(&self, duty: Duty) -> &[String] {
        match duty {
            Duty::Proctor => &self.proctors,
            Duty::Marker => &self.markers,
            Duty::Supervisor => &self.supervisors,
        }
    }

    /// Whether the plan names `user` at all.
    pub fn names(&self, user: &str) -> bool {
        Duty::ALL.iter().any(|d| self.of(*d).iter().any(|u| u == user))
    }

    /// What the plan puts `user` on the batch as, in Chinese.
    pub fn duties_of(&self, user: &str) -> Vec<&'static str> {
        Duty::ALL.into_iter().filter(|d| self.of(*d).iter().any(|u| u == user)).map(Duty::name_zh).collect()
    }

    /// Whether nobody is named.
    pub fn is_empty(&self) -> bool {
        Duty::ALL.iter().all(|d| self.of(*d).is_empty())
    }
}

/// One person's line in the plan-versus-actual report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffLine {
    /// Duty, in Chinese.
    pub duty: &'static str,
    /// Account.
    pub user: String,
    /// On the plan.
    pub planned: bool,
    /// Did the work (acted in the batch).
    pub worked: bool,
    /// Actions recorded.
    pub actions: usize,
}

/// The plan against what happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Staff, planned or not, by duty.
    pub staff: Vec<StaffLine>,
    /// Candidates on the roster.
    pub expected: usize,
    /// Present (identity approved or clock started).
    pub present: usize,
    /// Absent: tickets and names.
    pub absent: Vec<(String, String)>,
    /// Not approved in the eligibility review (neither expected nor absent): ticket, name, why.
    pub not_eligible: Vec<(String, String, &'static str)>,
}

fn duty_of(kind: EventKind) -> Option<Duty> {
    use EventKind as K;
    match kind {
        K::Approve
        | K::Pause
        | K::Resume
        | K::Extend
        | K::Move
        | K::Violation
        | K::Unlock
        | K::RoomRecord
        | K::IdentityRefuse
        | K::FaceReview => Some(Duty::Proctor),
        K::Submit => Some(Duty::Proctor),
        K::Mark | K::Arbitration | K::Recheck => Some(Duty::Marker),
        K::SupervisionFinding | K::SupervisionClose => Some(Duty::Supervisor),
        _ => None,
    }
}

/// Compares a batch's plan with its events (the batch's own, any order) and seats.
pub fn report(plan: &Plan, seats: &[SeatRecord], events: &[Event]) -> Report {
    let mut acted: BTreeMap<(Duty, String), usize> = BTreeMap::new();
    for e in events {
        let (Some(duty), Some(user)) = (duty_of(e.kind), e.actor.strip_prefix("staff:")) else { continue };
        // A room record is made by a proctor, or by the supervisor who signs it.
        let supervising = plan.supervisors.iter().any(|s| s == user);
        let duty = if e.kind == EventKind::RoomRecord && supervising { Duty::Supervisor } else { duty };
        *acted.entry((duty, user.to_string())).or_default() += 1;
    }
    let mut staff = Vec::new();
    for duty in Duty::ALL {
        let mut users: BTreeSet<&str> = plan.of(duty).iter().map(String::as_str).collect();
        users.extend(acted.keys().filter(|(d, _)| *d == duty).map(|(_, u)| u.as_str()));
        for user in users {
            let actions = acted.get(&(duty, user.to_string())).copied().unwrap_or(0);
            staff.push(StaffLine {
                duty: duty.name_zh(),
                user: user.to_string(),
                planned: plan.of(duty).iter().any(|u| u == user),
                worked: actions > 0,
                actions,
            });
        }
    }
    let (eligible, not): (Vec<&SeatRecord>, Vec<&SeatRecord>) = seats.iter().partition(|s| s.not_eligible().is_none());
    let present = eligible.iter().filter(|s| s.present()).count();
    let absent = eligible.iter().filter(|s| !s.present()).map(|s| (s.ticket.clone(), s.name.clone())).collect();
    let not_eligible =
        not.iter().map(|s| (s.ticket.clone(), s.name.clone(), s.not_eligible().unwrap_or_default())).collect();
    Report { staff, expected: eligible.len(), present, absent, not_eligible }
}

impl Report {
    /// The report as a table (计划与实际对照表).
    pub fn rows(&self) -> Vec<Vec<String>> {
        let mut rows = vec![["类别", "职责/准考证号", "账号/姓名", "计划", "实际", "说明"].map(String::from).to_vec()];
        for s in &self.staff {
            let note = match (s.planned, s.worked) {
                (true, true) => format!("按计划到岗，记录 {} 次操作", s.actions),
                (true, false) => "计划安排但无工作记录".to_string(),
                (false, _) => format!("计划外人员，记录 {} 次操作", s.actions),
            };
            let yes = |b: bool| if b { "是" } else { "否" }.to_string();
            rows.push(vec!["工作人员".into(), s.duty.into(), s.user.clone(), yes(s.planned), yes(s.worked), note]);
        }
        rows.push(vec![
            "考生".into(),
            "应考".into(),
            String::new(),
            self.expected.to_string(),
            self.present.to_string(),
            format!("实考 {}，缺考 {}", self.present, self.absent.len()),
        ]);
        for (ticket, name) in &self.absent {
            rows.push(vec!["缺考".into(), ticket.clone(), name.clone(), "是".into(), "否".into(), "缺考".into()]);
        }
        for (ticket, name, why) in &self.not_eligible {
            rows.push(vec!["不参加".into(), ticket.clone(), name.clone(), "否".into(), "否".into(), why.to_string()]);
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: EventKind, actor: &str) -> Event {
        Event {
            seq: 1,
            at: 0,
            actor: actor.into(),
            kind,
            batch: Some("b".into()),
            ticket: None,
            detail: serde_json::json!({}),
            prev: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn the_report_names_who_worked_who_did_not_and_who_was_not_planned() {
        let plan = Plan::from_lists("p1，p2", "m1、m2", "s1");
        assert_eq!(plan.proctors, vec!["p1", "p2"]);
        let events = [
            event(EventKind::Approve, "staff:p1"),
            event(EventKind::Pause, "staff:p1"),
            event(EventKind::Approve, "staff:p9"),
            event(EventKind::Mark, "staff:m1"),
            event(EventKind::SupervisionFinding, "staff:s1"),
            event(EventKind::Submit, "seat:T1"),
            event(EventKind::Login, "staff:m2"),
        ];
        let r = report(&plan, &[], &events);
        let line = |u: &str| r.staff.iter().find(|s| s.user == u).cloned().expect(u);
        assert_eq!((line("p1").planned, line("p1").worked, line("p1").actions), (true, true, 2));
        assert_eq!((line("p2").planned, line("p2").worked), (true, false));
        assert_eq!((line("p9").planned, line("p9").worked), (false, true));
        assert_eq!((line("m2").planned, line("m2").worked), (true, false), "a login is not marking");
        assert!(line("s1").worked);
        let rows = r.rows();
        assert!(rows.iter().any(|r| r[2] == "p9" && r[5] == "计划外人员，记录 1 次操作"), "{rows:?}");
        assert!(rows.iter().any(|r| r[2] == "p2" && r[5] == "计划安排但无工作记录"), "{rows:?}");
    }
}
