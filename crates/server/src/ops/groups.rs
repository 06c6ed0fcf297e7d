//! Groups: who may see them, create them, join them and add members.
//!
//! - open: everyone sees the group and its posts; anyone may join.
//! - closed: everyone sees the group; only members see posts; admins add members.
//! - secret: non-members get "not found" for everything, as if it did not exist.

use commons_protocol::{
    CreateGroupRequest, Group, GroupListItem, GroupRole, Membership, Privacy, User,
};
use sqlx::AnyConnection;

use super::{validate, OpError, OpResult};
use crate::db::changes::{ChangeKind, NewChange};
use crate::db::{self, now_millis, Database, Write};
use crate::hub::Audience;

const DEFAULT_GROUP_NAME: &str = "Everyone";
const DEFAULT_GROUP_DESCRIPTION: &str = "Everyone in the organisation.";

fn not_found() -> OpError {
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
pub(super) async fn create_default(w: &mut Write, creator: &User) -> OpResult<Group> {
    let group = Group {
        id: uuid::Uuid::now_v7().to_string(),
        name: DEFAULT_GROUP_NAME.into(),
        description: DEFAULT_GROUP_DESCRIPTION.into(),
        privacy: Privacy::Open,
        is_default: true,
        created_by: creator.id.clone(),
        created_at: now_millis(),
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

async fn append_group_change(w: &mut Write, group: &Group) -> OpResult<()> {
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

/// Joins an open group; joining one the caller is already in changes nothing.
pub async fn join(w: &mut Write, actor: &User, group_id: &str) -> OpResult<Membership> {
    let (group, _) = visible(w.conn(), actor, group_id).await?;
    if let Some(existing) = db::groups::membership(w.conn(), &group.id, &actor.id).await? {
        return Ok(existing);
    }
    match group.privacy {
        Privacy::Open => {}
        Privacy::Closed => {
            return Err(OpError::Forbidden(format!(
                "{} is a closed group: one of its admins can add you",
                group.name
            )))
        }
        Privacy::Secret => return Err(not_found()),
    }
    let membership = Membership {
        group_id: group.id,
        user_id: actor.id.clone(),
        role: GroupRole::Member,
        joined_at: now_millis(),
    };
    insert_membership(w, &membership).await?;
    Ok(membership)
}

/// Adds someone by e-mail; group admins and organisation admins may.
pub async fn add_member(
    w: &mut Write,
    actor: &User,
    group_id: &str,
    email: &str,
) -> OpResult<Membership> {
    let (group, my_role) = visible(w.conn(), actor, group_id).await?;
    if my_role != Some(GroupRole::Admin) && !actor.is_admin {
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
        group_id: group.id,
        user_id: user.id,
        role: GroupRole::Member,
        joined_at: now_millis(),
    };
    insert_membership(w, &membership).await?;
    Ok(membership)
}

/// Inserts a membership, logs it and pokes the group's members (the new one included).
pub(super) async fn insert_membership(w: &mut Write, membership: &Membership) -> OpResult<()> {
    db::groups::insert_membership(w.conn(), membership).await?;
    w.append(NewChange {
        kind: ChangeKind::Membership,
        entity_id: &membership.user_id,
        group_id: Some(&membership.group_id),
        user_id: Some(&membership.user_id),
    })
    .await?;
    notify_members(w, &membership.group_id).await
}

/// Pokes everyone who is a member of the group once the write commits.
pub(super) async fn notify_members(w: &mut Write, group_id: &str) -> OpResult<()> {
    let members = db::groups::member_ids(w.conn(), group_id).await?;
    w.notify(Audience::users(members));
    Ok(())
}
