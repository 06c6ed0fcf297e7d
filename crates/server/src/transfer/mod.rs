//! `commons-server migrate-db`: copies a server's embedded SQLite database
//! into an empty PostgreSQL database, row for row, so that the change log
//! keeps its sequence numbers (clients keep syncing from their cursors),
//! sessions stay valid and mutation ids stay applied (outboxes replay
//! exactly once across the switch). Attachment files stay where they are,
//! in the data directory.
//!
//! The copy is driven by the target's schema, read from PostgreSQL's
//! catalog, so it follows migrations without a list to maintain: every
//! table of the target is filled from the same-named SQLite table, parents
//! before children (foreign keys), generated columns (search vectors) left
//! to PostgreSQL, identity columns given their values and their sequences
//! moved past them. All in one transaction: a failed copy leaves the
//! target empty.

mod schema;

use std::collections::BTreeMap;

use futures_util::TryStreamExt;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::config::DatabaseConfig;
use crate::db::{Backend, Database, DbError};
pub(crate) use schema::ColumnType;
use schema::{Column, Table};

/// Rows per INSERT: well under PostgreSQL's 65,535 bound parameters.
pub(crate) const BATCH_ROWS: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error("the source must be the embedded SQLite database (leave out --database)")]
    SourceNotSqlite,
    #[error("the target must be a postgres:// URL")]
    TargetNotPostgres,
    #[error(
        "the target database is not empty: {table} has {rows} rows; migrate into a new database"
    )]
    TargetNotEmpty { table: String, rows: i64 },
    #[error("the source has no table {0} that the target expects")]
    MissingTable(String),
    #[error("{table}.{column}: {problem}")]
    Schema {
        table: String,
        column: String,
        problem: String,
    },
    #[error(
        "after the copy, {table} has {in_postgres} rows in PostgreSQL but {in_sqlite} in SQLite"
    )]
    CountMismatch {
        table: String,
        in_sqlite: i64,
        in_postgres: i64,
    },
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
}

/// Rows copied per table, in copy order.
pub type Copied = Vec<(String, i64)>;

/// Copies everything from the SQLite database of `source` into the empty
/// PostgreSQL database at `target_url` (migrated first). The server should
/// be stopped: writes made during the copy would not be in the target.
pub async fn sqlite_to_postgres(
    source: &DatabaseConfig,
    target_url: &str,
) -> Result<Copied, TransferError> {
    if source.url.is_some() {
        return Err(TransferError::SourceNotSqlite);
    }
    if !(target_url.starts_with("postgres://") || target_url.starts_with("postgresql://")) {
        return Err(TransferError::TargetNotPostgres);
    }
    let from = Database::open(source).await?;
    let to = Database::open(&DatabaseConfig::new(
        &source.data_dir,
        Some(target_url.into()),
    ))
    .await;
    let to = match to {
        Ok(to) => to,
        Err(e) => {
            from.close().await;
            return Err(e.into());
        }
    };
    debug_assert_eq!(
        (from.backend(), to.backend()),
        (Backend::Sqlite, Backend::Postgres)
    );
    let result = copy_all(&from, &to).await;
    from.close().await;
    to.close().await;
    result
}

async fn copy_all(from: &Database, to: &Database) -> Result<Copied, TransferError> {
    let mut source = from.pool().acquire().await?;
    let mut tx = to.pool().begin().await?;
    let tables = schema::tables_in_copy_order(&mut tx).await?;
    for table in &tables {
        let rows = count(&mut tx, &table.name).await?;
        // The migrations' own bookkeeping is already there, identical; the
        // target's epoch gives way to the source's, so cursors stay valid.
        if rows > 0
            && table.name != schema::MIGRATIONS_TABLE
            && table.name != schema::IDENTITY_TABLE
        {
            return Err(TransferError::TargetNotEmpty {
                table: table.name.clone(),
                rows,
            });
        }
    }
    let mut copied = Vec::new();
    for table in tables.iter().filter(|t| t.name != schema::MIGRATIONS_TABLE) {
        let columns = schema::check_source(&mut source, table).await?;
        if table.name == schema::IDENTITY_TABLE {
            sqlx::query(AssertSqlSafe(format!("DELETE FROM {}", table.name)))
                .execute(&mut *tx)
                .await?;
        }
        let rows = copy_table(&mut source, &mut tx, table, &columns).await?;
        let in_target = count(&mut tx, &table.name).await?;
        if in_target != rows {
            return Err(TransferError::CountMismatch {
                table: table.name.clone(),
                in_sqlite: rows,
                in_postgres: in_target,
            });
        }
        copied.push((table.name.clone(), rows));
    }
    tx.commit().await?;
    Ok(copied)
}

async fn count(conn: &mut AnyConnection, table: &str) -> Result<i64, sqlx::Error> {
    sqlx::query(AssertSqlSafe(format!("SELECT COUNT(*) AS n FROM {table}")))
        .fetch_one(conn)
        .await?
        .try_get("n")
}

/// Copies one table in batches; self-references (a manager, a parent
/// comment) are filled in afterwards, when every row they may name exists.
async fn copy_table(
    source: &mut AnyConnection,
    target: &mut AnyConnection,
    table: &Table,
    columns: &[Column],
) -> Result<i64, TransferError> {
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    // A stable order; tables without a key are ordered by all their columns.
    let order = if table.primary_key.is_empty() {
        names.join(", ")
    } else {
        table.primary_key.join(", ")
    };
    let select = format!(
        "SELECT {} FROM {} ORDER BY {order}",
        names.join(", "),
        table.name
    );
    // Streamed in batches: a big organisation's comments never sit in memory at once.
    let mut rows = sqlx::query(AssertSqlSafe(select)).fetch(&mut *source);
    let key_index = table.key_index(columns);
    let mut deferred: BTreeMap<&str, Vec<(Value, Value)>> = BTreeMap::new();
    let mut copied: i64 = 0;
    let mut batch = Vec::with_capacity(BATCH_ROWS * columns.len());
    let mut batch_rows = 0;
    while let Some(row) = rows.try_next().await? {
        for (i, column) in columns.iter().enumerate() {
            let value = read(&row, i, column, &table.name)?;
            match key_index {
                Some(k) if table.self_references.contains(&column.name) && !value.is_null() => {
                    let key = read(&row, k, &columns[k], &table.name)?;
                    deferred
                        .entry(column.name.as_str())
                        .or_default()
                        .push((key, value));
                    batch.push(Value::Null(column.kind));
                }
                _ => batch.push(value),
            }
        }
        batch_rows += 1;
        copied += 1;
        if batch_rows == BATCH_ROWS {
            insert(
                target,
                &table.name,
                table.has_identity,
                &names,
                batch_rows,
                std::mem::take(&mut batch),
            )
            .await?;
            batch_rows = 0;
        }
    }
    insert(
        target,
        &table.name,
        table.has_identity,
        &names,
        batch_rows,
        batch,
    )
    .await?;
    for (column, pairs) in deferred {
        for chunk in pairs.chunks(BATCH_ROWS) {
            fill_self_reference(target, table, column, chunk).await?;
        }
    }
    for column in columns.iter().filter(|c| c.identity) {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{t}', '{c}'), COALESCE(MAX({c}), 0) + 1, false) FROM {t}",
            t = table.name,
            c = column.name
        );
        sqlx::query(AssertSqlSafe(sql))
            .execute(&mut *target)
            .await?;
    }
    Ok(copied)
}

/// Inserts `rows` rows of `values` (row after row) into `table`; with
/// `overriding` (PostgreSQL only), identity columns take the given values.
pub(crate) async fn insert(
    target: &mut AnyConnection,
    table: &str,
    overriding: bool,
    names: &[&str],
    rows: usize,
    values: Vec<Value>,
) -> Result<(), sqlx::Error> {
    if rows == 0 {
        return Ok(());
    }
    let width = names.len();
    let tuples: Vec<String> = (0..rows)
        .map(|r| {
            let params: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", params.join(", "))
        })
        .collect();
    let overriding = if overriding {
        " OVERRIDING SYSTEM VALUE"
    } else {
        ""
    };
    let sql = format!(
        "INSERT INTO {} ({}){overriding} VALUES {}",
        table,
        names.join(", "),
        tuples.join(", ")
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for value in values {
        query = value.bind(query);
    }
    query.execute(target).await?;
    Ok(())
}

async fn fill_self_reference(
    target: &mut AnyConnection,
    table: &Table,
    column: &str,
    pairs: &[(Value, Value)],
) -> Result<(), sqlx::Error> {
    let key = &table.primary_key[0];
    let tuples: Vec<String> = (0..pairs.len())
        .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
        .collect();
    let sql = format!(
        "UPDATE {t} SET {column} = v.val FROM (VALUES {}) AS v(key, val) WHERE {t}.{key} = v.key",
        tuples.join(", "),
        t = table.name
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for (k, v) in pairs {
        query = k.clone().bind(query);
        query = v.clone().bind(query);
    }
    query.execute(target).await?;
    Ok(())
}

/// One cell, typed by the target's column.
#[derive(Clone, Debug)]
pub(crate) enum Value {
    Text(String),
    Int(i64),
    Null(ColumnType),
}

impl Value {
    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Value::Null(_))
    }

    pub(crate) fn bind<'q>(
        self,
        query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        match self {
            Value::Text(text) => query.bind(text),
            Value::Int(n) => query.bind(n),
            Value::Null(ColumnType::Text) => query.bind(None::<String>),
            Value::Null(ColumnType::BigInt) => query.bind(None::<i64>),
        }
    }
}

fn read(row: &AnyRow, index: usize, column: &Column, table: &str) -> Result<Value, TransferError> {
    let bad = |e: sqlx::Error| TransferError::Schema {
        table: table.to_string(),
        column: column.name.clone(),
        problem: format!("a value does not fit the PostgreSQL column: {e}"),
    };
    Ok(match column.kind {
        ColumnType::Text => row
            .try_get::<Option<String>, _>(index)
            .map_err(bad)?
            .map_or(Value::Null(ColumnType::Text), Value::Text),
        ColumnType::BigInt => row
            .try_get::<Option<i64>, _>(index)
            .map_err(bad)?
            .map_or(Value::Null(ColumnType::BigInt), Value::Int),
    })
}
