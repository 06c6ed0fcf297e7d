//! Who is in a group: joining, being added, leaving, being removed, roles.
//! Join requests to closed groups are in `requests.rs`.
//!
//! Rules:
//! - Every group keeps at least one admin: the last admin can neither leave,
//!   be removed nor be demoted (409 `conflict`: promote someone first).
//! - Nobody leaves or is removed from the default group (403 `forbidden`).
//! - Adding, removing and changing roles: group admins and organisation
//!   admins (who must still be able to see the group: a secret group is
//!   managed by its own admins).
//! - A removal deletes the membership, then appends a `membership` change
//!   (sync turns it into `membership_removed` for the other members and into
//!   `purge` for the person who left). The person's join request and group
//!   settings go with it: settings are personal to a membership, and a
//!   returning member starts from the defaults, as a new one would.

use commons_protocol::{
    AuditAction, GroupRole, JoinResponse, Membership, NotificationKind, Privacy, User,
};
use serde_json::json;

use super::audit::{self, Target};
use super::groups::{administers, append_membership_change, insert_membership, not_found, visible};
use super::notifications::{notify, Event};
use super::requests;
use super::{validate, OpError, OpResult};
use crate::db::{self, now_millis, Write};
use crate::hub::Audience;

/// What the removal writes answer: the person is neither a member nor asking to be one.
pub fn gone() -> JoinResponse {
    JoinResponse {
        membership: None,
        request: None,
    }
}

/// Joins an open group, or asks to join a closed one. Joining a group the
/// caller is in, or asking again, changes nothing and answers the same.
pub async fn join(w: &mut Write, actor: &User, group_id: &str) -> OpResult<JoinResponse> {
    let (group, _) = visible(w.conn(), actor, group_id).await?;
    if let Some(existing) = db::groups::membership(w.conn(), &group.id, &actor.id).await? {
        return Ok(JoinResponse {
            membership: Some(existing),
            request: None,
        });
    }
    match group.privacy {
        Privacy::Open => {
            let membership = Membership {
                group_id: group.id,
                user_id: actor.id.clone(),
                role: GroupRole::Member,
                joined_at: now_millis(),
            };
            admit(w, &membership).await?;
            Ok(JoinResponse {
                membership: Some(membership),
                request: None,
            })
        }
        Privacy::Closed => Ok(JoinResponse {
            membership: None,
            request: Some(requests::ask(w, actor, &group).await?),
        }),
        // `visible` already answered "not found" to non-members.
        Privacy::Secret => Err(not_found()),
    }
}

/// Adds someone by e-mail, whatever the group's privacy; group admins and
/// organisation admins may. The added person is notified.
pub async fn add_member(
    w: &mut Write,
    actor: &User,
    group_id: &str,
    email: &str,
) -> OpResult<Membership> {
    let (group, my_role) = visible(w.conn(), actor, group_id).await?;
    if !administers(actor, my_role) {
        return Err(OpError::Forbidden(format!(
            "only admins of {} can add members",
            group.name
        )));
    }
    let email = validate::email(email)?;
    let Some(user) = db::users::find_by_email(w.conn(), &email).await? else {
        return Err(OpError::NotFound(format!("no user with e-mail {email}")));
    };
    if let Some(existing) = db::groups::membership(w.conn(), &group.id, &user.id).await? {
        return Ok(existing);
    }
    let membership = Membership {
        group_id: group.id.clone(),
        user_id: user.id,
        role: GroupRole::Member,
        joined_at: now_millis(),
    };
    admit(w, &membership).await?;
    let event = Event {
        kind: NotificationKind::AddedToGroup,
        actor_id: Some(&actor.id),
        group_id: Some(&group.id),
        post_id: None,
        comment_id: None,
    };
    notify(w, &membership.user_id, &event).await?;
    Ok(membership)
}

/// Inserts a new membership, settling the person's pending request first.
pub(super) async fn admit(w: &mut Write, membership: &Membership) -> OpResult<()> {
    requests::settle(w, &membership.group_id, &membership.user_id).await?;
    insert_membership(w, membership).await
}

/// The caller leaves a group.
pub async fn leave(w: &mut Write, actor: &User, group_id: &str) -> OpResult<JoinResponse> {
    let (group, role) = visible(w.conn(), actor, group_id).await?;
    let Some(role) = role else {
        return Err(OpError::NotFound(format!(
            "you are not a member of {}",
            group.name
        )));
    };
    if group.is_default {
        return Err(OpError::Forbidden(format!(
            "{} is the organisation-wide group: everyone stays in it",
            group.name
        )));
    }
    if role == GroupRole::Admin && db::groups::admin_count(w.conn(), &group.id).await? <= 1 {
        return Err(OpError::Conflict(format!(
            "you are the last admin of {}: make another member an admin before leaving",
            group.name
        )));
    }
    remove_membership(w, &group.id, &actor.id).await?;
    Ok(gone())
}

/// A group admin (or organisation admin) removes a member.
pub async fn remove(
    w: &mut Write,
    actor: &User,
    group_id: &str,
    user_id: &str,
) -> OpResult<JoinResponse> {
    let (group, my_role) = visible(w.conn(), actor, group_id).await?;
    let user_id = validate::id("user id", user_id)?;
    if !administers(actor, my_role) {
        return Err(OpError::Forbidden(format!(
            "only admins of {} can remove members",
            group.name
        )));
    }
    if group.is_default {
        return Err(OpError::Forbidden(format!(
            "{} is the organisation-wide group: everyone stays in it",
            group.name
        )));
    }
    let Some(membership) = db::groups::membership(w.conn(), &group.id, &user_id).await? else {
        return Err(OpError::NotFound(format!(
            "that person is not a member of {}",
            group.name
        )));
    };
    if membership.role == GroupRole::Admin
        && db::groups::admin_count(w.conn(), &group.id).await? <= 1
    {
        return Err(OpError::Conflict(format!(
            "that person is the last admin of {}: make another member an admin first",
            group.name
        )));
    }
    remove_membership(w, &group.id, &user_id).await?;
    audit::record(
        w.conn(),
        Some(&actor.id),
        AuditAction::MemberRemoved,
        Target::User(&user_id),
        json!({"group_id": group.id, "group": group.name}),
    )
    .await?;
    Ok(gone())
}

/// A group admin (or organisation admin) sets a member's role.
pub async fn set_role(
    w: &mut Write,
    actor: &User,
    group_id: &str,
    user_id: &str,
    role: GroupRole,
) -> OpResult<Membership> {
    let (group, my_role) = visible(w.conn(), actor, group_id).await?;
    let user_id = validate::id("user id", user_id)?;
    if !administers(actor, my_role) {
        return Err(OpError::Forbidden(format!(
            "only admins of {} can change roles",
            group.name
        )));
    }
    let Some(membership) = db::groups::membership(w.conn(), &group.id, &user_id).await? else {
        return Err(OpError::NotFound(format!(
            "that person is not a member of {}",
            group.name
        )));
    };
    if membership.role == role {
        return Ok(membership);
    }
    if membership.role == GroupRole::Admin
        && db::groups::admin_count(w.conn(), &group.id).await? <= 1
    {
        return Err(OpError::Conflict(format!(
            "{} needs an admin: make another member an admin first",
            group.name
        )));
    }
    db::groups::set_role(w.conn(), &group.id, &user_id, role).await?;
    audit::record(
        w.conn(),
        Some(&actor.id),
        AuditAction::GroupRoleChanged,
        Target::User(&user_id),
        json!({"group_id": group.id, "group": group.name, "from": membership.role, "to": role}),
    )
    .await?;
    append_membership_change(w, &group.id, &user_id).await?;
    if role.moderates() && !membership.role.moderates() {
        // Pending requests predate the promotion: announce them again so
        // they reach the new moderator's sync.
        requests::announce_pending(w, &group.id, &user_id).await?;
    }
    if membership.role.moderates() && !role.moderates() {
        requests::withdraw_from(w, &group.id, &user_id).await?;
    }
    Ok(Membership { role, ..membership })
}

/// Deletes a membership (with the person's request and settings for the
/// group), then logs it and pokes the person and the remaining members.
async fn remove_membership(w: &mut Write, group_id: &str, user_id: &str) -> OpResult<()> {
    db::groups::delete_membership(w.conn(), group_id, user_id).await?;
    db::groups::delete_join_request(w.conn(), group_id, user_id).await?;
    db::groups::delete_settings(w.conn(), group_id, user_id).await?;
    append_membership_change(w, group_id, user_id).await?;
    w.notify(Audience::users([user_id.to_string()]));
    Ok(())
}
