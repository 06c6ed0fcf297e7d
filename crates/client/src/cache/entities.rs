//! Writing entities into the cache: server state (upserts that also clear the
//! local `pending`/`failed` marks of the same id) and local, unconfirmed rows.

use commons_protocol::{Change, Comment, Group, Membership, Post, User};
use sqlx::SqliteConnection;

use crate::ClientError;

/// Where a row comes from. Server rows clear the local marks of the same id;
/// local rows are pending until the server confirms them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    Server,
    Local,
}

impl Origin {
    fn pending(self) -> bool {
        self == Origin::Local
    }
}

/// Applies one change of the server's log. Upserts, so receiving it twice is harmless.
pub(crate) async fn apply_change(
    conn: &mut SqliteConnection,
    change: &Change,
) -> Result<(), ClientError> {
    match change {
        Change::User { user } => upsert_user(conn, user).await,
        Change::Group { group } => upsert_group(conn, group, Origin::Server).await,
        Change::Membership { membership } => {
            upsert_membership(conn, membership, Origin::Server).await
        }
        Change::Post { post } => upsert_post(conn, post, Origin::Server).await,
        Change::Comment { comment } => upsert_comment(conn, comment, Origin::Server).await,
        // Not cached yet (reactions, notifications, removals...): skipped.
        _ => Ok(()),
    }
}

pub(crate) async fn upsert_user(
    conn: &mut SqliteConnection,
    user: &User,
) -> Result<(), ClientError> {
    sqlx::query(
        "INSERT INTO users (id, email, name, handle, is_admin, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET email = excluded.email, name = excluded.name,
             handle = excluded.handle, is_admin = excluded.is_admin, created_at = excluded.created_at",
    )
    .bind(user.id.clone())
    .bind(user.email.clone())
    .bind(user.name.clone())
    .bind(user.handle.clone())
    .bind(user.is_admin)
    .bind(user.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn upsert_group(
    conn: &mut SqliteConnection,
    group: &Group,
    origin: Origin,
) -> Result<(), ClientError> {
    sqlx::query(
        "INSERT INTO groups (id, name, description, privacy, is_default, created_by, created_at, pending, failed)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description,
             privacy = excluded.privacy, is_default = excluded.is_default,
             created_by = excluded.created_by, created_at = excluded.created_at,
             pending = excluded.pending, failed = NULL",
    )
    .bind(group.id.clone())
    .bind(group.name.clone())
    .bind(group.description.clone())
    .bind(group.privacy.as_str())
    .bind(group.is_default)
    .bind(group.created_by.clone())
    .bind(group.created_at)
    .bind(origin.pending())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn upsert_membership(
    conn: &mut SqliteConnection,
    membership: &Membership,
    origin: Origin,
) -> Result<(), ClientError> {
    sqlx::query(
        "INSERT INTO memberships (group_id, user_id, role, joined_at, pending) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (group_id, user_id) DO UPDATE SET role = excluded.role,
             joined_at = excluded.joined_at, pending = excluded.pending",
    )
    .bind(membership.group_id.clone())
    .bind(membership.user_id.clone())
    .bind(membership.role.as_str())
    .bind(membership.joined_at)
    .bind(origin.pending())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn upsert_post(
    conn: &mut SqliteConnection,
    post: &Post,
    origin: Origin,
) -> Result<(), ClientError> {
    sqlx::query(
        "INSERT INTO posts (id, group_id, author_id, body, created_at, pending, failed)
         VALUES (?, ?, ?, ?, ?, ?, NULL)
         ON CONFLICT (id) DO UPDATE SET group_id = excluded.group_id, author_id = excluded.author_id,
             body = excluded.body, created_at = excluded.created_at,
             pending = excluded.pending, failed = NULL",
    )
    .bind(post.id.clone())
    .bind(post.group_id.clone())
    .bind(post.author_id.clone())
    .bind(post.body.clone())
    .bind(post.created_at)
    .bind(origin.pending())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn upsert_comment(
    conn: &mut SqliteConnection,
    comment: &Comment,
    origin: Origin,
) -> Result<(), ClientError> {
    sqlx::query(
        "INSERT INTO comments (id, post_id, group_id, author_id, body, created_at, pending, failed)
         VALUES (?, ?, ?, ?, ?, ?, ?, NULL)
         ON CONFLICT (id) DO UPDATE SET post_id = excluded.post_id, group_id = excluded.group_id,
             author_id = excluded.author_id, body = excluded.body,
             created_at = excluded.created_at, pending = excluded.pending, failed = NULL",
    )
    .bind(comment.id.clone())
    .bind(comment.post_id.clone())
    .bind(comment.group_id.clone())
    .bind(comment.author_id.clone())
    .bind(comment.body.clone())
    .bind(comment.created_at)
    .bind(origin.pending())
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks a local post, comment or group as rejected by the server, keeping it visible.
pub(crate) async fn mark_entity_failed(
    conn: &mut SqliteConnection,
    table: EntityTable,
    id: &str,
    reason: &str,
) -> Result<(), ClientError> {
    let sql = match table {
        EntityTable::Posts => "UPDATE posts SET failed = ? WHERE id = ? AND pending = 1",
        EntityTable::Comments => "UPDATE comments SET failed = ? WHERE id = ? AND pending = 1",
        EntityTable::Groups => "UPDATE groups SET failed = ? WHERE id = ? AND pending = 1",
    };
    sqlx::query(sql)
        .bind(reason.to_owned())
        .bind(id.to_owned())
        .execute(conn)
        .await?;
    Ok(())
}

/// Puts back a local membership (a retried join); an existing row, the
/// server's or not, is left as it is.
pub(crate) async fn insert_pending_membership(
    conn: &mut SqliteConnection,
    membership: &Membership,
) -> Result<(), ClientError> {
    sqlx::query(
        "INSERT INTO memberships (group_id, user_id, role, joined_at, pending) VALUES (?, ?, ?, ?, 1)
         ON CONFLICT (group_id, user_id) DO NOTHING",
    )
    .bind(membership.group_id.clone())
    .bind(membership.user_id.clone())
    .bind(membership.role.as_str())
    .bind(membership.joined_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A membership the server refused is removed: showing it would claim access the user does not have.
pub(crate) async fn remove_pending_membership(
    conn: &mut SqliteConnection,
    group_id: &str,
    user_id: &str,
) -> Result<(), ClientError> {
    sqlx::query("DELETE FROM memberships WHERE group_id = ? AND user_id = ? AND pending = 1")
        .bind(group_id.to_owned())
        .bind(user_id.to_owned())
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum EntityTable {
    Posts,
    Comments,
    Groups,
}

/// Whether a post or comment with this id is already in the cache (from the server or local).
pub(crate) async fn item_known(
    conn: &mut SqliteConnection,
    table: EntityTable,
    id: &str,
) -> Result<bool, ClientError> {
    let sql = match table {
        EntityTable::Posts => "SELECT EXISTS (SELECT 1 FROM posts WHERE id = ?)",
        EntityTable::Comments => "SELECT EXISTS (SELECT 1 FROM comments WHERE id = ?)",
        EntityTable::Groups => "SELECT EXISTS (SELECT 1 FROM groups WHERE id = ?)",
    };
    Ok(sqlx::query_scalar::<_, bool>(sql)
        .bind(id.to_owned())
        .fetch_one(conn)
        .await?)
}
