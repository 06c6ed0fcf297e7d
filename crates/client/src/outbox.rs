//! The outbox: writes made locally, waiting for the server.
//!
//! Invariants:
//! - A write is applied to the cache (rows marked pending) and queued here in
//!   ONE transaction, so the cache never shows a change that will not be sent,
//!   and never queues a change it does not show.
//! - Writes are sent in `seq` order, one at a time. A comment on a post that
//!   is still queued waits behind it; if that post was rejected, the comment
//!   fails too, with a reason that says so.
//! - A row leaves the outbox only in the transaction that stores the server's
//!   answer. Each write carries a client-generated `mutation_id`, and the server
//!   records it with the result and answers a replay with the stored result
//!   without applying anything twice. So a crash (or timeout) between sending
//!   and confirming is safe: the next push sends the same write again and gets
//!   the same answer. That is exactly-once delivery, as long as the server
//!   keeps its mutation records.
//! - Outcomes: 2xx confirms; a 4xx rejection (bad input, forbidden, not found,
//!   conflict) marks the write failed with the server's message, and it stays
//!   visible; being offline, a 5xx or an ended session stops the push and
//!   leaves the write pending for the next one. A failed write stays until
//!   the user retries or discards it (`outbox_actions`).

use commons_protocol::{
    AddMemberRequest, Comment, CreateCommentRequest, CreateGroupRequest, CreatePostRequest,
    EditTextRequest, Group, GroupSettingsRequest, Id, JoinGroupRequest, Membership,
    MembershipResponse, Millis, MutationRequest, NotificationLevel, Post, ReactRequest,
    ReactionKind,
};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;

use crate::api::{Api, Method};
use crate::cache::{self, Cache, EntityTable, Origin};
use crate::local_effects;
use crate::{ClientError, OutboxItem, OutboxState, PushReport};

/// A post or a comment: what edits, deletions and reactions act on.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Item {
    Post,
    Comment,
}

impl Item {
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Item::Post => "post",
            Item::Comment => "comment",
        }
    }

    /// The REST collection: `/posts` or `/comments`.
    fn collection(self) -> &'static str {
        match self {
            Item::Post => "posts",
            Item::Comment => "comments",
        }
    }
}

/// A text as it was before a local edit: put back when the edit is discarded.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub(crate) struct PreviousText {
    pub body: String,
    pub edited_at: Option<Millis>,
}

/// What a reaction write acts on, with what the local row needs.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub(crate) struct ReactionTarget {
    pub item: Item,
    pub target_id: Id,
    pub post_id: Id,
    pub group_id: Id,
    pub user_id: Id,
    /// My reaction before this write, put back if the server refuses it.
    pub previous: Option<ReactionKind>,
}

/// One queued write: what to send, and where.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Mutation {
    Post {
        request: CreatePostRequest,
    },
    Comment {
        post_id: Id,
        request: CreateCommentRequest,
    },
    CreateGroup {
        request: CreateGroupRequest,
    },
    /// Joins an open group, or asks to join a closed one (`closed`).
    JoinGroup {
        group_id: Id,
        user_id: Id,
        #[serde(default)]
        closed: bool,
        request: JoinGroupRequest,
    },
    AddMember {
        group_id: Id,
        /// Set when the cache knew the person, so the local membership can be undone on rejection.
        user_id: Option<Id>,
        request: AddMemberRequest,
    },
    /// `PATCH /posts/{id}` or `/comments/{id}`.
    Edit {
        item: Item,
        id: Id,
        previous: PreviousText,
        request: EditTextRequest,
    },
    /// `DELETE /posts/{id}` or `/comments/{id}`.
    Delete {
        item: Item,
        id: Id,
        request: MutationRequest,
    },
    /// `PUT /posts/{id}/reaction` or `/comments/{id}/reaction`.
    React {
        target: ReactionTarget,
        request: ReactRequest,
    },
    /// `DELETE /posts/{id}/reaction` or `/comments/{id}/reaction`.
    Unreact {
        target: ReactionTarget,
        request: MutationRequest,
    },
    /// `POST /groups/{id}/leave`.
    LeaveGroup {
        /// My membership before leaving, put back if the server refuses.
        previous: Membership,
        request: MutationRequest,
    },
    /// `POST /notifications/{id}/read`.
    ReadNotification {
        notification_id: Id,
        request: MutationRequest,
    },
    /// `POST /notifications/read-all`.
    ReadAllNotifications {
        user_id: Id,
        /// The notifications this marked read here (unread again if refused).
        marked: Vec<Id>,
        request: MutationRequest,
    },
    /// `PUT /groups/{id}/settings`.
    GroupSettings {
        group_id: Id,
        user_id: Id,
        previous: Option<NotificationLevel>,
        request: GroupSettingsRequest,
    },
    /// `POST /attachments?mutation_id=`: a file attached to a post written
    /// here, queued before the post (see `uploads.rs`).
    Upload(crate::uploads::QueuedUpload),
}

impl Mutation {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Mutation::Post { .. } => "post",
            Mutation::Comment { .. } => "comment",
            Mutation::CreateGroup { .. } => "create_group",
            Mutation::JoinGroup { .. } => "join_group",
            Mutation::AddMember { .. } => "add_member",
            Mutation::Edit {
                item: Item::Post, ..
            } => "edit_post",
            Mutation::Edit {
                item: Item::Comment,
                ..
            } => "edit_comment",
            Mutation::Delete {
                item: Item::Post, ..
            } => "delete_post",
            Mutation::Delete {
                item: Item::Comment,
                ..
            } => "delete_comment",
            Mutation::React { .. } => "react",
            Mutation::Unreact { .. } => "unreact",
            Mutation::LeaveGroup { .. } => "leave_group",
            Mutation::ReadNotification { .. } => "read_notification",
            Mutation::ReadAllNotifications { .. } => "read_all_notifications",
            Mutation::GroupSettings { .. } => "group_settings",
            Mutation::Upload(_) => "upload",
        }
    }

    pub(crate) fn mutation_id(&self) -> &str {
        match self {
            Mutation::Post { request } => &request.mutation_id,
            Mutation::Comment { request, .. } => &request.mutation_id,
            Mutation::CreateGroup { request } => &request.mutation_id,
            Mutation::JoinGroup { request, .. } => &request.mutation_id,
            Mutation::AddMember { request, .. } => &request.mutation_id,
            Mutation::Edit { request, .. } => &request.mutation_id,
            Mutation::Delete { request, .. }
            | Mutation::Unreact { request, .. }
            | Mutation::LeaveGroup { request, .. }
            | Mutation::ReadNotification { request, .. }
            | Mutation::ReadAllNotifications { request, .. } => &request.mutation_id,
            Mutation::React { request, .. } => &request.mutation_id,
            Mutation::GroupSettings { request, .. } => &request.mutation_id,
            Mutation::Upload(upload) => &upload.mutation_id,
        }
    }

    /// The post, comment or group this write creates, if any.
    pub(crate) fn creates(&self) -> Option<&str> {
        match self {
            Mutation::Post { request } => Some(&request.id),
            Mutation::Comment { request, .. } => Some(&request.id),
            Mutation::CreateGroup { request } => Some(&request.id),
            _ => None,
        }
    }

    /// The entity this write needs to exist on the server: a comment's post
    /// (a reply's comment), the group of a post or membership, the post or
    /// comment edited, deleted or reacted to.
    pub(crate) fn depends_on(&self) -> Option<&str> {
        match self {
            Mutation::Post { request } => Some(&request.group_id),
            Mutation::Comment { post_id, request } => {
                Some(request.parent_id.as_deref().unwrap_or(post_id))
            }
            Mutation::JoinGroup { group_id, .. }
            | Mutation::AddMember { group_id, .. }
            | Mutation::GroupSettings { group_id, .. } => Some(group_id),
            Mutation::LeaveGroup { previous, .. } => Some(&previous.group_id),
            Mutation::Edit { id, .. } | Mutation::Delete { id, .. } => Some(id),
            Mutation::React { target, .. } | Mutation::Unreact { target, .. } => {
                Some(&target.target_id)
            }
            Mutation::CreateGroup { .. }
            | Mutation::ReadNotification { .. }
            | Mutation::ReadAllNotifications { .. }
            | Mutation::Upload(_) => None,
        }
    }

    /// The entity the write creates or changes (post, comment, group,
    /// notification; the account itself for "read all"). Screens find a
    /// write on what they show through it (`outbox_by_entity`).
    fn entity_id(&self) -> &str {
        match self {
            Mutation::Post { request } => &request.id,
            Mutation::Comment { request, .. } => &request.id,
            Mutation::CreateGroup { request } => &request.id,
            Mutation::JoinGroup { group_id, .. }
            | Mutation::AddMember { group_id, .. }
            | Mutation::GroupSettings { group_id, .. } => group_id,
            Mutation::LeaveGroup { previous, .. } => &previous.group_id,
            Mutation::Edit { id, .. } | Mutation::Delete { id, .. } => id,
            Mutation::React { target, .. } | Mutation::Unreact { target, .. } => &target.target_id,
            Mutation::ReadNotification {
                notification_id, ..
            } => notification_id,
            Mutation::ReadAllNotifications { user_id, .. } => user_id,
            Mutation::Upload(upload) => &upload.post_id,
        }
    }
}

/// Queues a write. Call inside the transaction that applied it to the cache.
pub(crate) async fn enqueue(
    conn: &mut SqliteConnection,
    mutation: &Mutation,
    summary: &str,
) -> Result<(), ClientError> {
    let payload = serde_json::to_string(mutation)
        .map_err(|e| ClientError::CorruptCache(format!("outbox payload: {e}")))?;
    sqlx::query(
        "INSERT INTO outbox (mutation_id, seq, kind, entity_id, summary, payload, state, attempts, created_at)
         VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox), ?, ?, ?, ?, 'pending', 0, ?)",
    )
    .bind(mutation.mutation_id().to_owned())
    .bind(mutation.kind())
    .bind(mutation.entity_id().to_owned())
    .bind(summary.to_owned())
    .bind(payload)
    .bind(cache::now_millis())
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct OutboxRow {
    mutation_id: String,
    kind: String,
    summary: String,
    state: String,
    reason: Option<String>,
    attempts: i64,
    created_at: i64,
}

/// Everything queued, in sending order.
pub(crate) async fn items(conn: &mut SqliteConnection) -> Result<Vec<OutboxItem>, ClientError> {
    let rows: Vec<OutboxRow> = sqlx::query_as(
        "SELECT mutation_id, kind, summary, state, reason, attempts, created_at
         FROM outbox ORDER BY seq",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| OutboxItem {
            state: match (row.state.as_str(), row.reason) {
                ("failed", reason) => OutboxState::Failed {
                    reason: reason.unwrap_or_else(|| "rejected by the server".to_owned()),
                },
                _ => OutboxState::Pending,
            },
            mutation_id: row.mutation_id,
            kind: row.kind,
            summary: row.summary,
            created_at: row.created_at,
            attempts: row.attempts,
        })
        .collect())
}

/// How many writes are waiting to be sent.
pub(crate) async fn pending_count(conn: &mut SqliteConnection) -> Result<i64, ClientError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE state = 'pending'")
            .fetch_one(conn)
            .await?,
    )
}

async fn next_pending(cache: &Cache) -> Result<Option<Mutation>, ClientError> {
    let mut conn = cache.read().await?;
    let payload: Option<String> = sqlx::query_scalar(
        "SELECT payload FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    payload
        .map(|p| {
            serde_json::from_str(&p)
                .map_err(|e| ClientError::CorruptCache(format!("outbox payload: {e}")))
        })
        .transpose()
}

/// Where to send a queued write.
pub(crate) struct Session<'a> {
    pub api: &'a Api,
    pub server_url: &'a str,
    pub token: &'a str,
    /// Where queued uploads keep their files (`attachments/` beside the cache).
    pub profile_dir: &'a std::path::Path,
}

/// Sends the outbox in order until it is empty or something stops it (see the module docs).
pub(crate) async fn push(cache: &Cache, session: &Session<'_>) -> Result<PushReport, ClientError> {
    let mut report = PushReport::default();
    while let Some(mutation) = next_pending(cache).await? {
        if let Some(reason) = blocked_by_failed_parent(cache, &mutation).await? {
            fail(cache, &mutation, &reason).await?;
            report.failed += 1;
            continue;
        }
        count_attempt(cache, mutation.mutation_id()).await?;
        match send(session, &mutation).await {
            Ok(answer) => {
                confirm(cache, &mutation, answer).await?;
                report.pushed += 1;
            }
            Err(error) => match rejection_reason(&error) {
                Some(reason) => {
                    tracing::info!(kind = mutation.kind(), %reason, "write rejected");
                    fail(cache, &mutation, &reason).await?;
                    report.failed += 1;
                }
                None => return Err(error),
            },
        }
    }
    Ok(report)
}

/// The server's answer to a write.
enum Answer {
    Attachment(commons_protocol::Attachment),
    Post(Post),
    Comment(Comment),
    Group(Group),
    Membership(MembershipResponse),
    /// The newer writes: their answer as JSON, read by `local_effects::confirm`
    /// as far as it is understood (the pull brings the rest).
    Json(serde_json::Value),
}

async fn send(session: &Session<'_>, mutation: &Mutation) -> Result<Answer, ClientError> {
    let Session {
        api,
        server_url,
        token,
        ..
    } = session;
    Ok(match mutation {
        Mutation::Upload(upload) => {
            Answer::Attachment(crate::uploads::send(session, upload).await?)
        }
        Mutation::Post { request } => {
            Answer::Post(api.post(server_url, token, "/posts", request).await?)
        }
        Mutation::Comment { post_id, request } => {
            let path = format!("/posts/{}/comments", path_segment(post_id)?);
            Answer::Comment(api.post(server_url, token, &path, request).await?)
        }
        Mutation::CreateGroup { request } => {
            Answer::Group(api.post(server_url, token, "/groups", request).await?)
        }
        Mutation::JoinGroup {
            group_id, request, ..
        } => {
            // Open groups answer with a membership, closed ones with a request.
            let path = format!("/groups/{}/join", path_segment(group_id)?);
            Answer::Json(
                api.write(Method::POST, server_url, token, &path, request)
                    .await?,
            )
        }
        Mutation::AddMember {
            group_id, request, ..
        } => {
            let path = format!("/groups/{}/members", path_segment(group_id)?);
            Answer::Membership(api.post(server_url, token, &path, request).await?)
        }
        Mutation::Edit {
            item, id, request, ..
        } => {
            let path = format!("/{}/{}", item.collection(), path_segment(id)?);
            Answer::Json(
                api.write(Method::PATCH, server_url, token, &path, request)
                    .await?,
            )
        }
        Mutation::Delete { item, id, request } => {
            let path = format!("/{}/{}", item.collection(), path_segment(id)?);
            Answer::Json(
                api.write(Method::DELETE, server_url, token, &path, request)
                    .await?,
            )
        }
        Mutation::React { target, request } => {
            let path = reaction_path(target)?;
            Answer::Json(
                api.write(Method::PUT, server_url, token, &path, request)
                    .await?,
            )
        }
        Mutation::Unreact { target, request } => {
            let path = reaction_path(target)?;
            Answer::Json(
                api.write(Method::DELETE, server_url, token, &path, request)
                    .await?,
            )
        }
        Mutation::LeaveGroup { previous, request } => {
            let path = format!("/groups/{}/leave", path_segment(&previous.group_id)?);
            Answer::Json(
                api.write(Method::POST, server_url, token, &path, request)
                    .await?,
            )
        }
        Mutation::ReadNotification {
            notification_id,
            request,
        } => {
            let path = format!("/notifications/{}/read", path_segment(notification_id)?);
            Answer::Json(
                api.write(Method::POST, server_url, token, &path, request)
                    .await?,
            )
        }
        Mutation::ReadAllNotifications { request, .. } => {
            let path = "/notifications/read-all";
            Answer::Json(
                api.write(Method::POST, server_url, token, path, request)
                    .await?,
            )
        }
        Mutation::GroupSettings {
            group_id, request, ..
        } => {
            let path = format!("/groups/{}/settings", path_segment(group_id)?);
            Answer::Json(
                api.write(Method::PUT, server_url, token, &path, request)
                    .await?,
            )
        }
    })
}

fn reaction_path(target: &ReactionTarget) -> Result<String, ClientError> {
    Ok(format!(
        "/{}/{}/reaction",
        target.item.collection(),
        path_segment(&target.target_id)?
    ))
}

/// Ids are UUIDs; anything else must not be spliced into a URL path.
fn path_segment(id: &str) -> Result<&str, ClientError> {
    if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        Ok(id)
    } else {
        Err(ClientError::InvalidInput(format!("not a valid id: {id:?}")))
    }
}

/// `Some(reason)` when the server refused the write itself (it will never succeed as is).
fn rejection_reason(error: &ClientError) -> Option<String> {
    match error {
        ClientError::Server {
            status, message, ..
        } if (400..500).contains(status) && !matches!(status, 401 | 408 | 429) => {
            Some(message.clone())
        }
        ClientError::InvalidInput(message) => Some(message.clone()),
        _ => None,
    }
}

/// A write that depends on a rejected one cannot succeed: say why instead of sending it.
async fn blocked_by_failed_parent(
    cache: &Cache,
    mutation: &Mutation,
) -> Result<Option<String>, ClientError> {
    let mut conn = cache.read().await?;
    const POST_FAILED: &str = "SELECT failed FROM posts WHERE id = ? AND failed IS NOT NULL";
    const COMMENT_FAILED: &str = "SELECT failed FROM comments WHERE id = ? AND failed IS NOT NULL";
    const GROUP_FAILED: &str = "SELECT failed FROM groups WHERE id = ? AND failed IS NOT NULL";
    let (sql, parent_id, what): (&'static str, &str, &str) = match mutation {
        Mutation::Comment {
            request:
                CreateCommentRequest {
                    parent_id: Some(parent_id),
                    ..
                },
            post_id,
        } => {
            let parent_failure =
                cache::fetch_optional_string(&mut conn, COMMENT_FAILED, parent_id).await?;
            if let Some(reason) = parent_failure {
                return Ok(Some(format!(
                    "the comment it replies to was not accepted by the server ({reason})"
                )));
            }
            (
                POST_FAILED,
                post_id,
                "its post was not accepted by the server",
            )
        }
        Mutation::Edit { item, id, .. } | Mutation::Delete { item, id, .. } => (
            if *item == Item::Post {
                POST_FAILED
            } else {
                COMMENT_FAILED
            },
            id,
            if *item == Item::Post {
                "the post was not accepted by the server"
            } else {
                "the comment was not accepted by the server"
            },
        ),
        Mutation::React { target, .. } | Mutation::Unreact { target, .. } => (
            if target.item == Item::Post {
                POST_FAILED
            } else {
                COMMENT_FAILED
            },
            &target.target_id,
            if target.item == Item::Post {
                "the post was not accepted by the server"
            } else {
                "the comment was not accepted by the server"
            },
        ),
        Mutation::LeaveGroup { previous, .. } => (
            GROUP_FAILED,
            &previous.group_id,
            "the group was not created on the server",
        ),
        Mutation::GroupSettings { group_id, .. } => (
            GROUP_FAILED,
            group_id,
            "the group was not created on the server",
        ),
        Mutation::ReadNotification { .. } | Mutation::ReadAllNotifications { .. } => {
            return Ok(None)
        }
        Mutation::Comment { post_id, .. } => (
            "SELECT failed FROM posts WHERE id = ? AND failed IS NOT NULL",
            post_id,
            "its post was not accepted by the server",
        ),
        Mutation::Post { request } => {
            // A refused upload marked the post failed: do not send it without its file.
            if !request.attachment_ids.is_empty() {
                let failed =
                    cache::fetch_optional_string(&mut conn, POST_FAILED, &request.id).await?;
                if let Some(reason) = failed {
                    return Ok(Some(reason));
                }
            }
            (
                "SELECT failed FROM groups WHERE id = ? AND failed IS NOT NULL",
                &request.group_id,
                "its group was not created on the server",
            )
        }
        Mutation::JoinGroup { group_id, .. } | Mutation::AddMember { group_id, .. } => (
            "SELECT failed FROM groups WHERE id = ? AND failed IS NOT NULL",
            group_id,
            "the group was not created on the server",
        ),
        Mutation::CreateGroup { .. } | Mutation::Upload(_) => return Ok(None),
    };
    let parent_failure = cache::fetch_optional_string(&mut conn, sql, parent_id).await?;
    Ok(parent_failure.map(|reason| format!("{what} ({reason})")))
}

async fn count_attempt(cache: &Cache, mutation_id: &str) -> Result<(), ClientError> {
    let mut tx = cache.write().await?;
    sqlx::query("UPDATE outbox SET attempts = attempts + 1 WHERE mutation_id = ?")
        .bind(mutation_id.to_owned())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Stores the server's version and removes the write from the outbox, atomically.
async fn confirm(cache: &Cache, mutation: &Mutation, answer: Answer) -> Result<(), ClientError> {
    let mut tx = cache.write().await?;
    match answer {
        Answer::Attachment(attachment) => {
            if let Mutation::Upload(upload) = mutation {
                crate::uploads::confirm(&mut tx, upload, &attachment).await?;
            }
        }
        Answer::Post(post) => cache::upsert_post(&mut tx, &post, Origin::Server).await?,
        Answer::Comment(comment) => {
            cache::upsert_comment(&mut tx, &comment, Origin::Server).await?
        }
        Answer::Group(group) => {
            cache::upsert_group(&mut tx, &group, Origin::Server).await?;
            // The server made the creator its admin, as the local row already says.
            sqlx::query("UPDATE memberships SET pending = 0 WHERE group_id = ? AND user_id = ?")
                .bind(group.id.clone())
                .bind(group.created_by.clone())
                .execute(&mut *tx)
                .await?;
        }
        Answer::Membership(answer) => {
            cache::upsert_membership(&mut tx, &answer.membership, Origin::Server).await?
        }
        Answer::Json(answer) => local_effects::confirm(&mut tx, mutation, answer).await?,
    }
    sqlx::query("DELETE FROM outbox WHERE mutation_id = ?")
        .bind(mutation.mutation_id().to_owned())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Marks the write failed, and its local effect failed (or undone, for memberships).
pub(crate) async fn fail(
    cache: &Cache,
    mutation: &Mutation,
    reason: &str,
) -> Result<(), ClientError> {
    let mut tx = cache.write().await?;
    sqlx::query("UPDATE outbox SET state = 'failed', reason = ? WHERE mutation_id = ?")
        .bind(reason.to_owned())
        .bind(mutation.mutation_id().to_owned())
        .execute(&mut *tx)
        .await?;
    match mutation {
        Mutation::Upload(upload) => {
            let reason = format!("a file attached to it was not accepted ({reason})");
            cache::mark_entity_failed(&mut tx, EntityTable::Posts, &upload.post_id, &reason).await?
        }
        Mutation::Post { request } => {
            cache::mark_entity_failed(&mut tx, EntityTable::Posts, &request.id, reason).await?
        }
        Mutation::Comment { request, .. } => {
            cache::mark_entity_failed(&mut tx, EntityTable::Comments, &request.id, reason).await?
        }
        Mutation::CreateGroup { request } => {
            cache::mark_entity_failed(&mut tx, EntityTable::Groups, &request.id, reason).await?
        }
        Mutation::JoinGroup {
            group_id, user_id, ..
        } => {
            cache::remove_pending_membership(&mut tx, group_id, user_id).await?;
            cache::remove_pending_join_request(&mut tx, group_id, user_id).await?
        }
        Mutation::AddMember {
            group_id,
            user_id: Some(user_id),
            ..
        } => cache::remove_pending_membership(&mut tx, group_id, user_id).await?,
        Mutation::AddMember { user_id: None, .. } => {}
        _ => local_effects::revert(&mut tx, mutation).await?,
    }
    tx.commit().await?;
    Ok(())
}
