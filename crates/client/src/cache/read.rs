//! The reads behind each screen. Each is one indexed query (plus one for the
//! comments of a whole feed page), so screens stay fast on a large cache.

use std::collections::HashMap;

use commons_protocol::markdown::to_safe_html;
use commons_protocol::{GroupRole, Privacy};
use sqlx::SqliteConnection;

use crate::{ClientError, CommentView, FeedCursor, FeedPost, GroupView};

#[derive(sqlx::FromRow)]
struct PostRow {
    id: String,
    group_id: String,
    group_name: String,
    author_id: String,
    author_name: String,
    body: String,
    created_at: i64,
    pending: bool,
    failed: Option<String>,
    mutation_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct CommentRow {
    id: String,
    post_id: String,
    author_id: String,
    author_name: String,
    body: String,
    created_at: i64,
    pending: bool,
    failed: Option<String>,
    mutation_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct GroupRow {
    id: String,
    name: String,
    description: String,
    privacy: String,
    is_default: bool,
    my_role: Option<String>,
    member_count: i64,
    pending: bool,
    failed: Option<String>,
    mutation_id: Option<String>,
}

/// Posts of the groups `me` belongs to (or of one group), newest first.
/// `(created_at, id)` keyset pagination: `before` is the last post of the previous page.
pub(crate) async fn feed(
    conn: &mut SqliteConnection,
    me: &str,
    group_id: Option<&str>,
    limit: i64,
    before: Option<&FeedCursor>,
) -> Result<Vec<FeedPost>, ClientError> {
    // No cursor = after the end of time, so the query stays one index range scan.
    let (before_at, before_id) = match before {
        Some(c) => (c.created_at, c.id.clone()),
        None => (i64::MAX, String::new()),
    };
    let rows: Vec<PostRow> = match group_id {
        None => {
            sqlx::query_as(
                "SELECT p.id, p.group_id, COALESCE(g.name, '') AS group_name, p.author_id,
                        COALESCE(u.name, 'Unknown user') AS author_name, p.body, p.created_at,
                        p.pending, p.failed,
                        (SELECT o.mutation_id FROM outbox o
                         WHERE o.entity_id = p.id AND o.kind = 'post') AS mutation_id
                 FROM posts p
                 LEFT JOIN groups g ON g.id = p.group_id
                 LEFT JOIN users u ON u.id = p.author_id
                 WHERE EXISTS (SELECT 1 FROM memberships m
                               WHERE m.group_id = p.group_id AND m.user_id = ?1)
                   AND (p.created_at, p.id) < (?2, ?3)
                 ORDER BY p.created_at DESC, p.id DESC
                 LIMIT ?4",
            )
            .bind(me.to_owned())
            .bind(before_at)
            .bind(before_id)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?
        }
        Some(group_id) => {
            sqlx::query_as(
                "SELECT p.id, p.group_id, COALESCE(g.name, '') AS group_name, p.author_id,
                        COALESCE(u.name, 'Unknown user') AS author_name, p.body, p.created_at,
                        p.pending, p.failed,
                        (SELECT o.mutation_id FROM outbox o
                         WHERE o.entity_id = p.id AND o.kind = 'post') AS mutation_id
                 FROM posts p
                 LEFT JOIN groups g ON g.id = p.group_id
                 LEFT JOIN users u ON u.id = p.author_id
                 WHERE p.group_id = ?1
                   AND (p.created_at, p.id) < (?2, ?3)
                 ORDER BY p.created_at DESC, p.id DESC
                 LIMIT ?4",
            )
            .bind(group_id.to_owned())
            .bind(before_at)
            .bind(before_id)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?
        }
    };
    with_comments(conn, rows).await
}

/// One post with its comments, if the cache has it.
pub(crate) async fn feed_post(
    conn: &mut SqliteConnection,
    post_id: &str,
) -> Result<Option<FeedPost>, ClientError> {
    let row: Option<PostRow> = sqlx::query_as(
        "SELECT p.id, p.group_id, COALESCE(g.name, '') AS group_name, p.author_id,
                COALESCE(u.name, 'Unknown user') AS author_name, p.body, p.created_at,
                p.pending, p.failed,
                (SELECT o.mutation_id FROM outbox o
                 WHERE o.entity_id = p.id AND o.kind = 'post') AS mutation_id
         FROM posts p
         LEFT JOIN groups g ON g.id = p.group_id
         LEFT JOIN users u ON u.id = p.author_id
         WHERE p.id = ?",
    )
    .bind(post_id.to_owned())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(with_comments(conn, row.into_iter().collect()).await?.pop())
}

async fn with_comments(
    conn: &mut SqliteConnection,
    rows: Vec<PostRow>,
) -> Result<Vec<FeedPost>, ClientError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let ids_json = serde_json::to_string(&ids)
        .map_err(|e| ClientError::CorruptCache(format!("post ids: {e}")))?;
    let comments: Vec<CommentRow> = sqlx::query_as(
        "SELECT c.id, c.post_id, c.author_id, COALESCE(u.name, 'Unknown user') AS author_name,
                c.body, c.created_at, c.pending, c.failed,
                (SELECT o.mutation_id FROM outbox o
                 WHERE o.entity_id = c.id AND o.kind = 'comment') AS mutation_id
         FROM comments c
         LEFT JOIN users u ON u.id = c.author_id
         WHERE c.post_id IN (SELECT value FROM json_each(?))
         ORDER BY c.post_id, c.created_at, c.id",
    )
    .bind(ids_json)
    .fetch_all(conn)
    .await?;
    let mut by_post: HashMap<String, Vec<CommentView>> = HashMap::new();
    for c in comments {
        by_post
            .entry(c.post_id.clone())
            .or_default()
            .push(comment_view(c));
    }
    Ok(rows
        .into_iter()
        .map(|r| FeedPost {
            comments: by_post.remove(&r.id).unwrap_or_default(),
            pending: r.pending && r.failed.is_none(),
            id: r.id,
            group_id: r.group_id,
            group_name: r.group_name,
            author_id: r.author_id,
            author_name: r.author_name,
            body_html: to_safe_html(&r.body),
            body: r.body,
            created_at: r.created_at,
            failed: r.failed,
            mutation_id: r.mutation_id,
        })
        .collect())
}

fn comment_view(c: CommentRow) -> CommentView {
    CommentView {
        pending: c.pending && c.failed.is_none(),
        id: c.id,
        post_id: c.post_id,
        author_id: c.author_id,
        author_name: c.author_name,
        body_html: to_safe_html(&c.body),
        body: c.body,
        created_at: c.created_at,
        failed: c.failed,
        mutation_id: c.mutation_id,
    }
}

/// One comment, if the cache has it.
pub(crate) async fn comment(
    conn: &mut SqliteConnection,
    comment_id: &str,
) -> Result<Option<CommentView>, ClientError> {
    let row: Option<CommentRow> = sqlx::query_as(
        "SELECT c.id, c.post_id, c.author_id, COALESCE(u.name, 'Unknown user') AS author_name,
                c.body, c.created_at, c.pending, c.failed,
                (SELECT o.mutation_id FROM outbox o
                 WHERE o.entity_id = c.id AND o.kind = 'comment') AS mutation_id
         FROM comments c
         LEFT JOIN users u ON u.id = c.author_id
         WHERE c.id = ?",
    )
    .bind(comment_id.to_owned())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(comment_view))
}

/// Groups this account can see: mine first (the default group leading), then by name.
pub(crate) async fn groups(
    conn: &mut SqliteConnection,
    me: &str,
    only_id: Option<&str>,
) -> Result<Vec<GroupView>, ClientError> {
    let rows: Vec<GroupRow> = sqlx::query_as(
        "SELECT g.id, g.name, g.description, g.privacy, g.is_default, my.role AS my_role,
                (SELECT COUNT(*) FROM memberships c WHERE c.group_id = g.id) AS member_count,
                g.pending, g.failed,
                (SELECT o.mutation_id FROM outbox o
                 WHERE o.entity_id = g.id AND o.kind = 'create_group') AS mutation_id
         FROM groups g
         LEFT JOIN memberships my ON my.group_id = g.id AND my.user_id = ?1
         WHERE ?2 IS NULL OR g.id = ?2
         ORDER BY my.role IS NULL, g.is_default DESC, g.name COLLATE NOCASE, g.id",
    )
    .bind(me.to_owned())
    .bind(only_id.map(str::to_owned))
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(group_view).collect()
}

fn group_view(r: GroupRow) -> Result<GroupView, ClientError> {
    let privacy: Privacy = r
        .privacy
        .parse()
        .map_err(|e| ClientError::CorruptCache(format!("group {}: {e}", r.id)))?;
    let my_role = r
        .my_role
        .map(|role| role.parse::<GroupRole>())
        .transpose()
        .map_err(|e| ClientError::CorruptCache(format!("group {}: {e}", r.id)))?;
    Ok(GroupView {
        pending: r.pending && r.failed.is_none(),
        id: r.id,
        name: r.name,
        description: r.description,
        privacy,
        is_default: r.is_default,
        my_role,
        member_count: r.member_count,
        failed: r.failed,
        mutation_id: r.mutation_id,
    })
}
