//! `kaoshi face compare`: the server's face matching on two photos, for an
//! operator checking the installed models or an enrolment photo by hand.

use anyhow::{anyhow, Result};
use clap::Subcommand;
use kaoshi_face::{Models, Thresholds};
use std::path::{Path, PathBuf};

/// `kaoshi face …`.
#[derive(Debug, Subcommand)]
pub enum FaceCommand {
    /// Compare the one face in each of two JPEG/PNG photos.
    Compare {
        a: PathBuf,
        b: PathBuf,
        /// The directory holding dlib's shape_predictor_5_face_landmarks.dat
        /// and dlib_face_recognition_resnet_model_v1.dat (see the README).
        #[arg(long, env = "KAOSHI_FACE_MODELS")]
        face_models: PathBuf,
        /// Print {"distance", "verdict", "faces"} as JSON.
        #[arg(long)]
        json: bool,
        /// At or below this distance: match (default 0.5).
        #[arg(long)]
        match_max: Option<f32>,
        /// Above this distance: mismatch (default 0.6).
        #[arg(long)]
        mismatch_min: Option<f32>,
    },
}

pub fn run(c: FaceCommand) -> Result<()> {
    match c {
        FaceCommand::Compare { a, b, face_models, json, match_max, mismatch_min } => {
            let defaults = Thresholds::default();
            let thresholds = Thresholds {
                match_max: match_max.unwrap_or(defaults.match_max),
                mismatch_min: mismatch_min.unwrap_or(defaults.mismatch_min),
            };
            thresholds.check().map_err(|e| anyhow!("--match-max/--mismatch-min: {e}"))?;
            let models = Models::open(&face_models, 1)?;
            let fa = describe(&models, &a)?;
            let fb = describe(&models, &b)?;
            let distance = fa.distance(&fb);
            let verdict = thresholds.verdict(distance);
            // Rounded so the printed number is the one the verdict read.
            let shown = (distance as f64 * 1000.0).round() / 1000.0;
            if json {
                let out = Compared { distance: shown, verdict: verdict.as_str(), faces: [1, 1] };
                println!("{}", serde_json::to_string(&out)?);
            } else {
                println!("distance {shown:.3}: {}", verdict.as_str());
            }
            Ok(())
        }
    }
}

/// `--json`, keys in the documented order.
#[derive(serde::Serialize)]
struct Compared {
    distance: f64,
    verdict: &'static str,
    /// Faces found in each photo (always one each: other counts are errors).
    faces: [u32; 2],
}

fn describe(models: &Models, path: &Path) -> Result<kaoshi_face::Descriptor> {
    let bytes = std::fs::read(path).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let face = models.face(&bytes).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    Ok(face.descriptor)
}
