//! Face checks at the seat: the candidate's consent, captures at login and
//! at random moments while answering, matching against the enrolment photo
//! off the async workers, and the proctor's review of an alert. A mismatch
//! never pauses or submits anything: it raises an alert for a person.

use super::core::Exam;
use crate::batch::LoadedBatch;
use crate::error::{Code, Kind, Refusal, Result};
use crate::events::{Actor, EventKind};
use crate::face::{problem_zh, FaceState, CONSENT_VERSION, MAX_PHOTO_BYTES, MIN_CAPTURE_GAP_MS};
use crate::seat::{SeatRecord, Status};
use crate::store::face::FaceKind;
use serde_json::json;

/// What matching one capture found.
struct Outcome {
    distance: Option<f32>,
    verdict: Option<&'static str>,
    problem: Option<String>,
}

impl Outcome {
    fn problem(p: impl Into<String>) -> Outcome {
        Outcome { distance: None, verdict: None, problem: Some(p.into()) }
    }
}

impl Exam {
    /// The candidate's answer to the camera request, logged with the
    /// version of the consent text. `why` says why there is no capture:
    /// `declined` (the candidate said no) or `no_camera`.
    pub async fn face_consent(
        &self,
        batch: &LoadedBatch,
        ticket: &str,
        consent: bool,
        why: Option<&str>,
    ) -> Result<SeatRecord> {
        let why = match (consent, why) {
            (_, Some(w @ ("declined" | "no_camera"))) => Some(w.to_string()),
            (false, _) => Some("declined".to_string()),
            (true, None) => None,
            (true, Some(other)) => {
                return Err(Refusal::invalid(
                    Code::RequestInvalid,
                    format!("why 应为 declined 或 no_camera，不是“{other}”"),
                )
                .into())
            }
        };
        let id = &batch.batch.id;
        let guard = self.lock_seat(id, ticket).await;
        let mut seat = self.seat(id, ticket)?;
        let face = seat.face.get_or_insert_with(FaceState::default);
        face.consent = Some(consent);
        face.declined = why.clone();
        self.store.put_seat(id, &seat)?;
        let detail = json!({"consent": consent, "why": why, "text_version": CONSENT_VERSION});
        self.event(&Actor::Seat(ticket.to_string()), EventKind::FaceConsent, Some(id), Some(ticket), detail)?;
        drop(guard);
        self.commit().await?;
        Ok(seat)
    }

    /// A capture from the seat's camera, stored sealed; returns its number
    /// and why it was taken, which [`Exam::face_check`] then matches. Why is
    /// the server's to say, from the seat's status: before the paper opens a
    /// capture checks the login, after it a re-check (which can raise an alert).
    pub async fn face_capture(&self, batch: &LoadedBatch, ticket: &str, bytes: &[u8]) -> Result<(u32, &'static str)> {
        if bytes.is_empty() || bytes.len() > MAX_PHOTO_BYTES {
            return Err(Refusal::invalid(Code::FacePhoto, "现场照片应为 1 MB 以内的 JPEG 或 PNG 图片").into());
        }
        self.face_storable()?;
        let id = &batch.batch.id;
        let guard = self.lock_seat(id, ticket).await;
        let mut seat = self.seat(id, ticket)?;
        let why = match seat.status {
            Status::AwaitingIdentity | Status::Ready => "login",
            Status::Answering | Status::Paused => "recheck",
            Status::NotLoggedIn | Status::Submitted => {
                return Err(Refusal::conflict(Code::WrongStatus, "未登录或已交卷的考位不拍照").into())
            }
        };
        let now = self.now();
        let face = seat.face.get_or_insert_with(FaceState::default);
        if face.consent != Some(true) {
            return Err(Refusal::conflict(Code::WrongStatus, "考生未同意使用摄像头，不能拍照").into());
        }
        if face.captures > 0 && now - face.at < MIN_CAPTURE_GAP_MS {
            let wait = (MIN_CAPTURE_GAP_MS - (now - face.at) + 999) / 1000;
            return Err(
                Refusal::new(Kind::TooMany, Code::FaceTooSoon, format!("拍照过于频繁，请 {wait} 秒后再拍")).into()
            );
        }
        face.captures += 1;
        face.at = now;
        face.why = why.to_string();
        face.pending = true;
        face.declined = None;
        face.distance = None;
        face.verdict = None;
        face.problem = None;
        let n = face.captures;
        self.store.put_face(id, ticket, FaceKind::Capture, bytes)?;
        self.store.put_seat(id, &seat)?;
        drop(guard);
        self.commit().await?;
        Ok((n, why))
    }

    /// Refuses biometric data the store cannot seal (no organisation key).
    pub(super) fn face_storable(&self) -> Result<()> {
        if self.store.personal_ready() {
            return Ok(());
        }
        Err(Refusal::conflict(
            Code::FaceNoKey,
            "服务器启动时未提供机构密钥，照片无法加密保存：请用 --key-file 或 --passphrase-env 重新启动服务器",
        )
        .into())
    }

    /// Matches capture number `n` of a seat (its bytes, taken for `why`)
    /// against the enrolment photo and records the verdict: distance,
    /// verdict, thresholds, model hashes and the capture's hash go on the
    /// log, the capture does not. A re-check that does not match raises the
    /// seat's alert, even when a later capture has come in since.
    pub async fn face_check(&self, id: &str, ticket: &str, n: u32, capture: Vec<u8>, why: &str) -> Result<()> {
        let batch = self.batch(id)?;
        let settings = batch.batch.face;
        let capture_hash = blake3::hash(&capture).to_hex().to_string();
        let outcome = self.match_capture(id, ticket, capture.clone(), settings.thresholds()).await?;
        let guard = self.lock_seat(id, ticket).await;
        let mut seat = self.seat(id, ticket)?;
        let face = seat.face.get_or_insert_with(FaceState::default);
        let mismatch = why == "recheck" && outcome.verdict == Some("mismatch");
        if face.captures == n {
            face.pending = false;
            face.distance = outcome.distance;
            face.verdict = outcome.verdict.map(str::to_string);
            face.problem = outcome.problem.clone();
        }
        if mismatch {
            face.alert = true;
            self.store.put_face(id, ticket, FaceKind::Alert, &capture)?;
        }
        self.store.put_seat(id, &seat)?;
        let models =
            self.face.as_ref().map(|m| json!({"landmarks": m.hashes().landmarks, "network": m.hashes().network}));
        let detail = json!({
            "why": why, "capture": n, "capture_hash": capture_hash,
            "distance": outcome.distance.map(|d| (d as f64 * 1000.0).round() / 1000.0),
            "verdict": outcome.verdict, "problem": outcome.problem,
            "thresholds": {"match_max": settings.match_max, "mismatch_min": settings.mismatch_min},
            "models": models,
        });
        self.event(&Actor::System, EventKind::FaceCheck, Some(id), Some(ticket), detail)?;
        drop(guard);
        self.commit().await
    }

    async fn match_capture(
        &self,
        id: &str,
        ticket: &str,
        capture: Vec<u8>,
        thresholds: kaoshi_face::Thresholds,
    ) -> Result<Outcome> {
        if self.face.is_none() {
            return Ok(Outcome::problem("未启用自动比对"));
        }
        let enrolled = match self.store.face(id, ticket, FaceKind::EnrolmentDescriptor)? {
            Some(bytes) => Some(
                kaoshi_face::Descriptor::from_bytes(&bytes)
                    .map_err(|e| crate::error::ExamError::Internal(e.to_string()))?,
            ),
            None => None,
        };
        // A photo enrolled while the server had no models is described now.
        let photo = match enrolled {
            Some(_) => None,
            None => match self.store.face(id, ticket, FaceKind::Enrolment)? {
                Some(p) => Some(p),
                None => return Ok(Outcome::problem("无登记照片")),
            },
        };
        let found = self
            .with_models(move |m| {
                let enrolled = match (enrolled, photo) {
                    (Some(d), _) => d,
                    (None, Some(p)) => match m.face(&p) {
                        Ok(f) => f.descriptor,
                        Err(e) => return Err(format!("登记照片{}", problem_zh(&e))),
                    },
                    (None, None) => return Err("无登记照片".to_string()),
                };
                m.face(&capture).map(|f| f.descriptor.distance(&enrolled)).map_err(|e| problem_zh(&e))
            })
            .await;
        Ok(match found {
            Some(Ok(distance)) => Outcome {
                distance: Some(distance),
                verdict: Some(thresholds.verdict(distance).as_str()),
                problem: None,
            },
            Some(Err(problem)) => Outcome::problem(problem),
            None => Outcome::problem("比对未完成"),
        })
    }

    /// A proctor looked at a face-check alert (and at the candidate): the
    /// alert clears, what they found is logged.
    pub async fn face_review(&self, id: &str, ticket: &str, user: &str, reason: Option<&str>) -> Result<SeatRecord> {
        let reason = reason.map(str::trim).filter(|r| !r.is_empty()).ok_or_else(|| {
            Refusal::invalid(Code::ReasonRequired, "人脸复核需要填写核对结果（例如：已当面核对身份证，确为本人）")
        })?;
        let guard = self.lock_seat(id, ticket).await;
        let mut seat = self.seat(id, ticket)?;
        let Some(face) = seat.face.as_mut().filter(|f| f.alert) else {
            return Err(Refusal::conflict(Code::WrongStatus, "该考位没有待核对的人脸告警").into());
        };
        face.alert = false;
        self.store.put_seat(id, &seat)?;
        let detail = json!({"reason": reason});
        self.event(&Actor::Staff(user.to_string()), EventKind::FaceReview, Some(id), Some(ticket), detail)?;
        drop(guard);
        self.commit().await?;
        Ok(seat)
    }

    /// Seats whose capture was taken but never matched (the server stopped
    /// in between): (batch, ticket, capture number, why).
    pub fn pending_face_checks(&self) -> Vec<(String, String, u32, String)> {
        let mut out = Vec::new();
        for batch in self.batches() {
            let Ok(seats) = self.store.seats(&batch.batch.id) else { continue };
            for s in seats {
                if let Some(f) = s.face.as_ref().filter(|f| f.pending) {
                    out.push((batch.batch.id.clone(), s.ticket.clone(), f.captures, f.why.clone()));
                }
            }
        }
        out
    }

    /// Matches a capture left unmatched by a restart (the latest stored).
    pub async fn finish_face_check(&self, id: &str, ticket: &str, n: u32, why: &str) -> Result<()> {
        let Some(capture) = self.store.face(id, ticket, FaceKind::Capture)? else { return Ok(()) };
        self.face_check(id, ticket, n, capture, why).await
    }
}
