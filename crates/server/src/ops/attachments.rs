//! Attachments: who may see them and how they are used. An upload is the
//! uploader's alone until used; then it follows what uses it: a post's or a
//! comment's attachments whoever may read the post (`posts::readable_post`),
//! a profile picture every signed-in person, a group's cover whoever may see
//! the group (`groups::visible`). Everyone else hears "attachment not
//! found", as for an id that never existed.

use std::collections::HashSet;

use commons_protocol::{Attachment, User};
use futures_util::StreamExt;
use sqlx::AnyConnection;

use super::posts::readable_post;
use super::{validate, OpError, OpResult};
use crate::blobs::{self, AttachmentStore};
use crate::db::attachments::{Owner, StoredAttachment};
use crate::db::{self, Database};

/// Most attachments one post carries.
pub const MAX_ATTACHMENTS_PER_POST: usize = 20;

fn attachment_not_found() -> OpError {
    OpError::NotFound("attachment not found".into())
}

/// Records an upload whose bytes are already in the store.
pub async fn record(db: &Database, stored: &StoredAttachment) -> OpResult<()> {
    let mut conn = db.pool().acquire().await?;
    record_in(&mut conn, stored).await
}

/// `record` inside the caller's transaction (an idempotent upload's).
pub async fn record_in(conn: &mut AnyConnection, stored: &StoredAttachment) -> OpResult<()> {
    db::attachments::insert(conn, stored).await?;
    Ok(())
}

/// The attachment, if `actor` may read it.
pub async fn readable(db: &Database, actor: &User, id: &str) -> OpResult<StoredAttachment> {
    let id = validate::id("attachment id", id).map_err(|_| attachment_not_found())?;
    let mut conn = db.pool().acquire().await?;
    let stored = db::attachments::find(&mut conn, &id)
        .await?
        .ok_or_else(attachment_not_found)?;
    let post_id = match (&stored.post_id, &stored.comment_id) {
        (Some(post_id), _) => Some(post_id.clone()),
        (None, Some(comment_id)) => db::posts::find_comment(&mut conn, comment_id)
            .await?
            .filter(|comment| comment.deleted_at.is_none())
            .map(|comment| comment.post_id),
        (None, None) => None,
    };
    if let Some(post_id) = post_id {
        return match readable_post(&mut conn, actor, &post_id).await {
            Ok((post, _, _)) if post.deleted_at.is_none() => Ok(stored),
            Ok(_) | Err(OpError::NotFound(_)) => Err(attachment_not_found()),
            Err(e) => Err(e),
        };
    }
    if stored.avatar_of.is_some() {
        return Ok(stored);
    }
    if let Some(group_id) = &stored.cover_of {
        return match super::groups::visible(&mut conn, actor, group_id).await {
            Ok(_) => Ok(stored),
            Err(OpError::NotFound(_)) => Err(attachment_not_found()),
            Err(e) => Err(e),
        };
    }
    if stored.is_unused() && stored.attachment.uploader_id == actor.id {
        return Ok(stored);
    }
    Err(attachment_not_found())
}

/// Attaches `ids` (the actor's own unused uploads) to a new post or comment;
/// answers them in the order given. Anything else is a 400.
pub(super) async fn link(
    conn: &mut AnyConnection,
    actor: &User,
    owner: Owner<'_>,
    ids: &[String],
) -> OpResult<Vec<Attachment>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    if ids.len() > MAX_ATTACHMENTS_PER_POST {
        return Err(OpError::Invalid(format!(
            "a post or comment carries at most {MAX_ATTACHMENTS_PER_POST} attachments"
        )));
    }
    let mut wanted = Vec::with_capacity(ids.len());
    let mut seen = HashSet::new();
    for id in ids {
        let id = validate::id("attachment id", id)?;
        if !seen.insert(id.clone()) {
            return Err(OpError::Invalid(format!("attachment {id} is listed twice")));
        }
        wanted.push(id);
    }
    let found = db::attachments::load(conn, &wanted).await?;
    let mut linked = Vec::with_capacity(wanted.len());
    for id in &wanted {
        let usable = found.iter().find(|s| {
            &s.attachment.id == id && s.attachment.uploader_id == actor.id && s.is_unused()
        });
        let Some(stored) = usable else {
            return Err(unusable(id));
        };
        if !db::attachments::link(conn, id, owner).await? {
            return Err(unusable(id));
        }
        linked.push(stored.attachment.clone());
    }
    Ok(linked)
}

fn unusable(id: &str) -> OpError {
    OpError::Invalid(format!(
        "attachment {id} is not one of your uploads waiting to be used"
    ))
}

/// The caller's own unused upload, to become a profile picture or a group
/// cover: it must be an image the server decoded (so it has a thumbnail).
pub(super) async fn image_for(
    conn: &mut AnyConnection,
    actor: &User,
    id: &str,
) -> OpResult<StoredAttachment> {
    let id = validate::id("attachment id", id)?;
    let stored = db::attachments::find(conn, &id)
        .await?
        .filter(|s| s.attachment.uploader_id == actor.id && s.is_unused())
        .ok_or_else(|| unusable(&id))?;
    if stored.thumb_sha256.is_none() {
        return Err(OpError::Invalid(format!(
            "attachment {id} is not an image (PNG, JPEG, GIF or WebP) the server could read"
        )));
    }
    Ok(stored)
}

/// Deletes the row of an image no longer used (a replaced or removed
/// picture or cover); answers the blobs to forget after the commit.
pub(super) async fn drop_image(
    conn: &mut AnyConnection,
    id: Option<&str>,
) -> OpResult<Vec<String>> {
    let Some(id) = id else {
        return Ok(Vec::new());
    };
    let blobs = match db::attachments::find(conn, id).await? {
        Some(stored) => stored.blobs(),
        None => Vec::new(),
    };
    db::attachments::delete(conn, id).await?;
    Ok(blobs)
}

/// The blobs the attachments of a post (its comments' included) or of a
/// comment use; read in the deleting transaction, before the delete, so
/// that [`forget_blobs`] can remove them after the commit.
pub async fn blobs_of(conn: &mut AnyConnection, owner: Owner<'_>) -> OpResult<Vec<String>> {
    Ok(db::attachments::blobs_of(conn, owner).await?)
}

/// Removes from the store those of `blobs` no attachment row uses any more.
/// Failures are logged, not answered: the delete itself is done.
pub async fn forget_blobs(db: &Database, store: &dyn AttachmentStore, blobs: &[String]) {
    for sha256 in blobs {
        let in_use = match db.pool().acquire().await {
            Ok(mut conn) => db::attachments::blob_in_use(&mut conn, sha256).await,
            Err(e) => Err(e.into()),
        };
        match in_use {
            Ok(true) => {}
            Ok(false) => {
                if let Err(e) = store.delete(sha256).await {
                    tracing::warn!(%sha256, error = %e, "cannot delete an attachment file");
                }
            }
            Err(e) => tracing::warn!(%sha256, error = %e, "cannot check an attachment file"),
        }
    }
}

/// What the store just took (`stored`, named `name`, uploaded by
/// `uploader_id`) as an attachment row not yet used by anything: its type
/// sniffed from the bytes, and for an image a thumbnail (stored too) and its
/// size. Uploads and imports both come this way.
pub async fn describe(
    store: &dyn AttachmentStore,
    stored: blobs::Stored,
    name: String,
    uploader_id: &str,
    limit: u64,
) -> std::io::Result<StoredAttachment> {
    let head = first_bytes(store, &stored.sha256).await?;
    let content_type = blobs::sniff(&head);
    let mut attachment = Attachment {
        id: uuid::Uuid::now_v7().to_string(),
        sha256: stored.sha256,
        name,
        content_type: content_type.to_string(),
        size: i64::try_from(stored.size).unwrap_or(i64::MAX),
        width: None,
        height: None,
        uploader_id: uploader_id.to_string(),
        created_at: db::now_millis(),
    };
    let mut thumb_sha256 = None;
    if content_type.starts_with("image/") {
        if let Some(bytes) = blobs::read_all(store, &attachment.sha256, limit).await? {
            let owned = content_type.to_string();
            // A panic in a decoder is a missing thumbnail, not a failed upload.
            let made = tokio::task::spawn_blocking(move || blobs::thumbnail(&owned, &bytes))
                .await
                .ok()
                .flatten();
            if let Some(thumb) = made {
                let png = axum::body::Bytes::from(thumb.png);
                let stream = futures_util::stream::once(async move { Ok(png) }).boxed();
                match store.put(stream, limit).await {
                    Ok(stored) => {
                        thumb_sha256 = Some(stored.sha256);
                        attachment.width = Some(i64::from(thumb.width));
                        attachment.height = Some(i64::from(thumb.height));
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot store a thumbnail"),
                }
            }
        }
    }
    Ok(StoredAttachment {
        attachment,
        thumb_sha256,
        post_id: None,
        comment_id: None,
        avatar_of: None,
        cover_of: None,
    })
}

/// The first bytes of a blob, enough to sniff its type.
async fn first_bytes(store: &dyn AttachmentStore, sha256: &str) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    if let Some(mut stream) = store.open(sha256).await? {
        while head.len() < 16 {
            match stream.next().await {
                Some(chunk) => head.extend_from_slice(&chunk?),
                None => break,
            }
        }
    }
    Ok(head)
}
