//! The one error shape commands hand to the UI: a kind to branch on and a
//! sentence for people.

use commons_client::{ClientError, ErrorCode};
use serde::Serialize;

/// What the UI branches on. Mirrors the client core's errors, with the
/// server's error codes folded into what a person can act on.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The server cannot be reached; writes stay queued.
    Offline,
    /// No account in this profile: show the login form.
    NotLoggedIn,
    /// The server ended the session: log in again.
    SessionExpired,
    /// The OS keychain is missing or locked.
    Keychain,
    /// Wrong e-mail or password.
    InvalidCredentials,
    Forbidden,
    NotFound,
    /// The request itself is wrong (empty text, too long, bad server address...).
    InvalidInput,
    Conflict,
    /// The server failed or answered something unexpected.
    Server,
    /// This machine failed: the cache or the profile directory.
    Local,
}

#[derive(Serialize, Clone, Debug, PartialEq, Eq, specta::Type, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub kind: ErrorKind,
    pub message: String,
}

impl AppError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        AppError {
            kind,
            message: message.into(),
        }
    }
}

impl From<ClientError> for AppError {
    fn from(error: ClientError) -> Self {
        let kind = match &error {
            ClientError::Offline(_) => ErrorKind::Offline,
            ClientError::NotLoggedIn => ErrorKind::NotLoggedIn,
            ClientError::SessionExpired => ErrorKind::SessionExpired,
            ClientError::Keychain(_) => ErrorKind::Keychain,
            ClientError::InvalidInput(_) => ErrorKind::InvalidInput,
            ClientError::Server { code, message, .. } => {
                // The server's message is written for people; the status line is not.
                return AppError::new(kind_of_code(*code), message.clone());
            }
            ClientError::UnexpectedResponse(_) => ErrorKind::Server,
            _ => ErrorKind::Local,
        };
        AppError::new(kind, error.to_string())
    }
}

fn kind_of_code(code: ErrorCode) -> ErrorKind {
    match code {
        ErrorCode::InvalidCredentials => ErrorKind::InvalidCredentials,
        ErrorCode::Unauthorized => ErrorKind::SessionExpired,
        // Too many failed logins: the server's sentence says how long to wait.
        ErrorCode::Forbidden | ErrorCode::RateLimited => ErrorKind::Forbidden,
        ErrorCode::NotFound => ErrorKind::NotFound,
        ErrorCode::BadRequest | ErrorCode::PayloadTooLarge => ErrorKind::InvalidInput,
        ErrorCode::Conflict => ErrorKind::Conflict,
        ErrorCode::Internal | ErrorCode::Unavailable => ErrorKind::Server,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_keep_the_servers_sentence() {
        let error = AppError::from(ClientError::Server {
            status: 401,
            code: ErrorCode::InvalidCredentials,
            message: "wrong e-mail or password".into(),
        });
        assert_eq!(error.kind, ErrorKind::InvalidCredentials);
        assert_eq!(error.message, "wrong e-mail or password");
    }

    #[test]
    fn offline_and_keychain_errors_are_told_apart() {
        let offline = AppError::from(ClientError::Offline("http://127.0.0.1:9".into()));
        assert_eq!(offline.kind, ErrorKind::Offline);
        assert!(offline.message.contains("127.0.0.1:9"));
        let keychain = AppError::from(ClientError::Keychain("no Secret Service".into()));
        assert_eq!(keychain.kind, ErrorKind::Keychain);
    }

    #[test]
    fn serialises_as_kind_and_message() {
        let json = serde_json::to_value(AppError::new(ErrorKind::NotLoggedIn, "log in")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "not_logged_in", "message": "log in"})
        );
    }
}
