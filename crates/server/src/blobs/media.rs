//! What a file is (sniffed from its first bytes, never taken from the
//! client) and thumbnails of images, decoded within bounds.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, Limits};

/// Thumbnails fit in a square of this side, in pixels.
pub const THUMBNAIL_MAX_SIDE: u32 = 320;
/// Small thumbnails (lists: avatars, covers in a sidebar) fit in this square.
pub const SMALL_THUMBNAIL_MAX_SIDE: u32 = 64;
pub const THUMBNAIL_CONTENT_TYPE: &str = "image/png";

/// Images larger than this on either side are not decoded (no thumbnail).
const MAX_DECODE_SIDE: u32 = 12_000;
/// Memory the decoder may allocate for one image.
const MAX_DECODE_ALLOC: u64 = 256 * 1024 * 1024;

/// What a file is, from its first bytes (shared with the client, which shows
/// its own unsent images before the server has seen them).
pub use commons_protocol::sniff;

fn format_of(content_type: &str) -> Option<ImageFormat> {
    match content_type {
        "image/png" => Some(ImageFormat::Png),
        "image/jpeg" => Some(ImageFormat::Jpeg),
        "image/gif" => Some(ImageFormat::Gif),
        "image/webp" => Some(ImageFormat::WebP),
        _ => None,
    }
}

/// A thumbnail (PNG) and the original's dimensions.
pub struct Thumbnail {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Decodes an image of a sniffed `content_type` and scales it to fit
/// [`THUMBNAIL_MAX_SIDE`]. `None` for anything that is not a decodable image
/// within the limits. Blocking: run it off the async threads.
pub fn thumbnail(content_type: &str, bytes: &[u8]) -> Option<Thumbnail> {
    let format = format_of(content_type)?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODE_SIDE);
    limits.max_image_height = Some(MAX_DECODE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let image = reader.decode().ok()?;
    let (width, height) = (image.width(), image.height());
    if width == 0 || height == 0 {
        return None;
    }
    let small = image.thumbnail(THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE);
    let mut png = Vec::new();
    small
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .ok()?;
    Some(Thumbnail { png, width, height })
}

/// A thumbnail (PNG, as [`thumbnail`] made it) scaled down to fit
/// [`SMALL_THUMBNAIL_MAX_SIDE`]; `None` if it does not decode. Blocking.
pub fn small_thumbnail(thumbnail_png: &[u8]) -> Option<Vec<u8>> {
    let mut reader = ImageReader::with_format(Cursor::new(thumbnail_png), ImageFormat::Png);
    let mut limits = Limits::default();
    limits.max_image_width = Some(THUMBNAIL_MAX_SIDE);
    limits.max_image_height = Some(THUMBNAIL_MAX_SIDE);
    reader.limits(limits);
    let image = reader.decode().ok()?;
    let small = image.thumbnail(SMALL_THUMBNAIL_MAX_SIDE, SMALL_THUMBNAIL_MAX_SIDE);
    let mut png = Vec::new();
    small
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .ok()?;
    Some(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_sniffed_from_magic_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), "image/png");
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), "image/jpeg");
        assert_eq!(sniff(b"GIF89a...."), "image/gif");
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), "image/webp");
        assert_eq!(sniff(b"%PDF-1.7"), "application/pdf");
        assert_eq!(sniff(b"<html>"), "application/octet-stream");
        assert_eq!(sniff(b""), "application/octet-stream");
    }

    #[test]
    fn corrupt_images_get_no_thumbnail() {
        assert!(thumbnail("image/png", b"\x89PNG\r\n\x1a\ngarbage").is_none());
        assert!(thumbnail("image/jpeg", &[0xFF, 0xD8, 0xFF, 0, 0, 0]).is_none());
        assert!(thumbnail("application/pdf", b"%PDF-1.7").is_none());
    }
}
