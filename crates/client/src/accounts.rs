//! Several accounts side by side: one profile directory each (its own cache
//! and keychain entry), kept under one folder that the desktop and the CLI
//! choose. This module lists them and deletes a profile's cache.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::attachments::ATTACHMENTS_DIR;
use crate::cache::CACHE_FILE;
use crate::{Client, ClientError, User};

/// One profile found by [`list_accounts`].
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AccountEntry {
    /// The profile directory's name, which names the account locally.
    pub name: String,
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub profile_dir: PathBuf,
    pub server_url: String,
    pub user: User,
    /// False when the token is gone (logged out, or the server ended the session).
    pub logged_in: bool,
}

/// The accounts of the profile directories directly under `root`, by name.
/// A directory without a cache, or whose cache holds no account, is skipped;
/// a missing `root` has none. Reads the keychain to tell who is logged in.
pub async fn list_accounts(root: &Path) -> Result<Vec<AccountEntry>, ClientError> {
    let error = |source| ClientError::Profile {
        path: root.display().to_string(),
        source,
    };
    let entries = match std::fs::read_dir(root) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(error(e)),
    };
    let mut dirs: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let path = entry.map_err(error)?.path();
        if path.join(CACHE_FILE).is_file() {
            dirs.push(path);
        }
    }
    dirs.sort();
    let mut accounts = Vec::new();
    for dir in dirs {
        let client = Client::open(&dir).await?;
        let found = async {
            let Some(stored) = client.stored_account().await? else {
                return Ok(None);
            };
            let logged_in = client.account().await?.is_some();
            Ok::<_, ClientError>(Some((stored, logged_in)))
        }
        .await;
        client.close().await;
        if let Some((account, logged_in)) = found? {
            accounts.push(AccountEntry {
                name: dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                profile_dir: dir,
                server_url: account.server_url,
                user: account.user,
                logged_in,
            });
        }
    }
    Ok(accounts)
}

/// Deletes what the client keeps in a profile directory (the cache, its
/// write-ahead log, downloaded attachments), then the directory if nothing
/// else is left in it.
pub(crate) fn delete_cache_files(profile_dir: &Path) -> Result<(), ClientError> {
    let error = |source| ClientError::Profile {
        path: profile_dir.display().to_string(),
        source,
    };
    for suffix in ["", "-wal", "-shm"] {
        let file = profile_dir.join(format!("{CACHE_FILE}{suffix}"));
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(error(e)),
        }
    }
    match std::fs::remove_dir_all(profile_dir.join(ATTACHMENTS_DIR)) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(error(e)),
    }
    // Not empty: the directory holds something else of the user's; keep it.
    let _ = std::fs::remove_dir(profile_dir);
    Ok(())
}
