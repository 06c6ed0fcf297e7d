//! Writing entities into the cache: server state (upserts that also clear the
//! local `pending`/`failed` marks of the same id), removals, purges, and
//! local, unconfirmed rows.

use commons_protocol::{
    Change, Comment, Group, GroupSettings, JoinRequest, Membership, Notification, Post, Reaction,
    User,
};
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
    pub(super) fn pending(self) -> bool {
        self == Origin::Local
    }
}

/// Applies one change of the server's log. Upserts and deletes, so receiving
/// it twice is harmless. After a [`Change::Purge`] the caller should empty
/// the write-ahead log once the transaction is committed (`Cache::checkpoint`).
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
        Change::MembershipRemoved { group_id, user_id } => {
            remove_membership(conn, group_id, user_id).await
        }
        Change::Purge { group_id } => purge_group(conn, group_id).await,
        Change::JoinRequest { request } => upsert_join_request(conn, request, Origin::Server).await,
        Change::JoinRequestRemoved { group_id, user_id } => {
            remove_join_request(conn, group_id, user_id).await
        }
        Change::Post { post } => upsert_post(conn, post, Origin::Server).await,
        Change::Comment { comment } => upsert_comment(conn, comment, Origin::Server).await,
        Change::Reaction { reaction } => upsert_reaction(conn, reaction).await,
        Change::ReactionRemoved { target_id, user_id } => {
            remove_reaction(conn, target_id, user_id).await
        }
        Change::Notification { notification } => upsert_notification(conn, notification).await,
        Change::GroupSettings { settings } => upsert_group_settings(conn, settings).await,
        Change::PollVote { vote } => super::upsert_vote(conn, vote).await,
        Change::PollVoteRemoved { post_id, user_id } => {
            super::remove_vote(conn, post_id, user_id).await
        }
        Change::PostSeen { seen } => super::upsert_seen(conn, seen).await,
        // Sent by a newer server: nothing this version can store.
        Change::Unknown => Ok(()),
    }
}

pub(crate) async fn upsert_user(
    conn: &mut SqliteConnection,
    user: &User,
) -> Result<(), ClientError> {
    super::upsert_users(conn, &[user]).await
}

pub(crate) async fn upsert_group(
    conn: &mut SqliteConnection,
    group: &Group,
    origin: Origin,
) -> Result<(), ClientError> {
    sqlx::query(
        "INSERT INTO groups (id, name, description, privacy, is_default, created_by, created_at, pending, failed,
                             cover_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description,
             privacy = excluded.privacy, is_default = excluded.is_default,
             created_by = excluded.created_by, created_at = excluded.created_at,
             pending = excluded.pending, failed = NULL, cover_id = excluded.cover_id",
    )
    .bind(group.id.clone())
    .bind(group.name.clone())
    .bind(group.description.clone())
    .bind(group.privacy.as_str())
    .bind(group.is_default)
    .bind(group.created_by.clone())
    .bind(group.created_at)
    .bind(origin.pending())
    .bind(group.cover_id.clone())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn upsert_membership(
    conn: &mut SqliteConnection,
    membership: &Membership,
    origin: Origin,
) -> Result<(), ClientError> {
    super::upsert_memberships(conn, &[membership], origin).await
}

pub(crate) async fn upsert_post(
    conn: &mut SqliteConnection,
    post: &Post,
    origin: Origin,
) -> Result<(), ClientError> {
    super::upsert_posts(conn, &[post], origin).await
}

pub(crate) async fn upsert_comment(
    conn: &mut SqliteConnection,
    comment: &Comment,
    origin: Origin,
) -> Result<(), ClientError> {
    super::upsert_comments(conn, &[comment], origin).await
}

pub(crate) async fn remove_membership(
    conn: &mut SqliteConnection,
    group_id: &str,
    user_id: &str,
) -> Result<(), ClientError> {
    sqlx::query("DELETE FROM memberships WHERE group_id = ? AND user_id = ?")
        .bind(group_id.to_owned())
        .bind(user_id.to_owned())
        .execute(conn)
        .await?;
    Ok(())
}

pub(crate) async fn upsert_join_request(
    conn: &mut SqliteConnection,
    request: &JoinRequest,
    origin: Origin,
) -> Result<(), ClientError> {
    sqlx::query(
        "INSERT INTO join_requests (group_id, user_id, created_at, pending) VALUES (?, ?, ?, ?)
         ON CONFLICT (group_id, user_id) DO UPDATE SET created_at = excluded.created_at,
             pending = excluded.pending",
    )
    .bind(request.group_id.clone())
    .bind(request.user_id.clone())
    .bind(request.created_at)
    .bind(origin.pending())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn remove_join_request(
    conn: &mut SqliteConnection,
    group_id: &str,
    user_id: &str,
) -> Result<(), ClientError> {
    sqlx::query("DELETE FROM join_requests WHERE group_id = ? AND user_id = ?")
        .bind(group_id.to_owned())
        .bind(user_id.to_owned())
        .execute(conn)
        .await?;
    Ok(())
}

/// Server reactions and local ones alike (what is unconfirmed is in the outbox).
pub(crate) async fn upsert_reaction(
    conn: &mut SqliteConnection,
    reaction: &Reaction,
) -> Result<(), ClientError> {
    super::upsert_reactions(conn, &[reaction]).await
}

pub(crate) async fn remove_reaction(
    conn: &mut SqliteConnection,
    target_id: &str,
    user_id: &str,
) -> Result<(), ClientError> {
    sqlx::query("DELETE FROM reactions WHERE target_id = ? AND user_id = ?")
        .bind(target_id.to_owned())
        .bind(user_id.to_owned())
        .execute(conn)
        .await?;
    Ok(())
}

/// A notification is only ever marked read, never unread again: a read mark
/// made here and not yet confirmed survives an older copy from the server.
pub(crate) async fn upsert_notification(
    conn: &mut SqliteConnection,
    n: &Notification,
) -> Result<(), ClientError> {
    sqlx::query(
        "INSERT INTO notifications (id, user_id, kind, actor_id, group_id, post_id, comment_id,
                                    created_at, read_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, kind = excluded.kind,
             actor_id = excluded.actor_id, group_id = excluded.group_id,
             post_id = excluded.post_id, comment_id = excluded.comment_id,
             created_at = excluded.created_at,
             read_at = COALESCE(excluded.read_at, notifications.read_at)",
    )
    .bind(n.id.clone())
    .bind(n.user_id.clone())
    .bind(n.kind.as_str())
    .bind(n.actor_id.clone())
    .bind(n.group_id.clone())
    .bind(n.post_id.clone())
    .bind(n.comment_id.clone())
    .bind(n.created_at)
    .bind(n.read_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn upsert_group_settings(
    conn: &mut SqliteConnection,
    settings: &GroupSettings,
) -> Result<(), ClientError> {
    sqlx::query(
        "INSERT INTO group_settings (group_id, user_id, notification_level) VALUES (?, ?, ?)
         ON CONFLICT (group_id, user_id) DO UPDATE SET
             notification_level = excluded.notification_level",
    )
    .bind(settings.group_id.clone())
    .bind(settings.user_id.clone())
    .bind(settings.notification_level.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets a group this account may no longer read: its posts, comments,
/// reactions, members, join requests, notifications, my settings, their
/// search index entries (by the triggers) and the group itself (a `group`
/// change after the purge puts it back when it is still visible).
///
/// What I wrote here and the server has not confirmed stays (the pending
/// rows and their outbox writes): it is my own text, and its writes will
/// fail on the next push and show as failed, so nothing typed is lost. Their
/// summaries no longer name the group.
///
/// The cache's connections run with `secure_delete`, so the rows are
/// overwritten, not just unlinked; the search index forgets the terms (see
/// below); the caller empties the write-ahead log after committing
/// (`Cache::checkpoint`).
pub(crate) async fn purge_group(
    conn: &mut SqliteConnection,
    group_id: &str,
) -> Result<(), ClientError> {
    // My unsent writes about the group stay, but their one-line summaries
    // ("post in NAME: ...") stop naming it: a secret group's name is its text too.
    sqlx::query(
        "UPDATE outbox
         SET summary = replace(summary, (SELECT name FROM groups WHERE id = ?1),
                               'a group you can no longer see')
         WHERE (entity_id = ?1 OR json_extract(payload, '$.request.group_id') = ?1)
           AND EXISTS (SELECT 1 FROM groups WHERE id = ?1 AND name <> '')",
    )
    .bind(group_id.to_owned())
    .execute(&mut *conn)
    .await?;
    // (statement, whether its rows are in the search index)
    let mut indexed_rows = 0;
    for (sql, indexed) in [
        (
            "DELETE FROM notifications WHERE group_id = ?1
                 OR post_id IN (SELECT id FROM posts WHERE group_id = ?1)",
            false,
        ),
        ("DELETE FROM reactions WHERE group_id = ?1", false),
        ("DELETE FROM poll_votes WHERE group_id = ?1", false),
        ("DELETE FROM post_seen WHERE group_id = ?1", false),
        (
            "DELETE FROM comments WHERE group_id = ?1 AND pending = 0",
            true,
        ),
        (
            "DELETE FROM posts WHERE group_id = ?1 AND pending = 0",
            true,
        ),
        ("DELETE FROM memberships WHERE group_id = ?1", false),
        ("DELETE FROM join_requests WHERE group_id = ?1", false),
        ("DELETE FROM group_settings WHERE group_id = ?1", false),
        ("DELETE FROM groups WHERE id = ?1", true),
    ] {
        let done = sqlx::query(sql)
            .bind(group_id.to_owned())
            .execute(&mut *conn)
            .await?;
        if indexed {
            indexed_rows += done.rows_affected();
        }
    }
    // The index removes a deleted row's terms itself (FTS5 `secure-delete`,
    // migration 0004); rewriting it as one new segment also drops every
    // older segment page that held them. Only when there was text to forget
    // (a first sync brings purges of groups this cache never held).
    if indexed_rows > 0 {
        sqlx::query("INSERT INTO search_index (search_index) VALUES ('optimize')")
            .execute(&mut *conn)
            .await?;
    }
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

/// A join request the server refused is removed, as a refused membership is.
pub(crate) async fn remove_pending_join_request(
    conn: &mut SqliteConnection,
    group_id: &str,
    user_id: &str,
) -> Result<(), ClientError> {
    sqlx::query("DELETE FROM join_requests WHERE group_id = ? AND user_id = ? AND pending = 1")
        .bind(group_id.to_owned())
        .bind(user_id.to_owned())
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
