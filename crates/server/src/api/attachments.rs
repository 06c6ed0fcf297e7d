//! `/attachments`: upload (the raw body, streamed to the store while
//! hashing), download and thumbnails. See `ops::attachments` for who may
//! read what.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use commons_protocol::Attachment;
use futures_util::{StreamExt, TryStreamExt};
use serde::Deserialize;

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::ApiQuery;
use super::mutation::idempotent;
use super::AppState;
use crate::blobs::{self, StoreError, THUMBNAIL_CONTENT_TYPE};
use crate::ops;

/// Longest file name kept, in characters.
const MAX_NAME_CHARS: usize = 255;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name (else the `X-Filename` header).
    name: Option<String>,
    /// Makes the upload idempotent, as the `mutation_id` of other writes: a
    /// replay (same file and name) answers the first upload's attachment and
    /// records nothing new; the same id for another file is refused (409).
    mutation_id: Option<String>,
}

/// What an idempotent upload's replay must repeat.
#[derive(serde::Serialize)]
struct UploadFingerprint<'a> {
    sha256: &'a str,
    name: &'a str,
}

/// `POST /attachments?name=...` (or `X-Filename: ...`): the body is the
/// file. Answers 201 with the `Attachment`, 413 beyond the size limit.
#[utoipa::path(
    post,
    path = "/api/v1/attachments",
    operation_id = "upload_attachment",
    tag = "attachments",
    summary = "Upload a file to attach to a post or comment, or an image for a picture or cover",
    description = "The body is the file itself, streamed. Its type is sniffed from the bytes \
        (the declared type is ignored); images get a thumbnail. Until it is used (its id in \
        `CreatePostRequest.attachment_ids` or `CreateCommentRequest.attachment_ids`, or chosen \
        as a profile picture or group cover), only the uploader may read it.",
    params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file"),
    responses(
        (status = 201, description = "The stored attachment", body = Attachment),
        (status = 413, description = "`payload_too_large`: over the server's attachment limit", body = commons_protocol::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn upload(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiQuery(query): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let declared = query.name.or_else(|| {
        headers
            .get("x-filename")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    });
    let name = clean_name(declared.as_deref().unwrap_or_default());
    let limit = state.attachments.max_bytes;
    let too_large =
        || ApiError::PayloadTooLarge(format!("attachments are limited to {limit} bytes"));
    let declared_length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared_length.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let stream = body
        .into_data_stream()
        .map_err(std::io::Error::other)
        .boxed();
    let stored = state.blobs.put(stream, limit).await.map_err(|e| match e {
        StoreError::TooLarge { .. } => too_large(),
        StoreError::Body(m) => ApiError::BadRequest(format!("the upload broke off: {m}")),
        StoreError::Io(e) => ApiError::Internal(format!("storing an attachment: {e}")),
    })?;
    let stored =
        ops::attachments::describe(state.blobs.as_ref(), stored, name, &auth.user.id, limit)
            .await
            .map_err(|e| ApiError::Internal(format!("reading an attachment: {e}")))?;
    let attachment = stored.attachment.clone();
    let Some(mutation_id) = query.mutation_id else {
        ops::attachments::record(&state.db, &stored).await?;
        return Ok((StatusCode::CREATED, Json(attachment)).into_response());
    };
    // The bytes are stored by their hash, so storing them again above was a no-op.
    let fingerprint = UploadFingerprint {
        sha256: &attachment.sha256,
        name: &attachment.name,
    };
    idempotent(
        &state,
        &auth.user,
        &mutation_id,
        "upload_attachment",
        &fingerprint,
        StatusCode::CREATED,
        async |write| {
            ops::attachments::record_in(write.conn(), &stored)
                .await
                .map(|()| attachment.clone())
        },
    )
    .await
}

/// `GET /attachments/{id}`: the file.
#[utoipa::path(
    get,
    path = "/api/v1/attachments/{id}",
    operation_id = "download_attachment",
    tag = "attachments",
    summary = "Download an attachment",
    description = "Served with the sniffed `Content-Type`, `X-Content-Type-Options: nosniff` and \
        `Content-Disposition` (inline for images, attachment otherwise).",
    params(("id" = commons_protocol::openapi::Id, Path, description = "The attachment's id")),
    responses(
        (status = 200, description = "The file's bytes", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, description = "`not_found`: no such attachment, or one the caller may not read", body = commons_protocol::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn download(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let stored = ops::attachments::readable(&state.db, &auth.user, &id).await?;
    let a = &stored.attachment;
    let disposition = if a.content_type.starts_with("image/") {
        "inline"
    } else {
        "attachment"
    };
    serve(
        &state,
        &a.sha256,
        &a.content_type,
        &content_disposition(disposition, &a.name),
    )
    .await
}

/// Which thumbnail.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ThumbnailQuery {
    /// `small`: at most 64 pixels a side, for lists (avatars, covers in a
    /// sidebar); absent: at most 320.
    #[param(inline)]
    size: Option<ThumbnailSize>,
}

#[derive(Clone, Copy, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ThumbnailSize {
    Small,
}

/// `GET /attachments/{id}/thumbnail[?size=small]`: a PNG at most 320 (or 64)
/// pixels on a side; 404 for files that are not decodable images.
#[utoipa::path(
    get,
    path = "/api/v1/attachments/{id}/thumbnail",
    operation_id = "attachment_thumbnail",
    tag = "attachments",
    summary = "An image attachment's thumbnail (PNG, at most 320 pixels a side, or 64 with size=small)",
    params(
        ("id" = commons_protocol::openapi::Id, Path, description = "The attachment's id"),
        ThumbnailQuery,
    ),
    responses(
        (status = 200, description = "The thumbnail", content_type = "image/png", body = Vec<u8>),
        (status = 404, description = "`not_found`: no such attachment, one the caller may not read, or not an image", body = commons_protocol::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn thumbnail(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ThumbnailQuery>,
) -> Result<Response, ApiError> {
    let stored = ops::attachments::readable(&state.db, &auth.user, &id).await?;
    let Some(thumb) = &stored.thumb_sha256 else {
        return Err(ApiError::NotFound(
            "this attachment has no thumbnail".into(),
        ));
    };
    let disposition = content_disposition("inline", "thumbnail.png");
    if query.size != Some(ThumbnailSize::Small) {
        return serve(&state, thumb, THUMBNAIL_CONTENT_TYPE, &disposition).await;
    }
    // Made from the stored thumbnail on request: small and cheap to scale.
    let png = read_blob(state.blobs.as_ref(), thumb).await?;
    let small = tokio::task::spawn_blocking(move || blobs::small_thumbnail(&png))
        .await
        .ok()
        .flatten()
        .ok_or_else(|| ApiError::Internal(format!("cannot scale down thumbnail {thumb}")))?;
    let mut response = Body::from(small).into_response();
    file_headers(response.headers_mut(), THUMBNAIL_CONTENT_TYPE, &disposition)?;
    Ok(response)
}

/// A whole blob in memory (only for thumbnails, which are small).
async fn read_blob(store: &dyn blobs::AttachmentStore, sha256: &str) -> Result<Vec<u8>, ApiError> {
    let failed = |e: std::io::Error| ApiError::Internal(format!("reading a thumbnail: {e}"));
    let mut stream = store
        .open(sha256)
        .await
        .map_err(failed)?
        .ok_or_else(|| ApiError::NotFound("attachment not found".into()))?;
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        bytes.extend_from_slice(&chunk.map_err(failed)?);
    }
    Ok(bytes)
}

async fn serve(
    state: &AppState,
    sha256: &str,
    content_type: &str,
    disposition: &str,
) -> Result<Response, ApiError> {
    let stream = state
        .blobs
        .open(sha256)
        .await
        .map_err(|e| ApiError::Internal(format!("opening an attachment: {e}")))?
        .ok_or_else(|| ApiError::NotFound("attachment not found".into()))?;
    let mut response = Body::from_stream(stream).into_response();
    file_headers(response.headers_mut(), content_type, disposition)?;
    Ok(response)
}

/// The headers of every file the API serves.
fn file_headers(
    headers: &mut HeaderMap,
    content_type: &str,
    disposition: &str,
) -> Result<(), ApiError> {
    let header_value = |text: &str| {
        HeaderValue::from_str(text)
            .map_err(|_| ApiError::Internal(format!("bad header value {text:?}")))
    };
    headers.insert(header::CONTENT_TYPE, header_value(content_type)?);
    headers.insert(header::CONTENT_DISPOSITION, header_value(disposition)?);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    Ok(())
}

/// The first bytes of a blob, enough to sniff its type.
/// The last path segment, without control characters, at most
/// [`MAX_NAME_CHARS`]; `file` when nothing is left.
fn clean_name(declared: &str) -> String {
    let base = declared.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = base
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect::<String>()
        .trim()
        .to_string();
    if name.is_empty() || name == "." || name == ".." {
        "file".into()
    } else {
        name
    }
}

/// `attachment; filename="..."; filename*=UTF-8''...` (RFC 6266): an ASCII
/// fallback with quotes, backslashes and non-ASCII replaced, and the exact
/// name percent-encoded.
fn content_disposition(kind: &str, name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect();
    let mut encoded = String::new();
    for byte in name.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => encoded.push(byte as char),
            b'!' | b'#' | b'$' | b'&' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~' => {
                encoded.push(byte as char)
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\x\\report.pdf"), "report.pdf");
        assert_eq!(clean_name("a\u{0}b\nc.txt"), "abc.txt");
        assert_eq!(clean_name(""), "file");
        assert_eq!(clean_name(".."), "file");
    }

    #[test]
    fn dispositions_are_escaped() {
        assert_eq!(
            content_disposition("attachment", "a \"b\"\\c.pdf"),
            "attachment; filename=\"a _b__c.pdf\"; filename*=UTF-8''a%20%22b%22%5Cc.pdf"
        );
        assert_eq!(
            content_disposition("attachment", "été.txt"),
            "attachment; filename=\"_t_.txt\"; filename*=UTF-8''%C3%A9t%C3%A9.txt"
        );
    }
}
