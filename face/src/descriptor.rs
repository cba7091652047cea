use crate::FaceError;

pub const DESCRIPTOR_LEN: usize = 128;

/// A face's 128-d embedding from dlib's ResNet.
#[derive(Clone, Debug, PartialEq)]
pub struct Descriptor(pub [f32; DESCRIPTOR_LEN]);

impl Descriptor {
    /// Euclidean distance, the measure dlib's model was trained for.
    pub fn distance(&self, other: &Descriptor) -> f32 {
        self.0.iter().zip(other.0.iter()).map(|(a, b)| (a - b) * (a - b)).sum::<f32>().sqrt()
    }

    /// Little-endian f32s, 512 bytes: the form stored (encrypted) at rest.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Descriptor, FaceError> {
        if bytes.len() != DESCRIPTOR_LEN * 4 {
            return Err(FaceError::Dlib(format!("a descriptor is {} bytes, not {}", DESCRIPTOR_LEN * 4, bytes.len())));
        }
        let mut out = [0f32; DESCRIPTOR_LEN];
        for (v, chunk) in out.iter_mut().zip(bytes.chunks_exact(4)) {
            *v = f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        Ok(Descriptor(out))
    }
}

/// How a distance is read. dlib's model separates people at 0.6; kaoshi calls
/// a pair a match only well inside that and a mismatch only beyond it, and
/// leaves the band between to the proctor's eye.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Thresholds {
    /// At or below: the same person.
    pub match_max: f32,
    /// Above: a different person (possible 替考).
    pub mismatch_min: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { match_max: 0.5, mismatch_min: 0.6 }
    }
}

impl Thresholds {
    pub fn verdict(&self, distance: f32) -> Verdict {
        if distance <= self.match_max {
            Verdict::Match
        } else if distance > self.mismatch_min {
            Verdict::Mismatch
        } else {
            Verdict::Uncertain
        }
    }

    /// Both in (0, 2] (descriptors are unit-length, so no distance exceeds 2)
    /// and match at or below mismatch.
    pub fn check(&self) -> Result<(), String> {
        let ok = |v: f32| v.is_finite() && v > 0.0 && v <= 2.0;
        if !ok(self.match_max) || !ok(self.mismatch_min) {
            return Err("thresholds lie in (0, 2]".into());
        }
        if self.match_max > self.mismatch_min {
            return Err("the match threshold cannot exceed the mismatch threshold".into());
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Match,
    Uncertain,
    Mismatch,
}

impl Verdict {
    /// The word in logs and JSON (`match`, `uncertain`, `mismatch`).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Match => "match",
            Verdict::Uncertain => "uncertain",
            Verdict::Mismatch => "mismatch",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_round_trip_through_bytes() {
        let mut d = [0f32; DESCRIPTOR_LEN];
        for (i, v) in d.iter_mut().enumerate() {
            *v = i as f32 * 0.01 - 0.5;
        }
        let d = Descriptor(d);
        assert_eq!(Descriptor::from_bytes(&d.to_bytes()).expect("512 bytes"), d);
        assert!(Descriptor::from_bytes(&[0; 12]).is_err());
    }

    #[test]
    fn the_band_between_the_thresholds_is_uncertain() {
        let t = Thresholds::default();
        assert_eq!(t.verdict(0.5), Verdict::Match);
        assert_eq!(t.verdict(0.55), Verdict::Uncertain);
        assert_eq!(t.verdict(0.6), Verdict::Uncertain);
        assert_eq!(t.verdict(0.61), Verdict::Mismatch);
        assert!(Thresholds { match_max: 0.7, mismatch_min: 0.6 }.check().is_err());
        assert!(Thresholds { match_max: 0.0, mismatch_min: 0.6 }.check().is_err());
        assert!(t.check().is_ok());
    }
}
