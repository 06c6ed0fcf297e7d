//! Posts and comments: members write, readers of the group read.

use commons_protocol::{
    Comment, CreateCommentRequest, CreatePostRequest, Group, GroupRole, Post, PostWithComments,
    User,
};
use sqlx::AnyConnection;

use super::groups::{self, can_read_posts, notify_members};
use super::{validate, OpError, OpResult};
use crate::db::changes::{ChangeKind, NewChange};
use crate::db::{self, now_millis, Database, Write};

fn post_not_found() -> OpError {
    OpError::NotFound("post not found".into())
}

pub async fn create_post(
    w: &mut Write,
    actor: &User,
    request: &CreatePostRequest,
) -> OpResult<Post> {
    let id = validate::id("id", &request.id)?;
    validate::post_body(&request.body)?;
    let (group, role) = groups::visible(w.conn(), actor, &request.group_id).await?;
    if role.is_none() {
        return Err(OpError::Forbidden(format!(
            "only members of {} can post in it: join it first",
            group.name
        )));
    }
    if db::posts::post_exists(w.conn(), &id).await? {
        return Err(OpError::Conflict(format!("id {id} is already used")));
    }
    let post = Post {
        id,
        group_id: group.id,
        author_id: actor.id.clone(),
        body: request.body.clone(),
        created_at: now_millis(),
        ..Post::default()
    };
    let seq = w
        .append(NewChange {
            kind: ChangeKind::Post,
            entity_id: &post.id,
            group_id: Some(&post.group_id),
            user_id: None,
        })
        .await?;
    db::posts::insert_post(w.conn(), &post, seq).await?;
    notify_members(w, &post.group_id).await?;
    Ok(post)
}

pub async fn create_comment(
    w: &mut Write,
    actor: &User,
    post_id: &str,
    request: &CreateCommentRequest,
) -> OpResult<Comment> {
    let id = validate::id("id", &request.id)?;
    validate::comment_body(&request.body)?;
    let (post, group, role) = readable_post(w.conn(), actor, post_id).await?;
    if role.is_none() {
        return Err(OpError::Forbidden(format!(
            "only members of {} can comment: join it first",
            group.name
        )));
    }
    if db::posts::comment_exists(w.conn(), &id).await? {
        return Err(OpError::Conflict(format!("id {id} is already used")));
    }
    let comment = Comment {
        id,
        post_id: post.id,
        group_id: post.group_id,
        author_id: actor.id.clone(),
        body: request.body.clone(),
        created_at: now_millis(),
        ..Comment::default()
    };
    let seq = w
        .append(NewChange {
            kind: ChangeKind::Comment,
            entity_id: &comment.id,
            group_id: Some(&comment.group_id),
            user_id: None,
        })
        .await?;
    db::posts::insert_comment(w.conn(), &comment, seq).await?;
    notify_members(w, &comment.group_id).await?;
    Ok(comment)
}

/// A group's posts, newest first. Closed groups show them to members only.
pub async fn of_group(
    db: &Database,
    actor: &User,
    group_id: &str,
) -> OpResult<Vec<PostWithComments>> {
    let mut conn = db.pool().acquire().await?;
    let (group, role) = groups::visible(&mut conn, actor, group_id).await?;
    if !can_read_posts(&group, role) {
        return Err(OpError::Forbidden(format!(
            "only members of {} can see its posts",
            group.name
        )));
    }
    Ok(db::posts::posts_of_group(&mut conn, &group.id).await?)
}

pub async fn get(db: &Database, actor: &User, post_id: &str) -> OpResult<PostWithComments> {
    let mut conn = db.pool().acquire().await?;
    let (post, _, _) = readable_post(&mut conn, actor, post_id).await?;
    let comments = db::posts::comments_of_post(&mut conn, &post.id).await?;
    Ok(PostWithComments { post, comments })
}

/// The post with its group and the caller's role there, or "post not found"
/// when it does not exist or the caller may not read it.
async fn readable_post(
    conn: &mut AnyConnection,
    actor: &User,
    post_id: &str,
) -> OpResult<(Post, Group, Option<GroupRole>)> {
    let post_id = validate::id("post id", post_id)?;
    let post = db::posts::find_post(conn, &post_id)
        .await?
        .ok_or_else(post_not_found)?;
    let (group, role) = match groups::visible(conn, actor, &post.group_id).await {
        Ok(found) => found,
        Err(OpError::NotFound(_)) => return Err(post_not_found()),
        Err(e) => return Err(e),
    };
    if !can_read_posts(&group, role) {
        return Err(post_not_found());
    }
    Ok((post, group, role))
}
