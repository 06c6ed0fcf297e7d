//! Backups of a server on embedded SQLite: one `.tar.gz` archive holding a
//! consistent copy of the database (`VACUUM INTO`, taken while the server
//! runs), the attachment files and a manifest with a SHA-256 per file.
//! `restore` unpacks an archive into an empty data directory, checking every
//! file against the manifest before anything appears there. PostgreSQL is
//! backed up with its own tools (`pg_dump`); see `docs/operations.md`.

mod create;
mod restore;

use std::path::{Component, Path};

use serde::{Deserialize, Serialize};

pub use create::backup;
pub use restore::restore;

/// `format` of every manifest, so a stray archive is recognised as foreign.
pub const FORMAT: &str = "commons-backup";
/// Version of the archive layout (not of the database schema).
pub const LAYOUT_VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";
const ATTACHMENTS: &str = "attachments";

/// `manifest.json`, the last entry of the archive.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub format: String,
    pub layout_version: u32,
    /// The newest database migration applied in the copy.
    pub schema_version: i64,
    /// The `commons-server` version that wrote the archive.
    pub server_version: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub files: Vec<FileEntry>,
    /// Attachments the database copy names whose file was deleted while the
    /// backup ran (their post was deleted meanwhile); normally empty.
    pub missing_attachments: Vec<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Relative path inside the archive and the data directory.
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

/// What a backup or a restore did, for the command's summary line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub schema_version: i64,
    pub database_bytes: u64,
    pub attachment_files: usize,
    pub attachment_bytes: u64,
    pub missing_attachments: Vec<String>,
}

impl Summary {
    fn of(manifest: &Manifest) -> Summary {
        let (attachments, database): (Vec<_>, Vec<_>) = manifest
            .files
            .iter()
            .partition(|f| f.path.starts_with(ATTACHMENTS));
        Summary {
            schema_version: manifest.schema_version,
            database_bytes: database.iter().map(|f| f.bytes).sum(),
            attachment_files: attachments.len(),
            attachment_bytes: attachments.iter().map(|f| f.bytes).sum(),
            missing_attachments: manifest.missing_attachments.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "this server uses PostgreSQL: back the database up with pg_dump and the attachment \
         store with its own tools (see docs/operations.md); `backup` copies the embedded SQLite database"
    )]
    NotSqlite,
    #[error("no Commons database in {0}")]
    NoDatabase(String),
    #[error("{0} is not empty: restore only into an empty or new data directory")]
    TargetNotEmpty(String),
    #[error("the archive is not a Commons backup or is damaged: {0}")]
    Damaged(String),
    #[error("the archive was written by a newer layout ({0}); upgrade commons-server")]
    NewerLayout(u32),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let context = context.into();
    move |source| BackupError::Io { context, source }
}

/// The only paths an archive may hold: the manifest, the database and
/// content-addressed attachments (`attachments/ab/cd/<sha256>`). Anything
/// else (absolute paths, `..`, links) is refused, so an archive cannot write
/// outside the directory it is restored into.
fn is_allowed_path(path: &Path) -> bool {
    let parts: Option<Vec<&str>> = path
        .components()
        .map(|c| match c {
            Component::Normal(part) => part.to_str(),
            _ => None,
        })
        .collect();
    match parts.as_deref() {
        Some([MANIFEST]) | Some([crate::config::SQLITE_FILE_NAME]) => true,
        Some([ATTACHMENTS, a, b, name]) => {
            crate::blobs::is_sha256_hex(name) && name.starts_with(&format!("{a}{b}"))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archives_hold_only_the_database_the_manifest_and_attachments() {
        let sha = "ab".repeat(32);
        assert!(is_allowed_path(Path::new("commons.db")));
        assert!(is_allowed_path(Path::new("manifest.json")));
        assert!(is_allowed_path(Path::new(&format!(
            "attachments/ab/ab/{sha}"
        ))));
        for refused in [
            format!("attachments/ab/cd/{sha}"),
            "attachments/tmp/upload-1".into(),
            "../commons.db".into(),
            "/etc/passwd".into(),
            "attachments/../../x".into(),
            "notes.txt".into(),
        ] {
            assert!(!is_allowed_path(Path::new(&refused)), "{refused}");
        }
    }
}
