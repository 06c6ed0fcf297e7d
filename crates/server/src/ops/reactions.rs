//! Reactions to posts and comments: one per person and item, members of the
//! group only; setting one replaces the caller's earlier one.

use commons_protocol::{NotificationKind, Reaction, ReactionKind, ReactionResponse, User};
use sqlx::AnyConnection;

use super::comments::readable_comment;
use super::groups::notify_members;
use super::notifications::{notify, Event};
use super::posts::{post_deleted, readable_post};
use super::{OpError, OpResult};
use crate::db::changes::{ChangeKind, NewChange};
use crate::db::{self, now_millis, Database, Write};

/// What a reaction is put on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Post,
    Comment,
}

/// The item reacted to, as far as reactions care.
struct Item {
    target_id: String,
    post_id: String,
    group_id: String,
    group_name: String,
    /// The post's author when the item is a post (reactions to it notify them).
    post_author: Option<String>,
    deleted: bool,
    member: bool,
}

async fn readable_item(
    conn: &mut AnyConnection,
    actor: &User,
    target: Target,
    id: &str,
) -> OpResult<Item> {
    Ok(match target {
        Target::Post => {
            let (post, group, role) = readable_post(conn, actor, id).await?;
            Item {
                target_id: post.id.clone(),
                post_author: Some(post.author_id),
                post_id: post.id,
                group_id: post.group_id,
                group_name: group.name,
                deleted: post.deleted_at.is_some(),
                member: role.is_some(),
            }
        }
        Target::Comment => {
            let (comment, post, group, role) = readable_comment(conn, actor, id).await?;
            Item {
                target_id: comment.id,
                post_id: post.id,
                group_id: post.group_id,
                group_name: group.name,
                post_author: None,
                deleted: comment.deleted_at.is_some() || post.deleted_at.is_some(),
                member: role.is_some(),
            }
        }
    })
}

/// Sets the caller's reaction to a post or comment. The post's author is
/// notified when a reaction to the post is added (not when it changes kind),
/// once per person who reacts.
pub async fn react(
    w: &mut Write,
    actor: &User,
    target: Target,
    id: &str,
    kind: ReactionKind,
) -> OpResult<ReactionResponse> {
    let item = readable_item(w.conn(), actor, target, id).await?;
    if !item.member {
        return Err(OpError::Forbidden(format!(
            "only members of {} can react: join it first",
            item.group_name
        )));
    }
    if item.deleted {
        return Err(match target {
            Target::Post => post_deleted(),
            Target::Comment => OpError::Conflict("this comment was deleted".into()),
        });
    }
    let existing = db::reactions::find(w.conn(), &item.target_id, &actor.id).await?;
    if let Some(existing) = existing.as_ref().filter(|r| r.kind == kind) {
        return Ok(ReactionResponse {
            reaction: Some(existing.clone()),
        });
    }
    let reaction = Reaction {
        target_id: item.target_id.clone(),
        post_id: item.post_id.clone(),
        group_id: item.group_id.clone(),
        user_id: actor.id.clone(),
        kind,
        created_at: now_millis(),
    };
    if existing.is_some() {
        db::reactions::update(w.conn(), &reaction).await?;
    } else {
        db::reactions::insert(w.conn(), &reaction).await?;
    }
    append_reaction_change(w, &reaction).await?;
    notify_members(w, &reaction.group_id).await?;
    if let (None, Some(author)) = (&existing, &item.post_author) {
        let told_before = db::posts::already_notified(
            w.conn(),
            author,
            &[NotificationKind::ReactionToPost],
            &item.post_id,
            None,
            Some(&actor.id),
        )
        .await?;
        if !told_before {
            let event = Event {
                kind: NotificationKind::ReactionToPost,
                actor_id: Some(&actor.id),
                group_id: Some(&item.group_id),
                post_id: Some(&item.post_id),
                comment_id: None,
            };
            notify(w, author, &event).await?;
        }
    }
    Ok(ReactionResponse {
        reaction: Some(reaction),
    })
}

/// Removes the caller's reaction (none: nothing changes). Anyone who may
/// still read the item may take back their own reaction.
pub async fn unreact(
    w: &mut Write,
    actor: &User,
    target: Target,
    id: &str,
) -> OpResult<ReactionResponse> {
    let item = readable_item(w.conn(), actor, target, id).await?;
    if let Some(existing) = db::reactions::find(w.conn(), &item.target_id, &actor.id).await? {
        db::reactions::delete(w.conn(), &existing.target_id, &existing.user_id).await?;
        append_reaction_change(w, &existing).await?;
        notify_members(w, &existing.group_id).await?;
    }
    Ok(ReactionResponse { reaction: None })
}

/// Who reacted with what to a post and its comments, oldest first.
pub async fn of_post(db: &Database, actor: &User, post_id: &str) -> OpResult<Vec<Reaction>> {
    let mut conn = db.pool().acquire().await?;
    let (post, _, _) = readable_post(&mut conn, actor, post_id).await?;
    Ok(db::reactions::of_posts(&mut conn, &[post.id]).await?)
}

/// The change-log row of a reaction set, changed or removed: sync sends
/// the reaction, or `ReactionRemoved` once it is gone.
pub(super) async fn append_reaction_change(w: &mut Write, reaction: &Reaction) -> OpResult<()> {
    w.append(NewChange {
        kind: ChangeKind::Reaction,
        entity_id: &reaction.target_id,
        group_id: Some(&reaction.group_id),
        user_id: Some(&reaction.user_id),
    })
    .await?;
    Ok(())
}
