//! The organisation's registers on a running server: the settings
//! (`organisation.toml`), the registered scope (`scope.toml`), the sites and
//! rooms (`rooms.toml`) and the staff register (`personnel.toml`), read and
//! replaced from the console. A replacement is parsed first (a bad file is
//! refused, naming what is wrong), written so a crash leaves the old or the
//! new file, and logged with its text, so the log holds every version a
//! batch was checked against. The next batch created is checked against it.

use super::core::Exam;
use crate::error::{Code, ExamError, Refusal, Result};
use crate::events::{Actor, EventKind};
use serde::Serialize;
use serde_json::{json, Value};

/// One register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Register {
    /// `organisation.toml`.
    Organisation,
    /// `scope.toml`.
    Scope,
    /// `rooms.toml`.
    Rooms,
    /// `personnel.toml`.
    Personnel,
}

impl Register {
    /// Every register, in the console's order.
    pub const ALL: [Register; 4] = [Register::Organisation, Register::Scope, Register::Rooms, Register::Personnel];

    /// The register's name in paths.
    pub fn name(self) -> &'static str {
        match self {
            Register::Organisation => "organisation",
            Register::Scope => "scope",
            Register::Rooms => "rooms",
            Register::Personnel => "personnel",
        }
    }

    /// The register named so.
    pub fn from_name(name: &str) -> std::result::Result<Register, Refusal> {
        Register::ALL
            .into_iter()
            .find(|r| r.name() == name)
            .ok_or_else(|| Refusal::not_found(Code::UnknownRegister, format!("没有登记册“{name}”")))
    }

    /// Its file in the data directory.
    pub fn file(self) -> &'static str {
        match self {
            Register::Organisation => crate::settings::FILE,
            Register::Scope => crate::scope::FILE,
            Register::Rooms => crate::rooms::FILE,
            Register::Personnel => crate::personnel::FILE,
        }
    }

    /// The register's content as JSON, parsed from `text` (the file's name in messages).
    pub fn parse(self, text: &str) -> std::result::Result<Value, String> {
        let file = self.file();
        let value = match self {
            Register::Organisation => serde_json::to_value(crate::settings::parse_settings(file, text)?),
            Register::Scope => serde_json::to_value(crate::scope::Scope::parse(file, text)?),
            Register::Rooms => serde_json::to_value(crate::rooms::Register::parse(file, text)?),
            Register::Personnel => serde_json::to_value(crate::personnel::Personnel::parse(file, text)?),
        };
        value.map_err(|e| format!("{file}：{e}"))
    }
}

/// A register as the console shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RegisterView {
    /// Name in paths.
    pub name: &'static str,
    /// File in the data directory.
    pub file: &'static str,
    /// Whether the file exists (without it nothing is checked; the
    /// settings take their defaults).
    pub exists: bool,
    /// The file's text (empty when absent).
    pub text: String,
    /// Its content, parsed (the defaults for absent settings; null for an absent register).
    pub content: Value,
    /// Why the file on disk does not parse, if it does not.
    pub problem: Option<String>,
}

fn internal(e: impl std::fmt::Display) -> ExamError {
    ExamError::Internal(e.to_string())
}

impl Exam {
    /// A register as it is on disk.
    pub fn register(&self, which: Register) -> Result<RegisterView> {
        let path = self.store.dir().join(which.file());
        let (exists, text) = match std::fs::read_to_string(&path) {
            Ok(t) => (true, t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (false, String::new()),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                let problem = Some(crate::register_file::not_utf8(std::path::Path::new(which.file())));
                return Ok(RegisterView {
                    name: which.name(),
                    file: which.file(),
                    exists: true,
                    text: String::new(),
                    content: Value::Null,
                    problem,
                });
            }
            Err(e) => return Err(internal(format!("{}: {e}", path.display()))),
        };
        let (content, problem) = match (exists, which) {
            (false, Register::Organisation) => (which.parse("").unwrap_or(Value::Null), None),
            (false, _) => (Value::Null, None),
            (true, _) => match which.parse(&text) {
                Ok(v) => (v, None),
                Err(e) => (Value::Null, Some(e)),
            },
        };
        let mut content = content;
        if which == Register::Scope && content.is_object() {
            // Each registration's last valid day, by its own end or the validity years.
            let years = crate::settings::load_settings(self.store.dir()).unwrap_or_default().scope_validity_years;
            if let Ok(scope) = crate::scope::Scope::parse(which.file(), &text) {
                for (r, v) in
                    scope.registrations.iter().zip(content["registration"].as_array_mut().into_iter().flatten())
                {
                    v["last_day"] = json!(r.last_day(years));
                }
            }
        }
        Ok(RegisterView { name: which.name(), file: which.file(), exists, text, content, problem })
    }

    /// Replaces a register with `text` (empty: removes the file, so nothing
    /// is checked against it), after parsing it; logged with the text.
    pub async fn replace_register(&self, which: Register, text: &str, user: &str) -> Result<RegisterView> {
        let _lock = self.lock_seat("#registers", which.name()).await;
        let path = self.store.dir().join(which.file());
        let before = std::fs::read(&path).ok();
        let hash = blake3::hash(text.as_bytes()).to_hex().to_string();
        if text.trim().is_empty() {
            match std::fs::remove_file(&path) {
                Ok(()) => crate::durable_file::sync_dir(self.store.dir()).map_err(internal)?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(internal(format!("{}: {e}", path.display()))),
            }
        } else {
            which.parse(text).map_err(|e| Refusal::invalid(Code::RegisterInvalid, e))?;
            crate::durable_file::write_atomic(&path, text.as_bytes()).map_err(internal)?;
        }
        let detail = json!({"register": which.name(), "file": which.file(), "hash": hash,
            "removed": text.trim().is_empty(), "text": text});
        let logged = self.event(&Actor::Staff(user.to_string()), EventKind::RegisterChange, None, None, detail);
        if let Err(e) = logged {
            // Every version in force is on the log: one that could not be logged is taken back.
            let _ = match &before {
                Some(old) => crate::durable_file::write_atomic(&path, old),
                None => std::fs::remove_file(&path),
            };
            return Err(e);
        }
        self.commit().await?;
        self.register(which)
    }

    /// The staff ledger (人员台账) from the staff register and every batch's plan.
    pub fn personnel_ledger(&self) -> Result<crate::exports::Rows> {
        let people = crate::personnel::Personnel::load(self.store.dir())
            .map_err(|e| Refusal::invalid(Code::RegisterInvalid, e))?
            .unwrap_or(crate::personnel::Personnel { people: Vec::new() });
        let plans: Vec<_> = self.store.batches()?.into_iter().map(|b| (b.id, b.plan)).collect();
        Ok(crate::personnel::ledger(&people, crate::filing::day_of(self.now()), &plans))
    }
}
