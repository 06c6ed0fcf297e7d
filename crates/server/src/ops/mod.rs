//! What the server does, independent of HTTP: the rules of who may see and
//! do what, applied inside database transactions. Used by the API and by the
//! `demo` and `admin` commands.

pub mod attachments;
pub mod audit;
pub mod comments;
pub mod erasure;
pub mod feed;
pub mod groups;
pub mod images;
pub mod login_limit;
pub mod membership;
pub mod notifications;
pub mod people;
pub mod polls;
pub mod posts;
pub mod reactions;
pub mod requests;
pub mod retention;
pub mod search;
pub mod sso;
pub mod sync;
pub mod users;
pub mod validate;
pub mod write_limit;

use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// Bad input, with a message for the person who sent it.
    #[error("{0}")]
    Invalid(String),
    #[error("wrong e-mail or password")]
    InvalidCredentials,
    #[error("{0}")]
    Forbidden(String),
    /// Also for what exists but the caller may not know about.
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// `what` names what was counted ("failed logins", "writes").
    #[error("too many {what}: try again in {}", wait_text(*retry_after_secs))]
    RateLimited {
        what: &'static str,
        retry_after_secs: u64,
    },
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    Internal(String),
    /// Something this node depends on (the identity provider) cannot be used now.
    #[error("{0}")]
    Unavailable(String),
}

impl From<sqlx::Error> for OpError {
    fn from(e: sqlx::Error) -> Self {
        OpError::Db(DbError::Sqlx(e))
    }
}

pub type OpResult<T> = Result<T, OpError>;

/// "40 seconds", "15 minutes": for messages people read.
fn wait_text(secs: u64) -> String {
    match secs {
        1 => "1 second".into(),
        0..60 => format!("{secs} seconds"),
        _ => match secs.div_ceil(60) {
            1 => "1 minute".into(),
            minutes => format!("{minutes} minutes"),
        },
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn waits_read_as_seconds_or_whole_minutes() {
        assert_eq!(super::wait_text(1), "1 second");
        assert_eq!(super::wait_text(59), "59 seconds");
        assert_eq!(super::wait_text(60), "1 minute");
        assert_eq!(super::wait_text(61), "2 minutes");
        assert_eq!(super::wait_text(900), "15 minutes");
    }
}
