//! Storage: one code path for SQLite and PostgreSQL through `sqlx::AnyPool`.
//!
//! SQL is written once with `$1, $2` placeholders (both drivers accept them)
//! and uses only types the Any driver decodes on both databases: `i64`
//! (BIGINT), `String` (TEXT) and `Option` of those. Booleans are 0/1,
//! timestamps Unix milliseconds.
//!
//! Queries built with `format!` (wrapped in `AssertSqlSafe`) only splice in
//! constant column lists and generated `$N` placeholders; values are always bound.

pub mod attachments;
pub mod audit;
pub mod changes;
pub mod erasure;
pub mod groups;
pub mod imports;
pub mod login_attempts;
pub mod migrate;
pub mod mutations;
pub mod polls;
pub mod posts;
pub mod reactions;
pub mod retention;
pub mod search;
pub mod social;
pub mod sso;
pub mod users;
mod write;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

use crate::config::{ConfigError, DatabaseConfig};
pub use write::Write;

/// Which database is behind the pool; only transaction start and pool
/// setup differ between the two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("unsupported database URL {0:?}: expected postgres://... (or no --database for the embedded SQLite)")]
    UnsupportedUrl(String),
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("the database has schema version {found}, newer than this server knows ({known}); upgrade the server")]
    SchemaTooNew { found: i64, known: i64 },
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

impl DbError {
    /// A UNIQUE or PRIMARY KEY constraint refused the write.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            DbError::Sqlx(e) => e
                .as_database_error()
                .is_some_and(|d| d.is_unique_violation()),
            _ => false,
        }
    }
}

/// Set on every SQLite connection.
/// (No `mmap_size`: measured, it costs more than it saves, since every
/// connection remaps the file whenever writes grow it.)
const SQLITE_PRAGMAS: [&str; 3] = [
    // Safe with WAL: a crash can lose the last commits, never corrupt.
    "PRAGMA synchronous = NORMAL",
    // 64 MiB of page cache per connection (the default is 2 MiB): the hot
    // indexes of a large organisation stay in memory.
    "PRAGMA cache_size = -65536",
    // Deleted content is overwritten with zeros, not left in free space:
    // an erasure (docs/data-control.md) leaves no byte of it in the file.
    "PRAGMA secure_delete = ON",
];

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Database {
    pool: AnyPool,
    backend: Backend,
    /// Write transactions queue here on SQLite (see `write.rs`).
    writer: Arc<tokio::sync::Mutex<()>>,
    /// This life of the change log (`server_identity`), in every cursor.
    epoch: Arc<str>,
}

impl Database {
    /// Connects (creating the data directory and SQLite file if needed) and
    /// brings the schema up to date.
    pub async fn open(config: &DatabaseConfig) -> Result<Self, DbError> {
        let url = config.prepare()?;
        let mut db = Self::connect(&url).await?;
        migrate::run(&db).await?;
        db.epoch = changes::epoch(&mut *db.pool.acquire().await?).await?.into();
        Ok(db)
    }

    /// Names this life of the change log; cursors carry it.
    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    async fn connect(url: &str) -> Result<Self, DbError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(DbError::UnsupportedUrl(url.to_string()));
        };
        let options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        let pool = match backend {
            // sqlx's SQLite defaults already turn foreign keys on and wait 5 s
            // on a locked database (busy_timeout).
            Backend::Sqlite => {
                options
                    .max_connections(8)
                    // A file cannot drop the connection: skip the ping (a round
                    // trip to the connection's thread) on every acquire.
                    .test_before_acquire(false)
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            for pragma in SQLITE_PRAGMAS {
                                sqlx::query(pragma).execute(&mut *conn).await?;
                            }
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?
            }
            Backend::Postgres => {
                options
                    .max_connections(16)
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            // JIT compiling pays off for long analytical
                            // queries only: on the sync page query, whose cost
                            // estimate is high, it took 150 ms of a 1.5 ms query.
                            sqlx::query("SET jit = off").execute(conn).await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?
            }
        };
        if backend == Backend::Sqlite {
            // Persistent in the file: readers no longer block the writer.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        Ok(Database {
            pool,
            backend,
            writer: Arc::default(),
            epoch: Arc::from(""),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a transaction that may append to the change log.
    pub async fn write(&self) -> Result<Write, DbError> {
        Write::begin(self).await
    }

    /// For a single-statement write outside [`Database::write`]: on SQLite,
    /// waits for this process's writers' turn (held until the guard drops),
    /// so the statement does not wait in SQLite's sleeping busy handler.
    /// `None` on PostgreSQL, where nothing needs to wait. Take it before
    /// acquiring the connection, never while holding one.
    pub async fn single_write_turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match self.backend {
            Backend::Sqlite => Some(self.writer.clone().lock_owned().await),
            Backend::Postgres => None,
        }
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// `$start, $start+1, ...` for `count` values: bind lists of ids in one query.
pub(crate) fn placeholders(start: usize, count: usize) -> String {
    (start..start + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How many ids one `IN (...)` list carries; far below both databases' limits.
pub(crate) const IN_LIST_CHUNK: usize = 500;

/// Loads the rows whose `key` is one of `ids` (missing ones are left out, in no
/// particular order): `query` is the SQL up to and including `WHERE`, e.g.
/// `SELECT ... FROM users u WHERE`. One query per [`IN_LIST_CHUNK`] ids.
pub(crate) async fn load_by_ids<T>(
    conn: &mut sqlx::AnyConnection,
    query: &str,
    key: &str,
    ids: &[String],
    from_row: fn(&sqlx::any::AnyRow) -> Result<T, DbError>,
) -> Result<Vec<T>, DbError> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        let sql = format!("{query} {key} IN ({})", placeholders(1, chunk.len()));
        let mut select = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            select = select.bind(id);
        }
        for row in select.fetch_all(&mut *conn).await? {
            found.push(from_row(&row)?);
        }
    }
    Ok(found)
}

/// Like [`load_by_ids`] for tables keyed by two columns: `keys` are
/// `"m.group_id, m.user_id"`, `pairs` their values.
pub(crate) async fn load_by_pairs<T>(
    conn: &mut sqlx::AnyConnection,
    query: &str,
    keys: &str,
    pairs: &[(String, String)],
    from_row: fn(&sqlx::any::AnyRow) -> Result<T, DbError>,
) -> Result<Vec<T>, DbError> {
    let mut found = Vec::with_capacity(pairs.len());
    for chunk in pairs.chunks(IN_LIST_CHUNK / 2) {
        let tuples = (0..chunk.len())
            .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("{query} ({keys}) IN (VALUES {tuples})");
        let mut select = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (a, b) in chunk {
            select = select.bind(a).bind(b);
        }
        for row in select.fetch_all(&mut *conn).await? {
            found.push(from_row(&row)?);
        }
    }
    Ok(found)
}

/// Reads a nullable BIGINT column.
pub(crate) fn get_opt_i64(row: &AnyRow, column: &str) -> Result<Option<i64>, DbError> {
    Ok(row.try_get::<Option<i64>, _>(column)?)
}

pub(crate) fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Reads a 0/1 column as a bool.
pub(crate) fn get_flag(row: &AnyRow, column: &str) -> Result<bool, DbError> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

/// Parses a text column into an enum, reporting bad stored values as corruption.
pub(crate) fn get_parsed<T: std::str::FromStr>(row: &AnyRow, column: &str) -> Result<T, DbError>
where
    T::Err: std::fmt::Display,
{
    let text: String = row.try_get(column)?;
    text.parse::<T>()
        .map_err(|e| DbError::Corrupt(format!("column {column}: {e}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_count_from_start() {
        assert_eq!(super::placeholders(3, 3), "$3, $4, $5");
        assert_eq!(super::placeholders(1, 0), "");
    }
}
