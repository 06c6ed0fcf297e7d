//! Posts and their comments: creation, edits (with the post's earlier
//! versions), tombstones, pins, and the pages of the feeds.

use commons_protocol::{Comment, NotificationKind, Post, PostVersion};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::{get_opt_i64, placeholders, DbError, IN_LIST_CHUNK};

const POST_COLUMNS: &str =
    "p.id, p.group_id, p.author_id, p.body, p.created_at, p.edited_at, p.deleted_at, p.pinned_at";
const COMMENT_COLUMNS: &str = "c.id, c.post_id, c.group_id, c.author_id, c.body, c.created_at, \
    c.parent_id, c.edited_at, c.deleted_at";

fn post_from_row(row: &AnyRow) -> Result<Post, DbError> {
    Ok(Post {
        id: row.try_get("id")?,
        group_id: row.try_get("group_id")?,
        author_id: row.try_get("author_id")?,
        body: row.try_get("body")?,
        created_at: row.try_get("created_at")?,
        edited_at: get_opt_i64(row, "edited_at")?,
        deleted_at: get_opt_i64(row, "deleted_at")?,
        pinned_at: get_opt_i64(row, "pinned_at")?,
        attachments: Vec::new(),
    })
}

fn comment_from_row(row: &AnyRow) -> Result<Comment, DbError> {
    Ok(Comment {
        id: row.try_get("id")?,
        post_id: row.try_get("post_id")?,
        group_id: row.try_get("group_id")?,
        author_id: row.try_get("author_id")?,
        body: row.try_get("body")?,
        created_at: row.try_get("created_at")?,
        parent_id: row.try_get("parent_id")?,
        edited_at: get_opt_i64(row, "edited_at")?,
        deleted_at: get_opt_i64(row, "deleted_at")?,
        attachments: Vec::new(),
    })
}

/// `seq` is the change-log seq of the creation; it orders posts by commit.
pub async fn insert_post(conn: &mut AnyConnection, post: &Post, seq: i64) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO posts (id, group_id, author_id, body, created_at, seq, activity_seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(&post.id)
    .bind(&post.group_id)
    .bind(&post.author_id)
    .bind(&post.body)
    .bind(post.created_at)
    .bind(seq)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_comment(
    conn: &mut AnyConnection,
    comment: &Comment,
    seq: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO comments (id, post_id, group_id, author_id, body, created_at, seq, parent_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&comment.id)
    .bind(&comment.post_id)
    .bind(&comment.group_id)
    .bind(&comment.author_id)
    .bind(&comment.body)
    .bind(comment.created_at)
    .bind(seq)
    .bind(&comment.parent_id)
    .execute(&mut *conn)
    .await?;
    // A comment is activity on its post: the home feed moves the post up.
    sqlx::query("UPDATE posts SET activity_seq = $1 WHERE id = $2")
        .bind(seq)
        .bind(&comment.post_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn post_exists(conn: &mut AnyConnection, id: &str) -> Result<bool, DbError> {
    let row = sqlx::query("SELECT 1 AS one FROM posts WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

pub async fn comment_exists(conn: &mut AnyConnection, id: &str) -> Result<bool, DbError> {
    let row = sqlx::query("SELECT 1 AS one FROM comments WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

pub async fn find_post(conn: &mut AnyConnection, id: &str) -> Result<Option<Post>, DbError> {
    let sql = format!("SELECT {POST_COLUMNS} FROM posts p WHERE p.id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(post_from_row).transpose()
}

/// A post's comments, oldest first.
pub async fn comments_of_post(
    conn: &mut AnyConnection,
    post_id: &str,
) -> Result<Vec<Comment>, DbError> {
    let sql =
        format!("SELECT {COMMENT_COLUMNS} FROM comments c WHERE c.post_id = $1 ORDER BY c.seq");
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(post_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut comments = rows
        .iter()
        .map(comment_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    super::attachments::attach_to_comments(conn, &mut comments).await?;
    Ok(comments)
}

pub async fn load_posts(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<Post>, DbError> {
    let query = format!("SELECT {POST_COLUMNS} FROM posts p WHERE");
    let mut posts = super::load_by_ids(&mut *conn, &query, "p.id", ids, post_from_row).await?;
    super::attachments::attach(conn, &mut posts).await?;
    Ok(posts)
}

pub async fn load_comments(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<Vec<Comment>, DbError> {
    let query = format!("SELECT {COMMENT_COLUMNS} FROM comments c WHERE");
    let mut comments =
        super::load_by_ids(&mut *conn, &query, "c.id", ids, comment_from_row).await?;
    super::attachments::attach_to_comments(conn, &mut comments).await?;
    Ok(comments)
}

pub async fn find_comment(conn: &mut AnyConnection, id: &str) -> Result<Option<Comment>, DbError> {
    let sql = format!("SELECT {COMMENT_COLUMNS} FROM comments c WHERE c.id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(mut comment) = row.as_ref().map(comment_from_row).transpose()? else {
        return Ok(None);
    };
    super::attachments::attach_to_comments(conn, std::slice::from_mut(&mut comment)).await?;
    Ok(Some(comment))
}

/// Replaces a post's text, keeping the old one as a version.
pub async fn edit_post(
    conn: &mut AnyConnection,
    post_id: &str,
    body: &str,
    old: &PostVersion,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO post_versions (post_id, body, written_at, replaced_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(post_id)
    .bind(&old.body)
    .bind(old.written_at)
    .bind(old.replaced_at)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE posts SET body = $1, edited_at = $2 WHERE id = $3")
        .bind(body)
        .bind(old.replaced_at)
        .bind(post_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A post's earlier versions, oldest first.
pub async fn versions(
    conn: &mut AnyConnection,
    post_id: &str,
) -> Result<Vec<PostVersion>, DbError> {
    let rows = sqlx::query(
        "SELECT body, written_at, replaced_at FROM post_versions WHERE post_id = $1 \
         ORDER BY replaced_at, written_at",
    )
    .bind(post_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(PostVersion {
                body: row.try_get("body")?,
                written_at: row.try_get("written_at")?,
                replaced_at: row.try_get("replaced_at")?,
            })
        })
        .collect()
}

/// Turns a post into a tombstone: no text, no earlier versions, not pinned.
pub async fn tombstone_post(
    conn: &mut AnyConnection,
    post_id: &str,
    deleted_at: i64,
) -> Result<(), DbError> {
    sqlx::query("DELETE FROM post_versions WHERE post_id = $1")
        .bind(post_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE posts SET body = '', deleted_at = $1, pinned_at = NULL WHERE id = $2")
        .bind(deleted_at)
        .bind(post_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Tombstones every comment of a post that is not one yet; returns their ids.
pub async fn tombstone_comments_of_post(
    conn: &mut AnyConnection,
    post_id: &str,
    deleted_at: i64,
) -> Result<Vec<String>, DbError> {
    let rows = sqlx::query(
        "SELECT id FROM comments WHERE post_id = $1 AND deleted_at IS NULL ORDER BY seq",
    )
    .bind(post_id)
    .fetch_all(&mut *conn)
    .await?;
    let ids = rows
        .iter()
        .map(|row| row.try_get("id"))
        .collect::<Result<Vec<String>, _>>()?;
    sqlx::query(
        "UPDATE comments SET body = '', deleted_at = $1 WHERE post_id = $2 AND deleted_at IS NULL",
    )
    .bind(deleted_at)
    .bind(post_id)
    .execute(conn)
    .await?;
    Ok(ids)
}

pub async fn edit_comment(
    conn: &mut AnyConnection,
    comment_id: &str,
    body: &str,
    edited_at: i64,
) -> Result<(), DbError> {
    sqlx::query("UPDATE comments SET body = $1, edited_at = $2 WHERE id = $3")
        .bind(body)
        .bind(edited_at)
        .bind(comment_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn tombstone_comment(
    conn: &mut AnyConnection,
    comment_id: &str,
    deleted_at: i64,
) -> Result<(), DbError> {
    sqlx::query("UPDATE comments SET body = '', deleted_at = $1 WHERE id = $2")
        .bind(deleted_at)
        .bind(comment_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// `Some(time)` pins, `None` unpins.
pub async fn set_pinned(
    conn: &mut AnyConnection,
    post_id: &str,
    pinned_at: Option<i64>,
) -> Result<(), DbError> {
    sqlx::query("UPDATE posts SET pinned_at = $1 WHERE id = $2")
        .bind(pinned_at)
        .bind(post_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A post of a feed page and its position in that feed (`posts.activity_seq`
/// in the home feed, `posts.seq` on a group's page), which the next page's
/// cursor names.
pub struct Ranked {
    pub post: Post,
    pub position: i64,
}

fn ranked_from_row(row: &AnyRow) -> Result<Ranked, DbError> {
    Ok(Ranked {
        post: post_from_row(row)?,
        position: row.try_get("position")?,
    })
}

/// The home feed: posts that are not deleted, of the groups `user_id` is a
/// member of, with `activity_seq < before`, newest activity first.
pub async fn feed_page(
    conn: &mut AnyConnection,
    user_id: &str,
    before: i64,
    limit: i64,
) -> Result<Vec<Ranked>, DbError> {
    let sql = format!(
        "SELECT {POST_COLUMNS}, p.activity_seq AS position FROM posts p \
         JOIN memberships m ON m.group_id = p.group_id AND m.user_id = $1 \
         WHERE p.deleted_at IS NULL AND p.activity_seq < $2 \
         ORDER BY p.activity_seq DESC LIMIT $3"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(user_id)
        .bind(before)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(ranked_from_row).collect()
}

/// A group's posts that are neither deleted nor pinned, with `seq < before`,
/// newest first.
pub async fn group_page(
    conn: &mut AnyConnection,
    group_id: &str,
    before: i64,
    limit: i64,
) -> Result<Vec<Ranked>, DbError> {
    let sql = format!(
        "SELECT {POST_COLUMNS}, p.seq AS position FROM posts p \
         WHERE p.group_id = $1 AND p.deleted_at IS NULL AND p.pinned_at IS NULL \
           AND p.seq < $2 \
         ORDER BY p.seq DESC LIMIT $3"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(group_id)
        .bind(before)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(ranked_from_row).collect()
}

/// A group's pinned posts (not deleted), most recently pinned first.
pub async fn pinned_of_group(
    conn: &mut AnyConnection,
    group_id: &str,
) -> Result<Vec<Post>, DbError> {
    let sql = format!(
        "SELECT {POST_COLUMNS} FROM posts p \
         WHERE p.group_id = $1 AND p.deleted_at IS NULL AND p.pinned_at IS NOT NULL \
         ORDER BY p.pinned_at DESC, p.id"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(group_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(post_from_row).collect()
}

/// The comments of these posts (tombstones included), each post's oldest first.
pub async fn comments_of_posts(
    conn: &mut AnyConnection,
    post_ids: &[String],
) -> Result<Vec<Comment>, DbError> {
    let mut found = Vec::new();
    for chunk in post_ids.chunks(IN_LIST_CHUNK) {
        let sql = format!(
            "SELECT {COMMENT_COLUMNS} FROM comments c WHERE c.post_id IN ({}) ORDER BY c.seq",
            placeholders(1, chunk.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.push(comment_from_row(&row)?);
        }
    }
    super::attachments::attach_to_comments(conn, &mut found).await?;
    Ok(found)
}

/// The ids of the active people with these (lowercase) handles.
pub async fn active_user_ids_by_handle(
    conn: &mut AnyConnection,
    handles: &[String],
) -> Result<Vec<String>, DbError> {
    let mut found = Vec::new();
    for chunk in handles.chunks(IN_LIST_CHUNK) {
        let sql = format!(
            "SELECT id FROM users WHERE deactivated_at IS NULL AND handle IN ({})",
            placeholders(1, chunk.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for handle in chunk {
            query = query.bind(handle);
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.push(row.try_get("id")?);
        }
    }
    Ok(found)
}

/// Has `user_id` already been notified, with one of `kinds`, about this post
/// (`comment_id: None`) or this comment? Optionally only of `actor_id`'s doing.
pub async fn already_notified(
    conn: &mut AnyConnection,
    user_id: &str,
    kinds: &[NotificationKind],
    post_id: &str,
    comment_id: Option<&str>,
    actor_id: Option<&str>,
) -> Result<bool, DbError> {
    let sql = format!(
        "SELECT 1 AS one FROM notifications n \
         WHERE n.user_id = $1 AND n.post_id = $2 \
           AND (($3 IS NULL AND n.comment_id IS NULL) OR n.comment_id = $3) \
           AND ($4 IS NULL OR n.actor_id = $4) \
           AND n.kind IN ({}) LIMIT 1",
        placeholders(5, kinds.len())
    );
    let mut query = sqlx::query(AssertSqlSafe(sql))
        .bind(user_id)
        .bind(post_id)
        .bind(comment_id)
        .bind(actor_id);
    for kind in kinds {
        query = query.bind(kind.as_str());
    }
    Ok(query.fetch_optional(conn).await?.is_some())
}
