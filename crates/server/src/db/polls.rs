//! Polls (stored as JSON on the post), votes, announcements and who saw them.

use commons_protocol::{Poll, PollVote, Post, PostSeen};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::posts::{post_from_row, POST_COLUMNS};
use super::{load_by_pairs, DbError};

const VOTE_COLUMNS: &str = "v.post_id, v.group_id, v.user_id, v.options, v.voted_at";
const SEEN_COLUMNS: &str = "s.post_id, s.group_id, s.user_id, s.seen_at";

pub(super) fn poll_from_row(row: &AnyRow) -> Result<Option<Poll>, DbError> {
    let text: Option<String> = row.try_get("poll")?;
    text.map(|t| {
        serde_json::from_str(&t).map_err(|e| DbError::Corrupt(format!("column poll: {e}")))
    })
    .transpose()
}

pub(super) fn poll_to_text(poll: Option<&Poll>) -> Result<Option<String>, DbError> {
    poll.map(|p| serde_json::to_string(p).map_err(|e| DbError::Corrupt(e.to_string())))
        .transpose()
}

fn vote_from_row(row: &AnyRow) -> Result<PollVote, DbError> {
    let text: String = row.try_get("options")?;
    let options = text
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|n| n.parse::<u32>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| DbError::Corrupt(format!("column options: {e}")))?;
    Ok(PollVote {
        post_id: row.try_get("post_id")?,
        group_id: row.try_get("group_id")?,
        user_id: row.try_get("user_id")?,
        options,
        voted_at: row.try_get("voted_at")?,
    })
}

fn seen_from_row(row: &AnyRow) -> Result<PostSeen, DbError> {
    Ok(PostSeen {
        post_id: row.try_get("post_id")?,
        group_id: row.try_get("group_id")?,
        user_id: row.try_get("user_id")?,
        seen_at: row.try_get("seen_at")?,
    })
}

pub async fn set_poll(conn: &mut AnyConnection, post_id: &str, poll: &Poll) -> Result<(), DbError> {
    sqlx::query("UPDATE posts SET poll = $1 WHERE id = $2")
        .bind(poll_to_text(Some(poll))?)
        .bind(post_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// `Some(until)` announces, `None` unmarks.
pub async fn set_announced(
    conn: &mut AnyConnection,
    post_id: &str,
    until: Option<i64>,
) -> Result<(), DbError> {
    sqlx::query("UPDATE posts SET announced_until = $1 WHERE id = $2")
        .bind(until)
        .bind(post_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records or replaces a vote; `seq` is its change-log position.
pub async fn upsert_vote(
    conn: &mut AnyConnection,
    vote: &PollVote,
    seq: i64,
) -> Result<(), DbError> {
    let options = vote
        .options
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    sqlx::query(
        "INSERT INTO poll_votes (post_id, user_id, group_id, options, voted_at, seq) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (post_id, user_id) DO UPDATE SET options = excluded.options, \
         voted_at = excluded.voted_at, seq = excluded.seq",
    )
    .bind(&vote.post_id)
    .bind(&vote.user_id)
    .bind(&vote.group_id)
    .bind(options)
    .bind(vote.voted_at)
    .bind(seq)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes a vote; answers whether there was one.
pub async fn delete_vote(
    conn: &mut AnyConnection,
    post_id: &str,
    user_id: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query("DELETE FROM poll_votes WHERE post_id = $1 AND user_id = $2")
        .bind(post_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// A poll's votes, in the order they were cast (last change).
pub async fn votes_of_post(
    conn: &mut AnyConnection,
    post_id: &str,
) -> Result<Vec<PollVote>, DbError> {
    let sql =
        format!("SELECT {VOTE_COLUMNS} FROM poll_votes v WHERE v.post_id = $1 ORDER BY v.seq");
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(post_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(vote_from_row).collect()
}

/// The votes with these (post id, user id) keys (missing ones are left out).
pub async fn load_votes(
    conn: &mut AnyConnection,
    keys: &[(String, String)],
) -> Result<Vec<PollVote>, DbError> {
    let query = format!("SELECT {VOTE_COLUMNS} FROM poll_votes v WHERE");
    load_by_pairs(conn, &query, "v.post_id, v.user_id", keys, vote_from_row).await
}

/// Records that `seen.user_id` saw the post, unless already recorded (the
/// first time is kept).
pub async fn mark_seen(conn: &mut AnyConnection, seen: &PostSeen, seq: i64) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO post_seen (post_id, user_id, group_id, seen_at, seq) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (post_id, user_id) DO NOTHING",
    )
    .bind(&seen.post_id)
    .bind(&seen.user_id)
    .bind(&seen.group_id)
    .bind(seen.seen_at)
    .bind(seq)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find_seen(
    conn: &mut AnyConnection,
    post_id: &str,
    user_id: &str,
) -> Result<Option<PostSeen>, DbError> {
    let sql =
        format!("SELECT {SEEN_COLUMNS} FROM post_seen s WHERE s.post_id = $1 AND s.user_id = $2");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(post_id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(seen_from_row).transpose()
}

/// Who saw a post, first seen first.
pub async fn seen_of_post(
    conn: &mut AnyConnection,
    post_id: &str,
) -> Result<Vec<PostSeen>, DbError> {
    let sql = format!("SELECT {SEEN_COLUMNS} FROM post_seen s WHERE s.post_id = $1 ORDER BY s.seq");
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(post_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(seen_from_row).collect()
}

pub async fn load_seen(
    conn: &mut AnyConnection,
    keys: &[(String, String)],
) -> Result<Vec<PostSeen>, DbError> {
    let query = format!("SELECT {SEEN_COLUMNS} FROM post_seen s WHERE");
    load_by_pairs(conn, &query, "s.post_id, s.user_id", keys, seen_from_row).await
}

/// The announcements `user_id` has not seen that last beyond `now`, of the
/// groups they are a member of (or of `group_id` only), newest first.
pub async fn unseen_announcements(
    conn: &mut AnyConnection,
    user_id: &str,
    group_id: Option<&str>,
    now: i64,
) -> Result<Vec<Post>, DbError> {
    let sql = format!(
        "SELECT {POST_COLUMNS} FROM posts p \
         JOIN memberships m ON m.group_id = p.group_id AND m.user_id = $1 \
         WHERE p.announced_until > $2 AND p.deleted_at IS NULL \
           AND ($3 IS NULL OR p.group_id = $3) \
           AND NOT EXISTS (SELECT 1 FROM post_seen s WHERE s.post_id = p.id AND s.user_id = $1) \
         ORDER BY p.seq DESC"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(user_id)
        .bind(now)
        .bind(group_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(post_from_row).collect()
}

/// The members whose notification level lets announcements through: every
/// member without a stored setting (the default is `highlights`) or with
/// `all` or `highlights`.
pub async fn members_wanting_announcements(
    conn: &mut AnyConnection,
    group_id: &str,
) -> Result<Vec<String>, DbError> {
    let rows = sqlx::query(
        "SELECT m.user_id FROM memberships m \
         WHERE m.group_id = $1 AND NOT EXISTS (SELECT 1 FROM group_settings s \
             WHERE s.group_id = m.group_id AND s.user_id = m.user_id \
               AND s.notification_level = 'off') \
         ORDER BY m.user_id",
    )
    .bind(group_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok(row.try_get("user_id")?)).collect()
}

/// Who hears of a "seen": the post's author and the group's admins.
pub async fn seen_audience(
    conn: &mut AnyConnection,
    post_id: &str,
) -> Result<Vec<String>, DbError> {
    let rows = sqlx::query(
        "SELECT p.author_id AS user_id FROM posts p WHERE p.id = $1 \
         UNION SELECT m.user_id FROM posts p JOIN memberships m ON m.group_id = p.group_id \
         WHERE p.id = $1 AND m.role = 'admin'",
    )
    .bind(post_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok(row.try_get("user_id")?)).collect()
}
