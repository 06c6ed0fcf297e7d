//! Bearer-token authentication and the account endpoints.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use commons_protocol::{LoginRequest, LoginResponse, User};

use super::error::ApiError;
use super::extract::{ApiJson, ClientAddr};
use super::AppState;
use crate::ops;

/// The caller, authenticated by `Authorization: Bearer TOKEN`; rejects with 401.
pub struct AuthUser {
    pub user: User,
    pub token: String,
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(&parts.headers).ok_or_else(|| {
            ApiError::Unauthorized("log in first: send Authorization: Bearer TOKEN".into())
        })?;
        authenticate(state, token).await
    }
}

/// The token of an `Authorization: Bearer TOKEN` header.
pub(super) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

pub(super) async fn authenticate(state: &AppState, token: &str) -> Result<AuthUser, ApiError> {
    match ops::users::session_user(&state.db, token).await? {
        Some(user) => Ok(AuthUser {
            user,
            token: token.to_string(),
        }),
        None => Err(ApiError::Unauthorized(
            "this session has ended or never existed: log in again".into(),
        )),
    }
}

pub async fn login(
    State(state): State<AppState>,
    ClientAddr(source): ClientAddr,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let response = ops::users::login(&state.db, &state.logins, &request, source).await?;
    Ok(Json(response))
}

pub async fn logout(State(state): State<AppState>, auth: AuthUser) -> Result<StatusCode, ApiError> {
    ops::users::logout(&state.db, &auth.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(auth: AuthUser) -> Json<User> {
    Json(auth.user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_from_the_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, "bearer  abc ".parse().unwrap());
        assert_eq!(bearer_token(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, "Bearer ".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
    }
}
