//! The one error type of the client core.

use commons_protocol::ErrorCode;

/// What can go wrong in a client call. Callers branch on the variant:
/// `Offline` means "try later, your data is safe", `NotLoggedIn` and
/// `SessionExpired` mean "show the login screen".
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server could not be reached (connection refused, DNS, timeout).
    #[error("offline: cannot reach {0}")]
    Offline(String),

    /// This profile has no logged-in account (or its token is gone from the keychain).
    #[error("not logged in: run `commons login` first")]
    NotLoggedIn,

    /// The server no longer accepts this profile's session token.
    #[error("the server ended this session: log in again")]
    SessionExpired,

    /// The OS keychain could not store or read the session token.
    #[error("{0}")]
    Keychain(String),

    /// The server answered with an error.
    #[error("{message} (the server answered {status})")]
    Server {
        status: u16,
        code: ErrorCode,
        message: String,
    },

    /// The caller asked for something that cannot be done (empty text, unknown group...).
    #[error("{0}")]
    InvalidInput(String),

    /// The server answered 2xx with a body this client does not understand.
    #[error("unexpected answer from the server: {0}")]
    UnexpectedResponse(String),

    /// The local cache database failed.
    #[error("local cache error: {0}")]
    Cache(#[from] sqlx::Error),

    /// The cache could not be migrated to this version's schema.
    #[error("local cache migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),

    /// The profile directory could not be created or read.
    #[error("profile directory {path}: {source}")]
    Profile {
        path: String,
        #[source]
        source: std::io::Error,
    },

    /// Data stored in the cache could not be decoded (a bug or a damaged file).
    #[error("damaged cache data: {0}")]
    CorruptCache(String),
}

impl ClientError {
    /// Keychain failures all read the same way: the user has to fix the keychain.
    pub(crate) fn keychain(detail: impl std::fmt::Display) -> Self {
        ClientError::Keychain(format!(
            "the OS keychain (Secret Service) is not reachable or is locked, so the session \
             token cannot be stored or read ({detail}); unlock your keyring or start a Secret \
             Service such as gnome-keyring"
        ))
    }

    /// True for errors that say nothing about the request itself: retrying later may work.
    pub fn is_offline(&self) -> bool {
        matches!(self, ClientError::Offline(_))
    }
}
