//! What imports brought in (`import_ids`): each item of another system and
//! the Commons id it became, plus the few writes only an import makes (times
//! kept from the other system).

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};

use super::{now_millis, DbError};

/// Every item of `kind` already imported from `source`: its id there → its id here.
pub async fn load_ids(
    conn: &mut AnyConnection,
    source: &str,
    kind: &str,
) -> Result<HashMap<String, String>, DbError> {
    let rows =
        sqlx::query("SELECT source_id, commons_id FROM import_ids WHERE source = $1 AND kind = $2")
            .bind(source)
            .bind(kind)
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("source_id")?, row.try_get("commons_id")?)))
        .collect()
}

pub async fn insert_id(
    conn: &mut AnyConnection,
    source: &str,
    kind: &str,
    source_id: &str,
    commons_id: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO import_ids (source, kind, source_id, commons_id, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(source)
    .bind(kind)
    .bind(source_id)
    .bind(commons_id)
    .bind(now_millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// An imported post's last edit, as the other system recorded it.
pub async fn set_post_edited_at(
    conn: &mut AnyConnection,
    post_id: &str,
    edited_at: i64,
) -> Result<(), DbError> {
    sqlx::query("UPDATE posts SET edited_at = $2 WHERE id = $1")
        .bind(post_id)
        .bind(edited_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// An imported person's title, department and manager.
pub async fn set_profile(
    conn: &mut AnyConnection,
    user_id: &str,
    title: &str,
    department: &str,
) -> Result<(), DbError> {
    sqlx::query("UPDATE users SET title = $2, department = $3 WHERE id = $1")
        .bind(user_id)
        .bind(title)
        .bind(department)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_manager(
    conn: &mut AnyConnection,
    user_id: &str,
    manager_id: &str,
) -> Result<(), DbError> {
    sqlx::query("UPDATE users SET manager_id = $2 WHERE id = $1")
        .bind(user_id)
        .bind(manager_id)
        .execute(conn)
        .await?;
    Ok(())
}
