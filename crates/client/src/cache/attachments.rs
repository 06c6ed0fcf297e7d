//! The attachments of cached posts and the files downloaded for them (see
//! migration `0008_pages.sql`; the files themselves are `crate::attachments`).

use std::collections::HashMap;

use commons_protocol::{Attachment, Post};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::{AttachmentView, ClientError};

/// Keeps the posts' attachments as the server sent them. Attachments never
/// change, so known ones stay (with their downloaded files); a tombstone's go
/// by trigger (`0008_pages.sql`). No statement at all for posts without
/// attachments: this runs for every page of posts a sync applies.
pub(crate) async fn store_post_attachments(
    conn: &mut SqliteConnection,
    posts: &[&Post],
) -> Result<(), ClientError> {
    let attachments: Vec<(&Post, &Attachment)> = posts
        .iter()
        .flat_map(|post| post.attachments.iter().map(move |a| (*post, a)))
        .collect();
    for chunk in attachments.chunks(super::batch::ROWS_PER_STATEMENT) {
        let mut sql = QueryBuilder::<Sqlite>::new(
            "INSERT INTO post_attachments (id, post_id, group_id, sha256, name, content_type,
                                           size, width, height, uploader_id, created_at) ",
        );
        sql.push_values(chunk, |mut row, (post, a)| {
            row.push_bind(a.id.as_str())
                .push_bind(post.id.as_str())
                .push_bind(post.group_id.as_str())
                .push_bind(a.sha256.as_str())
                .push_bind(a.name.as_str())
                .push_bind(a.content_type.as_str())
                .push_bind(a.size)
                .push_bind(a.width)
                .push_bind(a.height)
                .push_bind(a.uploader_id.as_str())
                .push_bind(a.created_at);
        });
        sql.push(" ON CONFLICT (id) DO NOTHING");
        sql.build().execute(&mut *conn).await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AttachmentRow {
    id: String,
    post_id: String,
    sha256: String,
    name: String,
    content_type: String,
    size: i64,
    width: Option<i64>,
    height: Option<i64>,
    downloaded: bool,
}

impl From<AttachmentRow> for AttachmentView {
    fn from(r: AttachmentRow) -> Self {
        AttachmentView {
            id: r.id,
            post_id: r.post_id,
            sha256: r.sha256,
            name: r.name,
            content_type: r.content_type,
            size: r.size,
            width: r.width,
            height: r.height,
            downloaded: r.downloaded,
        }
    }
}

macro_rules! attachment_columns {
    () => {
        "a.id, a.post_id, a.sha256, a.name, a.content_type, a.size, a.width, a.height,
         EXISTS (SELECT 1 FROM attachment_files f
                 WHERE f.attachment_id = a.id AND f.variant = 'full') AS downloaded
         FROM post_attachments a"
    };
}

/// A post's attachments, in the order they were uploaded.
pub(crate) async fn post_attachments(
    conn: &mut SqliteConnection,
    post_id: &str,
) -> Result<Vec<AttachmentView>, ClientError> {
    let rows: Vec<AttachmentRow> = sqlx::query_as(concat!(
        "SELECT ",
        attachment_columns!(),
        " WHERE a.post_id = ? ORDER BY a.created_at, a.id"
    ))
    .bind(post_id.to_owned())
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// The attachments of the posts `ids_json` (a JSON array of ids), by post, in
/// upload order: one query for a whole feed page.
pub(crate) async fn attachments_by_post(
    conn: &mut SqliteConnection,
    ids_json: &str,
) -> Result<HashMap<String, Vec<AttachmentView>>, ClientError> {
    let rows: Vec<AttachmentRow> = sqlx::query_as(concat!(
        "SELECT ",
        attachment_columns!(),
        " WHERE a.post_id IN (SELECT value FROM json_each(?))
         ORDER BY a.post_id, a.created_at, a.id"
    ))
    .bind(ids_json.to_owned())
    .fetch_all(conn)
    .await?;
    let mut by_post: HashMap<String, Vec<AttachmentView>> = HashMap::new();
    for row in rows {
        by_post
            .entry(row.post_id.clone())
            .or_default()
            .push(row.into());
    }
    Ok(by_post)
}

pub(crate) async fn attachment(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Option<AttachmentView>, ClientError> {
    let row: Option<AttachmentRow> =
        sqlx::query_as(concat!("SELECT ", attachment_columns!(), " WHERE a.id = ?"))
            .bind(id.to_owned())
            .fetch_optional(conn)
            .await?;
    Ok(row.map(Into::into))
}

/// The downloaded file of an attachment's variant, marked viewed last.
/// `viewed_at` is a counter, not a time: the order of views is exact.
pub(crate) async fn view_file(
    conn: &mut SqliteConnection,
    attachment_id: &str,
    variant: &str,
) -> Result<Option<String>, ClientError> {
    Ok(sqlx::query_scalar(
        "UPDATE attachment_files
         SET viewed_at = (SELECT MAX(viewed_at) + 1 FROM attachment_files)
         WHERE attachment_id = ? AND variant = ? RETURNING sha256",
    )
    .bind(attachment_id.to_owned())
    .bind(variant.to_owned())
    .fetch_optional(conn)
    .await?)
}

/// Records a downloaded file; false when the attachment left the cache
/// meanwhile (then the file is not wanted).
pub(crate) async fn add_file(
    conn: &mut SqliteConnection,
    attachment_id: &str,
    variant: &str,
    sha256: &str,
    size: i64,
) -> Result<bool, ClientError> {
    let done = sqlx::query(
        "INSERT INTO attachment_files (attachment_id, variant, sha256, size, viewed_at)
         SELECT ?1, ?2, ?3, ?4, (SELECT COALESCE(MAX(viewed_at), 0) + 1 FROM attachment_files)
         WHERE EXISTS (SELECT 1 FROM post_attachments WHERE id = ?1)
         ON CONFLICT (attachment_id, variant) DO UPDATE SET sha256 = excluded.sha256,
             size = excluded.size, viewed_at = excluded.viewed_at",
    )
    .bind(attachment_id.to_owned())
    .bind(variant.to_owned())
    .bind(sha256.to_owned())
    .bind(size)
    .execute(&mut *conn)
    .await?;
    // A file that is not kept must not stay on disk either.
    sqlx::query(
        "DELETE FROM attachment_trash WHERE sha256 = ?1
             AND EXISTS (SELECT 1 FROM attachment_files WHERE sha256 = ?1)",
    )
    .bind(sha256.to_owned())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Total size of the downloaded files.
pub(crate) async fn files_size(conn: &mut SqliteConnection) -> Result<i64, ClientError> {
    Ok(
        sqlx::query_scalar("SELECT COALESCE(SUM(size), 0) FROM attachment_files")
            .fetch_one(conn)
            .await?,
    )
}

/// Drops the least recently viewed files until at most `limit` bytes stay,
/// never the one just viewed (`keep`). Their files go to the trash.
pub(crate) async fn evict_files(
    conn: &mut SqliteConnection,
    limit: i64,
    keep: (&str, &str),
) -> Result<(), ClientError> {
    let mut total = files_size(conn).await?;
    while total > limit {
        let oldest: Option<(String, String, i64)> = sqlx::query_as(
            "SELECT f.attachment_id, f.variant, f.size FROM attachment_files f
             WHERE NOT (f.attachment_id = ? AND f.variant = ?)
               -- the file of a post not sent yet is the only copy: never evicted
               AND NOT EXISTS (SELECT 1 FROM post_attachments a JOIN posts p ON p.id = a.post_id
                               WHERE a.id = f.attachment_id AND p.pending = 1)
             ORDER BY f.viewed_at, f.attachment_id LIMIT 1",
        )
        .bind(keep.0.to_owned())
        .bind(keep.1.to_owned())
        .fetch_optional(&mut *conn)
        .await?;
        let Some((id, variant, size)) = oldest else {
            break;
        };
        sqlx::query("DELETE FROM attachment_files WHERE attachment_id = ? AND variant = ?")
            .bind(id)
            .bind(variant)
            .execute(&mut *conn)
            .await?;
        total -= size;
    }
    Ok(())
}

/// Files in the trash that no downloaded file row uses any more, to delete
/// from disk (`forget_trash` once they are gone).
pub(crate) async fn trash(conn: &mut SqliteConnection) -> Result<Vec<String>, ClientError> {
    Ok(sqlx::query_scalar(
        "SELECT t.sha256 FROM attachment_trash t
         WHERE NOT EXISTS (SELECT 1 FROM attachment_files f WHERE f.sha256 = t.sha256)",
    )
    .fetch_all(conn)
    .await?)
}

pub(crate) async fn forget_trash(
    conn: &mut SqliteConnection,
    sha256: &str,
) -> Result<(), ClientError> {
    sqlx::query("DELETE FROM attachment_trash WHERE sha256 = ?")
        .bind(sha256.to_owned())
        .execute(conn)
        .await?;
    Ok(())
}
