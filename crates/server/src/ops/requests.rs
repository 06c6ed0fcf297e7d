//! Join requests to closed groups.
//!
//! Asking to join a closed group stores a pending request and notifies the
//! group's admins and moderators. They (and organisation admins) approve it,
//! which makes the person a member and notifies them, or decline it; the
//! person may withdraw their own request with `decline`. Each step appends a
//! `join_request` change, which only the requester and the group's admins
//! and moderators see (`db::changes::visible_page`).

use commons_protocol::{
    Group, GroupRole, JoinRequest, JoinResponse, Membership, NotificationKind, User,
};

use super::groups::{moderates, visible};
use super::membership::{admit, gone};
use super::notifications::{notify, Event};
use super::{validate, OpError, OpResult};
use crate::db::changes::{ChangeKind, NewChange};
use crate::db::{self, now_millis, Database, Write};
use crate::hub::Audience;

/// Stores the caller's request to join a closed group (or returns the one
/// already pending) and notifies the group's admins and moderators.
pub(super) async fn ask(w: &mut Write, actor: &User, group: &Group) -> OpResult<JoinRequest> {
    if let Some(existing) = db::groups::join_request(w.conn(), &group.id, &actor.id).await? {
        return Ok(existing);
    }
    let request = JoinRequest {
        group_id: group.id.clone(),
        user_id: actor.id.clone(),
        created_at: now_millis(),
    };
    db::groups::insert_join_request(w.conn(), &request).await?;
    append_change(w, &group.id, &actor.id).await?;
    let event = Event {
        kind: NotificationKind::JoinRequest,
        actor_id: Some(&actor.id),
        group_id: Some(&group.id),
        post_id: None,
        comment_id: None,
    };
    for moderator in db::groups::moderator_ids(w.conn(), &group.id).await? {
        notify(w, &moderator, &event).await?;
    }
    Ok(request)
}

/// The group's pending requests, oldest first, for its admins and moderators.
pub async fn list(db: &Database, actor: &User, group_id: &str) -> OpResult<Vec<JoinRequest>> {
    let mut conn = db.pool().acquire().await?;
    let (group, role) = visible(&mut conn, actor, group_id).await?;
    if !moderates(actor, role) {
        return Err(OpError::Forbidden(format!(
            "only admins and moderators of {} see its join requests",
            group.name
        )));
    }
    Ok(db::groups::join_requests(&mut conn, &group.id).await?)
}

/// Approves a pending request: the person becomes a member and is notified.
/// Approving someone who is already a member changes nothing.
pub async fn approve(
    w: &mut Write,
    actor: &User,
    group_id: &str,
    user_id: &str,
) -> OpResult<JoinResponse> {
    let (group, role) = visible(w.conn(), actor, group_id).await?;
    let user_id = validate::id("user id", user_id)?;
    if !moderates(actor, role) {
        return Err(OpError::Forbidden(format!(
            "only admins and moderators of {} can approve join requests",
            group.name
        )));
    }
    if let Some(existing) = db::groups::membership(w.conn(), &group.id, &user_id).await? {
        return Ok(JoinResponse {
            membership: Some(existing),
            request: None,
        });
    }
    if db::groups::join_request(w.conn(), &group.id, &user_id)
        .await?
        .is_none()
    {
        return Err(no_request(&group));
    }
    let membership = Membership {
        group_id: group.id.clone(),
        user_id,
        role: GroupRole::Member,
        joined_at: now_millis(),
    };
    admit(w, &membership).await?;
    let event = Event {
        kind: NotificationKind::RequestApproved,
        actor_id: Some(&actor.id),
        group_id: Some(&group.id),
        post_id: None,
        comment_id: None,
    };
    notify(w, &membership.user_id, &event).await?;
    Ok(JoinResponse {
        membership: Some(membership),
        request: None,
    })
}

/// Declines a pending request (admins, moderators, organisation admins), or
/// withdraws the caller's own.
pub async fn decline(
    w: &mut Write,
    actor: &User,
    group_id: &str,
    user_id: &str,
) -> OpResult<JoinResponse> {
    let (group, role) = visible(w.conn(), actor, group_id).await?;
    let user_id = validate::id("user id", user_id)?;
    if user_id != actor.id && !moderates(actor, role) {
        return Err(OpError::Forbidden(format!(
            "only admins and moderators of {} can decline join requests (you may withdraw your own)",
            group.name
        )));
    }
    if !settle(w, &group.id, &user_id).await? {
        return Err(no_request(&group));
    }
    Ok(gone())
}

fn no_request(group: &Group) -> OpError {
    OpError::NotFound(format!(
        "there is no pending request from that person to join {}",
        group.name
    ))
}

/// Deletes the person's pending request, if any, and logs it; true if there was one.
pub(super) async fn settle(w: &mut Write, group_id: &str, user_id: &str) -> OpResult<bool> {
    if !db::groups::delete_join_request(w.conn(), group_id, user_id).await? {
        return Ok(false);
    }
    append_change(w, group_id, user_id).await?;
    Ok(true)
}

/// Drops every pending request of the group (it became secret).
pub(super) async fn drop_all(w: &mut Write, group_id: &str) -> OpResult<()> {
    for request in db::groups::join_requests(w.conn(), group_id).await? {
        settle(w, group_id, &request.user_id).await?;
    }
    Ok(())
}

/// Logs every pending request again for a newly promoted admin or moderator,
/// whose sync would otherwise not carry requests made before the promotion.
pub(super) async fn announce_pending(
    w: &mut Write,
    group_id: &str,
    moderator_id: &str,
) -> OpResult<()> {
    let pending = db::groups::join_requests(w.conn(), group_id).await?;
    for request in &pending {
        append_change(w, group_id, &request.user_id).await?;
    }
    if !pending.is_empty() {
        w.notify(Audience::users([moderator_id.to_string()]));
    }
    Ok(())
}

/// A moderator demoted to member may no longer see the pending requests:
/// one change row per request addressed to them (`entity_id` is their id,
/// not the requester's), which their sync turns into a removal.
pub(super) async fn withdraw_from(
    w: &mut Write,
    group_id: &str,
    former_moderator_id: &str,
) -> OpResult<()> {
    let pending = db::groups::join_requests(w.conn(), group_id).await?;
    let others = pending.iter().filter(|r| r.user_id != former_moderator_id);
    let mut any = false;
    for request in others {
        w.append(NewChange {
            kind: ChangeKind::JoinRequest,
            entity_id: former_moderator_id,
            group_id: Some(group_id),
            user_id: Some(&request.user_id),
        })
        .await?;
        any = true;
    }
    if any {
        w.notify(Audience::users([former_moderator_id.to_string()]));
    }
    Ok(())
}

/// Logs a request made or settled and pokes who sees it: the requester and
/// the group's admins and moderators.
async fn append_change(w: &mut Write, group_id: &str, user_id: &str) -> OpResult<()> {
    w.append(NewChange {
        kind: ChangeKind::JoinRequest,
        entity_id: user_id,
        group_id: Some(group_id),
        user_id: Some(user_id),
    })
    .await?;
    let mut audience = db::groups::moderator_ids(w.conn(), group_id).await?;
    audience.push(user_id.to_string());
    w.notify(Audience::users(audience));
    Ok(())
}
