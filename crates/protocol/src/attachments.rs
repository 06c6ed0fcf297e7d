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
