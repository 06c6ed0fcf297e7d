//! Attachment files in the client: downloaded on demand into a
//! content-addressed folder beside the cache (`attachments/ab/cd/<sha256>`),
//! checked against the SHA-256 the server announced, and kept under a size
//! limit by evicting the least recently viewed. The rows live in the cache
//! (`cache::attachments`); a file leaves the disk after the transaction that
//! dropped its last row has committed (the trash, swept by `sweep`).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::cache::{self, Cache};
use crate::outbox::Session;
use crate::ClientError;

/// Folder of downloaded attachments inside a profile directory.
pub const ATTACHMENTS_DIR: &str = "attachments";

/// Size limit of the downloaded files unless set otherwise: 512 MiB.
pub const DEFAULT_ATTACHMENT_CACHE_LIMIT: u64 = 512 * 1024 * 1024;

const FULL: &str = "full";
const THUMBNAIL: &str = "thumbnail";

/// `attachments/ab/cd/<sha256>` under the profile directory.
pub(crate) fn file_path(profile_dir: &Path, sha256: &str) -> Result<PathBuf, ClientError> {
    let valid = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
    if !valid {
        return Err(ClientError::CorruptCache(format!(
            "not a SHA-256: {sha256:?}"
        )));
    }
    Ok(profile_dir
        .join(ATTACHMENTS_DIR)
        .join(&sha256[0..2])
        .join(&sha256[2..4])
        .join(sha256))
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> ClientError + '_ {
    move |source| ClientError::Profile {
        path: path.display().to_string(),
        source,
    }
}

/// The local file of an attachment (its thumbnail if asked and it is an
/// image with one), downloaded first if needed, then kept within `limit`.
pub(crate) async fn file(
    cache: &Cache,
    session: &Session<'_>,
    profile_dir: &Path,
    attachment_id: &str,
    thumbnail: bool,
    limit: u64,
) -> Result<PathBuf, ClientError> {
    let attachment = {
        let mut conn = cache.read().await?;
        cache::attachment(&mut conn, attachment_id).await?
    }
    .ok_or_else(|| {
        ClientError::InvalidInput(format!("no attachment {attachment_id} in the cache"))
    })?;
    let want_thumbnail = thumbnail && attachment.content_type.starts_with("image/");
    let variant = if want_thumbnail { THUMBNAIL } else { FULL };

    let mut tx = cache.write().await?;
    let known = cache::view_file(&mut tx, attachment_id, variant).await?;
    tx.commit().await?;
    if let Some(sha256) = known {
        let path = file_path(profile_dir, &sha256)?;
        if path.is_file() {
            return Ok(path);
        }
    }

    let (bytes, variant) = download(session, attachment_id, want_thumbnail).await?;
    let sha256 = hex_sha256(&bytes);
    if variant == FULL && sha256 != attachment.sha256.to_ascii_lowercase() {
        return Err(ClientError::UnexpectedResponse(format!(
            "attachment {attachment_id} arrived damaged (its SHA-256 does not match)"
        )));
    }
    let path = file_path(profile_dir, &sha256)?;
    write_file(&path, &bytes).await?;

    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let mut tx = cache.write().await?;
    let kept = cache::add_file(&mut tx, attachment_id, variant, &sha256, size).await?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    cache::evict_files(&mut tx, limit, (attachment_id, variant)).await?;
    tx.commit().await?;
    sweep(cache, profile_dir).await?;
    if !kept {
        return Err(ClientError::InvalidInput(format!(
            "attachment {attachment_id} is no longer in the cache"
        )));
    }
    Ok(path)
}

/// The thumbnail when asked (an image the server could not decode has none:
/// then the full file), else the full file.
async fn download(
    session: &Session<'_>,
    attachment_id: &str,
    thumbnail: bool,
) -> Result<(Vec<u8>, &'static str), ClientError> {
    let path = format!("/attachments/{attachment_id}");
    if thumbnail {
        let thumb = session
            .api
            .get_bytes(
                session.server_url,
                session.token,
                &format!("{path}/thumbnail"),
            )
            .await;
        match thumb {
            Ok(bytes) => return Ok((bytes, THUMBNAIL)),
            Err(ClientError::Server { status: 404, .. }) => {}
            Err(e) => return Err(e),
        }
    }
    let bytes = session
        .api
        .get_bytes(session.server_url, session.token, &path)
        .await?;
    Ok((bytes, FULL))
}

/// Writes a file whole or not at all: a temporary file renamed into place.
pub(crate) async fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ClientError> {
    let dir = path.parent().unwrap_or(path);
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(io_error(dir))?;
    let temp = dir.join(format!(".{}.part", uuid::Uuid::new_v4()));
    tokio::fs::write(&temp, bytes)
        .await
        .map_err(io_error(&temp))?;
    tokio::fs::rename(&temp, path).await.map_err(io_error(path))
}

/// Deletes from disk the files no row uses any more (purged, deleted or
/// evicted attachments), then forgets them.
pub(crate) async fn sweep(cache: &Cache, profile_dir: &Path) -> Result<(), ClientError> {
    let trash = {
        let mut conn = cache.read().await?;
        cache::trash(&mut conn).await?
    };
    for sha256 in trash {
        if let Ok(path) = file_path(profile_dir, &sha256) {
            match tokio::fs::remove_file(&path).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_error(&path)(e)),
            }
        }
        let mut tx = cache.write().await?;
        cache::forget_trash(&mut tx, &sha256).await?;
        tx.commit().await?;
    }
    Ok(())
}
