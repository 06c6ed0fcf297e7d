//! Calls and setup shared by the content scenarios (edits, deletes, pins,
//! replies, reactions, feeds, notifications).

use commons_protocol::*;
use serde::Serialize;

use crate::harness::{new_id, send, Reply, Session};

pub async fn patch<B: Serialize>(s: &Session, path: &str, body: &B) -> Reply {
    send(
        s.ctx
            .http
            .patch(s.ctx.api(path))
            .bearer_auth(&s.token)
            .json(body),
    )
    .await
}

pub async fn put<B: Serialize>(s: &Session, path: &str, body: &B) -> Reply {
    send(
        s.ctx
            .http
            .put(s.ctx.api(path))
            .bearer_auth(&s.token)
            .json(body),
    )
    .await
}

pub async fn delete<B: Serialize>(s: &Session, path: &str, body: &B) -> Reply {
    send(
        s.ctx
            .http
            .delete(s.ctx.api(path))
            .bearer_auth(&s.token)
            .json(body),
    )
    .await
}

pub fn edit_request(body: &str) -> EditTextRequest {
    EditTextRequest {
        mutation_id: new_id(),
        body: body.into(),
    }
}

pub fn mutation() -> MutationRequest {
    MutationRequest {
        mutation_id: new_id(),
    }
}

pub fn react_request(kind: ReactionKind) -> ReactRequest {
    ReactRequest {
        mutation_id: new_id(),
        kind,
    }
}

pub async fn edit_post(s: &Session, post: &Post, body: &str) -> Reply {
    patch(s, &format!("/posts/{}", post.id), &edit_request(body)).await
}

pub async fn delete_post(s: &Session, post_id: &str) -> Reply {
    delete(s, &format!("/posts/{post_id}"), &mutation()).await
}

pub async fn delete_comment(s: &Session, comment_id: &str) -> Reply {
    delete(s, &format!("/comments/{comment_id}"), &mutation()).await
}

pub async fn pin(s: &Session, post_id: &str, pinned: bool) -> Reply {
    let request = PinRequest {
        mutation_id: new_id(),
        pinned,
    };
    s.post(&format!("/posts/{post_id}/pin"), &request).await
}

/// `PUT /posts/{id}/reaction` or `/comments/{id}/reaction` (`on` is "posts" or "comments").
pub async fn react(s: &Session, on: &str, id: &str, kind: ReactionKind) -> Reply {
    put(s, &format!("/{on}/{id}/reaction"), &react_request(kind)).await
}

pub async fn unreact(s: &Session, on: &str, id: &str) -> Reply {
    delete(s, &format!("/{on}/{id}/reaction"), &mutation()).await
}

pub async fn reply_to(s: &Session, post_id: &str, parent_id: &str, body: &str) -> Reply {
    let request = CreateCommentRequest {
        mutation_id: new_id(),
        id: new_id(),
        body: body.into(),
        parent_id: Some(parent_id.into()),
        attachment_ids: Vec::new(),
    };
    s.post(&format!("/posts/{post_id}/comments"), &request)
        .await
}

pub async fn post_page(s: &Session, post_id: &str) -> PostWithComments {
    s.get(&format!("/posts/{post_id}"))
        .await
        .assert_status(200)
        .json()
}

/// Every page of a feed path (`/feed` or `/groups/{id}/posts`) at `limit` per page.
pub async fn all_pages(s: &Session, path: &str, limit: i64) -> Vec<Vec<PostWithComments>> {
    let mut pages = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let url = match &before {
            Some(cursor) => format!("{path}?limit={limit}&before={cursor}"),
            None => format!("{path}?limit={limit}"),
        };
        let page: FeedPage = s.get(&url).await.assert_status(200).json();
        assert!(page.posts.len() as i64 <= limit || before.is_none());
        pages.push(page.posts);
        match page.next {
            Some(next) => before = Some(next),
            None => return pages,
        }
    }
}

pub fn ids(posts: &[PostWithComments]) -> Vec<String> {
    posts.iter().map(|p| p.post.id.clone()).collect()
}

/// The caller's notifications, oldest first, as (kind, actor, post, comment).
pub async fn notifications(s: &Session) -> Vec<Notification> {
    let page: NotificationPage = s
        .get("/notifications?limit=200")
        .await
        .assert_status(200)
        .json();
    let mut all = page.notifications;
    all.reverse();
    all
}

/// Sets a member's notification level for a group straight in the database
/// (the settings endpoint belongs to another part of the API).
pub async fn set_level(s: &Session, group_id: &str, level: NotificationLevel) {
    sqlx::query(
        "INSERT INTO group_settings (group_id, user_id, notification_level) VALUES ($1, $2, $3)",
    )
    .bind(group_id)
    .bind(&s.user.id)
    .bind(level.as_str())
    .execute(s.ctx.db.pool())
    .await
    .expect("settings stored");
}

/// Makes a member a moderator straight in the database (role changes belong
/// to another part of the API).
pub async fn make_moderator(s: &Session, group_id: &str) {
    sqlx::query("UPDATE memberships SET role = 'moderator' WHERE group_id = $1 AND user_id = $2")
        .bind(group_id)
        .bind(&s.user.id)
        .execute(s.ctx.db.pool())
        .await
        .expect("role changed");
}

/// An organisation admin, logged in.
pub async fn org_admin(ctx: &crate::harness::Ctx, handle: &str) -> Session {
    let user = commons_server::ops::users::create(
        &ctx.db,
        commons_server::ops::users::NewUser {
            email: format!("{handle}@example.org"),
            name: format!("{handle} Example"),
            password: crate::harness::PASSWORD.into(),
            is_admin: true,
        },
    )
    .await
    .expect("admin created");
    ctx.login(&user).await
}
