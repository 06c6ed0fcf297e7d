//! Pulling the server's change log into the cache.
//!
//! `GET /sync?since=CURSOR` is read page by page until `has_more` is false.
//! Each page, its notifications and the new cursor are applied in ONE
//! transaction: after a crash the cache is at a page boundary, and the next
//! sync resumes from the stored cursor (re-applying a page is harmless, since
//! applying is an upsert). An incoming entity clears the pending mark of the
//! same id: the server has it, whatever the outbox still says.
//!
//! A first pull also confirms what the first page (`pages.rs`) stored before
//! it, and removes what it did not deliver when it finishes.
//!
//! Pages are written in runs of one kind of entity, one statement per few
//! hundred rows (`cache::runs`), and the next page is asked for while one is
//! being written. A first sync indexes its texts for search in bulk
//! (`cache::defer_search_index`): cheaper, and search lags a little behind.
//!
//! A cursor the server refuses (its log was reset) makes the pull start over:
//! the synced rows are forgotten, unsent writes and their rows stay, and the
//! log is pulled from the beginning as on a first sync.
//!
//! When this account joins a group, the server puts the group's earlier
//! history right before the membership change in the page. Those items,
//! written before I joined, are new to the cache but old news: they raise no
//! notifications.

use std::collections::HashMap;

use commons_protocol::{Change, Cursor, ErrorCode, Millis, SyncResponse, User, MAX_SYNC_LIMIT};

use crate::cache::{self, Cache};
use crate::outbox::Session;
use crate::{notifications, Account, ClientError, Notification};

/// What one pull did.
#[derive(Debug, Default)]
pub(crate) struct Pulled {
    pub changes: usize,
    pub notifications: Vec<Notification>,
}

pub(crate) async fn pull(
    cache: &Cache,
    session: &Session<'_>,
    me: &User,
) -> Result<Pulled, ClientError> {
    let mut pulled = Pulled::default();
    let mut started_over = false;
    // The next page, asked for while the previous one was being applied.
    let mut prefetched: Option<Result<SyncResponse, ClientError>> = None;
    loop {
        let (since, incremental) = {
            let mut conn = cache.read().await?;
            (
                cache::sync_cursor(&mut conn).await?,
                cache::first_sync_done(&mut conn).await?,
            )
        };
        let page = match prefetched.take() {
            Some(page) => page,
            None => fetch(session, since.as_ref()).await,
        };
        let page = match page {
            Err(ClientError::Server {
                status: 400,
                code: ErrorCode::BadRequest,
                ..
            }) if since.is_some() && !started_over => {
                // The server does not know our cursor: its log was reset (a
                // restored backup, a new database). Start over from scratch.
                tracing::warn!("the server refused the sync cursor; starting the cache over");
                started_over = true;
                let mut tx = cache.write().await?;
                cache::reset_for_resync(&mut tx).await?;
                tx.commit().await?;
                cache.checkpoint().await?;
                continue;
            }
            page => page?,
        };
        if page.has_more && since.as_ref() == Some(&page.cursor) {
            return Err(ClientError::UnexpectedResponse(
                "the server said more changes wait but did not move the cursor".to_owned(),
            ));
        }

        pulled.changes += page.changes.len();
        if !page.has_more {
            apply_page(cache, me, &page, incremental, &mut pulled.notifications).await?;
            return Ok(pulled);
        }
        // The server prepares the next page while this one is written: the
        // next request starts from this page's cursor, which is what the cache
        // holds once the page is committed.
        let (applied, next) = tokio::join!(
            apply_page(cache, me, &page, incremental, &mut pulled.notifications),
            fetch(session, Some(&page.cursor)),
        );
        applied?;
        prefetched = Some(next);
    }
}

/// Pages as large as the server gives: a first sync or a long absence has many.
async fn fetch(session: &Session<'_>, since: Option<&Cursor>) -> Result<SyncResponse, ClientError> {
    session
        .api
        .sync(session.server_url, session.token, since, MAX_SYNC_LIMIT)
        .await
}

/// Applies a page, its notifications and its cursor in one transaction.
async fn apply_page(
    cache: &Cache,
    me: &User,
    page: &SyncResponse,
    incremental: bool,
    notifications: &mut Vec<Notification>,
) -> Result<(), ClientError> {
    let mut tx = cache.write().await?;
    let joins = my_memberships(me, &page.changes);
    let purged = page.changes.iter().any(forgets);
    if !incremental {
        cache::defer_search_index(&mut tx).await?;
    }
    for run in cache::runs(&page.changes) {
        if incremental {
            // Before the run is applied: "already in the cache" tells old from new.
            for change in run.iter().filter(|change| !is_backfill(change, &joins)) {
                if let Some(n) = notifications::consider(&mut tx, me, change).await? {
                    notifications.push(n);
                }
            }
        }
        cache::apply_run(&mut tx, run).await?;
        for change in run {
            match change {
                Change::Purge { group_id } => cache::forget_feed_pages(&mut tx, group_id).await?,
                Change::User { user } if user.id == me.id => {
                    // My own profile changed (name, handle): keep the account current.
                    if let Some(account) = cache::stored_account(&mut tx).await? {
                        let user = user.clone();
                        cache::set_account(&mut tx, &Account { user, ..account }).await?;
                    }
                }
                _ => {}
            }
        }
    }
    if !incremental {
        cache::confirm_provisional(&mut tx, &page.changes).await?;
    }
    cache::set_sync_cursor(&mut tx, &page.cursor).await?;
    if !page.has_more && !incremental {
        // What the first page showed early and the log did not deliver is gone.
        cache::drop_unconfirmed(&mut tx).await?;
        cache::set_first_sync_done(&mut tx).await?;
        cache::end_search_deferral(&mut tx).await?;
    } else if !incremental {
        cache::index_search_backlog(&mut tx, cache::SEARCH_BACKLOG_BATCH).await?;
    }
    tx.commit().await?;
    if purged {
        // The purged or deleted rows were overwritten in the database
        // pages; older copies of those pages may still sit in the
        // write-ahead log.
        cache.checkpoint().await?;
    }
    Ok(())
}

/// Whether applying `change` deletes or overwrites something the cache must
/// not keep a copy of: a purge, a tombstone (a deletion, a retention policy,
/// an erasure), an erased or deactivated person's profile.
fn forgets(change: &Change) -> bool {
    match change {
        Change::Purge { .. } => true,
        Change::Post { post } => post.deleted_at.is_some(),
        Change::Comment { comment } => comment.deleted_at.is_some(),
        Change::User { user } => user.deactivated,
        _ => false,
    }
}

/// The groups whose membership change for me is in this page, with my
/// join time. The server sends that change when I join (or my role changes).
fn my_memberships(me: &User, changes: &[Change]) -> HashMap<String, Millis> {
    changes
        .iter()
        .filter_map(|change| match change {
            Change::Membership { membership } if membership.user_id == me.id => {
                Some((membership.group_id.clone(), membership.joined_at))
            }
            _ => None,
        })
        .collect()
}

/// True for a group's history delivered along with my joining it: items
/// written before I became a member.
fn is_backfill(change: &Change, joins: &HashMap<String, Millis>) -> bool {
    let (group_id, created_at) = match change {
        Change::Post { post } => (&post.group_id, post.created_at),
        Change::Comment { comment } => (&comment.group_id, comment.created_at),
        _ => return false,
    };
    joins
        .get(group_id)
        .is_some_and(|&joined_at| created_at < joined_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use commons_protocol::{GroupRole, Membership, Post};

    fn me() -> User {
        User {
            id: "ada".into(),
            email: "ada@example.org".into(),
            name: "Ada".into(),
            handle: "ada".into(),
            is_admin: false,
            created_at: 0,
            ..Default::default()
        }
    }

    fn post_at(created_at: Millis) -> Change {
        Change::Post {
            post: Post {
                id: format!("p{created_at}"),
                group_id: "g".into(),
                author_id: "grace".into(),
                body: "@ada".into(),
                created_at,
                ..Default::default()
            },
        }
    }

    #[test]
    fn history_before_my_join_is_backfill_and_later_posts_are_news() {
        let join = Change::Membership {
            membership: Membership {
                group_id: "g".into(),
                user_id: "ada".into(),
                role: GroupRole::Member,
                joined_at: 1000,
            },
        };
        let page = vec![post_at(10), join, post_at(2000)];
        let joins = my_memberships(&me(), &page);
        assert!(is_backfill(&page[0], &joins));
        assert!(!is_backfill(&page[2], &joins));
        assert!(!is_backfill(&page[0], &HashMap::new()));
    }
}
