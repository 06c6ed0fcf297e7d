//! The change log: one row per write, read by sync in seq order.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::{get_parsed, now_millis, DbError};

/// What a change-log row points at, and so who may see it (see [`visible_page`]).
macro_rules! change_kinds {
    ($($variant:ident => $text:literal),+ $(,)?) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ChangeKind {
            $($variant),+
        }

        impl ChangeKind {
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ChangeKind::$variant => $text),+
                }
            }
        }

        impl std::str::FromStr for ChangeKind {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(ChangeKind::$variant),)+
                    other => Err(format!("unknown change kind {other:?}")),
                }
            }
        }
    };
}

change_kinds! {
    // entity_id: the user. No group: everyone sees people.
    User => "user",
    // entity_id = group_id: the group.
    Group => "group",
    // group_id + user_id: a membership, added, changed or removed.
    Membership => "membership",
    // group_id + user_id: a join request, made or settled.
    JoinRequest => "join_request",
    // group_id, user_id NULL: non-members must forget the group (it became secret).
    Purge => "purge",
    // entity_id: the post or comment; group_id: its group.
    Post => "post",
    Comment => "comment",
    // entity_id: the post or comment reacted to; user_id: who reacted.
    Reaction => "reaction",
    // entity_id: the notification; user_id: its recipient; group_id: its group, if any.
    Notification => "notification",
    // group_id + user_id: that member's own settings for the group.
    GroupSettings => "group_settings",
    // entity_id: the post of the poll; user_id: the voter.
    PollVote => "poll_vote",
    // entity_id: the post; user_id: who saw it.
    PostSeen => "post_seen",
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

/// Rows per multi-row append: a few thousand bound values.
const APPEND_CHUNK: usize = 400;

/// Several entries in few statements (imports). Answers each entry's seq
/// with its `entity_id` and `user_id`, to tell them apart: the order in
/// which the database answers is not relied on.
pub(super) async fn append_many(
    conn: &mut AnyConnection,
    changes: &[NewChange<'_>],
) -> Result<Vec<(i64, String, Option<String>)>, DbError> {
    let now = now_millis();
    let mut appended = Vec::with_capacity(changes.len());
    for chunk in changes.chunks(APPEND_CHUNK) {
        let groups: Vec<String> = (0..chunk.len())
            .map(|r| format!("({})", super::placeholders(r * 5 + 1, 5)))
            .collect();
        let sql = format!(
            "INSERT INTO changes (kind, entity_id, group_id, user_id, created_at) VALUES {} \
             RETURNING seq, entity_id, user_id",
            groups.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for change in chunk {
            query = query
                .bind(change.kind.as_str())
                .bind(change.entity_id)
                .bind(change.group_id)
                .bind(change.user_id)
                .bind(now);
        }
        for row in query.fetch_all(&mut *conn).await? {
            appended.push((
                row.try_get("seq")?,
                row.try_get("entity_id")?,
                row.try_get("user_id")?,
            ));
        }
    }
    Ok(appended)
}

/// The newest seq (0 for an empty log).
pub async fn head(conn: &mut AnyConnection) -> Result<i64, DbError> {
    let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS head FROM changes")
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("head")?)
}

/// This life of the change log: drawn when the database was created, and
/// again by `restore`.
pub async fn epoch(conn: &mut AnyConnection) -> Result<String, DbError> {
    let row = sqlx::query("SELECT epoch FROM server_identity WHERE id = 1")
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("epoch")?)
}

/// The changes in `(since, head]` that `user_id` may see, oldest first, at most `limit`.
///
/// Visibility is decided on the current state, in this one query (the
/// permission rules of sync live here):
/// - people: everyone;
/// - a group: everyone unless it is secret, then its members;
/// - a membership: the member, and the group's members;
/// - a join request: the requester, and the group's admins and moderators;
///   and a row addressed to a demoted moderator (`entity_id`), whom
///   `ops::sync` tells that the request is gone for them;
/// - a purge of a group: its non-members whose cursor (`since`) is at or
///   past the group's first change, so only a client that may hold something
///   of the group hears of it (a first sync, or a client that last synced
///   before the group existed, would learn only the id of a secret group);
/// - a notification or a group setting: its owner only, and a notification
///   only while the owner may still read its group;
/// - content (posts, comments, reactions, poll votes): the group's members;
///   except, for a membership that began after `since` (not on a first
///   sync), what came before it, which `ops::sync` backfills, capped;
/// - that someone saw a post: members who are that person, the post's
///   author or an admin of the group.
pub async fn visible_page(
    conn: &mut AnyConnection,
    user_id: &str,
    since: i64,
    head: i64,
    limit: i64,
) -> Result<Vec<ChangeRow>, DbError> {
    const MEMBER: &str =
        "EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = c.group_id AND m.user_id = $3)";
    // Content from before a membership that began after `since` comes
    // through the capped join backfill instead (`recent_history`).
    const MEMBER_BEFORE_OR_SINCE_JOINING: &str = "EXISTS (SELECT 1 FROM memberships m \
        WHERE m.group_id = c.group_id AND m.user_id = $3 AND ($1 = 0 \
        OR m.joined_seq IS NULL OR m.joined_seq <= $1 OR c.seq > m.joined_seq))";
    let sql = format!(
        "SELECT {COLUMNS} FROM changes c LEFT JOIN groups g ON g.id = c.group_id \
         WHERE c.seq > $1 AND c.seq <= $2 AND ( \
             (c.kind = 'user') \
             OR (c.kind = 'group' AND (g.privacy <> 'secret' OR {MEMBER})) \
             OR (c.kind = 'membership' AND (c.user_id = $3 OR {MEMBER})) \
             OR (c.kind = 'join_request' AND (c.user_id = $3 OR c.entity_id = $3 OR EXISTS ( \
                 SELECT 1 FROM memberships m WHERE m.group_id = c.group_id AND m.user_id = $3 \
                 AND m.role IN ('admin', 'moderator')))) \
             OR (c.kind = 'purge' AND NOT {MEMBER} AND $1 >= ( \
                 SELECT MIN(f.seq) FROM changes f WHERE f.group_id = c.group_id)) \
             OR (c.kind = 'notification' AND c.user_id = $3 AND (c.group_id IS NULL OR {MEMBER})) \
             OR (c.kind = 'group_settings' AND c.user_id = $3) \
             OR (c.kind IN ('post', 'comment', 'reaction', 'poll_vote') \
                 AND {MEMBER_BEFORE_OR_SINCE_JOINING}) \
             OR (c.kind = 'post_seen' AND {MEMBER} AND (c.user_id = $3 \
                 OR EXISTS (SELECT 1 FROM posts p WHERE p.id = c.entity_id AND p.author_id = $3) \
                 OR EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = c.group_id \
                     AND m.user_id = $3 AND m.role = 'admin')))) \
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

/// What a new member of `group_id` could not see before its membership
/// began at `upto`: the group's recent history, oldest first. That is the
/// group and membership changes (the member list), and the post, comment
/// reaction and poll-vote changes of the newest `posts` posts that are not deleted and
/// of the pinned ones (the top of the group page). Older posts are read
/// through the group page endpoint. Per-person kinds (join requests,
/// notifications, settings, purges, "seen") are not included.
pub async fn recent_history(
    conn: &mut AnyConnection,
    group_id: &str,
    upto: i64,
    posts: i64,
) -> Result<Vec<ChangeRow>, DbError> {
    const RECENT: &str = "SELECT p.id FROM posts p WHERE p.group_id = $1 AND ( \
             p.pinned_at IS NOT NULL OR p.id IN ( \
                 SELECT q.id FROM posts q WHERE q.group_id = $1 AND q.deleted_at IS NULL \
                 ORDER BY q.seq DESC LIMIT $3))";
    let sql = format!(
        "SELECT {COLUMNS} FROM changes c WHERE c.group_id = $1 AND c.seq <= $2 AND ( \
             c.kind IN ('group', 'membership') \
             OR (c.kind IN ('post', 'reaction', 'poll_vote') AND c.entity_id IN ({RECENT})) \
             OR (c.kind IN ('comment', 'reaction') AND c.entity_id IN ( \
                 SELECT k.id FROM comments k WHERE k.post_id IN ({RECENT})))) \
         ORDER BY c.seq"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(group_id)
        .bind(upto)
        .bind(posts)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}
