//! What poll and announcement writes do to the cache at each step of their
//! life in the outbox (as `local_effects` for the other writes): applied
//! when written, the server's answer stored when confirmed, the state before
//! put back when refused or discarded.

use commons_protocol::{PollResults, PollVote, Post, PostSeen};
use sqlx::SqliteConnection;

use crate::cache::{self, Origin};
use crate::poll_writes::{announcement_end, PollWrite, PostTarget};
use crate::ClientError;

fn vote(target: &PostTarget, options: &[u32]) -> PollVote {
    PollVote {
        post_id: target.post_id.clone(),
        group_id: target.group_id.clone(),
        user_id: target.user_id.clone(),
        options: options.to_vec(),
        voted_at: cache::now_millis(),
    }
}

async fn set_vote(
    conn: &mut SqliteConnection,
    target: &PostTarget,
    options: Option<&[u32]>,
) -> Result<(), ClientError> {
    match options {
        Some(options) => cache::upsert_vote(conn, &vote(target, options)).await,
        None => cache::remove_vote(conn, &target.post_id, &target.user_id).await,
    }
}

async fn set_announced(
    conn: &mut SqliteConnection,
    post_id: &str,
    until: Option<i64>,
) -> Result<(), ClientError> {
    sqlx::query("UPDATE posts SET announced_until = ? WHERE id = ?")
        .bind(until)
        .bind(post_id.to_owned())
        .execute(conn)
        .await?;
    Ok(())
}

/// Makes the write visible in the cache.
pub(crate) async fn apply(
    conn: &mut SqliteConnection,
    target: &PostTarget,
    write: &PollWrite,
) -> Result<(), ClientError> {
    match write {
        PollWrite::Vote { request, .. } => set_vote(conn, target, Some(&request.options)).await,
        PollWrite::Unvote { .. } => set_vote(conn, target, None).await,
        PollWrite::Announce { request, .. } => {
            let until = request.days.map(announcement_end).transpose()?;
            set_announced(conn, &target.post_id, until).await
        }
        PollWrite::MarkSeen { .. } => {
            let seen = PostSeen {
                post_id: target.post_id.clone(),
                group_id: target.group_id.clone(),
                user_id: target.user_id.clone(),
                seen_at: cache::now_millis(),
            };
            cache::upsert_seen(conn, &seen).await
        }
    }
}

/// Stores the server's answer, as far as it is understood.
pub(crate) async fn confirm(
    conn: &mut SqliteConnection,
    target: &PostTarget,
    write: &PollWrite,
    answer: serde_json::Value,
) -> Result<(), ClientError> {
    match write {
        // The results say which options I chose, if any.
        PollWrite::Vote { .. } | PollWrite::Unvote { .. } => {
            if let Ok(results) = serde_json::from_value::<PollResults>(answer) {
                let mine: Vec<u32> = (0..)
                    .zip(&results.options)
                    .filter(|(_, o)| o.voter_ids.contains(&target.user_id))
                    .map(|(i, _)| i)
                    .collect();
                let mine = (!mine.is_empty()).then_some(mine);
                set_vote(conn, target, mine.as_deref()).await?;
            }
        }
        PollWrite::Announce { .. } => {
            if let Ok(post) = serde_json::from_value::<Post>(answer) {
                cache::upsert_post(conn, &post, Origin::Server).await?;
            }
        }
        PollWrite::MarkSeen { .. } => {
            if let Ok(seen) = serde_json::from_value::<PostSeen>(answer) {
                cache::upsert_seen(conn, &seen).await?;
            }
        }
    }
    Ok(())
}

/// The server refused, or the write was discarded: back to the state before.
pub(crate) async fn revert(
    conn: &mut SqliteConnection,
    target: &PostTarget,
    write: &PollWrite,
) -> Result<(), ClientError> {
    match write {
        PollWrite::Vote { previous, .. } | PollWrite::Unvote { previous, .. } => {
            set_vote(conn, target, previous.as_deref()).await
        }
        PollWrite::Announce { previous, .. } => {
            set_announced(conn, &target.post_id, *previous).await
        }
        PollWrite::MarkSeen { .. } => {
            cache::remove_seen(conn, &target.post_id, &target.user_id).await
        }
    }
}
