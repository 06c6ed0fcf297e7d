//! Pages read through the REST feeds, beside the change log: the first page
//! of the home feed and the group list on a new login, so a feed shows before
//! the log's first pull (which may be long) has finished, and older pages of
//! a feed on demand when the cache runs out of them.
//!
//! The log stays the source of truth: a page only adds what the cache does not
//! hold, and until the first pull has finished what it added is provisional
//! (see `cache::pages`), so nothing is duplicated and nothing the log does not
//! confirm stays.

use std::collections::BTreeSet;

use commons_protocol::{Change, FeedPage, GroupListItem, Membership, User};
use futures_util::{stream, StreamExt, TryStreamExt};

use crate::cache::{self, Cache};
use crate::outbox::Session;
use crate::{ClientError, OlderPosts};

/// Posts in the first page shown on a new login.
pub(crate) const FIRST_PAGE_POSTS: i64 = 20;

/// Most server pages read by one `older` call looking for posts the cache
/// does not hold yet.
const MAX_PAGES_PER_CALL: usize = 5;

/// Authors fetched at once for a page.
const PARALLEL_USER_FETCHES: usize = 4;

/// `feed_pages` key of a feed: '' for the home feed.
fn feed_key(group_id: Option<&str>) -> &str {
    group_id.unwrap_or("")
}

/// On a new login (first pull not finished, no page read yet), stores the
/// group list and the first page of the home feed. Returns the number of
/// entities added; 0 when there was nothing to do.
pub(crate) async fn first_page(
    cache: &Cache,
    session: &Session<'_>,
    me: &User,
) -> Result<usize, ClientError> {
    {
        let mut conn = cache.read().await?;
        if cache::first_sync_done(&mut conn).await?
            || cache::feed_page_cursor(&mut conn, feed_key(None))
                .await?
                .is_some()
        {
            return Ok(0);
        }
    }
    let groups: Vec<GroupListItem> = session
        .api
        .get(session.server_url, session.token, "/groups", &[])
        .await?;
    let page = fetch_page(session, None, None, FIRST_PAGE_POSTS).await?;
    let mut changes: Vec<Change> = Vec::new();
    for item in groups {
        if let Some(role) = item.my_role {
            // The join time is unknown here; the log's copy replaces this one.
            changes.push(Change::Membership {
                membership: Membership {
                    group_id: item.group.id.clone(),
                    user_id: me.id.clone(),
                    role,
                    joined_at: 0,
                },
            });
        }
        changes.push(Change::Group { group: item.group });
    }
    let added = store(cache, session, None, changes, page).await?;
    Ok(added.entities)
}

/// Reads older pages of the home feed (`None`) or of a group from the server
/// until one brings a post the cache did not hold, or the feed ends.
pub(crate) async fn older(
    cache: &Cache,
    session: &Session<'_>,
    group_id: Option<&str>,
    limit: i64,
) -> Result<OlderPosts, ClientError> {
    let mut result = OlderPosts {
        added: 0,
        more: true,
    };
    for _ in 0..MAX_PAGES_PER_CALL {
        let before = {
            let mut conn = cache.read().await?;
            match cache::feed_page_cursor(&mut conn, feed_key(group_id)).await? {
                // The last page was read already.
                Some(None) => {
                    result.more = false;
                    return Ok(result);
                }
                Some(Some(next)) => Some(next),
                None => None,
            }
        };
        let page = fetch_page(session, group_id, before.as_deref(), limit).await?;
        let more = page.next.is_some();
        let added = store(cache, session, group_id, Vec::new(), page).await?;
        result.added += u32::try_from(added.posts).unwrap_or(u32::MAX);
        result.more = more;
        if added.posts > 0 || !more {
            break;
        }
    }
    Ok(result)
}

async fn fetch_page(
    session: &Session<'_>,
    group_id: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> Result<FeedPage, ClientError> {
    let path = match group_id {
        None => "/feed".to_owned(),
        Some(id) => format!("/groups/{id}/posts"),
    };
    let mut query = vec![("limit", limit.to_string())];
    if let Some(before) = before {
        query.push(("before", before.to_owned()));
    }
    session
        .api
        .get(session.server_url, session.token, &path, &query)
        .await
}

struct Added {
    entities: usize,
    posts: usize,
}

/// Stores `extra` and a feed page (with the authors the cache does not know)
/// and where the feed continues, in one transaction.
async fn store(
    cache: &Cache,
    session: &Session<'_>,
    group_id: Option<&str>,
    extra: Vec<Change>,
    page: FeedPage,
) -> Result<Added, ClientError> {
    let authors = unknown_authors(cache, session, &page).await?;
    let mut changes = extra;
    changes.extend(authors.into_iter().map(|user| Change::User { user }));
    let mut post_ids = BTreeSet::new();
    for item in page.posts {
        post_ids.insert(item.post.id.clone());
        changes.push(Change::Post { post: item.post });
        changes.extend(
            item.comments
                .into_iter()
                .map(|comment| Change::Comment { comment }),
        );
        changes.extend(
            item.reactions
                .into_iter()
                .map(|reaction| Change::Reaction { reaction }),
        );
    }

    let mut added = Added {
        entities: 0,
        posts: 0,
    };
    let mut tx = cache.write().await?;
    let provisional = !cache::first_sync_done(&mut tx).await?;
    for change in &changes {
        if cache::store_from_page(&mut tx, change, provisional).await? {
            added.entities += 1;
            if matches!(change, Change::Post { .. }) {
                added.posts += 1;
            }
        }
    }
    cache::set_feed_page_cursor(&mut tx, feed_key(group_id), page.next.as_deref()).await?;
    tx.commit().await?;
    Ok(added)
}

/// The authors of a page's posts and comments that the cache does not know,
/// from `GET /users/{id}`, so the page shows their names.
async fn unknown_authors(
    cache: &Cache,
    session: &Session<'_>,
    page: &FeedPage,
) -> Result<Vec<User>, ClientError> {
    let mut ids = BTreeSet::new();
    for item in &page.posts {
        ids.insert(item.post.author_id.clone());
        ids.extend(item.comments.iter().map(|c| c.author_id.clone()));
    }
    let mut unknown = Vec::new();
    {
        let mut conn = cache.read().await?;
        for id in ids {
            if !cache::user_known(&mut conn, &id).await? {
                unknown.push(id);
            }
        }
    }
    stream::iter(unknown)
        .map(|id| async move {
            let path = format!("/users/{id}");
            let user = session
                .api
                .get::<User>(session.server_url, session.token, &path, &[])
                .await;
            match user {
                Ok(user) => Ok(Some(user)),
                // Gone meanwhile: the page shows "Unknown user" until the log says more.
                Err(ClientError::Server { status: 404, .. }) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .buffer_unordered(PARALLEL_USER_FETCHES)
        .try_filter_map(|user| async move { Ok(user) })
        .try_collect()
        .await
}
