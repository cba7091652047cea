//! The register of exam sites and rooms (考点、考场登记) with their seat
//! counts, in `DATA/rooms.toml`. A theory room has at least 30 seats (seed
//! 001 第八条; a machine room of 100 in 鲁人社字〔2022〕93号 附件1); a roster may not put
//! more candidates in a room than it has seats, nor a seat number the room
//! does not have. Without the file nothing is checked.

use crate::batch::RosterLine;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The file's name in the data directory.
pub const FILE: &str = "rooms.toml";

/// Seats a room needs at least when the register names no minimum (池人社发〔2024〕4号 第八条).
pub const DEFAULT_MINIMUM_SEATS: u32 = 30;

/// The register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Register {
    /// Fewest seats a room may have.
    #[serde(default = "default_minimum")]
    pub minimum_seats: u32,
    /// The rooms.
    #[serde(default, rename = "room")]
    pub rooms: Vec<Room>,
}

/// One exam room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Room {
    /// The site (考点).
    pub site: String,
    /// The room's name as rosters write it.
    pub name: String,
    /// Seats, numbered 1 to this.
    pub seats: u32,
}

fn default_minimum() -> u32 {
    DEFAULT_MINIMUM_SEATS
}

impl Register {
    /// Parses `rooms.toml`, naming the file and what is wrong.
    pub fn parse(file: &str, text: &str) -> Result<Register, String> {
        let r: Register = crate::register_file::parse_toml(file, text)?;
        let mut seen = std::collections::HashSet::new();
        for room in &r.rooms {
            if room.seats == 0 {
                return Err(format!("{file}：考场“{}”的座位数（seats）须至少为 1", room.name));
            }
            if !seen.insert(room.name.as_str()) {
                return Err(format!("{file}：考场“{}”登记了两次", room.name));
            }
        }
        Ok(r)
    }

    /// `DATA/rooms.toml`, or `None` when there is none.
    pub fn load(data: &Path) -> Result<Option<Register>, String> {
        crate::register_file::read_optional(&data.join(FILE), Register::parse)
    }

    /// The room named so.
    pub fn room(&self, name: &str) -> Option<&Room> {
        self.rooms.iter().find(|r| r.name == name)
    }

    /// Why `seat` in `room` is not a place to sit, if it is not.
    pub fn place_problem(&self, room: &str, seat: &str) -> Option<String> {
        let Some(r) = self.room(room) else {
            return Some(format!("考场“{room}”不在考点考场登记（rooms.toml）中"));
        };
        match seat.trim().parse::<u32>() {
            Ok(n) if (1..=r.seats).contains(&n) => None,
            _ => Some(format!("{room}只有 {} 个座位（1–{}），没有“{seat}”号", r.seats, r.seats)),
        }
    }

    /// What is wrong with a roster in these rooms, line by line, then per room.
    pub fn roster_problems(&self, roster: &[RosterLine]) -> Vec<String> {
        let mut out = Vec::new();
        let mut per_room: BTreeMap<&str, u32> = BTreeMap::new();
        for (i, line) in roster.iter().enumerate() {
            if let Some(p) = self.place_problem(&line.room, &line.seat) {
                out.push(format!("名单第 {} 行：{p}", i + 2));
            }
            *per_room.entry(line.room.as_str()).or_default() += 1;
        }
        for (name, n) in per_room {
            let Some(r) = self.room(name) else { continue };
            if n > r.seats {
                out.push(format!("{name}安排了 {n} 名考生，只有 {} 个座位", r.seats));
            }
            if r.seats < self.minimum_seats {
                out.push(format!(
                    "{name}（{}）只有 {} 个座位，少于理论考场最低 {} 个（rooms.toml 的 minimum_seats；池人社发〔2024〕4号 第八条）",
                    r.site, r.seats, self.minimum_seats
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(room: &str, seat: &str) -> RosterLine {
        RosterLine {
            ticket: format!("{room}-{seat}"),
            id_number: String::new(),
            id_type: String::new(),
            name: String::new(),
            organisation: String::new(),
            room: room.into(),
            seat: seat.into(),
            extra_time: String::new(),
            review: Default::default(),
        }
    }

    const TEXT: &str = "[[room]]\nsite = \"合肥考点\"\nname = \"第1考场\"\nseats = 30\n\n[[room]]\nsite = \"合肥考点\"\nname = \"小教室\"\nseats = 2\n";

    #[test]
    fn a_roster_is_checked_against_the_rooms_line_by_line() {
        let r = Register::parse("rooms.toml", TEXT).expect("register");
        assert_eq!(r.minimum_seats, 30);
        let roster = [
            line("第1考场", "01"),
            line("第1考场", "31"),
            line("第9考场", "1"),
            line("小教室", "1"),
            line("小教室", "2"),
            line("小教室", "2"),
        ];
        let p = r.roster_problems(&roster);
        assert_eq!(
            p,
            vec![
                "名单第 3 行：第1考场只有 30 个座位（1–30），没有“31”号".to_string(),
                "名单第 4 行：考场“第9考场”不在考点考场登记（rooms.toml）中".to_string(),
                "小教室安排了 3 名考生，只有 2 个座位".to_string(),
                "小教室（合肥考点）只有 2 个座位，少于理论考场最低 30 个（rooms.toml 的 minimum_seats；池人社发〔2024〕4号 第八条）".to_string(),
            ]
        );
        assert_eq!(r.place_problem("第1考场", "30"), None);
    }

    #[test]
    fn a_bad_register_is_named() {
        let e = Register::parse("DATA/rooms.toml", "[[room]]\nname = \"第1考场\"\n").expect_err("no seats");
        assert!(e.starts_with("DATA/rooms.toml：格式错误"), "{e}");
        let twice = format!("{TEXT}[[room]]\nsite = \"x\"\nname = \"第1考场\"\nseats = 40\n");
        assert_eq!(Register::parse("rooms.toml", &twice).expect_err("twice"), "rooms.toml：考场“第1考场”登记了两次");
    }
}
