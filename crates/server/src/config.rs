//! Where the server keeps its data and where it listens.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

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
    /// Take the client's address from the last `X-Forwarded-For` entry (set
    /// by a load balancer) instead of the TCP peer. Only safe when every
    /// request comes through a proxy that appends that header.
    pub trust_forwarded_for: bool,
    pub tuning: Tuning,
    /// Where attachment files live: a local folder, or a bucket every node reaches.
    pub attachment_store: AttachmentStoreConfig,
    /// Single sign-on through an OpenID Connect provider; `None`: passwords only.
    pub sso: Option<SsoConfig>,
}

/// The organisation's OpenID Connect provider; the server is its client
/// (confidential: the secret never leaves the server). See `docs/sso.md`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoConfig {
    /// The provider's issuer, exactly as its discovery document says it
    /// (`https://login.example.org/realms/acme`).
    pub issuer_url: String,
    pub client_id: String,
    pub client_secret: String,
    /// This server's callback as registered with the provider:
    /// `https://commons.example.org/api/v1/auth/sso/callback`.
    pub redirect_url: String,
    /// Password logins refused, except for organisation admins.
    pub required: bool,
    /// Asked of the provider; always includes `openid`, `email` and `profile`.
    pub scopes: Vec<String>,
    /// The login button's text in the apps.
    pub button_label: String,
}

/// Where attachment files live.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum AttachmentStoreConfig {
    /// `<data_dir>/attachments`: one node, or a folder shared by all nodes.
    #[default]
    Local,
    /// S3-compatible object storage; uploads wait in `<data_dir>/attachments-spool`.
    S3(crate::blobs::S3Config),
}

impl ServerConfig {
    /// Direct connections and production timings.
    pub fn new(database: DatabaseConfig, listen: SocketAddr) -> Self {
        ServerConfig {
            database,
            listen,
            trust_forwarded_for: false,
            tuning: Tuning::default(),
            attachment_store: AttachmentStoreConfig::Local,
            sso: None,
        }
    }
}

/// Internal knobs, not flags: production values by default; tests shorten them.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tuning {
    pub stream: StreamTuning,
    pub login: LoginLimits,
    pub attachments: AttachmentLimits,
    pub writes: WriteLimits,
    pub sync: SyncTuning,
    pub retention: RetentionTuning,
}

/// The retention job of `serve` (`retention.interval`).
#[derive(Clone, Copy, Debug)]
pub struct RetentionTuning {
    /// A round every this long, the first one interval after start; `None`: never.
    pub every: Option<Duration>,
}

impl Default for RetentionTuning {
    fn default() -> Self {
        RetentionTuning {
            every: Some(Duration::from_secs(60 * 60)),
        }
    }
}

/// What sync sends.
#[derive(Clone, Copy, Debug)]
pub struct SyncTuning {
    /// When someone joins a group, their sync carries the newest this many
    /// posts of it (with comments and reactions, and the pinned posts); the
    /// group page endpoint serves older ones.
    pub join_backfill_posts: i64,
}

impl Default for SyncTuning {
    fn default() -> Self {
        SyncTuning {
            join_backfill_posts: 100,
        }
    }
}

/// Writes (any authenticated request other than GET/HEAD) one person may
/// make per window, on all nodes together, before answering 429. Generous:
/// people and the desktop app never come near it; it stops runaway scripts.
#[derive(Clone, Copy, Debug)]
pub struct WriteLimits {
    pub per_user: i64,
    pub window: Duration,
}

impl Default for WriteLimits {
    fn default() -> Self {
        WriteLimits {
            per_user: 3000,
            window: Duration::from_secs(60),
        }
    }
}

/// Uploads.
#[derive(Clone, Copy, Debug)]
pub struct AttachmentLimits {
    /// Largest file accepted by `POST /api/v1/attachments` (413 beyond).
    pub max_bytes: u64,
}

impl Default for AttachmentLimits {
    fn default() -> Self {
        AttachmentLimits {
            max_bytes: commons_protocol::DEFAULT_MAX_ATTACHMENT_BYTES,
        }
    }
}

/// Liveness of WebSocket connections.
#[derive(Clone, Copy, Debug)]
pub struct StreamTuning {
    /// How often the server pings each connection.
    pub ping_every: Duration,
    /// A connection that sent nothing (not even a pong) for this long is closed.
    pub silence_limit: Duration,
    /// A send that cannot complete in this time (the client stopped reading)
    /// closes the connection instead of buffering for it.
    pub send_timeout: Duration,
}

impl Default for StreamTuning {
    fn default() -> Self {
        StreamTuning {
            ping_every: Duration::from_secs(20),
            silence_limit: Duration::from_secs(60),
            send_timeout: Duration::from_secs(10),
        }
    }
}

/// Failed logins allowed per window before answering 429.
#[derive(Clone, Copy, Debug)]
pub struct LoginLimits {
    /// For one e-mail address: guessing one person's password.
    pub per_email: i64,
    /// From one client address: spraying many accounts. Higher, because an
    /// office may share one address.
    pub per_address: i64,
    pub window: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            per_email: 10,
            per_address: 100,
            window: Duration::from_secs(15 * 60),
        }
    }
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
