//! Comments and replies. Members comment; replies go one level deep (a reply
//! to a reply attaches to that reply's top-level comment). The author edits;
//! the author, the group's admins and moderators and organisation admins
//! delete (a tombstone, so replies keep their place).

use std::collections::HashSet;

use commons_protocol::{
    AuditAction, Comment, CreateCommentRequest, EditTextRequest, Group, GroupRole,
    NotificationKind, Post, User,
};
use serde_json::json;
use sqlx::AnyConnection;

use super::audit::{self, Target};
use super::groups::notify_members;
use super::notifications::{notify, Event};
use super::posts::{content_event, may_remove, notify_mentions, post_deleted, readable_post};
use super::{validate, OpError, OpResult};
use crate::db::attachments::Owner;
use crate::db::changes::{ChangeKind, NewChange};
use crate::db::{self, now_millis, Write};

fn comment_not_found() -> OpError {
    OpError::NotFound("comment not found".into())
}

fn comment_deleted() -> OpError {
    OpError::Conflict("this comment was deleted".into())
}

pub async fn create_comment(
    w: &mut Write,
    actor: &User,
    post_id: &str,
    request: &CreateCommentRequest,
) -> OpResult<Comment> {
    let id = validate::id("id", &request.id)?;
    validate::comment_body(&request.body)?;
    let (post, group, role) = readable_post(w.conn(), actor, post_id).await?;
    if role.is_none() {
        return Err(OpError::Forbidden(format!(
            "only members of {} can comment: join it first",
            group.name
        )));
    }
    if post.deleted_at.is_some() {
        return Err(post_deleted());
    }
    let replied = match &request.parent_id {
        Some(parent_id) => Some(reply_parents(w.conn(), &post, parent_id).await?),
        None => None,
    };
    if db::posts::comment_exists(w.conn(), &id).await? {
        return Err(OpError::Conflict(format!("id {id} is already used")));
    }
    let comment = Comment {
        id,
        post_id: post.id.clone(),
        group_id: post.group_id.clone(),
        author_id: actor.id.clone(),
        body: request.body.clone(),
        created_at: now_millis(),
        parent_id: replied.as_ref().map(|(top, _)| top.id.clone()),
        ..Comment::default()
    };
    let seq = append_comment_change(w, &comment).await?;
    db::posts::insert_comment(w.conn(), &comment, seq).await?;
    let attachments = super::attachments::link(
        w.conn(),
        actor,
        Owner::Comment(&comment.id),
        &request.attachment_ids,
    )
    .await?;
    let comment = Comment {
        attachments,
        ..comment
    };
    notify_members(w, &comment.group_id).await?;

    // One notification per person, the most specific: a mention, else a
    // reply to their comment, else a comment on their post.
    let event = content_event(actor, &post, Some(&comment.id));
    let mut done = HashSet::from([actor.id.clone()]);
    notify_mentions(w, &comment.body, &event, &mut done, false).await?;
    if let Some((top, direct)) = &replied {
        let reply = Event {
            kind: NotificationKind::ReplyToComment,
            ..event.clone()
        };
        for author in [&direct.author_id, &top.author_id] {
            if done.insert(author.clone()) {
                notify(w, author, &reply).await?;
            }
        }
    }
    if done.insert(post.author_id.clone()) {
        let on_post = Event {
            kind: NotificationKind::CommentOnPost,
            ..event
        };
        notify(w, &post.author_id, &on_post).await?;
    }
    Ok(comment)
}

/// The top-level comment a reply attaches to and the comment it answers
/// (the same one unless it answers a reply). Both must be on `post` and not deleted.
async fn reply_parents(
    conn: &mut AnyConnection,
    post: &Post,
    parent_id: &str,
) -> OpResult<(Comment, Comment)> {
    let parent_id = validate::id("parent_id", parent_id)?;
    let on_post = |found: Option<Comment>| {
        found.filter(|c| c.post_id == post.id).ok_or_else(|| {
            OpError::Invalid(format!(
                "parent_id {parent_id} is not a comment on this post"
            ))
        })
    };
    let direct = on_post(db::posts::find_comment(conn, &parent_id).await?)?;
    let top = match &direct.parent_id {
        None => direct.clone(),
        Some(top_id) => on_post(db::posts::find_comment(conn, top_id).await?)?,
    };
    if direct.deleted_at.is_some() || top.deleted_at.is_some() {
        return Err(OpError::Conflict(
            "the comment you reply to was deleted".into(),
        ));
    }
    Ok((top, direct))
}

/// The author replaces the text of a comment. People newly mentioned are notified.
pub async fn edit_comment(
    w: &mut Write,
    actor: &User,
    comment_id: &str,
    request: &EditTextRequest,
) -> OpResult<Comment> {
    validate::comment_body(&request.body)?;
    let (comment, post, _, _) = readable_comment(w.conn(), actor, comment_id).await?;
    if comment.author_id != actor.id {
        return Err(OpError::Forbidden(
            "only the author can edit a comment".into(),
        ));
    }
    if comment.deleted_at.is_some() {
        return Err(comment_deleted());
    }
    if comment.body == request.body {
        return Ok(comment);
    }
    let edited_at = now_millis();
    db::posts::edit_comment(w.conn(), &comment.id, &request.body, edited_at).await?;
    append_comment_change(w, &comment).await?;
    notify_members(w, &comment.group_id).await?;
    let comment = Comment {
        body: request.body.clone(),
        edited_at: Some(edited_at),
        ..comment
    };
    let event = content_event(actor, &post, Some(&comment.id));
    let mut done = HashSet::from([actor.id.clone()]);
    notify_mentions(w, &comment.body, &event, &mut done, true).await?;
    Ok(comment)
}

/// Tombstones a comment and removes its reactions and attachment rows (the
/// caller forgets the files after the commit). Deleting a deleted comment
/// answers the tombstone.
pub async fn delete_comment(w: &mut Write, actor: &User, comment_id: &str) -> OpResult<Comment> {
    let (comment, _, group, role) = readable_comment(w.conn(), actor, comment_id).await?;
    if !may_remove(actor, &comment.author_id, role) {
        return Err(OpError::Forbidden(format!(
            "only the author, the admins and moderators of {} and organisation admins can delete this comment",
            group.name
        )));
    }
    if comment.deleted_at.is_some() {
        return Ok(comment);
    }
    if comment.author_id != actor.id {
        audit::record(
            w.conn(),
            Some(&actor.id),
            AuditAction::CommentRemoved,
            Target::Comment(&comment.id),
            json!({"author_id": comment.author_id, "post_id": comment.post_id,
                   "group_id": comment.group_id, "group": group.name}),
        )
        .await?;
    }
    tombstone(w, comment).await
}

/// Deletes a comment as its deletion does, whoever asks (a person through
/// [`delete_comment`], erasure): the text, reactions and attachment rows go,
/// and the tombstone syncs. The files go after the commit.
pub(super) async fn tombstone(w: &mut Write, comment: Comment) -> OpResult<Comment> {
    let deleted_at = now_millis();
    db::posts::tombstone_comment(w.conn(), &comment.id, deleted_at).await?;
    let reactions = db::reactions::delete_of_target(w.conn(), &comment.id).await?;
    db::attachments::delete_of(w.conn(), Owner::Comment(&comment.id)).await?;
    append_comment_change(w, &comment).await?;
    for reaction in &reactions {
        super::reactions::append_reaction_change(w, reaction).await?;
    }
    notify_members(w, &comment.group_id).await?;
    Ok(Comment {
        body: String::new(),
        deleted_at: Some(deleted_at),
        attachments: Vec::new(),
        ..comment
    })
}

/// The comment with its post, group and the caller's role there, or
/// "comment not found" when it does not exist or the caller may not read it.
pub(super) async fn readable_comment(
    conn: &mut AnyConnection,
    actor: &User,
    comment_id: &str,
) -> OpResult<(Comment, Post, Group, Option<GroupRole>)> {
    let comment_id = validate::id("comment id", comment_id)?;
    let comment = db::posts::find_comment(conn, &comment_id)
        .await?
        .ok_or_else(comment_not_found)?;
    match readable_post(conn, actor, &comment.post_id).await {
        Ok((post, group, role)) => Ok((comment, post, group, role)),
        Err(OpError::NotFound(_)) => Err(comment_not_found()),
        Err(e) => Err(e),
    }
}

async fn append_comment_change(w: &mut Write, comment: &Comment) -> OpResult<i64> {
    Ok(w.append(NewChange {
        kind: ChangeKind::Comment,
        entity_id: &comment.id,
        group_id: Some(&comment.group_id),
        user_id: None,
    })
    .await?)
}
