//! Answers already given to writes, keyed by (user, mutation id).

use sqlx::{AnyConnection, Row};

use super::{now_millis, DbError};

/// A write's answer as sent: HTTP status and JSON body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
}

/// A mutation seen before: the fingerprint of its request and its answer.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub request_hash: String,
    pub response: StoredResponse,
}

pub async fn find(
    conn: &mut AnyConnection,
    user_id: &str,
    mutation_id: &str,
) -> Result<Option<Recorded>, DbError> {
    let row = sqlx::query(
        "SELECT request_hash, status, response_json FROM mutations \
         WHERE user_id = $1 AND mutation_id = $2",
    )
    .bind(user_id)
    .bind(mutation_id)
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let status: i64 = row.try_get("status")?;
    Ok(Some(Recorded {
        request_hash: row.try_get("request_hash")?,
        response: StoredResponse {
            status: u16::try_from(status)
                .map_err(|_| DbError::Corrupt(format!("stored HTTP status {status}")))?,
            body: row.try_get("response_json")?,
        },
    }))
}

pub async fn record(
    conn: &mut AnyConnection,
    user_id: &str,
    mutation_id: &str,
    request_hash: &str,
    response: &StoredResponse,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO mutations (user_id, mutation_id, request_hash, status, response_json, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(user_id)
    .bind(mutation_id)
    .bind(request_hash)
    .bind(i64::from(response.status))
    .bind(&response.body)
    .bind(now_millis())
    .execute(conn)
    .await?;
    Ok(())
}
