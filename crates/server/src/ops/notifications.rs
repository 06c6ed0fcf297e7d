//! Notifications: created inside the write that causes them, delivered
//! through sync (a `notification` change only its recipient sees) and a poke.
//!
//! Rules every caller relies on: nobody is notified of their own action, a
//! deactivated person is not notified, and a notification about a group's
//! content goes only to people who may read that group now (sync checks it
//! again when it is read, in case access is lost later).

use commons_protocol::{Notification, NotificationKind, NotificationPage, User};
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use uuid::Uuid;

use super::{validate, OpError, OpResult};
use crate::db::changes::{ChangeKind, NewChange};
use crate::db::social::notification_from_row;
use crate::db::{self, now_millis, Database, Write};
use crate::hub::Audience;

/// What happened, for [`notify`].
#[derive(Clone, Debug)]
pub struct Event<'a> {
    pub kind: NotificationKind,
    pub actor_id: Option<&'a str>,
    pub group_id: Option<&'a str>,
    pub post_id: Option<&'a str>,
    pub comment_id: Option<&'a str>,
}

/// Notifies `recipient` of `event` within the write `w`, unless the rules
/// above say not to. Returns whether a notification was created.
pub async fn notify(w: &mut Write, recipient: &str, event: &Event<'_>) -> OpResult<bool> {
    if event.actor_id == Some(recipient) {
        return Ok(false);
    }
    if !may_receive(w.conn(), recipient, event.group_id).await? {
        return Ok(false);
    }
    let id = Uuid::now_v7().to_string();
    let seq = w
        .append(NewChange {
            kind: ChangeKind::Notification,
            entity_id: &id,
            group_id: event.group_id,
            user_id: Some(recipient),
        })
        .await?;
    sqlx::query(
        "INSERT INTO notifications \
         (id, user_id, kind, actor_id, group_id, post_id, comment_id, created_at, read_at, seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9)",
    )
    .bind(&id)
    .bind(recipient)
    .bind(event.kind.as_str())
    .bind(event.actor_id)
    .bind(event.group_id)
    .bind(event.post_id)
    .bind(event.comment_id)
    .bind(now_millis())
    .bind(seq)
    .execute(w.conn())
    .await?;
    w.notify(Audience::users([recipient.to_string()]));
    Ok(true)
}

/// Active account, and a member of the group when there is one.
async fn may_receive(
    conn: &mut AnyConnection,
    user_id: &str,
    group_id: Option<&str>,
) -> OpResult<bool> {
    let sql = "SELECT 1 AS one FROM users u WHERE u.id = $1 AND u.deactivated_at IS NULL \
               AND ($2 IS NULL OR EXISTS (SELECT 1 FROM memberships m \
                    WHERE m.group_id = $2 AND m.user_id = u.id))";
    let row = sqlx::query(sql)
        .bind(user_id)
        .bind(group_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

const DEFAULT_PAGE: i64 = 50;
const MAX_PAGE: i64 = 200;

/// The caller's notifications, newest first, only for groups they may still read.
pub async fn list(
    db: &Database,
    actor: &User,
    before: Option<&str>,
    limit: Option<i64>,
) -> OpResult<NotificationPage> {
    let limit = limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let before = match before {
        None => i64::MAX,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| OpError::Invalid(format!("invalid page cursor {text:?}")))?,
    };
    const READABLE: &str = "(n.group_id IS NULL OR EXISTS (SELECT 1 FROM memberships m \
                            WHERE m.group_id = n.group_id AND m.user_id = n.user_id))";
    let mut conn = db.pool().acquire().await?;
    let sql = format!(
        "SELECT n.id, n.user_id, n.kind, n.actor_id, n.group_id, n.post_id, n.comment_id, \
                n.created_at, n.read_at, n.seq \
         FROM notifications n WHERE n.user_id = $1 AND n.seq < $2 AND {READABLE} \
         ORDER BY n.seq DESC LIMIT $3"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(&actor.id)
        .bind(before)
        .bind(limit + 1)
        .fetch_all(&mut *conn)
        .await?;
    let mut notifications = Vec::with_capacity(rows.len());
    let mut next = None;
    for (i, row) in rows.iter().enumerate() {
        if i as i64 == limit {
            let seq: i64 = rows[i - 1].try_get("seq")?;
            next = Some(seq.to_string());
            break;
        }
        notifications.push(notification_from_row(row)?);
    }
    let sql = format!(
        "SELECT COUNT(*) AS n FROM notifications n \
         WHERE n.user_id = $1 AND n.read_at IS NULL AND {READABLE}"
    );
    let unread_count: i64 = sqlx::query(AssertSqlSafe(sql))
        .bind(&actor.id)
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    Ok(NotificationPage {
        notifications,
        unread_count,
        next,
    })
}

/// Marks one of the caller's notifications read (already read: unchanged).
pub async fn mark_read(w: &mut Write, actor: &User, id: &str) -> OpResult<Notification> {
    let id = validate::id("notification id", id)?;
    let found = db::social::load_notifications(w.conn(), std::slice::from_ref(&id)).await?;
    let Some(notification) = found.into_iter().find(|n| n.user_id == actor.id) else {
        return Err(OpError::NotFound("notification not found".into()));
    };
    if notification.read_at.is_some() {
        return Ok(notification);
    }
    let read_at = now_millis();
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE id = $2")
        .bind(read_at)
        .bind(&id)
        .execute(w.conn())
        .await?;
    append_read(w, &notification).await?;
    Ok(Notification {
        read_at: Some(read_at),
        ..notification
    })
}

/// Marks all of the caller's notifications read; returns how many changed.
pub async fn mark_all_read(w: &mut Write, actor: &User) -> OpResult<i64> {
    let rows = sqlx::query(
        "SELECT n.id, n.user_id, n.kind, n.actor_id, n.group_id, n.post_id, n.comment_id, \
                n.created_at, n.read_at FROM notifications n \
         WHERE n.user_id = $1 AND n.read_at IS NULL",
    )
    .bind(&actor.id)
    .fetch_all(w.conn())
    .await?;
    let unread = rows
        .iter()
        .map(notification_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
        .bind(now_millis())
        .bind(&actor.id)
        .execute(w.conn())
        .await?;
    for notification in &unread {
        append_read(w, notification).await?;
    }
    Ok(unread.len() as i64)
}

/// The read state syncs to the owner's other devices.
async fn append_read(w: &mut Write, notification: &Notification) -> OpResult<()> {
    w.append(NewChange {
        kind: ChangeKind::Notification,
        entity_id: &notification.id,
        group_id: notification.group_id.as_deref(),
        user_id: Some(&notification.user_id),
    })
    .await?;
    w.notify(Audience::users([notification.user_id.clone()]));
    Ok(())
}
