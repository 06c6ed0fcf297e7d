//! Where the server keeps its data and where it listens.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// File name of the embedded SQLite database inside the data directory.
pub const SQLITE_FILE_NAME: &str = "commons.db";

/// Where the data lives: the data directory, and optionally an external
/// database (`postgres://...`) used instead of the embedded SQLite file.
#[derive(Clone, Debug)]
pub struct DatabaseConfig {
    pub data_dir: PathBuf,
    pub url: Option<String>,
}

/// Everything `commons-server serve` needs.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub database: DatabaseConfig,
    /// `127.0.0.1:0` picks a free port; [`crate::RunningServer::addr`] tells which.
    pub listen: SocketAddr,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl DatabaseConfig {
    pub fn new(data_dir: impl Into<PathBuf>, url: Option<String>) -> Self {
        DatabaseConfig {
            data_dir: data_dir.into(),
            url,
        }
    }

    /// Creates the data directory if missing and returns the URL to connect to.
    pub fn prepare(&self) -> Result<String, ConfigError> {
        std::fs::create_dir_all(&self.data_dir).map_err(|source| ConfigError::DataDir {
            path: self.data_dir.clone(),
            source,
        })?;
        if let Some(url) = &self.url {
            return Ok(url.clone());
        }
        let dir = std::path::absolute(&self.data_dir).map_err(|source| ConfigError::DataDir {
            path: self.data_dir.clone(),
            source,
        })?;
        Ok(sqlite_url(&dir.join(SQLITE_FILE_NAME)))
    }
}

/// `sqlite://PATH?mode=rwc`, escaping the characters sqlx would read as URL syntax.
fn sqlite_url(path: &Path) -> String {
    let mut escaped = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => escaped.push_str("%25"),
            '?' => escaped.push_str("%3F"),
            '#' => escaped.push_str("%23"),
            ' ' => escaped.push_str("%20"),
            c => escaped.push(c),
        }
    }
    format!("sqlite://{escaped}?mode=rwc")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_url_escapes_url_syntax_in_paths() {
        assert_eq!(
            sqlite_url(Path::new("/tmp/a b?#%/commons.db")),
            "sqlite:///tmp/a%20b%3F%23%25/commons.db?mode=rwc"
        );
    }
}
