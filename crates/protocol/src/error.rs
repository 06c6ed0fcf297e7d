//! The one error shape of the API: HTTP status plus `{"error":{"code","message"}}`.

use serde::{Deserialize, Serialize};

/// Machine-readable error codes. The HTTP status goes with the code.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: malformed or invalid input.
    BadRequest,
    /// 401: no session, or the session ended.
    Unauthorized,
    /// 401: wrong e-mail or password.
    InvalidCredentials,
    /// 403: the caller may see the thing but not do this to it.
    Forbidden,
    /// 404: does not exist, or the caller may not know it exists.
    NotFound,
    /// 409: conflicts with existing state (an id or e-mail already taken).
    Conflict,
    /// 413: too large.
    PayloadTooLarge,
    /// 429: too many attempts (failed logins); the `Retry-After` header says
    /// how many seconds to wait.
    RateLimited,
    /// 500: the server failed; details are in its log, not in the answer.
    Internal,
    /// 503: this node cannot serve now (its database does not answer, or its
    /// schema is behind); another node may. Retry later.
    Unavailable,
}

impl ErrorCode {
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::BadRequest => 400,
            ErrorCode::Unauthorized | ErrorCode::InvalidCredentials => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorBody {
            error: ErrorDetail {
                code,
                message: message.into(),
            },
        }
    }
}
