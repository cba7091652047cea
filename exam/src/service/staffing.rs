//! Staff accounts on a running server: list, add or change (role,
//! password, organisation, batches and rooms), disable and enable. Every
//! change ends the account's sessions and is on the event log.

use super::core::Exam;
use crate::admin::{add_staff, set_staff_disabled};
use crate::error::{Code, ExamError, Refusal, Result};
use crate::events::Actor;
use crate::staff::{hash_password, Role, Staff};
use serde::Serialize;

/// A staff account as the console shows it (no password hash).
#[derive(Debug, Clone, Serialize)]
pub struct StaffView {
    /// Login name.
    pub user: String,
    /// Role.
    pub role: Role,
    /// The role in Chinese.
    pub role_name: &'static str,
    /// Organisation.
    pub organisation: Option<String>,
    /// Tickets of candidates with a declared relation.
    pub relations: Vec<String>,
    /// Batches assigned (empty: every batch).
    pub batches: Vec<String>,
    /// Rooms assigned (empty: every room).
    pub rooms: Vec<String>,
    /// Disabled.
    pub disabled: bool,
}

impl From<&Staff> for StaffView {
    fn from(s: &Staff) -> StaffView {
        StaffView {
            user: s.user.clone(),
            role: s.role,
            role_name: s.role.name_zh(),
            organisation: s.organisation.clone(),
            relations: s.relations.clone(),
            batches: s.batches.clone(),
            rooms: s.rooms.clone(),
            disabled: s.disabled,
        }
    }
}

/// An account to add or change.
#[derive(Debug, Clone)]
pub struct StaffRequest {
    /// Login name.
    pub user: String,
    /// Role.
    pub role: Role,
    /// A new password (required for a new account; keeps the old one when absent).
    pub password: Option<String>,
    /// Organisation.
    pub organisation: Option<String>,
    /// Declared relations (tickets).
    pub relations: Vec<String>,
    /// Batches assigned.
    pub batches: Vec<String>,
    /// Rooms assigned.
    pub rooms: Vec<String>,
}

fn refused(message: impl Into<String>) -> ExamError {
    Refusal::invalid(Code::StaffInvalid, message).into()
}

impl Exam {
    /// Every staff account.
    pub fn staff_list(&self) -> Result<Vec<StaffView>> {
        Ok(self.store.all_staff()?.iter().map(StaffView::from).collect())
    }

    /// Adds or changes an account; its sessions end.
    pub async fn save_staff(&self, req: StaffRequest, by: &str) -> Result<StaffView> {
        let user = req.user.trim().to_string();
        if user.is_empty() || user.chars().any(char::is_whitespace) {
            return Err(refused("用户名不能为空，也不能含空格"));
        }
        for b in &req.batches {
            if self.store.batch(b)?.is_none() {
                return Err(refused(format!("没有批次 {b}")));
            }
        }
        let old = self.store.staff(&user)?;
        if old.as_ref().is_some_and(|o| o.role == Role::Admin) && req.role != Role::Admin {
            if user == by {
                return Err(refused("不能更改自己的管理员角色（请由另一位管理员操作）"));
            }
            self.keep_an_admin(&user)?;
        }
        let password_hash = match (req.password.as_deref().filter(|p| !p.is_empty()), &old) {
            (Some(p), _) => {
                if p.chars().count() < 8 {
                    return Err(refused("密码至少需要 8 个字符"));
                }
                let _permit = self.hashing.acquire().await.map_err(|e| ExamError::Internal(e.to_string()))?;
                let p = p.to_string();
                tokio::task::spawn_blocking(move || hash_password(&p))
                    .await
                    .map_err(|e| ExamError::Internal(format!("password hashing failed: {e}")))?
                    .map_err(ExamError::Internal)?
            }
            (None, Some(old)) => old.password_hash.clone(),
            (None, None) => return Err(refused("新账号需要设置密码")),
        };
        let clean = |v: Vec<String>| -> Vec<String> {
            v.into_iter().map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect()
        };
        let staff = Staff {
            user: user.clone(),
            role: req.role,
            password_hash,
            organisation: req.organisation.map(|o| o.trim().to_string()).filter(|o| !o.is_empty()),
            relations: clean(req.relations),
            batches: clean(req.batches),
            rooms: clean(req.rooms),
            disabled: old.as_ref().is_some_and(|o| o.disabled),
            epoch: old.as_ref().map_or(0, |o| o.epoch),
        };
        add_staff(&self.store, &self.log, self.now(), &Actor::Staff(by.to_string()), &staff)?;
        self.commit().await?;
        Ok(StaffView::from(&staff))
    }

    /// Refuses a change that would leave no enabled admin besides `user`.
    fn keep_an_admin(&self, user: &str) -> Result<()> {
        let others = self
            .store
            .all_staff()?
            .into_iter()
            .filter(|s| s.user != user && s.role == Role::Admin && !s.disabled)
            .count();
        if others == 0 {
            return Err(refused("这是唯一可用的管理员账号，不能更改其角色或停用"));
        }
        Ok(())
    }

    /// Disables or enables an account; its sessions end. An admin cannot
    /// disable their own account, nor the last enabled admin.
    pub async fn staff_disabled(&self, user: &str, disabled: bool, by: &str) -> Result<StaffView> {
        if disabled && user == by {
            return Err(refused("不能停用自己的账号"));
        }
        if disabled && self.store.staff(user)?.is_some_and(|s| s.role == Role::Admin) {
            self.keep_an_admin(user)?;
        }
        set_staff_disabled(&self.store, &self.log, self.now(), &Actor::Staff(by.to_string()), user, disabled)?;
        self.commit().await?;
        let staff = self.store.staff(user)?.ok_or_else(|| refused(format!("没有工作人员账号 {user}")))?;
        Ok(StaffView::from(&staff))
    }
}
