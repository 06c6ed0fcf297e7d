//! What the user can do about a write the server rejected: send it again
//! (`retry`) or drop it with what it did locally (`discard`).
//!
//! Both act on a failed write together with its *dependents*: the later
//! writes that need what it creates (the comments on a post, the posts and
//! memberships of a group, and theirs in turn). A dependent cannot succeed
//! without its parent, so it is retried or discarded with it.
//!
//! Retry moves the write and its dependents, in their order, to the end of
//! the queue, as pending again. Moving is safe: nothing queued earlier needs
//! them (a write on a failed post or group is refused when it is made), and
//! the order among them, parent first, is kept.
//!
//! Discard is allowed only for a failed write. A pending write may already
//! have been applied by the server (the process can die between the server's
//! commit and the local confirmation), and dropping it would make the cache
//! lie. Its dependents go with it when they failed too or were never sent.
//! Local rows are removed only while still pending: a server row with the
//! same id stays.

use commons_protocol::{GroupRole, JoinRequest, Membership};
use sqlx::SqliteConnection;

use crate::cache;
use crate::local_effects;
use crate::outbox::Mutation;
use crate::ClientError;

#[derive(sqlx::FromRow)]
struct Row {
    mutation_id: String,
    payload: String,
    state: String,
    attempts: i64,
}

/// A queued write, decoded.
struct Queued {
    mutation_id: String,
    failed: bool,
    attempts: i64,
    mutation: Mutation,
}

fn invalid(message: impl Into<String>) -> ClientError {
    ClientError::InvalidInput(message.into())
}

async fn queue(conn: &mut SqliteConnection) -> Result<Vec<Queued>, ClientError> {
    let rows: Vec<Row> =
        sqlx::query_as("SELECT mutation_id, payload, state, attempts FROM outbox ORDER BY seq")
            .fetch_all(conn)
            .await?;
    rows.into_iter()
        .map(|row| {
            let mutation = serde_json::from_str(&row.payload)
                .map_err(|e| ClientError::CorruptCache(format!("outbox payload: {e}")))?;
            Ok(Queued {
                mutation_id: row.mutation_id,
                failed: row.state == "failed",
                attempts: row.attempts,
                mutation,
            })
        })
        .collect()
}

/// The write `mutation_id` and, after it, its dependents, in queue order.
/// Also returns the writes before it, to find a failed parent.
async fn with_dependents(
    conn: &mut SqliteConnection,
    mutation_id: &str,
) -> Result<(Vec<Queued>, Vec<Queued>), ClientError> {
    let mut all = queue(conn).await?.into_iter();
    let mut before = Vec::new();
    let target = loop {
        match all.next() {
            Some(q) if q.mutation_id == mutation_id => break q,
            Some(q) => before.push(q),
            None => {
                return Err(invalid(format!(
                    "no change {mutation_id} in the outbox (it may have been accepted by the \
                     server meanwhile, or discarded)"
                )))
            }
        }
    };
    // Parents are always queued before their dependents, so one pass suffices.
    let mut created: Vec<String> = target
        .mutation
        .creates()
        .map(str::to_owned)
        .into_iter()
        .collect();
    let mut chain = vec![target];
    for q in all {
        if q.mutation
            .depends_on()
            .is_some_and(|parent| created.iter().any(|c| c == parent))
        {
            created.extend(q.mutation.creates().map(str::to_owned));
            chain.push(q);
        }
    }
    Ok((chain, before))
}

/// Sends a failed write again: it becomes pending at the end of the queue,
/// with its dependents behind it, and its local rows lose the failed mark.
pub(crate) async fn retry(
    conn: &mut SqliteConnection,
    mutation_id: &str,
) -> Result<(), ClientError> {
    let (chain, before) = with_dependents(conn, mutation_id).await?;
    let target = &chain[0];
    if !target.failed {
        return Err(invalid(format!(
            "change {mutation_id} has not failed: it is waiting to be sent by the next sync"
        )));
    }
    if let Some(parent) = target.mutation.depends_on() {
        let failed_parent = before
            .iter()
            .find(|q| q.failed && q.mutation.creates() == Some(parent));
        if let Some(parent) = failed_parent {
            return Err(invalid(format!(
                "change {mutation_id} depends on change {} which failed too: retry that one, \
                 and this one is retried with it",
                parent.mutation_id
            )));
        }
    }
    for q in &chain {
        sqlx::query(
            "UPDATE outbox SET state = 'pending', reason = NULL,
                 seq = (SELECT MAX(seq) + 1 FROM outbox)
             WHERE mutation_id = ?",
        )
        .bind(q.mutation_id.clone())
        .execute(&mut *conn)
        .await?;
        redo_local(conn, &q.mutation).await?;
    }
    Ok(())
}

/// Drops a failed write and its dependents, with their local rows.
pub(crate) async fn discard(
    conn: &mut SqliteConnection,
    mutation_id: &str,
) -> Result<(), ClientError> {
    let (chain, _) = with_dependents(conn, mutation_id).await?;
    if !chain[0].failed {
        return Err(invalid(format!(
            "change {mutation_id} cannot be discarded: it has not failed, and a change waiting \
             to be sent may already have reached the server (only a change the server rejected \
             can be discarded)"
        )));
    }
    // A dependent that was sent may have been applied: it stays (and fails on its own).
    for q in chain.iter().filter(|q| q.failed || q.attempts == 0) {
        sqlx::query("DELETE FROM outbox WHERE mutation_id = ?")
            .bind(q.mutation_id.clone())
            .execute(&mut *conn)
            .await?;
        undo_local(conn, &q.mutation).await?;
    }
    Ok(())
}

/// Removes what the write put in the cache (only rows still pending).
async fn undo_local(conn: &mut SqliteConnection, mutation: &Mutation) -> Result<(), ClientError> {
    let (sql, id): (&'static str, &str) = match mutation {
        Mutation::Post { request } => (
            "DELETE FROM posts WHERE id = ? AND pending = 1",
            &request.id,
        ),
        Mutation::Comment { request, .. } => (
            "DELETE FROM comments WHERE id = ? AND pending = 1",
            &request.id,
        ),
        Mutation::CreateGroup { request } => {
            // The creator's admin membership was written with the group.
            sqlx::query("DELETE FROM memberships WHERE group_id = ? AND pending = 1")
                .bind(request.id.clone())
                .execute(&mut *conn)
                .await?;
            (
                "DELETE FROM groups WHERE id = ? AND pending = 1",
                &request.id,
            )
        }
        Mutation::JoinGroup {
            group_id, user_id, ..
        } => {
            cache::remove_pending_membership(conn, group_id, user_id).await?;
            return cache::remove_pending_join_request(conn, group_id, user_id).await;
        }
        Mutation::AddMember {
            group_id,
            user_id: Some(user_id),
            ..
        } => return cache::remove_pending_membership(conn, group_id, user_id).await,
        Mutation::AddMember { user_id: None, .. } => return Ok(()),
        _ => return local_effects::undo(conn, mutation).await,
    };
    sqlx::query(sql).bind(id.to_owned()).execute(conn).await?;
    Ok(())
}

/// Shows the write as pending again: clears the failed mark, or puts back
/// the membership that was removed when it failed.
async fn redo_local(conn: &mut SqliteConnection, mutation: &Mutation) -> Result<(), ClientError> {
    let (sql, id): (&'static str, &str) = match mutation {
        Mutation::Post { request } => (
            "UPDATE posts SET failed = NULL WHERE id = ? AND pending = 1",
            &request.id,
        ),
        Mutation::Comment { request, .. } => (
            "UPDATE comments SET failed = NULL WHERE id = ? AND pending = 1",
            &request.id,
        ),
        Mutation::CreateGroup { request } => (
            "UPDATE groups SET failed = NULL WHERE id = ? AND pending = 1",
            &request.id,
        ),
        Mutation::JoinGroup {
            group_id,
            user_id,
            closed: true,
            ..
        } => {
            let request = JoinRequest {
                group_id: group_id.clone(),
                user_id: user_id.clone(),
                created_at: cache::now_millis(),
            };
            return cache::upsert_join_request(conn, &request, cache::Origin::Local).await;
        }
        Mutation::JoinGroup {
            group_id, user_id, ..
        }
        | Mutation::AddMember {
            group_id,
            user_id: Some(user_id),
            ..
        } => {
            let membership = Membership {
                group_id: group_id.clone(),
                user_id: user_id.clone(),
                role: GroupRole::Member,
                joined_at: cache::now_millis(),
            };
            return cache::insert_pending_membership(conn, &membership).await;
        }
        Mutation::AddMember { user_id: None, .. } => return Ok(()),
        _ => return local_effects::apply(conn, mutation).await,
    };
    sqlx::query(sql).bind(id.to_owned()).execute(conn).await?;
    Ok(())
}
