//! The change log: one row per write, read by sync in seq order.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::{get_parsed, now_millis, placeholders, DbError, IN_LIST_CHUNK};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    User,
    Group,
    Membership,
    Post,
    Comment,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::User => "user",
            ChangeKind::Group => "group",
            ChangeKind::Membership => "membership",
            ChangeKind::Post => "post",
            ChangeKind::Comment => "comment",
        }
    }
}

impl std::str::FromStr for ChangeKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "user" => ChangeKind::User,
            "group" => ChangeKind::Group,
            "membership" => ChangeKind::Membership,
            "post" => ChangeKind::Post,
            "comment" => ChangeKind::Comment,
            other => return Err(format!("unknown change kind {other:?}")),
        })
    }
}

/// A change to append. `group_id` scopes visibility (None: visible to all);
/// `user_id` names the member of a membership change.
#[derive(Clone, Copy, Debug)]
pub struct NewChange<'a> {
    pub kind: ChangeKind,
    pub entity_id: &'a str,
    pub group_id: Option<&'a str>,
    pub user_id: Option<&'a str>,
}

/// A row of the change log. A membership is identified by
/// (`group_id`, `user_id`); every other kind by `entity_id`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeRow {
    pub seq: i64,
    pub kind: ChangeKind,
    pub entity_id: String,
    pub group_id: Option<String>,
    pub user_id: Option<String>,
}

const COLUMNS: &str = "c.seq, c.kind, c.entity_id, c.group_id, c.user_id";

fn from_row(row: &AnyRow) -> Result<ChangeRow, DbError> {
    Ok(ChangeRow {
        seq: row.try_get("seq")?,
        kind: get_parsed(row, "kind")?,
        entity_id: row.try_get("entity_id")?,
        group_id: row.try_get("group_id")?,
        user_id: row.try_get("user_id")?,
    })
}

/// Only through [`super::Write::append`], which keeps the ordering invariant.
pub(super) async fn append(
    conn: &mut AnyConnection,
    change: NewChange<'_>,
) -> Result<i64, DbError> {
    let row = sqlx::query(
        "INSERT INTO changes (kind, entity_id, group_id, user_id, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING seq",
    )
    .bind(change.kind.as_str())
    .bind(change.entity_id)
    .bind(change.group_id)
    .bind(change.user_id)
    .bind(now_millis())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("seq")?)
}

/// The newest seq (0 for an empty log).
pub async fn head(conn: &mut AnyConnection) -> Result<i64, DbError> {
    let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS head FROM changes")
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("head")?)
}

/// The changes in `(since, head]` that `user_id` may see, oldest first, at most `limit`.
///
/// Visible: changes of no group (users); a group's own change when the group
/// is not secret; the caller's own membership changes; anything of a group
/// the caller is a member of.
pub async fn visible_page(
    conn: &mut AnyConnection,
    user_id: &str,
    since: i64,
    head: i64,
    limit: i64,
) -> Result<Vec<ChangeRow>, DbError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM changes c LEFT JOIN groups g ON g.id = c.group_id \
         WHERE c.seq > $1 AND c.seq <= $2 AND ( \
             c.group_id IS NULL \
             OR (c.kind = 'group' AND g.privacy <> 'secret') \
             OR (c.kind = 'membership' AND c.user_id = $3) \
             OR EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = c.group_id AND m.user_id = $3)) \
         ORDER BY c.seq LIMIT $4"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(since)
        .bind(head)
        .bind(user_id)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The changes of the given groups up to and including `upto`, oldest first:
/// what a new member could not see before its cursor. (A group's own change
/// is left out unless the group is secret: everyone saw that one.)
pub async fn group_history(
    conn: &mut AnyConnection,
    group_ids: &[String],
    upto: i64,
) -> Result<Vec<ChangeRow>, DbError> {
    let mut found = Vec::new();
    for chunk in group_ids.chunks(IN_LIST_CHUNK) {
        let sql = format!(
            "SELECT {COLUMNS} FROM changes c JOIN groups g ON g.id = c.group_id \
             WHERE c.seq <= $1 AND c.group_id IN ({}) \
               AND (c.kind <> 'group' OR g.privacy = 'secret') \
             ORDER BY c.seq",
            placeholders(2, chunk.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(upto);
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.push(from_row(&row)?);
        }
    }
    found.sort_by_key(|c| c.seq);
    Ok(found)
}
