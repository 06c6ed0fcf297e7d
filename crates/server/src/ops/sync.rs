//! `GET /sync`: a page of the change log as the caller may see it, with the
//! entities' current state.

use std::collections::{HashMap, HashSet};

use commons_protocol::{Change, Cursor, SyncResponse, User, DEFAULT_SYNC_LIMIT, MAX_SYNC_LIMIT};
use sqlx::AnyConnection;

use super::{OpError, OpResult};
use crate::db::changes::{self, ChangeKind, ChangeRow};
use crate::db::{self, Database};

/// Answers one pull. `since: None` is a first sync: everything visible.
pub async fn pull(
    db: &Database,
    actor: &User,
    since: Option<&str>,
    limit: Option<i64>,
) -> OpResult<SyncResponse> {
    let since = match since {
        None => 0,
        Some(text) => Cursor::from_opaque(text)
            .seq()
            .map_err(|e| OpError::Invalid(e.to_string()))?,
    };
    let limit = limit.unwrap_or(DEFAULT_SYNC_LIMIT).clamp(1, MAX_SYNC_LIMIT);
    let mut conn = db.pool().acquire().await?;

    // Read the head first: every seq up to it is committed (see db/write.rs),
    // so the page below cannot skip a change that commits later.
    let head = changes::head(&mut conn).await?;
    if since > head {
        return Err(OpError::Invalid(
            "this cursor is ahead of the server's change log (was the server reset?): sync again without one".into(),
        ));
    }
    let page = changes::visible_page(&mut conn, &actor.id, since, head, limit).await?;
    let has_more = i64::try_from(page.len()).unwrap_or(i64::MAX) >= limit;
    let cursor = match page.last() {
        Some(last) if has_more => last.seq,
        _ => head,
    };
    let rows = with_backfill(&mut conn, &actor.id, since, page).await?;
    let changes = resolve(&mut conn, &rows).await?;
    Ok(SyncResponse {
        changes,
        cursor: Cursor::from_seq(cursor),
        has_more,
    })
}

/// When the page says the caller joined a group, puts that group's earlier
/// history (up to `since`, which the client skipped as a non-member) right
/// before the membership change, so a new member sees what was said before.
async fn with_backfill(
    conn: &mut AnyConnection,
    user_id: &str,
    since: i64,
    page: Vec<ChangeRow>,
) -> OpResult<Vec<ChangeRow>> {
    let joined: Vec<String> = page
        .iter()
        .filter(|c| c.kind == ChangeKind::Membership && c.user_id.as_deref() == Some(user_id))
        .filter_map(|c| c.group_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if joined.is_empty() || since == 0 {
        return Ok(page);
    }
    let mut history: HashMap<String, Vec<ChangeRow>> = HashMap::new();
    for row in changes::group_history(conn, &joined, since).await? {
        if let Some(group_id) = row.group_id.clone() {
            history.entry(group_id).or_default().push(row);
        }
    }
    let mut rows = Vec::with_capacity(page.len());
    for change in page {
        let is_my_join =
            change.kind == ChangeKind::Membership && change.user_id.as_deref() == Some(user_id);
        if let (true, Some(group_id)) = (is_my_join, change.group_id.as_deref()) {
            rows.extend(history.remove(group_id).unwrap_or_default());
        }
        rows.push(change);
    }
    Ok(rows)
}

/// What a change row points at; a membership is keyed by (group, user).
#[derive(Clone, PartialEq, Eq, Hash)]
enum EntityKey {
    User(String),
    Group(String),
    Membership(String, String),
    Post(String),
    Comment(String),
}

fn key_of(row: &ChangeRow) -> Option<EntityKey> {
    let id = row.entity_id.clone();
    Some(match row.kind {
        ChangeKind::User => EntityKey::User(id),
        ChangeKind::Group => EntityKey::Group(id),
        ChangeKind::Membership => {
            EntityKey::Membership(row.group_id.clone()?, row.user_id.clone()?)
        }
        ChangeKind::Post => EntityKey::Post(id),
        ChangeKind::Comment => EntityKey::Comment(id),
    })
}

/// Loads the current state of every entity the rows name (one query per
/// kind) and returns one change per entity, in the rows' order.
async fn resolve(conn: &mut AnyConnection, rows: &[ChangeRow]) -> OpResult<Vec<Change>> {
    let mut seen = HashSet::new();
    let keys: Vec<EntityKey> = rows
        .iter()
        .filter_map(key_of)
        .filter(|k| seen.insert(k.clone()))
        .collect();
    let mut ids: HashMap<ChangeKind, Vec<String>> = HashMap::new();
    let mut membership_keys = Vec::new();
    for key in &keys {
        match key {
            EntityKey::User(id) => ids.entry(ChangeKind::User).or_default().push(id.clone()),
            EntityKey::Group(id) => ids.entry(ChangeKind::Group).or_default().push(id.clone()),
            EntityKey::Post(id) => ids.entry(ChangeKind::Post).or_default().push(id.clone()),
            EntityKey::Comment(id) => ids.entry(ChangeKind::Comment).or_default().push(id.clone()),
            EntityKey::Membership(g, u) => membership_keys.push((g.clone(), u.clone())),
        }
    }
    let ids_of = |kind| ids.get(&kind).map(Vec::as_slice).unwrap_or_default();

    let mut loaded: HashMap<EntityKey, Change> = HashMap::new();
    for user in db::users::load(conn, ids_of(ChangeKind::User)).await? {
        loaded.insert(EntityKey::User(user.id.clone()), Change::User { user });
    }
    for group in db::groups::load(conn, ids_of(ChangeKind::Group)).await? {
        loaded.insert(EntityKey::Group(group.id.clone()), Change::Group { group });
    }
    for membership in db::groups::load_memberships(conn, &membership_keys).await? {
        let key = EntityKey::Membership(membership.group_id.clone(), membership.user_id.clone());
        loaded.insert(key, Change::Membership { membership });
    }
    for post in db::posts::load_posts(conn, ids_of(ChangeKind::Post)).await? {
        loaded.insert(EntityKey::Post(post.id.clone()), Change::Post { post });
    }
    for comment in db::posts::load_comments(conn, ids_of(ChangeKind::Comment)).await? {
        loaded.insert(
            EntityKey::Comment(comment.id.clone()),
            Change::Comment { comment },
        );
    }
    // An entity missing here was removed since; there is nothing to send for it.
    Ok(keys.iter().filter_map(|k| loaded.remove(k)).collect())
}

/// The newest cursor position, for pokes.
pub async fn head(db: &Database) -> OpResult<i64> {
    let mut conn = db.pool().acquire().await?;
    Ok(changes::head(&mut conn).await?)
}
