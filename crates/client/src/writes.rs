//! Local writes: validate, apply to the cache as pending, and queue for the
//! server, all in the caller's transaction (see `outbox` for why that matters).
//!
//! Checks the server would make anyway (membership, privacy, admin rights) are
//! repeated here against the cache, so a mistake is reported at once instead
//! of turning into a failed write later. The server stays the authority.

use commons_protocol::{
    AddMemberRequest, Comment, CreateCommentRequest, CreateGroupRequest, CreatePostRequest, Group,
    GroupRole, Id, JoinGroupRequest, Membership, Post, Privacy, User, MAX_COMMENT_BYTES,
    MAX_GROUP_DESCRIPTION_CHARS, MAX_GROUP_NAME_CHARS, MAX_POST_BYTES,
};
use sqlx::SqliteConnection;

use crate::cache::{self, Origin};
use crate::notifications::excerpt;
use crate::outbox::{self, Mutation};
use crate::ClientError;

fn new_id() -> Id {
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
    failed: Option<String>,
    my_role: Option<String>,
}

/// What the cache knows about a group and my place in it. `None` id = the default group.
async fn group_facts(
    conn: &mut SqliteConnection,
    me: &User,
    group_id: Option<&str>,
) -> Result<GroupFacts, ClientError> {
    let found: Option<GroupFacts> = sqlx::query_as(
        "SELECT g.id, g.name, g.privacy, g.failed, m.role AS my_role
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
        id: new_id(),
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
        attachment_ids: Vec::new(),
    };
    outbox::enqueue(conn, &Mutation::Post { request }, &summary).await?;
    Ok(post.id)
}

#[derive(sqlx::FromRow)]
struct PostFacts {
    group_id: String,
    failed: Option<String>,
    author_name: String,
}

pub(crate) async fn comment(
    conn: &mut SqliteConnection,
    me: &User,
    post_id: &str,
    body: &str,
) -> Result<Id, ClientError> {
    let body = checked_text(body, "comment", MAX_COMMENT_BYTES)?;
    let post: PostFacts = sqlx::query_as(
        "SELECT p.group_id, p.failed, COALESCE(u.name, 'someone') AS author_name
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
    let comment = Comment {
        id: new_id(),
        post_id: post_id.to_owned(),
        group_id: post.group_id,
        author_id: me.id.clone(),
        body,
        created_at: cache::now_millis(),
        ..Default::default()
    };
    cache::upsert_comment(conn, &comment, Origin::Local).await?;
    let summary = format!(
        "comment on {}'s post: {}",
        post.author_name,
        excerpt(&comment.body, 60)
    );
    let request = CreateCommentRequest {
        mutation_id: new_id(),
        id: comment.id.clone(),
        body: comment.body,
        parent_id: None,
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
    if group.privacy != Privacy::Open.as_str() {
        return Err(invalid(format!(
            "{} is {}: only its admins can add members",
            group.name, group.privacy
        )));
    }
    let membership = Membership {
        group_id: group.id.clone(),
        user_id: me.id.clone(),
        role: GroupRole::Member,
        joined_at: cache::now_millis(),
    };
    cache::upsert_membership(conn, &membership, Origin::Local).await?;
    let mutation = Mutation::JoinGroup {
        group_id: group.id,
        user_id: me.id.clone(),
        request: JoinGroupRequest {
            mutation_id: new_id(),
        },
    };
    outbox::enqueue(conn, &mutation, &format!("join {}", group.name)).await
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
