//! Groups, memberships, join requests and members' group settings.

use commons_protocol::{Group, GroupListItem, GroupRole, GroupSettings, JoinRequest, Membership};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::social::join_request_from_row;
use super::{get_flag, get_parsed, placeholders, DbError, IN_LIST_CHUNK};

const COLUMNS: &str =
    "g.id, g.name, g.description, g.privacy, g.is_default, g.created_by, g.created_at, g.cover_id";
const MEMBERSHIP_COLUMNS: &str = "m.group_id, m.user_id, m.role, m.joined_at";

fn from_row(row: &AnyRow) -> Result<Group, DbError> {
    Ok(Group {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        privacy: get_parsed(row, "privacy")?,
        is_default: get_flag(row, "is_default")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        cover_id: row.try_get("cover_id")?,
    })
}

fn membership_from_row(row: &AnyRow) -> Result<Membership, DbError> {
    Ok(Membership {
        group_id: row.try_get("group_id")?,
        user_id: row.try_get("user_id")?,
        role: get_parsed(row, "role")?,
        joined_at: row.try_get("joined_at")?,
    })
}

fn role_from_row(row: &AnyRow) -> Result<Option<GroupRole>, DbError> {
    let role: Option<String> = row.try_get("my_role")?;
    role.map(|r| r.parse().map_err(|e| DbError::Corrupt(format!("{e}"))))
        .transpose()
}

pub async fn insert(conn: &mut AnyConnection, group: &Group) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO groups (id, name, description, privacy, is_default, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&group.id)
    .bind(&group.name)
    .bind(&group.description)
    .bind(group.privacy.as_str())
    .bind(i64::from(group.is_default))
    .bind(&group.created_by)
    .bind(group.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_membership(conn: &mut AnyConnection, m: &Membership) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO memberships (group_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&m.group_id)
    .bind(&m.user_id)
    .bind(m.role.as_str())
    .bind(m.joined_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records the seq of the change that began a membership.
pub async fn set_joined_seq(
    conn: &mut AnyConnection,
    group_id: &str,
    user_id: &str,
    seq: i64,
) -> Result<(), DbError> {
    sqlx::query("UPDATE memberships SET joined_seq = $1 WHERE group_id = $2 AND user_id = $3")
        .bind(seq)
        .bind(group_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The groups among `group_ids` in which `user_id`'s membership began after
/// `since`, each with the seq of that beginning.
pub async fn joined_after(
    conn: &mut AnyConnection,
    user_id: &str,
    group_ids: &[String],
    since: i64,
) -> Result<Vec<(String, i64)>, DbError> {
    let mut found = Vec::new();
    for chunk in group_ids.chunks(IN_LIST_CHUNK) {
        let sql = format!(
            "SELECT group_id, joined_seq FROM memberships \
             WHERE user_id = $1 AND joined_seq > $2 AND group_id IN ({})",
            placeholders(3, chunk.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(user_id).bind(since);
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.push((row.try_get("group_id")?, row.try_get("joined_seq")?));
        }
    }
    Ok(found)
}

pub async fn exists(conn: &mut AnyConnection, group_id: &str) -> Result<bool, DbError> {
    let row = sqlx::query("SELECT 1 AS one FROM groups WHERE id = $1")
        .bind(group_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

/// A group, whatever its privacy, with `user_id`'s role in it.
/// Callers decide visibility (see `ops::groups`).
pub async fn find_with_role(
    conn: &mut AnyConnection,
    group_id: &str,
    user_id: &str,
) -> Result<Option<(Group, Option<GroupRole>)>, DbError> {
    let sql = format!(
        "SELECT {COLUMNS}, m.role AS my_role FROM groups g \
         LEFT JOIN memberships m ON m.group_id = g.id AND m.user_id = $2 WHERE g.id = $1"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(group_id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?;
    row.map(|row| Ok((from_row(&row)?, role_from_row(&row)?)))
        .transpose()
}

/// The groups `user_id` may see (all but the secret ones they are not in),
/// the default group first, then by name.
pub async fn list_visible(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<Vec<GroupListItem>, DbError> {
    let sql = format!(
        "SELECT {COLUMNS}, m.role AS my_role, \
            (SELECT COUNT(*) FROM memberships mc WHERE mc.group_id = g.id) AS member_count \
         FROM groups g LEFT JOIN memberships m ON m.group_id = g.id AND m.user_id = $1 \
         WHERE g.privacy <> 'secret' OR m.user_id IS NOT NULL \
         ORDER BY g.is_default DESC, g.name, g.id"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(user_id)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(GroupListItem {
                group: from_row(row)?,
                my_role: role_from_row(row)?,
                member_count: row.try_get("member_count")?,
            })
        })
        .collect()
}

pub async fn default_group(conn: &mut AnyConnection) -> Result<Option<Group>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM groups g WHERE g.is_default = 1");
    let row = sqlx::query(AssertSqlSafe(sql)).fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn membership(
    conn: &mut AnyConnection,
    group_id: &str,
    user_id: &str,
) -> Result<Option<Membership>, DbError> {
    let sql = format!(
        "SELECT {MEMBERSHIP_COLUMNS} FROM memberships m WHERE m.group_id = $1 AND m.user_id = $2"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(group_id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(membership_from_row).transpose()
}

pub async fn member_count(conn: &mut AnyConnection, group_id: &str) -> Result<i64, DbError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM memberships WHERE group_id = $1")
        .bind(group_id)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

/// The ids of a group's members. One row, not one per member: every row
/// costs a hop between threads in the SQLite driver, and this runs inside
/// each post's write transaction. (User ids are UUIDs: no commas.)
pub async fn member_ids(conn: &mut AnyConnection, group_id: &str) -> Result<Vec<String>, DbError> {
    let row =
        sqlx::query("SELECT string_agg(user_id, ',') AS ids FROM memberships WHERE group_id = $1")
            .bind(group_id)
            .fetch_one(conn)
            .await?;
    let ids: Option<String> = row.try_get("ids")?;
    Ok(ids
        .map(|ids| ids.split(',').map(str::to_owned).collect())
        .unwrap_or_default())
}

/// The groups with these ids (missing ones are left out).
pub async fn load(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<Group>, DbError> {
    let query = format!("SELECT {COLUMNS} FROM groups g WHERE");
    super::load_by_ids(conn, &query, "g.id", ids, from_row).await
}

/// The memberships with these (group id, user id) keys (missing ones are left out).
pub async fn load_memberships(
    conn: &mut AnyConnection,
    keys: &[(String, String)],
) -> Result<Vec<Membership>, DbError> {
    let query = format!("SELECT {MEMBERSHIP_COLUMNS} FROM memberships m WHERE");
    super::load_by_pairs(
        conn,
        &query,
        "m.group_id, m.user_id",
        keys,
        membership_from_row,
    )
    .await
}

/// Writes the group's name, description and privacy.
pub async fn update(conn: &mut AnyConnection, group: &Group) -> Result<(), DbError> {
    sqlx::query("UPDATE groups SET name = $1, description = $2, privacy = $3 WHERE id = $4")
        .bind(&group.name)
        .bind(&group.description)
        .bind(group.privacy.as_str())
        .bind(&group.id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets or clears a group's cover image.
pub async fn set_cover(
    conn: &mut AnyConnection,
    group_id: &str,
    cover_id: Option<&str>,
) -> Result<(), DbError> {
    sqlx::query("UPDATE groups SET cover_id = $1 WHERE id = $2")
        .bind(cover_id)
        .bind(group_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes a membership; false when there was none.
pub async fn delete_membership(
    conn: &mut AnyConnection,
    group_id: &str,
    user_id: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query("DELETE FROM memberships WHERE group_id = $1 AND user_id = $2")
        .bind(group_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn set_role(
    conn: &mut AnyConnection,
    group_id: &str,
    user_id: &str,
    role: GroupRole,
) -> Result<(), DbError> {
    sqlx::query("UPDATE memberships SET role = $1 WHERE group_id = $2 AND user_id = $3")
        .bind(role.as_str())
        .bind(group_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn admin_count(conn: &mut AnyConnection, group_id: &str) -> Result<i64, DbError> {
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM memberships WHERE group_id = $1 AND role = 'admin'")
            .bind(group_id)
            .fetch_one(conn)
            .await?;
    Ok(row.try_get("n")?)
}

/// The group's admins and moderators: who settles join requests.
pub async fn moderator_ids(
    conn: &mut AnyConnection,
    group_id: &str,
) -> Result<Vec<String>, DbError> {
    let rows = sqlx::query(
        "SELECT user_id FROM memberships WHERE group_id = $1 AND role IN ('admin', 'moderator') \
         ORDER BY user_id",
    )
    .bind(group_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok(row.try_get("user_id")?)).collect()
}

/// Up to `limit` memberships of the group ordered by the member's name
/// (case-folded by the database's `LOWER`), then id, after the member `after`.
/// `None` when `after` names nobody.
pub async fn member_page(
    conn: &mut AnyConnection,
    group_id: &str,
    after: Option<&str>,
    limit: i64,
) -> Result<Option<Vec<Membership>>, DbError> {
    let rows = match after {
        None => {
            let sql = format!(
                "SELECT {MEMBERSHIP_COLUMNS} FROM memberships m JOIN users u ON u.id = m.user_id \
                 WHERE m.group_id = $1 ORDER BY LOWER(u.name), u.id LIMIT $2"
            );
            sqlx::query(AssertSqlSafe(sql))
                .bind(group_id)
                .bind(limit)
                .fetch_all(conn)
                .await?
        }
        Some(after) => {
            let key = sqlx::query("SELECT LOWER(name) AS k FROM users WHERE id = $1")
                .bind(after)
                .fetch_optional(&mut *conn)
                .await?;
            let Some(key) = key else {
                return Ok(None);
            };
            let key: String = key.try_get("k")?;
            let sql = format!(
                "SELECT {MEMBERSHIP_COLUMNS} FROM memberships m JOIN users u ON u.id = m.user_id \
                 WHERE m.group_id = $1 AND (LOWER(u.name) > $2 OR (LOWER(u.name) = $2 AND u.id > $3)) \
                 ORDER BY LOWER(u.name), u.id LIMIT $4"
            );
            sqlx::query(AssertSqlSafe(sql))
                .bind(group_id)
                .bind(key)
                .bind(after)
                .bind(limit)
                .fetch_all(conn)
                .await?
        }
    };
    Ok(Some(
        rows.iter()
            .map(membership_from_row)
            .collect::<Result<_, _>>()?,
    ))
}

pub async fn join_request(
    conn: &mut AnyConnection,
    group_id: &str,
    user_id: &str,
) -> Result<Option<JoinRequest>, DbError> {
    let row = sqlx::query(
        "SELECT group_id, user_id, created_at FROM join_requests \
         WHERE group_id = $1 AND user_id = $2",
    )
    .bind(group_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(join_request_from_row).transpose()
}

pub async fn insert_join_request(
    conn: &mut AnyConnection,
    request: &JoinRequest,
) -> Result<(), DbError> {
    sqlx::query("INSERT INTO join_requests (group_id, user_id, created_at) VALUES ($1, $2, $3)")
        .bind(&request.group_id)
        .bind(&request.user_id)
        .bind(request.created_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes a join request; false when there was none.
pub async fn delete_join_request(
    conn: &mut AnyConnection,
    group_id: &str,
    user_id: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query("DELETE FROM join_requests WHERE group_id = $1 AND user_id = $2")
        .bind(group_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The group's pending join requests, oldest first.
pub async fn join_requests(
    conn: &mut AnyConnection,
    group_id: &str,
) -> Result<Vec<JoinRequest>, DbError> {
    let rows = sqlx::query(
        "SELECT group_id, user_id, created_at FROM join_requests WHERE group_id = $1 \
         ORDER BY created_at, user_id",
    )
    .bind(group_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(join_request_from_row).collect()
}

/// Sets a member's notification level for the group.
pub async fn upsert_settings(
    conn: &mut AnyConnection,
    settings: &GroupSettings,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO group_settings (group_id, user_id, notification_level) VALUES ($1, $2, $3) \
         ON CONFLICT (group_id, user_id) DO UPDATE SET notification_level = excluded.notification_level",
    )
    .bind(&settings.group_id)
    .bind(&settings.user_id)
    .bind(settings.notification_level.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_settings(
    conn: &mut AnyConnection,
    group_id: &str,
    user_id: &str,
) -> Result<(), DbError> {
    sqlx::query("DELETE FROM group_settings WHERE group_id = $1 AND user_id = $2")
        .bind(group_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}
