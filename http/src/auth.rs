//! Who is calling, as extractors: a handler's signature says who may call it.
//! [`Candidate`] is a seat session; [`Staff<R>`] a staff session whose role
//! is one of `R::ROLES`.

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use kaoshi_exam::batch::LoadedBatch;
use kaoshi_exam::staff::Role;
use std::marker::PhantomData;
use std::sync::Arc;

fn bearer(parts: &Parts) -> Option<&str> {
    parts.headers.get("authorization")?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
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
    AnyStaff = [Admin, Proctor, Marker, Leader, Auditor];
    /// Proctors and admins.
    Proctors = [Admin, Proctor];
    /// Markers, leaders and admins.
    Markers = [Marker, Leader, Admin];
    /// Leaders and admins.
    Leaders = [Leader, Admin];
    /// Those who read results: admins, leaders and auditors.
    Readers = [Admin, Leader, Auditor];
    /// Admins and auditors.
    Archivists = [Admin, Auditor];
    /// Auditors and admins.
    Auditors = [Auditor, Admin];
    /// Admins only.
    Admins = [Admin];
}

/// A staff member whose role is one of `R::ROLES`.
pub struct Staff<R> {
    /// User name.
    pub user: String,
    /// Role.
    pub role: Role,
    _roles: PhantomData<R>,
}

impl<R: Roles> Staff<R> {
    fn check(exam: &AppState, token: Option<&str>) -> Result<Self, AppError> {
        let s = exam.staff_session(token, R::ROLES)?;
        Ok(Staff { user: s.user, role: s.role, _roles: PhantomData })
    }
}

impl<R: Roles> FromRequestParts<AppState> for Staff<R> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, exam: &AppState) -> Result<Self, Self::Rejection> {
        Staff::check(exam, bearer(parts))
    }
}

/// A staff member on the event stream: the token comes in the header or,
/// since `EventSource` cannot send headers, as `?token=`.
pub struct StreamStaff<R>(pub Staff<R>);

impl<R: Roles> FromRequestParts<AppState> for StreamStaff<R> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, exam: &AppState) -> Result<Self, Self::Rejection> {
        let from_query =
            parts.uri.query().and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("token=")).map(str::to_string));
        let token = bearer(parts).map(str::to_string).or(from_query);
        Ok(StreamStaff(Staff::check(exam, token.as_deref())?))
    }
}
