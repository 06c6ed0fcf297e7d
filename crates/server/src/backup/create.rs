//! `commons-server backup`: a consistent archive of a running SQLite server.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;
use sha2::{Digest, Sha256};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Row};

use super::{
    io, BackupError, FileEntry, Manifest, Summary, ATTACHMENTS, FORMAT, LAYOUT_VERSION, MANIFEST,
};
use crate::config::{DatabaseConfig, SQLITE_FILE_NAME};
use crate::db::Database;

/// Writes the archive to `out` (through `out.partial`, renamed when complete,
/// so an interrupted backup never looks finished). The database copy is
/// taken with `VACUUM INTO`, which reads one snapshot while the server keeps
/// writing; the attachment files are copied after it.
pub async fn backup(config: &DatabaseConfig, out: &Path) -> Result<Summary, BackupError> {
    if config.url.is_some() {
        return Err(BackupError::NotSqlite);
    }
    let live = config.data_dir.join(SQLITE_FILE_NAME);
    if !live.is_file() {
        return Err(BackupError::NoDatabase(
            config.data_dir.display().to_string(),
        ));
    }
    let staging = Staging::new(out)?;
    let copy = staging.0.join(SQLITE_FILE_NAME);
    let db = Database::open(config).await?;
    let snapshot = sqlx::query("VACUUM INTO $1")
        .bind(copy.to_string_lossy().into_owned())
        .execute(db.pool())
        .await;
    db.close().await;
    snapshot?;
    let (schema_version, referenced) = read_copy(&copy).await?;

    let attachments = config.data_dir.join(ATTACHMENTS);
    let out = out.to_path_buf();
    let server_version = env!("CARGO_PKG_VERSION").to_string();
    tokio::task::spawn_blocking(move || {
        let manifest = write_archive(&copy, &attachments, &out, |files| {
            let copied: BTreeSet<&str> = files
                .iter()
                .filter_map(|f: &FileEntry| f.path.rsplit('/').next())
                .collect();
            Manifest {
                format: FORMAT.into(),
                layout_version: LAYOUT_VERSION,
                schema_version,
                server_version,
                created_at: crate::db::now_millis(),
                missing_attachments: referenced
                    .iter()
                    .filter(|sha| !copied.contains(sha.as_str()))
                    .cloned()
                    .collect(),
                files: files.to_vec(),
            }
        })?;
        drop(staging);
        Ok(Summary::of(&manifest))
    })
    .await
    .map_err(|e| BackupError::Io {
        context: "backup task".into(),
        source: std::io::Error::other(e),
    })?
}

/// The copy's schema version and the attachment files its rows name.
async fn read_copy(copy: &Path) -> Result<(i64, BTreeSet<String>), BackupError> {
    let mut conn = SqliteConnectOptions::new()
        .filename(copy)
        .read_only(true)
        .connect()
        .await?;
    let schema: i64 = sqlx::query("SELECT MAX(version) AS v FROM schema_migrations")
        .fetch_one(&mut conn)
        .await?
        .try_get("v")?;
    let mut referenced = BTreeSet::new();
    for row in sqlx::query("SELECT sha256, thumb_sha256 FROM attachments")
        .fetch_all(&mut conn)
        .await?
    {
        referenced.insert(row.try_get::<String, _>("sha256")?);
        if let Some(thumb) = row.try_get::<Option<String>, _>("thumb_sha256")? {
            referenced.insert(thumb);
        }
    }
    Ok((schema, referenced))
}

fn write_archive(
    database: &Path,
    attachments: &Path,
    out: &Path,
    manifest: impl FnOnce(&[FileEntry]) -> Manifest,
) -> Result<Manifest, BackupError> {
    let partial = out.with_extension("partial");
    let written = write_partial(database, attachments, &partial, manifest);
    let renamed = written.and_then(|manifest| {
        std::fs::rename(&partial, out).map_err(io(format!("cannot create {}", out.display())))?;
        Ok(manifest)
    });
    if renamed.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    renamed
}

fn write_partial(
    database: &Path,
    attachments: &Path,
    partial: &Path,
    manifest: impl FnOnce(&[FileEntry]) -> Manifest,
) -> Result<Manifest, BackupError> {
    let file = File::create(partial).map_err(io(format!("cannot create {}", partial.display())))?;
    let mut tar = tar::Builder::new(GzEncoder::new(BufWriter::new(file), Compression::fast()));
    let mut files = vec![append_file(&mut tar, database, SQLITE_FILE_NAME)?];
    for (path, name) in attachment_files(attachments)? {
        files.push(append_file(&mut tar, &path, &name)?);
    }
    let manifest = manifest(&files);
    let text = serde_json::to_vec_pretty(&manifest).map_err(|e| BackupError::Io {
        context: "manifest".into(),
        source: e.into(),
    })?;
    let mut header = tar::Header::new_gnu();
    header.set_size(text.len() as u64);
    header.set_mode(0o600);
    header.set_mtime(u64::try_from(manifest.created_at / 1000).unwrap_or(0));
    tar.append_data(&mut header, MANIFEST, text.as_slice())
        .map_err(io("cannot write the manifest"))?;
    let gz = tar.into_inner().map_err(io("cannot finish the archive"))?;
    let mut writer = gz.finish().map_err(io("cannot finish the archive"))?;
    writer.flush().map_err(io("cannot write the archive"))?;
    let file = writer.into_inner().map_err(|e| BackupError::Io {
        context: "cannot write the archive".into(),
        source: e.into_error(),
    })?;
    file.sync_all().map_err(io("cannot write the archive"))?;
    Ok(manifest)
}

/// Every stored blob (`attachments/ab/cd/<sha256>`), in a stable order;
/// unfinished uploads (`attachments/tmp`) are not blobs yet.
fn attachment_files(root: &Path) -> Result<Vec<(PathBuf, String)>, BackupError> {
    let mut found = Vec::new();
    if !root.is_dir() {
        return Ok(found);
    }
    let list = |dir: &Path| -> Result<Vec<PathBuf>, BackupError> {
        let mut entries = std::fs::read_dir(dir)
            .map_err(io(format!("cannot read {}", dir.display())))?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(io(format!("cannot read {}", dir.display())))?;
        entries.sort();
        Ok(entries)
    };
    for first in list(root)? {
        for second in list(&first).unwrap_or_default() {
            for blob in list(&second).unwrap_or_default() {
                let relative = blob.strip_prefix(root).unwrap_or(&blob);
                let name = format!("{ATTACHMENTS}/{}", relative.to_string_lossy());
                if blob.is_file() && super::is_allowed_path(Path::new(&name)) {
                    found.push((blob, name));
                }
            }
        }
    }
    Ok(found)
}

fn append_file<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &Path,
    name: &str,
) -> Result<FileEntry, BackupError> {
    let file = File::open(path).map_err(io(format!("cannot read {}", path.display())))?;
    let metadata = file
        .metadata()
        .map_err(io(format!("cannot read {}", path.display())))?;
    let mut header = tar::Header::new_gnu();
    header.set_metadata(&metadata);
    header.set_mode(0o600);
    let mut reader = Hashing {
        inner: file,
        hasher: Sha256::new(),
        bytes: 0,
    };
    tar.append_data(&mut header, name, &mut reader)
        .map_err(io(format!("cannot archive {}", path.display())))?;
    Ok(FileEntry {
        path: name.to_string(),
        sha256: format!("{:x}", reader.hasher.finalize()),
        bytes: reader.bytes,
    })
}

/// Hashes what passes through it.
pub(super) struct Hashing<R> {
    pub inner: R,
    pub hasher: Sha256,
    pub bytes: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// A scratch directory beside the archive, removed when dropped.
struct Staging(PathBuf);

impl Staging {
    fn new(out: &Path) -> Result<Staging, BackupError> {
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let dir = parent.join(format!(".commons-backup-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir)
            .map_err(io(format!("cannot write in {}", parent.display())))?;
        Ok(Staging(dir))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
