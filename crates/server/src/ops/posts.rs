//! Posts: members write, readers of the group read. The author edits (the old
//! text is kept as a version); the author, the group's admins and moderators
//! and organisation admins delete (a tombstone); group admins and moderators pin.

use std::collections::HashSet;

use commons_protocol::{
    mentioned_handles, AuditAction, CreatePostRequest, EditTextRequest, Group, GroupRole,
    NotificationKind, NotificationLevel, Post, PostVersion, PostWithComments, User,
};
use serde_json::json;
use sqlx::AnyConnection;

use super::audit::{self, Target};
use super::groups::{self, can_read_posts, notify_members};
use super::notifications::{notify, Event};
use super::polls;
use super::{validate, OpError, OpResult};
use crate::db::attachments::Owner;
use crate::db::changes::{ChangeKind, NewChange};
use crate::db::{self, now_millis, Database, Write};

/// Kept here too: the demo and older callers create comments through `ops::posts`.
pub use super::comments::create_comment;

fn post_not_found() -> OpError {
    OpError::NotFound("post not found".into())
}

pub(super) fn post_deleted() -> OpError {
    OpError::Conflict("this post was deleted".into())
}

pub async fn create_post(
    w: &mut Write,
    actor: &User,
    request: &CreatePostRequest,
) -> OpResult<Post> {
    let id = validate::id("id", &request.id)?;
    validate::post_body(&request.body)?;
    let (group, role) = groups::visible(w.conn(), actor, &request.group_id).await?;
    if role.is_none() {
        return Err(OpError::Forbidden(format!(
            "only members of {} can post in it: join it first",
            group.name
        )));
    }
    if db::posts::post_exists(w.conn(), &id).await? {
        return Err(OpError::Conflict(format!("id {id} is already used")));
    }
    let poll = request.poll.as_ref().map(polls::new_poll).transpose()?;
    let announced_until = match request.announce_days {
        Some(_) if !role.is_some_and(GroupRole::moderates) => {
            return Err(OpError::Forbidden(format!(
                "only admins and moderators of {} can announce posts",
                group.name
            )))
        }
        Some(days) => Some(polls::announcement_end(days)?),
        None => None,
    };
    let post = Post {
        id,
        group_id: group.id,
        author_id: actor.id.clone(),
        body: request.body.clone(),
        created_at: now_millis(),
        poll,
        announced_until,
        ..Post::default()
    };
    let seq = append_post_change(w, &post).await?;
    db::posts::insert_post(w.conn(), &post, seq).await?;
    let attachments = super::attachments::link(
        w.conn(),
        actor,
        Owner::Post(&post.id),
        &request.attachment_ids,
    )
    .await?;
    let post = Post {
        attachments,
        ..post
    };
    notify_members(w, &post.group_id).await?;

    // Mentions first, then everyone who wants every post of the group; one
    // notification per person.
    let event = content_event(actor, &post, None);
    let mut done = HashSet::from([actor.id.clone()]);
    notify_mentions(w, &post.body, &event, &mut done, false).await?;
    if post.announced_until.is_some() {
        polls::notify_announcement(w, actor, &post, &mut done).await?;
    }
    let group_post = Event {
        kind: NotificationKind::GroupPost,
        ..event
    };
    for member in members_wanting_every_post(w.conn(), &post.group_id).await? {
        if done.insert(member.clone()) {
            notify(w, &member, &group_post).await?;
        }
    }
    Ok(post)
}

/// The author replaces the text; the old text goes to the post's history.
/// People newly mentioned are notified.
pub async fn edit_post(
    w: &mut Write,
    actor: &User,
    post_id: &str,
    request: &EditTextRequest,
) -> OpResult<Post> {
    validate::post_body(&request.body)?;
    let (post, _, _) = readable_post(w.conn(), actor, post_id).await?;
    if post.author_id != actor.id {
        return Err(OpError::Forbidden("only the author can edit a post".into()));
    }
    if post.deleted_at.is_some() {
        return Err(post_deleted());
    }
    if post.body == request.body {
        return with_attachments(w.conn(), post).await;
    }
    let written_at = post.edited_at.unwrap_or(post.created_at);
    // Strictly after the version it replaces, so the history has one order.
    let replaced_at = now_millis().max(written_at + 1);
    let old = PostVersion {
        body: post.body.clone(),
        written_at,
        replaced_at,
    };
    db::posts::edit_post(w.conn(), &post.id, &request.body, &old).await?;
    append_post_change(w, &post).await?;
    notify_members(w, &post.group_id).await?;
    let mut post = Post {
        body: request.body.clone(),
        edited_at: Some(replaced_at),
        ..post
    };
    db::attachments::attach(w.conn(), std::slice::from_mut(&mut post)).await?;
    let event = content_event(actor, &post, None);
    let mut done = HashSet::from([actor.id.clone()]);
    notify_mentions(w, &post.body, &event, &mut done, true).await?;
    Ok(post)
}

/// Tombstones a post: its text, earlier versions and reactions go, its
/// comments become tombstones too. Deleting a deleted post answers the tombstone.
pub async fn delete_post(w: &mut Write, actor: &User, post_id: &str) -> OpResult<Post> {
    let (post, group, role) = readable_post(w.conn(), actor, post_id).await?;
    if !may_remove(actor, &post.author_id, role) {
        return Err(OpError::Forbidden(format!(
            "only the author, the admins and moderators of {} and organisation admins can delete this post",
            group.name
        )));
    }
    if post.deleted_at.is_some() {
        return Ok(post);
    }
    let deleted_at = now_millis();
    db::posts::tombstone_post(w.conn(), &post.id, deleted_at).await?;
    let comments = db::posts::tombstone_comments_of_post(w.conn(), &post.id, deleted_at).await?;
    let reactions = db::reactions::delete_of_post(w.conn(), &post.id).await?;
    // The files go after the commit (`ops::attachments::forget_blobs`).
    db::attachments::delete_of(w.conn(), Owner::Post(&post.id)).await?;
    if post.author_id != actor.id {
        // What moderators remove is audited; never its text.
        audit::record(
            w.conn(),
            Some(&actor.id),
            AuditAction::PostRemoved,
            Target::Post(&post.id),
            json!({"author_id": post.author_id, "group_id": post.group_id, "group": group.name}),
        )
        .await?;
    }
    append_post_change(w, &post).await?;
    for comment_id in &comments {
        w.append(NewChange {
            kind: ChangeKind::Comment,
            entity_id: comment_id,
            group_id: Some(&post.group_id),
            user_id: None,
        })
        .await?;
    }
    for reaction in &reactions {
        super::reactions::append_reaction_change(w, reaction).await?;
    }
    notify_members(w, &post.group_id).await?;
    Ok(Post {
        body: String::new(),
        deleted_at: Some(deleted_at),
        pinned_at: None,
        poll: None,
        announced_until: None,
        ..post
    })
}

/// Group admins and moderators pin a post to the top of the group, or unpin it.
pub async fn pin_post(w: &mut Write, actor: &User, post_id: &str, pinned: bool) -> OpResult<Post> {
    let (post, group, role) = readable_post(w.conn(), actor, post_id).await?;
    if !role.is_some_and(GroupRole::moderates) {
        return Err(OpError::Forbidden(format!(
            "only admins and moderators of {} can pin posts",
            group.name
        )));
    }
    if post.deleted_at.is_some() {
        return Err(post_deleted());
    }
    if post.pinned_at.is_some() == pinned {
        return with_attachments(w.conn(), post).await;
    }
    let pinned_at = pinned.then(now_millis);
    db::posts::set_pinned(w.conn(), &post.id, pinned_at).await?;
    append_post_change(w, &post).await?;
    notify_members(w, &post.group_id).await?;
    with_attachments(w.conn(), Post { pinned_at, ..post }).await
}

/// The earlier versions of a post, oldest first (none once it is deleted).
pub async fn history(db: &Database, actor: &User, post_id: &str) -> OpResult<Vec<PostVersion>> {
    let mut conn = db.pool().acquire().await?;
    let (post, _, _) = readable_post(&mut conn, actor, post_id).await?;
    Ok(db::posts::versions(&mut conn, &post.id).await?)
}

/// A post with its comments and reactions. A deleted post answers as its
/// tombstone (empty body, `deleted_at` set, comments tombstoned, no
/// reactions), as sync delivers it.
pub async fn get(db: &Database, actor: &User, post_id: &str) -> OpResult<PostWithComments> {
    let mut conn = db.pool().acquire().await?;
    let (post, _, _) = readable_post(&mut conn, actor, post_id).await?;
    let mut found = super::feed::with_comments(&mut conn, vec![post]).await?;
    found.pop().ok_or_else(post_not_found)
}

/// The post with its group and the caller's role there, or "post not found"
/// when it does not exist or the caller may not read it.
pub(super) async fn readable_post(
    conn: &mut AnyConnection,
    actor: &User,
    post_id: &str,
) -> OpResult<(Post, Group, Option<GroupRole>)> {
    let post_id = validate::id("post id", post_id)?;
    let post = db::posts::find_post(conn, &post_id)
        .await?
        .ok_or_else(post_not_found)?;
    let (group, role) = match groups::visible(conn, actor, &post.group_id).await {
        Ok(found) => found,
        Err(OpError::NotFound(_)) => return Err(post_not_found()),
        Err(e) => return Err(e),
    };
    if !can_read_posts(&group, role) {
        return Err(post_not_found());
    }
    Ok((post, group, role))
}

async fn with_attachments(conn: &mut AnyConnection, mut post: Post) -> OpResult<Post> {
    db::attachments::attach(conn, std::slice::from_mut(&mut post)).await?;
    Ok(post)
}

/// Who may remove a post or comment: its author, the group's admins and
/// moderators, organisation admins.
pub(super) fn may_remove(actor: &User, author_id: &str, role: Option<GroupRole>) -> bool {
    actor.id == author_id || role.is_some_and(GroupRole::moderates) || actor.is_admin
}

pub(super) async fn append_post_change(w: &mut Write, post: &Post) -> OpResult<i64> {
    Ok(w.append(NewChange {
        kind: ChangeKind::Post,
        entity_id: &post.id,
        group_id: Some(&post.group_id),
        user_id: None,
    })
    .await?)
}

/// A notification event about a post, or about one of its comments.
pub(super) fn content_event<'a>(
    actor: &'a User,
    post: &'a Post,
    comment_id: Option<&'a str>,
) -> Event<'a> {
    Event {
        kind: NotificationKind::Mention,
        actor_id: Some(&actor.id),
        group_id: Some(&post.group_id),
        post_id: Some(&post.id),
        comment_id,
    }
}

/// Notifies the people `@mentioned` in `text` (as `event`, with kind
/// `Mention`), except those in `done`, and adds them to `done`. After an
/// edit (`edited`), people already notified about this post or comment are
/// skipped too. `notify` checks that each may read the group.
pub(super) async fn notify_mentions(
    w: &mut Write,
    text: &str,
    event: &Event<'_>,
    done: &mut HashSet<String>,
    edited: bool,
) -> OpResult<()> {
    let handles = mentioned_handles(text);
    if handles.is_empty() {
        return Ok(());
    }
    let post_id = event.post_id.unwrap_or_default();
    let mention = Event {
        kind: NotificationKind::Mention,
        ..event.clone()
    };
    for user_id in db::posts::active_user_ids_by_handle(w.conn(), &handles).await? {
        if !done.insert(user_id.clone()) {
            continue;
        }
        if edited
            && db::posts::already_notified(
                w.conn(),
                &user_id,
                &[
                    NotificationKind::Mention,
                    NotificationKind::GroupPost,
                    NotificationKind::CommentOnPost,
                    NotificationKind::ReplyToComment,
                ],
                post_id,
                event.comment_id,
                None,
            )
            .await?
        {
            continue;
        }
        notify(w, &user_id, &mention).await?;
    }
    Ok(())
}

/// The members whose notification level for the group is `All`, in one
/// query. Only a stored setting can say `All`: the default is `Highlights`.
async fn members_wanting_every_post(
    conn: &mut AnyConnection,
    group_id: &str,
) -> OpResult<Vec<String>> {
    Ok(db::social::members_with_level(conn, group_id, NotificationLevel::All).await?)
}
