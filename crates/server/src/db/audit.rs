//! The audit log table: append and read, never update or delete (triggers
//! refuse both, so not even a bug here can rewrite history).

use commons_protocol::{AuditAction, AuditEntry};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::{get_parsed, DbError};

/// One entry to write; `at` is set by [`append`].
#[derive(Clone, Debug)]
pub struct NewEntry<'a> {
    pub actor_id: Option<&'a str>,
    pub action: AuditAction,
    pub target_kind: Option<&'a str>,
    pub target_id: Option<&'a str>,
    pub source_addr: Option<String>,
    pub details: serde_json::Value,
}

pub async fn append(
    conn: &mut AnyConnection,
    entry: &NewEntry<'_>,
    at: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, action, target_kind, target_id, source_addr, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(at)
    .bind(entry.actor_id)
    .bind(entry.action.as_str())
    .bind(entry.target_kind)
    .bind(entry.target_id)
    .bind(entry.source_addr.as_deref())
    .bind(entry.details.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

/// Which entries to read; every filter is optional.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub action: Option<AuditAction>,
    pub actor_id: Option<String>,
    pub target_id: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Only entries with a smaller seq (paging, newest first).
    pub before: Option<i64>,
    /// Only entries with a larger seq (reading the whole log oldest first).
    pub after: Option<i64>,
}

const COLUMNS: &str = "a.seq, a.at, a.actor_id, COALESCE(u.name, '') AS actor_name, a.action, \
    a.target_kind, a.target_id, a.source_addr, a.details";

/// Up to `limit` entries matching `filter`, newest first, or oldest first
/// with `oldest_first` (for exports, with `after`).
pub async fn list(
    conn: &mut AnyConnection,
    filter: &Filter,
    limit: i64,
    oldest_first: bool,
) -> Result<Vec<AuditEntry>, DbError> {
    enum Value {
        Text(String),
        Number(i64),
    }
    let mut conditions: Vec<(&str, Value)> = Vec::new();
    if let Some(action) = filter.action {
        conditions.push(("a.action =", Value::Text(action.as_str().into())));
    }
    if let Some(actor) = &filter.actor_id {
        conditions.push(("a.actor_id =", Value::Text(actor.clone())));
    }
    if let Some(target) = &filter.target_id {
        conditions.push(("a.target_id =", Value::Text(target.clone())));
    }
    for (value, condition) in [
        (filter.since, "a.at >="),
        (filter.until, "a.at <"),
        (filter.before, "a.seq <"),
        (filter.after, "a.seq >"),
    ] {
        if let Some(value) = value {
            conditions.push((condition, Value::Number(value)));
        }
    }
    let clauses: Vec<String> = conditions
        .iter()
        .enumerate()
        .map(|(i, (condition, _))| format!("{condition} ${}", i + 1))
        .collect();
    let filter_sql = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let order = if oldest_first { "ASC" } else { "DESC" };
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id \
         {filter_sql} ORDER BY a.seq {order} LIMIT ${}",
        conditions.len() + 1
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for (_, value) in conditions {
        query = match value {
            Value::Text(text) => query.bind(text),
            Value::Number(number) => query.bind(number),
        };
    }
    query
        .bind(limit)
        .fetch_all(conn)
        .await?
        .iter()
        .map(entry_from_row)
        .collect()
}

fn entry_from_row(row: &AnyRow) -> Result<AuditEntry, DbError> {
    let details: String = row.try_get("details")?;
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor_id: row.try_get("actor_id")?,
        actor_name: row.try_get("actor_name")?,
        action: get_parsed(row, "action")?,
        target_kind: row.try_get("target_kind")?,
        target_id: row.try_get("target_id")?,
        source_addr: row.try_get("source_addr")?,
        details: serde_json::from_str(&details)
            .map_err(|e| DbError::Corrupt(format!("audit details: {e}")))?,
    })
}
