//! Who is calling, as extractors: a handler's signature says who may call it.
//! [`Candidate`] is a seat session; [`Staff<R>`] a staff session whose role
//! is one of `R::ROLES`.

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use kaoshi_exam::batch::LoadedBatch;
use kaoshi_exam::error::{Code, Refusal};
use kaoshi_exam::service::StaffSession;
use kaoshi_exam::staff::Role;
use std::marker::PhantomData;
use std::sync::Arc;

/// The bearer token of a request's headers.
pub fn bearer_of(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers.get("authorization")?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

fn bearer(parts: &Parts) -> Option<&str> {
    bearer_of(&parts.headers)
}

/// The batch a request's path names (`…/batches/{id}/…`), if any.
async fn path_batch(parts: &mut Parts, exam: &AppState) -> Option<String> {
    let params = RawPathParams::from_request_parts(parts, exam).await.ok()?;
    params.iter().find(|(name, _)| *name == "id").map(|(_, value)| value.to_string())
}

/// A candidate at a seat.
pub struct Candidate {
    /// The seat's batch.
    pub batch: Arc<LoadedBatch>,
    /// The seat's ticket.
    pub ticket: String,
}

impl FromRequestParts<AppState> for Candidate {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, exam: &AppState) -> Result<Self, Self::Rejection> {
        let (batch, ticket) = exam.seat_session(bearer(parts))?;
        Ok(Candidate { batch, ticket })
    }
}

/// A set of roles allowed to call an endpoint.
pub trait Roles: Send + Sync + 'static {
    /// The roles.
    const ROLES: &'static [Role];
}

macro_rules! roles {
    ($($(#[$doc:meta])* $name:ident = [$($role:ident),*];)*) => {$(
        $(#[$doc])*
        pub struct $name;
        impl Roles for $name {
            const ROLES: &'static [Role] = &[$(Role::$role),*];
        }
    )*};
}

roles! {
    /// Every staff role.
    AnyStaff = [Admin, Proctor, Marker, Leader, Auditor, ChiefProctor, Supervisor];
    /// Those who act at seats: proctors, the chief proctor and admins.
    Proctors = [Admin, Proctor, ChiefProctor];
    /// Those who watch the live seat grid: proctors, the chief proctor, admins, and (read-only) auditors and supervisors.
    Watchers = [Admin, Proctor, ChiefProctor, Auditor, Supervisor];
    /// Those who make a room record (考场记录): who acts at seats, and the supervisor who signs it.
    RoomRecorders = [Admin, Proctor, ChiefProctor, Supervisor];
    /// Those who keep supervision records: supervisors and admins.
    Supervisors = [Supervisor, Admin];
    /// Those who read supervision records: supervisors, admins and auditors.
    SupervisionReaders = [Supervisor, Admin, Auditor];
    /// Markers, leaders and admins.
    Markers = [Marker, Leader, Admin];
    /// Leaders and admins.
    Leaders = [Leader, Admin];
    /// Those who read results: admins, leaders and auditors.
    Readers = [Admin, Leader, Auditor];
    /// Admins and auditors.
    Archivists = [Admin, Auditor];
    /// Those who download a batch's tables (each table says which of them may).
    Exporters = [Admin, Leader, Auditor, Supervisor];
    /// Auditors and admins.
    Auditors = [Auditor, Admin];
    /// Admins only.
    Admins = [Admin];
    /// Those who see a batch's enrolment photos and captures: its proctors, supervisors and admins.
    FaceViewers = [Admin, Proctor, ChiefProctor, Supervisor];
}

/// A staff member whose role is one of `R::ROLES` and who, where the path
/// names a batch, works on that batch.
pub struct Staff<R> {
    /// User name.
    pub user: String,
    /// Role.
    pub role: Role,
    session: StaffSession,
    _roles: PhantomData<R>,
}

impl<R: Roles> Staff<R> {
    fn check(exam: &AppState, token: Option<&str>, batch: Option<&str>) -> Result<Self, AppError> {
        let s = exam.staff_session(token, R::ROLES)?;
        if let Some(batch) = batch {
            if !s.works_on(batch) {
                let message = format!("你没有被安排参与批次 {batch} 的工作");
                return Err(Refusal::forbidden(Code::NotOnBatch, message).into());
            }
        }
        Ok(Staff { user: s.user.clone(), role: s.role, session: s, _roles: PhantomData })
    }

    /// Whether the staff member works on `batch`.
    pub fn works_on(&self, batch: &str) -> bool {
        self.session.works_on(batch)
    }

    /// Whether the staff member watches and acts in `room`.
    pub fn works_in(&self, room: &str) -> bool {
        self.session.works_in(room)
    }

    /// Refuses a room the staff member is not assigned to.
    pub fn in_room(&self, room: &str) -> Result<(), AppError> {
        if self.works_in(room) {
            return Ok(());
        }
        Err(Refusal::forbidden(Code::NotInRoom, format!("你没有被安排在{room}监考")).into())
    }

    /// The rooms watched (empty: every room).
    pub fn rooms(&self) -> &[String] {
        self.session.watched_rooms()
    }
}

impl<R: Roles> FromRequestParts<AppState> for Staff<R> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, exam: &AppState) -> Result<Self, Self::Rejection> {
        let batch = path_batch(parts, exam).await;
        Staff::check(exam, bearer(parts), batch.as_deref())
    }
}
