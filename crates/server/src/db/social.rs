//! Join requests, reactions, notifications and per-group settings.

use commons_protocol::{GroupSettings, JoinRequest, Notification, NotificationLevel, Reaction};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{get_opt_i64, get_parsed, load_by_ids, load_by_pairs, DbError};

const JOIN_REQUEST_COLUMNS: &str = "r.group_id, r.user_id, r.created_at";
const REACTION_COLUMNS: &str =
    "x.target_id, x.post_id, x.group_id, x.user_id, x.kind, x.created_at";
const NOTIFICATION_COLUMNS: &str =
    "n.id, n.user_id, n.kind, n.actor_id, n.group_id, n.post_id, n.comment_id, n.created_at, n.read_at";
const SETTINGS_COLUMNS: &str = "s.group_id, s.user_id, s.notification_level";

pub(crate) fn join_request_from_row(row: &AnyRow) -> Result<JoinRequest, DbError> {
    Ok(JoinRequest {
        group_id: row.try_get("group_id")?,
        user_id: row.try_get("user_id")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(crate) fn reaction_from_row(row: &AnyRow) -> Result<Reaction, DbError> {
    Ok(Reaction {
        target_id: row.try_get("target_id")?,
        post_id: row.try_get("post_id")?,
        group_id: row.try_get("group_id")?,
        user_id: row.try_get("user_id")?,
        kind: get_parsed(row, "kind")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(crate) fn notification_from_row(row: &AnyRow) -> Result<Notification, DbError> {
    Ok(Notification {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        kind: get_parsed(row, "kind")?,
        actor_id: row.try_get("actor_id")?,
        group_id: row.try_get("group_id")?,
        post_id: row.try_get("post_id")?,
        comment_id: row.try_get("comment_id")?,
        created_at: row.try_get("created_at")?,
        read_at: get_opt_i64(row, "read_at")?,
    })
}

pub(crate) fn settings_from_row(row: &AnyRow) -> Result<GroupSettings, DbError> {
    Ok(GroupSettings {
        group_id: row.try_get("group_id")?,
        user_id: row.try_get("user_id")?,
        notification_level: get_parsed(row, "notification_level")?,
    })
}

/// The join requests with these (group id, user id) keys (missing ones are left out).
pub async fn load_join_requests(
    conn: &mut AnyConnection,
    keys: &[(String, String)],
) -> Result<Vec<JoinRequest>, DbError> {
    let query = format!("SELECT {JOIN_REQUEST_COLUMNS} FROM join_requests r WHERE");
    load_by_pairs(
        conn,
        &query,
        "r.group_id, r.user_id",
        keys,
        join_request_from_row,
    )
    .await
}

/// The reactions with these (target id, user id) keys (missing ones are left out).
pub async fn load_reactions(
    conn: &mut AnyConnection,
    keys: &[(String, String)],
) -> Result<Vec<Reaction>, DbError> {
    let query = format!("SELECT {REACTION_COLUMNS} FROM reactions x WHERE");
    load_by_pairs(
        conn,
        &query,
        "x.target_id, x.user_id",
        keys,
        reaction_from_row,
    )
    .await
}

pub async fn load_notifications(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<Vec<Notification>, DbError> {
    let query = format!("SELECT {NOTIFICATION_COLUMNS} FROM notifications n WHERE");
    load_by_ids(conn, &query, "n.id", ids, notification_from_row).await
}

/// The settings with these (group id, user id) keys (missing ones are left out).
pub async fn load_group_settings(
    conn: &mut AnyConnection,
    keys: &[(String, String)],
) -> Result<Vec<GroupSettings>, DbError> {
    let query = format!("SELECT {SETTINGS_COLUMNS} FROM group_settings s WHERE");
    load_by_pairs(
        conn,
        &query,
        "s.group_id, s.user_id",
        keys,
        settings_from_row,
    )
    .await
}

/// Members of the group whose stored notification level is `level`.
pub async fn members_with_level(
    conn: &mut AnyConnection,
    group_id: &str,
    level: NotificationLevel,
) -> Result<Vec<String>, DbError> {
    let rows = sqlx::query(
        "SELECT s.user_id FROM group_settings s \
         JOIN memberships m ON m.group_id = s.group_id AND m.user_id = s.user_id \
         WHERE s.group_id = $1 AND s.notification_level = $2",
    )
    .bind(group_id)
    .bind(level.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok(row.try_get("user_id")?)).collect()
}
