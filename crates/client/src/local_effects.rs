//! What the writes that change existing things (edits, deletions,
//! reactions, leaving, join requests, read marks, settings) do to the cache,
//! at each step of their life in the outbox:
//!
//! - [`apply`]: when written (by `writes`), and again when retried;
//! - [`confirm`]: the server accepted; its answer is stored when understood
//!   (else the next pull brings the server's state);
//! - [`revert`]: the server refused; the cache goes back to what the server
//!   has, except an edit, whose new text stays visible, marked failed, so
//!   nothing typed disappears;
//! - [`undo`]: the write is discarded: an edit's earlier text comes back.
//!
//! Unlike new posts and comments, these rows carry no pending mark: whether
//! a write on them waits or failed is read from the outbox by the screens.

use commons_protocol::{
    Comment, GroupSettings, JoinResponse, Membership, Notification, Post, Reaction,
    ReactionResponse,
};
use sqlx::SqliteConnection;

use crate::cache::{self, Origin};
use crate::outbox::{Item, Mutation, ReactionTarget};
use crate::ClientError;

async fn exec(
    conn: &mut SqliteConnection,
    sql: &'static str,
    binds: &[&str],
) -> Result<(), ClientError> {
    let mut query = sqlx::query(sql);
    for bind in binds {
        query = query.bind(bind.to_string());
    }
    query.execute(conn).await?;
    Ok(())
}

fn set_reaction(target: &ReactionTarget, kind: commons_protocol::ReactionKind) -> Reaction {
    Reaction {
        target_id: target.target_id.clone(),
        post_id: target.post_id.clone(),
        group_id: target.group_id.clone(),
        user_id: target.user_id.clone(),
        kind,
        created_at: cache::now_millis(),
    }
}

/// Makes the write visible in the cache.
pub(crate) async fn apply(
    conn: &mut SqliteConnection,
    mutation: &Mutation,
) -> Result<(), ClientError> {
    let now = cache::now_millis();
    match mutation {
        Mutation::Edit {
            item, id, request, ..
        } => {
            let sql = match item {
                Item::Post => {
                    "UPDATE posts SET body = ?, edited_at = ? WHERE id = ? AND deleted_at IS NULL"
                }
                Item::Comment => {
                    "UPDATE comments SET body = ?, edited_at = ? WHERE id = ? AND deleted_at IS NULL"
                }
            };
            sqlx::query(sql)
                .bind(request.body.clone())
                .bind(now)
                .bind(id.clone())
                .execute(conn)
                .await?;
        }
        // Hidden at once; the text itself goes when the server's tombstone
        // arrives (or is put back if the server refuses).
        Mutation::Delete { item, id, .. } => {
            let sql = match item {
                Item::Post => "UPDATE posts SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                Item::Comment => {
                    "UPDATE comments SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL"
                }
            };
            sqlx::query(sql)
                .bind(now)
                .bind(id.clone())
                .execute(conn)
                .await?;
        }
        Mutation::React { target, request } => {
            cache::upsert_reaction(conn, &set_reaction(target, request.kind)).await?
        }
        Mutation::Unreact { target, .. } => {
            cache::remove_reaction(conn, &target.target_id, &target.user_id).await?
        }
        Mutation::LeaveGroup { previous, .. } => {
            cache::remove_membership(conn, &previous.group_id, &previous.user_id).await?
        }
        Mutation::ReadNotification {
            notification_id, ..
        } => {
            sqlx::query("UPDATE notifications SET read_at = ? WHERE id = ? AND read_at IS NULL")
                .bind(now)
                .bind(notification_id.clone())
                .execute(conn)
                .await?;
        }
        Mutation::ReadAllNotifications { marked, .. } => {
            let ids = ids_json(marked)?;
            sqlx::query(
                "UPDATE notifications SET read_at = ?
                 WHERE id IN (SELECT value FROM json_each(?)) AND read_at IS NULL",
            )
            .bind(now)
            .bind(ids)
            .execute(conn)
            .await?;
        }
        Mutation::GroupSettings {
            group_id,
            user_id,
            request,
            ..
        } => {
            let settings = GroupSettings {
                group_id: group_id.clone(),
                user_id: user_id.clone(),
                notification_level: request.notification_level,
            };
            cache::upsert_group_settings(conn, &settings).await?
        }
        Mutation::Post { .. }
        | Mutation::Comment { .. }
        | Mutation::CreateGroup { .. }
        | Mutation::JoinGroup { .. }
        | Mutation::AddMember { .. }
        | Mutation::Upload(_) => {}
    }
    Ok(())
}

fn ids_json(ids: &[String]) -> Result<String, ClientError> {
    serde_json::to_string(ids).map_err(|e| ClientError::CorruptCache(format!("ids: {e}")))
}

/// Stores what the server answered, as far as it is understood. Answers
/// that say nothing new (leaving, "read all") leave the cache as the write
/// made it; the pull that follows brings the server's state.
pub(crate) async fn confirm(
    conn: &mut SqliteConnection,
    mutation: &Mutation,
    answer: serde_json::Value,
) -> Result<(), ClientError> {
    fn read<T: serde::de::DeserializeOwned>(answer: &serde_json::Value) -> Option<T> {
        serde_json::from_value(answer.clone()).ok()
    }
    match mutation {
        Mutation::Edit {
            item: Item::Post, ..
        }
        | Mutation::Delete {
            item: Item::Post, ..
        } => {
            if let Some(post) = read::<Post>(&answer) {
                cache::upsert_post(conn, &post, Origin::Server).await?;
            }
        }
        Mutation::Edit {
            item: Item::Comment,
            ..
        }
        | Mutation::Delete {
            item: Item::Comment,
            ..
        } => {
            if let Some(comment) = read::<Comment>(&answer) {
                cache::upsert_comment(conn, &comment, Origin::Server).await?;
            }
        }
        Mutation::React { target, .. } | Mutation::Unreact { target, .. } => {
            // Only an answer that says what my reaction is now.
            let said = answer.get("reaction").is_some();
            if let Some(answer) = read::<ReactionResponse>(&answer).filter(|_| said) {
                match answer.reaction {
                    Some(reaction) => cache::upsert_reaction(conn, &reaction).await?,
                    None => {
                        cache::remove_reaction(conn, &target.target_id, &target.user_id).await?
                    }
                }
            }
        }
        Mutation::JoinGroup {
            group_id, user_id, ..
        } => {
            if let Some(answer) = read::<JoinResponse>(&answer) {
                match &answer.membership {
                    Some(membership) => {
                        cache::upsert_membership(conn, membership, Origin::Server).await?;
                        cache::remove_join_request(conn, group_id, user_id).await?;
                    }
                    // Not a member (yet; the group may have become closed):
                    // a membership shown here would claim access I lack.
                    None => cache::remove_pending_membership(conn, group_id, user_id).await?,
                }
                if let Some(request) = &answer.request {
                    cache::upsert_join_request(conn, request, Origin::Server).await?;
                }
            }
        }
        Mutation::ReadNotification { .. } => {
            if let Some(notification) = read::<Notification>(&answer) {
                cache::upsert_notification(conn, &notification).await?;
            }
        }
        Mutation::GroupSettings { .. } => {
            if let Some(settings) = read::<GroupSettings>(&answer) {
                cache::upsert_group_settings(conn, &settings).await?;
            }
        }
        Mutation::LeaveGroup { .. }
        | Mutation::ReadAllNotifications { .. }
        | Mutation::Post { .. }
        | Mutation::Comment { .. }
        | Mutation::CreateGroup { .. }
        | Mutation::AddMember { .. }
        | Mutation::Upload(_) => {}
    }
    // A confirmed deletion keeps no text, whatever the answer said.
    if let Mutation::Delete { item, id, .. } = mutation {
        let sql = match item {
            Item::Post => "UPDATE posts SET body = '' WHERE id = ? AND deleted_at IS NOT NULL",
            Item::Comment => {
                "UPDATE comments SET body = '' WHERE id = ? AND deleted_at IS NOT NULL"
            }
        };
        exec(conn, sql, &[id]).await?;
    }
    Ok(())
}

/// The server refused the write: show what the server has again. An edit
/// keeps its new text (marked failed by the screens) until it is retried or
/// discarded.
pub(crate) async fn revert(
    conn: &mut SqliteConnection,
    mutation: &Mutation,
) -> Result<(), ClientError> {
    match mutation {
        Mutation::Edit { .. } => {}
        // Only a local deletion: a server tombstone has no text left to show.
        Mutation::Delete { item, id, .. } => {
            let sql = match item {
                Item::Post => {
                    "UPDATE posts SET deleted_at = NULL WHERE id = ? AND deleted_at IS NOT NULL
                     AND body <> ''"
                }
                Item::Comment => {
                    "UPDATE comments SET deleted_at = NULL WHERE id = ? AND deleted_at IS NOT NULL
                     AND body <> ''"
                }
            };
            exec(conn, sql, &[id]).await?;
        }
        // Back to my reaction before, unless something newer replaced this one.
        Mutation::React { target, request } => {
            let current = my_reaction(conn, target).await?;
            if current.as_deref() == Some(request.kind.as_str()) {
                restore_reaction(conn, target).await?;
            }
        }
        Mutation::Unreact { target, .. } => {
            if my_reaction(conn, target).await?.is_none() {
                restore_reaction(conn, target).await?;
            }
        }
        Mutation::LeaveGroup { previous, .. } => restore_membership(conn, previous).await?,
        Mutation::ReadNotification {
            notification_id, ..
        } => {
            exec(
                conn,
                "UPDATE notifications SET read_at = NULL WHERE id = ?",
                &[notification_id],
            )
            .await?
        }
        Mutation::ReadAllNotifications { marked, .. } => {
            sqlx::query(
                "UPDATE notifications SET read_at = NULL
                 WHERE id IN (SELECT value FROM json_each(?))",
            )
            .bind(ids_json(marked)?)
            .execute(conn)
            .await?;
        }
        Mutation::GroupSettings {
            group_id,
            user_id,
            previous,
            ..
        } => match previous {
            Some(level) => {
                let settings = GroupSettings {
                    group_id: group_id.clone(),
                    user_id: user_id.clone(),
                    notification_level: *level,
                };
                cache::upsert_group_settings(conn, &settings).await?
            }
            None => {
                exec(
                    conn,
                    "DELETE FROM group_settings WHERE group_id = ? AND user_id = ?",
                    &[group_id, user_id],
                )
                .await?
            }
        },
        Mutation::Post { .. }
        | Mutation::Comment { .. }
        | Mutation::CreateGroup { .. }
        | Mutation::JoinGroup { .. }
        | Mutation::AddMember { .. }
        | Mutation::Upload(_) => {}
    }
    Ok(())
}

/// The write is dropped: whatever it still shows goes. An edit's earlier
/// text comes back, if the row still holds this edit's text (a newer server
/// version stays).
pub(crate) async fn undo(
    conn: &mut SqliteConnection,
    mutation: &Mutation,
) -> Result<(), ClientError> {
    revert(conn, mutation).await?;
    if let Mutation::Edit {
        item,
        id,
        previous,
        request,
    } = mutation
    {
        let sql = match item {
            Item::Post => {
                "UPDATE posts SET body = ?, edited_at = ? WHERE id = ? AND body = ?
                 AND deleted_at IS NULL"
            }
            Item::Comment => {
                "UPDATE comments SET body = ?, edited_at = ? WHERE id = ? AND body = ?
                 AND deleted_at IS NULL"
            }
        };
        sqlx::query(sql)
            .bind(previous.body.clone())
            .bind(previous.edited_at)
            .bind(id.clone())
            .bind(request.body.clone())
            .execute(conn)
            .await?;
    }
    Ok(())
}

async fn my_reaction(
    conn: &mut SqliteConnection,
    target: &ReactionTarget,
) -> Result<Option<String>, ClientError> {
    Ok(
        sqlx::query_scalar("SELECT kind FROM reactions WHERE target_id = ? AND user_id = ?")
            .bind(target.target_id.clone())
            .bind(target.user_id.clone())
            .fetch_optional(conn)
            .await?,
    )
}

async fn restore_reaction(
    conn: &mut SqliteConnection,
    target: &ReactionTarget,
) -> Result<(), ClientError> {
    match target.previous {
        Some(kind) => cache::upsert_reaction(conn, &set_reaction(target, kind)).await,
        None => cache::remove_reaction(conn, &target.target_id, &target.user_id).await,
    }
}

/// Puts back the membership I tried to leave (unless one arrived meanwhile).
async fn restore_membership(
    conn: &mut SqliteConnection,
    previous: &Membership,
) -> Result<(), ClientError> {
    sqlx::query(
        "INSERT INTO memberships (group_id, user_id, role, joined_at, pending) VALUES (?, ?, ?, ?, 0)
         ON CONFLICT (group_id, user_id) DO NOTHING",
    )
    .bind(previous.group_id.clone())
    .bind(previous.user_id.clone())
    .bind(previous.role.as_str())
    .bind(previous.joined_at)
    .execute(conn)
    .await?;
    Ok(())
}
