//! The home feed and a group's page of posts.
//!
//! The home feed (`GET /feed`) holds the posts of the groups the caller is a
//! member of, in one order, the same for everyone and without ranking:
//! newest activity first, where a post's activity is its creation or its
//! latest comment (`posts.activity_seq`, the change-log position of that
//! event, so ties cannot happen and the order is the commit order). Edits,
//! reactions and pins are not activity; pinned posts are not special here.
//!
//! A group's page (`GET /groups/{id}/posts`) shows its pinned posts (most
//! recently pinned first) at the top of the first page, then the other posts
//! newest first by creation (`posts.seq`), like the group's timeline.
//!
//! Announcements the caller has not seen and that have not ended come first
//! on the first page of both (newest first), above pinned posts; they keep
//! their place in the order too, so a page never holds one post twice but a
//! later page may show an announcement again.
//!
//! Deleted posts appear in neither. Both are paged by keyset with an opaque
//! cursor (`next`, sent back as `before`) naming the position of the page's
//! last post. A page never repeats a post of an earlier page nor skips one;
//! in the home feed, a post that gets a comment meanwhile moves above the
//! cursor (to the top, where a refresh shows it) and is not shown again
//! further down.

use std::collections::{HashMap, HashSet};

use commons_protocol::{
    Comment, FeedPage, Post, PostWithComments, Reaction, User, DEFAULT_FEED_LIMIT, MAX_FEED_LIMIT,
};
use sqlx::AnyConnection;

use super::groups::{self, can_read_posts};
use super::{OpError, OpResult};
use crate::db::posts::Ranked;
use crate::db::{self, now_millis, Database};

/// Cursor prefixes: a cursor of one feed is refused by the other.
const HOME_CURSOR: &str = "f1.";
const GROUP_CURSOR: &str = "g1.";

fn parse_cursor(prefix: &str, before: Option<&str>) -> OpResult<i64> {
    match before {
        None => Ok(i64::MAX),
        Some(text) => text
            .strip_prefix(prefix)
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|n| *n > 0)
            .ok_or_else(|| OpError::Invalid(format!("invalid page cursor {text:?}"))),
    }
}

fn page_limit(limit: Option<i64>) -> i64 {
    limit.unwrap_or(DEFAULT_FEED_LIMIT).clamp(1, MAX_FEED_LIMIT)
}

/// Splits `limit + 1` fetched rows into the page and the cursor of the next one.
fn split_page(prefix: &str, mut rows: Vec<Ranked>, limit: i64) -> (Vec<Post>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|last| format!("{prefix}{}", last.position))
    } else {
        None
    };
    (rows.into_iter().map(|r| r.post).collect(), next)
}

/// `GET /feed`: the caller's home feed.
pub async fn home(
    db: &Database,
    actor: &User,
    before: Option<&str>,
    limit: Option<i64>,
) -> OpResult<FeedPage> {
    let first_page = before.is_none();
    let before = parse_cursor(HOME_CURSOR, before)?;
    let limit = page_limit(limit);
    let mut conn = db.pool().acquire().await?;
    let rows = db::posts::feed_page(&mut conn, &actor.id, before, limit + 1).await?;
    let (rest, next) = split_page(HOME_CURSOR, rows, limit);
    let mut posts = Vec::new();
    if first_page {
        posts = db::polls::unseen_announcements(&mut conn, &actor.id, None, now_millis()).await?;
    }
    let posts = on_top(posts, rest);
    let posts = with_comments(&mut conn, posts).await?;
    Ok(FeedPage { posts, next })
}

/// `GET /groups/{id}/posts`: a group's posts, newest first, pinned ones
/// first on the first page. Closed groups show them to members only.
pub async fn group(
    db: &Database,
    actor: &User,
    group_id: &str,
    before: Option<&str>,
    limit: Option<i64>,
) -> OpResult<FeedPage> {
    let first_page = before.is_none();
    let before = parse_cursor(GROUP_CURSOR, before)?;
    let limit = page_limit(limit);
    let mut conn = db.pool().acquire().await?;
    let (group, role) = groups::visible(&mut conn, actor, group_id).await?;
    if !can_read_posts(&group, role) {
        return Err(OpError::Forbidden(format!(
            "only members of {} can see its posts",
            group.name
        )));
    }
    let mut posts = Vec::new();
    if first_page {
        posts =
            db::polls::unseen_announcements(&mut conn, &actor.id, Some(&group.id), now_millis())
                .await?;
        let pinned = db::posts::pinned_of_group(&mut conn, &group.id).await?;
        posts = on_top(posts, pinned);
    }
    let rows = db::posts::group_page(&mut conn, &group.id, before, limit + 1).await?;
    let (rest, next) = split_page(GROUP_CURSOR, rows, limit);
    let posts = on_top(posts, rest);
    let posts = with_comments(&mut conn, posts).await?;
    Ok(FeedPage { posts, next })
}

/// `top` then the posts of `rest` that are not in `top`.
fn on_top(mut top: Vec<Post>, rest: Vec<Post>) -> Vec<Post> {
    let shown: HashSet<String> = top.iter().map(|p| p.id.clone()).collect();
    top.extend(rest.into_iter().filter(|p| !shown.contains(&p.id)));
    top
}

/// Attaches to each post its comments (oldest first, tombstones included)
/// the reactions to it and its comments, and its attachments. Three queries
/// for the lot.
pub(super) async fn with_comments(
    conn: &mut AnyConnection,
    mut posts: Vec<Post>,
) -> OpResult<Vec<PostWithComments>> {
    db::attachments::attach(conn, &mut posts).await?;
    let ids: Vec<String> = posts.iter().map(|p| p.id.clone()).collect();
    let mut comments: HashMap<String, Vec<Comment>> = HashMap::new();
    for comment in db::posts::comments_of_posts(conn, &ids).await? {
        comments
            .entry(comment.post_id.clone())
            .or_default()
            .push(comment);
    }
    let mut reactions: HashMap<String, Vec<Reaction>> = HashMap::new();
    for reaction in db::reactions::of_posts(conn, &ids).await? {
        reactions
            .entry(reaction.post_id.clone())
            .or_default()
            .push(reaction);
    }
    Ok(posts
        .into_iter()
        .map(|post| PostWithComments {
            comments: comments.remove(&post.id).unwrap_or_default(),
            reactions: reactions.remove(&post.id).unwrap_or_default(),
            post,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_checked() {
        assert_eq!(parse_cursor(HOME_CURSOR, None).unwrap(), i64::MAX);
        assert_eq!(parse_cursor(HOME_CURSOR, Some("f1.42")).unwrap(), 42);
        assert_eq!(parse_cursor(GROUP_CURSOR, Some("g1.42")).unwrap(), 42);
        for bad in ["42", "f1.", "f1.-1", "f1.0", "g1.42", "c1.42", "f1.x"] {
            assert!(parse_cursor(HOME_CURSOR, Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn limits_are_clamped() {
        assert_eq!(page_limit(None), DEFAULT_FEED_LIMIT);
        assert_eq!(page_limit(Some(0)), 1);
        assert_eq!(page_limit(Some(-5)), 1);
        assert_eq!(page_limit(Some(1_000_000)), MAX_FEED_LIMIT);
    }
}
