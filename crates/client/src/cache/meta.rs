//! Facts about the profile kept in the `meta` table: which account it belongs
//! to, where the last sync stopped, and whether the first sync has finished.

use commons_protocol::{Cursor, User};
use sqlx::SqliteConnection;

use crate::{Account, ClientError};

const SERVER_URL: &str = "server_url";
const USER: &str = "user";
const CURSOR: &str = "cursor";
const FIRST_SYNC_DONE: &str = "first_sync_done";
const PROFILE_ID: &str = "profile_id";
const ATTACHMENT_CACHE_LIMIT: &str = "attachment_cache_limit";
const POSTS_PER_GROUP: &str = "posts_per_group";

async fn get(conn: &mut SqliteConnection, key: &str) -> Result<Option<String>, ClientError> {
    super::fetch_optional_string(conn, "SELECT value FROM meta WHERE key = ?", key).await
}

async fn set(conn: &mut SqliteConnection, key: &str, value: &str) -> Result<(), ClientError> {
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES (?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key.to_owned())
    .bind(value.to_owned())
    .execute(conn)
    .await?;
    Ok(())
}

/// A random id naming this profile, created on first use. It keeps the
/// keychain entries of two profiles of the same account apart.
pub(crate) async fn profile_id(conn: &mut SqliteConnection) -> Result<String, ClientError> {
    if let Some(id) = get(conn, PROFILE_ID).await? {
        return Ok(id);
    }
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)")
        .bind(PROFILE_ID)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    get(conn, PROFILE_ID)
        .await?
        .ok_or_else(|| ClientError::CorruptCache("profile id not stored".to_owned()))
}

/// The account this cache belongs to, whether or not it is logged in right now.
pub(crate) async fn stored_account(
    conn: &mut SqliteConnection,
) -> Result<Option<Account>, ClientError> {
    let (Some(server_url), Some(user)) = (get(conn, SERVER_URL).await?, get(conn, USER).await?)
    else {
        return Ok(None);
    };
    let user: User = serde_json::from_str(&user)
        .map_err(|e| ClientError::CorruptCache(format!("stored user: {e}")))?;
    Ok(Some(Account { server_url, user }))
}

pub(crate) async fn set_account(
    conn: &mut SqliteConnection,
    account: &Account,
) -> Result<(), ClientError> {
    let user = serde_json::to_string(&account.user)
        .map_err(|e| ClientError::CorruptCache(format!("user: {e}")))?;
    set(conn, SERVER_URL, &account.server_url).await?;
    set(conn, USER, &user).await
}

pub(crate) async fn sync_cursor(
    conn: &mut SqliteConnection,
) -> Result<Option<Cursor>, ClientError> {
    Ok(get(conn, CURSOR).await?.map(Cursor::from_opaque))
}

pub(crate) async fn set_sync_cursor(
    conn: &mut SqliteConnection,
    cursor: &Cursor,
) -> Result<(), ClientError> {
    set(conn, CURSOR, cursor.as_str()).await
}

/// False until one full pull (up to `has_more = false`) has been applied.
/// Nothing is notified before that: the first sync brings in history, not news.
pub(crate) async fn first_sync_done(conn: &mut SqliteConnection) -> Result<bool, ClientError> {
    Ok(get(conn, FIRST_SYNC_DONE).await?.as_deref() == Some("1"))
}

pub(crate) async fn set_first_sync_done(conn: &mut SqliteConnection) -> Result<(), ClientError> {
    set(conn, FIRST_SYNC_DONE, "1").await
}

/// Forgets everything synced for another account: entities, cursor, notification
/// history. Only called when the outbox is empty (see `Client::login`).
pub(crate) async fn reset_for_new_account(conn: &mut SqliteConnection) -> Result<(), ClientError> {
    for sql in [
        "DELETE FROM reactions",
        "DELETE FROM join_requests",
        "DELETE FROM notifications",
        "DELETE FROM group_settings",
        "DELETE FROM comments",
        "DELETE FROM posts",
        "DELETE FROM memberships",
        "DELETE FROM groups",
        "DELETE FROM users",
        "DELETE FROM notified",
        "DELETE FROM outbox",
        "DELETE FROM search_backlog",
        "DELETE FROM meta WHERE key NOT IN ('profile_id', 'attachment_cache_limit', 'posts_per_group')",
    ] {
        sqlx::query(sql).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Forgets what was synced from a server whose log was reset, keeping the
/// unsent writes: the outbox and the rows it shows (pending or failed), and
/// the notification history (nothing is raised twice).
pub(crate) async fn reset_for_resync(conn: &mut SqliteConnection) -> Result<(), ClientError> {
    // The unsent rows that stay must be searchable; the first sync that
    // follows defers the index again.
    super::end_search_deferral(conn).await?;
    for sql in [
        "DELETE FROM reactions",
        "DELETE FROM join_requests WHERE pending = 0",
        "DELETE FROM notifications",
        "DELETE FROM group_settings",
        "DELETE FROM comments WHERE pending = 0",
        "DELETE FROM posts WHERE pending = 0",
        "DELETE FROM memberships WHERE pending = 0",
        "DELETE FROM groups WHERE pending = 0",
        "DELETE FROM users",
        "DELETE FROM provisional",
        "DELETE FROM feed_pages",
        "DELETE FROM meta WHERE key IN ('cursor', 'first_sync_done')",
    ] {
        sqlx::query(sql).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Size limit of the downloaded attachment files, if one was set.
pub(crate) async fn attachment_cache_limit(
    conn: &mut SqliteConnection,
) -> Result<Option<u64>, ClientError> {
    Ok(get(conn, ATTACHMENT_CACHE_LIMIT)
        .await?
        .and_then(|v| v.parse().ok()))
}

pub(crate) async fn set_attachment_cache_limit(
    conn: &mut SqliteConnection,
    bytes: u64,
) -> Result<(), ClientError> {
    set(conn, ATTACHMENT_CACHE_LIMIT, &bytes.to_string()).await
}

/// How many posts of each group the cache keeps, if bounded.
pub(crate) async fn posts_per_group(
    conn: &mut SqliteConnection,
) -> Result<Option<i64>, ClientError> {
    Ok(get(conn, POSTS_PER_GROUP)
        .await?
        .and_then(|v| v.parse().ok()))
}

pub(crate) async fn set_posts_per_group(
    conn: &mut SqliteConnection,
    keep: Option<i64>,
) -> Result<(), ClientError> {
    match keep {
        Some(keep) => set(conn, POSTS_PER_GROUP, &keep.to_string()).await,
        None => {
            sqlx::query("DELETE FROM meta WHERE key = ?")
                .bind(POSTS_PER_GROUP)
                .execute(conn)
                .await?;
            Ok(())
        }
    }
}
