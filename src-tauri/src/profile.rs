//! Which profile directory (cache and account) this window uses.

use std::path::PathBuf;

use anyhow::Context as _;
use tauri::{AppHandle, Manager};

/// Environment variable naming the profile directory, as for the CLI.
pub const PROFILE_ENV: &str = "COMMONS_PROFILE";

/// The profile directory `COMMONS_PROFILE` names, if it is set.
pub fn from_env() -> Option<PathBuf> {
    std::env::var_os(PROFILE_ENV)
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
}

/// `COMMONS_PROFILE` when set, else the app's per-user data directory.
pub fn dir(app: &AppHandle) -> anyhow::Result<PathBuf> {
    match from_env() {
        Some(dir) => Ok(dir),
        None => app
            .path()
            .app_data_dir()
            .context("finding the app data directory for the profile"),
    }
}
