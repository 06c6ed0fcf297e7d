//! Posts and their comments.

use std::collections::HashMap;

use commons_protocol::{Comment, Post, PostWithComments};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::{get_opt_i64, DbError};

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
        .fetch_all(conn)
        .await?;
    rows.iter().map(comment_from_row).collect()
}

/// A group's posts, newest first, each with its comments oldest first. Two queries.
pub async fn posts_of_group(
    conn: &mut AnyConnection,
    group_id: &str,
) -> Result<Vec<PostWithComments>, DbError> {
    let sql =
        format!("SELECT {POST_COLUMNS} FROM posts p WHERE p.group_id = $1 ORDER BY p.seq DESC");
    let posts = sqlx::query(AssertSqlSafe(sql))
        .bind(group_id)
        .fetch_all(&mut *conn)
        .await?;
    let sql =
        format!("SELECT {COMMENT_COLUMNS} FROM comments c WHERE c.group_id = $1 ORDER BY c.seq");
    let comments = sqlx::query(AssertSqlSafe(sql))
        .bind(group_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut by_post: HashMap<String, Vec<Comment>> = HashMap::new();
    for row in &comments {
        let comment = comment_from_row(row)?;
        by_post
            .entry(comment.post_id.clone())
            .or_default()
            .push(comment);
    }
    posts
        .iter()
        .map(|row| {
            let post = post_from_row(row)?;
            let comments = by_post.remove(&post.id).unwrap_or_default();
            Ok(PostWithComments { post, comments })
        })
        .collect()
}

pub async fn load_posts(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<Post>, DbError> {
    let query = format!("SELECT {POST_COLUMNS} FROM posts p WHERE");
    super::load_by_ids(conn, &query, "p.id", ids, post_from_row).await
}

pub async fn load_comments(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<Vec<Comment>, DbError> {
    let query = format!("SELECT {COMMENT_COLUMNS} FROM comments c WHERE");
    super::load_by_ids(conn, &query, "c.id", ids, comment_from_row).await
}
