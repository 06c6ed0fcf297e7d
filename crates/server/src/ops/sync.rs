//! `GET /sync`: a page of the change log as the caller may see it, with the
//! entities' current state.

use std::collections::{HashMap, HashSet};

use commons_protocol::{Change, Cursor, SyncResponse, User, DEFAULT_SYNC_LIMIT, MAX_SYNC_LIMIT};
use sqlx::AnyConnection;

use super::{OpError, OpResult};
use crate::config::SyncTuning;
use crate::db::changes::{self, ChangeKind, ChangeRow};
use crate::db::{self, Database};

/// Answers one pull. `since: None` is a first sync: everything visible.
pub async fn pull(
    db: &Database,
    actor: &User,
    since: Option<&str>,
    limit: Option<i64>,
    tuning: SyncTuning,
) -> OpResult<SyncResponse> {
    let since = match since {
        None => 0,
        Some(text) => {
            let cursor = Cursor::from_opaque(text);
            match cursor
                .parts()
                .map_err(|e| OpError::Invalid(e.to_string()))?
            {
                (Some(epoch), _) if epoch != db.epoch() => {
                    return Err(OpError::Invalid(
                        "this cursor is from another server, or from this one before it was \
                         reset or restored: sync again without one"
                            .into(),
                    ))
                }
                (_, seq) => seq,
            }
        }
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
    let rows = with_backfill(
        &mut conn,
        &actor.id,
        since,
        tuning.join_backfill_posts,
        page,
    )
    .await?;
    let changes = resolve(&mut conn, &actor.id, &rows).await?;
    Ok(SyncResponse {
        changes,
        cursor: Cursor::new(db.epoch(), cursor),
        has_more,
    })
}

/// When the page holds the change that began one of the caller's
/// memberships after `since`, puts that group's recent history from before
/// it (capped at the newest `backfill_posts` posts, see
/// `changes::recent_history`) right before it, so a new member sees what
/// was said lately. A role change, or a first sync, backfills nothing.
async fn with_backfill(
    conn: &mut AnyConnection,
    user_id: &str,
    since: i64,
    backfill_posts: i64,
    page: Vec<ChangeRow>,
) -> OpResult<Vec<ChangeRow>> {
    let is_mine =
        |c: &ChangeRow| c.kind == ChangeKind::Membership && c.user_id.as_deref() == Some(user_id);
    let touched: Vec<String> = page
        .iter()
        .filter(|c| is_mine(c))
        .filter_map(|c| c.group_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if touched.is_empty() || since == 0 {
        return Ok(page);
    }
    let began: HashMap<String, i64> = db::groups::joined_after(conn, user_id, &touched, since)
        .await?
        .into_iter()
        .collect();
    let mut rows = Vec::with_capacity(page.len());
    for change in page {
        let began_here = change
            .group_id
            .as_deref()
            .and_then(|group_id| began.get(group_id).map(|seq| (group_id, *seq)));
        if let (true, Some((group_id, seq))) = (is_mine(&change), began_here) {
            if seq == change.seq {
                rows.extend(changes::recent_history(conn, group_id, seq, backfill_posts).await?);
            }
        }
        rows.push(change);
    }
    Ok(rows)
}

/// What a change row points at; a membership-like row is keyed by (group, user).
#[derive(Clone, PartialEq, Eq, Hash)]
enum EntityKey {
    User(String),
    Group(String),
    Membership(String, String),
    JoinRequest(String, String),
    Purge(String),
    Post(String),
    Comment(String),
    Reaction(String, String),
    PollVote(String, String),
    PostSeen(String, String),
    Notification(String),
    GroupSettings(String, String),
}

fn key_of(row: &ChangeRow) -> Option<EntityKey> {
    let id = row.entity_id.clone();
    let pair = || Some((row.group_id.clone()?, row.user_id.clone()?));
    Some(match row.kind {
        ChangeKind::User => EntityKey::User(id),
        ChangeKind::Group => EntityKey::Group(id),
        ChangeKind::Membership => {
            let (g, u) = pair()?;
            EntityKey::Membership(g, u)
        }
        ChangeKind::JoinRequest => {
            let (g, u) = pair()?;
            EntityKey::JoinRequest(g, u)
        }
        ChangeKind::Purge => EntityKey::Purge(row.group_id.clone()?),
        ChangeKind::Post => EntityKey::Post(id),
        ChangeKind::Comment => EntityKey::Comment(id),
        ChangeKind::Reaction => EntityKey::Reaction(id, row.user_id.clone()?),
        ChangeKind::PollVote => EntityKey::PollVote(id, row.user_id.clone()?),
        ChangeKind::PostSeen => EntityKey::PostSeen(id, row.user_id.clone()?),
        ChangeKind::Notification => EntityKey::Notification(id),
        ChangeKind::GroupSettings => {
            let (g, u) = pair()?;
            EntityKey::GroupSettings(g, u)
        }
    })
}

/// Loads the current state of every entity the rows name (one query per
/// kind) and returns one change per entity, in the rows' order. What no
/// longer exists becomes a removal; the caller's own lost membership becomes
/// a purge of that group.
async fn resolve(
    conn: &mut AnyConnection,
    actor_id: &str,
    rows: &[ChangeRow],
) -> OpResult<Vec<Change>> {
    let mut seen = HashSet::new();
    let keys: Vec<EntityKey> = rows
        .iter()
        .filter_map(key_of)
        .filter(|k| seen.insert(k.clone()))
        .collect();
    let mut ids: HashMap<ChangeKind, Vec<String>> = HashMap::new();
    let mut pairs: HashMap<ChangeKind, Vec<(String, String)>> = HashMap::new();
    for key in &keys {
        let (kind, id) = match key {
            EntityKey::User(id) => (ChangeKind::User, id),
            EntityKey::Group(id) => (ChangeKind::Group, id),
            EntityKey::Post(id) => (ChangeKind::Post, id),
            EntityKey::Comment(id) => (ChangeKind::Comment, id),
            EntityKey::Notification(id) => (ChangeKind::Notification, id),
            EntityKey::Membership(g, u) => {
                pairs
                    .entry(ChangeKind::Membership)
                    .or_default()
                    .push((g.clone(), u.clone()));
                continue;
            }
            EntityKey::JoinRequest(g, u) => {
                pairs
                    .entry(ChangeKind::JoinRequest)
                    .or_default()
                    .push((g.clone(), u.clone()));
                continue;
            }
            EntityKey::Reaction(t, u) => {
                pairs
                    .entry(ChangeKind::Reaction)
                    .or_default()
                    .push((t.clone(), u.clone()));
                continue;
            }
            EntityKey::GroupSettings(g, u) => {
                pairs
                    .entry(ChangeKind::GroupSettings)
                    .or_default()
                    .push((g.clone(), u.clone()));
                continue;
            }
            EntityKey::PollVote(p, u) => {
                pairs
                    .entry(ChangeKind::PollVote)
                    .or_default()
                    .push((p.clone(), u.clone()));
                continue;
            }
            EntityKey::PostSeen(p, u) => {
                pairs
                    .entry(ChangeKind::PostSeen)
                    .or_default()
                    .push((p.clone(), u.clone()));
                continue;
            }
            EntityKey::Purge(_) => continue,
        };
        ids.entry(kind).or_default().push(id.clone());
    }
    let ids_of = |kind| ids.get(&kind).map(Vec::as_slice).unwrap_or_default();
    let pairs_of = |kind| pairs.get(&kind).map(Vec::as_slice).unwrap_or_default();

    let mut loaded: HashMap<EntityKey, Change> = HashMap::new();
    for user in db::users::load(conn, ids_of(ChangeKind::User)).await? {
        loaded.insert(EntityKey::User(user.id.clone()), Change::User { user });
    }
    let mut groups: HashMap<String, commons_protocol::Group> = HashMap::new();
    for group in db::groups::load(conn, ids_of(ChangeKind::Group)).await? {
        groups.insert(group.id.clone(), group.clone());
        loaded.insert(EntityKey::Group(group.id.clone()), Change::Group { group });
    }
    for membership in db::groups::load_memberships(conn, pairs_of(ChangeKind::Membership)).await? {
        let key = EntityKey::Membership(membership.group_id.clone(), membership.user_id.clone());
        loaded.insert(key, Change::Membership { membership });
    }
    for request in db::social::load_join_requests(conn, pairs_of(ChangeKind::JoinRequest)).await? {
        let key = EntityKey::JoinRequest(request.group_id.clone(), request.user_id.clone());
        loaded.insert(key, Change::JoinRequest { request });
    }
    for post in db::posts::load_posts(conn, ids_of(ChangeKind::Post)).await? {
        loaded.insert(EntityKey::Post(post.id.clone()), Change::Post { post });
    }
    for comment in db::posts::load_comments(conn, ids_of(ChangeKind::Comment)).await? {
        let key = EntityKey::Comment(comment.id.clone());
        loaded.insert(key, Change::Comment { comment });
    }
    for reaction in db::social::load_reactions(conn, pairs_of(ChangeKind::Reaction)).await? {
        let key = EntityKey::Reaction(reaction.target_id.clone(), reaction.user_id.clone());
        loaded.insert(key, Change::Reaction { reaction });
    }
    for vote in db::polls::load_votes(conn, pairs_of(ChangeKind::PollVote)).await? {
        let key = EntityKey::PollVote(vote.post_id.clone(), vote.user_id.clone());
        loaded.insert(key, Change::PollVote { vote });
    }
    for seen in db::polls::load_seen(conn, pairs_of(ChangeKind::PostSeen)).await? {
        let key = EntityKey::PostSeen(seen.post_id.clone(), seen.user_id.clone());
        loaded.insert(key, Change::PostSeen { seen });
    }
    for notification in
        db::social::load_notifications(conn, ids_of(ChangeKind::Notification)).await?
    {
        let key = EntityKey::Notification(notification.id.clone());
        loaded.insert(key, Change::Notification { notification });
    }
    for settings in
        db::social::load_group_settings(conn, pairs_of(ChangeKind::GroupSettings)).await?
    {
        let key = EntityKey::GroupSettings(settings.group_id.clone(), settings.user_id.clone());
        loaded.insert(key, Change::GroupSettings { settings });
    }

    let moderated = moderated_groups(conn, actor_id, &keys).await?;
    let mut changes = Vec::with_capacity(keys.len());
    for key in keys {
        if let EntityKey::JoinRequest(group_id, user_id) = &key {
            // Someone else's request reaches only moderators, but for the
            // rows addressed to a demoted one: for them it is gone.
            if user_id != actor_id && !moderated.contains(group_id) {
                changes.push(Change::JoinRequestRemoved {
                    group_id: group_id.clone(),
                    user_id: user_id.clone(),
                });
                continue;
            }
        }
        if let Some(change) = loaded.remove(&key) {
            changes.push(change);
            continue;
        }
        match key {
            EntityKey::Membership(group_id, user_id) if user_id == actor_id => {
                lost_access(conn, actor_id, group_id, &mut groups, &mut changes).await?;
            }
            EntityKey::Purge(group_id) => {
                lost_access(conn, actor_id, group_id, &mut groups, &mut changes).await?;
            }
            EntityKey::Membership(group_id, user_id) => {
                changes.push(Change::MembershipRemoved { group_id, user_id })
            }
            EntityKey::JoinRequest(group_id, user_id) => {
                changes.push(Change::JoinRequestRemoved { group_id, user_id })
            }
            EntityKey::Reaction(target_id, user_id) => {
                changes.push(Change::ReactionRemoved { target_id, user_id })
            }
            EntityKey::PollVote(post_id, user_id) => {
                changes.push(Change::PollVoteRemoved { post_id, user_id })
            }
            // Users, groups, posts and comments are never deleted (tombstones
            // instead); a missing notification, setting or "seen" (its post
            // was deleted: the tombstone says it) has nothing to say.
            _ => {}
        }
    }
    Ok(changes)
}

/// The groups of the page's join requests that the caller moderates now.
async fn moderated_groups(
    conn: &mut AnyConnection,
    actor_id: &str,
    keys: &[EntityKey],
) -> OpResult<HashSet<String>> {
    let groups: HashSet<&String> = keys
        .iter()
        .filter_map(|key| match key {
            EntityKey::JoinRequest(group_id, user_id) if user_id != actor_id => Some(group_id),
            _ => None,
        })
        .collect();
    let mut moderated = HashSet::new();
    for group_id in groups {
        let membership = db::groups::membership(conn, group_id, actor_id).await?;
        if membership.is_some_and(|m| m.role.moderates()) {
            moderated.insert(group_id.clone());
        }
    }
    Ok(moderated)
}

/// The caller may no longer read a group: purge it, then send the group
/// again if they may still see it exists.
async fn lost_access(
    conn: &mut AnyConnection,
    actor_id: &str,
    group_id: String,
    groups: &mut HashMap<String, commons_protocol::Group>,
    changes: &mut Vec<Change>,
) -> OpResult<()> {
    changes.push(Change::Purge {
        group_id: group_id.clone(),
    });
    let group = match groups.get(&group_id) {
        Some(group) => Some(group.clone()),
        None => db::groups::load(conn, std::slice::from_ref(&group_id))
            .await?
            .pop(),
    };
    if let Some(group) = group {
        let member = db::groups::membership(conn, &group.id, actor_id)
            .await?
            .is_some();
        if group.privacy != commons_protocol::Privacy::Secret || member {
            changes.push(Change::Group { group });
        }
    }
    Ok(())
}

/// The newest cursor position, for pokes.
pub async fn head(db: &Database) -> OpResult<i64> {
    let mut conn = db.pool().acquire().await?;
    Ok(changes::head(&mut conn).await?)
}
