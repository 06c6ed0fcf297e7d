//! Attachments: who may see them and how they join a post. An upload is the
//! uploader's alone until linked to a post; then whoever may read the post
//! may read it, with the post's rules (`posts::readable_post`). Everyone
//! else hears "attachment not found", as for an id that never existed.

use std::collections::HashSet;

use commons_protocol::{Attachment, User};
use sqlx::AnyConnection;

use super::posts::readable_post;
use super::{validate, OpError, OpResult};
use crate::blobs::AttachmentStore;
use crate::db::attachments::StoredAttachment;
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
    match &stored.post_id {
        None if stored.attachment.uploader_id == actor.id => Ok(stored),
        None => Err(attachment_not_found()),
        Some(post_id) => match readable_post(&mut conn, actor, post_id).await {
            Ok((post, _, _)) if post.deleted_at.is_none() => Ok(stored),
            Ok(_) | Err(OpError::NotFound(_)) => Err(attachment_not_found()),
            Err(e) => Err(e),
        },
    }
}

/// Links `ids` (the actor's own unlinked uploads) to a new post; answers
/// them in the order given. Anything else is a 400.
pub(super) async fn link_to_post(
    conn: &mut AnyConnection,
    actor: &User,
    post_id: &str,
    ids: &[String],
) -> OpResult<Vec<Attachment>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    if ids.len() > MAX_ATTACHMENTS_PER_POST {
        return Err(OpError::Invalid(format!(
            "a post carries at most {MAX_ATTACHMENTS_PER_POST} attachments"
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
            &s.attachment.id == id && s.attachment.uploader_id == actor.id && s.post_id.is_none()
        });
        let Some(stored) = usable else {
            return Err(unusable(id));
        };
        if !db::attachments::link(conn, id, post_id).await? {
            return Err(unusable(id));
        }
        linked.push(stored.attachment.clone());
    }
    Ok(linked)
}

fn unusable(id: &str) -> OpError {
    OpError::Invalid(format!(
        "attachment {id} is not one of your uploads waiting for a post"
    ))
}

/// The blobs a post's attachments use; read before deleting the post, so
/// that [`forget_blobs`] can remove them after.
pub async fn blobs_of_post(db: &Database, post_id: &str) -> OpResult<Vec<String>> {
    let Ok(post_id) = validate::id("post id", post_id) else {
        return Ok(Vec::new());
    };
    let mut conn = db.pool().acquire().await?;
    Ok(db::attachments::blobs_of_post(&mut conn, &post_id).await?)
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
