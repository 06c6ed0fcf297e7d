//! `manifest.json`: what the archive holds, with a checksum for every file.

use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "commons-export";
pub const FORMAT_VERSION: i64 = 1;
pub const MANIFEST_FILE: &str = "manifest.json";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Everything the organisation owns.
    Organisation,
    /// One person's own data.
    Personal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    /// Lines of a `.jsonl` file; absent for attachment files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    pub bytes: u64,
    /// Hex SHA-256 of the file's content.
    pub sha256: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: i64,
    pub scope: Scope,
    /// The database schema version of the server that wrote the archive.
    pub schema_version: i64,
    /// Unix milliseconds.
    pub created_at: i64,
    /// The person whose data a personal export holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_id: Option<String>,
    pub password_hashes_included: bool,
    /// What the server has but the archive leaves out, in words.
    pub excluded: Vec<String>,
    /// Attachment files named by a row but gone from the store when the
    /// export read them (deleted while it ran).
    pub missing_files: Vec<String>,
    /// Every other file of the archive, in archive order.
    pub files: Vec<FileEntry>,
}

pub fn excluded(password_hashes: bool) -> Vec<String> {
    let mut excluded = vec![
        "session tokens (sessions): every person signs in again on the new server".to_string(),
        "replayed-write records (mutations) and failed-login counters: short-lived bookkeeping"
            .to_string(),
        "the search index: rebuilt from the content".to_string(),
        "the server's identity (epoch): a new server is another life of the change log".to_string(),
    ];
    if !password_hashes {
        excluded.insert(
            0,
            "password hashes: left out unless --include-password-hashes".to_string(),
        );
    }
    excluded
}
