//! Attachment rows: what was uploaded, by whom, and the post it belongs to.
//! The bytes are in the attachment store (`crate::blobs`), named by hash.

use commons_protocol::Attachment;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::{get_opt_i64, placeholders, DbError, IN_LIST_CHUNK};

const COLUMNS: &str = "a.id, a.sha256, a.name, a.content_type, a.size, a.width, a.height, \
    a.uploader_id, a.created_at, a.thumb_sha256, a.post_id";

/// An attachment with what only the server needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAttachment {
    pub attachment: Attachment,
    pub thumb_sha256: Option<String>,
    pub post_id: Option<String>,
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

/// The attachments of these posts, as `(post_id, attachment)`, each post's
/// in upload order. One query per chunk of posts.
pub async fn of_posts(
    conn: &mut AnyConnection,
    post_ids: &[String],
) -> Result<Vec<(String, Attachment)>, DbError> {
    let mut found = Vec::new();
    for chunk in post_ids.chunks(IN_LIST_CHUNK) {
        let sql = format!(
            "SELECT {COLUMNS} FROM attachments a WHERE a.post_id IN ({}) \
             ORDER BY a.created_at, a.id",
            placeholders(1, chunk.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let stored = from_row(&row)?;
            if let Some(post_id) = stored.post_id {
                found.push((post_id, stored.attachment));
            }
        }
    }
    Ok(found)
}

/// Links one unlinked attachment to a post; false if it was linked meanwhile.
pub async fn link(conn: &mut AnyConnection, id: &str, post_id: &str) -> Result<bool, DbError> {
    let done = sqlx::query("UPDATE attachments SET post_id = $1 WHERE id = $2 AND post_id IS NULL")
        .bind(post_id)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The blobs (contents and thumbnails) the post's attachments use.
pub async fn blobs_of_post(
    conn: &mut AnyConnection,
    post_id: &str,
) -> Result<Vec<String>, DbError> {
    let rows = sqlx::query("SELECT sha256, thumb_sha256 FROM attachments WHERE post_id = $1")
        .bind(post_id)
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

/// Deletes the rows of a post's attachments.
pub async fn delete_of_post(conn: &mut AnyConnection, post_id: &str) -> Result<(), DbError> {
    sqlx::query("DELETE FROM attachments WHERE post_id = $1")
        .bind(post_id)
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
    let mut by_post: std::collections::HashMap<String, Vec<Attachment>> =
        std::collections::HashMap::new();
    for (post_id, attachment) in of_posts(conn, &ids).await? {
        by_post.entry(post_id).or_default().push(attachment);
    }
    for post in posts {
        post.attachments = by_post.remove(&post.id).unwrap_or_default();
    }
    Ok(())
}
