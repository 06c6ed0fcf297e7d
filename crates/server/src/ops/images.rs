//! Profile pictures and group covers. An image the caller uploaded (and
//! used for nothing else) becomes their picture or, for a group's admins,
//! the group's cover; it replaces the earlier one, whose row is deleted in
//! the same transaction and whose files the caller forgets after the commit
//! (`attachments::forget_blobs`). Who may fetch them is in `attachments`.

use commons_protocol::{Group, User};

use super::attachments::{drop_image, image_for};
use super::groups::{administers, append_group_change, notify_members, visible};
use super::{people, validate, OpError, OpResult};
use crate::db::{self, Write};

/// The entity after the change, and the blobs of the image it no longer uses.
pub type Replaced<T> = (T, Vec<String>);

/// The caller's own upload becomes their profile picture.
pub async fn set_avatar(
    w: &mut Write,
    actor: &User,
    attachment_id: &str,
) -> OpResult<Replaced<User>> {
    let image = image_for(w.conn(), actor, attachment_id).await?;
    replace_avatar(w, actor.id.clone(), Some(image.attachment.id)).await
}

/// Removes a profile picture: one's own, or anyone's for organisation admins.
pub async fn remove_avatar(w: &mut Write, actor: &User, user_id: &str) -> OpResult<Replaced<User>> {
    let user_id = validate::id("user id", user_id)?;
    if user_id != actor.id && !actor.is_admin {
        return Err(OpError::Forbidden(
            "only organisation admins can remove someone else's picture".into(),
        ));
    }
    replace_avatar(w, user_id, None).await
}

async fn replace_avatar(
    w: &mut Write,
    user_id: String,
    avatar_id: Option<String>,
) -> OpResult<Replaced<User>> {
    let user = db::users::find(w.conn(), &user_id)
        .await?
        .ok_or_else(|| OpError::NotFound("person not found".into()))?;
    if user.avatar_id == avatar_id {
        return Ok((user, Vec::new()));
    }
    db::users::set_avatar(w.conn(), &user_id, avatar_id.as_deref()).await?;
    let forget = drop_image(w.conn(), user.avatar_id.as_deref()).await?;
    Ok((people::changed(w, &user_id).await?, forget))
}

/// Sets (`Some` upload of the caller) or removes (`None`) a group's cover;
/// the group's admins and organisation admins only.
pub async fn set_cover(
    w: &mut Write,
    actor: &User,
    group_id: &str,
    attachment_id: Option<&str>,
) -> OpResult<Replaced<Group>> {
    let (group, role) = visible(w.conn(), actor, group_id).await?;
    if !administers(actor, role) {
        return Err(OpError::Forbidden(format!(
            "only admins of {} can change its cover",
            group.name
        )));
    }
    let cover_id = match attachment_id {
        Some(id) => Some(image_for(w.conn(), actor, id).await?.attachment.id),
        None => None,
    };
    if group.cover_id == cover_id {
        return Ok((group, Vec::new()));
    }
    db::groups::set_cover(w.conn(), &group.id, cover_id.as_deref()).await?;
    let forget = drop_image(w.conn(), group.cover_id.as_deref()).await?;
    let group = Group { cover_id, ..group };
    append_group_change(w, &group).await?;
    notify_members(w, &group.id).await?;
    Ok((group, forget))
}
