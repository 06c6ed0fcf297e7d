//! Groups: who may see them, create and change them, list their members, and
//! members' own settings. Joining, leaving and roles are in `membership.rs`.
//!
//! - open: everyone sees the group and its posts; anyone may join.
//! - closed: everyone sees the group and its members; only members see posts;
//!   people ask to join and admins or moderators approve, or admins add them.
//! - secret: non-members get "not found" for everything, as if it did not exist.
//!
//! Group admins and organisation admins change a group; the default group
//! ("Everyone") always stays open. A group made secret appends a `purge`
//! change so the caches of non-members forget it.

use std::collections::HashMap;

use commons_protocol::{
    AuditAction, CreateGroupRequest, Group, GroupListItem, GroupMember, GroupRole, GroupSettings,
    MemberPage, Membership, NotificationLevel, Privacy, UpdateGroupRequest, User,
};
use serde_json::json;
use sqlx::AnyConnection;

use super::audit::{self, Target};
use super::{validate, OpError, OpResult};
use crate::db::changes::{ChangeKind, NewChange};
use crate::db::{self, now_millis, Database, Write};
use crate::hub::Audience;

const DEFAULT_GROUP_NAME: &str = "Everyone";
const DEFAULT_GROUP_DESCRIPTION: &str = "Everyone in the organisation.";

pub(super) fn not_found() -> OpError {
    OpError::NotFound("group not found".into())
}

/// The group and the caller's role in it, or "not found" when it does not
/// exist or is secret and the caller is not a member.
pub async fn visible(
    conn: &mut AnyConnection,
    actor: &User,
    group_id: &str,
) -> OpResult<(Group, Option<GroupRole>)> {
    let group_id = validate::id("group id", group_id)?;
    match db::groups::find_with_role(conn, &group_id, &actor.id).await? {
        Some((group, None)) if group.privacy == Privacy::Secret => Err(not_found()),
        Some(found) => Ok(found),
        None => Err(not_found()),
    }
}

/// Group admins and organisation admins change the group, its members and their roles.
pub(super) fn administers(actor: &User, role: Option<GroupRole>) -> bool {
    actor.is_admin || role == Some(GroupRole::Admin)
}

/// Admins, moderators and organisation admins settle join requests.
pub(super) fn moderates(actor: &User, role: Option<GroupRole>) -> bool {
    actor.is_admin || role.is_some_and(GroupRole::moderates)
}

/// May the caller read the group's posts? Members always; others only in open groups.
pub fn can_read_posts(group: &Group, role: Option<GroupRole>) -> bool {
    role.is_some() || group.privacy == Privacy::Open
}

pub async fn list(db: &Database, actor: &User) -> OpResult<Vec<GroupListItem>> {
    let mut conn = db.pool().acquire().await?;
    Ok(db::groups::list_visible(&mut conn, &actor.id).await?)
}

pub async fn get(db: &Database, actor: &User, group_id: &str) -> OpResult<GroupListItem> {
    let mut conn = db.pool().acquire().await?;
    let (group, my_role) = visible(&mut conn, actor, group_id).await?;
    let member_count = db::groups::member_count(&mut conn, &group.id).await?;
    Ok(GroupListItem {
        group,
        my_role,
        member_count,
    })
}

/// Creates a group with the creator as its admin.
pub async fn create(w: &mut Write, actor: &User, request: &CreateGroupRequest) -> OpResult<Group> {
    let group = Group {
        id: validate::id("id", &request.id)?,
        name: validate::group_name(&request.name)?,
        description: validate::description(&request.description)?,
        privacy: request.privacy,
        is_default: false,
        created_by: actor.id.clone(),
        created_at: now_millis(),
        cover_id: None,
    };
    if db::groups::exists(w.conn(), &group.id).await? {
        return Err(OpError::Conflict(format!(
            "id {} is already used",
            group.id
        )));
    }
    insert_with_admin(w, &group, actor).await?;
    Ok(group)
}

/// The organisation-wide group, created with the first account.
pub(crate) async fn create_default(w: &mut Write, creator: &User) -> OpResult<Group> {
    let group = Group {
        id: uuid::Uuid::now_v7().to_string(),
        name: DEFAULT_GROUP_NAME.into(),
        description: DEFAULT_GROUP_DESCRIPTION.into(),
        privacy: Privacy::Open,
        is_default: true,
        created_by: creator.id.clone(),
        created_at: now_millis(),
        cover_id: None,
    };
    db::groups::insert(w.conn(), &group).await?;
    append_group_change(w, &group).await?;
    Ok(group)
}

async fn insert_with_admin(w: &mut Write, group: &Group, admin: &User) -> OpResult<()> {
    db::groups::insert(w.conn(), group).await?;
    append_group_change(w, group).await?;
    let membership = Membership {
        group_id: group.id.clone(),
        user_id: admin.id.clone(),
        role: GroupRole::Admin,
        joined_at: group.created_at,
    };
    insert_membership(w, &membership).await
}

pub(crate) async fn append_group_change(w: &mut Write, group: &Group) -> OpResult<()> {
    w.append(NewChange {
        kind: ChangeKind::Group,
        entity_id: &group.id,
        group_id: Some(&group.id),
        user_id: None,
    })
    .await?;
    if group.privacy != Privacy::Secret {
        w.notify(Audience::Everyone);
    }
    Ok(())
}

/// Inserts a membership, logs it and pokes the group's members (the new one
/// included). The membership remembers the seq of its change, so sync knows
/// whom to backfill (see `ops::sync`).
pub(crate) async fn insert_membership(w: &mut Write, membership: &Membership) -> OpResult<()> {
    db::groups::insert_membership(w.conn(), membership).await?;
    append_membership_change(w, &membership.group_id, &membership.user_id).await?;
    if let Some(seq) = w.last_seq() {
        db::groups::set_joined_seq(w.conn(), &membership.group_id, &membership.user_id, seq)
            .await?;
    }
    Ok(())
}

/// Logs a membership added, changed or removed (after the write, so sync
/// reads the new state) and pokes the group's members.
pub(super) async fn append_membership_change(
    w: &mut Write,
    group_id: &str,
    user_id: &str,
) -> OpResult<()> {
    w.append(NewChange {
        kind: ChangeKind::Membership,
        entity_id: user_id,
        group_id: Some(group_id),
        user_id: Some(user_id),
    })
    .await?;
    notify_members(w, group_id).await
}

/// Pokes everyone who is a member of the group once the write commits.
pub(super) async fn notify_members(w: &mut Write, group_id: &str) -> OpResult<()> {
    let members = db::groups::member_ids(w.conn(), group_id).await?;
    w.notify(Audience::users(members));
    Ok(())
}

/// Changes a group's name, description or privacy (absent fields stay).
/// Changing nothing appends nothing.
pub async fn update(
    w: &mut Write,
    actor: &User,
    group_id: &str,
    request: &UpdateGroupRequest,
) -> OpResult<Group> {
    let (group, role) = visible(w.conn(), actor, group_id).await?;
    if !administers(actor, role) {
        return Err(OpError::Forbidden(format!(
            "only admins of {} can change it",
            group.name
        )));
    }
    let mut updated = group.clone();
    if let Some(name) = &request.name {
        updated.name = validate::group_name(name)?;
    }
    if let Some(description) = &request.description {
        updated.description = validate::description(description)?;
    }
    if let Some(privacy) = request.privacy {
        updated.privacy = privacy;
    }
    if group.is_default && updated.privacy != Privacy::Open {
        return Err(OpError::Forbidden(format!(
            "{} is the organisation-wide group: it stays open",
            group.name
        )));
    }
    if updated == group {
        return Ok(group);
    }
    db::groups::update(w.conn(), &updated).await?;
    if updated.privacy != group.privacy {
        audit::record(
            w.conn(),
            Some(&actor.id),
            AuditAction::GroupPrivacyChanged,
            Target::Group(&group.id),
            json!({"name": updated.name, "from": group.privacy, "to": updated.privacy}),
        )
        .await?;
    }
    append_group_change(w, &updated).await?;
    notify_members(w, &updated.id).await?;
    if updated.privacy == Privacy::Secret && group.privacy != Privacy::Secret {
        became_secret(w, &updated).await?;
    }
    Ok(updated)
}

/// Non-members must forget the group: a `purge` row (no user: it reaches
/// every non-member who may hold something of it, see
/// `db::changes::visible_page`) and a poke for everyone. Pending join requests go too:
/// the people who asked can no longer see the group; admins add members now.
async fn became_secret(w: &mut Write, group: &Group) -> OpResult<()> {
    w.append(NewChange {
        kind: ChangeKind::Purge,
        entity_id: &group.id,
        group_id: Some(&group.id),
        user_id: None,
    })
    .await?;
    w.notify(Audience::Everyone);
    super::requests::drop_all(w, &group.id).await
}

const DEFAULT_MEMBER_PAGE: i64 = 50;
const MAX_MEMBER_PAGE: i64 = 200;

/// A group's members by name, to whoever may see the group (open and closed
/// groups: everyone; secret ones: members). `after` is the `next` of the
/// previous page (a member's user id).
pub async fn members(
    db: &Database,
    actor: &User,
    group_id: &str,
    after: Option<&str>,
    limit: Option<i64>,
) -> OpResult<MemberPage> {
    let limit = limit
        .unwrap_or(DEFAULT_MEMBER_PAGE)
        .clamp(1, MAX_MEMBER_PAGE);
    let after = after
        .map(|text| {
            validate::id("after", text)
                .map_err(|_| OpError::Invalid(format!("invalid page cursor {text:?}")))
        })
        .transpose()?;
    let mut conn = db.pool().acquire().await?;
    let (group, _) = visible(&mut conn, actor, group_id).await?;
    let Some(mut page) =
        db::groups::member_page(&mut conn, &group.id, after.as_deref(), limit + 1).await?
    else {
        return Err(OpError::Invalid(format!(
            "invalid page cursor {:?}",
            after.unwrap_or_default()
        )));
    };
    let next = if page.len() as i64 > limit {
        page.truncate(limit as usize);
        page.last().map(|m| m.user_id.clone())
    } else {
        None
    };
    let ids: Vec<String> = page.iter().map(|m| m.user_id.clone()).collect();
    let mut users: HashMap<String, User> = db::users::load(&mut conn, &ids)
        .await?
        .into_iter()
        .map(|u| (u.id.clone(), u))
        .collect();
    let members = page
        .into_iter()
        .map(|m| {
            let user = users
                .remove(&m.user_id)
                .ok_or_else(|| OpError::Internal(format!("member {} has no account", m.user_id)))?;
            Ok(GroupMember {
                user,
                role: m.role,
                joined_at: m.joined_at,
            })
        })
        .collect::<OpResult<Vec<_>>>()?;
    Ok(MemberPage { members, next })
}

/// Sets the caller's own notification level for a group they are in. Only
/// they see it (a `group_settings` change with their user id).
pub async fn set_settings(
    w: &mut Write,
    actor: &User,
    group_id: &str,
    level: NotificationLevel,
) -> OpResult<GroupSettings> {
    let (group, role) = visible(w.conn(), actor, group_id).await?;
    if role.is_none() {
        return Err(OpError::Forbidden(format!(
            "only members of {} have settings for it: join it first",
            group.name
        )));
    }
    let settings = GroupSettings {
        group_id: group.id.clone(),
        user_id: actor.id.clone(),
        notification_level: level,
    };
    let key = [(group.id.clone(), actor.id.clone())];
    if db::social::load_group_settings(w.conn(), &key)
        .await?
        .first()
        == Some(&settings)
    {
        return Ok(settings);
    }
    db::groups::upsert_settings(w.conn(), &settings).await?;
    w.append(NewChange {
        kind: ChangeKind::GroupSettings,
        entity_id: &group.id,
        group_id: Some(&group.id),
        user_id: Some(&actor.id),
    })
    .await?;
    w.notify(Audience::users([actor.id.clone()]));
    Ok(settings)
}
