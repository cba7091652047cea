//! Decoding an uploaded photo or a seat's capture into RGB pixels. Decoding
//! happens in Rust (memory-safe) so that dlib only ever sees a pixel buffer.

use std::io::Cursor;

use image::{imageops::FilterType, DynamicImage, ImageDecoder, ImageReader, Limits, RgbImage};

use crate::FaceError;

/// Larger photos (a phone's 12 MP) are scaled down first: detection time grows
/// with the pixel count, and a face in an ID or seat photo stays well above
/// the detector's 80 px at this size.
pub const MAX_SIDE: u32 = 1600;

/// Reads a JPEG or PNG, turned upright by its EXIF orientation.
pub fn decode(bytes: &[u8]) -> Result<RgbImage, FaceError> {
    let bad = |e: image::ImageError| FaceError::Image(e.to_string());
    let mut reader =
        ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| FaceError::Image(e.to_string()))?;
    match reader.format() {
        Some(image::ImageFormat::Jpeg | image::ImageFormat::Png) => {}
        _ => return Err(FaceError::Image("the format is neither JPEG nor PNG".into())),
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(512 << 20);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(bad)?;
    let orientation = decoder.orientation().map_err(bad)?;
    let mut picture = DynamicImage::from_decoder(decoder).map_err(bad)?;
    picture.apply_orientation(orientation);
    let (w, h) = (picture.width(), picture.height());
    if w.max(h) > MAX_SIDE {
        picture = picture.resize(MAX_SIDE, MAX_SIDE, FilterType::Triangle);
    }
    Ok(picture.to_rgb8())
}
