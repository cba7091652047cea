//! Identity checks by face (人脸识别): the per-batch settings, what a seat's
//! face checks stand at, and the words people read. The matching itself is
//! kaoshi-face's; this module holds no I/O.

use serde::{Deserialize, Serialize};

pub use kaoshi_face::{Thresholds, Verdict};

/// Re-captures during the exam come on average this often, minutes.
pub const DEFAULT_RECHECK_MINUTES: u32 = 15;
/// Captures and photos are deleted this many days after publication.
pub const DEFAULT_RETENTION_DAYS: u32 = 90;
/// The largest capture or photo accepted, bytes.
pub const MAX_PHOTO_BYTES: usize = 1 << 20;
/// The version of the consent text the seat page shows (logged with consent).
pub const CONSENT_VERSION: &str = "2026-12-pipl-1";

/// A batch's face-check settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FaceSettings {
    /// Mean minutes between random re-captures while answering (0: none).
    #[serde(default = "default_recheck")]
    pub recheck_minutes: u32,
    /// At or below: 一致 (match).
    #[serde(default = "default_match")]
    pub match_max: f64,
    /// Above: 不一致 (mismatch); between the two: 存疑 (uncertain).
    #[serde(default = "default_mismatch")]
    pub mismatch_min: f64,
}

fn default_recheck() -> u32 {
    DEFAULT_RECHECK_MINUTES
}
// Kept as f64 so that 0.6 is written as 0.6 in JSON and on the log.
fn default_match() -> f64 {
    0.5
}
fn default_mismatch() -> f64 {
    0.6
}

impl Default for FaceSettings {
    fn default() -> Self {
        FaceSettings {
            recheck_minutes: default_recheck(),
            match_max: default_match(),
            mismatch_min: default_mismatch(),
        }
    }
}

impl FaceSettings {
    /// The thresholds the verdicts read.
    pub fn thresholds(&self) -> Thresholds {
        Thresholds { match_max: self.match_max as f32, mismatch_min: self.mismatch_min as f32 }
    }

    /// Why the settings cannot be used, in Chinese.
    pub fn problem(&self) -> Option<String> {
        if self.recheck_minutes > 240 {
            return Some(format!(
                "复核间隔 {} 分钟超出范围：应为 0–240 分钟（0 表示考试中不复核）",
                self.recheck_minutes
            ));
        }
        self.thresholds().check().err().map(|_| {
            format!(
                "阈值无效：一致阈值 {} 与不一致阈值 {} 都应在 0 到 2 之间，且一致阈值不大于不一致阈值",
                self.match_max, self.mismatch_min
            )
        })
    }
}

/// Where a seat's face checks stand, kept on the seat record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FaceState {
    /// The candidate's answer to the consent request: `None` not asked yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<bool>,
    /// Why no capture came at the latest login: `declined` or `no_camera`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declined: Option<String>,
    /// Captures taken so far.
    #[serde(default)]
    pub captures: u32,
    /// When the latest was taken (Unix ms).
    #[serde(default)]
    pub at: i64,
    /// `login` or `recheck`.
    #[serde(default)]
    pub why: String,
    /// The latest capture awaits matching.
    #[serde(default)]
    pub pending: bool,
    /// Distance between the latest capture and the enrolment photo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance: Option<f32>,
    /// `match`, `uncertain` or `mismatch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    /// Why there is no verdict (未启用, 无登记照片, 未检测到人脸 …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// A re-check did not match and no proctor has looked yet (possible 替考).
    #[serde(default)]
    pub alert: bool,
}

/// What the card says after a new login until its capture is matched.
pub const AWAITING_CAPTURE: &str = "等待本次登录的现场照片";

/// Least time between two captures of a seat, ms: a page cannot flood the matcher.
pub const MIN_CAPTURE_GAP_MS: i64 = 10_000;

impl FaceState {
    /// A new login: an earlier verdict says nothing about who sits now.
    /// Consent stays (the page reminds the candidate), so does an open alert.
    pub fn new_login(&mut self) {
        self.pending = false;
        self.distance = None;
        self.verdict = None;
        self.problem = Some(AWAITING_CAPTURE.into());
    }

    /// A refused login: the next person at the seat is asked for consent afresh.
    pub fn refused(&mut self) {
        self.new_login();
        self.consent = None;
        self.declined = None;
    }

    /// What the candidate's page may know: never a distance, verdict or alert.
    pub fn for_seat(&self) -> SeatFace {
        SeatFace { consent: self.consent, declined: self.declined.clone(), captures: self.captures }
    }
}

/// A seat's face state as its own page sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeatFace {
    /// The candidate's answer to the consent request.
    pub consent: Option<bool>,
    /// `declined` or `no_camera`.
    pub declined: Option<String>,
    /// Captures taken so far.
    pub captures: u32,
}

/// A verdict as the proctor reads it.
pub fn verdict_zh(verdict: &str) -> &'static str {
    match verdict {
        "match" => "一致",
        "uncertain" => "存疑",
        "mismatch" => "不一致",
        _ => "未知",
    }
}

/// Why a photo or capture cannot be used, as staff and candidates read it.
pub fn problem_zh(e: &kaoshi_face::FaceError) -> String {
    use kaoshi_face::FaceError as E;
    match e {
        E::Unavailable | E::Models { .. } => "未启用自动比对".into(),
        E::Image(_) => "不是可读取的 JPEG 或 PNG 图片".into(),
        E::NoFace => "未检测到人脸".into(),
        E::Several(n) => format!("检测到 {n} 张人脸，应只有本人一张"),
        E::TooSmall { px, min } => format!("人脸太小（{px} 像素，至少 {min} 像素）：请用更近、更清晰的正面照"),
        E::Blurred { score, min } => format!("照片模糊（清晰度 {score:.0}，至少 {min:.0}）：请换一张清晰的正面照"),
        E::Dlib(_) => "比对失败（人脸识别模型出错，详见服务器日志）".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_bounded() {
        assert_eq!(FaceSettings::default().problem(), None);
        let s = FaceSettings { recheck_minutes: 241, ..FaceSettings::default() };
        assert!(s.problem().expect("too long").contains("0–240"));
        let s = FaceSettings { match_max: 0.7, mismatch_min: 0.6, ..FaceSettings::default() };
        assert!(s.problem().expect("crossed").contains("阈值无效"));
        let s = FaceSettings { match_max: f64::NAN, ..FaceSettings::default() };
        assert!(s.problem().is_some());
        let old: FaceSettings = serde_json::from_str("{}").expect("defaults");
        assert_eq!(old, FaceSettings::default());
        assert_eq!(FaceSettings::default().thresholds(), Thresholds::default());
    }
}
