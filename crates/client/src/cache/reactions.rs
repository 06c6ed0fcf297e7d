//! Who reacted to a post or comment (the reactions list of the post detail).

use commons_protocol::ReactionKind;
use sqlx::SqliteConnection;

use crate::{ClientError, Reactor};

#[derive(sqlx::FromRow)]
struct ReactorRow {
    user_id: String,
    name: String,
    kind: String,
}

/// Everyone who reacted to `target_id` (a post or a comment), by name, my
/// unsent reaction included. One lookup of the reactions' primary key.
pub(crate) async fn reactors(
    conn: &mut SqliteConnection,
    target_id: &str,
) -> Result<Vec<Reactor>, ClientError> {
    let rows: Vec<ReactorRow> = sqlx::query_as(
        "SELECT r.user_id, COALESCE(u.name, 'Unknown user') AS name, r.kind
         FROM reactions r LEFT JOIN users u ON u.id = r.user_id
         WHERE r.target_id = ?1
         ORDER BY name, r.user_id",
    )
    .bind(target_id.to_owned())
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            let kind: ReactionKind = row
                .kind
                .parse()
                .map_err(|e| ClientError::CorruptCache(format!("reaction to {target_id}: {e}")))?;
            Ok(Reactor {
                user_id: row.user_id,
                name: row.name,
                kind,
            })
        })
        .collect()
}
