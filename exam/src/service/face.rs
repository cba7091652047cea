//! Enrolment photos (登记照片), the batch's face-check settings and the
//! deletion of biometric data after publication. Photos are checked on
//! arrival (one face, large enough, in focus) with a message per candidate,
//! stored sealed, and only ever leave through the staff endpoints that show
//! them to a batch's proctors, supervisors and admins.

use std::io::Read;
use std::sync::Arc;

use super::core::Exam;
use crate::error::{Code, ExamError, Refusal, Result};
use crate::events::{Actor, EventKind};
use crate::face::{problem_zh, FaceSettings};
use crate::store::face::FaceKind;
use serde::Serialize;
use serde_json::json;

/// Largest enrolment photo, bytes (a phone's JPEG; it is scaled for matching).
pub const MAX_ENROLMENT_BYTES: u64 = 10 << 20;

/// What became of one photo of an upload.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PhotoOutcome {
    /// The file (in a zip: its path there).
    pub file: String,
    /// The candidate it was taken for, when one was found.
    pub ticket: Option<String>,
    /// Stored.
    pub ok: bool,
    /// Why not, in Chinese.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// An upload's outcomes and the candidates still without a photo.
#[derive(Debug, Clone, Serialize)]
pub struct PhotoReport {
    /// One line per file.
    pub photos: Vec<PhotoOutcome>,
    /// Stored now.
    pub stored: usize,
    /// Tickets of the batch with no enrolment photo after the upload.
    pub missing: Vec<String>,
}

/// A seat's enrolment as the console lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Enrolled {
    /// Ticket.
    pub ticket: String,
    /// Name.
    pub name: String,
    /// Room.
    pub room: String,
    /// Has an enrolment photo.
    pub photo: bool,
}

fn photo_refused(message: String) -> ExamError {
    Refusal::invalid(Code::FacePhoto, message).into()
}

impl Exam {
    /// Turns automatic matching on with these models.
    pub fn with_face(mut self, models: Arc<kaoshi_face::Models>) -> Exam {
        self.face_permits = tokio::sync::Semaphore::new(models.engines());
        self.face = Some(models);
        self
    }

    /// The models, when automatic matching is on.
    pub fn face_models(&self) -> Option<&kaoshi_face::Models> {
        self.face.as_deref()
    }

    /// Runs `f` on the models off the async workers, at most one call per
    /// engine at a time (so saves keep their cores while 100 seats are matched).
    pub(super) async fn with_models<T: Send + 'static>(
        &self,
        f: impl FnOnce(&kaoshi_face::Models) -> T + Send + 'static,
    ) -> Option<T> {
        let models = self.face.clone()?;
        let _permit = self.face_permits.acquire().await.ok()?;
        tokio::task::spawn_blocking(move || f(&models)).await.ok()
    }

    /// Stores one enrolment photo for `ticket`, checked first (with models:
    /// one face, large and sharp enough; without: a readable JPEG or PNG).
    pub async fn enrol_photo(&self, id: &str, ticket: &str, bytes: Vec<u8>, user: &str, file: &str) -> Result<()> {
        let batch = self.batch(id)?;
        let seat = self.seat(id, ticket)?;
        self.face_storable()?;
        if bytes.len() as u64 > MAX_ENROLMENT_BYTES {
            return Err(photo_refused(format!("{file}：照片大于 10 MB")));
        }
        let hash = blake3::hash(&bytes).to_hex().to_string();
        let checked = bytes.clone();
        let descriptor = match self.with_models(move |m| m.enrolment(&checked)).await {
            Some(Ok(face)) => Some(face.descriptor.to_bytes()),
            Some(Err(e)) => {
                return Err(photo_refused(format!("{file}（{} {}）：{}", seat.ticket, seat.name, problem_zh(&e))))
            }
            None => {
                kaoshi_face::readable(&bytes).map_err(|e| photo_refused(format!("{file}：{}", problem_zh(&e))))?;
                None
            }
        };
        let guard = self.lock_seat(id, ticket).await;
        self.store.put_face(id, ticket, FaceKind::Enrolment, &bytes)?;
        match &descriptor {
            Some(d) => self.store.put_face(id, ticket, FaceKind::EnrolmentDescriptor, d)?,
            None => self.store.remove_face(id, ticket, FaceKind::EnrolmentDescriptor)?,
        }
        // A file named by identity number would put that number on the log for good.
        let file = if file.contains(&seat.id_number) && !seat.id_number.is_empty() {
            file.replace(&seat.id_number, "（身份证件号码）")
        } else {
            file.to_string()
        };
        let detail = json!({"photo_hash": hash, "bytes": bytes.len(), "file": file, "checked": descriptor.is_some()});
        self.event(&Actor::Staff(user.to_string()), EventKind::FaceEnrol, Some(&batch.batch.id), Some(ticket), detail)?;
        drop(guard);
        self.commit().await
    }

    /// Stores the photos of a zip, each named by ticket or identity number
    /// (`T001.jpg`, `340104199001015563.png`); every file gets an outcome.
    pub async fn enrol_photos(&self, id: &str, zip: &[u8], user: &str) -> Result<PhotoReport> {
        self.batch(id)?;
        self.face_storable()?;
        let seats = self.store.seats(id)?;
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip))
            .map_err(|e| photo_refused(format!("上传的文件不是 zip 压缩包：{e}")))?;
        let mut photos = Vec::new();
        for i in 0..archive.len() {
            let mut entry = match archive.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    photos.push(failed(format!("第 {} 个文件", i + 1), None, format!("无法解压：{e}")));
                    continue;
                }
            };
            if entry.is_dir() {
                continue;
            }
            let path = match entry.name() {
                Ok(name) => name.to_string(),
                Err(e) => {
                    photos.push(failed(format!("第 {} 个文件", i + 1), None, format!("文件名无法读取：{e}")));
                    continue;
                }
            };
            let name = path.rsplit('/').next().unwrap_or(&path).to_string();
            if path.starts_with("__MACOSX/") || name.starts_with('.') {
                photos.push(failed(path, None, "系统生成的文件，已忽略".into()));
                continue;
            }
            let Some((stem, ext)) = name.rsplit_once('.') else {
                photos.push(failed(path, None, "文件名应为 准考证号或身份证号.jpg/.png".into()));
                continue;
            };
            if !["jpg", "jpeg", "png"].contains(&ext.to_ascii_lowercase().as_str()) {
                photos.push(failed(path, None, "不是 .jpg、.jpeg 或 .png 文件".into()));
                continue;
            }
            let key = stem.trim().to_uppercase();
            if key.is_empty() {
                photos.push(failed(path, None, "文件名应为 准考证号或身份证号.jpg/.png".into()));
                continue;
            }
            let Some(seat) = seats.iter().find(|s| s.ticket.to_uppercase() == key || s.id_number.to_uppercase() == key)
            else {
                photos.push(failed(path, None, format!("本批次没有准考证号或身份证号为“{stem}”的考生")));
                continue;
            };
            if entry.size() > MAX_ENROLMENT_BYTES {
                photos.push(failed(path, Some(seat.ticket.clone()), "照片大于 10 MB".into()));
                continue;
            }
            let mut bytes = Vec::new();
            if let Err(e) = (&mut entry).take(MAX_ENROLMENT_BYTES + 1).read_to_end(&mut bytes) {
                photos.push(failed(path, Some(seat.ticket.clone()), format!("无法解压：{e}")));
                continue;
            }
            let ticket = seat.ticket.clone();
            match self.enrol_photo(id, &ticket, bytes, user, &path).await {
                Ok(()) => photos.push(PhotoOutcome { file: path, ticket: Some(ticket), ok: true, error: None }),
                Err(ExamError::Refused(r)) => photos.push(failed(path, Some(ticket), r.message)),
                Err(e) => return Err(e),
            }
        }
        let stored = photos.iter().filter(|p| p.ok).count();
        let missing = self.enrolments(id)?.into_iter().filter(|e| !e.photo).map(|e| e.ticket).collect();
        Ok(PhotoReport { photos, stored, missing })
    }

    /// Every seat of a batch and whether it has an enrolment photo.
    pub fn enrolments(&self, id: &str) -> Result<Vec<Enrolled>> {
        let seats = self.store.seats(id)?;
        seats
            .into_iter()
            .map(|s| {
                let photo = self.store.has_face(id, &s.ticket, FaceKind::Enrolment)?;
                Ok(Enrolled { ticket: s.ticket, name: s.name, room: s.room, photo })
            })
            .collect()
    }

    /// A seat's enrolment photo, latest capture or alert capture.
    pub fn face_image(&self, id: &str, ticket: &str, kind: FaceKind) -> Result<Vec<u8>> {
        self.seat(id, ticket)?;
        self.store.face(id, ticket, kind)?.ok_or_else(|| {
            let what = match kind {
                FaceKind::Enrolment | FaceKind::EnrolmentDescriptor => "登记照片",
                FaceKind::Capture => "现场照片",
                FaceKind::Alert => "复核不一致的照片",
            };
            Refusal::not_found(Code::FaceNotFound, format!("考生 {ticket} 没有{what}")).into()
        })
    }

    /// Changes a batch's face-check settings (logged).
    pub async fn set_face_settings(&self, id: &str, settings: FaceSettings, user: &str) -> Result<FaceSettings> {
        if let Some(problem) = settings.problem() {
            return Err(Refusal::invalid(Code::FaceSettings, problem).into());
        }
        let loaded = self.batch(id)?;
        if loaded.batch.closed.is_some() {
            return Err(Refusal::conflict(Code::BatchClosed, format!("批次 {id} 已关闭，人脸核验设置不能再改")).into());
        }
        // The stored record, not the one in memory: a close that just happened stays closed.
        let mut batch = self.store.batch(id)?.unwrap_or_else(|| loaded.batch.clone());
        if batch.closed.is_some() {
            return Err(Refusal::conflict(Code::BatchClosed, format!("批次 {id} 已关闭，人脸核验设置不能再改")).into());
        }
        let before = batch.face;
        batch.face = settings;
        self.store.put_batch(&batch)?;
        self.open_batch(crate::batch::LoadedBatch {
            batch,
            source: loaded.source.clone(),
            papers: loaded.papers.clone(),
        });
        let detail = json!({"face_settings": settings, "before": before});
        self.event(&Actor::Staff(user.to_string()), EventKind::RegisterChange, Some(id), None, detail)?;
        self.commit().await?;
        Ok(settings)
    }

    /// Deletes the photos and captures of every batch published (or, never
    /// published, closed) at least `face_retention_days` ago
    /// (organisation.toml, default 90); each deletion is logged with what
    /// went. Returns the batches cleared.
    pub async fn delete_expired_faces(&self) -> Result<Vec<String>> {
        let settings = crate::settings::load_settings(self.store.dir()).unwrap_or_else(|e| {
            tracing::error!(error = %e, "organisation.toml does not parse: photos are kept the default 90 days");
            crate::settings::Settings::default()
        });
        let keep_ms = settings.face_retention_days as i64 * 86_400_000;
        let mut cleared = Vec::new();
        for batch in self.store.batches()? {
            // From publication; a batch closed and never published (a drill,
            // an abandoned batch) counts from its close.
            let published = self.store.publication(&batch.id)?.map(|p| p.at);
            let Some(since) = published.or(batch.closed) else { continue };
            if self.now() < since + keep_ms || self.store.face_count(&batch.id) == 0 {
                continue;
            }
            let [enrolments, descriptors, captures, alerts] = self.store.remove_faces(&batch.id)?;
            let detail = json!({"enrolment_photos": enrolments, "descriptors": descriptors, "captures": captures + alerts,
                                "retention_days": settings.face_retention_days, "published_at": published,
                                "closed_at": batch.closed});
            self.event(&Actor::System, EventKind::FaceDelete, Some(&batch.id), None, detail)?;
            cleared.push(batch.id);
        }
        if !cleared.is_empty() {
            self.commit().await?;
        }
        Ok(cleared)
    }
}

fn failed(file: String, ticket: Option<String>, error: String) -> PhotoOutcome {
    PhotoOutcome { file, ticket, ok: false, error: Some(error) }
}
