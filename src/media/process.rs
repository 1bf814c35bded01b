//! The picture itself: the type from its first bytes, then decoded and encoded again (which
//! leaves EXIF, GPS and every other metadata behind), upright, with a thumbnail. CPU-bound: run
//! it off the async threads.

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// Longest side of a thumbnail, in pixels.
pub const THUMBNAIL_SIDE: u32 = 320;
/// Largest width or height decoded (a small file may claim a huge canvas).
const MAX_SIDE: u32 = 12_000;
/// Most memory one decode may take.
const MAX_ALLOC: u64 = 256 * 1024 * 1024;

/// A kind of picture accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Webp,
}

impl Kind {
    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Kind::Jpeg => "jpg",
            Kind::Png => "png",
            Kind::Webp => "webp",
        }
    }

    fn format(self) -> ImageFormat {
        match self {
            Kind::Jpeg => ImageFormat::Jpeg,
            Kind::Png => ImageFormat::Png,
            Kind::Webp => ImageFormat::WebP,
        }
    }
}

/// The kind of picture by its magic bytes (never by what the client says it is).
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(Kind::Webp)
    } else {
        None
    }
}

/// A picture ready to store.
pub struct Processed {
    pub kind: Kind,
    pub width: u32,
    pub height: u32,
    pub original: Vec<u8>,
    pub thumbnail: Vec<u8>,
}

/// Why a file was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not a JPEG, PNG or WebP.
    NotAPicture,
    /// Says it is one but does not decode (or is too large a canvas).
    Unreadable,
}

/// Decodes, turns upright (EXIF orientation), re-encodes and makes the thumbnail.
pub fn process(bytes: &[u8]) -> Result<Processed, Refusal> {
    let kind = sniff(bytes).ok_or(Refusal::NotAPicture)?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), kind.format());
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| Refusal::Unreadable)?;
    let orientation = decoder.orientation().map_err(|_| Refusal::Unreadable)?;
    let mut picture = DynamicImage::from_decoder(decoder).map_err(|_| Refusal::Unreadable)?;
    picture.apply_orientation(orientation);
    let thumbnail = if picture.width().max(picture.height()) > THUMBNAIL_SIDE {
        picture.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    } else {
        picture.clone()
    };
    Ok(Processed {
        kind,
        width: picture.width(),
        height: picture.height(),
        original: encode(&picture, kind)?,
        thumbnail: encode(&thumbnail, kind)?,
    })
}

fn encode(picture: &DynamicImage, kind: Kind) -> Result<Vec<u8>, Refusal> {
    // Each encoder takes only some pixel layouts; 8 bits per channel suits every one.
    let picture = match (kind, picture.color().has_alpha()) {
        (Kind::Jpeg, _) | (_, false) => DynamicImage::ImageRgb8(picture.to_rgb8()),
        (_, true) => DynamicImage::ImageRgba8(picture.to_rgba8()),
    };
    let mut out = Cursor::new(Vec::new());
    picture
        .write_to(&mut out, kind.format())
        .map_err(|_| Refusal::Unreadable)?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_magic_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(Kind::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(Kind::Png));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(Kind::Webp));
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b"RIFF"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn a_truncated_picture_is_unreadable() {
        assert_eq!(process(b"\x89PNG\r\n\x1a\n").err(), Some(Refusal::Unreadable));
        assert_eq!(process(b"hello").err(), Some(Refusal::NotAPicture));
    }
}
