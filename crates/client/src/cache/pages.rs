//! Entities read through the REST feeds instead of the change log, and where
//! those feeds continue.
//!
//! The change log stays the source of truth: a page never overwrites what the
//! cache holds (the log's copy, or my pending write, may be newer than the
//! page), it only adds what is missing. Before the log's first pull has
//! finished, what a page added is marked provisional; the pull confirms what
//! it delivers, and removes the rest when it finishes.

use commons_protocol::Change;
use sqlx::SqliteConnection;

use super::apply_change;
use crate::ClientError;

/// Key of a change's entity in `provisional` (kind, id, second id or ''),
/// for the kinds a page carries.
fn entity_key(change: &Change) -> Option<(&'static str, &str, &str)> {
    Some(match change {
        Change::User { user } => ("user", &user.id, ""),
        Change::Group { group } => ("group", &group.id, ""),
        Change::Membership { membership } => {
            ("membership", &membership.group_id, &membership.user_id)
        }
        Change::Post { post } => ("post", &post.id, ""),
        Change::Comment { comment } => ("comment", &comment.id, ""),
        Change::Reaction { reaction } => ("reaction", &reaction.target_id, &reaction.user_id),
        _ => return None,
    })
}

/// True when the cache already holds the entity (a tombstone or a pending row counts).
async fn present(
    conn: &mut SqliteConnection,
    kind: &str,
    id: &str,
    id2: &str,
) -> Result<bool, ClientError> {
    let sql = match kind {
        "user" => "SELECT 1 FROM users WHERE id = ?1",
        "group" => "SELECT 1 FROM groups WHERE id = ?1",
        "post" => "SELECT 1 FROM posts WHERE id = ?1",
        "comment" => "SELECT 1 FROM comments WHERE id = ?1",
        "membership" => "SELECT 1 FROM memberships WHERE group_id = ?1 AND user_id = ?2",
        "reaction" => "SELECT 1 FROM reactions WHERE target_id = ?1 AND user_id = ?2",
        _ => return Ok(true),
    };
    let found: Option<i64> = sqlx::query_scalar(sql)
        .bind(id.to_owned())
        .bind(id2.to_owned())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(found.is_some())
}

pub(crate) async fn user_known(conn: &mut SqliteConnection, id: &str) -> Result<bool, ClientError> {
    present(conn, "user", id, "").await
}

/// Stores an entity of a REST page unless the cache holds it already;
/// `provisional` while the first pull has not finished. True when it was new.
pub(crate) async fn store_from_page(
    conn: &mut SqliteConnection,
    change: &Change,
    provisional: bool,
) -> Result<bool, ClientError> {
    let Some((kind, id, id2)) = entity_key(change) else {
        return Ok(false);
    };
    if present(conn, kind, id, id2).await? {
        return Ok(false);
    }
    apply_change(conn, change).await?;
    if provisional {
        sqlx::query("INSERT OR IGNORE INTO provisional (kind, id, id2) VALUES (?, ?, ?)")
            .bind(kind)
            .bind(id.to_owned())
            .bind(id2.to_owned())
            .execute(&mut *conn)
            .await?;
    }
    Ok(true)
}

/// The log delivered these entities: they are no longer provisional. One
/// statement per page, and none once nothing is provisional.
pub(crate) async fn confirm_provisional(
    conn: &mut SqliteConnection,
    changes: &[Change],
) -> Result<(), ClientError> {
    let any: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM provisional)")
        .fetch_one(&mut *conn)
        .await?;
    if !any {
        return Ok(());
    }
    let keys: Vec<[&str; 3]> = changes
        .iter()
        .filter_map(entity_key)
        .map(|(kind, id, id2)| [kind, id, id2])
        .collect();
    let keys =
        serde_json::to_string(&keys).map_err(|e| ClientError::CorruptCache(e.to_string()))?;
    sqlx::query(
        "DELETE FROM provisional WHERE (kind, id, id2) IN
             (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),
                     json_extract(value, '$[2]') FROM json_each(?))",
    )
    .bind(keys)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The first pull has finished: what it did not confirm is not visible any
/// more (deleted, or access lost meanwhile), so it leaves the cache. Returns
/// how many entities were removed.
pub(crate) async fn drop_unconfirmed(conn: &mut SqliteConnection) -> Result<u64, ClientError> {
    let mut removed = 0;
    for sql in [
        "DELETE FROM reactions WHERE (target_id, user_id) IN
             (SELECT id, id2 FROM provisional WHERE kind = 'reaction')",
        "DELETE FROM comments WHERE pending = 0
             AND id IN (SELECT id FROM provisional WHERE kind = 'comment')",
        "DELETE FROM posts WHERE pending = 0
             AND id IN (SELECT id FROM provisional WHERE kind = 'post')",
        "DELETE FROM memberships WHERE pending = 0 AND (group_id, user_id) IN
             (SELECT id, id2 FROM provisional WHERE kind = 'membership')",
        "DELETE FROM groups WHERE pending = 0
             AND id IN (SELECT id FROM provisional WHERE kind = 'group')",
        "DELETE FROM users WHERE id IN (SELECT id FROM provisional WHERE kind = 'user')",
        "DELETE FROM provisional",
    ] {
        let done = sqlx::query(sql).execute(&mut *conn).await?;
        if !sql.starts_with("DELETE FROM provisional") {
            removed += done.rows_affected();
        }
    }
    Ok(removed)
}

/// Where the server's pages of a feed continue: `None` before the first
/// page was read, `Some(None)` after the last one.
pub(crate) async fn feed_page_cursor(
    conn: &mut SqliteConnection,
    feed: &str,
) -> Result<Option<Option<String>>, ClientError> {
    let row: Option<Option<String>> =
        sqlx::query_scalar("SELECT next FROM feed_pages WHERE feed = ?")
            .bind(feed.to_owned())
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row)
}

pub(crate) async fn set_feed_page_cursor(
    conn: &mut SqliteConnection,
    feed: &str,
    next: Option<&str>,
) -> Result<(), ClientError> {
    sqlx::query(
        "INSERT INTO feed_pages (feed, next) VALUES (?, ?)
         ON CONFLICT (feed) DO UPDATE SET next = excluded.next",
    )
    .bind(feed.to_owned())
    .bind(next.map(str::to_owned))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Forgets where a group's pages continue (its content was purged).
pub(crate) async fn forget_feed_pages(
    conn: &mut SqliteConnection,
    feed: &str,
) -> Result<(), ClientError> {
    sqlx::query("DELETE FROM feed_pages WHERE feed = ?")
        .bind(feed.to_owned())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Drops the posts of each group beyond its `keep` newest (pinned posts
/// stay), with their comments and reactions, to bound the cache; never a
/// post that has unsent or failed writes on it or on its comments. The
/// pages of the affected feeds start over, so scrolling reloads them from
/// the server (`pages::older`). Returns how many posts were dropped.
pub(crate) async fn evict_old_posts(
    conn: &mut SqliteConnection,
    keep: i64,
) -> Result<u64, ClientError> {
    let big: Vec<String> =
        sqlx::query_scalar("SELECT group_id FROM posts GROUP BY group_id HAVING COUNT(*) > ?")
            .bind(keep)
            .fetch_all(&mut *conn)
            .await?;
    let mut dropped = 0;
    for group_id in big {
        let done = sqlx::query(
            "DELETE FROM posts WHERE id IN (
                 SELECT p.id FROM posts p
                 WHERE p.group_id = ?1 AND p.pending = 0 AND p.pinned_at IS NULL
                   AND (p.created_at, p.id) <= (
                       SELECT created_at, id FROM posts WHERE group_id = ?1
                       ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?2)
                   AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.entity_id = p.id)
                   AND NOT EXISTS (
                       SELECT 1 FROM comments c
                       WHERE c.post_id = p.id
                         AND (c.pending = 1
                              OR EXISTS (SELECT 1 FROM outbox o WHERE o.entity_id = c.id))))",
        )
        .bind(group_id.clone())
        .bind(keep)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 0 {
            continue;
        }
        dropped += done.rows_affected();
        for sql in [
            "DELETE FROM comments WHERE group_id = ?1 AND pending = 0
                 AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = comments.post_id)",
            "DELETE FROM reactions WHERE group_id = ?1
                 AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = reactions.post_id)",
            "DELETE FROM feed_pages WHERE feed IN (?1, '')",
        ] {
            sqlx::query(sql)
                .bind(group_id.clone())
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(dropped)
}
