//! Local writes: validate, apply to the cache as pending, and queue for the
//! server, all in the caller's transaction (see `outbox` for why that matters).
//!
//! Checks the server would make anyway (membership, privacy, admin rights) are
//! repeated here against the cache, so a mistake is reported at once instead
//! of turning into a failed write later. The server stays the authority.

use commons_protocol::{
    AddMemberRequest, Comment, CreateCommentRequest, CreateGroupRequest, CreatePostRequest,
    EditTextRequest, Group, GroupRole, GroupSettingsRequest, Id, JoinGroupRequest, JoinRequest,
    Membership, MutationRequest, NotificationLevel, Post, Privacy, ReactRequest, ReactionKind,
    User, MAX_COMMENT_BYTES, MAX_GROUP_DESCRIPTION_CHARS, MAX_GROUP_NAME_CHARS, MAX_POST_BYTES,
};
use sqlx::SqliteConnection;

use crate::cache::{self, Origin};
use crate::local_effects;
use crate::notifications::excerpt;
use crate::outbox::{self, Item, Mutation, PreviousText, ReactionTarget};
use crate::ClientError;

pub(crate) fn new_id() -> Id {
    uuid::Uuid::now_v7().to_string()
}

fn invalid(message: impl Into<String>) -> ClientError {
    ClientError::InvalidInput(message.into())
}

/// Trims and checks the text of a post or comment.
fn checked_text(text: &str, what: &str, max_bytes: usize) -> Result<String, ClientError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid(format!("a {what} needs some text")));
    }
    if text.len() > max_bytes {
        return Err(invalid(format!(
            "this {what} is too long ({} bytes; at most {max_bytes})",
            text.len()
        )));
    }
    Ok(text.to_owned())
}

#[derive(sqlx::FromRow)]
struct GroupFacts {
    id: String,
    name: String,
    privacy: String,
    is_default: bool,
    failed: Option<String>,
    my_role: Option<String>,
    my_joined_at: Option<i64>,
}

/// What the cache knows about a group and my place in it. `None` id = the default group.
async fn group_facts(
    conn: &mut SqliteConnection,
    me: &User,
    group_id: Option<&str>,
) -> Result<GroupFacts, ClientError> {
    let found: Option<GroupFacts> = sqlx::query_as(
        "SELECT g.id, g.name, g.privacy, g.is_default, g.failed, m.role AS my_role,
                m.joined_at AS my_joined_at
         FROM groups g
         LEFT JOIN memberships m ON m.group_id = g.id AND m.user_id = ?1
         WHERE (?2 IS NULL AND g.is_default = 1) OR g.id = ?2
         LIMIT 1",
    )
    .bind(me.id.clone())
    .bind(group_id.map(str::to_owned))
    .fetch_optional(conn)
    .await?;
    found.ok_or_else(|| match group_id {
        Some(id) => invalid(format!(
            "unknown group {id}: it is not in the local cache (sync first, or check the id)"
        )),
        None => invalid("the default group is not in the local cache yet: sync first"),
    })
}

fn not_created(group: &GroupFacts) -> Option<ClientError> {
    group.failed.as_ref().map(|reason| {
        invalid(format!(
            "group {} was not created on the server: {reason}",
            group.name
        ))
    })
}

pub(crate) async fn post(
    conn: &mut SqliteConnection,
    me: &User,
    group_id: Option<&str>,
    body: &str,
) -> Result<Id, ClientError> {
    post_with_attachments(conn, me, group_id, body, new_id(), Vec::new()).await
}

/// A post with the id `id` naming the attachments `attachment_ids` (the
/// local ids of queued uploads, replaced by the server's as they are sent).
pub(crate) async fn post_with_attachments(
    conn: &mut SqliteConnection,
    me: &User,
    group_id: Option<&str>,
    body: &str,
    id: Id,
    attachment_ids: Vec<Id>,
) -> Result<Id, ClientError> {
    let body = checked_text(body, "post", MAX_POST_BYTES)?;
    let group = group_facts(conn, me, group_id).await?;
    if let Some(error) = not_created(&group) {
        return Err(error);
    }
    if group.my_role.is_none() {
        return Err(invalid(format!(
            "you are not a member of {}: join it before posting",
            group.name
        )));
    }
    let post = Post {
        id,
        group_id: group.id.clone(),
        author_id: me.id.clone(),
        body,
        created_at: cache::now_millis(),
        ..Default::default()
    };
    cache::upsert_post(conn, &post, Origin::Local).await?;
    let summary = format!("post in {}: {}", group.name, excerpt(&post.body, 60));
    let request = CreatePostRequest {
        mutation_id: new_id(),
        id: post.id.clone(),
        group_id: post.group_id,
        body: post.body,
        attachment_ids,
    };
    outbox::enqueue(conn, &Mutation::Post { request }, &summary).await?;
    Ok(post.id)
}

#[derive(sqlx::FromRow)]
struct PostFacts {
    group_id: String,
    failed: Option<String>,
    deleted: bool,
    author_name: String,
}

pub(crate) async fn comment(
    conn: &mut SqliteConnection,
    me: &User,
    post_id: &str,
    body: &str,
) -> Result<Id, ClientError> {
    write_comment(conn, me, post_id, None, body).await
}

/// A reply to a comment. A reply to a reply answers its top-level comment
/// (one level of replies, as the server keeps them).
pub(crate) async fn reply(
    conn: &mut SqliteConnection,
    me: &User,
    comment_id: &str,
    body: &str,
) -> Result<Id, ClientError> {
    let found: Option<(String, Option<String>, Option<String>, bool)> = sqlx::query_as(
        "SELECT post_id, parent_id, failed, deleted_at IS NOT NULL FROM comments WHERE id = ?",
    )
    .bind(comment_id.to_owned())
    .fetch_optional(&mut *conn)
    .await?;
    let Some((post_id, parent_id, failed, deleted)) = found else {
        return Err(invalid(format!(
            "unknown comment {comment_id}: it is not in the local cache"
        )));
    };
    if let Some(reason) = failed {
        return Err(invalid(format!(
            "cannot reply: the server did not accept that comment ({reason})"
        )));
    }
    if deleted {
        return Err(invalid("cannot reply: that comment was deleted"));
    }
    let parent = parent_id.unwrap_or_else(|| comment_id.to_owned());
    write_comment(conn, me, &post_id, Some(parent), body).await
}

async fn write_comment(
    conn: &mut SqliteConnection,
    me: &User,
    post_id: &str,
    parent_id: Option<Id>,
    body: &str,
) -> Result<Id, ClientError> {
    let what = if parent_id.is_some() {
        "reply"
    } else {
        "comment"
    };
    let body = checked_text(body, what, MAX_COMMENT_BYTES)?;
    let post: PostFacts = sqlx::query_as(
        "SELECT p.group_id, p.failed, p.deleted_at IS NOT NULL AS deleted,
                COALESCE(u.name, 'someone') AS author_name
         FROM posts p LEFT JOIN users u ON u.id = p.author_id WHERE p.id = ?",
    )
    .bind(post_id.to_owned())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| {
        invalid(format!(
            "unknown post {post_id}: it is not in the local cache"
        ))
    })?;
    if let Some(reason) = post.failed {
        return Err(invalid(format!(
            "cannot comment: the server did not accept that post ({reason})"
        )));
    }
    if post.deleted {
        return Err(invalid("cannot comment: that post was deleted"));
    }
    let comment = Comment {
        id: new_id(),
        post_id: post_id.to_owned(),
        group_id: post.group_id,
        author_id: me.id.clone(),
        body,
        created_at: cache::now_millis(),
        parent_id: parent_id.clone(),
        ..Default::default()
    };
    cache::upsert_comment(conn, &comment, Origin::Local).await?;
    let summary = format!(
        "{what} on {}'s post: {}",
        post.author_name,
        excerpt(&comment.body, 60)
    );
    let request = CreateCommentRequest {
        mutation_id: new_id(),
        id: comment.id.clone(),
        body: comment.body,
        parent_id,
        attachment_ids: Vec::new(),
    };
    let mutation = Mutation::Comment {
        post_id: comment.post_id,
        request,
    };
    outbox::enqueue(conn, &mutation, &summary).await?;
    Ok(comment.id)
}

pub(crate) async fn create_group(
    conn: &mut SqliteConnection,
    me: &User,
    name: &str,
    description: &str,
    privacy: Privacy,
) -> Result<Id, ClientError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(invalid("a group needs a name"));
    }
    if name.chars().count() > MAX_GROUP_NAME_CHARS {
        return Err(invalid(format!(
            "a group name has at most {MAX_GROUP_NAME_CHARS} characters"
        )));
    }
    // Optional: empty is fine; the server trims and applies the same limit.
    let description = description.trim();
    if description.chars().count() > MAX_GROUP_DESCRIPTION_CHARS {
        return Err(invalid(format!(
            "a group description has at most {MAX_GROUP_DESCRIPTION_CHARS} characters"
        )));
    }
    let now = cache::now_millis();
    let group = Group {
        id: new_id(),
        name: name.to_owned(),
        description: description.to_owned(),
        privacy,
        is_default: false,
        created_by: me.id.clone(),
        created_at: now,
        cover_id: None,
    };
    cache::upsert_group(conn, &group, Origin::Local).await?;
    let membership = Membership {
        group_id: group.id.clone(),
        user_id: me.id.clone(),
        role: GroupRole::Admin,
        joined_at: now,
    };
    cache::upsert_membership(conn, &membership, Origin::Local).await?;
    let summary = format!("create {privacy} group \"{name}\"");
    let request = CreateGroupRequest {
        mutation_id: new_id(),
        id: group.id.clone(),
        name: group.name,
        description: group.description,
        privacy,
    };
    outbox::enqueue(conn, &Mutation::CreateGroup { request }, &summary).await?;
    Ok(group.id)
}

pub(crate) async fn join_group(
    conn: &mut SqliteConnection,
    me: &User,
    group_id: &str,
) -> Result<(), ClientError> {
    let group = group_facts(conn, me, Some(group_id)).await?;
    if let Some(error) = not_created(&group) {
        return Err(error);
    }
    if group.my_role.is_some() {
        return Err(invalid(format!(
            "you are already a member of {}",
            group.name
        )));
    }
    let closed = group.privacy == Privacy::Closed.as_str();
    if group.privacy == Privacy::Secret.as_str() {
        return Err(invalid(format!(
            "{} is secret: only its admins can add members",
            group.name
        )));
    }
    let now = cache::now_millis();
    if closed {
        let asked: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM join_requests WHERE group_id = ? AND user_id = ?)",
        )
        .bind(group.id.clone())
        .bind(me.id.clone())
        .fetch_one(&mut *conn)
        .await?;
        if asked {
            return Err(invalid(format!(
                "you already asked to join {}: its admins have not answered yet",
                group.name
            )));
        }
        let request = JoinRequest {
            group_id: group.id.clone(),
            user_id: me.id.clone(),
            created_at: now,
        };
        cache::upsert_join_request(conn, &request, Origin::Local).await?;
    } else {
        let membership = Membership {
            group_id: group.id.clone(),
            user_id: me.id.clone(),
            role: GroupRole::Member,
            joined_at: now,
        };
        cache::upsert_membership(conn, &membership, Origin::Local).await?;
    }
    let summary = if closed {
        format!("ask to join {}", group.name)
    } else {
        format!("join {}", group.name)
    };
    let mutation = Mutation::JoinGroup {
        group_id: group.id,
        user_id: me.id.clone(),
        closed,
        request: JoinGroupRequest {
            mutation_id: new_id(),
        },
    };
    outbox::enqueue(conn, &mutation, &summary).await
}

/// Leaves a group: its posts leave my feed at once; the server then makes
/// the cache forget what I may no longer read (a purge).
pub(crate) async fn leave_group(
    conn: &mut SqliteConnection,
    me: &User,
    group_id: &str,
) -> Result<(), ClientError> {
    let group = group_facts(conn, me, Some(group_id)).await?;
    if let Some(error) = not_created(&group) {
        return Err(error);
    }
    let (Some(role), Some(joined_at)) = (&group.my_role, group.my_joined_at) else {
        return Err(invalid(format!("you are not a member of {}", group.name)));
    };
    if group.is_default {
        return Err(invalid(format!(
            "everyone belongs to {}: it cannot be left",
            group.name
        )));
    }
    let role: GroupRole = role
        .parse()
        .map_err(|e| ClientError::CorruptCache(format!("membership in {}: {e}", group.id)))?;
    let mutation = Mutation::LeaveGroup {
        previous: Membership {
            group_id: group.id.clone(),
            user_id: me.id.clone(),
            role,
            joined_at,
        },
        request: MutationRequest {
            mutation_id: new_id(),
        },
    };
    queue(conn, &mutation, &format!("leave {}", group.name)).await
}

/// Applies a write of the kinds in `local_effects` and queues it.
async fn queue(
    conn: &mut SqliteConnection,
    mutation: &Mutation,
    summary: &str,
) -> Result<(), ClientError> {
    local_effects::apply(conn, mutation).await?;
    outbox::enqueue(conn, mutation, summary).await
}

/// A post or comment as the writes on it need it.
#[derive(sqlx::FromRow)]
struct ItemFacts {
    post_id: String,
    group_id: String,
    author_id: String,
    author_name: String,
    body: String,
    edited_at: Option<i64>,
    deleted: bool,
    failed: Option<String>,
    my_role: Option<String>,
}

/// Finds a post or comment by id (ids are unique across both).
async fn find_item(
    conn: &mut SqliteConnection,
    me: &User,
    id: &str,
) -> Result<(Item, ItemFacts), ClientError> {
    let post: Option<ItemFacts> = sqlx::query_as(
        "SELECT p.id AS post_id, p.group_id, p.author_id,
                COALESCE(u.name, 'someone') AS author_name, p.body, p.edited_at,
                p.deleted_at IS NOT NULL AS deleted, p.failed, m.role AS my_role
         FROM posts p
         LEFT JOIN users u ON u.id = p.author_id
         LEFT JOIN memberships m ON m.group_id = p.group_id AND m.user_id = ?2
         WHERE p.id = ?1",
    )
    .bind(id.to_owned())
    .bind(me.id.clone())
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(post) = post {
        return Ok((Item::Post, post));
    }
    let comment: Option<ItemFacts> = sqlx::query_as(
        "SELECT c.post_id, c.group_id, c.author_id,
                COALESCE(u.name, 'someone') AS author_name, c.body, c.edited_at,
                c.deleted_at IS NOT NULL AS deleted, c.failed, m.role AS my_role
         FROM comments c
         LEFT JOIN users u ON u.id = c.author_id
         LEFT JOIN memberships m ON m.group_id = c.group_id AND m.user_id = ?2
         WHERE c.id = ?1",
    )
    .bind(id.to_owned())
    .bind(me.id.clone())
    .fetch_optional(&mut *conn)
    .await?;
    comment.map(|c| (Item::Comment, c)).ok_or_else(|| {
        invalid(format!(
            "unknown post or comment {id}: it is not in the local cache (sync first, or check \
             the id)"
        ))
    })
}

/// The checks every write on an existing post or comment shares.
fn usable(item: Item, facts: &ItemFacts) -> Result<(), ClientError> {
    let noun = item.noun();
    if facts.deleted {
        return Err(invalid(format!("this {noun} was deleted")));
    }
    if let Some(reason) = &facts.failed {
        return Err(invalid(format!(
            "the server did not accept this {noun} ({reason}): retry or discard it first"
        )));
    }
    Ok(())
}

/// "Ada's post", or "your comment".
fn whose(me: &User, item: Item, facts: &ItemFacts) -> String {
    if facts.author_id == me.id {
        format!("your {}", item.noun())
    } else {
        format!("{}'s {}", facts.author_name, item.noun())
    }
}

/// Changes the text of my post or comment. An unchanged text queues nothing.
pub(crate) async fn edit(
    conn: &mut SqliteConnection,
    me: &User,
    id: &str,
    body: &str,
) -> Result<(), ClientError> {
    let (item, facts) = find_item(conn, me, id).await?;
    usable(item, &facts)?;
    if facts.author_id != me.id {
        return Err(invalid(format!(
            "only its author can edit a {}",
            item.noun()
        )));
    }
    let max = match item {
        Item::Post => MAX_POST_BYTES,
        Item::Comment => MAX_COMMENT_BYTES,
    };
    let body = checked_text(body, item.noun(), max)?;
    if body == facts.body {
        return Ok(());
    }
    let summary = format!("edit your {}: {}", item.noun(), excerpt(&body, 60));
    let mutation = Mutation::Edit {
        item,
        id: id.to_owned(),
        previous: PreviousText {
            body: facts.body,
            edited_at: facts.edited_at,
        },
        request: EditTextRequest {
            mutation_id: new_id(),
            body,
        },
    };
    queue(conn, &mutation, &summary).await
}

/// Deletes a post or comment: mine, or anyone's in a group I administer or
/// moderate (or as an organisation admin). It leaves the screens at once.
pub(crate) async fn delete(
    conn: &mut SqliteConnection,
    me: &User,
    id: &str,
) -> Result<(), ClientError> {
    let (item, facts) = find_item(conn, me, id).await?;
    if let Some(reason) = &facts.failed {
        return Err(invalid(format!(
            "the server did not accept this {} ({reason}): discard it instead",
            item.noun()
        )));
    }
    usable(item, &facts)?;
    let moderates = facts
        .my_role
        .as_deref()
        .and_then(|role| role.parse::<GroupRole>().ok())
        .is_some_and(GroupRole::moderates);
    if facts.author_id != me.id && !moderates && !me.is_admin {
        return Err(invalid(format!(
            "only its author, or an admin or moderator of its group, can delete a {}",
            item.noun()
        )));
    }
    // No text in the summary: it outlives the deletion in the outbox.
    let summary = format!("delete {}", whose(me, item, &facts));
    let mutation = Mutation::Delete {
        item,
        id: id.to_owned(),
        request: MutationRequest {
            mutation_id: new_id(),
        },
    };
    queue(conn, &mutation, &summary).await
}

/// Sets (`Some`) or removes (`None`) my reaction to a post or comment.
/// Returns false when it already was so (nothing is queued).
pub(crate) async fn react(
    conn: &mut SqliteConnection,
    me: &User,
    id: &str,
    kind: Option<ReactionKind>,
) -> Result<bool, ClientError> {
    let (item, facts) = find_item(conn, me, id).await?;
    usable(item, &facts)?;
    let current: Option<String> =
        sqlx::query_scalar("SELECT kind FROM reactions WHERE target_id = ? AND user_id = ?")
            .bind(id.to_owned())
            .bind(me.id.clone())
            .fetch_optional(&mut *conn)
            .await?;
    let previous = current
        .map(|k| k.parse::<ReactionKind>())
        .transpose()
        .map_err(|e| ClientError::CorruptCache(format!("reaction to {id}: {e}")))?;
    if previous == kind {
        return Ok(false);
    }
    let target = ReactionTarget {
        item,
        target_id: id.to_owned(),
        post_id: facts.post_id.clone(),
        group_id: facts.group_id.clone(),
        user_id: me.id.clone(),
        previous,
    };
    let whose = whose(me, item, &facts);
    let (mutation, summary) = match kind {
        Some(kind) => (
            Mutation::React {
                target,
                request: ReactRequest {
                    mutation_id: new_id(),
                    kind,
                },
            },
            format!("react {kind} to {whose}"),
        ),
        None => (
            Mutation::Unreact {
                target,
                request: MutationRequest {
                    mutation_id: new_id(),
                },
            },
            format!("remove your reaction to {whose}"),
        ),
    };
    queue(conn, &mutation, &summary).await?;
    Ok(true)
}

/// Marks one of my notifications read; false when it already was.
pub(crate) async fn mark_notification_read(
    conn: &mut SqliteConnection,
    me: &User,
    notification_id: &str,
) -> Result<bool, ClientError> {
    let read_at: Option<Option<i64>> =
        sqlx::query_scalar("SELECT read_at FROM notifications WHERE id = ? AND user_id = ?")
            .bind(notification_id.to_owned())
            .bind(me.id.clone())
            .fetch_optional(&mut *conn)
            .await?;
    match read_at {
        None => Err(invalid(format!(
            "unknown notification {notification_id}: it is not in the local cache"
        ))),
        Some(Some(_)) => Ok(false),
        Some(None) => {
            let mutation = Mutation::ReadNotification {
                notification_id: notification_id.to_owned(),
                request: MutationRequest {
                    mutation_id: new_id(),
                },
            };
            queue(conn, &mutation, "mark a notification read").await?;
            Ok(true)
        }
    }
}

/// Marks all my notifications read; returns how many were unread here.
pub(crate) async fn mark_all_notifications_read(
    conn: &mut SqliteConnection,
    me: &User,
) -> Result<usize, ClientError> {
    let marked: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM notifications WHERE user_id = ? AND read_at IS NULL ORDER BY created_at, id",
    )
    .bind(me.id.clone())
    .fetch_all(&mut *conn)
    .await?;
    if marked.is_empty() {
        return Ok(0);
    }
    let count = marked.len();
    let mutation = Mutation::ReadAllNotifications {
        user_id: me.id.clone(),
        marked,
        request: MutationRequest {
            mutation_id: new_id(),
        },
    };
    queue(
        conn,
        &mutation,
        &format!("mark {count} notification(s) read"),
    )
    .await?;
    Ok(count)
}

/// Sets how much of a group's activity notifies me; false when it already was so.
pub(crate) async fn set_notification_level(
    conn: &mut SqliteConnection,
    me: &User,
    group_id: &str,
    level: NotificationLevel,
) -> Result<bool, ClientError> {
    let group = group_facts(conn, me, Some(group_id)).await?;
    if let Some(error) = not_created(&group) {
        return Err(error);
    }
    if group.my_role.is_none() {
        return Err(invalid(format!(
            "you are not a member of {}: notification settings are for members",
            group.name
        )));
    }
    let current: Option<String> = sqlx::query_scalar(
        "SELECT notification_level FROM group_settings WHERE group_id = ? AND user_id = ?",
    )
    .bind(group.id.clone())
    .bind(me.id.clone())
    .fetch_optional(&mut *conn)
    .await?;
    let previous = current
        .map(|l| l.parse::<NotificationLevel>())
        .transpose()
        .map_err(|e| ClientError::CorruptCache(format!("settings of {}: {e}", group.id)))?;
    if previous == Some(level) {
        return Ok(false);
    }
    let summary = format!("notifications of {}: {level}", group.name);
    let mutation = Mutation::GroupSettings {
        group_id: group.id,
        user_id: me.id.clone(),
        previous,
        request: GroupSettingsRequest {
            mutation_id: new_id(),
            notification_level: level,
        },
    };
    queue(conn, &mutation, &summary).await?;
    Ok(true)
}

pub(crate) async fn add_member(
    conn: &mut SqliteConnection,
    me: &User,
    group_id: &str,
    email: &str,
) -> Result<(), ClientError> {
    let email = email.trim();
    if email.is_empty() || !email.contains('@') {
        return Err(invalid(format!("not an e-mail address: {email:?}")));
    }
    let group = group_facts(conn, me, Some(group_id)).await?;
    if let Some(error) = not_created(&group) {
        return Err(error);
    }
    if group.my_role.as_deref() != Some(GroupRole::Admin.as_str()) && !me.is_admin {
        return Err(invalid(format!(
            "only admins of {} (or organisation admins) can add members",
            group.name
        )));
    }
    let known: Option<(String, bool)> = sqlx::query_as(
        "SELECT u.id, EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = ?1 AND m.user_id = u.id)
         FROM users u WHERE u.email = ?2 COLLATE NOCASE",
    )
    .bind(group.id.clone())
    .bind(email.to_owned())
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((_, true)) = known {
        return Err(invalid(format!(
            "{email} is already a member of {}",
            group.name
        )));
    }
    let user_id = known.map(|(id, _)| id);
    if let Some(user_id) = &user_id {
        let membership = Membership {
            group_id: group.id.clone(),
            user_id: user_id.clone(),
            role: GroupRole::Member,
            joined_at: cache::now_millis(),
        };
        cache::upsert_membership(conn, &membership, Origin::Local).await?;
    }
    let summary = format!("add {email} to {}", group.name);
    let mutation = Mutation::AddMember {
        group_id: group.id,
        user_id,
        request: AddMemberRequest {
            mutation_id: new_id(),
            email: email.to_owned(),
        },
    };
    outbox::enqueue(conn, &mutation, &summary).await
}
