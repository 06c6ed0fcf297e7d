//! Files attached to posts: uploaded first (`POST /api/v1/attachments`),
//! then linked by listing their ids in `CreatePostRequest::attachment_ids`.

use serde::{Deserialize, Serialize};

use crate::{Id, Millis};

/// Default largest attachment the server accepts: 25 MiB.
pub const DEFAULT_MAX_ATTACHMENT_BYTES: u64 = 25 * 1024 * 1024;

/// An uploaded file. `content_type` is what the server sniffed from the
/// bytes (never what the client declared); `width` and `height` are set for
/// images the server could decode, which also have a thumbnail
/// (`GET /api/v1/attachments/{id}/thumbnail`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Attachment {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub id: Id,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    /// The file name the uploader gave.
    pub name: String,
    pub content_type: String,
    pub size: i64,
    #[serde(default)]
    pub width: Option<i64>,
    #[serde(default)]
    pub height: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub uploader_id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Millis))]
    pub created_at: Millis,
}

/// The content type of `head` (the file's first bytes; 16 are enough):
/// PNG, JPEG, GIF, WebP or PDF, else `application/octet-stream`.
pub fn sniff(head: &[u8]) -> &'static str {
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        "image/gif"
    } else if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
        "image/webp"
    } else if head.starts_with(b"%PDF-") {
        "application/pdf"
    } else {
        "application/octet-stream"
    }
}
