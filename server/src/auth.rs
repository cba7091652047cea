//! Tokens and staff passwords. Tokens are random, sent as
//! `Authorization: Bearer …`; only their BLAKE3 hash is stored.

use crate::error::AppError;
use crate::store::{tree, Store};
use anyhow::Result;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::http::HeaderMap;
use rand::RngCore;
use serde::{Deserialize, Serialize};

/// Staff roles.
pub const ROLES: [&str; 5] = ["admin", "proctor", "marker", "leader", "auditor"];

/// A staff account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Staff {
    /// Login name.
    pub user: String,
    /// One of [`ROLES`].
    pub role: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Organisation (markers never mark its candidates).
    #[serde(default)]
    pub organisation: Option<String>,
    /// Tickets of candidates the staff member declared a relation to.
    #[serde(default)]
    pub relations: Vec<String>,
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
    },
    /// A staff member.
    Staff {
        /// User.
        user: String,
        /// Role.
        role: String,
        /// Expiry (Unix ms).
        expires: i64,
    },
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
    blake3::derive_key("kaoshi session token v1", token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The bearer token of a request.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get("authorization")?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// Looks a token up; `None` if unknown.
pub fn session(store: &Store, token: &str) -> Result<Option<(String, Session)>, AppError> {
    let hash = token_hash(token);
    Ok(store.get::<Session>(tree::SESSIONS, &hash)?.map(|s| (hash, s)))
}

/// Hashes a password with Argon2id.
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash password: {e}"))
}

/// Checks a password against its hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}
