//! `commons-server restore`: unpack an archive into an empty data directory.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;
use sha2::{Digest, Sha256};

use super::create::Hashing;
use super::{io, BackupError, Manifest, Summary, FORMAT, LAYOUT_VERSION, MANIFEST};
use crate::config::SQLITE_FILE_NAME;

/// Unpacks `archive` beside `data_dir`, checks every file against the
/// manifest, and only then moves the result to `data_dir`, which must be
/// missing or empty. A damaged archive leaves `data_dir` as it was.
pub async fn restore(archive: &Path, data_dir: &Path) -> Result<Summary, BackupError> {
    let (archive, target) = (archive.to_path_buf(), data_dir.to_path_buf());
    let (staging, manifest) = blocking(move || unpack_beside(&archive, &target)).await?;
    if let Err(e) = renew_epoch(&staging.join(SQLITE_FILE_NAME)).await {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    let target = data_dir.to_path_buf();
    blocking(move || put_in_place(&staging, &target)).await?;
    Ok(Summary::of(&manifest))
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, BackupError> + Send + 'static,
) -> Result<T, BackupError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| BackupError::Io {
            context: "restore task".into(),
            source: std::io::Error::other(e),
        })?
}

/// The restored log is an earlier life of the server's: a new epoch makes
/// clients that synced past the backup start over instead of trusting their
/// cursors (their unsent writes stay queued and are sent again).
async fn renew_epoch(database: &Path) -> Result<(), BackupError> {
    use sqlx::{ConnectOptions, Connection};
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(database)
        .connect()
        .await?;
    let renewed = sqlx::query("UPDATE server_identity SET epoch = lower(hex(randomblob(8)))")
        .execute(&mut conn)
        .await;
    conn.close().await?;
    match renewed {
        // An archive from before epochs: the server draws one when it starts.
        Err(sqlx::Error::Database(e)) if e.message().contains("no such table") => Ok(()),
        other => other.map(|_| ()).map_err(BackupError::from),
    }
}

/// Checks the target, then unpacks and checks the archive in a directory
/// beside it.
fn unpack_beside(archive: &Path, data_dir: &Path) -> Result<(PathBuf, Manifest), BackupError> {
    if data_dir.exists() {
        let mut entries = std::fs::read_dir(data_dir)
            .map_err(io(format!("cannot read {}", data_dir.display())))?;
        if entries.next().is_some() {
            return Err(BackupError::TargetNotEmpty(data_dir.display().to_string()));
        }
    }
    let staging = staging_dir(data_dir)?;
    match unpack(archive, &staging).and_then(|found| check(&staging, &found)) {
        Ok(manifest) => Ok((staging, manifest)),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            Err(e)
        }
    }
}

fn put_in_place(staging: &Path, data_dir: &Path) -> Result<(), BackupError> {
    if data_dir.exists() {
        std::fs::remove_dir(data_dir)
            .map_err(io(format!("cannot replace {}", data_dir.display())))?;
    }
    std::fs::rename(staging, data_dir).map_err(io(format!("cannot create {}", data_dir.display())))
}

fn staging_dir(data_dir: &Path) -> Result<PathBuf, BackupError> {
    let parent = data_dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io(format!("cannot create {}", parent.display())))?;
    let name = data_dir
        .file_name()
        .map_or("data".into(), |n| n.to_string_lossy().into_owned());
    let staging = parent.join(format!(
        ".{name}.restoring-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir(&staging).map_err(io(format!("cannot write in {}", parent.display())))?;
    Ok(staging)
}

/// Writes every entry under `staging`; returns each path's SHA-256 and size.
fn unpack(archive: &Path, staging: &Path) -> Result<BTreeMap<String, (String, u64)>, BackupError> {
    let file = File::open(archive).map_err(io(format!("cannot read {}", archive.display())))?;
    let mut tar = tar::Archive::new(GzDecoder::new(BufReader::new(file)));
    let damaged = |e: std::io::Error| BackupError::Damaged(e.to_string());
    let mut found = BTreeMap::new();
    for entry in tar.entries().map_err(damaged)? {
        let entry = entry.map_err(damaged)?;
        let path = entry.path().map_err(damaged)?.into_owned();
        let name = path.to_string_lossy().into_owned();
        if !entry.header().entry_type().is_file() || !super::is_allowed_path(&path) {
            return Err(BackupError::Damaged(format!("unexpected entry {name:?}")));
        }
        if found.contains_key(&name) {
            return Err(BackupError::Damaged(format!("{name} appears twice")));
        }
        let target = staging.join(&path);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(io(format!("cannot create {}", dir.display())))?;
        }
        let mut out =
            File::create(&target).map_err(io(format!("cannot create {}", target.display())))?;
        let mut reader = Hashing {
            inner: entry,
            hasher: Sha256::new(),
            bytes: 0,
        };
        std::io::copy(&mut reader, &mut out).map_err(damaged)?;
        out.sync_all()
            .map_err(io(format!("cannot write {}", target.display())))?;
        found.insert(
            name,
            (format!("{:x}", reader.hasher.finalize()), reader.bytes),
        );
    }
    Ok(found)
}

/// The manifest must describe exactly the files found, byte for byte.
fn check(staging: &Path, found: &BTreeMap<String, (String, u64)>) -> Result<Manifest, BackupError> {
    let text = std::fs::read(staging.join(MANIFEST))
        .map_err(|_| BackupError::Damaged("no manifest.json".into()))?;
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|e| BackupError::Damaged(format!("manifest.json: {e}")))?;
    if manifest.format != FORMAT {
        return Err(BackupError::Damaged(format!(
            "format {:?}",
            manifest.format
        )));
    }
    if manifest.layout_version > LAYOUT_VERSION {
        return Err(BackupError::NewerLayout(manifest.layout_version));
    }
    let mut unlisted: Vec<&String> = found.keys().filter(|p| *p != MANIFEST).collect();
    for file in &manifest.files {
        match found.get(&file.path) {
            Some((sha, bytes)) if *sha == file.sha256 && *bytes == file.bytes => {}
            Some(_) => {
                return Err(BackupError::Damaged(format!(
                    "{} does not match its checksum",
                    file.path
                )))
            }
            None => return Err(BackupError::Damaged(format!("{} is missing", file.path))),
        }
        unlisted.retain(|p| **p != file.path);
    }
    if let Some(extra) = unlisted.first() {
        return Err(BackupError::Damaged(format!(
            "{extra} is not in the manifest"
        )));
    }
    if !manifest.files.iter().any(|f| f.path == SQLITE_FILE_NAME) {
        return Err(BackupError::Damaged("no database in the archive".into()));
    }
    std::fs::remove_file(staging.join(MANIFEST)).map_err(io("cannot remove the manifest"))?;
    Ok(manifest)
}
