//! Is an enrolment photo good enough to compare against? A proctor compares
//! it by eye as well, so it must show one face, large and in focus.

use image::RgbImage;

use crate::{engine::Rect, FaceError};

/// The face box's smaller side, in pixels of the (possibly scaled) photo.
pub const MIN_FACE_PX: u32 = 80;
/// Variance of the Laplacian over the face, in grey levels²: a sharp photo
/// scores in the hundreds, a motion-blurred or out-of-focus one below 20.
pub const MIN_SHARPNESS: f64 = 20.0;

pub fn check(picture: &RgbImage, face: &Rect) -> Result<(), FaceError> {
    let px = face.width().min(face.height());
    if px < MIN_FACE_PX {
        return Err(FaceError::TooSmall { px, min: MIN_FACE_PX });
    }
    let score = sharpness(picture, face);
    if score < MIN_SHARPNESS {
        return Err(FaceError::Blurred { score, min: MIN_SHARPNESS });
    }
    Ok(())
}

/// Variance of the 4-neighbour Laplacian of the grey image inside `face`.
pub fn sharpness(picture: &RgbImage, face: &Rect) -> f64 {
    let (w, h) = (picture.width() as i64, picture.height() as i64);
    let grey = |x: i64, y: i64| -> f64 {
        let p = picture.get_pixel(x.clamp(0, w - 1) as u32, y.clamp(0, h - 1) as u32);
        0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64
    };
    let (x0, x1) = (face.left.max(1) as i64, (face.right as i64).min(w - 2));
    let (y0, y1) = (face.top.max(1) as i64, (face.bottom as i64).min(h - 2));
    let (mut n, mut sum, mut sq) = (0f64, 0f64, 0f64);
    for y in y0..=y1 {
        for x in x0..=x1 {
            let l = grey(x - 1, y) + grey(x + 1, y) + grey(x, y - 1) + grey(x, y + 1) - 4.0 * grey(x, y);
            n += 1.0;
            sum += l;
            sq += l * l;
        }
    }
    if n < 1.0 {
        return 0.0;
    }
    let mean = sum / n;
    sq / n - mean * mean
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn rect(side: i32) -> Rect {
        Rect { left: 0, top: 0, right: side - 1, bottom: side - 1 }
    }

    #[test]
    fn a_flat_image_is_blurred_and_a_checkerboard_is_sharp() {
        let flat = RgbImage::from_pixel(120, 120, Rgb([128, 128, 128]));
        assert!(matches!(check(&flat, &rect(120)), Err(FaceError::Blurred { .. })));
        let board =
            RgbImage::from_fn(
                120,
                120,
                |x, y| if (x / 2 + y / 2) % 2 == 0 { Rgb([0, 0, 0]) } else { Rgb([255, 255, 255]) },
            );
        assert!(check(&board, &rect(120)).is_ok());
        assert!(matches!(check(&board, &rect(60)), Err(FaceError::TooSmall { px: 60, .. })));
    }
}
