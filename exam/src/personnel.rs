//! The staff register (人员登记) in `DATA/personnel.toml`: the proctors,
//! markers (考评员) and quality supervisors (质量督导员) the organisation may
//! put on a plan, each with certificate, occupation, level, validity and the
//! organisations they serve. A plan may assign only registered people with
//! the role, a certificate valid on the exam day and, for a marker, the
//! batch's occupation at 三级 or above and not below the batch's level
//! (鲁人社字〔2022〕93号 附件1: 专、兼职考评人员应当具有相关职业三级及以上职业技能等级 and
//! 规定的考评人员证件; 池人社发〔2024〕4号 第七条4: 考评人员应持有在有效期内的考评人员证书).
//! A part-timer serves at most 2 organisations (鲁人社字〔2022〕93号 附件1: 兼职人员不得与
//! 3家及以上机构发生供职或聘用关系). Without the file nothing is checked.

pub use crate::plan::Duty;
use crate::settings::Settings;
use chrono::NaiveDate;
use kaoshi_engine::bank::Level;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The file's name in the data directory.
pub const FILE: &str = "personnel.toml";

/// The register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Personnel {
    /// The people.
    #[serde(default, rename = "person")]
    pub people: Vec<Person>,
}

/// One registered person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Name.
    pub name: String,
    /// The staff account (login name) the person works under.
    pub user: String,
    /// What the person may do.
    pub duties: Vec<Duty>,
    /// Certificate number (考评员证、督导员证、监考员证).
    pub certificate: String,
    /// The occupation the certificate is for (markers: the one they assess).
    #[serde(default)]
    pub occupation_code: String,
    /// The person's own skill level code (`3` … `1`).
    #[serde(default)]
    pub level: String,
    /// Last day the certificate is valid.
    pub valid_until: NaiveDate,
    /// Part-time (兼职) rather than full-time (专职).
    #[serde(default)]
    pub part_time: bool,
    /// Every organisation the person serves, this one included.
    #[serde(default)]
    pub organisations: Vec<String>,
}

/// Who is put on a plan as what.
pub type Assignment<'a> = (Duty, &'a [String]);

/// The batch a plan is for, as assignments are checked against it.
#[derive(Debug, Clone, Copy)]
pub struct Exam<'a> {
    /// Occupation code.
    pub occupation_code: &'a str,
    /// Level code.
    pub level: &'a str,
    /// The exam day.
    pub day: NaiveDate,
}

fn rank(code: &str) -> Option<usize> {
    Level::from_code(code).and_then(|l| Level::ALL.iter().position(|x| *x == l))
}

impl Personnel {
    /// Parses `personnel.toml`, naming the file and what is wrong.
    pub fn parse(file: &str, text: &str) -> Result<Personnel, String> {
        let p: Personnel = crate::register_file::parse_toml(file, text)?;
        let mut seen = std::collections::HashSet::new();
        for person in &p.people {
            if person.user.trim().is_empty() || person.name.trim().is_empty() {
                return Err(format!("{file}：每人须有姓名（name）和账号（user）"));
            }
            if !seen.insert(person.user.as_str()) {
                return Err(format!("{file}：账号 {} 登记了两次", person.user));
            }
            if person.duties.is_empty() {
                return Err(format!("{file}：{}（{}）没有登记职责（duties）", person.name, person.user));
            }
            if !person.level.is_empty() && rank(&person.level).is_none() {
                return Err(format!("{file}：{}（{}）的等级“{}”无效", person.name, person.user, person.level));
            }
        }
        Ok(p)
    }

    /// `DATA/personnel.toml`, or `None` when there is none.
    pub fn load(data: &Path) -> Result<Option<Personnel>, String> {
        crate::register_file::read_optional(&data.join(FILE), Personnel::parse)
    }

    /// The person working under `user`.
    pub fn person(&self, user: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.user == user)
    }

    /// What is wrong with putting these people on a plan for `exam`: each
    /// breach names the person and the rule.
    pub fn assignment_breaches(&self, plan: &[Assignment<'_>], exam: Exam<'_>, settings: &Settings) -> Vec<String> {
        let mut out = Vec::new();
        for (duty, users) in plan {
            if users.is_empty() {
                out.push(format!(
                    "认定计划没有安排{}（池人社发〔2024〕4号 第十五条1、鲁人社字〔2020〕50号 四(一)）",
                    duty.name_zh()
                ));
            }
            for user in users.iter() {
                match self.person(user) {
                    None => out.push(format!("{user} 不在人员登记（personnel.toml）中，不能安排为{}", duty.name_zh())),
                    Some(p) => out.extend(p.breaches(*duty, exam, settings)),
                }
            }
        }
        out
    }
}

impl Person {
    /// Why this person cannot serve as `duty` on `exam`.
    pub fn breaches(&self, duty: Duty, exam: Exam<'_>, settings: &Settings) -> Vec<String> {
        let who = format!("{}（{}）", self.name, self.user);
        let mut out = Vec::new();
        if !self.duties.contains(&duty) {
            out.push(format!("{who} 未登记为{}", duty.name_zh()));
        }
        if self.valid_until < exam.day {
            out.push(format!("{who} 的证书 {} 已于 {} 到期", self.certificate, self.valid_until));
        }
        let most = settings.max_part_time_organisations as usize;
        if self.part_time && self.organisations.len() > most {
            out.push(format!(
                "{who} 兼职 {} 家机构，最多 {most} 家（personnel.toml；organisation.toml 的 max_part_time_organisations；鲁人社字〔2022〕93号 附件1）",
                self.organisations.len()
            ));
        }
        if duty == Duty::Marker {
            if self.occupation_code != exam.occupation_code {
                out.push(format!(
                    "{who} 的考评资格是职业 {}，不是本批次的 {}",
                    if self.occupation_code.is_empty() { "（未登记）" } else { &self.occupation_code },
                    exam.occupation_code
                ));
            }
            let needed = [rank(&settings.marker_min_level), rank(exam.level)].into_iter().flatten().max();
            if let Some(needed) = needed {
                if rank(&self.level).is_none_or(|have| have < needed) {
                    out.push(format!(
                        "{who} 的等级为{}，考评员须为{}及以上且不低于认定等级{}（organisation.toml 的 marker_min_level；鲁人社字〔2022〕93号 附件1）",
                        if self.level.is_empty() { "未登记".to_string() } else { crate::scope::level_zh(&self.level) },
                        crate::scope::level_zh(&settings.marker_min_level),
                        crate::scope::level_zh(exam.level)
                    ));
                }
            }
        }
        out
    }
}

/// The staff ledger (人员台账): each person with their certificate, whether
/// it is valid on `today`, and the batches whose plans name them.
pub fn ledger(register: &Personnel, today: NaiveDate, plans: &[(String, crate::plan::Plan)]) -> Vec<Vec<String>> {
    let header =
        ["姓名", "账号", "职责", "证书编号", "职业代码", "等级", "有效期至", "状态", "专兼职", "供职机构", "安排批次"];
    let mut rows = vec![header.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    for p in &register.people {
        let duties: Vec<&str> = p.duties.iter().map(|d| d.name_zh()).collect();
        let batches: Vec<String> = plans
            .iter()
            .filter(|(_, plan)| plan.names(&p.user))
            .map(|(id, plan)| format!("{id}（{}）", plan.duties_of(&p.user).join("、")))
            .collect();
        rows.push(vec![
            p.name.clone(),
            p.user.clone(),
            duties.join("、"),
            p.certificate.clone(),
            p.occupation_code.clone(),
            if p.level.is_empty() { String::new() } else { crate::scope::level_zh(&p.level) },
            p.valid_until.to_string(),
            if p.valid_until < today { "已过期".into() } else { "有效".into() },
            if p.part_time { "兼职".into() } else { "专职".into() },
            p.organisations.join("、"),
            batches.join("；"),
        ]);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"
[[person]]
name = "王考评"
user = "marker1"
duties = ["marker"]
certificate = "KP-2024-001"
occupation_code = "4-07-05-04"
level = "3"
valid_until = "2027-06-30"

[[person]]
name = "李四级"
user = "marker2"
duties = ["marker", "proctor"]
certificate = "KP-2024-002"
occupation_code = "4-07-05-04"
level = "4"
valid_until = "2026-11-30"
part_time = true
organisations = ["甲", "乙", "丙"]
"#;

    fn exam(level: &str) -> Exam<'static> {
        let level: &'static str = Box::leak(level.to_string().into_boxed_str());
        Exam { occupation_code: "4-07-05-04", level, day: "2026-12-18".parse().expect("day") }
    }

    #[test]
    fn an_expired_or_unqualified_person_is_named_with_the_rule() {
        let p = Personnel::parse("personnel.toml", TEXT).expect("register");
        let s = Settings::default();
        let markers = vec!["marker1".to_string()];
        let none: Vec<String> = vec![];
        assert_eq!(p.assignment_breaches(&[(Duty::Marker, &markers)], exam("4"), &s), Vec::<String>::new());
        // A level-3 marker cannot mark a level-2 batch.
        let b = p.assignment_breaches(&[(Duty::Marker, &markers)], exam("2"), &s);
        assert_eq!(b.len(), 1, "{b:?}");
        assert!(
            b[0].contains(
                "王考评（marker1） 的等级为三级/高级工，考评员须为三级/高级工及以上且不低于认定等级二级/技师"
            ),
            "{b:?}"
        );
        let two = vec!["marker2".to_string(), "nobody".to_string()];
        let b = p.assignment_breaches(&[(Duty::Marker, &two), (Duty::Supervisor, &none)], exam("5"), &s);
        let all = b.join("\n");
        assert!(all.contains("李四级（marker2） 的证书 KP-2024-002 已于 2026-11-30 到期"), "{all}");
        assert!(all.contains("李四级（marker2） 兼职 3 家机构，最多 2 家"), "{all}");
        assert!(all.contains("李四级（marker2） 的等级为四级/中级工，考评员须为三级/高级工及以上"), "{all}");
        assert!(all.contains("nobody 不在人员登记（personnel.toml）中，不能安排为考评员"), "{all}");
        assert!(all.contains("认定计划没有安排质量督导员"), "{all}");
        assert_eq!(b.len(), 5, "{all}");
        // As a proctor only the certificate and the part-time rule apply.
        let b = p.assignment_breaches(&[(Duty::Proctor, &two[..1])], exam("5"), &s);
        assert_eq!(b.len(), 2, "{b:?}");
        let b = p.assignment_breaches(&[(Duty::Supervisor, &markers)], exam("5"), &s);
        assert_eq!(b, vec!["王考评（marker1） 未登记为质量督导员".to_string()]);
    }

    #[test]
    fn a_bad_register_is_named() {
        let e = Personnel::parse("DATA/personnel.toml", &TEXT.replace("\"proctor\"]", "\"cook\"]")).expect_err("duty");
        assert!(e.starts_with("DATA/personnel.toml：格式错误"), "{e}");
        let e = Personnel::parse("p.toml", &TEXT.replace("marker2", "marker1")).expect_err("twice");
        assert_eq!(e, "p.toml：账号 marker1 登记了两次");
    }

    #[test]
    fn the_ledger_lists_validity_and_assigned_batches() {
        let p = Personnel::parse("personnel.toml", TEXT).expect("register");
        let plan = crate::plan::Plan::from_lists("marker1", "marker1", "");
        let rows = ledger(&p, "2026-12-02".parse().expect("day"), &[("b1".into(), plan)]);
        assert_eq!(rows.len(), 3, "{rows:?}");
        assert_eq!(
            rows[1].join(","),
            "王考评,marker1,考评员,KP-2024-001,4-07-05-04,三级/高级工,2027-06-30,有效,专职,,b1（监考员、考评员）"
        );
        assert_eq!(rows[2][7..10].join(","), "已过期,兼职,甲、乙、丙");
    }
}
