//! Which incoming items deserve a notification, decided in one place.
//!
//! The rule: raise one for a comment by someone else on a post I wrote, and
//! one for a post or comment by someone else that @mentions my handle (one
//! notification per item, a mention taking precedence). Only items that
//! arrive new in an incremental sync count: nothing during an account's
//! first sync (that is history, not news), never twice for one item (ids are
//! recorded in `notified` in the same transaction as the page that brought
//! them), never for my own writes. Announcements are the server's call (it
//! knows my level for the group): its unread `announcement` notification
//! raises one, unless the post already raised one here (a mention).
//!
//! Raising is the caller's job, through a [`Notifier`]: the desktop shows
//! system notifications, the CLI prints them.

use commons_protocol::{mentioned_handles, Change, User};
use sqlx::SqliteConnection;

use crate::cache::{self, EntityTable};
use crate::{ClientError, Notification, NotificationKind, SyncReport};

/// Shows notifications to the user.
pub trait Notifier: Send + Sync {
    fn notify(&self, notification: &Notification);
}

impl SyncReport {
    /// Hands every notification of this report to `notifier`.
    pub fn raise(&self, notifier: &dyn Notifier) {
        for notification in &self.notifications {
            notifier.notify(notification);
        }
    }
}

/// A post or comment that just arrived, with the names needed to describe it.
#[derive(Clone, Debug)]
pub(crate) struct NewItem {
    pub post_id: String,
    pub author_id: String,
    pub author_name: String,
    pub body: String,
    pub group_name: String,
    /// Set for comments: who wrote the post commented on, if known.
    pub comment_on_post_by: Option<String>,
}

/// The rule itself, free of storage: what (if anything) `me` should be told about `item`.
pub(crate) fn decide(me: &User, item: &NewItem) -> Option<Notification> {
    if item.author_id == me.id {
        return None;
    }
    let is_comment = item.comment_on_post_by.is_some();
    let mentioned = mentioned_handles(&item.body).contains(&me.handle.to_ascii_lowercase());
    let (kind, title) = if mentioned {
        let place = if is_comment {
            "a comment".to_owned()
        } else {
            format!("a post in {}", item.group_name)
        };
        (
            NotificationKind::Mention,
            format!("{} mentioned you in {place}", item.author_name),
        )
    } else if item.comment_on_post_by.as_deref() == Some(me.id.as_str()) {
        (
            NotificationKind::CommentOnYourPost,
            format!("{} commented on your post", item.author_name),
        )
    } else {
        return None;
    };
    Some(Notification {
        kind,
        title,
        body: excerpt(&item.body, 200),
        post_id: item.post_id.clone(),
    })
}

/// Decides for one change of a pulled page. Call BEFORE applying the change,
/// so "already in the cache" can be told apart from "new".
pub(crate) async fn consider(
    conn: &mut SqliteConnection,
    me: &User,
    change: &Change,
) -> Result<Option<Notification>, ClientError> {
    if let Change::Notification { notification } = change {
        return announcement(conn, me, notification).await;
    }
    let (item_id, table, author_id) = match change {
        Change::Post { post } => (&post.id, EntityTable::Posts, &post.author_id),
        Change::Comment { comment } => (&comment.id, EntityTable::Comments, &comment.author_id),
        _ => return Ok(None),
    };
    if *author_id == me.id
        || cache::item_known(conn, table, item_id).await?
        || already_notified(conn, item_id).await?
    {
        return Ok(None);
    }
    let item = match change {
        Change::Post { post } => NewItem {
            post_id: post.id.clone(),
            author_id: post.author_id.clone(),
            author_name: author_name(conn, &post.author_id).await?,
            body: post.body.clone(),
            group_name: group_name(conn, &post.group_id).await?,
            comment_on_post_by: None,
        },
        Change::Comment { comment } => NewItem {
            post_id: comment.post_id.clone(),
            author_id: comment.author_id.clone(),
            author_name: author_name(conn, &comment.author_id).await?,
            body: comment.body.clone(),
            group_name: group_name(conn, &comment.group_id).await?,
            comment_on_post_by: Some(post_author(conn, &comment.post_id).await?),
        },
        _ => return Ok(None),
    };
    let decision = decide(me, &item);
    if decision.is_some() {
        sqlx::query("INSERT OR IGNORE INTO notified (item_id, notified_at) VALUES (?, ?)")
            .bind(item_id.clone())
            .bind(cache::now_millis())
            .execute(&mut *conn)
            .await?;
    }
    Ok(decision)
}

/// An announcement the server notified me of, the first time it arrives unread.
async fn announcement(
    conn: &mut SqliteConnection,
    me: &User,
    n: &commons_protocol::Notification,
) -> Result<Option<Notification>, ClientError> {
    let post_id = n.post_id.clone().unwrap_or_default();
    if n.kind != commons_protocol::NotificationKind::Announcement
        || n.user_id != me.id
        || n.read_at.is_some()
        || already_notified(conn, &n.id).await?
        || already_notified(conn, &post_id).await?
        || cache::fetch_optional_string(conn, "SELECT id FROM notifications WHERE id = ?", &n.id)
            .await?
            .is_some()
    {
        return Ok(None);
    }
    let actor = match &n.actor_id {
        Some(id) => author_name(conn, id).await?,
        None => "Someone".to_owned(),
    };
    let group = match &n.group_id {
        Some(id) => group_name(conn, id).await?,
        None => "a group".to_owned(),
    };
    let body = cache::fetch_optional_string(conn, "SELECT body FROM posts WHERE id = ?", &post_id)
        .await?
        .unwrap_or_default();
    sqlx::query("INSERT OR IGNORE INTO notified (item_id, notified_at) VALUES (?, ?)")
        .bind(n.id.clone())
        .bind(cache::now_millis())
        .execute(&mut *conn)
        .await?;
    Ok(Some(Notification {
        kind: NotificationKind::Announcement,
        title: format!("{actor} made an announcement in {group}"),
        body: excerpt(&body, 200),
        post_id,
    }))
}

async fn already_notified(conn: &mut SqliteConnection, item_id: &str) -> Result<bool, ClientError> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM notified WHERE item_id = ?)")
            .bind(item_id.to_owned())
            .fetch_one(conn)
            .await?,
    )
}

async fn author_name(conn: &mut SqliteConnection, user_id: &str) -> Result<String, ClientError> {
    Ok(
        cache::fetch_optional_string(conn, "SELECT name FROM users WHERE id = ?", user_id)
            .await?
            .unwrap_or_else(|| "Someone".to_owned()),
    )
}

async fn group_name(conn: &mut SqliteConnection, group_id: &str) -> Result<String, ClientError> {
    Ok(
        cache::fetch_optional_string(conn, "SELECT name FROM groups WHERE id = ?", group_id)
            .await?
            .unwrap_or_else(|| "a group".to_owned()),
    )
}

/// The post's author, or "" when the post is not in the cache (then it is not mine).
async fn post_author(conn: &mut SqliteConnection, post_id: &str) -> Result<String, ClientError> {
    Ok(
        cache::fetch_optional_string(conn, "SELECT author_id FROM posts WHERE id = ?", post_id)
            .await?
            .unwrap_or_default(),
    )
}

/// The first `max_chars` characters of `text` on one line, with an ellipsis when cut.
pub(crate) fn excerpt(text: &str, max_chars: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max_chars {
        one_line
    } else {
        let cut: String = one_line.chars().take(max_chars.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ada() -> User {
        User {
            id: "u-ada".into(),
            email: "ada@example.org".into(),
            name: "Ada Lovelace".into(),
            handle: "ada".into(),
            is_admin: true,
            created_at: 0,
            ..Default::default()
        }
    }

    fn comment_by(author_id: &str, body: &str, post_by: &str) -> NewItem {
        NewItem {
            post_id: "p1".into(),
            author_id: author_id.into(),
            author_name: "Grace Hopper".into(),
            body: body.into(),
            group_name: "Engineering".into(),
            comment_on_post_by: Some(post_by.into()),
        }
    }

    #[test]
    fn a_comment_by_someone_else_on_my_post_notifies() {
        let n = decide(&ada(), &comment_by("u-grace", "Looks good", "u-ada")).expect("one");
        assert_eq!(n.kind, NotificationKind::CommentOnYourPost);
        assert_eq!(n.title, "Grace Hopper commented on your post");
        assert_eq!(n.body, "Looks good");
        assert_eq!(n.post_id, "p1");
    }

    #[test]
    fn my_own_comment_never_notifies() {
        assert_eq!(
            decide(&ada(), &comment_by("u-ada", "hi @ada", "u-ada")),
            None
        );
    }

    #[test]
    fn comments_on_other_peoples_posts_do_not_notify() {
        assert_eq!(
            decide(&ada(), &comment_by("u-grace", "agreed", "u-alan")),
            None
        );
    }

    #[test]
    fn a_mention_notifies_once_and_wins_over_comment_on_post() {
        let n = decide(&ada(), &comment_by("u-grace", "cc @Ada", "u-ada")).expect("one");
        assert_eq!(n.kind, NotificationKind::Mention);
        assert_eq!(n.title, "Grace Hopper mentioned you in a comment");
    }

    #[test]
    fn a_mention_in_a_post_names_the_group() {
        let item = NewItem {
            comment_on_post_by: None,
            ..comment_by("u-grace", "@ada can you review?", "")
        };
        let n = decide(&ada(), &item).expect("one");
        assert_eq!(
            n.title,
            "Grace Hopper mentioned you in a post in Engineering"
        );
    }

    #[test]
    fn an_email_address_is_not_a_mention() {
        let item = NewItem {
            comment_on_post_by: None,
            ..comment_by("u-grace", "mail ada@example.org", "")
        };
        assert_eq!(decide(&ada(), &item), None);
    }

    #[test]
    fn excerpts_are_one_line_and_bounded() {
        assert_eq!(excerpt("a\n\nb  c", 10), "a b c");
        assert_eq!(excerpt("abcdefghij", 5), "abcd…");
    }
}
