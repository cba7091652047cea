//! Staff, sessions and passwords. Tokens are random and sent as
//! `Authorization: Bearer …`; only their BLAKE3-derived hash is stored.
//! Passwords are Argon2id PHC strings.

use crate::error::{Code, Refusal};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a staff member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The organisation's administrator.
    Admin,
    /// A proctor (监考).
    Proctor,
    /// A marker (考评员).
    Marker,
    /// A marking-group leader (组长).
    Leader,
    /// A bureau auditor (督导).
    Auditor,
    /// The chief proctor (主考): every batch and room, live.
    ChiefProctor,
    /// The organisation's quality supervisor (质量督导员): the live grid
    /// read-only, supervision records of the batches assigned.
    Supervisor,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 7] =
        [Role::Admin, Role::Proctor, Role::Marker, Role::Leader, Role::Auditor, Role::ChiefProctor, Role::Supervisor];

    /// The role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Proctor => "proctor",
            Role::Marker => "marker",
            Role::Leader => "leader",
            Role::Auditor => "auditor",
            Role::ChiefProctor => "chief_proctor",
            Role::Supervisor => "supervisor",
        }
    }

    /// The role's name in Chinese.
    pub fn name_zh(self) -> &'static str {
        match self {
            Role::Admin => "管理员",
            Role::Proctor => "监考员",
            Role::Marker => "考评员",
            Role::Leader => "阅卷组长",
            Role::Auditor => "督导/审计",
            Role::ChiefProctor => "主考",
            Role::Supervisor => "质量督导员",
        }
    }

    /// A role by name.
    pub fn from_name(name: &str) -> Result<Role, Refusal> {
        Role::ALL.into_iter().find(|r| r.as_str() == name).ok_or_else(|| {
            let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
            Refusal::invalid(Code::StaffInvalid, format!("不认识的角色 `{name}`（可用：{}）", names.join(", ")))
        })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A staff account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Staff {
    /// Login name.
    pub user: String,
    /// Role.
    pub role: Role,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Organisation (markers never mark its candidates).
    #[serde(default)]
    pub organisation: Option<String>,
    /// Tickets of candidates the staff member declared a relation to.
    #[serde(default)]
    pub relations: Vec<String>,
    /// Batches a proctor, marker, leader or supervisor works on; empty: every batch
    /// (admins and auditors always see every batch).
    #[serde(default)]
    pub batches: Vec<String>,
    /// Rooms a proctor watches and acts in; empty: every room of their batches.
    #[serde(default)]
    pub rooms: Vec<String>,
    /// A disabled account cannot log in and its sessions end.
    #[serde(default)]
    pub disabled: bool,
    /// Raised by every change to the account (role, password, disabling):
    /// sessions begun under an older epoch have ended.
    #[serde(default)]
    pub epoch: u64,
}

impl Staff {
    /// Whether the staff member works on `batch`.
    pub fn works_on(&self, batch: &str) -> bool {
        matches!(self.role, Role::Admin | Role::Auditor | Role::ChiefProctor)
            || self.batches.is_empty()
            || self.batches.iter().any(|b| b == batch)
    }
}

/// Who a token belongs to.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Session {
    /// A candidate at a seat.
    Seat {
        /// Batch.
        batch: String,
        /// Ticket.
        ticket: String,
        /// When the candidate logged in (Unix ms; 0 for a session from
        /// before kaoshi recorded it).
        #[serde(default)]
        issued: i64,
    },
    /// A staff member.
    Staff {
        /// User.
        user: String,
        /// Role.
        role: Role,
        /// Expiry (Unix ms).
        expires: i64,
        /// The account's epoch when the session began.
        #[serde(default)]
        epoch: u64,
    },
}

/// How long a staff session lasts (an exam day).
pub const STAFF_SESSION_MS: i64 = 12 * 3600 * 1000;

/// How long after its login a seat session lasts at most (an exam day); it
/// ends earlier at hand-in.
pub const SEAT_SESSION_MS: i64 = 24 * 3600 * 1000;

/// Whether a seat session issued at `issued` has outlived the exam day.
pub fn seat_session_expired(issued: i64, now: i64) -> bool {
    issued > 0 && now > issued + SEAT_SESSION_MS
}

/// A new random token and the hash under which it is stored.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(blake3::derive_key("kaoshi session token v1", token.as_bytes()))
}

/// Hashes a password with Argon2id.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash password: {e}"))
}

/// Checks a password against its hash; with no account, against a dummy
/// hash of the same cost, so that the time taken does not tell whether a
/// user name exists.
pub fn verify_password(password: &str, hash: Option<&str>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = || DUMMY.get_or_init(|| hash_password("kaoshi: no such account").unwrap_or_default());
    let (hash, real) = match hash {
        Some(h) => (h, true),
        None => (dummy().as_str(), false),
    };
    let matches = PasswordHash::new(hash)
        .is_ok_and(|h| argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok());
    matches && real
}

/// A new staff account, checked: a known role and a password of at least 8 characters.
pub fn new_staff(
    user: &str,
    role: Role,
    password: &str,
    organisation: Option<&str>,
    relations: &[String],
) -> Result<Staff, crate::error::ExamError> {
    if user.trim().is_empty() {
        return Err(Refusal::invalid(Code::StaffInvalid, "工作人员账号需要用户名").into());
    }
    if password.chars().count() < 8 {
        return Err(Refusal::invalid(Code::StaffInvalid, "密码至少需要 8 个字符").into());
    }
    Ok(Staff {
        user: user.to_string(),
        role,
        password_hash: hash_password(password).map_err(crate::error::ExamError::Internal)?,
        organisation: organisation.map(str::to_string),
        relations: relations.to_vec(),
        batches: Vec::new(),
        rooms: Vec::new(),
        disabled: false,
        epoch: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_store_as_their_names() {
        for r in Role::ALL {
            assert_eq!(serde_json::to_value(r).ok(), Some(serde_json::Value::String(r.as_str().into())));
            assert_eq!(Role::from_name(r.as_str()).ok(), Some(r));
        }
        assert!(Role::from_name("root").is_err());
    }
}
