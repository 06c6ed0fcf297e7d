//! Attachment rows: what was uploaded, by whom, and what uses it (a post, a
//! comment, a person's picture or a group's cover; nothing yet right after
//! the upload). The bytes are in the attachment store (`crate::blobs`),
//! named by hash.

use std::collections::HashMap;

use commons_protocol::Attachment;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::{get_opt_i64, placeholders, DbError, IN_LIST_CHUNK};

const COLUMNS: &str = "a.id, a.sha256, a.name, a.content_type, a.size, a.width, a.height, \
    a.uploader_id, a.created_at, a.thumb_sha256, a.post_id, a.comment_id, \
    (SELECT u.id FROM users u WHERE u.avatar_id = a.id) AS avatar_of, \
    (SELECT g.id FROM groups g WHERE g.cover_id = a.id) AS cover_of";

/// An upload is free to be used while nothing uses it (this, in SQL).
const UNUSED: &str = "post_id IS NULL AND comment_id IS NULL \
    AND NOT EXISTS (SELECT 1 FROM users u WHERE u.avatar_id = attachments.id) \
    AND NOT EXISTS (SELECT 1 FROM groups g WHERE g.cover_id = attachments.id)";

/// An attachment with what only the server needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAttachment {
    pub attachment: Attachment,
    pub thumb_sha256: Option<String>,
    pub post_id: Option<String>,
    pub comment_id: Option<String>,
    /// The person whose profile picture this is.
    pub avatar_of: Option<String>,
    /// The group whose cover image this is.
    pub cover_of: Option<String>,
}

impl StoredAttachment {
    /// Nothing uses it yet: its uploader alone sees it and may use it.
    pub fn is_unused(&self) -> bool {
        self.post_id.is_none()
            && self.comment_id.is_none()
            && self.avatar_of.is_none()
            && self.cover_of.is_none()
    }

    /// The blobs it uses: its content and its thumbnail.
    pub fn blobs(&self) -> Vec<String> {
        let mut blobs = vec![self.attachment.sha256.clone()];
        blobs.extend(self.thumb_sha256.clone());
        blobs
    }
}

/// What an attachment is attached to.
#[derive(Clone, Copy, Debug)]
pub enum Owner<'a> {
    Post(&'a str),
    Comment(&'a str),
}

fn from_row(row: &AnyRow) -> Result<StoredAttachment, DbError> {
    Ok(StoredAttachment {
        attachment: Attachment {
            id: row.try_get("id")?,
            sha256: row.try_get("sha256")?,
            name: row.try_get("name")?,
            content_type: row.try_get("content_type")?,
            size: row.try_get("size")?,
            width: get_opt_i64(row, "width")?,
            height: get_opt_i64(row, "height")?,
            uploader_id: row.try_get("uploader_id")?,
            created_at: row.try_get("created_at")?,
        },
        thumb_sha256: row.try_get("thumb_sha256")?,
        post_id: row.try_get("post_id")?,
        comment_id: row.try_get("comment_id")?,
        avatar_of: row.try_get("avatar_of")?,
        cover_of: row.try_get("cover_of")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, stored: &StoredAttachment) -> Result<(), DbError> {
    let a = &stored.attachment;
    sqlx::query(
        "INSERT INTO attachments (id, sha256, name, content_type, size, width, height, \
         uploader_id, created_at, thumb_sha256, post_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&a.id)
    .bind(&a.sha256)
    .bind(&a.name)
    .bind(&a.content_type)
    .bind(a.size)
    .bind(a.width)
    .bind(a.height)
    .bind(&a.uploader_id)
    .bind(a.created_at)
    .bind(&stored.thumb_sha256)
    .bind(&stored.post_id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<StoredAttachment>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM attachments a WHERE a.id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn load(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<Vec<StoredAttachment>, DbError> {
    let query = format!("SELECT {COLUMNS} FROM attachments a WHERE");
    super::load_by_ids(conn, &query, "a.id", ids, from_row).await
}

/// The attachments of these posts or comments (`column` is `post_id` or
/// `comment_id`), as `(owner id, attachment)`, each owner's in upload order.
/// One query per chunk of owners.
async fn of_owners(
    conn: &mut AnyConnection,
    column: &str,
    owner_ids: &[String],
) -> Result<Vec<(String, Attachment)>, DbError> {
    let mut found = Vec::new();
    for chunk in owner_ids.chunks(IN_LIST_CHUNK) {
        let sql = format!(
            "SELECT a.{column} AS owner_id, {COLUMNS} FROM attachments a \
             WHERE a.{column} IN ({}) ORDER BY a.created_at, a.id",
            placeholders(1, chunk.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.push((row.try_get("owner_id")?, from_row(&row)?.attachment));
        }
    }
    Ok(found)
}

/// Attaches one unused attachment to a post or comment; false if something
/// used it meanwhile.
pub async fn link(conn: &mut AnyConnection, id: &str, owner: Owner<'_>) -> Result<bool, DbError> {
    let (column, owner_id) = match owner {
        Owner::Post(post_id) => ("post_id", post_id),
        Owner::Comment(comment_id) => ("comment_id", comment_id),
    };
    let sql = format!("UPDATE attachments SET {column} = $1 WHERE id = $2 AND {UNUSED}");
    let done = sqlx::query(AssertSqlSafe(sql))
        .bind(owner_id)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes one attachment row; its blobs are the caller's to forget.
pub async fn delete(conn: &mut AnyConnection, id: &str) -> Result<(), DbError> {
    sqlx::query("DELETE FROM attachments WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The attachments of a post and of its comments, or of one comment.
const OF_POST: &str =
    "post_id = $1 OR comment_id IN (SELECT k.id FROM comments k WHERE k.post_id = $1)";
const OF_COMMENT: &str = "comment_id = $1";

fn scope(owner: Owner<'_>) -> (&'static str, &str) {
    match owner {
        Owner::Post(id) => (OF_POST, id),
        Owner::Comment(id) => (OF_COMMENT, id),
    }
}

/// The blobs (contents and thumbnails) the attachments of a post (its
/// comments' included) or of a comment use.
pub async fn blobs_of(conn: &mut AnyConnection, owner: Owner<'_>) -> Result<Vec<String>, DbError> {
    let (condition, id) = scope(owner);
    let sql = format!("SELECT sha256, thumb_sha256 FROM attachments WHERE {condition}");
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(conn)
        .await?;
    let mut blobs = Vec::new();
    for row in rows {
        blobs.push(row.try_get::<String, _>("sha256")?);
        if let Some(thumb) = row.try_get::<Option<String>, _>("thumb_sha256")? {
            blobs.push(thumb);
        }
    }
    blobs.sort();
    blobs.dedup();
    Ok(blobs)
}

/// Deletes the attachment rows of a post (its comments' included) or of a comment.
pub async fn delete_of(conn: &mut AnyConnection, owner: Owner<'_>) -> Result<(), DbError> {
    let (condition, id) = scope(owner);
    let sql = format!("DELETE FROM attachments WHERE {condition}");
    sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Does any attachment row still use this blob (as content or thumbnail)?
pub async fn blob_in_use(conn: &mut AnyConnection, sha256: &str) -> Result<bool, DbError> {
    let row = sqlx::query(
        "SELECT 1 AS one FROM attachments WHERE sha256 = $1 OR thumb_sha256 = $1 LIMIT 1",
    )
    .bind(sha256)
    .fetch_optional(conn)
    .await?;
    Ok(row.is_some())
}

/// Fills in each post's `attachments`: one query per chunk of posts.
pub async fn attach(
    conn: &mut AnyConnection,
    posts: &mut [commons_protocol::Post],
) -> Result<(), DbError> {
    if posts.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = posts.iter().map(|p| p.id.clone()).collect();
    let mut by_post = by_owner(of_owners(conn, "post_id", &ids).await?);
    for post in posts {
        post.attachments = by_post.remove(&post.id).unwrap_or_default();
    }
    Ok(())
}

/// Fills in each comment's `attachments`: one query per chunk of comments.
pub async fn attach_to_comments(
    conn: &mut AnyConnection,
    comments: &mut [commons_protocol::Comment],
) -> Result<(), DbError> {
    if comments.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = comments.iter().map(|c| c.id.clone()).collect();
    let mut by_comment = by_owner(of_owners(conn, "comment_id", &ids).await?);
    for comment in comments {
        comment.attachments = by_comment.remove(&comment.id).unwrap_or_default();
    }
    Ok(())
}

fn by_owner(found: Vec<(String, Attachment)>) -> HashMap<String, Vec<Attachment>> {
    let mut by_owner: HashMap<String, Vec<Attachment>> = HashMap::new();
    for (owner_id, attachment) in found {
        by_owner.entry(owner_id).or_default().push(attachment);
    }
    by_owner
}
