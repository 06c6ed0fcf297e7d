//! Counters of login attempts, one row per e-mail or client address.

use sqlx::{AnyConnection, Row};

use super::DbError;

/// One key's window after counting an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counted {
    pub attempts: i64,
    pub window_start: i64,
}

/// Counts one attempt for `key` in one atomic statement (concurrent nodes
/// cannot lose a count); a window that started at or before `expired_at`
/// is replaced by a new one starting `now`.
pub async fn count(
    conn: &mut AnyConnection,
    key: &str,
    now: i64,
    expired_at: i64,
) -> Result<Counted, DbError> {
    let row = sqlx::query(
        "INSERT INTO login_attempts (key, attempts, window_start) VALUES ($1, 1, $2) \
         ON CONFLICT (key) DO UPDATE SET \
           attempts = CASE WHEN login_attempts.window_start <= $3 THEN 1 \
                      ELSE login_attempts.attempts + 1 END, \
           window_start = CASE WHEN login_attempts.window_start <= $4 THEN $5 \
                          ELSE login_attempts.window_start END \
         RETURNING attempts, window_start",
    )
    .bind(key)
    .bind(now)
    .bind(expired_at)
    .bind(expired_at)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(Counted {
        attempts: row.try_get("attempts")?,
        window_start: row.try_get("window_start")?,
    })
}

/// Takes one attempt back (it succeeded).
pub async fn uncount(conn: &mut AnyConnection, key: &str) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE login_attempts SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0",
    )
    .bind(key)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn forget(conn: &mut AnyConnection, key: &str) -> Result<(), DbError> {
    sqlx::query("DELETE FROM login_attempts WHERE key = $1")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes the windows that ended.
pub async fn prune(conn: &mut AnyConnection, expired_at: i64) -> Result<(), DbError> {
    sqlx::query("DELETE FROM login_attempts WHERE window_start <= $1")
        .bind(expired_at)
        .execute(conn)
        .await?;
    Ok(())
}
