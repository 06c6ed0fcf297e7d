//! Polls, votes, announcements and "seen" in the cache: what sync and local
//! writes store, and what the post views read of them.

use std::collections::HashMap;

use commons_protocol::{Poll, PollVote, PostSeen};
use sqlx::SqliteConnection;

use crate::{ClientError, PollOptionView, PollView, SeenView};

fn corrupt(what: &str, e: impl std::fmt::Display) -> ClientError {
    ClientError::CorruptCache(format!("{what}: {e}"))
}

pub(crate) fn poll_json(poll: Option<&Poll>) -> Result<Option<String>, ClientError> {
    poll.map(|p| serde_json::to_string(p).map_err(|e| corrupt("poll", e)))
        .transpose()
}

pub(crate) async fn upsert_vote(
    conn: &mut SqliteConnection,
    vote: &PollVote,
) -> Result<(), ClientError> {
    let options = serde_json::to_string(&vote.options).map_err(|e| corrupt("vote", e))?;
    sqlx::query(
        "INSERT INTO poll_votes (post_id, user_id, group_id, options, voted_at)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (post_id, user_id) DO UPDATE SET group_id = excluded.group_id,
             options = excluded.options, voted_at = excluded.voted_at",
    )
    .bind(vote.post_id.clone())
    .bind(vote.user_id.clone())
    .bind(vote.group_id.clone())
    .bind(options)
    .bind(vote.voted_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn remove_vote(
    conn: &mut SqliteConnection,
    post_id: &str,
    user_id: &str,
) -> Result<(), ClientError> {
    sqlx::query("DELETE FROM poll_votes WHERE post_id = ? AND user_id = ?")
        .bind(post_id.to_owned())
        .bind(user_id.to_owned())
        .execute(conn)
        .await?;
    Ok(())
}

/// My vote in a poll, if any.
pub(crate) async fn my_vote(
    conn: &mut SqliteConnection,
    post_id: &str,
    me: &str,
) -> Result<Option<Vec<u32>>, ClientError> {
    let options: Option<String> =
        sqlx::query_scalar("SELECT options FROM poll_votes WHERE post_id = ? AND user_id = ?")
            .bind(post_id.to_owned())
            .bind(me.to_owned())
            .fetch_optional(conn)
            .await?;
    options
        .map(|o| serde_json::from_str(&o).map_err(|e| corrupt("vote", e)))
        .transpose()
}

/// Keeps the first time: a later copy never moves it.
pub(crate) async fn upsert_seen(
    conn: &mut SqliteConnection,
    seen: &PostSeen,
) -> Result<(), ClientError> {
    sqlx::query(
        "INSERT INTO post_seen (post_id, user_id, group_id, seen_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (post_id, user_id) DO UPDATE SET seen_at = MIN(seen_at, excluded.seen_at)",
    )
    .bind(seen.post_id.clone())
    .bind(seen.user_id.clone())
    .bind(seen.group_id.clone())
    .bind(seen.seen_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn remove_seen(
    conn: &mut SqliteConnection,
    post_id: &str,
    user_id: &str,
) -> Result<(), ClientError> {
    sqlx::query("DELETE FROM post_seen WHERE post_id = ? AND user_id = ?")
        .bind(post_id.to_owned())
        .bind(user_id.to_owned())
        .execute(conn)
        .await?;
    Ok(())
}

/// A tombstone takes its poll's votes and its "seen" with it (the server
/// deleted them and sends no removal).
pub(crate) async fn forget_votes_and_seen(
    conn: &mut SqliteConnection,
    post_id: &str,
) -> Result<(), ClientError> {
    for sql in [
        "DELETE FROM poll_votes WHERE post_id = ?",
        "DELETE FROM post_seen WHERE post_id = ?",
    ] {
        sqlx::query(sql)
            .bind(post_id.to_owned())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Who saw a post, first seen first.
pub(crate) async fn seen_by(
    conn: &mut SqliteConnection,
    post_id: &str,
) -> Result<Vec<SeenView>, ClientError> {
    Ok(sqlx::query_as(
        "SELECT s.user_id, COALESCE(u.name, 'Unknown user') AS name, s.seen_at
         FROM post_seen s LEFT JOIN users u ON u.id = s.user_id
         WHERE s.post_id = ? ORDER BY s.seen_at, s.user_id",
    )
    .bind(post_id.to_owned())
    .fetch_all(conn)
    .await?)
}

/// What the views of some posts show of their polls and announcements.
#[derive(Default)]
pub(crate) struct PollFacts {
    /// (post, option index) → (count, mine)
    tallies: HashMap<(String, i64), (i64, bool)>,
    voters: HashMap<String, i64>,
    /// post → (how many saw it here, whether I did)
    seen: HashMap<String, (i64, bool)>,
}

#[derive(sqlx::FromRow)]
struct TallyRow {
    post_id: String,
    option: i64,
    count: i64,
    mine: bool,
}

#[derive(sqlx::FromRow)]
struct CountRow {
    post_id: String,
    count: i64,
    mine: bool,
}

/// Votes and "seen" of the posts `ids_json`, three grouped scans.
pub(crate) async fn poll_facts(
    conn: &mut SqliteConnection,
    me: &str,
    ids_json: &str,
) -> Result<PollFacts, ClientError> {
    let tallies: Vec<TallyRow> = sqlx::query_as(
        "SELECT v.post_id, CAST(j.value AS INTEGER) AS option, COUNT(*) AS count,
                MAX(v.user_id = ?2) AS mine
         FROM poll_votes v, json_each(v.options) j
         WHERE v.post_id IN (SELECT value FROM json_each(?1))
         GROUP BY v.post_id, j.value",
    )
    .bind(ids_json.to_owned())
    .bind(me.to_owned())
    .fetch_all(&mut *conn)
    .await?;
    let voters: Vec<CountRow> = sqlx::query_as(
        "SELECT v.post_id, COUNT(*) AS count, MAX(v.user_id = ?2) AS mine FROM poll_votes v
         WHERE v.post_id IN (SELECT value FROM json_each(?1)) GROUP BY v.post_id",
    )
    .bind(ids_json.to_owned())
    .bind(me.to_owned())
    .fetch_all(&mut *conn)
    .await?;
    let seen: Vec<CountRow> = sqlx::query_as(
        "SELECT s.post_id, COUNT(*) AS count, MAX(s.user_id = ?2) AS mine FROM post_seen s
         WHERE s.post_id IN (SELECT value FROM json_each(?1)) GROUP BY s.post_id",
    )
    .bind(ids_json.to_owned())
    .bind(me.to_owned())
    .fetch_all(conn)
    .await?;
    Ok(PollFacts {
        tallies: tallies
            .into_iter()
            .map(|r| ((r.post_id, r.option), (r.count, r.mine)))
            .collect(),
        voters: voters.into_iter().map(|r| (r.post_id, r.count)).collect(),
        seen: seen
            .into_iter()
            .map(|r| (r.post_id, (r.count, r.mine)))
            .collect(),
    })
}

impl PollFacts {
    /// The view of a post's poll (stored as JSON in `posts.poll`).
    pub(crate) fn poll(
        &self,
        post_id: &str,
        stored: Option<&str>,
    ) -> Result<Option<PollView>, ClientError> {
        let Some(stored) = stored else {
            return Ok(None);
        };
        let poll: Poll = serde_json::from_str(stored).map_err(|e| corrupt("poll", e))?;
        let options = poll
            .options
            .into_iter()
            .enumerate()
            .map(|(i, text)| {
                let key = (post_id.to_owned(), i as i64);
                let (count, mine) = self.tallies.get(&key).copied().unwrap_or_default();
                PollOptionView { text, count, mine }
            })
            .collect();
        Ok(Some(PollView {
            options,
            multiple: poll.multiple,
            closed: poll.closed_at.is_some(),
            voters: self.voters.get(post_id).copied().unwrap_or_default(),
        }))
    }

    /// (whether I saw the post, how many saw it as far as this cache knows).
    pub(crate) fn seen(&self, post_id: &str) -> (bool, i64) {
        let (count, mine) = self.seen.get(post_id).copied().unwrap_or_default();
        (mine, count)
    }
}
