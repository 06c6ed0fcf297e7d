//! Files attached to a post written here, sent through the outbox like any
//! write (as matrix-rust-sdk's send queue does with media): each file is
//! copied into the content-addressed folder and queued as an `upload` before
//! the post, in the same transaction as the post. The upload carries its own
//! mutation id, so a replay after a crash gets the same attachment back
//! instead of a second one; its confirmation replaces the local attachment id
//! by the server's, in the cached rows and in the queued post, in one
//! transaction. A refused upload marks the post failed, which is then not
//! sent without its file.

use std::path::{Path, PathBuf};

use commons_protocol::{Attachment, Id};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::SqliteConnection;

use crate::attachments::{file_path, write_file};
use crate::outbox::{self, Mutation, Session};
use crate::writes::new_id;
use crate::ClientError;

/// A file waiting to be uploaded (the outbox payload).
#[derive(Serialize, Deserialize, Clone, Debug)]
pub(crate) struct QueuedUpload {
    pub mutation_id: Id,
    /// The post it is attached to.
    pub post_id: Id,
    /// The id the cache and the queued post use until the server answers.
    pub local_id: Id,
    pub sha256: String,
    pub name: String,
}

/// A file copied into the profile's attachment folder, ready to queue.
pub(crate) struct LocalFile {
    name: String,
    sha256: String,
    size: i64,
    /// Sniffed as the server will: an unsent image already shows as one.
    content_type: &'static str,
}

/// Copies a file chosen by the user into the attachment folder (before the
/// write's transaction: the copy is named by its hash, so one left behind by a
/// failed write is harmless and reused).
pub(crate) async fn prepare(profile_dir: &Path, file: &Path) -> Result<LocalFile, ClientError> {
    let bytes = tokio::fs::read(file)
        .await
        .map_err(|e| ClientError::InvalidInput(format!("cannot read {}: {e}", file.display())))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_owned());
    let sha256: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    write_file(&file_path(profile_dir, &sha256)?, &bytes).await?;
    Ok(LocalFile {
        name,
        sha256,
        size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        content_type: commons_protocol::sniff(&bytes[..bytes.len().min(16)]),
    })
}

/// Queues the uploads of a post about to be written (call before queuing the
/// post, in its transaction); returns the local attachment ids to name.
pub(crate) async fn enqueue(
    conn: &mut SqliteConnection,
    post_id: &str,
    files: &[LocalFile],
) -> Result<Vec<Id>, ClientError> {
    let mut ids = Vec::new();
    for file in files {
        let upload = QueuedUpload {
            mutation_id: new_id(),
            post_id: post_id.to_owned(),
            local_id: new_id(),
            sha256: file.sha256.clone(),
            name: file.name.clone(),
        };
        let summary = format!("upload {}", file.name);
        outbox::enqueue(conn, &Mutation::Upload(upload.clone()), &summary).await?;
        ids.push(upload.local_id);
    }
    Ok(ids)
}

/// The cached rows of a queued post's files (after the post row exists), so
/// the post shows them at once; their files are never evicted while pending.
pub(crate) async fn show_locally(
    conn: &mut SqliteConnection,
    post_id: &str,
    ids: &[Id],
    files: &[LocalFile],
) -> Result<(), ClientError> {
    for (id, file) in ids.iter().zip(files) {
        sqlx::query(
            "INSERT INTO post_attachments (id, post_id, group_id, sha256, name, content_type,
                                           size, uploader_id, created_at)
             SELECT ?1, p.id, p.group_id, ?2, ?3, ?4, ?5, p.author_id, p.created_at
             FROM posts p WHERE p.id = ?6",
        )
        .bind(id.clone())
        .bind(file.sha256.clone())
        .bind(file.name.clone())
        .bind(file.content_type)
        .bind(file.size)
        .bind(post_id.to_owned())
        .execute(&mut *conn)
        .await?;
        crate::cache::add_file(conn, id, "full", &file.sha256, file.size).await?;
    }
    Ok(())
}

pub(crate) async fn send(
    session: &Session<'_>,
    upload: &QueuedUpload,
) -> Result<Attachment, ClientError> {
    let path: PathBuf = file_path(session.profile_dir, &upload.sha256)?;
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| ClientError::InvalidInput(format!("the file {} is gone: {e}", upload.name)))?;
    session
        .api
        .upload(
            session.server_url,
            session.token,
            &upload.name,
            &upload.mutation_id,
            bytes,
        )
        .await
}

/// The server has the file: its id replaces the local one everywhere.
pub(crate) async fn confirm(
    conn: &mut SqliteConnection,
    upload: &QueuedUpload,
    attachment: &Attachment,
) -> Result<(), ClientError> {
    sqlx::query(
        "UPDATE post_attachments SET id = ?, content_type = ?, width = ?, height = ?,
             created_at = ?
         WHERE id = ?",
    )
    .bind(attachment.id.clone())
    .bind(attachment.content_type.clone())
    .bind(attachment.width)
    .bind(attachment.height)
    .bind(attachment.created_at)
    .bind(upload.local_id.clone())
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE attachment_files SET attachment_id = ? WHERE attachment_id = ?")
        .bind(attachment.id.clone())
        .bind(upload.local_id.clone())
        .execute(&mut *conn)
        .await?;
    // Ids are UUIDs: as quoted JSON strings they occur nowhere else in the payload.
    sqlx::query(
        "UPDATE outbox SET payload = replace(payload, ?, ?)
         WHERE kind = 'post' AND entity_id = ?",
    )
    .bind(format!("\"{}\"", upload.local_id))
    .bind(format!("\"{}\"", attachment.id))
    .bind(upload.post_id.clone())
    .execute(&mut *conn)
    .await?;
    Ok(())
}
