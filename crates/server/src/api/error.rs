//! The API's one error type: an HTTP status plus the protocol's `ErrorBody`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use commons_protocol::{ErrorBody, ErrorCode};

use crate::db::DbError;
use crate::ops::OpError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("wrong e-mail or password")]
    InvalidCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after_secs: u64,
    },
    /// Details go to the log, never to the client.
    #[error("{0}")]
    Internal(String),
    /// This node cannot serve now; the message says why (no secrets in it).
    #[error("{0}")]
    Unavailable(String),
}

impl ApiError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::BadRequest(_) => ErrorCode::BadRequest,
            ApiError::Unauthorized(_) => ErrorCode::Unauthorized,
            ApiError::InvalidCredentials => ErrorCode::InvalidCredentials,
            ApiError::Forbidden(_) => ErrorCode::Forbidden,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::Conflict(_) => ErrorCode::Conflict,
            ApiError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            ApiError::RateLimited { .. } => ErrorCode::RateLimited,
            ApiError::Internal(_) => ErrorCode::Internal,
            ApiError::Unavailable(_) => ErrorCode::Unavailable,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = self.code();
        let message = match &self {
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                "the server failed; see its log".to_string()
            }
            other => other.to_string(),
        };
        let status =
            StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(ErrorBody::new(code, message))).into_response();
        if let ApiError::RateLimited {
            retry_after_secs, ..
        } = self
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        if code == ErrorCode::PayloadTooLarge {
            // The rest of the body was not read, so the connection cannot carry
            // another request; say so, or the client may reuse it and fail.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

impl From<OpError> for ApiError {
    fn from(e: OpError) -> Self {
        match e {
            OpError::Invalid(m) => ApiError::BadRequest(m),
            OpError::InvalidCredentials => ApiError::InvalidCredentials,
            OpError::Forbidden(m) => ApiError::Forbidden(m),
            OpError::NotFound(m) => ApiError::NotFound(m),
            OpError::Conflict(m) => ApiError::Conflict(m),
            e @ OpError::RateLimited {
                retry_after_secs, ..
            } => ApiError::RateLimited {
                message: e.to_string(),
                retry_after_secs,
            },
            OpError::Db(e) => e.into(),
            OpError::Internal(m) => ApiError::Internal(m),
            OpError::Unavailable(m) => ApiError::Unavailable(m),
        }
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        if e.is_unique_violation() {
            // Two writers raced for one id or e-mail; the loser hears so.
            ApiError::Conflict("this conflicts with something that already exists".into())
        } else {
            ApiError::Internal(e.to_string())
        }
    }
}

/// Unknown paths answer in the API's error shape too.
pub async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint".into())
}
