//! The SQL of erasure (right to erasure): what a person left behind, found
//! and removed. The rules are in `ops::erasure`.

use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::DbError;

/// A removed row that clients hold: its two keys and its group.
#[derive(Clone, Debug)]
pub struct Removed {
    pub first: String,
    pub second: String,
    pub group_id: String,
}

/// Ids of the person's posts that are not tombstones yet.
pub async fn live_posts_of(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<Vec<String>, DbError> {
    ids(
        conn,
        "SELECT id FROM posts WHERE author_id = $1 AND deleted_at IS NULL ORDER BY seq",
        user_id,
    )
    .await
}

/// Ids of the person's comments that are not tombstones yet.
pub async fn live_comments_of(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<Vec<String>, DbError> {
    ids(
        conn,
        "SELECT id FROM comments WHERE author_id = $1 AND deleted_at IS NULL ORDER BY seq",
        user_id,
    )
    .await
}

async fn ids(conn: &mut AnyConnection, sql: &str, user_id: &str) -> Result<Vec<String>, DbError> {
    let rows = sqlx::query(AssertSqlSafe(sql.to_string()))
        .bind(user_id)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| Ok(row.try_get::<String, _>(0)?))
        .collect()
}

/// Deletes the person's rows of `table` (keyed by `first`, `user_id`, with a
/// `group_id`) and answers what was deleted. `table` and `first` are constants.
pub async fn delete_rows_of(
    conn: &mut AnyConnection,
    table: &str,
    first: &str,
    user_id: &str,
) -> Result<Vec<Removed>, DbError> {
    let select = format!("SELECT {first} AS a, group_id FROM {table} WHERE user_id = $1");
    let rows = sqlx::query(AssertSqlSafe(select))
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await?;
    let removed = rows
        .iter()
        .map(|row| {
            Ok(Removed {
                first: row.try_get("a")?,
                second: user_id.to_string(),
                group_id: row.try_get("group_id")?,
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    sqlx::query(AssertSqlSafe(format!(
        "DELETE FROM {table} WHERE user_id = $1"
    )))
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(removed)
}

/// Deletes the notifications the person received and those others received
/// about what the person did; how many.
pub async fn delete_notifications(conn: &mut AnyConnection, user_id: &str) -> Result<u64, DbError> {
    let done = sqlx::query("DELETE FROM notifications WHERE user_id = $1 OR actor_id = $1")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// The blobs of the attachments the person uploaded that belong to no post
/// or comment (profile picture, unsent uploads; group covers stay with their
/// group), and deletes their rows; answers the blobs and how many rows.
pub async fn delete_loose_attachments(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<(Vec<String>, u64), DbError> {
    const LOOSE: &str = "uploader_id = $1 AND post_id IS NULL AND comment_id IS NULL \
        AND id NOT IN (SELECT cover_id FROM groups WHERE cover_id IS NOT NULL)";
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT sha256, thumb_sha256 FROM attachments WHERE {LOOSE}"
    )))
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut blobs = Vec::new();
    for row in &rows {
        blobs.push(row.try_get::<String, _>("sha256")?);
        if let Some(thumb) = row.try_get::<Option<String>, _>("thumb_sha256")? {
            blobs.push(thumb);
        }
    }
    sqlx::query(AssertSqlSafe(format!(
        "DELETE FROM attachments WHERE {LOOSE}"
    )))
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok((blobs, rows.len() as u64))
}

/// Clears the manager link of the people the person managed; answers their ids.
pub async fn unlink_reports(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<Vec<String>, DbError> {
    let reports = ids(conn, "SELECT id FROM users WHERE manager_id = $1", user_id).await?;
    sqlx::query("UPDATE users SET manager_id = NULL WHERE manager_id = $1")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(reports)
}

/// Deletes the stored answers of the person's writes and any other stored
/// answer naming them (it may hold their name or text).
pub async fn delete_mutations(conn: &mut AnyConnection, user_id: &str) -> Result<u64, DbError> {
    let done = sqlx::query("DELETE FROM mutations WHERE user_id = $1 OR response_json LIKE $2")
        .bind(user_id)
        .bind(format!("%{user_id}%"))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Replaces the profile by non-identifying values, clears the picture and
/// the password, and deactivates the account for ever.
pub async fn anonymise(conn: &mut AnyConnection, user_id: &str, now: i64) -> Result<(), DbError> {
    let simple = user_id.replace('-', "");
    sqlx::query(
        "UPDATE users SET name = $2, email = $3, handle = $4, title = '', department = '', \
            location = '', about = '', manager_id = NULL, avatar_id = NULL, password_hash = '', \
            is_admin = 0, deactivated_at = COALESCE(deactivated_at, $5), erased_at = $5 \
         WHERE id = $1",
    )
    .bind(user_id)
    .bind(FORMER_MEMBER)
    .bind(format!("erased-{simple}@erased.invalid"))
    .bind(format!("former-{simple}"))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The name an erased person has.
pub const FORMER_MEMBER: &str = "Former member";

pub async fn is_erased(conn: &mut AnyConnection, user_id: &str) -> Result<bool, DbError> {
    let row = sqlx::query("SELECT erased_at FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(row) => row.try_get::<Option<i64>, _>("erased_at")?.is_some(),
        None => false,
    })
}
