//! Applying a pulled page in runs: consecutive changes of one kind (posts,
//! comments, reactions, people, memberships) are written with one multi-row
//! upsert per few hundred rows instead of one statement each. With sqlx's
//! SQLite driver every statement is a round trip to the connection's worker
//! thread, and those hand-offs, not SQLite, were most of a first sync's
//! time. The result is the same as applying the changes one by one, in the
//! page's order: a run only ever holds changes of one kind, and a later row
//! with the same key overwrites an earlier one, as a later statement would.

use commons_protocol::{Change, Comment, Membership, Post, Reaction, User};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::entities::{apply_change, Origin};
use crate::ClientError;

/// Rows per multi-row statement: the widest rows (posts, attachments) bind 11 values, well under
/// SQLite's limit of 32,766 bound values per statement.
pub(super) const ROWS_PER_STATEMENT: usize = 500;

/// The kinds written as a run; every other change is applied alone.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RunKind {
    Posts,
    Comments,
    Reactions,
    Users,
    Memberships,
}

fn run_kind(change: &Change) -> Option<RunKind> {
    match change {
        Change::Post { .. } => Some(RunKind::Posts),
        Change::Comment { .. } => Some(RunKind::Comments),
        Change::Reaction { .. } => Some(RunKind::Reactions),
        Change::User { .. } => Some(RunKind::Users),
        Change::Membership { .. } => Some(RunKind::Memberships),
        _ => None,
    }
}

/// The page cut into runs, in order: changes of one batched kind together,
/// any other change alone.
pub(crate) fn runs(changes: &[Change]) -> impl Iterator<Item = &[Change]> {
    changes.chunk_by(|a, b| run_kind(a).is_some() && run_kind(a) == run_kind(b))
}

/// Applies one run from [`runs`] (upserts of server state, as [`apply_change`]).
pub(crate) async fn apply_run(
    conn: &mut SqliteConnection,
    run: &[Change],
) -> Result<(), ClientError> {
    let Some(kind) = run.first().and_then(run_kind) else {
        for change in run {
            apply_change(conn, change).await?;
        }
        return Ok(());
    };
    let server = Origin::Server;
    for chunk in run.chunks(ROWS_PER_STATEMENT) {
        match kind {
            RunKind::Posts => upsert_posts(conn, &collect(chunk, post), server).await?,
            RunKind::Comments => upsert_comments(conn, &collect(chunk, comment), server).await?,
            RunKind::Reactions => upsert_reactions(conn, &collect(chunk, reaction)).await?,
            RunKind::Users => upsert_users(conn, &collect(chunk, user)).await?,
            RunKind::Memberships => {
                upsert_memberships(conn, &collect(chunk, membership), server).await?
            }
        }
    }
    Ok(())
}

fn collect<'a, T>(chunk: &'a [Change], entity: fn(&'a Change) -> Option<&'a T>) -> Vec<&'a T> {
    chunk.iter().filter_map(entity).collect()
}

fn post(change: &Change) -> Option<&Post> {
    match change {
        Change::Post { post } => Some(post),
        _ => None,
    }
}

fn comment(change: &Change) -> Option<&Comment> {
    match change {
        Change::Comment { comment } => Some(comment),
        _ => None,
    }
}

fn reaction(change: &Change) -> Option<&Reaction> {
    match change {
        Change::Reaction { reaction } => Some(reaction),
        _ => None,
    }
}

fn user(change: &Change) -> Option<&User> {
    match change {
        Change::User { user } => Some(user),
        _ => None,
    }
}

fn membership(change: &Change) -> Option<&Membership> {
    match change {
        Change::Membership { membership } => Some(membership),
        _ => None,
    }
}

/// The text to store: a tombstone keeps none, whatever was sent with it.
fn stored_body(body: &str, deleted_at: Option<i64>) -> &str {
    if deleted_at.is_some() {
        ""
    } else {
        body
    }
}

pub(crate) async fn upsert_posts(
    conn: &mut SqliteConnection,
    posts: &[&Post],
    origin: Origin,
) -> Result<(), ClientError> {
    if posts.is_empty() {
        return Ok(());
    }
    let polls = posts
        .iter()
        .map(|post| super::poll_json(post.poll.as_ref()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut sql = QueryBuilder::<Sqlite>::new(
        "INSERT INTO posts (id, group_id, author_id, body, created_at, edited_at, deleted_at,
                            pinned_at, pending, failed, poll, announced_until) ",
    );
    sql.push_values(posts.iter().zip(polls), |mut row, (post, poll)| {
        row.push_bind(post.id.as_str())
            .push_bind(post.group_id.as_str())
            .push_bind(post.author_id.as_str())
            .push_bind(stored_body(&post.body, post.deleted_at))
            .push_bind(post.created_at)
            .push_bind(post.edited_at)
            .push_bind(post.deleted_at)
            .push_bind(post.pinned_at)
            .push_bind(origin.pending())
            .push("NULL")
            .push_bind(poll)
            .push_bind(post.announced_until);
    });
    sql.push(
        " ON CONFLICT (id) DO UPDATE SET group_id = excluded.group_id, author_id = excluded.author_id,
             body = excluded.body, created_at = excluded.created_at,
             edited_at = excluded.edited_at, deleted_at = excluded.deleted_at,
             pinned_at = excluded.pinned_at, pending = excluded.pending, failed = NULL,
             poll = excluded.poll, announced_until = excluded.announced_until",
    );
    sql.build().execute(&mut *conn).await?;

    for post in posts.iter().filter(|post| post.deleted_at.is_some()) {
        super::forget_votes_and_seen(conn, &post.id).await?;
    }
    // Each post's last copy in the statement counts, and a tombstone keeps
    // no files, even when the server still lists them.
    let mut seen = std::collections::HashSet::new();
    let live: Vec<&Post> = posts
        .iter()
        .rev()
        .copied()
        .filter(|post| seen.insert(post.id.as_str()) && post.deleted_at.is_none())
        .collect();
    super::store_post_attachments(conn, &live).await
}

pub(crate) async fn upsert_comments(
    conn: &mut SqliteConnection,
    comments: &[&Comment],
    origin: Origin,
) -> Result<(), ClientError> {
    if comments.is_empty() {
        return Ok(());
    }
    let attachments = comments
        .iter()
        .map(|comment| {
            serde_json::to_string(&comment.attachments)
                .map_err(|e| ClientError::CorruptCache(format!("comment attachments: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut sql = QueryBuilder::<Sqlite>::new(
        "INSERT INTO comments (id, post_id, group_id, author_id, body, created_at, parent_id,
                               edited_at, deleted_at, pending, failed, attachments) ",
    );
    sql.push_values(
        comments.iter().zip(attachments),
        |mut row, (comment, attachments)| {
            row.push_bind(comment.id.as_str())
                .push_bind(comment.post_id.as_str())
                .push_bind(comment.group_id.as_str())
                .push_bind(comment.author_id.as_str())
                .push_bind(stored_body(&comment.body, comment.deleted_at))
                .push_bind(comment.created_at)
                .push_bind(comment.parent_id.as_deref())
                .push_bind(comment.edited_at)
                .push_bind(comment.deleted_at)
                .push_bind(origin.pending())
                .push("NULL")
                .push_bind(attachments);
        },
    );
    sql.push(
        " ON CONFLICT (id) DO UPDATE SET post_id = excluded.post_id, group_id = excluded.group_id,
             author_id = excluded.author_id, body = excluded.body,
             created_at = excluded.created_at, parent_id = excluded.parent_id,
             edited_at = excluded.edited_at, deleted_at = excluded.deleted_at,
             pending = excluded.pending, failed = NULL, attachments = excluded.attachments",
    );
    sql.build().execute(conn).await?;
    Ok(())
}

pub(crate) async fn upsert_reactions(
    conn: &mut SqliteConnection,
    reactions: &[&Reaction],
) -> Result<(), ClientError> {
    if reactions.is_empty() {
        return Ok(());
    }
    let mut sql = QueryBuilder::<Sqlite>::new(
        "INSERT INTO reactions (target_id, user_id, post_id, group_id, kind, created_at) ",
    );
    sql.push_values(reactions, |mut row, reaction| {
        row.push_bind(reaction.target_id.as_str())
            .push_bind(reaction.user_id.as_str())
            .push_bind(reaction.post_id.as_str())
            .push_bind(reaction.group_id.as_str())
            .push_bind(reaction.kind.as_str())
            .push_bind(reaction.created_at);
    });
    sql.push(
        " ON CONFLICT (target_id, user_id) DO UPDATE SET post_id = excluded.post_id,
             group_id = excluded.group_id, kind = excluded.kind, created_at = excluded.created_at",
    );
    sql.build().execute(conn).await?;
    Ok(())
}

pub(crate) async fn upsert_users(
    conn: &mut SqliteConnection,
    users: &[&User],
) -> Result<(), ClientError> {
    if users.is_empty() {
        return Ok(());
    }
    let mut sql = QueryBuilder::<Sqlite>::new(
        "INSERT INTO users (id, email, name, handle, is_admin, created_at, title, department,
                            location, manager_id, about, deactivated, avatar_id) ",
    );
    sql.push_values(users, |mut row, user| {
        row.push_bind(user.id.as_str())
            .push_bind(user.email.as_str())
            .push_bind(user.name.as_str())
            .push_bind(user.handle.as_str())
            .push_bind(user.is_admin)
            .push_bind(user.created_at)
            .push_bind(user.title.as_str())
            .push_bind(user.department.as_str())
            .push_bind(user.location.as_str())
            .push_bind(user.manager_id.as_deref().filter(|id| !id.is_empty()))
            .push_bind(user.about.as_str())
            .push_bind(user.deactivated)
            .push_bind(user.avatar_id.as_deref());
    });
    sql.push(
        " ON CONFLICT (id) DO UPDATE SET email = excluded.email, name = excluded.name,
             handle = excluded.handle, is_admin = excluded.is_admin, created_at = excluded.created_at,
             title = excluded.title, department = excluded.department,
             location = excluded.location, manager_id = excluded.manager_id,
             about = excluded.about, deactivated = excluded.deactivated,
             avatar_id = excluded.avatar_id",
    );
    sql.build().execute(conn).await?;
    Ok(())
}

pub(crate) async fn upsert_memberships(
    conn: &mut SqliteConnection,
    memberships: &[&Membership],
    origin: Origin,
) -> Result<(), ClientError> {
    if memberships.is_empty() {
        return Ok(());
    }
    let mut sql = QueryBuilder::<Sqlite>::new(
        "INSERT INTO memberships (group_id, user_id, role, joined_at, pending) ",
    );
    sql.push_values(memberships, |mut row, membership| {
        row.push_bind(membership.group_id.as_str())
            .push_bind(membership.user_id.as_str())
            .push_bind(membership.role.as_str())
            .push_bind(membership.joined_at)
            .push_bind(origin.pending());
    });
    sql.push(
        " ON CONFLICT (group_id, user_id) DO UPDATE SET role = excluded.role,
             joined_at = excluded.joined_at, pending = excluded.pending",
    );
    sql.build().execute(conn).await?;
    Ok(())
}
