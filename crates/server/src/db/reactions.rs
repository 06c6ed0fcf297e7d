//! Reactions: one per person and post or comment.

use commons_protocol::Reaction;
use sqlx::{AnyConnection, AssertSqlSafe};

use super::social::reaction_from_row;
use super::{placeholders, DbError, IN_LIST_CHUNK};

const COLUMNS: &str = "x.target_id, x.post_id, x.group_id, x.user_id, x.kind, x.created_at";

pub async fn find(
    conn: &mut AnyConnection,
    target_id: &str,
    user_id: &str,
) -> Result<Option<Reaction>, DbError> {
    let sql =
        format!("SELECT {COLUMNS} FROM reactions x WHERE x.target_id = $1 AND x.user_id = $2");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(target_id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(reaction_from_row).transpose()
}

pub async fn insert(conn: &mut AnyConnection, reaction: &Reaction) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO reactions (target_id, user_id, post_id, group_id, kind, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&reaction.target_id)
    .bind(&reaction.user_id)
    .bind(&reaction.post_id)
    .bind(&reaction.group_id)
    .bind(reaction.kind.as_str())
    .bind(reaction.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Changes the kind (and time) of an existing reaction.
pub async fn update(conn: &mut AnyConnection, reaction: &Reaction) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE reactions SET kind = $1, created_at = $2 WHERE target_id = $3 AND user_id = $4",
    )
    .bind(reaction.kind.as_str())
    .bind(reaction.created_at)
    .bind(&reaction.target_id)
    .bind(&reaction.user_id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete(
    conn: &mut AnyConnection,
    target_id: &str,
    user_id: &str,
) -> Result<(), DbError> {
    sqlx::query("DELETE FROM reactions WHERE target_id = $1 AND user_id = $2")
        .bind(target_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The reactions to these posts and their comments, oldest first.
pub async fn of_posts(
    conn: &mut AnyConnection,
    post_ids: &[String],
) -> Result<Vec<Reaction>, DbError> {
    let mut found = Vec::new();
    for chunk in post_ids.chunks(IN_LIST_CHUNK) {
        let sql = format!(
            "SELECT {COLUMNS} FROM reactions x WHERE x.post_id IN ({}) \
             ORDER BY x.created_at, x.target_id, x.user_id",
            placeholders(1, chunk.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.push(reaction_from_row(&row)?);
        }
    }
    found.sort_by(|a, b| {
        (a.created_at, &a.target_id, &a.user_id).cmp(&(b.created_at, &b.target_id, &b.user_id))
    });
    Ok(found)
}

/// Deletes the reactions to a post and its comments; returns what was deleted.
pub async fn delete_of_post(
    conn: &mut AnyConnection,
    post_id: &str,
) -> Result<Vec<Reaction>, DbError> {
    let gone = of_posts(conn, &[post_id.to_string()]).await?;
    sqlx::query("DELETE FROM reactions WHERE post_id = $1")
        .bind(post_id)
        .execute(conn)
        .await?;
    Ok(gone)
}

/// Deletes the reactions to one post or comment; returns what was deleted.
pub async fn delete_of_target(
    conn: &mut AnyConnection,
    target_id: &str,
) -> Result<Vec<Reaction>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM reactions x WHERE x.target_id = $1");
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(target_id)
        .fetch_all(&mut *conn)
        .await?;
    let gone = rows
        .iter()
        .map(reaction_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    sqlx::query("DELETE FROM reactions WHERE target_id = $1")
        .bind(target_id)
        .execute(conn)
        .await?;
    Ok(gone)
}
