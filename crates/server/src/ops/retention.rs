//! Retention policies: organisation admins say "delete posts older than N
//! days", for the organisation and per group (a group's own policy overrides
//! the organisation's), and a job applies them ([`schedule`]).
//!
//! Expired posts are deleted exactly as their author's deletion does
//! ([`super::posts::tombstone`]): tombstones that sync, comments, reactions,
//! votes, history and attachment files included. Pinned posts and
//! announcements still running are kept until unpinned or ended.

use std::collections::BTreeMap;
use std::time::Duration;

use commons_protocol::{AuditAction, RetentionPolicies, RetentionReport, User, MAX_RETENTION_DAYS};
use serde_json::json;

use super::audit::{self, Target};
use super::people::require_org_admin;
use super::{validate, OpError, OpResult};
use crate::blobs::AttachmentStore;
use crate::db::attachments::Owner;
use crate::db::{self, now_millis, Backend, Database, Write};
use crate::hub::Hub;

/// Posts deleted per transaction: a run never holds the write lock for long.
pub const BATCH_POSTS: i64 = 50;

/// Key of the PostgreSQL advisory lock held by the node running a round ("retentio").
const RETENTION_LOCK: i64 = 0x7265_7465_6e74_696f;

pub async fn list(db: &Database, actor: &User) -> OpResult<RetentionPolicies> {
    require_org_admin(actor, "read retention policies")?;
    let mut conn = db.pool().acquire().await?;
    Ok(RetentionPolicies {
        policies: db::retention::list(&mut conn).await?,
    })
}

/// Sets the organisation's policy (`group_id` None) or a group's.
/// `actor` is `None` for a command run on the server.
pub async fn set(
    w: &mut Write,
    actor: Option<&User>,
    group_id: Option<&str>,
    max_age_days: i64,
) -> OpResult<RetentionPolicies> {
    if let Some(actor) = actor {
        require_org_admin(actor, "set retention policies")?;
    }
    if !(1..=MAX_RETENTION_DAYS).contains(&max_age_days) {
        return Err(OpError::Invalid(format!(
            "max_age_days must be between 1 and {MAX_RETENTION_DAYS}"
        )));
    }
    let group_id = existing_group(w, group_id).await?;
    let before = db::retention::find(w.conn(), group_id.as_deref()).await?;
    if before != Some(max_age_days) {
        db::retention::upsert(w.conn(), group_id.as_deref(), max_age_days, now_millis()).await?;
        record_change(w, actor, group_id.as_deref(), before, Some(max_age_days)).await?;
    }
    Ok(RetentionPolicies {
        policies: db::retention::list(w.conn()).await?,
    })
}

/// Removes the organisation's policy or a group's (which then follows the
/// organisation's). Removing a policy that is not there changes nothing.
pub async fn clear(
    w: &mut Write,
    actor: Option<&User>,
    group_id: Option<&str>,
) -> OpResult<RetentionPolicies> {
    if let Some(actor) = actor {
        require_org_admin(actor, "remove retention policies")?;
    }
    let group_id = existing_group(w, group_id).await?;
    let before = db::retention::find(w.conn(), group_id.as_deref()).await?;
    if db::retention::delete(w.conn(), group_id.as_deref()).await? {
        record_change(w, actor, group_id.as_deref(), before, None).await?;
    }
    Ok(RetentionPolicies {
        policies: db::retention::list(w.conn()).await?,
    })
}

/// The group id, checked to name a group (`None`: the organisation).
async fn existing_group(w: &mut Write, group_id: Option<&str>) -> OpResult<Option<String>> {
    let Some(text) = group_id.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let id = validate::id("group_id", text)?;
    if !db::groups::exists(w.conn(), &id).await? {
        return Err(OpError::NotFound(format!("no group has the id {id}")));
    }
    Ok(Some(id))
}

async fn record_change(
    w: &mut Write,
    actor: Option<&User>,
    group_id: Option<&str>,
    from: Option<i64>,
    to: Option<i64>,
) -> OpResult<()> {
    let target = group_id.map_or(Target::Organisation, Target::Group);
    let details = json!({"group_id": group_id, "from_days": from, "to_days": to});
    let actor_id = actor.map(|a| a.id.as_str());
    audit::record(
        w.conn(),
        actor_id,
        AuditAction::RetentionPolicyChanged,
        target,
        details,
    )
    .await?;
    Ok(())
}

/// One round of the job: deletes every expired post, [`BATCH_POSTS`] per
/// transaction, and records [`AuditAction::RetentionRun`] with the counts per
/// group. Answers `None` when the round was skipped: another node holds the
/// round's lock (PostgreSQL), a round ran less than `min_gap` ago (the
/// scheduled job passes half its interval, so nodes on one database run one
/// round per interval between them), or no policy is set.
pub async fn run(
    db: &Database,
    store: &dyn AttachmentStore,
    hub: Option<&Hub>,
    min_gap: Option<Duration>,
) -> OpResult<Option<RetentionReport>> {
    run_until(db, store, hub, min_gap, None).await
}

/// [`run`], stopping after the batch in hand once `stop` turns true (the
/// server shuts down); the run is recorded with what it did.
async fn run_until(
    db: &Database,
    store: &dyn AttachmentStore,
    hub: Option<&Hub>,
    min_gap: Option<Duration>,
    stop: Option<&tokio::sync::watch::Receiver<bool>>,
) -> OpResult<Option<RetentionReport>> {
    if db.backend() == Backend::Sqlite {
        // One node; its writers take turns anyway.
        return run_locked(db, store, hub, min_gap, stop).await;
    }
    let mut lock = db.pool().acquire().await?;
    let got: i64 = sqlx::query_scalar(
        "SELECT CAST(CASE WHEN pg_try_advisory_lock($1) THEN 1 ELSE 0 END AS BIGINT)",
    )
    .bind(RETENTION_LOCK)
    .fetch_one(&mut *lock)
    .await?;
    if got != 1 {
        tracing::info!("retention: another node is running this round");
        return Ok(None);
    }
    let outcome = run_locked(db, store, hub, min_gap, stop).await;
    // Session-level: released before the connection goes back to the pool.
    let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(RETENTION_LOCK)
        .execute(&mut *lock)
        .await;
    if let Err(e) = unlocked {
        // The lock must not stay with a pooled connection.
        tracing::warn!(error = %e, "retention: cannot release the round's lock");
        lock.close_on_drop();
    }
    outcome
}

async fn run_locked(
    db: &Database,
    store: &dyn AttachmentStore,
    hub: Option<&Hub>,
    min_gap: Option<Duration>,
    stop: Option<&tokio::sync::watch::Receiver<bool>>,
) -> OpResult<Option<RetentionReport>> {
    let now = now_millis();
    {
        let mut conn = db.pool().acquire().await?;
        if db::retention::list(&mut conn).await?.is_empty() {
            return Ok(None);
        }
        if let (Some(gap), Some(last)) = (min_gap, db::retention::last_run_at(&mut conn).await?) {
            let gap = i64::try_from(gap.as_millis()).unwrap_or(i64::MAX);
            if now - last < gap {
                return Ok(None);
            }
        }
    }
    let mut report = RetentionReport::default();
    loop {
        let mut w = db.write().await?;
        let stopping = stop.is_some_and(|stop| *stop.borrow());
        let expired = if stopping {
            Vec::new()
        } else {
            db::retention::expired_posts(w.conn(), now, BATCH_POSTS).await?
        };
        if expired.is_empty() {
            // The last transaction, which found nothing left (or the server
            // is stopping), records the run.
            let total: u64 = report.posts_by_group.values().sum();
            let details = json!({
                "posts": total,
                "comments": report.comments,
                "posts_by_group": report.posts_by_group,
            });
            audit::record(
                w.conn(),
                None,
                AuditAction::RetentionRun,
                Target::Organisation,
                details,
            )
            .await?;
            w.commit().await?;
            return Ok(Some(report));
        }
        let mut blobs = Vec::new();
        let mut deleted: BTreeMap<String, u64> = BTreeMap::new();
        for post_id in &expired {
            let Some(post) = db::posts::find_post(w.conn(), post_id).await? else {
                continue;
            };
            blobs.extend(db::attachments::blobs_of(w.conn(), Owner::Post(post_id)).await?);
            let group_id = post.group_id.clone();
            let (_, comments) = super::posts::tombstone(&mut w, post).await?;
            *deleted.entry(group_id).or_default() += 1;
            report.comments += comments as u64;
        }
        if let Some(poke) = w.commit().await? {
            if let Some(hub) = hub {
                hub.publish(poke);
            }
        }
        for (group_id, count) in deleted {
            *report.posts_by_group.entry(group_id).or_default() += count;
        }
        super::attachments::forget_blobs(db, store, &blobs).await;
    }
}

/// The job of `serve`: a round every `every`, the first one interval after
/// start, until `shutdown` turns true (a round in progress stops after its
/// batch in hand). A failed round is logged and the next
/// one tries again.
pub fn schedule(
    db: Database,
    store: std::sync::Arc<dyn AttachmentStore>,
    hub: Hub,
    every: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.wait_for(|stopping| *stopping) => return,
            }
            let round = run_until(
                &db,
                store.as_ref(),
                Some(&hub),
                Some(every / 2),
                Some(&shutdown),
            );
            match round.await {
                Ok(Some(report)) => tracing::info!(
                    posts = report.posts_by_group.values().sum::<u64>(),
                    comments = report.comments,
                    "retention round done"
                ),
                Ok(None) => tracing::debug!("retention round skipped"),
                Err(e) => tracing::warn!(error = %e, "retention round failed"),
            }
        }
    })
}
