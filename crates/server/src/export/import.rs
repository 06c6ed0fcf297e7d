//! `commons-server import commons`: an organisation export loaded into an
//! EMPTY server, keeping ids, timestamps, content and the change log (so
//! clients syncing the new server receive everything).
//!
//! Two passes over the archive: the first (`verify.rs`) checks every file against the
//! manifest's checksums and writes nothing; the second loads the rows in the
//! archive's order (parents before children) in ONE write transaction, so a
//! failed import leaves the server empty. Attachment files go to the store
//! as they come; a failed import may leave some there, unreferenced
//! (content-addressed, they are harmless and reused).

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read, Seek, Write as _};
use std::path::{Path, PathBuf};

use axum::body::Bytes;
use commons_protocol::AuditAction;
use flate2::read::GzDecoder;
use serde_json::{json, Value as Json};
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::entities::{self, Column, Entity, Kind};
use super::manifest::{self, Manifest, Scope};
use super::verify::{damaged, entry_path, open, verify};
use crate::blobs::{AttachmentStore, StoreError};
use crate::db::{Backend, Database, DbError};
use crate::ops::audit::{self, Target};
use crate::transfer::{self, ColumnType, Value};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot open {path}: {source}")]
    Open { path: PathBuf, source: io::Error },
    #[error("the archive is damaged: cannot read {path} in it: {source}")]
    Damaged { path: String, source: io::Error },
    #[error("the archive has no manifest.json: it is not a Commons export, or it was cut short")]
    NoManifest,
    #[error("manifest.json: {0}")]
    BadManifest(String),
    #[error("the archive is damaged: {path} does not match its checksum in manifest.json")]
    Checksum { path: String },
    #[error("the archive is damaged: {path} is listed in manifest.json but missing")]
    Missing { path: String },
    #[error("the archive holds {path}, which manifest.json does not list")]
    Unlisted { path: String },
    #[error("{path} comes after files that depend on it; the archive was not written by export")]
    OutOfOrder { path: String },
    #[error("this is a personal export (one person's data); only an organisation export can be imported")]
    Personal,
    #[error(
        "the archive was written by a newer server (schema {archive}, this one knows up to \
         {known}); upgrade this server first"
    )]
    Newer { archive: i64, known: i64 },
    #[error("the server is not empty: {table} has {rows} rows; import into a new, empty server")]
    NotEmpty { table: &'static str, rows: i64 },
    #[error("{file}, line {line}: {problem}")]
    Row {
        file: String,
        line: u64,
        problem: String,
    },
    #[error("{file}: the database refused rows: {source}")]
    Refused { file: String, source: sqlx::Error },
    #[error("attachment storage: {0}")]
    Store(#[from] StoreError),
    #[error("password hashing: {0}")]
    Hash(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// What an import loaded.
#[derive(Debug)]
pub struct Imported {
    pub manifest: Manifest,
    /// Rows per file, in load order.
    pub rows: Vec<(String, u64)>,
    pub attachment_files: usize,
}

/// Checks `archive` entirely, then loads it into `db` (which must be empty)
/// and `store`.
pub async fn import_commons(
    db: &Database,
    store: &dyn AttachmentStore,
    archive: &Path,
) -> Result<Imported, ImportError> {
    // Refused before reading a large archive; checked again, for good,
    // inside the import's transaction.
    refuse_if_not_empty(&mut *db.pool().acquire().await?).await?;
    let path = archive.to_path_buf();
    let manifest = tokio::task::spawn_blocking(move || verify(&path))
        .await
        .map_err(|e| ImportError::Io(io::Error::other(e)))??;
    if manifest.scope == Scope::Personal {
        return Err(ImportError::Personal);
    }
    let known = crate::db::migrate::newest_known();
    if manifest.schema_version > known {
        return Err(ImportError::Newer {
            archive: manifest.schema_version,
            known,
        });
    }
    // People whose hashes were left out get one of a password nobody knows
    // (no old password works); hashing is slow, so once for all.
    let unusable = tokio::task::spawn_blocking(|| {
        let secret = format!("{}{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
        crate::secrets::hash_password(&secret)
    })
    .await
    .map_err(|e| ImportError::Hash(e.to_string()))?
    .map_err(|e| ImportError::Hash(e.to_string()))?;

    let mut write = db.write().await?;
    refuse_if_not_empty(write.conn()).await?;
    let mut loader = Loader {
        conn: write.conn(),
        backend: db.backend(),
        unusable_hash: unusable,
        rows: Vec::new(),
        attachment_files: 0,
        next_entity: 0,
    };
    let file = open(archive)?;
    let mut tar = tar::Archive::new(GzDecoder::new(file));
    for entry in tar.entries()? {
        let entry = entry.map_err(|e| damaged("the archive", e))?;
        let path = entry_path(&entry)?;
        if path == manifest::MANIFEST_FILE {
            continue;
        }
        if let Some(sha256) = path.strip_prefix("files/") {
            let sha256 = sha256.to_string();
            loader.blob(store, &path, &sha256, entry).await?;
        } else {
            loader.table(&path, entry).await?;
        }
    }
    let Loader {
        rows,
        attachment_files,
        ..
    } = loader;
    if db.backend() == Backend::Postgres {
        for (table, column) in entities::IDENTITY_COLUMNS {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
                 COALESCE(MAX({column}), 0) + 1, false) FROM {table}"
            );
            sqlx::query(AssertSqlSafe(sql))
                .execute(write.conn())
                .await?;
        }
    }
    let counts: serde_json::Map<String, Json> = rows
        .iter()
        .map(|(file, n)| (file.clone(), json!(n)))
        .collect();
    let details = json!({
        "source": "commons",
        "format_version": manifest.format_version,
        "exported_at": manifest.created_at,
        "rows": counts,
        "attachment_files": attachment_files,
        "password_hashes_included": manifest.password_hashes_included,
    });
    audit::record(
        write.conn(),
        None,
        AuditAction::Import,
        Target::Organisation,
        details,
    )
    .await?;
    write.commit().await?;
    Ok(Imported {
        manifest,
        rows,
        attachment_files,
    })
}

async fn refuse_if_not_empty(conn: &mut AnyConnection) -> Result<(), ImportError> {
    for entity in entities::ORGANISATION {
        let rows = count(conn, entity.table).await?;
        if rows > 0 {
            return Err(ImportError::NotEmpty {
                table: entity.table,
                rows,
            });
        }
    }
    Ok(())
}

async fn count(conn: &mut AnyConnection, table: &str) -> Result<i64, sqlx::Error> {
    sqlx::query(AssertSqlSafe(format!("SELECT COUNT(*) AS n FROM {table}")))
        .fetch_one(conn)
        .await?
        .try_get("n")
}

/// Pass two, inside the import's write transaction.
struct Loader<'c> {
    conn: &'c mut AnyConnection,
    backend: Backend,
    unusable_hash: String,
    rows: Vec<(String, u64)>,
    attachment_files: usize,
    /// Files must come in the documented order (parents first).
    next_entity: usize,
}

impl Loader<'_> {
    async fn blob<R: Read>(
        &mut self,
        store: &dyn AttachmentStore,
        path: &str,
        sha256: &str,
        mut entry: tar::Entry<'_, R>,
    ) -> Result<(), ImportError> {
        let mut content = Vec::new();
        entry
            .read_to_end(&mut content)
            .map_err(|e| damaged(path, e))?;
        let body = futures_util::stream::once(async move { Ok(Bytes::from(content)) });
        let stored = store.put(Box::pin(body), u64::MAX).await?;
        if stored.sha256 != sha256 {
            return Err(ImportError::Checksum {
                path: path.to_string(),
            });
        }
        self.attachment_files += 1;
        Ok(())
    }

    async fn table<R: Read>(
        &mut self,
        path: &str,
        entry: tar::Entry<'_, R>,
    ) -> Result<(), ImportError> {
        let position = entities::ORGANISATION
            .iter()
            .position(|e| e.file_name() == path)
            .ok_or_else(|| ImportError::Unlisted {
                path: path.to_string(),
            })?;
        if position < self.next_entity {
            return Err(ImportError::OutOfOrder {
                path: path.to_string(),
            });
        }
        self.next_entity = position + 1;
        let entity = &entities::ORGANISATION[position];
        let mut columns = entity.columns.to_vec();
        if entity.table == entities::PEOPLE.table {
            columns.push(entities::PASSWORD_HASH);
        }
        let names: Vec<&str> = columns.iter().map(|c| c.name).collect();
        let overriding = self.backend == Backend::Postgres
            && entities::IDENTITY_COLUMNS
                .iter()
                .any(|(table, _)| *table == entity.table);
        // Self-references are set aside (on disk) and filled in once every
        // row of the table exists.
        let mut deferred = io::BufWriter::new(tempfile::tempfile()?);
        let mut deferred_rows = 0u64;
        let mut batch = Vec::with_capacity(transfer::BATCH_ROWS * columns.len());
        let mut batch_rows = 0;
        let mut line_no = 0u64;
        for line in BufReader::new(entry).lines() {
            let line = line.map_err(|e| damaged(path, e))?;
            line_no += 1;
            let bad = |problem: String| ImportError::Row {
                file: path.to_string(),
                line: line_no,
                problem,
            };
            let object: serde_json::Map<String, Json> =
                serde_json::from_str(&line).map_err(|e| bad(e.to_string()))?;
            for column in &columns {
                let value = self
                    .cell(entity, column, object.get(column.name))
                    .map_err(&bad)?;
                if entity.self_references.contains(&column.name) && !value.is_null() {
                    let key = object.get(entity.key[0]).cloned().unwrap_or(Json::Null);
                    let pair = json!([column.name, key, object.get(column.name)]);
                    serde_json::to_writer(&mut deferred, &pair).map_err(io::Error::other)?;
                    deferred.write_all(b"\n")?;
                    deferred_rows += 1;
                    batch.push(Value::Null(ColumnType::Text));
                } else {
                    batch.push(value);
                }
            }
            batch_rows += 1;
            if batch_rows == transfer::BATCH_ROWS {
                self.insert(
                    path,
                    entity,
                    overriding,
                    &names,
                    batch_rows,
                    std::mem::take(&mut batch),
                )
                .await?;
                batch_rows = 0;
            }
        }
        self.insert(path, entity, overriding, &names, batch_rows, batch)
            .await?;
        if deferred_rows > 0 {
            let mut file = deferred.into_inner().map_err(|e| e.into_error())?;
            file.rewind()?;
            self.fill_self_references(path, entity, BufReader::new(file))
                .await?;
        }
        self.rows.push((path.to_string(), line_no));
        Ok(())
    }

    fn cell(
        &self,
        entity: &Entity,
        column: &Column,
        value: Option<&Json>,
    ) -> Result<Value, String> {
        if column.name == entities::PASSWORD_HASH.name {
            return Ok(match value {
                Some(Json::String(hash)) => Value::Text(hash.clone()),
                _ => Value::Text(self.unusable_hash.clone()),
            });
        }
        let wrong = |expected: &str| format!("{}.{} must be {expected}", entity.file, column.name);
        Ok(match (column.kind, value) {
            (Kind::Int, None | Some(Json::Null)) => Value::Null(ColumnType::BigInt),
            (Kind::Text | Kind::Json, None | Some(Json::Null)) => Value::Null(ColumnType::Text),
            (Kind::Text, Some(Json::String(text))) => Value::Text(text.clone()),
            (Kind::Text, Some(_)) => return Err(wrong("a string or null")),
            (Kind::Int, Some(number)) => {
                Value::Int(number.as_i64().ok_or_else(|| wrong("an integer or null"))?)
            }
            (Kind::Json, Some(value)) => Value::Text(value.to_string()),
        })
    }

    async fn insert(
        &mut self,
        path: &str,
        entity: &Entity,
        overriding: bool,
        names: &[&str],
        rows: usize,
        values: Vec<Value>,
    ) -> Result<(), ImportError> {
        transfer::insert(self.conn, entity.table, overriding, names, rows, values)
            .await
            .map_err(|source| ImportError::Refused {
                file: path.to_string(),
                source,
            })
    }

    /// `[column, key, value]` lines, applied in batches of one UPDATE each
    /// (a CASE on the key, which both databases understand).
    async fn fill_self_references(
        &mut self,
        path: &str,
        entity: &Entity,
        lines: impl BufRead,
    ) -> Result<(), ImportError> {
        let mut by_column: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for line in lines.lines() {
            let (column, key, value): (String, String, String) =
                serde_json::from_str(&line?).map_err(io::Error::other)?;
            let pairs = by_column.entry(column.clone()).or_default();
            pairs.push((key, value));
            if pairs.len() == transfer::BATCH_ROWS {
                let pairs = std::mem::take(pairs);
                self.update(path, entity, &column, &pairs).await?;
            }
        }
        for (column, pairs) in by_column {
            self.update(path, entity, &column, &pairs).await?;
        }
        Ok(())
    }

    async fn update(
        &mut self,
        path: &str,
        entity: &Entity,
        column: &str,
        pairs: &[(String, String)],
    ) -> Result<(), ImportError> {
        if pairs.is_empty() {
            return Ok(());
        }
        let key = entity.key[0];
        let cases: Vec<String> = (0..pairs.len())
            .map(|i| format!("WHEN ${} THEN ${}", 2 * i + 1, 2 * i + 2))
            .collect();
        let keys: Vec<String> = (0..pairs.len())
            .map(|i| format!("${}", 2 * pairs.len() + i + 1))
            .collect();
        let sql = format!(
            "UPDATE {t} SET {column} = CASE {key} {} END WHERE {key} IN ({})",
            cases.join(" "),
            keys.join(", "),
            t = entity.table
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (k, v) in pairs {
            query = query.bind(k.clone()).bind(v.clone());
        }
        for (k, _) in pairs {
            query = query.bind(k.clone());
        }
        query
            .execute(&mut *self.conn)
            .await
            .map_err(|source| ImportError::Refused {
                file: path.to_string(),
                source,
            })?;
        Ok(())
    }
}
