//! The local SQLite cache (`cache.db` in the profile directory).
//!
//! One file holds the synced entities, the outbox and a few facts about the
//! profile (`meta`). It runs in WAL mode so the UI can read while a sync
//! writes; every write goes through [`Cache::write`], a `BEGIN IMMEDIATE`
//! transaction, so two writers never deadlock upgrading a read lock.

mod attachments;
mod batch;
mod entities;
mod meta;
mod pages;
mod polls;
mod reactions;
mod read;
mod search;
mod social;

pub(crate) use attachments::*;
pub(crate) use batch::{apply_run, runs};
use batch::{upsert_comments, upsert_memberships, upsert_posts, upsert_reactions, upsert_users};
pub(crate) use entities::*;
pub(crate) use meta::*;
pub(crate) use pages::*;
pub(crate) use polls::*;
pub(crate) use reactions::*;
pub(crate) use read::*;
pub(crate) use search::*;
pub(crate) use social::*;

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, SqliteConnection, Transaction};

use crate::ClientError;

/// File name of the cache inside a profile directory.
pub const CACHE_FILE: &str = "cache.db";

pub(crate) type WriteTx = Transaction<'static, Sqlite>;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Clone, Debug)]
pub(crate) struct Cache {
    pool: SqlitePool,
}

impl Cache {
    /// Opens (creating if needed) the cache file and brings its schema up to date.
    pub(crate) async fn open(path: &Path) -> Result<Cache, ClientError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL is durable across application crashes in WAL mode; only a
            // power loss can drop the last transactions, never corrupt the file.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // Deleted rows are overwritten with zeros, not just unlinked: what a
            // purge or tombstone removes is not left readable in free pages.
            .pragma("secure_delete", "ON")
            // 16 MiB of pages per connection instead of SQLite's 2 MiB: a sync
            // writing pages of posts into a cache of hundreds of megabytes
            // otherwise reads the same index pages from the file again and
            // again. Grown only as pages are used.
            .pragma("cache_size", "-16384")
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Cache { pool })
    }

    /// Opens an in-memory cache; for tests of the query layer.
    #[cfg(test)]
    pub(crate) async fn open_in_memory() -> Result<Cache, ClientError> {
        use std::str::FromStr;
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?
            .foreign_keys(true)
            .pragma("secure_delete", "ON");
        // One connection: every connection to `:memory:` is a separate database.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Cache { pool })
    }

    /// Starts a write transaction. Dropping it without `commit` rolls back.
    pub(crate) async fn write(&self) -> Result<WriteTx, ClientError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// A connection for reads (they see the last committed state).
    pub(crate) async fn read(&self) -> Result<sqlx::pool::PoolConnection<Sqlite>, ClientError> {
        Ok(self.pool.acquire().await?)
    }

    /// Copies the write-ahead log into the database file and empties it, so
    /// that pages a purge overwrote (see `secure_delete`) leave no older copy
    /// behind in `cache.db-wal`. A reader in the middle of a transaction keeps
    /// the log from being emptied: then this retries briefly and gives up
    /// (the next checkpoint reuses the log from its start).
    pub(crate) async fn checkpoint(&self) -> Result<bool, ClientError> {
        for attempt in 0..20 {
            let mut conn = self.pool.acquire().await?;
            let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(&mut *conn)
                .await?;
            if busy == 0 {
                return Ok(true);
            }
            drop(conn);
            tokio::time::sleep(Duration::from_millis(25 * (attempt + 1))).await;
        }
        tracing::warn!("the cache's write-ahead log could not be emptied after a purge");
        Ok(false)
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }
}

/// Helper for the many single-row lookups: `Some(row)` or `None`, errors as `ClientError`.
pub(crate) async fn fetch_optional_string(
    conn: &mut SqliteConnection,
    sql: &'static str,
    bind: &str,
) -> Result<Option<String>, ClientError> {
    Ok(sqlx::query_scalar::<_, String>(sql)
        .bind(bind.to_owned())
        .fetch_optional(conn)
        .await?)
}

/// Current Unix time in milliseconds.
pub(crate) fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
