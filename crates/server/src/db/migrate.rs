//! A small migrator: plain SQL files per database, embedded in the binary,
//! applied in order inside one transaction on every start.
//!
//! Every known version not yet applied is applied, not only those above the
//! newest applied: versions developed side by side may land out of order.

use std::collections::HashSet;

use sqlx::Row;

use super::{now_millis, Backend, Database, DbError};

struct Migration {
    version: i64,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sqlite: include_str!("../../migrations/sqlite/0001_initial.sql"),
        postgres: include_str!("../../migrations/postgres/0001_initial.sql"),
    },
    Migration {
        version: 2,
        sqlite: include_str!("../../migrations/sqlite/0002_social.sql"),
        postgres: include_str!("../../migrations/postgres/0002_social.sql"),
    },
    Migration {
        version: 3,
        sqlite: include_str!("../../migrations/sqlite/0003_search.sql"),
        postgres: include_str!("../../migrations/postgres/0003_search.sql"),
    },
    Migration {
        version: 4,
        sqlite: include_str!("../../migrations/sqlite/0004_attachments.sql"),
        postgres: include_str!("../../migrations/postgres/0004_attachments.sql"),
    },
    Migration {
        version: 5,
        sqlite: include_str!("../../migrations/sqlite/0005_login_attempts.sql"),
        postgres: include_str!("../../migrations/postgres/0005_login_attempts.sql"),
    },
    Migration {
        version: 6,
        sqlite: include_str!("../../migrations/sqlite/0006_polls.sql"),
        postgres: include_str!("../../migrations/postgres/0006_polls.sql"),
    },
    Migration {
        version: 7,
        sqlite: include_str!("../../migrations/sqlite/0007_media_and_limits.sql"),
        postgres: include_str!("../../migrations/postgres/0007_media_and_limits.sql"),
    },
    Migration {
        version: 8,
        sqlite: include_str!("../../migrations/sqlite/0008_feed_index.sql"),
        postgres: include_str!("../../migrations/postgres/0008_feed_index.sql"),
    },
    Migration {
        version: 9,
        sqlite: include_str!("../../migrations/sqlite/0009_server_epoch.sql"),
        postgres: include_str!("../../migrations/postgres/0009_server_epoch.sql"),
    },
    Migration {
        version: 10,
        sqlite: include_str!("../../migrations/sqlite/0010_audit_log.sql"),
        postgres: include_str!("../../migrations/postgres/0010_audit_log.sql"),
    },
    Migration {
        version: 12,
        sqlite: include_str!("../../migrations/sqlite/0012_import_ids.sql"),
        postgres: include_str!("../../migrations/postgres/0012_import_ids.sql"),
    },
    Migration {
        version: 13,
        sqlite: include_str!("../../migrations/sqlite/0013_retention.sql"),
        postgres: include_str!("../../migrations/postgres/0013_retention.sql"),
    },
    Migration {
        version: 14,
        sqlite: include_str!("../../migrations/sqlite/0014_sso.sql"),
        postgres: include_str!("../../migrations/postgres/0014_sso.sql"),
    },
];

/// Applies the migrations this database lacks. Runs in a write transaction,
/// so two servers starting at once on one PostgreSQL database take turns.
pub(super) async fn run(db: &Database) -> Result<(), DbError> {
    let mut write = db.write().await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (\
            version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
    )
    .execute(write.conn())
    .await?;
    let applied = applied_versions(write.conn()).await?;
    let newest = applied.iter().copied().max().unwrap_or(0);
    let known = newest_known();
    if newest > known {
        return Err(DbError::SchemaTooNew {
            found: newest,
            known,
        });
    }
    for migration in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        let sql = match db.backend() {
            Backend::Sqlite => migration.sqlite,
            Backend::Postgres => migration.postgres,
        };
        sqlx::raw_sql(sql).execute(write.conn()).await?;
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(migration.version)
            .bind(now_millis())
            .execute(write.conn())
            .await?;
        tracing::info!(version = migration.version, "applied database migration");
    }
    write.commit().await?;
    Ok(())
}

async fn applied_versions(conn: &mut sqlx::AnyConnection) -> Result<HashSet<i64>, DbError> {
    Ok(sqlx::query("SELECT version FROM schema_migrations")
        .fetch_all(conn)
        .await?
        .iter()
        .map(|row| row.try_get::<i64, _>("version"))
        .collect::<Result<HashSet<i64>, _>>()?)
}

/// The versions this binary knows that the database has not applied (empty
/// when the schema is up to date). Answers `/readyz` on every node, including
/// nodes that did not run the migrations themselves.
pub async fn pending(db: &Database) -> Result<Vec<i64>, DbError> {
    let mut conn = db.pool().acquire().await?;
    let applied = applied_versions(&mut conn).await?;
    Ok(MIGRATIONS
        .iter()
        .map(|m| m.version)
        .filter(|v| !applied.contains(v))
        .collect())
}

/// The newest schema version this binary knows.
pub fn newest_known() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}
