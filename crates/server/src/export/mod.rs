//! `commons-server export` and `import commons`, `GET /admin/export` and
//! `GET /me/export`: everything the organisation owns (or one person's own
//! data) as one `.tar.gz` of JSON Lines files, attachment files and a
//! manifest of checksums; `docs/export-format.md` describes the format.
//!
//! An export streams: each table is read in pages (keyset), written as it
//! goes, and all of it is read inside ONE read transaction (a snapshot:
//! REPEATABLE READ on PostgreSQL, a WAL read transaction on SQLite), so a
//! live server's writes during the export are either wholly in it or not
//! at all. Attachment files are read from the store after their rows; a file
//! deleted meanwhile is named in the manifest's `missing_files`.

mod archive;
pub mod entities;
mod import;
pub mod manifest;
mod read;
mod verify;

use std::io;
use std::path::Path;

use commons_protocol::{AuditAction, User};
use serde_json::json;

pub use archive::Output;
pub use import::{import_commons, ImportError, Imported};
pub use manifest::{FileEntry, Manifest, Scope};

use crate::blobs::AttachmentStore;
use crate::db::{Database, DbError};
use crate::ops::audit::{self, Target};
use archive::TarGz;
use entities::{Column, Entity};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{table}.{column}: {problem}")]
    Value {
        table: &'static str,
        column: &'static str,
        problem: String,
    },
    #[error("writing the archive: {0}")]
    Io(#[from] io::Error),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
}

/// One file of an export, with the columns it carries.
struct Part {
    entity: Entity,
    columns: Vec<Column>,
}

struct Plan<'a> {
    scope: Scope,
    person_id: Option<&'a str>,
    password_hashes: bool,
    parts: Vec<Part>,
}

/// Everything the organisation owns, into `out`; records the export in the
/// audit log (`actor` is `None` for the command line). Password hashes only
/// with `include_password_hashes`.
pub async fn organisation(
    db: &Database,
    store: &dyn AttachmentStore,
    out: Output,
    actor: Option<&User>,
    include_password_hashes: bool,
) -> Result<Manifest, ExportError> {
    let parts = entities::ORGANISATION
        .iter()
        .map(|entity| {
            let mut columns = entity.columns.to_vec();
            if include_password_hashes && entity.table == entities::PEOPLE.table {
                columns.push(entities::PASSWORD_HASH);
            }
            Part {
                entity: *entity,
                columns,
            }
        })
        .collect();
    let plan = Plan {
        scope: Scope::Organisation,
        person_id: None,
        password_hashes: include_password_hashes,
        parts,
    };
    let manifest = write(db, store, out, &plan).await?;
    let details = json!({
        "scope": "organisation",
        "rows": counts(&manifest),
        "attachment_files": attachment_files(&manifest),
        "password_hashes_included": include_password_hashes,
    });
    record(
        db,
        actor.map(|a| a.id.as_str()),
        Target::Organisation,
        details,
    )
    .await?;
    Ok(manifest)
}

/// `person`'s own data: profile, memberships, posts with their history,
/// comments, reactions, votes and the files they attached.
pub async fn personal(
    db: &Database,
    store: &dyn AttachmentStore,
    out: Output,
    person: &User,
) -> Result<Manifest, ExportError> {
    let parts = entities::ORGANISATION
        .iter()
        .filter(|entity| entity.personal.is_some())
        .map(|entity| Part {
            entity: *entity,
            columns: entity.columns.to_vec(),
        })
        .collect();
    let plan = Plan {
        scope: Scope::Personal,
        person_id: Some(&person.id),
        password_hashes: false,
        parts,
    };
    let manifest = write(db, store, out, &plan).await?;
    let details = json!({
        "scope": "personal",
        "rows": counts(&manifest),
        "attachment_files": attachment_files(&manifest),
    });
    record(db, Some(&person.id), Target::User(&person.id), details).await?;
    Ok(manifest)
}

/// The command line's export: into `path.partial`, renamed when complete,
/// so an interrupted export never looks finished.
pub async fn organisation_to_file(
    db: &Database,
    store: &dyn AttachmentStore,
    path: &Path,
    include_password_hashes: bool,
) -> Result<Manifest, ExportError> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let file = tokio::fs::File::create(&partial).await?;
    let result = organisation(db, store, Output::File(file), None, include_password_hashes).await;
    match result {
        Ok(manifest) => {
            tokio::fs::rename(&partial, path).await?;
            Ok(manifest)
        }
        Err(e) => {
            let _ = tokio::fs::remove_file(&partial).await;
            Err(e)
        }
    }
}

/// Recorded after the snapshot is read, in a write of its own: on SQLite a
/// read transaction that has fallen behind other writers cannot become a
/// write transaction.
async fn record(
    db: &Database,
    actor: Option<&str>,
    target: Target<'_>,
    details: serde_json::Value,
) -> Result<(), ExportError> {
    let mut write = db.write().await?;
    audit::record(write.conn(), actor, AuditAction::Export, target, details).await?;
    write.commit().await?;
    Ok(())
}

fn counts(manifest: &Manifest) -> serde_json::Map<String, serde_json::Value> {
    manifest
        .files
        .iter()
        .filter_map(|f| f.rows.map(|rows| (f.path.clone(), json!(rows))))
        .collect()
}

fn attachment_files(manifest: &Manifest) -> usize {
    manifest.files.iter().filter(|f| f.rows.is_none()).count()
}

async fn write(
    db: &Database,
    store: &dyn AttachmentStore,
    out: Output,
    plan: &Plan<'_>,
) -> Result<Manifest, ExportError> {
    let mut snapshot = read::Snapshot::begin(db).await?;
    let mut tar = TarGz::new(out);
    let mut files = Vec::new();
    for part in &plan.parts {
        let mut spool = archive::Spool::new()?;
        snapshot
            .table(&part.entity, &part.columns, plan.person_id, &mut spool)
            .await?;
        let sha256 = spool.seal().await?;
        let path = part.entity.file_name();
        files.push(FileEntry {
            path: path.clone(),
            rows: Some(spool.rows),
            bytes: spool.bytes,
            sha256,
        });
        tar.append_spooled(&path, spool).await?;
    }
    let mut missing_files = Vec::new();
    let mut after = None;
    while let Some(page) = snapshot.blobs(plan.person_id, after.as_deref()).await? {
        for sha256 in &page {
            let Some(content) = crate::blobs::read_all(store, sha256, u64::MAX).await? else {
                missing_files.push(sha256.clone());
                continue;
            };
            let path = entities::blob_path(sha256);
            files.push(FileEntry {
                path: path.clone(),
                rows: None,
                bytes: content.len() as u64,
                sha256: archive::sha256_hex(&content),
            });
            tar.append(&path, &content).await?;
        }
        after = page.last().cloned();
    }
    let schema_version = snapshot.schema_version().await?;
    snapshot.end().await?;
    let manifest = Manifest {
        format: manifest::FORMAT.into(),
        format_version: manifest::FORMAT_VERSION,
        scope: plan.scope,
        schema_version,
        created_at: crate::db::now_millis(),
        person_id: plan.person_id.map(str::to_string),
        password_hashes_included: plan.password_hashes,
        excluded: manifest::excluded(plan.password_hashes),
        missing_files,
        files,
    };
    let text = serde_json::to_vec_pretty(&manifest).map_err(io::Error::other)?;
    tar.append(manifest::MANIFEST_FILE, &text).await?;
    tar.finish().await?;
    Ok(manifest)
}
