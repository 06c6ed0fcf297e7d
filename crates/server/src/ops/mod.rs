//! What the server does, independent of HTTP: the rules of who may see and
//! do what, applied inside database transactions. Used by the API and by the
//! `demo` and `admin` commands.

pub mod comments;
pub mod feed;
pub mod groups;
pub mod membership;
pub mod notifications;
pub mod people;
pub mod posts;
pub mod reactions;
pub mod requests;
pub mod search;
pub mod sync;
pub mod users;
pub mod validate;

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
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    Internal(String),
}

impl From<sqlx::Error> for OpError {
    fn from(e: sqlx::Error) -> Self {
        OpError::Db(DbError::Sqlx(e))
    }
}

pub type OpResult<T> = Result<T, OpError>;
