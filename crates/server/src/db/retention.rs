//! Retention policies and the posts they expire.

use commons_protocol::RetentionPolicy;
use sqlx::{AnyConnection, Row};

use super::DbError;

/// `id` of the organisation's policy row.
pub const ORGANISATION: &str = "organisation";

const DAY_MILLIS: i64 = 24 * 60 * 60 * 1000;

/// Every policy, the organisation's first, then the groups' by name.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<RetentionPolicy>, DbError> {
    let rows = sqlx::query(
        "SELECT r.group_id, COALESCE(g.name, '') AS group_name, r.max_age_days, r.updated_at \
         FROM retention_policies r LEFT JOIN groups g ON g.id = r.group_id \
         ORDER BY CASE WHEN r.group_id IS NULL THEN 0 ELSE 1 END, g.name, r.group_id",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(RetentionPolicy {
                group_id: row.try_get("group_id")?,
                group_name: row.try_get("group_name")?,
                max_age_days: row.try_get("max_age_days")?,
                updated_at: row.try_get("updated_at")?,
            })
        })
        .collect()
}

/// The policy of a group (`Some`) or of the organisation (`None`), if set.
pub async fn find(
    conn: &mut AnyConnection,
    group_id: Option<&str>,
) -> Result<Option<i64>, DbError> {
    let row = sqlx::query("SELECT max_age_days FROM retention_policies WHERE id = $1")
        .bind(group_id.unwrap_or(ORGANISATION))
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(row) => Some(row.try_get("max_age_days")?),
        None => None,
    })
}

/// Sets (inserts or replaces) a policy.
pub async fn upsert(
    conn: &mut AnyConnection,
    group_id: Option<&str>,
    max_age_days: i64,
    now: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO retention_policies (id, group_id, max_age_days, updated_at) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET max_age_days = excluded.max_age_days, \
            updated_at = excluded.updated_at",
    )
    .bind(group_id.unwrap_or(ORGANISATION))
    .bind(group_id)
    .bind(max_age_days)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes a policy; whether there was one.
pub async fn delete(conn: &mut AnyConnection, group_id: Option<&str>) -> Result<bool, DbError> {
    let done = sqlx::query("DELETE FROM retention_policies WHERE id = $1")
        .bind(group_id.unwrap_or(ORGANISATION))
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Up to `limit` ids of posts past their group's policy (the group's own,
/// else the organisation's) at `now`, oldest first. Pinned posts and
/// announcements still running are kept; tombstones are done already.
pub async fn expired_posts(
    conn: &mut AnyConnection,
    now: i64,
    limit: i64,
) -> Result<Vec<String>, DbError> {
    let rows = sqlx::query(
        "SELECT p.id FROM posts p \
         LEFT JOIN retention_policies gp ON gp.group_id = p.group_id \
         LEFT JOIN retention_policies op ON op.id = $1 \
         WHERE p.deleted_at IS NULL AND p.pinned_at IS NULL \
           AND (p.announced_until IS NULL OR p.announced_until <= $2) \
           AND COALESCE(gp.max_age_days, op.max_age_days) IS NOT NULL \
           AND p.created_at < $2 - COALESCE(gp.max_age_days, op.max_age_days) * $3 \
         ORDER BY p.created_at, p.id LIMIT $4",
    )
    .bind(ORGANISATION)
    .bind(now)
    .bind(DAY_MILLIS)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok(row.try_get("id")?)).collect()
}

/// When the last retention run recorded in the audit log happened.
pub async fn last_run_at(conn: &mut AnyConnection) -> Result<Option<i64>, DbError> {
    let row = sqlx::query("SELECT MAX(at) AS at FROM audit_log WHERE action = $1")
        .bind(commons_protocol::AuditAction::RetentionRun.to_string())
        .fetch_one(conn)
        .await?;
    Ok(row.try_get::<Option<i64>, _>("at")?)
}
