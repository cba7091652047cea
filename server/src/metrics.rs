//! Organisation metrics for the bureau (from the stored data): exam-open rate
//! (开考率), pass rate per occupation and level with a reasonableness flag,
//! and the certificate-data upload ratio (上国网占比).

use crate::api_proctor::staff_of;
use crate::app::{now_ms, AppState};
use crate::auth;
use crate::error::AppError;
use crate::results::Publication;
use crate::seat::{SeatRecord, Status};
use crate::store::tree;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Pass rates outside this band are flagged for a closer look.
pub const REASONABLE_PASS_RATE: (f64, f64) = (0.30, 0.95);

/// An occupation and level the organisation is registered (备案) to certify.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Registration {
    /// Occupation code.
    pub code: String,
    /// Occupation name.
    pub name: String,
    /// Level code.
    pub level: String,
}

/// `POST /api/admin/occupations {"code","name","level"}`: registers an occupation and level.
pub async fn register(
    State(app): State<AppState>,
    headers: HeaderMap,
    Json(r): Json<Registration>,
) -> Result<Json<Value>, AppError> {
    let user = staff_of(&app, auth::bearer(&headers), &["admin"])?;
    if r.code.trim().is_empty() || r.name.trim().is_empty() || kaoshi_engine::bank::Level::from_code(&r.level).is_none()
    {
        return Err(AppError::BadRequest(
            "an occupation needs a code, a name and a level code (apprentice, 5 … 1, special, chief)".into(),
        ));
    }
    let mut list: Vec<Registration> = app.store.get(tree::META, "registrations")?.unwrap_or_default();
    if !list.contains(&r) {
        list.push(r.clone());
        list.sort();
    }
    app.store.put(tree::META, "registrations", &list)?;
    app.log.append(
        now_ms(),
        crate::events::NewEvent {
            actor: &format!("staff:{user}"),
            kind: "register_occupation",
            batch: None,
            ticket: None,
            detail: json!(r),
        },
    )?;
    app.store.durable().await?;
    Ok(Json(json!(list)))
}

/// Upload body.
#[derive(Deserialize)]
pub struct UploadBody {
    count: u64,
    reference: String,
}

/// `POST /api/admin/batches/{id}/certificate-uploads {"count","reference"}`:
/// records certificate data uploaded to the national platform.
pub async fn uploaded(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<UploadBody>,
) -> Result<Json<Value>, AppError> {
    let user = staff_of(&app, auth::bearer(&headers), &["admin"])?;
    app.batch(&id)?;
    if app.store.get::<Publication>(tree::META, &format!("publication/{id}"))?.is_none() {
        return Err(AppError::Conflict("certificates are uploaded after publication".into()));
    }
    if body.reference.trim().is_empty() {
        return Err(AppError::BadRequest("an upload needs the platform's reference".into()));
    }
    let key = format!("uploads/{id}");
    let total: u64 = app.store.get(tree::META, &key)?.unwrap_or(0) + body.count;
    app.store.put(tree::META, &key, &total)?;
    app.event(
        &format!("staff:{user}"),
        "certificate_upload",
        &id,
        None,
        json!({"count": body.count, "reference": body.reference, "total": total}),
    )?;
    app.store.durable().await?;
    Ok(Json(json!({"uploaded": total})))
}

/// `GET /api/audit/metrics` (auditor, admin).
pub async fn metrics(State(app): State<AppState>, headers: HeaderMap) -> Result<Json<Value>, AppError> {
    staff_of(&app, auth::bearer(&headers), &["auditor", "admin"])?;
    let registrations: Vec<Registration> = app.store.get(tree::META, "registrations")?.unwrap_or_default();
    // (code, level) → (name, sat, passed, certificates issued, uploaded)
    let mut by_occupation: BTreeMap<(String, String), (String, u64, u64)> = BTreeMap::new();
    let (mut issued, mut uploaded) = (0u64, 0u64);
    for (id, loaded) in &app.batches {
        let meta = &loaded.source.bank.meta;
        let key = (meta.occupation_code.clone(), meta.level.code().to_string());
        let entry = by_occupation.entry(key).or_insert_with(|| (meta.occupation.clone(), 0, 0));
        let mut passed_here = 0;
        for (_, seat) in app.store.scan::<SeatRecord>(tree::SEATS, &format!("{id}/"))? {
            if seat.status == Status::Submitted {
                entry.1 += 1;
                if seat.result.as_ref().and_then(|r| r.passed) == Some(true) {
                    entry.2 += 1;
                    passed_here += 1;
                }
            }
        }
        if app.store.get::<Publication>(tree::META, &format!("publication/{id}"))?.is_some() {
            issued += passed_here;
            uploaded += app.store.get::<u64>(tree::META, &format!("uploads/{id}"))?.unwrap_or(0);
        }
    }
    let examined: Vec<&(String, String)> = by_occupation.iter().filter(|(_, v)| v.1 > 0).map(|(k, _)| k).collect();
    let registered_examined =
        registrations.iter().filter(|r| examined.iter().any(|(c, l)| *c == r.code && *l == r.level)).count();
    let pass_rates: Vec<Value> = by_occupation
        .iter()
        .filter(|(_, v)| v.1 > 0)
        .map(|((code, level), (name, sat, passed))| {
            let rate = *passed as f64 / *sat as f64;
            let flag = if rate < REASONABLE_PASS_RATE.0 {
                Some(format!("pass rate {:.0}% is below the reasonable band ({:.0}–{:.0}%)", rate * 100.0, REASONABLE_PASS_RATE.0 * 100.0, REASONABLE_PASS_RATE.1 * 100.0))
            } else if rate > REASONABLE_PASS_RATE.1 {
                Some(format!("pass rate {:.0}% is above the reasonable band ({:.0}–{:.0}%)", rate * 100.0, REASONABLE_PASS_RATE.0 * 100.0, REASONABLE_PASS_RATE.1 * 100.0))
            } else {
                None
            };
            json!({"occupation_code": code, "occupation": name, "level": level, "sat": sat, "passed": passed, "pass_rate": rate, "flag": flag})
        })
        .collect();
    Ok(Json(json!({
        "registered": registrations,
        "examined": examined.iter().map(|(c, l)| json!({"occupation_code": c, "level": l})).collect::<Vec<_>>(),
        "exam_open_rate": if registrations.is_empty() { Value::Null } else { json!(registered_examined as f64 / registrations.len() as f64) },
        "pass_rates": pass_rates,
        "certificates_issued": issued,
        "certificates_uploaded": uploaded,
        "upload_ratio": if issued == 0 { Value::Null } else { json!(uploaded as f64 / issued as f64) },
    })))
}
