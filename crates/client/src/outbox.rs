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
    AddMemberRequest, Comment, CreateCommentRequest, CreateGroupRequest, CreatePostRequest, Group,
    Id, JoinGroupRequest, JoinResponse, MembershipResponse, Post,
};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;

use crate::api::Api;
use crate::cache::{self, Cache, EntityTable, Origin};
use crate::{ClientError, OutboxItem, OutboxState, PushReport};

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
    JoinGroup {
        group_id: Id,
        user_id: Id,
        request: JoinGroupRequest,
    },
    AddMember {
        group_id: Id,
        /// Set when the cache knew the person, so the local membership can be undone on rejection.
        user_id: Option<Id>,
        request: AddMemberRequest,
    },
}

impl Mutation {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Mutation::Post { .. } => "post",
            Mutation::Comment { .. } => "comment",
            Mutation::CreateGroup { .. } => "create_group",
            Mutation::JoinGroup { .. } => "join_group",
            Mutation::AddMember { .. } => "add_member",
        }
    }

    pub(crate) fn mutation_id(&self) -> &str {
        match self {
            Mutation::Post { request } => &request.mutation_id,
            Mutation::Comment { request, .. } => &request.mutation_id,
            Mutation::CreateGroup { request } => &request.mutation_id,
            Mutation::JoinGroup { request, .. } => &request.mutation_id,
            Mutation::AddMember { request, .. } => &request.mutation_id,
        }
    }

    /// The post, comment or group this write creates, if any.
    pub(crate) fn creates(&self) -> Option<&str> {
        match self {
            Mutation::Post { request } => Some(&request.id),
            Mutation::Comment { request, .. } => Some(&request.id),
            Mutation::CreateGroup { request } => Some(&request.id),
            Mutation::JoinGroup { .. } | Mutation::AddMember { .. } => None,
        }
    }

    /// The entity this write needs to exist on the server: a comment's post,
    /// the group of a post or membership.
    pub(crate) fn depends_on(&self) -> Option<&str> {
        match self {
            Mutation::Post { request } => Some(&request.group_id),
            Mutation::Comment { post_id, .. } => Some(post_id),
            Mutation::JoinGroup { group_id, .. } | Mutation::AddMember { group_id, .. } => {
                Some(group_id)
            }
            Mutation::CreateGroup { .. } => None,
        }
    }

    /// The entity the write creates (post, comment, group) or joins (group).
    fn entity_id(&self) -> &str {
        match self {
            Mutation::Post { request } => &request.id,
            Mutation::Comment { request, .. } => &request.id,
            Mutation::CreateGroup { request } => &request.id,
            Mutation::JoinGroup { group_id, .. } | Mutation::AddMember { group_id, .. } => group_id,
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
    Post(Post),
    Comment(Comment),
    Group(Group),
    Membership(MembershipResponse),
    /// A membership for an open group; only a pending request when the
    /// group had become closed.
    Joined(JoinResponse),
}

async fn send(session: &Session<'_>, mutation: &Mutation) -> Result<Answer, ClientError> {
    let Session {
        api,
        server_url,
        token,
    } = session;
    Ok(match mutation {
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
            let path = format!("/groups/{}/join", path_segment(group_id)?);
            Answer::Joined(api.post(server_url, token, &path, request).await?)
        }
        Mutation::AddMember {
            group_id, request, ..
        } => {
            let path = format!("/groups/{}/members", path_segment(group_id)?);
            Answer::Membership(api.post(server_url, token, &path, request).await?)
        }
    })
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
    let (sql, parent_id, what): (&'static str, &str, &str) = match mutation {
        Mutation::Comment { post_id, .. } => (
            "SELECT failed FROM posts WHERE id = ? AND failed IS NOT NULL",
            post_id,
            "its post was not accepted by the server",
        ),
        Mutation::Post { request } => (
            "SELECT failed FROM groups WHERE id = ? AND failed IS NOT NULL",
            &request.group_id,
            "its group was not created on the server",
        ),
        Mutation::JoinGroup { group_id, .. } | Mutation::AddMember { group_id, .. } => (
            "SELECT failed FROM groups WHERE id = ? AND failed IS NOT NULL",
            group_id,
            "the group was not created on the server",
        ),
        Mutation::CreateGroup { .. } => return Ok(None),
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
        Answer::Joined(JoinResponse {
            membership: Some(membership),
            ..
        }) => cache::upsert_membership(&mut tx, &membership, Origin::Server).await?,
        Answer::Joined(JoinResponse {
            membership: None, ..
        }) => {
            // Not a member (yet): the local membership goes; the request comes through sync.
            if let Mutation::JoinGroup {
                group_id, user_id, ..
            } = mutation
            {
                cache::remove_pending_membership(&mut tx, group_id, user_id).await?
            }
        }
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
        } => cache::remove_pending_membership(&mut tx, group_id, user_id).await?,
        Mutation::AddMember {
            group_id,
            user_id: Some(user_id),
            ..
        } => cache::remove_pending_membership(&mut tx, group_id, user_id).await?,
        Mutation::AddMember { user_id: None, .. } => {}
    }
    tx.commit().await?;
    Ok(())
}
