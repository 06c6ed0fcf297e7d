//! The reads behind the social screens: notifications, the people directory,
//! a profile, a group's members and the join requests waiting for me. Each is
//! one indexed query (a profile adds its two short lists).

use commons_protocol::{GroupRole, NotificationKind, Privacy};
use sqlx::SqliteConnection;

use crate::notifications::excerpt;
use crate::{
    ClientError, FeedCursor, JoinRequestView, MemberView, NotificationList, NotificationView,
    PersonAccount, PersonSummary, Profile, ProfileGroup,
};

/// Characters of a post or comment shown with a notification.
const NOTIFICATION_EXCERPT_CHARS: usize = 120;

fn corrupt(what: impl std::fmt::Display) -> ClientError {
    ClientError::CorruptCache(what.to_string())
}

#[derive(sqlx::FromRow)]
struct NotificationRow {
    id: String,
    kind: String,
    actor_id: Option<String>,
    actor_name: Option<String>,
    group_id: Option<String>,
    group_name: Option<String>,
    post_id: Option<String>,
    comment_id: Option<String>,
    text: String,
    created_at: i64,
    read_at: Option<i64>,
    pending: bool,
}

/// My notifications, newest first (`(created_at, id)` keyset pages), only
/// the unread ones if asked, with the unread count. Names and the excerpt
/// come from the cache: a notification carries ids only.
pub(crate) async fn notifications(
    conn: &mut SqliteConnection,
    me: &str,
    unread_only: bool,
    limit: i64,
    before: Option<&FeedCursor>,
) -> Result<NotificationList, ClientError> {
    let (before_at, before_id) = match before {
        Some(c) => (c.created_at, c.id.clone()),
        None => (i64::MAX, String::new()),
    };
    let rows: Vec<NotificationRow> = sqlx::query_as(
        "SELECT n.id, n.kind, n.actor_id,
                CASE WHEN n.actor_id IS NOT NULL THEN COALESCE(a.name, 'Unknown user') END
                    AS actor_name,
                n.group_id, g.name AS group_name, n.post_id, n.comment_id,
                COALESCE(c.body, p.body, '') AS text, n.created_at, n.read_at,
                EXISTS (SELECT 1 FROM outbox o WHERE o.entity_id = n.id
                        AND o.kind = 'read_notification' AND o.state = 'pending')
                OR EXISTS (SELECT 1 FROM outbox o, json_each(o.payload, '$.marked') j
                           WHERE o.entity_id = ?1 AND o.kind = 'read_all_notifications'
                             AND o.state = 'pending' AND j.value = n.id) AS pending
         FROM notifications n
         LEFT JOIN users a ON a.id = n.actor_id
         LEFT JOIN groups g ON g.id = n.group_id
         LEFT JOIN posts p ON p.id = n.post_id
         LEFT JOIN comments c ON c.id = n.comment_id
         WHERE n.user_id = ?1 AND (?2 = 0 OR n.read_at IS NULL)
           AND (n.created_at, n.id) < (?3, ?4)
         ORDER BY n.created_at DESC, n.id DESC
         LIMIT ?5",
    )
    .bind(me.to_owned())
    .bind(unread_only)
    .bind(before_at)
    .bind(before_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let unread_count = unread_notification_count(conn, me).await?;
    let notifications = rows
        .into_iter()
        .map(|row| {
            let kind: NotificationKind = row
                .kind
                .parse()
                .map_err(|e| corrupt(format!("notification {}: {e}", row.id)))?;
            Ok(NotificationView {
                id: row.id,
                kind,
                actor_id: row.actor_id,
                actor_name: row.actor_name,
                group_id: row.group_id,
                group_name: row.group_name,
                post_id: row.post_id,
                comment_id: row.comment_id,
                excerpt: excerpt(&row.text, NOTIFICATION_EXCERPT_CHARS),
                created_at: row.created_at,
                read: row.read_at.is_some(),
                pending: row.pending,
            })
        })
        .collect::<Result<Vec<_>, ClientError>>()?;
    Ok(NotificationList {
        notifications,
        unread_count,
    })
}

/// How many of my notifications are unread (the badges' and the tray's count).
pub(crate) async fn unread_notification_count(
    conn: &mut SqliteConnection,
    me: &str,
) -> Result<i64, ClientError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL",
    )
    .bind(me.to_owned())
    .fetch_one(conn)
    .await?)
}

#[derive(sqlx::FromRow)]
struct PersonRow {
    id: String,
    name: String,
    handle: String,
    title: String,
    department: String,
    location: String,
    deactivated: bool,
    avatar_id: Option<String>,
}

impl From<PersonRow> for PersonSummary {
    fn from(r: PersonRow) -> Self {
        PersonSummary {
            id: r.id,
            name: r.name,
            handle: r.handle,
            title: r.title,
            department: r.department,
            location: r.location,
            deactivated: r.deactivated,
            avatar_id: r.avatar_id,
        }
    }
}

/// The directory: active people by name. `query` filters (every word a
/// prefix of the name, handle, e-mail, title, department or location; the
/// search index does the matching, see `search::match_expression`).
pub(crate) async fn people(
    conn: &mut SqliteConnection,
    query: Option<&str>,
    limit: i64,
) -> Result<Vec<PersonSummary>, ClientError> {
    let expression = query.and_then(super::match_expression);
    let rows: Vec<PersonRow> =
        match expression {
            None if query.is_some_and(|q| !q.trim().is_empty()) => Vec::new(),
            None => {
                sqlx::query_as(
                    "SELECT id, name, handle, title, department, location, deactivated, avatar_id
                 FROM users WHERE deactivated = 0
                 ORDER BY name COLLATE NOCASE, id
                 LIMIT ?",
                )
                .bind(limit)
                .fetch_all(conn)
                .await?
            }
            Some(expression) => sqlx::query_as(
                "SELECT u.id, u.name, u.handle, u.title, u.department, u.location, u.deactivated,
                        u.avatar_id
                 FROM search_index
                 JOIN search_keys k ON k.key = search_index.rowid AND k.kind = 'person'
                 JOIN users u ON u.id = k.id
                 WHERE search_index MATCH ?1 AND u.deactivated = 0
                 ORDER BY u.name COLLATE NOCASE, u.id
                 LIMIT ?2",
            )
            .bind(expression)
            .bind(limit)
            .fetch_all(conn)
            .await?,
        };
    Ok(rows.into_iter().map(PersonSummary::from).collect())
}

#[derive(sqlx::FromRow)]
struct ProfileRow {
    id: String,
    name: String,
    handle: String,
    email: String,
    title: String,
    department: String,
    location: String,
    about: String,
    is_admin: bool,
    deactivated: bool,
    created_at: i64,
    manager_id: Option<String>,
    avatar_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ProfileGroupRow {
    group_id: String,
    name: String,
    privacy: String,
    role: String,
}

/// A person by handle (with or without `@`, any case) or id.
pub(crate) async fn profile(
    conn: &mut SqliteConnection,
    handle_or_id: &str,
) -> Result<Option<Profile>, ClientError> {
    let wanted = handle_or_id.trim().trim_start_matches('@');
    let row: Option<ProfileRow> = sqlx::query_as(
        "SELECT id, name, handle, email, title, department, location, about, is_admin,
                deactivated, created_at, manager_id, avatar_id
         FROM users WHERE handle = ?1 COLLATE NOCASE OR id = ?1
         ORDER BY id = ?1 DESC LIMIT 1",
    )
    .bind(wanted.to_owned())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let manager: Option<PersonRow> = match &row.manager_id {
        Some(manager_id) => {
            sqlx::query_as(
                "SELECT id, name, handle, title, department, location, deactivated, avatar_id
                 FROM users WHERE id = ?",
            )
            .bind(manager_id.clone())
            .fetch_optional(&mut *conn)
            .await?
        }
        None => None,
    };
    let reports: Vec<PersonRow> = sqlx::query_as(
        "SELECT id, name, handle, title, department, location, deactivated, avatar_id
         FROM users WHERE manager_id = ? AND deactivated = 0
         ORDER BY name COLLATE NOCASE, id",
    )
    .bind(row.id.clone())
    .fetch_all(&mut *conn)
    .await?;
    let groups: Vec<ProfileGroupRow> = sqlx::query_as(
        "SELECT m.group_id, g.name, g.privacy, m.role
         FROM memberships m JOIN groups g ON g.id = m.group_id
         WHERE m.user_id = ?
         ORDER BY g.is_default DESC, g.name COLLATE NOCASE, g.id",
    )
    .bind(row.id.clone())
    .fetch_all(&mut *conn)
    .await?;
    let groups = groups
        .into_iter()
        .map(|g| {
            let privacy: Privacy = g
                .privacy
                .parse()
                .map_err(|e| corrupt(format!("group {}: {e}", g.group_id)))?;
            let role: GroupRole = g
                .role
                .parse()
                .map_err(|e| corrupt(format!("membership in {}: {e}", g.group_id)))?;
            Ok(ProfileGroup {
                group_id: g.group_id,
                name: g.name,
                privacy,
                role,
            })
        })
        .collect::<Result<Vec<_>, ClientError>>()?;
    Ok(Some(Profile {
        id: row.id,
        name: row.name,
        handle: row.handle,
        email: row.email,
        title: row.title,
        department: row.department,
        location: row.location,
        about: row.about,
        is_admin: row.is_admin,
        deactivated: row.deactivated,
        created_at: row.created_at,
        avatar_id: row.avatar_id,
        manager: manager.map(PersonSummary::from),
        reports: reports.into_iter().map(PersonSummary::from).collect(),
        groups,
    }))
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    user_id: String,
    name: String,
    handle: String,
    title: String,
    role: String,
    joined_at: i64,
    pending: bool,
}

/// A group's members: admins, then moderators, then members, each by name.
pub(crate) async fn members(
    conn: &mut SqliteConnection,
    group_id: &str,
) -> Result<Vec<MemberView>, ClientError> {
    let rows: Vec<MemberRow> = sqlx::query_as(
        "SELECT m.user_id, COALESCE(u.name, 'Unknown user') AS name,
                COALESCE(u.handle, '') AS handle, COALESCE(u.title, '') AS title,
                m.role, m.joined_at, m.pending
         FROM memberships m
         LEFT JOIN users u ON u.id = m.user_id
         WHERE m.group_id = ?
         ORDER BY CASE m.role WHEN 'admin' THEN 0 WHEN 'moderator' THEN 1 ELSE 2 END,
                  u.name COLLATE NOCASE, m.user_id",
    )
    .bind(group_id.to_owned())
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            let role: GroupRole = r
                .role
                .parse()
                .map_err(|e| corrupt(format!("membership of {}: {e}", r.user_id)))?;
            Ok(MemberView {
                user_id: r.user_id,
                name: r.name,
                handle: r.handle,
                title: r.title,
                role,
                joined_at: r.joined_at,
                pending: r.pending,
            })
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct JoinRequestRow {
    group_id: String,
    group_name: String,
    user_id: String,
    name: String,
    handle: String,
    title: String,
    created_at: i64,
}

/// Requests to join the groups I administer or moderate (the server sends
/// them to both), oldest first.
pub(crate) async fn join_requests(
    conn: &mut SqliteConnection,
    me: &str,
) -> Result<Vec<JoinRequestView>, ClientError> {
    let rows: Vec<JoinRequestRow> = sqlx::query_as(
        "SELECT r.group_id, COALESCE(g.name, '') AS group_name, r.user_id,
                COALESCE(u.name, 'Unknown user') AS name, COALESCE(u.handle, '') AS handle,
                COALESCE(u.title, '') AS title, r.created_at
         FROM memberships my
         JOIN join_requests r ON r.group_id = my.group_id
         LEFT JOIN groups g ON g.id = r.group_id
         LEFT JOIN users u ON u.id = r.user_id
         WHERE my.user_id = ?1 AND my.role IN ('admin', 'moderator') AND r.user_id <> ?1
         ORDER BY r.created_at, r.group_id, r.user_id",
    )
    .bind(me.to_owned())
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| JoinRequestView {
            group_id: r.group_id,
            group_name: r.group_name,
            user_id: r.user_id,
            name: r.name,
            handle: r.handle,
            title: r.title,
            created_at: r.created_at,
        })
        .collect())
}

/// The name this cache knows for a user or group (an audit entry's target);
/// `None` for other kinds and for what it does not hold (a secret group I am
/// not in, say).
pub(crate) async fn display_name(
    conn: &mut SqliteConnection,
    kind: &str,
    id: &str,
) -> Result<Option<String>, ClientError> {
    let sql = match kind {
        "user" => "SELECT name FROM users WHERE id = ?",
        "group" => "SELECT name FROM groups WHERE id = ?",
        _ => return Ok(None),
    };
    Ok(sqlx::query_scalar(sql)
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: String,
    name: String,
    email: String,
    handle: String,
    title: String,
    department: String,
    is_admin: bool,
    deactivated: bool,
}

/// Every account, deactivated ones too, by name, for organisation admins
/// (the directory leaves deactivated people out). `query` filters as the
/// directory's does.
pub(crate) async fn accounts(
    conn: &mut SqliteConnection,
    query: Option<&str>,
    limit: i64,
) -> Result<Vec<PersonAccount>, ClientError> {
    const COLUMNS: &str =
        "u.id, u.name, u.email, u.handle, u.title, u.department, u.is_admin, u.deactivated";
    let rows: Vec<AccountRow> = match (
        query.filter(|q| !q.trim().is_empty()),
        query.and_then(super::match_expression),
    ) {
        (Some(_), None) => Vec::new(),
        (None, _) => {
            let sql = format!(
                "SELECT {COLUMNS} FROM users u ORDER BY u.name COLLATE NOCASE, u.id LIMIT ?"
            );
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(limit)
                .fetch_all(conn)
                .await?
        }
        (Some(_), Some(expression)) => {
            let sql = format!(
                "SELECT {COLUMNS} FROM search_index
                 JOIN search_keys k ON k.key = search_index.rowid AND k.kind = 'person'
                 JOIN users u ON u.id = k.id
                 WHERE search_index MATCH ?1
                 ORDER BY u.name COLLATE NOCASE, u.id LIMIT ?2"
            );
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(expression)
                .bind(limit)
                .fetch_all(conn)
                .await?
        }
    };
    Ok(rows
        .into_iter()
        .map(|r| PersonAccount {
            id: r.id,
            name: r.name,
            email: r.email,
            handle: r.handle,
            title: r.title,
            department: r.department,
            is_admin: r.is_admin,
            deactivated: r.deactivated,
        })
        .collect())
}
