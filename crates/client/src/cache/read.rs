//! The reads behind each screen. Each is one indexed query (plus one for the
//! comments, reactions, polls and files of a whole feed page), so screens stay fast on a large cache.

use std::collections::HashMap;

use commons_protocol::markdown::to_safe_html;
use commons_protocol::{GroupRole, NotificationLevel, Privacy, ReactionKind};
use sqlx::SqliteConnection;

use crate::{ClientError, CommentView, FeedCursor, FeedPost, GroupView, ReactionCount};

/// The columns of a post for a screen, from `posts p` joined to its group `g`
/// and author `u`. Whether a write on it waits or failed comes from the outbox
/// (its creation, an edit or a deletion; reactions are not counted).
macro_rules! post_columns {
    () => {
        "p.id, p.group_id, COALESCE(g.name, '') AS group_name, p.author_id,
         COALESCE(u.name, 'Unknown user') AS author_name, p.body, p.created_at,
         p.edited_at, p.deleted_at, p.pinned_at, p.poll, p.announced_until,
         (p.pending AND p.failed IS NULL)
             OR EXISTS (SELECT 1 FROM outbox o WHERE o.entity_id = p.id
                        AND o.kind IN ('edit_post', 'delete_post') AND o.state = 'pending')
             AS pending,
         COALESCE(p.failed,
             (SELECT o.reason FROM outbox o WHERE o.entity_id = p.id
              AND o.kind IN ('edit_post', 'delete_post') AND o.state = 'failed'
              ORDER BY o.seq LIMIT 1)) AS failed,
         (SELECT o.mutation_id FROM outbox o
          WHERE o.entity_id = p.id AND o.kind IN ('post', 'edit_post', 'delete_post')
          ORDER BY o.state = 'failed' DESC, o.seq LIMIT 1) AS mutation_id
         FROM posts p
         LEFT JOIN groups g ON g.id = p.group_id
         LEFT JOIN users u ON u.id = p.author_id"
    };
}

/// The columns of a comment `c` with its author `u`, as for posts.
macro_rules! comment_columns {
    () => {
        "c.id, c.post_id, c.author_id, COALESCE(u.name, 'Unknown user') AS author_name,
         c.body, c.created_at, c.parent_id, c.edited_at, c.deleted_at, c.attachments,
         (c.pending AND c.failed IS NULL)
             OR EXISTS (SELECT 1 FROM outbox o WHERE o.entity_id = c.id
                        AND o.kind IN ('edit_comment', 'delete_comment') AND o.state = 'pending')
             AS pending,
         COALESCE(c.failed,
             (SELECT o.reason FROM outbox o WHERE o.entity_id = c.id
              AND o.kind IN ('edit_comment', 'delete_comment') AND o.state = 'failed'
              ORDER BY o.seq LIMIT 1)) AS failed,
         (SELECT o.mutation_id FROM outbox o
          WHERE o.entity_id = c.id AND o.kind IN ('comment', 'edit_comment', 'delete_comment')
          ORDER BY o.state = 'failed' DESC, o.seq LIMIT 1) AS mutation_id
         FROM comments c
         LEFT JOIN users u ON u.id = c.author_id"
    };
}

#[derive(sqlx::FromRow)]
struct PostRow {
    id: String,
    group_id: String,
    group_name: String,
    author_id: String,
    author_name: String,
    body: String,
    created_at: i64,
    edited_at: Option<i64>,
    deleted_at: Option<i64>,
    pinned_at: Option<i64>,
    poll: Option<String>,
    announced_until: Option<i64>,
    pending: bool,
    failed: Option<String>,
    mutation_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct CommentRow {
    id: String,
    post_id: String,
    author_id: String,
    author_name: String,
    body: String,
    created_at: i64,
    parent_id: Option<String>,
    edited_at: Option<i64>,
    deleted_at: Option<i64>,
    /// JSON, see migration 0006.
    attachments: String,
    pending: bool,
    failed: Option<String>,
    mutation_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct GroupRow {
    id: String,
    name: String,
    description: String,
    privacy: String,
    is_default: bool,
    my_role: Option<String>,
    member_count: i64,
    pending: bool,
    failed: Option<String>,
    mutation_id: Option<String>,
    requested: bool,
    notification_level: Option<String>,
    cover_id: Option<String>,
}

/// Posts of the groups `me` belongs to (or of one group), newest first,
/// without tombstones. `(created_at, id)` keyset pagination: `before` is the
/// last post of the previous page. A group's first page starts with its
/// pinned posts (newest pin first, beyond `limit`); the pages list the others.
/// Above them all, on a first page, my announcements that have not ended and
/// that I have not seen (newest first); they keep their place further down.
pub(crate) async fn feed(
    conn: &mut SqliteConnection,
    me: &str,
    group_id: Option<&str>,
    limit: i64,
    before: Option<&FeedCursor>,
) -> Result<Vec<FeedPost>, ClientError> {
    // No cursor = after the end of time, so the query stays one index range scan.
    let (before_at, before_id) = match before {
        Some(c) => (c.created_at, c.id.clone()),
        None => (i64::MAX, String::new()),
    };
    let top: Vec<PostRow> = match before {
        None => unseen_announcements(conn, me, group_id).await?,
        Some(_) => Vec::new(),
    };
    let rows: Vec<PostRow> = match group_id {
        None => {
            sqlx::query_as(concat!(
                "SELECT ",
                post_columns!(),
                " WHERE EXISTS (SELECT 1 FROM memberships m
                               WHERE m.group_id = p.group_id AND m.user_id = ?1)
                   AND (p.created_at, p.id) < (?2, ?3)
                   AND p.deleted_at IS NULL
                 ORDER BY p.created_at DESC, p.id DESC
                 LIMIT ?4"
            ))
            .bind(me.to_owned())
            .bind(before_at)
            .bind(before_id)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?
        }
        Some(group_id) => {
            let mut rows: Vec<PostRow> = if before.is_none() {
                sqlx::query_as(concat!(
                    "SELECT ",
                    post_columns!(),
                    " WHERE p.group_id = ?1 AND p.pinned_at IS NOT NULL AND p.deleted_at IS NULL
                     ORDER BY p.pinned_at DESC, p.id DESC"
                ))
                .bind(group_id.to_owned())
                .fetch_all(&mut *conn)
                .await?
            } else {
                Vec::new()
            };
            let page: Vec<PostRow> = sqlx::query_as(concat!(
                "SELECT ",
                post_columns!(),
                " WHERE p.group_id = ?1
                   AND (p.created_at, p.id) < (?2, ?3)
                   AND p.deleted_at IS NULL AND p.pinned_at IS NULL
                 ORDER BY p.created_at DESC, p.id DESC
                 LIMIT ?4"
            ))
            .bind(group_id.to_owned())
            .bind(before_at)
            .bind(before_id)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
            rows.extend(page);
            rows
        }
    };
    let shown: std::collections::HashSet<String> = top.iter().map(|r| r.id.clone()).collect();
    let rows = top
        .into_iter()
        .chain(rows.into_iter().filter(|r| !shown.contains(&r.id)))
        .collect();
    with_comments(conn, me, rows).await
}

/// My announcements (of one group, or of all mine) that last beyond now and
/// that I have not seen, newest first.
async fn unseen_announcements(
    conn: &mut SqliteConnection,
    me: &str,
    group_id: Option<&str>,
) -> Result<Vec<PostRow>, ClientError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        post_columns!(),
        " WHERE p.announced_until > ?3 AND p.deleted_at IS NULL
           AND (?2 IS NULL OR p.group_id = ?2)
           AND EXISTS (SELECT 1 FROM memberships m
                       WHERE m.group_id = p.group_id AND m.user_id = ?1)
           AND NOT EXISTS (SELECT 1 FROM post_seen s WHERE s.post_id = p.id AND s.user_id = ?1)
         ORDER BY p.created_at DESC, p.id DESC"
    ))
    .bind(me.to_owned())
    .bind(group_id.map(str::to_owned))
    .bind(super::now_millis())
    .fetch_all(conn)
    .await?)
}

/// One post with its comments, if the cache has it (a tombstone included).
pub(crate) async fn feed_post(
    conn: &mut SqliteConnection,
    me: &str,
    post_id: &str,
) -> Result<Option<FeedPost>, ClientError> {
    let row: Option<PostRow> =
        sqlx::query_as(concat!("SELECT ", post_columns!(), " WHERE p.id = ?"))
            .bind(post_id.to_owned())
            .fetch_optional(&mut *conn)
            .await?;
    Ok(with_comments(conn, me, row.into_iter().collect())
        .await?
        .pop())
}

#[derive(sqlx::FromRow)]
struct ReactionRow {
    target_id: String,
    kind: String,
    count: i64,
    mine: bool,
}

/// Reaction counts per kind and my reaction, for posts and comments.
#[derive(Default)]
struct Reactions {
    counts: HashMap<String, Vec<ReactionCount>>,
    mine: HashMap<String, ReactionKind>,
}

impl Reactions {
    fn take(&mut self, target_id: &str) -> (Vec<ReactionCount>, Option<ReactionKind>) {
        (
            self.counts.remove(target_id).unwrap_or_default(),
            self.mine.remove(target_id),
        )
    }
}

/// The reactions to the posts `ids_json` and to their comments, in one range
/// scan of `reactions_by_post`.
async fn reactions(
    conn: &mut SqliteConnection,
    me: &str,
    ids_json: &str,
) -> Result<Reactions, ClientError> {
    let rows: Vec<ReactionRow> = sqlx::query_as(
        "SELECT r.target_id, r.kind, COUNT(*) AS count, MAX(r.user_id = ?2) AS mine
         FROM reactions r
         WHERE r.post_id IN (SELECT value FROM json_each(?1))
         GROUP BY r.target_id, r.kind",
    )
    .bind(ids_json.to_owned())
    .bind(me.to_owned())
    .fetch_all(conn)
    .await?;
    let mut found = Reactions::default();
    for row in rows {
        let kind: ReactionKind = row.kind.parse().map_err(|e| {
            ClientError::CorruptCache(format!("reaction to {}: {e}", row.target_id))
        })?;
        if row.mine {
            found.mine.insert(row.target_id.clone(), kind);
        }
        found
            .counts
            .entry(row.target_id)
            .or_default()
            .push(ReactionCount {
                kind,
                count: row.count,
            });
    }
    let order = |kind: ReactionKind| ReactionKind::ALL.iter().position(|k| *k == kind);
    for counts in found.counts.values_mut() {
        counts.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(order(a.kind).cmp(&order(b.kind)))
        });
    }
    Ok(found)
}

async fn with_comments(
    conn: &mut SqliteConnection,
    me: &str,
    rows: Vec<PostRow>,
) -> Result<Vec<FeedPost>, ClientError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let ids_json = serde_json::to_string(&ids)
        .map_err(|e| ClientError::CorruptCache(format!("post ids: {e}")))?;
    let comments: Vec<CommentRow> = sqlx::query_as(concat!(
        "SELECT ",
        comment_columns!(),
        " WHERE c.post_id IN (SELECT value FROM json_each(?))
         ORDER BY c.post_id, c.created_at, c.id"
    ))
    .bind(ids_json.clone())
    .fetch_all(&mut *conn)
    .await?;
    let mut reactions = reactions(conn, me, &ids_json).await?;
    let polls = super::poll_facts(conn, me, &ids_json).await?;
    let mut files = super::attachments_by_post(conn, &ids_json).await?;
    let mut by_post: HashMap<String, Vec<CommentView>> = HashMap::new();
    for c in comments {
        let view = comment_view(c, &mut reactions)?;
        by_post.entry(view.post_id.clone()).or_default().push(view);
    }
    rows.into_iter()
        .map(|r| {
            let (reactions, my_reaction) = reactions.take(&r.id);
            let poll = polls.poll(&r.id, r.poll.as_deref())?;
            let (seen_by_me, seen_count) = polls.seen(&r.id);
            let attachments = files.remove(&r.id).unwrap_or_default();
            let seen_by_count = (r.author_id == me).then_some(seen_count);
            Ok(FeedPost {
                comments: without_bare_tombstones(by_post.remove(&r.id).unwrap_or_default()),
                pending: r.pending,
                id: r.id,
                group_id: r.group_id,
                group_name: r.group_name,
                author_id: r.author_id,
                author_name: r.author_name,
                body_html: to_safe_html(&r.body),
                body: r.body,
                created_at: r.created_at,
                failed: r.failed,
                mutation_id: r.mutation_id,
                edited: r.edited_at.is_some(),
                pinned: r.pinned_at.is_some(),
                deleted: r.deleted_at.is_some(),
                reactions,
                my_reaction,
                poll,
                attachments,
                announced_until: r.announced_until,
                seen_by_me,
                seen_by_count,
            })
        })
        .collect()
}

/// Deleted comments are left out, except those with replies (so the thread
/// keeps its shape).
fn without_bare_tombstones(comments: Vec<CommentView>) -> Vec<CommentView> {
    let has_replies: std::collections::HashSet<String> = comments
        .iter()
        .filter(|c| !c.deleted)
        .filter_map(|c| c.parent_id.clone())
        .collect();
    comments
        .into_iter()
        .filter(|c| !c.deleted || has_replies.contains(&c.id))
        .collect()
}

fn comment_view(c: CommentRow, reactions: &mut Reactions) -> Result<CommentView, ClientError> {
    let (reaction_counts, my_reaction) = reactions.take(&c.id);
    let attachments = serde_json::from_str(&c.attachments)
        .map_err(|e| ClientError::CorruptCache(format!("attachments of comment {}: {e}", c.id)))?;
    Ok(CommentView {
        pending: c.pending,
        id: c.id,
        post_id: c.post_id,
        author_id: c.author_id,
        author_name: c.author_name,
        body_html: to_safe_html(&c.body),
        body: c.body,
        created_at: c.created_at,
        failed: c.failed,
        mutation_id: c.mutation_id,
        parent_id: c.parent_id,
        edited: c.edited_at.is_some(),
        deleted: c.deleted_at.is_some(),
        reactions: reaction_counts,
        my_reaction,
        attachments,
    })
}

/// One comment, if the cache has it.
pub(crate) async fn comment(
    conn: &mut SqliteConnection,
    me: &str,
    comment_id: &str,
) -> Result<Option<CommentView>, ClientError> {
    let row: Option<CommentRow> =
        sqlx::query_as(concat!("SELECT ", comment_columns!(), " WHERE c.id = ?"))
            .bind(comment_id.to_owned())
            .fetch_optional(&mut *conn)
            .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let ids_json = serde_json::to_string(&[&row.post_id])
        .map_err(|e| ClientError::CorruptCache(format!("post id: {e}")))?;
    let mut reactions = reactions(conn, me, &ids_json).await?;
    Ok(Some(comment_view(row, &mut reactions)?))
}

/// Groups this account can see: mine first (the default group leading), then by name.
pub(crate) async fn groups(
    conn: &mut SqliteConnection,
    me: &str,
    only_id: Option<&str>,
) -> Result<Vec<GroupView>, ClientError> {
    let rows: Vec<GroupRow> = sqlx::query_as(
        "SELECT g.id, g.name, g.description, g.privacy, g.is_default, my.role AS my_role,
                (SELECT COUNT(*) FROM memberships c WHERE c.group_id = g.id) AS member_count,
                g.pending, g.failed,
                (SELECT o.mutation_id FROM outbox o
                 WHERE o.entity_id = g.id AND o.kind = 'create_group') AS mutation_id,
                EXISTS (SELECT 1 FROM join_requests r
                        WHERE r.group_id = g.id AND r.user_id = ?1) AS requested,
                s.notification_level, g.cover_id
         FROM groups g
         LEFT JOIN memberships my ON my.group_id = g.id AND my.user_id = ?1
         LEFT JOIN group_settings s ON s.group_id = g.id AND s.user_id = ?1
         WHERE ?2 IS NULL OR g.id = ?2
         ORDER BY my.role IS NULL, g.is_default DESC, g.name COLLATE NOCASE, g.id",
    )
    .bind(me.to_owned())
    .bind(only_id.map(str::to_owned))
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(group_view).collect()
}

fn group_view(r: GroupRow) -> Result<GroupView, ClientError> {
    let privacy: Privacy = r
        .privacy
        .parse()
        .map_err(|e| ClientError::CorruptCache(format!("group {}: {e}", r.id)))?;
    let my_role = r
        .my_role
        .map(|role| role.parse::<GroupRole>())
        .transpose()
        .map_err(|e| ClientError::CorruptCache(format!("group {}: {e}", r.id)))?;
    let notification_level = r
        .notification_level
        .map(|level| level.parse::<NotificationLevel>())
        .transpose()
        .map_err(|e| ClientError::CorruptCache(format!("group {}: {e}", r.id)))?
        .unwrap_or_default();
    Ok(GroupView {
        pending: r.pending && r.failed.is_none(),
        id: r.id,
        name: r.name,
        description: r.description,
        privacy,
        is_default: r.is_default,
        my_role,
        member_count: r.member_count,
        failed: r.failed,
        mutation_id: r.mutation_id,
        requested: r.requested,
        notification_level,
        cover_id: r.cover_id,
    })
}
